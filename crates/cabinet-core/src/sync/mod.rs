//! Offline cache sync: pull the organization's change feed by cursor, push
//! the outbox of offline actions in order, exactly once.
//!
//! - **Pull**: each page is applied together with its new cursor in one
//!   transaction, so a crash repeats at most one page, harmlessly. A `410`
//!   starts a full resync: rows seen by it get a new generation, and rows of
//!   older generations are removed when it completes.
//! - **Push**: each action's id is its `Idempotency-Key`; the portal replays
//!   the stored answer, so a retry after a lost reply never writes twice.
//!   Network errors and 5xx keep the action pending (retried later); a 4xx
//!   marks it failed with the portal's reason, kept for the user to fix or
//!   discard. Drafts made offline carry a local id until the portal gives
//!   them one; later actions on them are re-pointed in the same transaction.

use cabinet_api::{
    Application, ApplicationStatus, Change, ChangeOp, Document, NewApplication,
    OrganizationProfile, ProfileEdit,
};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::backend::Answer;
use crate::store::Store;
use crate::CoreError;

pub(crate) mod engine;
mod feed;
mod outbox;

pub(crate) use outbox::{enqueue, is_local};

const LOCAL_PREFIX: &str = "local-";

/// A file of a ticket still on this computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QueuedFile {
    pub name: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub size: i64,
}

/// What a queued action does (its name in «Исходящие»).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    CreateApplication,
    SubmitApplication,
    SignDocument,
    AttachFile,
    DetachFile,
    EditProfile,
    SupportTicket,
    ProfileChange,
    AcceptRequirement,
    AnswerRequirement,
    MarkRead,
    PayCharge,
    Comment,
    InviteEmployee,
    ChangeRole,
    RemoveEmployee,
    CreateRole,
    EditRole,
    RequestExtract,
}

/// Where a queued action is: waiting to go, or refused by the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Pending,
    Failed,
}

/// The `snake_case` name serde gives a unit variant, as the cache stores it.
pub(crate) fn stored_name<T: Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// A unit variant back from its stored name; another name is a cache this
/// app did not write.
pub(crate) fn from_stored<T: for<'de> Deserialize<'de>>(name: &str) -> Result<T, CoreError> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|_| CoreError::Store(format!("unknown outbox value {name:?}")))
}

impl std::fmt::Display for OutboxKind {
    /// The name the cache stores and the window translates.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&stored_name(self))
    }
}

impl rusqlite::types::FromSql for OutboxKind {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        from_stored(v.as_str()?).map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
    }
}

impl rusqlite::types::FromSql for OutboxState {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        from_stored(v.as_str()?).map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
    }
}

/// An offline action as the «Исходящие» view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OutboxItem {
    pub id: String,
    pub org_id: String,
    pub kind: OutboxKind,
    /// The entity the action is about (a local or portal id).
    pub target: Option<String>,
    pub state: OutboxState,
    pub attempts: u32,
    /// For a failed action: the portal's code and message.
    pub error_code: Option<cabinet_api::ErrorCode>,
    pub error: Option<String>,
    pub created_at: String,
    /// Human summary, e.g. the application's title.
    pub summary: String,
}

/// A search result: the entity kind (`application`, `document`, …) and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SearchHit {
    pub kind: String,
    pub id: String,
}

/// Where a running sync is, for a progress bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// Sending the outbox.
    #[default]
    Push,
    /// Fetching the change feed.
    Pull,
    /// Fetching document contents for offline review (prefetch policy).
    Files,
    Done,
}

/// Progress of a running sync: items of the current phase done out of
/// `items_total` (when known), and feed bytes received so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub items_done: u32,
    pub items_total: Option<u32>,
    #[ts(type = "number")]
    pub bytes: u64,
}

pub(crate) struct Meter<'a> {
    pub progress: &'a (dyn Fn(SyncProgress) + Send + Sync),
    pub state: SyncProgress,
}

impl Meter<'_> {
    pub fn phase(&mut self, phase: SyncPhase, total: Option<u32>) {
        self.state.phase = phase;
        self.state.items_done = 0;
        self.state.items_total = total;
        (self.progress)(self.state.clone());
    }

    pub fn total(&mut self, total: u32) {
        self.state.items_total = Some(total);
    }

    pub fn item(&mut self, n: u32, bytes: u64) {
        self.state.items_done = self.state.items_done.saturating_add(n);
        self.state.bytes += bytes;
        (self.progress)(self.state.clone());
    }
}

