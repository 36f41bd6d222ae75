//! Test PKI made with the OpenSSL CLI, the independent oracle of these tests.
#![allow(dead_code)]

pub mod engine;
pub mod softhsm;
pub mod world;

use std::path::Path;
use std::process::{Command, Output};

use cabinet_sign::{CertificateInfo, PfxIdentity};

/// A built-in CA request for `name`: valid from yesterday for a year.
pub fn request(
    kind: cabinet_sign::pki::KeyKind,
    name: &str,
    profile: cabinet_sign::pki::Profile,
) -> cabinet_sign::pki::Request {
    use chrono::{Duration, Utc};
    cabinet_sign::pki::Request {
        kind,
        subject: cabinet_sign::pki::Subject {
            common_name: name.into(),
            ..Default::default()
        },
        not_before: Utc::now() - Duration::days(1),
        not_after: Utc::now() + Duration::days(365),
        profile,
    }
}

/// Runs `openssl ARGS` in `dir`, whatever the outcome.
pub fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed")
}

/// Runs `openssl ARGS` in `dir` and fails the test when it fails.
pub fn ok(dir: &Path, args: &[&str]) {
    let out = openssl(dir, args);
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `openssl cms -verify` arguments for a detached DER signature `sig` over
/// `content`, trusting `ca`, with `extra` options (e.g. `-cades`,
/// `-purpose any`); the content it would print is discarded.
pub fn cms_verify<'a>(
    sig: &'a str,
    content: &'a str,
    ca: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-content", content, "-CAfile",
        ca,
    ];
    args.extend_from_slice(extra);
    args.extend(["-out", "/dev/null"]);
    args
}

/// Splits a command line written as one string (no argument has spaces).
fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

/// A self-signed RSA CA: `ca.key`, `ca.pem`, valid 30 days.
pub fn ca(dir: &Path, common_name: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let subj = format!("/CN={common_name}");
    let mut args = words(
        "req -x509 -new -nodes -newkey rsa:2048 -keyout ca.key -out ca.pem -days 30 -utf8 -subj",
    );
    args.push(&subj);
    ok(dir, &args);
}

/// A certificate for `name`.key issued by the CA in `dir`: `name`.pem, with
/// key usage for signatures. `newkey` is e.g. "rsa:2048" or "ec".
pub fn issue(dir: &Path, name: &str, newkey: &str, subject: &str) {
    let key = format!("{name}.key");
    let csr = format!("{name}.csr");
    let pem = format!("{name}.pem");
    let mut req = words("req -new -nodes -utf8 -newkey");
    req.push(newkey);
    if newkey == "ec" {
        req.extend(words("-pkeyopt ec_paramgen_curve:P-256"));
    }
    req.extend(["-keyout", &key, "-out", &csr, "-subj", subject]);
    ok(dir, &req);
    std::fs::write(
        dir.join("ext.cnf"),
        "keyUsage = critical, digitalSignature, nonRepudiation\n",
    )
    .unwrap();
    let mut x509 =
        words("x509 -req -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile ext.cnf");
    x509.extend(["-in", &csr, "-out", &pem]);
    ok(dir, &x509);
}

/// Exports `name`.key + `name`.pem (+ the CA) as `name`.pfx with `extra`
/// options, and returns the file's bytes.
pub fn export_pfx(dir: &Path, name: &str, password: &str, extra: &[&str]) -> Vec<u8> {
    let (key, pem, pfx, pass) = (
        format!("{name}.key"),
        format!("{name}.pem"),
        format!("{name}.pfx"),
        format!("pass:{password}"),
    );
    let mut args = vec![
        "pkcs12",
        "-export",
        "-inkey",
        &key,
        "-in",
        &pem,
        "-certfile",
        "ca.pem",
    ];
    args.extend(["-passout", &pass, "-out", &pfx]);
    args.extend_from_slice(extra);
    ok(dir, &args);
    std::fs::read(dir.join(pfx)).unwrap()
}

/// `name`.pfx exported and opened.
pub fn identity(dir: &Path, name: &str) -> PfxIdentity {
    PfxIdentity::open(&export_pfx(dir, name, "pw", &[]), "pw").unwrap()
}

/// A certificate file (PEM or DER) of `dir`.
pub fn cert(dir: &Path, file: &str) -> CertificateInfo {
    CertificateInfo::parse(&std::fs::read(dir.join(file)).unwrap()).unwrap()
}
