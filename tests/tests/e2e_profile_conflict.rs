//! End-to-end: the accountant edits the organization's phone while a
//! colleague has just changed it on the portal. The sync the edit starts
//! meets the portal's 412; the conflict dialog shows both numbers; «Оставить
//! мою версию» sends it again and the portal ends with the accountant's
//! number, changed once more, not twice. Then a new bank account: a wrong
//! key refused in the window, a right one shown as waiting until the
//! portal's operator approves it.

use anyhow::{Context, Result};
use cabinet_api::{OrganizationProfile, PasswordLoginResponse, TokenPair};
use cabinet_e2e::{
    app_env, count_is, find, log_in_as_accountant, open_org, screenshot, text_contains, Driver,
    SERIAL,
};
use cabinet_portal::{MfaMode, NewUser, Portal, PortalConfig};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_edit_meeting_a_colleagues_edit_opens_the_conflict_dialog() -> Result<()> {
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let mut config = PortalConfig::new(tmp.path().join("portal.sqlite3"));
    config.demo = true;
    let portal = Portal::open(config)?.spawn("127.0.0.1:0".parse()?).await?;
    let url = portal.url();

    // The colleague: another accountant of «Ромашка», straight on the API.
    let admin = portal.admin();
    // A new account at the same bank, its key made to fit.
    let new_account = (0..10)
        .map(|k| format!("40702810{k}38000054321"))
        .find(|a| cabinet_api::requisites::validate_settlement_account(a, "044525225").is_ok())
        .context("an account key")?;
    let romashka = cabinet_api::requisites::complete_inn10("770412345").unwrap();
    let org = admin.org_id_by_inn(&romashka).await?;
    let colleague = admin
        .create_user(NewUser {
            email: "kollega@romashka.demo".into(),
            full_name: "Коллегова Ирина".into(),
            password: "Kollega-2026".into(),
            inn: None,
            snils: None,
            ogrnip: None,
            phone: "+79990001122".into(),
            mfa: MfaMode::None,
        })
        .await?;
    admin.add_member(&org, &colleague, "Бухгалтер").await?;
    let http = reqwest::Client::new();
    let login: PasswordLoginResponse = http
        .post(format!("{url}/v1/auth/password"))
        .json(&json!({"login": "kollega@romashka.demo", "password": "Kollega-2026"}))
        .send()
        .await?
        .json()
        .await?;
    let PasswordLoginResponse::Tokens(TokenPair { access_token, .. }) = login else {
        anyhow::bail!("the colleague has no second factor")
    };
    let profile_url = format!("{url}/v1/orgs/{org}/profile");
    let get_profile = || async {
        http.get(&profile_url)
            .bearer_auth(&access_token)
            .send()
            .await?
            .error_for_status()?
            .json::<OrganizationProfile>()
            .await
            .context("profile")
    };

    let driver = Driver::start(&app_env(tmp.path(), &[]))?;
    let c = driver.launch(&["--portal", url.as_str()]).await?;
    log_in_as_accountant(&c, None).await?;
    open_org(&c, "ромашка").await?;
    // The first sync is done and the profile reread: the cache holds it.
    find(&c, "[data-testid=dashboard][data-refreshes='1']").await?;
    text_contains(&c, "[data-testid=sync-status]", "Синхронизировано").await?;
    let base = get_profile().await?;

    // The colleague changes the phone on the portal.
    let resp = http
        .patch(&profile_url)
        .bearer_auth(&access_token)
        .header("Idempotency-Key", "colleague-1")
        .header("If-Match", base.version.to_string())
        .json(&json!({"phone": "+7 495 999-88-77"}))
        .send()
        .await?;
    anyhow::ensure!(resp.status() == 200, "colleague's edit: {}", resp.status());

    // The accountant, not yet seeing it, edits the phone in the app.
    find(&c, "[data-testid=edit-profile]")
        .await?
        .click()
        .await?;
    let phone = find(&c, "#pe-phone").await?;
    phone.clear().await?;
    phone.send_keys("8 495 111 22 33").await?;
    screenshot(&c, "profile-edit").await?;
    find(&c, "[data-testid=profile-save]")
        .await?
        .click()
        .await?;

    // The sync meets the 412: both versions, side by side.
    let dialog = text_contains(&c, "[data-testid=conflict-dialog]", "+7 495 999-88-77").await?;
    assert!(dialog.contains("+7 495 111-22-33"), "{dialog}");
    text_contains(&c, "[data-testid=conflicts-count]", "Конфликты: 1").await?;
    screenshot(&c, "profile-conflict").await?;

    find(&c, "[data-testid=keep-mine]").await?.click().await?;
    text_contains(&c, "[data-testid=org-phone]", "+7 495 111-22-33").await?;
    // Delivered: no pending action, no conflict left in the header.
    let deadline = std::time::Instant::now() + cabinet_e2e::TIMEOUT;
    loop {
        let p = get_profile().await?;
        if p.phone == "+7 495 111-22-33" {
            assert_eq!(
                p.version,
                base.version + 2,
                "changed once after the colleague"
            );
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "never delivered: {p:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    count_is(&c, "[data-testid=pending-count]", 0).await?;
    count_is(&c, "[data-testid=conflicts-count]", 0).await?;
    let header = text_contains(&c, "[data-testid=sync-status]", "Синхронизировано").await?;
    assert!(!header.contains("Конфликты"), "{header}");
    assert!(!header.contains("Исходящие"), "{header}");
    screenshot(&c, "profile-after-conflict").await?;

    // The bank account goes through the portal's operator: a wrong key is
    // refused here, a right one waits for the decision.
    find(&c, "[data-testid=edit-requisites]")
        .await?
        .click()
        .await?;
    let account = find(&c, "[data-testid=rq-account]").await?;
    account.clear().await?;
    let last = if new_account.ends_with('0') { '1' } else { '0' };
    account
        .send_keys(&format!("{}{last}", &new_account[..19]))
        .await?;
    find(&c, "[data-testid=requisites-send]")
        .await?
        .click()
        .await?;
    text_contains(
        &c,
        "[data-testid=requisites-error]",
        "Расчётный счёт не проходит проверку контрольной суммы",
    )
    .await?;
    screenshot(&c, "requisites-refused").await?;
    account.clear().await?;
    account.send_keys(&new_account).await?;
    find(&c, "[data-testid=requisites-send]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=requisites-status]", "на проверке").await?;
    assert_ne!(
        get_profile().await?.bank.map(|b| b.account),
        Some(new_account.clone()),
        "not before the operator decides"
    );
    admin.decide_profile_change(&org, true, None).await?;
    find(&c, "[data-testid=sync-now]").await?.click().await?;
    text_contains(&c, "[data-testid=org-account]", &new_account).await?;
    text_contains(&c, "[data-testid=requisites-status]", "приняты").await?;
    screenshot(&c, "requisites-approved").await?;
    c.close().await?;
    Ok(())
}
