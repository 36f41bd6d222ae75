//! Keys and certificates: .pfx files, tokens, CryptoPro containers, the key a certificate login uses, the certificates the user keeps.

use super::*;
use cabinet_api::ErrorCode;

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

pub(crate) fn remember(st: &Desktop, key: AnyKey, location: KeyLocation) -> CertificateView {
    let view = CertificateView::of(key.certificate(), chrono::Utc::now());
    *st.pending_key.lock().unwrap_or_else(|e| e.into_inner()) = Some(PendingKey { key, location });
    view
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
        .ok_or_else(|| IpcError::from(CoreError::Invalid(ErrorCode::InputCertificate)))?;
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
pub(crate) async fn my_certificate(st: &Desktop, sha256: &str) -> Res<MyCertificate> {
    st.cabinet
        .my_certificates()
        .await?
        .into_iter()
        .find(|c| c.certificate.sha256 == sha256)
        .ok_or_else(|| IpcError::from(CoreError::Invalid(ErrorCode::InputCertificate)))
}

/// Opens one of «my certificates» with its password or PIN, off the async
/// threads; the secret is zeroized when done.
pub(crate) async fn open_mine(
    st: &Desktop,
    sha256: &str,
    secret: Secret,
) -> Res<cabinet_core::certificates::AnyKey> {
    let mine = my_certificate(st, sha256).await?;
    blocking(move || cabinet_core::certificates::open_my_key(&mine, &secret)).await
}
