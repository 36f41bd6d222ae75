//! Applications: a draft is created, then submitted. Every write is
//! idempotent (`Idempotency-Key`), submission is versioned (`If-Match`), and
//! each change goes to the organization's change feed in the same
//! transaction as the write itself.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use cabinet_api::files::MAX_ATTACHMENTS_PER_APPLICATION;
use cabinet_api::ErrorCode;
use cabinet_api::{
    Application, ApplicationStatus, ChangeOp, NewApplication, Permission, StatusEvent,
};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::access;
use crate::access::member;
use crate::clock::ts;
use crate::error::{ApiJson, PortalError};
use crate::http::idempotency_key;
use crate::http::if_match;
use crate::http::once;
use crate::http::AuthUser;
use crate::{feed, records, AppState, PortalConfig};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs/{org}/applications", post(create))
        .route("/orgs/{org}/applications/{id}", get(one))
        .route("/orgs/{org}/applications/{id}/submit", post(submit))
        .route(
            "/orgs/{org}/applications/{id}/attachments",
            post(attach).layer(axum::extract::DefaultBodyLimit::max(
                cabinet_api::files::MAX_ATTACHMENT + 1,
            )),
        )
        .route(
            "/orgs/{org}/applications/{id}/attachments/{doc}/remove",
            post(detach),
        )
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Application> {
    let status: String = r.get(5)?;
    Ok(Application {
        id: r.get(0)?,
        org_id: r.get(1)?,
        number: r.get(2)?,
        service_code: r.get(3)?,
        title: r.get(4)?,
        status: ApplicationStatus::parse(&status).ok_or_else(|| {
            rusqlite::Error::InvalidColumnType(5, status, rusqlite::types::Type::Text)
        })?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        deadline: r.get(8)?,
        version: r.get(9)?,
        attachments: serde_json::from_str(&r.get::<_, String>(10)?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(10, rusqlite::types::Type::Text, e.into())
        })?,
        control_code: r.get(11)?,
        fields: serde_json::from_str(&r.get::<_, String>(12)?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(12, rusqlite::types::Type::Text, e.into())
        })?,
    })
}

const COLUMNS: &str = "id, org_id, number, service_code, title, status, created_at, updated_at, \
     deadline, version, attachments, control_code, fields";

pub fn load(conn: &Connection, org: &str, id: &str) -> Result<Application, PortalError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM applications WHERE id = ?1 AND org_id = ?2"),
        params![id, org],
        row,
    )
    .optional()?
    .ok_or(PortalError::NotFound)
}

/// `created_by` of the government body's steps.
pub const GOV: &str = "gov";
/// `created_by` of bulk-generated applications: no history is written.
pub const SEEDER: &str = "seed";

/// Saves `app` and records it in the feed, in the caller's transaction. A
/// new status also goes to the application's history, as done by `by` (a
/// user id, [`GOV`] or [`SEEDER`]).
pub fn store(conn: &Connection, app: &Application, by: &str) -> Result<(), PortalError> {
    let before: Option<String> = conn
        .prepare_cached("SELECT status FROM applications WHERE id = ?1")?
        .query_row([&app.id], |r| r.get(0))
        .optional()?;
    conn.prepare_cached(
        "INSERT INTO applications (id, org_id, number, service_code, title, status, created_by,
             created_at, updated_at, deadline, version, attachments, control_code, fields)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (id) DO UPDATE SET number = excluded.number, title = excluded.title,
             status = excluded.status, updated_at = excluded.updated_at,
             deadline = excluded.deadline, version = excluded.version,
             attachments = excluded.attachments, control_code = excluded.control_code,
             fields = excluded.fields",
    )?
    .execute(params![
        app.id,
        app.org_id,
        app.number,
        app.service_code,
        app.title,
        app.status.as_str(),
        by,
        app.created_at,
        app.updated_at,
        app.deadline,
        app.version,
        serde_json::to_string(&app.attachments)
            .map_err(|e| PortalError::Internal(format!("attachments: {e}")))?,
        app.control_code,
        serde_json::to_string(&app.fields)
            .map_err(|e| PortalError::Internal(format!("fields: {e}")))?,
    ])?;
    let data = serde_json::to_value(app)
        .map_err(|e| PortalError::Internal(format!("application: {e}")))?;
    feed::record(
        conn,
        &app.org_id,
        "application",
        &app.id,
        ChangeOp::Upsert,
        Some(&data),
    )?;
    if by != SEEDER && before.as_deref() != Some(app.status.as_str()) {
        let actor = if by == GOV {
            GOV_NAME.to_owned()
        } else {
            conn.prepare_cached("SELECT full_name FROM users WHERE id = ?1")?
                .query_row([by], |r| r.get(0))
                .optional()?
                .unwrap_or_else(|| by.to_owned())
        };
        records::put(
            conn,
            &app.org_id,
            &StatusEvent {
                id: uuid::Uuid::new_v4().to_string(),
                application_id: Some(app.id.clone()),
                status: app.status,
                created_at: app.updated_at.clone(),
                actor,
            },
        )?;
    }
    Ok(())
}

