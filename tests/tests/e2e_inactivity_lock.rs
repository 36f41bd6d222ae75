//! End-to-end: with a 3-second inactivity lock, the cabinet hides behind
//! the lock screen after the accountant stops touching it; a wrong
//! password is refused with the attempts left, the right one brings the
//! dashboard back.

use anyhow::Result;
use cabinet_e2e::{
    app_env, find, has, log_in_as_accountant, open_org, screenshot, text_contains, Driver, SERIAL,
};
use cabinet_portal::{Portal, PortalConfig};
use fantoccini::key::Key;

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_cabinet_locks_and_the_password_unlocks_it() -> Result<()> {
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let mut config = PortalConfig::new(tmp.path().join("portal.sqlite3"));
    config.demo = true;
    let portal = Portal::open(config)?.spawn("127.0.0.1:0".parse()?).await?;
    let url = portal.url();
    let driver = Driver::start(&app_env(tmp.path(), &[("CABINET_LOCK_SECONDS", "3")]))?;
    let c = driver.launch(&["--portal", url.as_str()]).await?;
    log_in_as_accountant(&c, None).await?;
    open_org(&c, "ромашка").await?;
    text_contains(&c, "[data-testid=org-full-name]", "«Ромашка»").await?;

    // No input: the lock screen replaces the cabinet, data and all.
    text_contains(&c, "[data-testid=lock-screen]", "Сеанс заблокирован").await?;
    assert!(
        !has(&c, "[data-testid=org-full-name]").await?,
        "data hidden"
    );
    assert!(!has(&c, "[data-testid=applications]").await?, "data hidden");
    let password = find(&c, "#unlock-password").await?;
    password.send_keys("Buh-2025").await?;
    password.send_keys(&Key::Enter.to_string()).await?;
    text_contains(
        &c,
        "[data-testid=lock-screen] [role=alert]",
        "Осталось 4 попытки",
    )
    .await?;
    screenshot(&c, "lock-screen").await?;
    let password = find(&c, "#unlock-password").await?;
    password.send_keys("Buh-2026").await?;
    password.send_keys(&Key::Enter.to_string()).await?;
    text_contains(&c, "[data-testid=org-full-name]", "«Ромашка»").await?;
    text_contains(&c, "[data-testid=sync-status]", "Синхронизировано").await?;
    c.close().await?;
    Ok(())
}
