//! A revocation list from anyone (DER or PEM): accepted or refused with
//! `crl.malformed`, never a panic.
#![no_main]

use cabinet_sign::verify::Trust;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let trust = Trust {
        roots: Vec::new(),
        crls: vec![data.to_vec()],
    };
    let _ = trust.check();
});
