//! Our CAdES-X Long Type 1 read by others: pyasn1-modules' RFC 5126
//! module decodes every long-term attribute (strict DER), computes the X1
//! data from its own encoding, and `openssl ts -verify` checks our
//! escTimeStamp over those bytes; `openssl crl` checks the CRL we carry.
//! ECDSA with plain OpenSSL, GOST with its engine.
//!
//! The interpreter is the one `cargo xtask test` prepares
//! (`CABINET_PYASN1_PYTHON`); without it this test fails, never skips.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use cabinet_sign::cades::sign_detached;
use cabinet_sign::pki::KeyKind;
use cabinet_sign::{DigestAlgorithm, SigningKey};
use chrono::{Duration, Utc};
use support::engine::engine;
use support::openssl;
use support::world::World;

fn python() -> PathBuf {
    let path = std::env::var_os("CABINET_PYASN1_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/oracles/pyasn1/bin/python")
        });
    assert!(
        path.exists(),
        "{} is missing: `cargo xtask test` prepares the pyasn1-modules oracle",
        path.display()
    );
    path
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn read_by_others(kind: KeyKind, gost: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let run = |args: &[&str]| {
        let out = if gost {
            engine(d, args)
        } else {
            openssl(d, args)
        };
        assert!(
            out.status.success(),
            "openssl {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };

    let w = World::accredited(kind);
    let key = w.person(
        Utc::now() - Duration::days(400),
        Utc::now() - Duration::days(35),
    );
    let signed_at = Utc::now() - Duration::days(100);
    let doc = "Устав ООО «Ромашка», редакция 3".as_bytes();
    let t = w.stamp(&sign_detached(&key, doc, signed_at).unwrap(), signed_at);
    let crl = w.crl(&[], signed_at + Duration::hours(2));
    let xl1 = w.xl1(
        &t,
        std::slice::from_ref(&crl),
        &[],
        signed_at + Duration::hours(3),
    );
    std::fs::write(d.join("sig.der"), &xl1).unwrap();

    let out = Command::new(python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/read_cades_x.py"))
        .arg(d.join("sig.der"))
        .arg(d)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pyasn1-modules: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    // The references: the CA certificate, hashed with the signer's digest.
    let algorithm = DigestAlgorithm::of(&SigningKey::certificate(&key).algorithm);
    let ca = &w.uc.certificate().der;
    let refs = summary["certificate_refs"].as_array().unwrap();
    assert_eq!(refs.len(), 1, "{summary}");
    assert_eq!(refs[0]["hash_algorithm"], algorithm.oid().to_string());
    assert_eq!(refs[0]["hash"], hex(&algorithm.digest(ca)));
    let rev = summary["revocation_refs"].as_array().unwrap();
    assert_eq!(rev.len(), 1, "one CrlOcspRef: the signer's certificate");
    assert_eq!(rev[0]["crls"][0]["hash"], hex(&algorithm.digest(&crl)));
    assert_eq!(summary["certificate_values"], 1);
    assert_eq!(summary["crl_values"], 1);
    assert_eq!(summary["ocsp_values"], 0);
    assert_eq!(std::fs::read(d.join("cert-0.der")).unwrap(), *ca);
    assert_eq!(std::fs::read(d.join("crl-0.der")).unwrap(), crl);

    // OpenSSL: the CRL we carry is the CA's, and the escTimeStamp is a
    // valid token over the X1 data pyasn1 computed.
    for (name, der) in [("ca", ca), ("tsa", &w.tsa.certificate().der)] {
        std::fs::write(d.join(format!("{name}.der")), der).unwrap();
        run(&[
            "x509",
            "-inform",
            "DER",
            "-in",
            &format!("{name}.der"),
            "-out",
            &format!("{name}.pem"),
        ]);
    }
    let said = run(&[
        "crl",
        "-inform",
        "DER",
        "-in",
        "crl-0.der",
        "-CAfile",
        "ca.pem",
        "-noout",
    ]);
    assert!(said.contains("verify OK"), "{said}");
    let x1 = std::fs::read(d.join("x1.bin")).unwrap();
    let said = run(&[
        "ts",
        "-verify",
        "-token_in",
        "-in",
        "esc.der",
        "-digest",
        &hex(&algorithm.digest(&x1)),
        "-CAfile",
        "ca.pem",
        "-untrusted",
        "tsa.pem",
    ]);
    assert!(said.contains("Verification: OK"), "{said}");
    // And not over anything else: the X1 data without the references.
    let wrong = &x1[..x1.len() / 2];
    let out = if gost {
        engine(
            d,
            &[
                "ts",
                "-verify",
                "-token_in",
                "-in",
                "esc.der",
                "-digest",
                &hex(&algorithm.digest(wrong)),
                "-CAfile",
                "ca.pem",
            ],
        )
    } else {
        openssl(
            d,
            &[
                "ts",
                "-verify",
                "-token_in",
                "-in",
                "esc.der",
                "-digest",
                &hex(&algorithm.digest(wrong)),
                "-CAfile",
                "ca.pem",
            ],
        )
    };
    assert!(!out.status.success());
}

#[test]
fn pyasn1_and_openssl_read_our_xl1_ecdsa() {
    read_by_others(KeyKind::EcdsaP256, false);
}

#[test]
fn pyasn1_and_openssl_read_our_xl1_gost() {
    read_by_others(KeyKind::GOST_256, true);
}
