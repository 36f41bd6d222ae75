//! RFC 3161 against OpenSSL both ways: `openssl ts -verify` accepts the
//! replies and tokens of our TSA (ECDSA, and GOST with the engine), and we
//! read OpenSSL's (`openssl ts -reply`) — a CAdES-T signature stamped by
//! OpenSSL's TSA is judged with a proven signing time.

mod support;

use cabinet_sign::assess::{assess_detached, Evidence, SigningTime, Verdict};
use cabinet_sign::cades::sign_detached;
use cabinet_sign::pki::{IssuedKey, KeyKind, Profile};
use cabinet_sign::{tsp, DigestAlgorithm, SigningKey};
use chrono::Utc;
use support::engine::{engine, engine_ok};
use support::{ok, openssl, request};

fn pem(dir: &std::path::Path, name: &str, der: &[u8], gost: bool) {
    std::fs::write(dir.join(format!("{name}.der")), der).unwrap();
    let args = [
        "x509",
        "-inform",
        "DER",
        "-in",
        &format!("{name}.der"),
        "-out",
        &format!("{name}.pem"),
    ];
    if gost {
        engine_ok(dir, &args);
    } else {
        ok(dir, &args);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Our TSA answers OpenSSL's query; `openssl ts -verify` accepts the reply
/// and the token a CAdES-T signature carries.
fn ours_verified_by_openssl(kind: KeyKind, gost: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let run = |args: &[&str]| {
        if gost {
            engine(d, args)
        } else {
            openssl(d, args)
        }
    };
    let ca = IssuedKey::new_root(&request(kind, "УЦ штампов", Profile::Root)).unwrap();
    let tsa = ca
        .issue(&request(
            kind,
            "Служба штампов времени",
            Profile::TimeStamping,
        ))
        .unwrap();
    pem(d, "ca", &ca.certificate().der, gost);
    pem(d, "tsa", &tsa.certificate().der, gost);
    std::fs::write(d.join("doc.txt"), "Договор № 17").unwrap();
    let (digest_flag, algorithm) = if gost {
        (
            "-md_gost12_256",
            DigestAlgorithm::of(&tsa.certificate().algorithm),
        )
    } else {
        ("-sha256", DigestAlgorithm::Sha256)
    };
    let out = run(&[
        "ts",
        "-query",
        "-data",
        "doc.txt",
        digest_flag,
        "-cert",
        "-out",
        "req.tsq",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let req = std::fs::read(d.join("req.tsq")).unwrap();
    let reply = tsp::reply(&req, &tsa, 42, Utc::now()).unwrap();
    std::fs::write(d.join("reply.tsr"), &reply).unwrap();
    let out = run(&[
        "ts",
        "-verify",
        "-in",
        "reply.tsr",
        "-queryfile",
        "req.tsq",
        "-CAfile",
        "ca.pem",
        "-untrusted",
        "tsa.pem",
    ]);
    assert!(
        out.status.success(),
        "openssl ts -verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Verification: OK"));

    // A CAdES-T signature: the token it carries is over the signature
    // value, as OpenSSL checks with -digest.
    let signer = ca
        .issue(&request(kind, "Иванова Мария Петровна", Profile::Signer))
        .unwrap();
    let sig = sign_detached(&signer, "Договор № 17".as_bytes(), Utc::now()).unwrap();
    let (alg, digest) = tsp::imprints(&sig).unwrap().remove(0);
    assert_eq!(alg, algorithm);
    let (req, nonce) = tsp::request(alg, &digest).unwrap();
    let reply = tsp::reply(&req, &tsa, 43, Utc::now()).unwrap();
    let token = tsp::token_from_reply(&reply, alg, &digest, &nonce)
        .unwrap()
        .token;
    std::fs::write(d.join("token.der"), &token).unwrap();
    let digest_hex = hex(&digest);
    let out = run(&[
        "ts",
        "-verify",
        "-token_in",
        "-in",
        "token.der",
        "-digest",
        &digest_hex,
        "-CAfile",
        "ca.pem",
        "-untrusted",
        "tsa.pem",
    ]);
    assert!(
        out.status.success(),
        "openssl ts -verify -token_in: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stamped = tsp::add_signature_timestamps(&sig, &[token]).unwrap();
    // The stamp is an unsigned attribute: OpenSSL still verifies the
    // signature itself.
    std::fs::write(d.join("stamped.sig"), &stamped).unwrap();
    let out = run(&support::cms_verify(
        "stamped.sig",
        "doc.txt",
        "ca.pem",
        &["-purpose", "any"],
    ));
    assert!(
        out.status.success(),
        "openssl cms -verify of CAdES-T: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn openssl_verifies_our_ecdsa_time_stamps() {
    ours_verified_by_openssl(KeyKind::EcdsaP256, false);
}

#[test]
fn openssl_with_the_gost_engine_verifies_our_gost_time_stamps() {
    ours_verified_by_openssl(KeyKind::GOST_256, true);
}

#[test]
fn we_read_openssls_time_stamps_and_judge_cades_t_by_them() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    support::ca(d, "УЦ OpenSSL");
    // The TSA: the one extended key usage, timeStamping, critical.
    ok(
        d,
        &[
            "req",
            "-new",
            "-nodes",
            "-newkey",
            "rsa:2048",
            "-keyout",
            "tsa.key",
            "-out",
            "tsa.csr",
            "-subj",
            "/CN=TSA OpenSSL",
        ],
    );
    std::fs::write(
        d.join("tsa.ext"),
        "extendedKeyUsage = critical, timeStamping\nkeyUsage = critical, digitalSignature\n",
    )
    .unwrap();
    ok(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            "tsa.ext",
            "-out",
            "tsa.pem",
        ],
    );
    std::fs::write(d.join("tsaserial"), "01\n").unwrap();
    std::fs::write(
        d.join("ts.cnf"),
        "[tsa]\ndefault_tsa = t\n[t]\nserial = ./tsaserial\nsigner_digest = sha256\n\
         default_policy = 1.2.3.4.1\ndigests = sha256, sha512\ness_cert_id_alg = sha256\n\
         accuracy = secs:1\n",
    )
    .unwrap();
    // A signer of the same CA, and a CRL of it (openssl ca).
    support::issue(d, "u", "rsa:2048", "/CN=Иванов Сергей Петрович");
    let id = support::identity(d, "u");
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
    let content = "Акт сверки".as_bytes();
    let sig = sign_detached(&id, content, Utc::now()).unwrap();
    let (alg, digest) = tsp::imprints(&sig).unwrap().remove(0);
    assert_eq!(alg, DigestAlgorithm::Sha256);
    let (req, nonce) = tsp::request(alg, &digest).unwrap();
    std::fs::write(d.join("req.tsq"), &req).unwrap();
    ok(
        d,
        &[
            "ts",
            "-reply",
            "-config",
            "ts.cnf",
            "-queryfile",
            "req.tsq",
            "-inkey",
            "tsa.key",
            "-signer",
            "tsa.pem",
            "-chain",
            "ca.pem",
            "-out",
            "reply.tsr",
        ],
    );
    let reply = std::fs::read(d.join("reply.tsr")).unwrap();
    let ts = tsp::token_from_reply(&reply, alg, &digest, &nonce).unwrap();
    assert_eq!(ts.tsa.subject_common_name.as_deref(), Some("TSA OpenSSL"));
    assert_eq!(ts.policy, "1.2.3.4.1");
    assert!((Utc::now() - ts.gen_time).num_seconds().abs() < 120);
    // Another request's reply does not pass for ours.
    let (_, other) = tsp::request(alg, &digest).unwrap();
    assert_eq!(
        tsp::token_from_reply(&reply, alg, &digest, &other)
            .unwrap_err()
            .code()
            .as_str(),
        "tsp.mismatch"
    );

    let stamped = tsp::add_signature_timestamps(&sig, &[ts.token]).unwrap();
    let root = support::cert(d, "ca.pem");
    let crls = [std::fs::read(d.join("ca.crl")).unwrap()];
    let evidence = Evidence {
        tsl: None,
        own_roots: std::slice::from_ref(&root),
        crls: &crls,
        certificates: &[],
        ocsp: &[],
        now: Utc::now(),
    };
    let c = assess_detached(&stamped, content, &evidence)
        .unwrap()
        .remove(0);
    assert!(
        matches!(&c.time, SigningTime::Proven { tsa, .. } if tsa == "TSA OpenSSL"),
        "{:?} {:?}",
        c.time,
        c.problems
    );
    assert_eq!(c.verdict, Verdict::Valid, "{:?}", c.problems);

    // OpenSSL refuses a request for a digest it was not told to stamp.
    let (req, _) = tsp::request(DigestAlgorithm::Sha256, &[0u8; 32]).unwrap();
    std::fs::write(d.join("req2.tsq"), &req).unwrap();
    std::fs::write(
        d.join("ts2.cnf"),
        "[tsa]\ndefault_tsa = t\n[t]\nserial = ./tsaserial\nsigner_digest = sha256\n\
         default_policy = 1.2.3.4.1\ndigests = sha512\n",
    )
    .unwrap();
    ok(
        d,
        &[
            "ts",
            "-reply",
            "-config",
            "ts2.cnf",
            "-queryfile",
            "req2.tsq",
            "-inkey",
            "tsa.key",
            "-signer",
            "tsa.pem",
            "-out",
            "refused.tsr",
        ],
    );
    let refused = std::fs::read(d.join("refused.tsr")).unwrap();
    assert_eq!(
        tsp::token_from_reply(&refused, DigestAlgorithm::Sha256, &[0u8; 32], &[1])
            .unwrap_err()
            .code()
            .as_str(),
        "tsp.refused"
    );
    let _ = id.certificate();
}
