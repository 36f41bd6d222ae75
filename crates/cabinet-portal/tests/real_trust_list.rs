//! A portal configured with a trust list (`--tsl`, outside demo mode)
//! publishes it and fetches the CRLs it names from their addresses —
//! plain HTTP, as real CDPs are — keeping one only when the CA key that
//! lists the address signed it, and serving it from memory until its next
//! update. Whatever cannot be had is `trust.crl_unavailable`; an address
//! the list does not name is `trust.crl_unknown` and is never fetched.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cabinet_api::Problem;
use cabinet_portal::{Portal, PortalConfig};
use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
use cabinet_sign::tsl::{parse_time, Authority, CaKey, StatusEntry, TrustList};
use cabinet_sign::SigningKey;
use chrono::{Duration, Utc};

fn ca(name: &str) -> IssuedKey {
    IssuedKey::new_root(&Request {
        kind: KeyKind::GOST_256,
        subject: Subject {
            common_name: name.into(),
            ..Subject::default()
        },
        not_before: Utc::now() - Duration::days(30),
        not_after: Utc::now() + Duration::days(365),
        profile: Profile::Root,
    })
    .unwrap()
}

/// A CA's web server: the files it serves and how often each was asked.
async fn cdp(files: HashMap<String, Vec<u8>>) -> (String, Arc<Mutex<HashMap<String, u32>>>) {
    let hits = Arc::new(Mutex::new(HashMap::new()));
    let (files, counted) = (Arc::new(files), hits.clone());
    let app = axum::Router::new().route(
        "/cdp/{name}",
        axum::routing::get(
            move |axum::extract::Path(name): axum::extract::Path<String>| {
                let (files, counted) = (files.clone(), counted.clone());
                async move {
                    *counted.lock().unwrap().entry(name.clone()).or_insert(0) += 1;
                    match files.get(&name) {
                        Some(b) => (axum::http::StatusCode::OK, b.clone()),
                        None => (axum::http::StatusCode::NOT_FOUND, Vec::new()),
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/cdp"), hits)
}

#[tokio::test(flavor = "multi_thread")]
async fn listed_cdps_are_fetched_checked_and_kept_until_their_next_update() {
    let uc = ca("УЦ из списка");
    let other = ca("Посторонний УЦ");
    let now = Utc::now();
    let good = uc
        .crl(&[], now - Duration::hours(1), now + Duration::days(7))
        .unwrap();
    let forged = other
        .crl(&[], now - Duration::hours(1), now + Duration::days(7))
        .unwrap();
    let (base, hits) = cdp(HashMap::from([
        ("good.crl".to_string(), good.clone()),
        ("forged.crl".to_string(), forged),
        (
            "garbage.crl".to_string(),
            b"<html>not a CRL</html>".to_vec(),
        ),
    ]))
    .await;
    // A port nothing listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let urls: Vec<String> = vec![
        format!("{base}/good.crl"),
        format!("{base}/forged.crl"),
        format!("{base}/garbage.crl"),
        format!("http://{closed}/cdp/gone.crl"),
        "ftp://uc.example.ru/uc.crl".to_string(),
    ];
    let status = StatusEntry {
        status: "Действует".into(),
        reason: None,
        from: parse_time("2020-01-01").unwrap(),
        until: None,
    };
    let list = TrustList {
        version: 512,
        date: Some(now),
        authorities: vec![Authority {
            name: "АО «УЦ из списка»".into(),
            short_name: "УЦ из списка".into(),
            inn: "7701234567".into(),
            ogrn: "1027700000001".into(),
            registry_number: "777".into(),
            status: Some(status.clone()),
            history: vec![status],
            keys: vec![CaKey {
                key_id: "01".into(),
                certificates: vec![uc.certificate().clone()],
                crl_urls: urls.clone(),
            }],
        }],
        skipped_certificates: 0,
    };
    let dir = tempfile::tempdir().unwrap();
    let mut config = PortalConfig::new(dir.path().join("portal.sqlite3"));
    config.tsl = Some(list.to_xml().into_bytes());
    let portal = Portal::open(config)
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let get_crl = |url: String| {
        let (http, base) = (http.clone(), portal.url());
        async move {
            http.get(format!("{base}/v1/trust/crl"))
                .query(&[("url", url)])
                .send()
                .await
                .unwrap()
        }
    };

    // The list is the configured one.
    let xml = http
        .get(format!("{}/v1/trust/tsl", portal.url()))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(TrustList::parse(&xml).unwrap().version, 512);

    // Fetched, checked, served; the second time from memory.
    for _ in 0..2 {
        let resp = get_crl(urls[0].clone()).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.bytes().await.unwrap().to_vec(), good);
    }
    assert_eq!(
        hits.lock().unwrap()["good.crl"],
        1,
        "kept until its next update"
    );

    for (url, why) in [
        (&urls[1], "signed by another CA"),
        (&urls[2], "not a CRL"),
        (&urls[3], "nobody listens"),
        (&urls[4], "not HTTP"),
    ] {
        let resp = get_crl(url.clone()).await;
        assert_eq!(resp.status(), 502, "{why}");
        let p: Problem = resp.json().await.unwrap();
        assert_eq!(p.code, "trust.crl_unavailable", "{why}");
    }
    // A forged CRL is never kept: asked again, it is fetched again.
    get_crl(urls[1].clone()).await;
    assert_eq!(hits.lock().unwrap()["forged.crl"], 2);

    // Not on the list: refused without a fetch.
    let resp = get_crl(format!("{base}/elsewhere.crl")).await;
    assert_eq!(resp.status(), 404);
    let p: Problem = resp.json().await.unwrap();
    assert_eq!(p.code, "trust.crl_unknown");
    assert!(!hits.lock().unwrap().contains_key("elsewhere.crl"));
    portal.stop().await;
}
