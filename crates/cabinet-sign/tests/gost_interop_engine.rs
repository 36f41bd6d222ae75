//! GOST R 34.10-2012 against OpenSSL's GOST engine, in both directions, for
//! every parameter set the engine offers: its keys and certificates load in
//! ours, our detached CAdES signatures verify in `openssl cms -verify`, and
//! its `cms -sign -cades` signatures verify in ours.

mod support;

use cabinet_sign::cades::sign_detached;
use cabinet_sign::gost::ParamSet;
use cabinet_sign::verify::{verify_detached, ChainStatus};
use cabinet_sign::{Algorithm, CertificateInfo, PfxIdentity};
use support::engine::{digest, engine, engine_ok, engine_param_sets, self_signed};

const SUBJECT: &str = "/CN=Иванов Сергей Петрович/INNLE=7707083893/SNILS=11223344595";

fn document() -> Vec<u8> {
    "Договор поставки № 17 от 01.11.2026\n"
        .repeat(3000)
        .into_bytes()
}

fn both_directions(p: ParamSet) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    self_signed(d, "user", p, SUBJECT);
    let cert_pem = std::fs::read(d.join("user.pem")).unwrap();
    let info = CertificateInfo::parse(&cert_pem).unwrap();
    let expected = match p.size() {
        cabinet_sign::gost::KeySize::Bits256 => Algorithm::Gost2012_256,
        cabinet_sign::gost::KeySize::Bits512 => Algorithm::Gost2012_512,
    };
    assert_eq!(info.algorithm, expected, "{p:?}");
    assert_eq!(info.inn_le.as_deref(), Some("7707083893"));
    let id = PfxIdentity::from_key_and_certificate(
        &std::fs::read(d.join("user.key")).unwrap(),
        &cert_pem,
    )
    .unwrap_or_else(|e| panic!("{p:?}: the engine's key does not load: {e}"));

    let content = document();
    std::fs::write(d.join("doc.bin"), &content).unwrap();

    // Ours → the engine.
    let ours = sign_detached(&id, &content[..], chrono::Utc::now()).unwrap();
    std::fs::write(d.join("ours.sig"), &ours).unwrap();
    let verify = |sig: &str| {
        engine(
            d,
            &support::cms_verify(sig, "doc.bin", "user.pem", &["-cades", "-purpose", "any"]),
        )
    };
    let out = verify("ours.sig");
    assert!(
        out.status.success(),
        "{p:?}: the engine refuses our signature: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The engine → ours.
    let md = digest(p);
    engine_ok(
        d,
        &[
            "cms",
            "-sign",
            "-binary",
            "-md",
            md,
            "-cades",
            "-outform",
            "DER",
            "-in",
            "doc.bin",
            "-signer",
            "user.pem",
            "-inkey",
            "user.key",
            "-out",
            "theirs.sig",
        ],
    );
    let theirs = std::fs::read(d.join("theirs.sig")).unwrap();
    let reports = verify_detached(&theirs, &content[..], std::slice::from_ref(&info))
        .unwrap_or_else(|e| panic!("{p:?}: ours refuses the engine's signature: {e}"));
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].chain, ChainStatus::Trusted);
    assert_eq!(reports[0].algorithm, expected.display_name());
    // Ours verifies its own too.
    verify_detached(&ours, &content[..], std::slice::from_ref(&info)).unwrap();

    // One changed byte: both refuse both.
    let mut changed = content.clone();
    changed[4321] ^= 1;
    for sig in [&ours, &theirs] {
        let err = verify_detached(sig, &changed[..], std::slice::from_ref(&info)).unwrap_err();
        assert_eq!(err.code(), "sig.content_changed");
    }
    std::fs::write(d.join("doc.bin"), &changed).unwrap();
    assert!(!verify("ours.sig").status.success(), "{p:?}");
    assert!(!verify("theirs.sig").status.success(), "{p:?}");
}

#[test]
fn every_engine_parameter_set_signs_and_verifies_both_ways() {
    let sets = engine_param_sets();
    assert_eq!(
        sets.len(),
        12,
        "256: A–D, CryptoPro A–C, XchA, XchB; 512: A–C"
    );
    for p in sets {
        both_directions(p);
    }
}

#[test]
fn a_key_that_is_not_the_certificates_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    self_signed(d, "a", ParamSet::CryptoProA, "/CN=A");
    self_signed(d, "b", ParamSet::CryptoProA, "/CN=B");
    let err = PfxIdentity::from_key_and_certificate(
        &std::fs::read(d.join("a.key")).unwrap(),
        &std::fs::read(d.join("b.pem")).unwrap(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "key.malformed");
}

/// Differential test: random messages, each signed by a fresh random key of
/// a random parameter set in ours, each verified by `openssl dgst -verify`
/// under the engine. 200 in the test suite; the full run is
/// `GOST_DIFFERENTIAL=1000 cargo test -p cabinet-sign --test gost_interop_engine differential`.
#[test]
fn differential_random_keys_and_messages_verify_in_the_engine() {
    use base64::Engine as _;
    use cabinet_sign::gost::GostPrivateKey;
    use x509_cert::der::Encode;
    let count: usize = std::env::var("GOST_DIFFERENTIAL")
        .ok()
        .map(|v| v.parse().expect("GOST_DIFFERENTIAL is a number"))
        .unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sets = engine_param_sets();
    let mut random = [0u8; 4096];
    for i in 0..count {
        getrandom::getrandom(&mut random).unwrap();
        let p = sets[random[0] as usize % sets.len()];
        let len = u16::from_le_bytes([random[1], random[2]]) as usize % 4000;
        let message = &random[8..8 + len];
        let key = GostPrivateKey::generate(p).unwrap();
        let signature = key.sign(message).unwrap();
        let spki = key.public_key().to_spki().to_der().unwrap();
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(spki)
        );
        std::fs::write(d.join("pub.pem"), pem).unwrap();
        std::fs::write(d.join("msg.bin"), message).unwrap();
        std::fs::write(d.join("msg.sig"), &signature).unwrap();
        let md = format!("-{}", digest(p));
        let out = engine(
            d,
            &[
                "dgst",
                &md,
                "-verify",
                "pub.pem",
                "-signature",
                "msg.sig",
                "msg.bin",
            ],
        );
        assert!(
            out.status.success(),
            "message {i} ({len} bytes, {p:?}) does not verify in the engine: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
