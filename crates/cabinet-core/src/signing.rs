//! Signing and verifying local files: `.sig` beside each file (detached,
//! co-signed or attached), written atomically; a batch with one password or
//! PIN entry and progress for each file; verification reports each signer
//! for display. The CLI and the window sign through [`sign_files`] alike, so
//! both refuse the same certificates.

use cabinet_api::ErrorCode;
use std::path::{Path, PathBuf};

use cabinet_sign::cades::{cosign_detached, sign_attached, sign_detached};
use cabinet_sign::verify::{verify_attached, verify_detached_with, ChainStatus, Trust};
use cabinet_sign::{CertificateInfo, SigningKey};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::certificates::{check_usable, CertificateView};
use crate::CoreError;

/// Where a batch stands, after each file.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SignProgress {
    pub done: u32,
    pub total: u32,
    /// The file just signed.
    pub file: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SignedFile {
    pub file: String,
    pub signature: String,
}

/// One signer of a verified signature.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SignerView {
    pub certificate: CertificateView,
    /// RFC 3339, when the signature says.
    pub signing_time: Option<String>,
    pub algorithm: String,
    /// False when no trusted roots were configured (the chain was not checked).
    pub chain_trusted: bool,
}

fn file_error(code: ErrorCode, path: &Path, e: impl std::fmt::Display) -> CoreError {
    CoreError::File {
        code,
        detail: format!("{}: {e}", path.display()),
    }
}

/// The largest signature or key file read whole (an attached signature
/// holds its document).
pub const MAX_SIGNATURE_FILE: u64 = cabinet_sign::ber::MAX_INPUT as u64;

/// Reads a signature or key file whole: only a regular file (a FIFO would
/// block, `/dev/zero` would never end), of at most `limit` bytes
/// (`sig.too_large` past it).
pub fn read_regular_file(path: &Path, limit: u64) -> Result<Vec<u8>, CoreError> {
    use std::io::Read;
    let (f, meta) = open_regular(path)?;
    if meta.len() > limit {
        return Err(file_error(
            ErrorCode::SigTooLarge,
            path,
            format!("{} bytes, at most {limit}", meta.len()),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The size was read before; a file that grows since stops at the limit.
    f.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| file_error(ErrorCode::FileRead, path, e))?;
    if bytes.len() as u64 > limit {
        return Err(file_error(
            ErrorCode::SigTooLarge,
            path,
            "grew past the limit",
        ));
    }
    Ok(bytes)
}

/// Opens a file to read, refusing anything but a regular file (a FIFO or a
/// device would block or never end).
pub fn open_regular(path: &Path) -> Result<(std::fs::File, std::fs::Metadata), CoreError> {
    // Opening a FIFO blocks until a writer comes: look before opening, and
    // again at what was opened.
    let before = std::fs::metadata(path).map_err(|e| file_error(ErrorCode::FileRead, path, e))?;
    if !before.is_file() {
        return Err(file_error(
            ErrorCode::FileNotRegular,
            path,
            "not a regular file",
        ));
    }
    let f = std::fs::File::open(path).map_err(|e| file_error(ErrorCode::FileRead, path, e))?;
    let meta = f
        .metadata()
        .map_err(|e| file_error(ErrorCode::FileRead, path, e))?;
    if !meta.is_file() {
        return Err(file_error(
            ErrorCode::FileNotRegular,
            path,
            "not a regular file",
        ));
    }
    Ok((f, meta))
}

/// `FILE.sig` beside `file`.
pub fn signature_path(file: &Path) -> PathBuf {
    signature_path_in(file, None)
}

/// `FILE.sig` in `dir`, or beside `file` without one.
pub fn signature_path_in(file: &Path, dir: Option<&Path>) -> PathBuf {
    output_path(file, dir, "sig")
}

/// `FILE.EXTENSION` in `dir`, or beside `file` without one.
pub fn output_path(file: &Path, dir: Option<&Path>, extension: &str) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(extension);
    match dir {
        Some(dir) => dir.join(name),
        None => file.with_file_name(name),
    }
}

/// What a batch writes for each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SignAs {
    /// A new detached CAdES-BES `FILE.sig`.
    Detached,
    /// Our signature added to the existing detached `FILE.sig`.
    Cosign,
    /// An attached CAdES-BES `FILE.sig` that holds the file.
    Attached,
}

