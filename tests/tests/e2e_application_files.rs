//! End-to-end: an application with files, from the accountant to the
//! director, in the real window.
//!
//! The accountant makes a draft for registering a cash register, opens its
//! card and attaches files through the file picker's input: a program
//! renamed to .pdf is refused with a clear message, the two documents the
//! service asks for are accepted and reach the portal once. She cannot send
//! the draft: the head signs first.
//!
//! The director logs in with his demo certificate, opens the same draft,
//! signs both files with one password and sends it; the portal accepts it,
//! and the card shows the number and the control code the portal gave.
//! When the government body moves applications on, each status change the
//! next sync brings is shown as a desktop notification (through the
//! system's notification service on D-Bus), until his own is taken up.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use cabinet_api::{Application, ApplicationStatus};
use cabinet_e2e::notifications::NotificationService;
use cabinet_e2e::{
    app_env, count, count_is, create_draft, find, log_in_as_accountant, open_org, screenshot,
    text_contains, Driver, SERIAL,
};
use cabinet_portal::{Portal, PortalConfig};

const TITLE: &str = "Регистрация кассы в магазине на Тверской";
const ADDRESS: &str = "г. Москва, ул. Тверская, д. 7, магазин «Ромашка»";

async fn draft_on_portal(
    portal: &cabinet_portal::RunningPortal,
    org: &str,
    files: usize,
) -> Result<Application> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let apps = portal.admin().applications(org).await?;
        let ours: Vec<&Application> = apps.iter().filter(|a| a.title == TITLE).collect();
        if ours.len() > 1 {
            bail!("the draft reached the portal twice: {ours:?}");
        }
        if let Some(a) = ours.first().filter(|a| a.attachments.len() >= files) {
            return Ok((*a).clone());
        }
        if Instant::now() > deadline {
            bail!("the draft with {files} files did not reach the portal: {ours:?}");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Opens the card of the application titled [`TITLE`] on «Главная». The
/// list re-renders when a sync delivers the draft (its row gets the
/// portal's id): a click on the row being replaced is lost, so it is
/// found and clicked again.
async fn open_card(c: &fantoccini::Client) -> Result<()> {
    let xpath =
        format!("//button[@data-testid='open-application' and normalize-space()='{TITLE}']");
    for _ in 0..5 {
        let button = c
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(fantoccini::Locator::XPath(&xpath))
            .await?;
        let _ = button.click().await;
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if count(c, "[data-testid=draft-files]").await? > 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let _ = screenshot(c, "application-card-failed").await;
    bail!("the card of {TITLE} did not open")
}

#[tokio::test(flavor = "multi_thread")]
async fn accountant_attaches_files_director_signs_and_submits() -> Result<()> {
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let mut config = PortalConfig::new(tmp.path().join("portal.sqlite3"));
    config.demo = true;
    let portal = Portal::open(config)?.spawn("127.0.0.1:0".parse()?).await?;
    let url = portal.url();
    let romashka = cabinet_api::requisites::complete_inn10("770412345").unwrap();
    let org = portal.admin().org_id_by_inn(&romashka).await?;

    // What the file picker hands over: a program renamed to .pdf, and the
    // two documents the service asks for.
    let files = tmp.path().join("files");
    std::fs::create_dir_all(&files)?;
    let exe = files.join("Паспорт ККТ.pdf");
    std::fs::write(
        &exe,
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00",
    )?;
    let passport = files.join("Паспорт ККТ Атол.pdf");
    std::fs::write(&passport, b"%PDF-1.7\n% passport\n%%EOF\n")?;
    let contract = files.join("Договор с ОФД.pdf");
    std::fs::write(&contract, b"%PDF-1.7\n% OFD contract\n%%EOF\n")?;

    // The accountant.
    {
        let driver = Driver::start(&app_env(tmp.path(), &[]))?;
        let c = driver.launch(&["--portal", url.as_str()]).await?;
        log_in_as_accountant(&c, None).await?;
        open_org(&c, "ромашка").await?;
        find(&c, "[data-testid=dashboard][data-refreshes='1']").await?;
        find(&c, "[data-testid=applications] form.new select")
            .await?
            .select_by_value("cash-register")
            .await?;
        // The service's form: where the register will stand.
        find(&c, "[data-testid=applications] [data-testid=field-address]")
            .await?
            .send_keys(ADDRESS)
            .await?;
        create_draft(&c, TITLE).await?;
        open_card(&c).await?;
        text_contains(&c, "[data-testid=application-fields]", ADDRESS).await?;
        text_contains(&c, "[data-testid=missing-documents]", "Паспорт ККТ").await?;
        let input = |kind: &str| {
            format!("[data-testid=file-slot][data-kind='{kind}'] [data-testid=file-input]")
        };
        find(&c, &input("kkt-passport"))
            .await?
            .send_keys(&exe.to_string_lossy())
            .await?;
        text_contains(
            &c,
            "[data-testid=draft-files] .alert.error",
            "по содержимому",
        )
        .await?;
        screenshot(&c, "application-files-refused").await?;
        find(&c, &input("kkt-passport"))
            .await?
            .send_keys(&passport.to_string_lossy())
            .await?;
        find(&c, &input("fn-contract"))
            .await?
            .send_keys(&contract.to_string_lossy())
            .await?;
        count_is(&c, "[data-testid=draft-file]", 2).await?;
        count_is(&c, "[data-testid=missing-documents]", 0).await?;
        // Each attach asks for a sync; both files reach the portal once.
        let held = draft_on_portal(&portal, &org, 2).await?;
        assert_eq!(
            held.fields.get("address").map(String::as_str),
            Some(ADDRESS),
            "the form reached the portal"
        );
        assert_eq!(
            held.attachments
                .iter()
                .map(|a| a.kind.as_str())
                .collect::<Vec<_>>(),
            ["kkt-passport", "fn-contract"]
        );
        text_contains(&c, "[data-testid=draft-file]:nth-child(2)", "не подписан").await?;
        // The head signs first: her «Отправить» waits.
        let send = find(&c, "[data-testid=submit-draft]").await?;
        assert_eq!(send.attr("disabled").await?.as_deref(), Some("true"));
        screenshot(&c, "application-files").await?;
        c.close().await?;
    }

    // The director, on his own computer.
    let his = tmp.path().join("director");
    let desktop = NotificationService::start().await?;
    let driver = Driver::start(&app_env(
        &his,
        &[
            ("DBUS_SESSION_BUS_ADDRESS", desktop.address.as_str()),
            // No accessibility bus on the private one: nothing here uses it.
            ("NO_AT_BRIDGE", "1"),
        ],
    ))?;
    let c = driver
        .launch(&["--portal", url.as_str()])
        .await
        .context("the director's window")?;
    find(&c, "[data-testid=method-certificate]")
        .await
        .context("the director's login screen")?
        .click()
        .await?;
    find(
        &c,
        "[data-testid=demo-cert-panel] li:nth-child(1) [data-testid=demo-cert-use]",
    )
    .await?
    .click()
    .await?;
    find(&c, "button[type=submit]").await?.click().await?;
    find(&c, "[data-testid=cert-login]").await?.click().await?;
    open_org(&c, "ромашка")
        .await
        .context("the director's organizations")?;
    find(&c, "[data-testid=dashboard][data-refreshes='1']").await?;
    open_card(&c).await?;
    count_is(&c, "[data-testid=draft-file]", 2).await?;
    find(&c, "[data-testid=sign-secret]")
        .await?
        .send_keys(cabinet_portal::DIRECTOR_PFX_PASSWORD)
        .await?;
    screenshot(&c, "application-sign").await?;
    find(&c, "[data-testid=sign-submit]").await?.click().await?;

    // Signed, sent by the sync the change starts, accepted by the portal.
    let code = text_contains(&c, "[data-testid=control-code]", "Контрольный код").await?;
    let sent = portal
        .admin()
        .applications(&org)
        .await?
        .into_iter()
        .find(|a| a.title == TITLE)
        .context("the application")?;
    assert_eq!(sent.status, ApplicationStatus::Accepted);
    let (number, control) = (
        sent.number.clone().context("a number")?,
        sent.control_code.clone().context("a control code")?,
    );
    assert!(code.contains(&number) && code.contains(&control), "{code}");
    let docs = portal.admin().documents(&org).await?;
    for a in &sent.attachments {
        let d = docs
            .iter()
            .find(|d| d.id == a.document_id)
            .context("the file's document")?;
        assert_eq!(d.signatures.len(), 1, "{} signed once", d.name);
    }
    text_contains(&c, "[data-testid=draft-file]", "подписан: ").await?;
    screenshot(&c, "application-sent").await?;

    find(&c, "[data-testid=application-card]")
        .await?
        .send_keys(&fantoccini::key::Key::Escape.to_string())
        .await?;
    count_is(&c, "[data-testid=application-card]", 0).await?;

    // The government body takes applications up one at a time; each change
    // arrives with the next sync and is announced on the desktop.
    assert!(
        desktop.shown().is_empty(),
        "nothing new before: {:?}",
        desktop.shown()
    );
    let mut ours = false;
    for _ in 0..30 {
        let moved = portal.admin().gov_step(&org, 1).await?;
        if moved.is_empty() {
            continue;
        }
        find(&c, "[data-testid=sync-now]")
            .await?
            .click()
            .await
            .context("«Синхронизировать»")?;
        for app in &moved {
            let number = app.number.clone().context("a moved application's number")?;
            let shown = desktop
                .wait_for(&format!("Заявление № {number}:"), Duration::from_secs(30))
                .await?;
            assert_eq!(shown.body, app.title);
            ours |= app.id == sent.id;
        }
        if ours {
            break;
        }
    }
    assert!(ours, "his application was taken up: {:?}", desktop.shown());
    // By the tray icon: the organization's unread notifications, as many
    // as the portal holds unread.
    let unread = portal
        .admin()
        .records::<cabinet_api::Notification>(&org)
        .await?
        .iter()
        .filter(|n| !n.read)
        .count();
    assert!(unread > 0);
    desktop
        .wait_for_tray_label(&unread.to_string(), Duration::from_secs(30))
        .await?;
    let shown = desktop.shown();
    // Two charges of the same amount share a summary; their bodies differ.
    let mut seen: Vec<(&str, &str)> = shown
        .iter()
        .map(|s| (s.summary.as_str(), s.body.as_str()))
        .collect();
    seen.sort_unstable();
    let before = seen.len();
    seen.dedup();
    assert_eq!(seen.len(), before, "each shown once: {shown:?}");
    c.close().await?;
    Ok(())
}
