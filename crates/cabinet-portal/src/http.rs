//! What a request brings and how a write answers it: the caller (bearer
//! token, address), `Idempotency-Key` and the stored answer of a write done
//! once, `If-Match`. Handlers in every module take these; this module knows
//! no route.

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cabinet_api::sync::IDEMPOTENCY_KEY;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

use crate::clock::{parse_ts, ts};
use crate::codes::hash_token;
use crate::error::PortalError;
use crate::AppState;

/// The caller, authenticated by a bearer access token.
pub struct AuthUser {
    pub user_id: String,
    /// The session the access token belongs to.
    pub session_id: String,
    /// The client's address, for the audit log.
    pub ip: Option<String>,
}

/// The client's address as the server saw it (absent when the router is
/// called without a socket, as in unit tests).
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}

fn client_ip(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = PortalError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(PortalError::Unauthorized)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or(PortalError::Unauthorized)?
            .trim()
            .to_owned();
        let ip = client_ip(parts);
        let token_hash = hash_token(&token);
        let (user, seen) = st
            .with_read(move |conn, cfg| {
                let row = conn
                    .query_row(
                        "SELECT a.user_id, a.expires_at, s.revoked_at, a.used_at IS NOT NULL, s.id
                     FROM access_tokens a
                     JOIN sessions s ON s.id = a.session_id WHERE a.token_hash = ?1",
                        [&token_hash],
                        |r| {
                            Ok((
                                r.get::<_, String>(0)?,
                                r.get::<_, String>(1)?,
                                r.get::<_, Option<String>>(2)?,
                                r.get::<_, bool>(3)?,
                                r.get::<_, String>(4)?,
                            ))
                        },
                    )
                    .optional()?;
                let Some((user_id, expires_at, revoked, seen, session_id)) = row else {
                    return Err(PortalError::TokenInvalid);
                };
                if revoked.is_some() {
                    return Err(PortalError::TokenInvalid);
                }
                if parse_ts(&expires_at)? <= cfg.clock.now() {
                    return Err(PortalError::TokenExpired);
                }
                Ok((
                    AuthUser {
                        user_id,
                        session_id,
                        ip,
                    },
                    seen,
                ))
            })
            .await?;
        if !seen {
            // The pair reached its client (see `rotate`): one write per
            // token, on its first use.
            let token_hash = hash_token(&token);
            st.with_db(move |conn, cfg| {
                conn.execute(
                    "UPDATE access_tokens SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL",
                    params![token_hash, ts(cfg.clock.now())],
                )?;
                Ok(())
            })
            .await?;
        }
        Ok(user)
    }
}

pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<String, PortalError> {
    let key = headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or_default();
    if key.is_empty() {
        return Err(PortalError::IdempotencyRequired);
    }
    if key.len() > 100
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(PortalError::BadRequest("malformed Idempotency-Key".into()));
    }
    Ok(key.to_owned())
}

/// Runs a write once per (user, key): the write and its stored answer commit
/// together, so a retry after a lost reply gets the same answer and writes
/// nothing. The same key with another request is refused.
pub(crate) fn once(
    conn: &mut Connection,
    user: &str,
    key: &str,
    request: &str,
    write: impl FnOnce(&Transaction<'_>) -> Result<(StatusCode, serde_json::Value), PortalError>,
) -> Result<Response, PortalError> {
    let hash = data_encoding::HEXLOWER.encode(&Sha256::digest(request.as_bytes()));
    let tx = conn.transaction()?;
    let stored: Option<(String, u16, String)> = tx
        .query_row(
            "SELECT request_hash, status, body FROM idempotency WHERE user_id = ?1 AND key = ?2",
            params![user, key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((stored_hash, status, body)) = stored {
        if stored_hash != hash {
            return Err(PortalError::IdempotencyConflict);
        }
        let mut resp = (
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        resp.headers_mut()
            .insert("Idempotent-Replayed", HeaderValue::from_static("true"));
        return Ok(resp);
    }
    let (status, body) = write(&tx)?;
    let text = body.to_string();
    tx.execute(
        "INSERT INTO idempotency (user_id, key, request_hash, status, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            user,
            key,
            hash,
            status.as_u16(),
            text,
            chrono::Utc::now().to_rfc3339()
        ],
    )?;
    tx.commit()?;
    Ok((
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        text,
    )
        .into_response())
}

pub(crate) fn if_match(headers: &HeaderMap) -> Result<i64, PortalError> {
    headers
        .get(axum::http::header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| PortalError::BadRequest("If-Match with the version is required".into()))
}
