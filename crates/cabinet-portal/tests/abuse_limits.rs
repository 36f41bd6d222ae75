//! What an unauthenticated caller can repeat is limited per person and per
//! address: fifty recovery requests for one login in a burst send five
//! SMS, not fifty; a flood of passwords for one login stops at its bucket
//! (after the lockout at the fifth); certificate challenges from one
//! address stop too, and so do time stamps (each one a signature the portal
//! makes for anyone). A refusal is `429 rate.limited`, problem+json with
//! `Retry-After`, and time brings the allowance back.

use std::time::Duration;

use cabinet_api::Problem;
use cabinet_portal::{Clock, MfaMode, NewUser, Portal, PortalConfig, RunningPortal};
use serde_json::json;

async fn portal(dir: &std::path::Path, clock: &Clock) -> RunningPortal {
    let mut config = PortalConfig::quick_demo(dir.join("portal.sqlite3"));
    config.clock = clock.clone();
    Portal::open(config)
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

async fn user(portal: &RunningPortal, email: &str) {
    portal
        .admin()
        .create_user(NewUser {
            email: email.into(),
            full_name: "Торопливый Т. Т.".into(),
            password: "Right-pass-1".into(),
            inn: None,
            snils: None,
            ogrnip: None,
            phone: "+79990000077".into(),
            mfa: MfaMode::None,
        })
        .await
        .unwrap();
}

async fn limited(resp: reqwest::Response) -> u64 {
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let p: Problem = resp.json().await.unwrap();
    assert_eq!(p.code, "rate.limited");
    retry
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_recovery_requests_for_one_login_send_five_codes() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(chrono::Utc::now());
    let portal = portal(dir.path(), &clock).await;
    user(&portal, "hasty@example.ru").await;
    let http = reqwest::Client::new();
    let url = format!("{}/v1/auth/recovery", portal.url());
    let mut sent = 0;
    let mut refused = Vec::new();
    for _ in 0..50 {
        let resp = http
            .post(&url)
            .json(&json!({"login": "hasty@example.ru"}))
            .send()
            .await
            .unwrap();
        if resp.status() == 200 {
            sent += 1;
        } else {
            refused.push(limited(resp).await);
        }
    }
    assert_eq!(sent, 5);
    assert_eq!(refused.len(), 45);
    // The person's bucket answers first (a code every two minutes); past
    // thirty requests the address's too (one every ten seconds).
    assert!(refused[..25].iter().all(|r| *r == 120), "{refused:?}");
    assert!(refused[25..].iter().all(|r| *r == 10), "{refused:?}");
    // Another way of writing the login names the same person: the same
    // bucket, until two minutes have passed.
    let again = || {
        http.post(&url)
            .json(&json!({"login": " HASTY@example.ru"}))
            .send()
    };
    clock.advance(Duration::from_secs(110));
    assert_eq!(limited(again().await.unwrap()).await, 10);
    clock.advance(Duration::from_secs(10));
    assert_eq!(again().await.unwrap().status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_flood_for_one_login_stops_at_its_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(chrono::Utc::now());
    let portal = portal(dir.path(), &clock).await;
    user(&portal, "target@example.ru").await;
    let http = reqwest::Client::new();
    let url = format!("{}/v1/auth/password", portal.url());
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let resp = http
            .post(&url)
            .json(&json!({"login": "target@example.ru", "password": "Wrong-pass-1"}))
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
    }
    // Four wrong, the fifth locks (the lockout message unchanged), the
    // lock answers until the bucket is empty, then the limit answers.
    assert_eq!(
        statuses,
        [401, 401, 401, 401, 423, 423, 423, 423, 423, 423, 429, 429]
    );
    // A certificate challenge flood from one address stops too.
    let challenge = format!("{}/v1/auth/challenge", portal.url());
    let mut ok = 0;
    loop {
        let resp = http.post(&challenge).send().await.unwrap();
        if resp.status() == 429 {
            assert_eq!(limited(resp).await, 1);
            break;
        }
        assert_eq!(resp.status(), 200);
        ok += 1;
        assert!(ok <= 200, "no limit on challenges");
    }
    assert_eq!(ok, 200);

    // The time-stamping service: a hundred stamps in a burst, then 429.
    let tsp = format!("{}/v1/tsp", portal.url());
    let (alg, digest) = (cabinet_sign::DigestAlgorithm::Sha256, [7u8; 32]);
    let mut ok = 0;
    loop {
        let (req, _) = cabinet_sign::tsp::request(alg, &digest).unwrap();
        let resp = http.post(&tsp).body(req).send().await.unwrap();
        if resp.status() == 429 {
            assert_eq!(limited(resp).await, 1);
            break;
        }
        assert_eq!(resp.status(), 200);
        ok += 1;
        assert!(ok <= 100, "no limit on time stamps");
    }
    assert_eq!(ok, 100);
}
