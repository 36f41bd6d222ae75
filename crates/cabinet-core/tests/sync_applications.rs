//! Sync against the real portal through a fault-injecting proxy: initial and
//! delta pulls, a full resync after the cursor expired, and a draft made and
//! submitted offline that reaches the portal exactly once, even when the
//! portal's reply to the create is lost after it committed.

mod support;

use std::sync::atomic::Ordering;

use cabinet_api::ApplicationStatus;
use cabinet_core::Cabinet;
use support::proxy::{FaultProxy, DOWN, LOSE_NEXT_WRITE_REPLY, PASS};

async fn logged_in(url: &str, data: &std::path::Path) -> Cabinet {
    support::accountant(url, data, support::quick_retries(3, 50)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_draft_reaches_the_portal_exactly_once_and_resync_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let proxy = FaultProxy::start(portal.addr(), 1).await;
    let (via_proxy, mode) = (proxy.url.clone(), proxy.mode.clone());
    let cab = logged_in(&via_proxy, &dir.path().join("app")).await;
    // A second client straight to the portal: the portal's view of things.
    let other = logged_in(&portal.url(), &dir.path().join("other")).await;
    let org = support::romashka(&cab).await;

    // Initial sync: the seven demo applications and the profile.
    let r = cab.sync(&org).await.unwrap();
    assert!(r.online && r.pulled >= 8, "{r:?}");
    assert_eq!(cab.applications(&org).await.unwrap().len(), 7);

    // Delta: a draft made by the other client arrives with the first step
    // of its history (its line in the audit log is not a Бухгалтер's to see).
    other
        .create_application(
            &org,
            "egrul-extract",
            "Выписка для тендера",
            Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(other.sync(&org).await.unwrap().pushed, 1);
    let r = cab.sync(&org).await.unwrap();
    assert_eq!((r.pulled, r.pushed), (2, 0), "{r:?}");
    assert_eq!(cab.applications(&org).await.unwrap().len(), 8);

    // Offline: a draft is made and submitted; both wait in the outbox.
    mode.store(DOWN, Ordering::SeqCst);
    let draft = cab
        .create_application(
            &org,
            "egrul-extract",
            "Выписка для банка (офлайн)",
            Default::default(),
        )
        .await
        .unwrap();
    cab.submit_application(&draft.id).await.unwrap();
    let r = cab.sync(&org).await.unwrap();
    assert!(!r.online);
    assert_eq!(r.pending, 2);
    let outbox = cab.outbox(&org).await.unwrap();
    assert_eq!(outbox.len(), 2);
    assert_eq!(outbox[0].summary, "Выписка для банка (офлайн)");
    assert!(cab
        .applications(&org)
        .await
        .unwrap()
        .iter()
        .any(|a| a.id == draft.id));

    // Back online, but the reply to the create is lost after the commit:
    // it looks like a network error, the sync retries with the same key,
    // the portal replays its stored answer; then the submit goes through.
    mode.store(LOSE_NEXT_WRITE_REPLY, Ordering::SeqCst);
    let r = cab.sync(&org).await.unwrap();
    assert_eq!(mode.load(Ordering::SeqCst), PASS, "a reply was lost");
    assert!(r.online, "{r:?}");
    assert_eq!((r.pushed, r.pending, r.failed), (2, 0, 0), "{r:?}");
    assert!(cab.outbox(&org).await.unwrap().is_empty());

    let mine: Vec<_> = cab
        .applications(&org)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.title == "Выписка для банка (офлайн)")
        .collect();
    assert_eq!(
        mine.len(),
        1,
        "the local draft became the portal's application"
    );
    assert_eq!(mine[0].status, ApplicationStatus::Accepted);
    assert!(mine[0].number.is_some());
    // The portal has it exactly once.
    other.sync(&org).await.unwrap();
    let on_portal = other
        .applications(&org)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.title == "Выписка для банка (офлайн)")
        .count();
    assert_eq!(on_portal, 1);

    // A 4xx: the action fails with the portal's reason and stays to fix or
    // discard; the draft stays until discarded, and its files with it. A
    // file another draft sends too stays after the discard; its own goes.
    let blobs_before = blob_files(&dir.path().join("app"));
    let bad = cab
        .create_application(&org, " ", "Без кода услуги", Default::default())
        .await
        .unwrap();
    let own: &[u8] = b"%PDF-1.4\n% only the refused draft has this\n%%EOF\n";
    let shared: &[u8] = b"%PDF-1.4\n% both drafts have this\n%%EOF\n";
    let good = cab
        .create_application(&org, "egrul-extract", "С общим файлом", Default::default())
        .await
        .unwrap();
    for (draft, content) in [(&bad.id, own), (&bad.id, shared), (&good.id, shared)] {
        cab.attach_file(&org, draft, "Устав", "устав.pdf", content)
            .await
            .unwrap();
    }
    let added: Vec<_> = blob_files(&dir.path().join("app"))
        .difference(&blobs_before)
        .cloned()
        .collect();
    assert_eq!(added.len(), 2, "one file per content: {added:?}");
    let r = cab.sync(&org).await.unwrap();
    assert_eq!(r.failed, 1, "{r:?}");
    let outbox = cab.outbox(&org).await.unwrap();
    let failed: Vec<_> = outbox
        .iter()
        .filter(|a| a.state == cabinet_core::sync::OutboxState::Failed)
        .collect();
    assert_eq!(failed.len(), 1, "{outbox:?}");
    assert_eq!(
        failed[0].error_code.map(|c| c.as_str()),
        Some("request.invalid_field")
    );
    cab.discard_action(&failed[0].id).await.unwrap();
    assert!(cab.outbox(&org).await.unwrap().is_empty());
    let left = blob_files(&dir.path().join("app"));
    assert_eq!(
        added.iter().filter(|f| left.contains(*f)).count(),
        1,
        "the shared file stays, the refused draft's own is removed"
    );
    let sent = cab
        .applications(&org)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.title == "С общим файлом")
        .unwrap();
    assert_eq!(sent.attachments.len(), 1);
    assert_eq!(
        sent.attachments[0].sha256,
        cabinet_core::blobs::sha256_hex(shared)
    );
    assert!(!cab
        .applications(&org)
        .await
        .unwrap()
        .iter()
        .any(|a| a.id == bad.id));

    // The cursor expires (compaction): a full resync, same result.
    let before = cab.applications(&org).await.unwrap().len();
    portal.admin().compact_feed(&org).await.unwrap();
    let r = cab.sync(&org).await.unwrap();
    assert!(r.resynced, "{r:?}");
    assert_eq!(cab.applications(&org).await.unwrap().len(), before);
}

/// The files of every blob store under `dir`.
fn blob_files(dir: &std::path::Path) -> std::collections::BTreeSet<std::path::PathBuf> {
    fn walk(
        dir: &std::path::Path,
        inside: bool,
        out: &mut std::collections::BTreeSet<std::path::PathBuf>,
    ) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                let blobs = inside || path.file_name().is_some_and(|n| n == "blobs");
                walk(&path, blobs, out);
            } else if inside {
                out.insert(path);
            }
        }
    }
    let mut out = std::collections::BTreeSet::new();
    walk(dir, false, &mut out);
    out
}
