//! Certificate login over real HTTP: the demo PKI's director logs in with
//! his .pfx; every way a certificate or signature can be wrong is refused
//! with its own code; challenges are single-use and expire.

use std::time::Duration;

use base64::Engine;
use cabinet_api::{CertChallenge, DemoInfo, Me, Problem, TokenPair};
use cabinet_portal::{Clock, MfaMode, NewUser, Portal, PortalConfig, RunningPortal};
use cabinet_sign::cades::sign_detached;
use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
use cabinet_sign::{PfxIdentity, SigningKey};
use chrono::Utc;
use serde_json::json;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

struct Fixture {
    portal: RunningPortal,
    clock: Clock,
    http: reqwest::Client,
    dir: tempfile::TempDir,
}

async fn start(configure: impl FnOnce(&mut PortalConfig)) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(Utc::now());
    let mut config = PortalConfig::new(dir.path().join("portal.sqlite3"));
    config.clock = clock.clone();
    configure(&mut config);
    let portal = Portal::open(config)
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    Fixture {
        portal,
        clock,
        http: reqwest::Client::new(),
        dir,
    }
}

/// The demo with its default keys: GOST R 34.10-2012 256.
async fn demo() -> Fixture {
    start(|c| c.demo = true).await
}

impl Fixture {
    fn url(&self, path: &str) -> String {
        format!("{}/v1{path}", self.portal.url())
    }

