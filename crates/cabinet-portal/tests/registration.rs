//! Registering a new organization cabinet over HTTP, as any client would:
//! the form is checked by checksum and against the state register, only
//! the author sees the registration, documents are judged by content,
//! sending needs the code sent to the phone, the registry office refuses
//! naming the document or field to fix, and a verified registration becomes
//! an organization whose head is the author, with its documents and feed.

mod support;

use cabinet_api::{ChangePage, OrganizationList, Problem, Registration, RegistrationState};
use cabinet_portal::RunningPortal;
use serde_json::json;

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    n: std::cell::Cell<u32>,
}

impl Client {
    fn new(portal: &RunningPortal, token: String) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: format!("{}/v1", portal.url()),
            token,
            n: std::cell::Cell::new(0),
        }
    }

    fn key(&self) -> String {
        self.n.set(self.n.get() + 1);
        format!(
            "reg-{}-{}",
            &self.token[self.token.len() - 6..],
            self.n.get()
        )
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    async fn post_keyed(
        &self,
        path: &str,
        key: &str,
        body: serde_json::Value,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.post_keyed(path, &self.key(), body).await
    }

    async fn put(&self, path: &str, version: i64, body: serde_json::Value) -> reqwest::Response {
        self.http
            .put(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", self.key())
            .header("If-Match", version.to_string())
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn upload(&self, id: &str, kind: &str, name: &str, body: Vec<u8>) -> reqwest::Response {
        self.http
            .post(format!("{}/registrations/{id}/documents", self.base))
            .query(&[("kind", kind), ("name", name)])
            .bearer_auth(&self.token)
            .header("Idempotency-Key", self.key())
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Asks for a code and sends the registration with it.
    async fn confirm(&self, portal: &RunningPortal, id: &str) -> Registration {
        let sent = self
            .post(&format!("/registrations/{id}/code"), json!({}))
            .await;
        assert_eq!(sent.status(), 200);
        let code = portal.admin().registration_code(id).await.unwrap();
        ok(self
            .post(
                &format!("/registrations/{id}/submit"),
                json!({"code": code}),
            )
            .await)
        .await
    }
}

async fn ok(resp: reqwest::Response) -> Registration {
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// (status, code, field)
async fn refused(resp: reqwest::Response) -> (u16, String, Option<String>) {
    let status = resp.status().as_u16();
    let p: Problem = resp.json().await.unwrap();
    (status, p.code.to_string(), p.field)
}

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.7\n1 0 obj\n<< >>\nstream\nBT ({text}) Tj ET\nendstream\nendobj\n%%EOF\n")
        .into_bytes()
}

fn form(e: &cabinet_portal::RegistryEntry) -> serde_json::Value {
    json!({
        "inn": e.inn,
        "ogrn": e.ogrn,
        "kpp": e.kpp,
        "legal_address": e.legal_address,
        "email": "founder@example.ru",
        "phone": "+7 916 555-01-02",
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cabinet_is_registered_refused_for_a_foreign_charter_fixed_and_activated() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let admin = portal.admin();
    let companies = admin.unregistered_companies(400).await.unwrap();
    assert!(
        companies.len() >= 300,
        "{} in the register",
        companies.len()
    );
    let company = companies
        .iter()
        .find(|c| c.kpp.is_some())
        .expect("a legal entity")
        .clone();
    let other = companies
        .iter()
        .filter(|c| c.kpp.is_some())
        .nth(1)
        .unwrap()
        .clone();
    let c = Client::new(
        &portal,
        support::stranger_token(&portal, "founder@example.ru", "Основатель Ф. Ф.").await,
    );
    let list: serde_json::Value = c.get("/registrations").await.json().await.unwrap();
    assert_eq!(list["items"], json!([]));

    // The form, field by field.
    let mut bad = form(&company);
    let last = company.inn.chars().last().unwrap().to_digit(10).unwrap();
    bad["inn"] = json!(format!("{}{}", &company.inn[..9], (last + 1) % 10));
    assert_eq!(
        refused(c.post("/registrations", bad).await).await,
        (422, "inn.checksum".into(), Some("inn".into()))
    );
    let mut unknown = form(&company);
    unknown["inn"] = json!(cabinet_api::requisites::complete_inn10("990000001").unwrap());
    assert_eq!(
        refused(c.post("/registrations", unknown).await).await,
        (
            422,
            "registration.not_in_registry".into(),
            Some("inn".into())
        )
    );
    let mut mismatched = form(&company);
    mismatched["ogrn"] = json!(other.ogrn);
    assert_eq!(
        refused(c.post("/registrations", mismatched).await).await,
        (
            422,
            "registration.registry_mismatch".into(),
            Some("ogrn".into())
        )
    );
    let mut taken = form(&company);
    let romashka_inn = cabinet_api::requisites::complete_inn10("770412345").unwrap();
    taken["inn"] = json!(romashka_inn);
    taken["ogrn"] = json!(cabinet_api::requisites::complete_ogrn("115774612345").unwrap());
    taken["kpp"] = json!("770401001");
    assert_eq!(
        refused(c.post("/registrations", taken).await).await,
        (409, "registration.already_registered".into(), None)
    );

    // A draft, once per key.
    let key = c.key();
    let draft = ok(c.post_keyed("/registrations", &key, form(&company)).await).await;
    assert_eq!(draft.state, RegistrationState::Draft);
    assert_eq!(draft.full_name, company.full_name);
    assert_eq!(draft.head_name, company.head_name);
    assert_eq!(draft.form.phone, "+7 916 555-01-02");
    let again = c.post_keyed("/registrations", &key, form(&company)).await;
    assert_eq!(again.headers().get("Idempotent-Replayed").unwrap(), "true");
    assert_eq!(ok(again).await.id, draft.id);
    assert_eq!(
        refused(c.post("/registrations", form(&company)).await).await,
        (409, "conflict.state".into(), None)
    );
    let list: serde_json::Value = c.get("/registrations").await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Only the author sees it.
    let stranger = Client::new(
        &portal,
        support::stranger_token(&portal, "nosy@example.ru", "Любопытный Н. Н.").await,
    );
    let path = format!("/registrations/{}", draft.id);
    assert_eq!(stranger.get(&path).await.status(), 404);
    assert_eq!(
        refused(
            stranger
                .upload(&draft.id, "charter", "устав.pdf", pdf(&company.inn))
                .await
        )
        .await
        .0,
        404
    );

    // Documents: by content, and all of them before sending.
    assert_eq!(
        refused(
            c.post(&format!("{path}/submit"), json!({"code": "000000"}))
                .await
        )
        .await,
        (422, "registration.missing_documents".into(), None)
    );
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec();
    assert_eq!(
        refused(c.upload(&draft.id, "charter", "устав.pdf", exe).await).await,
        (415, "file.type_not_allowed".into(), None)
    );
    assert_eq!(
        refused(
            c.upload(&draft.id, "licence", "лицензия.pdf", pdf("x"))
                .await
        )
        .await,
        (422, "request.invalid_field".into(), Some("kind".into()))
    );
    // The charter of some other company.
    ok(c.upload(
        &draft.id,
        "charter",
        "устав.pdf",
        pdf(&format!("ИНН {}", other.inn)),
    )
    .await)
    .await;
    let with_docs = ok(c
        .upload(
            &draft.id,
            "founding_decision",
            "решение.pdf",
            pdf(&format!("Решение о создании, ОГРН {}", company.ogrn)),
        )
        .await)
    .await;
    assert_eq!(with_docs.documents.len(), 2);
    assert!(with_docs.missing_documents().is_empty());

    // The code: asked for, wrong, right.
    assert_eq!(
        refused(
            c.post(&format!("{path}/submit"), json!({"code": "000000"}))
                .await
        )
        .await,
        (422, "registration.code_expired".into(), None)
    );
    let sent: serde_json::Value = c
        .post(&format!("{path}/code"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sent["destination"], "+7 *** ***-**-02");
    let code = admin.registration_code(&draft.id).await.unwrap();
    let wrong = if code == "111111" { "222222" } else { "111111" };
    let resp = c
        .post(&format!("{path}/submit"), json!({"code": wrong}))
        .await;
    let p: Problem = resp.json().await.unwrap();
    assert_eq!(
        (p.code.as_str(), p.attempts_left),
        ("registration.code_invalid", Some(4))
    );
    let sent_once = c.key();
    let checking = ok(c
        .post_keyed(&format!("{path}/submit"), &sent_once, json!({"code": code}))
        .await)
    .await;
    assert_eq!(checking.state, RegistrationState::Checking);
    // A lost reply: the retry answers the same, though the code is spent.
    let replay = ok(c
        .post_keyed(&format!("{path}/submit"), &sent_once, json!({"code": code}))
        .await)
    .await;
    assert_eq!(replay, checking);
    assert_eq!(
        refused(c.put(&path, checking.version, form(&company)).await).await,
        (409, "conflict.state".into(), None)
    );

    // The office reads the charter: someone else's.
    let moved = admin.review_registrations().await.unwrap();
    assert_eq!(moved.len(), 1);
    let refused_reg = ok(c.get(&path).await).await;
    assert_eq!(refused_reg.state, RegistrationState::Refused);
    let refusal = refused_reg.refusal.clone().unwrap();
    assert_eq!(refusal.document.as_deref(), Some("charter"));
    assert_eq!(refusal.code, "registration.document_foreign");
    assert!(refusal.reason.contains("устав.pdf"), "{}", refusal.reason);

    // Fixed: the right charter, a new code.
    ok(c.upload(
        &draft.id,
        "charter",
        "устав.pdf",
        pdf(&format!("ИНН {}", company.inn)),
    )
    .await)
    .await;
    let resent = c.confirm(&portal, &draft.id).await;
    assert_eq!(resent.state, RegistrationState::Checking);
    assert_eq!(resent.refusal, None);
    admin.review_registrations().await.unwrap();
    assert_eq!(
        ok(c.get(&path).await).await.state,
        RegistrationState::Verified
    );
    admin.review_registrations().await.unwrap();
    let active = ok(c.get(&path).await).await;
    assert_eq!(active.state, RegistrationState::Active);
    let states: Vec<_> = active.history.iter().map(|s| s.state).collect();
    use RegistrationState::*;
    assert_eq!(
        states,
        [Draft, Checking, Refused, Checking, Verified, Active]
    );
    let org = active.org_id.clone().unwrap();

    // The organization: the author is its head; profile, legal status,
    // roles and both documents are in its feed.
    let mine: OrganizationList = c.get("/me/organizations").await.json().await.unwrap();
    let summary = mine.items.iter().find(|o| o.id == org).unwrap();
    assert_eq!(
        (summary.inn.as_str(), summary.role.as_str()),
        (company.inn.as_str(), "Руководитель")
    );
    let feed: ChangePage = c
        .get(&format!("/orgs/{org}/changes?limit=500"))
        .await
        .json()
        .await
        .unwrap();
    let entities: std::collections::BTreeSet<&str> =
        feed.changes.iter().map(|c| c.entity.as_str()).collect();
    for e in [
        "profile",
        "legal_status",
        "role",
        "employee",
        "document",
        "audit",
    ] {
        assert!(entities.contains(e), "no {e} in {entities:?}");
    }
    let docs = admin.documents(&org).await.unwrap();
    let mut names: Vec<&str> = docs.iter().map(|d| d.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["решение.pdf", "устав.pdf"]);

    // Nobody registers it twice.
    assert_eq!(
        refused(stranger.post("/registrations", form(&company)).await).await,
        (409, "registration.already_registered".into(), None)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_office_names_a_wrong_address_and_an_entrepreneur_needs_no_documents() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let admin = portal.admin();
    let companies = admin.unregistered_companies(400).await.unwrap();
    let company = companies.iter().find(|c| c.kpp.is_some()).unwrap().clone();
    let sole = companies.iter().find(|c| c.kpp.is_none()).unwrap().clone();
    let c = Client::new(
        &portal,
        support::stranger_token(&portal, "two@example.ru", "Двое С. С.").await,
    );

    let mut moved = form(&company);
    moved["legal_address"] = json!("101000, г. Москва, ул. Мясницкая, д. 1");
    let r = ok(c.post("/registrations", moved).await).await;
    let path = format!("/registrations/{}", r.id);
    for kind in ["charter", "founding_decision"] {
        ok(c.upload(
            &r.id,
            kind,
            &format!("{kind}.pdf"),
            pdf(&format!("{kind} {}", company.inn)),
        )
        .await)
        .await;
    }
    c.confirm(&portal, &r.id).await;
    admin.review_registrations().await.unwrap();
    let r = ok(c.get(&path).await).await;
    assert_eq!(r.state, RegistrationState::Refused);
    let refusal = r.refusal.clone().unwrap();
    assert_eq!(refusal.field.as_deref(), Some("legal_address"));
    assert!(
        refusal.reason.contains(&company.legal_address),
        "{}",
        refusal.reason
    );
    // A refused registration is edited and sent again.
    let fixed = ok(c.put(&path, r.version, form(&company)).await).await;
    assert_eq!(fixed.form.legal_address, company.legal_address);
    assert_eq!(fixed.state, RegistrationState::Refused);
    c.confirm(&portal, &r.id).await;
    admin.review_registrations().await.unwrap();
    assert_eq!(
        ok(c.get(&path).await).await.state,
        RegistrationState::Verified
    );

    let ip = ok(c.post("/registrations", form(&sole)).await).await;
    assert!(ip.missing_documents().is_empty());
    assert_eq!(ip.form.kpp, None);
    assert_eq!(
        refused(
            c.upload(&ip.id, "charter", "устав.pdf", pdf(&sole.inn))
                .await
        )
        .await,
        (422, "request.invalid_field".into(), Some("kind".into()))
    );
    c.confirm(&portal, &ip.id).await;
    admin.review_registrations().await.unwrap();
    admin.review_registrations().await.unwrap();
    let mine: OrganizationList = c.get("/me/organizations").await.json().await.unwrap();
    let mut inns: Vec<&str> = mine.items.iter().map(|o| o.inn.as_str()).collect();
    inns.sort();
    let mut expected = [company.inn.as_str(), sole.inn.as_str()];
    expected.sort();
    assert_eq!(inns, expected);
}
