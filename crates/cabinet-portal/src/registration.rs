//! Registration of new organization cabinets (`/v1/registrations`).
//!
//! A registration is the user's own until it is active: only its author
//! sees it (another user gets 404, as for an unknown id). The form is
//! checked like every requisite on the portal, then against the state
//! register; the documents like every upload, by content. Sending needs a
//! code sent to the form's phone. The registry office (the demo's
//! government body, or [`crate::Admin::review_registrations`]) checks what
//! a person would: the documents name the organization, the address is the
//! register's, nobody else got the cabinet first. It refuses naming the
//! field or document to fix, or verifies; a verified registration becomes
//! an organization whose head is the author.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use cabinet_api::registration::{CHARTER, FOUNDING_DECISION};
use cabinet_api::ErrorCode;
use cabinet_api::{
    required_registration_documents, ChangeOp, OrgStatus, OrganizationProfile, Refusal,
    Registration, RegistrationCode, RegistrationDocument, RegistrationForm, RegistrationList,
    RegistrationState, RegistrationStep, SubmitRegistration,
};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;

use crate::access;
use crate::clock::after;
use crate::clock::parse_ts;
use crate::clock::ts;
use crate::codes::hash_token;
use crate::codes::mask_phone;
use crate::codes::sms_code;
use crate::error::{ApiJson, PortalError};
use crate::http::idempotency_key;
use crate::http::if_match;
use crate::http::once;
use crate::http::AuthUser;
use crate::registry::{self, RegistryEntry};
use crate::staff;
use crate::{db, documents, feed, legal, records, AppState, PortalConfig};

/// The role of a registration's author in the new organization.
pub const FOUNDER_ROLE: &str = cabinet_api::HEAD_ROLE;

/// Wrong codes before a new one must be asked for.
const CODE_ATTEMPTS: u32 = 5;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/registrations", get(list).post(create))
        .route("/registrations/{id}", get(one).put(edit))
        .route(
            "/registrations/{id}/documents",
            post(upload).layer(axum::extract::DefaultBodyLimit::max(
                cabinet_api::files::MAX_ATTACHMENT + 1,
            )),
        )
        .route("/registrations/{id}/code", post(send_code))
        .route("/registrations/{id}/submit", post(submit))
}

fn load(conn: &Connection, user: &str, id: &str) -> Result<Registration, PortalError> {
    let json: String = conn
        .query_row(
            "SELECT json FROM registrations WHERE id = ?1 AND user_id = ?2",
            [id, user],
            |r| r.get(0),
        )
        .optional()?
        .ok_or(PortalError::NotFound)?;
    parse(&json)
}

fn parse(json: &str) -> Result<Registration, PortalError> {
    serde_json::from_str(json).map_err(|e| PortalError::Internal(format!("registration: {e}")))
}

fn store(conn: &Connection, user: &str, r: &Registration) -> Result<(), PortalError> {
    let json = serde_json::to_string(r)
        .map_err(|e| PortalError::Internal(format!("registration: {e}")))?;
    conn.execute(
        "INSERT INTO registrations (id, user_id, inn, state, json) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET inn = excluded.inn, state = excluded.state,
             json = excluded.json",
        params![
            r.id,
            user,
            r.form.inn,
            serde_json::to_value(r.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned)),
            json
        ],
    )?;
    Ok(())
}

fn answer(
    r: &Registration,
    status: StatusCode,
) -> Result<(StatusCode, serde_json::Value), PortalError> {
    serde_json::to_value(r)
        .map(|v| (status, v))
        .map_err(|e| PortalError::Internal(format!("registration: {e}")))
}

/// The register's entry for the form, or the field that does not match it.
fn in_registry(conn: &Connection, form: &RegistrationForm) -> Result<RegistryEntry, PortalError> {
    let entry = registry::find(conn, &form.inn)?.ok_or(PortalError::FieldRefused {
        code: ErrorCode::RegistrationNotInRegistry,
        field: "inn",
        detail: format!("no organization with INN {} in the register", form.inn),
    })?;
    if entry.ogrn != form.ogrn {
        return Err(PortalError::FieldRefused {
            code: ErrorCode::RegistrationRegistryMismatch,
            field: "ogrn",
            detail: "the register holds another OGRN for this INN".into(),
        });
    }
    if entry.kpp != form.kpp {
        return Err(PortalError::FieldRefused {
            code: ErrorCode::RegistrationRegistryMismatch,
            field: "kpp",
            detail: "the register holds another KPP for this INN".into(),
        });
    }
    if db::org_id_by_inn(conn, &form.inn).is_ok() {
        return Err(PortalError::Refused {
            status: 409,
            code: ErrorCode::RegistrationAlreadyRegistered,
            detail: "this organization has a cabinet already".into(),
        });
    }
    Ok(entry)
}

