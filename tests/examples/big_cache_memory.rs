//! `cargo xtask bench startup` (second part): the window's memory with a
//! large cache. The reference portal holds 100,000 applications and 100,000
//! document records of «Ромашка»; the release app, driven over WebDriver
//! under a private Xvfb, logs in, syncs them all and scrolls the
//! applications list to the last row. Printed: the PSS of the app's whole
//! process tree at the login screen, its peak during the sync (sampled every
//! 200 ms), after the sync, at rest after the scroll, and where it is — per process, and
//! anonymous memory (heaps) apart from mapped files and shared buffers.
//!
//! The peak is printed with each process's part at that moment, and the
//! rest once more a minute later (what WebKit's collector gives back).
//!
//! `BENCH_RECORDS` overrides the 100,000 of each kind (100 shows what the
//! open cabinet costs without a large cache); `BENCH_HEAPTRACK=DIR` runs the
//! app under heaptrack (`heaptrack_print DIR/cabinet-desktop.zst`). Figures,
//! not assertions: the targets are printed beside them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use cabinet_api::requisites::complete_inn10;
use cabinet_e2e::procs::{find_in_tree, tree_memory, ProcessMemory, Xvfb};
use cabinet_e2e::{app_env, apps_total, find, log_in_as_accountant, open_org, screenshot, Driver};
use cabinet_portal::{Portal, PortalConfig};
use fantoccini::Client;

/// Ромашка's own demo applications besides the seeded ones.
const DEMO: u64 = 7;
const SETTLE: Duration = Duration::from_secs(5);
const MAX_REST_EXTRA_MIB: f64 = 60.0;
const MAX_PEAK_EXTRA_MIB: f64 = 150.0;

async fn synced(c: &Client) -> Result<bool> {
    let v = c
        .execute(
            "const e = document.querySelector('[data-testid=sync-status]'); \
             return e ? e.innerText : '';",
            vec![],
        )
        .await?;
    Ok(v.as_str().is_some_and(|t| t.contains("Синхронизировано")))
}

fn report(stage: &str, root: u32) -> f64 {
    print_memory(stage, &tree_memory(root))
}

fn print_memory(stage: &str, all: &[ProcessMemory]) -> f64 {
    let total: u64 = all.iter().map(|p| p.pss).sum();
    println!("{stage}: tree PSS {:.1} MiB", total as f64 / 1024.0);
    for p in all {
        println!(
            "    {:<22} {:>7.1} MiB  (anonymous {:>6.1}, files {:>6.1}, shared {:>5.1})",
            p.name,
            p.pss as f64 / 1024.0,
            p.anon as f64 / 1024.0,
            p.file as f64 / 1024.0,
            p.shmem as f64 / 1024.0
        );
    }
    total as f64 / 1024.0
}

/// A script that starts the app under heaptrack (a Debian package; not set
/// up by the project's scripts, as only this investigation uses it).
fn heaptrack_wrapper(
    tmp: &std::path::Path,
    app: &std::path::Path,
    out: &std::path::Path,
) -> Result<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(out)?;
    let script = tmp.join("heaptrack-app");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec heaptrack -o '{}/cabinet-desktop' '{}' \"$@\"\n",
            out.display(),
            app.display()
        ),
    )?;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
    Ok(script)
}