/// Writes through a temporary file, fsync and rename: a crash never leaves
/// half a signature where a good one was.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CoreError> {
    use std::io::Write;
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".part");
    let tmp = path.with_file_name(tmp_name);
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        file_error(ErrorCode::FileWrite, path, e)
    })
}

/// CAdES-T: `signature` with a time stamp of the signature value of each
/// signer that has none yet, got from `tsa` (an RFC 3161 request in, the
/// reply out). Earlier signers' stamps stay as they are.
pub async fn add_timestamps<F, Fut>(signature: &[u8], tsa: F) -> Result<Vec<u8>, CoreError>
where
    F: Fn(Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, CoreError>>,
{
    let mut tokens = Vec::new();
    for (algorithm, digest, stamped) in cabinet_sign::tsp::stamp_needs(signature)? {
        if stamped {
            tokens.push(None);
            continue;
        }
        let (request, nonce) = cabinet_sign::tsp::request(algorithm, &digest)?;
        let reply = tsa(request).await?;
        tokens.push(Some(
            cabinet_sign::tsp::token_from_reply(&reply, algorithm, &digest, &nonce)?.token,
        ));
    }
    Ok(cabinet_sign::tsp::add_some_signature_timestamps(
        signature, &tokens,
    )?)
}

/// CAdES-X Long Type 1 of `signature`: a signature time stamp for each
/// signer that has none, then the chain and revocation data `evidence`
/// gives (`sig.untrusted` without an anchor, `revocation.unknown` without
/// a CRL or OCSP answer about a signer), then an escTimeStamp over the
/// references — every stamp from `tsa`. The result verifies offline, with
/// the trust list alone, after the certificates expire.
pub async fn add_long_term_data<F, Fut>(
    signature: &[u8],
    evidence: &cabinet_sign::assess::Evidence<'_>,
    tsa: F,
) -> Result<Vec<u8>, CoreError>
where
    F: Fn(Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, CoreError>>,
{
    use cabinet_sign::{assess, long_term, tsp};
    let t = add_timestamps(signature, &tsa).await?;
    let data = assess::validation_data(&t, evidence)?;
    let c = long_term::add_validation_data(&t, &data)?;
    let mut tokens = Vec::new();
    for (algorithm, digest) in long_term::esc_imprints(&c)? {
        let (request, nonce) = tsp::request(algorithm, &digest)?;
        let reply = tsa(request).await?;
        tokens.push(tsp::token_from_reply(&reply, algorithm, &digest, &nonce)?.token);
    }
    Ok(long_term::add_esc_timestamps(&c, &tokens)?)
}

/// An RFC 3161 time-stamping service at `url` (any TSA: HTTP POST of the
/// request, the reply in the body).
pub async fn post_to_tsa(url: &str, request: Vec<u8>) -> Result<Vec<u8>, CoreError> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| CoreError::Offline(e.to_string()))?;
    let resp = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/timestamp-query")
        .body(request)
        .send()
        .await
        .map_err(|e| CoreError::Offline(format!("{url}: {e}")))?;
    if !resp.status().is_success() {
        return Err(CoreError::Invalid(cabinet_api::ErrorCode::TspUnavailable));
    }
    let body = resp
        .bytes()
        .await
        .map_err(|e| CoreError::Offline(format!("{url}: {e}")))?;
    if body.len() > cabinet_sign::tsp::MAX_MESSAGE {
        return Err(CoreError::Invalid(cabinet_api::ErrorCode::TspMalformed));
    }
    Ok(body.to_vec())
}

