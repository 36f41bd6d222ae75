//! Employees and roles.

use super::*;

impl Cabinet {
    /// The organization's roles, each marked whether it is the head's
    /// (works offline).
    pub async fn roles(
        &self,
        org_id: &str,
        query: &crate::records::RecordQuery,
    ) -> Result<crate::records::RecordPage<cabinet_api::Role>, CoreError> {
        let mut page = self.records::<cabinet_api::Role>(org_id, query).await?;
        for item in &mut page.items {
            item.record = item.record.clone().marked();
        }
        Ok(page)
    }

    /// What the user's role in the organization allows (works offline).
    pub async fn permissions(
        &self,
        org_id: &str,
    ) -> Result<Vec<cabinet_api::Permission>, CoreError> {
        self.with_store(|s| s.permissions(org_id)).await
    }

    /// Access for a person by e-mail with a role, queued.
    pub async fn invite_employee(
        &self,
        org_id: &str,
        invite: cabinet_api::InviteEmployee,
    ) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_invite_employee(org_id, invite))
            .await
    }

    /// Another role for an employee, queued.
    pub async fn change_employee_role(
        &self,
        org_id: &str,
        id: &str,
        role: &str,
    ) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_change_role(org_id, id, role))
            .await
    }

    /// An employee's access removed, queued.
    pub async fn remove_employee(&self, org_id: &str, id: &str) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_remove_employee(org_id, id))
            .await
    }

    /// A custom role made (`existing: None`) or its permissions changed,
    /// queued.
    pub async fn save_role(
        &self,
        org_id: &str,
        existing: Option<&str>,
        role: cabinet_api::SaveRole,
    ) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_save_role(org_id, existing, role))
            .await
    }
}
