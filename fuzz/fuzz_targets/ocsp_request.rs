//! An OCSP request from anyone (the portal's responder is public):
//! answered — `malformedRequest` for what is not one — never a panic.
#![no_main]

use std::sync::OnceLock;

use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
use cabinet_sign::SigningKey;

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
        let responder = ca.issue(&request("OCSP", Profile::OcspSigning)).unwrap();
        (ca, responder)
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (ca, responder) = keys();
    let now = chrono::Utc::now();
    cabinet_sign::ocsp::respond(data, ca.certificate(), responder, &[], now, now)
        .expect("every input gets an answer");
});
