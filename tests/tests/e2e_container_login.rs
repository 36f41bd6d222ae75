//! End-to-end: login with a CryptoPro key container in the real window. The
//! demo keeps the director's key as a container too (`director.000`, made by
//! our writer from the demo .pfx); the «КриптоПро» tab finds it with its
//! certificate, a wrong PIN gets a clear message, the right one logs in;
//! «Электронные подписи» then lists the container and signs with its PIN.

use anyhow::Result;
use cabinet_e2e::{app_env, count_is, find, screenshot, text_contains, Driver, SERIAL};
use fantoccini::key::Key;

#[tokio::test(flavor = "multi_thread")]
async fn director_logs_in_with_a_cryptopro_container() -> Result<()> {
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let driver = Driver::start(&app_env(tmp.path(), &[("CABINET_PORTAL_URL", "")]))?;
    let c = driver.launch(&[]).await?;

    find(&c, "[data-testid=method-certificate]")
        .await?
        .click()
        .await?;
    // The demo's certificates are saved (and its container made) first.
    text_contains(&c, "[data-testid=demo-cert-panel]", "director.pfx").await?;
    find(&c, "[data-testid=source-container]")
        .await?
        .click()
        .await?;
    let list = text_contains(
        &c,
        "[data-testid=containers]",
        "Контейнер КриптоПро «director»",
    )
    .await?;
    assert!(list.contains("Иванов Сергей Петрович"), "{list}");
    assert!(list.contains("director.000"), "{list}");

    // A wrong PIN: a clear message, no code, the PIN field emptied.
    find(&c, "#container-pin").await?.send_keys("0000").await?;
    find(&c, "[data-testid=container-login]")
        .await?
        .click()
        .await?;
    let msg = text_contains(
        &c,
        "[data-testid=cert-error]",
        "Неверный PIN-код контейнера.",
    )
    .await?;
    assert!(!msg.contains("container."), "no codes on screen: {msg}");
    screenshot(&c, "container-wrong-pin").await?;

    find(&c, "#container-pin")
        .await?
        .send_keys(cabinet_portal::DIRECTOR_PFX_PASSWORD)
        .await?;
    screenshot(&c, "container-login").await?;
    find(&c, "[data-testid=container-login]")
        .await?
        .click()
        .await?;
    // Logged in: the director's two organizations.
    count_is(&c, "[data-testid=org-row]", 2).await?;
    text_contains(&c, "body", "Иванов Сергей Петрович").await?;
    screenshot(&c, "container-chooser").await?;
    let filter = find(&c, "#org-filter").await?;
    filter.send_keys("ромашка").await?;
    count_is(&c, "[data-testid=org-row]", 1).await?;
    filter.send_keys(&Key::Enter.to_string()).await?;

    // «Электронные подписи» remembers the container, with its kind, and
    // signs with its PIN.
    find(&c, "[data-testid=nav-signatures]")
        .await?
        .click()
        .await?;
    let mine = text_contains(&c, "[data-testid=my-certificates]", "Контейнер КриптоПро:").await?;
    assert!(mine.contains("director.000"), "{mine}");
    let doc = tmp.path().join("Приказ.txt");
    std::fs::write(&doc, "Приказ о назначении")?;
    find(&c, "#sign-files")
        .await?
        .send_keys(&doc.display().to_string())
        .await?;
    let label = text_contains(&c, "label[for=sign-secret]", "PIN-код контейнера").await?;
    assert_eq!(label.trim(), "PIN-код контейнера");
    find(&c, "#sign-secret")
        .await?
        .send_keys(cabinet_portal::DIRECTOR_PFX_PASSWORD)
        .await?;
    find(&c, "[data-testid=sign-files] button[type=submit]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=sign-result]", "подписано файлов — 1").await?;
    assert!(std::fs::metadata(format!("{}.sig", doc.display()))?.len() > 0);
    screenshot(&c, "container-signatures").await?;
    Ok(())
}
