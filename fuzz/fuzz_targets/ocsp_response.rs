//! An OCSP answer as the client reads it (from a responder through the
//! portal, or inside a CAdES-X Long signature): read, checked, refused —
//! never a panic.
#![no_main]

use std::sync::OnceLock;

use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
use cabinet_sign::SigningKey;
use x509_cert::der::Decode;

fn keys() -> &'static (IssuedKey, IssuedKey) {
    static KEYS: OnceLock<(IssuedKey, IssuedKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let now = chrono::Utc::now();
        let request = |name: &str, profile| Request {
            kind: KeyKind::EcdsaP256,
            subject: Subject {
                common_name: name.into(),
                ..Subject::default()
            },
            not_before: now,
            not_after: now + chrono::Duration::days(1),
            profile,
        };
        let ca = IssuedKey::new_root(&request("CA", Profile::Root)).unwrap();
        let signer = ca.issue(&request("Signer", Profile::Signer)).unwrap();
        (ca, signer)
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (ca, signer) = keys();
    let _ = cabinet_sign::ocsp::status_from_reply(
        data,
        signer.certificate(),
        ca.certificate(),
        &[1; 16],
        chrono::Utc::now(),
    );
    let _ = cabinet_sign::ocsp::basic_response(data);
    if let (Ok(cert), Ok(issuer)) = (
        x509_cert::Certificate::from_der(&signer.certificate().der),
        x509_cert::Certificate::from_der(&ca.certificate().der),
    ) {
        let _ = cabinet_sign::ocsp::status_of(data, &cert, &issuer);
    }
});
