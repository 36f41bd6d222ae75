//! The access lifecycle: registering a new organization cabinet, linking an
//! existing one by its INN and a code, asking to unblock a suspended or
//! blocked one, deactivating one, and a forgotten or changed password.
//!
//! All of it is online work: the state register, the registry office and the
//! passwords are the portal's. Nothing is queued, each step answers at
//! once, and a registration (form, documents, state) is kept by the
//! portal, so a restart or another computer continues where the user
//! stopped.

use cabinet_api::{
    CodeConfirm, CodeSent, DeactivateRequest, LinkRequest, NewTicketFile, OrganizationSummary,
    UnblockRequest, UnblockView,
};
use cabinet_api::{
    PasswordChange, RecoveryConfirm, RecoveryTicket, Registration, RegistrationCode,
    RegistrationForm, Security, SubmitRegistration, TotpConfirm, TotpDisable, TotpEnrollment,
};

use super::*;
use cabinet_api::ErrorCode;

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A six-digit code, or why not.
fn six_digits(code: &str) -> Result<String, CoreError> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CoreError::Invalid(ErrorCode::InputCode));
    }
    Ok(code.to_owned())
}

impl Cabinet {
    /// Links an existing cabinet to this account: a code goes to the phone
    /// the organization has on the portal.
    pub async fn link_organization(&self, inn: &str) -> Result<CodeSent, CoreError> {
        let inn = inn.trim().to_owned();
        cabinet_api::requisites::validate_inn(&inn)?;
        let body = LinkRequest { inn };
        self.online_call(|c, t| {
            let body = &body;
            async move { c.link_organization(&t, body).await }
        })
        .await
    }

    /// The code from the organization's phone: the cabinet joins the
    /// user's list (as Наблюдатель until an administrator gives a role).
    pub async fn confirm_link(
        &self,
        ticket: &str,
        code: &str,
    ) -> Result<OrganizationSummary, CoreError> {
        let body = CodeConfirm {
            ticket: ticket.to_owned(),
            code: six_digits(code)?,
        };
        let org: OrganizationSummary = self
            .online_call(|c, t| {
                let body = &body;
                async move { c.confirm_link(&t, body).await }
            })
            .await?;
        self.organizations().await?;
        Ok(org)
    }

    /// The head asks to deactivate the cabinet: the password, then a code
    /// to their phone.
    pub async fn start_deactivation(
        &self,
        org_id: &str,
        current: &str,
    ) -> Result<CodeSent, CoreError> {
        if current.is_empty() {
            return Err(CoreError::Invalid(ErrorCode::InputCurrentPassword));
        }
        let body = DeactivateRequest {
            current_password: current.to_owned(),
        };
        let key = key();
        self.online_call(|c, t| {
            let (body, key) = (&body, &key);
            async move { c.start_deactivation(&t, org_id, key, body).await }
        })
        .await
    }

    /// The code: the cabinet is deactivated for every member and leaves
    /// the user's list.
    pub async fn confirm_deactivation(
        &self,
        org_id: &str,
        ticket: &str,
        code: &str,
    ) -> Result<(), CoreError> {
        let body = CodeConfirm {
            ticket: ticket.to_owned(),
            code: six_digits(code)?,
        };
        let key = key();
        self.online_call(|c, t| {
            let (body, key) = (&body, &key);
            async move { c.confirm_deactivation(&t, org_id, key, body).await }
        })
        .await?;
        self.organizations().await?;
        Ok(())
    }

