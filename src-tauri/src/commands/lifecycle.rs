//! Registering, linking, unblocking and deactivating a cabinet.

use super::*;
use cabinet_api::ErrorCode;

#[derive(Debug, Deserialize, TS)]
pub struct LinkArgs {
    pub inn: String,
}

/// Links an existing cabinet by its INN: a code goes to the
/// organization's phone.
#[tauri::command]
pub async fn link_organization(st: State<'_, Desktop>, args: LinkArgs) -> Res<CodeSent> {
    Ok(st.cabinet.link_organization(&args.inn).await?)
}

/// The code from the organization's phone: the cabinet joins the list.
#[tauri::command]
pub async fn confirm_link(st: State<'_, Desktop>, args: CodeArgs) -> Res<OrganizationSummary> {
    Ok(st.cabinet.confirm_link(&args.ticket, &args.code).await?)
}

#[derive(Deserialize, TS)]
pub struct DeactivateArgs {
    pub org_id: String,
    pub current_password: Secret,
}

impl std::fmt::Debug for DeactivateArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeactivateArgs")
            .field("org_id", &self.org_id)
            .finish_non_exhaustive()
    }
}

/// The head asks to deactivate the cabinet: the password, then a code.
#[tauri::command]
pub async fn start_deactivation(st: State<'_, Desktop>, args: DeactivateArgs) -> Res<CodeSent> {
    Ok(st
        .cabinet
        .start_deactivation(&args.org_id, &args.current_password)
        .await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct OrgCodeArgs {
    pub org_id: String,
    pub ticket: String,
    pub code: Secret,
}

/// The code: the cabinet is deactivated for everyone.
#[tauri::command]
pub async fn confirm_deactivation(st: State<'_, Desktop>, args: OrgCodeArgs) -> Res<()> {
    Ok(st
        .cabinet
        .confirm_deactivation(&args.org_id, &args.ticket, &args.code)
        .await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct UnblockArgs {
    pub org_id: String,
    pub text: String,
    pub files: Vec<TicketFileArgs>,
}

/// Asks the portal to lift a suspension or a block, with documents.
#[tauri::command]
pub async fn request_unblock(st: State<'_, Desktop>, args: UnblockArgs) -> Res<UnblockView> {
    let files = decode_files(&args.files)?;
    Ok(st
        .cabinet
        .request_unblock(&args.org_id, &args.text, files)
        .await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct RegistrationArgs {
    pub id: String,
}

#[derive(Debug, Deserialize, TS)]
pub struct RegistrationFormArgs {
    /// Absent: a new registration.
    pub id: Option<String>,
    /// The version the form was edited at (`id` given).
    #[ts(type = "number | null")]
    pub version: Option<i64>,
    pub form: RegistrationForm,
}

#[derive(Deserialize, TS)]
pub struct RegistrationDocumentArgs {
    pub id: String,
    /// `charter` or `founding_decision`.
    pub kind: String,
    pub name: String,
    /// Base64.
    pub content: String,
}

impl std::fmt::Debug for RegistrationDocumentArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationDocumentArgs")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize, TS)]
pub struct SubmitRegistrationArgs {
    pub id: String,
    pub code: Secret,
}

/// The user's registrations of new cabinets, newest first (online only).
#[tauri::command]
pub async fn registrations(st: State<'_, Desktop>) -> Res<Vec<Registration>> {
    Ok(st.cabinet.registrations().await?)
}

/// Starts a registration, or changes the form of one still editable.
#[tauri::command]
pub async fn save_registration(
    st: State<'_, Desktop>,
    args: RegistrationFormArgs,
) -> Res<Registration> {
    Ok(match (args.id, args.version) {
        (Some(id), Some(version)) => {
            st.cabinet
                .edit_registration(&id, version, args.form)
                .await?
        }
        (None, _) => st.cabinet.start_registration(args.form).await?,
        (Some(_), None) => return Err(CoreError::Invalid(ErrorCode::InputVersion).into()),
    })
}

#[tauri::command]
pub async fn upload_registration_document(
    st: State<'_, Desktop>,
    args: RegistrationDocumentArgs,
) -> Res<Registration> {
    let bytes = decode_file(&args.name, &args.content)?;
    Ok(st
        .cabinet
        .upload_registration_document(&args.id, &args.kind, &args.name, bytes)
        .await?)
}

#[tauri::command]
pub async fn send_registration_code(
    st: State<'_, Desktop>,
    args: RegistrationArgs,
) -> Res<RegistrationCode> {
    Ok(st.cabinet.send_registration_code(&args.id).await?)
}

#[tauri::command]
pub async fn submit_registration(
    st: State<'_, Desktop>,
    args: SubmitRegistrationArgs,
) -> Res<Registration> {
    Ok(st.cabinet.submit_registration(&args.id, &args.code).await?)
}

#[derive(Deserialize, TS)]
pub struct SubmitRegistrationSignedArgs {
    pub id: String,
    /// Which of «my certificates» signs: the head's.
    pub sha256: String,
    /// The .pfx password or the token PIN.
    pub secret: Secret,
}

impl std::fmt::Debug for SubmitRegistrationSignedArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubmitRegistrationSignedArgs")
            .field("id", &self.id)
            .field("sha256", &self.sha256)
            .finish_non_exhaustive()
    }
}

/// Sends the registration confirmed by the head's qualified signature of
/// its statement instead of a code.
#[tauri::command]
pub async fn submit_registration_signed(
    st: State<'_, Desktop>,
    args: SubmitRegistrationSignedArgs,
) -> Res<Registration> {
    let SubmitRegistrationSignedArgs { id, sha256, secret } = args;
    let key = open_mine(&st, &sha256, secret).await?;
    Ok(st
        .cabinet
        .submit_registration_signed(&id, key.as_ref())
        .await?)
}
