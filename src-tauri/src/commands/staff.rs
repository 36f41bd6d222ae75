//! Employees, roles, the audit log.

use super::*;

/// The organization's employees and invitations (works offline).
#[tauri::command]
pub async fn employees(st: State<'_, Desktop>, args: RecordsArgs) -> Res<RecordPage<Employee>> {
    Ok(st.cabinet.records(&args.org_id, &args.query).await?)
}

/// The organization's roles with their permissions (works offline).
#[tauri::command]
pub async fn roles(st: State<'_, Desktop>, args: RecordsArgs) -> Res<RecordPage<Role>> {
    Ok(st.cabinet.roles(&args.org_id, &args.query).await?)
}

/// The audit log (synced only to roles allowed to view it).
#[tauri::command]
pub async fn audit_log(st: State<'_, Desktop>, args: RecordsArgs) -> Res<RecordPage<AuditEntry>> {
    Ok(st.cabinet.records(&args.org_id, &args.query).await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct InviteArgs {
    pub org_id: String,
    pub invite: InviteEmployee,
}

/// Access for a person by e-mail, queued (works offline).
#[tauri::command]
pub async fn invite_employee(st: State<'_, Desktop>, args: InviteArgs) -> Res<()> {
    Ok(st
        .cabinet
        .invite_employee(&args.org_id, args.invite)
        .await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct RoleChangeArgs {
    pub org_id: String,
    pub id: String,
    pub role: String,
}

/// Another role for an employee, queued (works offline).
#[tauri::command]
pub async fn change_employee_role(st: State<'_, Desktop>, args: RoleChangeArgs) -> Res<()> {
    Ok(st
        .cabinet
        .change_employee_role(&args.org_id, &args.id, &args.role)
        .await?)
}

/// An employee's access removed, queued (works offline).
#[tauri::command]
pub async fn remove_employee(st: State<'_, Desktop>, args: RecordArgs) -> Res<()> {
    Ok(st.cabinet.remove_employee(&args.org_id, &args.id).await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct SaveRoleArgs {
    pub org_id: String,
    /// The custom role to change; none: a new role.
    pub existing: Option<String>,
    pub role: SaveRole,
}

/// A custom role made or changed, queued (works offline).
#[tauri::command]
pub async fn save_role(st: State<'_, Desktop>, args: SaveRoleArgs) -> Res<()> {
    Ok(st
        .cabinet
        .save_role(&args.org_id, args.existing.as_deref(), args.role)
        .await?)
}
