//! What a signature is judged with, kept for offline work: the portal's
//! trust list of accredited CAs and the CRLs fetched for it, per portal in
//! `DATA_DIR/trust/<portal>/` (`tsl.xml` with `tsl.json` — its ETag and
//! when it was fetched and last checked — `crl/<hash of the
//! address>.crl`, `ocsp/<certificate's hash>.der`, the last OCSP answer
//! about a signer, and `aia/<hash of the address>.bin`, CA certificates
//! fetched from the addresses certificates name). All of it is public data, so it is plain files the
//! window and `cabinet verify` share; nothing secret goes here. Every file
//! is parsed before it is written, and written through a rename, so a
//! damaged download never replaces a good copy.
//!
//! The certificates the user trusts on purpose ([`OwnRoots`]) are the
//! user's choice, not a portal's: `DATA_DIR/trust/own/<SHA-256>.cer`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cabinet_sign::tsl::TrustList;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::CoreError;

/// The stored list, parsed.
#[derive(Debug, Clone)]
pub struct StoredList {
    pub list: Arc<TrustList>,
    pub meta: ListMeta,
}

/// When the list was fetched and last confirmed current.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ListMeta {
    pub etag: Option<String>,
    /// RFC 3339.
    pub fetched_at: Option<String>,
    /// RFC 3339: the last time the portal said it is still this list.
    pub checked_at: Option<String>,
}

/// The trust data of one portal.
#[derive(Debug, Clone)]
pub struct TrustStore {
    dir: PathBuf,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> CoreError + '_ {
    move |e| CoreError::File {
        code: cabinet_api::ErrorCode::FileWrite,
        detail: format!("{}: {e}", path.display()),
    }
}

impl TrustStore {
    /// The store of `portal` under `data_dir`.
    pub fn new(data_dir: &Path, portal: &str) -> Self {
        let name = &hex(&Sha256::digest(portal.trim_end_matches('/').as_bytes()))[..16];
        TrustStore {
            dir: data_dir.join("trust").join(name),
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), CoreError> {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
            crate::private::dir(parent)?;
        }
        crate::signing::write_atomically(&path, bytes)?;
        crate::private::file(&path)
    }

    fn meta(&self) -> ListMeta {
        std::fs::read(self.dir.join("tsl.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn save_meta(&self, meta: &ListMeta) -> Result<(), CoreError> {
        let json = serde_json::to_vec_pretty(meta)
            .map_err(|e| CoreError::Protocol(format!("trust list meta: {e}")))?;
        self.write("tsl.json", &json)
    }

    /// The stored list; `None` before the first fetch.
    pub fn list(&self) -> Result<Option<StoredList>, CoreError> {
        let path = self.dir.join("tsl.xml");
        let xml = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(CoreError::File {
                    code: cabinet_api::ErrorCode::FileRead,
                    detail: format!("{}: {e}", path.display()),
                })
            }
        };
        Ok(Some(StoredList {
            list: Arc::new(TrustList::parse(&xml)?),
            meta: self.meta(),
        }))
    }

    /// The ETag of the stored list, to ask the portal whether it changed.
    pub fn etag(&self) -> Option<String> {
        self.dir
            .join("tsl.xml")
            .exists()
            .then(|| self.meta().etag)
            .flatten()
    }

    /// Names the stored copy of the list (changes with each fetch): what a
    /// parsed copy in memory is kept under.
    pub fn list_key(&self) -> Option<String> {
        let meta = self.meta();
        self.dir.join("tsl.xml").exists().then(|| {
            format!(
                "{}|{}",
                meta.fetched_at.unwrap_or_default(),
                meta.etag.unwrap_or_default()
            )
        })
    }

