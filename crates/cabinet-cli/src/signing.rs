//! `cabinet sign | verify | certs`: signatures from a terminal.

use std::path::{Path, PathBuf};

use cabinet_api::Secret;
use cabinet_core::signing::{read_regular_file, SignAs, MAX_SIGNATURE_FILE};
use cabinet_sign::container;
use cabinet_sign::pkcs11::Module;
use cabinet_sign::{CertificateInfo, PfxIdentity, SigningKey};
use zeroize::Zeroizing;

use crate::Failure;

pub const PASSWORD_ENV: &str = "CABINET_PFX_PASSWORD";
pub const PIN_ENV: &str = "CABINET_PIN";

/// A signature, key, certificate or CRL file: regular, and not larger than
/// a signature may be.
fn read_file(path: &Path) -> Result<Vec<u8>, Failure> {
    Ok(read_regular_file(path, MAX_SIGNATURE_FILE)?)
}

/// A secret from the environment, else one line from standard input
/// (prompted on a terminal). Never from the command line, where `ps` sees it.
fn secret(env: &str, prompt: &str) -> Result<Secret, Failure> {
    if let Ok(p) = std::env::var(env) {
        return Ok(Secret::new(p));
    }
    crate::read_secret(prompt, &mut std::io::stdin().lock())
}

/// Where the signing key is: a .pfx file or a PKCS#11 token.
#[derive(Debug, Clone, clap::Args)]
pub struct KeySource {
    /// A .pfx/.p12 container; its password comes from CABINET_PFX_PASSWORD
    /// or standard input.
    #[arg(long, value_name = "FILE.pfx", conflicts_with = "pkcs11")]
    pub pfx: Option<PathBuf>,
    /// A PKCS#11 module of a token (e.g. /usr/lib/librtpkcs11ecp.so); the PIN
    /// comes from CABINET_PIN or standard input.
    #[arg(long, value_name = "MODULE.so")]
    pub pkcs11: Option<PathBuf>,
    /// The token's slot (default: the first slot with a token).
    #[arg(long, requires = "pkcs11")]
    pub slot: Option<u64>,
    /// The key's CKA_ID in hex (default: the first valid signing
    /// certificate on the token).
    #[arg(long, value_name = "HEX", requires = "pkcs11")]
    pub key_id: Option<String>,
    /// A CryptoPro key container: its folder (e.g. /media/FLASH/abcd1234.000);
    /// the PIN comes from CABINET_PIN or standard input.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["pfx", "pkcs11"])]
    pub container: Option<PathBuf>,
    /// The certificate of the container's key (DER or PEM), when the
    /// container does not hold it.
    #[arg(long, value_name = "FILE", requires = "container")]
    pub cert: Option<PathBuf>,
}

pub use cabinet_core::certificates::AnyKey;

impl KeySource {
    pub fn given(&self) -> bool {
        self.pfx.is_some() || self.pkcs11.is_some() || self.container.is_some()
    }

    /// The container's key, asking for the PIN only when one is set.
    fn open_container(&self, dir: &Path) -> Result<AnyKey, Failure> {
        let summary = container::summary(dir)?;
        let cert = match &self.cert {
            Some(path) => Some(read_file(path)?),
            None => None,
        };
        if summary.certificate.is_none() && cert.is_none() {
            return Err(cabinet_sign::SignError::ContainerNoCertificate.into());
        }
        let pin = if summary.pin_set {
            secret(PIN_ENV, "PIN-код контейнера: ")?
        } else {
            Secret::default()
        };
        Ok(Box::new(container::open(dir, &pin, cert.as_deref())?))
    }

    /// Opens the key, asking for the password or PIN once.
    pub fn open(&self) -> Result<AnyKey, Failure> {
        if let Some(pfx) = &self.pfx {
            let bytes = Zeroizing::new(read_file(pfx)?);
            let password = secret(PASSWORD_ENV, "Пароль контейнера .pfx: ")?;
            return Ok(Box::new(PfxIdentity::open(&bytes, &password)?));
        }
        if let Some(dir) = &self.container {
            return self.open_container(dir);
        }
        let Some(module) = &self.pkcs11 else {
            return Err(Failure::Usage(
                "укажите --pfx ФАЙЛ, --container ПАПКА или --pkcs11 МОДУЛЬ".into(),
            ));
        };
        let module = Module::load(module)?;
        let slot = match self.slot {
            Some(s) => s,
            None => module.first_token_slot()?,
        };
        let id = match &self.key_id {
            Some(id) => id.clone(),
            None => {
                let now = chrono::Utc::now();
                module
                    .certificates(slot)?
                    .into_iter()
                    .find(|c| {
                        c.certificate.can_sign()
                            && c.certificate.not_before <= now
                            && now <= c.certificate.not_after
                    })
                    .ok_or(cabinet_sign::SignError::TokenNoKey)?
                    .id
            }
        };
        let pin = secret(PIN_ENV, "PIN-код токена: ")?;
        Ok(Box::new(module.login(slot, &id, &pin)?))
    }
}

