//! The change feed and the entities it carries.
//!
//! `GET /v1/orgs/{org}/changes?after=CURSOR&limit=N` answers a page of
//! changes in one monotonic sequence per organization. The cursor is opaque
//! to the client; a cursor older than what the portal still keeps answers
//! `410 sync.cursor_expired`, and the client starts over from no cursor.
//! Writes carry an `Idempotency-Key`: the portal stores the answer per key
//! and replays it, so a retry after a lost reply never writes twice.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Header of every write.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// Largest page the portal serves.
pub const MAX_PAGE: u32 = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Upsert,
    Delete,
}

/// One change: the entity's full new state (`upsert`) or its removal.
///
/// `data` is kept as raw JSON text: the portal sends what it stored and the
/// client stores what it received, with no JSON tree built in between
/// (each side still parses it into its type to check it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Change {
    pub seq: u64,
    /// `profile`, `application`, …
    pub entity: String,
    pub id: String,
    pub op: ChangeOp,
    #[serde(default)]
    pub data: Option<Box<serde_json::value::RawValue>>,
}

impl Change {
    /// An upsert carrying `value`.
    pub fn upsert<T: Serialize>(seq: u64, entity: &str, id: &str, value: &T) -> Self {
        Self {
            seq,
            entity: entity.into(),
            id: id.into(),
            op: ChangeOp::Upsert,
            data: serde_json::value::to_raw_value(value).ok(),
        }
    }

    /// The data's JSON text as received (`null` when there is none).
    pub fn data_text(&self) -> &str {
        self.data.as_deref().map_or("null", |d| d.get())
    }

    /// The data as `T`; `None` for a removal.
    pub fn data_as<T: serde::de::DeserializeOwned>(&self) -> Option<Result<T, serde_json::Error>> {
        self.data.as_ref().map(|d| serde_json::from_str(d.get()))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangePage {
    pub changes: Vec<Change>,
    pub next_cursor: String,
    pub has_more: bool,
    /// Changes after this page at most (compaction leaves gaps), for a
    /// progress bar; absent from older portals.
    pub remaining: Option<u64>,
}

/// Where an application stands. `overdue` is derived from the deadline, not
/// stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    Draft,
    Accepted,
    InProgress,
    NeedsInfo,
    Completed,
    Rejected,
}

impl ApplicationStatus {
    /// The status as the portal and the UI name it in Russian.
    pub fn name_ru(self) -> &'static str {
        match self {
            ApplicationStatus::Draft => "Черновик",
            ApplicationStatus::Accepted => "Принято",
            ApplicationStatus::InProgress => "В работе",
            ApplicationStatus::NeedsInfo => "Требуется уточнение",
            ApplicationStatus::Completed => "Завершено",
            ApplicationStatus::Rejected => "Отказано",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStatus::Draft => "draft",
            ApplicationStatus::Accepted => "accepted",
            ApplicationStatus::InProgress => "in_progress",
            ApplicationStatus::NeedsInfo => "needs_info",
            ApplicationStatus::Completed => "completed",
            ApplicationStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            ApplicationStatus::Draft,
            ApplicationStatus::Accepted,
            ApplicationStatus::InProgress,
            ApplicationStatus::NeedsInfo,
            ApplicationStatus::Completed,
            ApplicationStatus::Rejected,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// An application of the organization (`entity = "application"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Application {
    pub id: String,
    pub org_id: String,
    /// The portal's registration number, once submitted.
    pub number: Option<String>,
    pub service_code: String,
    pub title: String,
    pub status: ApplicationStatus,
    /// RFC 3339.
    pub created_at: String,
    pub updated_at: String,
    /// ISO date (YYYY-MM-DD) the answer is due, once accepted.
    pub deadline: Option<String>,
    #[ts(type = "number")]
    pub version: i64,
    /// Documents attached to the draft, in the order they were added.
    /// (Left out of the JSON when empty, as on most of a big list.)
    #[serde(default)]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, as = "Option<Vec<Attachment>>")]
    pub attachments: Vec<Attachment>,
    /// Given at submission: a digest of the number and of exactly the
    /// files sent, for the applicant to quote and compare (`XXXX-XXXX`).
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub control_code: Option<String>,
    /// The service's form as filled in (left out when empty).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(optional, as = "Option<BTreeMap<String, String>>")]
    pub fields: BTreeMap<String, String>,
}

/// A document attached to an application, as one of the service's
/// required documents (`kind` is its code, or `other`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Attachment {
    pub document_id: String,
    pub kind: String,
    pub name: String,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
}

/// `POST /v1/orgs/{org}/applications`: a new draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApplication {
    pub service_code: String,
    pub title: String,
    /// The service's form, by field key ([`crate::check_form`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

/// A document of the organization (`entity = "document"`): metadata; the
/// content is fetched by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Document {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub mime: String,
    #[ts(type = "number")]
    pub size: i64,
    /// Lower-case hex; also the content's `ETag`.
    pub sha256: String,
    pub created_at: String,
    /// Detached signatures the portal accepted, oldest first.
    pub signatures: Vec<DocumentSignature>,
}

/// A detached CAdES signature attached to a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DocumentSignature {
    pub id: String,
    /// The signer's name as the certificate gives it.
    pub signer: String,
    pub organization: Option<String>,
    /// RFC 3339, when the portal accepted it.
    pub added_at: String,
    /// Base64 of the DER CMS.
    pub signature: String,
}

/// `POST /v1/orgs/{org}/documents/{id}/signatures`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSignature {
    /// Base64 of the DER CMS, detached over the document's content.
    pub signature: String,
}