/// How sync retries network errors and 5xx answers: up to `attempts` tries
/// per request, pausing a random time up to `base · 2ⁿ` (capped at `cap`)
/// between them — "full jitter", so clients cut off together do not come
/// back together.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base: std::time::Duration,
    pub cap: std::time::Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 5,
            base: std::time::Duration::from_millis(300),
            cap: std::time::Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The pause before retry number `attempt + 1`.
    pub fn delay(&self, attempt: u32) -> std::time::Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32 << attempt.min(20))
            .min(self.cap);
        let mut r = [0u8; 8];
        if getrandom::getrandom(&mut r).is_err() {
            return ceiling / 2;
        }
        let fraction = u64::from_le_bytes(r) as f64 / u64::MAX as f64;
        ceiling.mul_f64(fraction)
    }
}

/// The header's sync indicator for one organization.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncStatus {
    /// The last exchange with the portal succeeded.
    pub online: bool,
    /// RFC 3339 time of the last completed pull, if any.
    pub synced_at: Option<String>,
    /// Actions waiting to be sent.
    pub pending: u32,
    /// Actions the portal refused (to fix or discard), conflicts included.
    pub failed: u32,
    /// Actions waiting for the user's choice between two versions.
    pub conflicts: u32,
}

/// Which document contents a sync fetches ahead, so they open offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum PrefetchScope {
    All,
    /// Documents created in the last `days` days.
    Recent {
        days: u32,
    },
    /// Only what the user opens.
    None,
}

/// The prefetch policy: a scope, and at most `cap_bytes` of contents in
/// scope kept on this computer (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PrefetchPolicy {
    pub scope: PrefetchScope,
    #[ts(type = "number")]
    pub cap_bytes: u64,
}

impl Default for PrefetchPolicy {
    fn default() -> Self {
        Self {
            scope: PrefetchScope::Recent { days: 30 },
            cap_bytes: 500 * 1024 * 1024,
        }
    }
}

impl PrefetchPolicy {
    /// From the config file's `prefetch` (`all`, `none`, `30d`) and
    /// `prefetch_cap_mb`.
    pub fn parse(scope: Option<&str>, cap_mb: Option<&str>) -> Result<Self, String> {
        let mut p = Self::default();
        if let Some(s) = scope {
            p.scope = match s.trim() {
                "all" => PrefetchScope::All,
                "none" => PrefetchScope::None,
                d => PrefetchScope::Recent {
                    days: d
                        .strip_suffix('d')
                        .and_then(|n| n.parse().ok())
                        .filter(|n| *n > 0)
                        .ok_or_else(|| format!("prefetch must be all, none or Nd, not {s:?}"))?,
                },
            };
        }
        if let Some(c) = cap_mb {
            let mb: u64 = c
                .trim()
                .parse()
                .map_err(|_| format!("prefetch_cap_mb must be a number, not {c:?}"))?;
            p.cap_bytes = mb.saturating_mul(1024 * 1024);
        }
        Ok(p)
    }