    /// Asks the portal to lift a suspension or a block, with documents
    /// (checked as for a support ticket: five, 10 MB in all, by content).
    pub async fn request_unblock(
        &self,
        org_id: &str,
        text: &str,
        files: Vec<(String, Vec<u8>)>,
    ) -> Result<UnblockView, CoreError> {
        use base64::Engine;
        let text = cabinet_api::support::ticket_message(text)
            .map_err(|_| CoreError::Invalid(ErrorCode::InputText))?;
        let files: Vec<_> = files
            .into_iter()
            .map(|(name, bytes)| (name.trim().to_owned(), bytes))
            .collect();
        crate::support::check_files(&files)?;
        let body = UnblockRequest {
            text,
            files: files
                .iter()
                .map(|(name, bytes)| NewTicketFile {
                    name: name.clone(),
                    content: base64::engine::general_purpose::STANDARD.encode(bytes),
                })
                .collect(),
        };
        let key = key();
        let view = self
            .online_call(|c, t| {
                let (body, key) = (&body, &key);
                async move { c.request_unblock(&t, org_id, key, body).await }
            })
            .await?;
        self.organizations().await?;
        Ok(view)
    }

    /// The user's registrations, newest first.
    pub async fn registrations(&self) -> Result<Vec<Registration>, CoreError> {
        self.online_call(|c, t| async move { c.registrations(&t).await })
            .await
            .map(|l| l.items)
    }

    /// Starts a registration: the form is checked here by the portal's
    /// rules, then by the portal against the state register.
    pub async fn start_registration(
        &self,
        form: RegistrationForm,
    ) -> Result<Registration, CoreError> {
        let form = form.normalized()?;
        let key = key();
        self.online_call(|c, t| {
            let (key, form) = (key.clone(), form.clone());
            async move { c.create_registration(&t, &key, &form).await }
        })
        .await
    }

    /// Changes the form of a draft or refused registration at `version`.
    pub async fn edit_registration(
        &self,
        id: &str,
        version: i64,
        form: RegistrationForm,
    ) -> Result<Registration, CoreError> {
        let form = form.normalized()?;
        let key = key();
        self.online_call(|c, t| {
            let (key, form, id) = (key.clone(), form.clone(), id.to_owned());
            async move { c.edit_registration(&t, &id, &key, version, &form).await }
        })
        .await
    }

    /// Uploads the document of `kind` (the charter, the founding decision),
    /// checked by content here first, as the portal will.
    pub async fn upload_registration_document(
        &self,
        id: &str,
        kind: &str,
        name: &str,
        content: Vec<u8>,
    ) -> Result<Registration, CoreError> {
        let name = cabinet_api::files::file_name(name);
        let name = name.as_str();
        cabinet_api::files::check(name, &content).map_err(|e| CoreError::Refused {
            code: e.code(),
            detail: e.to_string(),
        })?;
        let key = key();
        self.online_call(|c, t| {
            let (key, content) = (key.clone(), content.clone());
            async move {
                c.registration_document(&t, id, &key, kind, name, content)
                    .await
            }
        })
        .await
    }

    /// Sends the confirmation code to the registration's phone.
    pub async fn send_registration_code(&self, id: &str) -> Result<RegistrationCode, CoreError> {
        self.online_call(|c, t| async move { c.registration_code(&t, id).await })
            .await
    }

    /// Sends the registration to the registry office with the code.
    pub async fn submit_registration(
        &self,
        id: &str,
        code: &str,
    ) -> Result<Registration, CoreError> {
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CoreError::Invalid(ErrorCode::InputCode));
        }
        self.send_registration(
            id,
            SubmitRegistration {
                code: Some(code.into()),
                signature: None,
            },
        )
        .await
    }

    /// `POST /registrations/{id}/submit` with a new Idempotency-Key.
    async fn send_registration(
        &self,
        id: &str,
        body: SubmitRegistration,
    ) -> Result<Registration, CoreError> {
        let key = key();
        self.online_call(|c, t| {
            let (key, id, body) = (key.clone(), id.to_owned(), &body);
            async move { c.submit_registration(&t, &id, &key, body).await }
        })
        .await
    }
}

