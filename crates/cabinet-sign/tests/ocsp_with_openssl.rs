//! The OCSP responder answers `openssl ocsp`: a request OpenSSL made (with
//! its nonce), our response, OpenSSL's check of the signature by the
//! delegated responder, the nonce and each status — good, revoked with
//! its time, unknown for another CA's certificate. ECDSA, and GOST with
//! the engine.

mod support;

use cabinet_sign::ocsp::respond;
use cabinet_sign::pki::{IssuedKey, KeyKind, Profile};
use cabinet_sign::SigningKey;
use chrono::{Duration, Utc};
use support::engine::engine;
use support::{openssl, request};

fn check(kind: KeyKind, gost: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let run = |args: &[&str]| {
        let out = if gost {
            engine(d, args)
        } else {
            openssl(d, args)
        };
        assert!(
            out.status.success(),
            "openssl {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let ca = IssuedKey::new_root(&request(kind, "УЦ", Profile::Root)).unwrap();
    let responder = ca
        .issue(&request(kind, "OCSP-служба УЦ", Profile::OcspSigning))
        .unwrap();
    let good = ca
        .issue(&request(kind, "Иванова Мария", Profile::Signer))
        .unwrap();
    let revoked = ca
        .issue(&request(kind, "Уволенный Сотрудник", Profile::Signer))
        .unwrap();
    let other_ca = IssuedKey::new_root(&request(kind, "Другой УЦ", Profile::Root)).unwrap();
    let stranger = other_ca
        .issue(&request(kind, "Чужой", Profile::Signer))
        .unwrap();
    for (name, der) in [
        ("ca", &ca.certificate().der),
        ("good", &good.certificate().der),
        ("revoked", &revoked.certificate().der),
        ("other", &other_ca.certificate().der),
        ("stranger", &stranger.certificate().der),
    ] {
        std::fs::write(d.join(format!("{name}.der")), der).unwrap();
        run(&[
            "x509",
            "-inform",
            "DER",
            "-in",
            &format!("{name}.der"),
            "-out",
            &format!("{name}.pem"),
        ]);
    }
    let revoked_at = Utc::now() - Duration::days(3);
    let revoked_list = [(revoked.certificate().serial.clone(), revoked_at)];
    let ask = |cert: &str, issuer: &str| {
        run(&[
            "ocsp", "-issuer", issuer, "-cert", cert, "-reqout", "req.der",
        ]);
        let req = std::fs::read(d.join("req.der")).unwrap();
        let resp = respond(
            &req,
            ca.certificate(),
            &responder,
            &revoked_list,
            Utc::now(),
            Utc::now() + Duration::days(1),
        )
        .unwrap();
        std::fs::write(d.join("resp.der"), resp).unwrap();
        // The request as sent (its nonce checked against the answer's),
        // the answer's signature checked up to the CA.
        let out = if gost {
            engine(
                d,
                &[
                    "ocsp",
                    "-reqin",
                    "req.der",
                    "-respin",
                    "resp.der",
                    "-CAfile",
                    "ca.pem",
                    "-resp_text",
                ],
            )
        } else {
            openssl(
                d,
                &[
                    "ocsp",
                    "-reqin",
                    "req.der",
                    "-respin",
                    "resp.der",
                    "-CAfile",
                    "ca.pem",
                    "-resp_text",
                ],
            )
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let verified = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(verified.contains("Response verify OK"), "{verified}");
        // And by certificate, as a user asks it.
        run(&[
            "ocsp",
            "-respin",
            "resp.der",
            "-issuer",
            issuer,
            "-cert",
            cert,
            "-CAfile",
            "ca.pem",
            "-resp_text",
            "-no_nonce",
        ])
    };
    let said = ask("good.pem", "ca.pem");
    assert!(said.contains("good.pem: good"), "{said}");
    assert!(said.contains("OCSP Nonce"), "the nonce is echoed: {said}");
    let said = ask("revoked.pem", "ca.pem");
    assert!(said.contains("revoked.pem: revoked"), "{said}");
    assert!(said.contains("Revocation Time"), "{said}");
    // Another CA's certificate: unknown (OpenSSL checks our signature all
    // the same; the issuer it names is the other CA).
    run(&[
        "ocsp",
        "-issuer",
        "other.pem",
        "-cert",
        "stranger.pem",
        "-reqout",
        "req.der",
    ]);
    let req = std::fs::read(d.join("req.der")).unwrap();
    let resp = respond(
        &req,
        ca.certificate(),
        &responder,
        &revoked_list,
        Utc::now(),
        Utc::now() + Duration::days(1),
    )
    .unwrap();
    std::fs::write(d.join("resp.der"), resp).unwrap();
    let said = run(&["ocsp", "-respin", "resp.der", "-resp_text", "-noverify"]);
    assert!(said.contains("Cert Status: unknown"), "{said}");
    // Not a request at all: malformedRequest, not an error.
    let resp = respond(
        b"hello",
        ca.certificate(),
        &responder,
        &[],
        Utc::now(),
        Utc::now(),
    )
    .unwrap();
    std::fs::write(d.join("bad.der"), resp).unwrap();
    // OpenSSL reports it as the responder's error (and exits 1).
    let out = openssl(
        d,
        &["ocsp", "-respin", "bad.der", "-resp_text", "-noverify"],
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("Responder Error: malformedrequest"), "{said}");
}

#[test]
fn openssl_ocsp_reads_our_ecdsa_answers() {
    check(KeyKind::EcdsaP256, false);
}

#[test]
fn openssl_ocsp_with_the_gost_engine_reads_our_gost_answers() {
    check(KeyKind::GOST_256, true);
}

/// The client's side against OpenSSL's responder (`openssl ocsp -index`):
/// our request, with its nonce, is answered by OpenSSL, and we read the
/// answer — good, revoked with its time, and refused when the nonce is
/// not ours.
#[test]
fn our_requests_answered_by_openssl_read_back() {
    use cabinet_sign::ocsp::{request_for, status_from_reply};
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let kind = KeyKind::EcdsaP256;
    let ca = IssuedKey::new_root(&request(kind, "УЦ", Profile::Root)).unwrap();
    let responder = ca
        .issue(&request(kind, "OCSP-служба УЦ", Profile::OcspSigning))
        .unwrap();
    let good = ca
        .issue(&request(kind, "Иванова Мария", Profile::Signer))
        .unwrap();
    let revoked = ca
        .issue(&request(kind, "Уволенный Сотрудник", Profile::Signer))
        .unwrap();
    for (name, der) in [
        ("ca", &ca.certificate().der),
        ("rsp", &responder.certificate().der),
        ("good", &good.certificate().der),
    ] {
        std::fs::write(d.join(format!("{name}.der")), der).unwrap();
        let out = openssl(
            d,
            &[
                "x509",
                "-inform",
                "DER",
                "-in",
                &format!("{name}.der"),
                "-out",
                &format!("{name}.pem"),
            ],
        );
        assert!(out.status.success());
    }
    std::fs::write(
        d.join("rsp.key"),
        responder.private_key_pem().unwrap().as_bytes(),
    )
    .unwrap();
    let far = (Utc::now() + Duration::days(300)).format("%y%m%d%H%M%SZ");
    let when = Utc::now() - Duration::days(2);
    std::fs::write(
        d.join("index.txt"),
        format!(
            "V\t{far}\t\t{}\tunknown\t/CN=good\nR\t{far}\t{}\t{}\tunknown\t/CN=revoked\n",
            good.certificate().serial,
            when.format("%y%m%d%H%M%SZ"),
            revoked.certificate().serial,
        ),
    )
    .unwrap();
    let answer = |who: &IssuedKey| {
        let (req, nonce) = request_for(who.certificate(), ca.certificate()).unwrap();
        std::fs::write(d.join("ours.der"), &req).unwrap();
        let out = openssl(
            d,
            &[
                "ocsp",
                "-index",
                "index.txt",
                "-CA",
                "ca.pem",
                "-rsigner",
                "rsp.pem",
                "-rkey",
                "rsp.key",
                "-reqin",
                "ours.der",
                "-respout",
                "resp.der",
                "-ndays",
                "1",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (std::fs::read(d.join("resp.der")).unwrap(), nonce)
    };
    let (reply, nonce) = answer(&good);
    let s = status_from_reply(
        &reply,
        good.certificate(),
        ca.certificate(),
        &nonce,
        Utc::now(),
    )
    .unwrap();
    assert_eq!(s.revoked_at, None);
    assert_eq!(s.responder, "OCSP-служба УЦ");
    assert!(s.next_update.is_some());
    let (reply, nonce) = answer(&revoked);
    let s = status_from_reply(
        &reply,
        revoked.certificate(),
        ca.certificate(),
        &nonce,
        Utc::now(),
    )
    .unwrap();
    assert_eq!(s.revoked_at.map(|t| t.timestamp()), Some(when.timestamp()));
    // An answer to someone else's request (another nonce) proves nothing
    // about now.
    let e = status_from_reply(
        &reply,
        revoked.certificate(),
        ca.certificate(),
        &[7; 16],
        Utc::now(),
    )
    .unwrap_err();
    assert_eq!(e.code().as_str(), "revocation.unknown");
    // A responder that sends no nonce (pre-produced answers): its answer
    // counts only while fresh.
    let out = openssl(
        d,
        &[
            "ocsp",
            "-issuer",
            "ca.pem",
            "-cert",
            "good.pem",
            "-no_nonce",
            "-reqout",
            "plain.der",
        ],
    );
    assert!(out.status.success());
    let out = openssl(
        d,
        &[
            "ocsp",
            "-index",
            "index.txt",
            "-CA",
            "ca.pem",
            "-rsigner",
            "rsp.pem",
            "-rkey",
            "rsp.key",
            "-reqin",
            "plain.der",
            "-respout",
            "plain-resp.der",
            "-ndays",
            "1",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plain = std::fs::read(d.join("plain-resp.der")).unwrap();
    let s = status_from_reply(
        &plain,
        good.certificate(),
        ca.certificate(),
        &[9; 16],
        Utc::now(),
    )
    .unwrap();
    assert_eq!(s.revoked_at, None);
    let e = status_from_reply(
        &plain,
        good.certificate(),
        ca.certificate(),
        &[9; 16],
        Utc::now() + Duration::hours(1),
    )
    .unwrap_err();
    assert_eq!(
        e.code().as_str(),
        "revocation.unknown",
        "an old answer could be replayed"
    );
    // Nor does an answer about another certificate.
    let e = status_from_reply(
        &reply,
        good.certificate(),
        ca.certificate(),
        &nonce,
        Utc::now(),
    )
    .unwrap_err();
    assert_eq!(e.code().as_str(), "revocation.unknown");
}
