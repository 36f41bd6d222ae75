//! GOST private keys stored masked — the key's value and its mask, as
//! CryptoPro exports keys and as the example transport container of
//! Р 50.1.112-2016 holds its key — open, and every .pfx key is checked
//! against its certificate on open.
//!
//! The oracles: the standard's own container (`tests/vectors/`, with the
//! password the standard gives), and OpenSSL's GOST engine, which unmasks
//! the same bytes, derives the public key and signs the certificate.

mod support;

use std::path::Path;

use cabinet_sign::cades::sign_detached;
use cabinet_sign::gost::{GostPrivateKey, ParamSet};
use cabinet_sign::verify::{verify_detached_at, Trust};
use cabinet_sign::{Algorithm, CertificateInfo, PfxIdentity};
use support::engine::{algorithm, engine, engine_ok, openssl_verifies_detached};

const STANDARD_PASSWORD: &str = "Пароль для PFX";

fn standard_example() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/r50.1.112-2016-example.pfx"),
    )
    .unwrap()
}

#[test]
fn the_standards_example_container_opens_with_its_masked_key() {
    let id = PfxIdentity::open(&standard_example(), STANDARD_PASSWORD)
        .unwrap_or_else(|e| panic!("{}: {e}", e.code()));
    let cert = id.certificate();
    assert_eq!(
        cert.subject_common_name.as_deref(),
        Some("Test certificate 1 (PKCS#12 example)")
    );
    assert_eq!(cert.algorithm, Algorithm::Gost2012_256);

    // The key is the certificate's: a signature made with it verifies
    // (as of the certificate's own validity, 2015–2020) here and in
    // OpenSSL.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let doc = "Акт приёмки".as_bytes();
    let at = chrono::DateTime::parse_from_rfc3339("2016-01-15T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let sig = sign_detached(&id, doc, at).unwrap();
    verify_detached_at(&sig, doc, &Trust::default(), at).unwrap();
    openssl_verifies_detached(d, doc, &sig);

    let e = PfxIdentity::open(&standard_example(), "Пароль для PFX ").unwrap_err();
    assert_eq!(e.code(), "pfx.wrong_password");
}

/// A PrivateKeyInfo of `set` whose key is stored masked: `masked ‖ mask`,
/// little-endian, with no inner encoding.
fn masked_pkcs8(d: &Path, set: ParamSet, masked: &[u8], mask: &[u8]) -> Vec<u8> {
    // The algorithm identifier as the engine writes it, from a key it made.
    let paramset = format!("paramset:{}", set.openssl_name().unwrap());
    engine_ok(
        d,
        &[
            "genpkey",
            "-algorithm",
            algorithm(set),
            "-pkeyopt",
            &paramset,
            "-outform",
            "DER",
            "-out",
            "model.der",
        ],
    );
    let model = std::fs::read(d.join("model.der")).unwrap();
    // SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING … }: the
    // identifier starts at 5 and its length is in its second byte.
    assert_eq!(model[2..5], [0x02, 0x01, 0x00]);
    let alg = &model[5..5 + 2 + usize::from(model[6])];
    let value: Vec<u8> = [masked, mask].concat();
    let mut key = vec![0x04];
    key.extend(der_len(value.len()));
    key.extend(value);
    let mut body = vec![0x02, 0x01, 0x00];
    body.extend_from_slice(alg);
    body.extend(key);
    let mut out = vec![0x30];
    out.extend(der_len(body.len()));
    out.extend(body);
    out
}

fn der_len(n: usize) -> Vec<u8> {
    match n {
        0..=0x7f => vec![n as u8],
        0x80..=0xff => vec![0x81, n as u8],
        _ => vec![0x82, (n >> 8) as u8, n as u8],
    }
}

/// Random bytes of a scalar below every curve order here (top byte small),
/// whose first byte is no ASN.1 tag the engine would take for another form.
fn scalar(n: usize, seed: u8) -> Vec<u8> {
    let mut v: Vec<u8> = (0..n)
        .map(|i| (i as u8).wrapping_mul(37).wrapping_add(seed))
        .collect();
    v[0] = 0x55;
    v[n - 1] = 0x3f;
    v
}

fn masked_container_round_trip(set: ParamSet) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let n = set.size().bytes();
    let pkcs8 = masked_pkcs8(d, set, &scalar(n, 7), &scalar(n, 91));
    std::fs::write(d.join("masked.der"), &pkcs8).unwrap();

    // OpenSSL unmasks the same bytes: its public key is ours.
    let ours = GostPrivateKey::from_pkcs8_der(&pkcs8).unwrap();
    engine_ok(
        d,
        &[
            "pkey",
            "-inform",
            "DER",
            "-in",
            "masked.der",
            "-pubout",
            "-outform",
            "DER",
            "-out",
            "pub.der",
        ],
    );
    let theirs = std::fs::read(d.join("pub.der")).unwrap();
    let x = ours.public_key().to_le_bytes();
    assert!(
        theirs.windows(x.len()).any(|w| w == x),
        "{set:?}: OpenSSL derives another public key from the masked key"
    );

    // OpenSSL certifies that key; in a .pfx with the masked key, it opens,
    // signs, and OpenSSL verifies.
    let md = format!("-{}", support::engine::digest(set));
    engine_ok(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-utf8",
            "-keyform",
            "DER",
            "-key",
            "masked.der",
            &md,
            "-days",
            "30",
            "-subj",
            "/CN=Маскированный ключ",
            "-out",
            "cert.pem",
        ],
    );
    let cert = CertificateInfo::parse(&std::fs::read(d.join("cert.pem")).unwrap()).unwrap();
    let pfx = cabinet_sign::pki::pfx_of(&pkcs8, &cert, &[], "pw").unwrap();
    let id = PfxIdentity::open(&pfx, "pw").unwrap_or_else(|e| panic!("{set:?}: {e}"));
    assert_eq!(id.certificate().sha256, cert.sha256);
    std::fs::write(d.join("doc.txt"), "документ").unwrap();
    let sig = sign_detached(&id, "документ".as_bytes(), chrono::Utc::now()).unwrap();
    std::fs::write(d.join("doc.sig"), &sig).unwrap();
    let out = engine(
        d,
        &support::cms_verify("doc.sig", "doc.txt", "cert.pem", &["-purpose", "any"]),
    );
    assert!(
        out.status.success(),
        "{set:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The same certificate with another masked key: refused on open.
    let other = masked_pkcs8(d, set, &scalar(n, 8), &scalar(n, 91));
    let pfx = cabinet_sign::pki::pfx_of(&other, &cert, &[], "pw").unwrap();
    let e = PfxIdentity::open(&pfx, "pw").unwrap_err();
    assert_eq!(e.code(), "pfx.key_mismatch", "{set:?}");
}

#[test]
fn masked_256_bit_keys_match_openssl_and_sign() {
    masked_container_round_trip(ParamSet::Tc26_256B);
}

#[test]
fn masked_512_bit_keys_match_openssl_and_sign() {
    masked_container_round_trip(ParamSet::Tc26_512A);
}
