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
use cabinet_api::ErrorCode;
use cabinet_api::{CertChallenge, CertificateLogin, TokenPair};
use cabinet_sign::verify::Trust;
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

/// What a refused judgement means for a login.
fn refused(code: ErrorCode) -> PortalError {
    use ErrorCode as C;
    match code {
        C::SigContentChanged | C::SigBroken => {
            PortalError::SignatureInvalid("the signature does not verify".into())
        }
        C::SigCertExpired | C::SigCertExpiredNoProof => PortalError::CertExpired,
        C::SigCertNotYetValid => PortalError::CertNotYetValid,
        C::SigRevoked => PortalError::CertRevoked,
        C::RevocationUnknown | C::RevocationStale => PortalError::Refused {
            status: 401,
            code,
            detail: "no current revocation data for the certificate".into(),
        },
        _ => PortalError::CertUntrusted,
    }
}

/// The one signer of `content` whose detached CMS signature (base64) is
/// `signature`, judged as every signature is ([`crate::trust::judge`]):
/// intact, issued by a CA of the published list or a configured root, and
/// valid and not revoked *now* (the signing time the client claims counts
/// for nothing); and a key usage that allows signing.
pub fn signer(
    trust: &Trust,
    list: &crate::trust::TrustService,
    signature: &str,
    content: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<CertificateInfo, PortalError> {
    let signature = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|e| PortalError::SignatureInvalid(format!("base64: {e}")))?;
    if trust.roots.is_empty() && list.list.authorities.is_empty() {
        // Nothing configured: nothing can be trusted.
        return Err(PortalError::CertUntrusted);
    }
    let checks =
        crate::trust::judge(trust, list, &signature, content, now).map_err(certificate_error)?;
    let [check] = &checks[..] else {
        return Err(PortalError::SignatureInvalid(
            "exactly one signer expected".into(),
        ));
    };
    if let Some((code, _)) = crate::trust::refusal(&checks) {
        return Err(refused(code));
    }
    let cert = &check.certificate;
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
    cert: &CertificateInfo,
) -> Result<TokenPair, PortalError> {
    let user_id = holder(conn, cert)?;
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
    // The nonce is burned under the writer; the signature is checked off
    // it (an unauthenticated caller's work never holds the database); the
    // session starts under the writer again.
    let id = req.challenge_id.clone();
    let nonce = st
        .with_db(move |conn, cfg| take_challenge(conn, cfg, &id))
        .await?;
    let (trust, list, now) = (
        st.trust.clone(),
        st.trust_list.clone(),
        st.config.clock.now(),
    );
    let cert =
        tokio::task::spawn_blocking(move || signer(&trust, &list, &req.signature, &nonce[..], now))
            .await
            .map_err(|e| PortalError::Internal(format!("verify task: {e}")))??;
    st.with_db(move |conn, cfg| login(ip.as_deref(), conn, cfg, &cert))
        .await
        .map(ApiJson)
}
