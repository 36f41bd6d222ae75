//! Running the `cabinet` binary in tests: a clean environment (kernel
//! keyring, no password or PIN inherited), standard input written, output
//! captured.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

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
