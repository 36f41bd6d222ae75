//! `cabinet login --pfx` against the demo portal's PKI, and `cabinet certs |
//! sign --pkcs11` with a SoftHSM2 token: the password and PIN come from the
//! environment or standard input, and every refusal has its code.

#[path = "../../cabinet-sign/tests/support/softhsm.rs"]
mod softhsm;
mod support;

use std::path::Path;

use cabinet_portal::{Portal, PortalConfig};
use cabinet_sign::pkcs11::Module;
use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
use cabinet_sign::SigningKey;
use chrono::{Duration, Utc};

fn cabinet(args: &[&str], env: &[(&str, &str)], stdin: &str) -> std::process::Output {
    support::cabinet_in(None, args, env, stdin)
}

use support::text;

#[tokio::test(flavor = "multi_thread")]
async fn login_with_the_demo_directors_pfx() {
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("pki");
    let mut config = PortalConfig::new(dir.path().join("portal.sqlite3"));
    config.demo = true;
    config.demo_pki_dir = Some(pki.clone());
    let portal = Portal::open(config)
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let url = portal.url();
    let data = dir.path().join("cli").display().to_string();
    let run = move |pfx: &str, password: &'static str, extra: &'static [&'static str]| {
        let (url, data) = (url.clone(), data.clone());
        let pfx = pki.join(pfx).display().to_string();
        tokio::task::spawn_blocking(move || {
            let mut args = vec!["--portal", &url, "--data-dir", &data];
            args.extend_from_slice(extra);
            if extra.is_empty() {
                args.extend(["login", "--pfx", &pfx]);
            }
            cabinet(&args, &[], &format!("{password}\n"))
        })
    };

    let out = run("director.pfx", "не тот", &[]).await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("[pfx.wrong_password]"),
        "{}",
        text(&out.stderr)
    );

    let out = run(
        "director-expired.pfx",
        cabinet_portal::DIRECTOR_PFX_PASSWORD,
        &[],
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("[cert.expired]"),
        "{}",
        text(&out.stderr)
    );

    let out = run("director.pfx", cabinet_portal::DIRECTOR_PFX_PASSWORD, &[])
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Иванов Сергей Петрович"));

    let out = run("", "", &["whoami"]).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("director@romashka.demo"));
}

#[test]
fn certs_and_batch_sign_with_a_token() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let hsm = softhsm::SoftHsm::new(d);
    let request = |profile, name: &str| Request {
        kind: KeyKind::Rsa2048,
        subject: Subject {
            common_name: name.into(),
            ..Subject::default()
        },
        not_before: Utc::now() - Duration::days(1),
        not_after: Utc::now() + Duration::days(60),
        profile,
    };
    let ca = IssuedKey::new_root(&request(Profile::Root, "УЦ")).unwrap();
    let user = ca
        .issue(&request(Profile::Signer, "Токенов Т. Т."))
        .unwrap();
    hsm.init_token("Rutoken", "1111");
    hsm.import_key("Rutoken", "1111", "07", &user);
    let module = Module::load(Path::new(softhsm::MODULE)).unwrap();
    let slot = module.first_token_slot().unwrap();
    module
        .store_certificate(slot, "1111", "07", "Токенов", user.certificate())
        .unwrap();
    std::fs::write(d.join("ca.der"), &ca.certificate().der).unwrap();
    let now = chrono::Utc::now();
    std::fs::write(
        d.join("ca.crl"),
        ca.crl(
            &[],
            now - chrono::Duration::hours(1),
            now + chrono::Duration::days(7),
        )
        .unwrap(),
    )
    .unwrap();

    let out = cabinet(&["certs", "--pkcs11", softhsm::MODULE], &[], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Токенов Т. Т."),
        "{}",
        text(&out.stdout)
    );

    let files: Vec<String> = (0..3)
        .map(|i| {
            let p = d.join(format!("doc{i}.txt"));
            std::fs::write(&p, format!("документ {i}")).unwrap();
            p.display().to_string()
        })
        .collect();
    let mut args = vec!["sign", "--pkcs11", softhsm::MODULE];
    args.extend(files.iter().map(String::as_str));

    let out = cabinet(&args, &[("CABINET_PIN", "0000")], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("[token.wrong_pin]"),
        "{}",
        text(&out.stderr)
    );

    // The PIN from standard input, once for the batch of three.
    let out = cabinet(&args, &[], "1111\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 3);
    let ca_path = d.join("ca.der").display().to_string();
    let crl_path = d.join("ca.crl").display().to_string();
    for f in &files {
        let sig = format!("{f}.sig");
        let out = cabinet(
            &["verify", f, &sig, "--trust", &ca_path, "--crl", &crl_path],
            &[],
            "",
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("Подпись действительна: сертификат выдан удостоверяющим центром, которому вы доверяете"),
            "{}",
            text(&out.stdout)
        );
    }
}
