//! The trust list of accredited CAs the portal publishes, in the Ministry's
//! XML (`GET /v1/trust/tsl`, with an `ETag`), and the CRLs its CAs'
//! addresses name (`GET /v1/trust/crl?url=…`). Both are public, as the
//! Ministry's list and a CA's CRLs are, and both answer from memory: no
//! database, no lock anyone else needs.
//!
//! The CRL route is not an open proxy: it answers only for an address the
//! list names (`trust.crl_unknown` otherwise), so no caller can make the
//! portal fetch an address of their choosing. The portal holds the CRLs of
//! its own (demo) CAs; any other listed address (a real CA's CDP, plain
//! HTTP) it fetches itself — off every lock, at most 32 MiB, 15 s — keeps
//! only when the CRL is signed by a certificate of the key that lists the
//! address, and serves from memory until the CRL's next update. A listed
//! CRL it cannot get is `trust.crl_unavailable` (502).
//! The OCSP route (`POST /v1/trust/ocsp?url=…`) answers likewise only for
//! the demo responder's own address.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use cabinet_api::ErrorCode;
use cabinet_sign::tsl::TrustList;
use sha2::{Digest, Sha256};

use crate::{AppState, PortalError};

/// The largest CRL fetched from a CA's address.
pub const MAX_FETCHED_CRL: usize = 32 << 20;

/// A CRL fetched from a listed address, and its next update.
type FetchedCrl = (Vec<u8>, Option<chrono::DateTime<chrono::Utc>>);

/// The published list and the CRLs held for its addresses.
pub struct TrustService {
    xml: Vec<u8>,
    etag: String,
    pub list: TrustList,
    crls: HashMap<String, Vec<u8>>,
    /// CRLs fetched from listed addresses, with their next update; the
    /// lock guards map operations only, never a fetch.
    fetched: std::sync::Mutex<HashMap<String, FetchedCrl>>,
}

