//! UI commands: each maps to one core call. Declared in build.rs and granted
//! in capabilities/default.json; typed for the UI in `bindings`.

use cabinet_api::Application;
use cabinet_api::DemoSms;
use cabinet_api::NotificationSettings;
use cabinet_api::Secret;
use cabinet_api::Security;
use cabinet_api::TicketTopic;
use cabinet_api::{
    AuditEntry, Charge, Employee, InviteEmployee, Notification, Payment, PaymentMethod, Permission,
    Requirement, RequirementReply, Role, SaveRole,
};
use cabinet_api::{CodeSent, OrganizationSummary, UnblockView};
use cabinet_api::{Comment, LegalStatus, NewComment, StatusEvent};
use cabinet_api::{NewProfileChange, ProfileChange};
use cabinet_api::{OrganizationProfile, ProfileEdit};
use cabinet_api::{RecoveryTicket, Registration, RegistrationCode, RegistrationForm};
use cabinet_core::accounting::{AccountingFormat, AccountingPart};
use cabinet_core::attachments::DraftFiles;
use cabinet_core::cabinet::KeyLocation;
use cabinet_core::cabinet::TrustStatus;
use cabinet_core::certificates::{
    open_container_key, open_pfx as open_pfx_file, open_token_key, token_listing, CertificateView,
    ContainerListing, TokenListing,
};
use cabinet_core::config::LocalSettings;
use cabinet_core::lists::{ApplicationPage, ApplicationQuery};
use cabinet_core::records::{RecordPage, RecordQuery};
use cabinet_core::signing::{SignProgress, SignedFile};
use cabinet_core::support::{FaqView, SupportView};
use cabinet_core::sync::{
    Conflict, DocumentList, OutboxItem, Resolution, SyncProgress, SyncReport, SyncStatus,
};
use cabinet_core::verdict::SignatureCheck;
use cabinet_core::view::{
    AppInfo, Dashboard, DemoCertificateFile, LoginStep, OrganizationsView, SessionView,
};
use cabinet_core::view::{MyCertificate, ServicesView};
use cabinet_core::CoreError;
use serde::Deserialize;
use tauri::State;
use ts_rs::TS;

use crate::ipc::IpcError;
use crate::Desktop;

pub(crate) mod applications;
pub(crate) mod documents;
pub(crate) mod keys;
pub(crate) mod lifecycle;
pub(crate) mod organizations;
pub(crate) mod records;
pub(crate) mod session;
pub(crate) mod settings;
pub(crate) mod signing;
pub(crate) mod staff;
pub(crate) mod support;
pub(crate) mod syncing;

pub use applications::*;
pub use documents::*;
pub use keys::*;
pub use lifecycle::*;
pub use organizations::*;
pub use records::*;
pub use session::*;
pub use settings::*;
pub use signing::*;
pub use staff::*;
pub use support::*;
pub use syncing::*;

type Res<T> = Result<T, IpcError>;

#[derive(Debug, Deserialize, TS)]
pub struct OrgArgs {
    pub org_id: String,
}

pub use cabinet_core::certificates::AnyKey;

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, CoreError> + Send + 'static,
) -> Res<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| IpcError::from(CoreError::Config(format!("worker: {e}"))))?
        .map_err(IpcError::from)
}

#[derive(Debug, Deserialize, TS)]
pub struct ActionArgs {
    pub id: String,
}

#[derive(Debug, Deserialize, TS)]
pub struct DocumentArgs {
    pub org_id: String,
    pub document_id: String,
}

#[derive(Debug, Deserialize, TS)]
pub struct ProtocolArgs {
    pub org_id: String,
    pub document_id: String,
    /// Where the PDF goes (the user chose it in the save dialog).
    pub path: String,
}

#[derive(Debug, Deserialize, TS)]
pub struct RecordsArgs {
    pub org_id: String,
    pub query: RecordQuery,
}

#[derive(Debug, Deserialize, TS)]
pub struct RecordArgs {
    pub org_id: String,
    pub id: String,
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    /// Arguments that carry a password, PIN or code print it as `***`,
    /// whether their `Debug` is derived or written by hand.
    #[test]
    fn no_argument_prints_its_secret() {
        fn shown<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
            format!("{:?}", serde_json::from_str::<T>(json).unwrap())
        }
        let all = [
            shown::<LoginArgs>(r#"{"login":"a","password":"s3cr3t-1"}"#),
            shown::<CodeArgs>(r#"{"ticket":"t","code":"s3cr3t-2"}"#),
            shown::<UnlockArgs>(r#"{"password":"s3cr3t-3"}"#),
            shown::<ChangePasswordArgs>(
                r#"{"current_password":"s3cr3t-4","new_password":"s3cr3t-5"}"#,
            ),
            shown::<DisableTotpArgs>(r#"{"current_password":"s3cr3t-6"}"#),
            shown::<PfxArgs>(r#"{"path":"/k.pfx","password":"s3cr3t-7"}"#),
            shown::<TokenLoginArgs>(r#"{"module":"m","slot":"1","key_id":"01","pin":"s3cr3t-8"}"#),
            shown::<ContainerLoginArgs>(r#"{"path":"/c.000","pin":"s3cr3t-9"}"#),
        ];
        for text in all {
            assert!(!text.contains("s3cr3t"), "{text}");
        }
    }
}
