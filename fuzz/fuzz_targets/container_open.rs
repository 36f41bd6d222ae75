//! A CryptoPro key container from anyone: `header.key`, `masks.key` and
//! `primary.key` packed as `u16 header length (BE) ‖ header ‖ u8 masks
//! length ‖ masks ‖ primary`. Opened or refused with a `container.` code (or
//! a certificate's), never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((files, pin)) = split(data) else {
        return;
    };
    let (header, masks, primary) = files;
    let _ = cabinet_sign::container::open_files(header, masks, primary, pin);
});

type Files<'a> = (&'a [u8], &'a [u8], &'a [u8]);

fn split(data: &[u8]) -> Option<(Files<'_>, &'static str)> {
    let (len, rest) = data.split_first_chunk::<2>()?;
    let len = u16::from_be_bytes(*len) as usize;
    let header = rest.get(..len)?;
    let rest = &rest[len..];
    let (&masks_len, rest) = rest.split_first()?;
    let masks = rest.get(..masks_len as usize)?;
    let primary = &rest[masks_len as usize..];
    Some(((header, masks, primary), "12345678"))
}
