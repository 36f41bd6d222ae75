//! `cargo xtask bench`: signing speed and memory next to OpenSSL, measured in
//! the same run on the same file and key.
//!
//! A 1 GiB file is signed (detached CAdES-BES, RSA-2048, SHA-256) by our
//! `cabinet sign`, by `openssl cms -sign -cades`, and hashed by `openssl dgst
//! -sha256` (the hashing limit: signing cannot beat hashing). Each runs three
//! times from a warm page cache; the medians are compared. Peak memory comes
//! from GNU time; ours is also measured on a 64 MiB file to show it does not
//! grow with the file. Our signature is checked by `openssl cms -verify`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{cargo, root, run, step};

const RUNS: usize = 3;
const PASSWORD: &str = "bench-only";

/// Targets from the signatures issue.
const MAX_TIME_VS_OPENSSL: f64 = 1.1;
const MIN_THROUGHPUT_VS_HASH: f64 = 0.9;

struct Sample {
    seconds: f64,
    max_rss_kib: u64,
}

/// Runs `cmd` under GNU time; elapsed wall time and peak RSS.
fn measure(dir: &Path, program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<Sample> {
    let report = dir.join("time.out");
    let mut cmd = Command::new("/usr/bin/time");
    cmd.args(["-f", "%e %M", "-o"])
        .arg(&report)
        .arg(program)
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let status = cmd
        .status()
        .context("/usr/bin/time (package `time`) missing: cargo xtask setup")?;
    if !status.success() {
        bail!("{program} {args:?} failed ({status})");
    }
    let text = std::fs::read_to_string(&report)?;
    let mut parts = text.split_whitespace();
    let seconds: f64 = parts.next().context("time output")?.parse()?;
    let max_rss_kib: u64 = parts.next().context("time output")?.parse()?;
    Ok(Sample {
        seconds,
        max_rss_kib,
    })
}

fn median(mut samples: Vec<Sample>) -> Sample {
    samples.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    samples.swap_remove(samples.len() / 2)
}

fn repeat(
    dir: &Path,
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<(Sample, Vec<f64>)> {
    let mut all = Vec::new();
    for _ in 0..RUNS {
        all.push(measure(dir, program, args, env)?);
    }
    let times = all.iter().map(|s| s.seconds).collect();
    Ok((median(all), times))
}

/// A file of `mib` MiB of incompressible bytes (xorshift), made once.
fn data_file(dir: &Path, mib: u64) -> Result<PathBuf> {
    use std::io::Write;
    let path = dir.join(format!("data-{mib}M.bin"));
    let size = mib * 1024 * 1024;
    if std::fs::metadata(&path).map(|m| m.len()).ok() == Some(size) {
        return Ok(path);
    }
    eprintln!("writing {}", path.display());
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut chunk = vec![0u8; 8 * 1024 * 1024];
    for _ in 0..(size / chunk.len() as u64) {
        for word in chunk.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            word.copy_from_slice(&x.to_le_bytes());
        }
        out.write_all(&chunk)?;
    }
    out.flush()?;
    Ok(path)
}

fn openssl(dir: &Path, args: &[&str]) -> Result<()> {
    run(Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null()))
}

fn mb_per_s(bytes: u64, s: &Sample) -> f64 {
    bytes as f64 / 1_000_000.0 / s.seconds.max(1e-6)
}

