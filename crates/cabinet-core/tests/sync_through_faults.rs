//! Sync through a proxy that breaks 30% of requests — connection resets
//! before and after the portal handled them, 500s, replies stalled past the
//! client's timeout, bodies cut in half — while drafts and submissions made
//! offline wait in the outbox and the portal keeps changing. Sync retries
//! with backoff and converges: the cache equals the portal, and every
//! offline draft is on the portal exactly once.

mod support;

use std::sync::Mutex;
use std::time::Duration;

use cabinet_api::ApplicationStatus;
use cabinet_core::secrets::{Keychain, KeychainBackend};
use cabinet_core::sync::{RetryPolicy, SyncPhase, SyncProgress};
use cabinet_core::view::LoginStep;
use cabinet_core::Cabinet;
use cabinet_portal::{Portal, PortalConfig};
use support::proxy::{Fault, FaultProxy, FAULTY, PASS};

#[tokio::test(flavor = "multi_thread")]
async fn sync_converges_through_resets_500s_stalls_and_truncation() {
    let seed: u64 = std::env::var("CABINET_FAULT_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!("CABINET_FAULT_SEED={seed}");

    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::open(PortalConfig::quick_demo(dir.path().join("portal.sqlite3")))
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let admin = portal.admin().clone();
    let inn = cabinet_api::requisites::complete_inn10("770412345").unwrap();
    let org = admin.org_id_by_inn(&inn).await.unwrap();
    admin.seed_applications(&org, 1800, seed).await.unwrap();

    let proxy = FaultProxy::start(portal.addr(), seed).await;
    // Stalls outlast the client's 1 s timeout.
    proxy.stall(Duration::from_millis(1500));
    let cab = Cabinet::new(
        proxy.url.parse().unwrap(),
        &dir.path().join("app"),
        Keychain::new(KeychainBackend::Keyutils),
    )
    .unwrap()
    .with_network(
        Duration::from_secs(1),
        RetryPolicy {
            attempts: 6,
            base: Duration::from_millis(20),
            cap: Duration::from_millis(300),
        },
    )
    .unwrap();
    let LoginStep::NeedCode { ticket, .. } = cab
        .login_password("buh@romashka.demo", "Buh-2026")
        .await
        .unwrap()
    else {
        panic!("a code is expected")
    };
    let code = cab.demo_sms(&ticket).await.unwrap().code;
    cab.submit_code(&ticket, &code).await.unwrap();
    // As the app does after login: the list says her role (a Бухгалтер
    // may submit), which the core checks before queueing.
    let listed = cab.organizations().await.unwrap();
    assert!(listed.items.iter().any(|o| o.id == org));

    // Work done offline: ten drafts, every other one submitted.
    let mut titles = Vec::new();
    for i in 0..10 {
        let title = format!("Заявление через сбои {i}");
        let draft = cab
            .create_application(&org, "egrul-extract", &title, Default::default())
            .await
            .unwrap();
        if i % 2 == 0 {
            cab.submit_application(&draft.id).await.unwrap();
        }
        titles.push(title);
    }

    proxy.set(FAULTY);
    let seen: Mutex<Vec<SyncProgress>> = Mutex::new(Vec::new());
    let mut converged = None;
    for round in 0..40 {
        admin.gov_step(&org, 15).await.unwrap();
        let r = cab
            .sync_with_progress(&org, &|p| seen.lock().unwrap().push(p))
            .await
            .unwrap();
        converged = (r.online && r.pending == 0 && r.failed == 0).then_some(round);
        // Go on until every kind of fault has been met at least once.
        if converged.is_some() && proxy.stats().1.len() >= 5 {
            break;
        }
    }
    let (requests, faults) = proxy.stats();
    println!(
        "{requests} requests through the proxy, {} faults: {faults:?}",
        faults.len()
    );
    let round = converged.expect("sync converged through the faults");
    println!("converged in round {round}");
    for f in [
        Fault::ResetBefore,
        Fault::ResetAfter,
        Fault::ServerError,
        Fault::Stall,
        Fault::Truncate,
    ] {
        assert!(faults.contains(&f), "{f:?} was never injected");
    }

    // One clean sync: the cache must then equal the portal exactly.
    proxy.set(PASS);
    let r = cab.sync(&org).await.unwrap();
    assert!(r.online && r.pending == 0, "{r:?}");
    let key = |a: &cabinet_api::Application| {
        (a.id.clone(), a.status.as_str(), a.version, a.title.clone())
    };
    let mut local: Vec<_> = cab
        .applications(&org)
        .await
        .unwrap()
        .iter()
        .map(key)
        .collect();
    let mut remote: Vec<_> = admin
        .applications(&org)
        .await
        .unwrap()
        .iter()
        .map(key)
        .collect();
    local.sort();
    remote.sort();
    assert_eq!(local.len(), remote.len());
    assert!(local == remote, "the cache differs from the portal");
    let on_portal = admin.applications(&org).await.unwrap();
    for (i, t) in titles.iter().enumerate() {
        let same: Vec<_> = on_portal.iter().filter(|a| &a.title == t).collect();
        assert_eq!(same.len(), 1, "{t:?} is on the portal {} times", same.len());
        assert_eq!(
            same[0].status == ApplicationStatus::Draft,
            i % 2 == 1,
            "{t:?}"
        );
    }

    // Progress, one sync at a time: the first starts with the outbox; the
    // first that got through to the feed (faults may have cut an earlier
    // one short) shows it with a known total and growing bytes, then done.
    let seen = seen.into_inner().unwrap();
    let syncs: Vec<&[SyncProgress]> = seen
        .split_inclusive(|p| p.phase == SyncPhase::Done)
        .collect();
    assert_eq!(syncs[0][0].phase, SyncPhase::Push);
    assert_eq!(
        syncs[0][0].items_total,
        Some(15),
        "ten creates and five submits"
    );
    let seen = syncs
        .iter()
        .find(|s| {
            s.iter()
                .any(|p| p.phase == SyncPhase::Pull && p.items_done > 0)
        })
        .expect("a sync got through to the feed");
    let pulled: Vec<_> = seen.iter().filter(|p| p.phase == SyncPhase::Pull).collect();
    assert!(pulled
        .iter()
        .any(|p| p.items_total.is_some_and(|t| t >= 1800)));
    assert!(pulled.windows(2).all(|w| w[1].bytes >= w[0].bytes));
    assert!(pulled.last().unwrap().bytes > 100_000);
    assert_eq!(seen.last().unwrap().phase, SyncPhase::Done);
}
