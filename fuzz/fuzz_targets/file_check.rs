//! An attachment from anyone: its name (up to the first NUL byte of the
//! input) and its content. Refused with a code or accepted as a kind the
//! name's extension claims, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (name, content) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"a.pdf"[..], data),
    };
    let name = String::from_utf8_lossy(name);
    if let Ok(kind) = cabinet_api::files::check(&name, content) {
        assert_eq!(
            cabinet_api::files::FileKind::from_extension(name.trim()),
            Some(kind),
            "accepted under another extension"
        );
    }
});
