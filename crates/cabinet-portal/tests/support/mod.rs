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

/// Sends a raw HTTP/1.1 request that declares a body of `length` bytes
/// but sends only `sent` of them, and returns the raw answer.
///
/// Past a route's body limit the portal answers at once and closes the
/// connection; a client that keeps writing the whole body may see a broken
/// pipe before it reads that answer (the race is the sender's, not the
/// portal's). Stopping early keeps the test about the answer.
pub async fn declared_only(
    base: &str,
    request_line: &str,
    headers: &[(&str, &str)],
    length: usize,
    sent: &[u8],
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&host).await.unwrap();
    let mut head = format!("{request_line} HTTP/1.1\r\nHost: {host}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {length}\r\n\r\n"));
    tcp.write_all(head.as_bytes()).await.unwrap();
    // The portal may already have answered and closed: that is the point.
    let _ = tcp.write_all(sent).await;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(10), tcp.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                answer.extend_from_slice(&buf[..n]);
                if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}") {
                    break;
                }
            }
            Err(_) => panic!("no answer in 10 s: {}", String::from_utf8_lossy(&answer)),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}
