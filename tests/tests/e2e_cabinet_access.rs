//! End-to-end: the director's cabinets over their life. In the chooser the
//! demo's suspended ООО «Меридиан» carries its badge; the director links
//! ИП Кузнецова by INN and the code sent to its phone. The portal blocks
//! ООО «Ромашка»: its dashboard says why, the director files an unblock
//! request with a document, and once the portal approves it the next sync
//! lifts the banner. Then the director deactivates ООО «Вектор» with the
//! password and a code, and it is gone from the list.

use std::time::Duration;

use anyhow::Result;
use cabinet_api::{AccessState, UnblockStatus};
use cabinet_e2e::{
    app_env, count_is, find, log_in_as, open_org, screenshot, text_contains, Driver, SERIAL,
};
use cabinet_portal::{Portal, PortalConfig, DIRECTOR_LOGIN, DIRECTOR_PASSWORD};

const BLOCK_REASON: &str = "Подозрительные входы в кабинет с новых адресов.";
const DECISION: &[u8] = b"%PDF-1.7\n% decision of the general meeting\n%%EOF\n";

/// The demo code the dialog `testid` shows, once it is there.
async fn demo_code(c: &fantoccini::Client, testid: &str) -> Result<String> {
    let deadline = std::time::Instant::now() + cabinet_e2e::TIMEOUT;
    loop {
        let t = cabinet_e2e::text_of(c, &format!("[data-testid={testid}-demo-code] strong"))
            .await?
            .unwrap_or_default();
        if t.len() == 6 && t.chars().all(|ch| ch.is_ascii_digit()) {
            return Ok(t);
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "no demo code in {testid}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_director_links_unblocks_and_deactivates_cabinets() -> Result<()> {
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let portal = Portal::open(PortalConfig::quick_demo(tmp.path().join("portal.sqlite3")))?
        .spawn("127.0.0.1:0".parse()?)
        .await?;
    let url = portal.url();
    let admin = portal.admin();
    let romashka = admin
        .org_id_by_inn(&cabinet_api::requisites::complete_inn10("770412345").unwrap())
        .await?;
    let kuznetsova_inn = cabinet_api::requisites::complete_inn12("3662123456").unwrap();
    let decision = tmp.path().join("Решение о назначении.pdf");
    std::fs::write(&decision, DECISION)?;

    let driver = Driver::start(&app_env(tmp.path(), &[]))?;
    let c = driver.launch(&["--portal", url.as_str()]).await?;
    log_in_as(&c, DIRECTOR_LOGIN, DIRECTOR_PASSWORD, None).await?;

    // Linking ИП Кузнецова: its INN, then the code from its phone.
    count_is(&c, "[data-testid=org-row]", 2).await?;
    find(&c, "[data-testid=link-org]").await?.click().await?;
    find(&c, "[data-testid=link-inn]")
        .await?
        .send_keys(&kuznetsova_inn)
        .await?;
    find(&c, "[data-testid=link-ask]").await?.click().await?;
    text_contains(&c, "[data-testid=link-sent]", "Код отправлен на телефон").await?;
    let code = demo_code(&c, "link").await?;
    find(&c, "[data-testid=link-code]")
        .await?
        .send_keys(&code)
        .await?;
    screenshot(&c, "chooser-link-code").await?;
    find(&c, "[data-testid=link-confirm]")
        .await?
        .click()
        .await?;
    text_contains(
        &c,
        "[data-testid=chooser-notice]",
        "ИП Кузнецова М. И. добавлена в ваш список, роль «Наблюдатель»",
    )
    .await?;
    count_is(&c, "[data-testid=org-row]", 3).await?;
    screenshot(&c, "chooser-linked").await?;

    // The portal blocks ООО «Ромашка».
    admin
        .set_access(&romashka, Some((AccessState::Blocked, BLOCK_REASON)))
        .await?;
    open_org(&c, "ромашка").await?;
    text_contains(&c, "[data-testid=access-banner]", "Кабинет заблокирован").await?;
    text_contains(&c, "[data-testid=access-banner]", BLOCK_REASON).await?;
    // The first sync, refused, is over.
    find(&c, "[data-testid=sync-now]:not([disabled])").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    screenshot(&c, "cabinet-blocked").await?;
    // The banner says it; the refused sync adds no error line of its own.
    count_is(&c, "main .alert.error", 0).await?;
    find(&c, "[data-testid=unblock-open]")
        .await?
        .click()
        .await?;
    find(&c, "[data-testid=unblock-text]")
        .await?
        .send_keys("Входы были из нового офиса, прилагаем решение о назначении руководителя.")
        .await?;
    find(&c, "[data-testid=unblock-files-input]")
        .await?
        .send_keys(&decision.to_string_lossy())
        .await?;
    text_contains(&c, "[data-testid=unblock-files-total]", "1 из 5").await?;
    screenshot(&c, "cabinet-unblock-request").await?;
    find(&c, "[data-testid=unblock-send]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=unblock-pending]", "на рассмотрении").await?;
    let (_, files) = admin.unblock_request(&romashka).await?;
    assert_eq!(admin.content(&files[0].sha256).await?, DECISION);

    // Approved: the next sync opens the cabinet.
    let decided = admin.decide_unblock(&romashka, true, None).await?;
    assert_eq!(decided.status, UnblockStatus::Approved);
    find(&c, "[data-testid=sync-now]").await?.click().await?;
    count_is(&c, "[data-testid=access-banner]", 0).await?;
    text_contains(&c, "[data-testid=connection]", "В сети").await?;

    // Deactivating ООО «Вектор»: the password, then the code.
    find(&c, "[data-testid=switch-org]").await?.click().await?;
    open_org(&c, "вектор").await?;
    text_contains(&c, "[data-testid=header-org]", "Вектор").await?;
    find(&c, "[data-testid=deactivate-open]")
        .await?
        .click()
        .await?;
    find(&c, "[data-testid=deactivate-password]")
        .await?
        .send_keys("Не-тот-пароль-1")
        .await?;
    find(&c, "[data-testid=deactivate-ask]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=deactivate-error]", "пароль").await?;
    let password = find(&c, "[data-testid=deactivate-password]").await?;
    password.clear().await?;
    password.send_keys(DIRECTOR_PASSWORD).await?;
    find(&c, "[data-testid=deactivate-ask]")
        .await?
        .click()
        .await?;
    let code = demo_code(&c, "deactivate").await?;
    find(&c, "[data-testid=deactivate-code]")
        .await?
        .send_keys(&code)
        .await?;
    screenshot(&c, "cabinet-deactivate").await?;
    find(&c, "[data-testid=deactivate-confirm]")
        .await?
        .click()
        .await?;
    text_contains(
        &c,
        "[data-testid=chooser-notice]",
        "Кабинет ООО «Вектор» деактивирован",
    )
    .await?;
    count_is(&c, "[data-testid=org-row]", 2).await?;
    screenshot(&c, "chooser-after-deactivation").await?;
    c.close().await?;
    portal.stop().await;
    Ok(())
}
