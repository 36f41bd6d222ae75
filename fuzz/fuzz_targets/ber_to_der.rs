//! The BER reader in front of every CMS parse: never a panic, and its DER
//! output reads back to itself (DER is a fixed point of the rewrite).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(der) = cabinet_sign::ber::to_der(data) {
        let again = cabinet_sign::ber::to_der(&der).expect("our DER reads back");
        assert_eq!(again, der, "DER is rewritten to itself");
    }
});
