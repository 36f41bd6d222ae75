//! Writing to support.

use super::*;

impl Cabinet {
    /// Writes to support: checked as the portal will check it, the files
    /// kept encrypted here, sent at the next sync (the number comes back
    /// with it). Returns the outbox action's id.
    pub async fn file_ticket(
        &self,
        org_id: &str,
        topic: cabinet_api::TicketTopic,
        message: &str,
        files: Vec<(String, Vec<u8>)>,
    ) -> Result<String, CoreError> {
        let files: Vec<_> = files
            .into_iter()
            .map(|(name, bytes)| (name.trim().to_owned(), bytes))
            .collect();
        crate::support::check_files(&files)?;
        let guard = self.active.lock().await;
        let a = open_session(guard.as_ref())?;
        let mut queued = Vec::with_capacity(files.len());
        for (name, bytes) in files {
            let sha256 = crate::blobs::sha256_hex(&bytes);
            self.blobs(a).put(&sha256, &bytes)?;
            queued.push(crate::support::QueuedFile {
                name,
                sha256,
                size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            });
        }
        a.store.queue_ticket(org_id, topic, message, queued)
    }

    /// The user's tickets in `org_id`, delivered and waiting.
    pub async fn support(&self, org_id: &str) -> Result<crate::support::SupportView, CoreError> {
        self.with_store(|s| s.support(org_id)).await
    }
}
