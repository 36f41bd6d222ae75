//! A signature file from anyone: detached over a fixed content, attached
//! alone, judged (chain, revocation, verdict), refused or done, never a
//! panic.
#![no_main]

use cabinet_sign::assess::{assess_attached, assess_detached, Evidence};
use cabinet_sign::verify::{is_attached, verify_attached, verify_detached, Trust};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = verify_detached(data, &b"document"[..], &[]);
    let _ = verify_attached(data, &Trust::default());
    let _ = is_attached(data);
    let evidence = Evidence {
        tsl: None,
        own_roots: &[],
        crls: &[],
        certificates: &[],
        now: chrono::Utc::now(),
    };
    let _ = assess_detached(data, &b"document"[..], &evidence);
    let _ = assess_attached(data, &evidence);
});
