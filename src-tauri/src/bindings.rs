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
    ($( $name:ident ( $($arg:ty)? ) -> $ret:ty ; )*) => {
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
                    crate::commands::$name(st.clone() $(, any::<$arg>())?).await;
            }; )*
        }
    };
    (@arg $arg:ty) => { Some(<$arg as TS>::name()) };
    (@arg) => { None };
}

commands! {
    app_info() -> AppInfo;
    resume_session() -> Option<SessionView>;
    login_password(LoginArgs) -> LoginStep;
    submit_code(CodeArgs) -> SessionView;
    demo_sms(TicketArgs) -> DemoSms;
    organizations() -> OrganizationsView;
    open_organization(OrgArgs) -> Dashboard;
    logout(LogoutArgs) -> ();
    demo_certificates() -> Option<Vec<DemoCertificateFile>>;
    open_pfx(PfxArgs) -> CertificateView;
    token_certificates(TokenArgs) -> TokenListing;
    open_token(TokenLoginArgs) -> CertificateView;
    key_containers(ContainersArgs) -> ContainerListing;
    open_container(ContainerLoginArgs) -> CertificateView;
    add_container_certificate(ContainerArgs) -> MyCertificate;
    login_certificate() -> SessionView;
    forget_key() -> ();
    my_certificates() -> Vec<MyCertificate>;
    add_pfx_certificate(PfxArgs) -> MyCertificate;
    remove_certificate(CertificateArgs) -> ();
    sign_files(SignFilesArgs) -> Vec<SignedFile>;
    verify_file(VerifyArgs) -> Vec<SignerView>;
    save_signed_content(SaveSignedArgs) -> u32;
    sync_org(OrgArgs) -> SyncReport;
    application_page(ApplicationPageArgs) -> ApplicationPage;
    settings() -> SettingsView;
    security() -> Security;
    start_totp() -> TotpSetup;
    confirm_totp(TotpCodeArgs) -> Security;
    disable_totp(DisableTotpArgs) -> Security;
    notification_settings() -> NotificationSettings;
    save_notification_settings(NotificationSettingsArgs) -> NotificationSettings;
    save_settings(SaveSettingsArgs) -> SettingsView;
    change_password(ChangePasswordArgs) -> ();
    export_applications(ExportApplicationsArgs) -> u32;
    outbox(OrgArgs) -> Vec<OutboxItem>;
    retry_action(ActionArgs) -> ();
    discard_action(ActionArgs) -> ();
    create_application(NewApplicationArgs) -> Application;
    submit_application(ActionArgs) -> ();
    documents(OrgArgs) -> Vec<DocumentView>;
    sign_document(SignDocumentArgs) -> ();
    verify_document(DocumentArgs) -> Vec<SignerView>;
    sync_status(OrgArgs) -> SyncStatus;
    edit_profile(EditProfileArgs) -> OrganizationProfile;
    conflicts(OrgArgs) -> Vec<Conflict>;
    resolve_conflict(ResolveConflictArgs) -> ();
    lock_session() -> ();
    unlock_session(UnlockArgs) -> ();
    requirements(RecordsArgs) -> RecordPage<Requirement>;
    notifications(RecordsArgs) -> RecordPage<Notification>;
    permissions(OrgArgs) -> Vec<Permission>;
    accept_requirement(RecordArgs) -> ();
    answer_requirement(AnswerArgs) -> ();
    mark_read(RecordArgs) -> ();
    charges(RecordsArgs) -> RecordPage<Charge>;
    payments(RecordsArgs) -> RecordPage<Payment>;
    pay_charge(PayArgs) -> ();
    document_content(DocumentArgs) -> DocumentContent;
    employees(RecordsArgs) -> RecordPage<Employee>;
    roles(RecordsArgs) -> RecordPage<Role>;
    audit_log(RecordsArgs) -> RecordPage<AuditEntry>;
    invite_employee(InviteArgs) -> ();
    change_employee_role(RoleChangeArgs) -> ();
    remove_employee(RecordArgs) -> ();
    save_role(SaveRoleArgs) -> ();
    export_accounting(ExportAccountingArgs) -> u32;
    services() -> ServicesView;
    faq() -> FaqView;
    support(OrgArgs) -> SupportView;
    file_ticket(NewTicketArgs) -> String;
    link_organization(LinkArgs) -> CodeSent;
    confirm_link(CodeArgs) -> OrganizationSummary;
    start_deactivation(DeactivateArgs) -> CodeSent;
    confirm_deactivation(OrgCodeArgs) -> ();
    request_unblock(UnblockArgs) -> UnblockView;
    profile_changes(RecordsArgs) -> RecordPage<ProfileChange>;
    request_profile_change(ProfileChangeArgs) -> ();
    application_history(RecordsArgs) -> RecordPage<StatusEvent>;
    comments(RecordsArgs) -> RecordPage<Comment>;
    add_comment(CommentArgs) -> ();
    legal_status(RecordsArgs) -> RecordPage<LegalStatus>;
    request_extract(OrgArgs) -> ();
    draft_files(RecordArgs) -> DraftFiles;
    attach_file(AttachArgs) -> DraftFiles;
    detach_file(DetachArgs) -> DraftFiles;
    sign_draft(SignDraftArgs) -> u32;
    export_audit(ExportAuditArgs) -> u32;
    registrations() -> Vec<Registration>;
    save_registration(RegistrationFormArgs) -> Registration;
    upload_registration_document(RegistrationDocumentArgs) -> Registration;
    send_registration_code(RegistrationArgs) -> RegistrationCode;
    submit_registration(SubmitRegistrationArgs) -> Registration;
    submit_registration_signed(SubmitRegistrationSignedArgs) -> Registration;
    start_recovery(RecoveryArgs) -> RecoveryTicket;
    finish_recovery(FinishRecoveryArgs) -> ();
}

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
    fn every_command_is_declared_for_the_acl() {
        let build_rs = include_str!("../build.rs");
        let capability = include_str!("../capabilities/default.json");
        for c in commands() {
            assert!(
                build_rs.contains(&format!("\"{}\"", c.name)),
                "{} missing in build.rs",
                c.name
            );
            let permission = format!("\"allow-{}\"", c.name.replace('_', "-"));
            assert!(
                capability.contains(&permission),
                "{permission} missing in the capability"
            );
        }
    }
}
