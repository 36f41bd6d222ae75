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

const LOCAL_PREFIX: &str = "local-";

/// A file of a ticket still on this computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QueuedFile {
    pub name: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub size: i64,
}

/// An offline action as the «Исходящие» view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OutboxItem {
    pub id: String,
    pub org_id: String,
    /// `create_application`, `submit_application`.
    pub kind: String,
    /// The entity the action is about (a local or portal id).
    pub target: Option<String>,
    /// "pending" or "failed".
    pub state: String,
    pub attempts: u32,
    /// For a failed action: the portal's code and message.
    pub error_code: Option<String>,
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
        name: String,
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
        name: &str,
        path: &str,
        version: Option<i64>,
        body: serde_json::Value,
        summary: &str,
    ) -> Self {
        Action::Write {
            name: name.to_owned(),
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

/// Stores an application this client made or the portal answered with.
fn put_application(
    conn: &rusqlite::Connection,
    app: &Application,
    generation: i64,
    local: bool,
) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT INTO applications (id, org_id, status, updated_at, json, generation, local)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status,
             updated_at = excluded.updated_at, json = excluded.json,
             generation = excluded.generation, local = excluded.local",
    )?
    .execute(params![
        app.id,
        app.org_id,
        app.status.as_str(),
        app.updated_at,
        json(app)?,
        generation,
        local
    ])?;
    Ok(())
}

