//! The trust list and revocation data: fetched at sync (the list when its
//! ETag changed, the CRLs kept when they pass their next update), fetched
//! on demand for a signature's CA, kept for offline work
//! ([`crate::trust_store`]), and used for every judgement the window shows.

use std::sync::Arc;

use cabinet_api::ErrorCode;
use std::path::Path;

use cabinet_sign::assess::{assess_attached, assess_detached, Evidence, SignerCheck};
use cabinet_sign::tsl::TrustList;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Cabinet;
use crate::certificates::CertificateView;
use crate::trust_store::{OwnRoots, TrustStore};
use crate::verdict::SignatureCheck;
use crate::CoreError;

/// What the window says of the trust list it judges by.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TrustStatus {
    /// False until the first sync brought a list: nothing is judged
    /// qualified until then.
    pub present: bool,
    pub version: Option<u32>,
    /// RFC 3339: the list's own date.
    pub date: Option<String>,
    /// RFC 3339: when it was fetched, and last confirmed current.
    pub fetched_at: Option<String>,
    pub checked_at: Option<String>,
    /// CAs on the list, and of them accredited now.
    pub authorities: u32,
    pub accredited_now: u32,
    /// Revocation lists kept for offline checks.
    pub crls: u32,
}

/// The CRL addresses for the signers whose revocation data is missing or
/// stale: those their certificates name (CRL Distribution Points), then
/// those the list gives for the CA key each chain ended at.
fn wanted_crls(checks: &[SignerCheck], list: &TrustList) -> Vec<String> {
    let mut out = Vec::new();
    for c in checks.iter().filter(|c| needs_revocation(c)) {
        for url in &c.certificate.crl_urls {
            if !out.contains(url) {
                out.push(url.clone());
            }
        }
        for ca in &c.chain {
            if let Some((_, key)) = list.authority_of(&ca.der) {
                for url in &key.crl_urls {
                    if !out.contains(url) {
                        out.push(url.clone());
                    }
                }
            }
        }
    }
    out
}

impl Cabinet {
    pub(crate) fn trust_store(&self) -> TrustStore {
        TrustStore::new(&self.data_dir, self.portal.as_str())
    }

    /// The certificates the user trusts on purpose.
    pub fn own_roots(&self) -> Vec<CertificateView> {
        let now = Utc::now();
        OwnRoots::new(&self.data_dir)
            .list()
            .iter()
            .map(|c| CertificateView::of(c, now))
            .collect()
    }

    /// Trusts the certificate in `path` (PEM or DER) on purpose: signatures
    /// chaining to it become `trusted_by_you`.
    pub fn add_own_root(&self, path: &Path) -> Result<CertificateView, CoreError> {
        let bytes = crate::signing::read_regular_file(path, crate::trust_store::MAX_ROOT_FILE)?;
        let cert = OwnRoots::new(&self.data_dir).add(&bytes)?;
        tracing::info!(sha256 = %cert.sha256, "certificate trusted on purpose");
        Ok(CertificateView::of(&cert, Utc::now()))
    }

    /// Stops trusting a certificate added with [`Self::add_own_root`].
    pub fn remove_own_root(&self, sha256: &str) -> Result<(), CoreError> {
        OwnRoots::new(&self.data_dir).remove(sha256)?;
        Ok(())
    }

    /// The stored list, parsed once per fetch.
    fn stored_list(&self) -> Result<Option<Arc<TrustList>>, CoreError> {
        let store = self.trust_store();
        let key = store.list_key();
        {
            let cache = self.trust_cache.lock().unwrap_or_else(|e| e.into_inner());
            if let (Some((k, list)), Some(key)) = (cache.as_ref(), key.as_ref()) {
                if k == key {
                    return Ok(Some(list.clone()));
                }
            }
        }
        let Some(stored) = store.list()? else {
            return Ok(None);
        };
        if let Some(key) = key {
            *self.trust_cache.lock().unwrap_or_else(|e| e.into_inner()) =
                Some((key, stored.list.clone()));
        }
        Ok(Some(stored.list))
    }

