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
        ok(
            d,
            &[
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                &format!("sigs/{f}.sig"),
                "-content",
                f,
                "-CAfile",
                "ca.pem",
                "-cades",
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ],
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
