//! GOST keys on a PKCS#11 token: `cabinet certs | sign --pkcs11` with the
//! workspace's software token (`crates/cabinet-softtoken`), which follows
//! the TC26 conventions Rutoken and JaCarta use. Keys and certificates are
//! made by OpenSSL's GOST engine; OpenSSL verifies what the token signed,
//! whether the token hashes (CKM_GOSTR3410_WITH_GOSTR3411_12_*) or only
//! signs a digest computed here (CKM_GOSTR3410, CKM_GOSTR3410_512).

#[path = "../../cabinet-sign/tests/support/mod.rs"]
mod pki;
mod support;

use std::path::{Path, PathBuf};

use cabinet_sign::gost::ParamSet;
use pki::engine::{engine, engine_ok, self_signed};

/// The software token, built beside the `cabinet` binary.
fn module() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_cabinet"))
        .parent()
        .unwrap()
        .join("libcabinet_softtoken.so");
    assert!(
        path.is_file(),
        "{} is missing: build it with `cargo build -p cabinet-softtoken` (cargo xtask test does)",
        path.display()
    );
    path
}

/// A token folder with the engine's keys `01` (256-bit, CryptoPro A) and
/// `02` (512-bit, TC26 A), their certificates, the PIN, and whether the
/// token hashes.
fn token(d: &Path, hashing: bool) -> PathBuf {
    let dir = d.join(if hashing { "hashing" } else { "digest-only" });
    std::fs::create_dir_all(&dir).unwrap();
    for (id, set, who) in [
        ("01", ParamSet::CryptoProA, "Иванов Иван Иванович"),
        ("02", ParamSet::Tc26_512A, "Петров Пётр Петрович"),
    ] {
        if !d.join(format!("k{id}.der")).exists() {
            self_signed(d, &format!("k{id}"), set, &format!("/CN={who}"));
            engine_ok(
                d,
                &[
                    "pkey",
                    "-in",
                    &format!("k{id}.key"),
                    "-outform",
                    "DER",
                    "-out",
                    &format!("k{id}.der"),
                ],
            );
        }
        std::fs::copy(d.join(format!("k{id}.der")), dir.join(format!("{id}.key"))).unwrap();
        let cert = cabinet_sign::CertificateInfo::parse(
            &std::fs::read(d.join(format!("k{id}.pem"))).unwrap(),
        )
        .unwrap();
        std::fs::write(dir.join(format!("{id}.crt")), cert.der).unwrap();
    }
    std::fs::write(dir.join("pin"), "271828").unwrap();
    std::fs::write(dir.join("label"), "Рутокен ЭЦП 3.0").unwrap();
    std::fs::write(dir.join("hashing"), if hashing { "yes" } else { "no" }).unwrap();
    dir
}

#[test]
fn gost_256_and_512_keys_on_a_token_sign_what_openssl_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let module = module();
    let module = module.to_str().unwrap();
    std::fs::write(d.join("act.txt"), "Акт сверки взаимных расчётов").unwrap();

    for hashing in [true, false] {
        let token = token(d, hashing);
        let token = token.to_str().unwrap();
        let run = |args: &[&str], pin: Option<&str>| {
            let mut env = vec![("CABINET_SOFTTOKEN_DIR", token)];
            if let Some(p) = pin {
                env.push(("CABINET_PIN", p));
            }
            let out = support::cabinet_in(Some(d), args, &env, "");
            (
                out.status.code().unwrap_or(-1),
                support::text(&out.stdout),
                support::text(&out.stderr),
            )
        };

        let (code, out, err) = run(&["certs", "--pkcs11", module], None);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("ГОСТ Р 34.10-2012 (256)"), "{out}");
        assert!(out.contains("ГОСТ Р 34.10-2012 (512)"), "{out}");

        for (id, pem) in [("01", "k01.pem"), ("02", "k02.pem")] {
            let sig = d.join("act.txt.sig");
            let _ = std::fs::remove_file(&sig);
            let (code, _, err) = run(
                &["sign", "act.txt", "--pkcs11", module, "--key-id", id],
                Some("271828"),
            );
            assert_eq!(code, 0, "hashing {hashing}, key {id}: {err}");
            let verified = engine(
                d,
                &pki::cms_verify("act.txt.sig", "act.txt", pem, &["-purpose", "any"]),
            );
            assert!(
                verified.status.success(),
                "hashing {hashing}, key {id}: {}",
                String::from_utf8_lossy(&verified.stderr)
            );
        }

        // The token hashed when it could; else it signed our digest.
        let log = std::fs::read_to_string(Path::new(token).join("mechanisms.log")).unwrap();
        let expected = if hashing {
            "0xd4321008\n0xd4321009\n"
        } else {
            "0x1201\n0xd4321006\n"
        };
        assert_eq!(log, expected);

        // A wrong PIN: the token's own code, nothing written.
        std::fs::write(d.join("memo.txt"), "Служебная записка").unwrap();
        let (code, _, err) = run(
            &["sign", "memo.txt", "--pkcs11", module, "--key-id", "01"],
            Some("000000"),
        );
        assert_eq!(code, 1);
        assert!(err.contains("[token.wrong_pin]"), "{err}");
        assert!(!d.join("memo.txt.sig").exists());
    }
}