    async fn challenge(&self) -> CertChallenge {
        let resp = self
            .http
            .post(self.url("/auth/challenge"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    async fn submit(&self, challenge_id: &str, signature: &[u8]) -> reqwest::Response {
        self.http
            .post(self.url("/auth/certificate"))
            .json(&json!({"challenge_id": challenge_id, "signature": B64.encode(signature)}))
            .send()
            .await
            .unwrap()
    }

    /// A full login with `key`: challenge, sign the nonce, submit.
    async fn login(&self, key: &dyn SigningKey) -> reqwest::Response {
        let c = self.challenge().await;
        let nonce = B64.decode(&c.nonce).unwrap();
        let sig = sign_detached(key, &nonce[..], Utc::now()).unwrap();
        self.submit(&c.challenge_id, &sig).await
    }

    async fn demo_pfx(&self, file: &str, password: &str) -> PfxIdentity {
        let bytes = self
            .http
            .get(self.url(&format!("/demo/certificates/{file}")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        PfxIdentity::open(&bytes, password).unwrap()
    }
}

async fn code_of(resp: reqwest::Response) -> String {
    assert_eq!(resp.status(), 401, "expected 401");
    resp.json::<Problem>().await.unwrap().code.to_string()
}

#[tokio::test]
async fn demo_director_logs_in_with_his_pfx_and_the_nonce_is_single_use() {
    let f = demo().await;
    let info: DemoInfo = f
        .http
        .get(f.url("/demo"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let files: Vec<_> = info
        .certificates
        .iter()
        .map(|c| c.file_name.as_str())
        .collect();
    assert_eq!(
        files,
        ["director.pfx", "accountant.pfx", "director-expired.pfx"]
    );
    let director = f
        .demo_pfx("director.pfx", cabinet_portal::DIRECTOR_PFX_PASSWORD)
        .await;
    assert_eq!(
        director.certificate().algorithm,
        cabinet_sign::Algorithm::Gost2012_256
    );
    assert_eq!(
        director.certificate().organization.as_deref(),
        Some("ООО «Ромашка»")
    );

    let c = f.challenge().await;
    let nonce = B64.decode(&c.nonce).unwrap();
    assert_eq!(nonce.len(), 32);
    let sig = sign_detached(&director, &nonce[..], Utc::now()).unwrap();
    let resp = f.submit(&c.challenge_id, &sig).await;
    assert_eq!(resp.status(), 200);
    let tokens: TokenPair = resp.json().await.unwrap();
    let me: Me = f
        .http
        .get(f.url("/me"))
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me.email, "director@romashka.demo");
    assert_eq!(me.snils, director.certificate().snils);

    // The same signed challenge again: refused, it was used.
    assert_eq!(
        code_of(f.submit(&c.challenge_id, &sig).await).await,
        "auth.challenge_invalid"
    );
    assert_eq!(
        code_of(f.submit("no-such-challenge", &sig).await).await,
        "auth.challenge_invalid"
    );

    // The files are on disk only when a directory is configured.
    assert!(!f.dir.path().join("demo-pki").exists());
}

#[tokio::test]
async fn bad_signatures_and_stale_challenges_are_refused() {
    let f = demo().await;
    let director = f
        .demo_pfx("director.pfx", cabinet_portal::DIRECTOR_PFX_PASSWORD)
        .await;

    // Signed something else than the nonce.
    let c = f.challenge().await;
    let sig = sign_detached(&director, &b"another nonce"[..], Utc::now()).unwrap();
    assert_eq!(
        code_of(f.submit(&c.challenge_id, &sig).await).await,
        "auth.signature_invalid"
    );

    // Flipped byte in the signature value (the last bytes of the DER).
    let c = f.challenge().await;
    let nonce = B64.decode(&c.nonce).unwrap();
    let mut sig = sign_detached(&director, &nonce[..], Utc::now()).unwrap();
    let last = sig.len() - 3;
    sig[last] ^= 0x40;
    assert_eq!(
        code_of(f.submit(&c.challenge_id, &sig).await).await,
        "auth.signature_invalid"
    );

    // Not CMS at all.
    let c = f.challenge().await;
    assert_eq!(
        code_of(f.submit(&c.challenge_id, b"garbage").await).await,
        "auth.signature_invalid"
    );

    // Signed in time, submitted after the challenge expired.
    let c = f.challenge().await;
    let nonce = B64.decode(&c.nonce).unwrap();
    let sig = sign_detached(&director, &nonce[..], Utc::now()).unwrap();
    f.clock.advance(Duration::from_secs(3 * 60));
    assert_eq!(
        code_of(f.submit(&c.challenge_id, &sig).await).await,
        "auth.challenge_expired"
    );
}

#[tokio::test]
async fn expired_demo_certificate_is_refused_even_if_the_client_claims_an_old_signing_time() {
    let f = demo().await;
    let expired = f
        .demo_pfx(
            "director-expired.pfx",
            cabinet_portal::DIRECTOR_PFX_PASSWORD,
        )
        .await;
    // A signing time inside the certificate's validity does not help: the
    // portal checks validity now.
    let c = f.challenge().await;
    let nonce = B64.decode(&c.nonce).unwrap();
    let back_then = expired.certificate().not_after - chrono::Duration::days(1);
    let sig = sign_detached(&expired, &nonce[..], back_then).unwrap();
    assert_eq!(
        code_of(f.submit(&c.challenge_id, &sig).await).await,
        "cert.expired"
    );
}

fn request(kind: KeyKind, profile: Profile, subject: Subject, from: i64, to: i64) -> Request {
    Request {
        kind,
        subject,
        not_before: Utc::now() + chrono::Duration::days(from),
        not_after: Utc::now() + chrono::Duration::days(to),
        profile,
    }
}

fn person(snils: &str) -> Subject {
    Subject {
        common_name: "Орлова Вера Ильинична".into(),
        snils: Some(snils.into()),
        ..Subject::default()
    }
}

#[tokio::test]
async fn configured_roots_and_crl_decide_who_may_log_in() {
    let kind = KeyKind::EcdsaP256;
    let ca = IssuedKey::new_root(&request(
        kind,
        Profile::Root,
        Subject {
            common_name: "УЦ Тест".into(),
            ..Subject::default()
        },
        -1,
        3650,
    ))
    .unwrap();
    let other_ca = IssuedKey::new_root(&request(
        kind,
        Profile::Root,
        Subject {
            common_name: "УЦ Тест".into(),
            ..Subject::default()
        },
        -1,
        3650,
    ))
    .unwrap();
    let snils = "15678901279";
    let good = ca
        .issue(&request(kind, Profile::Signer, person(snils), -1, 365))
        .unwrap();
    let revoked = ca
        .issue(&request(kind, Profile::Signer, person(snils), -1, 365))
        .unwrap();
    let crl = ca
        .crl(
            &[&revoked.certificate().serial],
            Utc::now() - chrono::Duration::hours(1),
            Utc::now() + chrono::Duration::days(7),
        )
        .unwrap();
    let ca_der = ca.certificate().der.clone();
    let f = start(move |c| {
        c.trusted_roots = vec![ca_der];
        c.crls = vec![crl];
    })
    .await;
    f.portal
        .admin()
        .create_user(NewUser {
            email: "orlova@example.ru".into(),
            full_name: "Орлова Вера Ильинична".into(),
            password: "Orlova-pass-1".into(),
            inn: None,
            snils: Some(snils.into()),
            ogrnip: None,
            phone: "+79990000001".into(),
            mfa: MfaMode::Sms,
        })
        .await
        .unwrap();

    assert_eq!(f.login(&good).await.status(), 200);
    assert_eq!(code_of(f.login(&revoked).await).await, "cert.revoked");

    let stranger = other_ca
        .issue(&request(kind, Profile::Signer, person(snils), -1, 365))
        .unwrap();
    assert_eq!(code_of(f.login(&stranger).await).await, "cert.untrusted");

    let future = ca
        .issue(&request(kind, Profile::Signer, person(snils), 2, 365))
        .unwrap();
    assert_eq!(code_of(f.login(&future).await).await, "cert.not_yet_valid");

    // A CA-profile certificate (keyCertSign only) may not log in.
    let not_for_signing = ca
        .issue(&request(kind, Profile::Root, person(snils), -1, 365))
        .unwrap();
    assert_eq!(
        code_of(f.login(&not_for_signing).await).await,
        "cert.key_usage"
    );

    let unknown = ca
        .issue(&request(
            kind,
            Profile::Signer,
            person("16789012344"),
            -1,
            365,
        ))
        .unwrap();
    assert_eq!(
        code_of(f.login(&unknown).await).await,
        "cert.unknown_holder"
    );
}

#[tokio::test]
async fn without_configured_roots_no_certificate_is_trusted() {
    let f = start(|_| {}).await;
    let ca = IssuedKey::new_root(&request(
        KeyKind::EcdsaP256,
        Profile::Root,
        Subject {
            common_name: "Self".into(),
            ..Subject::default()
        },
        -1,
        30,
    ))
    .unwrap();
    let key = ca
        .issue(&request(
            KeyKind::EcdsaP256,
            Profile::Signer,
            person("15678901279"),
            -1,
            30,
        ))
        .unwrap();
    assert_eq!(code_of(f.login(&key).await).await, "cert.untrusted");
}

#[tokio::test]
async fn demo_files_are_written_where_configured_and_old_cas_stay_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("portal.sqlite3");
    let pki = dir.path().join("pki");
    let open = || {
        let mut c = PortalConfig::new(&db);
        c.demo = true;
        c.demo_key_kind = KeyKind::EcdsaP256;
        c.demo_pki_dir = Some(pki.clone());
        Portal::open(c).unwrap()
    };
    drop(open());
    let first = std::fs::read(pki.join("director.pfx")).unwrap();
    assert!(pki.join("demo-ca.pem").exists());
    // A restart issues a new CA and new files; the first file still logs in.
    let portal = open().spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    assert_ne!(std::fs::read(pki.join("director.pfx")).unwrap(), first);
    let f = Fixture {
        portal,
        clock: Clock::System,
        http: reqwest::Client::new(),
        dir,
    };
    let old = PfxIdentity::open(&first, cabinet_portal::DIRECTOR_PFX_PASSWORD).unwrap();
    assert_eq!(f.login(&old).await.status(), 200);
}