    /// The config file's `prefetch` and `prefetch_cap_mb` values that
    /// [`PrefetchPolicy::parse`] reads back as this policy.
    pub fn config_values(&self) -> (String, String) {
        let scope = match self.scope {
            PrefetchScope::All => "all".to_owned(),
            PrefetchScope::None => "none".to_owned(),
            PrefetchScope::Recent { days } => format!("{days}d"),
        };
        (scope, (self.cap_bytes / (1024 * 1024)).to_string())
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncReport {
    pub pushed: u32,
    pub failed: u32,
    pub pulled: u32,
    /// The cursor had expired and everything was fetched again.
    pub resynced: bool,
    /// Actions still waiting (offline, or a 5xx).
    pub pending: u32,
    /// Actions refused because the entity changed meanwhile: see
    /// [`Store::conflicts`].
    pub conflicts: u32,
    /// Document contents fetched ahead for offline review.
    pub prefetched: u32,
    /// Document contents removed to keep within the size cap.
    #[serde(default)]
    pub evicted: u32,
    pub online: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Action {
    CreateApplication {
        body: NewApplication,
    },
    SubmitApplication {
        version: i64,
    },
    /// A file for the target draft; the content waits in the blob store.
    Attach {
        document_kind: String,
        name: String,
        sha256: String,
        size: i64,
    },
    /// Takes a document off the target draft.
    Detach {
        document_id: String,
    },
    /// A detached signature (base64 DER) for the target document.
    SignDocument {
        signature: String,
        signer: String,
    },
    /// New contacts for the organization, edited at profile `version`.
    EditProfile {
        version: i64,
        edit: ProfileEdit,
    },
    /// A question to support; the files wait in the blob store and go
    /// with it in one request (`support/tickets`).
    Ticket {
        topic: cabinet_api::TicketTopic,
        message: String,
        files: Vec<QueuedFile>,
    },
    /// A write on one of the organization's records (see `records`):
    /// `POST {path}` with `{target}` in it replaced by the target's id,
    /// `If-Match: version` when the record is versioned; the portal
    /// answers with an `entity` record.
    Write {
        name: OutboxKind,
        entity: String,
        path: String,
        version: Option<i64>,
        body: serde_json::Value,
        summary: String,
    },
}

impl Action {
    /// The contents (SHA-256) it sends from the blob store.
    pub(crate) fn contents(self) -> Vec<String> {
        match self {
            Action::Attach { sha256, .. } => vec![sha256],
            Action::Ticket { files, .. } => files.into_iter().map(|f| f.sha256).collect(),
            _ => Vec::new(),
        }
    }

    /// A [`Action::Write`] answered with a `T`.
    pub(crate) fn write<T: cabinet_api::Record>(
        name: OutboxKind,
        path: &str,
        version: Option<i64>,
        body: serde_json::Value,
        summary: &str,
    ) -> Self {
        Action::Write {
            name,
            entity: T::ENTITY.to_owned(),
            path: path.to_owned(),
            version,
            body,
            summary: summary.to_owned(),
        }
    }
}

/// An action the portal refused because the entity changed meanwhile
/// (`412`): what this user did and what the portal holds now, for the user
/// to choose. Resolved with [`Store::resolve_conflict`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Conflict {
    /// The outbox action (also the conflict's id).
    pub action_id: String,
    pub org_id: String,
    /// `profile`, `application`.
    pub entity: String,
    pub entity_id: String,
    /// The version the user's change was made on.
    #[ts(type = "number")]
    pub base_version: i64,
    /// The user's change (for a profile: the edited fields).
    #[ts(type = "unknown")]
    pub mine: serde_json::Value,
    /// The entity as the portal holds it now.
    #[ts(type = "unknown")]
    pub theirs: serde_json::Value,
    pub created_at: String,
}

/// How the user settles a [`Conflict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Send my change again, over the portal's current version.
    KeepMine,
    /// Drop my change; the portal's version stays.
    TakeTheirs,
}

/// A document with what this client knows of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DocumentView {
    pub document: Document,
    /// Signers of signatures made here and not yet accepted by the portal.
    pub pending_signers: Vec<String>,
    /// The content is on this computer (readable offline).
    pub cached: bool,
}

/// The newest documents of an organization, and how many it has in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DocumentList {
    pub items: Vec<DocumentView>,
    pub total: u32,
}

