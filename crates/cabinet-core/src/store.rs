//! The offline cache: one SQLite database per (portal, user).
//!
//! WAL and `synchronous=FULL`: what the user saw or did, once written,
//! survives a power cut. Migrations are numbered in code and recorded in
//! `user_version`. No token, password or code is ever stored here.
//!
//! Encrypted at rest with SQLCipher when opened with a [`CacheKey`] (the
//! default): pages, the WAL and the journal are ciphertext, and temporary
//! tables stay in memory so nothing spills to the temp dir in clear. A cache
//! written by an older, unencrypted version is encrypted in place on first
//! open with a key (`sqlcipher_export` into a new file, then a rename).

use std::path::{Path, PathBuf};

use cabinet_api::{Me, OrgKind, OrgStatus, OrganizationProfile, OrganizationSummary};
use rusqlite::{params, Connection, OptionalExtension};

use crate::cipher::CacheKey;
use crate::CoreError;

/// The page cache of a connection as opened, in MiB: what a sync wants.
pub(crate) const SYNC_CACHE_MIB: u32 = 64;

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE me (id INTEGER PRIMARY KEY CHECK (id = 1), user_id TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    short_name TEXT NOT NULL,
    inn TEXT NOT NULL,
    ogrn TEXT NOT NULL,
    kpp TEXT,
    status TEXT NOT NULL,
    role TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
CREATE TABLE profiles (
    org_id TEXT PRIMARY KEY,
    json TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
"#,
    r#"
-- The user's signature certificates: public parts and where the key lives
-- (a .pfx path, or a token module and CKA_ID). Never a key or a password.
CREATE TABLE certificates (
    sha256 TEXT PRIMARY KEY,
    der BLOB NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('pfx', 'token')),
    location TEXT NOT NULL,
    key_id TEXT,
    added_at TEXT NOT NULL
);
"#,
    r#"
-- Sync: the change-feed cursor per organization. `generation` marks rows
-- seen by the current full resync; rows of older generations go at its end.
CREATE TABLE sync_state (
    org_id TEXT PRIMARY KEY,
    cursor TEXT,
    generation INTEGER NOT NULL DEFAULT 0,
    synced_at TEXT
);
CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    json TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0,
    -- Made offline, not yet on the portal: its id is local.
    local INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX applications_org ON applications (org_id, updated_at);
-- Entities this version does not show yet, kept so nothing received is lost.
CREATE TABLE entities (
    org_id TEXT NOT NULL,
    entity TEXT NOT NULL,
    id TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (org_id, entity, id)
);
-- Actions done offline, sent in order; `id` is also the Idempotency-Key.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    target TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- Local ids of drafts made offline, and the portal's ids they became.
CREATE TABLE id_map (
    local_id TEXT PRIMARY KEY,
    server_id TEXT NOT NULL
);
"#,
    r#"
-- Full-text search over what the user looks for: applications (title,
-- number, service) and documents and other entities (name, title). ё is
-- stored as е, and unicode61 folds case in every script, so «Ёлка»,
-- «елка» and «ЕЛКА» find the same rows; queries use prefix terms.
CREATE VIRTUAL TABLE search USING fts5(
    org_id UNINDEXED, kind UNINDEXED, ref_id UNINDEXED, text,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER applications_search_insert AFTER INSERT ON applications BEGIN
    INSERT INTO search (org_id, kind, ref_id, text)
    VALUES (new.org_id, 'application', new.id, replace(replace(coalesce(json_extract(new.json, '$.title'), '') || ' ' || coalesce(json_extract(new.json, '$.number'), '') || ' ' || coalesce(json_extract(new.json, '$.service_code'), ''), 'ё', 'е'), 'Ё', 'Е'));
END;
CREATE TRIGGER applications_search_update AFTER UPDATE ON applications BEGIN
    DELETE FROM search WHERE kind = 'application' AND ref_id = old.id;
    INSERT INTO search (org_id, kind, ref_id, text)
    VALUES (new.org_id, 'application', new.id, replace(replace(coalesce(json_extract(new.json, '$.title'), '') || ' ' || coalesce(json_extract(new.json, '$.number'), '') || ' ' || coalesce(json_extract(new.json, '$.service_code'), ''), 'ё', 'е'), 'Ё', 'Е'));
END;
CREATE TRIGGER applications_search_delete AFTER DELETE ON applications BEGIN
    DELETE FROM search WHERE kind = 'application' AND ref_id = old.id;
END;
CREATE TRIGGER entities_search_insert AFTER INSERT ON entities BEGIN
    INSERT INTO search (org_id, kind, ref_id, text)
    VALUES (new.org_id, new.entity, new.id, replace(replace(coalesce(json_extract(new.json, '$.name'), '') || ' ' || coalesce(json_extract(new.json, '$.title'), '') || ' ' || coalesce(json_extract(new.json, '$.number'), ''), 'ё', 'е'), 'Ё', 'Е'));
END;
CREATE TRIGGER entities_search_update AFTER UPDATE ON entities BEGIN
    DELETE FROM search WHERE kind = old.entity AND ref_id = old.id;
    INSERT INTO search (org_id, kind, ref_id, text)
    VALUES (new.org_id, new.entity, new.id, replace(replace(coalesce(json_extract(new.json, '$.name'), '') || ' ' || coalesce(json_extract(new.json, '$.title'), '') || ' ' || coalesce(json_extract(new.json, '$.number'), ''), 'ё', 'е'), 'Ё', 'Е'));
END;
CREATE TRIGGER entities_search_delete AFTER DELETE ON entities BEGIN
    DELETE FROM search WHERE kind = old.entity AND ref_id = old.id;
END;
INSERT INTO search (org_id, kind, ref_id, text)
    SELECT new.org_id, 'application', new.id, replace(replace(coalesce(json_extract(new.json, '$.title'), '') || ' ' || coalesce(json_extract(new.json, '$.number'), '') || ' ' || coalesce(json_extract(new.json, '$.service_code'), ''), 'ё', 'е'), 'Ё', 'Е') FROM applications AS new;
INSERT INTO search (org_id, kind, ref_id, text)
    SELECT new.org_id, new.entity, new.id, replace(replace(coalesce(json_extract(new.json, '$.name'), '') || ' ' || coalesce(json_extract(new.json, '$.title'), '') || ' ' || coalesce(json_extract(new.json, '$.number'), ''), 'ё', 'е'), 'Ё', 'Е') FROM entities AS new;
"#,
    r#"
-- Actions the portal refused with 412: the portal's current state, kept
-- beside the failed outbox action until the user chooses.
CREATE TABLE conflicts (
    action_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    base_version INTEGER NOT NULL,
    theirs TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"#,
    r#"
-- Application lists. The table is rebuilt with an INTEGER PRIMARY KEY (its
-- rowid then survives VACUUM and sqlcipher_export, so the full-text index
-- below can be keyed by it) and with the fields the lists filter and sort
-- on as columns computed from the stored JSON.
CREATE TABLE applications_v6 (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    json TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0,
    local INTEGER NOT NULL DEFAULT 0,
    created_at TEXT GENERATED ALWAYS AS (json_extract(json, '$.created_at')) VIRTUAL,
    deadline TEXT GENERATED ALWAYS AS (json_extract(json, '$.deadline')) VIRTUAL,
    number TEXT GENERATED ALWAYS AS (json_extract(json, '$.number')) VIRTUAL,
    service_code TEXT GENERATED ALWAYS AS (json_extract(json, '$.service_code')) VIRTUAL
);
INSERT INTO applications_v6 (id, org_id, status, updated_at, json, generation, local)
    SELECT id, org_id, status, updated_at, json, generation, local FROM applications ORDER BY rowid;
DROP TABLE applications;
ALTER TABLE applications_v6 RENAME TO applications;
-- Status in the date index: a status filter is checked in the index, without
-- reading the row, while the list walks newest first.
CREATE INDEX applications_org ON applications (org_id, updated_at, status);
CREATE INDEX applications_status ON applications (org_id, status, updated_at);
CREATE INDEX applications_created ON applications (org_id, created_at);
-- Their own full-text index, row for row (rowid = applications.rid), so a
-- text filter joins by integer key instead of by id through the shared one.
CREATE VIRTUAL TABLE applications_fts USING fts5(
    text, tokenize = 'unicode61 remove_diacritics 2'
);
DELETE FROM search WHERE kind = 'application';
CREATE TRIGGER applications_fts_insert AFTER INSERT ON applications BEGIN
    INSERT INTO applications_fts (rowid, text)
    VALUES (new.rid, replace(replace(coalesce(json_extract(new.json, '$.title'), '') || ' ' || coalesce(json_extract(new.json, '$.number'), '') || ' ' || coalesce(json_extract(new.json, '$.service_code'), ''), 'ё', 'е'), 'Ё', 'Е'));
END;
CREATE TRIGGER applications_fts_update AFTER UPDATE OF json ON applications BEGIN
    DELETE FROM applications_fts WHERE rowid = old.rid;
    INSERT INTO applications_fts (rowid, text)
    VALUES (new.rid, replace(replace(coalesce(json_extract(new.json, '$.title'), '') || ' ' || coalesce(json_extract(new.json, '$.number'), '') || ' ' || coalesce(json_extract(new.json, '$.service_code'), ''), 'ё', 'е'), 'Ё', 'Е'));
END;
CREATE TRIGGER applications_fts_delete AFTER DELETE ON applications BEGIN
    DELETE FROM applications_fts WHERE rowid = old.rid;
END;
INSERT INTO applications_fts (rowid, text)
    SELECT rid, replace(replace(coalesce(json_extract(json, '$.title'), '') || ' ' || coalesce(json_extract(json, '$.number'), '') || ' ' || coalesce(json_extract(json, '$.service_code'), ''), 'ё', 'е'), 'Ё', 'Е') FROM applications;
"#,
    r#"
-- Lists of the other records (history, comments, notifications,
-- requirements, charges, payments, employees, roles, audit): the fields
-- they filter and sort on, computed from the stored JSON, and indexes.
ALTER TABLE entities ADD COLUMN at TEXT GENERATED ALWAYS AS
    (coalesce(json_extract(json, '$.created_at'), '')) VIRTUAL;
ALTER TABLE entities ADD COLUMN parent TEXT GENERATED ALWAYS AS
    (coalesce(json_extract(json, '$.application_id'), json_extract(json, '$.charge_id'))) VIRTUAL;
ALTER TABLE entities ADD COLUMN rec_status TEXT GENERATED ALWAYS AS
    (json_extract(json, '$.status')) VIRTUAL;
ALTER TABLE entities ADD COLUMN due TEXT GENERATED ALWAYS AS
    (json_extract(json, '$.due_date')) VIRTUAL;
CREATE INDEX entities_at ON entities (org_id, entity, at);
CREATE INDEX entities_parent ON entities (org_id, entity, parent, at);
-- Search finds documents, requirements, charges, notifications and
-- comments, also by their text; history, payments, people and the audit
-- log are lists, not search results.
DROP TRIGGER entities_search_insert;
DROP TRIGGER entities_search_update;
CREATE TRIGGER entities_search_insert AFTER INSERT ON entities
WHEN new.entity IN ('document', 'requirement', 'charge', 'notification', 'comment') BEGIN
    INSERT INTO search (org_id, kind, ref_id, text)
    VALUES (new.org_id, new.entity, new.id, replace(replace(coalesce(json_extract(new.json, '$.name'), '') || ' ' || coalesce(json_extract(new.json, '$.title'), '') || ' ' || coalesce(json_extract(new.json, '$.number'), '') || ' ' || coalesce(json_extract(new.json, '$.text'), ''), 'ё', 'е'), 'Ё', 'Е'));
END;
CREATE TRIGGER entities_search_update AFTER UPDATE OF json ON entities
WHEN new.entity IN ('document', 'requirement', 'charge', 'notification', 'comment') BEGIN
    DELETE FROM search WHERE kind = old.entity AND ref_id = old.id;
    INSERT INTO search (org_id, kind, ref_id, text)
    VALUES (new.org_id, new.entity, new.id, replace(replace(coalesce(json_extract(new.json, '$.name'), '') || ' ' || coalesce(json_extract(new.json, '$.title'), '') || ' ' || coalesce(json_extract(new.json, '$.number'), '') || ' ' || coalesce(json_extract(new.json, '$.text'), ''), 'ё', 'е'), 'Ё', 'Е'));
END;
DELETE FROM search WHERE kind <> 'application';
INSERT INTO search (org_id, kind, ref_id, text)
    SELECT new.org_id, new.entity, new.id, replace(replace(coalesce(json_extract(new.json, '$.name'), '') || ' ' || coalesce(json_extract(new.json, '$.title'), '') || ' ' || coalesce(json_extract(new.json, '$.number'), '') || ' ' || coalesce(json_extract(new.json, '$.text'), ''), 'ё', 'е'), 'Ё', 'Е') FROM entities AS new
    WHERE new.entity IN ('document', 'requirement', 'charge', 'notification', 'comment');
"#,
    r#"
-- Application search text in one place: `search_text` is the search form of
-- title, number and service code (lower case, ё as е, no Latin diacritics,
-- each word after a space), made by the app's `cabinet_search_form` when a
-- row is written. The full-text index is built from it with the `ascii`
-- tokenizer, which splits it exactly at those spaces; and the date index
-- carries it, so a list newest first can test ` word` in the index itself
-- while it walks, without the full-text index or reading rows.
CREATE TABLE applications_v8 (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    json TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0,
    local INTEGER NOT NULL DEFAULT 0,
    created_at TEXT GENERATED ALWAYS AS (json_extract(json, '$.created_at')) VIRTUAL,
    deadline TEXT GENERATED ALWAYS AS (json_extract(json, '$.deadline')) VIRTUAL,
    number TEXT GENERATED ALWAYS AS (json_extract(json, '$.number')) VIRTUAL,
    service_code TEXT GENERATED ALWAYS AS (json_extract(json, '$.service_code')) VIRTUAL,
    search_text TEXT GENERATED ALWAYS AS (cabinet_search_form(
        coalesce(json_extract(json, '$.title'), '') || ' ' ||
        coalesce(json_extract(json, '$.number'), '') || ' ' ||
        coalesce(json_extract(json, '$.service_code'), ''))) STORED
);
INSERT INTO applications_v8 (rid, id, org_id, status, updated_at, json, generation, local)
    SELECT rid, id, org_id, status, updated_at, json, generation, local FROM applications;
DROP TABLE applications;
ALTER TABLE applications_v8 RENAME TO applications;
CREATE INDEX applications_org ON applications (org_id, updated_at, status, search_text);
CREATE INDEX applications_status ON applications (org_id, status, updated_at);
CREATE INDEX applications_created ON applications (org_id, created_at);
DROP TABLE applications_fts;
CREATE VIRTUAL TABLE applications_fts USING fts5(text, tokenize = 'ascii');
CREATE TRIGGER applications_fts_insert AFTER INSERT ON applications BEGIN
    INSERT INTO applications_fts (rowid, text) VALUES (new.rid, new.search_text);
END;
CREATE TRIGGER applications_fts_update AFTER UPDATE OF json ON applications BEGIN
    DELETE FROM applications_fts WHERE rowid = old.rid;
    INSERT INTO applications_fts (rowid, text) VALUES (new.rid, new.search_text);
END;
CREATE TRIGGER applications_fts_delete AFTER DELETE ON applications BEGIN
    DELETE FROM applications_fts WHERE rowid = old.rid;
END;
INSERT INTO applications_fts (rowid, text) SELECT rid, search_text FROM applications;
"#,
    r#"
-- Reference data of the portal kept for offline use (the services
-- catalog), with the ETag it came with.
CREATE TABLE reference (
    name TEXT PRIMARY KEY,
    etag TEXT,
    json TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
"#,
    r#"
-- The list's default order exactly (the row id follows the date in the
-- index), so a page deep in 100k rows skips index entries only: the date
-- index above has status and search text between the date and the row id,
-- and the tie-break by row id needed a sort over every row before the page.
CREATE INDEX applications_recent ON applications (org_id, updated_at);
"#,
    r#"
-- Why a cabinet is suspended or blocked (JSON), as the portal last said.
ALTER TABLE organizations ADD COLUMN access TEXT;
"#,
    r#"
-- The list by deadline or by number, in either direction: the rows with a
-- value walk this index in its order (the row id follows the value), the
-- rows without one its NULL range in row id order (see `lists`).
CREATE INDEX applications_deadline ON applications (org_id, deadline);
CREATE INDEX applications_number ON applications (org_id, number);
"#,
    r#"
-- CryptoPro containers join .pfx files and tokens as a key's home (the
-- location is the container's folder). SQLite cannot widen a CHECK in
-- place: the table is copied.
CREATE TABLE certificates_v2 (
    sha256 TEXT PRIMARY KEY,
    der BLOB NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('pfx', 'token', 'container')),
    location TEXT NOT NULL,
    key_id TEXT,
    added_at TEXT NOT NULL
);
INSERT INTO certificates_v2 (sha256, der, source, location, key_id, added_at)
    SELECT sha256, der, source, location, key_id, added_at FROM certificates;
DROP TABLE certificates;
ALTER TABLE certificates_v2 RENAME TO certificates;
"#,
];

/// `cabinet_search_form(text)`: [`crate::search::search_form`] for SQL, as
/// the applications table computes its `search_text`. Every connection that
/// writes the cache needs it.
fn add_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "cabinet_search_form",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let text = ctx.get_raw(0).as_str_or_null()?.unwrap_or_default();
            Ok(crate::search::search_form(text))
        },
    )
}

