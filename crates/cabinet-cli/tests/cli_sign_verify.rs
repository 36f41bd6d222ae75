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

    let (code, out, err) = cabinet(
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
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["subject"], "Иванов Сергей Петрович");
    assert_eq!(v[0]["ogrn"], "1157746123457");
    assert_eq!(v[0]["chain"], "trusted");

    let (code, _, err) = cabinet(
        d,
        &["verify", "b.txt", "sigs/a.txt.sig", "--trust", "ca.pem"],
        None,
        "",
    );
    assert_eq!(code, 1);
    assert!(err.contains("[sig.content_changed]"), "{err}");

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
        &["verify", "a.txt", "sigs/a.txt.sig", "--trust", "ca.pem"],
        None,
        "",
    );
    assert_eq!(code, 0);
    assert!(out.contains("подписантов 2"), "{out}");

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
