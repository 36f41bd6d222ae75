//! «Забыли пароль?»: a code to the user's phone, then a new password.
//!
//! The first step answers the same for any login, so it cannot tell which
//! logins exist; for an unknown one the ticket simply never matches a code.
//! The new password follows the shared rule; setting it ends every session
//! of the user (whoever knew the old password is out) and lifts a login
//! lock. Wrong codes burn the ticket like a login code.
//!
//! A signed-in user changes the password with the current one: the other
//! sessions end, the asking one stays.

use axum::extract::State;
use axum::routing::post;
use axum::Router;
use cabinet_api::ErrorCode;
use cabinet_api::{PasswordChange, PasswordRecovery, RecoveryConfirm, RecoveryTicket};
use rusqlite::{params, Connection, OptionalExtension};

use crate::auth::{expired, find_login, wrong_code, Tickets};
use crate::clock::after;
use crate::clock::parse_ts;
use crate::clock::ts;
use crate::codes::hash_token;
use crate::codes::random_token;
use crate::codes::sms_code;
use crate::error::{ApiJson, PortalError};
use crate::http::AuthUser;
use crate::http::ClientIp;
use crate::limits::{Kind, Limiter};
use crate::{db, totp, AppState, PortalConfig};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/recovery", post(start))
        .route("/auth/recovery/confirm", post(confirm))
        .route("/auth/password/change", post(change))
}

fn weak(code: ErrorCode) -> PortalError {
    PortalError::FieldRefused {
        code,
        field: "new_password",
        detail: "8 to 128 characters with a letter and a digit".into(),
    }
}

async fn change(
    State(st): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<PasswordChange>,
) -> Result<ApiJson<serde_json::Value>, PortalError> {
    cabinet_api::check_new_password(&req.new_password).map_err(weak)?;
    if req.new_password == req.current_password {
        return Err(PortalError::FieldRefused {
            code: ErrorCode::AuthSamePassword,
            field: "new_password",
            detail: "the new password is the current one".into(),
        });
    }
    let ok = verify_current(&st, &user.user_id, &req.current_password).await?;
    let password = zeroize::Zeroizing::new(req.new_password.clone());
    let hash = st.hash_work(move || db::hash_password(&password)).await??;
    st.with_db(move |conn, cfg| {
        let now = cfg.clock.now();
        confirm_password(conn, cfg, &user.user_id, ok)?;
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE users SET password_hash = ?2, failed_attempts = 0, locked_until = NULL WHERE id = ?1",
            params![user.user_id, hash],
        )?;
        end_sessions(&tx, &user.user_id, Some(&user.session_id), now)?;
        tx.commit()?;
        tracing::info!(user = %user.user_id, "password changed");
        Ok(ApiJson(serde_json::json!({})))
    })
    .await
}

/// Whether `password` is the signed-in `user`'s: the hash is read from the
/// database, and verified on a hashing place without it.
pub(crate) async fn verify_current(
    st: &AppState,
    user: &str,
    password: &str,
) -> Result<bool, PortalError> {
    let id = user.to_owned();
    let hash: String = st
        .with_db(move |conn, _| {
            Ok(conn.query_row(
                "SELECT password_hash FROM users WHERE id = ?1",
                [&id],
                |r| r.get(0),
            )?)
        })
        .await?;
    let password = zeroize::Zeroizing::new(password.to_owned());
    st.hash_work(move || db::verify_password(&password, &hash))
        .await
}

/// A signed-in user's password, asked again before a change of how they
/// log in. Wrong ones count with wrong logins: the fifth locks the account
/// and ends every session (someone at an unlocked desk guessing).
///
/// `password_ok` comes from [`verify_current`], run before and off the
/// database.
pub(crate) fn confirm_password(
    conn: &mut Connection,
    cfg: &PortalConfig,
    user: &str,
    password_ok: bool,
) -> Result<(), PortalError> {
    let now = cfg.clock.now();
    if password_ok {
        return Ok(());
    }
    let failed: u32 = conn.query_row(
        "SELECT failed_attempts FROM users WHERE id = ?1",
        [user],
        |r| r.get(0),
    )?;
    let failed = failed + 1;
    if failed >= cfg.lockout_threshold {
        let until = after(now, cfg.lockout_duration);
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE users SET failed_attempts = ?2, locked_until = ?3 WHERE id = ?1",
            params![user, failed, ts(until)],
        )?;
        end_sessions(&tx, user, None, now)?;
        tx.commit()?;
        tracing::warn!(%user, "locked after wrong passwords at a signed-in check");
        return Err(PortalError::Locked(until));
    }
    conn.execute(
        "UPDATE users SET failed_attempts = ?2 WHERE id = ?1",
        params![user, failed],
    )?;
    Err(PortalError::WrongPassword {
        attempts_left: cfg.lockout_threshold - failed,
    })
}

async fn start(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<PasswordRecovery>,
) -> Result<ApiJson<RecoveryTicket>, PortalError> {
    st.limit(Kind::CodeRequest, None, ip.as_deref())?;
    let limiter = st.limiter.clone();
    st.with_db(move |conn, cfg| begin(conn, cfg, req.login.trim(), &limiter))
        .await
        .map(ApiJson)
}

