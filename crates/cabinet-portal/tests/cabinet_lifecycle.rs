//! A cabinet's access over its life, on the real portal: linking an
//! existing cabinet by INN and a code sent to the organization's phone; a
//! suspended cabinet reads but refuses writes, a blocked one refuses both,
//! each with its reason, until an unblock request with documents is
//! approved (a refused one says why); the head deactivates it with the
//! password and a code, and it is gone for every member.

mod support;

use base64::Engine;
use cabinet_api::{
    AccessState, ChangePage, CodeSent, Employee, Notification, OrganizationList,
    OrganizationSummary, Problem, UnblockStatus, UnblockView,
};
use cabinet_portal::RunningPortal;
use serde_json::{json, Value};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    fn new(portal: &RunningPortal) -> Self {
        Api {
            http: reqwest::Client::new(),
            base: portal.url().to_string().trim_end_matches('/').to_owned(),
        }
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> reqwest::Response {
        self.http
            .post(format!("{}/v1/{path}", self.base))
            .bearer_auth(token)
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/v1/{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    async fn orgs(&self, token: &str) -> Vec<OrganizationSummary> {
        let list: OrganizationList = self
            .get(token, "me/organizations")
            .await
            .json()
            .await
            .unwrap();
        list.items
    }

    async fn feed(&self, token: &str, org: &str) -> reqwest::Response {
        self.get(token, &format!("orgs/{org}/changes?limit=1000"))
            .await
    }
}

async fn refused(resp: reqwest::Response) -> (u16, String, Option<String>) {
    let status = resp.status().as_u16();
    let p: Problem = resp.json().await.unwrap();
    (status, p.code.to_string(), p.detail)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_existing_cabinet_is_linked_by_inn_and_a_code_to_the_organizations_phone() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let org = support::romashka(&portal).await;
    let api = Api::new(&portal);
    let newcomer = support::stranger_token(&portal, "new@example.ru", "Новикова Вера").await;
    let member =
        support::member_token(&portal, &org, "m@example.ru", "Членов Иван", "Бухгалтер").await;
    let inn = cabinet_api::requisites::complete_inn10("770412345").unwrap();

    let mut bad = inn.clone();
    bad.replace_range(9..10, if inn.ends_with('0') { "1" } else { "0" });
    let r = api
        .post(&newcomer, "me/organizations/link", json!({ "inn": bad }))
        .await;
    assert_eq!(r.status(), 422);
    let unknown = cabinet_api::requisites::complete_inn10("500100732").unwrap();
    assert_eq!(
        refused(
            api.post(
                &newcomer,
                "me/organizations/link",
                json!({ "inn": unknown })
            )
            .await
        )
        .await
        .1,
        "link.not_found"
    );
    assert_eq!(
        refused(
            api.post(&member, "me/organizations/link", json!({ "inn": inn }))
                .await
        )
        .await
        .1,
        "link.already_member"
    );

    let r = api
        .post(&newcomer, "me/organizations/link", json!({ "inn": inn }))
        .await;
    assert_eq!(r.status(), 200);
    let sent: CodeSent = r.json().await.unwrap();
    // The organization's phone (+7 495 100-10-20), masked.
    assert_eq!(sent.phone, "+7 *** ***-**-20");
    let code = portal.admin().sent_code(&sent.ticket).await.unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = api
        .post(
            &newcomer,
            "me/organizations/link/confirm",
            json!({"ticket": sent.ticket, "code": wrong}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let p: Problem = r.json().await.unwrap();
    assert_eq!(
        (p.code.as_str(), p.attempts_left),
        ("registration.code_invalid", Some(4))
    );
    // Someone else cannot use the ticket.
    assert_eq!(
        refused(
            api.post(
                &member,
                "me/organizations/link/confirm",
                json!({"ticket": sent.ticket, "code": code}),
            )
            .await
        )
        .await
        .1,
        "registration.code_expired"
    );
    assert!(api.orgs(&newcomer).await.is_empty());

    let r = api
        .post(
            &newcomer,
            "me/organizations/link/confirm",
            json!({"ticket": sent.ticket, "code": code}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let joined: OrganizationSummary = r.json().await.unwrap();
    assert_eq!(
        (joined.id.as_str(), joined.role.as_str()),
        (org.as_str(), "Наблюдатель")
    );
    assert_eq!(api.orgs(&newcomer).await, vec![joined]);
    // A code works once.
    assert_eq!(
        refused(
            api.post(
                &newcomer,
                "me/organizations/link/confirm",
                json!({"ticket": sent.ticket, "code": code}),
            )
            .await
        )
        .await
        .1,
        "registration.code_expired"
    );
    // The organization's people see the newcomer and are told.
    let staff: Vec<Employee> = portal.admin().records(&org).await.unwrap();
    assert!(staff
        .iter()
        .any(|e| e.full_name == "Новикова Вера" && e.role == "Наблюдатель"));
    let notes: Vec<Notification> = portal.admin().records(&org).await.unwrap();
    assert!(notes
        .iter()
        .any(|n| n.title == "К кабинету присоединился Новикова Вера"));
}

#[tokio::test(flavor = "multi_thread")]
async fn suspended_reads_blocked_closes_and_an_approved_unblock_request_opens() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let org = support::romashka(&portal).await;
    let api = Api::new(&portal);
    let head = support::member_token(
        &portal,
        &org,
        "h@example.ru",
        "Главный Пётр",
        "Руководитель",
    )
    .await;
    let accountant =
        support::member_token(&portal, &org, "a@example.ru", "Счётова Анна", "Бухгалтер").await;
    let comment = |token: &str| {
        let token = token.to_owned();
        let api = &api;
        let org = &org;
        async move {
            let page: ChangePage = api.feed(&token, org).await.json().await.unwrap();
            let app = page
                .changes
                .iter()
                .find(|c| c.entity == "application")
                .unwrap()
                .id
                .clone();
            api.post(
                &token,
                &format!("orgs/{org}/applications/{app}/comments"),
                json!({"text": "Проверка"}),
            )
            .await
        }
    };
    // Open: an unblock request has nothing to do.
    assert_eq!(
        refused(
            api.post(
                &head,
                &format!("orgs/{org}/unblock-requests"),
                json!({"text": "?"})
            )
            .await
        )
        .await
        .1,
        "org.not_blocked"
    );

    let reason = "Изменились сведения о руководителе в ЕГРЮЛ.";
    portal
        .admin()
        .set_access(&org, Some((AccessState::Suspended, reason)))
        .await
        .unwrap();
    assert_eq!(api.feed(&accountant, &org).await.status(), 200, "read-only");
    assert_eq!(
        refused(comment(&accountant).await).await,
        (403, "org.suspended".into(), Some(reason.into()))
    );
    let seen = api.orgs(&accountant).await.remove(0);
    let access = seen.access.expect("the state is in the list");
    assert_eq!(
        (access.state, access.reason.as_str()),
        (AccessState::Suspended, reason)
    );
    // Support still takes questions.
    let r = api
        .post(
            &accountant,
            &format!("orgs/{org}/support/tickets"),
            json!({"topic": "other", "message": "Почему кабинет приостановлен?"}),
        )
        .await;
    assert_eq!(r.status(), 201);

    let reason = "Подозрительные входы в кабинет.";
    portal
        .admin()
        .set_access(&org, Some((AccessState::Blocked, reason)))
        .await
        .unwrap();
    assert_eq!(
        refused(api.feed(&accountant, &org).await).await,
        (403, "org.blocked".into(), Some(reason.into()))
    );
    assert_eq!(
        api.get(&accountant, &format!("orgs/{org}/profile"))
            .await
            .status(),
        200,
        "whose cabinet it is shows"
    );
    let request = |text: &str| {
        json!({
            "text": text,
            "files": [{"name": "решение.pdf", "content": base64::engine::general_purpose::STANDARD.encode(PDF)}],
        })
    };
    let path = format!("orgs/{org}/unblock-requests");
    assert_eq!(
        refused(
            api.post(&accountant, &path, request("Просим разблокировать"))
                .await
        )
        .await
        .1,
        "org.permission_denied"
    );
    let r = api.post(&head, &path, request("Входы были наши.")).await;
    assert_eq!(r.status(), 201);
    let first: UnblockView = r.json().await.unwrap();
    assert_eq!(first.status, UnblockStatus::Pending);
    let (text, files) = portal.admin().unblock_request(&org).await.unwrap();
    assert_eq!(text, "Входы были наши.");
    assert_eq!(portal.admin().content(&files[0].sha256).await.unwrap(), PDF);
    assert_eq!(
        refused(api.post(&head, &path, request("Ещё раз")).await)
            .await
            .1,
        "org.unblock_pending"
    );

    portal
        .admin()
        .decide_unblock(&org, false, Some("Приложите решение о назначении."))
        .await
        .unwrap();
    let seen = api.orgs(&head).await.remove(0).access.unwrap();
    let refusal = seen.unblock.unwrap();
    assert_eq!(refusal.status, UnblockStatus::Refused);
    assert_eq!(
        refusal.comment.as_deref(),
        Some("Приложите решение о назначении.")
    );
    assert_eq!(api.feed(&head, &org).await.status(), 403);

    let r = api
        .post(&head, &path, request("Решение о назначении приложено."))
        .await;
    assert_eq!(r.status(), 201);
    portal
        .admin()
        .decide_unblock(&org, true, None)
        .await
        .unwrap();
    assert!(api.orgs(&head).await.remove(0).access.is_none());
    assert_eq!(api.feed(&accountant, &org).await.status(), 200);
    assert_eq!(comment(&accountant).await.status(), 201);
    let notes: Vec<Notification> = portal.admin().records(&org).await.unwrap();
    assert!(notes.iter().any(|n| n.title == "Кабинет разблокирован"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_head_deactivates_the_cabinet_with_the_password_and_a_code() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let org = support::romashka(&portal).await;
    let api = Api::new(&portal);
    let admin = support::member_token(
        &portal,
        &org,
        "ad@example.ru",
        "Админов Олег",
        "Администратор",
    )
    .await;
    // The head is the person the register names, holding the head's role.
    let profile: cabinet_api::OrganizationProfile = api
        .get(&admin, &format!("orgs/{org}/profile"))
        .await
        .json()
        .await
        .unwrap();
    let head = support::member_token(
        &portal,
        &org,
        "h@example.ru",
        &profile.head_name,
        "Руководитель",
    )
    .await;
    let path = format!("orgs/{org}/deactivation");
    let password = json!({"current_password": support::PASSWORD});

    assert_eq!(
        refused(api.post(&admin, &path, password.clone()).await)
            .await
            .1,
        "org.head_only"
    );
    let r = api
        .post(&head, &path, json!({"current_password": "Не-тот-1"}))
        .await;
    assert_eq!(refused(r).await.1, "auth.wrong_password");
    let r = api.post(&head, &path, password).await;
    assert_eq!(r.status(), 200);
    let sent: CodeSent = r.json().await.unwrap();
    assert!(
        sent.phone.ends_with("-10"),
        "the head's phone: {}",
        sent.phone
    );
    let code = portal.admin().sent_code(&sent.ticket).await.unwrap();
    let confirm = format!("orgs/{org}/deactivation/confirm");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = api
        .post(
            &head,
            &confirm,
            json!({"ticket": sent.ticket, "code": wrong}),
        )
        .await;
    assert_eq!(refused(r).await.1, "registration.code_invalid");
    assert!(api.orgs(&admin).await.iter().any(|o| o.id == org));

    let r = api
        .post(
            &head,
            &confirm,
            json!({"ticket": sent.ticket, "code": code}),
        )
        .await;
    assert_eq!(r.status(), 200);
    for token in [&head, &admin] {
        assert!(!api.orgs(token).await.iter().any(|o| o.id == org));
        assert_eq!(
            refused(api.feed(token, &org).await).await.1,
            "org.forbidden"
        );
    }
}
