//! The organization's documents: contents, signing, verifying.

use super::*;

#[derive(Deserialize, TS)]
pub struct SignDocumentArgs {
    pub org_id: String,
    pub document_id: String,
    /// Which of «my certificates» signs.
    pub sha256: String,
    /// The .pfx password or the token PIN.
    pub secret: Secret,
}

impl std::fmt::Debug for SignDocumentArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignDocumentArgs")
            .field("document_id", &self.document_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize, TS)]
pub struct DocumentsArgs {
    pub org_id: String,
    /// How many of the newest (100 when not given; at most 10,000).
    pub limit: Option<u32>,
}

#[tauri::command]
pub async fn documents(st: State<'_, Desktop>, args: DocumentsArgs) -> Res<DocumentList> {
    Ok(st
        .cabinet
        .documents(&args.org_id, args.limit.unwrap_or(100))
        .await?)
}

/// Signs a document (offline too); the signature waits in the outbox.
#[tauri::command]
pub async fn sign_document(st: State<'_, Desktop>, args: SignDocumentArgs) -> Res<()> {
    let SignDocumentArgs {
        org_id,
        document_id,
        sha256,
        secret,
    } = args;
    let key = open_mine(&st, &sha256, secret).await?;
    Ok(st
        .cabinet
        .sign_document(&org_id, &document_id, key.as_ref())
        .await?)
}

#[tauri::command]
pub async fn verify_document(
    st: State<'_, Desktop>,
    args: DocumentArgs,
) -> Res<Vec<SignatureCheck>> {
    Ok(st
        .cabinet
        .verify_document(&args.org_id, &args.document_id)
        .await?)
}

/// «Протокол проверки»: the document's signatures judged now, as a PDF
/// where the user chose; its size.
#[tauri::command]
pub async fn save_verification_protocol(st: State<'_, Desktop>, args: ProtocolArgs) -> Res<u32> {
    let n = st
        .cabinet
        .save_verification_protocol(
            &args.org_id,
            &args.document_id,
            std::path::Path::new(&args.path),
        )
        .await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// What a document holds, for showing inside the app.
#[derive(Debug, serde::Serialize, TS)]
pub struct DocumentContent {
    pub name: String,
    pub mime: String,
    /// Text documents, decoded (invalid UTF-8 replaced).
    pub text: Option<String>,
    /// Images and PDF, base64 for a `data:` URL.
    pub base64: Option<String>,
}

/// The largest content sent to the window for preview.
pub(crate) const PREVIEW_MAX: usize = 10 * 1024 * 1024;

/// A document's content for preview: fetched once, then from the
/// hash-checked offline copy.
#[tauri::command]
pub async fn document_content(st: State<'_, Desktop>, args: DocumentArgs) -> Res<DocumentContent> {
    let doc = st
        .cabinet
        .document(&args.org_id, &args.document_id)
        .await?
        .document;
    let bytes = st
        .cabinet
        .document_content(&args.org_id, &args.document_id)
        .await?;
    let mime = doc.mime.to_ascii_lowercase();
    let (text, base64) = if mime.starts_with("text/") {
        (Some(String::from_utf8_lossy(&bytes).into_owned()), None)
    } else if (mime.starts_with("image/") || mime == "application/pdf")
        && bytes.len() <= PREVIEW_MAX
    {
        use base64::Engine;
        let b = base64::engine::general_purpose::STANDARD.encode(&bytes);
        (None, Some(b))
    } else {
        (None, None)
    };
    Ok(DocumentContent {
        name: doc.name,
        mime: doc.mime,
        text,
        base64,
    })
}
