//! A .pfx from anyone, with a password: opened or refused with a code,
//! never a panic (nor a hang on a hostile iteration count).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = cabinet_sign::PfxIdentity::open(data, "password");
});
