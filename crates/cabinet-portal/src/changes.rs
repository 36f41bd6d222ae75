//! `GET /orgs/{org}/changes`: a member pages through the organization's
//! change feed by cursor (see [`crate::feed`] for how it is written).

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::Router;
use cabinet_api::ChangePage;
use serde::Deserialize;

use crate::error::{ApiJson, PortalError};
use crate::http::AuthUser;
use crate::{access, feed, AppState};

pub fn routes() -> Router<AppState> {
    Router::new().route("/orgs/{org}/changes", get(changes))
}

async fn changes(
    State(st): State<AppState>,
    user: AuthUser,
    Path(org): Path<String>,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<ApiJson<ChangePage>, PortalError> {
    let Query(q) = q?;
    st.with_read(move |conn, _| {
        access::member(conn, &org, &user.user_id)?;
        let audit = match access::require_for(
            conn,
            &org,
            &user.user_id,
            None,
            Some(cabinet_api::Permission::AuditView),
            access::Use::Read,
        ) {
            Ok(_) => true,
            Err(PortalError::PermissionDenied(_)) => false,
            Err(e) => return Err(e),
        };
        feed::page(
            conn,
            &org,
            q.after.as_deref(),
            q.limit.unwrap_or(200),
            audit,
            &user.user_id,
        )
    })
    .await
    .map(ApiJson)
}

#[derive(Deserialize)]
struct PageQuery {
    after: Option<String>,
    limit: Option<u32>,
}
