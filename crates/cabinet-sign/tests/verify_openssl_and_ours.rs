//! `openssl cms -sign -cades` output verifies in ours, and every way a
//! signature can be wrong gets its own code: content changed, signature
//! bytes broken, certificate expired or not yet valid at signing time,
//! untrusted chain.

use std::path::Path;
use std::process::Command;

use base64::Engine;
use cabinet_sign::cades::sign_detached;
use cabinet_sign::verify::{verify_detached, ChainStatus};
use cabinet_sign::{CertificateInfo, PfxIdentity};

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

/// CA `name`.pem/.key, and a user certificate it issued with the key type.
fn pki(dir: &Path, ca: &str, newkey: &[&str]) {
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
            &format!("{ca}.key"),
            "-out",
            &format!("{ca}.pem"),
            "-days",
            "30",
            "-subj",
            &format!("/CN={ca}"),
        ],
    );
    let mut req = vec!["req", "-new", "-nodes"];
    req.extend_from_slice(newkey);
    req.extend_from_slice(&[
        "-keyout",
        "user.key",
        "-out",
        "user.csr",
        "-subj",
        "/CN=Петрова Анна Викторовна/O=ООО «Ромашка»/SNILS=11223344595/OGRN=1157746123457",
        "-utf8",
    ]);
    ok(dir, &req);
    std::fs::write(
        dir.join("ext.cnf"),
        "keyUsage = critical, digitalSignature, nonRepudiation\n",
    )
    .unwrap();
    ok(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "user.csr",
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            "ext.cnf",
            "-out",
            "user.pem",
        ],
    );
    std::fs::write(
        dir.join("doc.txt"),
        "Заявление о выдаче лицензии\n".repeat(1000),
    )
    .unwrap();
}

fn root(dir: &Path, ca: &str) -> CertificateInfo {
    CertificateInfo::parse(&std::fs::read(dir.join(format!("{ca}.pem"))).unwrap()).unwrap()
}

fn doc(dir: &Path) -> std::fs::File {
    std::fs::File::open(dir.join("doc.txt")).unwrap()
}

fn openssl_signs(newkey: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    pki(d, "ca", newkey);
    ok(
        d,
        &[
            "cms",
            "-sign",
            "-binary",
            "-cades",
            "-md",
            "sha256",
            "-in",
            "doc.txt",
            "-signer",
            "user.pem",
            "-inkey",
            "user.key",
            "-certfile",
            "ca.pem",
            "-outform",
            "DER",
            "-out",
            "doc.sig",
        ],
    );
    let sig = std::fs::read(d.join("doc.sig")).unwrap();

    let reports = verify_detached(&sig, doc(d), &[root(d, "ca")]).unwrap();
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(
        r.certificate.subject_common_name.as_deref(),
        Some("Петрова Анна Викторовна")
    );
    assert_eq!(r.certificate.organization.as_deref(), Some("ООО «Ромашка»"));
    assert_eq!(r.certificate.snils.as_deref(), Some("11223344595"));
    assert_eq!(r.certificate.ogrn.as_deref(), Some("1157746123457"));
    assert_eq!(r.chain, ChainStatus::Trusted);
    let t = r.signing_time.expect("OpenSSL adds signingTime");
    assert!((chrono::Utc::now() - t).num_seconds().abs() < 300);

    // Base64 (what some tools save) is accepted too.
    let b64 = base64::engine::general_purpose::STANDARD.encode(&sig);
    verify_detached(b64.as_bytes(), doc(d), &[root(d, "ca")]).unwrap();
    // Without roots the chain is reported as not checked.
    assert_eq!(
        verify_detached(&sig, doc(d), &[]).unwrap()[0].chain,
        ChainStatus::NotChecked
    );

    // Content changed.
    let mut changed = std::fs::read(d.join("doc.txt")).unwrap();
    changed[10] ^= 1;
    let err = verify_detached(&sig, &changed[..], &[root(d, "ca")]).unwrap_err();
    assert_eq!(err.code(), "sig.content_changed");

    // Signature bytes broken: the signature value is the last field of the
    // only SignerInfo, so its last byte is the file's last byte.
    let mut broken = sig.clone();
    let last = broken.len() - 1;
    broken[last] ^= 0x01;
    assert_eq!(
        verify_detached(&broken, doc(d), &[root(d, "ca")])
            .unwrap_err()
            .code(),
        "sig.broken"
    );

    // Another CA is not trusted.
    let other = tempfile::tempdir().unwrap();
    ok(
        other.path(),
        &[
            "req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", "x.key", "-out",
            "x.pem", "-days", "30", "-subj", "/CN=ca",
        ],
    );
    let stranger = root(other.path(), "x");
    assert_eq!(
        verify_detached(&sig, doc(d), &[stranger])
            .unwrap_err()
            .code(),
        "sig.untrusted"
    );
}

#[test]
fn openssl_rsa_signature_verifies_in_ours() {
    openssl_signs(&["-newkey", "rsa:2048"]);
}

#[test]
fn openssl_ecdsa_signature_verifies_in_ours() {
    openssl_signs(&["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]);
}

#[test]
fn certificate_validity_is_judged_at_signing_time() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    pki(d, "ca", &["-newkey", "rsa:2048"]);
    ok(
        d,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "user.key",
            "-in",
            "user.pem",
            "-certfile",
            "ca.pem",
            "-passout",
            "pass:pw",
            "-out",
            "user.pfx",
        ],
    );
    let id = PfxIdentity::open(&std::fs::read(d.join("user.pfx")).unwrap(), "pw").unwrap();
    let cert = id.certificate().clone();

    let good = sign_detached(&id, doc(d), chrono::Utc::now()).unwrap();
    let r = verify_detached(&good, doc(d), &[root(d, "ca")]).unwrap();
    assert_eq!(r[0].chain, ChainStatus::Trusted);

    let late = sign_detached(&id, doc(d), cert.not_after + chrono::Duration::days(1)).unwrap();
    assert_eq!(
        verify_detached(&late, doc(d), &[root(d, "ca")])
            .unwrap_err()
            .code(),
        "sig.cert_expired"
    );

    let early = sign_detached(&id, doc(d), cert.not_before - chrono::Duration::days(1)).unwrap();
    assert_eq!(
        verify_detached(&early, doc(d), &[root(d, "ca")])
            .unwrap_err()
            .code(),
        "sig.cert_not_yet_valid"
    );

    assert_eq!(
        verify_detached(b"\x30\x03\x02\x01\x01", doc(d), &[])
            .unwrap_err()
            .code(),
        "sig.malformed"
    );
    assert_eq!(
        verify_detached(b"not base64 !!", doc(d), &[])
            .unwrap_err()
            .code(),
        "sig.malformed"
    );
}
