//! The change feed and idempotent writes over real HTTP: paging by cursor,
//! a new draft appearing once in the feed, replays of a write with the same
//! `Idempotency-Key`, `If-Match` versions, membership, and compaction
//! turning old cursors into `410 sync.cursor_expired`, and compressed
//! answers.

mod support;

use cabinet_api::{Application, ApplicationStatus, ChangePage, Problem};
use cabinet_portal::RunningPortal;
use serde_json::json;

struct F {
    portal: RunningPortal,
    http: reqwest::Client,
    token: String,
    org: String,
    _dir: tempfile::TempDir,
}

async fn start() -> F {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let org = support::romashka(&portal).await;
    let token = support::member_token(
        &portal,
        &org,
        "sync@example.ru",
        "Синхронова Ольга",
        "Бухгалтер",
    )
    .await;
    F {
        portal,
        http: reqwest::Client::new(),
        token,
        org,
        _dir: dir,
    }
}

impl F {
    fn url(&self, path: &str) -> String {
        format!("{}/v1/orgs/{}{path}", self.portal.url(), self.org)
    }

    async fn page(&self, after: Option<&str>, limit: u32) -> reqwest::Response {
        let mut q = vec![("limit", limit.to_string())];
        if let Some(a) = after {
            q.push(("after", a.to_owned()));
        }
        self.http
            .get(self.url("/changes"))
            .query(&q)
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    /// All changes after `after`, page by page; the last cursor.
    async fn drain(
        &self,
        mut after: Option<String>,
        limit: u32,
    ) -> (Vec<cabinet_api::Change>, String) {
        let mut all = Vec::new();
        loop {
            let resp = self.page(after.as_deref(), limit).await;
            assert_eq!(resp.status(), 200);
            let page: ChangePage = resp.json().await.unwrap();
            assert!(page.changes.len() <= limit as usize);
            all.extend(page.changes);
            after = Some(page.next_cursor.clone());
            if !page.has_more {
                return (all, page.next_cursor);
            }
        }
    }

    async fn post(
        &self,
        path: &str,
        key: Option<&str>,
        body: serde_json::Value,
    ) -> reqwest::Response {
        let mut rb = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.token)
            .json(&body);
        if let Some(k) = key {
            rb = rb.header("Idempotency-Key", k);
        }
        rb.send().await.unwrap()
    }
}

/// Application changes among `changes` (the rest is history, notifications
/// and the audit log).
fn apps(changes: &[cabinet_api::Change]) -> usize {
    changes.iter().filter(|c| c.entity == "application").count()
}

async fn code(resp: reqwest::Response, status: u16) -> String {
    assert_eq!(resp.status(), status);
    resp.json::<Problem>().await.unwrap().code.to_string()
}

