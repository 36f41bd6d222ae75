// tauri.conf.json lives at the repository root (paths inside it resolve from
// there); the app's commands are declared so that capabilities can grant them.
fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_info",
        "resume_session",
        "login_password",
        "submit_code",
        "demo_sms",
        "organizations",
        "open_organization",
        "logout",
        "demo_certificates",
        "open_pfx",
        "token_certificates",
        "open_token",
        "login_certificate",
        "forget_key",
        "my_certificates",
        "add_pfx_certificate",
        "remove_certificate",
        "sign_files",
        "verify_file",
        "sync_org",
        "applications",
        "outbox",
        "retry_action",
        "discard_action",
        "create_application",
        "submit_application",
        "documents",
        "sign_document",
        "verify_document",
        "sync_status",
        "edit_profile",
        "conflicts",
        "resolve_conflict",
        "lock_session",
        "unlock_session",
        "requirements",
        "notifications",
        "permissions",
        "accept_requirement",
        "answer_requirement",
        "mark_read",
        "charges",
        "payments",
        "pay_charge",
        "document_content",
        "employees",
        "roles",
        "audit_log",
        "invite_employee",
        "change_employee_role",
        "remove_employee",
        "save_role",
    ]);
    let attrs = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(manifest);
    if let Err(e) = tauri_build::try_build(attrs) {
        panic!("tauri-build: {e:#}");
    }
}