impl TrustService {
    pub fn new(list: TrustList, crls: HashMap<String, Vec<u8>>) -> Self {
        let xml = list.to_xml().into_bytes();
        let hash = data_encoding::HEXLOWER.encode(&Sha256::digest(&xml));
        TrustService {
            etag: format!("\"tsl-{}-{}\"", list.version, &hash[..16]),
            xml,
            list,
            crls,
            fetched: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// A portal that knows no accredited CA.
    pub fn empty() -> Self {
        Self::new(TrustList::default(), HashMap::new())
    }

    /// Every CRL held or fetched (the portal judges with them too).
    pub fn crls(&self) -> Vec<Vec<u8>> {
        let mut all: Vec<Vec<u8>> = self.crls.values().cloned().collect();
        all.extend(
            self.fetched
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .values()
                .map(|(der, _)| der.clone()),
        );
        all
    }

    /// The CRL for a listed `url`: held, fetched before and still current,
    /// or fetched now from the address (`trust.crl_unavailable` when it
    /// cannot be had, or is not signed by the key that lists it).
    pub async fn crl_for(
        &self,
        url: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<u8>, PortalError> {
        if let Some(der) = self.crls.get(url) {
            return Ok(der.clone());
        }
        let cached = self
            .fetched
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(url)
            .filter(|(_, next)| next.is_some_and(|n| n > now))
            .map(|(der, _)| der.clone());
        if let Some(der) = cached {
            return Ok(der);
        }
        let unavailable = |detail: String| PortalError::Refused {
            status: 502,
            code: ErrorCode::TrustCrlUnavailable,
            detail,
        };
        let der = fetch_crl(url).await.map_err(|e| {
            tracing::warn!(%url, error = %e, "CRL not fetched");
            unavailable(format!("the CRL at {url} cannot be fetched now"))
        })?;
        let issuers: Vec<&cabinet_sign::CertificateInfo> = self
            .list
            .authorities
            .iter()
            .flat_map(|a| a.keys.iter())
            .filter(|k| k.crl_urls.iter().any(|u| u == url))
            .flat_map(|k| k.certificates.iter())
            .collect();
        let signed = issuers
            .iter()
            .any(|ca| cabinet_sign::verify::crl_signed_by(&der, ca).unwrap_or(false));
        if !signed {
            tracing::warn!(%url, "a fetched CRL not signed by the key that lists it");
            return Err(unavailable(format!(
                "the CRL at {url} is not signed by the CA that lists it"
            )));
        }
        let next = cabinet_sign::verify::crl_next_update(&der).ok().flatten();
        self.fetched
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(url.to_owned(), (der.clone(), next));
        Ok(der)
    }

    fn listed(&self, url: &str) -> bool {
        self.list
            .authorities
            .iter()
            .any(|a| a.crl_urls().contains(&url))
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/trust/tsl", get(tsl))
        .route("/trust/crl", get(crl))
        .route(
            "/trust/ocsp",
            axum::routing::post(ocsp).layer(axum::extract::DefaultBodyLimit::max(64 * 1024)),
        )
        .route(
            "/tsp",
            axum::routing::post(timestamp).layer(axum::extract::DefaultBodyLimit::max(
                cabinet_sign::tsp::MAX_MESSAGE,
            )),
        )
}

/// The OCSP responder of this start's demo CA (RFC 6960, delegated), and
/// the address the CA's signing certificates name for it.
pub struct Ocsp {
    pub ca: cabinet_sign::CertificateInfo,
    pub responder: cabinet_sign::pki::IssuedKey,
    pub url: String,
}

#[derive(serde::Deserialize)]
struct OcspQuery {
    url: Option<String>,
}

/// `POST /v1/trust/ocsp[?url=…]` (`application/ocsp-request` →
/// `-response`): the status of the demo CA's certificates (none is
/// revoked), an hour current. With `url` (the address a certificate
/// names, as the client asks), only the demo responder's own address is
/// answered — `trust.ocsp_unknown` otherwise: the portal relays to no
/// address a caller chooses. Public, as responders are; off every lock.
/// Anything that is not a request gets `malformedRequest`.
async fn ocsp(
    State(st): State<AppState>,
    crate::http::ClientIp(ip): crate::http::ClientIp,
    q: Result<Query<OcspQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, PortalError> {
    st.limit(crate::limits::Kind::TrustService, None, ip.as_deref())?;
    let Query(q) = q?;
    let body = body?;
    let Some(o) = st.ocsp.clone() else {
        return Err(PortalError::NotFound);
    };
    if q.url.as_deref().is_some_and(|u| u != o.url) {
        return Err(PortalError::Refused {
            status: 404,
            code: ErrorCode::TrustOcspUnknown,
            detail: "no OCSP responder at that address here".into(),
        });
    }
    let now = st.config.clock.now();
    signed_off_lock("application/ocsp-response", move || {
        cabinet_sign::ocsp::respond(
            &body,
            &o.ca,
            &o.responder,
            &[],
            now,
            now + chrono::Duration::hours(1),
        )
    })
    .await
}

/// What a signing service answers: `sign` run on a blocking thread (it
/// holds nothing anyone else needs), its bytes as `content_type`.
async fn signed_off_lock(
    content_type: &'static str,
    sign: impl FnOnce() -> Result<Vec<u8>, cabinet_sign::SignError> + Send + 'static,
) -> Result<Response, PortalError> {
    let body = tokio::task::spawn_blocking(sign)
        .await
        .map_err(|e| PortalError::Internal(format!("signing task: {e}")))?
        .map_err(|e| PortalError::Internal(format!("signing service: {e}")))?;
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response())
}

/// A time-stamping authority (RFC 3161): its key and the next serial.
pub struct Tsa {
    key: cabinet_sign::pki::IssuedKey,
    serial: std::sync::atomic::AtomicU64,
}

impl Tsa {
    pub fn new(key: cabinet_sign::pki::IssuedKey) -> Self {
        // Serials stay unique across restarts: they start at the time.
        let start = chrono::Utc::now().timestamp_micros().max(1) as u64;
        Tsa {
            key,
            serial: std::sync::atomic::AtomicU64::new(start),
        }
    }
}

/// `POST /v1/tsp` (`application/timestamp-query` → `-reply`): a time stamp
/// of the portal's clock. Public, as TSAs are, within the per-address
/// limit of the signing services; the signing runs on a blocking thread
/// and holds nothing of anyone else's. A request that is
/// not one gets an RFC 3161 rejection, not an HTTP error.
async fn timestamp(
    State(st): State<AppState>,
    crate::http::ClientIp(ip): crate::http::ClientIp,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, PortalError> {
    st.limit(crate::limits::Kind::TrustService, None, ip.as_deref())?;
    let body = body?;
    let Some(tsa) = st.tsa.clone() else {
        return Err(PortalError::Refused {
            status: 404,
            code: ErrorCode::TspUnavailable,
            detail: "this portal runs no time-stamping service".into(),
        });
    };
    let now = st.config.clock.now();
    signed_off_lock("application/timestamp-reply", move || {
        let serial = tsa
            .serial
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        cabinet_sign::tsp::reply(&body, &tsa.key, serial, now)
    })
    .await
}

async fn tsl(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, PortalError> {
    let t = &st.trust_list;
    let etag = HeaderValue::from_str(&t.etag).map_err(|e| PortalError::Internal(e.to_string()))?;
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == t.etag));
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    Ok((
        [
            (header::ETAG, etag),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/xml; charset=utf-8"),
            ),
        ],
        t.xml.clone(),
    )
        .into_response())
}

#[derive(serde::Deserialize)]
struct CrlQuery {
    url: String,
}

async fn crl(
    State(st): State<AppState>,
    q: Result<Query<CrlQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PortalError> {
    let Query(q) = q?;
    let t = &st.trust_list;
    if !t.listed(&q.url) {
        return Err(PortalError::Refused {
            status: 404,
            code: ErrorCode::TrustCrlUnknown,
            detail: "the trust list names no such CRL address".into(),
        });
    }
    let der = t.crl_for(&q.url, st.config.clock.now()).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/pkix-crl"),
        )],
        der,
    )
        .into_response())
}

