//! A certificate revoked by `openssl ca` fails verification with
//! `sig.revoked` when the CA's CRL is configured; a CRL from a stranger is
//! ignored; without a CRL the same signature verifies.

use std::path::Path;
use std::process::Command;

use cabinet_sign::verify::{verify_detached_with, Trust};
use cabinet_sign::{cades::sign_detached, CertificateInfo, PfxIdentity};

fn ok(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const CA_CONF: &str = "[ca]\ndefault_ca = ca_default\n[ca_default]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\n";

fn ca(dir: &Path, name: &str) {
    std::fs::create_dir_all(dir).unwrap();
    ok(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-nodes",
            "-newkey",
            "rsa:2048",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "30",
            "-subj",
            &format!("/CN={name}"),
        ],
    );
    std::fs::write(dir.join("ca.cnf"), CA_CONF).unwrap();
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("crlnumber"), "1000\n").unwrap();
}

#[test]
fn revoked_certificate_is_refused_with_its_code() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ca(d, "Демо УЦ");
    ok(
        d,
        &[
            "req",
            "-new",
            "-nodes",
            "-newkey",
            "rsa:2048",
            "-keyout",
            "u.key",
            "-out",
            "u.csr",
            "-subj",
            "/CN=Уволенный сотрудник",
            "-utf8",
        ],
    );
    ok(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "u.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-out",
            "u.pem",
        ],
    );
    ok(
        d,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "u.key",
            "-in",
            "u.pem",
            "-certfile",
            "ca.pem",
            "-passout",
            "pass:pw",
            "-out",
            "u.pfx",
        ],
    );
    let id = PfxIdentity::open(&std::fs::read(d.join("u.pfx")).unwrap(), "pw").unwrap();
    std::fs::write(d.join("doc.txt"), "Приказ").unwrap();
    let sig = sign_detached(&id, &b"\xd0\x9f"[..], chrono::Utc::now()).unwrap();
    let root = CertificateInfo::parse(&std::fs::read(d.join("ca.pem")).unwrap()).unwrap();

    // Before revocation: an (empty) CRL from the CA, and the signature verifies.
    ok(
        d,
        &[
            "ca",
            "-config",
            "ca.cnf",
            "-gencrl",
            "-keyfile",
            "ca.key",
            "-cert",
            "ca.pem",
            "-out",
            "empty.crl",
        ],
    );
    let trust = |crl: &str| Trust {
        roots: vec![root.clone()],
        crls: vec![std::fs::read(d.join(crl)).unwrap()],
    };
    verify_detached_with(&sig, &b"\xd0\x9f"[..], &trust("empty.crl")).unwrap();

    ok(
        d,
        &[
            "ca", "-config", "ca.cnf", "-revoke", "u.pem", "-keyfile", "ca.key", "-cert", "ca.pem",
        ],
    );
    ok(
        d,
        &[
            "ca",
            "-config",
            "ca.cnf",
            "-gencrl",
            "-keyfile",
            "ca.key",
            "-cert",
            "ca.pem",
            "-out",
            "revoked.crl",
        ],
    );
    let err = verify_detached_with(&sig, &b"\xd0\x9f"[..], &trust("revoked.crl")).unwrap_err();
    assert_eq!(err.code(), "sig.revoked");
    // DER works as well as PEM.
    ok(
        d,
        &[
            "crl",
            "-in",
            "revoked.crl",
            "-outform",
            "DER",
            "-out",
            "revoked.der",
        ],
    );
    assert_eq!(
        verify_detached_with(&sig, &b"\xd0\x9f"[..], &trust("revoked.der"))
            .unwrap_err()
            .code(),
        "sig.revoked"
    );

    // A CRL with the same issuer name but signed by another key is ignored.
    let other = d.join("other");
    ca(&other, "Демо УЦ");
    std::fs::write(
        other.join("index.txt"),
        std::fs::read(d.join("index.txt")).unwrap(),
    )
    .unwrap();
    ok(
        &other,
        &[
            "ca",
            "-config",
            "ca.cnf",
            "-gencrl",
            "-keyfile",
            "ca.key",
            "-cert",
            "ca.pem",
            "-out",
            "forged.crl",
        ],
    );
    let forged = Trust {
        roots: vec![root.clone()],
        crls: vec![std::fs::read(other.join("forged.crl")).unwrap()],
    };
    verify_detached_with(&sig, &b"\xd0\x9f"[..], &forged).unwrap();

    assert_eq!(
        verify_detached_with(
            &sig,
            &b"\xd0\x9f"[..],
            &Trust {
                roots: vec![root],
                crls: vec![b"junk".to_vec()]
            }
        )
        .unwrap_err()
        .code(),
        "crl.malformed"
    );
}
