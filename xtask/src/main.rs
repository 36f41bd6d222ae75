//! Project automation. `cargo xtask run | test | bench | soak | bundle | bindings | setup`.
//!
//! Everything a fresh Debian/Ubuntu machine needs is installed from here
//! (system packages through scripts/setup-debian.sh, npm packages, the pinned
//! tauri-driver), idempotently, so the README's two commands are the whole
//! set-up.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

const TAURI_DRIVER_VERSION: &str = "2.1.0";
const MIN_NODE_MAJOR: u32 = 20;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

fn step(what: &str) {
    eprintln!("\n==> {what}");
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {}", describe(cmd));
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {}", describe(cmd)))?;
    if !status.success() {
        bail!("{} failed ({status})", describe(cmd));
    }
    Ok(())
}

fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program().to_string_lossy().into_owned())
        .chain(cmd.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

/// Cargo for the one-shot check: no incremental cache, which would add
/// gigabytes that a clean build never reads back.
fn cargo_once() -> Command {
    let mut c = cargo();
    c.env("CARGO_INCREMENTAL", "0");
    c
}

fn npm(args: &[&str]) -> Command {
    let mut c = Command::new("npm");
    c.args(args).current_dir(root().join("ui"));
    c
}

fn is_debian_like() -> bool {
    std::fs::read_to_string("/etc/os-release")
        .map(|s| {
            s.lines().any(|l| {
                (l.starts_with("ID=") || l.starts_with("ID_LIKE="))
                    && (l.contains("debian") || l.contains("ubuntu"))
            })
        })
        .unwrap_or(false)
}

fn node_major() -> Option<u32> {
    let out = Command::new("node").arg("--version").output().ok()?;
    let v = String::from_utf8_lossy(&out.stdout);
    v.trim()
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// System packages, npm packages and tauri-driver; each step skips itself
/// when already done.
fn setup(with_test_tools: bool) -> Result<()> {
    step("system packages");
    if is_debian_like() {
        let status = Command::new("bash")
            .arg(root().join("scripts/setup-debian.sh"))
            .status()?;
        match status.code() {
            Some(0) => {}
            Some(3) => {
                bail!("system packages are missing; run the command printed above, then try again")
            }
            _ => bail!("scripts/setup-debian.sh failed ({status})"),
        }
    } else {
        eprintln!("not Debian/Ubuntu: install WebKitGTK 4.1, GTK 3, libdbus and Xvfb with your package manager");
    }

    step("Node.js");
    match node_major() {
        Some(v) if v >= MIN_NODE_MAJOR => eprintln!("node {v} found"),
        Some(v) => bail!("Node.js {v} is too old: the UI toolchain (Vite 8) needs Node.js {MIN_NODE_MAJOR} or newer"),
        None => bail!("Node.js is not installed: install Node.js {MIN_NODE_MAJOR}+ with npm (e.g. from NodeSource), then try again"),
    }

    step("npm packages");
    let ui = root().join("ui");
    let stamp = ui.join("node_modules/.package-lock.json");
    let lock = ui.join("package-lock.json");
    let fresh = match (std::fs::metadata(&stamp), std::fs::metadata(&lock)) {
        (Ok(s), Ok(l)) => s.modified()? >= l.modified()?,
        _ => false,
    };
    if fresh {
        eprintln!("ui/node_modules up to date");
    } else {
        run(npm(&["ci", "--no-audit", "--no-fund"]).env("CI", "true"))?;
    }

    if with_test_tools {
        step("Python ASN.1 oracle (pyasn1-modules)");
        python_oracle()?;
        step("tauri-driver");
        let have = Command::new("tauri-driver")
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
        if have
            .as_deref()
            .is_ok_and(|v| v.contains(TAURI_DRIVER_VERSION))
        {
            eprintln!("tauri-driver {TAURI_DRIVER_VERSION} found");
        } else {
            run(cargo().args([
                "install",
                "tauri-driver",
                "--locked",
                "--version",
                &format!("={TAURI_DRIVER_VERSION}"),
            ]))?;
        }
    }
    Ok(())
}

/// Where the Python oracle's virtual environment lives; the tests find
/// its interpreter through `CABINET_PYASN1_PYTHON`.
fn python_oracle_dir() -> PathBuf {
    root().join("target/oracles/pyasn1")
}

/// Pinned versions of the independent ASN.1 reader (its `rfc5126` module
/// reads CAdES-X Long Type 1).
const PYASN1_PINS: [&str; 2] = ["pyasn1==0.6.5", "pyasn1-modules==0.4.2"];

/// A virtual environment with pyasn1-modules, made once (skipped when it
/// already imports `rfc5126` at the pinned versions).
fn python_oracle() -> Result<()> {
    let dir = python_oracle_dir();
    let python = dir.join("bin/python");
    let check = format!(
        "import pyasn1, pyasn1_modules; from pyasn1_modules import rfc5126; \
         assert (pyasn1.__version__, pyasn1_modules.__version__) == ('{}', '{}')",
        PYASN1_PINS[0].trim_start_matches("pyasn1=="),
        PYASN1_PINS[1].trim_start_matches("pyasn1-modules==")
    );
    let ready = Command::new(&python)
        .args(["-c", &check])
        .output()
        .is_ok_and(|o| o.status.success());
    if ready {
        eprintln!("pyasn1-modules found in {}", dir.display());
        return Ok(());
    }
    run(Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&dir))?;
    run(Command::new(dir.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(PYASN1_PINS))?;
    run(Command::new(&python).args(["-c", &check]))
}

fn newest_mtime(path: &Path) -> Option<std::time::SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .flatten()
        .filter_map(|e| newest_mtime(&e.path()))
        .max()
}

/// Builds the UI unless ui/dist is newer than everything it is built from:
/// a rebuilt dist changes the embedded assets' mtimes and makes cargo relink
/// the app, minutes in release mode.
fn build_ui() -> Result<()> {
    step("UI build");
    let ui = root().join("ui");
    let built = std::fs::metadata(ui.join("dist/index.html"))
        .and_then(|m| m.modified())
        .ok();
    let inputs = [
        "src",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "svelte.config.js",
        "tsconfig.json",
    ]
    .iter()
    .filter_map(|p| newest_mtime(&ui.join(p)))
    .max();
    if let (Some(built), Some(inputs)) = (built, inputs) {
        if built > inputs {
            eprintln!("ui/dist is up to date");
            return Ok(());
        }
    }
    run(&mut npm(&["run", "build"]))
}

fn has_display() -> bool {
    std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
}

fn cmd_run(args: &[String]) -> Result<()> {
    setup(false)?;
    build_ui()?;
    step("app (release, UI embedded)");
    run(cargo().args(["build", "--release", "-p", "cabinet-desktop"]))?;
    if !has_display() {
        bail!("no display (DISPLAY/WAYLAND_DISPLAY unset): start a desktop session, or run under `xvfb-run -a`");
    }
    step("starting OrgCabinet");
    run(Command::new(root().join("target/release/cabinet-desktop")).args(args))
}

fn cmd_test() -> Result<()> {
    setup(true)?;
    step("format");
    run(cargo_once().args(["fmt", "--all", "--check"]))?;
    step("UI type check");
    run(&mut npm(&["run", "check"]))?;
    step("UI unit tests");
    run(&mut npm(&["test"]))?;
    build_ui()?;
    step("clippy");
    run(cargo_once().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    step("build (the app binary the end-to-end tests drive)");
    run(cargo_once().args(["build", "--workspace", "--all-targets"]))?;
    step("Rust tests, end-to-end included");
    std::fs::create_dir_all(root().join("target/screenshots"))?;
    let mut test = if has_display() {
        cargo_once()
    } else {
        // No display: the end-to-end tests get a virtual one, never a skip.
        let mut c = Command::new("xvfb-run");
        c.args(["-a", "-s", "-screen 0 1366x900x24"])
            .arg(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        c.current_dir(root()).env("CARGO_INCREMENTAL", "0");
        c
    };
    // Every test binary runs even when one fails, so one red test does not
    // hide another.
    test.args([
        "test",
        "--workspace",
        "--no-fail-fast",
        "--",
        "--test-threads=2",
    ])
    .env("CABINET_APP", root().join("target/debug/cabinet-desktop"))
    // Tests keep their secrets in the kernel keyring, never in a
    // developer's desktop keyring.
    .env("CABINET_KEYCHAIN", "keyutils")
    .env("CABINET_SCREENSHOTS", root().join("target/screenshots"))
    .env(
        "CABINET_PYASN1_PYTHON",
        python_oracle_dir().join("bin/python"),
    );
    run(&mut test)?;
    eprintln!("\nall checks passed; screenshots in target/screenshots/");
    Ok(())
}

/// The crash test at length: `cabinet sync` killed with SIGKILL 500 times
/// (`CABINET_CRASH_RUNS` overrides; `CABINET_CRASH_SEED` repeats a run).
fn cmd_soak() -> Result<()> {
    setup(false)?;
    step("crash soak: SIGKILL mid-sync");
    let runs = std::env::var("CABINET_CRASH_RUNS").unwrap_or_else(|_| "500".into());
    run(cargo()
        .args([
            "test",
            "-p",
            "cabinet-cli",
            "--test",
            "crash_during_sync",
            "--",
            "--nocapture",
        ])
        .env("CABINET_CRASH_RUNS", runs)
        .env("CABINET_KEYCHAIN", "keyutils"))
}

fn cmd_bindings() -> Result<()> {
    step("TypeScript bindings");
    run(cargo()
        .args([
            "test",
            "-p",
            "cabinet-desktop",
            "--lib",
            "bindings::tests::generated_bindings_are_fresh",
        ])
        .env("UPDATE_BINDINGS", "1"))
}

fn cmd_bundle() -> Result<()> {
    setup(false)?;
    build_ui()?;
    step("app (release, UI embedded)");
    run(cargo().args(["build", "--release", "-p", "cabinet-desktop"]))?;
    step(".deb");
    let deb = bundle::deb(&root())?;
    eprintln!("built {}", deb.display());
    eprintln!("install with: sudo apt install {}", deb.display());
    Ok(())
}

/// `cargo xtask load [--minutes N] [--clients N]`: the portal on loopback
/// under simulated clients, a flood of bad logins in the second half; see
/// `crates/cabinet-cli/examples/load.rs`. Fails on an error or a lost or
/// duplicated action.
fn cmd_load(args: &[String]) -> Result<()> {
    let (mut minutes, mut clients) = (5u64, 50u64);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = |v: Option<&String>| -> Result<u64> {
            v.context("a number")?
                .parse()
                .with_context(|| format!("{a} takes a number"))
        };
        match a.as_str() {
            "--minutes" => minutes = value(it.next())?,
            "--clients" => clients = value(it.next())?,
            other => anyhow::bail!("unknown option {other}: --minutes N, --clients N"),
        }
    }
    setup(false)?;
    step(&format!(
        "load: {clients} clients for {minutes} min (release build first)"
    ));
    run(cargo()
        .args(["run", "--release", "-p", "cabinet-cli", "--example", "load"])
        .env("LOAD_SECONDS", (minutes * 60).to_string())
        .env("LOAD_CLIENTS", clients.to_string())
        .env("CABINET_KEYCHAIN", "keyutils"))
}

mod bench;
mod bundle;
mod fuzz;
mod startup;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        // `cargo xtask run -- --portal URL`: the `--` is ours, not the app's.
        Some("run") => cmd_run(
            args[1..]
                .strip_prefix(&["--".to_owned()])
                .unwrap_or(&args[1..]),
        ),
        Some("test") => cmd_test(),
        Some("bundle") => cmd_bundle(),
        // `cargo xtask bench [sign|sync|startup]`: all by default.
        Some("bench") => match args.get(1).map(String::as_str) {
            Some("sign") => bench::signing(),
            Some("sync") => bench::sync(),
            Some("startup") => startup::startup(),
            None => bench::signing()
                .and_then(|()| bench::sync())
                .and_then(|()| startup::startup()),
            Some(other) => anyhow::bail!("unknown benchmark {other}: sign, sync or startup"),
        },
        Some("bindings") => cmd_bindings(),
        Some("soak") => cmd_soak(),
        Some("fuzz") => fuzz::cmd(&args[1..]),
        Some("load") => cmd_load(&args[1..]),
        Some("setup") => setup(true),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n\
                 \x20 run [APP ARGS]  install what is missing, build in release, start the app\n\
                 \x20 test            install what is missing, then fmt, clippy, UI checks, all tests\n\
                 \x20 bench [sign|sync|startup]  signing next to OpenSSL, the sync at 200k records,\n\
                 \x20                 the window's start-up next to a hello-world Tauri window\n\
                 \x20 soak            the crash test 500 times: sync killed at random points\n\
                 \x20 fuzz [--seconds N] [TARGET]  the cargo-fuzz targets on nightly, 60 s each\n\
                 \x20 load [--minutes N] [--clients N]  the portal under simulated clients (5 min, 50)\n\
                 \x20 bundle          build a .deb package in target/bundle/\n\
                 \x20 bindings        regenerate ui/src/lib/bindings.ts from the Rust types\n\
                 \x20 setup           only install what is missing"
            );
            std::process::exit(2);
        }
    }
}