impl Store {
    /// The cursor to pull after, and the generation of the current pull.
    pub(crate) fn sync_cursor(&self, org: &str) -> Result<(Option<String>, i64), CoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT cursor, generation FROM sync_state WHERE org_id = ?1",
                [org],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or((None, 0)))
    }

    /// Forgets the cursor and starts a new generation: a full resync.
    pub(crate) fn start_resync(&self, org: &str) -> Result<i64, CoreError> {
        // Entities kept for later versions carry no generation: refetched.
        self.conn
            .execute("DELETE FROM entities WHERE org_id = ?1", [org])?;
        Ok(self.conn.query_row(
            "INSERT INTO sync_state (org_id, cursor, generation) VALUES (?1, NULL, 1)
             ON CONFLICT (org_id) DO UPDATE SET cursor = NULL, generation = generation + 1
             RETURNING generation",
            [org],
            |r| r.get(0),
        )?)
    }

    /// Removes what the completed full resync did not see again (deleted on
    /// the portal meanwhile); offline drafts stay.
    pub(crate) fn finish_resync(&self, org: &str, generation: i64) -> Result<(), CoreError> {
        self.conn.execute(
            "DELETE FROM applications WHERE org_id = ?1 AND local = 0 AND generation < ?2",
            params![org, generation],
        )?;
        Ok(())
    }

    /// Holds back automatic WAL checkpoints (`true`), or runs one and
    /// restores them (`false`). A crash meanwhile leaves a longer WAL,
    /// checkpointed at the next open.
    pub(crate) fn hold_checkpoints(&self, hold: bool) -> Result<(), CoreError> {
        if hold {
            self.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        } else {
            self.conn.pragma_update(None, "wal_autocheckpoint", 1000)?;
            self.conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    /// Applies a page and its cursor in one transaction.
    #[cfg(test)]
    pub(crate) fn apply_page(
        &self,
        org: &str,
        changes: &[Change],
        next_cursor: &str,
        generation: i64,
    ) -> Result<(), CoreError> {
        self.apply_pages(org, &[changes], next_cursor, generation)
    }

    /// Applies pages in order, and the cursor after the last, in one
    /// transaction.
    ///
    /// Runs of upserts of one kind go in as one statement: SQLite opens a
    /// statement savepoint for every statement that fires the full-text
    /// triggers, and FTS5 writes its pending terms to disk at each one, so
    /// row-by-row inserts build (and then merge) a segment per row.
    pub(crate) fn apply_pages(
        &self,
        org: &str,
        pages: &[&[Change]],
        next_cursor: &str,
        generation: i64,
    ) -> Result<(), CoreError> {
        let tx = self.conn.unchecked_transaction()?;
        // Runs continue across pages: one statement (one statement journal
        // and one full-text flush) per run, not per page.
        let changes: Vec<&Change> = pages.iter().flat_map(|p| p.iter()).collect();
        self.apply_changes(&tx, org, &changes, generation)?;
        tx.execute(
            "INSERT INTO sync_state (org_id, cursor, generation, synced_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (org_id) DO UPDATE SET cursor = excluded.cursor,
                 synced_at = excluded.synced_at",
            params![org, next_cursor, generation, now()],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn apply_changes(
        &self,
        tx: &rusqlite::Connection,
        org: &str,
        changes: &[&Change],
        generation: i64,
    ) -> Result<(), CoreError> {
        let mut rest = changes;
        while let Some(first) = rest.first() {
            let run = rest
                .iter()
                .take_while(|c| {
                    c.entity == first.entity
                        && c.op == ChangeOp::Upsert
                        && first.op == ChangeOp::Upsert
                        && c.data.is_some()
                })
                .count()
                .max(1);
            let (batch, tail) = rest.split_at(run);
            rest = tail;
            match (first.entity.as_str(), first.op, &first.data) {
                ("application", ChangeOp::Upsert, Some(_)) => {
                    put_applications(tx, batch, generation)?;
                }
                ("application", ChangeOp::Delete, _) => {
                    tx.prepare_cached("DELETE FROM applications WHERE id = ?1")?
                        .execute([&first.id])?;
                }
                ("profile", ChangeOp::Upsert, Some(_)) => {
                    for c in batch {
                        let profile: OrganizationProfile = serde_json::from_str(c.data_text())
                            .map_err(|e| CoreError::Protocol(format!("profile: {e}")))?;
                        put_profile(tx, &profile)?;
                    }
                }
                (entity, ChangeOp::Upsert, Some(_)) => {
                    put_entities(tx, org, entity, batch)?;
                }
                (entity, _, _) => {
                    tx.prepare_cached(
                        "DELETE FROM entities WHERE org_id = ?1 AND entity = ?2 AND id = ?3",
                    )?
                    .execute(params![org, entity, first.id])?;
                }
            }
        }
        Ok(())
    }

    /// Full-text search in `org`: every word of `query` as a prefix,
    /// case-insensitive, ё = е. Best matches first.
    pub fn search(&self, org: &str, query: &str, limit: u32) -> Result<Vec<SearchHit>, CoreError> {
        let Some(terms) = crate::search::fts_terms(query) else {
            return Ok(Vec::new());
        };
        // Applications have their own index (see the lists); the rest share
        // one. bm25 ranks of both are on the same scale.
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, id FROM (
                 SELECT 'application' AS kind, a.id AS id, f.rank AS rank
                 FROM applications_fts f JOIN applications a ON a.rid = f.rowid
                 WHERE applications_fts MATCH ?1 AND a.org_id = ?2
                 UNION ALL
                 SELECT kind, ref_id, rank FROM search WHERE search MATCH ?1 AND org_id = ?2
             ) ORDER BY rank LIMIT ?3",
        )?;
        let hits = stmt
            .query_map(params![terms, org, limit], |r| {
                Ok(SearchHit {
                    kind: r.get(0)?,
                    id: r.get(1)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(hits)
    }

    pub fn applications(&self, org: &str) -> Result<Vec<Application>, CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT json FROM applications WHERE org_id = ?1 ORDER BY updated_at DESC, id",
        )?;
        let rows = stmt
            .query_map([org], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.iter().map(|j| parse(j)).collect()
    }

    pub(crate) fn application(&self, id: &str) -> Result<Option<Application>, CoreError> {
        self.conn
            .query_row("SELECT json FROM applications WHERE id = ?1", [id], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
            .map(|j| parse(&j))
            .transpose()
    }

    /// Documents of `org`, with signatures still waiting in the outbox.
    pub fn documents(&self, org: &str) -> Result<Vec<(Document, Vec<String>)>, CoreError> {
        let mut out = Vec::new();
        for d in self.documents_since(org, None)? {
            let pending = self
                .queued_signatures(&d.id)?
                .into_iter()
                .map(|(_, signer)| signer)
                .collect();
            out.push((d, pending));
        }
        Ok(out)
    }

    /// Documents of `org` created at or after `since` (all when `None`),
    /// newest first, then by name.
    pub(crate) fn documents_since(
        &self,
        org: &str,
        since: Option<&str>,
    ) -> Result<Vec<Document>, CoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT json FROM entities WHERE org_id = ?1 AND entity = 'document'
                 AND (?2 IS NULL OR json_extract(json, '$.created_at') >= ?2)
             ORDER BY json_extract(json, '$.created_at') DESC, json_extract(json, '$.name')",
        )?;
        let rows = stmt
            .query_map(params![org, since], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.iter().map(|j| parse(j)).collect()
    }

    pub(crate) fn document(&self, org: &str, id: &str) -> Result<Option<Document>, CoreError> {
        self.record::<Document>(org, id)
    }

    /// Signatures of a document made here and not yet delivered: (base64
    /// DER, signer), oldest first.
    pub(crate) fn queued_signatures(&self, id: &str) -> Result<Vec<(String, String)>, CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT payload FROM outbox WHERE target = ?1 AND kind = 'sign_document' ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|p| match parse::<Action>(&p) {
                Ok(Action::SignDocument { signature, signer }) => Some((signature, signer)),
                _ => None,
            })
            .collect())
    }

    pub(crate) fn queue_document_signature(
        &self,
        org: &str,
        document_id: &str,
        signature: String,
        signer: String,
    ) -> Result<(), CoreError> {
        let tx = self.conn.unchecked_transaction()?;
        enqueue(
            &tx,
            org,
            Some(document_id),
            &Action::SignDocument { signature, signer },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A draft made offline: stored with a local id, and queued.
    pub(crate) fn queue_new_application(
        &self,
        org: &str,
        body: NewApplication,
    ) -> Result<Application, CoreError> {
        let at = now();
        let app = Application {
            id: format!("{LOCAL_PREFIX}{}", uuid::Uuid::new_v4()),
            org_id: org.to_owned(),
            number: None,
            service_code: body.service_code.clone(),
            title: body.title.clone(),
            status: ApplicationStatus::Draft,
            created_at: at.clone(),
            updated_at: at,
            deadline: None,
            version: 1,
            attachments: Vec::new(),
            control_code: None,
            fields: body.fields.clone(),
        };
        let tx = self.conn.unchecked_transaction()?;
        put_application(&tx, &app, 0, true)?;
        enqueue(&tx, org, Some(&app.id), &Action::CreateApplication { body })?;
        tx.commit()?;
        Ok(app)
    }

    pub(crate) fn queue_submit(&self, app: &Application) -> Result<(), CoreError> {
        let tx = self.conn.unchecked_transaction()?;
        enqueue(
            &tx,
            &app.org_id,
            Some(&app.id),
            &Action::SubmitApplication {
                version: app.version,
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Pending actions of `org`, oldest first.
    pub(crate) fn pending(&self, org: &str) -> Result<Vec<Pending>, CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, target, payload FROM outbox WHERE org_id = ?1 AND state = 'pending' ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([org], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, target, payload)| {
                Ok(Pending {
                    id,
                    target,
                    action: parse(&payload)?,
                })
            })
            .collect()
    }

    /// The action reached the portal: store its answer, drop the action,
    /// and re-point a local id (and the actions that use it) to the portal's.
    pub(crate) fn complete(&self, p: &Pending, answer: &Answer) -> Result<(), CoreError> {
        let answer = match answer {
            Answer::Application(a) => a,
            Answer::Document(d) => {
                let tx = self.conn.unchecked_transaction()?;
                put_entity(&tx, &d.org_id, "document", &d.id, &json(d)?)?;
                tx.execute("DELETE FROM outbox WHERE id = ?1", [&p.id])?;
                tx.commit()?;
                return Ok(());
            }
            Answer::Profile(profile) => {
                let tx = self.conn.unchecked_transaction()?;
                put_profile(&tx, profile)?;
                tx.execute("DELETE FROM outbox WHERE id = ?1", [&p.id])?;
                tx.commit()?;
                return Ok(());
            }
            Answer::Record { entity, json } => {
                let tx = self.conn.unchecked_transaction()?;
                let org: String =
                    tx.query_row("SELECT org_id FROM outbox WHERE id = ?1", [&p.id], |r| {
                        r.get(0)
                    })?;
                put_record(&tx, &org, entity, json)?;
                tx.execute("DELETE FROM outbox WHERE id = ?1", [&p.id])?;
                tx.commit()?;
                return Ok(());
            }
        };
        let tx = self.conn.unchecked_transaction()?;
        if let Some(local) = p.target.as_deref().filter(|t| t.starts_with(LOCAL_PREFIX)) {
            tx.execute("DELETE FROM applications WHERE id = ?1", [local])?;
            tx.execute(
                "INSERT OR REPLACE INTO id_map (local_id, server_id) VALUES (?1, ?2)",
                params![local, answer.id],
            )?;
            tx.execute(
                "UPDATE outbox SET target = ?2 WHERE target = ?1",
                params![local, answer.id],
            )?;
        }
        let generation: i64 = tx
            .query_row(
                "SELECT generation FROM sync_state WHERE org_id = ?1",
                [&answer.org_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        put_application(&tx, answer, generation, false)?;
        tx.execute("DELETE FROM outbox WHERE id = ?1", [&p.id])?;
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn mark_failed(&self, id: &str, code: &str, message: &str) -> Result<(), CoreError> {
        self.conn.execute(
            "UPDATE outbox SET state = 'failed', attempts = attempts + 1, error_code = ?2,
                 error = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, code, message, now()],
        )?;
        Ok(())
    }

    pub(crate) fn mark_attempt(&self, id: &str, message: &str) -> Result<(), CoreError> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, error = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, message, now()],
        )?;
        Ok(())
    }

    /// How many actions of any organization are not yet delivered.
    pub fn unsent_actions(&self) -> Result<u64, CoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?)
    }

    /// Every action not yet delivered, pending and failed, oldest first.
    pub fn outbox(&self, org: &str) -> Result<Vec<OutboxItem>, CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT o.id, o.org_id, o.kind, o.target, o.state, o.attempts, o.error_code, o.error,
                    o.created_at, o.payload, a.json
             FROM outbox o LEFT JOIN applications a ON a.id = o.target
             WHERE o.org_id = ?1 ORDER BY o.seq",
        )?;
        let rows = stmt
            .query_map([org], |r| {
                let payload: String = r.get(9)?;
                let app: Option<String> = r.get(10)?;
                Ok((
                    OutboxItem {
                        id: r.get(0)?,
                        org_id: r.get(1)?,
                        kind: r.get(2)?,
                        target: r.get(3)?,
                        state: r.get(4)?,
                        attempts: r.get(5)?,
                        error_code: r.get(6)?,
                        error: r.get(7)?,
                        created_at: r.get(8)?,
                        summary: String::new(),
                    },
                    payload,
                    app,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows
            .into_iter()
            .map(|(mut item, payload, app)| {
                item.summary = match (parse::<Action>(&payload), app) {
                    (Ok(Action::CreateApplication { body }), _) => body.title,
                    (Ok(Action::SignDocument { signer, .. }), _) => signer,
                    (Ok(Action::Attach { name, .. }), _) => name,
                    (Ok(Action::Write { summary, .. }), _) => summary,
                    (Ok(Action::Ticket { message, .. }), _) => message.chars().take(80).collect(),
                    (Ok(Action::EditProfile { edit, .. }), _) => [
                        edit.email.as_deref(),
                        edit.phone.as_deref(),
                        edit.legal_address.as_deref(),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
                    (_, Some(app)) => parse::<Application>(&app)
                        .map(|a| a.title)
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                item
            })
            .collect())
    }

    /// Counts for the header: pending, failed and conflicting actions, and
    /// the last pull time (`online` is the caller's).
    pub fn sync_status(&self, org: &str) -> Result<SyncStatus, CoreError> {
        let count = |sql: &str| -> Result<u32, CoreError> {
            Ok(self.conn.query_row(sql, [org], |r| r.get(0))?)
        };
        Ok(SyncStatus {
            online: false,
            synced_at: self
                .conn
                .query_row(
                    "SELECT synced_at FROM sync_state WHERE org_id = ?1",
                    [org],
                    |r| r.get(0),
                )
                .optional()?
                .flatten(),
            pending: count("SELECT count(*) FROM outbox WHERE org_id = ?1 AND state = 'pending'")?,
            failed: count("SELECT count(*) FROM outbox WHERE org_id = ?1 AND state = 'failed'")?,
            conflicts: count("SELECT count(*) FROM conflicts WHERE org_id = ?1")?,
        })
    }

    /// Queues an edit of the organization's contacts, made on the cached
    /// profile's version.
    pub(crate) fn queue_profile_edit(
        &self,
        org: &str,
        version: i64,
        edit: ProfileEdit,
    ) -> Result<(), CoreError> {
        let tx = self.conn.unchecked_transaction()?;
        enqueue(&tx, org, Some(org), &Action::EditProfile { version, edit })?;
        tx.commit()?;
        Ok(())
    }

    /// The profile as this user will see it: the portal's, with the edits
    /// still in the outbox (pending or in conflict) laid over it.
    pub(crate) fn overlay_profile_edits(
        &self,
        profile: &mut OrganizationProfile,
    ) -> Result<(), CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT payload FROM outbox WHERE org_id = ?1 AND kind = 'edit_profile' ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([&profile.id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        for payload in rows {
            if let Action::EditProfile { edit, .. } = parse(&payload)? {
                if let Some(v) = edit.email {
                    profile.email = v;
                }
                if let Some(v) = edit.phone {
                    profile.phone = v;
                }
                if let Some(v) = edit.legal_address {
                    profile.legal_address = v;
                }
            }
        }
        Ok(())
    }

    /// The portal refused action `id` with a version conflict: it fails,
    /// and the portal's current state is kept beside it for the user.
    pub(crate) fn record_conflict(
        &self,
        p: &Pending,
        org: &str,
        theirs: &serde_json::Value,
        message: &str,
    ) -> Result<(), CoreError> {
        let (entity, base) = match &p.action {
            Action::EditProfile { version, .. } => ("profile", *version),
            Action::SubmitApplication { version } => ("application", *version),
            Action::Write {
                entity,
                version: Some(version),
                ..
            } => (entity.as_str(), *version),
            _ => {
                return self.mark_failed(
                    &p.id,
                    cabinet_api::problem::codes::VERSION_CONFLICT,
                    message,
                )
            }
        };
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO conflicts (action_id, org_id, entity, entity_id, base_version, theirs, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (action_id) DO UPDATE SET theirs = excluded.theirs,
                 created_at = excluded.created_at",
            params![p.id, org, entity, p.target.as_deref().unwrap_or(org), base, theirs.to_string(), now()],
        )?;
        tx.execute(
            "UPDATE outbox SET state = 'failed', attempts = attempts + 1, error_code = ?2,
                 error = ?3, updated_at = ?4 WHERE id = ?1",
            params![
                p.id,
                cabinet_api::problem::codes::VERSION_CONFLICT,
                message,
                now()
            ],
        )?;
        if entity == "profile" {
            if let Ok(profile) = serde_json::from_value::<OrganizationProfile>(theirs.clone()) {
                put_profile(&tx, &profile)?;
            }
        } else if entity != "application" {
            put_record(&tx, org, entity, theirs)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Conflicts waiting for the user's choice in `org`, oldest first.
    pub fn conflicts(&self, org: &str) -> Result<Vec<Conflict>, CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT c.action_id, c.org_id, c.entity, c.entity_id, c.base_version, o.payload,
                    c.theirs, c.created_at
             FROM conflicts c JOIN outbox o ON o.id = c.action_id
             WHERE c.org_id = ?1 ORDER BY o.seq",
        )?;
        let rows = stmt
            .query_map([org], |r| {
                Ok((
                    Conflict {
                        action_id: r.get(0)?,
                        org_id: r.get(1)?,
                        entity: r.get(2)?,
                        entity_id: r.get(3)?,
                        base_version: r.get(4)?,
                        mine: serde_json::Value::Null,
                        theirs: serde_json::Value::Null,
                        created_at: r.get(7)?,
                    },
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(mut c, payload, theirs)| {
                c.mine =
                    match parse::<Action>(&payload)? {
                        Action::EditProfile { edit, .. } => serde_json::to_value(edit)
                            .map_err(|e| CoreError::Store(e.to_string()))?,
                        other => serde_json::to_value(other)
                            .map_err(|e| CoreError::Store(e.to_string()))?,
                    };
                c.theirs = parse(&theirs)?;
                Ok(c)
            })
            .collect()
    }

    /// Settles a conflict: keep mine re-queues the change over the portal's
    /// current version (sent at the next sync); take theirs drops it.
    pub fn resolve_conflict(&self, action_id: &str, how: Resolution) -> Result<(), CoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let row: Option<(String, String)> = tx
            .query_row(
                "SELECT c.theirs, o.payload FROM conflicts c JOIN outbox o ON o.id = c.action_id
                 WHERE c.action_id = ?1",
                [action_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((theirs, payload)) = row else {
            return Err(CoreError::Invalid("conflict"));
        };
        match how {
            Resolution::TakeTheirs => {
                tx.execute("DELETE FROM outbox WHERE id = ?1", [action_id])?;
            }
            Resolution::KeepMine => {
                let theirs: serde_json::Value = parse(&theirs)?;
                let current = theirs
                    .get("version")
                    .and_then(serde_json::Value::as_i64)
                    .ok_or_else(|| CoreError::Store("conflict without a version".into()))?;
                let action = match parse::<Action>(&payload)? {
                    Action::EditProfile { edit, .. } => Action::EditProfile {
                        version: current,
                        edit,
                    },
                    Action::SubmitApplication { .. } => {
                        Action::SubmitApplication { version: current }
                    }
                    Action::Write {
                        name,
                        entity,
                        path,
                        version: Some(_),
                        body,
                        summary,
                    } => Action::Write {
                        name,
                        entity,
                        path,
                        version: Some(current),
                        body,
                        summary,
                    },
                    _ => return Err(CoreError::Invalid("conflict")),
                };
                // A new key: the refused request must not be replayed.
                tx.execute(
                    "UPDATE outbox SET id = ?2, payload = ?3, state = 'pending', error_code = NULL,
                         error = NULL, updated_at = ?4 WHERE id = ?1",
                    params![
                        action_id,
                        uuid::Uuid::new_v4().to_string(),
                        json(&action)?,
                        now()
                    ],
                )?;
            }
        }
        tx.execute("DELETE FROM conflicts WHERE action_id = ?1", [action_id])?;
        tx.commit()?;
        Ok(())
    }

    /// A failed action goes back to pending, to be sent at the next sync.
    pub fn retry_action(&self, id: &str) -> Result<(), CoreError> {
        let n = self.conn.execute(
            "UPDATE outbox SET state = 'pending', error_code = NULL, error = NULL, updated_at = ?2
             WHERE id = ?1 AND state = 'failed'",
            params![id, now()],
        )?;
        if n == 0 {
            return Err(CoreError::Invalid("action"));
        }
        Ok(())
    }

    /// Whether a queued action mentions `sha256` (a content it sends).
    pub(crate) fn outbox_mentions(&self, sha256: &str) -> Result<bool, CoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE instr(payload, ?1) > 0)",
            [sha256],
            |r| r.get(0),
        )?)
    }

    /// Discards a failed action; a draft that never reached the portal goes
    /// with it, and so do the actions queued on that draft.
    ///
    /// Returns the contents (SHA-256) the discarded actions were to send
    /// that nothing else here refers to any more, for the caller to remove
    /// from the blob store: a discarded file does not stay on the disk.
    pub fn discard_action(&self, id: &str) -> Result<Vec<String>, CoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let target: Option<Option<String>> = tx
            .query_row(
                "SELECT target FROM outbox WHERE id = ?1 AND state = 'failed'",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(target) = target else {
            return Err(CoreError::Invalid("action"));
        };
        let local = target.filter(|t| t.starts_with(LOCAL_PREFIX));
        // What goes: this action, and with a draft made here everything
        // queued for it.
        let payloads: Vec<String> = tx
            .prepare("SELECT payload FROM outbox WHERE id = ?1 OR target = ?2")?
            .query_map(params![id, local], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        tx.execute("DELETE FROM outbox WHERE id = ?1", [id])?;
        tx.execute("DELETE FROM conflicts WHERE action_id = ?1", [id])?;
        if let Some(local) = &local {
            tx.execute("DELETE FROM outbox WHERE target = ?1", [local])?;
            tx.execute("DELETE FROM applications WHERE id = ?1", [local])?;
        }
        let mut unused = Vec::new();
        for sha in payloads
            .iter()
            .filter_map(|p| parse::<Action>(p).ok())
            .flat_map(|a| a.contents())
        {
            // Any mention keeps it: another queued action, a document or
            // an application's attachment (of any organization: the blob
            // store is the profile's).
            let used = self.outbox_mentions(&sha)?
                || tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM entities WHERE instr(json, ?1) > 0)
                         OR EXISTS (SELECT 1 FROM applications WHERE instr(json, ?1) > 0)",
                    [&sha],
                    |r| r.get(0),
                )?;
            if !used && !unused.contains(&sha) {
                unused.push(sha);
            }
        }
        tx.commit()?;
        Ok(unused)
    }
}

/// The JSON texts of `batch` as an array for `rarray()`: bound without
/// copying them into one JSON document SQLite would parse and re-render.
fn texts(batch: &[&Change]) -> rusqlite::vtab::array::Array {
    std::rc::Rc::new(
        batch
            .iter()
            .map(|c| rusqlite::types::Value::Text(c.data_text().to_owned()))
            .collect(),
    )
}

/// Stores the portal's applications in `batch` (upserts, each checked to
/// be an application) in one statement; their JSON as received.
fn put_applications(
    conn: &rusqlite::Connection,
    batch: &[&Change],
    generation: i64,
) -> Result<(), CoreError> {
    for c in batch {
        let data = c.data_text();
        serde_json::from_str::<Application>(data)
            .map_err(|e| CoreError::Protocol(format!("application: {e}")))?;
    }
    // `WHERE true` tells the parser the ON CONFLICT is the upsert's.
    conn.prepare_cached(
        "INSERT INTO applications (id, org_id, status, updated_at, json, generation, local)
         SELECT value ->> 'id', value ->> 'org_id', value ->> 'status', value ->> 'updated_at',
                value, ?2, 0
         FROM rarray(?1) WHERE true
         ON CONFLICT (id) DO UPDATE SET status = excluded.status,
             updated_at = excluded.updated_at, json = excluded.json,
             generation = excluded.generation, local = excluded.local",
    )?
    .execute(params![texts(batch), generation])?;
    Ok(())
}

/// Stores (or replaces) the records in `batch`, all upserts of `entity`,
/// in one statement. Each must be an object carrying the change's id.
fn put_entities(
    conn: &rusqlite::Connection,
    org: &str,
    entity: &str,
    batch: &[&Change],
) -> Result<(), CoreError> {
    #[derive(Deserialize)]
    struct Id<'a> {
        #[serde(borrow)]
        id: std::borrow::Cow<'a, str>,
    }
    for c in batch {
        let data = c.data_text();
        // (serde would also take `["id"]` for the struct)
        if !data.trim_start().starts_with('{') {
            return Err(CoreError::Protocol(format!(
                "{entity} {} is not an object",
                c.id
            )));
        }
        let id = serde_json::from_str::<Id<'_>>(data)
            .map_err(|e| CoreError::Protocol(format!("{entity}: {e}")))?
            .id;
        if id != c.id {
            return Err(CoreError::Protocol(format!(
                "{entity} {} carries the id {id}",
                c.id
            )));
        }
    }
    conn.prepare_cached(
        "INSERT INTO entities (org_id, entity, id, json)
         SELECT ?1, ?2, value ->> 'id', value FROM rarray(?3) WHERE true
         ON CONFLICT DO UPDATE SET json = excluded.json",
    )?
    .execute(params![org, entity, texts(batch)])?;
    Ok(())
}

/// Stores the portal's profile, unless the cache already holds a newer one
/// (a feed page can be older than an answer just stored).
fn put_profile(conn: &rusqlite::Connection, p: &OrganizationProfile) -> Result<(), CoreError> {
    conn.execute(
        "INSERT INTO profiles (org_id, json, fetched_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (org_id) DO UPDATE SET json = excluded.json, fetched_at = excluded.fetched_at
         WHERE coalesce(json_extract(profiles.json, '$.version'), 0) <= ?4",
        params![p.id, json(p)?, now(), p.version],
    )?;
    Ok(())
}

/// Stores a record the portal answered with (`json` must carry its `id`).
fn put_record(
    conn: &rusqlite::Connection,
    org: &str,
    entity: &str,
    json: &serde_json::Value,
) -> Result<(), CoreError> {
    let id = json
        .get("id")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| CoreError::Protocol(format!("{entity} without an id")))?;
    put_entity(conn, org, entity, id, &json.to_string())
}

/// Stores (or replaces) an entity's JSON in `entities`.
fn put_entity(
    conn: &rusqlite::Connection,
    org: &str,
    entity: &str,
    id: &str,
    json: &str,
) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT INTO entities (org_id, entity, id, json) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO UPDATE SET json = excluded.json",
    )?
    .execute(params![org, entity, id, json])?;
    Ok(())
}

pub(crate) fn enqueue(
    conn: &rusqlite::Connection,
    org: &str,
    target: Option<&str>,
    action: &Action,
) -> Result<String, CoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let kind = match action {
        Action::CreateApplication { .. } => "create_application",
        Action::SubmitApplication { .. } => "submit_application",
        Action::SignDocument { .. } => "sign_document",
        Action::Attach { .. } => "attach_file",
        Action::Detach { .. } => "detach_file",
        Action::EditProfile { .. } => "edit_profile",
        Action::Ticket { .. } => "support_ticket",
        Action::Write { name, .. } => name.as_str(),
    };
    let at = now();
    conn.execute(
        "INSERT INTO outbox (id, org_id, kind, target, payload, state, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6)",
        params![id, org, kind, target, json(action)?, at],
    )?;
    Ok(id)
}

pub(crate) fn is_local(id: &str) -> bool {
    id.starts_with(LOCAL_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

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
