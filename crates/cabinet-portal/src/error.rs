//! The portal's error type and its RFC 7807 rendering.

use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use cabinet_api::problem::PROBLEM_JSON;
use cabinet_api::ErrorCode;
use cabinet_api::Problem;
use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("wrong login or password")]
    InvalidCredentials { attempts_left: u32 },
    #[error("login locked until {0}")]
    Locked(DateTime<Utc>),
    /// A JSON body past the route's limit.
    #[error("request body too large")]
    TooLarge,
    /// An abuse limit: try again in `retry_after` seconds.
    #[error("too many requests; retry after {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    #[error("wrong code")]
    OtpInvalid { attempts_left: u32 },
    #[error("code expired")]
    OtpExpired,
    #[error("login ticket unknown, used or burned")]
    TicketInvalid,
    #[error("authorization required")]
    Unauthorized,
    #[error("access token unknown or revoked")]
    TokenInvalid,
    #[error("access token expired")]
    TokenExpired,
    #[error("refresh token unknown, used or expired")]
    RefreshInvalid,
    #[error("not a member of this organization")]
    OrgForbidden,
    #[error("the role does not allow {0:?}")]
    PermissionDenied(cabinet_api::Permission),
    #[error("certificate login challenge unknown or used")]
    ChallengeInvalid,
    #[error("certificate login challenge expired")]
    ChallengeExpired,
    #[error("signature does not verify: {0}")]
    SignatureInvalid(String),
    #[error("certificate expired")]
    CertExpired,
    #[error("certificate not yet valid")]
    CertNotYetValid,
    #[error("certificate does not chain to a trusted root")]
    CertUntrusted,
    #[error("certificate revoked")]
    CertRevoked,
    #[error("certificate key usage does not allow signatures")]
    CertKeyUsage,
    #[error("algorithm not supported: {0}")]
    CertUnsupported(String),
    #[error("no user with the certificate's СНИЛС or ИНН")]
    CertUnknownHolder,
    /// A signature or certificate refusal outside a login (a signed
    /// confirmation): the same code, answered 422 — a 401 would tell the
    /// client its session is over.
    #[error("{0}")]
    NotAcceptedSignature(Box<PortalError>),
    #[error("change-feed cursor too old")]
    CursorExpired,
    #[error("Idempotency-Key reused with another request")]
    IdempotencyConflict,
    #[error("Idempotency-Key required")]
    IdempotencyRequired,
    #[error("version mismatch, current {current}")]
    /// `If-Match` named another version; `entity` is the current state.
    VersionMismatch {
        current: i64,
        entity: Option<Box<serde_json::Value>>,
    },
    #[error("not allowed in this state: {0}")]
    WrongState(String),
    #[error("invalid {field}: {detail}")]
    InvalidField { field: &'static str, detail: String },
    /// A service's form refused: `field` is `fields.{key}`, the code the
    /// form's own (`form.required`, `inn.checksum`, …).
    #[error("form: {0}")]
    InvalidForm(cabinet_api::FormError),
    #[error("signature refused: {detail}")]
    SignatureRejected { code: ErrorCode, detail: String },
    /// A rule of the API refused the request; the code says which.
    #[error("refused ({code}): {detail}")]
    Refused {
        status: u16,
        code: ErrorCode,
        detail: String,
    },
    /// A form field refused by a rule beyond its own format (the register
    /// knows another OGRN for this INN, …).
    #[error("refused {field} ({code}): {detail}")]
    FieldRefused {
        code: ErrorCode,
        field: &'static str,
        detail: String,
    },
    /// A requisite that fails its own check (`inn.checksum`, …).
    #[error("invalid requisite: {0}")]
    Requisite(#[from] cabinet_api::requisites::RequisiteError),
    /// A password change whose current password is wrong.
    #[error("wrong current password, {attempts_left} attempts left")]
    WrongPassword { attempts_left: u32 },
    /// A wrong code from an authenticator being set up.
    #[error("wrong authenticator code, {attempts_left} attempts left")]
    TotpInvalid { attempts_left: u32 },
    /// A wrong confirmation code.
    #[error("wrong code, {attempts_left} attempts left")]
    CodeInvalid { attempts_left: u32 },
    #[error("not found")]
    NotFound,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<rusqlite::Error> for PortalError {
    fn from(e: rusqlite::Error) -> Self {
        PortalError::Internal(format!("sqlite: {e}"))
    }
}

impl From<JsonRejection> for PortalError {
    fn from(e: JsonRejection) -> Self {
        match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => PortalError::TooLarge,
            _ => PortalError::BadRequest(e.body_text()),
        }
    }
}

/// Every error answer is problem+json: the framework's own refusals (a
/// method the path does not take, a path segment that does not decode, a
/// body past the limit) come as plain text and are rewritten here, their
/// headers (`Allow`) kept.
pub async fn problem_everywhere(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if status.as_u16() < 400 || is_problem {
        return response;
    }
    let (code, title) = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            (ErrorCode::RequestMethodNotAllowed, "Method not allowed")
        }
        StatusCode::PAYLOAD_TOO_LARGE => (ErrorCode::RequestTooLarge, "Request body too large"),
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "Not found"),
        s if s.is_server_error() => (ErrorCode::Internal, "Internal error"),
        _ => (ErrorCode::RequestInvalid, "Invalid request"),
    };
    let (mut parts, _) = response.into_parts();
    let body = serde_json::to_vec(&Problem::new(status.as_u16(), code, title)).unwrap_or_default();
    parts.headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(PROBLEM_JSON),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// A file body: past the route's limit axum stops reading, and the answer
