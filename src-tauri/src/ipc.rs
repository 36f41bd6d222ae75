//! The shape of errors at the IPC boundary: `{code, message}` plus the
//! details the UI shows (unlock time, attempts left, the field at fault).

use cabinet_api::ErrorCode;
use cabinet_core::CoreError;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct IpcError {
    /// Stable machine code; the UI maps it to Russian text.
    pub code: ErrorCode,
    /// English, for logs and bug reports; never shown as is.
    pub message: String,
    pub field: Option<String>,
    pub locked_until: Option<String>,
    pub attempts_left: Option<u32>,
}

impl From<CoreError> for IpcError {
    fn from(e: CoreError) -> Self {
        let p = e.problem();
        Self {
            code: e.code(),
            message: e.to_string(),
            field: e.field(),
            locked_until: p.and_then(|p| p.locked_until.clone()),
            attempts_left: match e {
                CoreError::UnlockFailed { attempts_left } => Some(attempts_left),
                _ => p.and_then(|p| p.attempts_left),
            },
        }
    }
}