pub fn signing() -> Result<()> {
    crate::setup(false)?;
    step("release build of the cabinet CLI");
    run(cargo().args(["build", "--release", "-p", "cabinet-cli"]))?;
    let cabinet = root().join("target/release/cabinet");
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let out = dir.join("out");
    std::fs::create_dir_all(&out)?;

    step("key, certificate and test files");
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-subj",
            "/CN=OrgCabinet bench",
            "-days",
            "30",
            "-sha256",
        ],
    )?;
    openssl(
        &dir,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "key.pem",
            "-in",
            "cert.pem",
            "-out",
            "key.pfx",
            "-passout",
            &format!("pass:{PASSWORD}"),
        ],
    )?;
    let big = data_file(&dir, 1024)?;
    let small = data_file(&dir, 64)?;
    let big_s = big.to_str().context("path")?;
    let small_s = small.to_str().context("path")?;
    let out_s = out.to_str().context("path")?;
    let bytes = std::fs::metadata(&big)?.len();
    // Warm the page cache so every contender reads from memory.
    std::io::copy(&mut std::fs::File::open(&big)?, &mut std::io::sink())?;

    let env = [("CABINET_PFX_PASSWORD", PASSWORD)];
    let cabinet_s = cabinet.to_str().context("path")?;
    let ours_args = ["sign", big_s, "--pfx", "key.pfx", "--out", out_s];

    step(&format!("measuring, {RUNS} runs each"));
    let (ours, ours_all) = repeat(&dir, cabinet_s, &ours_args, &env)?;
    let (cms, cms_all) = repeat(
        &dir,
        "openssl",
        &[
            "cms",
            "-sign",
            "-binary",
            "-cades",
            "-md",
            "sha256",
            "-in",
            big_s,
            "-signer",
            "cert.pem",
            "-inkey",
            "key.pem",
            "-outform",
            "DER",
            "-out",
            "openssl.sig",
        ],
        &[],
    )?;
    let (dgst, dgst_all) = repeat(&dir, "openssl", &["dgst", "-sha256", "-r", big_s], &[])?;
    let (ours_small, _) = repeat(
        &dir,
        cabinet_s,
        &["sign", small_s, "--pfx", "key.pfx", "--out", out_s],
        &env,
    )?;

    // Our signature must be one OpenSSL accepts, or the speed means nothing.
    let sig = out.join(format!(
        "{}.sig",
        big.file_name().context("name")?.to_string_lossy()
    ));
    openssl(
        &dir,
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            sig.to_str().context("path")?,
            "-content",
            big_s,
            "-CAfile",
            "cert.pem",
            "-out",
            "/dev/null",
        ],
    )?;

    let time_ratio = ours.seconds / cms.seconds;
    let hash_ratio = mb_per_s(bytes, &ours) / mb_per_s(bytes, &dgst);
    let mem_growth = ours.max_rss_kib as f64 / ours_small.max_rss_kib as f64;
    println!();
    println!(
        "Signing {} MiB, RSA-2048 / SHA-256, detached CAdES-BES; median of {RUNS} runs",
        bytes / 1024 / 1024
    );
    println!(
        "| {:<36} | {:>8} | {:>9} | {:>13} | {:<24} |",
        "", "time, s", "MB/s", "peak RSS, MiB", "runs, s"
    );
    println!(
        "|{:-<38}|{:-<10}|{:-<11}|{:-<15}|{:-<26}|",
        "", "", "", "", ""
    );
    for (name, s, all) in [
        ("cabinet sign (ours)", &ours, &ours_all),
        ("openssl cms -sign -cades", &cms, &cms_all),
        ("openssl dgst -sha256 (hash limit)", &dgst, &dgst_all),
    ] {
        println!(
            "| {:<36} | {:>8.2} | {:>9.0} | {:>13.1} | {:<24} |",
            name,
            s.seconds,
            mb_per_s(bytes, s),
            s.max_rss_kib as f64 / 1024.0,
            all.iter()
                .map(|t| format!("{t:.2}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    println!(
        "| {:<36} | {:>8.2} | {:>9.0} | {:>13.1} | {:<24} |",
        "cabinet sign, 64 MiB file",
        ours_small.seconds,
        mb_per_s(64 * 1024 * 1024, &ours_small),
        ours_small.max_rss_kib as f64 / 1024.0,
        ""
    );
    println!();
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    let time_ok = time_ratio <= MAX_TIME_VS_OPENSSL;
    let hash_ok = hash_ratio >= MIN_THROUGHPUT_VS_HASH;
    // Flat: 16× the file, at most a quarter more memory.
    let mem_ok = mem_growth <= 1.25;
    println!(
        "time vs openssl cms: {time_ratio:.2}× (target ≤ {MAX_TIME_VS_OPENSSL}×) — {}",
        verdict(time_ok)
    );
    println!(
        "throughput vs hash limit: {hash_ratio:.2}× (target ≥ {MIN_THROUGHPUT_VS_HASH}×) — {}",
        verdict(hash_ok)
    );
    println!(
        "peak memory 1 GiB vs 64 MiB: {mem_growth:.2}× (flat: ≤ 1.25×) — {}",
        verdict(mem_ok)
    );
    println!("our signature verifies with openssl cms -verify: yes");
    if !(time_ok && hash_ok && mem_ok) {
        bail!("a signing target was missed");
    }
    Ok(())
}

/// The offline cache and sync engine at 100k applications + 100k document
/// records: initial sync, bytes on the wire, a no-change sync, and the list
/// query next to the `sqlite3` shell (crates/cabinet-cli/examples/sync_bench.rs).
pub fn sync() -> Result<()> {
    crate::setup(false)?;
    step("sync benchmark (release build, then 100k + 100k records)");
    run(cargo()
        .args([
            "run",
            "--release",
            "-p",
            "cabinet-cli",
            "--example",
            "sync_bench",
        ])
        // The benchmark's logins keep their tokens in the kernel keyring.
        .env("CABINET_KEYCHAIN", "keyutils"))
}
