//! Certificates made by the OpenSSL CLI (the independent oracle) parse into
//! the values the cabinet shows: Cyrillic names, ИНН/ИНН ЮЛ/ОГРН/СНИЛС,
//! validity, key usage, algorithm.

use std::path::Path;
use std::process::Command;

use cabinet_sign::{Algorithm, CertificateInfo, ExpiryStatus, KeyUsage};

const CONFIG: &str = r#"
oid_section = new_oids
[new_oids]
# OpenSSL 3.0 does not know ИНН ЮЛ.
INNLE = 1.2.643.100.4
[req]
distinguished_name = dn
prompt = no
utf8 = yes
string_mask = utf8only
[dn]
CN = Иванов Сергей Петрович
SN = Иванов
GN = Сергей Петрович
title = Генеральный директор
O = ООО «Ромашка»
C = RU
SNILS = 11223344595
INN = 770498765431
INNLE = 7704123450
OGRN = 1157746123457
[sig]
keyUsage = critical, digitalSignature, nonRepudiation
[enc]
keyUsage = critical, keyEncipherment
"#;

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

fn make_cert(dir: &Path, name: &str, key: &[&str], ext: &str) -> Vec<u8> {
    std::fs::write(dir.join("openssl.cnf"), CONFIG).unwrap();
    let mut args = vec![
        "req",
        "-x509",
        "-new",
        "-nodes",
        "-config",
        "openssl.cnf",
        "-extensions",
        ext,
        "-days",
        "365",
    ];
    args.extend_from_slice(key);
    let keyfile = format!("{name}.key");
    let certfile = format!("{name}.pem");
    args.extend_from_slice(&["-keyout", &keyfile, "-out", &certfile]);
    openssl(dir, &args);
    std::fs::read(dir.join(certfile)).unwrap()
}

#[test]
fn rsa_certificate_with_russian_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let pem = make_cert(dir.path(), "rsa", &["-newkey", "rsa:2048"], "sig");
    let info = CertificateInfo::parse(&pem).unwrap();
    assert_eq!(
        info.subject_common_name.as_deref(),
        Some("Иванов Сергей Петрович")
    );
    assert_eq!(info.surname.as_deref(), Some("Иванов"));
    assert_eq!(info.given_name.as_deref(), Some("Сергей Петрович"));
    assert_eq!(info.title.as_deref(), Some("Генеральный директор"));
    assert_eq!(info.organization.as_deref(), Some("ООО «Ромашка»"));
    assert_eq!(info.snils.as_deref(), Some("11223344595"));
    assert_eq!(info.inn.as_deref(), Some("770498765431"));
    assert_eq!(info.inn_le.as_deref(), Some("7704123450"));
    assert_eq!(info.ogrn.as_deref(), Some("1157746123457"));
    assert_eq!(info.ogrnip, None);
    assert_eq!(info.algorithm, Algorithm::Rsa { bits: 2048 });
    assert_eq!(
        info.key_usage,
        Some(vec![KeyUsage::DigitalSignature, KeyUsage::NonRepudiation])
    );
    assert!(info.can_sign());
    assert_eq!(
        info.issuer_common_name, info.subject_common_name,
        "self-signed"
    );

    // The same certificate in DER gives the same answer, and OpenSSL agrees
    // on its fingerprint and serial.
    openssl(
        dir.path(),
        &[
            "x509", "-in", "rsa.pem", "-outform", "DER", "-out", "rsa.der",
        ],
    );
    let der = std::fs::read(dir.path().join("rsa.der")).unwrap();
    assert_eq!(CertificateInfo::parse(&der).unwrap(), info);
    assert_eq!(info.der, der);
    let out = Command::new("openssl")
        .args([
            "x509",
            "-in",
            "rsa.pem",
            "-noout",
            "-fingerprint",
            "-sha256",
            "-serial",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            &info
                .sha256
                .as_bytes()
                .chunks(2)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join(":")
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!("serial={}", info.serial.trim_start_matches("00"))),
        "{text} vs {}",
        info.serial
    );
}

#[test]
fn ecdsa_certificate_and_validity_window() {
    let dir = tempfile::tempdir().unwrap();
    let pem = make_cert(
        dir.path(),
        "ec",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "enc",
    );
    let info = CertificateInfo::parse(&pem).unwrap();
    assert_eq!(
        info.algorithm,
        Algorithm::Ecdsa {
            curve: "P-256".into()
        }
    );
    assert_eq!(info.algorithm.display_name(), "ECDSA P-256");
    assert_eq!(info.key_usage, Some(vec![KeyUsage::KeyEncipherment]));
    assert!(!info.can_sign(), "an encryption-only key must not sign");

    let now = chrono::Utc::now();
    assert_eq!(info.expiry_status(now), ExpiryStatus::Valid);
    assert_eq!(
        info.expiry_status(info.not_before - chrono::Duration::seconds(1)),
        ExpiryStatus::NotYetValid
    );
    assert_eq!(
        info.expiry_status(info.not_after + chrono::Duration::seconds(1)),
        ExpiryStatus::Expired
    );
    assert_eq!(
        info.expiry_status(
            info.not_after - chrono::Duration::days(10) - chrono::Duration::hours(1)
        ),
        ExpiryStatus::ExpiresSoon { days_left: 10 }
    );
    let days = (info.not_after - info.not_before).num_days();
    assert!((364..=366).contains(&days), "{days}");
}

#[test]
fn garbage_and_truncated_input_is_a_malformed_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let pem = make_cert(dir.path(), "rsa", &["-newkey", "rsa:2048"], "sig");
    let der = CertificateInfo::parse(&pem).unwrap().der;
    for bad in [
        &b"not a certificate"[..],
        &der[..der.len() / 2],
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        b"",
    ] {
        let err = CertificateInfo::parse(bad).unwrap_err();
        assert_eq!(err.code(), "cert.malformed");
    }
}
