//! TypeScript bindings of the UI commands and their types, generated from
//! the Rust types (ts-rs). `cargo xtask bindings` rewrites
//! `ui/src/lib/bindings.ts`; the test below fails when that file is stale.
//!
//! Each command is listed once with its argument and result types; a
//! compile-time check ties the list to the real command functions, so the
//! list cannot drift from them.

use cabinet_api::Secret;
use cabinet_api::{AccessState, CabinetAccess, CodeSent, UnblockStatus, UnblockView};
use cabinet_api::{Application, ApplicationStatus, Attachment, Document, DocumentSignature};
use cabinet_api::{AuditEntry, Employee, EmployeeStatus, InviteEmployee, Role, SaveRole};
use cabinet_api::{
    BankDetails, NewProfileChange, OrganizationProfile, OrganizationSummary, ProfileChange,
    ProfileChangeStatus, ProfileEdit,
};
use cabinet_api::{Charge, ChargeKind, ChargeStatus, Payment, PaymentMethod};
use cabinet_api::{Comment, NewComment, StatusEvent};
use cabinet_api::{CourtCase, LegalStatus, Licence, Restriction};
use cabinet_api::{
    DemoCertificate, DemoInfo, DemoSms, DemoUser, Me, MfaChannel, OrgKind, OrgStatus, Security,
};
use cabinet_api::{FaqEntry, Ticket, TicketFile, TicketStatus, TicketTopic};
use cabinet_api::{FieldKind, FormField, RequiredDocument, Service, ServiceKind};
use cabinet_api::{
    Notification, NotificationChannels, NotificationKind, NotificationSettings, Permission,
};
use cabinet_api::{
    RecoveryTicket, Refusal, Registration, RegistrationCode, RegistrationDocument,
    RegistrationForm, RegistrationState, RegistrationStep,
};
use cabinet_api::{Requirement, RequirementAnswer, RequirementReply, RequirementStatus};
use cabinet_core::accounting::{AccountingFormat, AccountingPart};
use cabinet_core::attachments::{AttachmentView, DraftFiles};
use cabinet_core::certificates::{
    CertificateStatus, CertificateView, ContainerListing, ContainerView, TokenCertificateView,
    TokenListing, TokenModuleView,
};
use cabinet_core::config::{Language, LocalSettings, Theme};
use cabinet_core::lists::{ApplicationDate, ApplicationPage, ApplicationQuery, ApplicationSort};
use cabinet_core::records::{RecordPage, RecordQuery, RecordSort, RecordView};
use cabinet_core::signing::{SignProgress, SignedFile, SignerView};
use cabinet_core::support::{FaqView, QueuedFile, QueuedTicket, SupportView};
use cabinet_core::sync::{
    Conflict, DocumentView, OutboxItem, PrefetchPolicy, PrefetchScope, Resolution, SyncPhase,
    SyncProgress, SyncReport, SyncStatus,
};
use cabinet_core::view::{
    AppInfo, Dashboard, DemoCertificateFile, LoginStep, MyCertificate, OrganizationsView,
    ServicesView, SessionView,
};
use ts_rs::TS;

use crate::commands::{
    ActionArgs, AnswerArgs, ApplicationPageArgs, AttachArgs, CertificateArgs, ChangePasswordArgs,
    CodeArgs, CommentArgs, ContainerArgs, ContainerLoginArgs, ContainersArgs, DeactivateArgs,
    DetachArgs, DisableTotpArgs, DocumentArgs, DocumentContent, EditProfileArgs,
    ExportAccountingArgs, ExportApplicationsArgs, ExportAuditArgs, FinishRecoveryArgs, InviteArgs,
    LinkArgs, LoginArgs, LogoutArgs, NewApplicationArgs, NewTicketArgs, NotificationSettingsArgs,
    OrgArgs, OrgCodeArgs, PayArgs, PfxArgs, ProfileChangeArgs, RecordArgs, RecordsArgs,
    RecoveryArgs, RegistrationArgs, RegistrationDocumentArgs, RegistrationFormArgs,
    ResolveConflictArgs, RoleChangeArgs, SaveRoleArgs, SaveSettingsArgs, SaveSignedArgs,
    SettingsView, SignDocumentArgs, SignDraftArgs, SignFilesArgs, SubmitRegistrationArgs,
    SubmitRegistrationSignedArgs, TicketArgs, TicketFileArgs, TokenArgs, TokenLoginArgs,
    TotpCodeArgs, TotpSetup, UnblockArgs, UnlockArgs, VerifyArgs,
};
use crate::ipc::IpcError;

