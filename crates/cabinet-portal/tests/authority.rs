//! An administrator cannot take the organization over: she cannot give
//! herself or anyone the head's role, change or remove the head, make or
//! widen a role beyond what she holds, or deactivate the cabinet. Each
//! attempt is refused with its code and written to the audit log. The head
//! the register names keeps every power; the head's role moves only when
//! the operator approves a new head from the register.

mod support;

use cabinet_api::{Change, ChangePage, Employee, OrganizationProfile, Problem, Role};
use serde_json::{json, Value};

struct Org {
    base: String,
    http: reqwest::Client,
}

impl Org {
    async fn call(
        &self,
        token: &str,
        path: &str,
        version: Option<i64>,
        body: Value,
    ) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}/{path}", self.base))
            .bearer_auth(token)
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(&body);
        if let Some(v) = version {
            req = req.header("If-Match", format!("\"{v}\""));
        }
        req.send().await.unwrap()
    }

    async fn refused(
        &self,
        token: &str,
        path: &str,
        version: Option<i64>,
        body: Value,
        code: &str,
    ) {
        let resp = self.call(token, path, version, body.clone()).await;
        assert_eq!(resp.status(), 403, "{path} {body}");
        assert_eq!(
            resp.json::<Problem>().await.unwrap().code,
            code,
            "{path} {body}"
        );
    }

    async fn changes(&self, token: &str) -> Vec<Change> {
        let page: ChangePage = self
            .http
            .get(format!("{}/changes?limit=1000", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page.changes
    }

    async fn employees(&self, token: &str) -> Vec<Employee> {
        let mut latest = std::collections::HashMap::new();
        for c in self.changes(token).await {
            if c.entity == "employee" {
                if let Some(e) = c.data_as::<Employee>().transpose().unwrap() {
                    latest.insert(e.id.clone(), e);
                }
            }
        }
        latest.into_values().collect()
    }

    async fn employee(&self, token: &str, name: &str) -> Employee {
        self.employees(token)
            .await
            .into_iter()
            .find(|e| e.full_name == name)
            .unwrap_or_else(|| panic!("{name} is not an employee"))
    }
}

#[tokio::test]
async fn an_administrator_cannot_take_the_organization_over() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let org_id = support::romashka(&portal).await;
    let org = Org {
        base: format!("{}/v1/orgs/{org_id}", portal.url()),
        http: reqwest::Client::new(),
    };
    let admin = support::member_token(
        &portal,
        &org_id,
        "admin2@example.ru",
        "Захватова Ирина",
        "Администратор",
    )
    .await;
    let profile: OrganizationProfile = org
        .http
        .get(format!("{}/profile", org.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let head_name = profile.head_name.clone();
    let head = support::member_token(
        &portal,
        &org_id,
        "head2@example.ru",
        &head_name,
        "Руководитель",
    )
    .await;

    let me = org.employee(&admin, "Захватова Ирина").await;
    let the_head = org.employee(&admin, &head_name).await;
    let (head_role, grant) = ("employee.head_role", "employee.grant_exceeds");

    // The head's role: not to herself, not to a newcomer.
    org.refused(
        &admin,
        &format!("employees/{}/role", me.id),
        Some(me.version),
        json!({"role": "Руководитель"}),
        head_role,
    )
    .await;
    org.refused(
        &admin,
        "employees",
        None,
        json!({"email": "friend@example.ru", "full_name": "Друг Иван", "role": "Руководитель"}),
        head_role,
    )
    .await;
    // The head: not demoted, not removed.
    org.refused(
        &admin,
        &format!("employees/{}/role", the_head.id),
        Some(the_head.version),
        json!({"role": "Наблюдатель"}),
        head_role,
    )
    .await;
    org.refused(
        &admin,
        &format!("employees/{}/remove", the_head.id),
        Some(the_head.version),
        json!({}),
        head_role,
    )
    .await;
    // Nothing beyond what she holds: not a role of everything, not the
    // accountant's role (payments), not a widened role of her own making.
    org.refused(
        &admin,
        "roles",
        None,
        json!({"name": "Всё", "permissions": ["documents.sign", "payments.pay", "employees.manage"]}),
        grant,
    )
    .await;
    org.refused(
        &admin,
        "employees",
        None,
        json!({"email": "friend@example.ru", "full_name": "Друг Иван", "role": "Бухгалтер"}),
        grant,
    )
    .await;
    let resp = org
        .call(
            &admin,
            "roles",
            None,
            json!({"name": "Помощник", "permissions": ["applications.edit", "audit.view"]}),
        )
        .await;
    assert_eq!(resp.status(), 201, "what she holds she may give");
    let mine: Role = resp.json().await.unwrap();
    org.refused(
        &admin,
        "roles/Помощник/permissions",
        Some(mine.version),
        json!({"permissions": ["applications.edit", "documents.sign"]}),
        grant,
    )
    .await;
    let me = org.employee(&admin, "Захватова Ирина").await;
    let resp = org
        .call(
            &admin,
            &format!("employees/{}/role", me.id),
            Some(me.version),
            json!({"role": "Помощник"}),
        )
        .await;
    assert_eq!(resp.status(), 200, "a lesser role of her own is fine");
    // Deactivation is the head's, and the head's only.
    let resp = org
        .http
        .post(format!("{}/deactivation", org.base))
        .bearer_auth(&admin)
        .json(&json!({"current_password": support::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    // The head still does everything, and sees every refusal in the log.
    let resp = org
        .call(
            &head,
            "employees",
            None,
            json!({"email": "buh2@example.ru", "full_name": "Счётова Анна", "role": "Бухгалтер"}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let refusals: Vec<String> = org
        .changes(&head)
        .await
        .into_iter()
        .filter(|c| c.entity == "audit")
        .filter_map(|c| c.data_as::<cabinet_api::AuditEntry>().transpose().unwrap())
        .filter(|a| a.action == "authority.refused")
        .map(|a| a.detail)
        .collect();
    assert_eq!(refusals.len(), 8, "{refusals:#?}");
    assert!(refusals
        .iter()
        .any(|d| d.starts_with("employee.role: employee.head_role")));
    assert!(refusals
        .iter()
        .any(|d| d.starts_with("role.create: employee.grant_exceeds")));
    assert!(refusals
        .iter()
        .any(|d| d.starts_with("org.deactivate: org.head_only")));
    let head_role_holders = org
        .employees(&head)
        .await
        .into_iter()
        .filter(|e| e.role == "Руководитель")
        .count();
    assert_eq!(
        head_role_holders, 2,
        "the demo director and the test's head"
    );
}

#[tokio::test]
async fn the_head_role_follows_the_register_through_an_approved_change() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let org_id = support::romashka(&portal).await;
    let org = Org {
        base: format!("{}/v1/orgs/{org_id}", portal.url()),
        http: reqwest::Client::new(),
    };
    let profile: OrganizationProfile = {
        let t = support::member_token(
            &portal,
            &org_id,
            "obs@example.ru",
            "Смотрова Ия",
            "Наблюдатель",
        )
        .await;
        org.http
            .get(format!("{}/profile", org.base))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    let old_head = support::member_token(
        &portal,
        &org_id,
        "old-head@example.ru",
        &profile.head_name,
        "Руководитель",
    )
    .await;
    let successor = support::member_token(
        &portal,
        &org_id,
        "new-head@example.ru",
        "Преемников Олег Ильич",
        "Менеджер",
    )
    .await;

    // The register names the successor; the operator approves.
    let resp = org
        .call(
            &old_head,
            "profile/changes",
            None,
            json!({"head_name": "Преемников Олег Ильич", "head_position": "Генеральный директор"}),
        )
        .await;
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    portal
        .admin()
        .decide_profile_change(&org_id, true, None)
        .await
        .unwrap();

    let employees = org.employees(&successor).await;
    let role_of = |name: &str| {
        employees
            .iter()
            .find(|e| e.full_name == name)
            .unwrap()
            .role
            .clone()
    };
    assert_eq!(role_of("Преемников Олег Ильич"), "Руководитель");
    assert_eq!(role_of(&profile.head_name), "Наблюдатель");
    // The old head may no longer deactivate; the new one may ask for the code.
    let deactivate = |token: &str| {
        org.http
            .post(format!("{}/deactivation", org.base))
            .bearer_auth(token.to_owned())
            .json(&json!({"current_password": support::PASSWORD}))
            .send()
    };
    let resp = deactivate(&old_head).await.unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(resp.json::<Problem>().await.unwrap().code, "org.head_only");
    let resp = deactivate(&successor).await.unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
}
