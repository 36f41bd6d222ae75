//! A trust list of accredited CAs from anyone (the portal proxies the
//! Ministry's file; `cabinet verify --tsl` reads any file): read or refused
//! with `tsl.malformed`, never a panic, never an expanded entity; what is
//! read writes back and reads again.
#![no_main]

use cabinet_sign::tsl::TrustList;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(list) = TrustList::parse(data) {
        let again = TrustList::parse(list.to_xml().as_bytes()).expect("our own form reads back");
        assert_eq!(again.authorities.len(), list.authorities.len());
        let now = chrono::Utc::now();
        for a in &list.authorities {
            let _ = a.accredited_at(now);
            let _ = a.accreditation_ended(now);
        }
    }
});
