//! `cargo xtask bench` (sync part): a real portal on loopback seeded with
//! 100k applications and 100k document records, the real client syncing
//! through a byte-counting TCP proxy, and the cache's list query next to the
//! same SQL in the `sqlite3` shell on the same file. Prints figures and
//! ratios; asserts nothing (targets are checked by reading the table).
//!
//! `BENCH_RECORDS` overrides the 100k of each kind (e.g. for a quick look);
//! `BENCH_SYNC_ONLY=N` only times the initial sync of each cache N times
//! (to compare two builds run after run).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use cabinet_api::ApplicationStatus;
use cabinet_core::accounting::AccountingFormat;
use cabinet_core::lists::{ApplicationQuery, ApplicationSort};
use cabinet_core::secrets::{Keychain, KeychainBackend};
use cabinet_core::sync::SyncProgress;
use cabinet_core::view::LoginStep;
use cabinet_core::Cabinet;
use cabinet_portal::{Portal, PortalConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
struct Counters {
    up: AtomicU64,
    down: AtomicU64,
    requests: AtomicU64,
}

impl Counters {
    fn take(&self) -> (u64, u64, u64) {
        (
            self.up.swap(0, Ordering::SeqCst),
            self.down.swap(0, Ordering::SeqCst),
            self.requests.swap(0, Ordering::SeqCst),
        )
    }
}

/// A link's speed towards the client: bytes per second shared by all
/// connections, each read passing when the link has carried the ones before.
struct Throttle {
    bytes_per_second: f64,
    free_at: std::sync::Mutex<Instant>,
}

impl Throttle {
    fn new(bytes_per_second: f64) -> Arc<Self> {
        Arc::new(Self {
            bytes_per_second,
            free_at: std::sync::Mutex::new(Instant::now()),
        })
    }

    async fn pass(&self, n: usize) {
        let until = {
            let mut free_at = self.free_at.lock().unwrap();
            let start = (*free_at).max(Instant::now());
            *free_at = start + Duration::from_secs_f64(n as f64 / self.bytes_per_second);
            *free_at
        };
        tokio::time::sleep_until(until.into()).await;
    }
}

/// Copies one direction, counting bytes; client→portal also counts HTTP/1.1
/// request lines (a pattern split across reads is caught by a carry-over).
/// Towards the client the `throttle`, if any, sets the pace.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    bytes: Arc<Counters>,
    upstream: bool,
    throttle: Option<Arc<Throttle>>,
) {
    const MARK: &[u8] = b" HTTP/1.1\r\n";
    let mut buf = vec![0u8; 64 * 1024];
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if upstream {
            bytes.up.fetch_add(n as u64, Ordering::SeqCst);
            carry.extend_from_slice(&buf[..n]);
            let found = carry.windows(MARK.len()).filter(|w| *w == MARK).count();
            bytes.requests.fetch_add(found as u64, Ordering::SeqCst);
            let keep = carry.len().saturating_sub(MARK.len() - 1);
            carry.drain(..keep);
        } else {
            bytes.down.fetch_add(n as u64, Ordering::SeqCst);
            if let Some(t) = &throttle {
                t.pass(n).await;
            }
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

async fn counting_proxy(
    portal: std::net::SocketAddr,
    throttle: Option<Arc<Throttle>>,
) -> Result<(String, Arc<Counters>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/", listener.local_addr()?);
    let counters = Arc::new(Counters::default());
    let c = counters.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(portal).await else {
                continue;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::spawn(pump(cr, sw, c.clone(), true, None));
            tokio::spawn(pump(sr, cw, c.clone(), false, throttle.clone()));
        }
    });
    Ok((url, counters))
}

