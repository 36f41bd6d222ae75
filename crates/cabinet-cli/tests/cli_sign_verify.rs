//! `cabinet sign | verify | certs` on files and a .pfx made by the OpenSSL
//! CLI; OpenSSL verifies what we sign.

mod support;
// The OpenSSL test PKI of the signature crate, the same oracle.
#[path = "../../cabinet-sign/tests/support/mod.rs"]
mod pki;

use std::path::Path;

use pki::ok;

fn cabinet(
    dir: &Path,
    args: &[&str],
    password_env: Option<&str>,
    stdin: &str,
) -> (i32, String, String) {
    let env: Vec<(&str, &str)> = password_env
        .map(|p| ("CABINET_PFX_PASSWORD", p))
        .into_iter()
        .collect();
    let out = support::cabinet_in(Some(dir), args, &env, stdin);
    (
        out.status.code().unwrap_or(-1),
        support::text(&out.stdout),
        support::text(&out.stderr),
    )
}

#[test]
fn batch_sign_verify_cosign_and_certs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
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
    ok(
        d,
        &[
            "req",
            "-new",
            "-nodes",
            "-newkey",
            "rsa:2048",
            "-keyout",
            "u.key",
            "-out",
            "u.csr",
            "-subj",
            "/CN=Иванов Сергей Петрович/OGRN=1157746123457",
            "-utf8",
        ],
    );
    ok(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "u.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-out",
            "u.pem",
        ],
    );
    ok(
        d,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "u.key",
            "-in",
            "u.pem",
            "-certfile",
            "ca.pem",
            "-passout",
            "pass:Секрет-1",
            "-out",
            "u.pfx",
        ],
    );
    std::fs::write(d.join("a.txt"), "Заявление №1").unwrap();
    std::fs::write(d.join("b.txt"), "Заявление №2").unwrap();

    // Batch: two files, one password (from standard input here).
    let (code, out, err) = cabinet(
        d,
        &["sign", "a.txt", "b.txt", "--pfx", "u.pfx", "--out", "sigs"],
        None,
        "Секрет-1\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("[2/2]"), "{out}");
    for f in ["a.txt", "b.txt"] {
        let sig = format!("sigs/{f}.sig");
        ok(
            d,
            &pki::cms_verify(&sig, f, "ca.pem", &["-cades", "-purpose", "any"]),
        );
    }

    // The CA's CRL, made by `openssl ca`: the revocation data our
    // judgement reads.
    std::fs::write(d.join("index.txt"), "").unwrap();
    std::fs::write(
        d.join("ca.cnf"),
        "[ca]\ndefault_ca = c\n[c]\ndatabase = index.txt\ndefault_md = sha256\ndefault_crl_days = 7\n",
    )
    .unwrap();
    ok(
        d,
        &[
            "ca", "-config", "ca.cnf", "-gencrl", "-keyfile", "ca.key", "-cert", "ca.pem", "-out",
            "ca.crl",
        ],
    );

    let (code, out, err) = cabinet(
        d,
        &[
            "verify",
            "a.txt",
            "sigs/a.txt.sig",
            "--trust",
            "ca.pem",
            "--crl",
            "ca.crl",
            "--json",
        ],
        None,
        "",
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["certificate"]["holder"], "Иванов Сергей Петрович");
    assert_eq!(v[0]["certificate"]["ogrn"], "1157746123457");
    assert_eq!(v[0]["intact"], true);
    assert_eq!(v[0]["trust"], "trusted_by_you");
    assert_eq!(v[0]["certificate_at_signing"], "valid");
    assert_eq!(v[0]["time"]["kind"], "claimed");
    assert_eq!(v[0]["revocation"]["issuer"], "Демо УЦ");
    assert_eq!(v[0]["verdict"], "valid");

    // Without revocation data the signature is intact but not established.
    let (code, out, _) = cabinet(
        d,
        &[
            "verify",
            "a.txt",
            "sigs/a.txt.sig",
            "--trust",
            "ca.pem",
            "--json",
        ],
        None,
        "",
    );
    assert_eq!(code, 4, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["verdict"], "indeterminate");
    assert_eq!(v[0]["problems"][0], "revocation.unknown");

    // The same CA in the Ministry's trust list: qualified, in words.
    let ca_der = pki::openssl(d, &["x509", "-in", "ca.pem", "-outform", "DER"]).stdout;
    use base64::Engine;
    let tsl = include_str!("../../cabinet-sign/tests/vectors/tsl-template.xml").replace(
        "{CERT}",
        &base64::engine::general_purpose::STANDARD.encode(ca_der),
    );
    std::fs::write(d.join("tsl.xml"), tsl).unwrap();
    let (code, out, err) = cabinet(
        d,
        &[
            "verify",
            "a.txt",
            "sigs/a.txt.sig",
            "--tsl",
            "tsl.xml",
            "--crl",
            "ca.crl",
        ],
        None,
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Квалифицированная подпись действительна: сертификат выдан аккредитованным УЦ «ООО «ТОУЦ»»"),
        "{out}"
    );
    assert!(out.contains("Отзыв: список отзыва УЦ «Демо УЦ»"), "{out}");
    // A list without the CA: untrusted, exit 4.
    let other =
        include_str!("../../cabinet-sign/tests/vectors/tsl-template.xml").replace("{CERT}", "");
    std::fs::write(d.join("other-tsl.xml"), other).unwrap();
    let (code, out, _) = cabinet(
        d,
        &[
            "verify",
            "a.txt",
            "sigs/a.txt.sig",
            "--tsl",
            "other-tsl.xml",
            "--crl",
            "ca.crl",
        ],
        None,
        "",
    );
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("Подпись не изменена, но её действительность не установлена: сертификат выдан удостоверяющим центром, которого нет в списке"),
        "{out}"
    );
    // A damaged list: its code.
    std::fs::write(d.join("bad.xml"), "<html/>").unwrap();
    let (code, _, err) = cabinet(
        d,
        &["verify", "a.txt", "sigs/a.txt.sig", "--tsl", "bad.xml"],
        None,
        "",
    );
    assert_eq!(code, 1);
    assert!(err.contains("[tsl.malformed]"), "{err}");

    let (code, out, err) = cabinet(
        d,
        &["verify", "b.txt", "sigs/a.txt.sig", "--trust", "ca.pem"],
        None,
        "",
    );
    assert_eq!(code, 1);
    assert!(err.contains("подпись недействительна"), "{err}");
    assert!(
        out.contains("Подпись недействительна: документ изменён после подписания"),
        "{out}"
    );

    let (code, _, err) = cabinet(d, &["sign", "a.txt", "--pfx", "u.pfx"], Some("wrong"), "");
    assert_eq!(code, 1);
    assert!(err.contains("[pfx.wrong_password]"), "{err}");
    assert!(!d.join("a.txt.sig").exists(), "nothing written on failure");

    // Co-sign the existing signature (here: the same person again, as a
    // second signer entry), from the environment variable.
    let (code, _, err) = cabinet(
        d,
        &[
            "sign", "a.txt", "--pfx", "u.pfx", "--out", "sigs", "--cosign",
        ],
        Some("Секрет-1"),
        "",
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = cabinet(
        d,
        &[
            "verify",
            "a.txt",
            "sigs/a.txt.sig",
            "--trust",
            "ca.pem",
            "--crl",
            "ca.crl",
        ],
        None,
        "",
    );
    assert_eq!(code, 0);
    assert!(out.contains("Подписант 2: Иванов Сергей Петрович"), "{out}");

    let (code, out, err) = cabinet(d, &["certs", "--pfx", "u.pfx"], Some("Секрет-1"), "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Иванов Сергей Петрович · Демо УЦ"), "{out}");
    assert!(
        out.contains("истекает через"),
        "a 30-day certificate warns: {out}"
    );
}

