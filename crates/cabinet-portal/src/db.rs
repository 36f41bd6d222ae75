//! The portal's SQLite schema, migrations and row helpers.

use std::path::Path;

use cabinet_api::{OrgKind, OrgStatus, OrganizationProfile, OrganizationSummary};
use rusqlite::{params, Connection, OptionalExtension};

use crate::PortalError;

/// Ordered migrations; `user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    inn TEXT UNIQUE,
    ogrnip TEXT UNIQUE,
    full_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    mfa TEXT NOT NULL CHECK (mfa IN ('none', 'sms', 'totp')),
    totp_secret TEXT,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    full_name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    inn TEXT NOT NULL UNIQUE,
    ogrn TEXT NOT NULL UNIQUE,
    kpp TEXT,
    status TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    legal_address TEXT NOT NULL,
    head_name TEXT NOT NULL,
    head_position TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    okved TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);
CREATE TABLE login_tickets (
    ticket_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    channel TEXT NOT NULL,
    code_hash TEXT,
    expires_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'used', 'burned'))
);
-- A login session; every refresh token of one login belongs to it, so a
-- replayed refresh token can revoke the whole family.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    expires_at TEXT NOT NULL
);
-- Outgoing SMS. The demo portal shows them on /v1/demo/sms; a production
-- deployment would hand them to an SMS gateway.
CREATE TABLE sms_outbox (
    id INTEGER PRIMARY KEY,
    ticket_hash TEXT NOT NULL,
    phone TEXT NOT NULL,
    code TEXT NOT NULL,
    sent_at TEXT NOT NULL
);
"#,
    r#"
ALTER TABLE users ADD COLUMN snils TEXT;
CREATE UNIQUE INDEX users_snils ON users (snils);
CREATE TABLE cert_challenges (
    id TEXT PRIMARY KEY,
    nonce BLOB NOT NULL,
    expires_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'used'))
);
-- Public certificates of the demo CAs (demo mode); their keys are never stored.
CREATE TABLE demo_ca (
    sha256 TEXT PRIMARY KEY,
    der BLOB NOT NULL,
    created_at TEXT NOT NULL
);
"#,
    r#"
-- The change feed: one monotonic sequence per organization.
CREATE TABLE feed_state (
    org_id TEXT PRIMARY KEY REFERENCES organizations (id),
    last_seq INTEGER NOT NULL DEFAULT 0,
    -- Bumped by compaction; cursors carry it, and an older one answers
    -- 410 (resync), because changes it had not seen may be gone.
    epoch INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE changes (
    org_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    data TEXT,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX changes_entity ON changes (org_id, entity, entity_id);
CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    number TEXT UNIQUE,
    service_code TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deadline TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX applications_org ON applications (org_id, updated_at);
-- The answer to each write, per user and Idempotency-Key, for replays.
CREATE TABLE idempotency (
    user_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);
"#,
    r#"
-- Document contents, addressed by SHA-256.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    content BLOB NOT NULL
);
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    created_at TEXT NOT NULL
);
CREATE TABLE document_signatures (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents (id),
    signer TEXT NOT NULL,
    organization TEXT,
    signature BLOB NOT NULL,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL
);
"#,
    r#"
-- Refresh rotation that survives a lost reply: a used refresh token knows
-- the pair issued for it, and an access token knows its refresh token and
-- whether it was ever used. A used token that comes back while its
-- successor pair is untouched is a client that never got the reply.
ALTER TABLE refresh_tokens ADD COLUMN successor TEXT;
ALTER TABLE access_tokens ADD COLUMN refresh_hash TEXT;
ALTER TABLE access_tokens ADD COLUMN used_at TEXT;
"#,
    r#"
-- The organization's other records (see records.rs): history, comments,
-- notifications, requirements, charges, payments, employees, roles, audit.
-- The JSON is what the API gives; `parent` the entity it belongs to.
CREATE TABLE records (
    org_id TEXT NOT NULL REFERENCES organizations (id),
    entity TEXT NOT NULL,
    id TEXT NOT NULL,
    parent TEXT,
    json TEXT NOT NULL,
    PRIMARY KEY (org_id, entity, id)
);
CREATE INDEX records_parent ON records (org_id, entity, parent);
"#,
    r#"