/// What `cabinet sign` writes for each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignMode {
    /// A CAdES-BES `FILE.sig`: detached, co-signed or attached.
    Cms(SignAs),
    /// The raw GOST value (ESIA's byte order) in `FILE.raw`.
    Raw,
}

/// Signs through the same core function as the window, so a certificate
/// the window refuses (expired, not yet valid, not for signatures) is
/// refused here too, before anything is written.
/// Signs `files`; the signature files written (none for raw values).
pub fn sign(
    files: &[PathBuf],
    key: &KeySource,
    out: Option<&Path>,
    mode: SignMode,
) -> Result<Vec<PathBuf>, Failure> {
    let identity = key.open()?;
    cabinet_core::certificates::check_usable(identity.certificate(), chrono::Utc::now())?;
    if let Some(dir) = out {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::Usage(format!("{}: {e}", dir.display())))?;
    }
    let how = match mode {
        SignMode::Cms(how) => how,
        SignMode::Raw => return sign_raw(files, identity.as_ref(), out).map(|()| Vec::new()),
    };
    let signed = cabinet_core::signing::sign_files(identity.as_ref(), files, how, out, |p| {
        let target = cabinet_core::signing::signature_path_in(Path::new(&p.file), out);
        println!("[{}/{}] {} → {}", p.done, p.total, p.file, target.display());
    })?;
    Ok(signed
        .into_iter()
        .map(|s| PathBuf::from(s.signature))
        .collect())
}

fn sign_raw(
    files: &[PathBuf],
    identity: &dyn SigningKey,
    out: Option<&Path>,
) -> Result<(), Failure> {
    use base64::Engine as _;
    // Refuse a key that cannot sign raw before the first file, not after it.
    cabinet_sign::gost::sign_raw(identity, b"")?;
    let total = files.len();
    for (i, file) in files.iter().enumerate() {
        // A raw signature covers the bytes themselves; it is for short
        // messages (ESIA's client_secret), so they are read whole.
        let message = read_file(file)?;
        let raw = cabinet_sign::gost::sign_raw(identity, &message)?;
        let target = cabinet_core::signing::output_path(file, out, "raw");
        cabinet_core::signing::write_atomically(&target, &raw)?;
        println!(
            "[{}/{total}] {} → {} {}",
            i + 1,
            file.display(),
            target.display(),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw)
        );
    }
    Ok(())
}

fn cert_json(c: &CertificateInfo) -> serde_json::Value {
    serde_json::json!({
        "subject": c.subject_common_name,
        "organization": c.organization,
        "inn": c.inn,
        "inn_le": c.inn_le,
        "ogrn": c.ogrn,
        "ogrnip": c.ogrnip,
        "snils": c.snils,
        "issuer": c.issuer_common_name,
        "serial": c.serial,
        "not_before": c.not_before.to_rfc3339(),
        "not_after": c.not_after.to_rfc3339(),
        "algorithm": c.algorithm.display_name(),
        "sha256": c.sha256,
    })
}

/// What `cabinet verify` judges with.
/// A trust list file given with `--tsl`.
fn read_tsl(path: &Path) -> Result<cabinet_sign::tsl::TrustList, Failure> {
    Ok(cabinet_sign::tsl::TrustList::parse(&read_regular_file(
        path,
        cabinet_sign::tsl::MAX_TSL as u64,
    )?)?)
}

