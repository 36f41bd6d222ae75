//! What the client does with bytes from the portal, as single calls for
//! the fuzz targets (`fuzz/`, `cargo xtask fuzz`): a change-feed page
//! applied to a cache and read back, and every kind of answer parsed. Not
//! for the app; public only so the targets outside the crate reach it.

use cabinet_api::sync::ChangePage;

use crate::store::Store;
use crate::CoreError;

/// Applies a change-feed page (as the portal's JSON) to the cache for
/// organization `org`, then reads back what the lists and search show.
/// Bad pages are refused with an error; nothing panics.
pub fn apply_feed_page(store: &Store, org: &str, bytes: &[u8]) -> Result<(), CoreError> {
    let page: ChangePage =
        serde_json::from_slice(bytes).map_err(|e| CoreError::Protocol(format!("page: {e}")))?;
    store.apply_pages(org, &[&page.changes], &page.next_cursor, 1)?;
    let _ = store.applications(org);
    let _ = store.documents(org, 100);
    let _ = store.search(org, "заявление 12", 20);
    Ok(())
}

/// Parses `bytes` as each answer the client reads: who am I, tokens,
/// organizations, an application, a document, an error.
pub fn parse_answers(bytes: &[u8]) {
    let _ = serde_json::from_slice::<cabinet_api::Me>(bytes);
    let _ = serde_json::from_slice::<cabinet_api::TokenPair>(bytes);
    let _ = serde_json::from_slice::<Vec<cabinet_api::OrganizationSummary>>(bytes);
    let _ = serde_json::from_slice::<cabinet_api::Application>(bytes);
    let _ = serde_json::from_slice::<cabinet_api::Document>(bytes);
    let _ = serde_json::from_slice::<cabinet_api::problem::Problem>(bytes);
}