/// A GOST .pfx as the engine writes it (gost89 protection, Streebog MAC):
/// `certs` names the algorithm, `sign` makes CAdES the engine verifies,
/// `sign --raw` writes the reversed raw value the engine verifies once
/// turned back, and an RSA key is refused a raw signature.
#[test]
fn gost_pfx_from_the_engine_signs_cades_and_raw() {
    use pki::engine::{engine, engine_ok, self_signed};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    self_signed(
        d,
        "g",
        cabinet_sign::gost::ParamSet::Tc26_512A,
        "/CN=Петров Пётр Петрович",
    );
    engine_ok(
        d,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "g.key",
            "-in",
            "g.pem",
            "-passout",
            "pass:ГОСТ-пароль",
            "-keypbe",
            "gost89",
            "-certpbe",
            "gost89",
            "-macalg",
            "md_gost12_512",
            "-out",
            "g.pfx",
        ],
    );
    let (code, out, err) = cabinet(d, &["certs", "--pfx", "g.pfx"], Some("ГОСТ-пароль"), "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ГОСТ Р 34.10-2012 (512)"), "{out}");

    std::fs::write(d.join("act.txt"), "Акт приёма-передачи").unwrap();
    let (code, _, err) = cabinet(
        d,
        &["sign", "act.txt", "--pfx", "g.pfx"],
        Some("ГОСТ-пароль"),
        "",
    );
    assert_eq!(code, 0, "{err}");
    let verified = engine(
        d,
        &pki::cms_verify("act.txt.sig", "act.txt", "g.pem", &["-purpose", "any"]),
    );
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );

    // ESIA's client_secret: scope, timestamp, client id and state joined.
    let message = "openid2026.11.23 10:00:00 +0300ORG-CLIENTf4b1c2a0-0000-4000-8000-000000000001";
    std::fs::write(d.join("secret.txt"), message).unwrap();
    let (code, out, err) = cabinet(
        d,
        &["sign", "--raw", "secret.txt", "--pfx", "g.pfx"],
        Some("ГОСТ-пароль"),
        "",
    );
    assert_eq!(code, 0, "{err}");
    let raw = std::fs::read(d.join("secret.txt.raw")).unwrap();
    assert_eq!(raw.len(), 128);
    use base64::Engine as _;
    let printed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw);
    assert!(out.contains(&printed), "{out}");
    // Reversed back it is the engine's s ‖ r.
    let value: Vec<u8> = raw.iter().rev().copied().collect();
    std::fs::write(d.join("secret.sig"), value).unwrap();
    engine_ok(
        d,
        &["x509", "-in", "g.pem", "-pubkey", "-noout", "-out", "g.pub"],
    );
    let verified = engine(
        d,
        &[
            "dgst",
            "-md_gost12_512",
            "-verify",
            "g.pub",
            "-signature",
            "secret.sig",
            "secret.txt",
        ],
    );
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    let info =
        cabinet_sign::CertificateInfo::parse(&std::fs::read(d.join("g.pem")).unwrap()).unwrap();
    assert!(cabinet_sign::gost::verify_raw(&info, message.as_bytes(), &raw).unwrap());

    // An RSA key has no raw GOST form.
    let ca = d.join("rsa");
    pki::ca(&ca, "УЦ");
    pki::issue(&ca, "r", "rsa:2048", "/CN=R");
    let bytes = pki::export_pfx(&ca, "r", "pw", &[]);
    std::fs::write(d.join("r.pfx"), bytes).unwrap();
    let (code, _, err) = cabinet(
        d,
        &["sign", "--raw", "secret.txt", "--pfx", "r.pfx"],
        Some("pw"),
        "",
    );
    assert_eq!(code, 1);
    assert!(err.contains("[sign.unsupported_algorithm]"), "{err}");
}

