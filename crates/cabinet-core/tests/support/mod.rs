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
    let mut config = PortalConfig::new(dir.join("portal.sqlite3"));
    config.demo = true;
    config.demo_key_kind = cabinet_sign::pki::KeyKind::EcdsaP256;
    Portal::open(config)
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// Logs `cab` in as the demo accountant: password, then the demo SMS code.
pub async fn log_in_accountant(cab: &Cabinet) {
    let LoginStep::NeedCode { ticket, .. } = cab
        .login_password("buh@romashka.demo", "Buh-2026")
        .await
        .unwrap()
    else {
        panic!("the demo accountant needs a code")
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
