//! Files of a draft application. A file is checked by its content (the
//! portal's own rules, `cabinet_api::files`), kept encrypted in the blob
//! store and queued; the upload happens at the next sync, so a draft is
//! put together offline too. Before a draft is submitted the core checks
//! what the portal will: every mandatory document of the service is there,
//! and every file is signed.

use cabinet_api::ErrorCode;
use cabinet_api::{Application, ApplicationStatus, Permission, RequiredDocument, Service};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::store::Store;
use crate::sync::{enqueue, Action};
use crate::CoreError;

/// One file of a draft, delivered or waiting to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AttachmentView {
    /// The document's id once the portal has it; before that the id of the
    /// outbox action carrying it. Either removes it.
    pub id: String,
    /// The service's code for the document (`charter`, …) or `other`.
    pub kind: String,
    pub name: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub size: i64,
    /// Still on this computer only.
    pub pending: bool,
    /// Signers, accepted by the portal or waiting in the outbox.
    pub signers: Vec<String>,
    /// Its removal is queued.
    pub removing: bool,
}

/// A draft's files and what its service still asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DraftFiles {
    /// The application as the cache holds it now (under the portal's id
    /// once its draft has been delivered).
    pub application: Application,
    pub files: Vec<AttachmentView>,
    /// The documents the service asks for (empty when it is not in the
    /// cached catalog): the slots files go into.
    pub required: Vec<RequiredDocument>,
    /// Titles of mandatory documents not attached (empty when the
    /// service is not in the cached catalog).
    pub missing: Vec<String>,
}