/// How the history names the government body's steps.
pub const GOV_NAME: &str = "Ведомство";

/// The form of a new application checked against its service's: every
/// value by its kind, every required one there. A service outside the
/// catalog has no form to fill.
fn checked_fields(new: &NewApplication) -> Result<BTreeMap<String, String>, PortalError> {
    let form = cabinet_api::services::find(new.service_code.trim())
        .map(|s| s.form)
        .unwrap_or_default();
    cabinet_api::check_form(&form, &new.fields, true).map_err(PortalError::InvalidForm)
}

fn validate(new: &NewApplication) -> Result<(), PortalError> {
    if new.service_code.trim().is_empty() || new.service_code.len() > 64 {
        return Err(PortalError::InvalidField {
            field: "service_code",
            detail: "service code is required".into(),
        });
    }
    let title = new.title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        return Err(PortalError::InvalidField {
            field: "title",
            detail: "title must be 1 to 300 characters".into(),
        });
    }
    if !cabinet_api::text::is_clean(title, false) {
        return Err(PortalError::InvalidField {
            field: "title",
            detail: "control or text-direction characters".into(),
        });
    }
    Ok(())
}

async fn create(
    State(st): State<AppState>,
    user: AuthUser,
    Path(org): Path<String>,
    headers: HeaderMap,
    ApiJson(new): ApiJson<NewApplication>,
) -> Result<Response, PortalError> {
    let key = idempotency_key(&headers)?;
    validate(&new)?;
    let fields = checked_fields(&new)?;
    st.with_db(move |conn, cfg: &PortalConfig| {
        let who = access::require(
            conn,
            &org,
            &user.user_id,
            user.ip.as_deref(),
            Some(Permission::ApplicationsEdit),
        )?;
        let request = format!("create {org} {} {} {fields:?}", new.service_code, new.title);
        once(conn, &user.user_id, &key, &request, |tx| {
            let now = ts(cfg.clock.now());
            let app = Application {
                id: uuid::Uuid::new_v4().to_string(),
                org_id: org.clone(),
                number: None,
                service_code: new.service_code.trim().to_owned(),
                title: new.title.trim().to_owned(),
                status: ApplicationStatus::Draft,
                created_at: now.clone(),
                updated_at: now,
                deadline: None,
                version: 1,
                attachments: Vec::new(),
                control_code: None,
                fields,
            };
            store(tx, &app, &user.user_id)?;
            records::audit(
                tx,
                &org,
                &who,
                "application.create",
                &app.title,
                cfg.clock.now(),
            )?;
            let body = serde_json::to_value(&app)
                .map_err(|e| PortalError::Internal(format!("application: {e}")))?;
            Ok((StatusCode::CREATED, body))
        })
    })
    .await
}

async fn one(
    State(st): State<AppState>,
    user: AuthUser,
    Path((org, id)): Path<(String, String)>,
) -> Result<ApiJson<Application>, PortalError> {
    st.with_db(move |conn, _| {
        member(conn, &org, &user.user_id)?;
        load(conn, &org, &id)
    })
    .await
    .map(ApiJson)
}

/// Working days are not modelled: the deadline is 30 calendar days.
const DEADLINE_DAYS: i64 = 30;

