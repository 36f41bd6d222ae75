//! Organization endpoints. Every org-scoped route checks membership on the
//! server; the client hiding a button is never the protection.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use cabinet_api::{ChangeOp, OrganizationList, OrganizationProfile, Permission, ProfileEdit};
use rusqlite::params;

use crate::applications::{idempotency_key, if_match, once};
use crate::auth::AuthUser;
use crate::error::{ApiJson, PortalError};
use crate::{db, feed, records, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/organizations", get(my_organizations))
        .route("/orgs/{org}/profile", get(profile).patch(edit_profile))
}

async fn my_organizations(
    State(st): State<AppState>,
    user: AuthUser,
) -> Result<ApiJson<OrganizationList>, PortalError> {
    st.with_db(move |conn, _| {
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
    st.with_db(move |conn, _| {
        // An unknown organization answers like a foreign one, so ids cannot
        // be probed.
        if !db::is_member(conn, &org, &user.user_id)? {
            return Err(PortalError::OrgForbidden);
        }
        // A blocked cabinet still shows whose it is.
        records::check_access(conn, &org, records::Use::Any)?;
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
        let who = records::require(
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
