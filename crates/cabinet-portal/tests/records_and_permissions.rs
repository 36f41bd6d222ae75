//! The organization's other records over real HTTP: the feed carries
//! roles, employees, history, notifications, requirements, charges,
//! payments and the audit log; requirements are accepted and answered,
//! charges paid and comments written idempotently, versioned and as the
//! member's role allows; the government body closes answered requirements.

mod support;

use cabinet_api::{
    ApplicationStatus, AuditEntry, Change, ChangePage, Charge, ChargeStatus, Comment, Document,
    Notification, Payment, Problem, Requirement, RequirementStatus, StatusEvent,
};
use cabinet_portal::RunningPortal;
use serde_json::json;

struct F {
    portal: RunningPortal,
    http: reqwest::Client,
    org: String,
    _dir: tempfile::TempDir,
}

async fn start() -> F {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let org = support::romashka(&portal).await;
    F {
        portal,
        http: reqwest::Client::new(),
        org,
        _dir: dir,
    }
}

impl F {
    /// A new member of the organization with `role`, logged in.
    async fn member(&self, email: &str, name: &str, role: &str) -> String {
        support::member_token(&self.portal, &self.org, email, name, role).await
    }

    async fn post(
        &self,
        token: &str,
        path: &str,
        key: &str,
        version: Option<i64>,
        body: serde_json::Value,
    ) -> reqwest::Response {
        let mut rb = self
            .http
            .post(format!("{}/v1/orgs/{}{path}", self.portal.url(), self.org))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body);
        if let Some(v) = version {
            rb = rb.header("If-Match", v.to_string());
        }
        rb.send().await.unwrap()
    }

    /// Every change after `after`; the last cursor.
    async fn feed(&self, token: &str, mut after: Option<String>) -> (Vec<Change>, String) {
        let mut all = Vec::new();
        loop {
            let mut q = vec![("limit", "500".to_owned())];
            if let Some(a) = &after {
                q.push(("after", a.clone()));
            }
            let page: ChangePage = self
                .http
                .get(format!(
                    "{}/v1/orgs/{}/changes",
                    self.portal.url(),
                    self.org
                ))
                .query(&q)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            all.extend(page.changes);
            after = Some(page.next_cursor.clone());
            if !page.has_more {
                return (all, page.next_cursor);
            }
        }
    }
}

fn of<T: serde::de::DeserializeOwned>(changes: &[Change], entity: &str) -> Vec<T> {
    changes
        .iter()
        .filter(|c| c.entity == entity)
        .map(|c| c.data_as::<T>().unwrap().unwrap())
        .collect()
}