    /// Keeps a fetched list (`tsl.malformed` and nothing written when it
    /// does not parse).
    pub fn save_list(
        &self,
        xml: &[u8],
        etag: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<StoredList, CoreError> {
        let list = TrustList::parse(xml)?;
        self.write("tsl.xml", xml)?;
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let meta = ListMeta {
            etag: etag.map(str::to_owned),
            fetched_at: Some(at.clone()),
            checked_at: Some(at),
        };
        self.save_meta(&meta)?;
        Ok(StoredList {
            list: Arc::new(list),
            meta,
        })
    }

    /// The portal said the stored list is still current.
    pub fn confirm_list(&self, now: DateTime<Utc>) -> Result<(), CoreError> {
        let mut meta = self.meta();
        meta.checked_at = Some(now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        self.save_meta(&meta)
    }

    fn crl_name(url: &str) -> String {
        format!("crl/{}.crl", &hex(&Sha256::digest(url.as_bytes()))[..32])
    }

    /// The contents of every `*.ext` file kept in `folder`.
    fn kept(&self, folder: &str, ext: &str) -> Vec<Vec<u8>> {
        let Ok(entries) = std::fs::read_dir(self.dir.join(folder)) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == ext))
            .filter_map(|e| std::fs::read(e.path()).ok())
            .collect()
    }

    /// Every stored CRL.
    pub fn crls(&self) -> Vec<Vec<u8>> {
        self.kept("crl", "crl")
    }

    /// Keeps the CRL fetched from `url` (`crl.malformed` and nothing
    /// written when it does not parse).
    pub fn save_crl(&self, url: &str, der: &[u8]) -> Result<(), CoreError> {
        cabinet_sign::verify::Trust {
            roots: Vec::new(),
            crls: vec![der.to_vec()],
        }
        .check()?;
        self.write(&Self::crl_name(url), der)
    }

    fn ocsp_name(cert: &cabinet_sign::CertificateInfo) -> String {
        format!("ocsp/{}.der", &cert.sha256.to_ascii_lowercase()[..32])
    }

    /// Every kept OCSP answer (one per certificate, the newest).
    pub fn ocsp_answers(&self) -> Vec<Vec<u8>> {
        self.kept("ocsp", "der")
    }

    /// Keeps an OCSP answer about `cert` (checked by the caller: signed,
    /// about it, our nonce), replacing the one kept before.
    pub fn save_ocsp(
        &self,
        cert: &cabinet_sign::CertificateInfo,
        der: &[u8],
    ) -> Result<(), CoreError> {
        self.write(&Self::ocsp_name(cert), der)
    }

    /// Every CA certificate fetched from an AIA caIssuers address.
    pub fn aia_certificates(&self) -> Vec<cabinet_sign::CertificateInfo> {
        self.kept("aia", "bin")
            .iter()
            .filter_map(|b| cabinet_sign::verify::certificates_in(b).ok())
            .flatten()
            .collect()
    }

    fn aia_name(url: &str) -> String {
        format!("aia/{}.bin", &hex(&Sha256::digest(url.as_bytes()))[..32])
    }

    /// Whether what `url` served is kept.
    pub fn has_aia(&self, url: &str) -> bool {
        self.dir.join(Self::aia_name(url)).exists()
    }

    /// Keeps what an AIA caIssuers address served (a certificate or a
    /// certs-only bundle; `cert.malformed` and nothing kept otherwise).
    pub fn save_aia(&self, url: &str, bytes: &[u8]) -> Result<(), CoreError> {
        cabinet_sign::verify::certificates_in(bytes)?;
        self.write(&Self::aia_name(url), bytes)
    }

    /// The next update of the CRL stored for `url`, if one is.
    pub fn crl_next_update(&self, url: &str) -> Option<DateTime<Utc>> {
        let der = std::fs::read(self.dir.join(Self::crl_name(url))).ok()?;
        cabinet_sign::verify::crl_next_update(&der).ok().flatten()
    }
}

/// The largest certificate file taken as a trusted root.
pub const MAX_ROOT_FILE: u64 = 64 * 1024;

/// Certificates the user trusts on purpose: a signature that chains to
/// one is `trusted_by_you` — never qualified.
#[derive(Debug, Clone)]
pub struct OwnRoots {
    dir: PathBuf,
}

impl OwnRoots {
    pub fn new(data_dir: &Path) -> Self {
        OwnRoots {
            dir: data_dir.join("trust").join("own"),
        }
    }

