//! Organization endpoints. Every org-scoped route checks membership on the
//! server; the client hiding a button is never the protection.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use cabinet_api::{OrganizationList, OrganizationProfile};

use crate::auth::AuthUser;
use crate::error::{ApiJson, PortalError};
use crate::{db, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/organizations", get(my_organizations))
        .route("/orgs/{org}/profile", get(profile))
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
        db::profile(conn, &org)
    })
    .await
    .map(ApiJson)
}
