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
/// their access token from a password login (as a member: the login is in
/// the organization's audit log).
pub async fn member_token(
    portal: &RunningPortal,
    org: &str,
    email: &str,
    name: &str,
    role: &str,
) -> String {
    let user = new_user(portal, email, name).await;
    portal.admin().add_member(org, &user, role).await.unwrap();
    log_in(portal, email).await
}

/// A new user (no second factor) of no organization, logged in.
pub async fn stranger_token(portal: &RunningPortal, email: &str, name: &str) -> String {
    new_user(portal, email, name).await;
    log_in(portal, email).await
}

pub const PASSWORD: &str = "Member-pass-1";

async fn new_user(portal: &RunningPortal, email: &str, name: &str) -> String {
    portal
        .admin()
        .create_user(NewUser {
            email: email.into(),
            full_name: name.into(),
            password: PASSWORD.into(),
            inn: None,
            snils: None,
            ogrnip: None,
            phone: "+79990000010".into(),
            mfa: MfaMode::None,
        })
        .await
        .unwrap()
}

async fn log_in(portal: &RunningPortal, email: &str) -> String {
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/auth/password", portal.url()))
        .json(&json!({"login": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let PasswordLoginResponse::Tokens(TokenPair { access_token, .. }) = resp.json().await.unwrap()
    else {
        panic!("no second factor for this user")
    };
    access_token
}