/// A stored certificate row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCertificate {
    pub sha256: String,
    pub der: Vec<u8>,
    pub source: String,
    pub location: String,
    pub key_id: Option<String>,
    pub added_at: String,
}

/// The `reference` entry holding the portal's services catalog.
pub(crate) const SERVICES: &str = "services";

pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
}

fn bad(col: usize, s: String) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(col, s, rusqlite::types::Type::Text)
}

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Whether the file at `path` is a plain (unencrypted) SQLite database.
pub(crate) fn is_plain_sqlite(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| &head == SQLITE_HEADER)
}

fn with_key(conn: &Connection, key: &CacheKey) -> Result<(), CoreError> {
    // A wrong key is our `cache.locked`, not lines on stderr.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    // Memory wiping of every freed allocation: it guards the heap of a
    // running process, which shows the same data on screen anyway, and it
    // made reads 2-3× slower (list query at 30k rows: 5.5 → 2.1 ms).
    // Encryption at rest is about the file.
    conn.execute_batch("PRAGMA cipher_memory_security = OFF;")?;
    conn.execute_batch(&format!(
        "PRAGMA key = {};",
        key.sqlcipher_pragma().as_str()
    ))?;
    // The first read decrypts page 1: a wrong key fails here, not later.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|_| CoreError::CacheLocked)?;
    Ok(())
}