/// Signs every file with `key` (one PIN or password entry for the batch),
/// writing `FILE.sig` beside each (or in `dir`), as `how` says. A key whose
/// certificate is expired, not yet valid or not for signatures is refused
/// before the first file. Stops at the first failure; the files signed
/// before it keep their signatures.
pub fn sign_files(
    key: &dyn SigningKey,
    files: &[PathBuf],
    how: SignAs,
    dir: Option<&Path>,
    mut progress: impl FnMut(&SignProgress),
) -> Result<Vec<SignedFile>, CoreError> {
    check_usable(key.certificate(), Utc::now())?;
    let total = u32::try_from(files.len()).unwrap_or(u32::MAX);
    let mut out = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let (content, _) = open_regular(file)?;
        let target = signature_path_in(file, dir);
        let sig = match how {
            SignAs::Detached => sign_detached(key, content, Utc::now())?,
            SignAs::Cosign => {
                let existing = read_regular_file(&target, MAX_SIGNATURE_FILE)?;
                cosign_detached(&existing, key, content, Utc::now())?
            }
            SignAs::Attached => {
                let bytes = read_regular_file(file, MAX_SIGNATURE_FILE)?;
                sign_attached(key, &bytes, Utc::now())?
            }
        };
        write_atomically(&target, &sig)?;
        let done = SignedFile {
            file: file.display().to_string(),
            signature: target.display().to_string(),
        };
        progress(&SignProgress {
            done: u32::try_from(i + 1).unwrap_or(u32::MAX),
            total,
            file: done.file.clone(),
        });
        out.push(done);
    }
    Ok(out)
}

fn views(reports: Vec<cabinet_sign::verify::SignerReport>) -> Vec<SignerView> {
    let now = Utc::now();
    reports
        .into_iter()
        .map(|r| SignerView {
            certificate: CertificateView::of(&r.certificate, now),
            signing_time: r
                .signing_time
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            algorithm: r.algorithm,
            chain_trusted: r.chain == ChainStatus::Trusted,
        })
        .collect()
}

/// An attached signature, verified, with the document it holds.
#[derive(Debug, Clone)]
pub struct VerifiedAttached {
    pub signers: Vec<SignerView>,
    pub content: Vec<u8>,
}

/// Verifies the attached signature `sig` on its own (`sig.detached` when it
/// holds no document).
pub fn verify_attached_file(
    sig: &Path,
    roots: &[CertificateInfo],
) -> Result<VerifiedAttached, CoreError> {
    let signature = read_regular_file(sig, MAX_SIGNATURE_FILE)?;
    let trust = Trust {
        roots: roots.to_vec(),
        crls: Vec::new(),
    };
    let attached = verify_attached(&signature, &trust)?;
    Ok(VerifiedAttached {
        signers: views(attached.signers),
        content: attached.content,
    })
}

/// Whether `path` is named as a signature file (`.sig`, `.p7s`, `.sgn`,
/// `.p7m`): chosen alone, it is an attached signature to check by itself.
pub fn is_signature_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["sig", "p7s", "sgn", "p7m"].contains(&e.to_ascii_lowercase().as_str()))
}

/// What the window's «Проверить подпись» checks: `file` against `sig`
/// when given; else a signature file chosen alone as an attached
/// signature; else `file` against `FILE.sig` beside it.
pub fn verify_chosen(
    file: &Path,
    sig: Option<&Path>,
    roots: &[CertificateInfo],
) -> Result<Vec<SignerView>, CoreError> {
    match sig {
        Some(sig) => verify_file(file, sig, roots),
        None if is_signature_name(file) => Ok(verify_attached_file(file, roots)?.signers),
        None => verify_file(file, &signature_path(file), roots),
    }
}

/// The document an attached signature holds, verified, written to
/// `target` (through a temporary file and a rename).
pub fn save_signed_content(
    sig: &Path,
    target: &Path,
    roots: &[CertificateInfo],
) -> Result<u64, CoreError> {
    let attached = verify_attached_file(sig, roots)?;
    write_atomically(target, &attached.content)?;
    Ok(attached.content.len() as u64)
}

/// Verifies `file` against the signature `sig` (DER or BER, or base64):
/// a detached one over the file, or an attached one that must hold exactly
/// this file (`sig.content_mismatch` otherwise).
pub fn verify_file(
    file: &Path,
    sig: &Path,
    roots: &[CertificateInfo],
) -> Result<Vec<SignerView>, CoreError> {
    let signature = read_regular_file(sig, MAX_SIGNATURE_FILE)?;
    let (content, _) = open_regular(file)?;
    let trust = Trust {
        roots: roots.to_vec(),
        crls: Vec::new(),
    };
    Ok(views(verify_detached_with(&signature, content, &trust)?))
}