pub(crate) struct Pending {
    pub id: String,
    pub target: Option<String>,
    pub action: Action,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn json<T: Serialize>(v: &T) -> Result<String, CoreError> {
    serde_json::to_string(v).map_err(|e| CoreError::Store(e.to_string()))
}

pub(crate) fn parse<T: for<'de> Deserialize<'de>>(s: &str) -> Result<T, CoreError> {
    serde_json::from_str(s).map_err(|e| CoreError::Store(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_writes_of_earlier_versions_still_read() {
        // The payload as the cache stored it before the kinds were an enum.
        let stored = r#"{"kind":"write","name":"invite_employee","entity":"employee","path":"employees","version":null,"body":{},"summary":"Соколова"}"#;
        let Action::Write { name, .. } = parse::<Action>(stored).unwrap() else {
            panic!("a write")
        };
        assert_eq!(name, OutboxKind::InviteEmployee);
        assert_eq!(name.to_string(), "invite_employee");
        assert_eq!(stored_name(OutboxState::Failed), "failed");
        assert!(from_stored::<OutboxKind>("dance").is_err());
    }

    #[test]
    fn backoff_grows_to_its_cap_with_full_jitter() {
        use std::time::Duration;
        let p = RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
        };
        for attempt in 0..10u32 {
            let ceiling = (Duration::from_millis(100) * 2u32.pow(attempt.min(10)))
                .min(Duration::from_secs(1));
            for _ in 0..50 {
                assert!(p.delay(attempt) <= ceiling);
            }
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| p.delay(4)).collect();
        assert!(spread.len() > 10, "pauses are jittered");
        assert!((0..20).any(|_| p.delay(4) > Duration::from_millis(500)));
    }

    #[test]
    fn a_page_with_a_malformed_record_is_refused_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("cache.sqlite3"), None).unwrap();
        let doc = |seq: u64, id: &str, data: serde_json::Value| {
            Change::upsert(seq, "document", id, &data)
        };
        let good = doc(1, "d1", serde_json::json!({"id": "d1", "name": "a.pdf"}));
        for bad in [
            doc(2, "d2", serde_json::json!({"id": "d3", "name": "b.pdf"})),
            doc(2, "d2", serde_json::json!({"name": "b.pdf"})),
            doc(2, "d2", serde_json::json!(["d2"])),
        ] {
            let err = store
                .apply_page("o1", &[good.clone(), bad], "c1.0.2", 0)
                .unwrap_err();
            assert!(matches!(err, CoreError::Protocol(_)), "{err:?}");
            assert_eq!(store.sync_cursor("o1").unwrap().0, None, "cursor unmoved");
            let n: i64 = store
                .conn
                .query_row("SELECT count(*) FROM entities", [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 0, "nothing of the page kept");
        }
        store.apply_page("o1", &[good], "c1.0.1", 0).unwrap();
        assert_eq!(
            store.sync_cursor("o1").unwrap().0.as_deref(),
            Some("c1.0.1")
        );
    }

    #[test]
    fn russian_search_folds_case_and_yo_and_matches_prefixes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(
            &dir.path().join("cache.sqlite3"),
            Some(&crate::cipher::CacheKey::generate().unwrap()),
        )
        .unwrap();
        let app = |id: &str, title: &str, number: Option<&str>| Application {
            id: id.into(),
            org_id: "o1".into(),
            number: number.map(Into::into),
            service_code: "egrul-extract".into(),
            title: title.into(),
            status: ApplicationStatus::Accepted,
            created_at: "2026-11-01T00:00:00Z".into(),
            updated_at: "2026-11-01T00:00:00Z".into(),
            deadline: None,
            version: 1,
            attachments: Vec::new(),
            control_code: None,
            fields: Default::default(),
        };
        let changes: Vec<Change> = [
            app(
                "a1",
                "Выписка из ЕГРЮЛ для банка «Ёлка»",
                Some("2026-000101"),
            ),
            app("a2", "Лицензия на розничную продажу", Some("2026-000102")),
        ]
        .iter()
        .enumerate()
        .map(|(i, a)| Change::upsert(i as u64 + 1, "application", &a.id, a))
        .chain(std::iter::once(Change::upsert(
            3,
            "document",
            "d1",
            &serde_json::json!({"id": "d1", "name": "Договор поставки № 14-П.txt"}),
        )))
        .collect();
        store.apply_page("o1", &changes, "c1.0.3", 0).unwrap();
        let ids = |q: &str| {
            store
                .search("o1", q, 10)
                .unwrap()
                .into_iter()
                .map(|h| h.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids("ёлка"), ["a1"]);
        assert_eq!(ids("ЕЛКА"), ["a1"]);
        assert_eq!(ids("выпис банк"), ["a1"]);
        assert_eq!(ids("лиценз"), ["a2"]);
        assert_eq!(ids("000102"), ["a2"]);
        assert_eq!(ids("догов"), ["d1"]);
        assert!(ids("выписка лицензия").is_empty());
        assert!(ids("\"; DROP TABLE search; --").is_empty());
        assert!(store.search("other-org", "выпис", 10).unwrap().is_empty());

        // An update re-indexes; a removal unindexes.
        let renamed = Change::upsert(
            4,
            "application",
            "a2",
            &app("a2", "Разрешение на рекламу", None),
        );
        let removed = Change {
            seq: 5,
            entity: "document".into(),
            id: "d1".into(),
            op: ChangeOp::Delete,
            data: None,
        };
        store
            .apply_page("o1", &[renamed, removed], "c1.0.5", 0)
            .unwrap();
        assert!(ids("лиценз").is_empty());
        assert_eq!(ids("реклам"), ["a2"]);
        assert!(ids("догов").is_empty());
    }
}
