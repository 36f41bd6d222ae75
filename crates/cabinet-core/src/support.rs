//! Support: questions to the portal's support service, written offline too.
//! A ticket's files are checked by content as the portal will, kept
//! encrypted in the blob store, and the ticket waits in the outbox; at the
//! next sync it goes whole with its files under its Idempotency-Key, and
//! the portal's number comes back. The user's tickets and support's
//! answers arrive through the feed; the FAQ is kept like the catalog.

use cabinet_api::support::{
    ticket_message, FaqEntry, Ticket, TicketTopic, MAX_TICKET_BYTES, MAX_TICKET_FILES,
};
use cabinet_api::ErrorCode;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::records::{RecordQuery, RecordSort};
use crate::store::Store;
pub use crate::sync::QueuedFile;
use crate::sync::{enqueue, Action};
use crate::CoreError;

/// A ticket waiting in the outbox (its number comes with delivery).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QueuedTicket {
    /// The outbox action.
    pub id: String,
    pub topic: TicketTopic,
    pub message: String,
    pub files: Vec<QueuedFile>,
    pub created_at: String,
    /// The portal refused it: why (the action stays in «Исходящие»).
    pub error: Option<String>,
}

/// The user's tickets: delivered ones newest first, then those waiting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SupportView {
    pub tickets: Vec<Ticket>,
    pub queued: Vec<QueuedTicket>,
}

/// The answers to frequent questions, as [`crate::view::ServicesView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FaqView {
    pub items: Vec<FaqEntry>,
    pub online: bool,
    pub fetched_at: String,
}

/// The checks the portal makes on a ticket's files, before anything is
/// kept: five at most, 10 MB together, each a type allowed by its content.
pub(crate) fn check_files(files: &[(String, Vec<u8>)]) -> Result<(), CoreError> {
    if files.len() > MAX_TICKET_FILES {
        return Err(CoreError::Refused {
            code: ErrorCode::SupportTooManyFiles,
            detail: format!("at most {MAX_TICKET_FILES} files"),
        });
    }
    if files.iter().map(|(_, b)| b.len()).sum::<usize>() > MAX_TICKET_BYTES {
        return Err(CoreError::Refused {
            code: ErrorCode::SupportTooLarge,
            detail: "the files weigh more than 10 MB together".into(),
        });
    }
    for (name, bytes) in files {
        cabinet_api::files::check(name, bytes).map_err(|e| CoreError::Refused {
            code: e.code(),
            detail: format!("{name}: {e}"),
        })?;
    }
    Ok(())
}

impl Store {
    /// Queues a ticket whose files are already in the blob store.
    pub(crate) fn queue_ticket(
        &self,
        org: &str,
        topic: TicketTopic,
        message: &str,
        files: Vec<QueuedFile>,
    ) -> Result<String, CoreError> {
        let member: Option<i64> = self
            .conn
            .query_row("SELECT 1 FROM organizations WHERE id = ?1", [org], |r| {
                r.get(0)
            })
            .optional()?;
        if member.is_none() {
            return Err(CoreError::Invalid(ErrorCode::InputOrgId));
        }
        let message =
            ticket_message(message).map_err(|_| CoreError::Invalid(ErrorCode::InputMessage))?;
        let tx = self.conn.unchecked_transaction()?;
        let id = enqueue(
            &tx,
            org,
            None,
            &Action::Ticket {
                topic,
                message,
                files,
            },
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// The user's tickets in `org` (the feed brings only their own).
    pub fn support(&self, org: &str) -> Result<SupportView, CoreError> {
        let tickets = self
            .record_page::<Ticket>(
                org,
                &RecordQuery {
                    sort: RecordSort::Newest,
                    ..RecordQuery::default()
                },
            )?
            .items
            .into_iter()
            .map(|v| v.record)
            .collect();
        let mut stmt = self.conn.prepare(
            "SELECT id, payload, created_at, CASE state WHEN 'failed' THEN error END
             FROM outbox WHERE org_id = ?1 AND kind = 'support_ticket' ORDER BY seq DESC",
        )?;
        let rows = stmt
            .query_map([org], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut queued = Vec::with_capacity(rows.len());
        for (id, payload, created_at, error) in rows {
            if let Action::Ticket {
                topic,
                message,
                files,
            } = serde_json::from_str(&payload).map_err(|e| CoreError::Store(e.to_string()))?
            {
                queued.push(QueuedTicket {
                    id,
                    topic,
                    message,
                    files,
                    created_at,
                    error,
                });
            }
        }
        Ok(SupportView { tickets, queued })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

    #[test]
    fn files_are_checked_as_the_portal_checks_them() {
        let pdf = |n: &str| (n.to_owned(), PDF.to_vec());
        assert!(check_files(&[pdf("a.pdf"), pdf("b.pdf")]).is_ok());
        let six: Vec<_> = (0..6).map(|i| pdf(&format!("{i}.pdf"))).collect();
        assert_eq!(
            check_files(&six).unwrap_err().code(),
            "support.too_many_files"
        );
        let mut big = PDF.to_vec();
        big.resize(MAX_TICKET_BYTES / 2 + 1, b' ');
        let two = [("a.pdf".into(), big.clone()), ("b.pdf".into(), big)];
        assert_eq!(check_files(&two).unwrap_err().code(), "support.too_large");
        let exe = (
            "отчёт.pdf".to_owned(),
            b"MZ\x90\x00\x03\x00\x00\x00".to_vec(),
        );
        assert_eq!(
            check_files(&[exe]).unwrap_err().code(),
            "file.type_not_allowed"
        );
    }
}
