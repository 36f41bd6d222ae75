//! The HTTP client of the portal API v1 (the reference portal speaks it);
//! the sync engine reaches it through [`crate::backend::Backend`].

use std::time::Duration;

use cabinet_api::problem::PROBLEM_JSON;
use cabinet_api::sync::IDEMPOTENCY_KEY;
use cabinet_api::{
    Application, CertChallenge, CertificateLogin, ChangePage, DemoInfo, DemoSms, Document, Me,
    NewApplication, NewSignature, NotificationSettings, OrganizationList, OrganizationProfile,
    OtpSubmit, PasswordChange, PasswordLogin, PasswordLoginResponse, PasswordRecovery, Problem,
    ProfileEdit, RecoveryConfirm, RecoveryTicket, RefreshRequest, Registration, RegistrationCode,
    RegistrationList, Security, TokenPair,
};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::CoreError;
use cabinet_api::ErrorCode;

#[derive(Clone)]
pub struct ApiV1Client {
    base: url::Url,
    http: reqwest::Client,
}

/// The largest CRL read (the largest published ones are a few megabytes).
const MAX_CRL: usize = 64 << 20;

impl ApiV1Client {
    pub fn new(base: url::Url) -> Result<Self, CoreError> {
        Self::with_timeout(base, Duration::from_secs(30))
    }

    /// `timeout` bounds a whole request, body included: a stalled portal
    /// becomes a network error the sync retries, not a hang.
    pub fn with_timeout(base: url::Url, timeout: Duration) -> Result<Self, CoreError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("OrgCabinet/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5).min(timeout))
            .timeout(timeout)
            .build()
            .map_err(|e| CoreError::Config(format!("http client: {e}")))?;
        Ok(Self { base, http })
    }

    pub fn base_url(&self) -> &url::Url {
        &self.base
    }

