//! The inactivity lock: a locked session refuses every data call with
//! `session.locked` until the login password unlocks it; wrong passwords
//! count down and the fifth ends the session; a session reopened without a
//! password (restart) can only be unlocked by logging in again.

use cabinet_core::secrets::{Keychain, KeychainBackend};
mod support;

use cabinet_core::Cabinet;

async fn logged_in(url: &str, data: &std::path::Path) -> Cabinet {
    let cab = Cabinet::new(
        url.parse().unwrap(),
        data,
        Keychain::new(KeychainBackend::Keyutils),
    )
    .unwrap();
    support::log_in_accountant(&cab).await;
    cab
}

#[tokio::test(flavor = "multi_thread")]
async fn a_locked_session_shows_nothing_until_the_password_unlocks_it() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let data = dir.path().join("app");
    let cab = logged_in(&portal.url(), &data).await;
    let org = support::romashka(&cab).await;
    cab.sync(&org).await.unwrap();
    assert!(!cab.applications(&org).await.unwrap().is_empty());

    cab.lock().await.unwrap();
    let refused = [
        cab.applications(&org).await.map(|_| ()),
        cab.organizations().await.map(|_| ()),
        cab.open_organization(&org).await.map(|_| ()),
        cab.documents(&org, 10_000).await.map(|_| ()),
        cab.sync(&org).await.map(|_| ()),
        cab.outbox(&org).await.map(|_| ()),
        cab.search(&org, "выписка").await.map(|_| ()),
        cab.sync_status(&org).await.map(|_| ()),
    ];
    for r in refused {
        assert_eq!(r.unwrap_err().code(), "session.locked");
    }

    // Wrong passwords count down; the right one unlocks.
    for left in [4, 3] {
        let e = cab.unlock("Buh-2025").await.unwrap_err();
        assert_eq!(e.code(), "session.unlock_failed");
        assert!(
            e.to_string().contains(&format!("{left} attempts left")),
            "{e}"
        );
    }
    cab.unlock("Buh-2026").await.unwrap();
    assert!(!cab.applications(&org).await.unwrap().is_empty());

    // Five wrong passwords in a row end the session; the cache stays.
    cab.lock().await.unwrap();
    for _ in 0..4 {
        assert_eq!(
            cab.unlock("nope").await.unwrap_err().code(),
            "session.unlock_failed"
        );
    }
    assert_eq!(
        cab.unlock("nope").await.unwrap_err().code(),
        "session.relogin_required"
    );
    assert_eq!(
        cab.applications(&org).await.unwrap_err().code(),
        "session.not_logged_in"
    );

    // After a restart the session resumes without a password: a lock can
    // then only be lifted by a new login.
    let again = logged_in(&portal.url(), &data).await;
    drop(again);
    let restarted = Cabinet::new(
        portal.url().parse().unwrap(),
        &data,
        Keychain::new(KeychainBackend::Keyutils),
    )
    .unwrap();
    restarted.resume().await.unwrap().expect("resumed");
    restarted.lock().await.unwrap();
    assert_eq!(
        restarted.unlock("Buh-2026").await.unwrap_err().code(),
        "session.relogin_required"
    );
    assert_eq!(
        restarted.applications(&org).await.unwrap_err().code(),
        "session.locked"
    );
}
