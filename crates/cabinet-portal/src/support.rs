//! Support: a member writes to the portal's support service (a topic, a
//! message, up to five files of 10 MB in all) and gets a ticket number; the
//! ticket and support's answer reach only its author, through the change
//! feed. The frequent questions are public, with an `ETag`.

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use cabinet_api::support::{
    ticket_message, NewTicket, NewTicketFile, Ticket, TicketFile, TicketStatus, TicketTopic,
    MAX_TICKET_BYTES, MAX_TICKET_FILES,
};
use cabinet_api::ErrorCode;
use cabinet_api::Record;
use rusqlite::Connection;

use crate::access;
use crate::actions::{body, write_for};
use crate::clock::ts;
use crate::documents::{content_sha, put_blob};
use crate::error::PortalError;
use crate::http::AuthUser;
use crate::records;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    // The files travel as base64 (4 bytes for 3) beside the message.
    let limit = MAX_TICKET_BYTES / 3 * 4 + 64 * 1024;
    Router::new().route("/support/faq", get(faq)).route(
        "/orgs/{org}/support/tickets",
        post(create).layer(DefaultBodyLimit::max(limit)),
    )
}

async fn faq(headers: HeaderMap) -> Result<Response, PortalError> {
    crate::catalog::etagged(&cabinet_api::faq(), &headers)
}

/// A file of a new ticket, checked: its name, its type by content, its bytes.
pub(crate) struct Checked {
    pub name: String,
    pub media_type: &'static str,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// Keeps checked files' contents (once each: contents are shared) and
/// answers how the record lists them.
pub(crate) fn store_files(
    tx: &Connection,
    files: Vec<Checked>,
) -> Result<Vec<TicketFile>, PortalError> {
    files
        .into_iter()
        .map(|f| {
            put_blob(tx, &f.sha256, &f.bytes)?;
            Ok(TicketFile {
                size: i64::try_from(f.bytes.len()).unwrap_or(i64::MAX),
                name: f.name,
                sha256: f.sha256,
                media_type: f.media_type.to_owned(),
            })
        })
        .collect()
}

pub(crate) fn too_large() -> PortalError {
    PortalError::Refused {
        status: 413,
        code: ErrorCode::SupportTooLarge,
        detail: "the files weigh more than 10 MB together".into(),
    }
}

/// Files sent with a ticket or an unblock request: five at most, 10 MB
/// in all, each a type allowed by its content.
pub(crate) fn check_files(sent: &[NewTicketFile]) -> Result<Vec<Checked>, PortalError> {
    if sent.len() > MAX_TICKET_FILES {
        return Err(PortalError::Refused {
            status: 422,
            code: ErrorCode::SupportTooManyFiles,
            detail: format!("at most {MAX_TICKET_FILES} files"),
        });
    }
    let mut total = 0;
    let mut files = Vec::with_capacity(sent.len());
    for f in sent {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(f.content.as_bytes())
            .map_err(|_| PortalError::InvalidField {
                field: "files",
                detail: format!("{}: the content is not base64", f.name),
            })?;
        total += bytes.len();
        if total > MAX_TICKET_BYTES {
            return Err(too_large());
        }
        let name = cabinet_api::files::file_name(&f.name);
        let kind = cabinet_api::files::check(&name, &bytes).map_err(PortalError::from)?;
        files.push(Checked {
            sha256: content_sha(&bytes),
            name,
            media_type: kind.mime(),
            bytes,
        });
    }
    Ok(files)
}

async fn create(
    State(st): State<AppState>,
    user: AuthUser,
    Path(org): Path<String>,
    headers: HeaderMap,
    raw: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, PortalError> {
    // Past the route's limit axum stops reading: the files are too heavy.
    let raw = raw.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        _ => PortalError::BadRequest(e.body_text()),
    })?;
    let new: NewTicket =
        serde_json::from_slice(&raw).map_err(|e| PortalError::BadRequest(e.to_string()))?;
    let message = ticket_message(&new.message).map_err(|detail| PortalError::InvalidField {
        field: "message",
        detail: detail.into(),
    })?;
    let files = check_files(&new.files)?;
    let shas: Vec<_> = files
        .iter()
        .map(|f| format!("{}:{}", f.name, f.sha256))
        .collect();
    let request = format!("ticket {org} {:?} {message} {}", new.topic, shas.join(","));
    let o = org.clone();
    let topic = new.topic;
    // Any member may ask support, whatever their role, also from a
    // suspended or blocked cabinet.
    write_for(
        &st,
        user,
        org,
        &headers,
        (None, access::Use::Any),
        request,
        move |tx, cfg, who| {
            let now = cfg.clock.now();
            let stored = store_files(tx, files)?;
            // Numbers run across the portal: that is what support looks up.
            let n: i64 = tx.query_row(
                "SELECT count(*) + 1 FROM records WHERE entity = 'ticket'",
                [],
                |r| r.get(0),
            )?;
            let t = Ticket {
                id: uuid::Uuid::new_v4().to_string(),
                number: format!("ТП-{n:06}"),
                author_id: who.user_id.clone(),
                topic,
                message,
                files: stored,
                status: TicketStatus::Open,
                created_at: ts(now),
                answer: None,
                answered_at: None,
            };
            records::put_private(tx, &o, &t, &who.user_id)?;
            records::audit(tx, &o, who, "support.ticket", &t.number, now)?;
            let (_, v) = body(&t)?;
            Ok((StatusCode::CREATED, v))
        },
    )
    .await
}