-- Access given by e-mail to someone without a portal account yet: they
-- become a member when an account is made for the address.
CREATE TABLE invitations (
    org_id TEXT NOT NULL REFERENCES organizations (id),
    employee_id TEXT NOT NULL,
    email TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (org_id, employee_id)
);
CREATE INDEX invitations_email ON invitations (email);
"#,
    r#"
-- A draft's attached documents (JSON array of `Attachment`), and the
-- control code given at submission.
ALTER TABLE applications ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
ALTER TABLE applications ADD COLUMN control_code TEXT;
"#,
    r#"
-- The state register (ЕГРЮЛ/ЕГРИП) registrations are checked against.
CREATE TABLE registry (
    inn TEXT PRIMARY KEY,
    ogrn TEXT NOT NULL UNIQUE,
    kpp TEXT,
    kind TEXT NOT NULL,
    full_name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    legal_address TEXT NOT NULL,
    head_name TEXT NOT NULL,
    head_position TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    okved TEXT NOT NULL
);
-- Registrations of new cabinets, each its author's: the JSON is what the
-- API gives; the confirmation code is kept hashed.
CREATE TABLE registrations (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    inn TEXT NOT NULL,
    state TEXT NOT NULL,
    json TEXT NOT NULL,
    code_hash TEXT,
    code_expires_at TEXT,
    code_attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX registrations_user ON registrations (user_id);
CREATE INDEX registrations_state ON registrations (state);
"#,
    r#"
-- «Забыли пароль?» tickets; `user_id` is NULL for a login that does not
-- exist (the answer looks the same).
CREATE TABLE recovery_tickets (
    ticket_hash TEXT PRIMARY KEY,
    user_id TEXT REFERENCES users (id),
    code_hash TEXT,
    expires_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'used', 'burned'))
);
"#,
    r#"
-- Where each kind of notification reaches a user besides the cabinet's
-- list; a kind without a row has the defaults (cabinet-api).
CREATE TABLE notification_prefs (
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    desktop INTEGER NOT NULL,
    email INTEGER NOT NULL,
    sms INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind)
);
-- E-mails and SMS a notification sent to the organization's people (the
-- reference portal has no gateway: this table is the post office).
CREATE TABLE message_outbox (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    address TEXT NOT NULL,
    org_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    sent_at TEXT NOT NULL
);
"#,
    r#"
-- An authenticator secret being set up: it replaces SMS codes once a code
-- made with it is confirmed; five wrong codes drop it.
ALTER TABLE users ADD COLUMN pending_totp_secret TEXT;
ALTER TABLE users ADD COLUMN pending_totp_attempts INTEGER NOT NULL DEFAULT 0;
"#,
    r#"
-- A change only one member of the organization may see (their support
-- tickets); NULL: every member.
ALTER TABLE changes ADD COLUMN visible_to TEXT;
"#,
    r#"
-- The cabinet's own state (not the organization's legal status): open,
-- suspended (read-only), blocked (closed) or deactivated by its head.
ALTER TABLE organizations ADD COLUMN access TEXT NOT NULL DEFAULT 'active'
    CHECK (access IN ('active', 'suspended', 'blocked', 'deactivated'));
ALTER TABLE organizations ADD COLUMN access_reason TEXT;
ALTER TABLE organizations ADD COLUMN access_since TEXT;
-- Requests to lift a suspension or a block, with documents.
CREATE TABLE unblock_requests (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    text TEXT NOT NULL,
    files TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused')),
    comment TEXT,
    created_at TEXT NOT NULL,
    decided_at TEXT
);
CREATE INDEX unblock_requests_org ON unblock_requests (org_id, created_at);
-- One-time codes of signed-in users about an organization: linking it to
-- one's account (sent to the organization's phone) and deactivating it
-- (sent to the head's).
CREATE TABLE org_codes (
    ticket_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('link', 'deactivate')),
    user_id TEXT NOT NULL REFERENCES users (id),
    org_id TEXT NOT NULL REFERENCES organizations (id),
    code_hash TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'used', 'burned'))
);
"#,
    r#"
