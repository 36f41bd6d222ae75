//! Requirements from government bodies, comments, notifications read.

use super::*;

impl Cabinet {
    /// «Принято к исполнению» for a requirement, queued.
    pub async fn accept_requirement(&self, org_id: &str, id: &str) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_accept_requirement(org_id, id))
            .await
    }

    /// An answer to a requirement, queued (checked as the portal checks it).
    pub async fn answer_requirement(
        &self,
        org_id: &str,
        id: &str,
        reply: cabinet_api::RequirementReply,
    ) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_answer_requirement(org_id, id, reply))
            .await
    }

    /// A comment (or a reply) on an application, queued.
    pub async fn comment(
        &self,
        org_id: &str,
        application_id: &str,
        comment: cabinet_api::NewComment,
    ) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_comment(org_id, application_id, comment))
            .await
    }

    /// Notifications that arrived since the last call, for the desktop to
    /// announce (see [`Store::take_fresh_notifications`]).
    ///
    /// [`Store::take_fresh_notifications`]: crate::store::Store::take_fresh_notifications
    pub async fn fresh_notifications(
        &self,
        org_id: &str,
    ) -> Result<Vec<cabinet_api::Notification>, CoreError> {
        let fresh = self
            .with_store(|s| s.take_fresh_notifications(org_id))
            .await?;
        // The kinds the user wants on the desktop (as last fetched).
        let settings = self.with_store(super::notifications::kept_settings).await?;
        Ok(fresh
            .into_iter()
            .filter(|n| super::notifications::on_desktop(&settings, n.kind))
            .collect())
    }

    /// Marks a notification read, queued.
    pub async fn mark_read(&self, org_id: &str, id: &str) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_mark_read(org_id, id)).await
    }
}
