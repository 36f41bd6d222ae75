//! The organization's documents: contents kept for offline review, signed
//! here, signatures verified.

use super::*;
use cabinet_api::ErrorCode;

impl Cabinet {
    /// The organization's newest `limit` documents (at most 10,000 at a
    /// time; works offline) and how many there are: an organization with a
    /// hundred thousand is not read whole for a screen that shows a few
    /// dozen.
    pub async fn documents(&self, org_id: &str, limit: u32) -> Result<DocumentList, CoreError> {
        let limit = limit.clamp(1, 10_000);
        let guard = self.active.lock().await;
        let a = open_session(guard.as_ref())?;
        let blobs = self.blobs(a);
        let (docs, total) = a.store.documents(org_id, limit)?;
        Ok(DocumentList {
            items: docs.into_iter().map(|d| document_view(&blobs, d)).collect(),
            total,
        })
    }

    /// One document as the list shows it.
    pub async fn document(&self, org_id: &str, id: &str) -> Result<DocumentView, CoreError> {
        let guard = self.active.lock().await;
        let a = open_session(guard.as_ref())?;
        let found = a
            .store
            .document_view(org_id, id)?
            .ok_or(CoreError::Invalid(ErrorCode::InputDocument))?;
        Ok(document_view(&self.blobs(a), found))
    }

    /// A document's content: from this computer, or fetched (and kept for
    /// offline review). Offline and never fetched: `cache.not_found`.
    pub async fn document_content(&self, org_id: &str, id: &str) -> Result<Vec<u8>, CoreError> {
        let (user, doc, blobs) = {
            let guard = self.active.lock().await;
            let a = open_session(guard.as_ref())?;
            let doc = a
                .store
                .document(org_id, id)?
                .ok_or(CoreError::Invalid(ErrorCode::InputDocument))?;
            (a.me.user_id.clone(), doc, self.blobs(a))
        };
        if let Some(bytes) = blobs.get(&doc.sha256)? {
            return Ok(bytes);
        }
        let (o, i) = (org_id.to_owned(), id.to_owned());
        let fetched = self
            .call(&user, move |c, t| {
                let (o, i) = (o.clone(), i.clone());
                async move { c.document_content(&t, &o, &i).await }
            })
            .await;
        match fetched {
            Ok(Some(bytes)) => {
                blobs.put(&doc.sha256, &bytes)?;
                Ok(bytes)
            }
            Ok(None) => Err(CoreError::Protocol("304 without a cached copy".into())),
            Err(e) if e.is_transient() => Err(CoreError::NotCached),
            Err(e) => Err(e),
        }
    }

    /// Signs a document with `key` (offline too, when its content is on this
    /// computer); the signature is queued and reaches the portal at sync.
    pub async fn sign_document(
        &self,
        org_id: &str,
        id: &str,
        key: &(dyn cabinet_sign::SigningKey + Sync),
    ) -> Result<(), CoreError> {
        check_usable(key.certificate(), chrono::Utc::now())?;
        let content = self.document_content(org_id, id).await?;
        let sig = cabinet_sign::cades::sign_detached(key, &content[..], chrono::Utc::now())?;
        // CAdES-X Long Type 1 when the portal's time-stamping service
        // answers and the signer's CA and its CRL are known: the signed
        // original then verifies offline for years. Else CAdES-T (the
        // signing time proven); offline, CAdES-BES, judged as of each check.
        let sig = match self.long_term_signature(&sig, &content).await {
            Ok(long) => long,
            Err(e) if e.is_transient() => {
                tracing::info!(error = %e, "signature kept without a time stamp");
                sig
            }
            Err(e) => {
                tracing::info!(error = %e, "no long-term data: a time stamp alone");
                let backend = self.backend.clone();
                match crate::signing::add_timestamps(&sig, |request| {
                    let backend = backend.clone();
                    async move { backend.timestamp(&request).await }
                })
                .await
                {
                    Ok(stamped) => stamped,
                    Err(e) => {
                        tracing::info!(error = %e, "signature kept without a time stamp");
                        sig
                    }
                }
            }
        };
        let signer = key
            .certificate()
            .subject_common_name
            .clone()
            .unwrap_or_default();
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(sig);
        self.with_store(|s| s.queue_document_signature(org_id, id, b64, signer))
            .await
    }

    /// «Протокол проверки» of a document's signatures, judged now, written
    /// to `target` (a temporary file and a rename); its size.
    pub async fn save_verification_protocol(
        &self,
        org_id: &str,
        id: &str,
        target: &std::path::Path,
    ) -> Result<u64, CoreError> {
        let checks = self.verify_document(org_id, id).await?;
        let doc = self
            .with_store(|s| s.document(org_id, id))
            .await?
            .ok_or(CoreError::Invalid(ErrorCode::InputDocument))?;
        let status = self.trust_status()?;
        let pdf = crate::protocol::verification_protocol(
            &doc.name,
            &doc.sha256,
            &checks,
            &crate::protocol::ListUsed {
                version: status.version,
                date: status.date,
                fetched_at: status.fetched_at,
            },
            chrono::Utc::now(),
        )?;
        crate::signing::write_atomically(target, &pdf)?;
        Ok(pdf.len() as u64)
    }

    /// Judges every signature of a document, accepted and pending, against
    /// its content: one [`crate::verdict::SignatureCheck`] per signer.
    pub async fn verify_document(
        &self,
        org_id: &str,
        id: &str,
    ) -> Result<Vec<crate::verdict::SignatureCheck>, CoreError> {
        let content = self.document_content(org_id, id).await?;
        let (doc, pending) = {
            let guard = self.active.lock().await;
            let a = open_session(guard.as_ref())?;
            (
                a.store
                    .document(org_id, id)?
                    .ok_or(CoreError::Invalid(ErrorCode::InputDocument))?,
                a.store
                    .queued_signatures(id)?
                    .into_iter()
                    .map(|(signature, _)| signature)
                    .collect::<Vec<_>>(),
            )
        };
        use base64::Engine;
        let mut out = Vec::new();
        for b64 in doc
            .signatures
            .iter()
            .map(|s| s.signature.clone())
            .chain(pending)
        {
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| CoreError::Protocol(format!("signature: {e}")))?;
            out.extend(self.judge_signature(&der, &content).await?);
        }
        Ok(out)
    }
}

/// A stored document with its pending signers, and whether its content is
/// on this computer.
fn document_view(
    blobs: &crate::blobs::Blobs,
    (document, pending_signers): (cabinet_api::Document, Vec<String>),
) -> DocumentView {
    DocumentView {
        cached: blobs.has(&document.sha256),
        document,
        pending_signers,
    }
}
