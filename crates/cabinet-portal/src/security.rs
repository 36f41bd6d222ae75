//! How a user's password login is confirmed: SMS codes, or an
//! authenticator app (TOTP) the user sets up with a code made by it.

use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use cabinet_api::{MfaChannel, Security, TotpConfirm, TotpDisable, TotpEnrollment};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{ApiJson, PortalError};
use crate::http::AuthUser;
use crate::{totp, AppState};
use cabinet_api::ErrorCode;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/security", get(security))
        .route("/me/totp", post(start))
        .route("/me/totp/confirm", post(confirm))
        .route("/me/totp/disable", post(disable))
}

fn not_started(detail: &str) -> PortalError {
    PortalError::Refused {
        status: 409,
        code: ErrorCode::AuthTotpNotStarted,
        detail: detail.into(),
    }
}

/// Wrong codes a pending secret takes before it is dropped.
const PENDING_ATTEMPTS: u32 = 5;

fn current(conn: &Connection, user: &str) -> Result<Security, PortalError> {
    let mfa: String =
        conn.query_row("SELECT mfa FROM users WHERE id = ?1", [user], |r| r.get(0))?;
    Ok(Security {
        second_factor: match mfa.as_str() {
            "totp" => Some(MfaChannel::Totp),
            "sms" => Some(MfaChannel::Sms),
            _ => None,
        },
    })
}

async fn security(
    State(st): State<AppState>,
    user: AuthUser,
) -> Result<ApiJson<Security>, PortalError> {
    st.with_db(move |conn, _| current(conn, &user.user_id).map(ApiJson))
        .await
}

/// A new pending secret (any earlier pending one is replaced).
async fn start(
    State(st): State<AppState>,
    user: AuthUser,
) -> Result<ApiJson<TotpEnrollment>, PortalError> {
    let mut key = [0u8; 20];
    getrandom::getrandom(&mut key).map_err(|e| PortalError::Internal(format!("rng: {e}")))?;
    let secret = data_encoding::BASE32_NOPAD.encode(&key);
    st.with_db(move |conn, _| {
        let email: String = conn.query_row(
            "SELECT email FROM users WHERE id = ?1",
            [&user.user_id],
            |r| r.get(0),
        )?;
        conn.execute(
            "UPDATE users SET pending_totp_secret = ?2, pending_totp_attempts = 0 WHERE id = ?1",
            params![user.user_id, secret],
        )?;
        let label: String = email
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        Ok(ApiJson(TotpEnrollment {
            uri: format!("otpauth://totp/OrgCabinet:{label}?secret={secret}&issuer=OrgCabinet&digits=6&period=30"),
            secret,
        }))
    })
    .await
}

/// A code from the app makes the pending secret the login's second factor.
async fn confirm(
    State(st): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<TotpConfirm>,
) -> Result<ApiJson<Security>, PortalError> {
    st.with_db(move |conn, cfg| {
        let row: Option<(Option<String>, u32)> = conn
            .query_row(
                "SELECT pending_totp_secret, pending_totp_attempts FROM users WHERE id = ?1",
                [&user.user_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((Some(secret), attempts)) = row else {
            return Err(not_started("no authenticator is being set up"));
        };
        let key = data_encoding::BASE32_NOPAD
            .decode(secret.as_bytes())
            .map_err(|e| PortalError::Internal(format!("pending secret: {e}")))?;
        if !totp::verify(&key, cfg.clock.now().timestamp(), req.code.trim()) {
            let attempts = attempts + 1;
            if attempts >= PENDING_ATTEMPTS {
                conn.execute(
                    "UPDATE users SET pending_totp_secret = NULL, pending_totp_attempts = 0 WHERE id = ?1",
                    [&user.user_id],
                )?;
                return Err(not_started("too many wrong codes: set it up again"));
            }
            conn.execute(
                "UPDATE users SET pending_totp_attempts = ?2 WHERE id = ?1",
                params![user.user_id, attempts],
            )?;
            return Err(PortalError::TotpInvalid {
                attempts_left: PENDING_ATTEMPTS - attempts,
            });
        }
        conn.execute(
            "UPDATE users SET mfa = 'totp', totp_secret = pending_totp_secret,
                 pending_totp_secret = NULL, pending_totp_attempts = 0 WHERE id = ?1",
            [&user.user_id],
        )?;
        tracing::info!(user = %user.user_id, "authenticator app set up");
        current(conn, &user.user_id).map(ApiJson)
    })
    .await
}

/// Back to SMS codes, confirmed by the password (wrong ones count with
/// wrong logins, as a password change does).
async fn disable(
    State(st): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<TotpDisable>,
) -> Result<ApiJson<Security>, PortalError> {
    let ok = crate::recovery::verify_current(&st, &user.user_id, &req.current_password).await?;
    st.with_db(move |conn, cfg| {
        crate::recovery::confirm_password(conn, cfg, &user.user_id, ok)?;
        conn.execute(
            "UPDATE users SET mfa = 'sms', totp_secret = NULL, failed_attempts = 0 WHERE id = ?1",
            [&user.user_id],
        )?;
        current(conn, &user.user_id).map(ApiJson)
    })
    .await
}
