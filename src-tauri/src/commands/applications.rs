//! Applications: the list, drafts, their files and signatures, history and comments.

use super::*;
use cabinet_api::ErrorCode;

#[derive(Debug, Deserialize, TS)]
pub struct NewApplicationArgs {
    pub org_id: String,
    pub service_code: String,
    pub title: String,
    /// The service's form, by field key.
    #[serde(default)]
    #[ts(optional, as = "Option<std::collections::BTreeMap<String, String>>")]
    pub fields: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Deserialize, TS)]
pub struct ApplicationPageArgs {
    pub org_id: String,
    pub query: ApplicationQuery,
    /// Count the rows the filters match (the first page after a filter
    /// change); later pages of the same filters skip the count.
    pub count: bool,
}

/// A page of the applications list from the cache: filtered, sorted, and
/// the total when asked (works offline).
#[tauri::command]
pub async fn application_page(
    st: State<'_, Desktop>,
    args: ApplicationPageArgs,
) -> Res<ApplicationPage> {
    if args.count {
        Ok(st
            .cabinet
            .application_page(&args.org_id, &args.query)
            .await?)
    } else {
        let items = st
            .cabinet
            .application_rows(&args.org_id, &args.query)
            .await?;
        Ok(ApplicationPage { items, total: 0 })
    }
}

#[derive(Debug, Deserialize, TS)]
pub struct ExportApplicationsArgs {
    pub org_id: String,
    /// The list's filters and order; its paging is ignored.
    pub query: ApplicationQuery,
    pub format: AccountingFormat,
    /// Where the user chose to save it.
    pub path: String,
}

/// The applications the list's filters match, as CSV, XLSX or JSON, from
/// the cache; written whole or not at all. Returns how many were written.
#[tauri::command]
pub async fn export_applications(st: State<'_, Desktop>, args: ExportApplicationsArgs) -> Res<u32> {
    let (bytes, count) = st
        .cabinet
        .export_applications(&args.org_id, &args.query, args.format)
        .await?;
    save_export(&args.path, bytes).await?;
    Ok(count)
}

/// A draft, stored locally and queued (works offline).
#[tauri::command]
pub async fn create_application(
    st: State<'_, Desktop>,
    args: NewApplicationArgs,
) -> Res<Application> {
    Ok(st
        .cabinet
        .create_application(&args.org_id, &args.service_code, &args.title, args.fields)
        .await?)
}

#[tauri::command]
pub async fn submit_application(st: State<'_, Desktop>, args: ActionArgs) -> Res<()> {
    Ok(st.cabinet.submit_application(&args.id).await?)
}

/// An application's status history (query `parent`: the application).
#[tauri::command]
pub async fn application_history(
    st: State<'_, Desktop>,
    args: RecordsArgs,
) -> Res<RecordPage<StatusEvent>> {
    Ok(st.cabinet.records(&args.org_id, &args.query).await?)
}

/// Comments on an application and replies (query `parent`: the application).
#[tauri::command]
pub async fn comments(st: State<'_, Desktop>, args: RecordsArgs) -> Res<RecordPage<Comment>> {
    Ok(st.cabinet.records(&args.org_id, &args.query).await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct CommentArgs {
    pub org_id: String,
    pub application_id: String,
    pub comment: NewComment,
}

/// A comment or a reply on an application, queued (works offline).
#[tauri::command]
pub async fn add_comment(st: State<'_, Desktop>, args: CommentArgs) -> Res<()> {
    Ok(st
        .cabinet
        .comment(&args.org_id, &args.application_id, args.comment)
        .await?)
}

/// A draft's files and the service's documents still missing.
#[tauri::command]
pub async fn draft_files(st: State<'_, Desktop>, args: RecordArgs) -> Res<DraftFiles> {
    Ok(st.cabinet.draft_files(&args.org_id, &args.id).await?)
}

#[derive(Deserialize, TS)]
pub struct AttachArgs {
    pub org_id: String,
    /// The draft.
    pub id: String,
    /// The service's code for the document, or `other`.
    pub kind: String,
    pub name: String,
    /// The file's bytes, base64 (the window reads a file the user chose).
    pub content: String,
}

impl std::fmt::Debug for AttachArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachArgs")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("content_len", &self.content.len())
            .finish()
    }
}

/// Attaches a file to a draft: checked by its content, kept encrypted on
/// this computer, sent at the next sync.
#[tauri::command]
pub async fn attach_file(st: State<'_, Desktop>, args: AttachArgs) -> Res<DraftFiles> {
    let bytes = decode_file(&args.name, &args.content)?;
    Ok(st
        .cabinet
        .attach_file(&args.org_id, &args.id, &args.kind, &args.name, &bytes)
        .await?)
}

/// A file the UI read, as base64: more than the attachment limit is
/// refused before it is decoded.
pub(crate) fn decode_file(name: &str, content: &str) -> Result<Vec<u8>, CoreError> {
    use base64::Engine;
    if content.len() / 4 * 3 > cabinet_api::files::MAX_ATTACHMENT + 3 {
        return Err(CoreError::Refused {
            code: cabinet_api::FileError::TooLarge.code(),
            detail: name.to_owned(),
        });
    }
    base64::engine::general_purpose::STANDARD
        .decode(content.as_bytes())
        .map_err(|_| CoreError::Invalid(ErrorCode::InputContent))
}

#[derive(Debug, Deserialize, TS)]
pub struct DetachArgs {
    pub org_id: String,
    /// The draft.
    pub id: String,
    /// The file's id as `draft_files` gives it.
    pub file: String,
}

#[tauri::command]
pub async fn detach_file(st: State<'_, Desktop>, args: DetachArgs) -> Res<DraftFiles> {
    Ok(st
        .cabinet
        .detach_file(&args.org_id, &args.id, &args.file)
        .await?)
}

#[derive(Deserialize, TS)]
pub struct SignDraftArgs {
    pub org_id: String,
    pub id: String,
    /// Which of «my certificates» signs.
    pub sha256: String,
    /// The .pfx password or the token PIN.
    pub secret: Secret,
}

impl std::fmt::Debug for SignDraftArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignDraftArgs")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Signs every file of a draft the holder has not signed yet, with one
/// password or PIN; returns how many were signed.
#[tauri::command]
pub async fn sign_draft(st: State<'_, Desktop>, args: SignDraftArgs) -> Res<u32> {
    let SignDraftArgs {
        org_id,
        id,
        sha256,
        secret,
    } = args;
    let key = open_mine(&st, &sha256, secret).await?;
    Ok(st.cabinet.sign_draft(&org_id, &id, key.as_ref()).await?)
}
