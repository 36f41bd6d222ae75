//! The built-in CA (used by the demo portal) is checked by OpenSSL: its
//! certificates verify with `openssl verify`, its .pfx opens with
//! `openssl pkcs12`, its CRL verifies with `openssl crl`, and a signature by
//! an issued key verifies with `openssl cms`. Then our own verifier agrees.
//! GOST keys are checked by OpenSSL with its GOST engine.

mod support;

use cabinet_sign::cades::sign_detached;
use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
use cabinet_sign::verify::{verify_detached_with, Trust};
use cabinet_sign::{KeyUsage, PfxIdentity, SigningKey};
use chrono::{Duration, Utc};
use support::engine::engine;
use support::openssl;

fn request(kind: KeyKind, profile: Profile, subject: Subject) -> Request {
    Request {
        kind,
        subject,
        not_before: Utc::now() - Duration::days(1),
        not_after: Utc::now() + Duration::days(365),
        profile,
    }
}

fn director() -> Subject {
    Subject {
        common_name: "Иванова Мария Петровна".into(),
        surname: Some("Иванова".into()),
        given_name: Some("Мария Петровна".into()),
        title: Some("Генеральный директор".into()),
        organization: Some("ООО «Ромашка»".into()),
        inn: Some("500100732259".into()),
        inn_le: Some("7707083893".into()),
        ogrn: Some("1027700132195".into()),
        snils: Some("11223344595".into()),
        ..Subject::default()
    }
}

/// OpenSSL, with the GOST engine for GOST keys.
fn openssl_for(gost: bool, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    if gost {
        engine(dir, args)
    } else {
        openssl(dir, args)
    }
}