impl Store {
    /// The id an application has now: a local draft's id, once delivered,
    /// leads to the portal's (a window may still hold the old one).
    pub(crate) fn current_id(&self, id: &str) -> Result<String, CoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT server_id FROM id_map WHERE local_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or_else(|| id.to_owned()))
    }

    /// A draft of `org` this cache holds, or `input.application`.
    pub(crate) fn draft(&self, org: &str, id: &str) -> Result<Application, CoreError> {
        match self.application(id)? {
            Some(app) if app.org_id == org && app.status == ApplicationStatus::Draft => Ok(app),
            _ => Err(CoreError::Invalid(ErrorCode::InputApplication)),
        }
    }

    /// Queues `content` (already in the blob store under `sha256`) for the
    /// draft `id`.
    pub(crate) fn queue_attach(
        &self,
        org: &str,
        id: &str,
        kind: &str,
        name: &str,
        sha256: &str,
        size: i64,
    ) -> Result<(), CoreError> {
        self.allowed(org, Permission::ApplicationsEdit)?;
        self.draft(org, id)?;
        let files = self.draft_files(org, id)?.files;
        if files.iter().filter(|f| !f.removing).count()
            >= cabinet_api::files::MAX_ATTACHMENTS_PER_APPLICATION
        {
            return Err(CoreError::Refused {
                code: ErrorCode::ApplicationTooManyFiles,
                detail: "too many files".into(),
            });
        }
        if files.iter().any(|f| f.sha256 == sha256 && !f.removing) {
            return Err(CoreError::Refused {
                code: ErrorCode::FileDuplicate,
                detail: format!("{name} is already attached"),
            });
        }
        let tx = self.conn.unchecked_transaction()?;
        enqueue(
            &tx,
            org,
            Some(id),
            &Action::Attach {
                document_kind: kind.to_owned(),
                name: name.to_owned(),
                sha256: sha256.to_owned(),
                size,
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Takes a file off the draft: a file not yet sent is simply dropped
    /// from the outbox; a delivered one gets a queued removal. The content
    /// stays in the blob store (content-addressed, it may be another
    /// document's too).
    pub(crate) fn queue_detach(&self, org: &str, id: &str, file: &str) -> Result<(), CoreError> {
        self.allowed(org, Permission::ApplicationsEdit)?;
        let app = self.draft(org, id)?;
        let tx = self.conn.unchecked_transaction()?;
        let unsent = tx.execute(
            "DELETE FROM outbox WHERE id = ?1 AND target = ?2 AND kind = 'attach_file'",
            [file, id],
        )?;
        if unsent > 0 {
            tx.commit()?;
            return Ok(());
        }
        if !app.attachments.iter().any(|a| a.document_id == file) {
            return Err(CoreError::Invalid(ErrorCode::InputAttachment));
        }
        enqueue(
            &tx,
            org,
            Some(id),
            &Action::Detach {
                document_id: file.to_owned(),
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The draft's files: delivered ones with their signatures, then the
    /// ones waiting in the outbox; and what the service asks for, by the
    /// cached catalog.
    pub fn draft_files(&self, org: &str, id: &str) -> Result<DraftFiles, CoreError> {
        let id = &self.current_id(id)?;
        let app = self
            .application(id)?
            .filter(|a| a.org_id == org)
            .ok_or(CoreError::Invalid(ErrorCode::InputApplication))?;
        let mut removing = Vec::new();
        let mut waiting = Vec::new();
        for (action_id, action) in self.queued_actions(id)? {
            match action {
                Action::Detach { document_id } => removing.push(document_id),
                Action::Attach {
                    document_kind: kind,
                    name,
                    sha256,
                    size,
                } => waiting.push(AttachmentView {
                    id: action_id,
                    kind,
                    name,
                    sha256,
                    size,
                    pending: true,
                    signers: Vec::new(),
                    removing: false,
                }),
                _ => {}
            }
        }
        let mut files = Vec::new();
        for a in &app.attachments {
            let doc = self.document(org, &a.document_id)?;
            let mut signers: Vec<String> = doc
                .as_ref()
                .map(|d| d.signatures.iter().map(|s| s.signer.clone()).collect())
                .unwrap_or_default();
            signers.extend(
                self.queued_signatures(&a.document_id)?
                    .into_iter()
                    .map(|(_, signer)| signer),
            );
            files.push(AttachmentView {
                id: a.document_id.clone(),
                kind: a.kind.clone(),
                name: a.name.clone(),
                sha256: a.sha256.clone(),
                size: doc.map(|d| d.size).unwrap_or(0),
                pending: false,
                signers,
                removing: removing.contains(&a.document_id),
            });
        }
        files.extend(waiting);
        let service = self.cached_service(&app.service_code)?;
        let kinds: Vec<&str> = files
            .iter()
            .filter(|f| !f.removing)
            .map(|f| f.kind.as_str())
            .collect();
        let missing = service
            .as_ref()
            .map(|s| {
                cabinet_api::missing_documents(s, &kinds)
                    .into_iter()
                    .map(|d| d.title.clone())
                    .collect()
            })
            .unwrap_or_default();
        Ok(DraftFiles {
            application: app,
            files,
            required: service.map(|s| s.required_documents).unwrap_or_default(),
            missing,
        })
    }

    /// The portal's rules for a submission, checked on the cache: the form
    /// is complete, the mandatory documents are attached and every file is signed (files
    /// still to be sent cannot have been).
    pub(crate) fn check_ready(&self, org: &str, id: &str) -> Result<(), CoreError> {
        let files = self.draft_files(org, id)?;
        if let Some(service) = self.cached_service(&files.application.service_code)? {
            cabinet_api::check_form(&service.form, &files.application.fields, true)?;
        }
        if !files.missing.is_empty() {
            return Err(CoreError::Refused {
                code: ErrorCode::ApplicationMissingDocuments,
                detail: files.missing.join("; "),
            });
        }
        if let Some(f) = files
            .files
            .iter()
            .find(|f| !f.removing && (f.pending || f.signers.is_empty()))
        {
            return Err(CoreError::Refused {
                code: ErrorCode::ApplicationUnsigned,
                detail: f.name.clone(),
            });
        }
        Ok(())
    }

    /// The service from the catalog copy the cache keeps, if any.
    pub(crate) fn cached_service(&self, code: &str) -> Result<Option<Service>, CoreError> {
        Ok(self.cached_services()?.into_iter().find(|s| s.code == code))
    }

    /// The catalog copy the cache keeps; empty before the first fetch.
    pub(crate) fn cached_services(&self) -> Result<Vec<Service>, CoreError> {
        let Some((json, _, _)) = self.reference(crate::store::SERVICES)? else {
            return Ok(Vec::new());
        };
        serde_json::from_str(&json).map_err(|e| CoreError::Store(e.to_string()))
    }

    /// Actions queued on `target`, oldest first: (action id, action).
    fn queued_actions(&self, target: &str) -> Result<Vec<(String, Action)>, CoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, payload FROM outbox WHERE target = ?1 ORDER BY seq")?;
        let rows = stmt
            .query_map([target], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, p)| Ok((id, crate::sync::parse(&p)?)))
            .collect()
    }
}
