//! A change-feed page or any other answer from a portal that is not ours:
//! parsed, applied to a real cache (SQLite on disk) and read back, or
//! refused with an error; never a panic.
#![no_main]

use std::sync::{Mutex, OnceLock};

use cabinet_core::store::Store;

fn store() -> &'static Mutex<Store> {
    static STORE: OnceLock<Mutex<Store>> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("cabinet-fuzz-feed-{}", std::process::id()));
        Mutex::new(Store::open(&dir.join("cache.sqlite3"), None).expect("a cache opens"))
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    cabinet_core::fuzzing::parse_answers(data);
    let store = store().lock().unwrap_or_else(|e| e.into_inner());
    let _ = cabinet_core::fuzzing::apply_feed_page(&store, "org-1", data);
});
