//! `cargo xtask bench`: signing speed and memory next to OpenSSL, measured in
//! the same run on the same file and key.
//!
//! A 1 GiB file is signed (detached CAdES-BES) with RSA-2048/SHA-256, GOST
//! R 34.10-2012 256/Streebog-256 and 512/Streebog-512 by our `cabinet sign`
//! and by `openssl cms -sign -cades` (with the GOST engine for GOST), and
//! hashed by `openssl dgst` and by our digest alone (the hashing limit:
//! signing cannot beat hashing). Each runs three times from a warm page
//! cache; the medians are compared. Peak memory comes
//! from GNU time; ours is also measured on a 64 MiB file to show it does not
//! grow with the file. Our signature is checked by `openssl cms -verify`.
//!
//! Then the signature levels: the 64 MiB file signed with the GOST-256 key
//! as CAdES-BES and as CAdES-T (a time stamp from the reference portal's
//! RFC 3161 service on loopback), time and size side by side.

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

/// OpenSSL in `dir`, with `conf` as OPENSSL_CONF when given (the engine).
fn openssl(dir: &Path, conf: Option<&Path>, args: &[&str]) -> Result<()> {
    let mut cmd = Command::new("openssl");
    cmd.args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null());
    if let Some(conf) = conf {
        cmd.env("OPENSSL_CONF", conf);
    }
    run(&mut cmd)
}

fn mb_per_s(bytes: u64, s: &Sample) -> f64 {
    bytes as f64 / 1_000_000.0 / s.seconds.max(1e-6)
}

/// An OpenSSL configuration that loads the GOST engine for everything
/// (OpenSSL 3 signs GOST only through it).
fn engine_conf(dir: &Path) -> Result<PathBuf> {
    let out = Command::new("openssl").args(["version", "-e"]).output()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let engines = text.split('"').nth(1).context("openssl version -e")?;
    let so = Path::new(engines).join("gost.so");
    if !so.is_file() {
        bail!(
            "{} missing: cargo xtask setup installs libengine-gost-openssl",
            so.display()
        );
    }
    let conf = dir.join("gost.cnf");
    std::fs::write(
        &conf,
        format!(
            "openssl_conf = openssl_init\n[openssl_init]\nengines = engine_section\n\
             [engine_section]\ngost = gost_section\n[gost_section]\nengine_id = gost\n\
             dynamic_path = {}\ndefault_algorithms = ALL\n",
            so.display()
        ),
    )?;
    Ok(conf)
}

/// One algorithm's signing benchmark.
struct Case {
    name: &'static str,
    /// File prefix of its key, certificate and .pfx.
    tag: &'static str,
    /// `openssl req -newkey` argument(s) for the key.
    newkey: &'static [&'static str],
    /// The digest as `openssl cms -md` and `openssl dgst -…` name it.
    md: &'static str,
    /// Our digest, as the digest_file example names it.
    our_digest: &'static str,
    gost: bool,
    max_time_vs_openssl: f64,
}

const CASES: [Case; 3] = [
    Case {
        name: "RSA-2048 / SHA-256",
        tag: "rsa",
        newkey: &["-newkey", "rsa:2048"],
        md: "sha256",
        our_digest: "sha256",
        gost: false,
        max_time_vs_openssl: MAX_TIME_VS_OPENSSL,
    },
    Case {
        name: "GOST R 34.10-2012 256 / Streebog-256",
        tag: "gost256",
        newkey: &["-newkey", "gost2012_256", "-pkeyopt", "paramset:A"],
        md: "md_gost12_256",
        our_digest: "streebog256",
        gost: true,
        max_time_vs_openssl: 1.0,
    },
    Case {
        name: "GOST R 34.10-2012 512 / Streebog-512",
        tag: "gost512",
        newkey: &["-newkey", "gost2012_512", "-pkeyopt", "paramset:A"],
        md: "md_gost12_512",
        our_digest: "streebog512",
        gost: true,
        max_time_vs_openssl: 1.0,
    },
];

