//! End-to-end: certificate login in the real window with the embedded demo
//! portal's PKI. A wrong .pfx password and an expired certificate each get a
//! clear Russian message; the director's valid .pfx shows its certificate
//! and logs in to his organizations.

use anyhow::Result;
use cabinet_e2e::{count_is, find, screenshot, text_contains, Driver, SERIAL};

fn env(tmp: &std::path::Path) -> Vec<(&'static str, String)> {
    vec![
        ("CABINET_DATA_DIR", tmp.join("data").display().to_string()),
        ("CABINET_KEYCHAIN", "keyutils".to_owned()),
        ("CABINET_PORTAL_URL", String::new()),
        ("XDG_CONFIG_HOME", tmp.join("config").display().to_string()),
    ]
}

/// «Подставить» of the n-th demo certificate (1: director, 2: accountant,
/// 3: director's expired one).
fn demo_use(n: usize) -> String {
    format!("[data-testid=demo-cert-panel] li:nth-child({n}) [data-testid=demo-cert-use]")
}

#[tokio::test(flavor = "multi_thread")]
async fn director_logs_in_with_demo_pfx_after_wrong_password_and_expired_certificate() -> Result<()>
{
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let env = env(tmp.path());
    let refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let driver = Driver::start(&refs)?;
    let c = driver.launch(&[]).await?;

    find(&c, "[data-testid=method-certificate]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=demo-cert-panel]", "director-expired.pfx").await?;

    // A wrong password: the right one with a typo at the end.
    find(&c, &demo_use(1)).await?.click().await?;
    find(&c, "#pfx-password").await?.send_keys("x").await?;
    find(&c, "button[type=submit]").await?.click().await?;
    let msg = text_contains(
        &c,
        "[data-testid=cert-error]",
        "Неверный пароль контейнера или файл повреждён.",
    )
    .await?;
    assert!(!msg.contains("pfx."), "no codes on screen: {msg}");
    screenshot(&c, "cert-wrong-password").await?;

    // The expired certificate: shown as expired, refused with a clear message.
    find(&c, &demo_use(3)).await?.click().await?;
    find(&c, "button[type=submit]").await?.click().await?;
    text_contains(
        &c,
        "[data-testid=certificate-status]",
        "Срок действия истёк",
    )
    .await?;
    find(&c, "[data-testid=cert-login]").await?.click().await?;
    text_contains(
        &c,
        "[data-testid=cert-error]",
        "Срок действия сертификата истёк.",
    )
    .await?;
    screenshot(&c, "cert-expired").await?;

    // The director's valid certificate.
    find(&c, &demo_use(1)).await?.click().await?;
    find(&c, "button[type=submit]").await?.click().await?;
    let card = text_contains(
        &c,
        "[data-testid=certificate-card]",
        "Иванов Сергей Петрович",
    )
    .await?;
    assert!(card.contains("ООО «Ромашка»"), "{card}");
    assert!(card.contains("СНИЛС"), "{card}");
    text_contains(&c, "[data-testid=certificate-status]", "Действует").await?;
    screenshot(&c, "cert-card").await?;
    find(&c, "[data-testid=cert-login]").await?.click().await?;

    // The director belongs to two organizations: the chooser lists them.
    find(&c, "#org-filter").await?;
    count_is(&c, "[data-testid=org-row]", 2).await?;
    text_contains(&c, "body", "Иванов Сергей Петрович").await?;
    c.close().await?;
    Ok(())
}