    fn url(&self, path: &str) -> Result<url::Url, CoreError> {
        let mut base = self.base.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        base.join(path.trim_start_matches('/'))
            .map_err(|e| CoreError::Config(format!("URL {path}: {e}")))
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
    ) -> Result<RequestBuilder, CoreError> {
        let rb = self.http.request(method, self.url(path)?);
        Ok(match token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        })
    }

    async fn send(rb: RequestBuilder) -> Result<Response, CoreError> {
        let resp = rb
            .send()
            .await
            .map_err(|e| CoreError::Offline(describe(&e)))?;
        // 304 only answers a conditional request, whose caller handles it.
        if resp.status().is_success() || resp.status() == StatusCode::NOT_MODIFIED {
            return Ok(resp);
        }
        let status = resp.status();
        let is_problem = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(PROBLEM_JSON) || v.starts_with("application/json"));
        let body = resp
            .bytes()
            .await
            .map_err(|e| CoreError::Offline(describe(&e)))?;
        if is_problem {
            if let Ok(p) = serde_json::from_slice::<Problem>(&body) {
                return Err(CoreError::Portal(Box::new(p)));
            }
        }
        if status.is_server_error() || status == StatusCode::BAD_GATEWAY {
            // A proxy in front of a dead portal: as good as offline.
            return Err(CoreError::Offline(format!("HTTP {status}")));
        }
        Err(CoreError::Protocol(format!(
            "HTTP {status} without a problem document"
        )))
    }

    async fn json<T: DeserializeOwned>(resp: Response) -> Result<T, CoreError> {
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| CoreError::Offline(describe(&e)))?;
        serde_json::from_slice(&bytes).map_err(|e| CoreError::Protocol(format!("bad JSON: {e}")))
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> Result<T, CoreError> {
        Self::json(Self::send(self.request(Method::GET, path, token)?).await?).await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, CoreError> {
        Self::json(Self::send(self.request(Method::POST, path, None)?.json(body)).await?).await
    }

    pub async fn health(&self) -> Result<(), CoreError> {
        Self::send(self.request(Method::GET, "v1/health", None)?)
            .await
            .map(drop)
    }

    pub async fn password_login(
        &self,
        login: &str,
        password: &str,
    ) -> Result<PasswordLoginResponse, CoreError> {
        let body = PasswordLogin {
            login: login.to_owned(),
            password: password.to_owned(),
        };
        self.post("v1/auth/password", &body).await
    }

    pub async fn submit_otp(&self, ticket: &str, code: &str) -> Result<TokenPair, CoreError> {
        self.post(
            "v1/auth/otp",
            &OtpSubmit {
                ticket: ticket.to_owned(),
                code: code.to_owned(),
            },
        )
        .await
    }

    /// Rotates the refresh token. `key` is the request's Idempotency-Key:
    /// a retry after a lost reply must send the same one.
    pub async fn refresh(&self, refresh_token: &str, key: &str) -> Result<TokenPair, CoreError> {
        let body = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        Self::json(
            Self::send(
                self.request(Method::POST, "v1/auth/refresh", None)?
                    .header(IDEMPOTENCY_KEY, key)
                    .json(&body),
            )
            .await?,
        )
        .await
    }

    pub async fn logout(&self, refresh_token: &str) -> Result<(), CoreError> {
        let body = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        Self::send(
            self.request(Method::POST, "v1/auth/logout", None)?
                .json(&body),
        )
        .await
        .map(drop)
    }

    pub async fn me(&self, token: &str) -> Result<Me, CoreError> {
        self.get("v1/me", Some(token)).await
    }

    pub async fn organizations(&self, token: &str) -> Result<OrganizationList, CoreError> {
        self.get("v1/me/organizations", Some(token)).await
    }

    pub async fn profile(
        &self,
        token: &str,
        org_id: &str,
    ) -> Result<OrganizationProfile, CoreError> {
        self.get(
            &format!("v1/orgs/{}/profile", segment(org_id)?),
            Some(token),
        )
        .await
    }

    /// A page of the organization's change feed after `after`.
    /// A page of the change feed and its size in bytes (decoded), for progress.
    pub async fn changes(
        &self,
        token: &str,
        org_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<(ChangePage, u64), CoreError> {
        let rb = self
            .request(
                Method::GET,
                &format!("v1/orgs/{}/changes", segment(org_id)?),
                Some(token),
            )?
            .query(&[("limit", limit.to_string())]);
        let rb = match after {
            Some(a) => rb.query(&[("after", a)]),
            None => rb,
        };
        let bytes = Self::send(rb)
            .await?
            .bytes()
            .await
            .map_err(|e| CoreError::Offline(describe(&e)))?;
        let page = serde_json::from_slice(&bytes)
            .map_err(|e| CoreError::Protocol(format!("bad JSON: {e}")))?;
        Ok((page, bytes.len() as u64))
    }

    /// Creates a draft; `key` makes a retry after a lost reply harmless.
    pub async fn create_application(
        &self,
        token: &str,
        org_id: &str,
        key: &str,
        body: &NewApplication,
    ) -> Result<Application, CoreError> {
        let rb = self
            .request(
                Method::POST,
                &format!("v1/orgs/{}/applications", segment(org_id)?),
                Some(token),
            )?
            .header(IDEMPOTENCY_KEY, key)
            .json(body);
        Self::json(Self::send(rb).await?).await
    }

    /// Submits a draft at `version` (`If-Match`).
    pub async fn submit_application(
        &self,
        token: &str,
        org_id: &str,
        id: &str,
        key: &str,
        version: i64,
    ) -> Result<Application, CoreError> {
        let rb = self
            .request(
                Method::POST,
                &format!(
                    "v1/orgs/{}/applications/{}/submit",
                    segment(org_id)?,
                    segment(id)?
                ),
                Some(token),
            )?
            .header(IDEMPOTENCY_KEY, key)
            .header(reqwest::header::IF_MATCH, version.to_string());
        Self::json(Self::send(rb).await?).await
    }

    /// Attaches a file to a draft as the document `kind` of its service;
    /// the portal answers with the draft.
    #[allow(clippy::too_many_arguments)]
    pub async fn attach(
        &self,
        token: &str,
        org_id: &str,
        id: &str,
        key: &str,
        kind: &str,
        name: &str,
        content: Vec<u8>,
    ) -> Result<Application, CoreError> {
        let path = format!(
            "v1/orgs/{}/applications/{}/attachments",
            segment(org_id)?,
            segment(id)?
        );
        self.upload(token, &path, key, kind, name, content).await
    }

    /// A file as the raw body of `POST path?kind=K&name=N`, with the key.
    async fn upload<T: DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
        key: &str,
        kind: &str,
        name: &str,
        content: Vec<u8>,
    ) -> Result<T, CoreError> {
        let rb = self
            .request(Method::POST, path, Some(token))?
            .query(&[("kind", kind), ("name", name)])
            .header(IDEMPOTENCY_KEY, key)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(content);
        Self::json(Self::send(rb).await?).await
    }

    /// Takes an attached document off a draft.
    pub async fn detach(
        &self,
        token: &str,
        org_id: &str,
        id: &str,
        key: &str,
        document_id: &str,
    ) -> Result<Application, CoreError> {
        let rb = self
            .request(
                Method::POST,
                &format!(
                    "v1/orgs/{}/applications/{}/attachments/{}/remove",
                    segment(org_id)?,
                    segment(id)?,
                    segment(document_id)?
                ),
                Some(token),
            )?
            .header(IDEMPOTENCY_KEY, key);
        Self::json(Self::send(rb).await?).await
    }

    /// Changes the organization's contacts at profile `version` (`If-Match`).
    pub async fn edit_profile(
        &self,
        token: &str,
        org_id: &str,
        key: &str,
        version: i64,
        edit: &ProfileEdit,
    ) -> Result<OrganizationProfile, CoreError> {
        let rb = self
            .request(
                Method::PATCH,
                &format!("v1/orgs/{}/profile", segment(org_id)?),
                Some(token),
            )?
            .header(IDEMPOTENCY_KEY, key)
            .header(reqwest::header::IF_MATCH, version.to_string())
            .json(edit);
        Self::json(Self::send(rb).await?).await
    }

    /// A document's content; `None` when `etag` still matches (304).
    pub async fn document_content(
        &self,
        token: &str,
        org_id: &str,
        id: &str,
        etag: Option<&str>,
    ) -> Result<Option<Vec<u8>>, CoreError> {
        let mut rb = self.request(
            Method::GET,
            &format!(
                "v1/orgs/{}/documents/{}/content",
                segment(org_id)?,
                segment(id)?
            ),
            Some(token),
        )?;
        if let Some(e) = etag {
            rb = rb.header(reqwest::header::IF_NONE_MATCH, format!("\"{e}\""));
        }
        let resp = Self::send(rb).await?;
        if resp.status() == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        resp.bytes()
            .await
            .map(|b| Some(b.to_vec()))
            .map_err(|e| CoreError::Offline(describe(&e)))
    }

    /// A public list at `path` (`v1/services`, `v1/support/faq`) as JSON
    /// text that parses as `T`, with its ETag, unless it is still `etag`
    /// (`None`: 304).
    pub async fn etagged<T: DeserializeOwned>(
        &self,
        path: &str,
        etag: Option<&str>,
    ) -> Result<Option<(String, Option<String>)>, CoreError> {
        let mut rb = self.request(Method::GET, path, None)?;
        if let Some(e) = etag {
            rb = rb.header(reqwest::header::IF_NONE_MATCH, e);
        }
        let resp = Self::send(rb).await?;
        if resp.status() == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        let tag = resp
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = resp
            .text()
            .await
            .map_err(|e| CoreError::Offline(describe(&e)))?;
        serde_json::from_str::<T>(&text)
            .map_err(|e| CoreError::Protocol(format!("{path}: {e}")))?;
        Ok(Some((text, tag)))
    }

    /// Attaches a detached signature (base64 DER) to a document.
    pub async fn sign_document(
        &self,
        token: &str,
        org_id: &str,
        id: &str,
        key: &str,
        signature_b64: &str,
    ) -> Result<Document, CoreError> {
        let rb = self
            .request(
                Method::POST,
                &format!(
                    "v1/orgs/{}/documents/{}/signatures",
                    segment(org_id)?,
                    segment(id)?
                ),
                Some(token),
            )?
            .header(IDEMPOTENCY_KEY, key)
            .json(&NewSignature {
                signature: signature_b64.to_owned(),
            });
        Self::json(Self::send(rb).await?).await
    }

    /// A write on a record: `POST v1/orgs/{org}/{path}` with the key and,
    /// for a versioned record, `If-Match`; the portal's answer as JSON.
    pub async fn write(
        &self,
        token: &str,
        org_id: &str,
        path: &str,
        key: &str,
        version: Option<i64>,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, CoreError> {
        for part in path.split('/') {
            segment(part)?;
        }
        let mut rb = self
            .request(
                Method::POST,
                &format!("v1/orgs/{}/{path}", segment(org_id)?),
                Some(token),
            )?
            .header(IDEMPOTENCY_KEY, key)
            .json(body);
        if let Some(v) = version {
            rb = rb.header(reqwest::header::IF_MATCH, v.to_string());
        }
        Self::json(Self::send(rb).await?).await
    }

    /// «Забыли пароль?»: a code to the phone of `login`, if it exists.
    pub async fn start_recovery(&self, login: &str) -> Result<RecoveryTicket, CoreError> {
        self.post(
            "v1/auth/recovery",
            &PasswordRecovery {
                login: login.into(),
            },
        )
        .await
    }

    /// Sets the new password with the code; the user's sessions end.
    pub async fn finish_recovery(&self, confirm: &RecoveryConfirm) -> Result<(), CoreError> {
        let _: serde_json::Value = self.post("v1/auth/recovery/confirm", confirm).await?;
        Ok(())
    }

    /// A new password for the signed-in user, confirmed by the current one;
    /// the user's other sessions end.
    pub async fn change_password(
        &self,
        token: &str,
        change: &PasswordChange,
    ) -> Result<(), CoreError> {
        let rb = self
            .request(Method::POST, "v1/auth/password/change", Some(token))?
            .json(change);
        Self::send(rb).await.map(drop)
    }

    /// A signed-in user's own settings: `POST v1/me/{path}` with `body`.
    pub async fn me_post<B: Serialize, T: DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
        body: &B,
    ) -> Result<T, CoreError> {
        let rb = self
            .request(Method::POST, &format!("v1/me/{path}"), Some(token))?
            .json(body);
        Self::json(Self::send(rb).await?).await
    }

    /// How the user's password login is confirmed.
    pub async fn security(&self, token: &str) -> Result<Security, CoreError> {
        self.get("v1/me/security", Some(token)).await
    }

    /// The user's notification channels, every kind.
    pub async fn notification_settings(
        &self,
        token: &str,
    ) -> Result<NotificationSettings, CoreError> {
        self.get("v1/me/notification-settings", Some(token)).await
    }

    /// Stores the channels of the kinds given; answers every kind's.
    pub async fn save_notification_settings(
        &self,
        token: &str,
        settings: &NotificationSettings,
    ) -> Result<NotificationSettings, CoreError> {
        let rb = self
            .request(Method::PUT, "v1/me/notification-settings", Some(token))?
            .json(settings);
        Self::json(Self::send(rb).await?).await
    }

    /// The user's registrations of new cabinets, newest first.
    pub async fn registrations(&self, token: &str) -> Result<RegistrationList, CoreError> {
        self.get("v1/registrations", Some(token)).await
    }

    /// A registration write: `POST v1/registrations[/{id}/{action}]` (or
    /// `PUT v1/registrations/{id}` with `version`), with the key.
    pub async fn registration_write<B: Serialize>(
        &self,
        token: &str,
        path: &[&str],
        key: &str,
        version: Option<i64>,
        body: &B,
    ) -> Result<Registration, CoreError> {
        let mut url = String::from("v1/registrations");
        for part in path {
            url.push('/');
            url.push_str(segment(part)?);
        }
        let method = if version.is_some() {
            Method::PUT
        } else {
            Method::POST
        };
        let mut rb = self
            .request(method, &url, Some(token))?
            .header(IDEMPOTENCY_KEY, key)
            .json(body);
        if let Some(v) = version {
            rb = rb.header(reqwest::header::IF_MATCH, v.to_string());
        }
        Self::json(Self::send(rb).await?).await
    }

    /// Uploads a registration document of `kind`, replacing the last one.
    pub async fn registration_document(
        &self,
        token: &str,
        id: &str,
        key: &str,
        kind: &str,
        name: &str,
        content: Vec<u8>,
    ) -> Result<Registration, CoreError> {
        let path = format!("v1/registrations/{}/documents", segment(id)?);
        self.upload(token, &path, key, kind, name, content).await
    }

    /// Sends a registration's confirmation code to its phone.
    pub async fn registration_code(
        &self,
        token: &str,
        id: &str,
    ) -> Result<RegistrationCode, CoreError> {
        let rb = self.request(
            Method::POST,
            &format!("v1/registrations/{}/code", segment(id)?),
            Some(token),
        )?;
        Self::json(Self::send(rb).await?).await
    }

    /// A one-time nonce for certificate login.
    pub async fn challenge(&self) -> Result<CertChallenge, CoreError> {
        self.post("v1/auth/challenge", &serde_json::json!({})).await
    }

    /// Certificate login: the detached CMS over the challenge's nonce.
    pub async fn certificate_login(
        &self,
        challenge_id: &str,
        signature: &[u8],
    ) -> Result<TokenPair, CoreError> {
        use base64::Engine;
        self.post(
            "v1/auth/certificate",
            &CertificateLogin {
                challenge_id: challenge_id.to_owned(),
                signature: base64::engine::general_purpose::STANDARD.encode(signature),
            },
        )
        .await
    }

    /// A demo .pfx of the demo portal's PKI.
    pub async fn demo_certificate(&self, file_name: &str) -> Result<Vec<u8>, CoreError> {
        if !file_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            || file_name.starts_with('.')
        {
            return Err(CoreError::Invalid(ErrorCode::InputFileName));
        }
        let resp = Self::send(self.request(
            Method::GET,
            &format!("v1/demo/certificates/{file_name}"),
            None,
        )?)
        .await?;
        resp.bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|e| CoreError::Offline(describe(&e)))
    }

    /// Reads a response body of at most `limit` bytes (`file.too_large`
    /// past it), as it arrives: a hostile or broken server cannot fill
    /// memory.
    pub(crate) async fn body_within(
        mut resp: Response,
        limit: usize,
    ) -> Result<Vec<u8>, CoreError> {
        let mut out = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| CoreError::Offline(describe(&e)))?
        {
            if out.len() + chunk.len() > limit {
                return Err(CoreError::Invalid(ErrorCode::FileTooLarge));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// The trust list of accredited CAs (`v1/trust/tsl`) with its ETag,
    /// unless it is still `etag` (`None`: 304).
    pub async fn trust_list(
        &self,
        etag: Option<&str>,
    ) -> Result<Option<(Vec<u8>, Option<String>)>, CoreError> {
        let mut rb = self.request(Method::GET, "v1/trust/tsl", None)?;
        if let Some(e) = etag {
            rb = rb.header(reqwest::header::IF_NONE_MATCH, e);
        }
        let resp = Self::send(rb).await?;
        if resp.status() == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        let tag = resp
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = Self::body_within(resp, cabinet_sign::tsl::MAX_TSL).await?;
        Ok(Some((body, tag)))
    }

    /// The CRL at `url` (an address the trust list names), through the
    /// portal.
    pub async fn crl(&self, url: &str) -> Result<Vec<u8>, CoreError> {
        let rb = self
            .request(Method::GET, "v1/trust/crl", None)?
            .query(&[("url", url)]);
        let resp = Self::send(rb).await?;
        Self::body_within(resp, MAX_CRL).await
    }

    /// The answer of the OCSP responder at `url` (an address a certificate
    /// names) to `request`, through the portal.
    pub async fn ocsp(&self, url: &str, request: &[u8]) -> Result<Vec<u8>, CoreError> {
        let rb = self
            .request(Method::POST, "v1/trust/ocsp", None)?
            .query(&[("url", url)])
            .header(reqwest::header::CONTENT_TYPE, "application/ocsp-request")
            .body(request.to_vec());
        let resp = Self::send(rb).await?;
        Self::body_within(resp, cabinet_sign::ocsp::MAX_REPLY).await
    }

    /// An RFC 3161 reply of the portal's time-stamping service.
    pub async fn timestamp(&self, request: &[u8]) -> Result<Vec<u8>, CoreError> {
        let rb = self
            .request(Method::POST, "v1/tsp", None)?
            .header(reqwest::header::CONTENT_TYPE, "application/timestamp-query")
            .body(request.to_vec());
        let resp = Self::send(rb).await?;
        Self::body_within(resp, cabinet_sign::tsp::MAX_MESSAGE).await
    }

    /// Demo credentials; `None` when the portal is not a demo portal.
    pub async fn demo_info(&self) -> Result<Option<DemoInfo>, CoreError> {
        match self.get("v1/demo", None).await {
            Ok(info) => Ok(Some(info)),
            Err(CoreError::Portal(p)) if p.status == 404 => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The demo portal's last SMS for a login ticket.
    pub async fn demo_sms(&self, ticket: &str) -> Result<DemoSms, CoreError> {
        let rb = self
            .request(Method::GET, "v1/demo/sms", None)?
            .query(&[("ticket", ticket)]);
        Self::json(Self::send(rb).await?).await
    }
}

fn describe(e: &reqwest::Error) -> String {
    // reqwest's Display omits the cause ("error sending request"); the chain
    // says what actually happened (connection refused, timeout…).
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    s
}

/// An id put into a URL path: letters, digits and dashes only.
fn segment(id: &str) -> Result<&str, CoreError> {
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(CoreError::Invalid(ErrorCode::InputId));
    }
    Ok(id)
}
