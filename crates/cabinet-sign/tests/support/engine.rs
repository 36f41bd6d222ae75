//! OpenSSL with its GOST engine (Debian's `libengine-gost-openssl`), the
//! independent oracle of the GOST tests. OpenSSL 3 signs GOST only through
//! the engine, so each call gets an `OPENSSL_CONF` that loads it with
//! `default_algorithms = ALL`, and declares ИНН ЮЛ, which OpenSSL 3.0 lacks.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cabinet_sign::gost::{KeySize, ParamSet};

/// The engine's shared object, from `openssl version -e`.
fn engine_path() -> PathBuf {
    let out = Command::new("openssl")
        .args(["version", "-e"])
        .output()
        .expect("openssl is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    let dir = text
        .split('"')
        .nth(1)
        .unwrap_or_else(|| panic!("openssl version -e said {text:?}"));
    let path = Path::new(dir).join("gost.so");
    assert!(
        path.is_file(),
        "{} missing: the test set-up (cargo xtask setup) installs libengine-gost-openssl",
        path.display()
    );
    path
}

/// Writes `gost.cnf` into `dir` and returns its path.
pub fn config(dir: &Path) -> PathBuf {
    let conf = dir.join("gost.cnf");
    std::fs::write(
        &conf,
        format!(
            "openssl_conf = openssl_init\n\
             [openssl_init]\nengines = engine_section\noid_section = oids\n\
             [oids]\nINNLE = 1.2.643.100.4\n\
             [engine_section]\ngost = gost_section\n\
             [gost_section]\nengine_id = gost\ndynamic_path = {}\ndefault_algorithms = ALL\n",
            engine_path().display()
        ),
    )
    .unwrap();
    conf
}

/// Runs `openssl ARGS` with the engine in `dir`, whatever the outcome.
pub fn engine(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .env("OPENSSL_CONF", config(dir))
        .current_dir(dir)
        .output()
        .expect("openssl is installed")
}

/// [`engine`], failing the test when OpenSSL fails.
pub fn engine_ok(dir: &Path, args: &[&str]) -> Output {
    let out = engine(dir, args);
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The parameter sets the engine offers.
pub fn engine_param_sets() -> Vec<ParamSet> {
    cabinet_sign::gost::params::ALL
        .into_iter()
        .filter(|p| p.openssl_name().is_some())
        .collect()
}

/// `gost2012_256` or `gost2012_512`.
pub fn algorithm(p: ParamSet) -> &'static str {
    match p.size() {
        KeySize::Bits256 => "gost2012_256",
        KeySize::Bits512 => "gost2012_512",
    }
}

/// `md_gost12_256` or `md_gost12_512`.
pub fn digest(p: ParamSet) -> &'static str {
    match p.size() {
        KeySize::Bits256 => "md_gost12_256",
        KeySize::Bits512 => "md_gost12_512",
    }
}

/// A key `name.key` with parameter set `p` and a self-signed certificate
/// `name.pem` for it (signature key usage), both made by the engine.
pub fn self_signed(dir: &Path, name: &str, p: ParamSet, subject: &str) {
    let (key, pem) = (format!("{name}.key"), format!("{name}.pem"));
    let paramset = format!("paramset:{}", p.openssl_name().expect("an engine set"));
    engine_ok(
        dir,
        &[
            "genpkey",
            "-algorithm",
            algorithm(p),
            "-pkeyopt",
            &paramset,
            "-out",
            &key,
        ],
    );
    let md = format!("-{}", digest(p));
    engine_ok(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-utf8",
            "-key",
            &key,
            &md,
            "-days",
            "30",
            "-subj",
            subject,
            "-addext",
            "keyUsage=critical,digitalSignature,nonRepudiation,keyCertSign",
            "-addext",
            "basicConstraints=critical,CA:true",
            "-out",
            &pem,
        ],
    );
}

/// Writes `doc` and its detached signature `sig` into `dir` and has the
/// engine's `openssl cms -verify` check the signature (not the chain);
/// fails the test when OpenSSL refuses it.
pub fn openssl_verifies_detached(dir: &Path, doc: &[u8], sig: &[u8]) {
    std::fs::write(dir.join("doc.txt"), doc).unwrap();
    std::fs::write(dir.join("doc.sig"), sig).unwrap();
    engine_ok(
        dir,
        &[
            "cms",
            "-verify",
            "-noverify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "doc.sig",
            "-content",
            "doc.txt",
            "-out",
            "/dev/null",
        ],
    );
}
