//! The very first keychain write of a process must stick (it did not, when
//! keyring linked keys into the kernel's persistent keyring). This file holds
//! one test so that it is the first keyutils use in its process.

use cabinet_core::secrets::{Keychain, KeychainBackend};

#[test]
fn first_write_in_a_fresh_process_is_readable() {
    let kc = Keychain::new(KeychainBackend::Keyutils);
    let account = format!("first-use:{}", std::process::id());
    kc.set(&account, "ocr_first").unwrap();
    let again = Keychain::new(KeychainBackend::Keyutils);
    assert_eq!(
        again.get(&account).unwrap().as_deref().map(String::as_str),
        Some("ocr_first")
    );
    kc.delete(&account).unwrap();
}
