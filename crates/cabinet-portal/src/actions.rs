//! Writes on the organization's records: comments on applications,
//! notifications read, requirements accepted and answered, charges paid.
//! Each is idempotent (`Idempotency-Key`), versioned where the record is
//! (`If-Match`, 412 with the current record), allowed by the member's role,
//! and written to the audit log and the change feed with the record.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use cabinet_api::{
    Charge, ChargeStatus, Comment, NewComment, Notification, NotificationKind, PayCharge, Payment,
    PaymentMethod, Permission, Record, Requirement, RequirementAnswer, RequirementReply,
    RequirementStatus,
};
use rusqlite::Connection;

use crate::access;
use crate::access::Use;
use crate::clock::ts;
use crate::error::{ApiJson, PortalError};
use crate::http::idempotency_key;
use crate::http::if_match;
use crate::http::once;
use crate::http::AuthUser;
use crate::records::Actor;
use crate::records::{self};
use crate::{AppState, PortalConfig};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs/{org}/applications/{id}/comments", post(comment))
        .route("/orgs/{org}/notifications/{id}/read", post(read))
        .route("/orgs/{org}/requirements/{id}/accept", post(accept))
        .route("/orgs/{org}/requirements/{id}/answer", post(answer))
        .route("/orgs/{org}/charges/{id}/pay", post(pay))
}

pub(crate) fn body<T: Record>(r: &T) -> Result<(StatusCode, serde_json::Value), PortalError> {
    serde_json::to_value(r)
        .map(|v| (StatusCode::OK, v))
        .map_err(|e| PortalError::Internal(format!("{}: {e}", T::ENTITY)))
}

/// A record edited under `If-Match`.
pub(crate) trait Versioned: Record {
    fn version(&self) -> i64;
}

impl Versioned for Requirement {
    fn version(&self) -> i64 {
        self.version
    }
}

impl Versioned for Charge {
    fn version(&self) -> i64 {
        self.version
    }
}

/// Record `id` if it is still at the `expected` version; else 412 with
/// the record as it is now.
pub(crate) fn at_version<T: Versioned>(
    tx: &Connection,
    org: &str,
    id: &str,
    expected: i64,
) -> Result<T, PortalError> {
    let r: T = records::get(tx, org, id)?;
    if r.version() != expected {
        return Err(PortalError::VersionMismatch {
            current: r.version(),
            entity: serde_json::to_value(&r).ok().map(Box::new),
        });
    }
    Ok(r)
}

/// Runs an idempotent write by a member allowed `permission`.
pub(crate) async fn write(
    st: &AppState,
    user: AuthUser,
    org: String,
    headers: &HeaderMap,
    permission: Option<Permission>,
    request: String,
    f: impl FnOnce(
            &Connection,
            &PortalConfig,
            &Actor,
        ) -> Result<(StatusCode, serde_json::Value), PortalError>
        + Send
        + 'static,
) -> Result<Response, PortalError> {
    write_for(st, user, org, headers, (permission, Use::Write), request, f).await
}

/// [`write`] that the cabinet's state allows for `what` it does.
pub(crate) async fn write_for(
    st: &AppState,
    user: AuthUser,
    org: String,
    headers: &HeaderMap,
    (permission, what): (Option<Permission>, Use),
    request: String,
    f: impl FnOnce(
            &Connection,
            &PortalConfig,
            &Actor,
        ) -> Result<(StatusCode, serde_json::Value), PortalError>
        + Send
        + 'static,
) -> Result<Response, PortalError> {
    let key = idempotency_key(headers)?;
    st.with_db(move |conn, cfg| {
        let who = access::require_for(
            conn,
            &org,
            &user.user_id,
            user.ip.as_deref(),
            permission,
            what,
        )?;
        once(conn, &user.user_id, &key, &request, |tx| f(tx, cfg, &who))
    })
    .await
}