/// What `cabinet sign --level xl1` takes the long-term data from: the
/// list (`--tsl`, else the one kept for the configured portal; none is
/// `trust.not_checked`, said before anything is signed) and the CRLs
/// (`--crl` and the kept ones).
#[allow(clippy::type_complexity)]
pub fn long_term_evidence(
    config: &cabinet_core::CabinetConfig,
    tsl: Option<&Path>,
    crl: &[PathBuf],
) -> Result<(Option<cabinet_sign::tsl::TrustList>, Vec<Vec<u8>>), Failure> {
    let store = config
        .portal_url
        .as_ref()
        .map(|url| cabinet_core::trust_store::TrustStore::new(&config.data_dir, url.as_str()));
    let list = match tsl {
        Some(path) => Some(read_tsl(path)?),
        None => match &store {
            Some(s) => s.list()?.map(|s| (*s.list).clone()),
            None => None,
        },
    };
    if list.is_none() {
        return Err(Failure::Usage(
            "--level xl1: нет списка аккредитованных УЦ — выполните `cabinet trust update --crls` или укажите --tsl".into(),
        ));
    }
    let mut crls = crl
        .iter()
        .map(|p| read_file(p))
        .collect::<Result<Vec<_>, _>>()?;
    crls.extend(store.map(|s| s.crls()).unwrap_or_default());
    Ok((list, crls))
}

pub struct VerifyEvidence<'a> {
    /// The trust list file given with `--tsl`.
    pub tsl: Option<&'a Path>,
    /// The list saved by `cabinet trust update` (when no `--tsl`).
    pub stored: Option<cabinet_sign::tsl::TrustList>,
    pub trust: &'a [PathBuf],
    /// The certificates trusted on purpose in the window.
    pub own_roots: Vec<CertificateInfo>,
    pub crl: &'a [PathBuf],
    /// CRLs saved with the stored list.
    pub stored_crls: Vec<Vec<u8>>,
    /// When the stored list was fetched (for the protocol).
    pub stored_fetched_at: Option<String>,
    /// Write «Протокол проверки» (PDF) here.
    pub protocol: Option<&'a Path>,
}

/// `cabinet verify [FILE] SIG`: a detached signature over FILE, an attached
/// one beside the FILE it must hold, or an attached one alone (its document
/// written to `extract` when asked). Each signer is judged (trust,
/// revocation, time); the answer is `Ok(true)` only when every signer's
/// verdict is `valid`.
pub fn verify(
    file: Option<&Path>,
    sig: &Path,
    extract: Option<&Path>,
    with: VerifyEvidence<'_>,
    json: bool,
) -> Result<Verified, Failure> {
    use cabinet_core::verdict::{judge, judge_attached, words_ru, VerdictView};
    let mut roots = with
        .trust
        .iter()
        .map(|p| read_file(p).and_then(|b| CertificateInfo::parse(&b).map_err(Failure::from)))
        .collect::<Result<Vec<_>, _>>()?;
    roots.extend(with.own_roots);
    let mut crls = with
        .crl
        .iter()
        .map(|p| read_file(p))
        .collect::<Result<Vec<_>, _>>()?;
    crls.extend(with.stored_crls);
    let tsl = match with.tsl {
        Some(path) => Some(read_tsl(path)?),
        None => with.stored,
    };
    let evidence = cabinet_sign::assess::Evidence {
        tsl: tsl.as_ref(),
        own_roots: &roots,
        crls: &crls,
        certificates: &[],
        ocsp: &[],
        now: chrono::Utc::now(),
    };
    let signature = read_file(sig)?;
    let (checks, content) = match file {
        Some(file) => {
            let (content, _) = cabinet_core::signing::open_regular(file)?;
            (judge(&signature, content, &evidence)?, None)
        }
        None => {
            let (checks, content) = judge_attached(&signature, &evidence)?;
            (checks, Some(content))
        }
    };
    if let Some(target) = with.protocol {
        let (name, sha256) = match (file, &content) {
            (Some(f), _) => {
                let (reader, _) = cabinet_core::signing::open_regular(f)?;
                (
                    f,
                    cabinet_sign::DigestAlgorithm::Sha256.digest_stream(reader)?,
                )
            }
            (None, Some(c)) => (sig, cabinet_sign::DigestAlgorithm::Sha256.digest(c)),
            (None, None) => unreachable!("an attached signature has its content"),
        };
        let pdf = cabinet_core::protocol::verification_protocol(
            &name
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            &sha256
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
            &checks,
            &cabinet_core::protocol::ListUsed {
                version: tsl
                    .as_ref()
                    .map(|l| u32::try_from(l.version).unwrap_or(u32::MAX)),
                date: tsl.as_ref().and_then(|l| l.date).map(|d| d.to_rfc3339()),
                fetched_at: with.stored_fetched_at.clone(),
            },
            evidence.now,
        )?;
        cabinet_core::signing::write_atomically(target, &pdf)?;
        if !json {
            println!("Протокол проверки сохранён: {}", target.display());
        }
    }
    if let Some(target) = extract {
        let content = match (&content, file) {
            (Some(c), _) => c,
            // Beside its file, an attached signature was checked to hold
            // exactly that file: there is nothing else to extract.
            (None, Some(_)) => {
                return Err(Failure::Usage(
                    "--extract: документ из подписи извлекается, когда ФАЙЛ не указан".into(),
                ))
            }
            (None, None) => unreachable!("an attached signature has its content"),
        };
        cabinet_core::signing::write_atomically(target, content)?;
    }
    let worst = checks
        .iter()
        .map(|c| c.verdict)
        .max_by_key(|v| match v {
            VerdictView::Valid => 0,
            VerdictView::Indeterminate => 1,
            VerdictView::Invalid => 2,
        })
        .unwrap_or(VerdictView::Invalid);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&checks).map_err(|e| Failure::Usage(e.to_string()))?
        );
    } else {
        if tsl.is_none() && roots.is_empty() {
            println!(
                "Список аккредитованных УЦ не задан (--tsl или `cabinet trust update`): доверие не проверяется."
            );
        }
        for (i, c) in checks.iter().enumerate() {
            let cert = &c.certificate;
            println!(
                "Подписант {}: {} · {} · {}{}",
                i + 1,
                crate::shown(&cert.holder),
                crate::shown(cert.organization.as_deref().unwrap_or("—")),
                c.algorithm,
                c.time
                    .at
                    .as_deref()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| format!(
                        " · подписано {} (по словам подписанта)",
                        t.format("%d.%m.%Y %H:%M UTC")
                    ))
                    .unwrap_or_default()
            );
            println!("  {}", words_ru::summary(c));
            println!("  Формат: {}.", words_ru::level(c));
            if let Some(r) = words_ru::revocation(c) {
                println!("  {r}");
            }
        }
        if let (Some(target), Some(content)) = (extract, &content) {
            println!(
                "Подписанный документ сохранён: {} ({} байт)",
                target.display(),
                content.len()
            );
        }
    }
    Ok(match worst {
        VerdictView::Valid => Verified::Valid,
        VerdictView::Indeterminate => Verified::Indeterminate,
        VerdictView::Invalid => Verified::Invalid,
    })
}