/// Applies a checked form: names from the register; edits after a refusal
/// keep the refusal on show until the next submission.
fn apply_form(r: &mut Registration, form: RegistrationForm, entry: &RegistryEntry) {
    r.kind = entry.kind;
    r.full_name = entry.full_name.clone();
    r.short_name = entry.short_name.clone();
    r.head_name = entry.head_name.clone();
    let kinds = required_registration_documents(r.kind);
    r.required_documents = kinds.iter().map(|k| (*k).to_owned()).collect();
    r.documents.retain(|d| kinds.contains(&d.kind.as_str()));
    r.form = form;
}

async fn list(
    State(st): State<AppState>,
    user: AuthUser,
) -> Result<ApiJson<RegistrationList>, PortalError> {
    st.with_db(move |conn, _| {
        let items = conn
            .prepare("SELECT json FROM registrations WHERE user_id = ?1 ORDER BY rowid DESC")?
            .query_map([&user.user_id], |r| r.get::<_, String>(0))?
            .map(|j| parse(&j?))
            .collect::<Result<_, _>>()?;
        Ok(RegistrationList { items })
    })
    .await
    .map(ApiJson)
}

async fn one(
    State(st): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<Registration>, PortalError> {
    st.with_db(move |conn, _| load(conn, &user.user_id, &id))
        .await
        .map(ApiJson)
}

async fn create(
    State(st): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    ApiJson(form): ApiJson<RegistrationForm>,
) -> Result<Response, PortalError> {
    let key = idempotency_key(&headers)?;
    let form = form.normalized()?;
    st.limit(
        crate::limits::Kind::Registration,
        Some(&user.user_id),
        user.ip.as_deref(),
    )?;
    st.with_db(move |conn, cfg| {
        let request = format!("registration {form:?}");
        once(conn, &user.user_id, &key, &request, |tx| {
            let entry = in_registry(tx, &form)?;
            let open: Option<String> = tx
                .query_row(
                    "SELECT id FROM registrations WHERE user_id = ?1 AND inn = ?2
                         AND state <> 'active'",
                    [&user.user_id, &form.inn],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = open {
                return Err(PortalError::WrongState(format!(
                    "registration {id} of this organization is open"
                )));
            }
            let now = ts(cfg.clock.now());
            let mut r = Registration {
                id: uuid::Uuid::new_v4().to_string(),
                state: RegistrationState::Draft,
                kind: entry.kind,
                form: RegistrationForm::default(),
                full_name: String::new(),
                short_name: String::new(),
                head_name: String::new(),
                required_documents: Vec::new(),
                documents: Vec::new(),
                refusal: None,
                history: vec![RegistrationStep {
                    state: RegistrationState::Draft,
                    at: now,
                }],
                org_id: None,
                version: 1,
            };
            apply_form(&mut r, form, &entry);
            store(tx, &user.user_id, &r)?;
            answer(&r, StatusCode::CREATED)
        })
    })
    .await
}

/// The author's registration if it may still be changed.
fn editable(conn: &Connection, user: &str, id: &str) -> Result<Registration, PortalError> {
    let r = load(conn, user, id)?;
    if !r.state.editable() {
        return Err(PortalError::WrongState(
            "the registration is with the registry office".into(),
        ));
    }
    Ok(r)
}

async fn edit(
    State(st): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(form): ApiJson<RegistrationForm>,
) -> Result<Response, PortalError> {
    let key = idempotency_key(&headers)?;
    let expected = if_match(&headers)?;
    let form = form.normalized()?;
    st.with_db(move |conn, _| {
        let request = format!("registration {id} {expected} {form:?}");
        once(conn, &user.user_id, &key, &request, |tx| {
            let mut r = editable(tx, &user.user_id, &id)?;
            if r.version != expected {
                return Err(PortalError::VersionMismatch {
                    current: r.version,
                    entity: serde_json::to_value(&r).ok().map(Box::new),
                });
            }
            let entry = in_registry(tx, &form)?;
            apply_form(&mut r, form, &entry);
            r.version += 1;
            store(tx, &user.user_id, &r)?;
            answer(&r, StatusCode::OK)
        })
    })
    .await
}

#[derive(Deserialize)]
struct UploadQuery {
    kind: String,
    name: String,
}

/// `POST /registrations/{id}/documents?kind=K&name=N` with the file as the
/// body: replaces the document of that kind.
async fn upload(
    State(st): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    query: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, PortalError> {
    let key = idempotency_key(&headers)?;
    let body = body?;
    let Query(q) = query?;
    let name = cabinet_api::files::file_name(&q.name);
    cabinet_api::files::check(&name, &body).map_err(PortalError::from)?;
    let sha = documents::content_sha(&body);
    st.with_db(move |conn, _| {
        let request = format!("registration document {id} {} {name} {sha}", q.kind);
        once(conn, &user.user_id, &key, &request, |tx| {
            let mut r = editable(tx, &user.user_id, &id)?;
            if !required_registration_documents(r.kind).contains(&q.kind.as_str()) {
                return Err(PortalError::InvalidField {
                    field: "kind",
                    detail: format!("a registration takes no {:?} document", q.kind),
                });
            }
            documents::put_blob(tx, &sha, &body)?;
            r.documents.retain(|d| d.kind != q.kind);
            r.documents.push(RegistrationDocument {
                kind: q.kind.clone(),
                name: name.clone(),
                sha256: sha.clone(),
                size: body.len() as u64,
            });
            r.documents.sort_by_key(|d| d.kind != CHARTER);
            r.version += 1;
            store(tx, &user.user_id, &r)?;
            answer(&r, StatusCode::OK)
        })
    })
    .await
}

/// Sends a confirmation code to the form's phone (the demo portal's log
/// and `/v1/demo/sms?ticket=registration:ID` are its phone). A new code
/// replaces the last one.
async fn send_code(
    State(st): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<RegistrationCode>, PortalError> {
    st.limit(
        crate::limits::Kind::CodeRequest,
        Some(&user.user_id),
        user.ip.as_deref(),
    )?;
    st.with_db(move |conn, cfg| {
        let tx = conn.transaction()?;
        let r = editable(&tx, &user.user_id, &id)?;
        let code = sms_code()?;
        let now = cfg.clock.now();
        let expires = after(now, cfg.otp_ttl);
        crate::sms::send(&tx, cfg, &hash_token(&code_ticket(&id)), &r.form.phone, &code, now)?;
        tx.execute(
            "UPDATE registrations SET code_hash = ?2, code_expires_at = ?3, code_attempts = 0
             WHERE id = ?1",
            params![id, hash_token(&format!("{id}:{code}")), ts(expires)],
        )?;
        tx.commit()?;
        if cfg.demo {
            tracing::info!(target: "cabinet_portal::demo_sms", phone = %r.form.phone, %code, "demo SMS code");
        }
        Ok(RegistrationCode {
            destination: mask_phone(&r.form.phone),
            expires_at: ts(expires),
        })
    })
    .await
    .map(ApiJson)
}

/// The demo SMS ticket of a registration's confirmation code.
pub fn code_ticket(id: &str) -> String {
    format!("registration:{id}")
}

/// Checks the code; a wrong one counts (and is committed even though the
/// submission fails), the right one is spent.
fn check_code(
    conn: &mut Connection,
    id: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), PortalError> {
    let row: Option<(Option<String>, Option<String>, u32)> = conn
        .query_row(
            "SELECT code_hash, code_expires_at, code_attempts FROM registrations WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((Some(hash), Some(expires), attempts)) = row else {
        return Err(code_expired());
    };
    if parse_ts(&expires)? <= now || attempts >= CODE_ATTEMPTS {
        return Err(code_expired());
    }
    if hash_token(&format!("{id}:{}", code.trim())) != hash {
        conn.execute(
            "UPDATE registrations SET code_attempts = code_attempts + 1 WHERE id = ?1",
            [id],
        )?;
        return Err(PortalError::CodeInvalid {
            attempts_left: CODE_ATTEMPTS - attempts - 1,
        });
    }
    Ok(())
}

fn code_expired() -> PortalError {
    PortalError::Refused {
        status: 422,
        code: ErrorCode::RegistrationCodeExpired,
        detail: "ask for a new confirmation code".into(),
    }
}

async fn submit(
    State(st): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SubmitRegistration>,
) -> Result<Response, PortalError> {
    let key = idempotency_key(&headers)?;
    let trust = st.trust.clone();
    let list = st.trust_list.clone();
    st.with_db(move |conn, cfg: &PortalConfig| {
        let now = cfg.clock.now();
        // A replayed submission answers as before, without a code.
        let replay: bool = conn
            .query_row(
                "SELECT 1 FROM idempotency WHERE user_id = ?1 AND key = ?2",
                [&user.user_id, &key],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !replay {
            let r = editable(conn, &user.user_id, &id)?;
            let missing = r.missing_documents();
            if !missing.is_empty() {
                return Err(PortalError::Refused {
                    status: 422,
                    code: ErrorCode::RegistrationMissingDocuments,
                    detail: format!("missing: {}", missing.join(", ")),
                });
            }
            match (&req.code, &req.signature) {
                (Some(code), None) => check_code(conn, &id, code, now)?,
                (None, Some(signature)) => check_head_signature(&trust, &list, &r, signature, now)?,
                _ => {
                    return Err(PortalError::Refused {
                        status: 422,
                        code: ErrorCode::RegistrationConfirmationMissing,
                        detail: "confirm with the code or the head's signature, one of them".into(),
                    })
                }
            }
        }
        let request = format!("registration submit {id}");
        once(conn, &user.user_id, &key, &request, |tx| {
            let mut r = editable(tx, &user.user_id, &id)?;
            // Someone may have registered it meanwhile; the form may have
            // been sent before the register changed.
            in_registry(tx, &r.form)?;
            tx.execute(
                "UPDATE registrations SET code_hash = NULL, code_expires_at = NULL WHERE id = ?1",
                [&id],
            )?;
            r.state = RegistrationState::Checking;
            r.refusal = None;
            r.history.push(RegistrationStep {
                state: r.state,
                at: ts(now),
            });
            r.version += 1;
            store(tx, &user.user_id, &r)?;
            answer(&r, StatusCode::OK)
        })
    })
    .await
}

/// The registration confirmed by a qualified signature of its
/// [`Registration::statement`]: valid and trusted now, and the signer is
/// the head the state register names — the certificate carries the
/// organization's ИНН (ИНН ЮЛ for a legal entity; the person's own for an
/// entrepreneur) and the head's name.
fn check_head_signature(
    trust: &cabinet_sign::verify::Trust,
    list: &crate::trust::TrustService,
    r: &Registration,
    signature: &str,
    now: DateTime<Utc>,
) -> Result<(), PortalError> {
    let cert = crate::certlogin::signer(trust, list, signature, r.statement().as_bytes(), now)
        .map_err(|e| PortalError::NotAcceptedSignature(Box::new(e)))?;
    let inn = r.form.inn.trim();
    let of_org = match r.kind {
        cabinet_api::OrgKind::LegalEntity => {
            cert.inn_le.as_deref() == Some(inn) || cert.inn.as_deref() == Some(inn)
        }
        cabinet_api::OrgKind::Entrepreneur => cert.inn.as_deref() == Some(inn),
    };
    let person = match (&cert.surname, &cert.given_name) {
        (Some(s), Some(g)) => format!("{s} {g}"),
        _ => cert.subject_common_name.clone().unwrap_or_default(),
    };
    if of_org && crate::registry::same_person(&person, &r.head_name) {
        tracing::info!(registration = %r.id, serial = %cert.serial, "confirmed by the head's signature");
        return Ok(());
    }
    Err(PortalError::Refused {
        status: 422,
        code: ErrorCode::RegistrationSignerNotHead,
        detail: format!(
            "the certificate is {person}'s{}; the state register names {} as the head of ИНН {inn}",
            cert.inn_le
                .as_deref()
                .or(cert.inn.as_deref())
                .map(|i| format!(" (ИНН {i})"))
                .unwrap_or_default(),
            r.head_name
        ),
    })
}

/// One working step of the registry office: every registration being
/// checked is verified or refused, every verified one becomes an
/// organization. Returns the registrations it moved.
pub fn review(conn: &mut Connection, now: DateTime<Utc>) -> Result<Vec<Registration>, PortalError> {
    let rows: Vec<(String, String)> = conn
        .prepare(
            "SELECT user_id, json FROM registrations WHERE state IN ('checking', 'verified')
             ORDER BY rowid",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut moved = Vec::new();
    for (user, json) in rows {
        let tx = conn.transaction()?;
        let mut r = parse(&json)?;
        match r.state {
            RegistrationState::Checking => match findings(&tx, &r)? {
                Some(refusal) => {
                    r.state = RegistrationState::Refused;
                    r.refusal = Some(refusal);
                }
                None => r.state = RegistrationState::Verified,
            },
            _ => match activate(&tx, &user, &r, now) {
                Ok(org) => {
                    r.state = RegistrationState::Active;
                    r.org_id = Some(org);
                }
                // Registered by someone else since the check, or the
                // register changed: the author has to look again.
                Err(PortalError::Refused { code, detail, .. }) => {
                    r.state = RegistrationState::Refused;
                    r.refusal = Some(Refusal {
                        field: Some("inn".into()),
                        document: None,
                        code,
                        reason: detail,
                    });
                }
                Err(PortalError::FieldRefused {
                    code,
                    field,
                    detail,
                }) => {
                    r.state = RegistrationState::Refused;
                    r.refusal = Some(Refusal {
                        field: Some(field.into()),
                        document: None,
                        code,
                        reason: detail,
                    });
                }
                Err(e) => return Err(e),
            },
        }
        r.history.push(RegistrationStep {
            state: r.state,
            at: ts(now),
        });
        r.version += 1;
        store(&tx, &user, &r)?;
        tx.commit()?;
        moved.push(r);
    }
    Ok(moved)
}

/// What a registry clerk would refuse, first finding first.
fn findings(conn: &Connection, r: &Registration) -> Result<Option<Refusal>, PortalError> {
    let refuse = |field: Option<&str>, document: Option<&str>, code: ErrorCode, reason: String| {
        Ok(Some(Refusal {
            field: field.map(Into::into),
            document: document.map(Into::into),
            code,
            reason,
        }))
    };
    let Some(entry) = registry::find(conn, &r.form.inn)? else {
        return refuse(
            Some("inn"),
            None,
            ErrorCode::RegistrationNotInRegistry,
            "Организации с этим ИНН нет в реестре.".into(),
        );
    };
    if comparable(&entry.legal_address) != comparable(&r.form.legal_address) {
        return refuse(
            Some("legal_address"),
            None,
            ErrorCode::RegistrationAddressMismatch,
            format!(
                "Юридический адрес не совпадает с адресом в реестре: {}.",
                entry.legal_address
            ),
        );
    }
    for d in &r.documents {
        let content = documents::blob(conn, &d.sha256)?;
        if !mentions(&content, &[&r.form.inn, &r.form.ogrn]) {
            return refuse(
                None,
                Some(&d.kind),
                ErrorCode::RegistrationDocumentForeign,
                format!(
                    "В документе «{}» не указаны ИНН или ОГРН организации: приложите документ этой организации.",
                    d.name
                ),
            );
        }
    }
    let shas: Vec<&str> = r.documents.iter().map(|d| d.sha256.as_str()).collect();
    if shas.len() == 2 && shas[0] == shas[1] {
        return refuse(
            None,
            Some(FOUNDING_DECISION),
            ErrorCode::RegistrationDocumentDuplicate,
            "Решение о создании совпадает с уставом: приложите само решение.".into(),
        );
    }
    Ok(None)
}

/// An address as a clerk compares it: case, punctuation and spacing aside.
fn comparable(address: &str) -> String {
    address
        .to_lowercase()
        .replace('ё', "е")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a document's text names one of `needles`. Images cannot be read
/// by the demo clerk and pass; PDF streams and Word parts are inflated.
fn mentions(content: &[u8], needles: &[&str]) -> bool {
    use cabinet_api::FileKind;
    match cabinet_api::files::sniff(content) {
        Some(FileKind::Jpeg | FileKind::Png) => true,
        _ => {
            let text = readable_text(content);
            needles
                .iter()
                .any(|n| text.windows(n.len()).any(|w| w == n.as_bytes()))
        }
    }
}

/// The bytes of a PDF or DOCX with its compressed parts inflated (at most
/// 16 MB of them, against deflate bombs).
fn readable_text(content: &[u8]) -> Vec<u8> {
    use std::io::Read;
    const LIMIT: u64 = 16 << 20;
    let mut out = content.to_vec();
    let inflate = |reader: &mut dyn Read, out: &mut Vec<u8>| {
        let budget = LIMIT.saturating_sub(out.len() as u64);
        let _ = reader.take(budget).read_to_end(out);
    };
    // PDF: `stream\r?\n … endstream`, zlib.
    let mut at = 0;
    while let Some(start) = find(&content[at..], b"stream").map(|p| at + p + 6) {
        let body = match content.get(start..) {
            Some([b'\r', b'\n', ..]) => start + 2,
            Some([b'\n', ..]) => start + 1,
            _ => {
                at = start;
                continue;
            }
        };
        let end = find(&content[body..], b"endstream").map_or(content.len(), |p| body + p);
        inflate(
            &mut flate2::read::ZlibDecoder::new(&content[body..end]),
            &mut out,
        );
        at = end;
    }
    // DOCX: local file entries, deflated.
    let mut at = 0;
    while let Some(p) = find(&content[at..], b"PK\x03\x04").map(|p| at + p) {
        let field = |o: usize, n: usize| {
            content
                .get(p + o..p + o + n)
                .map(|b| b.iter().rev().fold(0usize, |a, &x| a << 8 | x as usize))
        };
        let (Some(method), Some(size), Some(name), Some(extra)) =
            (field(8, 2), field(18, 4), field(26, 2), field(28, 2))
        else {
            break;
        };
        let data = p + 30 + name + extra;
        if method == 8 {
            if let Some(bytes) = content.get(data..data + size) {
                inflate(&mut flate2::read::DeflateDecoder::new(bytes), &mut out);
            }
        }
        at = p + 4;
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Makes the organization of a verified registration, with its author as
/// the head: profile, roles, membership and legal status, all in the feed;
/// the documents become the organization's.
fn activate(
    conn: &Connection,
    user: &str,
    r: &Registration,
    now: DateTime<Utc>,
) -> Result<String, PortalError> {
    let entry = in_registry(conn, &r.form)?;
    let id = uuid::Uuid::new_v4().to_string();
    let profile = OrganizationProfile {
        id: id.clone(),
        kind: entry.kind,
        full_name: entry.full_name,
        short_name: entry.short_name,
        inn: entry.inn,
        ogrn: entry.ogrn,
        kpp: entry.kpp,
        status: OrgStatus::Active,
        registered_on: entry.registered_on,
        legal_address: r.form.legal_address.clone(),
        head_name: entry.head_name,
        head_position: entry.head_position,
        email: r.form.email.clone(),
        phone: r.form.phone.clone(),
        okved: entry.okved,
        version: 1,
        bank: None,
    };
    db::insert_org(conn, &profile)?;
    let body = serde_json::to_value(&profile)
        .map_err(|e| PortalError::Internal(format!("profile: {e}")))?;
    feed::record(conn, &id, "profile", &id, ChangeOp::Upsert, Some(&body))?;
    for role in cabinet_api::builtin_roles() {
        records::put(conn, &id, &role)?;
    }
    records::put(conn, &id, &legal::status_for(&profile, now))?;
    staff::insert_membership(conn, &id, user, FOUNDER_ROLE)?;
    for d in &r.documents {
        let content = documents::blob(conn, &d.sha256)?;
        let mime =
            cabinet_api::files::sniff(&content).map_or("application/octet-stream", |k| k.mime());
        documents::insert(conn, &id, &d.name, mime, &content, now)?;
    }
    let who = access::require(conn, &id, user, None, None)?;
    records::audit(conn, &id, &who, "organization.registered", &r.id, now)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clerk_reads_deflated_pdf_streams_and_word_parts() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"BT (INN 7707083893) Tj ET").unwrap();
        let mut pdf = b"%PDF-1.4\n1 0 obj << /Filter /FlateDecode >>\nstream\n".to_vec();
        pdf.extend(z.finish().unwrap());
        pdf.extend(b"\nendstream\nendobj\n%%EOF\n");
        assert!(mentions(&pdf, &["7707083893"]));
        assert!(!mentions(&pdf, &["7707083894"]));

        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        d.write_all(b"<w:t>OGRN 1027700132195</w:t>").unwrap();
        let data = d.finish().unwrap();
        let name = b"word/document.xml";
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend([20, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        zip.extend((data.len() as u32).to_le_bytes());
        zip.extend([0; 4]);
        zip.extend((name.len() as u16).to_le_bytes());
        zip.extend([0, 0]);
        zip.extend(name);
        zip.extend(&data);
        assert!(readable_text(&zip)
            .windows(13)
            .any(|w| w == b"1027700132195"));
    }

    #[test]
    fn addresses_compare_as_a_clerk_reads_them() {
        assert_eq!(
            comparable("115093, г. Москва, ул. Большая Серпуховская, д. 5"),
            comparable("115093 г Москва  ул Большая Серпуховская д 5")
        );
        assert_ne!(
            comparable("115093, г. Москва, д. 5"),
            comparable("115093, г. Москва, д. 6")
        );
    }
}
