//! A signature that carries only the signer's certificate, issued by an
//! intermediate CA below a listed one: the client fetches the intermediate
//! from the address the certificate names (AIA caIssuers), keeps it, and
//! the chain reaches the list — qualified. What the address serves must be
//! a certificate; nothing else is kept.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use cabinet_core::secrets::{Keychain, KeychainBackend};
use cabinet_core::trust_store::TrustStore;
use cabinet_core::verdict::TrustView;
use cabinet_core::Cabinet;
use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
use cabinet_sign::tsl::{parse_time, Authority, CaKey, StatusEntry, TrustList};
use cabinet_sign::{PfxIdentity, SigningKey};
use chrono::{Duration, Utc};

fn request(name: &str, profile: Profile) -> Request {
    Request {
        kind: KeyKind::GOST_256,
        subject: Subject {
            common_name: name.into(),
            ..Subject::default()
        },
        not_before: Utc::now() - Duration::days(10),
        not_after: Utc::now() + Duration::days(300),
        profile,
    }
}

/// A one-file web server on loopback: every GET gets what `body` holds
/// then; the count of requests.
fn serve() -> (String, Arc<AtomicU32>, Arc<Mutex<Vec<u8>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicU32::new(0));
    let body = Arc::new(Mutex::new(Vec::new()));
    let (counted, served) = (hits.clone(), body.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            counted.fetch_add(1, Ordering::SeqCst);
            let body = served.lock().unwrap().clone();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-cert\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&body);
        }
    });
    (format!("http://{addr}"), hits, body)
}

/// Judges a signature whose intermediate is served (or, with `Some`, what
/// is served instead); the verdict's trust and the requests after the
/// first and the second judgement.
fn judge(instead: Option<Vec<u8>>) -> (TrustView, u32, u32) {
    let root = IssuedKey::new_root(&request("Головной УЦ", Profile::Root)).unwrap();
    let (base, hits, body) = serve();
    let uc = root
        .issue(&request("УЦ выдающий", Profile::Root))
        .unwrap()
        .with_ca_issuers_url(&format!("{base}/uc.cer"));
    *body.lock().unwrap() = instead.unwrap_or_else(|| uc.certificate().der.clone());
    let person = uc
        .issue(&request("Иванова Мария Петровна", Profile::Signer))
        .unwrap();
    assert_eq!(
        person.certificate().ca_issuers_urls,
        [format!("{base}/uc.cer")]
    );
    // A .pfx with the signer's certificate alone: the signature carries
    // no intermediate.
    let pfx = cabinet_sign::pki::pfx_of(
        person.private_key_pkcs8(),
        person.certificate(),
        &[],
        "пароль",
    )
    .unwrap();
    let key = PfxIdentity::open(&pfx, "пароль").unwrap();
    let doc = "Счёт № 5".as_bytes();
    let sig = cabinet_sign::cades::sign_detached(&key, doc, Utc::now()).unwrap();

    let dir = tempfile::tempdir().unwrap();
    // A portal nobody answers at: only the certificate's address is asked.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let portal = format!("http://{closed}/");
    let status = StatusEntry {
        status: "Действует".into(),
        reason: None,
        from: parse_time("2020-01-01").unwrap(),
        until: None,
    };
    let list = TrustList {
        version: 1,
        date: Some(Utc::now()),
        authorities: vec![Authority {
            name: "Головной УЦ".into(),
            short_name: "Головной УЦ".into(),
            inn: "7701234567".into(),
            ogrn: "1027700000001".into(),
            registry_number: "1".into(),
            status: Some(status.clone()),
            history: vec![status],
            keys: vec![CaKey {
                key_id: "01".into(),
                certificates: vec![root.certificate().clone()],
                crl_urls: vec![],
            }],
        }],
        skipped_certificates: 0,
    };
    TrustStore::new(&dir.path().join("app"), &portal)
        .save_list(list.to_xml().as_bytes(), None, Utc::now())
        .unwrap();
    let cab = Cabinet::new(
        portal.parse().unwrap(),
        &dir.path().join("app"),
        Keychain::new(KeychainBackend::Keyutils),
    )
    .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let first = rt.block_on(cab.judge_signature(&sig, doc)).unwrap();
    let after_first = hits.load(Ordering::SeqCst);
    let again = rt.block_on(cab.judge_signature(&sig, doc)).unwrap();
    assert_eq!(first[0].trust, again[0].trust);
    (first[0].trust, after_first, hits.load(Ordering::SeqCst))
}

#[test]
fn the_intermediate_is_fetched_from_where_the_certificate_says_and_kept() {
    let (trust, first, total) = judge(None);
    assert_eq!(trust, TrustView::Qualified);
    assert_eq!(first, 1, "fetched once");
    assert_eq!(total, 1, "kept: not fetched again");
}

#[test]
fn what_is_not_a_certificate_is_not_kept() {
    let (trust, first, total) = judge(Some(b"<html>moved</html>".to_vec()));
    assert_eq!(trust, TrustView::Untrusted);
    assert_eq!(first, 1);
    assert_eq!(total, 2, "nothing kept: asked again");
}
