//! Every command the window may call, declared once: the module of
//! `commands` it lives in, its name, its argument, what it streams while it
//! runs (`streams T`: a `tauri::ipc::Channel<T>` argument named `progress`)
//! and its answer.
//!
//! `with_commands!(m)` hands the list to the macro `m`: the invoke handler
//! (`lib.rs`) and the TypeScript bindings with their signature check
//! (`bindings.rs`) are made from it, and `build.rs` reads the names from
//! this file for the ACL (the `app-commands` permission set the capability
//! grants). Adding a command: its function in `commands/`, and one line
//! here.

macro_rules! with_commands {
    ($m:ident) => {
        $m! {
            session::app_info() -> AppInfo;
            session::startup_painted() -> ();
            session::resume_session() -> Option<SessionView>;
            session::login_password(LoginArgs) -> LoginStep;
            session::submit_code(CodeArgs) -> SessionView;
            session::demo_sms(TicketArgs) -> DemoSms;
            organizations::organizations() -> OrganizationsView;
            organizations::open_organization(OrgArgs) -> Dashboard;
            session::logout(LogoutArgs) -> ();
            keys::demo_certificates() -> Option<Vec<DemoCertificateFile>>;
            keys::open_pfx(PfxArgs) -> CertificateView;
            keys::token_certificates(TokenArgs) -> TokenListing;
            keys::open_token(TokenLoginArgs) -> CertificateView;
            keys::key_containers(ContainersArgs) -> ContainerListing;
            keys::open_container(ContainerLoginArgs) -> CertificateView;
            keys::add_container_certificate(ContainerArgs) -> MyCertificate;
            keys::login_certificate() -> SessionView;
            keys::forget_key() -> ();
            keys::my_certificates() -> Vec<MyCertificate>;
            keys::add_pfx_certificate(PfxArgs) -> MyCertificate;
            keys::remove_certificate(CertificateArgs) -> ();
            signing::sign_files(SignFilesArgs, streams SignProgress) -> Vec<SignedFile>;
            signing::verify_file(VerifyArgs) -> Vec<SignatureCheck>;
            signing::trust_status() -> TrustStatus;
            signing::own_roots() -> Vec<CertificateView>;
            signing::add_own_root(OwnRootArgs) -> CertificateView;
            signing::remove_own_root(CertificateArgs) -> ();
            signing::save_signed_content(SaveSignedArgs) -> u32;
            syncing::sync_org(OrgArgs, streams SyncProgress) -> SyncReport;
            applications::application_page(ApplicationPageArgs) -> ApplicationPage;
            settings::settings() -> SettingsView;
            settings::about() -> About;
            settings::security() -> Security;
            settings::start_totp() -> TotpSetup;
            settings::confirm_totp(TotpCodeArgs) -> Security;
            settings::disable_totp(DisableTotpArgs) -> Security;
            settings::notification_settings() -> NotificationSettings;
            settings::save_notification_settings(NotificationSettingsArgs) -> NotificationSettings;
            settings::save_settings(SaveSettingsArgs) -> SettingsView;
            settings::change_password(ChangePasswordArgs) -> ();
            applications::export_applications(ExportApplicationsArgs) -> u32;
            syncing::outbox(OrgArgs) -> Vec<OutboxItem>;
            syncing::retry_action(ActionArgs) -> ();
            syncing::discard_action(ActionArgs) -> ();
            applications::create_application(NewApplicationArgs) -> Application;
            applications::submit_application(ActionArgs) -> ();
            documents::documents(DocumentsArgs) -> DocumentList;
            documents::sign_document(SignDocumentArgs) -> ();
            documents::verify_document(DocumentArgs) -> Vec<SignatureCheck>;
            documents::save_verification_protocol(ProtocolArgs) -> u32;
            syncing::sync_status(OrgArgs) -> SyncStatus;
            organizations::edit_profile(EditProfileArgs) -> OrganizationProfile;
            syncing::conflicts(OrgArgs) -> Vec<Conflict>;
            syncing::resolve_conflict(ResolveConflictArgs) -> ();
            session::lock_session() -> ();
            session::unlock_session(UnlockArgs) -> ();
            records::requirements(RecordsArgs) -> RecordPage<Requirement>;
            records::notifications(RecordsArgs) -> RecordPage<Notification>;
            records::permissions(OrgArgs) -> Vec<Permission>;
            records::accept_requirement(RecordArgs) -> ();
            records::answer_requirement(AnswerArgs) -> ();
            records::mark_read(RecordArgs) -> ();
            records::charges(RecordsArgs) -> RecordPage<Charge>;
            records::payments(RecordsArgs) -> RecordPage<Payment>;
            records::pay_charge(PayArgs) -> ();
            documents::document_content(DocumentArgs) -> DocumentContent;
            staff::employees(RecordsArgs) -> RecordPage<Employee>;
            staff::roles(RecordsArgs) -> RecordPage<Role>;
            staff::audit_log(RecordsArgs) -> RecordPage<AuditEntry>;
            staff::invite_employee(InviteArgs) -> ();
            staff::change_employee_role(RoleChangeArgs) -> ();
            staff::remove_employee(RecordArgs) -> ();
            staff::save_role(SaveRoleArgs) -> ();
            records::export_accounting(ExportAccountingArgs) -> u32;
            organizations::services() -> ServicesView;
            organizations::faq() -> FaqView;
            support::support(OrgArgs) -> SupportView;
            support::file_ticket(NewTicketArgs) -> String;
            lifecycle::link_organization(LinkArgs) -> CodeSent;
            lifecycle::confirm_link(CodeArgs) -> OrganizationSummary;
            lifecycle::start_deactivation(DeactivateArgs) -> CodeSent;
            lifecycle::confirm_deactivation(OrgCodeArgs) -> ();
            lifecycle::request_unblock(UnblockArgs) -> UnblockView;
            organizations::profile_changes(RecordsArgs) -> RecordPage<ProfileChange>;
            organizations::request_profile_change(ProfileChangeArgs) -> ();
            applications::application_history(RecordsArgs) -> RecordPage<StatusEvent>;
            applications::comments(RecordsArgs) -> RecordPage<Comment>;
            applications::add_comment(CommentArgs) -> ();
            organizations::legal_status(RecordsArgs) -> RecordPage<LegalStatus>;
            organizations::request_extract(OrgArgs) -> ();
            applications::draft_files(RecordArgs) -> DraftFiles;
            applications::attach_file(AttachArgs) -> DraftFiles;
            applications::detach_file(DetachArgs) -> DraftFiles;
            applications::sign_draft(SignDraftArgs) -> u32;
            records::export_audit(ExportAuditArgs) -> u32;
            lifecycle::registrations() -> Vec<Registration>;
            lifecycle::save_registration(RegistrationFormArgs) -> Registration;
            lifecycle::upload_registration_document(RegistrationDocumentArgs) -> Registration;
            lifecycle::send_registration_code(RegistrationArgs) -> RegistrationCode;
            lifecycle::submit_registration(SubmitRegistrationArgs) -> Registration;
            lifecycle::submit_registration_signed(SubmitRegistrationSignedArgs) -> Registration;
            session::start_recovery(RecoveryArgs) -> RecoveryTicket;
            session::finish_recovery(FinishRecoveryArgs) -> ();
        }
    };
}

pub(crate) use with_commands;
