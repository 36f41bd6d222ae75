//! Requirements, notifications, charges and payments, the accounting and audit exports.

use super::*;

#[derive(Debug, Deserialize, TS)]
pub struct AnswerArgs {
    pub org_id: String,
    pub id: String,
    pub reply: RequirementReply,
}

/// Requirements from government bodies, from the cache (works offline).
#[tauri::command]
pub async fn requirements(
    st: State<'_, Desktop>,
    args: RecordsArgs,
) -> Res<RecordPage<Requirement>> {
    Ok(st.cabinet.records(&args.org_id, &args.query).await?)
}

/// The organization's notifications, from the cache (works offline).
#[tauri::command]
pub async fn notifications(
    st: State<'_, Desktop>,
    args: RecordsArgs,
) -> Res<RecordPage<Notification>> {
    Ok(st.cabinet.records(&args.org_id, &args.query).await?)
}

/// What the user's role allows: the UI hides what it does not.
#[tauri::command]
pub async fn permissions(st: State<'_, Desktop>, args: OrgArgs) -> Res<Vec<Permission>> {
    Ok(st.cabinet.permissions(&args.org_id).await?)
}

/// «Принять к исполнению», queued (works offline).
#[tauri::command]
pub async fn accept_requirement(st: State<'_, Desktop>, args: RecordArgs) -> Res<()> {
    Ok(st
        .cabinet
        .accept_requirement(&args.org_id, &args.id)
        .await?)
}

/// An answer to a requirement, queued (works offline).
#[tauri::command]
pub async fn answer_requirement(st: State<'_, Desktop>, args: AnswerArgs) -> Res<()> {
    Ok(st
        .cabinet
        .answer_requirement(&args.org_id, &args.id, args.reply)
        .await?)
}

/// Marks a notification read, queued (works offline).
#[tauri::command]
pub async fn mark_read(st: State<'_, Desktop>, args: RecordArgs) -> Res<()> {
    st.cabinet.mark_read(&args.org_id, &args.id).await?;
    show_unread(&st, &args.org_id).await;
    Ok(())
}

/// Charges to pay, from the cache (works offline).
#[tauri::command]
pub async fn charges(st: State<'_, Desktop>, args: RecordsArgs) -> Res<RecordPage<Charge>> {
    Ok(st.cabinet.records(&args.org_id, &args.query).await?)
}

/// Payments made, each with its receipt document (works offline).
#[tauri::command]
pub async fn payments(st: State<'_, Desktop>, args: RecordsArgs) -> Res<RecordPage<Payment>> {
    Ok(st.cabinet.records(&args.org_id, &args.query).await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct PayArgs {
    pub org_id: String,
    pub id: String,
    pub method: PaymentMethod,
}

/// Pays a charge, queued; the receipt arrives with the next sync.
#[tauri::command]
pub async fn pay_charge(st: State<'_, Desktop>, args: PayArgs) -> Res<()> {
    Ok(st
        .cabinet
        .pay_charge(&args.org_id, &args.id, args.method)
        .await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct ExportAccountingArgs {
    pub org_id: String,
    pub part: AccountingPart,
    pub format: AccountingFormat,
    /// ISO days, both included; null is open.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Where the user chose to save it.
    pub path: String,
}

/// Charges or payments of a period as CSV or XLSX, or both as JSON for
/// 1C, from the cache (works offline). Written whole or not at all: a temp
/// file beside the target, then a rename. Returns the bytes written.
#[tauri::command]
pub async fn export_accounting(st: State<'_, Desktop>, args: ExportAccountingArgs) -> Res<u32> {
    let bytes = st
        .cabinet
        .export_accounting(
            &args.org_id,
            args.part,
            args.format,
            args.from.as_deref(),
            args.to.as_deref(),
        )
        .await?;
    save_export(&args.path, bytes).await
}

/// Writes an export where the user chose, whole or not at all (a temp file
/// beside the target, then a rename); returns the bytes written.
pub(crate) async fn save_export(path: &str, bytes: Vec<u8>) -> Res<u32> {
    let path = std::path::PathBuf::from(path);
    let n = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    blocking(move || cabinet_core::export::write_whole(&path, &bytes)).await?;
    Ok(n)
}

#[derive(Debug, Deserialize, TS)]
pub struct ExportAuditArgs {
    pub org_id: String,
    /// `csv` or `xlsx`.
    pub format: AccountingFormat,
    /// ISO days, both included; null is open.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Where the user chose to save it.
    pub path: String,
}

/// The audit log of a period as CSV or XLSX, from the cache; written whole
/// or not at all. Returns the bytes written.
#[tauri::command]
pub async fn export_audit(st: State<'_, Desktop>, args: ExportAuditArgs) -> Res<u32> {
    let bytes = st
        .cabinet
        .export_audit(
            &args.org_id,
            args.format,
            args.from.as_deref(),
            args.to.as_deref(),
        )
        .await?;
    save_export(&args.path, bytes).await
}
