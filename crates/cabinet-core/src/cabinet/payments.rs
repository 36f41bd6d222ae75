//! Charges paid, the accounting and audit exports.

use super::*;

impl Cabinet {
    /// Pays a charge at the next sync; the receipt arrives with it.
    pub async fn pay_charge(
        &self,
        org_id: &str,
        id: &str,
        method: cabinet_api::PaymentMethod,
    ) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_pay_charge(org_id, id, cabinet_api::PayCharge { method }))
            .await
    }

    /// An accounting export of the period (ISO days, both included) from
    /// the cache: a table of charges or payments (CSV, XLSX, or a PDF
    /// report), or both in the JSON document for 1C-style import (`part`
    /// ignored).
    pub async fn export_accounting(
        &self,
        org_id: &str,
        part: crate::accounting::AccountingPart,
        format: crate::accounting::AccountingFormat,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<u8>, CoreError> {
        self.with_store(|s| {
            use crate::accounting::AccountingFormat;
            let data = s.accounting(org_id, from, to)?;
            let profile = || -> Result<_, CoreError> {
                Ok(s.profile(org_id)?.ok_or(CoreError::NotCached)?.0)
            };
            match format {
                AccountingFormat::Json => data.json(&profile()?, chrono::Utc::now()),
                AccountingFormat::Pdf => data.pdf(part, &profile()?, chrono::Utc::now()),
                table => data.table_file(part, table),
            }
        })
        .await
    }

    /// The audit log for a period as a CSV or XLSX file (see
    /// [`Store::audit_file`]).
    ///
    /// [`Store::audit_file`]: crate::store::Store::audit_file
    pub async fn export_audit(
        &self,
        org_id: &str,
        format: crate::accounting::AccountingFormat,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<u8>, CoreError> {
        self.with_store(|s| s.audit_file(org_id, from, to, format))
            .await
    }
}