    /// Asks the portal for its trust list (a new one only when its ETag
    /// changed) and fetches again the kept CRLs past their next update —
    /// with `all_crls`, every CRL the list names that is not kept current
    /// (the published list names over a thousand: the window fetches a CA's
    /// CRL when a signature needs it instead). The sync calls it without;
    /// a failure leaves what was kept.
    pub async fn refresh_trust(&self, all_crls: bool) -> Result<TrustStatus, CoreError> {
        let store = self.trust_store();
        let now = Utc::now();
        match self.backend.trust_list(store.etag().as_deref()).await? {
            Some((xml, etag)) => {
                store.save_list(&xml, etag.as_deref(), now)?;
            }
            None => store.confirm_list(now)?,
        }
        if let Some(list) = self.stored_list()? {
            for a in &list.authorities {
                for url in a.crl_urls() {
                    let stale = match store.crl_next_update(url) {
                        Some(next) => next < now,
                        None => all_crls,
                    };
                    if stale {
                        match self.backend.crl(url).await {
                            Ok(der) => store.save_crl(url, &der)?,
                            Err(e) => tracing::warn!(%url, error = %e, "CRL not refreshed"),
                        }
                    }
                }
            }
        }
        self.trust_status()
    }

    /// What the window shows of the list in use (works offline).
    pub fn trust_status(&self) -> Result<TrustStatus, CoreError> {
        let store = self.trust_store();
        let crls = store.crls().len() as u32;
        let Some(stored) = store.list()? else {
            return Ok(TrustStatus {
                present: false,
                version: None,
                date: None,
                fetched_at: None,
                checked_at: None,
                authorities: 0,
                accredited_now: 0,
                crls,
            });
        };
        let now = Utc::now();
        let list = &stored.list;
        Ok(TrustStatus {
            present: true,
            version: Some(u32::try_from(list.version).unwrap_or(u32::MAX)),
            date: list
                .date
                .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            fetched_at: stored.meta.fetched_at,
            checked_at: stored.meta.checked_at,
            authorities: list.authorities.len() as u32,
            accredited_now: list
                .authorities
                .iter()
                .filter(|a| a.accredited_at(now))
                .count() as u32,
            crls,
        })
    }

    /// Judges a detached signature over `content` (or an attached one
    /// holding it) with the kept list and CRLs. When a signer's revocation
    /// data is missing or stale and the portal answers, the CRLs its CA's
    /// key names are fetched, kept, and the signature judged again.
    pub async fn judge_signature(
        &self,
        signature: &[u8],
        content: &[u8],
    ) -> Result<Vec<SignatureCheck>, CoreError> {
        self.judge(signature.to_vec(), Content::Bytes(content.to_vec()))
            .await
            .map(|(checks, _)| checks)
    }

    /// «Проверить подпись» in the window: `file` against `sig` when given;
    /// a signature file chosen alone as an attached signature; else `file`
    /// against `FILE.sig` beside it. Judged as [`Self::judge_signature`];
    /// an attached signature's document comes back too.
    pub async fn judge_file(
        &self,
        file: &Path,
        sig: Option<&Path>,
    ) -> Result<(Vec<SignatureCheck>, Option<Vec<u8>>), CoreError> {
        use crate::signing::MAX_SIGNATURE_FILE;
        use crate::signing::{is_signature_name, read_regular_file, signature_path};
        let (sig_path, content) = match sig {
            Some(sig) => (sig.to_path_buf(), Content::File(file.to_path_buf())),
            None if is_signature_name(file) => (file.to_path_buf(), Content::Embedded),
            None => (signature_path(file), Content::File(file.to_path_buf())),
        };
        let signature = read_regular_file(&sig_path, MAX_SIGNATURE_FILE)?;
        self.judge(signature, content).await
    }

