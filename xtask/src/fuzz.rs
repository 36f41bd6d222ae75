//! `cargo xtask fuzz [--seconds N] [TARGET]`: the cargo-fuzz targets in
//! `fuzz/`, each for N seconds (60 by default), on nightly with libFuzzer:
//! the BER/CMS reader, PKCS#12, CryptoPro containers, certificates and
//! CRLs, OCSP answers, the change feed and API answers as the client reads them, the CSV
//! and XLSX writers (round-trip), the attachment
//! checker and the requisites validators.
//! cargo-fuzz is installed from crates.io when missing. Each corpus starts
//! from files OpenSSL makes here (signatures in DER and BER, a .pfx, a
//! certificate, a CRL) and grows in `fuzz/corpus/TARGET`; a crash is left
//! in `fuzz/artifacts/TARGET` and fails the command. Not part of `cargo
//! xtask test`: minutes per target.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{root, run, step};

/// Every target, in the order they run.
pub const TARGETS: &[&str] = &[
    "ber_to_der",
    "cms_verify",
    "pkcs12_open",
    "container_open",
    "certificate_parse",
    "crl_parse",
    "tsl_parse",
    "tsp_reply",
    "ocsp_request",
    "ocsp_response",
    "file_check",
    "requisites",
    "feed_apply",
    "table_export",
];

pub fn cmd(args: &[String]) -> Result<()> {
    let mut seconds = 60u64;
    let mut only = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .context("--seconds takes a number")?
                    .parse()
                    .context("--seconds takes a number")?
            }
            t if TARGETS.contains(&t) => only.push(t),
            other => bail!("unknown fuzz target {other}: one of {}", TARGETS.join(", ")),
        }
    }
    let targets: Vec<&str> = if only.is_empty() {
        TARGETS.to_vec()
    } else {
        only
    };
    ensure_cargo_fuzz()?;
    let fuzz = root().join("fuzz");
    step("seed corpora (OpenSSL)");
    seed(&fuzz.join("corpus"))?;
    let mut report = Vec::new();
    for target in &targets {
        step(&format!("fuzz {target} for {seconds} s"));
        let corpus = fuzz.join("corpus").join(target);
        std::fs::create_dir_all(&corpus)?;
        let out = Command::new("cargo")
            .current_dir(&fuzz)
            .args(["+nightly", "fuzz", "run", target])
            .arg(&corpus)
            .args([
                "--",
                &format!("-max_total_time={seconds}"),
                "-rss_limit_mb=2048",
                // A hostile length or iteration count shows up as a hang.
                "-timeout=10",
                "-print_final_stats=1",
            ])
            // The workbook writer compresses on worker threads; glibc's
            // record of their thread-local destructors (32 bytes from
            // __cxa_thread_atexit_impl) is reported as a leak though the
            // thread has ended. Leaks are still looked for everywhere else.
            .args((*target == "table_export").then_some("-detect_leaks=0"))
            .output()
            .context("cargo +nightly fuzz")?;
        let log = String::from_utf8_lossy(&out.stderr);
        std::fs::write(fuzz.join(format!("{target}.log")), log.as_bytes())?;
        let runs = log
            .lines()
            .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
            .map(|n| n.trim().to_owned())
            .unwrap_or_else(|| "?".into());
        let ok = out.status.success();
        eprintln!(
            "{target}: {} executions, {}",
            runs,
            if ok { "no crash" } else { "CRASH" }
        );
        report.push((target.to_string(), runs, ok));
    }
    println!("\ntarget             executions   result");
    for (t, runs, ok) in &report {
        println!(
            "{t:<18} {runs:>12}   {}",
            if *ok {
                "0 crashes"
            } else {
                "crash: see fuzz/artifacts"
            }
        );
    }
    if report.iter().any(|(_, _, ok)| !ok) {
        bail!("a fuzz target crashed: its input is in fuzz/artifacts/TARGET (add it to crates/cabinet-sign/tests/fuzz-regressions/TARGET)");
    }
    Ok(())
}

fn ensure_cargo_fuzz() -> Result<()> {
    let have = Command::new("cargo")
        .args(["+nightly", "fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        step("cargo-fuzz");
        run(Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]))?;
    }
    Ok(())
}

