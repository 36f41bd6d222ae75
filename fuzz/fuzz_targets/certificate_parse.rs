//! A certificate (DER or PEM) from anyone: parsed or refused, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(info) = cabinet_sign::CertificateInfo::parse(data) {
        let _ = info.can_sign();
        let _ = info.algorithm.display_name();
    }
    // What an AIA caIssuers address serves: a certificate or a bundle.
    let _ = cabinet_sign::verify::certificates_in(data);
});
