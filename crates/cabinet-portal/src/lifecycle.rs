//! A cabinet's access over its life, apart from the organization's legal
//! status:
//! - a person links an existing cabinet to their account by the
//!   organization's INN and a code sent to the organization's phone (whoever
//!   answers the organization's phone vouches for them); they join as
//!   Наблюдатель, and the administrators are told, to give a role;
//! - the portal suspends (read-only) or blocks (closed) a cabinet with a
//!   reason; its head or administrator asks for an unblock with documents,
//!   and the portal approves or refuses with a comment;
//! - the head deactivates the cabinet with the password and a code sent to
//!   their phone; it is then gone for every member.
//!
//! Wrong and stale codes answer 422, never 401: the user is signed in, and
//! a 401 would read as a dead session.

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use cabinet_api::access::{MAX_UNBLOCK_BYTES, MAX_UNBLOCK_FILES};
use cabinet_api::ErrorCode;
use cabinet_api::{
    AccessState, CodeConfirm, CodeSent, DeactivateRequest, LinkRequest, NotificationKind,
    OrganizationSummary, Permission, UnblockRequest, UnblockView,
};
use rusqlite::{params, Connection, OptionalExtension};

use crate::access::Use;
use crate::actions::write_for;
use crate::clock::after;
use crate::clock::parse_ts;
use crate::clock::ts;
use crate::codes::hash_token;
use crate::codes::mask_phone;
use crate::codes::random_token;
use crate::codes::sms_code;
use crate::error::{ApiJson, PortalError};
use crate::http::AuthUser;
use crate::records::{self};
use crate::{db, AppState, PortalConfig};

/// Codes a ticket takes before it is burned.
const CODE_ATTEMPTS: u32 = 5;
/// The role of someone who linked a cabinet by its code.
const LINKED_ROLE: &str = "Наблюдатель";
use crate::access;
use crate::staff;
use cabinet_api::HEAD_ROLE;

pub fn routes() -> Router<AppState> {
    let limit = MAX_UNBLOCK_BYTES / 3 * 4 + 64 * 1024;
    Router::new()
        .route("/me/organizations/link", post(link))
        .route("/me/organizations/link/confirm", post(link_confirm))
        .route("/orgs/{org}/deactivation", post(deactivate))
        .route("/orgs/{org}/deactivation/confirm", post(deactivate_confirm))
        .route(
            "/orgs/{org}/unblock-requests",
            post(unblock).layer(DefaultBodyLimit::max(limit)),
        )
}

#[derive(Clone, Copy)]
enum Purpose {
    Link,
    Deactivate,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Link => "link",
            Purpose::Deactivate => "deactivate",
        }
    }
}

/// Sends a code about `org` to `phone`; the ticket to confirm it with.
fn send_code(
    conn: &mut Connection,
    cfg: &PortalConfig,
    purpose: Purpose,
    user: &str,
    org: &str,
    phone: &str,
) -> Result<CodeSent, PortalError> {
    let now = cfg.clock.now();
    let ticket = random_token("org_")?;
    let ticket_hash = hash_token(&ticket);
    let code = sms_code()?;
    let expires = after(now, cfg.otp_ttl);
    let tx = conn.transaction()?;
    crate::sms::send(&tx, cfg, &ticket_hash, phone, &code, now)?;
    tx.execute(
        "INSERT INTO org_codes (ticket_hash, purpose, user_id, org_id, code_hash, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            ticket_hash,
            purpose.as_str(),
            user,
            org,
            hash_token(&format!("{ticket_hash}:{code}")),
            ts(expires)
        ],
    )?;
    tx.commit()?;
    if cfg.demo {
        tracing::info!(target: "cabinet_portal::demo_sms", %phone, %code, "demo SMS code");
    }
    Ok(CodeSent {
        ticket,
        phone: mask_phone(phone),
        expires_at: ts(expires),
    })
}

fn code_expired() -> PortalError {
    PortalError::Refused {
        status: 422,
        code: ErrorCode::RegistrationCodeExpired,
        detail: "ask for a new confirmation code".into(),
    }
}

