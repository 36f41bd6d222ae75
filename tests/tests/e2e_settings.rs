//! End-to-end: the accountant opens «Настройки», changes the password (a
//! wrong current one first), and sets the inactivity lock, the offline
//! policy and the dark look, where notifications reach them, and an
//! authenticator app. The portal takes the new password and refuses the old
//! one, the app's own session goes on, the window turns dark, the config
//! file holds this computer's settings and the portal the channels. Last,
//! the window switches to English and the file keeps it.

use anyhow::Result;
use cabinet_e2e::{
    api_token, app_env, create_draft, find, log_in_as_accountant, open_org, screenshot,
    text_contains, Driver, SERIAL,
};
use cabinet_portal::{Portal, PortalConfig, ACCOUNTANT_LOGIN, ACCOUNTANT_PASSWORD};

const NEW_PASSWORD: &str = "Бухгалтер-2027";
const DRAFT: &str = "Выписка после смены пароля";

#[tokio::test(flavor = "multi_thread")]
async fn the_accountant_changes_the_password_and_this_computers_settings() -> Result<()> {
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let portal = Portal::open(PortalConfig::quick_demo(tmp.path().join("portal.sqlite3")))?
        .spawn("127.0.0.1:0".parse()?)
        .await?;
    let config = tmp.path().join("config");
    let driver = Driver::start(&app_env(tmp.path(), &[]))?;
    let url = portal.url();
    let c = driver.launch(&["--portal", url.as_str()]).await?;
    log_in_as_accountant(&c, None).await?;
    open_org(&c, "ромашка").await?;
    // After the first sync, as the other section tests do: a click on a
    // tab before it was once lost (1 run in 5).
    find(&c, "[data-testid=dashboard][data-refreshes='1']").await?;
    find(&c, "[data-testid=nav-settings]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=settings]", "Этот компьютер").await?;
    text_contains(&c, "[data-testid=local-settings]", "orgcabinet/config.toml").await?;
    // «О программе»: the app's version and the engine the real window runs.
    text_contains(&c, "[data-testid=about-version]", env!("CARGO_PKG_VERSION")).await?;
    text_contains(&c, "[data-testid=about]", "WebKitGTK").await?;
    text_contains(&c, "[data-testid=about-webview]", ".").await?;
    // And the list of accredited CAs the sync brought.
    text_contains(&c, "[data-testid=about-tsl]", "версия").await?;
    screenshot(&c, "settings").await?;

    // A wrong current password: refused, the field marked, nothing changed.
    find(&c, "#current-password")
        .await?
        .send_keys("Не-тот-2026")
        .await?;
    find(&c, "#new-password")
        .await?
        .send_keys(NEW_PASSWORD)
        .await?;
    find(&c, "#repeat-password")
        .await?
        .send_keys(NEW_PASSWORD)
        .await?;
    find(&c, "[data-testid=password-submit]")
        .await?
        .click()
        .await?;
    text_contains(
        &c,
        "[data-testid=password-error]",
        "Текущий пароль введён неверно",
    )
    .await?;
    screenshot(&c, "settings-wrong-password").await?;
    let current = find(&c, "#current-password").await?;
    current.clear().await?;
    current.send_keys(ACCOUNTANT_PASSWORD).await?;
    find(&c, "[data-testid=password-submit]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=password-changed]", "Пароль изменён").await?;
    assert!(
        api_token(&url, ACCOUNTANT_LOGIN, ACCOUNTANT_PASSWORD)
            .await
            .is_err(),
        "the old password still logs in"
    );
    api_token(&url, ACCOUNTANT_LOGIN, NEW_PASSWORD).await?;

    // This computer: lock after 5 minutes, the last 7 days of documents,
    // at most 50 MB.
    c.execute(
        "const s = document.querySelector('[data-testid=lock-minutes]'); \
         s.value = '5'; s.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![],
    )
    .await?;
    let days = find(&c, "[data-testid=prefetch-days]").await?;
    days.clear().await?;
    days.send_keys("7").await?;
    let cap = find(&c, "[data-testid=prefetch-cap]").await?;
    cap.clear().await?;
    cap.send_keys("50").await?;
    // And the dark look, for the evening.
    find(&c, "[data-testid=theme-dark]").await?.click().await?;
    find(&c, "[data-testid=settings-save]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=settings-saved]", "Настройки сохранены").await?;
    find(&c, "html[data-theme=dark]").await?;
    screenshot(&c, "settings-dark").await?;
    let file = std::fs::read_to_string(config.join("orgcabinet").join("config.toml"))?;
    for line in [
        "lock_minutes = 5",
        "prefetch = \"7d\"",
        "prefetch_cap_mb = 50",
        "theme = \"dark\"",
    ] {
        assert!(file.lines().any(|l| l == line), "{line:?} not in {file}");
    }
    // The app's own session goes on after the change: a new draft still
    // reaches the portal.
    find(&c, "[data-testid=nav-home]").await?.click().await?;
    screenshot(&c, "dashboard-dark").await?;
    create_draft(&c, DRAFT).await?;
    let org = portal
        .admin()
        .org_id_by_inn(&cabinet_api::requisites::complete_inn10("770412345").unwrap())
        .await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !portal
        .admin()
        .applications(&org)
        .await?
        .iter()
        .any(|a| a.title == DRAFT)
    {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the draft never reached the portal after the password change"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let lock: serde_json::Value = c
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI_INTERNALS__.invoke('app_info').then((i) => done(i.lock_seconds));",
            vec![],
        )
        .await?;
    assert_eq!(lock.as_u64(), Some(300), "the lock applies at once");

    // Notification channels: status changes no longer on the desktop,
    // charges by SMS too; the portal keeps them as the user's.
    find(&c, "[data-testid=nav-settings]")
        .await?
        .click()
        .await?;
    find(&c, "[data-testid=channel-status-desktop]")
        .await?
        .click()
        .await?;
    find(&c, "[data-testid=channel-charge-sms]")
        .await?
        .click()
        .await?;
    find(&c, "[data-testid=notifications-save]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=notifications-saved]", "сохранены").await?;
    screenshot(&c, "settings-saved").await?;
    let token = api_token(&url, ACCOUNTANT_LOGIN, NEW_PASSWORD).await?;
    let kept: cabinet_api::NotificationSettings = reqwest::Client::new()
        .get(format!("{url}/v1/me/notification-settings"))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let of = |k| *kept.items.iter().find(|i| i.kind == k).unwrap();
    assert!(!of(cabinet_api::NotificationKind::Status).desktop);
    assert!(of(cabinet_api::NotificationKind::Charge).sms);
    assert!(of(cabinet_api::NotificationKind::Requirement).desktop);

    // An authenticator app instead of SMS codes: the secret from the
    // window, a code made with it, and the next login asks for the app.
    find(&c, "[data-testid=totp-start]").await?.click().await?;
    let secret: String = text_contains(&c, "[data-testid=totp-secret]", "")
        .await?
        .split_whitespace()
        .collect();
    screenshot(&c, "settings-authenticator").await?;
    let key = data_encoding::BASE32_NOPAD.decode(secret.as_bytes())?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    let code = cabinet_portal::totp_code(&key, now.as_secs() as i64);
    find(&c, "#totp-code").await?.send_keys(&code).await?;
    find(&c, "[data-testid=totp-confirm]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=second-factor-now]", "приложения").await?;
    let step: cabinet_api::PasswordLoginResponse = reqwest::Client::new()
        .post(format!("{url}/v1/auth/password"))
        .json(&serde_json::json!({"login": ACCOUNTANT_LOGIN, "password": NEW_PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let cabinet_api::PasswordLoginResponse::Mfa(challenge) = step else {
        anyhow::bail!("the password alone logs in after the set-up")
    };
    assert_eq!(challenge.channel, cabinet_api::MfaChannel::Totp);

    // English: every word of the window changes at once, Settings stays
    // open, and the file keeps the choice for the next start.
    find(&c, "[data-testid=language-en]").await?.click().await?;
    find(&c, "[data-testid=settings-save]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=nav-settings]", "Settings").await?;
    find(&c, "html[lang=en]").await?;
    find(&c, "[data-testid=language-en]:checked").await?;
    screenshot(&c, "settings-english").await?;
    let file = std::fs::read_to_string(config.join("orgcabinet").join("config.toml"))?;
    assert!(
        file.lines().any(|l| l == "language = \"en\""),
        "language not kept: {file}"
    );
    find(&c, "[data-testid=nav-home]").await?.click().await?;
    text_contains(&c, "[data-testid=applications]", "Applications").await?;
    screenshot(&c, "dashboard-english").await?;

    c.close().await?;
    portal.stop().await;
    Ok(())
}