async fn problem(resp: reqwest::Response, status: u16) -> Problem {
    assert_eq!(resp.status(), status);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn records_flow_through_the_feed_and_writes_respect_versions_and_roles() {
    let f = start().await;
    let buh = f
        .member("buh2@example.ru", "Счетова Анна", "Бухгалтер")
        .await;
    let watcher = f
        .member("watch2@example.ru", "Смотров Пётр", "Наблюдатель")
        .await;

    // The initial sync brings every kind of record of the demo organization.
    let (all, cursor) = f.feed(&buh, None).await;
    let count = |e: &str| {
        let ids: std::collections::HashSet<_> = all
            .iter()
            .filter(|c| c.entity == e)
            .map(|c| &c.id)
            .collect();
        ids.len()
    };
    assert_eq!(count("role"), 6);
    assert!(count("employee") >= 6, "demo staff and the two new members");
    assert_eq!(count("requirement"), 2);
    assert_eq!(count("charge"), 3);
    assert_eq!(count("payment"), 1);
    let events: Vec<StatusEvent> = of(&all, "status_event");
    assert_eq!(events.len(), 7, "one step per demo application");
    assert!(events.iter().all(|e| e.actor == "Иванов Сергей Петрович"));
    assert!(count("notification") >= 6);
    // The audit log is only for roles that may view it.
    assert!(!all.iter().any(|c| c.entity == "audit"));
    let auditor = f
        .member("audit2@example.ru", "Ревизорова Ольга", "Администратор")
        .await;
    let (seen, _) = f.feed(&auditor, None).await;
    let audit: Vec<AuditEntry> = of(&seen, "audit");
    let login = audit
        .iter()
        .find(|a| a.action == "auth.login" && a.user_name == "Счетова Анна")
        .expect("the login is in the audit log");
    assert_eq!(login.ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(login.detail, "password");
    let paid: Vec<Payment> = of(&all, "payment");
    let docs: Vec<Document> = of(&all, "document");
    assert!(
        docs.iter()
            .any(|d| d.id == paid[0].receipt_document_id && d.name.starts_with("Квитанция")),
        "the receipt is a document of the organization"
    );
    // The receipt is a PDF that says who paid what, to whom and how.
    let receipt = docs
        .iter()
        .find(|d| d.id == paid[0].receipt_document_id)
        .unwrap();
    assert_eq!(receipt.mime, "application/pdf");
    assert!(receipt.name.ends_with(".pdf"), "{}", receipt.name);
    let pdf = f.portal.admin().content(&receipt.sha256).await.unwrap();
    assert_eq!(cabinet_pdf::poppler::pages(&pdf), 1);
    let words = cabinet_pdf::poppler::words(&pdf);
    let charges: Vec<Charge> = of(&all, "charge");
    let charge = charges
        .iter()
        .find(|c| Some(&c.id) == paid[0].charge_id.as_ref())
        .unwrap();
    let amount = cabinet_api::format_rubles(charge.amount)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for wanted in [
        "Квитанция об оплате".to_owned(),
        format!("УИН {}", charge.uin),
        format!("Сумма {amount}"),
        format!("Получатель {}", charge.authority),
        format!("Оплатил {}", paid[0].paid_by),
        format!("Номер операции {}", paid[0].id),
    ] {
        assert!(words.contains(&wanted), "{wanted} in {words}");
    }

    // A requirement about an application: accepted, then answered.
    let app = f.portal.admin().applications(&f.org).await.unwrap()[0].clone();
    let req = f
        .portal
        .admin()
        .issue_requirement(&f.org, Some(&app.id))
        .await
        .unwrap();
    assert_eq!((req.status, req.version), (RequirementStatus::New, 1));
    let path = format!("/requirements/{}/accept", req.id);
    let resp = f.post(&watcher, &path, "w-1", Some(1), json!({})).await;
    let p = problem(resp, 403).await;
    assert_eq!(p.code, "org.permission_denied");
    assert_eq!(p.detail.as_deref(), Some("requirements.answer"));
    let first = f.post(&buh, &path, "a-1", Some(1), json!({})).await;
    assert_eq!(first.status(), 200);
    let accepted: Requirement = first.json().await.unwrap();
    assert_eq!(
        (accepted.status, accepted.version),
        (RequirementStatus::Accepted, 2)
    );
    let replay = f.post(&buh, &path, "a-1", Some(1), json!({})).await;
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.json::<Requirement>().await.unwrap(), accepted);
    let stale = problem(f.post(&buh, &path, "a-2", Some(1), json!({})).await, 412).await;
    assert_eq!(stale.code, "conflict.version");
    let current: Requirement = serde_json::from_value(stale.current.unwrap()).unwrap();
    assert_eq!(current, accepted, "412 carries the current record");

    let answer = format!("/requirements/{}/answer", req.id);
    let body = |docs: Vec<&str>| json!({"text": "  Документы прилагаем.  ", "document_ids": docs});
    let p = problem(
        f.post(&buh, &answer, "b-1", Some(2), body(vec!["no-such-doc"]))
            .await,
        422,
    )
    .await;
    assert_eq!(p.field.as_deref(), Some("document_ids"));
    let p = problem(
        f.post(&buh, &answer, "b-2", Some(2), json!({"text": " "}))
            .await,
        422,
    )
    .await;
    assert_eq!(p.field.as_deref(), Some("text"));
    let resp = f
        .post(
            &buh,
            &answer,
            "b-3",
            Some(2),
            body(vec![docs[0].id.as_str()]),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let answered: Requirement = resp.json().await.unwrap();
    assert_eq!(answered.status, RequirementStatus::Answered);
    let a = answered.answer.clone().unwrap();
    assert_eq!(a.text, "Документы прилагаем.");
    assert_eq!(a.answered_by, "Счетова Анна");
    let again = f.post(&buh, &answer, "b-4", Some(3), body(vec![])).await;
    assert_eq!(problem(again, 409).await.code, "conflict.state");

    // The government body closes answered requirements.
    f.portal.admin().gov_step(&f.org, 0).await.unwrap();
    let held: Vec<Requirement> = f.portal.admin().records(&f.org).await.unwrap();
    let closed = held.iter().find(|r| r.id == req.id).unwrap();
    assert_eq!(
        (closed.status, closed.version),
        (RequirementStatus::Closed, 4)
    );

    // A charge: the observer may not pay; the accountant pays once.
    let charge = f.portal.admin().issue_charge(&f.org).await.unwrap();
    cabinet_api::requisites::validate_uin(&charge.uin).unwrap();
    let pay = format!("/charges/{}/pay", charge.id);
    let resp = f
        .post(&watcher, &pay, "w-2", Some(1), json!({"method": "sbp"}))
        .await;
    assert_eq!(problem(resp, 403).await.code, "org.permission_denied");
    let resp = f
        .post(&buh, &pay, "p-1", Some(1), json!({"method": "card"}))
        .await;
    assert_eq!(resp.status(), 201);
    let payment: Payment = resp.json().await.unwrap();
    assert_eq!(payment.amount, charge.amount);
    let replay: Payment = f
        .post(&buh, &pay, "p-1", Some(1), json!({"method": "card"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(replay, payment, "a lost reply, paid once");
    let twice = f
        .post(&buh, &pay, "p-2", Some(2), json!({"method": "card"}))
        .await;
    assert_eq!(problem(twice, 409).await.code, "conflict.state");
    let payments: Vec<Payment> = f.portal.admin().records(&f.org).await.unwrap();
    assert_eq!(
        payments
            .iter()
            .filter(|p| p.charge_id.as_deref() == Some(charge.id.as_str()))
            .count(),
        1
    );

    // Comments and replies; a reply must stay on its application.
    let comments = format!("/applications/{}/comments", app.id);
    let resp = f
        .post(
            &buh,
            &comments,
            "c-1",
            None,
            json!({"text": "Проверьте реквизиты"}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let c: Comment = resp.json().await.unwrap();
    let resp = f
        .post(
            &buh,
            &comments,
            "c-2",
            None,
            json!({"text": "Проверено", "reply_to": c.id}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let other = f.portal.admin().applications(&f.org).await.unwrap()[1]
        .id
        .clone();
    let resp = f
        .post(
            &buh,
            &format!("/applications/{other}/comments"),
            "c-3",
            None,
            json!({"text": "Не туда", "reply_to": c.id}),
        )
        .await;
    assert_eq!(problem(resp, 422).await.field.as_deref(), Some("reply_to"));
    let resp = f
        .post(&watcher, &comments, "w-3", None, json!({"text": "Можно?"}))
        .await;
    assert_eq!(problem(resp, 403).await.code, "org.permission_denied");

    // A notification read by anyone of the organization is read for all.
    let (delta, _) = f.feed(&buh, Some(cursor)).await;
    let fresh: Vec<Notification> = of(&delta, "notification");
    let n = fresh.iter().find(|n| !n.read).unwrap();
    let resp = f
        .post(
            &watcher,
            &format!("/notifications/{}/read", n.id),
            "r-1",
            None,
            json!({}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert!(resp.json::<Notification>().await.unwrap().read);

    // The delta carries each write once, newest state last.
    let (delta, _) = f.feed(&buh, None).await;
    let last = |entity: &str, id: &str| {
        delta
            .iter()
            .rev()
            .find(|c| c.entity == entity && c.id == id)
            .unwrap()
            .clone()
    };
    let r: Requirement = last("requirement", &req.id).data_as().unwrap().unwrap();
    assert_eq!(r.status, RequirementStatus::Closed);
    let ch: Charge = last("charge", &charge.id).data_as().unwrap().unwrap();
    assert_eq!(ch.status, ChargeStatus::Paid);
    let (seen, _) = f.feed(&auditor, None).await;
    let audit: Vec<AuditEntry> = of(&seen, "audit");
    for action in [
        "requirement.accept",
        "requirement.answer",
        "charge.pay",
        "application.comment",
    ] {
        assert_eq!(
            audit
                .iter()
                .filter(|a| a.action == action && a.user_name == "Счетова Анна")
                .count(),
            if action == "application.comment" {
                2
            } else {
                1
            },
            "{action}: once, replays not repeated"
        );
    }
    let history: Vec<StatusEvent> = of(&delta, "status_event");
    assert!(history
        .iter()
        .all(|e| e.status != ApplicationStatus::Draft || e.actor != "Ведомство"));
}

#[tokio::test]
async fn open_requirements_due_within_three_days_are_reminded_of_once() {
    let f = start().await;
    let buh = f
        .member("buh3@example.ru", "Напоминаева Ия", "Бухгалтер")
        .await;
    let today = chrono::Utc::now().date_naive();
    let reqs: Vec<Requirement> = f.portal.admin().records(&f.org).await.unwrap();
    let due_soon: std::collections::BTreeSet<String> = reqs
        .iter()
        .filter(|r| {
            let due = chrono::NaiveDate::parse_from_str(&r.due_date, "%Y-%m-%d").unwrap();
            (due - today).num_days() <= 3
        })
        .map(|r| r.id.clone())
        .collect();
    assert!(
        !due_soon.is_empty() && due_soon.len() < reqs.len(),
        "the demo has one due soon and one not: {reqs:?}"
    );
    // Two steps of the government body: one reminder each, not two.
    f.portal.admin().gov_step(&f.org, 0).await.unwrap();
    f.portal.admin().gov_step(&f.org, 0).await.unwrap();
    let (all, _) = f.feed(&buh, None).await;
    let reminders: Vec<Notification> = of::<Notification>(&all, "notification")
        .into_iter()
        .filter(|n| n.id.starts_with("reminder-"))
        .collect();
    let about: std::collections::BTreeSet<String> = reminders
        .iter()
        .map(|n| n.entity_id.clone().unwrap())
        .collect();
    assert_eq!(about, due_soon);
    assert_eq!(reminders.len(), due_soon.len(), "once each: {reminders:?}");
    assert!(reminders[0].title.starts_with("Напоминание: требование №"));
    assert!(reminders[0].text.contains("Срок ответа"));
}

#[tokio::test]
async fn legal_status_is_in_the_feed_and_an_extract_becomes_a_document_once() {
    let f = start().await;
    let buh = f
        .member("buh4@example.ru", "Выписова Ада", "Бухгалтер")
        .await;
    let (all, cursor) = f.feed(&buh, None).await;
    let status: Vec<cabinet_api::LegalStatus> = of(&all, "legal_status");
    assert_eq!(status.len(), 1, "one per organization");
    let s = &status[0];
    assert_eq!(s.id, f.org);
    assert_eq!(
        (s.register.as_str(), s.registration.as_str()),
        ("ЕГРЮЛ", "Действующее")
    );
    assert!(!s.court_cases.is_empty() && !s.licences.is_empty(), "{s:?}");

    let first = f
        .post(&buh, "/legal-status/extract", "x-1", None, json!({}))
        .await;
    assert_eq!(first.status(), 201);
    let doc: Document = first.json().await.unwrap();
    assert!(doc.name.starts_with("Выписка из ЕГРЮЛ от "), "{}", doc.name);
    let again: Document = f
        .post(&buh, "/legal-status/extract", "x-1", None, json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again.id, doc.id, "a replay is the same extract");
    let text = f
        .http
        .get(format!(
            "{}/v1/orgs/{}/documents/{}/content",
            f.portal.url(),
            f.org,
            doc.id
        ))
        .bearer_auth(&buh)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let inn = cabinet_api::requisites::complete_inn10("770412345").unwrap();
    assert!(text.starts_with("ВЫПИСКА ИЗ ЕГРЮЛ"), "{text}");
    assert!(text.contains(&format!("ИНН: {inn}")), "{text}");
    assert!(text.contains(&s.licences[0].number), "{text}");
    let (delta, _) = f.feed(&buh, Some(cursor)).await;
    let docs: Vec<Document> = of(&delta, "document");
    assert_eq!(docs.len(), 1, "one new document: {docs:?}");
}