fn begin(
    conn: &mut Connection,
    cfg: &PortalConfig,
    login: &str,
    limiter: &Limiter,
) -> Result<RecoveryTicket, PortalError> {
    let now = cfg.clock.now();
    let ticket = random_token("rec_")?;
    let ticket_hash = hash_token(&ticket);
    let expires = after(now, cfg.otp_ttl);
    let user = find_login(conn, login)?;
    if let Some(u) = &user {
        // Each request sends an SMS: a person gets a few, then one every
        // so often, whichever of their logins is named.
        limiter.take(Kind::CodeRequest, Some(&u.id), None, now)?;
    }
    let tx = conn.transaction()?;
    let code_hash = match &user {
        Some(u) => {
            let code = sms_code()?;
            crate::sms::send(&tx, cfg, &ticket_hash, &u.phone, &code, now)?;
            Some(hash_token(&format!("{ticket_hash}:{code}")))
        }
        None => {
            // Spend the time a real code would take to make and store.
            let _ = sms_code()?;
            None
        }
    };
    tx.execute(
        "INSERT INTO recovery_tickets (ticket_hash, user_id, code_hash, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![
            ticket_hash,
            user.as_ref().map(|u| &u.id),
            code_hash,
            ts(expires)
        ],
    )?;
    tx.commit()?;
    Ok(RecoveryTicket {
        ticket,
        expires_at: ts(expires),
    })
}

async fn confirm(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<RecoveryConfirm>,
) -> Result<ApiJson<serde_json::Value>, PortalError> {
    st.limit(Kind::CodeCheck, None, ip.as_deref())?;
    cabinet_api::check_new_password(&req.new_password).map_err(weak)?;
    let req = std::sync::Arc::new(req);
    // The ticket and code first, under the database (a wrong code counts
    // there); the slow hash only for a right one, on a hashing place and
    // off the database; then the same checks again, and the change.
    let first = req.clone();
    let checked = st
        .with_db(move |conn, cfg| finish(conn, cfg, &first, None))
        .await?;
    debug_assert!(matches!(checked, Finished::NeedsHash));
    let password = zeroize::Zeroizing::new(req.new_password.clone());
    let hash = st.hash_work(move || db::hash_password(&password)).await??;
    st.with_db(move |conn, cfg| finish(conn, cfg, &req, Some(&hash)))
        .await
        .map(|_| ApiJson(serde_json::json!({})))
}

/// How far [`finish`] went.
enum Finished {
    /// The ticket and code are right: the new password's hash is needed.
    NeedsHash,
    Done,
}

/// A recovery ticket as stored; `user` is `None` for an unknown login.
struct Ticket {
    user: Option<String>,
    code_hash: Option<String>,
    expires_at: String,
    attempts: u32,
    state: String,
}

/// Checks the ticket and its code (counting a wrong code) and, given the
/// new password's hash, sets it and ends every session.
fn finish(
    conn: &mut Connection,
    cfg: &PortalConfig,
    req: &RecoveryConfirm,
    password_hash: Option<&str>,
) -> Result<Finished, PortalError> {
    let now = cfg.clock.now();
    let ticket_hash = hash_token(&req.ticket);
    let row = conn
        .query_row(
            "SELECT user_id, code_hash, expires_at, attempts, state FROM recovery_tickets
             WHERE ticket_hash = ?1",
            [&ticket_hash],
            |r| {
                Ok(Ticket {
                    user: r.get(0)?,
                    code_hash: r.get(1)?,
                    expires_at: r.get(2)?,
                    attempts: r.get(3)?,
                    state: r.get(4)?,
                })
            },
        )
        .optional()?;
    let Some(Ticket {
        user,
        code_hash,
        expires_at,
        attempts,
        state,
    }) = row
    else {
        return Err(PortalError::TicketInvalid);
    };
    if state != "open" {
        return Err(PortalError::TicketInvalid);
    }
    if parse_ts(&expires_at)? <= now {
        return Err(expired(conn, Tickets::Recovery, &ticket_hash)?);
    }
    let expected = hash_token(&format!("{ticket_hash}:{}", req.code.trim()));
    let matches =
        code_hash.is_some_and(|h| totp::constant_time_eq(h.as_bytes(), expected.as_bytes()));
    let Some(user) = user.filter(|_| matches) else {
        return Err(wrong_code(
            conn,
            cfg,
            Tickets::Recovery,
            &ticket_hash,
            attempts,
        )?);
    };
    let Some(password_hash) = password_hash else {
        return Ok(Finished::NeedsHash);
    };
    let tx = conn.transaction()?;
    tx.execute(
        "UPDATE recovery_tickets SET state = 'used' WHERE ticket_hash = ?1",
        [&ticket_hash],
    )?;
    tx.execute(
        "UPDATE users SET password_hash = ?2, failed_attempts = 0, locked_until = NULL WHERE id = ?1",
        params![user, password_hash],
    )?;
    end_sessions(&tx, &user, None, now)?;
    tx.commit()?;
    tracing::info!(%user, "password reset with a recovery code");
    Ok(Finished::Done)
}

/// Ends every session of `user` but `keep`: refresh tokens stop working
/// at once, access tokens are dropped.
fn end_sessions(
    conn: &Connection,
    user: &str,
    keep: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), PortalError> {
    let keep = keep.unwrap_or("");
    conn.execute(
        "UPDATE sessions SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL AND id <> ?3",
        params![user, ts(now), keep],
    )?;
    conn.execute(
        "DELETE FROM access_tokens WHERE user_id = ?1 AND session_id <> ?2",
        params![user, keep],
    )?;
    Ok(())
}
