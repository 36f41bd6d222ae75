//! Notification settings of a user (`/v1/me/notification-settings`) and
//! the e-mails and SMS they make a notification send.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use cabinet_api::{NotificationChannels, NotificationKind, NotificationSettings};
use rusqlite::{params, Connection};

use crate::clock::ts;
use crate::error::{ApiJson, PortalError};
use crate::http::AuthUser;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/me/notification-settings", get(read).put(write))
}

fn kind_of(s: &str) -> Option<NotificationKind> {
    NotificationKind::ALL.into_iter().find(|k| k.as_str() == s)
}

/// The user's channels for every kind, defaults where none was chosen.
pub fn settings(conn: &Connection, user: &str) -> Result<NotificationSettings, PortalError> {
    let mut items: Vec<NotificationChannels> = NotificationKind::ALL
        .into_iter()
        .map(NotificationChannels::default_for)
        .collect();
    let mut stmt = conn.prepare_cached(
        "SELECT kind, desktop, email, sms FROM notification_prefs WHERE user_id = ?1",
    )?;
    let rows = stmt.query_map([user], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, bool>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, bool>(3)?,
        ))
    })?;
    for row in rows {
        let (kind, desktop, email, sms) = row?;
        if let Some(item) = kind_of(&kind).and_then(|k| items.iter_mut().find(|i| i.kind == k)) {
            (item.desktop, item.email, item.sms) = (desktop, email, sms);
        }
    }
    Ok(NotificationSettings { items })
}

async fn read(
    State(st): State<AppState>,
    user: AuthUser,
) -> Result<ApiJson<NotificationSettings>, PortalError> {
    st.with_db(move |conn, _| settings(conn, &user.user_id).map(ApiJson))
        .await
}

/// Stores the kinds given (a PUT is idempotent by nature: no key needed).
async fn write(
    State(st): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<NotificationSettings>,
) -> Result<ApiJson<NotificationSettings>, PortalError> {
    for (i, item) in req.items.iter().enumerate() {
        if req.items[..i].iter().any(|j| j.kind == item.kind) {
            return Err(PortalError::InvalidField {
                field: "items",
                detail: format!("{} given twice", item.kind.as_str()),
            });
        }
    }
    st.with_db(move |conn, _| {
        let tx = conn.transaction()?;
        for item in &req.items {
            tx.execute(
                "INSERT INTO notification_prefs (user_id, kind, desktop, email, sms)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (user_id, kind) DO UPDATE
                 SET desktop = excluded.desktop, email = excluded.email, sms = excluded.sms",
                params![
                    user.user_id,
                    item.kind.as_str(),
                    item.desktop,
                    item.email,
                    item.sms
                ],
            )?;
        }
        let out = settings(&tx, &user.user_id)?;
        tx.commit()?;
        Ok(ApiJson(out))
    })
    .await
}

/// Sends a notification of `org` by e-mail and SMS to each of its people
/// whose settings ask for that kind there.
pub fn deliver(
    conn: &Connection,
    org: &str,
    kind: NotificationKind,
    title: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), PortalError> {
    let people: Vec<(String, String, String)> = conn
        .prepare_cached(
            "SELECT u.id, u.email, u.phone FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.org_id = ?1",
        )?
        .query_map([org], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (user, email, phone) in people {
        let Some(channels) = settings(conn, &user)?
            .items
            .into_iter()
            .find(|i| i.kind == kind)
        else {
            continue;
        };
        for (on, channel, address) in [
            (channels.email, "email", &email),
            (channels.sms, "sms", &phone),
        ] {
            if on {
                conn.execute(
                    "INSERT INTO message_outbox (user_id, channel, address, org_id, kind, title, sent_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![user, channel, address, org, kind.as_str(), title, ts(now)],
                )?;
            }
        }
    }
    Ok(())
}