impl Cabinet {
    /// Sends the registration to the registry office confirmed by the
    /// head's qualified signature instead of a code: `key` signs the
    /// registration's statement as the portal holds it now (so what is
    /// signed is what is sent). An expired certificate is refused here,
    /// before any network traffic.
    pub async fn submit_registration_signed(
        &self,
        id: &str,
        key: &(dyn cabinet_sign::SigningKey + Sync),
    ) -> Result<Registration, CoreError> {
        crate::certificates::check_usable(key.certificate(), chrono::Utc::now())?;
        let current = self
            .registrations()
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(CoreError::Invalid(ErrorCode::InputRegistration))?;
        let statement = current.statement();
        let signature =
            cabinet_sign::cades::sign_detached(key, statement.as_bytes(), chrono::Utc::now())?;
        use base64::Engine;
        self.send_registration(
            id,
            SubmitRegistration {
                code: None,
                signature: Some(base64::engine::general_purpose::STANDARD.encode(signature)),
            },
        )
        .await
    }
}

impl Cabinet {
    /// «Забыли пароль?», first step: the portal sends a code to the phone
    /// of `login` if there is such a user (it answers alike either way).
    pub async fn start_recovery(&self, login: &str) -> Result<RecoveryTicket, CoreError> {
        let login = login.trim();
        if login.is_empty() {
            return Err(CoreError::Invalid(ErrorCode::InputLogin));
        }
        self.backend.start_recovery(login).await
    }

    /// Sets a new password with the code from the phone. Every session of
    /// the user ends on the portal, this one's tokens included.
    pub async fn finish_recovery(
        &self,
        ticket: &str,
        code: &str,
        new_password: &str,
    ) -> Result<(), CoreError> {
        cabinet_api::check_new_password(new_password).map_err(|code| CoreError::Refused {
            code,
            detail: "8 to 128 characters with a letter and a digit".into(),
        })?;
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CoreError::Invalid(ErrorCode::InputCode));
        }
        self.backend
            .finish_recovery(&RecoveryConfirm {
                ticket: ticket.into(),
                code: code.into(),
                new_password: new_password.into(),
            })
            .await
    }

    /// How the user's password login is confirmed (online).
    pub async fn security(&self) -> Result<Security, CoreError> {
        self.online_call(|c, t| async move { c.security(&t).await })
            .await
    }

    /// A new authenticator secret to put into the user's app; the login
    /// changes only once [`Cabinet::confirm_totp`] takes a code made by it.
    /// The secret is shown, never stored here.
    pub async fn start_totp(&self) -> Result<TotpEnrollment, CoreError> {
        self.online_call(|c, t| async move { c.start_totp(&t).await })
            .await
    }

    /// A code from the app: from now on it confirms the password login.
    pub async fn confirm_totp(&self, code: &str) -> Result<Security, CoreError> {
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CoreError::Invalid(ErrorCode::InputCode));
        }
        let body = TotpConfirm { code: code.into() };
        self.online_call(|c, t| {
            let body = &body;
            async move { c.confirm_totp(&t, body).await }
        })
        .await
    }

    /// Back to SMS codes, with the password.
    pub async fn disable_totp(&self, current: &str) -> Result<Security, CoreError> {
        if current.is_empty() {
            return Err(CoreError::Invalid(ErrorCode::InputCurrentPassword));
        }
        let body = TotpDisable {
            current_password: current.into(),
        };
        self.online_call(|c, t| {
            let body = &body;
            async move { c.disable_totp(&t, body).await }
        })
        .await
    }

    /// A new password for the signed-in user, confirmed by the current one
    /// (online only: nothing about a password is queued or stored). The
    /// user's other sessions end; this one goes on.
    pub async fn change_password(
        &self,
        current: &str,
        new_password: &str,
    ) -> Result<(), CoreError> {
        if current.is_empty() {
            return Err(CoreError::Invalid(ErrorCode::InputCurrentPassword));
        }
        cabinet_api::check_new_password(new_password).map_err(|code| CoreError::Refused {
            code,
            detail: "8 to 128 characters with a letter and a digit".into(),
        })?;
        let change = PasswordChange {
            current_password: current.into(),
            new_password: new_password.into(),
        };
        self.online_call(|c, t| {
            let change = &change;
            async move { c.change_password(&t, change).await }
        })
        .await
    }
}
