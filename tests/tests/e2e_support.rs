//! End-to-end: the accountant writes to support offline. «Поддержка» shows
//! the FAQ (found by a word); the portal goes away; a program named .png is
//! refused by its content; a message with a PDF and a PNG is kept and shown
//! as waiting; the portal comes back; the sync delivers the ticket once,
//! with both files, and the window tells its number; support's answer
//! arrives with the next sync, and a notification of it.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use cabinet_api::{Ticket, TicketStatus, TicketTopic};
use cabinet_e2e::{
    app_env, count_is, find, log_in_as_accountant, open_org, screenshot, text_contains, Driver,
    SERIAL,
};
use cabinet_portal::{Portal, PortalConfig};

const MESSAGE: &str = "Оплата госпошлины по СБП прошла, а начисление всё ещё не оплачено.";
const ANSWER: &str = "Платёж найден и зачтён, квитанция появится в документах.";
const PDF: &[u8] = b"%PDF-1.7\n% bank receipt\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02";

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_written_offline_gets_its_number_and_answer() -> Result<()> {
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let db = tmp.path().join("portal.sqlite3");
    let config = || PortalConfig::quick_demo(&db);
    let portal = Portal::open(config())?
        .spawn("127.0.0.1:0".parse()?)
        .await?;
    let addr = portal.addr();
    let url = portal.url();
    let org = portal
        .admin()
        .org_id_by_inn(&cabinet_api::requisites::complete_inn10("770412345").unwrap())
        .await?;
    let files = tmp.path().join("files");
    std::fs::create_dir_all(&files)?;
    let exe = files.join("скрин.png");
    std::fs::write(&exe, b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")?;
    let receipt = files.join("Квитанция СБП.pdf");
    std::fs::write(&receipt, PDF)?;
    let screen = files.join("Экран оплаты.png");
    std::fs::write(&screen, PNG)?;

    let driver = Driver::start(&app_env(tmp.path(), &[]))?;
    let c = driver.launch(&["--portal", url.as_str()]).await?;
    log_in_as_accountant(&c, None).await?;
    open_org(&c, "ромашка").await?;
    find(&c, "[data-testid=dashboard][data-refreshes='1']").await?;
    find(&c, "[data-testid=nav-support]").await?.click().await?;
    text_contains(&c, "[data-testid=tickets-empty]", "Обращений пока нет").await?;
    // The FAQ, found by a word (any case, ё = е).
    count_is(&c, "[data-testid=faq-item]", cabinet_api::faq().len()).await?;
    find(&c, "[data-testid=faq-search]")
        .await?
        .send_keys("ЗАБЛОКИРОВАНА")
        .await?;
    count_is(&c, "[data-testid=faq-item]", 1).await?;
    find(&c, "[data-testid=faq-item] summary")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=faq-item]", "15 минут").await?;
    screenshot(&c, "support").await?;

    // The portal goes away; the app notices at the next sync.
    portal.stop().await;
    find(&c, "[data-testid=sync-now]").await?.click().await?;
    text_contains(&c, "[data-testid=connection]", "Нет связи").await?;

    find(&c, "[data-testid=ticket-topic]")
        .await?
        .select_by_value("payments")
        .await?;
    find(&c, "[data-testid=ticket-message]")
        .await?
        .send_keys(MESSAGE)
        .await?;
    let input = "[data-testid=ticket-files-input]";
    find(&c, input)
        .await?
        .send_keys(&exe.to_string_lossy())
        .await?;
    find(&c, "[data-testid=ticket-send]").await?.click().await?;
    text_contains(&c, "[data-testid=ticket-error]", "по содержимому").await?;
    find(&c, "button[aria-label='Убрать скрин.png']")
        .await?
        .click()
        .await?;
    for f in [&receipt, &screen] {
        find(&c, input)
            .await?
            .send_keys(&f.to_string_lossy())
            .await?;
    }
    text_contains(&c, "[data-testid=ticket-files-total]", "2 из 5").await?;
    find(&c, "[data-testid=ticket-send]").await?.click().await?;
    text_contains(&c, "[data-testid=ticket-notice]", "Нет связи с порталом").await?;
    text_contains(&c, "[data-testid=ticket-queued]", "Ждёт отправки").await?;
    text_contains(&c, "[data-testid=ticket-queued]", "Экран оплаты.png").await?;
    text_contains(&c, "[data-testid=pending-count]", "Исходящие: 1").await?;
    screenshot(&c, "support-offline").await?;

    // The portal is back where it was; the ticket goes once, whole.
    let portal = Portal::open(config())?.spawn(addr).await?;
    let deadline = Instant::now() + cabinet_e2e::TIMEOUT;
    let held = loop {
        find(&c, "[data-testid=sync-now]").await?.click().await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let held = portal.admin().records::<Ticket>(&org).await?;
        if !held.is_empty() {
            break held;
        }
        anyhow::ensure!(Instant::now() < deadline, "the ticket never arrived");
    };
    anyhow::ensure!(held.len() == 1, "registered more than once: {held:?}");
    let t = &held[0];
    assert_eq!(
        (t.topic, t.message.as_str()),
        (TicketTopic::Payments, MESSAGE)
    );
    let names: Vec<_> = t.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["Квитанция СБП.pdf", "Экран оплаты.png"]);
    assert_eq!(portal.admin().content(&t.files[0].sha256).await?, PDF);
    assert_eq!(portal.admin().content(&t.files[1].sha256).await?, PNG);
    text_contains(
        &c,
        "[data-testid=ticket-notice]",
        &format!("Обращение зарегистрировано, номер {}", t.number),
    )
    .await?;
    text_contains(&c, "[data-testid=ticket-number]", &t.number).await?;
    count_is(&c, "[data-testid=ticket-queued]", 0).await?;
    count_is(&c, "[data-testid=pending-count]", 0).await?;

    // Support answers; the next sync brings it.
    portal.admin().answer_ticket(&org, &t.id, ANSWER).await?;
    find(&c, "[data-testid=sync-now]").await?.click().await?;
    text_contains(&c, "[data-testid=ticket-answer]", ANSWER).await?;
    text_contains(&c, "[data-testid=ticket-status]", "Получен ответ").await?;
    let answered = portal.admin().records::<Ticket>(&org).await?;
    assert_eq!(
        answered.first().map(|t| t.status),
        Some(TicketStatus::Answered)
    );
    screenshot(&c, "support-answered").await?;
    // And the author is told among the notifications.
    find(&c, "[data-testid=nav-notifications]")
        .await?
        .click()
        .await?;
    text_contains(
        &c,
        "[data-testid=notifications]",
        &format!("Поддержка ответила на обращение {}", t.number),
    )
    .await?;
    c.close().await.context("closing the window")?;
    portal.stop().await;
    Ok(())
}