    /// Every kept certificate, oldest file first; one that no longer
    /// parses is left out.
    pub fn list(&self) -> Vec<cabinet_sign::CertificateInfo> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "cer"))
            .map(|p| {
                let at = std::fs::metadata(&p)
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                (at, p)
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .filter_map(|(_, p)| std::fs::read(p).ok())
            .filter_map(|der| cabinet_sign::CertificateInfo::parse(&der).ok())
            .collect()
    }

    /// Keeps a certificate (PEM or DER; `cert.malformed` for anything
    /// else). Adding one already kept changes nothing.
    pub fn add(&self, bytes: &[u8]) -> Result<cabinet_sign::CertificateInfo, CoreError> {
        let cert = cabinet_sign::CertificateInfo::parse(bytes)?;
        let path = self
            .dir
            .join(format!("{}.cer", cert.sha256.to_ascii_lowercase()));
        if !path.exists() {
            std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
            crate::private::dir(&self.dir)?;
            crate::signing::write_atomically(&path, &cert.der)?;
            crate::private::file(&path)?;
        }
        Ok(cert)
    }

    /// Stops trusting the certificate with this SHA-256 (hex); whether one
    /// was kept.
    pub fn remove(&self, sha256: &str) -> Result<bool, CoreError> {
        if sha256.len() != 64 || !sha256.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(CoreError::Invalid(cabinet_api::ErrorCode::CertMalformed));
        }
        let path = self
            .dir
            .join(format!("{}.cer", sha256.to_ascii_lowercase()));
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io(&path)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_download_never_replaces_the_list() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::new(dir.path(), "http://portal.example/");
        assert!(store.list().unwrap().is_none());
        let good = cabinet_sign::tsl::TrustList {
            version: 3,
            ..Default::default()
        }
        .to_xml();
        let now = Utc::now();
        store
            .save_list(good.as_bytes(), Some("\"v3\""), now)
            .unwrap();
        assert_eq!(store.etag().as_deref(), Some("\"v3\""));
        let e = store
            .save_list(b"<html/>", Some("\"v4\""), now)
            .unwrap_err();
        assert_eq!(e.code().as_str(), "tsl.malformed");
        assert_eq!(store.list().unwrap().unwrap().list.version, 3);
        assert_eq!(store.etag().as_deref(), Some("\"v3\""));
        let e = store.save_crl("http://x/a.crl", b"not a crl").unwrap_err();
        assert_eq!(e.code().as_str(), "crl.malformed");
        assert!(store.crls().is_empty());
        // Another portal has its own.
        assert!(TrustStore::new(dir.path(), "http://other.example")
            .list()
            .unwrap()
            .is_none());
    }

    #[test]
    fn own_roots_are_kept_once_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let own = OwnRoots::new(dir.path());
        assert!(own.list().is_empty());
        let ca = cabinet_sign::pki::IssuedKey::new_root(&cabinet_sign::pki::Request {
            kind: cabinet_sign::pki::KeyKind::EcdsaP256,
            subject: cabinet_sign::pki::Subject {
                common_name: "УЦ партнёра".into(),
                ..Default::default()
            },
            not_before: Utc::now(),
            not_after: Utc::now() + chrono::Duration::days(30),
            profile: cabinet_sign::pki::Profile::Root,
        })
        .unwrap();
        let der = cabinet_sign::SigningKey::certificate(&ca).der.clone();
        let added = own.add(&der).unwrap();
        own.add(&der).unwrap();
        assert_eq!(own.list().len(), 1);
        assert_eq!(own.list()[0].sha256, added.sha256);
        assert_eq!(
            own.add(b"not a certificate").unwrap_err().code().as_str(),
            "cert.malformed"
        );
        assert_eq!(
            own.remove("../../etc").unwrap_err().code().as_str(),
            "cert.malformed"
        );
        assert!(own.remove(&added.sha256).unwrap());
        assert!(!own.remove(&added.sha256).unwrap());
        assert!(own.list().is_empty());
    }
}
