//! UI commands: each maps to one core call. Declared in build.rs and granted
//! in capabilities/default.json; typed for the UI in `bindings`.

use cabinet_api::Application;
use cabinet_api::DemoSms;
use cabinet_api::NotificationSettings;
use cabinet_api::Secret;
use cabinet_api::Security;
use cabinet_api::TicketTopic;
use cabinet_api::{
    AuditEntry, Charge, Employee, InviteEmployee, Notification, Payment, PaymentMethod, Permission,
    Requirement, RequirementReply, Role, SaveRole,
};
use cabinet_api::{CodeSent, OrganizationSummary, UnblockView};
use cabinet_api::{Comment, LegalStatus, NewComment, StatusEvent};
use cabinet_api::{NewProfileChange, ProfileChange};
use cabinet_api::{OrganizationProfile, ProfileEdit};
use cabinet_api::{RecoveryTicket, Registration, RegistrationCode, RegistrationForm};
use cabinet_core::accounting::{AccountingFormat, AccountingPart};
use cabinet_core::attachments::DraftFiles;
use cabinet_core::cabinet::KeyLocation;
use cabinet_core::certificates::{
    open_container_key, open_pfx as open_pfx_file, open_token_key, token_listing, CertificateView,
    ContainerListing, TokenListing,
};
use cabinet_core::config::LocalSettings;
use cabinet_core::lists::{ApplicationPage, ApplicationQuery};
use cabinet_core::records::{RecordPage, RecordQuery};
use cabinet_core::signing::{SignProgress, SignedFile, SignerView};
use cabinet_core::support::{FaqView, SupportView};
use cabinet_core::sync::{
    Conflict, DocumentView, OutboxItem, Resolution, SyncProgress, SyncReport, SyncStatus,
};
use cabinet_core::view::{
    AppInfo, Dashboard, DemoCertificateFile, LoginStep, OrganizationsView, SessionView,
};
use cabinet_core::view::{MyCertificate, ServicesView};
use cabinet_core::CoreError;
use serde::Deserialize;
use tauri::State;
use ts_rs::TS;

use crate::ipc::IpcError;
use crate::Desktop;

type Res<T> = Result<T, IpcError>;

#[derive(Debug, Deserialize, TS)]
pub struct LoginArgs {
    pub login: String,
    pub password: Secret,
}

#[derive(Debug, Deserialize, TS)]
pub struct CodeArgs {
    pub ticket: String,
    pub code: Secret,
}

#[derive(Debug, Deserialize, TS)]
pub struct TicketArgs {
    pub ticket: String,
}

#[derive(Debug, Deserialize, TS)]
pub struct OrgArgs {
    pub org_id: String,
}

#[derive(Debug, Deserialize, TS)]
pub struct LogoutArgs {
    pub forget_cache: bool,
}

#[tauri::command]
pub async fn app_info(st: State<'_, Desktop>) -> Res<AppInfo> {
    let mut info = st.info.clone();
    info.lock_seconds = st.lock_seconds.load(std::sync::atomic::Ordering::Relaxed);
    info.theme = st.theme();
    info.language = st.language();
    info.demo = st.cabinet.demo_info().await;
    Ok(info)
}

#[tauri::command]
pub async fn resume_session(st: State<'_, Desktop>) -> Res<Option<SessionView>> {
    Ok(st.cabinet.resume().await?)
}

#[tauri::command]
pub async fn login_password(st: State<'_, Desktop>, args: LoginArgs) -> Res<LoginStep> {
    Ok(st
        .cabinet
        .login_password(&args.login, &args.password)
        .await?)
}

#[tauri::command]
pub async fn submit_code(st: State<'_, Desktop>, args: CodeArgs) -> Res<SessionView> {
    Ok(st.cabinet.submit_code(&args.ticket, &args.code).await?)
}

#[tauri::command]
pub async fn demo_sms(st: State<'_, Desktop>, args: TicketArgs) -> Res<DemoSms> {
    Ok(st.cabinet.demo_sms(&args.ticket).await?)
}

#[tauri::command]
pub async fn organizations(st: State<'_, Desktop>) -> Res<OrganizationsView> {
    Ok(st.cabinet.organizations().await?)
}

#[tauri::command]
pub async fn open_organization(st: State<'_, Desktop>, args: OrgArgs) -> Res<Dashboard> {
    Ok(st.cabinet.open_organization(&args.org_id).await?)
}

#[tauri::command]
pub async fn logout(st: State<'_, Desktop>, args: LogoutArgs) -> Res<()> {
    // The window never discards unsent actions.
    Ok(st.cabinet.logout(args.forget_cache, false).await?)
}