async fn comment(
    State(st): State<AppState>,
    user: AuthUser,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(new): ApiJson<NewComment>,
) -> Result<Response, PortalError> {
    let text = new.text.trim().to_owned();
    if text.is_empty() || text.chars().count() > 4000 {
        return Err(PortalError::InvalidField {
            field: "text",
            detail: "a comment is 1 to 4000 characters".into(),
        });
    }
    if !cabinet_api::text::is_clean(&text, true) {
        return Err(PortalError::InvalidField {
            field: "text",
            detail: "control or text-direction characters".into(),
        });
    }
    let request = format!("comment {org} {id} {:?} {text}", new.reply_to);
    let o = org.clone();
    write(
        &st,
        user,
        org,
        &headers,
        Some(Permission::ApplicationsEdit),
        request,
        move |tx, cfg, who| {
            let app = crate::applications::load(tx, &o, &id)?;
            if let Some(parent) = &new.reply_to {
                let c: Comment = records::get(tx, &o, parent)?;
                if c.application_id.as_deref() != Some(app.id.as_str()) {
                    return Err(PortalError::InvalidField {
                        field: "reply_to",
                        detail: "the comment replied to is on another application".into(),
                    });
                }
            }
            let now = cfg.clock.now();
            let c = Comment {
                id: uuid::Uuid::new_v4().to_string(),
                application_id: Some(app.id.clone()),
                author: who.name.clone(),
                text,
                created_at: ts(now),
                reply_to: new.reply_to,
            };
            records::put(tx, &o, &c)?;
            let detail = app.number.unwrap_or(app.title);
            records::audit(tx, &o, who, "application.comment", &detail, now)?;
            body(&c).map(|(_, v)| (StatusCode::CREATED, v))
        },
    )
    .await
}

async fn read(
    State(st): State<AppState>,
    user: AuthUser,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let request = format!("read {org} {id}");
    let o = org.clone();
    write(
        &st,
        user,
        org,
        &headers,
        None,
        request,
        move |tx, _, who| {
            // Someone else's own notification is not there for this member.
            if records::owner(tx, &o, Notification::ENTITY, &id)?
                .is_some_and(|owner| owner != who.user_id)
            {
                return Err(PortalError::NotFound);
            }
            let mut n: Notification = records::get(tx, &o, &id)?;
            if !n.read {
                n.read = true;
                records::put(tx, &o, &n)?;
            }
            body(&n)
        },
    )
    .await
}

async fn accept(
    State(st): State<AppState>,
    user: AuthUser,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let expected = if_match(&headers)?;
    let request = format!("accept {org} {id} {expected}");
    let o = org.clone();
    write(
        &st,
        user,
        org,
        &headers,
        Some(Permission::RequirementsAnswer),
        request,
        move |tx, cfg, who| {
            let mut r: Requirement = at_version(tx, &o, &id, expected)?;
            if r.status != RequirementStatus::New {
                return Err(PortalError::WrongState(
                    "only a new requirement can be accepted".into(),
                ));
            }
            r.status = RequirementStatus::Accepted;
            r.version += 1;
            records::put(tx, &o, &r)?;
            records::audit(
                tx,
                &o,
                who,
                "requirement.accept",
                &r.number,
                cfg.clock.now(),
            )?;
            body(&r)
        },
    )
    .await
}

async fn answer(
    State(st): State<AppState>,
    user: AuthUser,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(reply): ApiJson<RequirementReply>,
) -> Result<Response, PortalError> {
    let expected = if_match(&headers)?;
    let reply = reply
        .normalized()
        .map_err(|(field, detail)| PortalError::InvalidField {
            field,
            detail: detail.into(),
        })?;
    let request = format!("answer {org} {id} {expected} {reply:?}");
    let o = org.clone();
    write(
        &st,
        user,
        org,
        &headers,
        Some(Permission::RequirementsAnswer),
        request,
        move |tx, cfg, who| {
            let mut r: Requirement = at_version(tx, &o, &id, expected)?;
            if !matches!(
                r.status,
                RequirementStatus::New | RequirementStatus::Accepted
            ) {
                return Err(PortalError::WrongState(
                    "the requirement is already answered".into(),
                ));
            }
            for doc in &reply.document_ids {
                crate::documents::load(tx, &o, doc).map_err(|_| PortalError::InvalidField {
                    field: "document_ids",
                    detail: format!("no document {doc} in this organization"),
                })?;
            }
            let now = cfg.clock.now();
            r.status = RequirementStatus::Answered;
            r.answer = Some(RequirementAnswer {
                text: reply.text,
                document_ids: reply.document_ids,
                answered_at: ts(now),
                answered_by: who.name.clone(),
            });
            r.version += 1;
            records::put(tx, &o, &r)?;
            records::audit(tx, &o, who, "requirement.answer", &r.number, now)?;
            body(&r)
        },
    )
    .await
}

