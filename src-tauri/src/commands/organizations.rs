//! Organizations, the profile and its changes, the catalogs.

use super::*;

#[tauri::command]
pub async fn organizations(st: State<'_, Desktop>) -> Res<OrganizationsView> {
    Ok(st.cabinet.organizations().await?)
}

#[tauri::command]
pub async fn open_organization(st: State<'_, Desktop>, args: OrgArgs) -> Res<Dashboard> {
    Ok(st.cabinet.open_organization(&args.org_id).await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct EditProfileArgs {
    pub org_id: String,
    pub edit: ProfileEdit,
}

/// Edits the contacts; queued, shown at once, sent at the next sync.
#[tauri::command]
pub async fn edit_profile(
    st: State<'_, Desktop>,
    args: EditProfileArgs,
) -> Res<OrganizationProfile> {
    Ok(st.cabinet.edit_profile(&args.org_id, args.edit).await?)
}

/// Changes of the bank account and the head asked for, newest first
/// (works offline).
#[tauri::command]
pub async fn profile_changes(
    st: State<'_, Desktop>,
    args: RecordsArgs,
) -> Res<RecordPage<ProfileChange>> {
    Ok(st.cabinet.records(&args.org_id, &args.query).await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct ProfileChangeArgs {
    pub org_id: String,
    pub change: NewProfileChange,
}

/// Asks to change the bank account or the head: queued, sent at the next
/// sync to the portal's operator.
#[tauri::command]
pub async fn request_profile_change(st: State<'_, Desktop>, args: ProfileChangeArgs) -> Res<()> {
    Ok(st
        .cabinet
        .request_profile_change(&args.org_id, args.change)
        .await?)
}

/// The organization's legal status from the cache (works offline).
#[tauri::command]
pub async fn legal_status(
    st: State<'_, Desktop>,
    args: RecordsArgs,
) -> Res<RecordPage<LegalStatus>> {
    Ok(st.cabinet.records(&args.org_id, &args.query).await?)
}

/// An extract from the register, queued; it arrives as a document.
#[tauri::command]
pub async fn request_extract(st: State<'_, Desktop>, args: OrgArgs) -> Res<()> {
    Ok(st.cabinet.request_extract(&args.org_id).await?)
}

/// The services catalog: fresh when the portal answers, the kept copy
/// when not.
#[tauri::command]
pub async fn services(st: State<'_, Desktop>) -> Res<ServicesView> {
    Ok(st.cabinet.services().await?)
}

/// The answers to frequent questions: fresh when the portal answers, the
/// kept copy when not.
#[tauri::command]
pub async fn faq(st: State<'_, Desktop>) -> Res<FaqView> {
    Ok(st.cabinet.faq().await?)
}
