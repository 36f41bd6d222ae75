//! A new cabinet's registration confirmed by the head's qualified
//! signature instead of an SMS code, against the real portal: the
//! certificate of somebody else, one from a certification centre the
//! portal does not trust, and an expired one are each refused with their
//! code and the registration stays a draft; the head's own certificate
//! (ИНН ЮЛ and name as the state register has them) sends it, and it goes
//! on to an active cabinet. A signature of another version of the
//! registration does not confirm the current one.

use cabinet_api::{RegistrationForm, RegistrationState};
use cabinet_core::view::LoginStep;
use cabinet_core::Cabinet;
use cabinet_portal::{MfaMode, NewUser, Portal, PortalConfig};
use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
use cabinet_sign::SigningKey;
use chrono::{Duration, Utc};

fn ca(name: &str) -> IssuedKey {
    IssuedKey::new_root(&Request {
        kind: KeyKind::EcdsaP256,
        subject: Subject {
            common_name: name.into(),
            organization: Some(name.into()),
            ..Subject::default()
        },
        not_before: Utc::now() - Duration::days(1),
        not_after: Utc::now() + Duration::days(365),
        profile: Profile::Root,
    })
    .unwrap()
}

/// A signing certificate of `person` («Фамилия Имя Отчество») for the
/// organization with ИНН ЮЛ `inn`, valid from `from` to `to` days from now.
fn person_cert(ca: &IssuedKey, person: &str, inn: &str, from: i64, to: i64) -> IssuedKey {
    ca.issue(&Request {
        kind: KeyKind::EcdsaP256,
        subject: Subject {
            title: Some("Генеральный директор".into()),
            inn_le: Some(inn.into()),
            ..Subject::person(person)
        },
        not_before: Utc::now() + Duration::days(from),
        not_after: Utc::now() + Duration::days(to),
        profile: Profile::Signer,
    })
    .unwrap()
}

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.7\n1 0 obj\n<< >>\nstream\nBT ({text}) Tj ET\nendstream\nendobj\n%%EOF\n")
        .into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_heads_qualified_signature_confirms_a_registration_and_no_one_elses() {
    let dir = tempfile::tempdir().unwrap();
    // An accredited certification centre the portal trusts, and one it
    // does not.
    let trusted = ca("УЦ «Доверенный»");
    let stranger = ca("УЦ «Посторонний»");
    let mut config = PortalConfig::quick_demo(dir.path().join("portal.sqlite3"));
    config.trusted_roots.push(trusted.certificate().der.clone());
    // Its CRL: a signature is valid only with current revocation data.
    config.crls.push(
        trusted
            .crl(
                &[],
                Utc::now() - Duration::hours(1),
                Utc::now() + Duration::days(7),
            )
            .unwrap(),
    );
    let portal = Portal::open(config)
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let admin = portal.admin();
    admin
        .create_user(NewUser {
            email: "founder@example.ru".into(),
            full_name: "Орлов Пётр Ильич".into(),
            password: "Founder-pass-2026".into(),
            inn: None,
            snils: None,
            ogrnip: None,
            phone: "+79990000031".into(),
            mfa: MfaMode::None,
        })
        .await
        .unwrap();
    let company = admin
        .unregistered_companies(50)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.kpp.is_some())
        .expect("a legal entity in the demo register");

    let cab = Cabinet::new(
        portal.url().as_str().parse().unwrap(),
        &dir.path().join("client"),
        cabinet_core::secrets::Keychain::new(cabinet_core::secrets::KeychainBackend::Keyutils),
    )
    .unwrap();
    let step = cab
        .login_password("founder@example.ru", "Founder-pass-2026")
        .await
        .unwrap();
    assert!(matches!(step, LoginStep::Done { .. }));
    let reg = cab
        .start_registration(RegistrationForm {
            inn: company.inn.clone(),
            ogrn: company.ogrn.clone(),
            kpp: company.kpp.clone(),
            legal_address: company.legal_address.clone(),
            email: "office@example.ru".into(),
            phone: "+7 916 123-45-67".into(),
        })
        .await
        .unwrap();
    assert_eq!(reg.head_name, company.head_name);
    cab.upload_registration_document(
        &reg.id,
        cabinet_api::registration::CHARTER,
        "Устав.pdf",
        pdf(&format!("Ustav, INN {}", company.inn)),
    )
    .await
    .unwrap();
    let reg = cab
        .upload_registration_document(
            &reg.id,
            cabinet_api::registration::FOUNDING_DECISION,
            "Решение.pdf",
            pdf(&format!("Reshenie, OGRN {}", company.ogrn)),
        )
        .await
        .unwrap();

    let draft = |r: &cabinet_api::Registration| r.state == RegistrationState::Draft;
    let state = || async {
        cab.registrations()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.id == reg.id)
            .unwrap()
    };

    // The founder's own certificate for this company: not the head.
    let founder = person_cert(&trusted, "Орлов Пётр Ильич", &company.inn, -1, 365);
    let e = cab
        .submit_registration_signed(&reg.id, &founder)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "registration.signer_not_head", "{e}");
    let detail = e
        .problem()
        .and_then(|p| p.detail.clone())
        .unwrap_or_default();
    assert!(detail.contains(&company.head_name), "{detail}");
    // The head's name, but another company's ИНН.
    let elsewhere = person_cert(&trusted, &company.head_name, "7707083893", -1, 365);
    let e = cab
        .submit_registration_signed(&reg.id, &elsewhere)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "registration.signer_not_head", "{e}");
    // The head, by a centre the portal does not trust.
    let untrusted = person_cert(&stranger, &company.head_name, &company.inn, -1, 365);
    let e = cab
        .submit_registration_signed(&reg.id, &untrusted)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "cert.untrusted", "{e}");
    // The head's expired certificate: refused before anything is sent.
    let expired = person_cert(&trusted, &company.head_name, &company.inn, -400, -10);
    let e = cab
        .submit_registration_signed(&reg.id, &expired)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "cert.expired", "{e}");
    assert!(draft(&state().await), "still a draft after every refusal");

    // A signature of the registration as it was before the last document
    // does not confirm it as it is.
    let head = person_cert(&trusted, &company.head_name, &company.inn, -1, 365);
    let mut older = reg.clone();
    older.version -= 1;
    let stale = cabinet_sign::cades::sign_detached(&head, older.statement().as_bytes(), Utc::now())
        .unwrap();
    let http = reqwest::Client::new();
    let token = founder_token(&portal).await;
    use base64::Engine;
    let r = http
        .post(format!(
            "{}/v1/registrations/{}/submit",
            base(&portal),
            reg.id
        ))
        .bearer_auth(&token)
        .header("Idempotency-Key", "stale-1")
        .json(&serde_json::json!({
            "signature": base64::engine::general_purpose::STANDARD.encode(stale)
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let p: cabinet_api::Problem = r.json().await.unwrap();
    assert_eq!(p.code, "auth.signature_invalid", "{p:?}");
    assert!(draft(&state().await));

    // The head's own: sent, then verified and active.
    let sent = cab
        .submit_registration_signed(&reg.id, &head)
        .await
        .unwrap();
    assert_eq!(sent.state, RegistrationState::Checking);
    admin.review_registrations().await.unwrap();
    admin.review_registrations().await.unwrap();
    let done = state().await;
    assert_eq!(done.state, RegistrationState::Active, "{done:?}");
    assert!(done.org_id.is_some());
}

fn base(portal: &cabinet_portal::RunningPortal) -> String {
    portal.url().to_string().trim_end_matches('/').to_owned()
}

/// A bearer token of the founder straight from the portal's API, for the
/// one request the client would never make (a stale signature).
async fn founder_token(portal: &cabinet_portal::RunningPortal) -> String {
    let r: cabinet_api::PasswordLoginResponse = reqwest::Client::new()
        .post(format!("{}/v1/auth/password", base(portal)))
        .json(&serde_json::json!({
            "login": "founder@example.ru",
            "password": "Founder-pass-2026"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    match r {
        cabinet_api::PasswordLoginResponse::Tokens(t) => t.access_token,
        other => panic!("{other:?}"),
    }
}