    /// CAdES-X Long Type 1 of a signature over `content` just made: it is
    /// judged first (which fetches its CA's CRLs when none are kept), then
    /// gets the chain and revocation data kept and the portal's time stamps
    /// ([`crate::signing::add_long_term_data`]).
    pub async fn long_term_signature(
        &self,
        signature: &[u8],
        content: &[u8],
    ) -> Result<Vec<u8>, CoreError> {
        self.judge_signature(signature, content).await?;
        let list = self.stored_list()?;
        let store = self.trust_store();
        let (crls, ocsp) = (store.crls(), store.ocsp_answers());
        let own = OwnRoots::new(&self.data_dir).list();
        let more = store.aia_certificates();
        let evidence = Evidence {
            tsl: list.as_deref(),
            own_roots: &own,
            crls: &crls,
            certificates: &more,
            ocsp: &ocsp,
            now: Utc::now(),
        };
        let backend = self.backend.clone();
        crate::signing::add_long_term_data(signature, &evidence, |request| {
            let backend = backend.clone();
            async move { backend.timestamp(&request).await }
        })
        .await
    }

    async fn judge(
        &self,
        signature: Vec<u8>,
        content: Content,
    ) -> Result<(Vec<SignatureCheck>, Option<Vec<u8>>), CoreError> {
        let store = self.trust_store();
        let list = self.stored_list()?;
        let own = Arc::new(OwnRoots::new(&self.data_dir).list());
        let signature = Arc::new(signature);
        let content = Arc::new(content);
        let pass = |store: &TrustStore| {
            let (signature, content, list, own) = (
                signature.clone(),
                content.clone(),
                list.clone(),
                own.clone(),
            );
            let (crls, ocsp, more) = (store.crls(), store.ocsp_answers(), store.aia_certificates());
            async move {
                tokio::task::spawn_blocking(move || {
                    content.judge(&signature, list.as_deref(), &own, &more, &crls, &ocsp)
                })
                .await
                .map_err(|e| CoreError::Protocol(format!("verification task: {e}")))?
            }
        };
        let (mut checks, mut embedded, mut now) = pass(&store).await?;
        // A chain that reaches no anchor: the CA certificates its
        // certificates say are published (AIA caIssuers), fetched from
        // there, up to three links.
        let mut asked = std::collections::HashSet::new();
        for _ in 0..3 {
            let mut fetched = false;
            for url in wanted_issuers(&checks) {
                // Each address once per judgement, and never one whose
                // certificate is kept already (it did not help).
                if !asked.insert(url.clone()) || store.has_aia(&url) {
                    continue;
                }
                match fetch_public(&url, MAX_AIA).await {
                    Ok(bytes) => match store.save_aia(&url, &bytes) {
                        Ok(()) => fetched = true,
                        Err(e) => tracing::info!(%url, error = %e, "not a CA certificate"),
                    },
                    Err(e) => tracing::info!(%url, error = %e, "CA certificate not fetched"),
                }
            }
            if !fetched {
                break;
            }
            (checks, embedded, now) = pass(&store).await?;
        }
        // A signer whose revocation data is missing or stale: its
        // certificate's OCSP responder first (through the portal), then
        // the CRLs of its CA's key on the list. Offline, or when the portal
        // cannot give them, the verdict says the data is missing or how old
        // it is.
        let mut fetched = false;
        for c in checks.iter().filter(|c| needs_revocation(c)) {
            let (Some(url), Some(issuer)) = (c.certificate.ocsp_urls.first(), c.chain.first())
            else {
                continue;
            };
            match self.ask_ocsp(url, &c.certificate, issuer).await {
                Ok(der) => {
                    store.save_ocsp(&c.certificate, &der)?;
                    fetched = true;
                }
                Err(e) => tracing::info!(%url, error = %e, "OCSP not asked"),
            }
        }
        if fetched {
            (checks, embedded, now) = pass(&store).await?;
        }
        if let Some(list) = list.as_deref() {
            let mut fetched = false;
            for url in wanted_crls(&checks, list) {
                match self.backend.crl(&url).await {
                    Ok(der) => {
                        store.save_crl(&url, &der)?;
                        fetched = true;
                    }
                    Err(e) => tracing::info!(%url, error = %e, "CRL not fetched"),
                }
            }
            if fetched {
                (checks, embedded, now) = pass(&store).await?;
            }
        }
        Ok((
            checks.iter().map(|c| SignatureCheck::of(c, now)).collect(),
            embedded,
        ))
    }

