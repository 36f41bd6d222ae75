//! A sync waiting on the network holds nothing the window needs: while the
//! portal's change feed is held back, the lists, the search, the outbox and
//! a new offline draft all answer. A second sync of the same organization
//! waits for the first instead of running beside it, and once the feed
//! flows both finish with every action delivered once.
//!
//! Before the sync engine had its own connection, the sync held the
//! session for its whole run and every read here waited for the feed.

mod support;

use std::sync::Arc;
use std::time::Duration;

use cabinet_core::lists::ApplicationQuery;
use support::proxy::FaultProxy;

/// Waits (polling) until `ready` holds; a sync that never gets there fails
/// the test instead of hanging it.
async fn until(what: &str, ready: impl Fn() -> bool) {
    for _ in 0..600 {
        if ready() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not in 30 s: {what}");
}

/// A read that must not wait for the held sync: a sync holding the session
/// would keep it waiting until the feed is released, which this test only
/// does afterwards.
async fn answers<T>(what: &str, read: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .unwrap_or_else(|_| panic!("{what} waited for the sync"))
}

#[tokio::test(flavor = "multi_thread")]
async fn reads_and_offline_work_go_on_while_a_sync_waits_on_the_portal() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let proxy = FaultProxy::start(portal.addr(), 1).await;
    let cab = Arc::new(
        support::accountant(
            &proxy.url,
            &dir.path().join("app"),
            support::quick_retries(3, 50),
        )
        .await,
    );
    let org = support::romashka(&cab).await;
    cab.sync(&org).await.unwrap();
    let before = cab.applications(&org).await.unwrap().len();
    assert!(before > 0, "the demo organization has applications");
    // Something new on the portal for the next sync to bring.
    let admin = portal.admin();
    admin.seed_applications(&org, 3, 7).await.unwrap();

    proxy.hold_feed(true);
    let first = tokio::spawn({
        let (cab, org) = (cab.clone(), org.clone());
        async move { cab.sync(&org).await }
    });
    until("the sync asks for the feed", || proxy.feed_held() == 1).await;

    // The sync waits on the network; the window reads on.
    let listed = answers("the application list", cab.applications(&org))
        .await
        .unwrap();
    assert_eq!(listed.len(), before, "the cache as it was");
    let page = answers(
        "a page of the list",
        cab.application_page(&org, &ApplicationQuery::default()),
    )
    .await
    .unwrap();
    assert_eq!(page.total as usize, before);
    answers("the search", cab.search(&org, "выписка"))
        .await
        .unwrap();
    let draft = answers(
        "a new offline draft",
        cab.create_application(
            &org,
            "egrul-extract",
            "Выписка, пока идёт синхронизация",
            Default::default(),
        ),
    )
    .await
    .unwrap();
    let queued = answers("the outbox", cab.outbox(&org)).await.unwrap();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert!(
        !first.is_finished(),
        "the first sync still waits on the feed"
    );

    // A second sync of the same organization waits for the first: it does
    // not even send the new draft while the first is under way.
    let forwarded = proxy.forwarded();
    let second = tokio::spawn({
        let (cab, org) = (cab.clone(), org.clone());
        async move { cab.sync(&org).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        proxy.forwarded(),
        forwarded,
        "the second sync asked the portal"
    );
    assert_eq!(proxy.feed_held(), 1);

    proxy.hold_feed(false);
    let first = first.await.unwrap().unwrap();
    let second = second.await.unwrap().unwrap();
    assert!(first.online && second.online);
    assert_eq!(first.pulled, 3, "{first:?}");
    assert_eq!(second.pushed, 1, "{second:?}");
    assert_eq!(second.pending, 0, "{second:?}");

    // Every application once, the draft under the portal's id.
    let after = cab.applications(&org).await.unwrap();
    assert_eq!(after.len(), before + 3 + 1);
    let mut ids: Vec<_> = after.iter().map(|a| a.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), after.len(), "no application twice");
    let delivered: Vec<_> = after.iter().filter(|a| a.title == draft.title).collect();
    assert_eq!(delivered.len(), 1);
    assert!(!delivered[0].id.starts_with("local-"), "{:?}", delivered[0]);
}
