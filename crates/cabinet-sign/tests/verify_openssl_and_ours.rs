//! `openssl cms -sign -cades` output verifies in ours, and every way a
//! signature can be wrong gets its own code: content changed, signature
//! bytes broken, certificate expired or not yet valid at signing time,
//! untrusted chain.

mod support;

use std::path::Path;

use base64::Engine;
use cabinet_sign::cades::sign_detached;
use cabinet_sign::verify::{verify_detached, ChainStatus};
use support::{ca, cert, identity, issue, ok};

const SUBJECT: &str =
    "/CN=Петрова Анна Викторовна/O=ООО «Ромашка»/SNILS=11223344595/OGRN=1157746123457";

fn setup(dir: &Path, newkey: &str) {
    ca(dir, "ca");
    issue(dir, "user", newkey, SUBJECT);
    std::fs::write(
        dir.join("doc.txt"),
        "Заявление о выдаче лицензии\n".repeat(1000),
    )
    .unwrap();
}

fn doc(dir: &Path) -> std::fs::File {
    std::fs::File::open(dir.join("doc.txt")).unwrap()
}

fn openssl_signs(newkey: &str) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d, newkey);
    let sign = "cms -sign -binary -cades -md sha256 -in doc.txt -signer user.pem -inkey user.key -certfile ca.pem -outform DER -out doc.sig";
    ok(d, &sign.split(' ').collect::<Vec<_>>());
    let sig = std::fs::read(d.join("doc.sig")).unwrap();
    let root = || cert(d, "ca.pem");

    let reports = verify_detached(&sig, doc(d), &[root()]).unwrap();
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
    verify_detached(b64.as_bytes(), doc(d), &[root()]).unwrap();
    // Without roots the chain is reported as not checked.
    assert_eq!(
        verify_detached(&sig, doc(d), &[]).unwrap()[0].chain,
        ChainStatus::NotChecked
    );

    // Content changed.
    let mut changed = std::fs::read(d.join("doc.txt")).unwrap();
    changed[10] ^= 1;
    assert_eq!(
        verify_detached(&sig, &changed[..], &[root()])
            .unwrap_err()
            .code(),
        "sig.content_changed"
    );

    // Signature bytes broken: the signature value is the last field of the
    // only SignerInfo, so its last byte is the file's last byte.
    let mut broken = sig.clone();
    let last = broken.len() - 1;
    broken[last] ^= 0x01;
    assert_eq!(
        verify_detached(&broken, doc(d), &[root()])
            .unwrap_err()
            .code(),
        "sig.broken"
    );

    // Another CA with the same name is not trusted.
    let other = tempfile::tempdir().unwrap();
    ca(other.path(), "ca");
    let stranger = cert(other.path(), "ca.pem");
    assert_eq!(
        verify_detached(&sig, doc(d), &[stranger])
            .unwrap_err()
            .code(),
        "sig.untrusted"
    );
}

#[test]
fn openssl_rsa_signature_verifies_in_ours() {
    openssl_signs("rsa:2048");
}

#[test]
fn openssl_ecdsa_signature_verifies_in_ours() {
    openssl_signs("ec");
}

#[test]
fn certificate_validity_is_judged_at_signing_time() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d, "rsa:2048");
    let id = identity(d, "user");
    let c = id.certificate().clone();
    let root = || cert(d, "ca.pem");

    let good = sign_detached(&id, doc(d), chrono::Utc::now()).unwrap();
    assert_eq!(
        verify_detached(&good, doc(d), &[root()]).unwrap()[0].chain,
        ChainStatus::Trusted
    );

    let late = sign_detached(&id, doc(d), c.not_after + chrono::Duration::days(1)).unwrap();
    assert_eq!(
        verify_detached(&late, doc(d), &[root()])
            .unwrap_err()
            .code(),
        "sig.cert_expired"
    );

    let early = sign_detached(&id, doc(d), c.not_before - chrono::Duration::days(1)).unwrap();
    assert_eq!(
        verify_detached(&early, doc(d), &[root()])
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

#[test]
fn unsupported_algorithm_has_its_own_code() {
    // ECDSA on P-384 is valid CMS that this verifier does not implement:
    // the answer must say so, not claim the signature is broken.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ca(d, "ca");
    let req = "req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-384 -keyout p384.key -out p384.csr -subj /CN=p384";
    ok(d, &req.split(' ').collect::<Vec<_>>());
    let x509 =
        "x509 -req -in p384.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -out p384.pem";
    ok(d, &x509.split(' ').collect::<Vec<_>>());
    std::fs::write(d.join("doc.txt"), "Заявление").unwrap();
    let sign = "cms -sign -binary -md sha256 -in doc.txt -signer p384.pem -inkey p384.key -outform DER -out doc.sig";
    ok(d, &sign.split(' ').collect::<Vec<_>>());
    let sig = std::fs::read(d.join("doc.sig")).unwrap();
    let err = verify_detached(&sig, doc(d), &[cert(d, "ca.pem")]).unwrap_err();
    assert_eq!(err.code(), "sign.unsupported_algorithm");
}
