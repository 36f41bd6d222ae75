//! Organization endpoints. Every org-scoped route checks membership on the
//! server; the client hiding a button is never the protection.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use cabinet_api::ErrorCode;
use cabinet_api::{
    ChangeOp, NewProfileChange, OrganizationList, OrganizationProfile, Permission, ProfileChange,
    ProfileChangeStatus, ProfileEdit, Record,
};
use rusqlite::{params, Connection};

use crate::access;
use crate::error::{ApiJson, PortalError};
use crate::http::idempotency_key;
use crate::http::if_match;
use crate::http::once;
use crate::http::AuthUser;
use crate::{db, feed, records, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/organizations", get(my_organizations))
        .route("/orgs/{org}/profile", get(profile).patch(edit_profile))
        .route("/orgs/{org}/profile/changes", post(request_change))
}

/// Asks to change the bank account, the head or the KPP: a `profile_change` record,
/// pending until the portal's operator decides; one at a time.
async fn request_change(
    State(st): State<AppState>,
    user: AuthUser,
    Path(org): Path<String>,
    headers: HeaderMap,
    ApiJson(change): ApiJson<NewProfileChange>,
) -> Result<Response, PortalError> {
    let change = change.normalized().map_err(|e| PortalError::InvalidField {
        field: e.kind(),
        detail: e.to_string(),
    })?;
    let request = format!("profile change {org} {change:?}");
    let o = org.clone();
    crate::actions::write(
        &st,
        user,
        org,
        &headers,
        Some(Permission::ProfileEdit),
        request,
        move |tx, cfg, who| {
            let pending = records::list::<ProfileChange>(tx, &o, None)?
                .into_iter()
                .any(|c| c.status == ProfileChangeStatus::Pending);
            if pending {
                return Err(PortalError::Refused {
                    status: 409,
                    code: ErrorCode::ProfileChangePending,
                    detail: "a change of requisites is already being checked".into(),
                });
            }
            if change.kpp.is_some()
                && db::profile(tx, &o)?.kind != cabinet_api::OrgKind::LegalEntity
            {
                return Err(PortalError::InvalidField {
                    field: "kpp",
                    detail: "an entrepreneur has no KPP".into(),
                });
            }
            let now = cfg.clock.now();
            let c = ProfileChange {
                id: uuid::Uuid::new_v4().to_string(),
                status: ProfileChangeStatus::Pending,
                bank: change.bank,
                head_name: change.head_name,
                head_position: change.head_position,
                kpp: change.kpp,
                created_at: crate::clock::ts(now),
                author: who.name.clone(),
                decided_at: None,
                comment: None,
            };
            records::put(tx, &o, &c)?;
            records::audit(tx, &o, who, "profile.change_request", "", now)?;
            let (_, v) = crate::actions::body(&c)?;
            Ok((StatusCode::CREATED, v))
        },
    )
    .await
}

