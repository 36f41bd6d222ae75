//! The seam between the client and a portal.
//!
//! The sync engine ([`crate::sync::engine`]) knows the change feed, the
//! outbox and the prefetch policy; the facade ([`crate::Cabinet`]) knows
//! logins, sessions and the online-only work (registration, linking,
//! security). A [`Backend`] knows how one portal says all of it on the
//! wire: its methods are what the client asks, never a path of one API.
//! The reference API v1 ([`crate::api_v1::ApiV1Client`], implemented in
//! [`v1`]) is the first implementation; the EPGU API will be the second.
//! Requests get their access token through [`Tokens`], so nothing holds
//! the session while a request is under way.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use cabinet_api::{
    Application, CertChallenge, ChangePage, CodeConfirm, CodeSent, DeactivateRequest, DemoInfo,
    DemoSms, Document, LinkRequest, Me, NewApplication, NewTicket, NotificationSettings,
    OrganizationList, OrganizationProfile, OrganizationSummary, PasswordChange,
    PasswordLoginResponse, ProfileEdit, RecoveryConfirm, RecoveryTicket, Registration,
    RegistrationCode, RegistrationForm, RegistrationList, Security, SubmitRegistration, TokenPair,
    TotpConfirm, TotpDisable, TotpEnrollment, UnblockRequest, UnblockView,
};

use crate::CoreError;

mod v1;

/// A backend's answer, some time later.
pub type Reply<'a, T> = Pin<Box<dyn Future<Output = Result<T, CoreError>> + Send + 'a>>;

/// A queued action made ready to send: the portal's ids filled in, the
/// files read back from the blob store.
#[derive(Debug, Clone)]
pub enum Outgoing {
    CreateApplication(NewApplication),
    SubmitApplication {
        application: String,
        version: i64,
    },
    Attach {
        application: String,
        kind: String,
        name: String,
        content: Vec<u8>,
    },
    Detach {
        application: String,
        document: String,
    },
    /// A detached signature (base64 DER) of a document.
    SignDocument {
        document: String,
        signature: String,
    },
    EditProfile {
        version: i64,
        edit: ProfileEdit,
    },
    Ticket(NewTicket),
    /// A write on one of the organization's records (`path` with the ids
    /// filled in), answered with an `entity` record.
    Write {
        entity: String,
        path: String,
        version: Option<i64>,
        body: serde_json::Value,
    },
}

/// What the portal answered to a delivered action.
#[derive(Debug)]
pub enum Answer {
    Application(Application),
    Document(Document),
    Profile(OrganizationProfile),
    /// A record of kind `entity`, as JSON.
    Record {
        entity: String,
        json: serde_json::Value,
    },
}