-- The organization's bank account, set through a moderated change.
ALTER TABLE organizations ADD COLUMN bank_name TEXT;
ALTER TABLE organizations ADD COLUMN bik TEXT;
ALTER TABLE organizations ADD COLUMN bank_account TEXT;
ALTER TABLE organizations ADD COLUMN corr_account TEXT;
"#,
    r#"
-- A record only one member sees (their support tickets and what comes of
-- them); NULL: every member. It keeps the owner through later writes.
ALTER TABLE records ADD COLUMN visible_to TEXT;
UPDATE records SET visible_to = json ->> 'author_id' WHERE entity = 'ticket';
"#,
    r#"
-- The service's form as filled in (JSON object of field key to value).
ALTER TABLE applications ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
"#,
    r#"
-- The Idempotency-Key (hashed) of the request that rotated a refresh
-- token: only a retry of that same request is answered again.
ALTER TABLE refresh_tokens ADD COLUMN retry_key TEXT;
"#,
    r#"
-- That an SMS went, to which phone and when; the code itself is never
-- stored (its hash is with its ticket), so the old copies go.
CREATE TABLE sms_sent (
    id INTEGER PRIMARY KEY,
    ticket_hash TEXT NOT NULL,
    phone TEXT NOT NULL,
    sent_at TEXT NOT NULL
);
INSERT INTO sms_sent (id, ticket_hash, phone, sent_at)
    SELECT id, ticket_hash, phone, sent_at FROM sms_outbox;
DROP TABLE sms_outbox;
CREATE INDEX sms_sent_at ON sms_sent (sent_at);
"#,
    r#"
-- Demo mode: which CA of the demo trust list a certificate is (the demo
-- CA, a second accredited one, one whose accreditation ended, one on no
-- list) and the CRL it signed when it was made (its key is never stored).
ALTER TABLE demo_ca ADD COLUMN authority TEXT NOT NULL DEFAULT 'demo'
    CHECK (authority IN ('demo', 'second', 'former', 'stranger'));
ALTER TABLE demo_ca ADD COLUMN crl BLOB;
"#,
];

pub fn open(path: &Path) -> Result<Connection, PortalError> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// A read-only connection to the same database: WAL lets readers work
/// while the one writer writes, each seeing the last commit.
pub fn open_reader(path: &Path) -> Result<Connection, PortalError> {
    use rusqlite::OpenFlags;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "query_only", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// Read-only connections, at most [`Readers::MAX`] at once; opened when
/// first needed and kept.
pub(crate) struct Readers {
    path: std::path::PathBuf,
    idle: std::sync::Mutex<Vec<Connection>>,
    pub places: tokio::sync::Semaphore,
}

impl Readers {
    pub const MAX: usize = 4;

    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            idle: std::sync::Mutex::new(Vec::new()),
            places: tokio::sync::Semaphore::new(Self::MAX),
        }
    }

    /// An idle connection, or a new one (the caller holds a place).
    pub fn take(&self) -> Result<Connection, PortalError> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match idle {
            Some(c) => Ok(c),
            None => open_reader(&self.path),
        }
    }

    pub fn give_back(&self, conn: Connection) {
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(conn);
    }
}

fn migrate(conn: &mut Connection) -> Result<(), PortalError> {
    let done: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}

pub fn hash_password(password: &str) -> Result<String, PortalError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut raw = [0u8; 16];
    getrandom::getrandom(&mut raw).map_err(|e| PortalError::Internal(format!("rng: {e}")))?;
    let salt =
        SaltString::encode_b64(&raw).map_err(|e| PortalError::Internal(format!("salt: {e}")))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PortalError::Internal(format!("argon2: {e}")))
}

