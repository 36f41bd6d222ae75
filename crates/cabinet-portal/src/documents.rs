//! Documents: metadata in the change feed, content by SHA-256 (`ETag`,
//! `If-None-Match`, `Range`), and detached signatures that the portal
//! verifies against the content and its trusted roots before accepting.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use cabinet_api::{ChangeOp, Document, DocumentSignature, NewSignature};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::access::member;
use crate::clock::ts;
use crate::error::{ApiJson, PortalError};
use crate::http::idempotency_key;
use crate::http::once;
use crate::http::AuthUser;
use crate::{feed, AppState};
use cabinet_api::ErrorCode;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs/{org}/documents/{id}/content", get(content))
        .route("/orgs/{org}/documents/{id}/signatures", post(sign))
}

pub fn load(conn: &Connection, org: &str, id: &str) -> Result<Document, PortalError> {
    let mut doc = conn
        .query_row(
            "SELECT id, org_id, name, mime, size, sha256, created_at FROM documents
             WHERE id = ?1 AND org_id = ?2",
            params![id, org],
            |r| {
                Ok(Document {
                    id: r.get(0)?,
                    org_id: r.get(1)?,
                    name: r.get(2)?,
                    mime: r.get(3)?,
                    size: r.get(4)?,
                    sha256: r.get(5)?,
                    created_at: r.get(6)?,
                    signatures: Vec::new(),
                })
            },
        )
        .optional()?
        .ok_or(PortalError::NotFound)?;
    let mut stmt = conn.prepare(
        "SELECT id, signer, organization, added_at, signature FROM document_signatures
         WHERE document_id = ?1 ORDER BY added_at, id",
    )?;
    doc.signatures = stmt
        .query_map([id], |r| {
            Ok(DocumentSignature {
                id: r.get(0)?,
                signer: r.get(1)?,
                organization: r.get(2)?,
                added_at: r.get(3)?,
                signature: B64.encode(r.get::<_, Vec<u8>>(4)?),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(doc)
}

pub(crate) fn publish(conn: &Connection, doc: &Document) -> Result<(), PortalError> {
    let data =
        serde_json::to_value(doc).map_err(|e| PortalError::Internal(format!("document: {e}")))?;
    feed::record(
        conn,
        &doc.org_id,
        "document",
        &doc.id,
        ChangeOp::Upsert,
        Some(&data),
    )?;
    Ok(())
}

/// Stores a document and its content; records it in the feed.
pub fn insert(
    conn: &Connection,
    org: &str,
    name: &str,
    mime: &str,
    content: &[u8],
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Document, PortalError> {
    let sha = content_sha(content);
    put_blob(conn, &sha, content)?;
    let id = uuid::Uuid::new_v4().to_string();
    conn.execute(
        "INSERT INTO documents (id, org_id, name, mime, size, sha256, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, org, name, mime, content.len() as i64, sha, ts(at)],
    )?;
    let doc = load(conn, org, &id)?;
    publish(conn, &doc)?;
    Ok(doc)
}

/// The hex SHA-256 a content is stored under.
pub(crate) fn content_sha(content: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(content))
}

/// Stores a content under its `sha` (once: contents are shared).
pub(crate) fn put_blob(conn: &Connection, sha: &str, content: &[u8]) -> Result<(), PortalError> {
    conn.execute(
        "INSERT OR IGNORE INTO blobs (sha256, content) VALUES (?1, ?2)",
        params![sha, content],
    )?;
    Ok(())
}

pub(crate) fn blob(conn: &Connection, sha: &str) -> Result<Vec<u8>, PortalError> {
    conn.query_row("SELECT content FROM blobs WHERE sha256 = ?1", [sha], |r| {
        r.get(0)
    })
    .optional()?
    .ok_or_else(|| PortalError::Internal(format!("blob {sha} missing")))
}

/// `bytes=A-B`, `bytes=A-` or `bytes=-N`, within `len`.
fn range(header: &str, len: usize) -> Option<(usize, usize)> {
    let spec = header.strip_prefix("bytes=")?;
    if spec.contains(',') || len == 0 {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: usize = n.parse().ok()?;
            (len.saturating_sub(n), len - 1)
        }
        (a, "") => (a.parse().ok()?, len - 1),
        (a, b) => (a.parse().ok()?, b.parse::<usize>().ok()?.min(len - 1)),
    };
    (start <= end && start < len).then_some((start, end))
}

async fn content(
    State(st): State<AppState>,
    user: AuthUser,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let (doc, bytes) = st
        .with_read(move |conn, _| {
            member(conn, &org, &user.user_id)?;
            let doc = load(conn, &org, &id)?;
            let bytes = blob(conn, &doc.sha256)?;
            Ok((doc, bytes))
        })
        .await?;
    let etag = format!("\"{}\"", doc.sha256);
    let etag_value =
        HeaderValue::from_str(&etag).map_err(|e| PortalError::Internal(format!("etag: {e}")))?;
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response());
    }
    let mime = HeaderValue::from_str(&doc.mime)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    if let Some(r) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        return Ok(match range(r, bytes.len()) {
            Some((a, b)) => (
                StatusCode::PARTIAL_CONTENT,
                [
                    (header::ETAG, etag_value),
                    (header::CONTENT_TYPE, mime),
                    (
                        header::CONTENT_RANGE,
                        HeaderValue::from_str(&format!("bytes {a}-{b}/{}", bytes.len()))
                            .map_err(|e| PortalError::Internal(e.to_string()))?,
                    ),
                ],
                bytes[a..=b].to_vec(),
            )
                .into_response(),
            None => (
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(
                    header::CONTENT_RANGE,
                    HeaderValue::from_str(&format!("bytes */{}", bytes.len()))
                        .map_err(|e| PortalError::Internal(e.to_string()))?,
                )],
            )
                .into_response(),
        });
    }
    Ok((
        [
            (header::ETAG, etag_value),
            (header::CONTENT_TYPE, mime),
            (header::ACCEPT_RANGES, HeaderValue::from_static("bytes")),
        ],
        bytes,
    )
        .into_response())
}

