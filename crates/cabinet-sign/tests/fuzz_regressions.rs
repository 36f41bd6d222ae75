//! Every input in `tests/fuzz-regressions/TARGET/` — hostile files made by
//! hand and whatever crash a fuzzer once found — goes through the same
//! code as its fuzz target (`fuzz/fuzz_targets/TARGET.rs`, run by `cargo
//! xtask fuzz`): refused with a code, never a panic; the BER reader's DER
//! reads back to itself.

use std::path::Path;

use cabinet_sign::verify::{is_attached, verify_attached, verify_detached, Trust};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let mut all: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    all.sort();
    assert!(!all.is_empty(), "no inputs for {target}");
    all
}

#[test]
fn ber_to_der_inputs() {
    for (name, data) in inputs("ber_to_der") {
        match cabinet_sign::ber::to_der(&data) {
            Ok(der) => assert_eq!(cabinet_sign::ber::to_der(&der).unwrap(), der, "{name}"),
            Err(e) => assert_eq!(e.code(), "sig.malformed", "{name}"),
        }
    }
}

#[test]
fn cms_verify_inputs() {
    for (name, data) in inputs("cms_verify") {
        let e = verify_detached(&data, &b"document"[..], &[]).unwrap_err();
        assert!(e.code().as_str().starts_with("sig."), "{name}: {e}");
        assert!(verify_attached(&data, &Trust::default()).is_err(), "{name}");
        let _ = is_attached(&data);
    }
}

#[test]
fn pkcs12_open_inputs() {
    for (name, data) in inputs("pkcs12_open") {
        let e = cabinet_sign::PfxIdentity::open(&data, "password").unwrap_err();
        assert!(e.code().as_str().starts_with("pfx."), "{name}: {e}");
    }
}

#[test]
fn certificate_parse_inputs() {
    for (name, data) in inputs("certificate_parse") {
        let e = cabinet_sign::CertificateInfo::parse(&data).unwrap_err();
        assert_eq!(e.code(), "cert.malformed", "{name}");
        let e = cabinet_sign::verify::certificates_in(&data).unwrap_err();
        assert_eq!(e.code(), "cert.malformed", "{name}");
    }
}

#[test]
fn crl_parse_inputs() {
    for (name, data) in inputs("crl_parse") {
        let trust = Trust {
            roots: Vec::new(),
            crls: vec![data],
        };
        assert_eq!(trust.check().unwrap_err().code(), "crl.malformed", "{name}");
    }
}

#[test]
fn container_open_inputs() {
    // The target's packing: u16 header length (BE) ‖ header ‖ u8 masks
    // length ‖ masks ‖ primary.
    for (name, data) in inputs("container_open") {
        let len = u16::from_be_bytes([data[0], data[1]]) as usize;
        let header = &data[2..2 + len];
        let masks_len = data[2 + len] as usize;
        let masks = &data[3 + len..3 + len + masks_len];
        let primary = &data[3 + len + masks_len..];
        match cabinet_sign::container::open_files(header, masks, primary, "12345678") {
            Ok(cert) => assert_eq!(name, "csp5-whole", "{}", cert.serial),
            Err(e) => assert!(
                e.code().as_str().starts_with("container.")
                    || e.code().as_str().starts_with("cert."),
                "{name}: {e}"
            ),
        }
    }
}

#[test]
fn tsl_parse_inputs() {
    for (name, data) in inputs("tsl_parse") {
        match cabinet_sign::tsl::TrustList::parse(&data) {
            Ok(list) => {
                let again = cabinet_sign::tsl::TrustList::parse(list.to_xml().as_bytes())
                    .unwrap_or_else(|e| panic!("{name}: our own form: {e}"));
                assert_eq!(again.authorities.len(), list.authorities.len(), "{name}");
            }
            Err(e) => assert_eq!(e.code().as_str(), "tsl.malformed", "{name}: {e}"),
        }
    }
}

#[test]
fn tsp_reply_inputs() {
    use cabinet_sign::{tsp, DigestAlgorithm};
    for (name, data) in inputs("tsp_reply") {
        let e =
            tsp::token_from_reply(&data, DigestAlgorithm::Sha256, &[0u8; 32], &[1]).unwrap_err();
        let code = e.code().as_str();
        assert!(
            code.starts_with("tsp.") || code.starts_with("sig."),
            "{name}: {e}"
        );
        let _ = tsp::read_token(&data);
        let _ = tsp::imprints(&data);
    }
}

#[test]
fn ocsp_response_inputs() {
    use cabinet_sign::pki::{IssuedKey, KeyKind, Profile};
    use cabinet_sign::SigningKey;
    let request = |name: &str, profile| cabinet_sign::pki::Request {
        kind: KeyKind::EcdsaP256,
        subject: cabinet_sign::pki::Subject {
            common_name: name.into(),
            ..Default::default()
        },
        not_before: chrono::Utc::now(),
        not_after: chrono::Utc::now() + chrono::Duration::days(1),
        profile,
    };
    let ca = IssuedKey::new_root(&request("CA", Profile::Root)).unwrap();
    let signer = ca.issue(&request("Signer", Profile::Signer)).unwrap();
    for (name, data) in inputs("ocsp_response") {
        let e = cabinet_sign::ocsp::status_from_reply(
            &data,
            signer.certificate(),
            ca.certificate(),
            &[1; 16],
            chrono::Utc::now(),
        )
        .unwrap_err();
        assert_eq!(e.code().as_str(), "revocation.unknown", "{name}");
        assert!(
            cabinet_sign::ocsp::basic_response(&data).is_none(),
            "{name}"
        );
    }
}