pub use cabinet_core::certificates::AnyKey;

/// The key chosen on the login screen, and where it came from (remembered
/// in «Электронные подписи» once the login succeeds).
pub struct PendingKey {
    pub key: AnyKey,
    pub location: KeyLocation,
}

#[derive(Deserialize, TS)]
pub struct PfxArgs {
    pub path: String,
    pub password: Secret,
}

impl std::fmt::Debug for PfxArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PfxArgs")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize, TS)]
pub struct TokenArgs {
    /// A PKCS#11 module path; `None`: the first installed known module.
    pub module: Option<String>,
}

#[derive(Deserialize, TS)]
pub struct TokenLoginArgs {
    pub module: String,
    pub slot: String,
    pub key_id: String,
    pub pin: Secret,
}

impl std::fmt::Debug for TokenLoginArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenLoginArgs")
            .field("module", &self.module)
            .field("slot", &self.slot)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

fn remember(st: &Desktop, key: AnyKey, location: KeyLocation) -> CertificateView {
    let view = CertificateView::of(key.certificate(), chrono::Utc::now());
    *st.pending_key.lock().unwrap_or_else(|e| e.into_inner()) = Some(PendingKey { key, location });
    view
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, CoreError> + Send + 'static,
) -> Res<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| IpcError::from(CoreError::Config(format!("worker: {e}"))))?
        .map_err(IpcError::from)
}

#[tauri::command]
pub async fn demo_certificates(st: State<'_, Desktop>) -> Res<Option<Vec<DemoCertificateFile>>> {
    Ok(st.cabinet.demo_certificates().await?)
}

/// Opens a .pfx and shows its certificate; the key waits for `login_certificate`.
#[tauri::command]
pub async fn open_pfx(st: State<'_, Desktop>, args: PfxArgs) -> Res<CertificateView> {
    let PfxArgs { path, password } = args;
    let location = KeyLocation::Pfx(path.clone());
    let key = blocking(move || open_pfx_file(std::path::Path::new(&path), &password)).await?;
    Ok(remember(&st, Box::new(key), location))
}

#[tauri::command]
pub async fn token_certificates(_st: State<'_, Desktop>, args: TokenArgs) -> Res<TokenListing> {
    blocking(move || token_listing(args.module.as_deref())).await
}

/// Logs in to the token with the PIN; the key waits for `login_certificate`.
#[tauri::command]
pub async fn open_token(st: State<'_, Desktop>, args: TokenLoginArgs) -> Res<CertificateView> {
    let TokenLoginArgs {
        module,
        slot,
        key_id,
        pin,
    } = args;
    let location = KeyLocation::Token {
        module: module.clone(),
        key_id: key_id.clone(),
    };
    let key = blocking(move || open_token_key(&module, &slot, &key_id, &pin)).await?;
    Ok(remember(&st, Box::new(key), location))
}

#[derive(Debug, Deserialize, TS)]
pub struct ContainersArgs {
    /// A folder the user chose to search too (a flash drive, a backup).
    pub folder: Option<String>,
}

#[derive(Deserialize, TS)]
pub struct ContainerLoginArgs {
    /// The container's folder.
    pub path: String,
    /// Empty when the container has no PIN.
    pub pin: Secret,
}

impl std::fmt::Debug for ContainerLoginArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerLoginArgs")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The CryptoPro containers in the usual places (and in the chosen folder).
#[tauri::command]
pub async fn key_containers(st: State<'_, Desktop>, args: ContainersArgs) -> Res<ContainerListing> {
    Ok(st.cabinet.key_containers(args.folder).await?)
}

/// Opens a CryptoPro container with its PIN; the key waits for
/// `login_certificate`.
#[tauri::command]
pub async fn open_container(
    st: State<'_, Desktop>,
    args: ContainerLoginArgs,
) -> Res<CertificateView> {
    let ContainerLoginArgs { path, pin } = args;
    let location = KeyLocation::Container(path.clone());
    let key = blocking(move || open_container_key(&path, &pin)).await?;
    Ok(remember(&st, Box::new(key), location))
}

/// Logs in with the key opened by `open_pfx` or `open_token`, then forgets it.
#[tauri::command]
pub async fn login_certificate(st: State<'_, Desktop>) -> Res<SessionView> {
    let pending = st
        .pending_key
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .ok_or_else(|| IpcError::from(CoreError::Invalid("certificate")))?;
    let session = match st.cabinet.login_certificate(pending.key.as_ref()).await {
        Ok(s) => s,
        Err(e) => {
            if e.is_transient() {
                // No network: keep the key, so a retry needs no password again.
                *st.pending_key.lock().unwrap_or_else(|e| e.into_inner()) = Some(pending);
            }
            return Err(e.into());
        }
    };
    let PendingKey { key, location } = pending;
    if let Err(e) = st
        .cabinet
        .remember_certificate(key.certificate(), location)
        .await
    {
        tracing::warn!(error = %e, "certificate not remembered");
    }
    Ok(session)
}

