//! The cabinet's own state, apart from the organization's legal status: a
//! cabinet may be suspended (read-only) or blocked (closed) by the portal,
//! with a reason, until an unblock request with documents is approved; its
//! head may deactivate it (password and an SMS code). A person links an
//! existing cabinet to their account by the organization's INN and a code
//! sent to the organization's phone.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::support::NewTicketFile;

/// At most this many documents on an unblock request, this many bytes in all.
pub const MAX_UNBLOCK_FILES: usize = 5;
pub const MAX_UNBLOCK_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AccessState {
    /// Read-only: the cabinet can be looked at, nothing can be sent.
    Suspended,
    /// Closed: only the profile, support and an unblock request.
    Blocked,
}

impl AccessState {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessState::Suspended => "suspended",
            AccessState::Blocked => "blocked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "suspended" => Some(AccessState::Suspended),
            "blocked" => Some(AccessState::Blocked),
            _ => None,
        }
    }
}

/// Why a cabinet is not open, and what was asked about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CabinetAccess {
    pub state: AccessState,
    pub reason: String,
    pub since: String,
    /// The latest unblock request, if any.
    pub unblock: Option<UnblockView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum UnblockStatus {
    Pending,
    Approved,
    Refused,
}

/// An unblock request as the portal keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UnblockView {
    pub id: String,
    pub status: UnblockStatus,
    pub created_at: String,
    /// The portal's answer to a refused one.
    pub comment: Option<String>,
}

/// `POST /v1/orgs/{org}/unblock-requests` (`Idempotency-Key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnblockRequest {
    pub text: String,
    #[serde(default)]
    pub files: Vec<NewTicketFile>,
}

/// A confirmation code was sent: the ticket to send it back with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CodeSent {
    pub ticket: String,
    /// Where it went, masked: `+7 495 ***-**-21`.
    pub phone: String,
    pub expires_at: String,
}

/// `POST /v1/me/organizations/link`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LinkRequest {
    pub inn: String,
}

/// The code of a [`CodeSent`]: `…/link/confirm`, `…/deactivation/confirm`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CodeConfirm {
    pub ticket: String,
    pub code: String,
}

/// `POST /v1/orgs/{org}/deactivation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DeactivateRequest {
    pub current_password: String,
}
