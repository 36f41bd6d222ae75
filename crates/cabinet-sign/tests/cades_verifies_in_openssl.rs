//! Our detached CAdES-BES signatures verify in OpenSSL (`cms -verify
//! -cades`), for RSA and ECDSA P-256 keys from .pfx containers, and stop
//! verifying when the content changes.

use std::path::Path;
use std::process::{Command, Output};

use cabinet_sign::cades::sign_detached;
use cabinet_sign::PfxIdentity;

fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed")
}

fn ok(dir: &Path, args: &[&str]) {
    let out = openssl(dir, args);
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a director's .pfx with the given key type.
fn pfx(dir: &Path, newkey: &[&str]) -> PfxIdentity {
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
            "/CN=Демо УЦ",
            "-utf8",
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
        "/CN=Иванов Сергей Петрович/SNILS=11223344595",
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
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            "ext.cnf",
            "-out",
            "user.pem",
        ],
    );
    ok(
        dir,
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
    PfxIdentity::open(&std::fs::read(dir.join("user.pfx")).unwrap(), "pw").unwrap()
}

fn roundtrip(newkey: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let id = pfx(d, newkey);
    let content: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
    std::fs::write(d.join("doc.bin"), &content).unwrap();
    let sig = sign_detached(
        &id,
        std::fs::File::open(d.join("doc.bin")).unwrap(),
        chrono::Utc::now(),
    )
    .unwrap();
    std::fs::write(d.join("doc.sig"), &sig).unwrap();

    let verify = [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        "doc.sig",
        "-content",
        "doc.bin",
        "-CAfile",
        "ca.pem",
        "-cades",
        "-purpose",
        "any",
        "-out",
        "/dev/null",
    ];
    ok(d, &verify);

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
    let out = openssl(d, &verify);
    assert!(!out.status.success(), "a changed document must not verify");
}

#[test]
fn rsa_signature_verifies_in_openssl() {
    roundtrip(&["-newkey", "rsa:2048"]);
}

#[test]
fn ecdsa_p256_signature_verifies_in_openssl() {
    roundtrip(&["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]);
}

/// A second identity (ECDSA) under the same CA, in a subdirectory.
fn second_pfx(dir: &Path) -> PfxIdentity {
    ok(
        dir,
        &[
            "req",
            "-new",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-keyout",
            "acc.key",
            "-out",
            "acc.csr",
            "-subj",
            "/CN=Петрова Анна Викторовна",
            "-utf8",
        ],
    );
    ok(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "acc.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            "ext.cnf",
            "-out",
            "acc.pem",
        ],
    );
    ok(
        dir,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "acc.key",
            "-in",
            "acc.pem",
            "-certfile",
            "ca.pem",
            "-passout",
            "pass:pw",
            "-out",
            "acc.pfx",
        ],
    );
    PfxIdentity::open(&std::fs::read(dir.join("acc.pfx")).unwrap(), "pw").unwrap()
}

#[test]
fn cosigned_file_verifies_in_openssl_and_ours() {
    use cabinet_sign::cades::cosign_detached;
    use cabinet_sign::verify::verify_detached;

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let director = pfx(d, &["-newkey", "rsa:2048"]);
    let accountant = second_pfx(d);
    std::fs::write(
        d.join("doc.bin"),
        "Акт сверки взаимных расчётов".repeat(5000),
    )
    .unwrap();
    let open = || std::fs::File::open(d.join("doc.bin")).unwrap();

    let first = sign_detached(&accountant, open(), chrono::Utc::now()).unwrap();
    let both = cosign_detached(&first, &director, open(), chrono::Utc::now()).unwrap();
    std::fs::write(d.join("doc.sig"), &both).unwrap();
    ok(
        d,
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "doc.sig",
            "-content",
            "doc.bin",
            "-CAfile",
            "ca.pem",
            "-cades",
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
    );
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

    let ca =
        cabinet_sign::CertificateInfo::parse(&std::fs::read(d.join("ca.pem")).unwrap()).unwrap();
    let reports = verify_detached(&both, open(), &[ca]).unwrap();
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
