//! End-to-end: a new organization cabinet registered through the wizard in
//! the real window, refused once for a wrong document, fixed and activated.
//!
//! A portal user without organizations, who has forgotten his password,
//! sets a new one with a code from his phone («Забыли пароль?») and logs
//! in. He starts a registration from the chooser. A mistyped INN is
//! refused in place with the field marked; the
//! right requisites are found in the state register. He attaches the
//! charter of another company by mistake and the founding decision,
//! confirms with the code from the demo "phone" and sends. The registry
//! office refuses, naming the charter; the wizard leads him back to it, he
//! replaces it and this time confirms with a qualified signature: his own
//! certificate, added from a .pfx right in the wizard, is refused as not
//! the head's; the head's certificate (from a certification centre the
//! portal trusts) sends it. The office verifies, the
//! cabinet becomes active, and «Открыть кабинет» opens the new
//! organization, where he is the head. The portal holds one registration.

use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Result};
use cabinet_e2e::{api_token, app_env, find, screenshot, text_contains, text_of, Driver, SERIAL};
use cabinet_portal::{MfaMode, NewUser, Portal, PortalConfig};
use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
use cabinet_sign::SigningKey;
use fantoccini::Client;

const LOGIN: &str = "founder@vega.example";
const PASSWORD: &str = "Founder-pass-2026";

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.7\n1 0 obj\n<< >>\nstream\nBT ({text}) Tj ET\nendstream\nendobj\n%%EOF\n")
        .into_bytes()
}

async fn type_into(c: &Client, css: &str, text: &str) -> Result<()> {
    let input = find(c, css).await?;
    input.clear().await?;
    input.send_keys(text).await?;
    Ok(())
}

