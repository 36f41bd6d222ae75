//! The services catalog: `GET /v1/services` with search and filters, open
//! to anyone (it is public on the real portal too), with an `ETag` so
//! clients refresh their offline copy only when it changed.

use axum::extract::Query;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use cabinet_api::services::{catalog, ServiceQuery};
use sha2::{Digest, Sha256};

use crate::error::PortalError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/services", get(services))
}

async fn services(
    q: Result<Query<ServiceQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let Query(q) = q?;
    let list: Vec<_> = catalog().into_iter().filter(|s| q.matches(s)).collect();
    etagged(&list, &headers)
}

/// `value` as JSON with an `ETag` of its bytes, or `304` when the client
/// already holds it (`If-None-Match`).
pub(crate) fn etagged<T: serde::Serialize>(
    value: &T,
    headers: &HeaderMap,
) -> Result<Response, PortalError> {
    let body = serde_json::to_vec(value).map_err(|e| PortalError::Internal(e.to_string()))?;
    let etag = format!(
        "\"{}\"",
        data_encoding::HEXLOWER.encode(&Sha256::digest(&body)[..16])
    );
    let etag_value =
        HeaderValue::from_str(&etag).map_err(|e| PortalError::Internal(e.to_string()))?;
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if fresh {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response());
    }
    Ok((
        [
            (header::ETAG, etag_value),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        body,
    )
        .into_response())
}
