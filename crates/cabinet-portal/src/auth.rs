//! Authentication endpoints: password, second factor, refresh, logout, `/me`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use cabinet_api::{
    Me, MfaChallenge, MfaChannel, OtpSubmit, PasswordLogin, PasswordLoginResponse, RefreshRequest,
    TokenPair,
};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::access::{require_for, Use};
use crate::clock::after;
use crate::clock::parse_ts;
use crate::clock::ts;
use crate::codes::hash_token;
use crate::codes::mask_phone;
use crate::codes::random_token;
use crate::codes::sms_code;
use crate::error::{ApiJson, PortalError};
use crate::http::AuthUser;
use crate::http::ClientIp;
use crate::limits::{Kind, Limiter};
use crate::records::audit;
use crate::{db, totp, AppState, PortalConfig};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/password", post(password))
        .route("/auth/otp", post(otp))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
}

pub(crate) struct UserRow {
    pub id: String,
    password_hash: String,
    pub phone: String,
    mfa: String,
    failed_attempts: u32,
    locked_until: Option<String>,
}

pub(crate) fn find_login(conn: &Connection, login: &str) -> Result<Option<UserRow>, PortalError> {
    user_row(conn, "login", login)
}

/// The user whose `by` (`id`, or `login`: e-mail, ИНН or ОГРНИП) is `value`.
fn user_row(conn: &Connection, by: &str, value: &str) -> Result<Option<UserRow>, PortalError> {
    let filter = match by {
        "id" => "id = ?1",
        _ => "email = ?1 OR inn = ?1 OR ogrnip = ?1",
    };
    Ok(conn
        .query_row(
            &format!(
                "SELECT id, password_hash, phone, mfa, failed_attempts, locked_until FROM users
                 WHERE {filter}"
            ),
            [value],
            |r| {
                Ok(UserRow {
                    id: r.get(0)?,
                    password_hash: r.get(1)?,
                    phone: r.get(2)?,
                    mfa: r.get(3)?,
                    failed_attempts: r.get(4)?,
                    locked_until: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// Creates a login session with its first access and refresh tokens.
/// `how` and `ip` go to the audit log of the user's organizations.
pub(crate) fn start_session(
    conn: &Connection,
    cfg: &PortalConfig,
    user_id: &str,
    how: &str,
    ip: Option<&str>,
) -> Result<TokenPair, PortalError> {
    let now = cfg.clock.now();
    audit_login(conn, user_id, ip, how, now)?;
    let session = uuid::Uuid::new_v4().to_string();
    conn.execute(
        "INSERT INTO sessions (id, user_id, created_at) VALUES (?1, ?2, ?3)",
        params![session, user_id, ts(now)],
    )?;
    issue_tokens(conn, cfg, &session, user_id)
}

fn issue_tokens(
    conn: &Connection,
    cfg: &PortalConfig,
    session: &str,
    user_id: &str,
) -> Result<TokenPair, PortalError> {
    let now = cfg.clock.now();
    let access = random_token("oca_")?;
    let refresh = random_token("ocr_")?;
    conn.execute(
        "INSERT INTO access_tokens (token_hash, session_id, user_id, expires_at, refresh_hash)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            hash_token(&access),
            session,
            user_id,
            ts(after(now, cfg.access_ttl)),
            hash_token(&refresh)
        ],
    )?;
    conn.execute(
        "INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES (?1, ?2, ?3)",
        params![
            hash_token(&refresh),
            session,
            ts(after(now, cfg.refresh_ttl))
        ],
    )?;
    Ok(TokenPair {
        access_token: access,
        token_type: "Bearer".into(),
        expires_in: cfg.access_ttl.as_secs(),
        refresh_token: refresh,
        refresh_expires_in: cfg.refresh_ttl.as_secs(),
    })
}

/// What the database says of a login before its password is checked.
enum Before {
    /// No such login: a dummy hash is verified all the same, so timing
    /// does not tell which logins exist.
    Unknown,
    /// The user and the stored hash to verify against.
    Check { user: String, hash: String },
}

/// The cheap checks of a password login, under the database: the login
/// exists and is not locked.
fn before_password(
    conn: &Connection,
    cfg: &PortalConfig,
    login: &str,
) -> Result<Before, PortalError> {
    let Some(user) = find_login(conn, login)? else {
        return Ok(Before::Unknown);
    };
    if let Some(until) = user.locked_until.as_deref().map(parse_ts).transpose()? {
        if until > cfg.clock.now() {
            return Err(PortalError::Locked(until));
        }
    }
    Ok(Before::Check {
        user: user.id,
        hash: user.password_hash,
    })
}

/// A password login once the password was verified (off the database):
/// counts a wrong one (locking the login at the threshold) or goes on to
/// the second factor or the session. The user's row is read again, so
/// attempts made meanwhile count too.
fn after_password(
    ip: Option<&str>,
    conn: &mut Connection,
    cfg: &PortalConfig,
    user_id: &str,
    password_ok: bool,
    limiter: &Limiter,
) -> Result<PasswordLoginResponse, PortalError> {
    let now = cfg.clock.now();
    let Some(user) = user_row(conn, "id", user_id)? else {
        return Err(PortalError::InvalidCredentials {
            attempts_left: cfg.lockout_threshold,
        });
    };
    let mut failed = user.failed_attempts;
    if let Some(until) = user.locked_until.as_deref().map(parse_ts).transpose()? {
        if until > now {
            return Err(PortalError::Locked(until));
        }
        // The lock has expired: the count starts again.
        failed = 0;
    }
    if !password_ok {
        failed += 1;
        if failed >= cfg.lockout_threshold {
            let until = after(now, cfg.lockout_duration);
            conn.execute(
                "UPDATE users SET failed_attempts = ?2, locked_until = ?3 WHERE id = ?1",
                params![user.id, failed, ts(until)],
            )?;
            tracing::warn!(user = %user.id, until = %ts(until), "login locked after wrong passwords");
            return Err(PortalError::Locked(until));
        }
        conn.execute(
            "UPDATE users SET failed_attempts = ?2, locked_until = NULL WHERE id = ?1",
            params![user.id, failed],
        )?;
        return Err(PortalError::InvalidCredentials {
            attempts_left: cfg.lockout_threshold - failed,
        });
    }
    conn.execute(
        "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?1",
        [&user.id],
    )?;
    let channel = match user.mfa.as_str() {
        "none" => {
            return Ok(PasswordLoginResponse::Tokens(start_session(
                conn, cfg, &user.id, "password", ip,
            )?))
        }
        "totp" => MfaChannel::Totp,
        _ => MfaChannel::Sms,
    };
    if channel == MfaChannel::Sms {
        // Each such login sends an SMS: limited per person like code requests.
        limiter.take(Kind::CodeRequest, Some(&user.id), None, now)?;
    }
    let ticket = random_token("olt_")?;
    let ticket_hash = hash_token(&ticket);
    let expires = after(now, cfg.otp_ttl);
    let tx = conn.transaction()?;
    let code_hash = if channel == MfaChannel::Sms {
        let code = sms_code()?;
        crate::sms::send(&tx, cfg, &ticket_hash, &user.phone, &code, now)?;
        Some(hash_token(&format!("{ticket_hash}:{code}")))
    } else {
        None
    };
    tx.execute(
        "INSERT INTO login_tickets (ticket_hash, user_id, channel, code_hash, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            ticket_hash,
            user.id,
            if channel == MfaChannel::Sms {
                "sms"
            } else {
                "totp"
            },
            code_hash,
            ts(expires)
        ],
    )?;
    tx.commit()?;
    Ok(PasswordLoginResponse::Mfa(MfaChallenge {
        mfa_required: true,
        ticket,
        channel,
        destination: (channel == MfaChannel::Sms).then(|| mask_phone(&user.phone)),
        expires_at: ts(expires),
    }))
}

/// An argon2id hash with the real parameters, to equalise timing for unknown logins.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| db::hash_password("timing-equaliser").unwrap_or_default())
}

async fn password(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<PasswordLogin>,
) -> Result<ApiJson<PasswordLoginResponse>, PortalError> {
    if req.login.trim().is_empty() || req.password.is_empty() {
        return Err(PortalError::BadRequest(
            "login and password are required".into(),
        ));
    }
    let login = req.login.trim().to_owned();
    st.limit(Kind::Password, Some(&login), ip.as_deref())?;
    let before = st
        .with_db(move |conn, cfg| before_password(conn, cfg, &login))
        .await?;
    let password = zeroize::Zeroizing::new(req.password);
    let (user, hash) = match before {
        Before::Unknown => (None, dummy_hash().to_owned()),
        Before::Check { user, hash } => (Some(user), hash),
    };
    let ok = st
        .hash_work(move || db::verify_password(&password, &hash))
        .await?;
    let Some(user) = user else {
        return Err(PortalError::InvalidCredentials {
            attempts_left: st.config.lockout_threshold,
        });
    };
    let limiter = st.limiter.clone();
    st.with_db(move |conn, cfg| after_password(ip.as_deref(), conn, cfg, &user, ok, &limiter))
        .await
        .map(ApiJson)
}

/// The tables of one-time-code tickets; they share the columns
/// `ticket_hash`, `attempts` and `state`.
#[derive(Clone, Copy)]
pub(crate) enum Tickets {
    Login,
    Recovery,
}

impl Tickets {
    fn table(self) -> &'static str {
        match self {
            Tickets::Login => "login_tickets",
            Tickets::Recovery => "recovery_tickets",
        }
    }
}

/// A wrong code on an open ticket: counted, the ticket burned once
/// `otp_max_attempts` are spent. Answers the error to give.
pub(crate) fn wrong_code(
    conn: &Connection,
    cfg: &PortalConfig,
    tickets: Tickets,
    ticket_hash: &str,
    attempts: u32,
) -> Result<PortalError, PortalError> {
    let attempts = attempts + 1;
    let burned = attempts >= cfg.otp_max_attempts;
    conn.execute(
        &format!(
            "UPDATE {} SET attempts = ?2, state = ?3 WHERE ticket_hash = ?1",
            tickets.table()
        ),
        params![
            ticket_hash,
            attempts,
            if burned { "burned" } else { "open" }
        ],
    )?;
    Ok(PortalError::OtpInvalid {
        attempts_left: cfg.otp_max_attempts.saturating_sub(attempts),
    })
}

/// An expired ticket: burned. Answers the error to give.
pub(crate) fn expired(
    conn: &Connection,
    tickets: Tickets,
    ticket_hash: &str,
) -> Result<PortalError, PortalError> {
    conn.execute(
        &format!(
            "UPDATE {} SET state = 'burned' WHERE ticket_hash = ?1",
            tickets.table()
        ),
        [ticket_hash],
    )?;
    Ok(PortalError::OtpExpired)
}

fn check_otp(
    ip: Option<&str>,
    conn: &mut Connection,
    cfg: &PortalConfig,
    req: &OtpSubmit,
) -> Result<TokenPair, PortalError> {
    let now = cfg.clock.now();
    let ticket_hash = hash_token(&req.ticket);
    let row = conn
        .query_row(
            "SELECT t.user_id, t.channel, t.code_hash, t.expires_at, t.attempts, t.state, u.totp_secret
             FROM login_tickets t JOIN users u ON u.id = t.user_id WHERE t.ticket_hash = ?1",
            [&ticket_hash],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, u32>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            },
        )
        .optional()?;
    let Some((user_id, channel, code_hash, expires_at, attempts, state, secret)) = row else {
        return Err(PortalError::TicketInvalid);
    };
    if state != "open" {
        return Err(PortalError::TicketInvalid);
    }
    if parse_ts(&expires_at)? <= now {
        return Err(expired(conn, Tickets::Login, &ticket_hash)?);
    }
    let code = req.code.trim();
    let ok = match channel.as_str() {
        "totp" => secret
            .and_then(|s| {
                data_encoding::BASE32_NOPAD
                    .decode(s.trim_end_matches('=').as_bytes())
                    .ok()
            })
            .is_some_and(|key| totp::verify(&key, now.timestamp(), code)),
        _ => code_hash.is_some_and(|h| {
            totp::constant_time_eq(
                h.as_bytes(),
                hash_token(&format!("{ticket_hash}:{code}")).as_bytes(),
            )
        }),
    };
    if !ok {
        return Err(wrong_code(
            conn,
            cfg,
            Tickets::Login,
            &ticket_hash,
            attempts,
        )?);
    }
    let tx = conn.transaction()?;
    tx.execute(
        "UPDATE login_tickets SET state = 'used' WHERE ticket_hash = ?1",
        [&ticket_hash],
    )?;
    let tokens = start_session(&tx, cfg, &user_id, "password+code", ip)?;
    tx.commit()?;
    Ok(tokens)
}

async fn otp(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<OtpSubmit>,
) -> Result<ApiJson<TokenPair>, PortalError> {
    st.limit(Kind::CodeCheck, None, ip.as_deref())?;
    st.with_db(move |conn, cfg| check_otp(ip.as_deref(), conn, cfg, &req))
        .await
        .map(ApiJson)
}

/// Rotates a refresh token: a new pair, the old token used. A used token
/// that comes back is answered again only when it is a retry of the very
/// request that rotated it — the same `Idempotency-Key`, within
/// `refresh_reuse_grace`, the pair it got still untouched (its reply was
/// lost). Anything else is reuse of a leaked token: the whole session, its
/// access tokens included, is revoked.
fn rotate(
    conn: &mut Connection,
    cfg: &PortalConfig,
    token: &str,
    retry_key: Option<&str>,
) -> Result<TokenPair, PortalError> {
    let now = cfg.clock.now();
    let hash = hash_token(token);
    let key_hash = retry_key.map(hash_token);
    let row = conn
        .query_row(
            "SELECT r.session_id, r.expires_at, r.used_at, s.revoked_at, s.user_id, r.successor,
                    r.retry_key
             FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.token_hash = ?1",
            [&hash],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            },
        )
        .optional()?;
    let Some((session, expires_at, used_at, revoked_at, user_id, successor, rotated_by)) = row
    else {
        return Err(PortalError::RefreshInvalid);
    };
    if revoked_at.is_some() {
        return Err(PortalError::RefreshInvalid);
    }
    let tx = conn.transaction()?;
    if let Some(used_at) = used_at {
        let recent = parse_ts(&used_at)?
            + chrono::Duration::from_std(cfg.refresh_reuse_grace).unwrap_or_default()
            > now;
        let same_request = key_hash.is_some() && key_hash == rotated_by;
        let untouched = match &successor {
            Some(next) => successor_untouched(&tx, next)?,
            None => false,
        };
        if !(recent && same_request && untouched) {
            // A used refresh token came back from another request, or
            // after its successor was used, or long after: it leaked, or a
            // stale copy is being replayed. End the whole session so
            // neither party keeps access.
            revoke_session(&tx, &session, now)?;
            tx.commit()?;
            tracing::warn!(%session, "refresh token reuse: session revoked");
            return Err(PortalError::RefreshInvalid);
        }
        // The client retried the request whose reply it never got: the
        // pair it never saw is withdrawn and a new one issued in its place.
        if let Some(next) = &successor {
            tx.execute("DELETE FROM access_tokens WHERE refresh_hash = ?1", [next])?;
            tx.execute("DELETE FROM refresh_tokens WHERE token_hash = ?1", [next])?;
        }
        tracing::info!(%session, "refresh retried: the unseen successor pair is replaced");
    } else if parse_ts(&expires_at)? <= now {
        return Err(PortalError::RefreshInvalid);
    }
    let tokens = issue_tokens(&tx, cfg, &session, &user_id)?;
    tx.execute(
        "UPDATE refresh_tokens SET used_at = coalesce(used_at, ?2), successor = ?3,
             retry_key = coalesce(retry_key, ?4)
         WHERE token_hash = ?1",
        params![hash, ts(now), hash_token(&tokens.refresh_token), key_hash],
    )?;
    tx.commit()?;
    Ok(tokens)
}

