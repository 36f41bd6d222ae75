//! Every role against every organization endpoint: a member whose role
//! allows the action gets it done (2xx), any other member `403
//! org.permission_denied`, and someone of another organization `403
//! org.forbidden` everywhere. The expected matrix is written out here, not
//! derived from the portal's role table, so a change to either shows; and
//! every write route the portal's source declares under an organization is
//! in it (or listed, with the reason, as decided otherwise), so a new route
//! cannot be forgotten.

mod support;

use base64::Engine;
use cabinet_api::{
    Application, ApplicationStatus, Change, ChangePage, Charge, ChargeStatus, Document, Employee,
    Notification, OrganizationProfile, Problem, Requirement, RequirementStatus,
};
use cabinet_portal::RunningPortal;
use cabinet_sign::PfxIdentity;
use serde_json::{json, Value};

const ROLES: [&str; 6] = [
    "Руководитель",
    "Администратор",
    "Бухгалтер",
    "Менеджер",
    "Оператор",
    "Наблюдатель",
];

/// Who may do what: one letter per role in [`ROLES`] order, `+` allowed.
const MATRIX: &[(&str, &str)] = &[
    ("profile.read", "++++++"),
    ("changes.read", "++++++"),
    ("application.read", "++++++"),
    ("document.content", "++++++"),
    ("notification.read", "++++++"),
    ("legal.extract", "++++++"),
    ("support.ticket", "++++++"),
    ("profile.edit", "+++---"),
    ("profile.change", "+++---"),
    ("application.create", "+++++-"),
    ("application.comment", "+++++-"),
    ("application.attach", "+++++-"),
    ("application.detach", "+++++-"),
    ("application.submit", "+-+---"),
    ("document.sign", "+-----"),
    ("requirement.accept", "++++--"),
    ("requirement.answer", "++++--"),
    ("charge.pay", "+-+---"),
    ("employee.invite", "++----"),
    ("employee.role", "++----"),
    ("employee.remove", "++----"),
    ("role.create", "++----"),
    ("role.edit", "++----"),
    ("audit.view", "++----"),
    ("cabinet.unblock", "++----"),
    ("cabinet.deactivate", "+-----"),
];

/// Allowed calls that answer a refusal of the cabinet's state rather than
/// 2xx: the fixture's cabinet is open, so there is nothing to unblock.
const ALLOWED_REFUSAL: &[(&str, &str)] = &[("cabinet.unblock", "org.not_blocked")];

/// Denials with a code more exact than `org.permission_denied`: no
/// permission of a role allows deactivation, only being the head.
const DENIAL: &[(&str, &str)] = &[("cabinet.deactivate", "org.head_only")];

/// What one request needs: method, path under the organization, version
/// for `If-Match`, JSON body or a file's bytes.
struct Call {
    method: reqwest::Method,
    path: String,
    version: Option<i64>,
    body: Option<Value>,
    file: Option<&'static [u8]>,
}

fn get(path: String) -> Call {
    Call {
        method: reqwest::Method::GET,
        path,
        version: None,
        body: None,
        file: None,
    }
}

fn post(path: String, version: Option<i64>, body: Value) -> Call {
    Call {
        method: reqwest::Method::POST,
        path,
        version,
        body: Some(body),
        file: None,
    }
}

/// A PDF as small as the portal takes.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

fn upload(path: String) -> Call {
    Call {
        method: reqwest::Method::POST,
        path,
        version: None,
        body: None,
        file: Some(PDF),
    }
}

