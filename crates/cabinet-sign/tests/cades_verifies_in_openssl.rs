//! Our detached CAdES-BES signatures verify in OpenSSL (`cms -verify
//! -cades`), for RSA and ECDSA P-256 keys from .pfx containers, also
//! co-signed, and stop verifying when the content changes.

mod support;

use std::path::Path;

use cabinet_sign::cades::{cosign_detached, sign_detached};
use cabinet_sign::verify::verify_detached;
use support::{ca, cert, identity, issue, openssl};

fn openssl_verifies(dir: &Path) -> bool {
    let args = "cms -verify -binary -inform DER -in doc.sig -content doc.bin -CAfile ca.pem -cades -purpose any -out /dev/null";
    openssl(dir, &args.split(' ').collect::<Vec<_>>())
        .status
        .success()
}

fn roundtrip(newkey: &str) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ca(d, "Демо УЦ");
    issue(
        d,
        "user",
        newkey,
        "/CN=Иванов Сергей Петрович/SNILS=11223344595",
    );
    let id = identity(d, "user");
    let content: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
    std::fs::write(d.join("doc.bin"), &content).unwrap();
    let sig = sign_detached(
        &id,
        std::fs::File::open(d.join("doc.bin")).unwrap(),
        chrono::Utc::now(),
    )
    .unwrap();
    std::fs::write(d.join("doc.sig"), &sig).unwrap();
    assert!(openssl_verifies(d));

    // OpenSSL sees our signed attributes.
    let out = openssl(
        d,
        &[
            "cms", "-cmsout", "-print", "-inform", "DER", "-in", "doc.sig",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for attr in [
        "contentType",
        "messageDigest",
        "signingTime",
        "id-smime-aa-signingCertificateV2",
    ] {
        assert!(text.contains(attr), "{attr} missing:\n{text}");
    }

    // One changed byte in the content: OpenSSL refuses.
    let mut changed = content.clone();
    changed[123_456] ^= 1;
    std::fs::write(d.join("doc.bin"), &changed).unwrap();
    assert!(!openssl_verifies(d), "a changed document must not verify");
}

#[test]
fn rsa_signature_verifies_in_openssl() {
    roundtrip("rsa:2048");
}

#[test]
fn ecdsa_p256_signature_verifies_in_openssl() {
    roundtrip("ec");
}

#[test]
fn cosigned_file_verifies_in_openssl_and_ours() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ca(d, "Демо УЦ");
    issue(d, "director", "rsa:2048", "/CN=Иванов Сергей Петрович");
    issue(d, "accountant", "ec", "/CN=Петрова Анна Викторовна");
    let (director, accountant) = (identity(d, "director"), identity(d, "accountant"));
    std::fs::write(
        d.join("doc.bin"),
        "Акт сверки взаимных расчётов".repeat(5000),
    )
    .unwrap();
    let open = || std::fs::File::open(d.join("doc.bin")).unwrap();

    let first = sign_detached(&accountant, open(), chrono::Utc::now()).unwrap();
    let both = cosign_detached(&first, &director, open(), chrono::Utc::now()).unwrap();
    std::fs::write(d.join("doc.sig"), &both).unwrap();
    assert!(openssl_verifies(d));
    let out = openssl(
        d,
        &[
            "cms", "-cmsout", "-print", "-inform", "DER", "-in", "doc.sig",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.matches("signatureAlgorithm:").count(),
        2,
        "two signers:\n{text}"
    );

    let reports = verify_detached(&both, open(), &[cert(d, "ca.pem")]).unwrap();
    let mut names: Vec<_> = reports
        .iter()
        .map(|r| r.certificate.subject_common_name.clone().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["Иванов Сергей Петрович", "Петрова Анна Викторовна"]);

    // Co-signing a different document is refused: nobody could verify it.
    let err = cosign_detached(
        &first,
        &director,
        &b"another document"[..],
        chrono::Utc::now(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "sig.content_changed");
}
