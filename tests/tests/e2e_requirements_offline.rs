//! End-to-end: a requirement is accepted and answered offline, then
//! delivered. The accountant opens «Требования» after the first sync; the
//! portal goes away; «Принять к исполнению» and an answer from a template
//! are queued and shown as waiting; the portal comes back on the same
//! address; one sync delivers both, each exactly once, and the card shows
//! the portal's answered requirement. Then «Уведомления»: opening an unread
//! one marks it read.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use cabinet_api::{Requirement, RequirementStatus};
use cabinet_e2e::{
    app_env, count_is, find, log_in_as_accountant, open_org, screenshot, text_contains, Driver,
    SERIAL,
};
use cabinet_portal::{Portal, PortalConfig};
use fantoccini::key::Key;

#[tokio::test(flavor = "multi_thread")]
async fn a_requirement_accepted_and_answered_offline_reaches_the_portal_once() -> Result<()> {
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let db = tmp.path().join("portal.sqlite3");
    let config = || {
        let mut c = PortalConfig::new(&db);
        c.demo = true;
        c
    };
    let portal = Portal::open(config())?
        .spawn("127.0.0.1:0".parse()?)
        .await?;
    let addr = portal.addr();
    let url = portal.url();
    let romashka = cabinet_api::requisites::complete_inn10("770412345").unwrap();
    let org = portal.admin().org_id_by_inn(&romashka).await?;
    // The demo's two requirements, earliest due first as the list shows them.
    let mut open: Vec<Requirement> = portal.admin().records::<Requirement>(&org).await?;
    open.sort_by(|a, b| a.due_date.cmp(&b.due_date));
    anyhow::ensure!(
        open.len() == 2 && open.iter().all(|r| r.status == RequirementStatus::New),
        "demo requirements: {open:?}"
    );
    let target = open[0].clone();

    let driver = Driver::start(&app_env(tmp.path(), &[]))?;
    let c = driver.launch(&["--portal", url.as_str()]).await?;
    log_in_as_accountant(&c, None).await?;
    open_org(&c, "ромашка").await?;
    find(&c, "[data-testid=dashboard][data-refreshes='1']").await?;
    text_contains(&c, "[data-testid=requirements-count]", "2").await?;

    // The portal goes away; the app notices at the next sync.
    portal.stop().await;
    find(&c, "[data-testid=sync-now]").await?.click().await?;
    text_contains(&c, "[data-testid=connection]", "Нет связи").await?;

    // Alt+2: «Требования», the earliest due first and chosen.
    find(&c, "body")
        .await?
        .send_keys(&format!("{}2", Key::Alt))
        .await?;
    count_is(&c, "[data-testid=requirement-row]", 2).await?;
    text_contains(&c, "[data-testid=requirement-detail]", &target.number).await?;
    find(&c, "[data-testid=accept-requirement]")
        .await?
        .click()
        .await?;
    text_contains(
        &c,
        "[data-testid=requirement-pending]",
        "Принятие ждёт отправки",
    )
    .await?;

    // The answer from a template, with a line of its own.
    find(&c, "#req-template")
        .await?
        .select_by_label("Документы направлены")
        .await?;
    let text = find(&c, "#req-answer").await?;
    text.send_keys(" Копия устава прилагается.").await?;
    // One of the organization's documents goes with it.
    find(&c, "[data-testid=attach-document]")
        .await?
        .click()
        .await?;
    find(&c, "[data-testid=send-answer]").await?.click().await?;
    text_contains(
        &c,
        "[data-testid=requirement-detail]",
        "Ответ ждёт отправки",
    )
    .await?;
    text_contains(&c, "[data-testid=pending-count]", "Исходящие: 2").await?;
    screenshot(&c, "requirements-offline").await?;

    // The portal is back where it was, with everything it had.
    let portal = Portal::open(config())?.spawn(addr).await?;
    let deadline = Instant::now() + cabinet_e2e::TIMEOUT;
    let delivered = loop {
        find(&c, "[data-testid=sync-now]").await?.click().await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = portal.admin().records::<Requirement>(&org).await?;
        let r = now
            .into_iter()
            .find(|r| r.id == target.id)
            .context("requirement gone")?;
        if r.status == RequirementStatus::Answered {
            break r;
        }
        anyhow::ensure!(Instant::now() < deadline, "never delivered: {r:?}");
    };
    let answer = delivered.answer.as_ref().context("no answer")?;
    assert!(
        answer.text.starts_with("Во исполнение требования")
            && answer.text.ends_with("Копия устава прилагается."),
        "{answer:?}"
    );
    assert_eq!(answer.document_ids.len(), 1, "{answer:?}");
    // Accepted once and answered once: two versions, not more.
    assert_eq!(delivered.version, target.version + 2, "{delivered:?}");

    // The card shows the portal's answer; nothing waits any more.
    find(&c, "[data-testid=nav-requirements]")
        .await?
        .click()
        .await?;
    find(&c, "input[type=radio][value=all]")
        .await?
        .click()
        .await?;
    find(&c, &format!("[data-requirement='{}']", target.id))
        .await?
        .click()
        .await?;
    text_contains(
        &c,
        "[data-testid=requirement-answer]",
        "Копия устава прилагается.",
    )
    .await?;
    text_contains(&c, "[data-testid=requirement-status]", "Ответ отправлен").await?;
    text_contains(&c, "[data-testid=answer-documents]", ".").await?;
    count_is(&c, "[data-testid=pending-count]", 0).await?;
    text_contains(&c, "[data-testid=requirements-count]", "1").await?;
    screenshot(&c, "requirements-delivered").await?;

    // «Уведомления»: opening an unread one marks it read (queued, then sent).
    find(&c, "[data-testid=nav-notifications]")
        .await?
        .click()
        .await?;
    find(&c, "[data-testid=notification-row].unread").await?;
    let unread = cabinet_e2e::count(&c, "[data-testid=notification-row].unread").await?;
    anyhow::ensure!(unread > 0, "the demo has unread notifications");
    find(&c, "[data-testid=notification-row].unread button")
        .await?
        .click()
        .await?;
    count_is(&c, "[data-testid=notification-row].unread", unread - 1).await?;
    screenshot(&c, "notifications").await?;
    c.close().await?;
    portal.stop().await;
    Ok(())
}
