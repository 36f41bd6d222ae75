//! The prefetch policy: a sync fetches the contents of the documents in
//! scope (all / the last N days / none), newest first, up to a size cap,
//! so they open offline; the rest waits until the user opens them online.

use cabinet_core::secrets::{Keychain, KeychainBackend};
use cabinet_core::sync::{PrefetchPolicy, PrefetchScope};
mod support;

use cabinet_core::Cabinet;

async fn cabinet(url: &str, data: &std::path::Path, policy: PrefetchPolicy) -> Cabinet {
    let cab = Cabinet::new(
        url.parse().unwrap(),
        data,
        Keychain::new(KeychainBackend::Keyutils),
    )
    .unwrap()
    .with_prefetch(policy);
    support::log_in_accountant(&cab).await;
    cab
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_prefetches_what_the_policy_asks_and_no_more() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let admin = portal.admin();
    let org = admin
        .org_id_by_inn(&cabinet_api::requisites::complete_inn10("770412345").unwrap())
        .await
        .unwrap();
    // 60 documents spread over two years, besides the demo ones.
    admin.seed_documents(&org, 60, 7).await.unwrap();
    let url = portal.url();

    let within = |days: i64, created: &str| {
        chrono::DateTime::parse_from_rfc3339(created).unwrap()
            >= chrono::Utc::now() - chrono::Duration::days(days)
    };
    // Last 90 days: exactly the documents created since then.
    let policy = PrefetchPolicy {
        scope: PrefetchScope::Recent { days: 90 },
        cap_bytes: u64::MAX,
    };
    let cab = cabinet(&url, &dir.path().join("recent"), policy).await;
    let r = cab.sync(&org).await.unwrap();
    let docs = cab.documents(&org, 10_000).await.unwrap().items;
    let recent: Vec<_> = docs
        .iter()
        .filter(|d| within(90, &d.document.created_at))
        .collect();
    assert!(
        !recent.is_empty() && recent.len() < docs.len(),
        "seeded data spans the window"
    );
    assert_eq!(r.prefetched as usize, recent.len(), "{r:?}");
    for d in &docs {
        assert_eq!(
            d.cached,
            within(90, &d.document.created_at),
            "{}",
            d.document.created_at
        );
    }
    // Nothing new: the next sync fetches nothing, in one request.
    assert_eq!(cab.sync(&org).await.unwrap().prefetched, 0);

    // None: nothing ahead of time.
    let none = PrefetchPolicy {
        scope: PrefetchScope::None,
        cap_bytes: u64::MAX,
    };
    let cab = cabinet(&url, &dir.path().join("none"), none).await;
    assert_eq!(cab.sync(&org).await.unwrap().prefetched, 0);
    assert!(cab
        .documents(&org, 10_000)
        .await
        .unwrap()
        .items
        .iter()
        .all(|d| !d.cached));

    // All, under a cap: the newest that fit, and no more.
    let mut newest = cab.documents(&org, 10_000).await.unwrap().items;
    newest.sort_by(|a, b| b.document.created_at.cmp(&a.document.created_at));
    let cap: u64 = newest[..5].iter().map(|d| d.document.size as u64).sum();
    let all = PrefetchPolicy {
        scope: PrefetchScope::All,
        cap_bytes: cap,
    };
    let cab = cabinet(&url, &dir.path().join("all"), all).await;
    assert_eq!(cab.sync(&org).await.unwrap().prefetched, 5);
    let docs = cab.documents(&org, 10_000).await.unwrap().items;
    let cached_ids: std::collections::HashSet<_> = docs
        .iter()
        .filter(|d| d.cached)
        .map(|d| d.document.id.clone())
        .collect();
    let want: std::collections::HashSet<_> =
        newest[..5].iter().map(|d| d.document.id.clone()).collect();
    assert_eq!(cached_ids, want);

    // Opened by hand, an older document is here too and counts; a smaller
    // cap then removes the oldest contents, down to the newest that fit.
    let cached =
        |docs: Vec<cabinet_core::sync::DocumentView>| -> std::collections::HashSet<String> {
            docs.into_iter()
                .filter(|d| d.cached)
                .map(|d| d.document.id)
                .collect()
        };
    cab.document_content(&org, &newest[20].document.id)
        .await
        .unwrap();
    assert_eq!(
        cached(cab.documents(&org, 10_000).await.unwrap().items).len(),
        6
    );
    let size = |i: usize| newest[i].document.size as u64;
    cab.set_prefetch(PrefetchPolicy {
        scope: PrefetchScope::All,
        cap_bytes: size(0) + size(1) + size(2),
    })
    .await;
    let r = cab.sync(&org).await.unwrap();
    assert_eq!((r.prefetched, r.evicted), (0, 3), "{r:?}");
    assert_eq!(
        cached(cab.documents(&org, 10_000).await.unwrap().items),
        newest[..3].iter().map(|d| d.document.id.clone()).collect()
    );
    // «Only what I open» keeps to the cap as well, newest first.
    let mine = cabinet(
        &url,
        &dir.path().join("opened"),
        PrefetchPolicy {
            scope: PrefetchScope::None,
            cap_bytes: u64::MAX,
        },
    )
    .await;
    assert_eq!(mine.sync(&org).await.unwrap().prefetched, 0);
    for i in [9, 2, 5] {
        mine.document_content(&org, &newest[i].document.id)
            .await
            .unwrap();
    }
    mine.set_prefetch(PrefetchPolicy {
        scope: PrefetchScope::None,
        cap_bytes: size(2) + size(5),
    })
    .await;
    let r = mine.sync(&org).await.unwrap();
    assert_eq!((r.prefetched, r.evicted), (0, 1), "{r:?}");
    assert_eq!(
        cached(mine.documents(&org, 10_000).await.unwrap().items),
        [2, 5]
            .iter()
            .map(|&i| newest[i].document.id.clone())
            .collect()
    );

    // Offline, what was prefetched opens; the rest says it is not here.
    portal.stop().await;
    let here = &newest[0].document;
    let bytes = cab.document_content(&org, &here.id).await.unwrap();
    assert_eq!(bytes.len() as i64, here.size);
    let missing = &newest[10].document;
    assert_eq!(
        cab.document_content(&org, &missing.id)
            .await
            .unwrap_err()
            .code(),
        "cache.not_found"
    );
}
