//! Certificate login: `POST /v1/auth/challenge` hands out a one-time nonce;
//! `POST /v1/auth/certificate` takes a detached CMS signature over it.
//!
//! The portal checks the signature, the chain to its trusted roots, validity
//! *now* (not at the signing time the client claims), key usage and its
//! CRLs; the nonce is single-use (burned by the first attempt, good or bad)
//! and short-lived. The certificate's СНИЛС, else its ИНН, names the user.

use axum::extract::State;
use axum::routing::post;
use axum::Router;
use base64::Engine;
use cabinet_api::{CertChallenge, CertificateLogin, TokenPair};
use cabinet_sign::verify::{verify_detached_at, Trust};
use cabinet_sign::{CertificateInfo, SignError};
use rusqlite::{params, Connection, OptionalExtension};

use crate::auth::start_session;
use crate::clock::after;
use crate::clock::parse_ts;
use crate::clock::ts;
use crate::error::ApiJson;
use crate::http::ClientIp;
use crate::{AppState, PortalConfig, PortalError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/challenge", post(challenge))
        .route("/auth/certificate", post(certificate))
}

/// The roots and CRLs of the configuration, parsed once at start.
pub fn configured_trust(config: &PortalConfig) -> Result<Trust, PortalError> {
    let roots = config
        .trusted_roots
        .iter()
        .map(|r| CertificateInfo::parse(r))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PortalError::Internal(format!("trusted root: {e}")))?;
    let trust = Trust {
        roots,
        crls: config.crls.clone(),
    };
    // A broken CRL is a configuration error, found at start rather than at
    // the first login.
    trust
        .check()
        .map_err(|e| PortalError::Internal(format!("CRL: {e}")))?;
    Ok(trust)
}

async fn challenge(
    State(st): State<AppState>,
    crate::http::ClientIp(ip): crate::http::ClientIp,
) -> Result<ApiJson<CertChallenge>, PortalError> {
    st.limit(crate::limits::Kind::Challenge, None, ip.as_deref())?;
    st.with_db(|conn, cfg| {
        let mut nonce = [0u8; 32];
        getrandom::getrandom(&mut nonce)
            .map_err(|e| PortalError::Internal(format!("rng: {e}")))?;
        let id = uuid::Uuid::new_v4().to_string();
        let expires = after(cfg.clock.now(), cfg.challenge_ttl);
        conn.execute(
            "INSERT INTO cert_challenges (id, nonce, expires_at, state) VALUES (?1, ?2, ?3, 'open')",
            params![id, nonce.to_vec(), ts(expires)],
        )?;
        Ok(CertChallenge {
            challenge_id: id,
            nonce: base64::engine::general_purpose::STANDARD.encode(nonce),
            expires_at: ts(expires),
        })
    })
    .await
    .map(ApiJson)
}

/// Burns the challenge and returns its nonce, or why it cannot be used.
fn take_challenge(conn: &Connection, cfg: &PortalConfig, id: &str) -> Result<Vec<u8>, PortalError> {
    let row = conn
        .query_row(
            "SELECT nonce, expires_at, state FROM cert_challenges WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )
        .optional()?;
    let Some((nonce, expires_at, state)) = row else {
        return Err(PortalError::ChallengeInvalid);
    };
    // Single use: the first attempt burns it, whatever its outcome. The
    // UPDATE's row count decides a race between two attempts.
    let burned = conn.execute(
        "UPDATE cert_challenges SET state = 'used' WHERE id = ?1 AND state = 'open'",
        [id],
    )?;
    if state != "open" || burned == 0 {
        return Err(PortalError::ChallengeInvalid);
    }
    if parse_ts(&expires_at)? <= cfg.clock.now() {
        return Err(PortalError::ChallengeExpired);
    }
    Ok(nonce)
}

fn certificate_error(e: SignError) -> PortalError {
    match e {
        SignError::CertificateExpired => PortalError::CertExpired,
        SignError::CertificateNotYetValid => PortalError::CertNotYetValid,
        SignError::UntrustedChain => PortalError::CertUntrusted,
        SignError::Revoked => PortalError::CertRevoked,
        SignError::UnsupportedAlgorithm(a) => PortalError::CertUnsupported(a),
        other => PortalError::SignatureInvalid(other.to_string()),
    }
}

/// The user a certificate belongs to: by СНИЛС, else by personal ИНН.
fn holder(conn: &Connection, cert: &CertificateInfo) -> Result<String, PortalError> {
    let find = |column: &str, value: &str| -> Result<Option<String>, PortalError> {
        Ok(conn
            .query_row(
                &format!("SELECT id FROM users WHERE {column} = ?1"),
                [value],
                |r| r.get(0),
            )
            .optional()?)
    };
    if let Some(snils) = cert.snils.as_deref() {
        if let Some(id) = find("snils", snils)? {
            return Ok(id);
        }
    }
    if let Some(inn) = cert.inn.as_deref().filter(|i| i.len() == 12) {
        if let Some(id) = find("inn", inn)? {
            return Ok(id);
        }
    }
    Err(PortalError::CertUnknownHolder)
}

/// The one signer of `content` whose detached CMS signature (base64) is
/// `signature`: the signature checked, the chain to the trusted roots,
/// validity at `now` (not the signing time the client claims), CRLs, and a
/// key usage that allows signing.
pub fn signer(
    trust: &Trust,
    signature: &str,
    content: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<CertificateInfo, PortalError> {
    let signature = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|e| PortalError::SignatureInvalid(format!("base64: {e}")))?;
    let reports = verify_detached_at(&signature, content, trust, now).map_err(certificate_error)?;
    let [report] = &reports[..] else {
        return Err(PortalError::SignatureInvalid(
            "exactly one signer expected".into(),
        ));
    };
    if trust.roots.is_empty() {
        // No roots configured: nothing can be trusted.
        return Err(PortalError::CertUntrusted);
    }
    let cert = &report.certificate;
    let signs = cert
        .key_usage
        .as_ref()
        .is_none_or(|ku| ku.contains(&cabinet_sign::KeyUsage::DigitalSignature));
    if !signs {
        return Err(PortalError::CertKeyUsage);
    }
    Ok(cert.clone())
}

fn login(
    ip: Option<&str>,
    conn: &mut Connection,
    cfg: &PortalConfig,
    trust: &Trust,
    req: &CertificateLogin,
) -> Result<TokenPair, PortalError> {
    let nonce = take_challenge(conn, cfg, &req.challenge_id)?;
    let cert = signer(trust, &req.signature, &nonce[..], cfg.clock.now())?;
    let user_id = holder(conn, &cert)?;
    tracing::info!(
        user = %user_id,
        serial = %cert.serial,
        "certificate login"
    );
    let tx = conn.transaction()?;
    let tokens = start_session(&tx, cfg, &user_id, "certificate", ip)?;
    tx.commit()?;
    Ok(tokens)
}

async fn certificate(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<CertificateLogin>,
) -> Result<ApiJson<TokenPair>, PortalError> {
    let trust = st.trust.clone();
    st.with_db(move |conn, cfg| login(ip.as_deref(), conn, cfg, &trust, &req))
        .await
        .map(ApiJson)
}
