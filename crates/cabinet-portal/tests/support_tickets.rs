//! Support tickets on the real portal: a member writes with files and gets
//! a number, once per Idempotency-Key; only the author sees the ticket in
//! the feed; the files are checked by content, five at most, 10 MB in all;
//! support's answer reaches the author; the FAQ is public and cached by ETag.

mod support;

use base64::Engine;
use cabinet_api::{ChangePage, Problem, Ticket, TicketStatus, TicketTopic};
use serde_json::{json, Value};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

struct Client {
    http: reqwest::Client,
    base: String,
    org: String,
}

impl Client {
    async fn file(&self, token: &str, key: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!(
                "{}/v1/orgs/{}/support/tickets",
                self.base, self.org
            ))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// The notifications the feed gives `token`, latest state of each.
    async fn notes(&self, token: &str) -> Vec<cabinet_api::Notification> {
        self.latest(token, "notification").await
    }

    /// The tickets the feed gives `token`, latest state of each.
    async fn tickets(&self, token: &str) -> Vec<Ticket> {
        self.latest(token, "ticket").await
    }

    async fn latest<T: serde::de::DeserializeOwned>(&self, token: &str, entity: &str) -> Vec<T> {
        let page: ChangePage = self
            .http
            .get(format!(
                "{}/v1/orgs/{}/changes?limit=1000",
                self.base, self.org
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut latest = std::collections::BTreeMap::new();
        for c in page.changes.iter().filter(|c| c.entity == entity) {
            latest.insert(c.id.clone(), c.data_as::<T>().unwrap().unwrap());
        }
        latest.into_values().collect()
    }
}

async fn refused(resp: reqwest::Response) -> (u16, String) {
    let status = resp.status().as_u16();
    let p: Problem = resp.json().await.unwrap();
    (status, p.code.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_with_files_is_registered_once_and_seen_by_its_author_only() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let org = support::romashka(&portal).await;
    let c = Client {
        http: reqwest::Client::new(),
        base: portal.url().to_string().trim_end_matches('/').to_owned(),
        org: org.clone(),
    };
    let accountant =
        support::member_token(&portal, &org, "acc@example.ru", "Счётова Анна", "Бухгалтер").await;
    let observer = support::member_token(
        &portal,
        &org,
        "obs@example.ru",
        "Смотров Илья",
        "Наблюдатель",
    )
    .await;

    let body = json!({
        "topic": "payments",
        "message": "  Платёж по начислению не отражается третий день.  ",
        "files": [
            {"name": "квитанция.pdf", "content": b64(PDF)},
            {"name": "экран.png", "content": b64(PNG)},
        ],
    });
    let resp = c.file(&accountant, "ticket-1", &body).await;
    assert_eq!(resp.status(), 201);
    let first: Ticket = resp.json().await.unwrap();
    assert!(first.number.starts_with("ТП-"), "{}", first.number);
    assert_eq!(first.topic, TicketTopic::Payments);
    assert_eq!(
        first.message,
        "Платёж по начислению не отражается третий день."
    );
    assert_eq!(first.status, TicketStatus::Open);
    let names: Vec<_> = first.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["квитанция.pdf", "экран.png"]);
    assert_eq!(first.files[1].media_type, "image/png");
    assert_eq!(first.files[0].size, PDF.len() as i64);
    assert_eq!(
        portal
            .admin()
            .content(&first.files[1].sha256)
            .await
            .unwrap(),
        PNG,
        "the portal keeps the file's bytes"
    );

    // The reply was lost: the same key gives the same ticket, not a second.
    let again: Ticket = c
        .file(&accountant, "ticket-1", &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, first);
    // The observer may ask too; numbers go on.
    let resp = c
        .file(
            &observer,
            "ticket-2",
            &json!({"topic": "other", "message": "Где найти выписку?"}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let second: Ticket = resp.json().await.unwrap();
    assert_ne!(second.number, first.number);
    assert_eq!(
        portal.admin().records::<Ticket>(&org).await.unwrap().len(),
        2
    );

    // Each sees their own.
    assert_eq!(c.tickets(&accountant).await, vec![first.clone()]);
    assert_eq!(c.tickets(&observer).await, vec![second.clone()]);

    // Support answers: the author gets it through the feed.
    portal
        .admin()
        .answer_ticket(&org, &first.id, "Платёж найден и зачтён.")
        .await
        .unwrap();
    let answered = c.tickets(&accountant).await.remove(0);
    assert_eq!(answered.status, TicketStatus::Answered);
    assert_eq!(answered.answer.as_deref(), Some("Платёж найден и зачтён."));
    assert!(answered.answered_at.is_some());
    assert_eq!(c.tickets(&observer).await, vec![second]);

    // The author is told, in their notifications only; nobody else can
    // see or mark it, and reading it keeps it theirs.
    let told = c.notes(&accountant).await;
    let note = told
        .iter()
        .find(|n| n.title == format!("Поддержка ответила на обращение {}", first.number))
        .expect("the author is told")
        .clone();
    assert!(!note.read);
    assert!(note.text.starts_with("Платёж найден"));
    assert!(!c.notes(&observer).await.iter().any(|n| n.id == note.id));
    let read = |token: &str| {
        c.http
            .post(format!(
                "{}/v1/orgs/{}/notifications/{}/read",
                c.base, c.org, note.id
            ))
            .bearer_auth(token.to_owned())
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .send()
    };
    assert_eq!(read(&observer).await.unwrap().status(), 404);
    assert_eq!(read(&accountant).await.unwrap().status(), 200);
    assert!(c
        .notes(&accountant)
        .await
        .iter()
        .any(|n| n.id == note.id && n.read));
    assert!(!c.notes(&observer).await.iter().any(|n| n.id == note.id));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_tickets_are_refused_with_their_codes_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let org = support::romashka(&portal).await;
    let c = Client {
        http: reqwest::Client::new(),
        base: portal.url().to_string().trim_end_matches('/').to_owned(),
        org: org.clone(),
    };
    let token = support::member_token(
        &portal,
        &org,
        "op@example.ru",
        "Операторова Ольга",
        "Оператор",
    )
    .await;
    let with_files =
        |files: Vec<Value>| json!({"topic": "applications", "message": "Вопрос", "files": files});
    let pdf = |name: &str| json!({"name": name, "content": b64(PDF)});

    let resp = c
        .file(&token, "k1", &json!({"topic": "login", "message": "   "}))
        .await;
    assert_eq!(resp.status(), 422);
    let p: Problem = resp.json().await.unwrap();
    assert_eq!(p.field.as_deref(), Some("message"));

    let six: Vec<_> = (0..6).map(|i| pdf(&format!("{i}.pdf"))).collect();
    assert_eq!(
        refused(c.file(&token, "k2", &with_files(six)).await).await,
        (422, "support.too_many_files".into())
    );

    // Two files under 10 MB each, over it together by 2 KiB: the body
    // passes the route's limit, the portal's count of the files does not.
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(cabinet_api::support::MAX_TICKET_BYTES / 2 + 1024, b' ');
    big.extend_from_slice(b"\ntrailer << >>\n%%EOF\n");
    let two = vec![
        json!({"name": "a.pdf", "content": b64(&big)}),
        json!({"name": "b.pdf", "content": b64(&big)}),
    ];
    assert_eq!(
        refused(c.file(&token, "k3", &with_files(two)).await).await,
        (413, "support.too_large".into())
    );
    // Far past it the portal stops reading at the route's limit (the
    // base64 of 10 MB and 64 KiB for the rest), with the same answer. The
    // test sends just past that limit, so it never races the closing of
    // the connection.
    let route_limit = cabinet_api::support::MAX_TICKET_BYTES / 3 * 4 + 64 * 1024;
    let mut start = b"{\"topic\": \"applications\", \"message\": \"".to_vec();
    start.resize(route_limit + 16, b'x');
    let answer = support::declared_only(
        &c.base,
        &format!("POST /v1/orgs/{}/support/tickets", c.org),
        &[
            ("Authorization", &format!("Bearer {token}")),
            ("Idempotency-Key", "k3-raw"),
            ("Content-Type", "application/json"),
        ],
        3 * cabinet_api::support::MAX_TICKET_BYTES,
        &start,
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("\"code\":\"support.too_large\""),
        "{answer}"
    );

    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff";
    assert_eq!(
        refused(
            c.file(
                &token,
                "k4",
                &with_files(vec![json!({"name": "скрин.png", "content": b64(exe)})])
            )
            .await
        )
        .await,
        (415, "file.type_not_allowed".into())
    );
    assert_eq!(
        refused(
            c.file(
                &token,
                "k5",
                &with_files(vec![json!({"name": "скрин.pdf", "content": b64(PNG)})])
            )
            .await
        )
        .await,
        (415, "file.type_mismatch".into())
    );
    let resp = c
        .file(
            &token,
            "k6",
            &with_files(vec![json!({"name": "a.pdf", "content": "не base64"})]),
        )
        .await;
    assert_eq!(resp.status(), 422);

    assert!(portal
        .admin()
        .records::<Ticket>(&org)
        .await
        .unwrap()
        .is_empty());
    assert!(c.tickets(&token).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_faq_is_public_and_revalidated_by_etag() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let http = reqwest::Client::new();
    let url = format!(
        "{}/v1/support/faq",
        portal.url().to_string().trim_end_matches('/')
    );
    let resp = http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    let faq: Vec<cabinet_api::FaqEntry> = resp.json().await.unwrap();
    assert!(faq.len() >= 8);
    for topic in [
        TicketTopic::Login,
        TicketTopic::Signature,
        TicketTopic::Payments,
    ] {
        assert!(faq.iter().any(|e| e.topic == topic), "{topic:?}");
    }
    let resp = http
        .get(&url)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 304);
}