/// Support answers ticket `id` of `org` (caller's transaction).
pub fn answer(
    conn: &Connection,
    org: &str,
    id: &str,
    text: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Ticket, PortalError> {
    let mut t: Ticket = records::get(conn, org, id)?;
    t.status = TicketStatus::Answered;
    t.answer = Some(text.to_owned());
    t.answered_at = Some(ts(now));
    records::put_private(conn, org, &t, &t.author_id.clone())?;
    // The author hears of it like of anything else: in the list, on the
    // desktop; nobody else does.
    let excerpt: String = text.chars().take(200).collect();
    let n = cabinet_api::Notification {
        id: uuid::Uuid::new_v4().to_string(),
        kind: cabinet_api::NotificationKind::System,
        title: format!("Поддержка ответила на обращение {}", t.number),
        text: excerpt,
        created_at: ts(now),
        read: false,
        entity: Some(Ticket::ENTITY.to_owned()),
        entity_id: Some(t.id.clone()),
    };
    records::put_private(conn, org, &n, &t.author_id)?;
    Ok(t)
}

/// The demo's support desk: every open ticket gets the answer for its topic.
pub fn answer_open(
    conn: &mut Connection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, PortalError> {
    let tx = conn.transaction()?;
    let open: Vec<(String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT org_id, id FROM records WHERE entity = 'ticket'
               AND json ->> 'status' = 'open'",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        rows
    };
    for (org, id) in &open {
        let t: Ticket = records::get(&tx, org, id)?;
        answer(&tx, org, id, canned(t.topic), now)?;
    }
    tx.commit()?;
    Ok(open.len())
}

fn canned(topic: TicketTopic) -> &'static str {
    match topic {
        TicketTopic::Login => {
            "Здравствуйте! Проверьте раскладку клавиатуры и срок действия сертификата. \
             Если вход заблокирован, он откроется автоматически через 15 минут."
        }
        TicketTopic::Signature => {
            "Здравствуйте! Подпись должна быть выдана аккредитованным удостоверяющим центром \
             и действовать на дату подписания. Проверьте сертификат на экране «Подписи»."
        }
        _ => {
            "Здравствуйте! Спасибо за обращение. Мы проверили ваш вопрос: изменения уже \
             отражены в кабинете. Если вопрос остался, напишите нам новое обращение."
        }
    }
}
