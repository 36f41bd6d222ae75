//! The portal's auth rules and membership checks, over real HTTP on loopback
//! against a real SQLite file. A manual clock expires codes and locks without
//! sleeping.

use std::time::Duration;

use cabinet_api::{MfaChannel, OrganizationList, PasswordLoginResponse, Problem, TokenPair};
use cabinet_portal::{Clock, MfaMode, NewUser, Portal, PortalConfig, RunningPortal};
use reqwest::StatusCode;
use serde_json::json;

const ACCOUNTANT: (&str, &str) = ("buh@romashka.demo", "Buh-2026");
const DIRECTOR: (&str, &str) = ("director@romashka.demo", "Director-2026");

struct Fixture {
    portal: RunningPortal,
    clock: Clock,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn start() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(chrono::Utc::now());
    // These tests do not log in with certificates: the quick key type.
    let mut config = PortalConfig::quick_demo(dir.path().join("portal.sqlite3"));
    config.clock = clock.clone();
    let portal = Portal::open(config)
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    Fixture {
        portal,
        clock,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

impl Fixture {
    fn url(&self, path: &str) -> String {
        format!("{}/v1{path}", self.portal.url())
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn password(&self, login: &str, password: &str) -> reqwest::Response {
        self.post(
            "/auth/password",
            json!({"login": login, "password": password}),
        )
        .await
    }

    async fn ticket(&self, (login, password): (&str, &str)) -> String {
        let resp = self.password(login, password).await;
        assert_eq!(resp.status(), StatusCode::OK);
        match resp.json::<PasswordLoginResponse>().await.unwrap() {
            PasswordLoginResponse::Mfa(m) => {
                assert!(m.mfa_required);
                assert_eq!(m.channel, MfaChannel::Sms);
                m.ticket
            }
            PasswordLoginResponse::Tokens(_) => panic!("demo users must pass a second factor"),
        }
    }

    async fn sms_code(&self, ticket: &str) -> String {
        let resp = self
            .http
            .get(self.url("/demo/sms"))
            .query(&[("ticket", ticket)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json::<cabinet_api::DemoSms>().await.unwrap().code
    }

    async fn login(&self, who: (&str, &str)) -> TokenPair {
        let ticket = self.ticket(who).await;
        let code = self.sms_code(&ticket).await;
        let resp = self
            .post("/auth/otp", json!({"ticket": ticket, "code": code}))
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    }

    async fn get_auth(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }
}

async fn problem(resp: reqwest::Response) -> Problem {
    assert_eq!(
        resp.headers()[reqwest::header::CONTENT_TYPE],
        "application/problem+json",
        "errors are RFC 7807"
    );
    resp.json().await.unwrap()
}

#[tokio::test]
async fn sixth_password_attempt_is_refused_with_unlock_time() {
    let f = start().await;
    for attempt in 1..=4 {
        let p = problem(f.password(ACCOUNTANT.0, "wrong").await).await;
        assert_eq!(p.code, "auth.invalid_credentials", "attempt {attempt}");
        assert_eq!(p.attempts_left, Some(5 - attempt));
    }
    let fifth = f.password(ACCOUNTANT.0, "wrong").await;
    assert_eq!(fifth.status(), StatusCode::LOCKED);
    let until = problem(fifth)
        .await
        .locked_until
        .expect("lock carries its end");

    // The sixth attempt is refused even with the right password, and says until when.
    let sixth = f.password(ACCOUNTANT.0, ACCOUNTANT.1).await;
    assert_eq!(sixth.status(), StatusCode::LOCKED);
    let p = problem(sixth).await;
    assert_eq!(p.code, "auth.locked");
    assert_eq!(p.locked_until.as_deref(), Some(until.as_str()));
    assert!(
        p.detail.unwrap().contains(&until),
        "the message carries the unlock time"
    );
    let until = chrono::DateTime::parse_from_rfc3339(&until).unwrap();
    let expected = f.clock.now() + chrono::Duration::minutes(15);
    assert!(
        (until.timestamp() - expected.timestamp()).abs() <= 1,
        "15 minutes lock"
    );

    // Another user is not affected.
    assert_eq!(
        f.password(DIRECTOR.0, DIRECTOR.1).await.status(),
        StatusCode::OK
    );

    // After the lock expires the right password works again.
    f.clock.advance(Duration::from_secs(15 * 60 + 1));
    assert_eq!(
        f.password(ACCOUNTANT.0, ACCOUNTANT.1).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn unknown_login_and_wrong_password_look_the_same() {
    let f = start().await;
    let a = problem(f.password("nobody@example.ru", "x").await).await;
    let b = problem(f.password(ACCOUNTANT.0, "x").await).await;
    assert_eq!(a.code, b.code);
    assert_eq!(a.status, 401);
}

#[tokio::test]
async fn wrong_code_then_right_code() {
    let f = start().await;
    let ticket = f.ticket(ACCOUNTANT).await;
    let code = f.sms_code(&ticket).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let resp = f
        .post("/auth/otp", json!({"ticket": ticket, "code": wrong}))
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let p = problem(resp).await;
    assert_eq!(p.code, "auth.otp_invalid");
    assert_eq!(p.field.as_deref(), Some("code"));
    assert_eq!(p.attempts_left, Some(4));

    let resp = f
        .post("/auth/otp", json!({"ticket": ticket, "code": code}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    // A ticket is single-use.
    let again = problem(
        f.post("/auth/otp", json!({"ticket": ticket, "code": code}))
            .await,
    )
    .await;
    assert_eq!(again.code, "auth.ticket_invalid");
}

#[tokio::test]
async fn five_wrong_codes_burn_the_ticket() {
    let f = start().await;
    let ticket = f.ticket(ACCOUNTANT).await;
    let code = f.sms_code(&ticket).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let p = problem(
            f.post("/auth/otp", json!({"ticket": ticket, "code": wrong}))
                .await,
        )
        .await;
        assert_eq!(p.code, "auth.otp_invalid");
    }
    let p = problem(
        f.post("/auth/otp", json!({"ticket": ticket, "code": code}))
            .await,
    )
    .await;
    assert_eq!(
        p.code, "auth.ticket_invalid",
        "the right code no longer helps"
    );
}

#[tokio::test]
async fn expired_code_is_refused() {
    let f = start().await;
    let ticket = f.ticket(ACCOUNTANT).await;
    let code = f.sms_code(&ticket).await;
    f.clock.advance(Duration::from_secs(5 * 60 + 1));
    let resp = f
        .post("/auth/otp", json!({"ticket": ticket, "code": code}))
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(problem(resp).await.code, "auth.otp_expired");
}

#[tokio::test]
async fn totp_user_logs_in_with_rfc6238_code() {
    let f = start().await;
    let secret = b"orgcabinet-totp-test-secret!";
    let b32 = data_encoding_b32(secret);
    f.portal
        .admin()
        .create_user(NewUser {
            email: "totp@example.ru".into(),
            full_name: "Тестов Тест".into(),
            password: "Totp-pass-1".into(),
            inn: None,
            snils: None,
            ogrnip: None,
            phone: "+79990000000".into(),
            mfa: MfaMode::Totp(b32),
        })
        .await
        .unwrap();
    let resp = f.password("totp@example.ru", "Totp-pass-1").await;
    let PasswordLoginResponse::Mfa(m) = resp.json().await.unwrap() else {
        panic!("mfa expected")
    };
    assert_eq!(m.channel, MfaChannel::Totp);
    assert!(m.destination.is_none());
    let now = f.clock.now().timestamp();
    let stale = cabinet_portal::totp_code(secret, now - 120);
    let p = problem(
        f.post("/auth/otp", json!({"ticket": m.ticket, "code": stale}))
            .await,
    )
    .await;
    assert_eq!(p.code, "auth.otp_invalid");
    let code = cabinet_portal::totp_code(secret, now);
    let resp = f
        .post("/auth/otp", json!({"ticket": m.ticket, "code": code}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

fn data_encoding_b32(bytes: &[u8]) -> String {
    // RFC 4648 base32 without padding, as authenticator apps take it.
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[tokio::test]
async fn refresh_token_rotates_and_reuse_revokes_the_session() {
    let f = start().await;
    let first = f.login(ACCOUNTANT).await;
    assert_eq!(
        f.get_auth("/me", &first.access_token).await.status(),
        StatusCode::OK
    );

    let resp = f
        .post(
            "/auth/refresh",
            json!({"refresh_token": first.refresh_token}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let second: TokenPair = resp.json().await.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(
        f.get_auth("/me", &second.access_token).await.status(),
        StatusCode::OK
    );

    // The old refresh token is refused after use…
    let resp = f
        .post(
            "/auth/refresh",
            json!({"refresh_token": first.refresh_token}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(problem(resp).await.code, "auth.refresh_invalid");
    // …and its reuse ends the session: the newer tokens stop working too.
    let p = problem(f.get_auth("/me", &second.access_token).await).await;
    assert_eq!(p.code, "auth.token_invalid");
    let p = problem(
        f.post(
            "/auth/refresh",
            json!({"refresh_token": second.refresh_token}),
        )
        .await,
    )
    .await;
    assert_eq!(p.code, "auth.refresh_invalid");
}

#[tokio::test]
async fn a_lost_refresh_reply_is_recovered_not_punished() {
    let f = start().await;
    let first = f.login(ACCOUNTANT).await;
    let refresh = |token: String, key: &'static str| {
        f.http
            .post(f.url("/auth/refresh"))
            .header("Idempotency-Key", key)
            .json(&json!({ "refresh_token": token }))
            .send()
    };

    // The portal rotates, but the client never sees the answer (a dropped
    // connection): it retries the same request, with the same key, and
    // gets a working pair; the pair it never received stops working.
    let lost: TokenPair = refresh(first.refresh_token.clone(), "r-1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resp = refresh(first.refresh_token.clone(), "r-1").await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let again: TokenPair = resp.json().await.unwrap();
    assert_eq!(
        f.get_auth("/me", &again.access_token).await.status(),
        StatusCode::OK
    );
    let p = problem(f.get_auth("/me", &lost.access_token).await).await;
    assert_eq!(p.code, "auth.token_invalid");
    let p = problem(refresh(lost.refresh_token.clone(), "r-2").await.unwrap()).await;
    assert_eq!(p.code, "auth.refresh_invalid");

    // Once the new pair has been used, even the same request coming back
    // is reuse: the session ends.
    let p = problem(refresh(first.refresh_token.clone(), "r-1").await.unwrap()).await;
    assert_eq!(p.code, "auth.refresh_invalid");
    let p = problem(f.get_auth("/me", &again.access_token).await).await;
    assert_eq!(p.code, "auth.token_invalid");

    // After the grace period even the same request does not help.
    let second = f.login(ACCOUNTANT).await;
    let _unseen: TokenPair = refresh(second.refresh_token.clone(), "r-3")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    f.clock.advance(Duration::from_secs(61));
    let p = problem(refresh(second.refresh_token.clone(), "r-3").await.unwrap()).await;
    assert_eq!(p.code, "auth.refresh_invalid");
}

#[tokio::test]
async fn a_stolen_refresh_token_replayed_by_another_request_revokes_the_family() {
    let f = start().await;
    let victim = f.login(ACCOUNTANT).await;
    let refresh = |token: String, key: Option<&'static str>| {
        let mut req = f.http.post(f.url("/auth/refresh"));
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        req.json(&json!({ "refresh_token": token })).send()
    };
    // The legitimate client rotates and has not used its new pair yet.
    let legit: TokenPair = refresh(victim.refresh_token.clone(), Some("legit-1"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // A thief replays the old token at once, without the key or with his
    // own: no new pair for him, and the whole family is revoked, the
    // legitimate pair's access token included.
    for key in [None, Some("thief-1")] {
        let p = problem(refresh(victim.refresh_token.clone(), key).await.unwrap()).await;
        assert_eq!(p.code, "auth.refresh_invalid");
    }
    let p = problem(f.get_auth("/me", &legit.access_token).await).await;
    assert_eq!(p.code, "auth.token_invalid");
    let p = problem(
        refresh(legit.refresh_token.clone(), Some("legit-2"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(p.code, "auth.refresh_invalid");
}

#[tokio::test]
async fn access_token_expires_and_refresh_recovers() {
    let f = start().await;
    let tokens = f.login(ACCOUNTANT).await;
    f.clock.advance(Duration::from_secs(5 * 60 + 1));
    let p = problem(f.get_auth("/me", &tokens.access_token).await).await;
    assert_eq!(p.code, "auth.token_expired");
    let resp = f
        .post(
            "/auth/refresh",
            json!({"refresh_token": tokens.refresh_token}),
        )
        .await;
    let fresh: TokenPair = resp.json().await.unwrap();
    assert_eq!(
        f.get_auth("/me", &fresh.access_token).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn logout_revokes_tokens() {
    let f = start().await;
    let tokens = f.login(DIRECTOR).await;
    let resp = f
        .post(
            "/auth/logout",
            json!({"refresh_token": tokens.refresh_token}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        problem(f.get_auth("/me", &tokens.access_token).await)
            .await
            .code,
        "auth.token_invalid"
    );
    let p = problem(
        f.post(
            "/auth/refresh",
            json!({"refresh_token": tokens.refresh_token}),
        )
        .await,
    )
    .await;
    assert_eq!(p.code, "auth.refresh_invalid");
}

#[tokio::test]
async fn non_member_gets_403_for_another_organizations_profile() {
    let f = start().await;
    let director = f.login(DIRECTOR).await;
    let accountant = f.login(ACCOUNTANT).await;

    let mine: OrganizationList = f
        .get_auth("/me/organizations", &director.access_token)
        .await
        .json()
        .await
        .unwrap();
    let theirs: OrganizationList = f
        .get_auth("/me/organizations", &accountant.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine.items.len(), 2);
    assert!(
        theirs.items.len() >= 12,
        "the accountant serves many organizations"
    );
    assert!(theirs
        .items
        .iter()
        .any(|o| o.short_name == "ИП Смирнов А. В."));

    let foreign = theirs
        .items
        .iter()
        .find(|o| !mine.items.iter().any(|m| m.id == o.id))
        .unwrap();
    let resp = f
        .get_auth(
            &format!("/orgs/{}/profile", foreign.id),
            &director.access_token,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(problem(resp).await.code, "org.forbidden");
    // A made-up id answers the same, so ids cannot be probed.
    let resp = f
        .get_auth(
            "/orgs/00000000-0000-0000-0000-000000000000/profile",
            &director.access_token,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    let own = &mine.items[0];
    let resp = f
        .get_auth(&format!("/orgs/{}/profile", own.id), &director.access_token)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let profile: cabinet_api::OrganizationProfile = resp.json().await.unwrap();
    assert_eq!(profile.inn, own.inn);
    cabinet_api::requisites::validate_inn(&profile.inn).unwrap();
}

#[tokio::test]
async fn org_routes_require_a_token() {
    let f = start().await;
    let resp = f.http.get(f.url("/me/organizations")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(problem(resp).await.code, "auth.required");
    let p = problem(f.get_auth("/me", "oca_forged").await).await;
    assert_eq!(p.code, "auth.token_invalid");
}

#[tokio::test]
async fn malformed_body_is_a_problem_too() {
    let f = start().await;
    let resp = f
        .http
        .post(f.url("/auth/password"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(problem(resp).await.code, "request.invalid");
}

#[tokio::test]
async fn ip_logs_in_with_ogrnip() {
    let f = start().await;
    let info: cabinet_api::DemoInfo = f
        .http
        .get(f.url("/demo"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ip = info
        .users
        .iter()
        .find(|u| u.login == "smirnov@ip.demo")
        .unwrap();
    let tokens = f.login((ip.login.as_str(), ip.password.as_str())).await;
    let orgs: OrganizationList = f
        .get_auth("/me/organizations", &tokens.access_token)
        .await
        .json()
        .await
        .unwrap();
    let ogrnip = &orgs.items[0].ogrn;
    assert_eq!(ogrnip.len(), 15);
    let resp = f.password(ogrnip, &ip.password).await;
    assert_eq!(resp.status(), StatusCode::OK, "OGRNIP is a login too");
}