#[tokio::test]
async fn feed_pages_writes_replay_and_compaction_expires_cursors() {
    let f = start().await;

    // Initial sync in pages of 3: the profile and the seven demo applications.
    let (all, cursor) = f.drain(None, 3).await;
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(all.iter().filter(|c| c.entity == "profile").count(), 1);
    assert_eq!(all.iter().filter(|c| c.entity == "application").count(), 7);
    // Answers are compressed as the client accepts: zstd or gzip, the same
    // JSON in fewer bytes; identity when it accepts nothing else.
    let raw = reqwest::Client::builder()
        .no_gzip()
        .no_zstd()
        .build()
        .unwrap();
    let get = |encoding: &'static str| {
        raw.get(f.url("/changes"))
            .query(&[("limit", "50")])
            .bearer_auth(&f.token)
            .header("Accept-Encoding", encoding)
            .send()
    };
    let plain = get("identity").await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.unwrap();
    for encoding in ["zstd", "gzip"] {
        let resp = get(encoding).await.unwrap();
        assert_eq!(resp.headers()["content-encoding"], encoding);
        let packed = resp.bytes().await.unwrap();
        assert!(
            packed.len() * 3 < plain.len() * 2,
            "{encoding}: {} of {} bytes",
            packed.len(),
            plain.len()
        );
    }

    // Nothing new: an empty page with the same cursor.
    let (none, same) = f.drain(Some(cursor.clone()), 3).await;
    assert!(none.is_empty());
    assert_eq!(same, cursor);

    // A write needs a key; the same key replays the same answer.
    let body = json!({"service_code": "egrul-extract", "title": "Выписка из ЕГРЮЛ для банка"});
    assert_eq!(
        code(f.post("/applications", None, body.clone()).await, 428).await,
        "request.idempotency_key_required"
    );
    let first = f.post("/applications", Some("k-1"), body.clone()).await;
    assert_eq!(first.status(), 201);
    let draft: Application = first.json().await.unwrap();
    assert_eq!(draft.status, ApplicationStatus::Draft);
    let again = f.post("/applications", Some("k-1"), body.clone()).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["Idempotent-Replayed"], "true");
    assert_eq!(again.json::<Application>().await.unwrap(), draft);
    assert_eq!(
        code(
            f.post(
                "/applications",
                Some("k-1"),
                json!({"service_code": "x", "title": "другое"})
            )
            .await,
            422
        )
        .await,
        "request.idempotency_conflict"
    );
    let bad = f
        .post(
            "/applications",
            Some("k-2"),
            json!({"service_code": "x", "title": "  "}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert_eq!(
        bad.json::<Problem>().await.unwrap().field.as_deref(),
        Some("title")
    );

    // Exactly one new draft, despite the replay: its change and the first
    // step of its history (the audit log line is not a Бухгалтер's to see).
    let (delta, cursor2) = f.drain(Some(cursor.clone()), 50).await;
    let kinds: Vec<&str> = delta.iter().map(|c| c.entity.as_str()).collect();
    assert_eq!(kinds, ["application", "status_event"]);
    assert_eq!(delta[0].id, draft.id);

    // Submit: If-Match must name the current version.
    let submit = |key: &'static str, version: i64| {
        f.http
            .post(f.url(&format!("/applications/{}/submit", draft.id)))
            .bearer_auth(&f.token)
            .header("Idempotency-Key", key)
            .header("If-Match", version.to_string())
            .send()
    };
    assert_eq!(
        code(submit("s-1", 7).await.unwrap(), 412).await,
        "conflict.version"
    );
    let ok = submit("s-2", 1).await.unwrap();
    assert_eq!(ok.status(), 200);
    let accepted: Application = ok.json().await.unwrap();
    assert_eq!(accepted.status, ApplicationStatus::Accepted);
    assert!(accepted.number.is_some() && accepted.deadline.is_some());
    assert_eq!(accepted.version, 2);
    let replay: Application = submit("s-2", 1).await.unwrap().json().await.unwrap();
    assert_eq!(replay, accepted);
    assert_eq!(
        code(submit("s-3", 2).await.unwrap(), 409).await,
        "conflict.state"
    );
    let (delta, cursor3) = f.drain(Some(cursor2.clone()), 50).await;
    assert_eq!(apps(&delta), 1, "one submit, one change");

    // The government body works through accepted and in-progress
    // applications: each step is a new version in the feed.
    let before = f.portal.admin().applications(&f.org).await.unwrap();
    let moved = f.portal.admin().gov_step(&f.org, 2).await.unwrap();
    assert_eq!(moved.len(), 2);
    for m in &moved {
        let old = before.iter().find(|a| a.id == m.id).unwrap();
        assert_eq!(m.version, old.version + 1);
        match old.status {
            ApplicationStatus::Accepted => assert_eq!(m.status, ApplicationStatus::InProgress),
            ApplicationStatus::InProgress => assert!(matches!(
                m.status,
                ApplicationStatus::Completed
                    | ApplicationStatus::NeedsInfo
                    | ApplicationStatus::Rejected
            )),
            other => panic!("the government body moved a {other:?} application"),
        }
    }
    let (delta, _) = f.drain(Some(cursor3), 50).await;
    assert_eq!(apps(&delta), 2);
    // Back to where the submit left it, for the checks below.
    let accepted_now = f
        .portal
        .admin()
        .applications(&f.org)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.id == draft.id)
        .unwrap();

    // Cursors: malformed, and from the future.
    assert_eq!(
        code(f.page(Some("zzz"), 10).await, 400).await,
        "request.invalid"
    );
    assert_eq!(
        code(f.page(Some("c1.0.999999"), 10).await, 410).await,
        "sync.cursor_expired"
    );

    // Compaction: old cursors expire; a full sync has one change per entity.
    f.portal.admin().compact_feed(&f.org).await.unwrap();
    assert_eq!(
        code(f.page(Some(&cursor2), 10).await, 410).await,
        "sync.cursor_expired"
    );
    let (full, _) = f.drain(None, 4).await;
    // The profile, eight applications and the eight demo documents (two, a
    // receipt and the five signed ones that show the verdicts), each once.
    let count = |e: &str| full.iter().filter(|c| c.entity == e).count();
    assert_eq!(
        (count("profile"), apps(&full), count("document")),
        (1, 8, 8)
    );
    let mut ids: Vec<_> = full.iter().map(|c| (&c.entity, &c.id)).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), full.len(), "one change per entity");
    let latest = full.iter().find(|c| c.id == draft.id).unwrap();
    assert_eq!(
        latest.data_as::<serde_json::Value>().unwrap().unwrap()["status"],
        accepted_now.status.as_str()
    );

    // Another organization's feed: forbidden.
    let ip = cabinet_api::requisites::complete_inn12("5003123456").unwrap();
    let other = f.portal.admin().org_id_by_inn(&ip).await.unwrap();
    let resp = f
        .http
        .get(format!("{}/v1/orgs/{other}/changes", f.portal.url()))
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap();
    assert_eq!(code(resp, 403).await, "org.forbidden");
}