/// A .pfx of `name` issued by `ca`, valid until `days` from now (negative:
/// expired), written to `dir/file`.
fn pfx(
    dir: &Path,
    file: &str,
    ca: &cabinet_sign::pki::IssuedKey,
    name: &str,
    days: i64,
) -> cabinet_sign::pki::IssuedKey {
    use cabinet_sign::pki::{KeyKind, Profile, Request, Subject};
    use chrono::{Duration, Utc};
    let key = ca
        .issue(&Request {
            kind: KeyKind::EcdsaP256,
            subject: Subject::person(name),
            not_before: Utc::now() - Duration::days(400),
            not_after: Utc::now() + Duration::days(days),
            profile: Profile::Signer,
        })
        .unwrap();
    std::fs::write(dir.join(file), key.to_pfx("Секрет-2").unwrap()).unwrap();
    key
}

#[test]
fn attached_signatures_and_the_certificates_sign_refuses() {
    use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
    use cabinet_sign::SigningKey;
    use chrono::{Duration, Utc};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = IssuedKey::new_root(&Request {
        kind: KeyKind::EcdsaP256,
        subject: Subject::person("Демо УЦ"),
        not_before: Utc::now() - Duration::days(500),
        not_after: Utc::now() + Duration::days(500),
        profile: Profile::Root,
    })
    .unwrap();
    std::fs::write(d.join("ca.der"), &ca.certificate().der).unwrap();
    ok(
        d,
        &["x509", "-inform", "DER", "-in", "ca.der", "-out", "ca.pem"],
    );
    std::fs::write(d.join("ca.key"), ca.private_key_pem().unwrap().as_bytes()).unwrap();
    pfx(d, "good.pfx", &ca, "Иванов Сергей Петрович", 100);
    pfx(d, "old.pfx", &ca, "Иванов Сергей Петрович", -1);
    std::fs::write(d.join("act.txt"), "Акт сверки №7").unwrap();

    // An expired certificate: exit 1, the code, and no file written.
    let (code, _, err) = cabinet(
        d,
        &["sign", "act.txt", "--pfx", "old.pfx"],
        Some("Секрет-2"),
        "",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("[cert.expired]"), "{err}");
    assert!(!d.join("act.txt.sig").exists());

    // Attached: OpenSSL finds the document inside and verifies it.
    let (code, out, err) = cabinet(
        d,
        &["sign", "act.txt", "--pfx", "good.pfx", "--attached"],
        Some("Секрет-2"),
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("[1/1]"), "{out}");
    ok(
        d,
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "act.txt.sig",
            "-CAfile",
            "ca.pem",
            "-purpose",
            "any",
            "-out",
            "by-openssl.txt",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(d.join("by-openssl.txt")).unwrap(),
        "Акт сверки №7"
    );

    // Alone, with the document extracted.
    let (code, out, err) = cabinet(
        d,
        &[
            "verify",
            "act.txt.sig",
            "--trust",
            "ca.pem",
            "--extract",
            "extracted.txt",
        ],
        None,
        "",
    );
    // No CRL of this CA here: intact and trusted, not established.
    assert_eq!(code, 4, "{err}");
    assert!(out.contains("Подписант 1: Иванов Сергей Петрович"), "{out}");
    assert!(out.contains("нет сведений об отзыве сертификата"), "{out}");
    assert_eq!(
        std::fs::read_to_string(d.join("extracted.txt")).unwrap(),
        "Акт сверки №7"
    );
    // Beside its document: intact (no trust asked: not checked); beside
    // another: its own code.
    let (code, out, err) = cabinet(d, &["verify", "act.txt", "act.txt.sig"], None, "");
    assert_eq!(code, 4, "{err}");
    assert!(out.contains("доверие не проверялось"), "{out}");
    std::fs::write(d.join("other.txt"), "Акт сверки №8").unwrap();
    let (code, _, err) = cabinet(d, &["verify", "other.txt", "act.txt.sig"], None, "");
    assert_eq!(code, 1);
    assert!(err.contains("[sig.content_mismatch]"), "{err}");

    // OpenSSL's streamed (BER) attached signature, alone.
    ok(
        d,
        &[
            "cms",
            "-sign",
            "-stream",
            "-binary",
            "-nodetach",
            "-outform",
            "DER",
            "-in",
            "other.txt",
            "-signer",
            "ca.pem",
            "-inkey",
            "ca.key",
            "-out",
            "ber.p7s",
        ],
    );
    let (code, out, err) = cabinet(
        d,
        &["verify", "ber.p7s", "--extract", "from-ber.txt"],
        None,
        "",
    );
    // Intact; nothing to judge trust by here, so not established.
    assert_eq!(code, 4, "{err}");
    assert!(out.contains("Демо УЦ"), "{out}");
    assert_eq!(
        std::fs::read_to_string(d.join("from-ber.txt")).unwrap(),
        "Акт сверки №8"
    );

    // A detached signature alone cannot be checked.
    let (code, _, err) = cabinet(
        d,
        &["sign", "other.txt", "--pfx", "good.pfx"],
        Some("Секрет-2"),
        "",
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cabinet(d, &["verify", "other.txt.sig"], None, "");
    assert_eq!(code, 1);
    assert!(err.contains("[sig.detached]"), "{err}");

    // A certificate whose name carries terminal escapes and a bidi
    // override: printed with replacement characters, never raw.
    pfx(
        d,
        "evil.pfx",
        &ca,
        "Злой\u{1b}[2J\u{202e}Хакер Иван Иванович",
        100,
    );
    let (code, out, err) = cabinet(d, &["certs", "--pfx", "evil.pfx"], Some("Секрет-2"), "");
    assert_eq!(code, 0, "{err}");
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{202e}'),
        "{out:?}"
    );
    assert!(out.contains("Злой\u{fffd}[2J\u{fffd}Хакер"), "{out:?}");

    // A FIFO is refused at once instead of hanging the command.
    let fifo = d.join("pipe.sig");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let (code, _, err) = cabinet(d, &["verify", "act.txt", "pipe.sig"], None, "");
    assert_eq!(code, 1);
    assert!(err.contains("[file.not_regular]"), "{err}");
}

