//! Signing and verifying files on this computer.

use super::*;

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

/// Signs a batch with one password or PIN entry; `progress` gets each file.
#[tauri::command]
pub async fn sign_files(
    st: State<'_, Desktop>,
    args: SignFilesArgs,
    progress: tauri::ipc::Channel<SignProgress>,
) -> Res<Vec<SignedFile>> {
    let SignFilesArgs {
        sha256,
        files,
        cosign,
        secret,
    } = args;
    let mine = my_certificate(&st, &sha256).await?;
    blocking(move || {
        let key = cabinet_core::certificates::open_my_key(&mine, &secret)?;
        let files: Vec<std::path::PathBuf> = files.iter().map(Into::into).collect();
        let how = if cosign {
            cabinet_core::signing::SignAs::Cosign
        } else {
            cabinet_core::signing::SignAs::Detached
        };
        cabinet_core::signing::sign_files(key.as_ref(), &files, how, None, |p: &SignProgress| {
            let _ = progress.send(p.clone());
        })
    })
    .await
}

/// «Проверить подпись»: each signer judged with the kept trust list and
/// CRLs (fetching a missing CRL when online).
#[tauri::command]
pub async fn verify_file(st: State<'_, Desktop>, args: VerifyArgs) -> Res<Vec<SignatureCheck>> {
    let file = std::path::PathBuf::from(&args.file);
    let sig = args.signature.map(std::path::PathBuf::from);
    Ok(st.cabinet.judge_file(&file, sig.as_deref()).await?.0)
}

/// The trust list signatures are judged by: its date, when it was
/// fetched, how many CAs (works offline).
#[tauri::command]
pub async fn trust_status(st: State<'_, Desktop>) -> Res<TrustStatus> {
    Ok(st.cabinet.trust_status()?)
}

#[derive(Debug, Deserialize, TS)]
pub struct OwnRootArgs {
    /// The certificate file (PEM or DER).
    pub path: String,
}

/// The certificates the user trusts on purpose.
#[tauri::command]
pub async fn own_roots(st: State<'_, Desktop>) -> Res<Vec<CertificateView>> {
    Ok(st.cabinet.own_roots())
}

/// «Доверять удостоверяющему центру»: signatures chaining to this
/// certificate become «доверенные вами» (never qualified).
#[tauri::command]
pub async fn add_own_root(st: State<'_, Desktop>, args: OwnRootArgs) -> Res<CertificateView> {
    Ok(st.cabinet.add_own_root(std::path::Path::new(&args.path))?)
}

/// Stops trusting a certificate the user added.
#[tauri::command]
pub async fn remove_own_root(
    st: State<'_, Desktop>,
    args: super::keys::CertificateArgs,
) -> Res<()> {
    Ok(st.cabinet.remove_own_root(&args.sha256)?)
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
