//! The core against the real portal on loopback, a real SQLite cache and the
//! real keychain code path (kernel keyutils; no D-Bus in tests).

use cabinet_core::secrets::{Keychain, KeychainBackend};
use cabinet_core::view::LoginStep;
use cabinet_core::Cabinet;
use cabinet_portal::{Portal, PortalConfig, RunningPortal};

async fn portal(dir: &std::path::Path) -> RunningPortal {
    let mut config = PortalConfig::new(dir.join("portal.sqlite3"));
    config.demo = true;
    Portal::open(config)
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn cabinet(url: &str, data: &std::path::Path) -> Cabinet {
    Cabinet::new(
        url.parse().unwrap(),
        data,
        Keychain::new(KeychainBackend::Keyutils),
    )
    .unwrap()
}

async fn login_accountant(cab: &Cabinet) {
    let info = cab.demo_info().await.expect("demo portal");
    let buh = info.users.iter().find(|u| u.role == "Бухгалтер").unwrap();
    let step = cab.login_password(&buh.login, &buh.password).await.unwrap();
    let LoginStep::NeedCode {
        ticket,
        destination,
        ..
    } = step
    else {
        panic!("code expected")
    };
    assert!(destination.unwrap().starts_with("+7 ***"));
    let sms = cab.demo_sms(&ticket).await.unwrap();
    let session = cab.submit_code(&ticket, &sms.code).await.unwrap();
    assert!(session.online);
    assert_eq!(session.user.full_name, "Петрова Анна Викторовна");
}

#[tokio::test]
async fn restart_without_network_opens_the_last_organization_from_cache() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("app");
    let p = portal(dir.path()).await;
    let url = p.url();

    let cab = cabinet(&url, &data);
    login_accountant(&cab).await;
    let orgs = cab.organizations().await.unwrap();
    assert!(orgs.online);
    let ip = orgs
        .items
        .iter()
        .find(|o| o.short_name.starts_with("ИП Смирнов"))
        .unwrap()
        .clone();
    let dash = cab.open_organization(&ip.id).await.unwrap();
    assert!(dash.online);
    assert_eq!(dash.profile.inn, ip.inn);
    assert_eq!(dash.role.as_deref(), Some("Бухгалтер"));
    drop(cab);

    // Restart with the portal up: the stored refresh token resumes online.
    let cab = cabinet(&url, &data);
    let s = cab.resume().await.unwrap().expect("resumed");
    assert!(s.online);
    assert_eq!(s.last_org_id.as_deref(), Some(ip.id.as_str()));
    drop(cab);

    // Restart with the portal gone: the cache opens read-only, offline.
    p.stop().await;
    let cab = cabinet(&url, &data);
    let s = cab.resume().await.unwrap().expect("resumed offline");
    assert!(!s.online);
    assert_eq!(s.user.full_name, "Петрова Анна Викторовна");
    let dash = cab
        .open_organization(s.last_org_id.as_deref().unwrap())
        .await
        .unwrap();
    assert!(!dash.online);
    assert_eq!(dash.profile.inn, ip.inn);
    assert_eq!(dash.profile.ogrn, ip.ogrn);
    let orgs = cab.organizations().await.unwrap();
    assert!(!orgs.online);
    assert_eq!(orgs.items.len(), 12);
    // An organization never opened online is not in the cache: a clear error.
    let other = orgs.items.iter().find(|o| o.id != ip.id).unwrap();
    assert_eq!(
        cab.open_organization(&other.id).await.unwrap_err().code(),
        "cache.not_found"
    );

    cab.logout(true, false).await.unwrap();
    assert!(
        cabinet(&url, &data).resume().await.unwrap().is_none(),
        "logout forgets the session"
    );
}

#[tokio::test]
async fn wrong_password_and_code_errors_carry_portal_codes() {
    let dir = tempfile::tempdir().unwrap();
    let p = portal(dir.path()).await;
    let cab = cabinet(&p.url(), &dir.path().join("app"));
    let err = cab
        .login_password("buh@romashka.demo", "nope")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "auth.invalid_credentials");
    assert_eq!(err.problem().unwrap().attempts_left, Some(4));
    assert_eq!(
        cab.login_password("", "x").await.unwrap_err().code(),
        "input.login"
    );
    let LoginStep::NeedCode { ticket, .. } = cab
        .login_password("buh@romashka.demo", "Buh-2026")
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(
        cab.submit_code(&ticket, "12a").await.unwrap_err().code(),
        "input.code"
    );
    let sms = cab.demo_sms(&ticket).await.unwrap();
    let wrong = if sms.code == "000000" {
        "111111"
    } else {
        "000000"
    };
    assert_eq!(
        cab.submit_code(&ticket, wrong).await.unwrap_err().code(),
        "auth.otp_invalid"
    );
}

#[tokio::test]
async fn unreachable_portal_is_an_offline_error() {
    let dir = tempfile::tempdir().unwrap();
    // A port nobody listens on: bind, learn it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cab = cabinet(&format!("http://127.0.0.1:{port}"), dir.path());
    let err = cab
        .login_password("buh@romashka.demo", "Buh-2026")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "network.offline");
    assert!(err.is_transient());
    assert!(
        cab.resume().await.unwrap().is_none(),
        "nothing cached, nothing to resume"
    );
}
