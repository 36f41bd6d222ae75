//! RFC 7807 problem details with the portal's stable machine `code`.

use serde::{Deserialize, Serialize};

use crate::ErrorCode;

/// Media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer of the portal. `code` is stable and machine-readable
/// (`auth.locked`, `org.forbidden`, …; see [`ErrorCode`]); `title`/`detail` are for humans and
/// logs, never for matching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type", default = "about_blank")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub code: ErrorCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For form errors: the request field at fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `auth.locked`: RFC 3339 time when the login unlocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<String>,
    /// For attempts-limited checks: how many attempts are left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// For `conflict.version`: the entity as the portal holds it now, so the
    /// client can show both versions without asking again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<serde_json::Value>,
}

fn about_blank() -> String {
    "about:blank".to_owned()
}

impl Problem {
    pub fn new(status: u16, code: ErrorCode, title: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:orgcabinet:problem:{code}"),
            title: title.into(),
            status,
            code,
            detail: None,
            field: None,
            locked_until: None,
            attempts_left: None,
            current: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }
}