/// A CryptoPro container our writer made from a key OpenSSL's engine
/// generated: `certs` shows it without a PIN, `sign` asks for the PIN (from
/// CABINET_PIN or standard input) and OpenSSL verifies what it signs; a
/// wrong PIN writes nothing.
#[test]
fn a_cryptopro_container_signs_from_the_cli() {
    use cabinet_sign::container::{write, NewContainer};
    use pki::engine::{engine, engine_ok, self_signed};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    self_signed(
        d,
        "c",
        cabinet_sign::gost::ParamSet::CryptoProA,
        "/CN=Сидоров Сидор Сидорович",
    );
    engine_ok(
        d,
        &["pkey", "-in", "c.key", "-outform", "DER", "-out", "c.der"],
    );
    let key = cabinet_sign::gost::GostPrivateKey::from_pkcs8_der(
        &std::fs::read(d.join("c.der")).unwrap(),
    )
    .unwrap();
    let cert = cabinet_sign::CertificateInfo::parse(&std::fs::read(d.join("c.pem")).unwrap())
        .unwrap()
        .der;
    for (folder, certificate) in [("full.000", Some(&cert[..])), ("bare.000", None)] {
        write(
            &d.join(folder),
            &NewContainer {
                name: "Сидоров",
                key: &key,
                certificate,
                pin: "4321",
            },
        )
        .unwrap();
    }
    let pin = |p: &'static str| vec![("CABINET_PIN", p)];
    let run = |args: &[&str], env: &[(&str, &str)], stdin: &str| {
        let out = support::cabinet_in(Some(d), args, env, stdin);
        (
            out.status.code().unwrap_or(-1),
            support::text(&out.stdout),
            support::text(&out.stderr),
        )
    };

    let (code, out, err) = run(&["certs", "--container", "full.000"], &[], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Сидоров Сидор Сидорович"), "{out}");

    std::fs::write(d.join("act.txt"), "Акт сверки").unwrap();
    let (code, _, err) = run(
        &["sign", "act.txt", "--container", "full.000"],
        &pin("4321"),
        "",
    );
    assert_eq!(code, 0, "{err}");
    let verified = engine(
        d,
        &pki::cms_verify("act.txt.sig", "act.txt", "c.pem", &["-purpose", "any"]),
    );
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );

    // The PIN from standard input; the certificate from --cert.
    std::fs::write(d.join("bill.txt"), "Счёт").unwrap();
    let (code, _, err) = run(
        &[
            "sign",
            "bill.txt",
            "--container",
            "bare.000",
            "--cert",
            "c.pem",
        ],
        &[],
        "4321\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(d.join("bill.txt.sig").is_file());

    // Without the certificate anywhere, and with a wrong PIN: refused,
    // nothing written.
    let (code, _, err) = run(&["certs", "--container", "bare.000"], &[], "");
    assert_eq!(code, 1);
    assert!(err.contains("[container.no_certificate]"), "{err}");
    std::fs::write(d.join("memo.txt"), "Служебная записка").unwrap();
    let (code, _, err) = run(
        &["sign", "memo.txt", "--container", "full.000"],
        &pin("1111"),
        "",
    );
    assert_eq!(code, 1);
    assert!(err.contains("[container.wrong_pin]"), "{err}");
    assert!(!d.join("memo.txt.sig").exists());
    let (code, _, err) = run(
        &["sign", "memo.txt", "--container", "nowhere.000"],
        &pin("4321"),
        "",
    );
    assert_eq!(code, 1);
    assert!(err.contains("[container.not_found]"), "{err}");

    // The container CryptoPro CSP made: its certificate, with no PIN.
    let csp = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../cabinet-sign/tests/vectors/cryptopro-csp5-srv.000");
    let (code, out, err) = run(&["certs", "--container", csp.to_str().unwrap()], &[], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ГОСТ Р 34.10-2012 (256)"), "{out}");
}
