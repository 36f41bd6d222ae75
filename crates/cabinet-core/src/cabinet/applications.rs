//! Applications: drafts made offline, their files and signatures, submission,
//! the list, search and export.

use super::*;
use cabinet_api::ErrorCode;

impl Cabinet {
    /// A new draft, made locally and queued; it reaches the portal at the
    /// next sync (at once when online and the caller syncs). `fields` is
    /// the service's form, checked here by the portal's rules against the
    /// kept catalog (offline too).
    pub async fn create_application(
        &self,
        org_id: &str,
        service_code: &str,
        title: &str,
        fields: std::collections::BTreeMap<String, String>,
    ) -> Result<Application, CoreError> {
        let title = title.trim();
        if title.is_empty()
            || title.chars().count() > 300
            || !cabinet_api::text::is_clean(title, false)
        {
            return Err(CoreError::Invalid(ErrorCode::InputTitle));
        }
        let service_code = service_code.trim().to_owned();
        let have_catalog = self
            .with_store(|s| Ok(s.reference(SERVICES)?.is_some()))
            .await?;
        if !have_catalog {
            if let Err(e) = self.services().await {
                tracing::info!(error = %e, "no services catalog to check the form by");
            }
        }
        self.with_store(|s| {
            // A service this computer does not know yet: the portal checks.
            let fields = match s.cached_service(&service_code)? {
                Some(svc) => cabinet_api::check_form(&svc.form, &fields, true)?,
                None => fields
                    .into_iter()
                    .map(|(k, v)| (k, v.trim().to_owned()))
                    .filter(|(_, v)| !v.is_empty())
                    .collect(),
            };
            let body = NewApplication {
                service_code,
                title: title.to_owned(),
                fields,
            };
            s.queue_new_application(org_id, body)
        })
        .await
    }

    /// Queues the submission of a draft (a local one too), once it has
    /// what the portal will ask for: the service's mandatory documents,
    /// every file signed.
    pub async fn submit_application(&self, id: &str) -> Result<(), CoreError> {
        self.with_store(|s| {
            let id = &s.current_id(id)?;
            let app = s
                .application(id)?
                .ok_or(CoreError::Invalid(ErrorCode::InputApplication))?;
            if app.status != cabinet_api::ApplicationStatus::Draft {
                return Err(CoreError::Invalid(ErrorCode::InputApplication));
            }
            s.allowed(&app.org_id, cabinet_api::Permission::ApplicationsSubmit)?;
            s.check_ready(&app.org_id, id)?;
            s.queue_submit(&app)
        })
        .await
    }

    /// Attaches a file to a draft as the service's document `kind`: checked
    /// by its content as the portal checks it, kept (encrypted) on this
    /// computer and queued for the next sync.
    pub async fn attach_file(
        &self,
        org_id: &str,
        id: &str,
        kind: &str,
        name: &str,
        content: &[u8],
    ) -> Result<crate::attachments::DraftFiles, CoreError> {
        let name = cabinet_api::files::file_name(name);
        let name = name.as_str();
        cabinet_api::files::check(name, content).map_err(|e| CoreError::Refused {
            code: e.code(),
            detail: e.to_string(),
        })?;
        let kind = kind.trim();
        if kind.is_empty() || kind.len() > 64 {
            return Err(CoreError::Invalid(ErrorCode::InputKind));
        }
        let sha = crate::blobs::sha256_hex(content);
        let guard = self.active.lock().await;
        let a = open_session(guard.as_ref())?;
        let id = &a.store.current_id(id)?;
        // Checked before the content is written, so a refusal leaves nothing.
        a.store
            .allowed(org_id, cabinet_api::Permission::ApplicationsEdit)?;
        a.store.draft(org_id, id)?;
        self.blobs(a).put(&sha, content)?;
        let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
        a.store.queue_attach(org_id, id, kind, name, &sha, size)?;
        a.store.draft_files(org_id, id)
    }