/// The portal's operator decides the pending change of `org`: approved, it
/// reaches the profile (a new version, in the feed); rejected, the comment
/// says why. The organization is notified either way.
pub fn decide_change(
    conn: &mut Connection,
    org: &str,
    approve: bool,
    comment: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ProfileChange, PortalError> {
    let tx = conn.transaction()?;
    let mut c = records::list::<ProfileChange>(&tx, org, None)?
        .into_iter()
        .find(|c| c.status == ProfileChangeStatus::Pending)
        .ok_or(PortalError::NotFound)?;
    c.status = if approve {
        ProfileChangeStatus::Approved
    } else {
        ProfileChangeStatus::Rejected
    };
    c.decided_at = Some(crate::clock::ts(now));
    c.comment = comment.map(str::to_owned);
    if approve {
        if let Some(b) = &c.bank {
            db::set_bank(&tx, org, b)?;
        }
        tx.execute(
            "UPDATE organizations SET head_name = coalesce(?2, head_name),
                 head_position = coalesce(?3, head_position), kpp = coalesce(?4, kpp),
                 version = version + 1
             WHERE id = ?1",
            params![org, c.head_name, c.head_position, c.kpp],
        )?;
        if let Some(head) = &c.head_name {
            crate::staff::move_head_role(&tx, org, head, now)?;
        }
        let updated = db::profile(&tx, org)?;
        let body = serde_json::to_value(&updated)
            .map_err(|e| PortalError::Internal(format!("profile: {e}")))?;
        feed::record(&tx, org, "profile", org, ChangeOp::Upsert, Some(&body))?;
    }
    records::put(&tx, org, &c)?;
    let (title, text) = if approve {
        (
            "Изменение реквизитов принято".to_owned(),
            "Оператор портала проверил изменения: они внесены в профиль организации.".to_owned(),
        )
    } else {
        (
            "Изменение реквизитов отклонено".to_owned(),
            format!(
                "Оператор портала отклонил изменения: {}",
                comment.unwrap_or("причина не указана")
            ),
        )
    };
    records::notify(
        &tx,
        org,
        cabinet_api::NotificationKind::System,
        title,
        text,
        ProfileChange::ENTITY,
        &c.id,
        now,
    )?;
    tx.commit()?;
    Ok(c)
}

/// The demo's operator approves every pending change.
pub fn approve_pending_changes(
    conn: &mut Connection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, PortalError> {
    let orgs: Vec<String> = {
        let mut stmt = conn.prepare(
            "SELECT DISTINCT org_id FROM records WHERE entity = 'profile_change'
               AND json ->> 'status' = 'pending'",
        )?;
        let rows = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        rows
    };
    for org in &orgs {
        decide_change(conn, org, true, None, now)?;
    }
    Ok(orgs.len())
}

async fn my_organizations(
    State(st): State<AppState>,
    user: AuthUser,
) -> Result<ApiJson<OrganizationList>, PortalError> {
    st.with_read(move |conn, _| {
        Ok(OrganizationList {
            items: db::organizations_of(conn, &user.user_id)?,
        })
    })
    .await
    .map(ApiJson)
}

async fn profile(
    State(st): State<AppState>,
    user: AuthUser,
    Path(org): Path<String>,
) -> Result<ApiJson<OrganizationProfile>, PortalError> {
    st.with_read(move |conn, _| {
        // An unknown organization answers like a foreign one, so ids cannot
        // be probed.
        if !db::is_member(conn, &org, &user.user_id)? {
            return Err(PortalError::OrgForbidden);
        }
        // A blocked cabinet still shows whose it is.
        access::check_access(conn, &org, access::Use::Any)?;
        db::profile(conn, &org)
    })
    .await
    .map(ApiJson)
}

/// Changes the contacts: versioned (`If-Match`; 412 with the current
/// profile) and idempotent; the new profile goes to the change feed.
async fn edit_profile(
    State(st): State<AppState>,
    user: AuthUser,
    Path(org): Path<String>,
    headers: HeaderMap,
    ApiJson(edit): ApiJson<ProfileEdit>,
) -> Result<Response, PortalError> {
    let key = idempotency_key(&headers)?;
    let expected = if_match(&headers)?;
    let edit = edit.normalized().map_err(|e| PortalError::InvalidField {
        field: e.kind(),
        detail: e.to_string(),
    })?;
    st.with_db(move |conn, cfg| {
        let who = access::require(
            conn,
            &org,
            &user.user_id,
            user.ip.as_deref(),
            Some(Permission::ProfileEdit),
        )?;
        let request = format!("profile {org} {expected} {edit:?}");
        once(conn, &user.user_id, &key, &request, |tx| {
            let current = db::profile(tx, &org)?;
            if current.version != expected {
                return Err(PortalError::VersionMismatch {
                    current: current.version,
                    entity: serde_json::to_value(&current).ok().map(Box::new),
                });
            }
            tx.execute(
                "UPDATE organizations SET email = coalesce(?2, email), phone = coalesce(?3, phone),
                     legal_address = coalesce(?4, legal_address), version = version + 1
                 WHERE id = ?1",
                params![org, edit.email, edit.phone, edit.legal_address],
            )?;
            let updated = db::profile(tx, &org)?;
            let body = serde_json::to_value(&updated)
                .map_err(|e| PortalError::Internal(format!("profile: {e}")))?;
            feed::record(tx, &org, "profile", &org, ChangeOp::Upsert, Some(&body))?;
            records::audit(tx, &org, &who, "profile.edit", "", cfg.clock.now())?;
            Ok((StatusCode::OK, body))
        })
    })
    .await
}