thread_local! {
    static HOLDING_DB: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks this thread as holding the database while it lives, so that slow
/// work done under it by mistake is caught in tests.
pub(crate) struct HoldingDb(bool);

impl HoldingDb {
    pub(crate) fn mark() -> Self {
        Self(HOLDING_DB.with(|h| h.replace(true)))
    }
}

impl Drop for HoldingDb {
    fn drop(&mut self) {
        HOLDING_DB.with(|h| h.set(self.0));
    }
}

/// Verifies a password against its argon2id hash. Never under the
/// database: a login flood would stall every other request (see
/// `AppState::hash_work`).
pub fn verify_password(password: &str, hash: &str) -> bool {
    debug_assert!(
        !HOLDING_DB.with(std::cell::Cell::get),
        "argon2 verification while holding the database"
    );
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash)
        .map(|h| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

pub fn org_id_by_inn(conn: &Connection, inn: &str) -> Result<String, PortalError> {
    conn.query_row("SELECT id FROM organizations WHERE inn = ?1", [inn], |r| {
        r.get(0)
    })
    .optional()?
    .ok_or(PortalError::NotFound)
}

pub fn insert_org(conn: &Connection, p: &OrganizationProfile) -> Result<(), PortalError> {
    conn.execute(
        "INSERT INTO organizations (id, kind, full_name, short_name, inn, ogrn, kpp, status,
             registered_on, legal_address, head_name, head_position, email, phone, okved, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            p.id,
            p.kind.as_str(),
            p.full_name,
            p.short_name,
            p.inn,
            p.ogrn,
            p.kpp,
            p.status.as_str(),
            p.registered_on,
            p.legal_address,
            p.head_name,
            p.head_position,
            p.email,
            p.phone,
            p.okved,
            p.version
        ],
    )?;
    if let Some(b) = &p.bank {
        set_bank(conn, &p.id, b)?;
    }
    Ok(())
}

/// Sets the organization's bank account (the profile's version is the
/// caller's to bump).
pub fn set_bank(
    conn: &Connection,
    org_id: &str,
    b: &cabinet_api::BankDetails,
) -> Result<(), PortalError> {
    conn.execute(
        "UPDATE organizations SET bank_name = ?2, bik = ?3, bank_account = ?4, corr_account = ?5
         WHERE id = ?1",
        params![org_id, b.bank_name, b.bik, b.account, b.corr_account],
    )?;
    Ok(())
}

fn parse_kind(s: String) -> rusqlite::Result<OrgKind> {
    OrgKind::parse(&s)
        .ok_or_else(|| rusqlite::Error::InvalidColumnType(1, s, rusqlite::types::Type::Text))
}

fn parse_status(s: String) -> rusqlite::Result<OrgStatus> {
    OrgStatus::parse(&s)
        .ok_or_else(|| rusqlite::Error::InvalidColumnType(7, s, rusqlite::types::Type::Text))
}

pub fn organizations_of(
    conn: &Connection,
    user_id: &str,
) -> Result<Vec<OrganizationSummary>, PortalError> {
    let mut st = conn.prepare(
        "SELECT o.id, o.kind, o.short_name, o.inn, o.ogrn, o.kpp, o.status, m.role
         FROM memberships m JOIN organizations o ON o.id = m.org_id
         WHERE m.user_id = ?1 AND o.access <> 'deactivated'
         ORDER BY o.short_name COLLATE NOCASE",
    )?;
    let rows = st.query_map([user_id], |r| {
        Ok(OrganizationSummary {
            id: r.get(0)?,
            kind: parse_kind(r.get(1)?)?,
            short_name: r.get(2)?,
            inn: r.get(3)?,
            ogrn: r.get(4)?,
            kpp: r.get(5)?,
            status: parse_status(r.get(6)?)?,
            role: r.get(7)?,
            access: None,
        })
    })?;
    let mut orgs: Vec<OrganizationSummary> = rows.collect::<Result<_, _>>()?;
    for o in &mut orgs {
        o.access = cabinet_access(conn, &o.id)?;
    }
    Ok(orgs)
}

/// The cabinet's state: `active`, `suspended`, `blocked` or
/// `deactivated`, with the reason given.
pub fn access_of(conn: &Connection, org_id: &str) -> Result<(String, Option<String>), PortalError> {
    conn.prepare_cached("SELECT access, access_reason FROM organizations WHERE id = ?1")?
        .query_row([org_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or(PortalError::OrgForbidden)
}

/// Why the cabinet is not open (`None` while it is), with its latest
/// unblock request.
pub fn cabinet_access(
    conn: &Connection,
    org_id: &str,
) -> Result<Option<cabinet_api::CabinetAccess>, PortalError> {
    let row: (String, Option<String>, Option<String>) = conn
        .prepare_cached(
            "SELECT access, access_reason, access_since FROM organizations WHERE id = ?1",
        )?
        .query_row([org_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let Some(state) = cabinet_api::AccessState::parse(&row.0) else {
        return Ok(None);
    };
    Ok(Some(cabinet_api::CabinetAccess {
        state,
        reason: row.1.unwrap_or_default(),
        since: row.2.unwrap_or_default(),
        unblock: latest_unblock(conn, org_id)?,
    }))
}

/// The organization's latest unblock request.
pub fn latest_unblock(
    conn: &Connection,
    org_id: &str,
) -> Result<Option<cabinet_api::UnblockView>, PortalError> {
    Ok(conn
        .prepare_cached(
            "SELECT id, status, created_at, comment FROM unblock_requests
             WHERE org_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 1",
        )?
        .query_row([org_id], |r| {
            let status: String = r.get(1)?;
            Ok(cabinet_api::UnblockView {
                id: r.get(0)?,
                status: match status.as_str() {
                    "approved" => cabinet_api::UnblockStatus::Approved,
                    "refused" => cabinet_api::UnblockStatus::Refused,
                    _ => cabinet_api::UnblockStatus::Pending,
                },
                created_at: r.get(2)?,
                comment: r.get(3)?,
            })
        })
        .optional()?)
}

pub fn is_member(conn: &Connection, org_id: &str, user_id: &str) -> Result<bool, PortalError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM memberships WHERE org_id = ?1 AND user_id = ?2",
            [org_id, user_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

pub fn profile(conn: &Connection, org_id: &str) -> Result<OrganizationProfile, PortalError> {
    conn.query_row(
        "SELECT id, kind, full_name, short_name, inn, ogrn, kpp, status, registered_on,
                legal_address, head_name, head_position, email, phone, okved, version,
                bank_name, bik, bank_account, corr_account
         FROM organizations WHERE id = ?1",
        [org_id],
        |r| {
            let bank = match (r.get(16)?, r.get(17)?, r.get(18)?, r.get(19)?) {
                (Some(bank_name), Some(bik), Some(account), Some(corr_account)) => {
                    Some(cabinet_api::BankDetails {
                        bank_name,
                        bik,
                        account,
                        corr_account,
                    })
                }
                _ => None,
            };
            Ok(OrganizationProfile {
                id: r.get(0)?,
                kind: parse_kind(r.get(1)?)?,
                full_name: r.get(2)?,
                short_name: r.get(3)?,
                inn: r.get(4)?,
                ogrn: r.get(5)?,
                kpp: r.get(6)?,
                status: parse_status(r.get(7)?)?,
                registered_on: r.get(8)?,
                legal_address: r.get(9)?,
                head_name: r.get(10)?,
                head_position: r.get(11)?,
                email: r.get(12)?,
                phone: r.get(13)?,
                okved: r.get(14)?,
                version: r.get(15)?,
                bank,
            })
        },
    )
    .optional()?
    .ok_or(PortalError::NotFound)
}

#[cfg(test)]
mod holding_db_tests {
    use super::*;

    /// The guard the login flood finding rests on: every test that logs in
    /// would fail if a password were verified under the database.
    #[test]
    #[should_panic(expected = "argon2 verification while holding the database")]
    fn verifying_a_password_under_the_database_is_caught() {
        let hash = hash_password("Пароль-1").unwrap();
        let _held = HoldingDb::mark();
        verify_password("Пароль-1", &hash);
    }

    #[test]
    fn the_mark_ends_with_its_guard() {
        let hash = hash_password("Пароль-1").unwrap();
        drop(HoldingDb::mark());
        assert!(verify_password("Пароль-1", &hash));
    }
}
