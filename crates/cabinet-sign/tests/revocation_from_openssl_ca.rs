//! A certificate revoked by `openssl ca` fails verification with
//! `sig.revoked` when the CA's CRL is configured; a CRL with the same issuer
//! name but another key is ignored; without revocation it verifies.

mod support;

use std::path::Path;

use cabinet_sign::cades::sign_detached;
use cabinet_sign::verify::{verify_detached_with, Trust};
use support::{ca, cert, identity, issue, ok};

const CA_CONF: &str = "[ca]\ndefault_ca = ca_default\n[ca_default]\ndatabase = index.txt\n\
                       crlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\n";

/// A CA that can revoke and publish CRLs (`openssl ca`).
fn ca_with_database(dir: &Path, name: &str) {
    ca(dir, name);
    std::fs::write(dir.join("ca.cnf"), CA_CONF).unwrap();
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("crlnumber"), "1000\n").unwrap();
}

fn gencrl(dir: &Path, out: &str) {
    ok(
        dir,
        &[
            "ca", "-config", "ca.cnf", "-gencrl", "-keyfile", "ca.key", "-cert", "ca.pem", "-out",
            out,
        ],
    );
}

#[test]
fn revoked_certificate_is_refused_with_its_code() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ca_with_database(d, "Демо УЦ");
    issue(d, "u", "rsa:2048", "/CN=Уволенный сотрудник");
    let id = identity(d, "u");
    let content = "Приказ".as_bytes();
    let sig = sign_detached(&id, content, chrono::Utc::now()).unwrap();
    let root = cert(d, "ca.pem");
    let trust = |dir: &Path, crl: &str| Trust {
        roots: vec![root.clone()],
        crls: vec![std::fs::read(dir.join(crl)).unwrap()],
    };

    // Before revocation: an empty CRL from the CA, and the signature verifies.
    gencrl(d, "empty.crl");
    verify_detached_with(&sig, content, &trust(d, "empty.crl")).unwrap();

    ok(
        d,
        &[
            "ca", "-config", "ca.cnf", "-revoke", "u.pem", "-keyfile", "ca.key", "-cert", "ca.pem",
        ],
    );
    gencrl(d, "revoked.crl");
    assert_eq!(
        verify_detached_with(&sig, content, &trust(d, "revoked.crl"))
            .unwrap_err()
            .code(),
        "sig.revoked"
    );
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
        verify_detached_with(&sig, content, &trust(d, "revoked.der"))
            .unwrap_err()
            .code(),
        "sig.revoked"
    );

    // A CRL with the same issuer name and the same list, signed by another
    // key, is ignored.
    let other = d.join("other");
    ca_with_database(&other, "Демо УЦ");
    std::fs::copy(d.join("index.txt"), other.join("index.txt")).unwrap();
    gencrl(&other, "forged.crl");
    verify_detached_with(&sig, content, &trust(&other, "forged.crl")).unwrap();

    let junk = Trust {
        roots: vec![root],
        crls: vec![b"junk".to_vec()],
    };
    assert_eq!(
        verify_detached_with(&sig, content, &junk)
            .unwrap_err()
            .code(),
        "crl.malformed"
    );
}