/// The organization a right code of `user` for `purpose` was about; the
/// ticket is then used. A wrong code counts (and stays counted).
fn check_code(
    conn: &Connection,
    cfg: &PortalConfig,
    purpose: Purpose,
    user: &str,
    req: &CodeConfirm,
) -> Result<String, PortalError> {
    let ticket_hash = hash_token(&req.ticket);
    let row: Option<(String, String, String, String, String, u32, String)> = conn
        .query_row(
            "SELECT purpose, user_id, org_id, code_hash, expires_at, attempts, state
             FROM org_codes WHERE ticket_hash = ?1",
            [&ticket_hash],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .optional()?;
    let Some((p, owner, org, code_hash, expires, attempts, state)) = row else {
        return Err(code_expired());
    };
    if p != purpose.as_str() || owner != user || state != "open" {
        return Err(code_expired());
    }
    if parse_ts(&expires)? <= cfg.clock.now() {
        conn.execute(
            "UPDATE org_codes SET state = 'burned' WHERE ticket_hash = ?1",
            [&ticket_hash],
        )?;
        return Err(code_expired());
    }
    let expected = hash_token(&format!("{ticket_hash}:{}", req.code.trim()));
    if !crate::totp::constant_time_eq(expected.as_bytes(), code_hash.as_bytes()) {
        let attempts = attempts + 1;
        conn.execute(
            "UPDATE org_codes SET attempts = ?2, state = ?3 WHERE ticket_hash = ?1",
            params![
                ticket_hash,
                attempts,
                if attempts >= CODE_ATTEMPTS {
                    "burned"
                } else {
                    "open"
                }
            ],
        )?;
        return Err(PortalError::CodeInvalid {
            attempts_left: CODE_ATTEMPTS.saturating_sub(attempts),
        });
    }
    conn.execute(
        "UPDATE org_codes SET state = 'used' WHERE ticket_hash = ?1",
        [&ticket_hash],
    )?;
    Ok(org)
}

async fn link(
    State(st): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<LinkRequest>,
) -> Result<ApiJson<CodeSent>, PortalError> {
    let inn = req.inn.trim().to_owned();
    cabinet_api::requisites::validate_inn(&inn).map_err(PortalError::from)?;
    st.limit(
        crate::limits::Kind::CodeRequest,
        Some(&user.user_id),
        user.ip.as_deref(),
    )?;
    st.with_db(move |conn, cfg| {
        let found: Option<(String, String, String)> = conn
            .query_row(
                "SELECT id, phone, access FROM organizations WHERE inn = ?1",
                [&inn],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((org, phone, _)) = found.filter(|(_, _, a)| a != "deactivated") else {
            return Err(PortalError::Refused {
                status: 404,
                code: ErrorCode::LinkNotFound,
                detail: "no cabinet of an organization with this INN".into(),
            });
        };
        if db::is_member(conn, &org, &user.user_id)? {
            return Err(PortalError::Refused {
                status: 409,
                code: ErrorCode::LinkAlreadyMember,
                detail: "already a member of this cabinet".into(),
            });
        }
        send_code(conn, cfg, Purpose::Link, &user.user_id, &org, &phone)
    })
    .await
    .map(ApiJson)
}

async fn link_confirm(
    State(st): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<CodeConfirm>,
) -> Result<ApiJson<OrganizationSummary>, PortalError> {
    st.with_db(move |conn, cfg| {
        let org = check_code(conn, cfg, Purpose::Link, &user.user_id, &req)?;
        let now = cfg.clock.now();
        let tx = conn.transaction()?;
        if !db::is_member(&tx, &org, &user.user_id)? {
            staff::insert_membership(&tx, &org, &user.user_id, LINKED_ROLE)?;
            let e = records::publish_employee(&tx, &org, &user.user_id)?;
            let who = records::Actor {
                user_id: user.user_id.clone(),
                name: e.full_name.clone(),
                ip: user.ip.clone(),
            };
            records::audit(&tx, &org, &who, "employee.link", &e.full_name, now)?;
            records::notify(
                &tx,
                &org,
                NotificationKind::System,
                format!("К кабинету присоединился {}", e.full_name),
                format!(
                    "{} подтвердил доступ кодом, отправленным на телефон организации, и получил роль «{LINKED_ROLE}». Роль можно изменить в разделе «Сотрудники».",
                    e.full_name
                ),
                "employee",
                &e.id,
                now,
            )?;
        }
        tx.commit()?;
        db::organizations_of(conn, &user.user_id)?
            .into_iter()
            .find(|o| o.id == org)
            .ok_or(PortalError::OrgForbidden)
    })
    .await
    .map(ApiJson)
}

/// Whether `user` is the head of `org` (its cabinet open or closed, not
/// deactivated); if not, why. The person decides, not a role name: the
/// member must hold the head's role *and* be the head the organization's
/// register entry names. A refusal is written to the audit log.
fn head_of(
    conn: &Connection,
    org: &str,
    user: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), PortalError> {
    let row: Option<(String, String, String)> = conn
        .query_row(
            "SELECT m.role, u.full_name, o.head_name FROM memberships m
             JOIN users u ON u.id = m.user_id JOIN organizations o ON o.id = m.org_id
             WHERE m.org_id = ?1 AND m.user_id = ?2",
            [org, user],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (role, name, head) = row.ok_or(PortalError::OrgForbidden)?;
    access::check_access(conn, org, Use::Any)?;
    if role != HEAD_ROLE || !crate::registry::same_person(&name, &head) {
        let who = access::require_for(conn, org, user, None, None, Use::Any)?;
        records::audit(
            conn,
            org,
            &who,
            "authority.refused",
            &format!(
                "org.deactivate: {}: the register names {head} as head",
                ErrorCode::OrgHeadOnly
            ),
            now,
        )?;
        return Err(PortalError::Refused {
            status: 403,
            code: ErrorCode::OrgHeadOnly,
            detail: "only the head of the organization may deactivate its cabinet".into(),
        });
    }
    Ok(())
}

async fn deactivate(
    State(st): State<AppState>,
    user: AuthUser,
    Path(org): Path<String>,
    ApiJson(req): ApiJson<DeactivateRequest>,
) -> Result<ApiJson<CodeSent>, PortalError> {
    st.limit(
        crate::limits::Kind::CodeRequest,
        Some(&user.user_id),
        user.ip.as_deref(),
    )?;
    // Only the head gets as far as the password check.
    let (o, u) = (org.clone(), user.user_id.clone());
    st.with_db(move |conn, cfg| head_of(conn, &o, &u, cfg.clock.now()))
        .await?;
    let ok = crate::recovery::verify_current(&st, &user.user_id, &req.current_password).await?;
    st.with_db(move |conn, cfg| {
        head_of(conn, &org, &user.user_id, cfg.clock.now())?;
        crate::recovery::confirm_password(conn, cfg, &user.user_id, ok)?;
        let phone: String = conn.query_row(
            "SELECT phone FROM users WHERE id = ?1",
            [&user.user_id],
            |r| r.get(0),
        )?;
        send_code(conn, cfg, Purpose::Deactivate, &user.user_id, &org, &phone)
    })
    .await
    .map(ApiJson)
}

async fn deactivate_confirm(
    State(st): State<AppState>,
    user: AuthUser,
    Path(org): Path<String>,
    ApiJson(req): ApiJson<CodeConfirm>,
) -> Result<ApiJson<serde_json::Value>, PortalError> {
    st.with_db(move |conn, cfg| {
        head_of(conn, &org, &user.user_id, cfg.clock.now())?;
        let about = check_code(conn, cfg, Purpose::Deactivate, &user.user_id, &req)?;
        if about != org {
            return Err(code_expired());
        }
        let now = cfg.clock.now();
        let tx = conn.transaction()?;
        let who =
            access::require_for(&tx, &org, &user.user_id, user.ip.as_deref(), None, Use::Any)?;
        records::audit(&tx, &org, &who, "org.deactivate", "", now)?;
        tx.execute(
            "UPDATE organizations SET access = 'deactivated', access_reason = ?2,
                 access_since = ?3 WHERE id = ?1",
            params![org, "Деактивирован руководителем", ts(now)],
        )?;
        tx.commit()?;
        tracing::info!(%org, user = %user.user_id, "cabinet deactivated by its head");
        Ok(ApiJson(serde_json::json!({})))
    })
    .await
}

async fn unblock(
    State(st): State<AppState>,
    user: AuthUser,
    Path(org): Path<String>,
    headers: HeaderMap,
    raw: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, PortalError> {
    let raw = raw.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => crate::support::too_large(),
        _ => PortalError::BadRequest(e.body_text()),
    })?;
    let req: UnblockRequest =
        serde_json::from_slice(&raw).map_err(|e| PortalError::BadRequest(e.to_string()))?;
    let text = cabinet_api::support::ticket_message(&req.text).map_err(|detail| {
        PortalError::InvalidField {
            field: "text",
            detail: detail.into(),
        }
    })?;
    debug_assert_eq!(MAX_UNBLOCK_FILES, cabinet_api::support::MAX_TICKET_FILES);
    let files = crate::support::check_files(&req.files)?;
    let shas: Vec<_> = files.iter().map(|f| f.sha256.clone()).collect();
    let request = format!("unblock {org} {text} {}", shas.join(","));
    let o = org.clone();
    write_for(
        &st,
        user,
        org,
        &headers,
        (Some(Permission::EmployeesManage), Use::Any),
        request,
        move |tx, cfg, who| {
            let (state, _) = db::access_of(tx, &o)?;
            if AccessState::parse(&state).is_none() {
                return Err(PortalError::Refused {
                    status: 409,
                    code: ErrorCode::OrgNotBlocked,
                    detail: "the cabinet is open".into(),
                });
            }
            if db::latest_unblock(tx, &o)?
                .is_some_and(|u| u.status == cabinet_api::UnblockStatus::Pending)
            {
                return Err(PortalError::Refused {
                    status: 409,
                    code: ErrorCode::OrgUnblockPending,
                    detail: "an unblock request is already being reviewed".into(),
                });
            }
            let now = cfg.clock.now();
            let stored = crate::support::store_files(tx, files)?;
            let view = UnblockView {
                id: uuid::Uuid::new_v4().to_string(),
                status: cabinet_api::UnblockStatus::Pending,
                created_at: ts(now),
                comment: None,
            };
            let files = serde_json::to_string(&stored)
                .map_err(|e| PortalError::Internal(format!("unblock files: {e}")))?;
            tx.execute(
                "INSERT INTO unblock_requests (id, org_id, user_id, text, files, status, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)",
                params![view.id, o, who.user_id, text, files, view.created_at],
            )?;
            records::audit(tx, &o, who, "org.unblock_request", "", now)?;
            let v = serde_json::to_value(&view)
                .map_err(|e| PortalError::Internal(format!("unblock: {e}")))?;
            Ok((StatusCode::CREATED, v))
        },
    )
    .await
}

/// The portal suspends or blocks `org` (`Some`) or opens it again.
pub fn set_access(
    conn: &Connection,
    org: &str,
    state: Option<(AccessState, &str)>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), PortalError> {
    let (access, reason) = match state {
        Some((s, reason)) => (s.as_str(), Some(reason)),
        None => ("active", None),
    };
    let changed = conn.execute(
        "UPDATE organizations SET access = ?2, access_reason = ?3, access_since = ?4
         WHERE id = ?1 AND access <> 'deactivated'",
        params![org, access, reason, ts(now)],
    )?;
    if changed == 0 {
        return Err(PortalError::NotFound);
    }
    Ok(())
}

/// The portal decides the pending unblock request of `org`: approved, the
/// cabinet opens; refused, it stays as it is and the comment says why.
pub fn decide_unblock(
    conn: &mut Connection,
    org: &str,
    approve: bool,
    comment: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<UnblockView, PortalError> {
    let tx = conn.transaction()?;
    let pending = db::latest_unblock(&tx, org)?
        .filter(|u| u.status == cabinet_api::UnblockStatus::Pending)
        .ok_or(PortalError::NotFound)?;
    tx.execute(
        "UPDATE unblock_requests SET status = ?2, comment = ?3, decided_at = ?4 WHERE id = ?1",
        params![
            pending.id,
            if approve { "approved" } else { "refused" },
            comment,
            ts(now)
        ],
    )?;
    if approve {
        set_access(&tx, org, None, now)?;
        records::notify(
            &tx,
            org,
            NotificationKind::System,
            "Кабинет разблокирован".into(),
            "Заявка на разблокировку одобрена: кабинет снова работает полностью.".into(),
            "organization",
            org,
            now,
        )?;
    }
    let decided = db::latest_unblock(&tx, org)?.ok_or(PortalError::NotFound)?;
    tx.commit()?;
    Ok(decided)
}
