//! The inactivity lock: a locked session refuses every data call with
//! `session.locked` until the login password unlocks it; wrong passwords
//! count down and the fifth ends the session; a session reopened without a
//! password (restart) can only be unlocked by logging in again.

use cabinet_core::secrets::{Keychain, KeychainBackend};
use cabinet_core::view::LoginStep;
use cabinet_core::Cabinet;
use cabinet_portal::{Portal, PortalConfig};

async fn logged_in(url: &str, data: &std::path::Path) -> Cabinet {
    let cab = Cabinet::new(
        url.parse().unwrap(),
        data,
        Keychain::new(KeychainBackend::Keyutils),
    )
    .unwrap();
    let LoginStep::NeedCode { ticket, .. } = cab
        .login_password("buh@romashka.demo", "Buh-2026")
        .await
        .unwrap()
    else {
        panic!("code expected")
    };
    let code = cab.demo_sms(&ticket).await.unwrap().code;
    cab.submit_code(&ticket, &code).await.unwrap();
    cab
}

#[tokio::test(flavor = "multi_thread")]
async fn a_locked_session_shows_nothing_until_the_password_unlocks_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = PortalConfig::new(dir.path().join("portal.sqlite3"));
    config.demo = true;
    config.demo_key_kind = cabinet_sign::pki::KeyKind::EcdsaP256;
    let portal = Portal::open(config)
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let data = dir.path().join("app");
    let cab = logged_in(&portal.url(), &data).await;
    let org = cab
        .organizations()
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|o| o.short_name.contains("Ромашка"))
        .unwrap()
        .id;
    cab.sync(&org).await.unwrap();
    assert!(!cab.applications(&org).await.unwrap().is_empty());

    cab.lock().await.unwrap();
    let refused = [
        cab.applications(&org).await.map(|_| ()),
        cab.organizations().await.map(|_| ()),
        cab.open_organization(&org).await.map(|_| ()),
        cab.documents(&org).await.map(|_| ()),
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