/// Rewrites a plain database as an encrypted one, atomically.
fn encrypt_in_place(path: &Path, key: &CacheKey) -> Result<(), CoreError> {
    let tmp = path.with_extension("encrypting");
    let _ = std::fs::remove_file(&tmp);
    {
        let plain = Connection::open(path)?;
        add_functions(&plain)?;
        let version: i64 = plain.pragma_query_value(None, "user_version", |r| r.get(0))?;
        plain.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            params![
                tmp.to_string_lossy(),
                format!("x'{}'", key.to_hex().as_str())
            ],
        )?;
        plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        plain.execute_batch(&format!(
            "PRAGMA encrypted.user_version = {version}; DETACH DATABASE encrypted;"
        ))?;
    }
    let io = |e: std::io::Error| CoreError::Store(format!("{}: {e}", path.display()));
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io)?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(side);
    }
    std::fs::rename(&tmp, path).map_err(io)?;
    tracing::info!("local cache encrypted");
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the cache at `path`; encrypted with `key`.
    pub fn open(path: &Path, key: Option<&CacheKey>) -> Result<Self, CoreError> {
        if let Some(dir) = path.parent() {
            crate::private::dir(dir)?;
        }
        if let Some(key) = key {
            if is_plain_sqlite(path) {
                encrypt_in_place(path, key)?;
            }
        }
        let mut conn = Connection::open(path)?;
        // Before the WAL exists: SQLite gives it the database's mode.
        crate::private::file(path)?;
        if let Some(key) = key {
            with_key(&conn, key)?;
        }
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        for side in ["-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(side);
            crate::private::file(Path::new(&name))?;
        }
        // Up to 64 MiB of page cache (the default is 2 MiB), used as the
        // cache grows: a sync of 100k records keeps the index pages it
        // rewrites in memory instead of reading (and, encrypted, decrypting)
        // them again (50k+50k records: 4.0k → 8.1k records/s). 64 MiB
        // syncs 100k+100k as fast as 128 did (6.5 vs 6.4 s encrypted, six
        // runs each); 48 MiB was 13 % slower, 32 MiB 25 %.
        conn.pragma_update(None, "cache_size", -i64::from(SYNC_CACHE_MIB) * 1024)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // `rarray(?)`: the sync binds a page's records as one array.
        rusqlite::vtab::array::load_module(&conn)?;
        add_functions(&conn)?;
        let done: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if done > MIGRATIONS.len() {
            return Err(CoreError::Store(format!(
                "cache schema {done} is newer than this app ({}); update the app",
                MIGRATIONS.len()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i + 1)?;
            tx.commit()?;
        }
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// At most `mib` MiB of page cache for this connection
    /// (`SYNC_CACHE_MIB` when opened: what a sync wants).
    pub(crate) fn limit_cache(&self, mib: u32) -> Result<(), CoreError> {
        self.conn
            .pragma_update(None, "cache_size", -i64::from(mib) * 1024)?;
        Ok(())
    }

    /// Gives back the memory of the connection's page cache (it fills
    /// again as pages are read): for a connection kept idle.
    pub(crate) fn release_memory(&self) -> Result<(), CoreError> {
        self.conn.execute_batch("PRAGMA shrink_memory;")?;
        Ok(())
    }

    /// `PRAGMA integrity_check`: "ok", or the first problems found.
    pub fn integrity_check(&self) -> Result<String, CoreError> {
        let mut st = self.conn.prepare("PRAGMA integrity_check")?;
        let lines = st
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(lines.join("\n"))
    }

    pub fn schema_version(&self) -> Result<usize, CoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), CoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, CoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn save_me(&self, me: &Me) -> Result<(), CoreError> {
        let json = serde_json::to_string(me).map_err(|e| CoreError::Store(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO me (id, user_id, json) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, json = excluded.json",
            [&me.user_id, &json],
        )?;
        Ok(())
    }

    pub fn me(&self) -> Result<Option<Me>, CoreError> {
        let json: Option<String> = self
            .conn
            .query_row("SELECT json FROM me WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        json.map(|j| serde_json::from_str(&j).map_err(|e| CoreError::Store(e.to_string())))
            .transpose()
    }

    /// Replaces the organization list in one transaction, keeping the portal's order.
    pub fn replace_organizations(
        &mut self,
        items: &[OrganizationSummary],
        fetched_at: &str,
    ) -> Result<(), CoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM organizations", [])?;
        for (i, o) in items.iter().enumerate() {
            tx.execute(
                "INSERT INTO organizations (id, position, kind, short_name, inn, ogrn, kpp, status, role, fetched_at, access)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![o.id, i as i64, o.kind.as_str(), o.short_name, o.inn, o.ogrn, o.kpp, o.status.as_str(), o.role, fetched_at,
                    o.access.as_ref().map(serde_json::to_string).transpose().map_err(|e| CoreError::Store(e.to_string()))?],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn organizations(&self) -> Result<Vec<OrganizationSummary>, CoreError> {
        let mut st = self.conn.prepare(
            "SELECT id, kind, short_name, inn, ogrn, kpp, status, role, access FROM organizations
             ORDER BY position",
        )?;
        let rows = st.query_map([], |r| {
            Ok(OrganizationSummary {
                id: r.get(0)?,
                kind: OrgKind::parse(&r.get::<_, String>(1)?)
                    .ok_or_else(|| bad(1, "kind".into()))?,
                short_name: r.get(2)?,
                inn: r.get(3)?,
                ogrn: r.get(4)?,
                kpp: r.get(5)?,
                status: OrgStatus::parse(&r.get::<_, String>(6)?)
                    .ok_or_else(|| bad(6, "status".into()))?,
                role: r.get(7)?,
                access: r
                    .get::<_, Option<String>>(8)?
                    .map(|a| serde_json::from_str(&a).map_err(|_| bad(8, "access".into())))
                    .transpose()?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Adds or updates (same certificate, new location) a certificate.
    pub fn save_certificate(&self, c: &StoredCertificate) -> Result<(), CoreError> {
        self.conn.execute(
            "INSERT INTO certificates (sha256, der, source, location, key_id, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (sha256) DO UPDATE SET source = excluded.source,
                 location = excluded.location, key_id = excluded.key_id",
            params![c.sha256, c.der, c.source, c.location, c.key_id, c.added_at],
        )?;
        Ok(())
    }

    pub fn certificates(&self) -> Result<Vec<StoredCertificate>, CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT sha256, der, source, location, key_id, added_at FROM certificates
             ORDER BY added_at, sha256",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(StoredCertificate {
                    sha256: r.get(0)?,
                    der: r.get(1)?,
                    source: r.get(2)?,
                    location: r.get(3)?,
                    key_id: r.get(4)?,
                    added_at: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Whether a certificate was removed.
    pub fn remove_certificate(&self, sha256: &str) -> Result<bool, CoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM certificates WHERE sha256 = ?1", [sha256])?
            > 0)
    }

    pub fn save_profile(&self, p: &OrganizationProfile, fetched_at: &str) -> Result<(), CoreError> {
        let json = serde_json::to_string(p).map_err(|e| CoreError::Store(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO profiles (org_id, json, fetched_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (org_id) DO UPDATE SET json = excluded.json, fetched_at = excluded.fetched_at",
            [&p.id, &json, fetched_at],
        )?;
        Ok(())
    }

    /// Reference data `name` as last fetched: its JSON, ETag and time.
    pub fn reference(
        &self,
        name: &str,
    ) -> Result<Option<(String, Option<String>, String)>, CoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT json, etag, fetched_at FROM reference WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
    }

    /// Keeps reference data `name` (`json: None`: unchanged, only the
    /// time it was confirmed).
    pub fn put_reference(
        &self,
        name: &str,
        json: Option<&str>,
        etag: Option<&str>,
        fetched_at: &str,
    ) -> Result<(), CoreError> {
        match json {
            Some(j) => self.conn.execute(
                "INSERT INTO reference (name, etag, json, fetched_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET etag = excluded.etag, json = excluded.json,
                     fetched_at = excluded.fetched_at",
                rusqlite::params![name, etag, j, fetched_at],
            )?,
            None => self.conn.execute(
                "UPDATE reference SET fetched_at = ?2 WHERE name = ?1",
                rusqlite::params![name, fetched_at],
            )?,
        };
        Ok(())
    }

    /// The cached profile and when it was fetched.
    pub fn profile(
        &self,
        org_id: &str,
    ) -> Result<Option<(OrganizationProfile, String)>, CoreError> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT json, fetched_at FROM profiles WHERE org_id = ?1",
                [org_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(j, t)| {
            serde_json::from_str(&j)
                .map(|p| (p, t))
                .map_err(|e| CoreError::Store(e.to_string()))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: &str, name: &str) -> OrganizationSummary {
        OrganizationSummary {
            id: id.into(),
            kind: OrgKind::LegalEntity,
            short_name: name.into(),
            inn: "7707083893".into(),
            ogrn: "1027700132195".into(),
            kpp: Some("773601001".into()),
            status: OrgStatus::Active,
            role: "Бухгалтер".into(),
            access: None,
        }
    }

    #[test]
    fn cache_survives_reopen_and_keeps_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c/cache.sqlite3");
        {
            let mut s = Store::open(&path, None).unwrap();
            s.replace_organizations(
                &[org("b", "ООО «Б»"), org("a", "ООО «А»")],
                "2026-01-01T00:00:00Z",
            )
            .unwrap();
            s.set_meta("last_org_id", "b").unwrap();
        }
        let s = Store::open(&path, None).unwrap();
        assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len());
        let ids: Vec<_> = s
            .organizations()
            .unwrap()
            .into_iter()
            .map(|o| o.id)
            .collect();
        assert_eq!(ids, ["b", "a"]);
        assert_eq!(s.meta("last_org_id").unwrap().as_deref(), Some("b"));
        let mode: String = s
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = s
            .conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "synchronous=FULL");
    }

    #[test]
    fn certificates_remembered_before_containers_survive_the_migration_that_allows_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite3");
        let cert = |sha: &str, source: &str| StoredCertificate {
            sha256: sha.into(),
            der: vec![0x30, 0x00],
            source: source.into(),
            location: format!("/keys/{sha}"),
            key_id: (source == "token").then(|| "01".into()),
            added_at: format!("2026-01-0{}T00:00:00Z", sha.len()),
        };
        {
            // A cache as the release before containers left it.
            let conn = Connection::open(&path).unwrap();
            add_functions(&conn).unwrap();
            for (i, sql) in MIGRATIONS[..MIGRATIONS.len() - 1].iter().enumerate() {
                conn.execute_batch(sql).unwrap();
                conn.pragma_update(None, "user_version", i + 1).unwrap();
            }
            for c in [cert("a", "pfx"), cert("bb", "token")] {
                conn.execute(
                    "INSERT INTO certificates (sha256, der, source, location, key_id, added_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![c.sha256, c.der, c.source, c.location, c.key_id, c.added_at],
                )
                .unwrap();
            }
            let refused = conn.execute(
                "INSERT INTO certificates VALUES ('c', x'3000', 'container', '/k', NULL, 'x')",
                [],
            );
            assert!(refused.is_err(), "the old CHECK refused containers");
        }
        let s = Store::open(&path, None).unwrap();
        assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len());
        s.save_certificate(&cert("ccc", "container")).unwrap();
        let kept: Vec<(String, String, Option<String>)> = s
            .certificates()
            .unwrap()
            .into_iter()
            .map(|c| (c.sha256, c.source, c.key_id))
            .collect();
        assert_eq!(
            kept,
            [
                ("a".into(), "pfx".into(), None),
                ("bb".into(), "token".into(), Some("01".into())),
                ("ccc".into(), "container".into(), None),
            ]
        );
        let bad = s.save_certificate(&cert("dddd", "floppy"));
        assert!(bad.is_err(), "still only the known homes");
    }

    #[test]
    fn encrypted_cache_hides_its_rows_and_needs_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite3");
        let key = CacheKey::generate().unwrap();
        {
            let mut s = Store::open(&path, Some(&key)).unwrap();
            s.replace_organizations(
                &[org("a", "ООО «Секретная ромашка»")],
                "2026-01-01T00:00:00Z",
            )
            .unwrap();
            assert_eq!(s.integrity_check().unwrap(), "ok");
        }
        let needle = "Секретная".as_bytes();
        for f in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(f.unwrap().path()).unwrap();
            assert!(!bytes.windows(needle.len()).any(|w| w == needle));
            assert!(!bytes.starts_with(SQLITE_HEADER));
        }
        let again = Store::open(&path, Some(&CacheKey::from_hex(&key.to_hex()).unwrap())).unwrap();
        assert_eq!(
            again.organizations().unwrap()[0].short_name,
            "ООО «Секретная ромашка»"
        );
        drop(again);
        let wrong = Store::open(&path, Some(&CacheKey::generate().unwrap()))
            .err()
            .unwrap();
        assert_eq!(wrong.code(), "cache.locked");
        assert!(Store::open(&path, None).is_err(), "no key, no data");
    }

    #[test]
    fn a_plain_cache_from_an_older_version_is_encrypted_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite3");
        {
            let mut s = Store::open(&path, None).unwrap();
            s.replace_organizations(&[org("a", "ООО «Старая ромашка»")], "2026-01-01T00:00:00Z")
                .unwrap();
        }
        assert!(is_plain_sqlite(&path));
        let key = CacheKey::generate().unwrap();
        let s = Store::open(&path, Some(&key)).unwrap();
        assert!(!is_plain_sqlite(&path));
        assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len());
        assert_eq!(
            s.organizations().unwrap()[0].short_name,
            "ООО «Старая ромашка»"
        );
        assert_eq!(s.integrity_check().unwrap(), "ok");
    }

    #[test]
    fn a_newer_schema_is_refused_not_clobbered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite3");
        {
            let c = Connection::open(&path).unwrap();
            c.pragma_update(None, "user_version", 99).unwrap();
        }
        let err = Store::open(&path, None).err().unwrap();
        assert_eq!(err.code(), "cache.error");
    }
}
