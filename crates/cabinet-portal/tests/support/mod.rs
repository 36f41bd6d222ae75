//! Shared by the portal's integration tests: the demo portal on loopback
//! and members of its demo organization logged in over HTTP.
// Each test binary uses its own part of this module.
#![allow(dead_code)]

use cabinet_api::{PasswordLoginResponse, TokenPair};
use cabinet_portal::{MfaMode, NewUser, Portal, PortalConfig, RunningPortal};
use serde_json::json;

/// A demo portal (ECDSA demo keys: quick to make) with its database in `dir`.
pub async fn demo_portal(dir: &std::path::Path) -> RunningPortal {
    Portal::open(PortalConfig::quick_demo(dir.join("portal.sqlite3")))
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// The id of ООО «Ромашка», the demo organization with applications.
pub async fn romashka(portal: &RunningPortal) -> String {
    let inn = cabinet_api::requisites::complete_inn10("770412345").unwrap();
    portal.admin().org_id_by_inn(&inn).await.unwrap()
}

/// A new user (no second factor) made a member of `org` with `role`, and
/// their access token from a password login.
pub async fn member_token(
    portal: &RunningPortal,
    org: &str,
    email: &str,
    name: &str,
    role: &str,
) -> String {
    let password = "Member-pass-1";
    let admin = portal.admin();
    let user = admin
        .create_user(NewUser {
            email: email.into(),
            full_name: name.into(),
            password: password.into(),
            inn: None,
            snils: None,
            ogrnip: None,
            phone: "+79990000010".into(),
            mfa: MfaMode::None,
        })
        .await
        .unwrap();
    admin.add_member(org, &user, role).await.unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/auth/password", portal.url()))
        .json(&json!({"login": email, "password": password}))
        .send()
        .await
        .unwrap();
    let PasswordLoginResponse::Tokens(TokenPair { access_token, .. }) = resp.json().await.unwrap()
    else {
        panic!("no second factor for this user")
    };
    access_token
}