    /// Takes a file off a draft (`file`: an [`AttachmentView`]'s id).
    ///
    /// [`AttachmentView`]: crate::attachments::AttachmentView
    pub async fn detach_file(
        &self,
        org_id: &str,
        id: &str,
        file: &str,
    ) -> Result<crate::attachments::DraftFiles, CoreError> {
        self.with_store(|s| {
            let id = &s.current_id(id)?;
            s.queue_detach(org_id, id, file)?;
            s.draft_files(org_id, id)
        })
        .await
    }

    /// A draft's files, what its service asks for and what is still
    /// missing. The catalog is fetched once if this computer has none yet
    /// (offline, the files come without the service's list).
    pub async fn draft_files(
        &self,
        org_id: &str,
        id: &str,
    ) -> Result<crate::attachments::DraftFiles, CoreError> {
        let have_catalog = self
            .with_store(|s| Ok(s.reference(SERVICES)?.is_some()))
            .await?;
        if !have_catalog {
            if let Err(e) = self.services().await {
                tracing::info!(error = %e, "no services catalog for the draft's files");
            }
        }
        self.with_store(|s| s.draft_files(org_id, id)).await
    }

    /// Signs every file of a draft that `key`'s holder has not signed yet
    /// (one PIN or password for all); the signatures are queued. Returns
    /// how many were signed.
    pub async fn sign_draft(
        &self,
        org_id: &str,
        id: &str,
        key: &(dyn cabinet_sign::SigningKey + Sync),
    ) -> Result<u32, CoreError> {
        let signer = key
            .certificate()
            .subject_common_name
            .clone()
            .unwrap_or_default();
        let files = self
            .with_store(|s| {
                let id = &s.current_id(id)?;
                s.allowed(org_id, cabinet_api::Permission::DocumentsSign)?;
                s.draft(org_id, id)?;
                s.draft_files(org_id, id)
            })
            .await?;
        if let Some(f) = files.files.iter().find(|f| f.pending) {
            // Its document does not exist on the portal yet.
            return Err(CoreError::Refused {
                code: ErrorCode::FileNotSent,
                detail: f.name.clone(),
            });
        }
        let mut signed = 0;
        for f in files.files.iter().filter(|f| !f.removing) {
            if f.signers.contains(&signer) {
                continue;
            }
            self.sign_document(org_id, &f.id, key).await?;
            signed += 1;
        }
        Ok(signed)
    }

    /// A page of the applications list: filtered, sorted, with the total
    /// (works offline).
    pub async fn application_page(
        &self,
        org_id: &str,
        query: &crate::lists::ApplicationQuery,
    ) -> Result<crate::lists::ApplicationPage, CoreError> {
        self.with_store(|s| s.application_page(org_id, query)).await
    }

    /// A page of the applications list without the total (for scrolling
    /// on once the total is known).
    pub async fn application_rows(
        &self,
        org_id: &str,
        query: &crate::lists::ApplicationQuery,
    ) -> Result<Vec<Application>, CoreError> {
        self.with_store(|s| s.application_rows(org_id, query)).await
    }

    /// Every application the filters of `query` match, as CSV, XLSX or
    /// JSON, from the cache (works offline); the file and its row count.
    pub async fn export_applications(
        &self,
        org_id: &str,
        query: &crate::lists::ApplicationQuery,
        format: crate::accounting::AccountingFormat,
    ) -> Result<(Vec<u8>, u32), CoreError> {
        if format == crate::accounting::AccountingFormat::Pdf {
            return Err(CoreError::Invalid(ErrorCode::InputFormat));
        }
        let rows = self
            .with_store(|s| s.applications_export(org_id, query))
            .await?;
        // The file is written without the cache lock: making an XLSX of
        // 100k rows takes about as long as reading them, and the window's
        // lists and the sync should not wait for it.
        tokio::task::spawn_blocking(move || rows.file(format))
            .await
            .map_err(|e| CoreError::Store(format!("export: {e}")))?
    }

    /// The cached applications of `org` (works offline).
    pub async fn applications(&self, org_id: &str) -> Result<Vec<Application>, CoreError> {
        self.with_store(|s| s.applications(org_id)).await
    }

    /// Full-text search in the organization's cached data (works offline).
    pub async fn search(&self, org_id: &str, query: &str) -> Result<Vec<SearchHit>, CoreError> {
        self.with_store(|s| s.search(org_id, query, 200)).await
    }
}
