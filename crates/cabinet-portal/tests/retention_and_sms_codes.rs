//! The portal keeps no SMS code (only that a message went, and the code's
//! hash with its ticket), and purges what only serves for a while: expired
//! tickets and challenges a day after they expire, the record of SMS after
//! thirty days, idempotency answers after thirty days.

use std::time::Duration;

use cabinet_portal::{Clock, MfaMode, NewUser, Portal, PortalConfig};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn codes_are_never_stored_and_short_lived_records_are_purged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("portal.sqlite3");
    let clock = Clock::manual(chrono::Utc::now());
    let mut config = PortalConfig::quick_demo(&db);
    config.clock = clock.clone();
    let portal = Portal::open(config)
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    portal
        .admin()
        .create_user(NewUser {
            email: "sms@example.ru".into(),
            full_name: "Смсов С. С.".into(),
            password: "Right-pass-1".into(),
            inn: None,
            snils: None,
            ogrnip: None,
            phone: "+79990000088".into(),
            mfa: MfaMode::Sms,
        })
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let base = format!("{}/v1", portal.url());
    let login: serde_json::Value = http
        .post(format!("{base}/auth/password"))
        .json(&json!({"login": "sms@example.ru", "password": "Right-pass-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ticket = login["ticket"].as_str().unwrap().to_owned();
    let code = portal.admin().sent_code(&ticket).await.unwrap();
    assert_eq!(code.len(), 6);
    let resp = http
        .post(format!("{base}/auth/recovery"))
        .json(&json!({"login": "sms@example.ru"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = http
        .post(format!("{base}/auth/challenge"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // The code works: it was delivered, only not kept.
    let tokens: serde_json::Value = http
        .post(format!("{base}/auth/otp"))
        .json(&json!({"ticket": ticket, "code": code}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = tokens["access_token"].as_str().unwrap();
    let orgs: serde_json::Value = http
        .get(format!("{base}/me/organizations"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(orgs["items"].as_array().unwrap().is_empty());

    // The database: no table holds a code column for SMS, the record says
    // which phone and when.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let schema: Vec<String> = conn
        .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!schema.iter().any(|s| s.contains("sms_outbox")));
    let sent: i64 = conn
        .query_row(
            "SELECT count(*) FROM sms_sent WHERE phone = '+79990000088'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(sent, 2, "the login's code and the recovery's");

    // A day after expiry: the tickets and the challenge go, the SMS record stays.
    let nothing = portal.admin().purge().await.unwrap();
    assert_eq!((nothing.tickets, nothing.challenges), (0, 0));
    clock.advance(Duration::from_secs(2 * 24 * 3600));
    let p = portal.admin().purge().await.unwrap();
    assert_eq!(p.tickets, 2, "{p:?}");
    assert!(p.challenges >= 1, "{p:?}");
    assert_eq!(p.sms_sent, 0);
    // A month later: the SMS records too.
    clock.advance(Duration::from_secs(30 * 24 * 3600));
    let p = portal.admin().purge().await.unwrap();
    assert!(p.sms_sent >= 2, "{p:?}");
    let left: i64 = conn
        .query_row("SELECT count(*) FROM sms_sent", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
}