/// GETs a CRL from a CA's address: http or https only, 15 s, at most
/// [`MAX_FETCHED_CRL`] bytes.
async fn fetch_crl(url: &str) -> Result<Vec<u8>, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("scheme {}", parsed.scheme()));
    }
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .map_err(|e| e.to_string())?;
    let mut resp = client.get(parsed).send().await.map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("HTTP {}", resp.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_FETCHED_CRL {
            return Err("larger than 32 MiB".into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The portal's judgement of a signature: the same function the client
/// uses ([`cabinet_sign::assess`]), with the list the portal publishes, the
/// roots it is configured to trust and every CRL it has.
pub fn judge(
    roots: &cabinet_sign::verify::Trust,
    list: &TrustService,
    signature: &[u8],
    content: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<cabinet_sign::assess::SignerCheck>, cabinet_sign::SignError> {
    let mut crls = roots.crls.clone();
    crls.extend(list.crls());
    let evidence = cabinet_sign::assess::Evidence {
        tsl: (!list.list.authorities.is_empty()).then_some(&list.list),
        own_roots: &roots.roots,
        crls: &crls,
        certificates: &[],
        ocsp: &[],
        now,
    };
    cabinet_sign::assess::assess_detached(signature, content, &evidence)
}

/// The first signer that is not valid, with why (its most serious
/// finding).
pub fn refusal(
    checks: &[cabinet_sign::assess::SignerCheck],
) -> Option<(ErrorCode, &cabinet_sign::assess::SignerCheck)> {
    checks
        .iter()
        .find(|c| c.verdict != cabinet_sign::assess::Verdict::Valid)
        .map(|c| {
            (
                c.problems
                    .first()
                    .copied()
                    .unwrap_or(ErrorCode::SigUntrusted),
                c,
            )
        })
}