#[tokio::main]
async fn main() -> Result<()> {
    let n: usize = std::env::var("BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let tmp = tempfile::tempdir()?;
    let portal = Portal::open(PortalConfig::quick_demo(tmp.path().join("portal.sqlite3")))?
        .spawn("127.0.0.1:0".parse()?)
        .await?;
    let org = portal
        .admin()
        .org_id_by_inn(&complete_inn10("770412345").context("INN")?)
        .await?;
    let t = Instant::now();
    portal.admin().seed_applications(&org, n, 2026).await?;
    portal.admin().seed_documents(&org, n, 2026).await?;
    eprintln!(
        "seeded {n} applications and {n} documents in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let xvfb = Xvfb::start()?;
    // SAFETY: set before any other thread reads the environment.
    std::env::set_var("DISPLAY", &xvfb.display);
    std::env::remove_var("WAYLAND_DISPLAY");
    let app =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/cabinet-desktop");
    // `BENCH_HEAPTRACK=DIR`: the app runs under heaptrack, which writes its
    // heap profile into DIR (the PSS figures then include heaptrack's own).
    let app = match std::env::var_os("BENCH_HEAPTRACK") {
        Some(dir) => heaptrack_wrapper(tmp.path(), &app, std::path::Path::new(&dir))?,
        None => app,
    };
    std::env::set_var("CABINET_APP", &app);
    let driver = Driver::start(&app_env(tmp.path(), &[]))?;
    let url = portal.url();
    let c = driver.launch(&["--portal", url.as_str()]).await?;
    find(&c, "#login").await?;
    let pid = find_in_tree(driver.pid(), "cabinet-desktop").context("the app's process")?;
    tokio::time::sleep(SETTLE).await;
    let login = report("at the login screen", pid);

    // The peak: sampled in its own thread while the window syncs, with the
    // processes' parts at that moment (which of them peaks, and in what).
    let peak = Arc::new(Mutex::new((0u64, Vec::new())));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let now = tree_memory(pid);
                let total: u64 = now.iter().map(|p| p.pss).sum();
                let mut peak = peak.lock().unwrap_or_else(|e| e.into_inner());
                if total > peak.0 {
                    *peak = (total, now);
                }
                drop(peak);
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    log_in_as_accountant(&c, None).await?;
    open_org(&c, "ромашка").await?;
    let all = n as u64 + DEMO;
    let t = Instant::now();
    loop {
        if apps_total(&c).await? == Some(all) && synced(&c).await? {
            break;
        }
        if t.elapsed() > Duration::from_secs(900) {
            bail!("the window did not sync {all} applications in 15 minutes");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    println!(
        "the window synced and counted {all} applications in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    tokio::time::sleep(SETTLE).await;
    let synced_pss = report("after the sync, before scrolling", pid);
    // To the last row, as a user dragging the scroll bar down would.
    c.execute(
        "document.querySelector('[data-testid=applications]').scrollIntoView()",
        vec![],
    )
    .await?;
    // The last row with its content, not the placeholder of a page still
    // loading.
    let last = format!("#app-row-{} [data-testid=open-application]", all - 1);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        c.execute(
            "const v = document.querySelector('[data-testid=apps-viewport]'); \
             v.scrollTop = v.scrollHeight; v.dispatchEvent(new Event('scroll'));",
            vec![],
        )
        .await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let found = c
            .execute(
                "return document.querySelector(arguments[0]) !== null;",
                vec![last.clone().into()],
            )
            .await?;
        if found.as_bool() == Some(true) {
            break;
        }
        if Instant::now() > deadline {
            bail!("the list never showed its last row {last}");
        }
    }
    screenshot(&c, "big-cache-last-row").await?;
    stop.store(true, Ordering::Relaxed);
    sampler.join().ok();
    let at_peak = peak.lock().unwrap_or_else(|e| e.into_inner()).1.clone();
    let peak = print_memory("the peak during the sync and the scroll", &at_peak);
    tokio::time::sleep(SETTLE).await;
    let rest = report("at rest after the sync and the scroll", pid);
    // And once more a minute later, when WebKit's collector and allocator
    // have had time to give back what is garbage.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let later = report("a minute later", pid);

    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!();
    println!(
        "after the sync: +{:.1} MiB over the login screen; the scroll added {:+.1} MiB",
        synced_pss - login,
        rest - synced_pss
    );
    println!(
        "at rest: +{:.1} MiB over the login screen (target ≤ +{MAX_REST_EXTRA_MIB}) — {}",
        rest - login,
        verdict(rest - login <= MAX_REST_EXTRA_MIB)
    );
    println!(
        "a minute later: +{:.1} MiB over the login screen",
        later - login
    );
    println!(
        "peak during the sync: {peak:.1} MiB, +{:.1} MiB over the login screen (target ≤ +{MAX_PEAK_EXTRA_MIB}) — {}",
        peak - login,
        verdict(peak - login <= MAX_PEAK_EXTRA_MIB)
    );
    c.close().await?;
    drop(driver);
    portal.stop().await;
    Ok(())
}
