//! PKCS#12 containers exported by the OpenSSL CLI open in ours, and each way
//! of failing gets its own code.

use std::path::Path;
use std::process::Command;

use cabinet_sign::PfxIdentity;

const PASSWORD: &str = "Пароль-1 for pfx";

fn openssl(dir: &Path, args: &[&str]) {
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

/// A CA, a director's certificate it issued, and the director's key.
fn identity(dir: &Path) {
    openssl(
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
            "/CN=Демо УЦ/O=OrgCabinet",
            "-utf8",
        ],
    );
    openssl(
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
            "user.key",
            "-out",
            "user.csr",
            "-subj",
            "/CN=Иванов Сергей Петрович/SNILS=11223344595",
            "-utf8",
        ],
    );
    openssl(
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
            "-out",
            "user.pem",
        ],
    );
}

fn export(dir: &Path, out: &str, extra: &[&str]) -> Vec<u8> {
    let pass = format!("pass:{PASSWORD}");
    let mut args = vec![
        "pkcs12",
        "-export",
        "-inkey",
        "user.key",
        "-in",
        "user.pem",
        "-certfile",
        "ca.pem",
        "-passout",
        &pass,
        "-out",
        out,
    ];
    args.extend_from_slice(extra);
    openssl(dir, &args);
    std::fs::read(dir.join(out)).unwrap()
}

#[test]
fn modern_legacy_and_3des_containers_open() {
    let dir = tempfile::tempdir().unwrap();
    identity(dir.path());
    let user_der = {
        openssl(
            dir.path(),
            &[
                "x509", "-in", "user.pem", "-outform", "DER", "-out", "user.der",
            ],
        );
        std::fs::read(dir.path().join("user.der")).unwrap()
    };
    for (name, extra) in [
        ("modern.pfx", &[][..]),
        ("legacy.pfx", &["-legacy"][..]),
        (
            "3des.pfx",
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
        let pfx = export(dir.path(), name, extra);
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
    identity(dir.path());
    let pfx = export(dir.path(), "modern.pfx", &[]);

    let err = PfxIdentity::open(&pfx, "wrong").unwrap_err();
    assert_eq!(err.code(), "pfx.wrong_password");
    assert_eq!(err.to_string(), "wrong password or damaged file");

    // A flipped byte inside the encrypted part fails the same integrity check.
    let mut damaged = pfx.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x5a;
    let err = PfxIdentity::open(&damaged, PASSWORD).unwrap_err();
    assert_eq!(err.code(), "pfx.wrong_password");

    for garbage in [
        &b"MZ\x90\x00 this is an exe"[..],
        std::fs::read(dir.path().join("user.pem"))
            .unwrap()
            .as_slice(),
    ] {
        assert_eq!(
            PfxIdentity::open(garbage, PASSWORD).unwrap_err().code(),
            "pfx.not_pkcs12"
        );
    }
    // A certificate alone (DER) is a SEQUENCE, but not a PFX.
    let der = std::fs::read(dir.path().join("ca.pem")).unwrap();
    let cert = cabinet_sign::CertificateInfo::parse(&der).unwrap().der;
    assert!(matches!(
        PfxIdentity::open(&cert, PASSWORD).unwrap_err().code(),
        "pfx.damaged" | "pfx.not_pkcs12"
    ));
}