#[tauri::command]
pub async fn forget_key(st: State<'_, Desktop>) -> Res<()> {
    st.pending_key
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    Ok(())
}

#[derive(Debug, Deserialize, TS)]
pub struct CertificateArgs {
    /// SHA-256 fingerprint of the certificate.
    pub sha256: String,
}

#[derive(Deserialize, TS)]
pub struct SignFilesArgs {
    /// Which of «my certificates» signs.
    pub sha256: String,
    pub files: Vec<String>,
    /// Add a signature to the existing FILE.sig.
    pub cosign: bool,
    /// The .pfx password or the token PIN, entered once for the batch.
    pub secret: Secret,
}

impl std::fmt::Debug for SignFilesArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignFilesArgs")
            .field("sha256", &self.sha256)
            .field("files", &self.files.len())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize, TS)]
pub struct VerifyArgs {
    pub file: String,
    /// The signature; `None`: FILE.sig beside the file, or FILE itself
    /// when it is a signature file (`.sig`, `.p7s`, `.sgn`) holding its
    /// document.
    pub signature: Option<String>,
}

#[derive(Debug, Deserialize, TS)]
pub struct SaveSignedArgs {
    /// An attached signature.
    pub signature: String,
    /// Where the document it holds goes.
    pub target: String,
}

#[tauri::command]
pub async fn my_certificates(st: State<'_, Desktop>) -> Res<Vec<MyCertificate>> {
    Ok(st.cabinet.my_certificates().await?)
}

