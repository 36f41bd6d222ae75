//! End-to-end: the demo accountant logs in through the real window (password
//! and SMS code), picks an organization by typing in the chooser's filter,
//! and sees its INN on the dashboard. Then a restart with the portal gone
//! shows the cached dashboard with the offline banner.

use anyhow::Result;
use cabinet_api::requisites::{complete_inn10, complete_inn12};
use cabinet_e2e::{
    count_is, create_draft, find, has, log_in_as_accountant, screenshot, text_contains, Driver,
    SERIAL,
};
use cabinet_portal::{Portal, PortalConfig};
use fantoccini::key::Key;

fn app_env(data: &str, config_home: &str) -> Vec<(&'static str, String)> {
    vec![
        ("CABINET_DATA_DIR", data.to_owned()),
        ("CABINET_KEYCHAIN", "keyutils".to_owned()),
        // No portal configured anywhere: the app must start its demo portal.
        ("CABINET_PORTAL_URL", String::new()),
        // Statuses the test checks must not move under it.
        ("CABINET_DEMO_GOV_SECONDS", "0".to_owned()),
        ("XDG_CONFIG_HOME", config_home.to_owned()),
    ]
}

fn env_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_accountant_logs_in_picks_an_organization_and_sees_its_inn() -> Result<()> {
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let env = app_env(
        data.to_str().unwrap(),
        tmp.path().join("config").to_str().unwrap(),
    );
    let driver = Driver::start(&env_refs(&env))?;
    let c = driver.launch(&[]).await?;

    log_in_as_accountant(&c, Some("")).await?;

    let filter = find(&c, "#org-filter").await?;
    count_is(&c, "[data-testid=org-row]", 12).await?;
    screenshot(&c, "chooser").await?;
    filter.send_keys("смирн").await?;
    count_is(&c, "[data-testid=org-row]", 1).await?;
    filter.send_keys(&Key::Enter.to_string()).await?;

    let expected = complete_inn12("5003123456").unwrap();
    let inn = text_contains(&c, "[data-testid=org-inn]", &expected).await?;
    assert_eq!(inn, expected);
    text_contains(&c, "[data-testid=connection]", "В сети").await?;
    assert!(
        !has(&c, "[data-testid=offline-banner]").await?,
        "online: no offline banner"
    );
    screenshot(&c, "dashboard").await?;

    // Switch to another organization with the keyboard only.
    find(&c, "[data-testid=switch-org]").await?.click().await?;
    let filter = find(&c, "#org-filter").await?;
    filter.send_keys("7704").await?;
    count_is(&c, "[data-testid=org-row]", 1).await?;
    filter.send_keys(&Key::Enter.to_string()).await?;
    text_contains(
        &c,
        "[data-testid=org-inn]",
        &complete_inn10("770412345").unwrap(),
    )
    .await?;
    text_contains(&c, "[data-testid=org-full-name]", "«Ромашка»").await?;

    // Its applications arrive by sync; a new draft reaches the portal and
    // comes back with a number.
    count_is(&c, "[data-testid=application-row]", 7).await?;
    text_contains(&c, "[data-testid=sync-status]", "Синхронизировано").await?;
    create_draft(&c, "Выписка для банка (e2e)").await?;
    count_is(&c, "[data-testid=application-row]", 8).await?;
    text_contains(&c, "[data-testid=outbox]", "Все действия доставлены").await?;
    c.execute(
        "document.querySelector('[data-testid=applications]').scrollIntoView()",
        vec![],
    )
    .await?;
    screenshot(&c, "applications").await?;

    c.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn restart_with_portal_unreachable_shows_cached_dashboard_offline() -> Result<()> {
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let mut config = PortalConfig::new(tmp.path().join("portal.sqlite3"));
    config.demo = true;
    let portal = Portal::open(config)?.spawn("127.0.0.1:0".parse()?).await?;
    let url = portal.url();
    let data = tmp.path().join("data");
    let env = app_env(
        data.to_str().unwrap(),
        tmp.path().join("config").to_str().unwrap(),
    );
    let driver = Driver::start(&env_refs(&env))?;
    let args = ["--portal", url.as_str()];

    let c = driver.launch(&args).await?;
    log_in_as_accountant(&c, None).await?;
    let filter = find(&c, "#org-filter").await?;
    filter.send_keys("ромашка").await?;
    count_is(&c, "[data-testid=org-row]", 1).await?;
    filter.send_keys(&Key::Enter.to_string()).await?;
    let expected = complete_inn10("770412345").unwrap();
    text_contains(&c, "[data-testid=org-inn]", &expected).await?;
    c.close().await?;

    portal.stop().await;
    let c = driver.launch(&args).await?;
    // No login: the last organization opens from the cache, read-only.
    let banner = text_contains(&c, "[data-testid=offline-banner]", "Нет связи с порталом").await?;
    assert!(banner.contains("сохранённые"), "{banner}");
    let inn = text_contains(&c, "[data-testid=org-inn]", &expected).await?;
    assert_eq!(inn, expected);
    text_contains(&c, "[data-testid=connection]", "Нет связи").await?;
    screenshot(&c, "dashboard-offline").await?;
    c.close().await?;
    Ok(())
}
