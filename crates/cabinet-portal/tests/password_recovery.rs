//! The password over HTTP. «Забыли пароль?»: the first step answers alike
//! for any login, the code comes to the user's phone, the new password
//! follows the rule, and setting it ends every session, lifts a login lock
//! and spends the ticket. A signed-in change keeps the asking session and
//! ends the others. An authenticator app replaces SMS codes once a code
//! made with it is confirmed.

mod support;

use cabinet_api::{PasswordLoginResponse, Problem, RecoveryTicket, TokenPair};
use cabinet_portal::{MfaMode, NewUser};
use serde_json::{json, Value};

const LOGIN: &str = "forgetful@example.ru";
const OLD: &str = "Old-pass-2025";
const NEW: &str = "Новый-пароль-2026";

async fn post(http: &reqwest::Client, url: String, body: Value) -> reqwest::Response {
    http.post(url).json(&body).send().await.unwrap()
}

async fn problem(resp: reqwest::Response) -> (u16, Problem) {
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// The test's user: `LOGIN` with the password `OLD`, no second factor.
async fn user(portal: &cabinet_portal::RunningPortal, name: &str, phone: &str) {
    portal
        .admin()
        .create_user(NewUser {
            email: LOGIN.into(),
            full_name: name.into(),
            password: OLD.into(),
            inn: None,
            snils: None,
            ogrnip: None,
            phone: phone.into(),
            mfa: MfaMode::None,
        })
        .await
        .unwrap();
}

async fn login(http: &reqwest::Client, base: &str, password: &str) -> reqwest::Response {
    post(
        http,
        format!("{base}/v1/auth/password"),
        json!({"login": LOGIN, "password": password}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forgotten_password_is_replaced_with_a_code_and_old_sessions_end() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let base = portal.url();
    let http = reqwest::Client::new();
    user(&portal, "Забывчивый З. З.", "+79990000033").await;
    let old: PasswordLoginResponse = login(&http, &base, OLD).await.json().await.unwrap();
    let PasswordLoginResponse::Tokens(old) = old else {
        panic!("no second factor for this user")
    };
    // Five wrong passwords lock the login.
    for _ in 0..5 {
        login(&http, &base, "Wrong-pass-1").await;
    }
    assert_eq!(
        problem(login(&http, &base, OLD).await).await.1.code,
        "auth.locked"
    );

    // An unknown login gets a ticket too, which no code opens.
    let ghost: RecoveryTicket = post(
        &http,
        format!("{base}/v1/auth/recovery"),
        json!({"login": "nobody@example.ru"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let (status, p) = problem(
        post(
            &http,
            format!("{base}/v1/auth/recovery/confirm"),
            json!({"ticket": ghost.ticket, "code": "123456", "new_password": NEW}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, p.code.as_str(), p.attempts_left),
        (401, "auth.otp_invalid", Some(4))
    );

    let ticket: RecoveryTicket = post(
        &http,
        format!("{base}/v1/auth/recovery"),
        json!({"login": LOGIN}),
    )
    .await
    .json()
    .await
    .unwrap();
    let sms: cabinet_api::DemoSms = http
        .get(format!("{base}/v1/demo/sms"))
        .query(&[("ticket", &ticket.ticket)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sms.phone, "+79990000033");
    let confirm = |code: &str, password: &str| json!({"ticket": ticket.ticket, "code": code, "new_password": password});
    let (status, p) = problem(
        post(
            &http,
            format!("{base}/v1/auth/recovery/confirm"),
            confirm(&sms.code, "short1"),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, p.code.as_str(), p.field.as_deref()),
        (422, "auth.weak_password", Some("new_password"))
    );
    let wrong = if sms.code == "000000" {
        "111111"
    } else {
        "000000"
    };
    let (_, p) = problem(
        post(
            &http,
            format!("{base}/v1/auth/recovery/confirm"),
            confirm(wrong, NEW),
        )
        .await,
    )
    .await;
    assert_eq!(
        (p.code.as_str(), p.attempts_left),
        ("auth.otp_invalid", Some(4))
    );
    let done = post(
        &http,
        format!("{base}/v1/auth/recovery/confirm"),
        confirm(&sms.code, NEW),
    )
    .await;
    assert_eq!(done.status(), 200);

    // Spent; the old password and the old session are gone; the lock too.
    let (_, p) = problem(
        post(
            &http,
            format!("{base}/v1/auth/recovery/confirm"),
            confirm(&sms.code, NEW),
        )
        .await,
    )
    .await;
    assert_eq!(p.code, "auth.ticket_invalid");
    assert_eq!(
        problem(login(&http, &base, OLD).await).await.1.code,
        "auth.invalid_credentials"
    );
    assert_session_over(&http, &base, &old).await;
    let fresh: PasswordLoginResponse = login(&http, &base, NEW).await.json().await.unwrap();
    let PasswordLoginResponse::Tokens(TokenPair { access_token, .. }) = fresh else {
        panic!("the new password does not log in")
    };
    let me = http
        .get(format!("{base}/v1/me"))
        .bearer_auth(&access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
}

async fn tokens(http: &reqwest::Client, base: &str, password: &str) -> TokenPair {
    match login(http, base, password).await.json().await.unwrap() {
        PasswordLoginResponse::Tokens(t) => t,
        PasswordLoginResponse::Mfa(_) => panic!("no second factor for this user"),
    }
}

async fn me_status(http: &reqwest::Client, base: &str, access: &str) -> u16 {
    http.get(format!("{base}/v1/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Neither the access token nor the refresh token of `pair` works.
async fn assert_session_over(http: &reqwest::Client, base: &str, pair: &TokenPair) {
    assert_eq!(me_status(http, base, &pair.access_token).await, 401);
    let (_, p) = problem(
        post(
            http,
            format!("{base}/v1/auth/refresh"),
            json!({"refresh_token": pair.refresh_token}),
        )
        .await,
    )
    .await;
    assert_eq!(p.code, "auth.refresh_invalid");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_password_ends_the_other_sessions_and_keeps_this_one() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let base = portal.url();
    let http = reqwest::Client::new();
    user(&portal, "Осторожный О. О.", "+79990000034").await;
    // The office computer and a laptop.
    let here = tokens(&http, &base, OLD).await;
    let there = tokens(&http, &base, OLD).await;
    let change = |current: &str, new: &str| {
        http.post(format!("{base}/v1/auth/password/change"))
            .bearer_auth(&here.access_token)
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
    };
    let anonymous = http
        .post(format!("{base}/v1/auth/password/change"))
        .json(&json!({"current_password": OLD, "new_password": NEW}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let (status, p) = problem(change("Wrong-pass-1", NEW).await.unwrap()).await;
    assert_eq!(
        (status, p.code.as_str(), p.field.as_deref(), p.attempts_left),
        (
            422,
            "auth.wrong_password",
            Some("current_password"),
            Some(4)
        )
    );
    let (_, p) = problem(change(OLD, "short1").await.unwrap()).await;
    assert_eq!(
        (p.code.as_str(), p.field.as_deref()),
        ("auth.weak_password", Some("new_password"))
    );
    let (_, p) = problem(change(OLD, OLD).await.unwrap()).await;
    assert_eq!(
        (p.code.as_str(), p.field.as_deref()),
        ("auth.same_password", Some("new_password"))
    );
    assert_eq!(change(OLD, NEW).await.unwrap().status(), 200);

    // This session goes on, refresh included; the laptop's is over.
    assert_eq!(me_status(&http, &base, &here.access_token).await, 200);
    let refreshed = post(
        &http,
        format!("{base}/v1/auth/refresh"),
        json!({"refresh_token": here.refresh_token}),
    )
    .await;
    assert_eq!(refreshed.status(), 200);
    assert_session_over(&http, &base, &there).await;
    assert_eq!(
        problem(login(&http, &base, OLD).await).await.1.code,
        "auth.invalid_credentials"
    );
    let next = tokens(&http, &base, NEW).await;

    // Guessing the current password at an unlocked desk: the fifth wrong
    // one locks the account and ends every session, this one too.
    let guess = || async {
        let resp = http
            .post(format!("{base}/v1/auth/password/change"))
            .bearer_auth(&next.access_token)
            .json(&json!({"current_password": "Guess-000", "new_password": "Guess-0001"}))
            .send()
            .await
            .unwrap();
        problem(resp).await
    };
    for left in (1..=4).rev() {
        assert_eq!(guess().await.1.attempts_left, Some(left));
    }
    let (status, p) = guess().await;
    assert_eq!((status, p.code.as_str()), (423, "auth.locked"));
    assert_eq!(me_status(&http, &base, &next.access_token).await, 401);
    assert_eq!(
        problem(login(&http, &base, NEW).await).await.1.code,
        "auth.locked"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_authenticator_app_replaces_sms_codes_once_a_code_from_it_is_confirmed() {
    use cabinet_api::{MfaChannel, Security, TotpEnrollment};
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let base = portal.url();
    let http = reqwest::Client::new();
    user(&portal, "Надёжный Н. Н.", "+79990000035").await;
    let token = tokens(&http, &base, OLD).await.access_token;
    let call = |path: &str, body: Option<Value>| {
        let rb = match body {
            Some(b) => http.post(format!("{base}/v1/me/{path}")).json(&b),
            None => http.get(format!("{base}/v1/me/{path}")),
        };
        rb.bearer_auth(&token).send()
    };
    let security: Security = call("security", None).await.unwrap().json().await.unwrap();
    assert_eq!(security.second_factor, None);
    let (status, p) = problem(
        call("totp/confirm", Some(json!({"code": "123456"})))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, p.code.as_str()), (409, "auth.totp_not_started"));

    let enrollment: TotpEnrollment = call("totp", Some(json!({})))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(enrollment
        .uri
        .starts_with("otpauth://totp/OrgCabinet:forgetful%40example.ru?secret="));
    assert!(enrollment.uri.contains(&enrollment.secret));
    let key = data_encoding::BASE32_NOPAD
        .decode(enrollment.secret.as_bytes())
        .unwrap();
    let now = chrono::Utc::now().timestamp();
    let right = cabinet_portal::totp_code(&key, now);
    // A code from another minute is wrong; the login is unchanged so far.
    let wrong = cabinet_portal::totp_code(&key, now + 600);
    let (status, p) = problem(
        call("totp/confirm", Some(json!({"code": wrong})))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, p.code.as_str(), p.field.as_deref(), p.attempts_left),
        (422, "auth.totp_invalid", Some("code"), Some(4))
    );
    let step: PasswordLoginResponse = login(&http, &base, OLD).await.json().await.unwrap();
    assert!(matches!(step, PasswordLoginResponse::Tokens(_)));

    let security: Security = call("totp/confirm", Some(json!({"code": right})))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(security.second_factor, Some(MfaChannel::Totp));
    // The password alone no longer logs in: the app's code is asked, and
    // taken.
    let PasswordLoginResponse::Mfa(challenge) =
        login(&http, &base, OLD).await.json().await.unwrap()
    else {
        panic!("no second factor after the set-up")
    };
    assert_eq!(challenge.channel, MfaChannel::Totp);
    let done = post(
        &http,
        format!("{base}/v1/auth/otp"),
        json!({"ticket": challenge.ticket, "code": cabinet_portal::totp_code(&key, chrono::Utc::now().timestamp())}),
    )
    .await;
    assert_eq!(done.status(), 200);

    // Turning it off takes the password.
    let (_, p) = problem(
        call(
            "totp/disable",
            Some(json!({"current_password": "Guess-000"})),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(p.code, "auth.wrong_password");
    let security: Security = call("totp/disable", Some(json!({"current_password": OLD})))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(security.second_factor, Some(MfaChannel::Sms));
}