/// Checks the password by opening the .pfx, then remembers its certificate.
#[tauri::command]
pub async fn add_pfx_certificate(st: State<'_, Desktop>, args: PfxArgs) -> Res<MyCertificate> {
    let PfxArgs { path, password } = args;
    Ok(st.cabinet.add_pfx_certificate(&path, &password).await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct ContainerArgs {
    /// The container's folder.
    pub path: String,
}

/// Remembers the certificate of a CryptoPro container (no PIN needed).
#[tauri::command]
pub async fn add_container_certificate(
    st: State<'_, Desktop>,
    args: ContainerArgs,
) -> Res<MyCertificate> {
    Ok(st.cabinet.add_container_certificate(&args.path).await?)
}

#[tauri::command]
pub async fn remove_certificate(st: State<'_, Desktop>, args: CertificateArgs) -> Res<()> {
    Ok(st.cabinet.forget_certificate(&args.sha256).await?)
}

/// One of «my certificates», by fingerprint.
async fn my_certificate(st: &Desktop, sha256: &str) -> Res<MyCertificate> {
    st.cabinet
        .my_certificates()
        .await?
        .into_iter()
        .find(|c| c.certificate.sha256 == sha256)
        .ok_or_else(|| IpcError::from(CoreError::Invalid("certificate")))
}

/// Signs a batch with one password or PIN entry; `sign-progress` events
/// report each file.
#[tauri::command]
pub async fn sign_files(st: State<'_, Desktop>, args: SignFilesArgs) -> Res<Vec<SignedFile>> {
    let SignFilesArgs {
        sha256,
        files,
        cosign,
        secret,
    } = args;
    let mine = my_certificate(&st, &sha256).await?;
    let app = st.app.get().cloned();
    blocking(move || {
        let key = cabinet_core::certificates::open_my_key(&mine, &secret)?;
        let files: Vec<std::path::PathBuf> = files.iter().map(Into::into).collect();
        let how = if cosign {
            cabinet_core::signing::SignAs::Cosign
        } else {
            cabinet_core::signing::SignAs::Detached
        };
        cabinet_core::signing::sign_files(key.as_ref(), &files, how, None, |p: &SignProgress| {
            if let Some(app) = &app {
                use tauri::Emitter;
                let _ = app.emit("sign-progress", p);
            }
        })
    })
    .await
}

#[tauri::command]
pub async fn verify_file(_st: State<'_, Desktop>, args: VerifyArgs) -> Res<Vec<SignerView>> {
    blocking(move || {
        let file = std::path::PathBuf::from(&args.file);
        let sig = args.signature.map(std::path::PathBuf::from);
        cabinet_core::signing::verify_chosen(&file, sig.as_deref(), &[])
    })
    .await
}

/// «Сохранить подписанный документ»: the document an attached signature
/// holds, verified again, written where the user chose; its size.
#[tauri::command]
pub async fn save_signed_content(_st: State<'_, Desktop>, args: SaveSignedArgs) -> Res<u32> {
    blocking(move || {
        cabinet_core::signing::save_signed_content(
            std::path::Path::new(&args.signature),
            std::path::Path::new(&args.target),
            &[],
        )
        // A signature holds at most 256 MiB.
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
    })
    .await
}

#[derive(Debug, Deserialize, TS)]
pub struct ActionArgs {
    pub id: String,
}

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

/// Sends the outbox and fetches changes of one organization; `sync-progress`
/// events report the phase, items and bytes as it goes.
#[tauri::command]
pub async fn sync_org(st: State<'_, Desktop>, args: OrgArgs) -> Res<SyncReport> {
    let app = st.app.get().cloned();
    let report = st
        .cabinet
        .sync_with_progress(&args.org_id, &move |p: SyncProgress| {
            if let Some(app) = &app {
                use tauri::Emitter;
                let _ = app.emit("sync-progress", p);
            }
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
async fn show_unread(st: &Desktop, org_id: &str) {
    let Some(tray) = st.tray.get() else { return };
    let query = RecordQuery {
        unread: true,
        limit: 1,
        ..RecordQuery::default()
    };
    match st.cabinet.records::<Notification>(org_id, &query).await {
        Ok(page) => crate::tray::show_unread(tray, page.total),
        Err(e) => tracing::warn!(error = %e, "unread count"),
    }
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

#[derive(Debug, Deserialize, TS)]
pub struct EditProfileArgs {
    pub org_id: String,
    pub edit: ProfileEdit,
}

#[derive(Debug, Deserialize, TS)]
pub struct ResolveConflictArgs {
    pub action_id: String,
    pub resolution: Resolution,
}

#[derive(Debug, Deserialize, TS)]
pub struct UnlockArgs {
    pub password: Secret,
}

/// Locks the session after inactivity: data calls refuse until unlocked.
#[tauri::command]
pub async fn lock_session(st: State<'_, Desktop>) -> Res<()> {
    Ok(st.cabinet.lock().await?)
}

#[tauri::command]
pub async fn unlock_session(st: State<'_, Desktop>, args: UnlockArgs) -> Res<()> {
    Ok(st.cabinet.unlock(&args.password).await?)
}

/// The header's sync indicator.
#[tauri::command]
pub async fn sync_status(st: State<'_, Desktop>, args: OrgArgs) -> Res<SyncStatus> {
    Ok(st.cabinet.sync_status(&args.org_id).await?)
}

/// Edits the contacts; queued, shown at once, sent at the next sync.
#[tauri::command]
pub async fn edit_profile(
    st: State<'_, Desktop>,
    args: EditProfileArgs,
) -> Res<OrganizationProfile> {
    Ok(st.cabinet.edit_profile(&args.org_id, args.edit).await?)
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

#[derive(Debug, Deserialize, TS)]
pub struct DocumentArgs {
    pub org_id: String,
    pub document_id: String,
}

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

#[tauri::command]
pub async fn documents(st: State<'_, Desktop>, args: OrgArgs) -> Res<Vec<DocumentView>> {
    Ok(st.cabinet.documents(&args.org_id).await?)
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

/// Opens one of «my certificates» with its password or PIN, off the async
/// threads; the secret is zeroized when done.
async fn open_mine(
    st: &Desktop,
    sha256: &str,
    secret: Secret,
) -> Res<cabinet_core::certificates::AnyKey> {
    let mine = my_certificate(st, sha256).await?;
    blocking(move || cabinet_core::certificates::open_my_key(&mine, &secret)).await
}

#[tauri::command]
pub async fn verify_document(st: State<'_, Desktop>, args: DocumentArgs) -> Res<Vec<SignerView>> {
    Ok(st
        .cabinet
        .verify_document(&args.org_id, &args.document_id)
        .await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct RecordsArgs {
    pub org_id: String,
    pub query: RecordQuery,
}

#[derive(Debug, Deserialize, TS)]
pub struct RecordArgs {
    pub org_id: String,
    pub id: String,
}

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
const PREVIEW_MAX: usize = 10 * 1024 * 1024;

/// A document's content for preview: fetched once, then from the
/// hash-checked offline copy.
#[tauri::command]
pub async fn document_content(st: State<'_, Desktop>, args: DocumentArgs) -> Res<DocumentContent> {
    let docs = st.cabinet.documents(&args.org_id).await?;
    let doc = docs
        .into_iter()
        .find(|d| d.document.id == args.document_id)
        .ok_or(CoreError::Invalid("document"))?
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

/// The organization's employees and invitations (works offline).
#[tauri::command]
pub async fn employees(st: State<'_, Desktop>, args: RecordsArgs) -> Res<RecordPage<Employee>> {
    Ok(st.cabinet.records(&args.org_id, &args.query).await?)
}

/// Changes of the bank account and the head asked for, newest first
/// (works offline).
#[tauri::command]
pub async fn profile_changes(
    st: State<'_, Desktop>,
    args: RecordsArgs,
) -> Res<RecordPage<ProfileChange>> {
    Ok(st.cabinet.records(&args.org_id, &args.query).await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct ProfileChangeArgs {
    pub org_id: String,
    pub change: NewProfileChange,
}

/// Asks to change the bank account or the head: queued, sent at the next
/// sync to the portal's operator.
#[tauri::command]
pub async fn request_profile_change(st: State<'_, Desktop>, args: ProfileChangeArgs) -> Res<()> {
    Ok(st
        .cabinet
        .request_profile_change(&args.org_id, args.change)
        .await?)
}

/// The organization's roles with their permissions (works offline).
#[tauri::command]
pub async fn roles(st: State<'_, Desktop>, args: RecordsArgs) -> Res<RecordPage<Role>> {
    Ok(st.cabinet.roles(&args.org_id, &args.query).await?)
}

/// The audit log (synced only to roles allowed to view it).
#[tauri::command]
pub async fn audit_log(st: State<'_, Desktop>, args: RecordsArgs) -> Res<RecordPage<AuditEntry>> {
    Ok(st.cabinet.records(&args.org_id, &args.query).await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct InviteArgs {
    pub org_id: String,
    pub invite: InviteEmployee,
}

/// Access for a person by e-mail, queued (works offline).
#[tauri::command]
pub async fn invite_employee(st: State<'_, Desktop>, args: InviteArgs) -> Res<()> {
    Ok(st
        .cabinet
        .invite_employee(&args.org_id, args.invite)
        .await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct RoleChangeArgs {
    pub org_id: String,
    pub id: String,
    pub role: String,
}

/// Another role for an employee, queued (works offline).
#[tauri::command]
pub async fn change_employee_role(st: State<'_, Desktop>, args: RoleChangeArgs) -> Res<()> {
    Ok(st
        .cabinet
        .change_employee_role(&args.org_id, &args.id, &args.role)
        .await?)
}

/// An employee's access removed, queued (works offline).
#[tauri::command]
pub async fn remove_employee(st: State<'_, Desktop>, args: RecordArgs) -> Res<()> {
    Ok(st.cabinet.remove_employee(&args.org_id, &args.id).await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct SaveRoleArgs {
    pub org_id: String,
    /// The custom role to change; none: a new role.
    pub existing: Option<String>,
    pub role: SaveRole,
}

/// A custom role made or changed, queued (works offline).
#[tauri::command]
pub async fn save_role(st: State<'_, Desktop>, args: SaveRoleArgs) -> Res<()> {
    Ok(st
        .cabinet
        .save_role(&args.org_id, args.existing.as_deref(), args.role)
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
async fn save_export(path: &str, bytes: Vec<u8>) -> Res<u32> {
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

/// The services catalog: fresh when the portal answers, the kept copy
/// when not.
#[tauri::command]
pub async fn services(st: State<'_, Desktop>) -> Res<ServicesView> {
    Ok(st.cabinet.services().await?)
}

/// The answers to frequent questions: fresh when the portal answers, the
/// kept copy when not.
#[tauri::command]
pub async fn faq(st: State<'_, Desktop>) -> Res<FaqView> {
    Ok(st.cabinet.faq().await?)
}

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

#[derive(Debug, Deserialize, TS)]
pub struct LinkArgs {
    pub inn: String,
}

/// Links an existing cabinet by its INN: a code goes to the
/// organization's phone.
#[tauri::command]
pub async fn link_organization(st: State<'_, Desktop>, args: LinkArgs) -> Res<CodeSent> {
    Ok(st.cabinet.link_organization(&args.inn).await?)
}

/// The code from the organization's phone: the cabinet joins the list.
#[tauri::command]
pub async fn confirm_link(st: State<'_, Desktop>, args: CodeArgs) -> Res<OrganizationSummary> {
    Ok(st.cabinet.confirm_link(&args.ticket, &args.code).await?)
}

#[derive(Deserialize, TS)]
pub struct DeactivateArgs {
    pub org_id: String,
    pub current_password: Secret,
}

impl std::fmt::Debug for DeactivateArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeactivateArgs")
            .field("org_id", &self.org_id)
            .finish_non_exhaustive()
    }
}

/// The head asks to deactivate the cabinet: the password, then a code.
#[tauri::command]
pub async fn start_deactivation(st: State<'_, Desktop>, args: DeactivateArgs) -> Res<CodeSent> {
    Ok(st
        .cabinet
        .start_deactivation(&args.org_id, &args.current_password)
        .await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct OrgCodeArgs {
    pub org_id: String,
    pub ticket: String,
    pub code: Secret,
}

/// The code: the cabinet is deactivated for everyone.
#[tauri::command]
pub async fn confirm_deactivation(st: State<'_, Desktop>, args: OrgCodeArgs) -> Res<()> {
    Ok(st
        .cabinet
        .confirm_deactivation(&args.org_id, &args.ticket, &args.code)
        .await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct UnblockArgs {
    pub org_id: String,
    pub text: String,
    pub files: Vec<TicketFileArgs>,
}

/// Asks the portal to lift a suspension or a block, with documents.
#[tauri::command]
pub async fn request_unblock(st: State<'_, Desktop>, args: UnblockArgs) -> Res<UnblockView> {
    let files = decode_files(&args.files)?;
    Ok(st
        .cabinet
        .request_unblock(&args.org_id, &args.text, files)
        .await?)
}

/// Files the window read, at most five, each within the attachment limit.
fn decode_files(files: &[TicketFileArgs]) -> Result<Vec<(String, Vec<u8>)>, CoreError> {
    if files.len() > cabinet_api::support::MAX_TICKET_FILES {
        return Err(CoreError::Refused {
            code: cabinet_api::problem::codes::TICKET_TOO_MANY_FILES,
            detail: format!("{} files", files.len()),
        });
    }
    files
        .iter()
        .map(|f| Ok((f.name.clone(), decode_file(&f.name, &f.content)?)))
        .collect()
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

/// The organization's legal status from the cache (works offline).
#[tauri::command]
pub async fn legal_status(
    st: State<'_, Desktop>,
    args: RecordsArgs,
) -> Res<RecordPage<LegalStatus>> {
    Ok(st.cabinet.records(&args.org_id, &args.query).await?)
}

/// An extract from the register, queued; it arrives as a document.
#[tauri::command]
pub async fn request_extract(st: State<'_, Desktop>, args: OrgArgs) -> Res<()> {
    Ok(st.cabinet.request_extract(&args.org_id).await?)
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
fn decode_file(name: &str, content: &str) -> Result<Vec<u8>, CoreError> {
    use base64::Engine;
    if content.len() / 4 * 3 > cabinet_api::files::MAX_ATTACHMENT + 3 {
        return Err(CoreError::Refused {
            code: cabinet_api::FileError::TooLarge.code(),
            detail: name.to_owned(),
        });
    }
    base64::engine::general_purpose::STANDARD
        .decode(content.as_bytes())
        .map_err(|_| CoreError::Invalid("content"))
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

#[derive(Debug, Deserialize, TS)]
pub struct RegistrationArgs {
    pub id: String,
}

#[derive(Debug, Deserialize, TS)]
pub struct RegistrationFormArgs {
    /// Absent: a new registration.
    pub id: Option<String>,
    /// The version the form was edited at (`id` given).
    #[ts(type = "number | null")]
    pub version: Option<i64>,
    pub form: RegistrationForm,
}

#[derive(Deserialize, TS)]
pub struct RegistrationDocumentArgs {
    pub id: String,
    /// `charter` or `founding_decision`.
    pub kind: String,
    pub name: String,
    /// Base64.
    pub content: String,
}

impl std::fmt::Debug for RegistrationDocumentArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationDocumentArgs")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize, TS)]
pub struct SubmitRegistrationArgs {
    pub id: String,
    pub code: Secret,
}

/// The user's registrations of new cabinets, newest first (online only).
#[tauri::command]
pub async fn registrations(st: State<'_, Desktop>) -> Res<Vec<Registration>> {
    Ok(st.cabinet.registrations().await?)
}

/// Starts a registration, or changes the form of one still editable.
#[tauri::command]
pub async fn save_registration(
    st: State<'_, Desktop>,
    args: RegistrationFormArgs,
) -> Res<Registration> {
    Ok(match (args.id, args.version) {
        (Some(id), Some(version)) => {
            st.cabinet
                .edit_registration(&id, version, args.form)
                .await?
        }
        (None, _) => st.cabinet.start_registration(args.form).await?,
        (Some(_), None) => return Err(CoreError::Invalid("version").into()),
    })
}

#[tauri::command]
pub async fn upload_registration_document(
    st: State<'_, Desktop>,
    args: RegistrationDocumentArgs,
) -> Res<Registration> {
    let bytes = decode_file(&args.name, &args.content)?;
    Ok(st
        .cabinet
        .upload_registration_document(&args.id, &args.kind, &args.name, bytes)
        .await?)
}

#[tauri::command]
pub async fn send_registration_code(
    st: State<'_, Desktop>,
    args: RegistrationArgs,
) -> Res<RegistrationCode> {
    Ok(st.cabinet.send_registration_code(&args.id).await?)
}

#[tauri::command]
pub async fn submit_registration(
    st: State<'_, Desktop>,
    args: SubmitRegistrationArgs,
) -> Res<Registration> {
    Ok(st.cabinet.submit_registration(&args.id, &args.code).await?)
}

#[derive(Deserialize, TS)]
pub struct SubmitRegistrationSignedArgs {
    pub id: String,
    /// Which of «my certificates» signs: the head's.
    pub sha256: String,
    /// The .pfx password or the token PIN.
    pub secret: Secret,
}

impl std::fmt::Debug for SubmitRegistrationSignedArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubmitRegistrationSignedArgs")
            .field("id", &self.id)
            .field("sha256", &self.sha256)
            .finish_non_exhaustive()
    }
}

/// Sends the registration confirmed by the head's qualified signature of
/// its statement instead of a code.
#[tauri::command]
pub async fn submit_registration_signed(
    st: State<'_, Desktop>,
    args: SubmitRegistrationSignedArgs,
) -> Res<Registration> {
    let SubmitRegistrationSignedArgs { id, sha256, secret } = args;
    let key = open_mine(&st, &sha256, secret).await?;
    Ok(st
        .cabinet
        .submit_registration_signed(&id, key.as_ref())
        .await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct RecoveryArgs {
    pub login: String,
}

#[derive(Deserialize, TS)]
pub struct FinishRecoveryArgs {
    pub ticket: String,
    pub code: Secret,
    pub new_password: Secret,
}

impl std::fmt::Debug for FinishRecoveryArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FinishRecoveryArgs").finish_non_exhaustive()
    }
}

/// «Забыли пароль?»: a code to the user's phone.
#[tauri::command]
pub async fn start_recovery(st: State<'_, Desktop>, args: RecoveryArgs) -> Res<RecoveryTicket> {
    Ok(st.cabinet.start_recovery(&args.login).await?)
}

/// The new password, with the code.
#[tauri::command]
pub async fn finish_recovery(st: State<'_, Desktop>, args: FinishRecoveryArgs) -> Res<()> {
    Ok(st
        .cabinet
        .finish_recovery(&args.ticket, &args.code, &args.new_password)
        .await?)
}

/// The Settings screen's view of this computer's settings.
#[derive(Debug, serde::Serialize, TS)]
pub struct SettingsView {
    pub local: LocalSettings,
    /// Where they are kept.
    pub config_file: String,
    /// The inactivity lock is fixed for this run (`CABINET_LOCK_SECONDS`).
    pub lock_fixed: bool,
}

fn settings_view(st: &Desktop) -> SettingsView {
    let seconds = st.lock_seconds.load(std::sync::atomic::Ordering::Relaxed);
    SettingsView {
        local: LocalSettings {
            lock_minutes: seconds.div_ceil(60),
            prefetch: st.cabinet.prefetch_policy(),
            theme: st.theme(),
            language: st.language(),
        },
        config_file: st.config_file.display().to_string(),
        lock_fixed: st.lock_from_env,
    }
}

#[tauri::command]
pub async fn settings(st: State<'_, Desktop>) -> Res<SettingsView> {
    Ok(settings_view(&st))
}

#[derive(Debug, Deserialize, TS)]
pub struct SaveSettingsArgs {
    pub settings: LocalSettings,
}

/// Keeps the settings in the config file and applies them at once: the
/// lock's timer, and the prefetch policy from the next sync.
#[tauri::command]
pub async fn save_settings(st: State<'_, Desktop>, args: SaveSettingsArgs) -> Res<SettingsView> {
    let path = st.config_file.clone();
    let settings = args.settings;
    blocking(move || cabinet_core::config::save_local_settings(&path, &settings)).await?;
    if !st.lock_from_env {
        st.lock_seconds.store(
            settings.lock_minutes * 60,
            std::sync::atomic::Ordering::Relaxed,
        );
    }
    st.cabinet.set_prefetch(settings.prefetch).await;
    if let Ok(mut theme) = st.theme.lock() {
        *theme = settings.theme;
    }
    if let Ok(mut language) = st.language.lock() {
        *language = settings.language;
    }
    Ok(settings_view(&st))
}

#[derive(Debug, Deserialize, TS)]
pub struct ChangePasswordArgs {
    pub current_password: Secret,
    pub new_password: Secret,
}

/// A new password for the signed-in user, confirmed by the current one;
/// the user's other sessions end. Neither password is kept anywhere.
#[tauri::command]
pub async fn change_password(st: State<'_, Desktop>, args: ChangePasswordArgs) -> Res<()> {
    Ok(st
        .cabinet
        .change_password(&args.current_password, &args.new_password)
        .await?)
}

/// The user's notification channels: fresh from the portal, the kept copy
/// offline.
#[tauri::command]
pub async fn notification_settings(st: State<'_, Desktop>) -> Res<NotificationSettings> {
    Ok(st.cabinet.notification_settings().await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct NotificationSettingsArgs {
    pub settings: NotificationSettings,
}

/// Saves the channels on the portal (online only).
#[tauri::command]
pub async fn save_notification_settings(
    st: State<'_, Desktop>,
    args: NotificationSettingsArgs,
) -> Res<NotificationSettings> {
    Ok(st
        .cabinet
        .save_notification_settings(&args.settings)
        .await?)
}

/// How the user's password login is confirmed (online).
#[tauri::command]
pub async fn security(st: State<'_, Desktop>) -> Res<Security> {
    Ok(st.cabinet.security().await?)
}

/// An authenticator being set up: the secret to type in, and its
/// `otpauth://` address as a QR code's modules (row by row, `size` wide).
#[derive(Debug, serde::Serialize, TS)]
pub struct TotpSetup {
    pub secret: Secret,
    pub uri: String,
    pub qr_size: u32,
    pub qr_dark: Vec<bool>,
}

#[tauri::command]
pub async fn start_totp(st: State<'_, Desktop>) -> Res<TotpSetup> {
    let e = st.cabinet.start_totp().await?;
    // An address this long always fits a QR code; the portal's answer is
    // a protocol error if it does not.
    let code = qrcode::QrCode::new(e.uri.as_bytes())
        .map_err(|err| CoreError::Protocol(format!("otpauth address as a QR code: {err}")))?;
    Ok(TotpSetup {
        qr_size: u32::try_from(code.width()).unwrap_or(0),
        qr_dark: code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect(),
        secret: e.secret.into(),
        uri: e.uri,
    })
}

#[derive(Debug, Deserialize, TS)]
pub struct TotpCodeArgs {
    pub code: Secret,
}

#[tauri::command]
pub async fn confirm_totp(st: State<'_, Desktop>, args: TotpCodeArgs) -> Res<Security> {
    Ok(st.cabinet.confirm_totp(&args.code).await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct DisableTotpArgs {
    pub current_password: Secret,
}

#[tauri::command]
pub async fn disable_totp(st: State<'_, Desktop>, args: DisableTotpArgs) -> Res<Security> {
    Ok(st.cabinet.disable_totp(&args.current_password).await?)
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    /// Arguments that carry a password, PIN or code print it as `***`,
    /// whether their `Debug` is derived or written by hand.
    #[test]
    fn no_argument_prints_its_secret() {
        fn shown<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
            format!("{:?}", serde_json::from_str::<T>(json).unwrap())
        }
        let all = [
            shown::<LoginArgs>(r#"{"login":"a","password":"s3cr3t-1"}"#),
            shown::<CodeArgs>(r#"{"ticket":"t","code":"s3cr3t-2"}"#),
            shown::<UnlockArgs>(r#"{"password":"s3cr3t-3"}"#),
            shown::<ChangePasswordArgs>(
                r#"{"current_password":"s3cr3t-4","new_password":"s3cr3t-5"}"#,
            ),
            shown::<DisableTotpArgs>(r#"{"current_password":"s3cr3t-6"}"#),
            shown::<PfxArgs>(r#"{"path":"/k.pfx","password":"s3cr3t-7"}"#),
            shown::<TokenLoginArgs>(r#"{"module":"m","slot":"1","key_id":"01","pin":"s3cr3t-8"}"#),
            shown::<ContainerLoginArgs>(r#"{"path":"/c.000","pin":"s3cr3t-9"}"#),
        ];
        for text in all {
            assert!(!text.contains("s3cr3t"), "{text}");
        }
    }
}
