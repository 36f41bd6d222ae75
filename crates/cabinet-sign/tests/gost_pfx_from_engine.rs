//! GOST .pfx containers made by OpenSSL's GOST engine open in ours: AES
//! (read by the PKCS#12 crate), GOST 28147-89 with a Streebog-512 or a
//! SHA-256 MAC, and Kuznyechik CTR-ACPKM (read by our own parser). A chain
//! of several certificates makes the encrypted certificate bag longer than
//! 1 KiB, so GOST 28147-89 key meshing is exercised; a wrong password is
//! told apart from damage.

mod support;

use cabinet_sign::cades::sign_detached;
use cabinet_sign::gost::ParamSet;
use cabinet_sign::verify::verify_detached;
use cabinet_sign::{CertificateInfo, PfxIdentity};
use support::engine::{engine_ok, self_signed};

const PASSWORD: &str = "Пароль для ГОСТ 1";

fn export(d: &std::path::Path, name: &str, extra: &[&str]) -> Vec<u8> {
    let out = format!("{name}.pfx");
    let pass = format!("pass:{PASSWORD}");
    let mut args = vec![
        "pkcs12",
        "-export",
        "-inkey",
        "user.key",
        "-in",
        "user.pem",
        "-certfile",
        "others.pem",
        "-passout",
        &pass,
        "-out",
        &out,
    ];
    args.extend_from_slice(extra);
    engine_ok(d, &args);
    std::fs::read(d.join(out)).unwrap()
}

#[test]
fn engine_containers_open_with_every_protection() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    self_signed(d, "user", ParamSet::Tc26_256A, "/CN=Иванов Сергей Петрович");
    // Three more certificates travel in the container: the encrypted
    // certificate bag passes 1 KiB, where GOST 28147-89 meshes its key.
    let mut others = Vec::new();
    for (i, p) in [
        ParamSet::CryptoProA,
        ParamSet::Tc26_512A,
        ParamSet::Tc26_512C,
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("other{i}");
        self_signed(d, &name, p, &format!("/CN=Удостоверяющий центр {i}"));
        others.extend(std::fs::read(d.join(format!("{name}.pem"))).unwrap());
    }
    std::fs::write(d.join("others.pem"), &others).unwrap();
    let user = CertificateInfo::parse(&std::fs::read(d.join("user.pem")).unwrap()).unwrap();

    for (name, extra) in [
        ("aes", &[][..]),
        (
            "gost89",
            &[
                "-keypbe",
                "gost89",
                "-certpbe",
                "gost89",
                "-macalg",
                "md_gost12_512",
            ][..],
        ),
        (
            "gost89-sha256-mac",
            &["-keypbe", "gost89", "-certpbe", "gost89"][..],
        ),
        (
            "kuznyechik",
            &[
                "-keypbe",
                "kuznyechik-ctr-acpkm",
                "-certpbe",
                "kuznyechik-ctr-acpkm",
                "-macalg",
                "md_gost12_256",
            ][..],
        ),
    ] {
        let bytes = export(d, name, extra);
        let id = PfxIdentity::open(&bytes, PASSWORD)
            .unwrap_or_else(|e| panic!("{name}: {e} ({})", e.code()));
        assert_eq!(id.certificate().sha256, user.sha256, "{name}");
        // The others are no issuers of the key's certificate.
        assert!(id.chain().is_empty(), "{name}");
        // The key signs, and the signature verifies.
        let sig = sign_detached(&id, &b"acceptance act"[..], chrono::Utc::now()).unwrap();
        verify_detached(&sig, &b"acceptance act"[..], std::slice::from_ref(&user)).unwrap();

        let err = PfxIdentity::open(&bytes, "не тот пароль").unwrap_err();
        assert_eq!(err.code(), "pfx.wrong_password", "{name}");
        let mut damaged = bytes.clone();
        let middle = damaged.len() / 2;
        damaged[middle] ^= 0x40;
        let err = PfxIdentity::open(&damaged, PASSWORD).unwrap_err();
        assert!(
            ["pfx.wrong_password", "pfx.damaged"].contains(&err.code().as_str()),
            "{name}: {}",
            err.code()
        );
    }
}
