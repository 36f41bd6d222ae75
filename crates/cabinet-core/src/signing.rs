//! Signing and verifying local files: detached `.sig` beside each file,
//! written atomically; a batch with one password or PIN entry and progress
//! for each file; verification reports each signer for display.

use std::path::{Path, PathBuf};

use cabinet_sign::cades::{cosign_detached, sign_detached};
use cabinet_sign::verify::{verify_detached_with, ChainStatus, Trust};
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

fn file_error(code: &'static str, path: &Path, e: impl std::fmt::Display) -> CoreError {
    CoreError::File {
        code,
        detail: format!("{}: {e}", path.display()),
    }
}

/// `FILE.sig` beside `file`.
pub fn signature_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".sig");
    file.with_file_name(name)
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
        file_error("file.write", path, e)
    })
}

/// Signs every file with `key` (one PIN or password entry for the batch),
/// writing `FILE.sig` beside each; with `cosign`, adds a signature to the
/// existing `FILE.sig`. Stops at the first failure; the files signed before
/// it keep their signatures.
pub fn sign_files(
    key: &dyn SigningKey,
    files: &[PathBuf],
    cosign: bool,
    mut progress: impl FnMut(&SignProgress),
) -> Result<Vec<SignedFile>, CoreError> {
    check_usable(key.certificate(), Utc::now())?;
    let total = u32::try_from(files.len()).unwrap_or(u32::MAX);
    let mut out = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let content = std::fs::File::open(file).map_err(|e| file_error("file.read", file, e))?;
        let target = signature_path(file);
        let sig = if cosign {
            let existing =
                std::fs::read(&target).map_err(|e| file_error("file.read", &target, e))?;
            cosign_detached(&existing, key, content, Utc::now())?
        } else {
            sign_detached(key, content, Utc::now())?
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

/// Verifies a detached signature over bytes in memory (no trusted roots:
/// the chain is reported as not checked).
pub fn verify_bytes(signature: &[u8], content: &[u8]) -> Result<Vec<SignerView>, CoreError> {
    Ok(views(verify_detached_with(
        signature,
        content,
        &Trust::default(),
    )?))
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

/// Verifies `file` against the detached signature `sig` (DER or base64).
pub fn verify_file(
    file: &Path,
    sig: &Path,
    roots: &[CertificateInfo],
) -> Result<Vec<SignerView>, CoreError> {
    let signature = std::fs::read(sig).map_err(|e| file_error("file.read", sig, e))?;
    let content = std::fs::File::open(file).map_err(|e| file_error("file.read", file, e))?;
    let trust = Trust {
        roots: roots.to_vec(),
        crls: Vec::new(),
    };
    Ok(views(verify_detached_with(&signature, content, &trust)?))
}