    /// The OCSP answer about `cert` from the responder at `url`: asked with
    /// a fresh nonce, and checked (successful, our nonce, signed by the
    /// issuer or its delegated responder, about this certificate).
    async fn ask_ocsp(
        &self,
        url: &str,
        cert: &cabinet_sign::CertificateInfo,
        issuer: &cabinet_sign::CertificateInfo,
    ) -> Result<Vec<u8>, CoreError> {
        let (request, nonce) = cabinet_sign::ocsp::request_for(cert, issuer)?;
        let reply = self.backend.ocsp(url, &request).await?;
        cabinet_sign::ocsp::status_from_reply(&reply, cert, issuer, &nonce, Utc::now())?;
        Ok(reply)
    }
}

/// The largest CA certificate (or bundle) fetched from an AIA address.
const MAX_AIA: usize = 256 * 1024;

/// The caIssuers addresses of the topmost certificate of each chain that
/// reaches no anchor (the first address of each).
fn wanted_issuers(checks: &[SignerCheck]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in checks
        .iter()
        .filter(|c| c.problems.contains(&ErrorCode::SigUntrusted))
    {
        let top = c.chain.last().unwrap_or(&c.certificate);
        if let Some(url) = top.ca_issuers_urls.first() {
            if !out.contains(url) {
                out.push(url.clone());
            }
        }
    }
    out
}

/// GETs a public file a certificate names (a CA certificate): http or
/// https only, 10 s, at most `limit` bytes. Straight from here, as any
/// verifier does: the address is in the certificate, not the portal's.
async fn fetch_public(url: &str, limit: usize) -> Result<Vec<u8>, CoreError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| CoreError::Offline(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(CoreError::Offline(format!("{url}: not HTTP")));
    }
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .map_err(|e| CoreError::Offline(e.to_string()))?;
    let resp = client
        .get(parsed)
        .send()
        .await
        .map_err(|e| CoreError::Offline(format!("{url}: {e}")))?;
    if !resp.status().is_success() {
        return Err(CoreError::Offline(format!("{url}: HTTP {}", resp.status())));
    }
    crate::api_v1::ApiV1Client::body_within(resp, limit).await
}

/// Whether a signer's revocation data is missing or stale.
fn needs_revocation(c: &SignerCheck) -> bool {
    c.problems
        .iter()
        .any(|p| matches!(p, ErrorCode::RevocationUnknown | ErrorCode::RevocationStale))
}

/// What a signature is over.
enum Content {
    Bytes(Vec<u8>),
    /// A file, read as a stream (it may be large).
    File(std::path::PathBuf),
    /// The document an attached signature holds.
    Embedded,
}

impl Content {
    /// One judgement, now; the embedded document when there is one.
    #[allow(clippy::type_complexity)]
    fn judge(
        &self,
        signature: &[u8],
        list: Option<&TrustList>,
        own_roots: &[cabinet_sign::CertificateInfo],
        certificates: &[cabinet_sign::CertificateInfo],
        crls: &[Vec<u8>],
        ocsp: &[Vec<u8>],
    ) -> Result<(Vec<SignerCheck>, Option<Vec<u8>>, chrono::DateTime<Utc>), CoreError> {
        let now = Utc::now();
        let evidence = Evidence {
            tsl: list,
            own_roots,
            crls,
            certificates,
            ocsp,
            now,
        };
        Ok(match self {
            Content::Bytes(b) => (assess_detached(signature, &b[..], &evidence)?, None, now),
            Content::File(path) => {
                let (f, _) = crate::signing::open_regular(path)?;
                (assess_detached(signature, f, &evidence)?, None, now)
            }
            Content::Embedded => {
                let (checks, content) = assess_attached(signature, &evidence)?;
                (checks, Some(content), now)
            }
        })
    }
}
