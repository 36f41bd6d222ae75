//! The seam between the sync engine and a portal.
//!
//! The engine ([`crate::sync::engine`]) knows the change feed, the outbox
//! and the prefetch policy; a [`Backend`] knows how one portal says them
//! on the wire. The reference API v1 ([`crate::api_v1::ApiV1Client`]) is
//! the first implementation; the EPGU API will be the second. The engine
//! gets its access token through [`Tokens`], so it never holds the session
//! while a request is under way.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use cabinet_api::{
    Application, ChangePage, Document, NewApplication, NewTicket, OrganizationProfile, ProfileEdit,
};

use crate::api_v1::ApiV1Client;
use crate::CoreError;

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

impl Backend for ApiV1Client {
    fn changes<'a>(
        &'a self,
        token: &'a str,
        org: &'a str,
        after: Option<&'a str>,
        limit: u32,
    ) -> Reply<'a, (ChangePage, u64)> {
        Box::pin(ApiV1Client::changes(self, token, org, after, limit))
    }

    fn push<'a>(
        &'a self,
        token: &'a str,
        org: &'a str,
        key: &'a str,
        outgoing: &'a Outgoing,
    ) -> Reply<'a, Answer> {
        Box::pin(async move {
            Ok(match outgoing {
                Outgoing::CreateApplication(body) => {
                    Answer::Application(self.create_application(token, org, key, body).await?)
                }
                Outgoing::SubmitApplication {
                    application,
                    version,
                } => Answer::Application(
                    self.submit_application(token, org, application, key, *version)
                        .await?,
                ),
                Outgoing::Attach {
                    application,
                    kind,
                    name,
                    content,
                } => Answer::Application(
                    self.attach(token, org, application, key, kind, name, content.clone())
                        .await?,
                ),
                Outgoing::Detach {
                    application,
                    document,
                } => {
                    Answer::Application(self.detach(token, org, application, key, document).await?)
                }
                Outgoing::SignDocument {
                    document,
                    signature,
                } => Answer::Document(
                    self.sign_document(token, org, document, key, signature)
                        .await?,
                ),
                Outgoing::EditProfile { version, edit } => {
                    Answer::Profile(self.edit_profile(token, org, key, *version, edit).await?)
                }
                Outgoing::Ticket(ticket) => {
                    let body = serde_json::to_value(ticket)
                        .map_err(|e| CoreError::Store(e.to_string()))?;
                    Answer::Record {
                        entity: <cabinet_api::Ticket as cabinet_api::Record>::ENTITY.to_owned(),
                        json: self
                            .write(token, org, "support/tickets", key, None, &body)
                            .await?,
                    }
                }
                Outgoing::Write {
                    entity,
                    path,
                    version,
                    body,
                } => Answer::Record {
                    entity: entity.clone(),
                    json: self.write(token, org, path, key, *version, body).await?,
                },
            })
        })
    }

    fn document_content<'a>(
        &'a self,
        token: &'a str,
        org: &'a str,
        document: &'a str,
    ) -> Reply<'a, Option<Vec<u8>>> {
        Box::pin(ApiV1Client::document_content(
            self, token, org, document, None,
        ))
    }
}

/// The backend a sync talks to, shared with the tasks that read ahead.
pub type SharedBackend = Arc<dyn Backend>;
