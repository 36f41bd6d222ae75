//! A signature file from anyone: detached over a fixed content, attached
//! alone, and co-signing onto it refused or done, never a panic.
#![no_main]

use cabinet_sign::verify::{is_attached, verify_attached, verify_detached, Trust};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = verify_detached(data, &b"document"[..], &[]);
    let _ = verify_attached(data, &Trust::default());
    let _ = is_attached(data);
});