/// Path of the generated file, relative to the workspace root.
pub const BINDINGS_PATH: &str = "ui/src/lib/bindings.ts";

struct Command {
    name: &'static str,
    arg: Option<String>,
    ret: String,
}

#[allow(dead_code)]
fn any<T>() -> T {
    unreachable!("type-level only")
}

macro_rules! commands {
    ($( $module:ident :: $name:ident ( $($arg:ty)? ) -> $ret:ty ; )*) => {
        fn commands() -> Vec<Command> {
            vec![$( Command {
                name: stringify!($name),
                arg: commands!(@arg $($arg)?),
                ret: <$ret as TS>::name(),
            } ),*]
        }

        // Never called: it only has to type-check, which it does when every
        // listed signature matches its command function.
        #[allow(dead_code, clippy::diverging_sub_expression)]
        fn signatures_match(st: tauri::State<'_, crate::Desktop>) {
            $( let _signature = async {
                let _r: Result<$ret, IpcError> =
                    crate::commands::$module::$name(st.clone() $(, any::<$arg>())?).await;
            }; )*
        }
    };
    (@arg $arg:ty) => { Some(<$arg as TS>::name()) };
    (@arg) => { None };
}

crate::command_list::with_commands!(commands);

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The whole generated TypeScript file.
pub fn typescript() -> String {
    let decls = [
        AppInfo::decl(),
        DemoInfo::decl(),
        DemoUser::decl(),
        DemoCertificate::decl(),
        DemoSms::decl(),
        LoginStep::decl(),
        MfaChannel::decl(),
        SessionView::decl(),
        Me::decl(),
        OrganizationsView::decl(),
        OrganizationSummary::decl(),
        OrgKind::decl(),
        OrgStatus::decl(),
        Dashboard::decl(),
        OrganizationProfile::decl(),
        IpcError::decl(),
        Secret::decl(),
        LoginArgs::decl(),
        CodeArgs::decl(),
        TicketArgs::decl(),
        OrgArgs::decl(),
        LogoutArgs::decl(),
        DemoCertificateFile::decl(),
        CertificateView::decl(),
        CertificateStatus::decl(),
        PfxArgs::decl(),
        TokenArgs::decl(),
        TokenListing::decl(),
        TokenModuleView::decl(),
        TokenCertificateView::decl(),
        TokenLoginArgs::decl(),
        ContainersArgs::decl(),
        ContainerListing::decl(),
        ContainerView::decl(),
        ContainerLoginArgs::decl(),
        ContainerArgs::decl(),
        MyCertificate::decl(),
        CertificateArgs::decl(),
        SignFilesArgs::decl(),
        SignedFile::decl(),
        SignProgress::decl(),
        SyncPhase::decl(),
        SyncProgress::decl(),
        VerifyArgs::decl(),
        SaveSignedArgs::decl(),
        SignerView::decl(),
        SyncReport::decl(),
        Application::decl(),
        Attachment::decl(),
        AttachmentView::decl(),
        DraftFiles::decl(),
        AttachArgs::decl(),
        DetachArgs::decl(),
        SignDraftArgs::decl(),
        ExportAuditArgs::decl(),
        ApplicationPageArgs::decl(),
        SettingsView::decl(),
        Security::decl(),
        TotpSetup::decl(),
        TotpCodeArgs::decl(),
        DisableTotpArgs::decl(),
        NotificationSettings::decl(),
        NotificationChannels::decl(),
        NotificationSettingsArgs::decl(),
        LocalSettings::decl(),
        PrefetchPolicy::decl(),
        PrefetchScope::decl(),
        SaveSettingsArgs::decl(),
        ChangePasswordArgs::decl(),
        ApplicationPage::decl(),
        ApplicationQuery::decl(),
        ApplicationSort::decl(),
        ApplicationDate::decl(),
        ExportApplicationsArgs::decl(),
        ApplicationStatus::decl(),
        OutboxItem::decl(),
        ActionArgs::decl(),
        NewApplicationArgs::decl(),
        DocumentView::decl(),
        Document::decl(),
        DocumentSignature::decl(),
        SignDocumentArgs::decl(),
        DocumentArgs::decl(),
        SyncStatus::decl(),
        ProfileEdit::decl(),
        EditProfileArgs::decl(),
        Conflict::decl(),
        Resolution::decl(),
        ResolveConflictArgs::decl(),
        UnlockArgs::decl(),
        RecordQuery::decl(),
        RecordSort::decl(),
        RecordPage::<Requirement>::decl(),
        RecordView::<Requirement>::decl(),
        RecordsArgs::decl(),
        RecordArgs::decl(),
        AnswerArgs::decl(),
        Requirement::decl(),
        RequirementStatus::decl(),
        RequirementAnswer::decl(),
        RequirementReply::decl(),
        Notification::decl(),
        NotificationKind::decl(),
        Permission::decl(),
        Charge::decl(),
        ChargeKind::decl(),
        ChargeStatus::decl(),
        Payment::decl(),
        PaymentMethod::decl(),
        PayArgs::decl(),
        DocumentContent::decl(),
        Employee::decl(),
        EmployeeStatus::decl(),
        Role::decl(),
        AuditEntry::decl(),
        InviteEmployee::decl(),
        InviteArgs::decl(),
        RoleChangeArgs::decl(),
        SaveRole::decl(),
        SaveRoleArgs::decl(),
        ExportAccountingArgs::decl(),
        AccountingPart::decl(),
        AccountingFormat::decl(),
        ServicesView::decl(),
        FaqView::decl(),
        FaqEntry::decl(),
        TicketTopic::decl(),
        SupportView::decl(),
        Ticket::decl(),
        TicketStatus::decl(),
        TicketFile::decl(),
        QueuedTicket::decl(),
        QueuedFile::decl(),
        NewTicketArgs::decl(),
        TicketFileArgs::decl(),
        Theme::decl(),
        Language::decl(),
        BankDetails::decl(),
        ProfileChange::decl(),
        ProfileChangeStatus::decl(),
        NewProfileChange::decl(),
        ProfileChangeArgs::decl(),
        CodeSent::decl(),
        CabinetAccess::decl(),
        AccessState::decl(),
        UnblockView::decl(),
        UnblockStatus::decl(),
        LinkArgs::decl(),
        DeactivateArgs::decl(),
        OrgCodeArgs::decl(),
        UnblockArgs::decl(),
        Service::decl(),
        ServiceKind::decl(),
        RequiredDocument::decl(),
        FormField::decl(),
        FieldKind::decl(),
        StatusEvent::decl(),
        Comment::decl(),
        NewComment::decl(),
        CommentArgs::decl(),
        LegalStatus::decl(),
        Licence::decl(),
        Restriction::decl(),
        CourtCase::decl(),
        Registration::decl(),
        RegistrationState::decl(),
        RegistrationForm::decl(),
        RegistrationDocument::decl(),
        RegistrationStep::decl(),
        Refusal::decl(),
        RegistrationCode::decl(),
        RegistrationArgs::decl(),
        RegistrationFormArgs::decl(),
        RegistrationDocumentArgs::decl(),
        SubmitRegistrationArgs::decl(),
        SubmitRegistrationSignedArgs::decl(),
        RecoveryTicket::decl(),
        RecoveryArgs::decl(),
        FinishRecoveryArgs::decl(),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by `cargo xtask bindings`. Do not edit.\n\
         import { invoke } from \"@tauri-apps/api/core\";\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(d.trim());
        out.push_str("\n\n");
    }
    out.push_str("/** The app's commands. A rejected promise carries an `IpcError`. */\nexport const commands = {\n");
    for c in commands() {
        let f = camel(c.name);
        match c.arg {
            Some(arg) => out.push_str(&format!(
                "  {f}: (args: {arg}) => invoke<{ret}>(\"{name}\", {{ args }}),\n",
                ret = c.ret,
                name = c.name
            )),
            None => out.push_str(&format!(
                "  {f}: () => invoke<{ret}>(\"{name}\"),\n",
                ret = c.ret,
                name = c.name
            )),
        }
    }
    out.push_str("};\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_bindings_are_fresh() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(BINDINGS_PATH);
        let fresh = typescript();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).unwrap();
            return;
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == fresh,
            "{} is stale: run `cargo xtask bindings` and commit the result",
            BINDINGS_PATH
        );
    }

    #[test]
    fn every_command_is_granted_through_the_generated_set() {
        // build.rs writes the set from the same list this file reads.
        let set = include_str!("../permissions/app-commands.toml");
        let capability = include_str!("../capabilities/default.json");
        assert!(capability.contains("\"app-commands\""));
        let granted: Vec<&str> = set
            .lines()
            .filter_map(|l| l.trim().strip_prefix("\"allow-"))
            .map(|l| l.trim_end_matches("\","))
            .collect();
        let declared: Vec<String> = commands()
            .iter()
            .map(|c| c.name.replace('_', "-"))
            .collect();
        assert_eq!(granted, declared, "permissions/app-commands.toml is stale");
        // Nothing else of the app is granted one by one.
        assert!(!capability.contains("\"allow-"), "{capability}");
    }
}
