//! Changes of the bank account, the head and the KPP go through the
//! portal's operator: checked like every requisite (a real bank's BIK and accounts;
//! a corrupted key is refused with its field), one pending at a time, in
//! the profile only once approved (a new version in the feed), and a
//! rejection says why.

mod support;

use cabinet_api::{
    BankDetails, ChangePage, Notification, OrganizationProfile, Problem, ProfileChange,
    ProfileChangeStatus,
};
use serde_json::json;

/// ПАО Сбербанк's public BIK and correspondent account, and an account
/// whose key fits them.
fn sber() -> BankDetails {
    let bik = "044525225";
    let account = (0..10)
        .map(|k| format!("40702810{k}38000099999"))
        .find(|a| cabinet_api::requisites::validate_settlement_account(a, bik).is_ok())
        .unwrap();
    BankDetails {
        bank_name: " ПАО Сбербанк ".into(),
        bik: bik.into(),
        account,
        corr_account: "30101810400000000225".into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bank_change_reaches_the_profile_only_once_the_operator_approves() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let org = support::romashka(&portal).await;
    let http = reqwest::Client::new();
    let base = portal.url().to_string().trim_end_matches('/').to_owned();
    let token =
        support::member_token(&portal, &org, "b@example.ru", "Бухова Ольга", "Бухгалтер").await;
    let post = |body: serde_json::Value, key: &str| {
        http.post(format!("{base}/v1/orgs/{org}/profile/changes"))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let profile = || async {
        http.get(format!("{base}/v1/orgs/{org}/profile"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json::<OrganizationProfile>()
            .await
            .unwrap()
    };
    let before = profile().await;

    // Every single-digit corruption of the account's key is caught.
    let good = sber();
    let mut caught = 0;
    for pos in 0..20 {
        let mut bad = good.clone();
        let digits: Vec<char> = bad.account.chars().collect();
        let d = digits[pos].to_digit(10).unwrap();
        let mut chars = digits.clone();
        chars[pos] = char::from_digit((d + 1) % 10, 10).unwrap();
        bad.account = chars.into_iter().collect();
        let r = post(json!({ "bank": bad }), &format!("bad-{pos}"))
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "position {pos}");
        let p: Problem = r.json().await.unwrap();
        assert_eq!(p.field.as_deref(), Some("account"));
        caught += 1;
    }
    assert_eq!(caught, 20);
    let mut bad = good.clone();
    bad.corr_account = "30101810400000000226".into();
    let p: Problem = post(json!({ "bank": bad }), "bad-corr")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(p.field.as_deref(), Some("corr_account"));
    let r = post(json!({}), "empty").await.unwrap();
    assert_eq!(r.status(), 422);

    let r = post(
        json!({ "bank": good, "head_name": "Сидоров Пётр Ильич", "head_position": "Директор" }),
        "change-1",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let asked: ProfileChange = r.json().await.unwrap();
    assert_eq!(asked.status, ProfileChangeStatus::Pending);
    assert_eq!(asked.bank.as_ref().unwrap().bank_name, "ПАО Сбербанк");
    assert_eq!(asked.author, "Бухова Ольга");
    // Not in the profile yet; a second request waits for the first.
    assert_eq!(profile().await, before);
    let r = post(json!({ "head_name": "Иванов Иван Иванович" }), "change-2")
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(
        r.json::<Problem>().await.unwrap().code,
        "profile.change_pending"
    );

    // Rejected: the reason is in the record and the notification.
    let rejected = portal
        .admin()
        .decide_profile_change(&org, false, Some("Приложите приказ о назначении."))
        .await
        .unwrap();
    assert_eq!(rejected.status, ProfileChangeStatus::Rejected);
    assert_eq!(profile().await, before);
    let notes: Vec<Notification> = portal.admin().records(&org).await.unwrap();
    assert!(notes
        .iter()
        .any(|n| n.text.contains("Приложите приказ о назначении.")));

    // Asked again, approved: the profile changes once, in the feed too.
    let r = post(json!({ "bank": good }), "change-3").await.unwrap();
    assert_eq!(r.status(), 201);
    let approved = portal
        .admin()
        .decide_profile_change(&org, true, None)
        .await
        .unwrap();
    assert_eq!(approved.status, ProfileChangeStatus::Approved);
    let after = profile().await;
    assert_eq!(after.version, before.version + 1);
    assert_eq!(
        after.bank.as_ref().map(|b| b.account.as_str()),
        Some(good.account.as_str())
    );
    assert_eq!(
        after.head_name, before.head_name,
        "the head was not asked for"
    );
    let page: ChangePage = http
        .get(format!("{base}/v1/orgs/{org}/changes?limit=1000"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let last_profile = page
        .changes
        .iter()
        .rev()
        .find(|c| c.entity == "profile")
        .unwrap()
        .data_as::<OrganizationProfile>()
        .unwrap()
        .unwrap();
    assert_eq!(last_profile, after);
    let changes: Vec<_> = page
        .changes
        .iter()
        .filter(|c| c.entity == "profile_change")
        .collect();
    assert!(changes.len() >= 2);
}

/// A new KPP (the organization registered with another tax office) is a
/// change the operator checks too: a malformed one is refused with its
/// field, an entrepreneur has none to change, and once approved it is the
/// profile's and the organizations list's.
#[tokio::test(flavor = "multi_thread")]
async fn a_kpp_change_is_checked_refused_for_an_entrepreneur_and_applied_on_approval() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let org = support::romashka(&portal).await;
    let ip_inn = cabinet_api::requisites::complete_inn12("5003123456").unwrap();
    let ip = portal.admin().org_id_by_inn(&ip_inn).await.unwrap();
    let http = reqwest::Client::new();
    let base = portal.url().to_string().trim_end_matches('/').to_owned();
    let token =
        support::member_token(&portal, &org, "k@example.ru", "Кадрова Инна", "Бухгалтер").await;
    let ip_token =
        support::member_token(&portal, &ip, "ip@example.ru", "Счётова Ия", "Бухгалтер").await;
    let post = |org: &str, token: &str, kpp: &str, key: &str| {
        http.post(format!("{base}/v1/orgs/{org}/profile/changes"))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&json!({ "kpp": kpp }))
            .send()
    };
    for kpp in ["77050100", "77050100A"] {
        let r = post(&org, &token, kpp, kpp).await.unwrap();
        assert_eq!(r.status(), 422, "{kpp}");
        let p: Problem = r.json().await.unwrap();
        assert_eq!(p.code, "request.invalid_field", "{kpp}: {p:?}");
        assert_eq!(p.field.as_deref(), Some("kpp"), "{kpp}: {p:?}");
    }
    let r = post(&ip, &ip_token, "500301001", "ip-kpp").await.unwrap();
    assert_eq!(r.status(), 422);
    let p: Problem = r.json().await.unwrap();
    assert_eq!(p.field.as_deref(), Some("kpp"), "{p:?}");
    let none: Vec<ProfileChange> = portal.admin().records(&ip).await.unwrap();
    assert!(none.is_empty(), "nothing kept for a refused change");

    let r = post(&org, &token, " 770501001 ", "kpp-1").await.unwrap();
    assert_eq!(r.status(), 201);
    let asked: ProfileChange = r.json().await.unwrap();
    assert_eq!(asked.kpp.as_deref(), Some("770501001"));
    let approved = portal
        .admin()
        .decide_profile_change(&org, true, None)
        .await
        .unwrap();
    assert_eq!(approved.kpp.as_deref(), Some("770501001"));
    let profile: OrganizationProfile = http
        .get(format!("{base}/v1/orgs/{org}/profile"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(profile.kpp.as_deref(), Some("770501001"));
    let mine: cabinet_api::OrganizationList = http
        .get(format!("{base}/v1/me/organizations"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = mine.items.iter().find(|o| o.id == org).unwrap();
    assert_eq!(row.kpp.as_deref(), Some("770501001"));
}