async fn submit(
    State(st): State<AppState>,
    user: AuthUser,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let key = idempotency_key(&headers)?;
    let expected = if_match(&headers)?;
    st.with_db(move |conn, cfg: &PortalConfig| {
        let who = access::require(
            conn,
            &org,
            &user.user_id,
            user.ip.as_deref(),
            Some(Permission::ApplicationsSubmit),
        )?;
        let request = format!("submit {org} {id} {expected}");
        once(conn, &user.user_id, &key, &request, |tx| {
            let mut app = load(tx, &org, &id)?;
            if app.version != expected {
                return Err(PortalError::VersionMismatch {
                    current: app.version,
                    entity: serde_json::to_value(&app).ok().map(Box::new),
                });
            }
            if app.status != ApplicationStatus::Draft {
                return Err(PortalError::WrongState(
                    "only a draft can be submitted".into(),
                ));
            }
            ready_to_submit(tx, &app)?;
            let now = cfg.clock.now();
            let n: i64 = tx.query_row(
                "SELECT count(*) FROM applications WHERE number IS NOT NULL",
                [],
                |r| r.get(0),
            )?;
            app.number = Some(format!("{}-{:06}", now.format("%Y"), n + 1));
            app.status = ApplicationStatus::Accepted;
            app.updated_at = ts(now);
            app.deadline = Some(
                (now + chrono::Duration::days(DEADLINE_DAYS))
                    .format("%Y-%m-%d")
                    .to_string(),
            );
            app.control_code = Some(control_code(&app));
            app.version += 1;
            store(tx, &app, &user.user_id)?;
            let number = app.number.clone().unwrap_or_default();
            records::audit(tx, &org, &who, "application.submit", &number, now)?;
            let body = serde_json::to_value(&app)
                .map_err(|e| PortalError::Internal(format!("application: {e}")))?;
            Ok((StatusCode::OK, body))
        })
    })
    .await
}

/// What a draft needs before it goes: its service's form complete, every
/// mandatory document of its service attached, and every attachment signed.
fn ready_to_submit(conn: &Connection, app: &Application) -> Result<(), PortalError> {
    if let Some(service) = cabinet_api::services::find(&app.service_code) {
        // A draft made before its service had a form may lack some of it.
        cabinet_api::check_form(&service.form, &app.fields, true)
            .map_err(PortalError::InvalidForm)?;
        let kinds: Vec<&str> = app.attachments.iter().map(|a| a.kind.as_str()).collect();
        let missing = cabinet_api::missing_documents(&service, &kinds);
        if !missing.is_empty() {
            let titles: Vec<&str> = missing.iter().map(|d| d.title.as_str()).collect();
            return Err(PortalError::Refused {
                status: 422,
                code: ErrorCode::ApplicationMissingDocuments,
                detail: format!("missing: {}", titles.join("; ")),
            });
        }
    }
    let mut stmt =
        conn.prepare_cached("SELECT count(*) FROM document_signatures WHERE document_id = ?1")?;
    for a in &app.attachments {
        let n: i64 = stmt.query_row([&a.document_id], |r| r.get(0))?;
        if n == 0 {
            return Err(PortalError::Refused {
                status: 422,
                code: ErrorCode::ApplicationUnsigned,
                detail: format!("not signed: {}", a.name),
            });
        }
    }
    Ok(())
}

/// `XXXX-XXXX`: the first bytes of SHA-256 over the number and the sorted
/// hashes of the files sent, so the applicant can tell that what the
/// authority holds is what was signed.
fn control_code(app: &Application) -> String {
    let mut hashes: Vec<&str> = app.attachments.iter().map(|a| a.sha256.as_str()).collect();
    hashes.sort_unstable();
    let mut h = Sha256::new();
    h.update(app.number.as_deref().unwrap_or_default().as_bytes());
    for sha in hashes {
        h.update(b"\n");
        h.update(sha.as_bytes());
    }
    let hex = data_encoding::HEXUPPER.encode(&h.finalize()[..4]);
    format!("{}-{}", &hex[..4], &hex[4..])
}

/// The draft whose files change; files of a sent application stay.
fn draft_for_files(conn: &Connection, org: &str, id: &str) -> Result<Application, PortalError> {
    let app = load(conn, org, id)?;
    if app.status != ApplicationStatus::Draft {
        return Err(PortalError::WrongState(
            "files change on a draft only".into(),
        ));
    }
    Ok(app)
}

