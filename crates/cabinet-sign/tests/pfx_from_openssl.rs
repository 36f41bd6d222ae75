//! PKCS#12 containers exported by the OpenSSL CLI open in ours, and each way
//! of failing gets its own code.

mod support;

use cabinet_sign::{CertificateInfo, PfxIdentity};
use support::{ca, export_pfx, issue, ok};

const PASSWORD: &str = "Пароль-1 for pfx";
const SUBJECT: &str = "/CN=Иванов Сергей Петрович/SNILS=11223344595";

#[test]
fn modern_legacy_and_3des_containers_open() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ca(d, "Демо УЦ");
    issue(d, "user", "ec", SUBJECT);
    ok(
        d,
        &[
            "x509", "-in", "user.pem", "-outform", "DER", "-out", "user.der",
        ],
    );
    let user_der = std::fs::read(d.join("user.der")).unwrap();
    for (name, extra) in [
        ("modern", &[][..]),
        ("legacy", &["-legacy"][..]),
        (
            "3des",
            &[
                "-keypbe",
                "PBE-SHA1-3DES",
                "-certpbe",
                "PBE-SHA1-3DES",
                "-macalg",
                "sha1",
            ][..],
        ),
    ] {
        std::fs::copy(d.join("user.key"), d.join(format!("{name}.key"))).unwrap();
        std::fs::copy(d.join("user.pem"), d.join(format!("{name}.pem"))).unwrap();
        let pfx = export_pfx(d, name, PASSWORD, extra);
        let id = PfxIdentity::open(&pfx, PASSWORD).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            id.certificate().subject_common_name.as_deref(),
            Some("Иванов Сергей Петрович"),
            "{name}"
        );
        assert_eq!(id.certificate().snils.as_deref(), Some("11223344595"));
        assert_eq!(
            id.certificate().der,
            user_der,
            "{name}: the leaf is the key's certificate"
        );
        assert_eq!(id.chain().len(), 1, "{name}");
        assert_eq!(
            id.chain()[0].subject_common_name.as_deref(),
            Some("Демо УЦ")
        );
        let debug = format!("{id:?}");
        assert!(
            !debug.contains("key:"),
            "the key never shows in Debug: {debug}"
        );
    }
}

#[test]
fn wrong_password_and_damage_say_the_same_and_garbage_differs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ca(d, "Демо УЦ");
    issue(d, "user", "ec", SUBJECT);
    let pfx = export_pfx(d, "user", PASSWORD, &[]);

    let err = PfxIdentity::open(&pfx, "wrong").unwrap_err();
    assert_eq!(err.code(), "pfx.wrong_password");
    assert_eq!(err.to_string(), "wrong password or damaged file");

    // A flipped byte inside the encrypted part fails the same integrity check.
    let mut damaged = pfx.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x5a;
    assert_eq!(
        PfxIdentity::open(&damaged, PASSWORD).unwrap_err().code(),
        "pfx.wrong_password"
    );

    let pem = std::fs::read(d.join("user.pem")).unwrap();
    for garbage in [&b"MZ\x90\x00 this is an exe"[..], pem.as_slice()] {
        assert_eq!(
            PfxIdentity::open(garbage, PASSWORD).unwrap_err().code(),
            "pfx.not_pkcs12"
        );
    }
    // A certificate alone (DER) is a SEQUENCE, but not a PFX.
    let cert = CertificateInfo::parse(&std::fs::read(d.join("ca.pem")).unwrap())
        .unwrap()
        .der;
    assert!(matches!(
        PfxIdentity::open(&cert, PASSWORD)
            .unwrap_err()
            .code()
            .as_str(),
        "pfx.damaged" | "pfx.not_pkcs12"
    ));
}
