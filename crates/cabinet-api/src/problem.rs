//! RFC 7807 problem details with the portal's stable machine `code`.

use serde::{Deserialize, Serialize};

/// Media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer of the portal. `code` is stable and machine-readable
/// (`auth.locked`, `org.forbidden`, …); `title`/`detail` are for humans and
/// logs, never for matching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type", default = "about_blank")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub code: String,
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
    pub fn new(status: u16, code: &str, title: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:orgcabinet:problem:{code}"),
            title: title.into(),
            status,
            code: code.to_owned(),
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

/// Stable error codes of the portal API.
pub mod codes {
    pub const BAD_REQUEST: &str = "request.invalid";
    /// The method is not one the path takes (405, with `Allow`).
    pub const METHOD_NOT_ALLOWED: &str = "request.method_not_allowed";
    /// The body is larger than the route takes (413).
    pub const TOO_LARGE: &str = "request.too_large";
    pub const NOT_FOUND: &str = "not_found";
    pub const INTERNAL: &str = "internal";
    pub const INVALID_CREDENTIALS: &str = "auth.invalid_credentials";
    pub const LOCKED: &str = "auth.locked";
    /// Too many attempts or code requests from this login or address (429,
    /// with `Retry-After` in seconds).
    pub const RATE_LIMITED: &str = "rate.limited";
    pub const OTP_INVALID: &str = "auth.otp_invalid";
    pub const OTP_EXPIRED: &str = "auth.otp_expired";
    pub const TICKET_INVALID: &str = "auth.ticket_invalid";
    pub const TOKEN_INVALID: &str = "auth.token_invalid";
    pub const TOKEN_EXPIRED: &str = "auth.token_expired";
    pub const REFRESH_INVALID: &str = "auth.refresh_invalid";
    pub const UNAUTHORIZED: &str = "auth.required";
    pub const ORG_FORBIDDEN: &str = "org.forbidden";
    pub const ORG_NOT_FOUND: &str = "org.not_found";
    /// A member whose role does not allow the action (403); `detail` names
    /// the permission.
    pub const PERMISSION_DENIED: &str = "org.permission_denied";
    /// The cabinet is suspended: it can be read, nothing sent (403; the
    /// detail is the reason).
    pub const ORG_SUSPENDED: &str = "org.suspended";
    /// The cabinet is blocked: only its profile, support and an unblock
    /// request (403; the detail is the reason).
    pub const ORG_BLOCKED: &str = "org.blocked";
    /// Only the head of the organization may do this (403).
    pub const HEAD_ONLY: &str = "org.head_only";
    /// A role or permissions beyond what the granting member holds (403):
    /// no one gives more than they have.
    pub const GRANT_EXCEEDS: &str = "employee.grant_exceeds";
    /// The head's role is the head's, as the state register names him: it
    /// is not given, changed or taken through employees (403).
    pub const HEAD_ROLE: &str = "employee.head_role";
    /// An unblock request is already waiting (409).
    pub const UNBLOCK_PENDING: &str = "org.unblock_pending";
    /// The cabinet is open: there is nothing to unblock (409).
    pub const NOT_BLOCKED: &str = "org.not_blocked";
    /// No cabinet of an organization with this INN (404).
    pub const LINK_NOT_FOUND: &str = "link.not_found";
    /// A change of requisites is already waiting for the operator (409).
    pub const PROFILE_CHANGE_PENDING: &str = "profile.change_pending";
    /// The user is already a member of that cabinet (409).
    pub const ALREADY_MEMBER: &str = "link.already_member";
    /// Certificate login: the challenge is unknown or was already used.
    pub const CHALLENGE_INVALID: &str = "auth.challenge_invalid";
    pub const CHALLENGE_EXPIRED: &str = "auth.challenge_expired";
    /// The CMS does not verify over the challenge's nonce, or is not one.
    pub const SIGNATURE_INVALID: &str = "auth.signature_invalid";
    pub const CERT_EXPIRED: &str = "cert.expired";
    pub const CERT_NOT_YET_VALID: &str = "cert.not_yet_valid";
    pub const CERT_UNTRUSTED: &str = "cert.untrusted";
    pub const CERT_REVOKED: &str = "cert.revoked";
    /// The key usage does not allow signatures.
    pub const CERT_KEY_USAGE: &str = "cert.key_usage";
    pub const CERT_UNSUPPORTED: &str = "cert.unsupported_algorithm";
    /// Neither the certificate's СНИЛС nor its ИНН belongs to a portal user.
    pub const CERT_UNKNOWN_HOLDER: &str = "cert.unknown_holder";
    /// The change-feed cursor is older than what the portal keeps: resync.
    pub const CURSOR_EXPIRED: &str = "sync.cursor_expired";
    /// The same `Idempotency-Key` came with a different request.
    pub const IDEMPOTENCY_CONFLICT: &str = "request.idempotency_conflict";
    /// A write without an `Idempotency-Key`.
    pub const IDEMPOTENCY_REQUIRED: &str = "request.idempotency_key_required";
    /// `If-Match` names an older version (412): both versions go to the user.
    pub const VERSION_CONFLICT: &str = "conflict.version";
    /// The entity's state does not allow the action (409).
    pub const WRONG_STATE: &str = "conflict.state";
    /// A form field is invalid (422); `field` names it.
    pub const INVALID_FIELD: &str = "request.invalid_field";
    /// A mandatory document of the service is not attached.
    pub const MISSING_DOCUMENTS: &str = "application.missing_documents";
    /// An attachment has no signature yet.
    pub const UNSIGNED_ATTACHMENT: &str = "application.unsigned";
    pub const TOO_MANY_ATTACHMENTS: &str = "application.too_many_files";
    /// A document changed while a signature of it was checked.
    pub const DOCUMENT_CHANGED: &str = "document.changed";
    /// Support: more than five files on a ticket (422).
    pub const TICKET_TOO_MANY_FILES: &str = "support.too_many_files";
    /// Support: a ticket's files weigh more than 10 MB together (413).
    pub const TICKET_TOO_LARGE: &str = "support.too_large";
    /// A new password that breaks the rule (8+ characters, a letter, a digit).
    pub const WEAK_PASSWORD: &str = "auth.weak_password";
    /// A password change with a wrong current password (422, field
    /// `current_password`, with `attempts_left`).
    pub const WRONG_PASSWORD: &str = "auth.wrong_password";
    /// A new password the same as the current one (422, `new_password`).
    pub const SAME_PASSWORD: &str = "auth.same_password";
    /// A wrong code from the authenticator being set up (422, field
    /// `code`, with `attempts_left`).
    pub const TOTP_INVALID: &str = "auth.totp_invalid";
    /// No authenticator is being set up, or five wrong codes dropped it
    /// (409): start again.
    pub const TOTP_NOT_STARTED: &str = "auth.totp_not_started";
    /// Registration: no organization with this INN in the state register.
    pub const NOT_IN_REGISTRY: &str = "registration.not_in_registry";
    /// Registration: the register knows the INN with another OGRN or KPP;
    /// `field` names which.
    pub const REGISTRY_MISMATCH: &str = "registration.registry_mismatch";
    /// Registration: the organization has a cabinet already (409).
    pub const ALREADY_REGISTERED: &str = "registration.already_registered";
    /// Registration: a required document is not uploaded.
    pub const REGISTRATION_DOCUMENTS: &str = "registration.missing_documents";
    /// Registration: no confirmation code was asked for, or it has expired.
    pub const CODE_EXPIRED: &str = "registration.code_expired";
    /// Registration: a wrong confirmation code (`attempts_left` says how
    /// many remain before a new code is needed).
    pub const CODE_INVALID: &str = "registration.code_invalid";
    /// Registration: sent with neither a code nor a signature, or both.
    pub const CONFIRMATION_MISSING: &str = "registration.confirmation_missing";
    /// Registration: a valid qualified signature, but not of the head the
    /// state register names for this INN.
    pub const SIGNER_NOT_HEAD: &str = "registration.signer_not_head";
}
