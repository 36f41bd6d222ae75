//! End-to-end: an organization with 100,000 applications on the portal. The
//! accountant's window syncs them all into the cache, and the list keeps a
//! window of a few dozen rows in the page while it scrolls to the last one,
//! searches, filters, sorts and opens a card from the keyboard. The frame
//! times of a fast scroll are printed (figures, not assertions: Xvfb paints
//! in software).

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use cabinet_api::requisites::complete_inn10;
use cabinet_e2e::{
    app_env, apps_total, count, count_is, find, log_in_as_accountant, open_org, screenshot,
    text_contains, Driver, SERIAL,
};
use cabinet_portal::{Portal, PortalConfig};
use fantoccini::key::Key;
use fantoccini::Client;

const SEEDED: usize = 100_000;
/// Ромашка's own demo applications besides the seeded ones.
const DEMO: usize = 7;

async fn total_is(c: &Client, want: u64, within: Duration) -> Result<()> {
    let deadline = Instant::now() + within;
    let mut last = None;
    while Instant::now() < deadline {
        last = apps_total(c).await?;
        if last == Some(want) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    bail!("the list never counted {want}; last {last:?}")
}

/// The `id` of the row the keyboard is on.
async fn active_row(c: &Client) -> Result<Option<String>> {
    let v = c
        .execute(
            "return document.querySelector('[data-testid=apps-viewport]')\
             ?.getAttribute('aria-activedescendant') ?? null;",
            vec![],
        )
        .await?;
    Ok(v.as_str().map(str::to_owned))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_thousand_applications_scroll_search_and_open_from_the_keyboard() -> Result<()> {
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let portal = Portal::open(PortalConfig::quick_demo(tmp.path().join("portal.sqlite3")))?
        .spawn("127.0.0.1:0".parse()?)
        .await?;
    let org = portal
        .admin()
        .org_id_by_inn(&complete_inn10("770412345").unwrap())
        .await?;
    let t = Instant::now();
    portal.admin().seed_applications(&org, SEEDED, 2026).await?;
    eprintln!(
        "seeded {SEEDED} applications in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let driver = Driver::start(&app_env(tmp.path(), &[]))?;
    let url = portal.url();
    let c = driver.launch(&["--portal", url.as_str()]).await?;
    log_in_as_accountant(&c, None).await?;
    open_org(&c, "ромашка").await?;

    // The first sync brings every application into the cache.
    let all = (SEEDED + DEMO) as u64;
    let t = Instant::now();
    total_is(&c, all, Duration::from_secs(300)).await?;
    eprintln!(
        "the window's first sync and count of {all} took {:.1} s",
        t.elapsed().as_secs_f64()
    );
    text_contains(&c, "[data-testid=sync-status]", "Синхронизировано").await?;
    text_contains(&c, "[data-testid=apps-total]", "Найдено: 100\u{2009}007").await?;
    let rows = count(&c, "[data-testid=applications] [role=row][data-index]").await?;
    assert!(
        (1..40).contains(&rows),
        "a window of rows, not {rows} of {all}"
    );
    c.execute(
        "document.querySelector('[data-testid=applications]').scrollIntoView()",
        vec![],
    )
    .await?;
    screenshot(&c, "applications-100k").await?;

    // A fast scroll from top to bottom over 60 frames, timed by the page.
    let frames = c
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             const v = document.querySelector('[data-testid=apps-viewport]'); \
             const gaps = []; let last = performance.now(); let i = 0; \
             const step = () => { const now = performance.now(); gaps.push(now - last); last = now; \
               v.scrollTop = (v.scrollHeight - v.clientHeight) * (++i / 60); \
               v.dispatchEvent(new Event('scroll')); \
               if (i < 60) requestAnimationFrame(step); else done(gaps.slice(1)); }; \
             requestAnimationFrame(step);",
            vec![],
        )
        .await?;
    let mut gaps: Vec<f64> = frames
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_f64()).collect())
        .unwrap_or_default();
    gaps.sort_by(f64::total_cmp);
    if let (Some(max), false) = (gaps.last(), gaps.is_empty()) {
        eprintln!(
            "scroll over {all} rows: {} frames, median {:.1} ms, max {:.1} ms (Xvfb, software paint)",
            gaps.len(),
            gaps[gaps.len() / 2],
            max
        );
    }
    // The last row is there, and still only a window of rows.
    let last = format!("#app-row-{}", all - 1);
    find(&c, &format!("{last}[data-testid=application-row]")).await?;
    let rows = count(&c, "[data-testid=applications] [role=row][data-index]").await?;
    assert!((1..40).contains(&rows), "{rows} rows at the bottom");

    // Keyboard: Home, two down, Enter opens that application's card.
    let viewport = find(&c, "[data-testid=apps-viewport]").await?;
    viewport.click().await?;
    viewport.send_keys(&Key::Home.to_string()).await?;
    viewport.send_keys(&Key::Down.to_string()).await?;
    viewport.send_keys(&Key::Down.to_string()).await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while active_row(&c).await?.as_deref() != Some("app-row-2") {
        if Instant::now() > deadline {
            bail!("the keyboard row is {:?}", active_row(&c).await?);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let title = text_contains(&c, "#app-row-2 [data-testid=open-application]", "").await?;
    viewport.send_keys(&Key::Enter.to_string()).await?;
    text_contains(&c, "[role=dialog]", &title).await?;
    screenshot(&c, "applications-card-from-keyboard").await?;
    c.active_element()
        .await?
        .send_keys(&Key::Escape.to_string())
        .await?;
    count_is(&c, "[role=dialog]", 0).await?;

    // Search: one word of a title finds that one application.
    let search = find(&c, "[data-testid=apps-search]").await?;
    search.send_keys("77777").await?;
    total_is(&c, 1, Duration::from_secs(30)).await?;
    text_contains(&c, "[data-testid=application-row]", "№ 77777").await?;
    screenshot(&c, "applications-search").await?;
    search.clear().await?;
    c.execute(
        "const s = document.querySelector('[data-testid=apps-search]'); \
         s.dispatchEvent(new Event('input', {bubbles: true}));",
        vec![],
    )
    .await?;
    total_is(&c, all, Duration::from_secs(30)).await?;

    // A status filter counts what the cache holds in that status.
    let drafts = portal
        .admin()
        .applications(&org)
        .await?
        .iter()
        .filter(|a| a.status == cabinet_api::ApplicationStatus::Draft)
        .count() as u64;
    c.execute(
        "const s = document.querySelector('[data-testid=apps-status]'); \
         s.value = 'draft'; s.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![],
    )
    .await?;
    total_is(&c, drafts, Duration::from_secs(30)).await?;
    // The header tells the order: newest change first.
    let header = find(&c, "[role=columnheader][aria-sort=descending]").await?;
    assert_eq!(header.text().await?.trim(), "Изменено");
    screenshot(&c, "applications-filtered").await?;

    c.close().await?;
    portal.stop().await;
    Ok(())
}