async fn sign(
    State(st): State<AppState>,
    user: AuthUser,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewSignature>,
) -> Result<Response, PortalError> {
    let key = idempotency_key(&headers)?;
    let signature = B64
        .decode(body.signature.trim())
        .map_err(|e| PortalError::SignatureInvalid(format!("base64: {e}")))?;
    let trust = st.trust.clone();
    let list = st.trust_list.clone();
    if trust.roots.is_empty() && list.list.authorities.is_empty() {
        return Err(PortalError::CertUntrusted);
    }
    // The signature is checked against the document's content on a reader
    // and a blocking thread, holding nothing the writer needs; the writer
    // then records it if the document is still that content.
    let (o, i, u) = (org.clone(), id.clone(), user.user_id.clone());
    let (checked_sha, content) = st
        .with_read(move |conn, _| {
            crate::access::require(
                conn,
                &o,
                &u,
                None,
                Some(cabinet_api::Permission::DocumentsSign),
            )?;
            let doc = load(conn, &o, &i)?;
            let content = blob(conn, &doc.sha256)?;
            Ok((doc.sha256, content))
        })
        .await?;
    let signed = signature.clone();
    let now = st.config.clock.now();
    // The same judgement as the client's: only a valid signature is filed.
    let reports = tokio::task::spawn_blocking(move || {
        let checks =
            crate::trust::judge(&trust, &list, &signed, &content[..], now).map_err(|e| {
                PortalError::SignatureRejected {
                    code: e.code(),
                    detail: e.to_string(),
                }
            })?;
        if let Some((code, c)) = crate::trust::refusal(&checks) {
            return Err(PortalError::SignatureRejected {
                code,
                detail: format!(
                    "the signature of {} is not valid",
                    c.certificate.subject_common_name.as_deref().unwrap_or("?")
                ),
            });
        }
        Ok(checks)
    })
    .await
    .map_err(|e| PortalError::Internal(format!("verify task: {e}")))??;
    st.with_db(move |conn, cfg| {
        let who = crate::access::require(
            conn,
            &org,
            &user.user_id,
            user.ip.as_deref(),
            Some(cabinet_api::Permission::DocumentsSign),
        )?;
        let hash = data_encoding::HEXLOWER.encode(&Sha256::digest(&signature));
        let request = format!("sign {org} {id} {hash}");
        once(conn, &user.user_id, &key, &request, |tx| {
            let doc = load(tx, &org, &id)?;
            if doc.sha256 != checked_sha {
                // Documents do not change content; if one ever did, the
                // signature checked is not over what is stored now.
                return Err(PortalError::Refused {
                    status: 409,
                    code: ErrorCode::DocumentChanged,
                    detail: "the document changed while its signature was checked".into(),
                });
            }
            let at = ts(cfg.clock.now());
            // One CMS with several signers is stored once, named by the first.
            if let Some(r) = reports.first() {
                let c = &r.certificate;
                tx.execute(
                    "INSERT INTO document_signatures (id, document_id, signer, organization,
                         signature, added_by, added_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        uuid::Uuid::new_v4().to_string(),
                        doc.id,
                        c.subject_common_name.clone().unwrap_or_default(),
                        c.organization,
                        signature,
                        user.user_id,
                        at
                    ],
                )?;
            }
            let doc = load(tx, &org, &id)?;
            publish(tx, &doc)?;
            crate::records::audit(tx, &org, &who, "document.sign", &doc.name, cfg.clock.now())?;
            let body = serde_json::to_value(&doc)
                .map_err(|e| PortalError::Internal(format!("document: {e}")))?;
            Ok((StatusCode::CREATED, body))
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranges() {
        assert_eq!(super::range("bytes=0-9", 100), Some((0, 9)));
        assert_eq!(super::range("bytes=90-", 100), Some((90, 99)));
        assert_eq!(super::range("bytes=-5", 100), Some((95, 99)));
        assert_eq!(super::range("bytes=0-500", 100), Some((0, 99)));
        assert_eq!(super::range("bytes=100-", 100), None);
        assert_eq!(super::range("bytes=5-1", 100), None);
        assert_eq!(super::range("items=0-1", 100), None);
    }
}
