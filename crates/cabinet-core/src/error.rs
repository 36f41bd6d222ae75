//! The core's error type. Every variant maps to a stable `code` that the UI
//! translates into Russian; messages are English, for logs.

use cabinet_api::ErrorCode;
use cabinet_api::Problem;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The portal could not be reached (DNS, refused, timeout, TLS).
    #[error("portal unreachable: {0}")]
    Offline(String),
    /// The portal answered with a problem+json error.
    #[error("portal refused: {} ({})", .0.code, .0.title)]
    Portal(Box<Problem>),
    /// The portal answered something that is not the documented API.
    #[error("unexpected portal answer: {0}")]
    Protocol(String),
    #[error("not logged in")]
    NotLoggedIn,
    /// Locked after inactivity: the password unlocks it.
    #[error("session locked")]
    SessionLocked,
    #[error("wrong password, {attempts_left} attempts left")]
    UnlockFailed { attempts_left: u32 },
    /// The session cannot be unlocked here: log in again.
    #[error("log in again")]
    ReloginRequired,
    #[error("nothing cached for this organization")]
    NotCached,
    #[error("OS keychain: {0}")]
    Keychain(String),
    #[error("local cache: {0}")]
    Store(String),
    /// The encrypted cache does not open with the key the keychain holds
    /// (the keychain was reset, or the file belongs to another key).
    #[error("the local cache cannot be decrypted with the keychain's key")]
    CacheLocked,
    #[error("configuration: {0}")]
    Config(String),
    /// Input refused before anything is sent (`input.title`, …).
    #[error("invalid input: {0}")]
    Invalid(ErrorCode),
    /// Key stores, signing and verification; the code is the signature
    /// crate's (`pfx.wrong_password`, `sig.content_changed`, …).
    #[error("signature: {0}")]
    Sign(#[from] cabinet_sign::SignError),
    /// A certificate refused before use (`cert.expired`, …): the same codes
    /// as the portal's.
    #[error("certificate: {detail}")]
    Certificate { code: ErrorCode, detail: String },
    /// The user's role in the organization does not allow it (the portal
    /// would answer the same).
    #[error("the role does not allow {0:?}")]
    NotAllowed(cabinet_api::Permission),
    /// A rule of the portal, checked here before queueing
    /// (`application.missing_documents`, `file.type_not_allowed`, …).
    #[error("refused ({code}): {detail}")]
    Refused { code: ErrorCode, detail: String },
    /// A requisite that fails its own check (`inn.checksum`, …): the same
    /// rules and codes as the portal's.
    #[error("invalid requisite: {0}")]
    Requisite(#[from] cabinet_api::requisites::RequisiteError),
    /// A service's form not filled as it must be (`form.required`,
    /// `inn.checksum`, …): the same rules and codes as the portal's; the
    /// field is `fields.{key}`.
    #[error("form: {0}")]
    Form(#[from] cabinet_api::FormError),
    /// A local file could not be read or written.
    #[error("file: {detail}")]
    File { code: ErrorCode, detail: String },
}

impl CoreError {
    /// Stable machine code. Portal problems keep the portal's own code.
    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::Offline(_) => ErrorCode::NetworkOffline,
            CoreError::Portal(p) => p.code,
            CoreError::Protocol(_) => ErrorCode::PortalProtocol,
            CoreError::NotLoggedIn => ErrorCode::SessionNotLoggedIn,
            CoreError::SessionLocked => ErrorCode::SessionLocked,
            CoreError::UnlockFailed { .. } => ErrorCode::SessionUnlockFailed,
            CoreError::ReloginRequired => ErrorCode::SessionReloginRequired,
            CoreError::NotCached => ErrorCode::CacheNotFound,
            CoreError::Keychain(_) => ErrorCode::KeychainUnavailable,
            CoreError::Store(_) => ErrorCode::CacheError,
            CoreError::CacheLocked => ErrorCode::CacheLocked,
            CoreError::Config(_) => ErrorCode::ConfigInvalid,
            CoreError::Sign(e) => e.code(),
            CoreError::Requisite(e) => e.code(),
            CoreError::Form(e) => e.code,
            CoreError::NotAllowed(_) => ErrorCode::OrgPermissionDenied,
            CoreError::Invalid(code)
            | CoreError::Certificate { code, .. }
            | CoreError::File { code, .. }
            | CoreError::Refused { code, .. } => *code,
        }
    }

    /// The form field at fault, if the error is about one.
    pub fn field(&self) -> Option<String> {
        match self {
            CoreError::Portal(p) => p.field.clone(),
            CoreError::Requisite(e) => Some(e.kind().to_owned()),
            CoreError::Form(e) => Some(e.field()),
            _ => None,
        }
    }

    pub fn problem(&self) -> Option<&Problem> {
        match self {
            CoreError::Portal(p) => Some(p),
            _ => None,
        }
    }

    /// Network trouble: worth retrying later, and a reason to work offline.
    pub fn is_transient(&self) -> bool {
        matches!(self, CoreError::Offline(_)) || self.problem().is_some_and(|p| p.status >= 500)
    }

    /// The portal refused the access token (401): renew it and ask again.
    pub fn is_unauthorized(&self) -> bool {
        self.problem().is_some_and(|p| p.status == 401)
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        CoreError::Store(e.to_string())
    }
}