fn ok_for(gost: bool, dir: &std::path::Path, args: &[&str]) {
    let out = openssl_for(gost, dir, args);
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn check(kind: KeyKind) {
    let gost = matches!(kind, KeyKind::Gost(_));
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let root = IssuedKey::new_root(&request(
        kind,
        Profile::Root,
        Subject {
            common_name: "Демо УЦ".into(),
            organization: Some("Демо".into()),
            ..Subject::default()
        },
    ))
    .unwrap();
    let user = root
        .issue(&request(kind, Profile::Signer, director()))
        .unwrap();
    let info = user.certificate();
    assert_eq!(info.snils.as_deref(), Some("11223344595"));
    assert_eq!(info.inn.as_deref(), Some("500100732259"));
    assert_eq!(info.inn_le.as_deref(), Some("7707083893"));
    assert_eq!(info.ogrn.as_deref(), Some("1027700132195"));
    assert_eq!(info.organization.as_deref(), Some("ООО «Ромашка»"));
    assert!(info.can_sign());
    assert_eq!(
        info.key_usage.as_deref(),
        Some(&[KeyUsage::DigitalSignature, KeyUsage::NonRepudiation][..])
    );

    std::fs::write(d.join("ca.der"), &root.certificate().der).unwrap();
    std::fs::write(d.join("user.der"), &info.der).unwrap();
    ok_for(
        gost,
        d,
        &["x509", "-inform", "DER", "-in", "ca.der", "-out", "ca.pem"],
    );
    ok_for(
        gost,
        d,
        &[
            "x509", "-inform", "DER", "-in", "user.der", "-out", "user.pem",
        ],
    );
    ok_for(gost, d, &["verify", "-CAfile", "ca.pem", "user.pem"]);

    // The .pfx opens in OpenSSL and in ours.
    let pfx = user.to_pfx("Пароль-1").unwrap();
    std::fs::write(d.join("user.pfx"), &pfx).unwrap();
    ok_for(
        gost,
        d,
        &[
            "pkcs12",
            "-in",
            "user.pfx",
            "-passin",
            "pass:Пароль-1",
            "-nodes",
            "-out",
            "all.pem",
        ],
    );
    let opened = PfxIdentity::open(&pfx, "Пароль-1").unwrap();
    assert_eq!(opened.certificate().der, info.der);
    assert_eq!(opened.chain().len(), 1);

    // A signature by the opened key verifies in OpenSSL.
    std::fs::write(d.join("doc.txt"), "Заявление").unwrap();
    let sig = sign_detached(&opened, "Заявление".as_bytes(), Utc::now()).unwrap();
    std::fs::write(d.join("doc.sig"), &sig).unwrap();
    ok_for(
        gost,
        d,
        &support::cms_verify("doc.sig", "doc.txt", "ca.pem", &[]),
    );

    // The CRL verifies in OpenSSL and revokes in ours.
    let crl = root
        .crl(
            &[&info.serial],
            Utc::now() - Duration::hours(1),
            Utc::now() + Duration::days(7),
        )
        .unwrap();
    std::fs::write(d.join("ca.crl"), &crl).unwrap();
    let out = openssl_for(
        gost,
        d,
        &[
            "crl", "-inform", "DER", "-in", "ca.crl", "-CAfile", "ca.pem", "-noout", "-text",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(&info.serial), "{text}");
    let trust = Trust {
        roots: vec![root.certificate().clone()],
        crls: vec![],
    };
    verify_detached_with(&sig, "Заявление".as_bytes(), &trust).unwrap();
    let revoking = Trust {
        crls: vec![crl],
        ..trust
    };
    let err = verify_detached_with(&sig, "Заявление".as_bytes(), &revoking).unwrap_err();
    assert_eq!(err.code(), "sig.revoked");
}

#[test]
fn rsa_ca_is_accepted_by_openssl() {
    check(KeyKind::Rsa2048);
}

#[test]
fn ecdsa_ca_is_accepted_by_openssl() {
    check(KeyKind::EcdsaP256);
}

#[test]
fn gost_256_and_512_cas_are_accepted_by_openssl_with_the_engine() {
    check(KeyKind::GOST_256);
    check(KeyKind::GOST_512);
}

/// Where a certificate says things are — CRL Distribution Points, AIA
/// OCSP and caIssuers — written by the built-in CA as OpenSSL reads them,
/// and read by us from a certificate OpenSSL wrote.
#[test]
fn published_addresses_both_ways() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let kind = KeyKind::EcdsaP256;
    let root = IssuedKey::new_root(&request(
        kind,
        Profile::Root,
        Subject {
            common_name: "Головной УЦ".into(),
            ..Subject::default()
        },
    ))
    .unwrap()
    .with_crl_url("http://cdp.uc.example/root.crl")
    .with_ca_issuers_url("http://cdp.uc.example/root.cer");
    let sub = root
        .issue(&request(
            kind,
            Profile::Root,
            Subject {
                common_name: "УЦ".into(),
                ..Subject::default()
            },
        ))
        .unwrap()
        .with_crl_url("http://cdp.uc.example/uc.crl")
        .with_ocsp_url("http://ocsp.uc.example/ocsp")
        .with_ca_issuers_url("http://cdp.uc.example/uc.cer");
    let person = sub
        .issue(&request(kind, Profile::Signer, director()))
        .unwrap();
    let c = person.certificate();
    assert_eq!(c.crl_urls, ["http://cdp.uc.example/uc.crl"]);
    assert_eq!(c.ocsp_urls, ["http://ocsp.uc.example/ocsp"]);
    assert_eq!(c.ca_issuers_urls, ["http://cdp.uc.example/uc.cer"]);
    // The intermediate names its issuer's addresses, and no responder.
    let s = sub.certificate();
    assert_eq!(s.crl_urls, ["http://cdp.uc.example/root.crl"]);
    assert!(s.ocsp_urls.is_empty());
    assert_eq!(s.ca_issuers_urls, ["http://cdp.uc.example/root.cer"]);

    std::fs::write(d.join("p.der"), &c.der).unwrap();
    let out = openssl(
        d,
        &["x509", "-inform", "DER", "-in", "p.der", "-noout", "-text"],
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "X509v3 CRL Distribution Points",
        "URI:http://cdp.uc.example/uc.crl",
        "OCSP - URI:http://ocsp.uc.example/ocsp",
        "CA Issuers - URI:http://cdp.uc.example/uc.cer",
    ] {
        assert!(text.contains(expected), "{expected:?} in\n{text}");
    }

    let out = openssl(
        d,
        &[
            "req", "-x509", "-new", "-nodes", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-keyout", "k.pem", "-out", "o.pem", "-days", "3",
            "-subj", "/CN=OpenSSL", "-addext",
            "crlDistributionPoints=URI:http://crl.example.ru/a.crl,URI:http://crl2.example.ru/a.crl",
            "-addext",
            "authorityInfoAccess=OCSP;URI:http://ocsp.example.ru,caIssuers;URI:http://ca.example.ru/ca.cer",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs =
        cabinet_sign::CertificateInfo::parse(&std::fs::read(d.join("o.pem")).unwrap()).unwrap();
    assert_eq!(
        theirs.crl_urls,
        [
            "http://crl.example.ru/a.crl",
            "http://crl2.example.ru/a.crl"
        ]
    );
    assert_eq!(theirs.ocsp_urls, ["http://ocsp.example.ru"]);
    assert_eq!(theirs.ca_issuers_urls, ["http://ca.example.ru/ca.cer"]);
}

/// A caIssuers address may serve a certs-only bundle (.p7c): the one
/// OpenSSL writes (`crl2pkcs7 -nocrl`) is read, DER and PEM; anything else
/// is `cert.malformed`.
#[test]
fn certs_only_bundles_from_openssl_read() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let kind = KeyKind::EcdsaP256;
    let root = IssuedKey::new_root(&request(
        kind,
        Profile::Root,
        Subject {
            common_name: "Головной УЦ".into(),
            ..Subject::default()
        },
    ))
    .unwrap();
    let uc = root
        .issue(&request(
            kind,
            Profile::Root,
            Subject {
                common_name: "УЦ".into(),
                ..Subject::default()
            },
        ))
        .unwrap();
    for (name, c) in [("root", root.certificate()), ("uc", uc.certificate())] {
        std::fs::write(d.join(format!("{name}.der")), &c.der).unwrap();
        let out = openssl(
            d,
            &[
                "x509",
                "-inform",
                "DER",
                "-in",
                &format!("{name}.der"),
                "-out",
                &format!("{name}.pem"),
            ],
        );
        assert!(out.status.success());
    }
    for form in ["DER", "PEM"] {
        let out = openssl(
            d,
            &[
                "crl2pkcs7",
                "-nocrl",
                "-certfile",
                "uc.pem",
                "-certfile",
                "root.pem",
                "-outform",
                form,
                "-out",
                "bundle.p7c",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got =
            cabinet_sign::verify::certificates_in(&std::fs::read(d.join("bundle.p7c")).unwrap())
                .unwrap();
        let mut names: Vec<_> = got
            .iter()
            .map(|c| c.subject_common_name.clone().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["Головной УЦ", "УЦ"], "{form}");
    }
    let e = cabinet_sign::verify::certificates_in(b"<html>moved</html>").unwrap_err();
    assert_eq!(e.code().as_str(), "cert.malformed");
}
