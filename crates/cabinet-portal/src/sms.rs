//! The portal's SMS gateway. The reference portal has no real one: a code
//! goes to an inbox in memory (the demo's «телефон»: `/v1/demo/sms`, the
//! tests' `Admin::sent_code`) and the demo's log, and the database keeps
//! only that an SMS went, to which phone and when — never the code, which
//! is stored hashed with its ticket.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use crate::clock::ts;
use crate::error::PortalError;
use crate::PortalConfig;

/// Messages the inbox keeps; older ones fall out.
const INBOX: usize = 1000;

/// One message as the phone got it.
#[derive(Clone)]
pub struct Sms {
    pub ticket_hash: String,
    pub phone: String,
    pub code: String,
    pub sent_at: String,
}

/// The inbox of the gateway, shared by everything that sends.
#[derive(Clone, Default)]
pub struct SmsGateway {
    inbox: Arc<Mutex<VecDeque<Sms>>>,
}

impl SmsGateway {
    fn deliver(&self, sms: Sms) {
        let mut inbox = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
        if inbox.len() == INBOX {
            inbox.pop_front();
        }
        inbox.push_back(sms);
    }

    /// The last message sent with `ticket_hash`.
    pub fn last(&self, ticket_hash: &str) -> Option<Sms> {
        let inbox = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
        inbox
            .iter()
            .rev()
            .find(|s| s.ticket_hash == ticket_hash)
            .cloned()
    }
}

impl std::fmt::Debug for SmsGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The codes are secrets: never in a debug print of the config.
        f.write_str("SmsGateway")
    }
}

/// Sends `code` to `phone` for the one-time ticket `ticket_hash`.
pub fn send(
    conn: &Connection,
    cfg: &PortalConfig,
    ticket_hash: &str,
    phone: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), PortalError> {
    conn.execute(
        "INSERT INTO sms_sent (ticket_hash, phone, sent_at) VALUES (?1, ?2, ?3)",
        params![ticket_hash, phone, ts(now)],
    )?;
    if cfg.demo {
        // The demo portal's log is the phone.
        tracing::info!(target: "cabinet_portal::demo_sms", %phone, %code, "demo SMS code");
    }
    cfg.sms.deliver(Sms {
        ticket_hash: ticket_hash.to_owned(),
        phone: phone.to_owned(),
        code: code.to_owned(),
        sent_at: ts(now),
    });
    Ok(())
}