/// Whether the pair issued with refresh token `next` was never used: its
/// refresh token not rotated, its access token never presented.
fn successor_untouched(conn: &Connection, next: &str) -> Result<bool, PortalError> {
    let refresh_used: Option<Option<String>> = conn
        .query_row(
            "SELECT used_at FROM refresh_tokens WHERE token_hash = ?1",
            [next],
            |r| r.get(0),
        )
        .optional()?;
    let access_used: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM access_tokens WHERE refresh_hash = ?1 AND used_at IS NOT NULL)",
        [next],
        |r| r.get(0),
    )?;
    Ok(matches!(refresh_used, Some(None)) && !access_used)
}

fn revoke_session(conn: &Connection, session: &str, now: DateTime<Utc>) -> Result<(), PortalError> {
    conn.execute(
        "UPDATE sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![session, ts(now)],
    )?;
    conn.execute("DELETE FROM access_tokens WHERE session_id = ?1", [session])?;
    Ok(())
}

async fn refresh(
    State(st): State<AppState>,
    headers: axum::http::HeaderMap,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<ApiJson<TokenPair>, PortalError> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    st.with_db(move |conn, cfg| rotate(conn, cfg, &req.refresh_token, key.as_deref()))
        .await
        .map(ApiJson)
}

async fn logout(
    State(st): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<StatusCode, PortalError> {
    st.with_db(move |conn, cfg| {
        let session: Option<String> = conn
            .query_row(
                "SELECT session_id FROM refresh_tokens WHERE token_hash = ?1",
                [hash_token(&req.refresh_token)],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(session) = session {
            revoke_session(conn, &session, cfg.clock.now())?;
        }
        // Logging out twice is not an error.
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

async fn me(State(st): State<AppState>, user: AuthUser) -> Result<ApiJson<Me>, PortalError> {
    st.with_read(move |conn, _| {
        conn.query_row(
            "SELECT id, full_name, email, inn, snils FROM users WHERE id = ?1",
            [&user.user_id],
            |r| {
                Ok(Me {
                    user_id: r.get(0)?,
                    full_name: r.get(1)?,
                    email: r.get(2)?,
                    inn: r.get(3)?,
                    snils: r.get(4)?,
                })
            },
        )
        .optional()?
        .ok_or(PortalError::TokenInvalid)
    })
    .await
    .map(ApiJson)
}

/// A login of `user`: a line in the audit log of each of their
/// organizations (the log is the organization's).
pub fn audit_login(
    conn: &Connection,
    user: &str,
    ip: Option<&str>,
    how: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), PortalError> {
    let orgs: Vec<String> = {
        // A suspended or blocked cabinet logs the login too; a deactivated
        // one is gone.
        let mut st = conn.prepare(
            "SELECT m.org_id FROM memberships m JOIN organizations o ON o.id = m.org_id
             WHERE m.user_id = ?1 AND o.access <> 'deactivated'",
        )?;
        let rows = st
            .query_map([user], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        rows
    };
    for org in orgs {
        let who = require_for(conn, &org, user, ip, None, Use::Any)?;
        audit(conn, &org, &who, "auth.login", how, now)?;
    }
    Ok(())
}
