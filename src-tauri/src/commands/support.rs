//! Writing to support.

use super::*;
use cabinet_api::ErrorCode;

/// The user's support tickets in the organization, sent and waiting.
#[tauri::command]
pub async fn support(st: State<'_, Desktop>, args: OrgArgs) -> Res<SupportView> {
    Ok(st.cabinet.support(&args.org_id).await?)
}

/// A file of a new ticket, read by the window.
#[derive(Deserialize, TS)]
pub struct TicketFileArgs {
    pub name: String,
    /// The file's bytes, base64.
    pub content: String,
}

impl std::fmt::Debug for TicketFileArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TicketFileArgs")
            .field("name", &self.name)
            .field("content_len", &self.content.len())
            .finish()
    }
}

#[derive(Debug, Deserialize, TS)]
pub struct NewTicketArgs {
    pub org_id: String,
    pub topic: TicketTopic,
    pub message: String,
    pub files: Vec<TicketFileArgs>,
}

/// Writes to support: checked here, sent at the next sync. Returns the
/// outbox action's id.
#[tauri::command]
pub async fn file_ticket(st: State<'_, Desktop>, args: NewTicketArgs) -> Res<String> {
    let files = decode_files(&args.files)?;
    Ok(st
        .cabinet
        .file_ticket(&args.org_id, args.topic, &args.message, files)
        .await?)
}

/// Files the window read, at most five, each within the attachment limit.
pub(crate) fn decode_files(files: &[TicketFileArgs]) -> Result<Vec<(String, Vec<u8>)>, CoreError> {
    if files.len() > cabinet_api::support::MAX_TICKET_FILES {
        return Err(CoreError::Refused {
            code: ErrorCode::SupportTooManyFiles,
            detail: format!("{} files", files.len()),
        });
    }
    files
        .iter()
        .map(|f| Ok((f.name.clone(), decode_file(&f.name, &f.content)?)))
        .collect()
}