/// The worst verdict among the signers: what `cabinet verify` exits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    Valid,
    Indeterminate,
    Invalid,
}

/// The certificates of a .pfx (password needed) or of a token (no PIN).
pub fn certs(source: &KeySource, json: bool) -> Result<(), Failure> {
    let all: Vec<CertificateInfo> = match &source.pkcs11 {
        Some(module) => {
            let module = Module::load(module)?;
            let slot = match source.slot {
                Some(s) => s,
                None => module.first_token_slot()?,
            };
            module
                .certificates(slot)?
                .into_iter()
                .map(|c| c.certificate)
                .collect()
        }
        None if source.container.is_some() => {
            // What the container says of itself; no PIN is needed to see it.
            let dir = source.container.as_deref().expect("checked");
            let summary = container::summary(dir)?;
            match (&source.cert, summary.certificate) {
                (Some(path), _) => vec![CertificateInfo::parse(&read_file(path)?)?],
                (None, Some(cert)) => vec![cert],
                (None, None) => return Err(cabinet_sign::SignError::ContainerNoCertificate.into()),
            }
        }
        None => {
            let key = source.open()?;
            std::iter::once(key.certificate())
                .chain(key.chain())
                .cloned()
                .collect()
        }
    };
    if json {
        let list: Vec<_> = all.iter().map(cert_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&list).map_err(|e| Failure::Usage(e.to_string()))?
        );
        return Ok(());
    }
    let now = chrono::Utc::now();
    for c in &all {
        let status = match c.expiry_status(now) {
            cabinet_sign::ExpiryStatus::Valid => "действует".to_owned(),
            cabinet_sign::ExpiryStatus::ExpiresSoon { days_left } => {
                format!("истекает через {days_left} дн.")
            }
            cabinet_sign::ExpiryStatus::Expired => "истёк".to_owned(),
            cabinet_sign::ExpiryStatus::NotYetValid => "ещё не действует".to_owned(),
        };
        println!(
            "{} · {} · до {} · {} · {}",
            crate::shown(c.subject_common_name.as_deref().unwrap_or("—")),
            crate::shown(c.issuer_common_name.as_deref().unwrap_or("—")),
            c.not_after.format("%d.%m.%Y"),
            status,
            c.algorithm.display_name()
        );
    }
    Ok(())
}