/// Saves a draft whose files changed (a new version) with its audit line
/// `(action, detail)`.
fn files_changed(
    tx: &Connection,
    app: &mut Application,
    by: &str,
    who: &records::Actor,
    (action, detail): (&str, &str),
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), PortalError> {
    app.updated_at = ts(now);
    app.version += 1;
    store(tx, app, by)?;
    records::audit(tx, &app.org_id, who, action, detail, now)
}

/// The stored answer of a write that gives the application back.
fn answer(app: &Application) -> Result<(StatusCode, serde_json::Value), PortalError> {
    let body = serde_json::to_value(app)
        .map_err(|e| PortalError::Internal(format!("application: {e}")))?;
    Ok((StatusCode::OK, body))
}

/// `?kind=…&name=…` of an upload.
#[derive(Debug, serde::Deserialize)]
struct AttachQuery {
    kind: String,
    name: String,
}

/// `POST …/applications/{id}/attachments?kind=K&name=N` with the file as
/// the body: checked by its content (not its name or `Content-Type`),
/// stored as a document of the organization and attached to the draft.
async fn attach(
    State(st): State<AppState>,
    user: AuthUser,
    Path((org, id)): Path<(String, String)>,
    query: Result<axum::extract::Query<AttachQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, PortalError> {
    let key = idempotency_key(&headers)?;
    let body = body?;
    let axum::extract::Query(q) = query?;
    let kind = q.kind.trim().to_owned();
    if kind.is_empty() || kind.len() > 64 {
        return Err(PortalError::InvalidField {
            field: "kind",
            detail: "the document kind is required".into(),
        });
    }
    let name = cabinet_api::files::file_name(&q.name);
    let file = cabinet_api::files::check(&name, &body).map_err(PortalError::from)?;
    let sha = crate::documents::content_sha(&body);
    st.with_db(move |conn, cfg: &PortalConfig| {
        let who = access::require(
            conn,
            &org,
            &user.user_id,
            user.ip.as_deref(),
            Some(Permission::ApplicationsEdit),
        )?;
        let request = format!("attach {org} {id} {kind} {name} {sha}");
        once(conn, &user.user_id, &key, &request, |tx| {
            let mut app = draft_for_files(tx, &org, &id)?;
            if app.attachments.len() >= MAX_ATTACHMENTS_PER_APPLICATION {
                return Err(PortalError::Refused {
                    status: 422,
                    code: ErrorCode::ApplicationTooManyFiles,
                    detail: format!("at most {MAX_ATTACHMENTS_PER_APPLICATION} files"),
                });
            }
            let now = cfg.clock.now();
            let doc = crate::documents::insert(tx, &org, &name, file.mime(), &body, now)?;
            app.attachments.push(cabinet_api::Attachment {
                document_id: doc.id,
                kind: kind.clone(),
                name: name.clone(),
                sha256: doc.sha256,
            });
            files_changed(
                tx,
                &mut app,
                &user.user_id,
                &who,
                ("application.attach", &name),
                now,
            )?;
            answer(&app)
        })
    })
    .await
}

/// `POST …/attachments/{doc}/remove`: takes a file off a draft (the
/// document stays among the organization's). Removing one already gone
/// answers with the draft as it is.
async fn detach(
    State(st): State<AppState>,
    user: AuthUser,
    Path((org, id, doc)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let key = idempotency_key(&headers)?;
    st.with_db(move |conn, cfg: &PortalConfig| {
        let who = access::require(
            conn,
            &org,
            &user.user_id,
            user.ip.as_deref(),
            Some(Permission::ApplicationsEdit),
        )?;
        let request = format!("detach {org} {id} {doc}");
        once(conn, &user.user_id, &key, &request, |tx| {
            let mut app = draft_for_files(tx, &org, &id)?;
            if let Some(at) = app.attachments.iter().position(|a| a.document_id == doc) {
                let gone = app.attachments.remove(at);
                let what = ("application.detach", gone.name.as_str());
                files_changed(tx, &mut app, &user.user_id, &who, what, cfg.clock.now())?;
            }
            answer(&app)
        })
    })
    .await
}