/// A fresh demo portal, its organization, and what the calls act on.
struct Fixture {
    portal: RunningPortal,
    org: String,
    /// The head the register names: deactivation is that person's.
    head_name: String,
    http: reqwest::Client,
    calls: Vec<(&'static str, Call)>,
    _dir: tempfile::TempDir,
}

async fn feed(http: &reqwest::Client, base: &str, org: &str, token: &str) -> Vec<Change> {
    let page: ChangePage = http
        .get(format!("{base}/v1/orgs/{org}/changes?limit=1000"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!page.has_more);
    page.changes
}

fn records<T: serde::de::DeserializeOwned>(all: &[Change], entity: &str) -> Vec<T> {
    let mut latest = std::collections::BTreeMap::new();
    for c in all.iter().filter(|c| c.entity == entity) {
        latest.insert(c.id.clone(), c.data_as::<T>().unwrap().unwrap());
    }
    latest.into_values().collect()
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let org = support::romashka(&portal).await;
    let http = reqwest::Client::new();
    let base = portal.url().to_string();
    let base = base.trim_end_matches('/');
    let head = support::member_token(
        &portal,
        &org,
        "head@example.ru",
        "Главный Пётр",
        "Руководитель",
    )
    .await;
    // A custom role to edit.
    let resp = http
        .post(format!("{base}/v1/orgs/{org}/roles"))
        .bearer_auth(&head)
        .header("Idempotency-Key", "setup-role")
        .json(&json!({"name": "Проверяющий", "permissions": ["audit.view"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());

    let all = feed(&http, base, &org, &head).await;
    let profile: OrganizationProfile = records(&all, "profile").remove(0);
    let apps: Vec<Application> = records(&all, "application");
    let draft = apps
        .iter()
        .find(|a| a.status == ApplicationStatus::Draft)
        .expect("a demo draft");
    let docs: Vec<Document> = records(&all, "document");
    let contract = docs
        .iter()
        .find(|d| d.name.starts_with("Договор"))
        .expect("the demo contract");
    let notification: Notification = records(&all, "notification").remove(0);
    let open: Vec<Requirement> = records::<Requirement>(&all, "requirement")
        .into_iter()
        .filter(|r| r.status == RequirementStatus::New)
        .collect();
    assert!(open.len() >= 2, "two new demo requirements");
    let charge = records::<Charge>(&all, "charge")
        .into_iter()
        .find(|c| c.status == ChargeStatus::Unpaid)
        .expect("an unpaid demo charge");
    let staff: Vec<Employee> = records(&all, "employee");
    let by_role = |role: &str| staff.iter().find(|e| e.role == role).unwrap().clone();
    let (operator, manager) = (by_role("Оператор"), by_role("Менеджер"));

    // The director's demo certificate signs the contract; the portal checks
    // the signature, the role checks who may hand it in.
    let pfx = http
        .get(format!("{base}/v1/demo/certificates/director.pfx"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let director = PfxIdentity::open(&pfx, cabinet_portal::DIRECTOR_PFX_PASSWORD).unwrap();
    let content = http
        .get(format!(
            "{base}/v1/orgs/{org}/documents/{}/content",
            contract.id
        ))
        .bearer_auth(&head)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let signature =
        cabinet_sign::cades::sign_detached(&director, &content[..], chrono::Utc::now()).unwrap();
    let signature = base64::engine::general_purpose::STANDARD.encode(signature);

    // A second draft, with a file, for the attachment calls (the demo
    // draft stays without files, so it can be submitted).
    let resp = http
        .post(format!("{base}/v1/orgs/{org}/applications"))
        .bearer_auth(&head)
        .header("Idempotency-Key", "setup-draft")
        .json(&json!({"service_code": "egrul-extract", "title": "Выписка"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let second: Application = resp.json().await.unwrap();
    let resp = http
        .post(format!(
            "{base}/v1/orgs/{org}/applications/{}/attachments?kind=other&name=setup.pdf",
            second.id
        ))
        .bearer_auth(&head)
        .header("Idempotency-Key", "setup-file")
        .body(PDF.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let second: Application = resp.json().await.unwrap();
    let setup_file = second.attachments[0].document_id.clone();
    // And one of a service that asks for no documents, to submit.
    let resp = http
        .post(format!("{base}/v1/orgs/{org}/applications"))
        .bearer_auth(&head)
        .header("Idempotency-Key", "setup-plain")
        .json(&json!({"service_code": "egrul-extract", "title": "Выписка без файлов"}))
        .send()
        .await
        .unwrap();
    let plain: Application = resp.json().await.unwrap();

    let calls = vec![
        ("profile.read", get("profile".into())),
        ("changes.read", get("changes?limit=1".into())),
        (
            "application.read",
            get(format!("applications/{}", draft.id)),
        ),
        (
            "document.content",
            get(format!("documents/{}/content", contract.id)),
        ),
        (
            "notification.read",
            post(
                format!("notifications/{}/read", notification.id),
                None,
                json!({}),
            ),
        ),
        (
            "legal.extract",
            post("legal-status/extract".into(), None, json!({})),
        ),
        (
            "support.ticket",
            post(
                "support/tickets".into(),
                None,
                json!({"topic": "other", "message": "Как выгрузить начисления?"}),
            ),
        ),
        (
            "cabinet.unblock",
            post(
                "unblock-requests".into(),
                None,
                json!({"text": "Просим разблокировать"}),
            ),
        ),
        (
            "cabinet.deactivate",
            post(
                "deactivation".into(),
                None,
                json!({"current_password": support::PASSWORD}),
            ),
        ),
        (
            "profile.change",
            post(
                "profile/changes".into(),
                None,
                json!({"head_position": "Генеральный директор"}),
            ),
        ),
        (
            "profile.edit",
            Call {
                method: reqwest::Method::PATCH,
                path: "profile".into(),
                version: Some(profile.version),
                body: Some(json!({"email": "new-office@romashka.ru"})),
                file: None,
            },
        ),
        (
            "application.create",
            post(
                "applications".into(),
                None,
                json!({"service_code": "10000000001", "title": "Проверка прав"}),
            ),
        ),
        (
            "application.comment",
            post(
                format!("applications/{}/comments", draft.id),
                None,
                json!({"text": "Комментарий"}),
            ),
        ),
        (
            "application.attach",
            upload(format!(
                "applications/{}/attachments?kind=other&name=%D1%81%D0%BA%D0%B0%D0%BD.pdf",
                second.id
            )),
        ),
        (
            "application.detach",
            post(
                format!("applications/{}/attachments/{setup_file}/remove", second.id),
                None,
                json!({}),
            ),
        ),
        (
            "application.submit",
            post(
                format!("applications/{}/submit", plain.id),
                Some(plain.version),
                json!({}),
            ),
        ),
        (
            "document.sign",
            post(
                format!("documents/{}/signatures", contract.id),
                None,
                json!({ "signature": signature }),
            ),
        ),
        (
            "requirement.accept",
            post(
                format!("requirements/{}/accept", open[0].id),
                Some(open[0].version),
                json!({}),
            ),
        ),
        (
            "requirement.answer",
            post(
                format!("requirements/{}/answer", open[1].id),
                Some(open[1].version),
                json!({"text": "Документы направлены"}),
            ),
        ),
        (
            "charge.pay",
            post(
                format!("charges/{}/pay", charge.id),
                Some(charge.version),
                json!({"method": "sbp"}),
            ),
        ),
        (
            "employee.invite",
            post(
                "employees".into(),
                None,
                json!({"email": "new@example.ru", "full_name": "Новиков Иван", "role": "Оператор"}),
            ),
        ),
        (
            "employee.role",
            post(
                format!("employees/{}/role", operator.id),
                Some(operator.version),
                json!({"role": "Наблюдатель"}),
            ),
        ),
        (
            "employee.remove",
            post(
                format!("employees/{}/remove", manager.id),
                Some(manager.version),
                json!({}),
            ),
        ),
        (
            "role.create",
            post(
                "roles".into(),
                None,
                // Only what an administrator holds: granting more is
                // refused whoever calls (tests/authority.rs).
                json!({"name": "Кассир", "permissions": ["applications.edit"]}),
            ),
        ),
        (
            "role.edit",
            post(
                "roles/Проверяющий/permissions".into(),
                Some(1),
                json!({"permissions": ["audit.view", "applications.edit"]}),
            ),
        ),
    ];
    Fixture {
        portal,
        org,
        head_name: profile.head_name.clone(),
        http,
        calls,
        _dir: dir,
    }
}

impl Fixture {
    async fn call(&self, token: &str, i: usize, call: &Call) -> reqwest::Response {
        let base = self.portal.url().to_string();
        let url = format!(
            "{}/v1/orgs/{}/{}",
            base.trim_end_matches('/'),
            self.org,
            call.path
        );
        let mut rb = self
            .http
            .request(call.method.clone(), url)
            .bearer_auth(token)
            .header("Idempotency-Key", format!("matrix-{i}"));
        if let Some(v) = call.version {
            rb = rb.header("If-Match", v.to_string());
        }
        if let Some(b) = &call.body {
            rb = rb.json(b);
        }
        if let Some(f) = call.file {
            rb = rb.body(f.to_vec());
        }
        rb.send().await.unwrap()
    }

    /// Whether the feed as `token` sees it holds the audit log.
    async fn sees_audit(&self, token: &str) -> bool {
        let base = self.portal.url().to_string();
        feed(&self.http, base.trim_end_matches('/'), &self.org, token)
            .await
            .iter()
            .any(|c| c.entity == "audit")
    }
}

fn expected(action: &str, role: usize) -> bool {
    let (_, row) = MATRIX
        .iter()
        .find(|(a, _)| *a == action)
        .unwrap_or_else(|| panic!("{action} is not in the matrix"));
    row.chars().nth(role).unwrap() == '+'
}

#[tokio::test(flavor = "multi_thread")]
async fn every_role_against_every_endpoint() {
    let mut checked = 0;
    for (r, role) in ROLES.iter().enumerate() {
        // A fresh portal per role: the allowed writes change what the next
        // call would act on.
        let f = fixture().await;
        assert_eq!(
            f.calls.len() + 1,
            MATRIX.len(),
            "every endpoint is called once"
        );
        // Named as the register's head, so that the head's role is the
        // head's and only the role decides the rest.
        let token =
            support::member_token(&f.portal, &f.org, "subject@example.ru", &f.head_name, role)
                .await;
        for (i, (action, call)) in f.calls.iter().enumerate() {
            let resp = f.call(&token, i, call).await;
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            let code = |text: &str| serde_json::from_str::<Problem>(text).unwrap().code;
            let of = |table: &[(&str, &'static str)]| {
                table.iter().find(|(a, _)| a == action).map(|(_, c)| *c)
            };
            if expected(action, r) {
                match of(ALLOWED_REFUSAL) {
                    Some(c) => assert_eq!(code(&text), c, "{role} may {action}: got {text}"),
                    None => assert!(
                        (200..300).contains(&status),
                        "{role} may {action}: got {status} {text}"
                    ),
                }
            } else {
                assert_eq!(status, 403, "{role} may not {action}: got {text}");
                let denied = of(DENIAL).unwrap_or("org.permission_denied");
                assert_eq!(code(&text), denied, "{role} {action}");
            }
            checked += 1;
        }
        assert_eq!(
            f.sees_audit(&token).await,
            expected("audit.view", r),
            "{role} and the audit log"
        );
        checked += 1;
    }
    assert_eq!(checked, ROLES.len() * MATRIX.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn someone_of_another_organization_gets_nowhere() {
    let f = fixture().await;
    let token = support::stranger_token(&f.portal, "stranger@example.ru", "Чужой Олег").await;
    for (i, (action, call)) in f.calls.iter().enumerate() {
        let resp = f.call(&token, i, call).await;
        assert_eq!(resp.status(), 403, "a stranger and {action}");
        let p: Problem = resp.json().await.unwrap();
        assert_eq!(p.code, "org.forbidden", "a stranger and {action}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn removed_members_lose_access_and_someone_always_manages() {
    let f = fixture().await;
    let base = f.portal.url();
    let head = support::member_token(
        &f.portal,
        &f.org,
        "boss@example.ru",
        "Начальник Ян",
        "Руководитель",
    )
    .await;
    let gone = support::member_token(
        &f.portal,
        &f.org,
        "gone@example.ru",
        "Ушедший Лев",
        "Оператор",
    )
    .await;
    let staff = |all: &[Change]| records::<Employee>(all, "employee");
    let find =
        |all: &[Change], email: &str| staff(all).into_iter().find(|e| e.email == email).unwrap();
    let write = |path: String, key: &str, version: i64, body: Value| {
        f.http
            .post(format!("{base}/v1/orgs/{}/{path}", f.org))
            .bearer_auth(&head)
            .header("Idempotency-Key", key.to_owned())
            .header("If-Match", version.to_string())
            .json(&body)
            .send()
    };
    let all = feed(&f.http, &base, &f.org, &head).await;
    let g = find(&all, "gone@example.ru");
    let resp = write(
        format!("employees/{}/remove", g.id),
        "rm-1",
        g.version,
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = f
        .http
        .get(format!("{base}/v1/orgs/{}/profile", f.org))
        .bearer_auth(&gone)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403, "a removed member reads nothing");

    // Nobody removes their own access.
    let me = find(&all, "boss@example.ru");
    let resp = write(
        format!("employees/{}/remove", me.id),
        "rm-2",
        me.version,
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 409);

    // Every other administrator becomes a cashier; a head's role stays
    // the head's, so the organization never loses the one who manages.
    let resp = write(
        "roles".into(),
        "role-1",
        0,
        json!({"name": "Кассир", "permissions": ["payments.pay"]}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 201);
    for (i, e) in staff(&all)
        .into_iter()
        .filter(|e| ["Руководитель", "Администратор"].contains(&e.role.as_str()))
        .enumerate()
    {
        let resp = write(
            format!("employees/{}/role", e.id),
            &format!("demote-{i}"),
            e.version,
            json!({"role": "Кассир"}),
        )
        .await
        .unwrap();
        if e.role == "Руководитель" {
            assert_eq!(resp.status(), 403, "{e:?}");
            let p: Problem = resp.json().await.unwrap();
            assert_eq!(p.code, "employee.head_role");
        } else {
            assert_eq!(resp.status(), 200, "{e:?}");
        }
    }
}

/// The portal's routes as its source declares them: (method, path) for
/// every `.route("PATH", METHOD(handler)…)`.
fn declared_routes() -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut routes = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            // The call's text, up to its closing parenthesis.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .unwrap();
            let call = &rest[..end];
            let Some(path) = call.split('"').nth(1) else {
                continue;
            };
            for method in ["get", "post", "put", "patch", "delete"] {
                let word = format!("{method}(");
                let mut from = 0;
                while let Some(i) = call[from..].find(&word) {
                    let i = from + i;
                    let before = call[..i].chars().last();
                    if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        routes.push((method.to_uppercase(), path.to_owned()));
                    }
                    from = i + word.len();
                }
            }
        }
    }
    routes.sort();
    routes.dedup();
    routes
}

/// Whether a route pattern (`/orgs/{org}/employees/{id}/role`) matches a
/// call's path under the organization (`employees/42/role`).
fn matches(pattern: &str, call: &str) -> bool {
    let Some(pattern) = pattern.strip_prefix("/orgs/{org}/") else {
        return false;
    };
    let call = call.split('?').next().unwrap_or_default();
    let (p, c): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), call.split('/').collect());
    p.len() == c.len()
        && p.iter()
            .zip(&c)
            .all(|(p, c)| (p.starts_with('{') && p.ends_with('}')) || p == c)
}

/// Every route that writes to an organization is in the matrix: a route
/// added without a row here fails this test. Writes not scoped to one
/// organization's roles are listed with the reason.
#[tokio::test(flavor = "multi_thread")]
async fn every_write_route_of_an_organization_is_in_the_matrix() {
    /// Organization routes the role matrix does not decide, and why.
    const OUTSIDE: &[(&str, &str, &str)] = &[
        (
            "POST",
            "/orgs/{org}/deactivation",
            "the head in person: cabinet.deactivate, checked by its own denial",
        ),
        (
            "POST",
            "/orgs/{org}/deactivation/confirm",
            "the code sent after the head's own deactivation request",
        ),
        (
            "POST",
            "/orgs/{org}/notifications/{id}/read",
            "every member marks their own notifications read",
        ),
    ];
    let f = fixture().await;
    let routes = declared_routes();
    let writes: Vec<&(String, String)> = routes
        .iter()
        .filter(|(m, p)| m != "GET" && p.starts_with("/orgs/{org}/"))
        .collect();
    assert!(writes.len() >= 20, "the route reader found {writes:?}");
    for (m, p, why) in OUTSIDE {
        assert!(
            writes.iter().any(|(wm, wp)| wm == m && wp == p),
            "{m} {p} ({why}) is no longer a route: drop it from OUTSIDE"
        );
    }
    let mut missing = Vec::new();
    for (method, path) in writes.into_iter().cloned() {
        if OUTSIDE.iter().any(|(m, p, _)| *m == method && *p == path) {
            continue;
        }
        let covered = f
            .calls
            .iter()
            .any(|(_, c)| c.method.as_str() == method && matches(&path, &c.path));
        if !covered {
            missing.push(format!("{method} {path}"));
        }
    }
    assert!(
        missing.is_empty(),
        "write routes of an organization missing from the permission matrix:\n{}",
        missing.join("\n")
    );
}