fn openssl(dir: &Path, args: &[&str]) -> Result<()> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .context("openssl")?;
    if !out.status.success() {
        bail!("openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// Files made by OpenSSL, copied into each target's corpus.
fn seed(corpus: &Path) -> Result<()> {
    let tmp = tempdir()?;
    let d = tmp.as_path();
    std::fs::write(d.join("doc.txt"), "document")?;
    let words = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
    for cmd in [
        "req -x509 -new -nodes -newkey rsa:2048 -keyout ca.key -out ca.pem -days 3 -subj /CN=CA",
        "req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout ec.key -out ec.pem -days 3 -subj /CN=EC",
        "cms -sign -binary -in doc.txt -signer ec.pem -inkey ec.key -outform DER -out detached.sig",
        "cms -sign -stream -binary -nodetach -in doc.txt -signer ca.pem -inkey ca.key -outform DER -out attached-ber.sig",
        "cms -sign -binary -nodetach -cades -in doc.txt -signer ec.pem -inkey ec.key -outform DER -out attached-der.sig",
        "pkcs12 -export -inkey ec.key -in ec.pem -passout pass:password -out ec.pfx",
        "x509 -in ca.pem -outform DER -out ca.der",
    ] {
        let args = words(cmd);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        openssl(d, &args)?;
    }
    // A time-stamp reply of a self-signed TSA.
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-nodes",
            "-newkey",
            "rsa:2048",
            "-keyout",
            "tsa.key",
            "-out",
            "tsa.pem",
            "-days",
            "3",
            "-subj",
            "/CN=TSA",
            "-addext",
            "extendedKeyUsage=critical,timeStamping",
        ],
    )?;
    std::fs::write(d.join("tsaserial"), "01\n")?;
    std::fs::write(
        d.join("ts.cnf"),
        "[tsa]\ndefault_tsa = t\n[t]\nserial = ./tsaserial\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\n",
    )?;
    openssl(
        d,
        &[
            "ts", "-query", "-data", "doc.txt", "-sha256", "-cert", "-out", "req.tsq",
        ],
    )?;
    openssl(
        d,
        &[
            "ts",
            "-reply",
            "-config",
            "ts.cnf",
            "-queryfile",
            "req.tsq",
            "-inkey",
            "tsa.key",
            "-signer",
            "tsa.pem",
            "-out",
            "reply.tsr",
        ],
    )?;
    openssl(
        d,
        &[
            "ocsp",
            "-issuer",
            "ca.pem",
            "-cert",
            "ec.pem",
            "-reqout",
            "ocsp-req.der",
        ],
    )?;
    // A CRL of the CA, through a minimal `openssl ca` set-up.
    std::fs::write(d.join("index.txt"), "")?;
    std::fs::write(
        d.join("ca.cnf"),
        "[ca]\ndefault_ca = c\n[c]\ndatabase = index.txt\ndefault_md = sha256\ndefault_crl_days = 3\n",
    )?;
    openssl(
        d,
        &[
            "ca", "-config", "ca.cnf", "-gencrl", "-keyfile", "ca.key", "-cert", "ca.pem", "-out",
            "ca.crl",
        ],
    )?;
    // An answer to that request, by OpenSSL's responder (the CA itself).
    openssl(
        d,
        &[
            "ocsp",
            "-index",
            "index.txt",
            "-CA",
            "ca.pem",
            "-rsigner",
            "ca.pem",
            "-rkey",
            "ca.key",
            "-reqin",
            "ocsp-req.der",
            "-respout",
            "ocsp-resp.der",
            "-ndays",
            "1",
        ],
    )?;
    let seeds: &[(&str, &[&str])] = &[
        (
            "ber_to_der",
            &[
                "detached.sig",
                "attached-ber.sig",
                "attached-der.sig",
                "ca.der",
            ],
        ),
        (
            "cms_verify",
            &["detached.sig", "attached-ber.sig", "attached-der.sig"],
        ),
        ("pkcs12_open", &["ec.pfx"]),
        ("container_open", &[]),
        ("certificate_parse", &["ca.der", "ca.pem", "ec.pem"]),
        ("crl_parse", &["ca.crl"]),
        ("tsl_parse", &[]),
        ("tsp_reply", &["reply.tsr", "detached.sig"]),
        ("ocsp_request", &["ocsp-req.der"]),
        ("ocsp_response", &["ocsp-resp.der"]),
        ("file_check", &[]),
        ("requisites", &[]),
        ("feed_apply", &[]),
        ("table_export", &[]),
    ];
    for (target, files) in seeds {
        let dir = corpus.join(target);
        std::fs::create_dir_all(&dir)?;
        for f in *files {
            std::fs::copy(d.join(f), dir.join(format!("seed-{f}")))?;
        }
        // The regression inputs too: each crash found once stays covered.
        let regressions = root()
            .join("crates/cabinet-sign/tests/fuzz-regressions")
            .join(target);
        if let Ok(entries) = std::fs::read_dir(&regressions) {
            for e in entries.flatten() {
                std::fs::copy(e.path(), dir.join(e.file_name()))?;
            }
        }
    }
    // The container CryptoPro CSP made, packed as the target reads it.
    let csp = root().join("crates/cabinet-sign/tests/vectors/cryptopro-csp5-srv.000");
    let file = |name: &str| std::fs::read(csp.join(name)).with_context(|| name.to_string());
    let (header, masks, primary) = (
        file("header.key")?,
        file("masks.key")?,
        file("primary.key")?,
    );
    let mut packed = (header.len() as u16).to_be_bytes().to_vec();
    packed.extend(&header);
    packed.push(masks.len() as u8);
    packed.extend(&masks);
    packed.extend(&primary);
    std::fs::write(corpus.join("container_open/seed-csp5"), packed)?;
    // The trust list in the published shape, with the CA in it.
    let ca_der = std::fs::read(d.join("ca.der"))?;
    let tsl =
        std::fs::read_to_string(root().join("crates/cabinet-sign/tests/vectors/tsl-template.xml"))?
            .replace("{CERT}", &base64_of(&ca_der));
    std::fs::write(corpus.join("tsl_parse/seed-published"), tsl)?;
    // Attachments as `name NUL content`, and requisites as typed.
    let typed: &[(&str, &[u8])] = &[
        (
            "file_check",
            b"\xd0\xb0\xd0\xba\xd1\x82.pdf\0%PDF-1.4\n%%EOF\n",
        ),
        ("file_check", b"scan.png\0\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        ("file_check", b"a.exe.pdf\0%PDF-1.7\n%%EOF"),
        ("requisites", b"7707083893"),
        ("requisites", b"1027700132195"),
        ("requisites", b"773601001"),
        ("requisites", b"40702810400000000001 044525225"),
        ("requisites", b"buh@romashka.demo"),
        // A change-feed page as the portal sends it: an application, a
        // document, a requirement, a removal.
        (
            "feed_apply",
            r#"{"changes":[{"seq":1,"entity":"application","id":"a1","op":"upsert","data":{"id":"a1","org_id":"org-1","number":"2026-0000012","service_code":"egrul-extract","title":"Заявление на выписку","status":"accepted","created_at":"2026-11-01T10:00:00Z","updated_at":"2026-11-02T10:00:00Z","deadline":"2026-11-20","version":2,"attachments":[{"document_id":"d1","kind":"other","name":"устав.pdf","sha256":"00"}],"fields":{"inn":"7707083893"}}},{"seq":2,"entity":"document","id":"d1","op":"upsert","data":{"id":"d1","org_id":"org-1","name":"устав.pdf","mime":"application/pdf","size":10,"sha256":"00","created_at":"2026-11-01T10:00:00Z","signatures":[]}},{"seq":3,"entity":"requirement","id":"r1","op":"upsert","data":{"id":"r1","title":"Представить документы"}},{"seq":4,"entity":"application","id":"a0","op":"delete"}],"next_cursor":"4","has_more":false,"remaining":0}"#.as_bytes(),
        ),
        (
            "feed_apply",
            r#"{"type":"about:blank","title":"Нет доступа","status":403,"code":"auth.forbidden","detail":"x"}"#.as_bytes(),
        ),
        ("table_export", b"=HYPERLINK(1)\0+7 495\0\x01-2\0@A\0\tx\0a;b\"c\r\nd\0_x0041_ & <t>"),
    ];
    for (i, (target, bytes)) in typed.iter().enumerate() {
        let dir = corpus.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(format!("seed-typed-{i}")), bytes)?;
    }
    std::fs::remove_dir_all(d).ok();
    Ok(())
}

/// Standard base64 with padding (xtask has no base64 crate).
fn base64_of(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn tempdir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("cabinet-fuzz-seeds-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
