//! Signature certificates as the app shows and uses them: opening a .pfx
//! from disk, what the UI displays about a certificate, and the local checks
//! made before a certificate is used (so an expired one is refused at once,
//! offline too, with the same code the portal would give).

use std::path::Path;

use cabinet_sign::{CertificateInfo, ExpiryStatus, PfxIdentity};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use zeroize::Zeroizing;

use crate::CoreError;
use cabinet_api::ErrorCode;

/// Larger files are not key containers; refuse them before reading.
const MAX_PFX_BYTES: u64 = 1024 * 1024;

/// Whether a certificate can be used now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Valid,
    /// Valid, but ends within 30 days.
    ExpiresSoon,
    Expired,
    NotYetValid,
}

/// A certificate for display: the holder, the organization, the numbers a
/// Russian qualified certificate carries, and how long it stays valid.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CertificateView {
    pub holder: String,
    pub title: Option<String>,
    pub organization: Option<String>,
    pub inn: Option<String>,
    pub inn_le: Option<String>,
    pub ogrn: Option<String>,
    pub ogrnip: Option<String>,
    pub snils: Option<String>,
    pub issuer: String,
    pub serial: String,
    /// RFC 3339.
    pub not_before: String,
    /// RFC 3339.
    pub not_after: String,
    /// Whole days until `not_after` (negative once expired).
    pub days_left: i32,
    pub status: CertificateStatus,
    /// E.g. "RSA 2048", "ECDSA P-256".
    pub algorithm: String,
    pub can_sign: bool,
    /// SHA-256 fingerprint, upper-case hex.
    pub sha256: String,
}

impl CertificateView {
    pub fn of(info: &CertificateInfo, now: DateTime<Utc>) -> Self {
        let status = match info.expiry_status(now) {
            ExpiryStatus::NotYetValid => CertificateStatus::NotYetValid,
            ExpiryStatus::Valid => CertificateStatus::Valid,
            ExpiryStatus::ExpiresSoon { .. } => CertificateStatus::ExpiresSoon,
            ExpiryStatus::Expired => CertificateStatus::Expired,
        };
        let rfc3339 = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        Self {
            holder: info
                .subject_common_name
                .clone()
                .or_else(|| {
                    Some(format!(
                        "{} {}",
                        info.surname.as_deref().unwrap_or_default(),
                        info.given_name.as_deref().unwrap_or_default()
                    ))
                })
                .unwrap_or_default()
                .trim()
                .to_owned(),
            title: info.title.clone(),
            organization: info.organization.clone(),
            inn: info.inn.clone(),
            inn_le: info.inn_le.clone(),
            ogrn: info.ogrn.clone(),
            ogrnip: info.ogrnip.clone(),
            snils: info.snils.clone(),
            issuer: info
                .issuer_common_name
                .clone()
                .or_else(|| info.issuer_organization.clone())
                .unwrap_or_default(),
            serial: info.serial.clone(),
            not_before: rfc3339(info.not_before),
            not_after: rfc3339(info.not_after),
            days_left: i32::try_from((info.not_after - now).num_days()).unwrap_or(i32::MIN),
            status,
            algorithm: info.algorithm.display_name(),
            can_sign: info.can_sign(),
            sha256: info.sha256.clone(),
        }
    }
}

/// Reads and opens a .pfx. The password buffer is the caller's; it is not
/// kept here.
pub fn open_pfx(path: &Path, password: &str) -> Result<PfxIdentity, CoreError> {
    let read_error = |e: std::io::Error| CoreError::File {
        code: ErrorCode::FileRead,
        detail: format!("{}: {e}", path.display()),
    };
    let meta = std::fs::metadata(path).map_err(read_error)?;
    if !meta.is_file() || meta.len() > MAX_PFX_BYTES {
        return Err(CoreError::Sign(cabinet_sign::SignError::NotPkcs12));
    }
    let bytes = Zeroizing::new(std::fs::read(path).map_err(read_error)?);
    Ok(PfxIdentity::open(&bytes, password)?)
}