fn print_row(name: &str, s: &Sample, bytes: u64, all: &[f64]) {
    println!(
        "| {:<40} | {:>8.2} | {:>9.0} | {:>13.1} | {:<24} |",
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

/// The case's key, self-signed certificate and .pfx (`TAG.key`, `.pem`,
/// `.pfx` in `dir`); the engine's configuration for GOST.
fn key_and_pfx(case: &Case, dir: &Path) -> Result<Option<PathBuf>> {
    step(&format!("{}: key, certificate, .pfx", case.name));
    let conf = if case.gost {
        Some(engine_conf(dir)?)
    } else {
        None
    };
    let (key, cert, pfx) = (
        format!("{}.key", case.tag),
        format!("{}.pem", case.tag),
        format!("{}.pfx", case.tag),
    );
    let mut req = vec!["req", "-x509", "-nodes", "-keyout", &key, "-out", &cert];
    req.extend_from_slice(case.newkey);
    let md_flag = format!("-{}", case.md);
    req.extend(["-subj", "/CN=OrgCabinet bench", "-days", "30", &md_flag]);
    openssl(dir, conf.as_deref(), &req)?;
    let pass = format!("pass:{PASSWORD}");
    openssl(
        dir,
        conf.as_deref(),
        &[
            "pkcs12", "-export", "-inkey", &key, "-in", &cert, "-out", &pfx, "-passout", &pass,
        ],
    )?;
    Ok(conf)
}

/// Runs one case; whether its targets were met.
fn sign_case(
    case: &Case,
    dir: &Path,
    cabinet: &str,
    digest_file: &str,
    big: &Path,
    small: &Path,
) -> Result<bool> {
    let conf = key_and_pfx(case, dir)?;
    let conf = conf.as_deref();
    let (key, cert, pfx) = (
        format!("{}.key", case.tag),
        format!("{}.pem", case.tag),
        format!("{}.pfx", case.tag),
    );
    let md_flag = format!("-{}", case.md);
    let out = dir.join(format!("out-{}", case.tag));
    std::fs::create_dir_all(&out)?;
    let (big_s, small_s, out_s) = (
        big.to_str().context("path")?,
        small.to_str().context("path")?,
        out.to_str().context("path")?,
    );
    let bytes = std::fs::metadata(big)?.len();
    let env = [("CABINET_PFX_PASSWORD", PASSWORD)];
    let engine_env: Vec<(&str, &str)> = conf
        .map(|c| vec![("OPENSSL_CONF", c.to_str().unwrap_or_default())])
        .unwrap_or_default();

    step(&format!("{}: measuring, {RUNS} runs each", case.name));
    let (ours, ours_all) = repeat(
        dir,
        cabinet,
        &["sign", big_s, "--pfx", &pfx, "--out", out_s],
        &env,
    )?;
    let (cms, cms_all) = repeat(
        dir,
        "openssl",
        &[
            "cms",
            "-sign",
            "-binary",
            "-cades",
            "-md",
            case.md,
            "-in",
            big_s,
            "-signer",
            &cert,
            "-inkey",
            &key,
            "-outform",
            "DER",
            "-out",
            "openssl.sig",
        ],
        &engine_env,
    )?;
    let (dgst, dgst_all) = repeat(
        dir,
        "openssl",
        &["dgst", &md_flag, "-r", big_s],
        &engine_env,
    )?;
    let (our_hash, our_hash_all) = repeat(dir, digest_file, &[case.our_digest, big_s], &[])?;
    // The crate our Streebog replaced, through the same reads.
    let crate_digest = format!("{}-rustcrypto", case.our_digest);
    let rustcrypto = if case.gost {
        Some(repeat(dir, digest_file, &[&crate_digest, big_s], &[])?)
    } else {
        None
    };
    let (ours_small, _) = repeat(
        dir,
        cabinet,
        &["sign", small_s, "--pfx", &pfx, "--out", out_s],
        &env,
    )?;

    // Our signature must be one OpenSSL accepts, or the speed means nothing.
    let sig = out.join(format!(
        "{}.sig",
        big.file_name().context("name")?.to_string_lossy()
    ));
    openssl(
        dir,
        conf,
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
            &cert,
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
    )?;

    let time_ratio = ours.seconds / cms.seconds;
    let hash_ratio = mb_per_s(bytes, &ours) / mb_per_s(bytes, &dgst);
    let digest_ratio = mb_per_s(bytes, &our_hash) / mb_per_s(bytes, &dgst);
    let mem_growth = ours.max_rss_kib as f64 / ours_small.max_rss_kib as f64;
    println!();
    println!(
        "Signing {} MiB, {}, detached CAdES-BES; median of {RUNS} runs",
        bytes / 1024 / 1024,
        case.name
    );
    println!(
        "| {:<40} | {:>8} | {:>9} | {:>13} | {:<24} |",
        "", "time, s", "MB/s", "peak RSS, MiB", "runs, s"
    );
    println!(
        "|{:-<42}|{:-<10}|{:-<11}|{:-<15}|{:-<26}|",
        "", "", "", "", ""
    );
    let engine = if case.gost { " (engine)" } else { "" };
    print_row("cabinet sign (ours)", &ours, bytes, &ours_all);
    print_row(
        &format!("openssl cms -sign -cades{engine}"),
        &cms,
        bytes,
        &cms_all,
    );
    print_row(
        &format!("our {} alone", case.our_digest),
        &our_hash,
        bytes,
        &our_hash_all,
    );
    if let Some((sample, all)) = &rustcrypto {
        print_row(
            &format!("RustCrypto {} crate", case.our_digest),
            sample,
            bytes,
            all,
        );
    }
    print_row(
        &format!("openssl dgst -{}{engine}", case.md),
        &dgst,
        bytes,
        &dgst_all,
    );
    print_row(
        "cabinet sign, 64 MiB file",
        &ours_small,
        64 * 1024 * 1024,
        &[],
    );
    println!();
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    let time_ok = time_ratio <= case.max_time_vs_openssl;
    let hash_ok = hash_ratio >= MIN_THROUGHPUT_VS_HASH;
    // Flat: 16× the file, at most a quarter more memory.
    let mem_ok = mem_growth <= 1.25;
    println!(
        "time vs openssl cms: {time_ratio:.2}× (target ≤ {}×) — {}",
        case.max_time_vs_openssl,
        verdict(time_ok)
    );
    println!(
        "signing throughput vs openssl dgst: {hash_ratio:.2}× (target ≥ {MIN_THROUGHPUT_VS_HASH}×) — {}",
        verdict(hash_ok)
    );
    println!("our digest alone vs openssl dgst: {digest_ratio:.2}×");
    if let Some((sample, _)) = &rustcrypto {
        println!(
            "our digest alone vs the RustCrypto crate: {:.2}×",
            mb_per_s(bytes, &our_hash) / mb_per_s(bytes, sample)
        );
    }
    println!(
        "peak memory 1 GiB vs 64 MiB: {mem_growth:.2}× (flat: ≤ 1.25×) — {}",
        verdict(mem_ok)
    );
    println!("our signature verifies with openssl cms -verify: yes");
    Ok(time_ok && hash_ok && mem_ok)
}

/// A free loopback port (bound, read, released).
fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// CAdES-BES against CAdES-T and CAdES-X Long Type 1: the same file and
/// key, the time stamps from the reference portal's service on loopback.
/// The demo director's .pfx password (`cabinet_portal::DIRECTOR_PFX_PASSWORD`).
const DEMO_DIRECTOR_PASSWORD: &str = "Director-KEP";

fn levels(dir: &Path, cabinet: &str, small: &Path) -> Result<()> {
    step("signature levels: the reference portal's time-stamping service on loopback");
    let addr = format!("127.0.0.1:{}", free_port()?);
    let db = dir.join("levels-portal/portal.sqlite3");
    let _ = std::fs::remove_dir_all(dir.join("levels-portal"));
    let mut portal = Command::new(root().join("target/release/cabinet-portal"))
        .args(["serve", "--db"])
        .arg(&db)
        .args(["--listen", &addr, "--demo"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("cabinet-portal")?;
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        if started.elapsed() > std::time::Duration::from_secs(120) {
            let _ = portal.kill();
            bail!("the portal did not start on {addr}");
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let url = format!("http://{addr}/v1/tsp");
    let portal_url = format!("http://{addr}");
    let small_s = small.to_str().context("path")?;
    let data = dir.join("levels-data");
    let _ = std::fs::remove_dir_all(&data);
    let data_s = data.to_str().context("path")?.to_owned();
    // The demo director's key: its CA is on the portal's trust list, which
    // CAdES-X Long Type 1 takes the chain and CRL from.
    let env = [("CABINET_PFX_PASSWORD", DEMO_DIRECTOR_PASSWORD)];
    let mut rows = Vec::new();
    let result = (|| -> Result<()> {
        run(Command::new("curl")
            .args(["-sSf", "-o", "director.pfx"])
            .arg(format!("{portal_url}/v1/demo/certificates/director.pfx"))
            .current_dir(dir))?;
        run(Command::new(cabinet)
            .args(["--portal", &portal_url, "--data-dir", &data_s])
            .args(["trust", "update", "--crls"])
            .current_dir(dir))?;
        for (label, tag, extra) in [
            ("CAdES-BES", "bes", vec![]),
            ("CAdES-T", "t", vec!["--level", "t", "--tsp", url.as_str()]),
            (
                "CAdES-X L T1",
                "xl1",
                vec!["--level", "xl1", "--tsp", url.as_str()],
            ),
        ] {
            let out = dir.join(format!("out-level-{tag}"));
            std::fs::create_dir_all(&out)?;
            let out_s = out.to_str().context("path")?.to_owned();
            let mut args = vec!["--portal", &portal_url, "--data-dir", &data_s];
            args.extend(["sign", small_s, "--pfx", "director.pfx", "--out", &out_s]);
            args.extend(extra.iter().copied());
            let (sample, all) = repeat(dir, cabinet, &args, &env)?;
            let sig = out.join(format!(
                "{}.sig",
                small.file_name().context("name")?.to_string_lossy()
            ));
            rows.push((label, sample, all, std::fs::metadata(&sig)?.len()));
        }
        Ok(())
    })();
    let _ = portal.kill();
    let _ = portal.wait();
    result?;
    println!();
    println!(
        "Signature levels, 64 MiB, the demo director's GOST R 34.10-2012 256 key; median of {RUNS} runs"
    );
    println!(
        "| {:<12} | {:>8} | {:>16} | {:<24} |",
        "level", "time, s", "signature, bytes", "runs, s"
    );
    println!("|{:-<14}|{:-<10}|{:-<18}|{:-<26}|", "", "", "", "");
    for (label, sample, all, size) in &rows {
        println!(
            "| {:<12} | {:>8.2} | {:>16} | {:<24} |",
            label,
            sample.seconds,
            size,
            all.iter()
                .map(|t| format!("{t:.2}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    if let [(_, bes, _, bes_size), (_, t, _, t_size), (_, xl1, _, xl1_size)] = &rows[..] {
        println!(
            "CAdES-T vs CAdES-BES: time {:.2}×, size +{} bytes (the time stamp token)",
            t.seconds / bes.seconds.max(1e-6),
            t_size.saturating_sub(*bes_size)
        );
        println!(
            "CAdES-X Long Type 1 vs CAdES-BES: time {:.2}×, size +{} bytes (two time stamp tokens, the CA certificate, its CRL and their references)",
            xl1.seconds / bes.seconds.max(1e-6),
            xl1_size.saturating_sub(*bes_size)
        );
    }
    Ok(())
}

/// `cargo xtask bench sign`: RSA, GOST-256 and GOST-512, then the levels.
pub fn signing() -> Result<()> {
    crate::setup(false)?;
    step("release build of the cabinet CLI, the portal and the digest example");
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "cabinet-cli",
        "-p",
        "cabinet-portal",
    ]))?;
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "cabinet-sign",
        "--example",
        "digest_file",
    ]))?;
    let cabinet = root().join("target/release/cabinet");
    let digest_file = root().join("target/release/examples/digest_file");
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let big = data_file(&dir, 1024)?;
    let small = data_file(&dir, 64)?;
    // BENCH_SIGN_LEVELS_ONLY=1: the levels alone, without the 1 GiB runs.
    if std::env::var_os("BENCH_SIGN_LEVELS_ONLY").is_some() {
        return levels(&dir, cabinet.to_str().context("path")?, &small);
    }
    // Warm the page cache so every contender reads from memory.
    std::io::copy(&mut std::fs::File::open(&big)?, &mut std::io::sink())?;
    let mut missed = Vec::new();
    for case in &CASES {
        if !sign_case(
            case,
            &dir,
            cabinet.to_str().context("path")?,
            digest_file.to_str().context("path")?,
            &big,
            &small,
        )? {
            missed.push(case.name);
        }
    }
    levels(&dir, cabinet.to_str().context("path")?, &small)?;
    if !missed.is_empty() {
        bail!("signing targets missed: {}", missed.join(", "));
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
