//! Notification settings over HTTP: defaults until the user chooses, a PUT
//! changes the kinds it names, and a notification to the organization goes
//! by e-mail and SMS exactly to the people whose settings ask for it.

mod support;

use cabinet_api::{NotificationKind as K, NotificationSettings};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn channels_are_the_users_and_notifications_follow_them() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let base = portal.url();
    let org = support::romashka(&portal).await;
    let token = support::member_token(
        &portal,
        &org,
        "prefs@romashka.test",
        "Настройкина Н. Н.",
        "Бухгалтер",
    )
    .await;
    let http = reqwest::Client::new();
    let url = format!("{base}/v1/me/notification-settings");

    assert_eq!(http.get(&url).send().await.unwrap().status(), 401);
    let defaults: NotificationSettings = http
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let of = |s: &NotificationSettings, k: K| *s.items.iter().find(|i| i.kind == k).unwrap();
    assert_eq!(defaults.items.len(), 5);
    let charge = of(&defaults, K::Charge);
    assert!(charge.desktop && charge.email && !charge.sms);
    assert!(of(&defaults, K::Requirement).sms);

    // Charges: by SMS only. Requirements stay as they were.
    let put = |body: serde_json::Value| http.put(&url).bearer_auth(&token).json(&body).send();
    let saved: NotificationSettings = put(json!({"items": [
        {"kind": "charge", "desktop": false, "email": false, "sms": true}
    ]}))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let charge = of(&saved, K::Charge);
    assert!(!charge.desktop && !charge.email && charge.sms);
    assert_eq!(of(&saved, K::Requirement), of(&defaults, K::Requirement));
    let twice = put(json!({"items": [
        {"kind": "status", "desktop": true, "email": true, "sms": true},
        {"kind": "status", "desktop": false, "email": false, "sms": false}
    ]}))
    .await
    .unwrap();
    assert_eq!(twice.status(), 422);

    let mine = |channel: &'static str, kind: &'static str| {
        let portal = &portal;
        let org = &org;
        async move {
            portal
                .admin()
                .sent_messages(org)
                .await
                .unwrap()
                .into_iter()
                .filter(|m| m.channel == channel && m.kind == kind)
                .filter(|m| m.address == "prefs@romashka.test" || m.address == "+79990000010")
                .count()
        }
    };
    let charge = portal.admin().issue_charge(&org).await.unwrap();
    assert_eq!(mine("sms", "charge").await, 1, "{charge:?}");
    assert_eq!(mine("email", "charge").await, 0);
    portal.admin().issue_requirement(&org, None).await.unwrap();
    assert_eq!(mine("email", "requirement").await, 1);
    assert_eq!(mine("sms", "requirement").await, 1);
    // The others of the organization get theirs by their own settings:
    // the demo accountant has the defaults, e-mail for a charge.
    let all = portal.admin().sent_messages(&org).await.unwrap();
    assert!(all
        .iter()
        .any(|m| m.channel == "email" && m.kind == "charge" && m.address == "buh@romashka.demo"));
}
