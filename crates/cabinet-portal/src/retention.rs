//! How long the portal keeps what only serves for a while — one-time
//! tickets and challenges, the record of SMS sent, e-mail/SMS copies of
//! notifications, idempotency answers — in one place, and the purge that
//! enforces it (every ten minutes while serving; `Admin::purge` in tests).

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::clock::ts;
use crate::error::PortalError;

/// How long each kind is kept.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Login, recovery and organization-code tickets and certificate
    /// challenges, after they expire (a late, wrong code still reads
    /// «expired» rather than «unknown» for this long).
    pub tickets_after_expiry: Duration,
    /// The record that an SMS went.
    pub sms_sent: Duration,
    /// E-mail and SMS copies of notifications.
    pub message_copies: Duration,
    /// The stored answer of an idempotent write: a retry later than this is
    /// a new request. The client retries within minutes, its outbox within
    /// days.
    pub idempotency: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        const DAY: u64 = 24 * 60 * 60;
        Self {
            tickets_after_expiry: Duration::from_secs(DAY),
            sms_sent: Duration::from_secs(30 * DAY),
            message_copies: Duration::from_secs(90 * DAY),
            idempotency: Duration::from_secs(30 * DAY),
        }
    }
}

/// How many rows a purge removed, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub tickets: usize,
    pub challenges: usize,
    pub sms_sent: usize,
    pub message_copies: usize,
    pub idempotency: usize,
}

fn ago(now: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    now - chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero())
}

/// Removes what `retention` no longer keeps, as of `now`.
pub fn purge(
    conn: &Connection,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<Purged, PortalError> {
    let expired_before = ts(ago(now, retention.tickets_after_expiry));
    let mut tickets = 0;
    for table in ["login_tickets", "recovery_tickets", "org_codes"] {
        tickets += conn.execute(
            &format!("DELETE FROM {table} WHERE expires_at < ?1"),
            [&expired_before],
        )?;
    }
    let challenges = conn.execute(
        "DELETE FROM cert_challenges WHERE expires_at < ?1",
        [&expired_before],
    )?;
    let sms_sent = conn.execute(
        "DELETE FROM sms_sent WHERE sent_at < ?1",
        [ts(ago(now, retention.sms_sent))],
    )?;
    let message_copies = conn.execute(
        "DELETE FROM message_outbox WHERE sent_at < ?1",
        [ts(ago(now, retention.message_copies))],
    )?;
    let idempotency = conn.execute(
        "DELETE FROM idempotency WHERE created_at < ?1",
        [ts(ago(now, retention.idempotency))],
    )?;
    Ok(Purged {
        tickets,
        challenges,
        sms_sent,
        message_copies,
        idempotency,
    })
}