/// is the same refusal as the file check's own.
impl From<BytesRejection> for PortalError {
    fn from(e: BytesRejection) -> Self {
        match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => PortalError::from(cabinet_api::FileError::TooLarge),
            _ => PortalError::BadRequest(e.body_text()),
        }
    }
}

impl From<QueryRejection> for PortalError {
    fn from(e: QueryRejection) -> Self {
        PortalError::BadRequest(e.body_text())
    }
}

impl PortalError {
    pub fn problem(&self) -> Problem {
        match self {
            PortalError::NotAcceptedSignature(inner) => Problem {
                status: 422,
                ..inner.problem()
            },
            PortalError::BadRequest(d) => {
                Problem::new(400, ErrorCode::RequestInvalid, "Invalid request")
                    .with_detail(d.clone())
            }
            PortalError::InvalidCredentials { attempts_left } => {
                let mut p = Problem::new(
                    401,
                    ErrorCode::AuthInvalidCredentials,
                    "Wrong login or password",
                );
                p.attempts_left = Some(*attempts_left);
                p
            }
            PortalError::TooLarge => {
                Problem::new(413, ErrorCode::RequestTooLarge, "Request body too large")
            }
            PortalError::TooManyRequests { retry_after } => Problem::new(
                429,
                ErrorCode::RateLimited,
                "Too many requests: wait before trying again",
            )
            .with_detail(format!("Retry after {retry_after} s")),
            PortalError::Locked(until) => {
                let until = until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                let mut p = Problem::new(
                    423,
                    ErrorCode::AuthLocked,
                    "Login locked after wrong passwords",
                )
                .with_detail(format!("Try again after {until}"));
                p.locked_until = Some(until);
                p
            }
            PortalError::OtpInvalid { attempts_left } => {
                let mut p =
                    Problem::new(401, ErrorCode::AuthOtpInvalid, "Wrong code").with_field("code");
                p.attempts_left = Some(*attempts_left);
                p
            }
            PortalError::OtpExpired => Problem::new(401, ErrorCode::AuthOtpExpired, "Code expired"),
            PortalError::TotpInvalid { attempts_left } => {
                let mut p =
                    Problem::new(422, ErrorCode::AuthTotpInvalid, "Wrong code").with_field("code");
                p.attempts_left = Some(*attempts_left);
                p
            }
            PortalError::WrongPassword { attempts_left } => {
                let mut p =
                    Problem::new(422, ErrorCode::AuthWrongPassword, "Wrong current password")
                        .with_field("current_password");
                p.attempts_left = Some(*attempts_left);
                p
            }
            PortalError::TicketInvalid => Problem::new(
                401,
                ErrorCode::AuthTicketInvalid,
                "Login attempt is no longer valid",
            ),
            PortalError::Unauthorized => {
                Problem::new(401, ErrorCode::AuthRequired, "Authorization required")
            }
            PortalError::TokenInvalid => {
                Problem::new(401, ErrorCode::AuthTokenInvalid, "Invalid access token")
            }
            PortalError::TokenExpired => {
                Problem::new(401, ErrorCode::AuthTokenExpired, "Access token expired")
            }
            PortalError::RefreshInvalid => Problem::new(
                401,
                ErrorCode::AuthRefreshInvalid,
                "Refresh token is not valid",
            ),
            PortalError::OrgForbidden => Problem::new(
                403,
                ErrorCode::OrgForbidden,
                "Not a member of this organization",
            ),
            PortalError::PermissionDenied(p) => Problem::new(
                403,
                ErrorCode::OrgPermissionDenied,
                "Your role in this organization does not allow this",
            )
            .with_detail(p.code()),
            PortalError::ChallengeInvalid => Problem::new(
                401,
                ErrorCode::AuthChallengeInvalid,
                "Login challenge unknown or already used",
            ),
            PortalError::ChallengeExpired => Problem::new(
                401,
                ErrorCode::AuthChallengeExpired,
                "Login challenge expired",
            ),
            PortalError::SignatureInvalid(d) => Problem::new(
                401,
                ErrorCode::AuthSignatureInvalid,
                "Signature does not verify",
            )
            .with_detail(d.clone()),
            PortalError::CertExpired => {
                Problem::new(401, ErrorCode::CertExpired, "Certificate has expired")
            }
            PortalError::CertNotYetValid => Problem::new(
                401,
                ErrorCode::CertNotYetValid,
                "Certificate is not yet valid",
            ),
            PortalError::CertUntrusted => Problem::new(
                401,
                ErrorCode::CertUntrusted,
                "Certificate is not issued by a trusted authority",
            ),
            PortalError::CertRevoked => {
                Problem::new(401, ErrorCode::CertRevoked, "Certificate is revoked")
            }
            PortalError::CertKeyUsage => Problem::new(
                401,
                ErrorCode::CertKeyUsage,
                "Certificate key usage does not allow signatures",
            ),
            PortalError::CertUnsupported(a) => Problem::new(
                401,
                ErrorCode::CertUnsupportedAlgorithm,
                "Algorithm not supported",
            )
            .with_detail(a.clone()),
            PortalError::CertUnknownHolder => Problem::new(
                401,
                ErrorCode::CertUnknownHolder,
                "No portal user has this certificate's СНИЛС or ИНН",
            ),
            PortalError::CursorExpired => Problem::new(
                410,
                ErrorCode::SyncCursorExpired,
                "Change cursor is too old; start a full sync",
            ),
            PortalError::IdempotencyConflict => Problem::new(
                422,
                ErrorCode::RequestIdempotencyConflict,
                "Idempotency-Key already used for another request",
            ),
            PortalError::IdempotencyRequired => Problem::new(
                428,
                ErrorCode::RequestIdempotencyKeyRequired,
                "Writes need an Idempotency-Key header",
            ),
            PortalError::VersionMismatch { current, entity } => {
                let mut p = Problem::new(412, ErrorCode::ConflictVersion, "The entity has changed")
                    .with_detail(format!("current version {current}"));
                p.current = entity.as_deref().cloned();
                p
            }
            PortalError::WrongState(d) => {
                Problem::new(409, ErrorCode::ConflictState, "Not allowed in this state")
                    .with_detail(d.clone())
            }
            PortalError::InvalidForm(e) => Problem::new(422, e.code, "Invalid form field")
                .with_field(&e.field())
                .with_detail(e.detail.clone()),
            PortalError::InvalidField { field, detail } => {
                Problem::new(422, ErrorCode::RequestInvalidField, "Invalid field")
                    .with_field(field)
                    .with_detail(detail.clone())
            }
            PortalError::SignatureRejected { code, detail } => {
                Problem::new(422, *code, "Signature refused").with_detail(detail.clone())
            }
            PortalError::Refused {
                status,
                code,
                detail,
            } => Problem::new(*status, *code, "Refused").with_detail(detail.clone()),
            PortalError::FieldRefused {
                code,
                field,
                detail,
            } => Problem::new(422, *code, "Refused")
                .with_field(field)
                .with_detail(detail.clone()),
            PortalError::Requisite(e) => Problem::new(422, e.code(), "Invalid field")
                .with_field(e.kind())
                .with_detail(e.to_string()),
            PortalError::CodeInvalid { attempts_left } => {
                let mut p = Problem::new(422, ErrorCode::RegistrationCodeInvalid, "Wrong code");
                p.attempts_left = Some(*attempts_left);
                p
            }
            PortalError::NotFound => Problem::new(404, ErrorCode::NotFound, "Not found"),
            PortalError::Internal(_) => Problem::new(500, ErrorCode::Internal, "Internal error"),
        }
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        if let PortalError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let problem = self.problem();
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, [(header::CONTENT_TYPE, PROBLEM_JSON)], body).into_response();
        if let PortalError::TooManyRequests { retry_after } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
        }
        response
    }
}

pub async fn not_found() -> PortalError {
    PortalError::NotFound
}

/// `Json` whose rejections are problem+json too.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(PortalError))]
pub struct ApiJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl From<cabinet_api::FileError> for PortalError {
    fn from(e: cabinet_api::FileError) -> Self {
        PortalError::Refused {
            status: e.status(),
            code: e.code(),
            detail: e.to_string(),
        }
    }
}
