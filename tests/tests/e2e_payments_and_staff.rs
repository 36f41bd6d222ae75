//! End-to-end: payments, and employees with their roles.
//!
//! The accountant pays a charge by СБП in «Платежи»: the payment is
//! queued, one sync pays it on the portal, the charge shows «Оплачено» and
//! the receipt opens inside the app. The accountant has no «Сотрудники»
//! section, and the portal itself answers 403 when her token asks to
//! invite someone.
//!
//! The administrator invites a new employee by e-mail and changes a
//! demo employee's role; both reach the portal and come back by sync, and
//! the role change is in «Журнал» with who made it and from where.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use cabinet_api::{Charge, ChargeStatus, Employee, EmployeeStatus, Payment, Problem};
use cabinet_e2e::{
    api_token, app_env, count, count_is, find, has, log_in_as, log_in_as_accountant, open_org,
    screenshot, text_contains, wait_drawn, Driver, SERIAL,
};
use cabinet_portal::{Portal, PortalConfig};
use fantoccini::key::Key;

async fn demo_portal(db: &std::path::Path) -> Result<cabinet_portal::RunningPortal> {
    let mut config = PortalConfig::new(db);
    config.demo = true;
    Ok(Portal::open(config)?.spawn("127.0.0.1:0".parse()?).await?)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_accountant_pays_a_charge_and_opens_the_receipt_but_manages_no_one() -> Result<()> {
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let portal = demo_portal(&tmp.path().join("portal.sqlite3")).await?;
    let url = portal.url();
    let romashka = cabinet_api::requisites::complete_inn10("770412345").unwrap();
    let org = portal.admin().org_id_by_inn(&romashka).await?;
    let mut unpaid: Vec<Charge> = portal
        .admin()
        .records::<Charge>(&org)
        .await?
        .into_iter()
        .filter(|c| c.status == ChargeStatus::Unpaid)
        .collect();
    unpaid.sort_by(|a, b| a.due_date.cmp(&b.due_date));
    let target = unpaid.first().context("an unpaid demo charge")?.clone();
    let paid_before = portal.admin().records::<Payment>(&org).await?.len();

    let driver = Driver::start(&app_env(tmp.path(), &[]))?;
    let c = driver.launch(&["--portal", url.as_str()]).await?;
    log_in_as_accountant(&c, None).await?;
    open_org(&c, "ромашка").await?;
    find(&c, "[data-testid=dashboard][data-refreshes='1']").await?;

    // Six sections: no «Сотрудники» and no «Журнал» for a Бухгалтер.
    count_is(&c, "nav.sections .tab", 7).await?;
    assert!(!has(&c, "[data-testid=nav-employees]").await?);
    assert!(!has(&c, "[data-testid=nav-audit]").await?);
    text_contains(
        &c,
        "[data-testid=payments-count]",
        &unpaid.len().to_string(),
    )
    .await?;

    // Alt+4: «Платежи», the earliest due first.
    find(&c, "body")
        .await?
        .send_keys(&format!("{}4", Key::Alt))
        .await?;
    find(&c, "[data-testid=charges-period]")
        .await?
        .select_by_value("all")
        .await?;
    let row = format!("[data-charge='{}']", target.id);
    text_contains(&c, &row, &target.uin).await?;
    text_contains(&c, &row, "К оплате").await?;
    count_is(&c, "[data-testid=payment-row]", paid_before).await?;
    screenshot(&c, "payments").await?;

    find(&c, &format!("{row} [data-testid=pay-charge]"))
        .await?
        .click()
        .await?;
    find(&c, "[data-testid=method-sbp]").await?.click().await?;
    screenshot(&c, "payments-dialog").await?;
    find(&c, "[data-testid=confirm-pay]").await?.click().await?;

    // Queued, then paid by the sync the change starts: the charge turns
    // «Оплачено» and the payment with its receipt arrives.
    text_contains(&c, &row, "Оплачено").await?;
    count_is(&c, "[data-testid=payment-row]", paid_before + 1).await?;
    let payments = portal.admin().records::<Payment>(&org).await?;
    let ours: Vec<&Payment> = payments
        .iter()
        .filter(|p| p.charge_id.as_deref() == Some(target.id.as_str()))
        .collect();
    assert_eq!(ours.len(), 1, "paid exactly once: {payments:?}");
    assert_eq!(ours[0].method, cabinet_api::PaymentMethod::Sbp);
    assert_eq!(ours[0].paid_by, "Петрова Анна Викторовна");

    // The newest payment first: its receipt, a PDF, opens inside the app
    // and is drawn there; poppler reads what it says.
    find(&c, "[data-testid=payment-row] [data-testid=open-receipt]")
        .await?
        .click()
        .await?;
    let title = text_contains(&c, "[data-testid=document-preview]", ".pdf").await?;
    assert!(title.contains(&target.uin), "{title}");
    wait_drawn(&c, 1).await?;
    screenshot(&c, "payments-receipt").await?;
    let docs = portal.admin().documents(&org).await?;
    let receipt = docs
        .iter()
        .find(|d| d.id == ours[0].receipt_document_id)
        .context("the receipt document")?;
    let words = cabinet_pdf::poppler::words(&portal.admin().content(&receipt.sha256).await?);
    for wanted in [
        "Квитанция об оплате".to_owned(),
        format!("УИН {}", target.uin),
        "Способ оплаты СБП".to_owned(),
        "Оплатил Петрова Анна Викторовна".to_owned(),
    ] {
        anyhow::ensure!(words.contains(&wanted), "{wanted} in {words}");
    }
    find(&c, "[data-testid=document-preview]")
        .await?
        .send_keys(&Key::Escape.to_string())
        .await?;
    count_is(&c, "[data-testid=document-preview]", 0).await?;

    // «Главная»: an application's card with its history; a comment is
    // queued, sent by the sync the change starts, and shown as the portal's.
    find(&c, "[data-testid=nav-home]").await?.click().await?;
    let submitted = portal
        .admin()
        .applications(&org)
        .await?
        .into_iter()
        .find(|a| a.number.is_some())
        .context("a submitted demo application")?;
    let open_card = format!(
        "//button[@data-testid='open-application' and normalize-space()='{}']",
        submitted.title
    );
    c.wait()
        .at_most(cabinet_e2e::TIMEOUT)
        .for_element(fantoccini::Locator::XPath(&open_card))
        .await?
        .click()
        .await?;
    text_contains(
        &c,
        "[data-testid=application-history]",
        "Иванов Сергей Петрович",
    )
    .await?;
    find(&c, "[data-testid=comment-text]")
        .await?
        .send_keys("Прошу ускорить рассмотрение.")
        .await?;
    find(&c, "[data-testid=comment-send]")
        .await?
        .click()
        .await?;
    text_contains(
        &c,
        "[data-testid=application-comments]",
        "Прошу ускорить рассмотрение.",
    )
    .await?;
    screenshot(&c, "application-card").await?;
    let comments: Vec<cabinet_api::Comment> = portal.admin().records(&org).await?;
    let ours: Vec<_> = comments
        .iter()
        .filter(|c| c.text == "Прошу ускорить рассмотрение.")
        .collect();
    assert_eq!(ours.len(), 1, "{comments:?}");
    assert_eq!(
        ours[0].application_id.as_deref(),
        Some(submitted.id.as_str())
    );
    find(&c, "[data-testid=application-card]")
        .await?
        .send_keys(&Key::Escape.to_string())
        .await?;

    // The legal status on «Главная»; an extract ordered arrives as a
    // document of the organization.
    text_contains(&c, "[data-testid=legal-status]", "Действующее").await?;
    find(&c, "[data-testid=licence]").await?;
    find(&c, "[data-testid=court-case]").await?;
    c.execute(
        "document.querySelector('[data-testid=legal-status]').scrollIntoView()",
        vec![],
    )
    .await?;
    screenshot(&c, "legal-status").await?;
    find(&c, "[data-testid=order-extract]")
        .await?
        .click()
        .await?;
    let listed = text_contains(&c, "[data-testid=documents]", "Выписка из ЕГРЮЛ от").await?;
    assert_eq!(listed.matches("Выписка из ЕГРЮЛ от").count(), 1, "{listed}");

    // «Услуги»: find a service, read what it needs, start a draft for it.
    find(&c, "[data-testid=nav-services]")
        .await?
        .click()
        .await?;
    find(&c, "[data-testid=services-search]")
        .await?
        .send_keys("ЛИЦЕНЗ алкогол")
        .await?;
    count_is(&c, "[data-testid=service-row]", 1).await?;
    text_contains(&c, "[data-testid=service-documents]", "Устав организации").await?;
    text_contains(&c, "[data-testid=service-cost]", "65\u{2009}000,00").await?;
    screenshot(&c, "services").await?;
    let title = find(&c, "#service-title").await?;
    title.clear().await?;
    title.send_keys("Лицензия для кафе на Тверской").await?;
    // The licence's form: sent half filled, the first missing field is
    // named and marked; filled in, the draft starts.
    find(
        &c,
        "[data-testid=service-detail] [data-testid=field-address]",
    )
    .await?
    .send_keys("г. Москва, ул. Тверская, д. 12")
    .await?;
    find(&c, "[data-testid=service-apply]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=services] .alert.error", "звёздочкой").await?;
    find(&c, "[data-testid=field-area][aria-invalid=true]").await?;
    screenshot(&c, "services-form-refused").await?;
    find(&c, "[data-testid=field-area]")
        .await?
        .send_keys("86")
        .await?;
    find(&c, "[data-testid=field-term]")
        .await?
        .select_by_value("5 лет")
        .await?;
    find(&c, "[data-testid=service-apply]")
        .await?
        .click()
        .await?;
    text_contains(
        &c,
        "[data-testid=services-notice]",
        "Лицензия для кафе на Тверской",
    )
    .await?;
    let deadline = Instant::now() + cabinet_e2e::TIMEOUT;
    loop {
        let apps = portal.admin().applications(&org).await?;
        let drafts: Vec<_> = apps
            .iter()
            .filter(|a| a.title == "Лицензия для кафе на Тверской")
            .collect();
        if drafts.len() == 1 {
            assert_eq!(drafts[0].service_code, "license-alcohol");
            assert_eq!(
                drafts[0].fields.get("term").map(String::as_str),
                Some("5 лет")
            );
            assert_eq!(drafts[0].fields.get("area").map(String::as_str), Some("86"));
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "the draft never arrived");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    c.close().await?;

    // Past the UI, the portal refuses her the employee endpoints.
    let token = api_token(
        &url,
        cabinet_portal::ACCOUNTANT_LOGIN,
        cabinet_portal::ACCOUNTANT_PASSWORD,
    )
    .await?;
    let resp = reqwest::Client::new()
        .post(format!("{url}/v1/orgs/{org}/employees"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "e2e-accountant-invite")
        .json(&serde_json::json!({
            "email": "friend@example.ru", "full_name": "Друг Бухгалтера", "role": "Администратор"
        }))
        .send()
        .await?;
    assert_eq!(resp.status(), 403);
    let problem: Problem = resp.json().await?;
    assert_eq!(problem.code, "org.permission_denied");
    portal.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_administrator_invites_an_employee_and_changes_a_role() -> Result<()> {
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let portal = demo_portal(&tmp.path().join("portal.sqlite3")).await?;
    let url = portal.url();
    let romashka = cabinet_api::requisites::complete_inn10("770412345").unwrap();
    let org = portal.admin().org_id_by_inn(&romashka).await?;
    let staff = portal.admin().records::<Employee>(&org).await?;
    let operator = staff
        .iter()
        .find(|e| e.role == "Оператор")
        .context("the demo operator")?
        .clone();

    let driver = Driver::start(&app_env(tmp.path(), &[]))?;
    let c = driver.launch(&["--portal", url.as_str()]).await?;
    log_in_as(
        &c,
        cabinet_portal::ADMIN_LOGIN,
        cabinet_portal::ADMIN_PASSWORD,
        None,
    )
    .await?;
    open_org(&c, "ромашка").await?;
    find(&c, "[data-testid=dashboard][data-refreshes='1']").await?;
    find(&c, "[data-testid=nav-employees]")
        .await?
        .click()
        .await?;
    count_is(&c, "[data-testid=employee-row]", staff.len()).await?;
    screenshot(&c, "employees").await?;

    // An invitation for someone without a portal account.
    find(&c, "[data-testid=invite-email]")
        .await?
        .send_keys("novikov@romashka.demo")
        .await?;
    find(&c, "[data-testid=invite-name]")
        .await?
        .send_keys("Новиков Илья Андреевич")
        .await?;
    find(&c, "[data-testid=invite-role]")
        .await?
        .select_by_value("Менеджер")
        .await?;
    find(&c, "[data-testid=invite-submit]")
        .await?
        .click()
        .await?;
    text_contains(
        &c,
        "[data-testid=employees-notice]",
        "novikov@romashka.demo",
    )
    .await?;
    let invited = "[data-testid=employee-row][data-email='novikov@romashka.demo']";
    text_contains(&c, invited, "Приглашён").await?;

    // The operator becomes an observer.
    let row = format!(
        "[data-testid=employee-row][data-email='{}']",
        operator.email
    );
    find(&c, &format!("{row} [data-testid=employee-role-select]"))
        .await?
        .select_by_value("Наблюдатель")
        .await?;
    text_contains(&c, "[data-testid=employees-notice]", "Наблюдатель").await?;

    // Both reach the portal (the change starts a sync) exactly once.
    let deadline = Instant::now() + cabinet_e2e::TIMEOUT;
    let (new, changed) = loop {
        let now = portal.admin().records::<Employee>(&org).await?;
        let new: Vec<Employee> = now
            .iter()
            .filter(|e| e.email == "novikov@romashka.demo")
            .cloned()
            .collect();
        let changed = now
            .iter()
            .find(|e| e.id == operator.id)
            .context("the operator is gone")?
            .clone();
        if new.len() == 1 && changed.role == "Наблюдатель" {
            break (new[0].clone(), changed);
        }
        anyhow::ensure!(Instant::now() < deadline, "never delivered: {now:?}");
        find(&c, "[data-testid=sync-now]").await?.click().await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(new.status, EmployeeStatus::Invited);
    assert_eq!(new.role, "Менеджер");
    assert_eq!(new.full_name, "Новиков Илья Андреевич");
    assert_eq!(changed.version, operator.version + 1, "changed once");
    assert_eq!(changed.status, EmployeeStatus::Active);

    // The window shows the portal's state, nothing waits.
    let deadline = Instant::now() + cabinet_e2e::TIMEOUT;
    loop {
        let shown: String = c
            .execute(
                "return document.querySelector(arguments[0])?.value ?? '';",
                vec![serde_json::json!(format!(
                    "{row} [data-testid=employee-role-select]"
                ))],
            )
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if shown == "Наблюдатель" && count(&c, "[data-testid=pending-count]").await? == 0
        {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "the window shows {shown:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    screenshot(&c, "employees-changed").await?;
    c.execute(
        "document.querySelector('[data-testid=employees] .roles').scrollIntoView()",
        vec![],
    )
    .await?;
    screenshot(&c, "employees-roles").await?;

    // «Журнал» (the administrator may view it): the role change, by whom,
    // from which address.
    find(&c, "[data-testid=nav-audit]").await?.click().await?;
    find(&c, "[data-testid=audit-action]")
        .await?
        .select_by_value("employee.role")
        .await?;
    count_is(&c, "[data-testid=audit-row]", 1).await?;
    let line = text_contains(&c, "[data-testid=audit-row]", "Соколова Елена Андреевна").await?;
    assert!(
        line.contains("Орлова Мария Сергеевна")
            && line.contains("Наблюдатель")
            && line.contains("127.0.0.1"),
        "{line}"
    );
    find(&c, "[data-testid=audit-action]")
        .await?
        .select_by_value("")
        .await?;
    screenshot(&c, "audit").await?;
    c.close().await?;
    portal.stop().await;
    Ok(())
}
