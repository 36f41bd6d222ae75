//! UI commands: each maps to one core call. Declared in build.rs and granted
//! in capabilities/default.json; typed for the UI in `bindings`.

use cabinet_api::DemoSms;
use cabinet_core::certificates::{open_pfx as open_pfx_file, CertificateView};
use cabinet_core::view::{
    AppInfo, Dashboard, DemoCertificateFile, LoginStep, OrganizationsView, SessionView,
};
use cabinet_core::CoreError;
use cabinet_sign::pkcs11::Module;
use cabinet_sign::SigningKey;
use serde::Deserialize;
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::ipc::IpcError;
use crate::Desktop;

type Res<T> = Result<T, IpcError>;

#[derive(Debug, Deserialize, TS)]
pub struct LoginArgs {
    pub login: String,
    pub password: String,
}

#[derive(Debug, Deserialize, TS)]
pub struct CodeArgs {
    pub ticket: String,
    pub code: String,
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
    Ok(st.cabinet.logout(args.forget_cache).await?)
}

/// A key ready to sign: a .pfx in memory or a logged-in token session.
pub type AnyKey = Box<dyn SigningKey + Send + Sync>;

#[derive(Deserialize, TS)]
pub struct PfxArgs {
    pub path: String,
    pub password: String,
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
    pub pin: String,
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

#[derive(Debug, Serialize, TS)]
pub struct TokenModuleView {
    /// E.g. «Рутокен».
    pub name: String,
    pub path: String,
}

#[derive(Debug, Serialize, TS)]
pub struct TokenCertificateView {
    /// Slot id as text (PKCS#11 ids do not fit a JS number safely).
    pub slot: String,
    pub token_label: String,
    pub key_id: String,
    pub certificate: CertificateView,
}

/// The token modules found here and the certificates on the tokens of the
/// chosen one.
#[derive(Debug, Serialize, TS)]
pub struct TokenListing {
    pub modules: Vec<TokenModuleView>,
    /// The module the certificates are from; `None` when none is installed.
    pub module: Option<String>,
    pub certificates: Vec<TokenCertificateView>,
}

fn remember(st: &Desktop, key: AnyKey) -> CertificateView {
    let view = CertificateView::of(key.certificate(), chrono::Utc::now());
    *st.pending_key.lock().unwrap_or_else(|e| e.into_inner()) = Some(key);
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
    let password = zeroize::Zeroizing::new(password);
    let key = blocking(move || open_pfx_file(std::path::Path::new(&path), &password)).await?;
    Ok(remember(&st, Box::new(key)))
}

#[tauri::command]
pub async fn token_certificates(_st: State<'_, Desktop>, args: TokenArgs) -> Res<TokenListing> {
    blocking(move || {
        let modules: Vec<TokenModuleView> = cabinet_sign::pkcs11::installed_modules()
            .into_iter()
            .map(|(name, path)| TokenModuleView {
                name: name.into(),
                path: path.into(),
            })
            .collect();
        let module = args
            .module
            .filter(|m| !m.trim().is_empty())
            .or_else(|| modules.first().map(|m| m.path.clone()));
        let mut certificates = Vec::new();
        if let Some(path) = &module {
            let m = Module::load(std::path::Path::new(path))?;
            let now = chrono::Utc::now();
            for slot in m.slots()? {
                let Some(token) = slot.token else { continue };
                for c in m.certificates(slot.id)? {
                    certificates.push(TokenCertificateView {
                        slot: slot.id.to_string(),
                        token_label: token.label.clone(),
                        key_id: c.id,
                        certificate: CertificateView::of(&c.certificate, now),
                    });
                }
            }
        }
        Ok(TokenListing {
            modules,
            module,
            certificates,
        })
    })
    .await
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
    let pin = zeroize::Zeroizing::new(pin);
    let key = blocking(move || {
        let slot: u64 = slot.parse().map_err(|_| CoreError::Invalid("slot"))?;
        let m = Module::load(std::path::Path::new(&module))?;
        Ok(m.login(slot, &key_id, &pin)?)
    })
    .await?;
    Ok(remember(&st, Box::new(key)))
}

/// Logs in with the key opened by `open_pfx` or `open_token`, then forgets it.
#[tauri::command]
pub async fn login_certificate(st: State<'_, Desktop>) -> Res<SessionView> {
    let key = st
        .pending_key
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .ok_or_else(|| IpcError::from(CoreError::Invalid("certificate")))?;
    let result = st.cabinet.login_certificate(key.as_ref()).await;
    if let Err(e) = &result {
        if e.is_transient() {
            // No network: keep the key, so a retry needs no password again.
            *st.pending_key.lock().unwrap_or_else(|e| e.into_inner()) = Some(key);
        }
    }
    Ok(result?)
}

#[tauri::command]
pub async fn forget_key(st: State<'_, Desktop>) -> Res<()> {
    st.pending_key
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    Ok(())
}