/// Asks for a code, types what the demo portal's "phone" shows, and sends.
async fn confirm_and_send(c: &Client) -> Result<()> {
    find(c, "[data-testid=registration-send-code]")
        .await?
        .click()
        .await?;
    text_contains(
        c,
        "[data-testid=registration-code-sent]",
        "+7 *** ***-**-02",
    )
    .await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let code = loop {
        let t = text_of(c, "[data-testid=registration-demo-code] strong")
            .await?
            .unwrap_or_default();
        if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
            break t;
        }
        ensure!(Instant::now() < deadline, "no demo code, last {t:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    type_into(c, "#reg-code", &code).await?;
    Ok(())
}

/// A .pfx (password `password`) of `person` («Фамилия Имя Отчество») for
/// the organization with ИНН ЮЛ `inn`, issued by `ca`.
fn pfx(ca: &IssuedKey, person: &str, inn: &str, password: &str) -> Result<Vec<u8>> {
    let now = chrono::Utc::now();
    let key = ca.issue(&Request {
        kind: KeyKind::EcdsaP256,
        subject: Subject {
            title: Some("Генеральный директор".into()),
            inn_le: Some(inn.into()),
            ..Subject::person(person)
        },
        not_before: now - chrono::Duration::days(1),
        not_after: now + chrono::Duration::days(365),
        profile: Profile::Signer,
    })?;
    Ok(key.to_pfx(password)?)
}

/// Adds a .pfx to «my certificates» from the wizard's signing form.
async fn add_pfx(c: &Client, path: &std::path::Path, password: &str) -> Result<()> {
    find(c, "[data-testid=add-pfx-open]").await?.click().await?;
    type_into(c, "[data-testid=add-pfx-path]", &path.display().to_string()).await?;
    type_into(c, "[data-testid=add-pfx-password]", password).await?;
    find(c, "[data-testid=add-pfx-submit]")
        .await?
        .click()
        .await?;
    Ok(())
}

async fn state_is(c: &Client, state: &str) -> Result<()> {
    find(
        c,
        &format!("[data-testid=registration-status][data-state={state}]"),
    )
    .await
    .map(|_| ())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_organization_is_registered_refused_once_fixed_and_activated() -> Result<()> {
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    // A certification centre the portal trusts, which issued the head's
    // qualified certificate.
    let now = chrono::Utc::now();
    let ca = IssuedKey::new_root(&Request {
        kind: KeyKind::EcdsaP256,
        subject: Subject {
            common_name: "УЦ «Доверенный»".into(),
            ..Subject::default()
        },
        not_before: now - chrono::Duration::days(1),
        not_after: now + chrono::Duration::days(365),
        profile: Profile::Root,
    })?;
    let mut config = PortalConfig::quick_demo(tmp.path().join("portal.sqlite3"));
    config.trusted_roots.push(ca.certificate().der.clone());
    // Its CRL: the head's signature is valid only with revocation data.
    let now = chrono::Utc::now();
    config.crls.push(
        ca.crl(
            &[],
            now - chrono::Duration::hours(1),
            now + chrono::Duration::days(7),
        )
        .unwrap(),
    );
    let portal = Portal::open(config)?.spawn("127.0.0.1:0".parse()?).await?;
    let url = portal.url();
    let admin = portal.admin();
    admin
        .create_user(NewUser {
            email: LOGIN.into(),
            full_name: "Морозов Андрей Павлович".into(),
            password: "Forgotten-pass-2019".into(),
            inn: None,
            snils: None,
            ogrnip: None,
            phone: "+79990000021".into(),
            mfa: MfaMode::None,
        })
        .await?;
    let companies = admin.unregistered_companies(50).await?;
    let mut legal = companies.iter().filter(|c| c.kpp.is_some());
    let (company, other) = match (legal.next(), legal.next()) {
        (Some(a), Some(b)) => (a.clone(), b.clone()),
        _ => bail!("the demo register has no two companies: {companies:?}"),
    };

    let files = tmp.path().join("files");
    std::fs::create_dir_all(&files)?;
    let wrong_charter = files.join("Устав.pdf");
    std::fs::write(&wrong_charter, pdf(&format!("Ustav, INN {}", other.inn)))?;
    let decision = files.join("Решение о создании.pdf");
    std::fs::write(
        &decision,
        pdf(&format!("Reshenie o sozdanii, OGRN {}", company.ogrn)),
    )?;
    let charter = files.join("Устав (редакция 2024).pdf");
    std::fs::write(&charter, pdf(&format!("Ustav, INN {}", company.inn)))?;
    let own_pfx = files.join("morozov.pfx");
    std::fs::write(
        &own_pfx,
        pfx(&ca, "Морозов Андрей Павлович", &company.inn, "Own-KEP")?,
    )?;
    let head_pfx = files.join("head.pfx");
    std::fs::write(
        &head_pfx,
        pfx(&ca, &company.head_name, &company.inn, "Head-KEP")?,
    )?;

    let driver = Driver::start(&app_env(tmp.path(), &[]))?;
    let c = driver.launch(&["--portal", url.as_str()]).await?;
    // He has forgotten his password: «Забыли пароль?», the code from his
    // phone, a new one.
    find(&c, "#login").await?.send_keys(LOGIN).await?;
    find(&c, "[data-testid=forgot-password]")
        .await?
        .click()
        .await?;
    find(&c, "[data-testid=recovery-ask]")
        .await?
        .click()
        .await?;
    let code = text_contains(&c, "[data-testid=recovery-demo-code] strong", "").await?;
    type_into(&c, "#recovery-code", &code).await?;
    type_into(&c, "#recovery-password", PASSWORD).await?;
    type_into(&c, "#recovery-repeat", PASSWORD).await?;
    screenshot(&c, "password-recovery").await?;
    find(&c, "[data-testid=recovery-submit]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=recovery-done]", "Пароль изменён").await?;
    find(&c, "#password").await?.send_keys(PASSWORD).await?;
    find(&c, "button[type=submit]").await?.click().await?;

    // No organizations yet: the chooser offers to register one.
    text_contains(&c, ".box", "не состоите ни в одной организации").await?;
    screenshot(&c, "registration-chooser").await?;
    find(&c, "[data-testid=register-org]")
        .await?
        .click()
        .await?;

    // Requisites: a typo in the INN is caught before the portal is asked.
    let last = company.inn.as_bytes()[9] - b'0';
    let typo = format!("{}{}", &company.inn[..9], (last + 1) % 10);
    type_into(&c, "#reg-inn", &typo).await?;
    type_into(&c, "#reg-ogrn", &company.ogrn).await?;
    type_into(&c, "#reg-kpp", company.kpp.as_deref().unwrap_or_default()).await?;
    type_into(&c, "#reg-address", &company.legal_address).await?;
    type_into(&c, "#reg-email", "office@vega.example").await?;
    type_into(&c, "#reg-phone", "8 916 555-01-02").await?;
    find(&c, "[data-testid=registration-check]")
        .await?
        .click()
        .await?;
    text_contains(
        &c,
        "[data-testid=registration-error]",
        "ИНН не проходит проверку контрольной суммы",
    )
    .await?;
    find(&c, "#reg-inn[aria-invalid=true]").await?;
    screenshot(&c, "registration-requisites-error").await?;
    type_into(&c, "#reg-inn", &company.inn).await?;
    find(&c, "[data-testid=registration-check]")
        .await?
        .click()
        .await?;

    // Documents: the wrong charter by mistake, and the decision.
    let slot = |kind: &str| {
        format!("[data-testid=registration-slot][data-kind={kind}] [data-testid=registration-file-input]")
    };
    find(&c, &slot("charter"))
        .await?
        .send_keys(&wrong_charter.display().to_string())
        .await?;
    text_contains(
        &c,
        "[data-testid=registration-slot][data-kind=charter]",
        "Устав.pdf",
    )
    .await?;
    find(&c, &slot("founding_decision"))
        .await?
        .send_keys(&decision.display().to_string())
        .await?;
    text_contains(
        &c,
        "[data-testid=registration-slot][data-kind=founding_decision]",
        "Решение о создании.pdf",
    )
    .await?;
    screenshot(&c, "registration-documents").await?;
    find(&c, "[data-testid=registration-next]")
        .await?
        .click()
        .await?;
    confirm_and_send(&c).await?;
    screenshot(&c, "registration-confirm").await?;
    find(&c, "[data-testid=registration-submit]")
        .await?
        .click()
        .await?;
    state_is(&c, "checking").await?;

    // The office reads the charter: another company's. The wizard sees it
    // by itself.
    let moved = admin.review_registrations().await?;
    ensure!(moved.len() == 1, "the office moved {moved:?}");
    state_is(&c, "refused").await?;
    text_contains(
        &c,
        "[data-testid=registration-refusal]",
        "Замените документ «Устав».",
    )
    .await?;
    screenshot(&c, "registration-refused").await?;
    find(&c, "[data-testid=registration-fix]")
        .await?
        .click()
        .await?;
    find(
        &c,
        "[data-testid=registration-slot][data-kind=charter].faulty",
    )
    .await?;
    find(&c, &slot("charter"))
        .await?
        .send_keys(&charter.display().to_string())
        .await?;
    text_contains(
        &c,
        "[data-testid=registration-slot][data-kind=charter]",
        "Устав (редакция 2024).pdf",
    )
    .await?;
    find(&c, "[data-testid=registration-next]")
        .await?
        .click()
        .await?;
    // This time by the head's qualified signature. His own certificate
    // first: the portal refuses, it is not the head's.
    find(&c, "[data-testid=confirm-by-signature]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=registration-sign]", &company.head_name).await?;
    add_pfx(&c, &own_pfx, "Own-KEP").await?;
    find(&c, "[data-testid=registration-sign-submit]")
        .await?
        .click()
        .await?;
    text_contains(
        &c,
        "[data-testid=registration-error]",
        "не руководителя организации",
    )
    .await?;
    screenshot(&c, "registration-signer-not-head").await?;
    add_pfx(&c, &head_pfx, "Head-KEP").await?;
    screenshot(&c, "registration-sign").await?;
    find(&c, "[data-testid=registration-sign-submit]")
        .await?
        .click()
        .await?;
    state_is(&c, "checking").await?;

    // Verified, then active.
    admin.review_registrations().await?;
    state_is(&c, "verified").await?;
    admin.review_registrations().await?;
    state_is(&c, "active").await?;
    text_contains(&c, "[data-testid=registration-active]", &company.short_name).await?;
    screenshot(&c, "registration-active").await?;

    // The portal: one registration, active, and the user heads the new
    // organization with both documents.
    let token = api_token(&url, LOGIN, PASSWORD).await?;
    let http = reqwest::Client::new();
    let regs: cabinet_api::RegistrationList = http
        .get(format!("{url}/v1/registrations"))
        .bearer_auth(&token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    ensure!(regs.items.len() == 1, "registrations: {:?}", regs.items);
    let reg = &regs.items[0];
    ensure!(reg.state == cabinet_api::RegistrationState::Active);
    let org = reg.org_id.clone().unwrap_or_default();
    let docs = admin.documents(&org).await?;
    let mut names: Vec<&str> = docs.iter().map(|d| d.name.as_str()).collect();
    names.sort();
    ensure!(
        names == ["Решение о создании.pdf", "Устав (редакция 2024).pdf"],
        "documents of the new organization: {names:?}"
    );

    // «Открыть кабинет»: the new organization, its head.
    find(&c, "[data-testid=registration-open]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=dashboard]", &company.inn).await?;
    text_contains(&c, "[data-testid=my-role]", "Руководитель").await?;
    // The head's sections are there from the first look.
    for section in ["employees", "audit"] {
        find(&c, &format!("[data-testid=nav-{section}]")).await?;
    }
    screenshot(&c, "registration-new-cabinet").await?;
    Ok(())
}
