//! Sync, the outbox and conflicts.

use super::*;

/// Sends the outbox and fetches changes of one organization; `progress`
/// gets the phase, items and bytes as it goes (this sync's only).
#[tauri::command]
pub async fn sync_org(
    st: State<'_, Desktop>,
    args: OrgArgs,
    progress: tauri::ipc::Channel<SyncProgress>,
) -> Res<SyncReport> {
    let report = st
        .cabinet
        .sync_with_progress(&args.org_id, &move |p: SyncProgress| {
            // A window that went away no longer listens: nothing to do.
            let _ = progress.send(p);
        })
        .await?;
    // What this sync brought is announced on the desktop.
    match st.cabinet.fresh_notifications(&args.org_id).await {
        Ok(fresh) if !fresh.is_empty() => {
            if let Some(app) = st.app.get() {
                crate::announce::announce(app, &fresh);
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "fresh notifications"),
    }
    show_unread(&st, &args.org_id).await;
    Ok(report)
}

/// The organization's unread notifications, by the tray icon.
pub(crate) async fn show_unread(st: &Desktop, org_id: &str) {
    let query = RecordQuery {
        unread: true,
        limit: 1,
        ..RecordQuery::default()
    };
    match st.cabinet.records::<Notification>(org_id, &query).await {
        Ok(page) => {
            // Kept for a tray icon made after this (see `tray::install`).
            st.unread
                .store(page.total, std::sync::atomic::Ordering::SeqCst);
            if let Some(tray) = st.tray.get() {
                crate::tray::show_unread(tray, page.total);
            }
        }
        Err(e) => tracing::warn!(error = %e, "unread count"),
    }
}

#[tauri::command]
pub async fn outbox(st: State<'_, Desktop>, args: OrgArgs) -> Res<Vec<OutboxItem>> {
    Ok(st.cabinet.outbox(&args.org_id).await?)
}

#[tauri::command]
pub async fn retry_action(st: State<'_, Desktop>, args: ActionArgs) -> Res<()> {
    Ok(st.cabinet.retry_action(&args.id).await?)
}

#[tauri::command]
pub async fn discard_action(st: State<'_, Desktop>, args: ActionArgs) -> Res<()> {
    Ok(st.cabinet.discard_action(&args.id).await?)
}

/// The header's sync indicator.
#[tauri::command]
pub async fn sync_status(st: State<'_, Desktop>, args: OrgArgs) -> Res<SyncStatus> {
    Ok(st.cabinet.sync_status(&args.org_id).await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct ResolveConflictArgs {
    pub action_id: String,
    pub resolution: Resolution,
}

#[tauri::command]
pub async fn conflicts(st: State<'_, Desktop>, args: OrgArgs) -> Res<Vec<Conflict>> {
    Ok(st.cabinet.conflicts(&args.org_id).await?)
}

#[tauri::command]
pub async fn resolve_conflict(st: State<'_, Desktop>, args: ResolveConflictArgs) -> Res<()> {
    Ok(st
        .cabinet
        .resolve_conflict(&args.action_id, args.resolution)
        .await?)
}
