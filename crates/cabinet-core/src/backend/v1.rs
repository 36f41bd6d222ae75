//! The reference API v1 behind the [`Backend`] seam: each question of the
//! client, as API v1 asks it.

use cabinet_api::{
    CertChallenge, CodeConfirm, CodeSent, DeactivateRequest, DemoInfo, DemoSms, LinkRequest, Me,
    NotificationSettings, OrganizationList, OrganizationProfile, OrganizationSummary,
    PasswordChange, PasswordLoginResponse, RecoveryConfirm, RecoveryTicket, Registration,
    RegistrationCode, RegistrationForm, RegistrationList, Security, SubmitRegistration, TokenPair,
    TotpConfirm, TotpDisable, TotpEnrollment, UnblockRequest, UnblockView,
};

use super::{Answer, Backend, ChangePage, Outgoing, Reference, Reply};
use crate::api_v1::ApiV1Client;
use crate::CoreError;

/// A JSON answer read as `T`.
fn parse<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, CoreError> {
    serde_json::from_value(v).map_err(|e| CoreError::Protocol(e.to_string()))
}

fn to_json<T: serde::Serialize>(body: &T) -> Result<serde_json::Value, CoreError> {
    serde_json::to_value(body).map_err(|e| CoreError::Store(e.to_string()))
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

    fn health(&self) -> Reply<'_, ()> {
        Box::pin(ApiV1Client::health(self))
    }

    fn password_login<'a>(
        &'a self,
        login: &'a str,
        password: &'a str,
    ) -> Reply<'a, PasswordLoginResponse> {
        Box::pin(ApiV1Client::password_login(self, login, password))
    }

    fn submit_otp<'a>(&'a self, ticket: &'a str, code: &'a str) -> Reply<'a, TokenPair> {
        Box::pin(ApiV1Client::submit_otp(self, ticket, code))
    }

    fn refresh<'a>(&'a self, refresh: &'a str, key: &'a str) -> Reply<'a, TokenPair> {
        Box::pin(ApiV1Client::refresh(self, refresh, key))
    }

    fn logout<'a>(&'a self, refresh: &'a str) -> Reply<'a, ()> {
        Box::pin(ApiV1Client::logout(self, refresh))
    }

    fn challenge(&self) -> Reply<'_, CertChallenge> {
        Box::pin(ApiV1Client::challenge(self))
    }

    fn certificate_login<'a>(
        &'a self,
        challenge: &'a str,
        signature: &'a [u8],
    ) -> Reply<'a, TokenPair> {
        Box::pin(ApiV1Client::certificate_login(self, challenge, signature))
    }

    fn start_recovery<'a>(&'a self, login: &'a str) -> Reply<'a, RecoveryTicket> {
        Box::pin(ApiV1Client::start_recovery(self, login))
    }

    fn finish_recovery<'a>(&'a self, confirm: &'a RecoveryConfirm) -> Reply<'a, ()> {
        Box::pin(ApiV1Client::finish_recovery(self, confirm))
    }

    fn reference<'a>(
        &'a self,
        list: Reference,
        etag: Option<&'a str>,
    ) -> Reply<'a, Option<(String, Option<String>)>> {
        let path = match list {
            Reference::Services => "v1/services",
            Reference::Faq => "v1/support/faq",
        };
        Box::pin(self.etagged::<Vec<serde_json::Value>>(path, etag))
    }

    fn trust_list<'a>(
        &'a self,
        etag: Option<&'a str>,
    ) -> Reply<'a, Option<(Vec<u8>, Option<String>)>> {
        Box::pin(ApiV1Client::trust_list(self, etag))
    }

    fn crl<'a>(&'a self, url: &'a str) -> Reply<'a, Vec<u8>> {
        Box::pin(ApiV1Client::crl(self, url))
    }

    fn ocsp<'a>(&'a self, url: &'a str, request: &'a [u8]) -> Reply<'a, Vec<u8>> {
        Box::pin(ApiV1Client::ocsp(self, url, request))
    }

    fn timestamp<'a>(&'a self, request: &'a [u8]) -> Reply<'a, Vec<u8>> {
        Box::pin(ApiV1Client::timestamp(self, request))
    }

    fn demo_info(&self) -> Reply<'_, Option<DemoInfo>> {
        Box::pin(ApiV1Client::demo_info(self))
    }

    fn demo_sms<'a>(&'a self, ticket: &'a str) -> Reply<'a, DemoSms> {
        Box::pin(ApiV1Client::demo_sms(self, ticket))
    }

    fn demo_certificate<'a>(&'a self, file_name: &'a str) -> Reply<'a, Vec<u8>> {
        Box::pin(ApiV1Client::demo_certificate(self, file_name))
    }

    fn me<'a>(&'a self, token: &'a str) -> Reply<'a, Me> {
        Box::pin(ApiV1Client::me(self, token))
    }

    fn organizations<'a>(&'a self, token: &'a str) -> Reply<'a, OrganizationList> {
        Box::pin(ApiV1Client::organizations(self, token))
    }

    fn profile<'a>(&'a self, token: &'a str, org: &'a str) -> Reply<'a, OrganizationProfile> {
        Box::pin(ApiV1Client::profile(self, token, org))
    }

    fn security<'a>(&'a self, token: &'a str) -> Reply<'a, Security> {
        Box::pin(ApiV1Client::security(self, token))
    }

    fn change_password<'a>(&'a self, token: &'a str, change: &'a PasswordChange) -> Reply<'a, ()> {
        Box::pin(ApiV1Client::change_password(self, token, change))
    }

    fn start_totp<'a>(&'a self, token: &'a str) -> Reply<'a, TotpEnrollment> {
        Box::pin(async move { self.me_post(token, "totp", &serde_json::json!({})).await })
    }

    fn confirm_totp<'a>(&'a self, token: &'a str, confirm: &'a TotpConfirm) -> Reply<'a, Security> {
        Box::pin(self.me_post(token, "totp/confirm", confirm))
    }

    fn disable_totp<'a>(&'a self, token: &'a str, disable: &'a TotpDisable) -> Reply<'a, Security> {
        Box::pin(self.me_post(token, "totp/disable", disable))
    }

    fn notification_settings<'a>(&'a self, token: &'a str) -> Reply<'a, NotificationSettings> {
        Box::pin(ApiV1Client::notification_settings(self, token))
    }

    fn save_notification_settings<'a>(
        &'a self,
        token: &'a str,
        settings: &'a NotificationSettings,
    ) -> Reply<'a, NotificationSettings> {
        Box::pin(ApiV1Client::save_notification_settings(
            self, token, settings,
        ))
    }

    fn link_organization<'a>(
        &'a self,
        token: &'a str,
        link: &'a LinkRequest,
    ) -> Reply<'a, CodeSent> {
        Box::pin(self.me_post(token, "organizations/link", link))
    }

    fn confirm_link<'a>(
        &'a self,
        token: &'a str,
        confirm: &'a CodeConfirm,
    ) -> Reply<'a, OrganizationSummary> {
        Box::pin(self.me_post(token, "organizations/link/confirm", confirm))
    }

    fn start_deactivation<'a>(
        &'a self,
        token: &'a str,
        org: &'a str,
        key: &'a str,
        request: &'a DeactivateRequest,
    ) -> Reply<'a, CodeSent> {
        Box::pin(async move {
            let body = to_json(request)?;
            parse(
                self.write(token, org, "deactivation", key, None, &body)
                    .await?,
            )
        })
    }

    fn confirm_deactivation<'a>(
        &'a self,
        token: &'a str,
        org: &'a str,
        key: &'a str,
        confirm: &'a CodeConfirm,
    ) -> Reply<'a, ()> {
        Box::pin(async move {
            let body = to_json(confirm)?;
            self.write(token, org, "deactivation/confirm", key, None, &body)
                .await
                .map(drop)
        })
    }

    fn request_unblock<'a>(
        &'a self,
        token: &'a str,
        org: &'a str,
        key: &'a str,
        request: &'a UnblockRequest,
    ) -> Reply<'a, UnblockView> {
        Box::pin(async move {
            let body = to_json(request)?;
            parse(
                self.write(token, org, "unblock-requests", key, None, &body)
                    .await?,
            )
        })
    }

    fn registrations<'a>(&'a self, token: &'a str) -> Reply<'a, RegistrationList> {
        Box::pin(ApiV1Client::registrations(self, token))
    }

    fn create_registration<'a>(
        &'a self,
        token: &'a str,
        key: &'a str,
        form: &'a RegistrationForm,
    ) -> Reply<'a, Registration> {
        Box::pin(self.registration_write(token, &[], key, None, form))
    }

    fn edit_registration<'a>(
        &'a self,
        token: &'a str,
        id: &'a str,
        key: &'a str,
        version: i64,
        form: &'a RegistrationForm,
    ) -> Reply<'a, Registration> {
        Box::pin(async move {
            self.registration_write(token, &[id], key, Some(version), form)
                .await
        })
    }

    fn registration_document<'a>(
        &'a self,
        token: &'a str,
        id: &'a str,
        key: &'a str,
        kind: &'a str,
        name: &'a str,
        content: Vec<u8>,
    ) -> Reply<'a, Registration> {
        Box::pin(ApiV1Client::registration_document(
            self, token, id, key, kind, name, content,
        ))
    }

    fn registration_code<'a>(&'a self, token: &'a str, id: &'a str) -> Reply<'a, RegistrationCode> {
        Box::pin(ApiV1Client::registration_code(self, token, id))
    }

    fn submit_registration<'a>(
        &'a self,
        token: &'a str,
        id: &'a str,
        key: &'a str,
        submit: &'a SubmitRegistration,
    ) -> Reply<'a, Registration> {
        Box::pin(async move {
            self.registration_write(token, &[id, "submit"], key, None, submit)
                .await
        })
    }
}
