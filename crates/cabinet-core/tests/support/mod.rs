//! Shared by the core's integration tests: the reference portal with its
//! demo data on loopback, the demo accountant's login, a fault proxy.
// Each test binary uses its own part of this module.
#![allow(dead_code)]

pub mod proxy;

use cabinet_core::view::LoginStep;
use cabinet_core::Cabinet;
use cabinet_portal::{Portal, PortalConfig, RunningPortal};

/// A demo portal (ECDSA demo keys: quick to make) with its database in `dir`.
pub async fn demo_portal(dir: &std::path::Path) -> RunningPortal {
    Portal::open(PortalConfig::quick_demo(dir.join("portal.sqlite3")))
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// Network retries quick enough for tests: `attempts` tries, pauses of
/// 10 ms growing to at most `cap_ms`.
pub fn quick_retries(attempts: u32, cap_ms: u64) -> cabinet_core::sync::RetryPolicy {
    cabinet_core::sync::RetryPolicy {
        attempts,
        base: std::time::Duration::from_millis(10),
        cap: std::time::Duration::from_millis(cap_ms),
    }
}

/// A client of the portal at `url` with its data in `data` (5 s timeout,
/// `retry`), logged in as the demo accountant.
pub async fn accountant(
    url: &str,
    data: &std::path::Path,
    retry: cabinet_core::sync::RetryPolicy,
) -> Cabinet {
    let cab = Cabinet::new(
        url.parse().unwrap(),
        data,
        cabinet_core::secrets::Keychain::new(cabinet_core::secrets::KeychainBackend::Keyutils),
    )
    .unwrap()
    .with_network(std::time::Duration::from_secs(5), retry)
    .unwrap();
    log_in_accountant(&cab).await;
    cab
}

/// Logs `cab` in as the demo accountant: password, then the demo SMS code.
pub async fn log_in_accountant(cab: &Cabinet) {
    log_in(
        cab,
        cabinet_portal::ACCOUNTANT_LOGIN,
        cabinet_portal::ACCOUNTANT_PASSWORD,
    )
    .await
}

/// Logs `cab` in as a demo user: password, then the demo SMS code.
pub async fn log_in(cab: &Cabinet, login: &str, password: &str) {
    let LoginStep::NeedCode { ticket, .. } = cab.login_password(login, password).await.unwrap()
    else {
        panic!("the demo user {login} needs a code")
    };
    let code = cab.demo_sms(&ticket).await.unwrap().code;
    cab.submit_code(&ticket, &code).await.unwrap();
}

/// The id of ООО «Ромашка», the demo organization with applications.
pub async fn romashka(cab: &Cabinet) -> String {
    cab.organizations()
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|o| o.short_name.contains("Ромашка"))
        .unwrap()
        .id
}
