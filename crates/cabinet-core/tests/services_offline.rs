//! The services catalog is kept for offline use: fetched while the portal
//! answers, and the same copy shown when it is gone.

mod support;

#[tokio::test(flavor = "multi_thread")]
async fn the_catalog_stays_available_offline() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let cab = support::accountant(
        &portal.url(),
        &dir.path().join("app"),
        support::quick_retries(2, 20),
    )
    .await;
    let online = cab.services().await.unwrap();
    assert!(online.online);
    assert_eq!(online.items, cabinet_api::services::catalog());
    // Unchanged: the portal answers 304 and the copy stays.
    let again = cab.services().await.unwrap();
    assert_eq!(again.items, online.items);

    portal.stop().await;
    let offline = cab.services().await.unwrap();
    assert!(!offline.online);
    assert_eq!(offline.items, online.items);
}
