//! The trust list of accredited CAs the portal publishes, in the Ministry's
//! XML (`GET /v1/trust/tsl`, with an `ETag`), and the CRLs its CAs'
//! addresses name (`GET /v1/trust/crl?url=…`). Both are public, as the
//! Ministry's list and a CA's CRLs are, and both answer from memory: no
//! database, no lock anyone else needs.
//!
//! The CRL route is not an open proxy: it answers only for an address the
//! list names (`trust.crl_unknown` otherwise), so no caller can make the
//! portal fetch an address of their choosing. The portal holds the CRLs of
//! its own (demo) CAs; a listed address it does not hold is
//! `trust.crl_unavailable` (fetching real CDPs from here is not built yet).

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

/// The published list and the CRLs held for its addresses.
pub struct TrustService {
    xml: Vec<u8>,
    etag: String,
    pub list: TrustList,
    crls: HashMap<String, Vec<u8>>,
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
        }
    }

    /// A portal that knows no accredited CA.
    pub fn empty() -> Self {
        Self::new(TrustList::default(), HashMap::new())
    }

    /// Every CRL held (the portal judges with them too).
    pub fn crls(&self) -> Vec<Vec<u8>> {
        self.crls.values().cloned().collect()
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

/// The OCSP responder of this start's demo CA (RFC 6960, delegated).
pub struct Ocsp {
    pub ca: cabinet_sign::CertificateInfo,
    pub responder: cabinet_sign::pki::IssuedKey,
}

/// `POST /v1/trust/ocsp` (`application/ocsp-request` → `-response`): the
/// status of the demo CA's certificates (none is revoked), an hour
/// current. Public, as responders are; off every lock. Anything that is
/// not a request gets `malformedRequest`.
async fn ocsp(
    State(st): State<AppState>,
    crate::http::ClientIp(ip): crate::http::ClientIp,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, PortalError> {
    st.limit(crate::limits::Kind::TrustService, None, ip.as_deref())?;
    let body = body?;
    let Some(o) = st.ocsp.clone() else {
        return Err(PortalError::NotFound);
    };
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
    match t.crls.get(&q.url) {
        Some(der) => Ok((
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pkix-crl"),
            )],
            der.clone(),
        )
            .into_response()),
        None => Err(PortalError::Refused {
            status: 502,
            code: ErrorCode::TrustCrlUnavailable,
            detail: "this CRL is not held by the portal".into(),
        }),
    }
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
