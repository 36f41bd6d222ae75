//! Registering a new organization cabinet. The state register and the
//! registry office are the portal's, so this is online work: nothing is
//! queued, each step answers at once, and the registration itself (form,
//! documents, state) is kept by the portal, so a restart or another
//! computer continues where the user stopped.

use cabinet_api::{Registration, RegistrationCode, RegistrationForm, SubmitRegistration};

use crate::{Cabinet, CoreError};

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Cabinet {
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
            async move { c.registration_write(&t, &[], &key, None, &form).await }
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
            async move {
                c.registration_write(&t, &[&id], &key, Some(version), &form)
                    .await
            }
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
            return Err(CoreError::Invalid("code"));
        }
        let key = key();
        let body = SubmitRegistration { code: code.into() };
        self.online_call(|c, t| {
            let (key, id, body) = (key.clone(), id.to_owned(), &body);
            async move {
                c.registration_write(&t, &[&id, "submit"], &key, None, body)
                    .await
            }
        })
        .await
    }
}
