//! Running the `cabinet` binary in tests: a clean environment (kernel
//! keyring, no password or PIN inherited), standard input written, output
//! captured.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use cabinet_portal::{Portal, PortalConfig, RunningPortal};

/// Runs `cabinet ARGS` in `dir` (or here) with extra `env` and `stdin`.
pub fn cabinet_in(dir: Option<&Path>, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cabinet"));
    cmd.args(args)
        .env("CABINET_KEYCHAIN", "keyutils")
        .env_remove("CABINET_PFX_PASSWORD")
        .env_remove("CABINET_PIN");
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the cabinet binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin takes the input");
    child.wait_with_output().expect("cabinet finishes")
}

/// `cabinet --portal URL --data-dir DATA ARGS`.
pub fn cabinet_at(url: &str, data: &Path, args: &[&str], stdin: &str) -> Output {
    let data = data.display().to_string();
    let mut all = vec!["--portal", url, "--data-dir", &data];
    all.extend_from_slice(args);
    cabinet_in(None, &all, &[], stdin)
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A demo portal (ECDSA demo keys: quick to make) on loopback with its
/// database in `dir`.
pub async fn demo_portal(dir: &Path) -> RunningPortal {
    Portal::open(PortalConfig::quick_demo(dir.join("portal.sqlite3")))
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// The id of ООО «Ромашка», the demo organization with applications.
pub async fn romashka(portal: &RunningPortal) -> String {
    portal.admin().org_id_by_inn(&romashka_inn()).await.unwrap()
}

pub fn romashka_inn() -> String {
    cabinet_api::requisites::complete_inn10("770412345").unwrap()
}

/// [`cabinet_at`] off the async workers, for tests that serve the portal
/// on the same runtime.
pub fn spawn_cabinet(
    url: &str,
    data: &Path,
    args: Vec<String>,
    stdin: &'static str,
) -> tokio::task::JoinHandle<Output> {
    let (url, data): (String, PathBuf) = (url.to_owned(), data.to_owned());
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cabinet_at(&url, &data, &args, stdin)
    })
}
