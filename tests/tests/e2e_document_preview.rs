//! End-to-end: documents are shown inside the app. A PDF of two pages,
//! attached to a draft on the portal, is drawn by pdf.js in the real
//! WebKit window (its pixels are not blank) and ← / → turn its pages; a
//! text document of the demo shows as text.

use anyhow::{Context, Result};
use cabinet_e2e::{
    api_token, app_env, find, log_in_as_accountant, open_org, screenshot, text_contains,
    wait_drawn, Driver, SERIAL,
};
use cabinet_portal::{Portal, PortalConfig, ACCOUNTANT_LOGIN, ACCOUNTANT_PASSWORD};
use fantoccini::key::Key;
use serde_json::json;

/// A PDF of two pages, each a filled blue rectangle (no fonts needed);
/// pdf.js finds the objects without a cross-reference table.
fn two_page_pdf() -> Vec<u8> {
    let page = |n: u32, content: u32| {
        format!(
            "{n} 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 400 300] /Contents {content} 0 R >> endobj\n"
        )
    };
    let stream = |n: u32, ops: &str| {
        format!(
            "{n} 0 obj << /Length {} >> stream\n{ops}\nendstream endobj\n",
            ops.len()
        )
    };
    let mut pdf = String::from("%PDF-1.4\n");
    pdf += "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n";
    pdf += "2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >> endobj\n";
    pdf += &page(3, 5);
    pdf += &page(4, 6);
    pdf += &stream(5, "0.05 0.3 0.83 rg 40 40 320 220 re f");
    pdf += &stream(6, "0.77 0.13 0.1 rg 80 80 240 140 re f");
    pdf += "trailer << /Root 1 0 R >>\n%%EOF\n";
    pdf.into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pdf_and_a_text_document_are_shown_inside_the_app() -> Result<()> {
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let portal = Portal::open(PortalConfig::quick_demo(tmp.path().join("portal.sqlite3")))?
        .spawn("127.0.0.1:0".parse()?)
        .await?;
    let url = portal.url();
    let base = url.to_string().trim_end_matches('/').to_owned();
    let org = portal
        .admin()
        .org_id_by_inn(&cabinet_api::requisites::complete_inn10("770412345").unwrap())
        .await?;

    // A scan attached to a draft on the portal: one of the organization's
    // documents from then on.
    let token = api_token(&base, ACCOUNTANT_LOGIN, ACCOUNTANT_PASSWORD).await?;
    let http = reqwest::Client::new();
    let draft: cabinet_api::Application = http
        .post(format!("{base}/v1/orgs/{org}/applications"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "preview-draft")
        .json(&json!({"service_code": "egrul-extract", "title": "Выписка"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    http.post(format!(
        "{base}/v1/orgs/{org}/applications/{}/attachments?kind=other&name=Скан.pdf",
        draft.id
    ))
    .bearer_auth(&token)
    .header("Idempotency-Key", "preview-file")
    .body(two_page_pdf())
    .send()
    .await?
    .error_for_status()?;

    let driver = Driver::start(&app_env(tmp.path(), &[]))?;
    let c = driver.launch(&["--portal", url.as_str()]).await?;
    log_in_as_accountant(&c, None).await?;
    open_org(&c, "ромашка").await?;
    find(&c, "[data-testid=dashboard][data-refreshes='1']").await?;

    let rows = c
        .find_all(fantoccini::Locator::Css("[data-testid=document-row]"))
        .await?;
    let mut scan = None;
    let mut text = None;
    for row in rows {
        let name = row.text().await?;
        if name.contains("Скан.pdf") {
            scan = Some(row);
        } else if name.contains(".txt") && text.is_none() {
            text = Some(row);
        }
    }
    let scan = scan.context("the scan is among the documents")?;
    let text = text.context("a demo text document")?;

    scan.find(fantoccini::Locator::Css(
        "[data-testid=document-preview-open]",
    ))
    .await?
    .click()
    .await?;
    text_contains(&c, "[data-testid=preview-page]", "Страница 1 из 2").await?;
    wait_drawn(&c, 1).await?;
    screenshot(&c, "document-preview-pdf").await?;
    find(&c, "body")
        .await?
        .send_keys(&Key::Right.to_string())
        .await?;
    text_contains(&c, "[data-testid=preview-page]", "Страница 2 из 2").await?;
    wait_drawn(&c, 2).await?;
    find(&c, "[data-testid=document-preview]")
        .await?
        .send_keys(&Key::Escape.to_string())
        .await?;
    cabinet_e2e::count_is(&c, "[data-testid=document-preview]", 0).await?;

    text.find(fantoccini::Locator::Css(
        "[data-testid=document-preview-open]",
    ))
    .await?
    .click()
    .await?;
    let shown = text_contains(&c, "[data-testid=preview-text]", "").await?;
    anyhow::ensure!(shown.trim().len() > 20, "the text is shown: {shown:?}");
    screenshot(&c, "document-preview-text").await?;
    c.close().await?;
    portal.stop().await;
    Ok(())
}