async fn logged_in(url: &str, data: &std::path::Path, encrypt: bool) -> Result<Cabinet> {
    let cab = Cabinet::new(url.parse()?, data, Keychain::new(KeychainBackend::Keyutils))?
        .with_cache_encryption(encrypt)
        // Records only: document contents are another measurement.
        .with_prefetch(cabinet_core::sync::PrefetchPolicy {
            scope: cabinet_core::sync::PrefetchScope::None,
            cap_bytes: 0,
        });
    let LoginStep::NeedCode { ticket, .. } =
        cab.login_password("buh@romashka.demo", "Buh-2026").await?
    else {
        bail!("the demo accountant should need a code")
    };
    let code = cab.demo_sms(&ticket).await?.code;
    cab.submit_code(&ticket, &code).await?;
    Ok(cab)
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// The SQL with its parameters written in as literals, for the shell.
fn inline(sql: &str, params: &[rusqlite::types::Value]) -> String {
    use rusqlite::types::Value;
    let mut out = String::new();
    let mut it = params.iter();
    for ch in sql.chars() {
        if ch == '?' {
            match it.next() {
                Some(Value::Integer(i)) => out.push_str(&i.to_string()),
                Some(Value::Text(t)) => out.push_str(&format!("'{}'", t.replace('\'', "''"))),
                other => panic!("unexpected parameter {other:?}"),
            }
        } else {
            out.push(ch);
        }
    }
    out
}

/// Per-query CPU time (user + sys, µs resolution) the shell reports with
/// `.timer on`; its wall clock has only millisecond resolution.
fn sqlite3_times(db: &std::path::Path, sql: &str, runs: usize) -> Result<Vec<Duration>> {
    // The same page cache the app gives the connection its lists read on.
    let mut script = String::from("PRAGMA cache_size = -32768;\n.timer on\n.output /dev/null\n");
    for _ in 0..runs {
        script.push_str(sql);
        script.push_str(";\n");
    }
    let mut child = std::process::Command::new("sqlite3")
        .arg("-batch")
        .arg(db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("sqlite3 (the setup script installs it)")?;
    use std::io::Write;
    child.stdin.take().unwrap().write_all(script.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("sqlite3: {}", String::from_utf8_lossy(&out.stderr));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut times: Vec<Duration> = text
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let _ = (f.next()?, f.next()?, f.next()?, f.next()?);
            let _user = f.next()?;
            let user: f64 = f.next()?.parse().ok()?;
            let _sys = f.next()?;
            let sys: f64 = f.next()?.parse().ok()?;
            Some(Duration::from_secs_f64(user + sys))
        })
        .collect();
    if times.len() != runs {
        bail!("sqlite3 printed {} timings for {runs} runs", times.len());
    }
    // The first run reads pages from disk; both sides get a warm-up.
    times.remove(0);
    times.sort();
    Ok(times)
}

fn find_file(dir: &std::path::Path, name: &str) -> Option<std::path::PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, name) {
                return Some(found);
            }
        } else if path.file_name().is_some_and(|n| n == name) {
            return Some(path);
        }
    }
    None
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    let n: usize = std::env::var("BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let portal = Portal::open(PortalConfig::quick_demo(dir.path().join("portal.sqlite3")))?
        .spawn("127.0.0.1:0".parse()?)
        .await?;
    let admin = portal.admin();
    let org = admin
        .org_id_by_inn(&cabinet_api::requisites::complete_inn10("770412345").unwrap())
        .await?;
    let t = Instant::now();
    admin.seed_applications(&org, n, 2026).await?;
    admin.seed_documents(&org, n, 2026).await?;
    eprintln!(
        "seeded {n} applications and {n} documents in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let (url, counters) = counting_proxy(portal.addr(), None).await?;
    // The list query: status filter + date sort + text search, a page of 50.
    let query = ApplicationQuery {
        status: vec![ApplicationStatus::InProgress, ApplicationStatus::NeedsInfo],
        q: Some("выписк".into()),
        sort: ApplicationSort::Updated,
        limit: 50,
        ..ApplicationQuery::default()
    };
    // The way the app tries first (a walk over the newest rows, which fills
    // this page), and the full-text way it falls back to, for comparison.
    let plans = query.page_plans(&org)?;
    let literal = inline(&plans[0].sql, &plans[0].params);
    let full_text = plans.last().context("a full-text way")?;
    let full_text_literal = inline(&full_text.sql, &full_text.params);
    const RUNS: usize = 501;
    // Scrolling the whole list as the UI's window does: no filter, newest
    // change first, pages of 100 at offsets spread over the list.
    let scroll_page = |offset: usize| ApplicationQuery {
        offset: u32::try_from(offset).unwrap_or(u32::MAX),
        limit: 100,
        ..ApplicationQuery::default()
    };
    let deepest = n.saturating_sub(100) / 100 * 100;
    let scroll_offsets: Vec<usize> = (0..200)
        .map(|i| i * 104_729 % n.max(1) / 100 * 100)
        .chain([deepest])
        .collect();
    let deep_plans = scroll_page(deepest).page_plans(&org)?;
    let deep_literal = inline(&deep_plans[0].sql, &deep_plans[0].params);
    let mut scroll_rows = Vec::new();
    // The other orders the list offers, scrolled the same way (fewer
    // pages): a deadline or a number is missing on some rows, which go last.
    let sorted_page = |sort: ApplicationSort, ascending: bool, offset: usize| ApplicationQuery {
        sort,
        ascending,
        ..scroll_page(offset)
    };
    const SORTS: [(ApplicationSort, bool, &str); 4] = [
        (ApplicationSort::Deadline, false, "deadline, latest first"),
        (ApplicationSort::Deadline, true, "deadline, earliest first"),
        (ApplicationSort::Number, false, "number, highest first"),
        (ApplicationSort::Created, true, "created, oldest first"),
    ];
    let mut sorted_rows = Vec::new();
    let mut export_rows = Vec::new();
    let mut deep_ours = None;

    let mut sync_rows = Vec::new();
    let mut no_change_rows = Vec::new();
    let mut list_rows = Vec::new();
    // A throwaway sync first: the portal's first read of its 200k changes
    // (cold page cache, cold OS cache) would otherwise be charged to
    // whichever cache is measured first.
    {
        let warm = logged_in(&url, &dir.path().join("warm-up"), false).await?;
        warm.sync(&org).await?;
        drop(warm);
        std::fs::remove_dir_all(dir.path().join("warm-up")).ok();
        counters.take();
    }
    if let Some(runs) = std::env::var("BENCH_SYNC_ONLY")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        for run in 0..runs {
            for (name, encrypt) in [("encrypted", true), ("plain", false)] {
                let data = dir.path().join(format!("only-{name}-{run}"));
                let cab = logged_in(&url, &data, encrypt).await?;
                let t = Instant::now();
                let report = cab.sync(&org).await?;
                println!(
                    "{name}: {:.2} s, {} records",
                    t.elapsed().as_secs_f64(),
                    report.pulled
                );
                drop(cab);
                std::fs::remove_dir_all(&data).ok();
            }
        }
        portal.stop().await;
        return Ok(());
    }
    let mut ours_plain = None;
    let mut totals = Vec::new();
    // Each cache is measured with the process to itself, as in the app (one
    // cabinet per process): SQLite's page caches in one process share one
    // LRU, and a second 100k-record sync would evict the first cache's pages.
    for (name, encrypt) in [("encrypted (default)", true), ("plain", false)] {
        let cab = logged_in(
            &url,
            &dir.path().join(name.split(' ').next().unwrap()),
            encrypt,
        )
        .await?;
        counters.take();
        let json_bytes = Arc::new(AtomicU64::new(0));
        let jb = json_bytes.clone();
        let t = Instant::now();
        let report = cab
            .sync_with_progress(&org, &move |p: SyncProgress| {
                jb.store(p.bytes, Ordering::SeqCst)
            })
            .await?;
        let took = t.elapsed();
        let (up, down, _) = counters.take();
        if !report.online {
            bail!("the sync did not reach the portal: {report:?}");
        }
        let json = json_bytes.load(Ordering::SeqCst);
        sync_rows.push(format!(
            "| {name} | {:.2} s | {} | {:.0} | {} | {} | {:.2} |",
            took.as_secs_f64(),
            report.pulled,
            f64::from(report.pulled) / took.as_secs_f64(),
            mb(up + down),
            mb(json),
            (up + down) as f64 / json as f64
        ));

        if encrypt {
            // The earlier logins went to the audit log during or after
            // this sync: catch up on them first.
            cab.sync(&org).await?;
            for run in 1..=3 {
                counters.take();
                let t = Instant::now();
                let report = cab.sync(&org).await?;
                let took = t.elapsed();
                let (up, down, requests) = counters.take();
                assert_eq!(report.pulled, 0, "nothing changed on the portal");
                no_change_rows.push(format!(
                    "| {run} | {requests} | {} | {} |",
                    up + down,
                    ms(took)
                ));
            }
        }

        let mut times = Vec::with_capacity(RUNS);
        let mut rows = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            rows = cab.application_rows(&org, &query).await?.len();
            times.push(t.elapsed());
        }
        times.remove(0);
        times.sort();
        list_rows.push(format!(
            "| ours, {name} cache (wall, through the app's API) | {rows} | {} | {} |",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99))
        ));
        // The total the list shows above its rows: a separate count.
        let mut counts = Vec::new();
        let mut total = 0;
        for _ in 0..51 {
            let t = Instant::now();
            total = cab.application_page(&org, &query).await?.total;
            counts.push(t.elapsed());
        }
        counts.sort();
        totals.push((name, total, percentile(&counts, 0.5)));

        // Pages the scrolled window loads, and the last page on its own.
        let mut pages = Vec::new();
        for &offset in &scroll_offsets {
            let t = Instant::now();
            let got = cab
                .application_rows(&org, &scroll_page(offset))
                .await?
                .len();
            pages.push(t.elapsed());
            assert_eq!(got, 100.min(n - offset), "a full page at {offset}");
        }
        pages.sort();
        let mut deep = Vec::new();
        for _ in 0..51 {
            let t = Instant::now();
            cab.application_rows(&org, &scroll_page(deepest)).await?;
            deep.push(t.elapsed());
        }
        deep.remove(0);
        deep.sort();
        scroll_rows.push(format!(
            "| ours, {name} cache | {} | {} | {} | {} |",
            ms(percentile(&pages, 0.5)),
            ms(percentile(&pages, 0.99)),
            ms(*pages.last().unwrap()),
            ms(percentile(&deep, 0.5))
        ));
        if !encrypt {
            deep_ours = Some(percentile(&deep, 0.5));
        }
        for (sort, ascending, what) in SORTS {
            let mut pages = Vec::new();
            for &offset in scroll_offsets.iter().step_by(4).chain([&deepest]) {
                let t = Instant::now();
                let got = cab
                    .application_rows(&org, &sorted_page(sort, ascending, offset))
                    .await?
                    .len();
                pages.push(t.elapsed());
                assert_eq!(got, 100.min(n - offset), "a full page at {offset}, {what}");
            }
            pages.sort();
            sorted_rows.push(format!(
                "| {what}, {name} cache | {} | {} | {} |",
                ms(percentile(&pages, 0.5)),
                ms(percentile(&pages, 0.99)),
                ms(*pages.last().unwrap()),
            ));
        }
        if !encrypt {
            ours_plain = Some(times);
        }
        // Every application exported to XLSX while the list keeps reading
        // its first page: how long the list waits on the export.
        let cab = Arc::new(cab);
        let exporter = {
            let (cab, org) = (cab.clone(), org.clone());
            tokio::spawn(async move {
                let t = Instant::now();
                let file = cab
                    .export_applications(&org, &ApplicationQuery::default(), AccountingFormat::Xlsx)
                    .await;
                (file, t.elapsed())
            })
        };
        let mut waits = Vec::new();
        while !exporter.is_finished() {
            let t = Instant::now();
            cab.application_rows(&org, &scroll_page(0)).await?;
            waits.push(t.elapsed());
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let (file, took) = exporter.await?;
        let (bytes, count) = file?;
        assert!(count as usize >= n, "every application exported: {count}");
        waits.sort();
        export_rows.push(format!(
            "| {name} | {count} | {:.2} s | {} | {} | {} |",
            took.as_secs_f64(),
            mb(bytes.len() as u64),
            waits.len(),
            waits.last().map_or("–".into(), |w| ms(*w)),
        ));
        drop(cab);
    }

    // The window's list read every 5 ms while a first sync of the whole
    // organization comes through a 2 MB/s link: the reads must not wait
    // for the sync (its own connection; no lock across the network).
    const LINK: f64 = 2e6;
    let (slow_url, _) = counting_proxy(portal.addr(), Some(Throttle::new(LINK))).await?;
    let cab = Arc::new(logged_in(&slow_url, &dir.path().join("slow-link"), true).await?);
    let syncing = {
        let (cab, org) = (cab.clone(), org.clone());
        tokio::spawn(async move {
            let t = Instant::now();
            let report = cab.sync(&org).await;
            (report, t.elapsed())
        })
    };
    let mut during = Vec::new();
    let mut shown = 0;
    while !syncing.is_finished() {
        let t = Instant::now();
        shown = cab.application_rows(&org, &scroll_page(0)).await?.len();
        during.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (report, slow_took) = syncing.await?;
    let report = report?;
    if !report.online || (report.pulled as usize) < 2 * n {
        bail!("the slow-link sync did not bring everything: {report:?}");
    }
    during.sort();
    drop(cab);

    println!("\n## Sync: {n} applications + {n} document records, portal on loopback\n");
    println!(
        "| cache | initial sync | records | records/s | on the wire | plain JSON | wire / JSON |"
    );
    println!("|---|---|---|---|---|---|---|");
    for row in sync_rows {
        println!("{row}");
    }
    println!("\n## No-change sync (encrypted cache)\n");
    println!("| run | requests | bytes (both ways) | time |");
    println!("|---|---|---|---|");
    for row in no_change_rows {
        println!("{row}");
    }
    println!("\n## Application list: in progress or needs info, «выписк», newest change first, page of 50\n");
    println!("```sql\n{literal}\n```\n");
    println!("| contender | rows | p50 | p99 |");
    println!("|---|---|---|---|");
    for row in list_rows {
        println!("{row}");
    }
    // The plain cache file is an ordinary SQLite database: the shell opens it.
    let plain_db =
        find_file(&dir.path().join("plain"), "cache.sqlite3").context("the plain cache file")?;
    let shell = sqlite3_times(&plain_db, &literal, RUNS)?;
    println!(
        "| sqlite3 shell, plain cache, same page cache size (CPU) | 50 | {} | {} |",
        ms(percentile(&shell, 0.5)),
        ms(percentile(&shell, 0.99))
    );
    let shell_full_text = sqlite3_times(&plain_db, &full_text_literal, RUNS)?;
    println!(
        "| sqlite3 shell, the full-text way instead (the fallback) | 50 | {} | {} |",
        ms(percentile(&shell_full_text, 0.5)),
        ms(percentile(&shell_full_text, 0.99))
    );
    println!("\nthe full-text way:\n```sql\n{full_text_literal}\n```");
    let ours = ours_plain.unwrap();
    println!(
        "\nours / sqlite3 on the same file: p50 {:.2}×, p99 {:.2}×",
        percentile(&ours, 0.5).as_secs_f64() / percentile(&shell, 0.5).as_secs_f64(),
        percentile(&ours, 0.99).as_secs_f64() / percentile(&shell, 0.99).as_secs_f64()
    );
    for (name, total, p50) in totals {
        println!(
            "page + total ({total} rows match), {name} cache: p50 {}",
            ms(p50)
        );
    }
    println!("\n## Scrolling the whole list: pages of 100, no filter, newest change first\n");
    println!("| contender | page p50 | page p99 | page max | last page (offset {deepest}) p50 |");
    println!("|---|---|---|---|---|");
    for row in scroll_rows {
        println!("{row}");
    }
    let shell_deep = sqlite3_times(&plain_db, &deep_literal, 51)?;
    println!(
        "| sqlite3 shell, plain cache, the last page (CPU) | | | | {} |",
        ms(percentile(&shell_deep, 0.5))
    );
    println!(
        "last page, ours / sqlite3: {:.2}×; a frame at 60 Hz is 16.7 ms",
        deep_ours.unwrap().as_secs_f64() / percentile(&shell_deep, 0.5).as_secs_f64()
    );
    println!("\n## Scrolling in the other orders: pages of 100, no filter\n");
    println!("| order, cache | page p50 | page p99 | page max |");
    println!("|---|---|---|---|");
    for row in sorted_rows {
        println!("{row}");
    }
    println!("\n## Export of every application to XLSX, the list read meanwhile\n");
    println!("| cache | rows | export | file | list pages read meanwhile | longest list wait |");
    println!("|---|---|---|---|---|---|");
    for row in export_rows {
        println!("{row}");
    }
    println!(
        "\n## The list read every 5 ms during a first sync through a {:.0} MB/s link\n",
        LINK / 1e6
    );
    println!("| sync | records | list reads | p50 | p99 | max | rows on the last read |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {:.1} s | {} | {} | {} | {} | {} | {shown} |",
        slow_took.as_secs_f64(),
        report.pulled,
        during.len(),
        during
            .first()
            .map_or("–".into(), |_| ms(percentile(&during, 0.5))),
        during
            .first()
            .map_or("–".into(), |_| ms(percentile(&during, 0.99))),
        during.last().map_or("–".into(), |d| ms(*d)),
    );
    println!("targets: ≥ 20000 records/s; no-change sync 1 request < 1000 bytes; list p99 ≤ 5 ms and ≤ 1.5× sqlite3; list during a slow sync p99 ≤ 20 ms");
    portal.stop().await;
    if std::env::var_os("BENCH_KEEP").is_some() {
        eprintln!("kept {}", dir.keep().display());
    }
    Ok(())
}