/// Refuses a certificate that cannot sign now: expired, not yet valid, or
/// without a signing key usage. Codes match the portal's.
pub fn check_usable(info: &CertificateInfo, now: DateTime<Utc>) -> Result<(), CoreError> {
    if now > info.not_after {
        return Err(CoreError::Certificate {
            code: ErrorCode::CertExpired,
            detail: format!("expired {}", info.not_after),
        });
    }
    if now < info.not_before {
        return Err(CoreError::Certificate {
            code: ErrorCode::CertNotYetValid,
            detail: format!("valid from {}", info.not_before),
        });
    }
    if !info.can_sign() {
        return Err(CoreError::Certificate {
            code: ErrorCode::CertKeyUsage,
            detail: "key usage does not allow signatures".into(),
        });
    }
    Ok(())
}

/// A key ready to sign, wherever it lives (a .pfx or a CryptoPro container
/// in memory, a logged-in token session): the one type the app and the CLI
/// pass around.
pub type AnyKey = Box<dyn cabinet_sign::SigningKey + Send + Sync>;

/// Opens the key of a remembered certificate with its password or PIN.
pub fn open_my_key(mine: &MyCertificate, secret: &str) -> Result<AnyKey, CoreError> {
    use cabinet_sign::pkcs11::Module;
    let key: AnyKey = match mine.source.as_str() {
        "token" => {
            let m = Module::load(Path::new(&mine.location))?;
            let id = mine.key_id.clone().unwrap_or_default();
            let slot = m
                .slots()?
                .into_iter()
                .filter(|s| s.token.is_some())
                .find(|s| {
                    m.certificates(s.id).is_ok_and(|cs| {
                        cs.iter()
                            .any(|c| c.id == id && c.certificate.sha256 == mine.certificate.sha256)
                    })
                })
                .ok_or(cabinet_sign::SignError::TokenAbsent)?;
            Box::new(m.login(slot.id, &id, secret)?)
        }
        "container" => Box::new(open_container_key(&mine.location, secret)?),
        _ => Box::new(open_pfx(Path::new(&mine.location), secret)?),
    };
    if key.certificate().sha256 != mine.certificate.sha256 {
        // The file at that path now holds another certificate.
        return Err(CoreError::Sign(cabinet_sign::SignError::NoPrivateKey));
    }
    Ok(key)
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

/// Lists the certificates on every token of `module` (no PIN needed);
/// without a module, of the first known module installed here.
pub fn token_listing(module: Option<&str>) -> Result<TokenListing, CoreError> {
    use cabinet_sign::pkcs11::{installed_modules, Module};
    let modules: Vec<TokenModuleView> = installed_modules()
        .into_iter()
        .map(|(name, path)| TokenModuleView {
            name: name.into(),
            path: path.into(),
        })
        .collect();
    let module = module
        .filter(|m| !m.trim().is_empty())
        .map(str::to_owned)
        .or_else(|| modules.first().map(|m| m.path.clone()));
    let mut certificates = Vec::new();
    if let Some(path) = &module {
        let m = Module::load(Path::new(path))?;
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
}

/// A CryptoPro key container found on this computer.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ContainerView {
    /// The container's folder.
    pub path: String,
    /// The name CSP shows.
    pub name: String,
    /// Whether a PIN protects the key.
    pub pin_set: bool,
    /// The certificate the container holds; `None`: it holds none.
    pub certificate: Option<CertificateView>,
    /// E.g. «ГОСТ Р 34.10-2012 (256)».
    pub algorithm: String,
}

/// The containers found, and where they were looked for.
#[derive(Debug, Serialize, TS)]
pub struct ContainerListing {
    pub searched: Vec<String>,
    pub containers: Vec<ContainerView>,
}

/// Extra folders to search, from the environment (`:`-separated), for
/// machines that keep keys elsewhere.
pub const KEY_FOLDERS_ENV: &str = "CABINET_KEY_FOLDERS";

/// Where CryptoPro containers usually are, with how deep to look: CSP's
/// own folder for this user, mounted removable media (a flash drive's root
/// or one folder down), the demo's folder, `CABINET_KEY_FOLDERS`, and the
/// folder the user chose.
pub fn container_roots(data_dir: &Path, chosen: Option<&str>) -> Vec<(std::path::PathBuf, usize)> {
    use std::path::PathBuf;
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "root".into());
    let mut roots: Vec<(PathBuf, usize)> = vec![
        (PathBuf::from("/var/opt/cprocsp/keys").join(&user), 1),
        (PathBuf::from("/media").join(&user), 3),
        (PathBuf::from("/run/media").join(&user), 3),
        (PathBuf::from("/media"), 2),
        (PathBuf::from("/mnt"), 2),
        (data_dir.join("demo-certificates"), 1),
    ];
    if let Ok(extra) = std::env::var(KEY_FOLDERS_ENV) {
        roots.extend(
            extra
                .split(':')
                .filter(|p| !p.trim().is_empty())
                .map(|p| (PathBuf::from(p), 2)),
        );
    }
    if let Some(c) = chosen.filter(|c| !c.trim().is_empty()) {
        roots.push((PathBuf::from(c.trim()), 2));
    }
    roots
}