/// What the sync engine asks of a portal. Every call is authenticated with
/// `token`; `key` is the action's `Idempotency-Key` (a retry with the same
/// key never writes twice).
pub trait Backend: Send + Sync {
    /// A page of the organization's change feed after `after` (from the
    /// start without one), and its size on the wire.
    fn changes<'a>(
        &'a self,
        token: &'a str,
        org: &'a str,
        after: Option<&'a str>,
        limit: u32,
    ) -> Reply<'a, (ChangePage, u64)>;

    /// Delivers one queued action.
    fn push<'a>(
        &'a self,
        token: &'a str,
        org: &'a str,
        key: &'a str,
        outgoing: &'a Outgoing,
    ) -> Reply<'a, Answer>;

    /// A document's content; `None` when the portal no longer has it.
    fn document_content<'a>(
        &'a self,
        token: &'a str,
        org: &'a str,
        document: &'a str,
    ) -> Reply<'a, Option<Vec<u8>>>;

    // Without a session.

    /// Whether the portal answers at all.
    fn health(&self) -> Reply<'_, ()>;
    fn password_login<'a>(
        &'a self,
        login: &'a str,
        password: &'a str,
    ) -> Reply<'a, PasswordLoginResponse>;
    /// The second factor of a password login.
    fn submit_otp<'a>(&'a self, ticket: &'a str, code: &'a str) -> Reply<'a, TokenPair>;
    /// A new token pair for `refresh` (rotated); `key` makes a retry safe.
    fn refresh<'a>(&'a self, refresh: &'a str, key: &'a str) -> Reply<'a, TokenPair>;
    fn logout<'a>(&'a self, refresh: &'a str) -> Reply<'a, ()>;
    /// A one-time nonce for a certificate login.
    fn challenge(&self) -> Reply<'_, CertChallenge>;
    /// A certificate login: the detached CMS over the challenge's nonce.
    fn certificate_login<'a>(
        &'a self,
        challenge: &'a str,
        signature: &'a [u8],
    ) -> Reply<'a, TokenPair>;
    fn start_recovery<'a>(&'a self, login: &'a str) -> Reply<'a, RecoveryTicket>;
    fn finish_recovery<'a>(&'a self, confirm: &'a RecoveryConfirm) -> Reply<'a, ()>;
    /// A public reference list (the catalog of services, the FAQ) as JSON
    /// with its version tag, unless it is still `etag` (`None`).
    fn reference<'a>(
        &'a self,
        list: Reference,
        etag: Option<&'a str>,
    ) -> Reply<'a, Option<(String, Option<String>)>>;
    /// The portal's list of accredited CAs (the Ministry's XML) with its
    /// ETag, unless it is still `etag` (`None`).
    fn trust_list<'a>(
        &'a self,
        etag: Option<&'a str>,
    ) -> Reply<'a, Option<(Vec<u8>, Option<String>)>>;
    /// The CRL published at `url` (an address of the trust list), through
    /// the portal.
    fn crl<'a>(&'a self, url: &'a str) -> Reply<'a, Vec<u8>>;
    /// The OCSP responder at `url` (an address a certificate names),
    /// through the portal: its answer to `request`.
    fn ocsp<'a>(&'a self, url: &'a str, request: &'a [u8]) -> Reply<'a, Vec<u8>>;
    /// The portal's time-stamping service: an RFC 3161 reply to `request`.
    fn timestamp<'a>(&'a self, request: &'a [u8]) -> Reply<'a, Vec<u8>>;
    /// A demo portal's credentials; `None` from a real portal.
    fn demo_info(&self) -> Reply<'_, Option<DemoInfo>>;
    fn demo_sms<'a>(&'a self, ticket: &'a str) -> Reply<'a, DemoSms>;
    fn demo_certificate<'a>(&'a self, file_name: &'a str) -> Reply<'a, Vec<u8>>;

    // The signed-in user.

    fn me<'a>(&'a self, token: &'a str) -> Reply<'a, Me>;
    fn organizations<'a>(&'a self, token: &'a str) -> Reply<'a, OrganizationList>;
    fn profile<'a>(&'a self, token: &'a str, org: &'a str) -> Reply<'a, OrganizationProfile>;
    fn security<'a>(&'a self, token: &'a str) -> Reply<'a, Security>;
    fn change_password<'a>(&'a self, token: &'a str, change: &'a PasswordChange) -> Reply<'a, ()>;
    fn start_totp<'a>(&'a self, token: &'a str) -> Reply<'a, TotpEnrollment>;
    fn confirm_totp<'a>(&'a self, token: &'a str, confirm: &'a TotpConfirm) -> Reply<'a, Security>;
    fn disable_totp<'a>(&'a self, token: &'a str, disable: &'a TotpDisable) -> Reply<'a, Security>;
    fn notification_settings<'a>(&'a self, token: &'a str) -> Reply<'a, NotificationSettings>;
    fn save_notification_settings<'a>(
        &'a self,
        token: &'a str,
        settings: &'a NotificationSettings,
    ) -> Reply<'a, NotificationSettings>;
    /// Links an existing cabinet by its INN: a code goes to its phone.
    fn link_organization<'a>(
        &'a self,
        token: &'a str,
        link: &'a LinkRequest,
    ) -> Reply<'a, CodeSent>;
    fn confirm_link<'a>(
        &'a self,
        token: &'a str,
        confirm: &'a CodeConfirm,
    ) -> Reply<'a, OrganizationSummary>;

    // An organization's lifecycle (each write with its `key`).

    fn start_deactivation<'a>(
        &'a self,
        token: &'a str,
        org: &'a str,
        key: &'a str,
        request: &'a DeactivateRequest,
    ) -> Reply<'a, CodeSent>;
    fn confirm_deactivation<'a>(
        &'a self,
        token: &'a str,
        org: &'a str,
        key: &'a str,
        confirm: &'a CodeConfirm,
    ) -> Reply<'a, ()>;
    fn request_unblock<'a>(
        &'a self,
        token: &'a str,
        org: &'a str,
        key: &'a str,
        request: &'a UnblockRequest,
    ) -> Reply<'a, UnblockView>;

    // Registrations of new cabinets.

    fn registrations<'a>(&'a self, token: &'a str) -> Reply<'a, RegistrationList>;
    fn create_registration<'a>(
        &'a self,
        token: &'a str,
        key: &'a str,
        form: &'a RegistrationForm,
    ) -> Reply<'a, Registration>;
    fn edit_registration<'a>(
        &'a self,
        token: &'a str,
        id: &'a str,
        key: &'a str,
        version: i64,
        form: &'a RegistrationForm,
    ) -> Reply<'a, Registration>;
    /// Uploads a document of `kind`, replacing the last one of that kind.
    fn registration_document<'a>(
        &'a self,
        token: &'a str,
        id: &'a str,
        key: &'a str,
        kind: &'a str,
        name: &'a str,
        content: Vec<u8>,
    ) -> Reply<'a, Registration>;
    /// Sends the confirmation code to the registration's phone.
    fn registration_code<'a>(&'a self, token: &'a str, id: &'a str) -> Reply<'a, RegistrationCode>;
    fn submit_registration<'a>(
        &'a self,
        token: &'a str,
        id: &'a str,
        key: &'a str,
        submit: &'a SubmitRegistration,
    ) -> Reply<'a, Registration>;
}

/// The public reference lists a portal keeps for every client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// The catalog of services.
    Services,
    /// The support FAQ.
    Faq,
}

/// What a request needs of the session: the access token, and a fresh one
/// when the portal refused `stale`. Implementations take the session only
/// to read or store the token, never while a request is under way.
pub trait Tokens: Send + Sync {
    fn token(&self) -> Reply<'_, String>;
    fn renewed<'a>(&'a self, stale: &'a str) -> Reply<'a, String>;
}

/// Runs `f` with the session's token; once more with a renewed one when the
/// portal answers 401.
pub async fn authorized<C, T, F, Fut>(client: &C, tokens: &dyn Tokens, f: F) -> Result<T, CoreError>
where
    C: Clone,
    F: Fn(C, String) -> Fut,
    Fut: Future<Output = Result<T, CoreError>>,
{
    let token = tokens.token().await?;
    match f(client.clone(), token.clone()).await {
        Err(e) if e.is_unauthorized() => {
            let fresh = tokens.renewed(&token).await?;
            f(client.clone(), fresh).await
        }
        other => other,
    }
}

/// The backend a sync talks to, shared with the tasks that read ahead.
pub type SharedBackend = Arc<dyn Backend>;