#[tokio::test]
async fn profile_edits_are_versioned_validated_idempotent_and_role_checked() {
    let f = start().await;
    let get = || async {
        f.http
            .get(f.url("/profile"))
            .bearer_auth(&f.token)
            .send()
            .await
            .unwrap()
            .json::<cabinet_api::OrganizationProfile>()
            .await
            .unwrap()
    };
    let patch = |token: String, key: Option<&'static str>, version: Option<i64>, body| {
        let mut rb = f
            .http
            .patch(f.url("/profile"))
            .bearer_auth(token)
            .json(&body);
        if let Some(k) = key {
            rb = rb.header("Idempotency-Key", k);
        }
        if let Some(v) = version {
            rb = rb.header("If-Match", v.to_string());
        }
        rb.send()
    };
    let before = get().await;
    let (_, cursor) = f.drain(None, 500).await;

    // Both headers are required.
    let r = patch(
        f.token.clone(),
        None,
        Some(before.version),
        json!({"phone": "+74950000000"}),
    );
    assert_eq!(
        code(r.await.unwrap(), 428).await,
        "request.idempotency_key_required"
    );
    let r = patch(
        f.token.clone(),
        Some("p-0"),
        None,
        json!({"phone": "+74950000000"}),
    );
    assert_eq!(code(r.await.unwrap(), 400).await, "request.invalid");

    // Fields are checked as the client checks them.
    let r = patch(
        f.token.clone(),
        Some("p-1"),
        Some(before.version),
        json!({"phone": "12"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let p: Problem = r.json().await.unwrap();
    assert_eq!(
        (p.code.as_str(), p.field.as_deref()),
        ("request.invalid_field", Some("phone"))
    );
    let r = patch(
        f.token.clone(),
        Some("p-2"),
        Some(before.version),
        json!({"email": "нет"}),
    );
    assert_eq!(code(r.await.unwrap(), 422).await, "request.invalid_field");

    // A good edit: normalized, version + 1, in the feed; a replay repeats it.
    let edit = json!({"phone": "8 (495) 111-22-33", "email": "office@romashka.ru"});
    let r = patch(
        f.token.clone(),
        Some("p-3"),
        Some(before.version),
        edit.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let after: cabinet_api::OrganizationProfile = r.json().await.unwrap();
    assert_eq!(after.version, before.version + 1);
    assert_eq!(
        (after.phone.as_str(), after.email.as_str()),
        ("+7 495 111-22-33", "office@romashka.ru")
    );
    assert_eq!(
        after.legal_address, before.legal_address,
        "absent fields stay"
    );
    let replay: cabinet_api::OrganizationProfile =
        patch(f.token.clone(), Some("p-3"), Some(before.version), edit)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(replay, after);
    assert_eq!(get().await, after);
    let (changes, _) = f.drain(Some(cursor), 500).await;
    let kinds: Vec<&str> = changes.iter().map(|c| c.entity.as_str()).collect();
    assert_eq!(kinds, ["profile"], "one edit, despite the replay");
    assert_eq!(
        (changes[0].entity.as_str(), changes[0].id.as_str()),
        ("profile", f.org.as_str())
    );

    // A stale version: 412 with the portal's current profile in the answer.
    let r = patch(
        f.token.clone(),
        Some("p-4"),
        Some(before.version),
        json!({"phone": "+74950000001"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 412);
    let p: Problem = r.json().await.unwrap();
    assert_eq!(p.code, "conflict.version");
    let current: cabinet_api::OrganizationProfile =
        serde_json::from_value(p.current.expect("current profile")).unwrap();
    assert_eq!(current, after);

    // An observer may read the profile but not change it.
    let access_token = support::member_token(
        &f.portal,
        &f.org,
        "watch@example.ru",
        "Наблюдаев Пётр",
        "Наблюдатель",
    )
    .await;
    let r = patch(
        access_token,
        Some("p-5"),
        Some(after.version),
        json!({"phone": "+74950000002"}),
    );
    assert_eq!(code(r.await.unwrap(), 403).await, "org.permission_denied");
    assert_eq!(get().await, after, "nothing changed");
}