async fn pay(
    State(st): State<AppState>,
    user: AuthUser,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<PayCharge>,
) -> Result<Response, PortalError> {
    let expected = if_match(&headers)?;
    let request = format!("pay {org} {id} {expected} {:?}", req.method);
    let o = org.clone();
    write(
        &st,
        user,
        org,
        &headers,
        Some(Permission::PaymentsPay),
        request,
        move |tx, cfg, who| {
            let charge: Charge = at_version(tx, &o, &id, expected)?;
            let payment = settle(tx, &o, charge, req.method, who, cfg.clock.now())?;
            body(&payment).map(|(_, v)| (StatusCode::CREATED, v))
        },
    )
    .await
}

/// Moscow time (UTC+3, no daylight saving since 2014), as receipts show it.
fn moscow(t: chrono::DateTime<chrono::Utc>) -> String {
    let msk = chrono::FixedOffset::east_opt(3 * 3600).expect("a valid offset");
    t.with_timezone(&msk)
        .format("%d.%m.%Y %H:%M:%S МСК")
        .to_string()
}

/// The payment's receipt: an upright A4 PDF of who paid what to whom,
/// when and how, with the operation's number.
fn receipt_pdf(
    tx: &Connection,
    org: &str,
    charge: &Charge,
    how: &str,
    payer: &str,
    operation: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<u8>, PortalError> {
    use cabinet_pdf::{Block, Document};
    let profile = crate::db::profile(tx, org)?;
    let rows = [
        (
            "Плательщик",
            format!("{}, ИНН {}", profile.full_name, profile.inn),
        ),
        ("Оплатил", payer.to_owned()),
        ("Назначение платежа", charge.title.clone()),
        ("УИН", charge.uin.clone()),
        ("Получатель", charge.authority.clone()),
        ("Сумма", cabinet_api::format_rubles(charge.amount)),
        ("Способ оплаты", how.to_owned()),
        ("Дата и время", moscow(now)),
        ("Номер операции", operation.to_owned()),
        ("Статус", "Исполнен".to_owned()),
    ];
    let doc = Document {
        title: "Квитанция об оплате".to_owned(),
        landscape: false,
        blocks: vec![Block::Pairs(
            rows.into_iter().map(|(l, v)| (l.to_owned(), v)).collect(),
        )],
        footer: "Портал государственных услуг · демонстрационный эквайринг OrgCabinet".to_owned(),
        page_label: "Страница {page} из {pages}".to_owned(),
        creator: "OrgCabinet reference portal".to_owned(),
    };
    cabinet_pdf::render(&doc).map_err(|e| PortalError::Internal(e.to_string()))
}

/// Pays `charge` (simulated acquiring: the money always arrives): the
/// charge is paid, a payment with a receipt document is recorded, and the
/// organization is notified.
pub fn settle(
    tx: &Connection,
    org: &str,
    mut charge: Charge,
    method: PaymentMethod,
    who: &Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Payment, PortalError> {
    if charge.status == ChargeStatus::Paid {
        return Err(PortalError::WrongState("the charge is already paid".into()));
    }
    let how = match method {
        PaymentMethod::Card => "банковская карта",
        PaymentMethod::Sbp => "СБП",
    };
    let payment_id = uuid::Uuid::new_v4().to_string();
    let receipt = receipt_pdf(tx, org, &charge, how, &who.name, &payment_id, now)?;
    let doc = crate::documents::insert(
        tx,
        org,
        &format!("Квитанция УИН {}.pdf", charge.uin),
        "application/pdf",
        &receipt,
        now,
    )?;
    charge.status = ChargeStatus::Paid;
    charge.version += 1;
    records::put(tx, org, &charge)?;
    let payment = Payment {
        id: payment_id,
        charge_id: Some(charge.id.clone()),
        amount: charge.amount,
        method,
        created_at: ts(now),
        paid_by: who.name.clone(),
        receipt_document_id: doc.id,
    };
    records::put(tx, org, &payment)?;
    records::notify(
        tx,
        org,
        NotificationKind::Payment,
        format!("Оплачено: {}", charge.title),
        format!(
            "{}, УИН {}",
            cabinet_api::format_rubles(charge.amount),
            charge.uin
        ),
        Payment::ENTITY,
        &payment.id,
        now,
    )?;
    records::audit(tx, org, who, "charge.pay", &charge.uin, now)?;
    Ok(payment)
}