/// The containers under `roots`, each once (a folder reached from two
/// roots is listed once). No PIN is asked.
pub fn container_listing(roots: &[(std::path::PathBuf, usize)]) -> ContainerListing {
    let now = chrono::Utc::now();
    let mut seen = std::collections::HashSet::new();
    let mut containers = Vec::new();
    for (root, depth) in roots {
        for c in cabinet_sign::container::find(root, *depth) {
            let key = std::fs::canonicalize(&c.dir).unwrap_or_else(|_| c.dir.clone());
            if !seen.insert(key) {
                continue;
            }
            containers.push(ContainerView {
                path: c.dir.display().to_string(),
                name: c.name,
                pin_set: c.pin_set,
                algorithm: match c.params.size() {
                    cabinet_sign::gost::KeySize::Bits256 => cabinet_sign::Algorithm::Gost2012_256,
                    cabinet_sign::gost::KeySize::Bits512 => cabinet_sign::Algorithm::Gost2012_512,
                }
                .display_name(),
                certificate: c.certificate.as_ref().map(|i| CertificateView::of(i, now)),
            });
        }
    }
    ContainerListing {
        searched: roots
            .iter()
            .filter(|(r, _)| r.is_dir())
            .map(|(r, _)| r.display().to_string())
            .collect(),
        containers,
    }
}

/// Opens a CryptoPro container's key with its PIN.
pub fn open_container_key(
    path: &str,
    pin: &str,
) -> Result<cabinet_sign::container::ContainerKey, CoreError> {
    Ok(cabinet_sign::container::open(Path::new(path), pin, None)?)
}

/// Logs in to a token with the PIN and returns the key with `key_id`.
pub fn open_token_key(
    module: &str,
    slot: &str,
    key_id: &str,
    pin: &str,
) -> Result<cabinet_sign::pkcs11::TokenKey, CoreError> {
    let slot: u64 = slot
        .parse()
        .map_err(|_| CoreError::Invalid(ErrorCode::InputSlot))?;
    let m = cabinet_sign::pkcs11::Module::load(Path::new(module))?;
    Ok(m.login(slot, key_id, pin)?)
}

/// A signature certificate the user keeps in the app.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct MyCertificate {
    pub certificate: CertificateView,
    /// "pfx" or "token".
    pub source: String,
    /// The .pfx path, or the token's PKCS#11 module.
    pub location: String,
    /// The key's CKA_ID on a token.
    pub key_id: Option<String>,
}
