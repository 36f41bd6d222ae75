//! UI commands: each maps to one core call. Declared in build.rs and granted
//! in capabilities/default.json; typed for the UI in `bindings`.

use cabinet_api::DemoSms;
use cabinet_core::view::{AppInfo, Dashboard, LoginStep, OrganizationsView, SessionView};
use serde::Deserialize;
use tauri::State;
use ts_rs::TS;

use crate::ipc::IpcError;
use crate::Desktop;

type Res<T> = Result<T, IpcError>;

#[derive(Debug, Deserialize, TS)]
pub struct LoginArgs {
    pub login: String,
    pub password: String,
}

#[derive(Debug, Deserialize, TS)]
pub struct CodeArgs {
    pub ticket: String,
    pub code: String,
}

#[derive(Debug, Deserialize, TS)]
pub struct TicketArgs {
    pub ticket: String,
}

#[derive(Debug, Deserialize, TS)]
pub struct OrgArgs {
    pub org_id: String,
}

#[derive(Debug, Deserialize, TS)]
pub struct LogoutArgs {
    pub forget_cache: bool,
}

#[tauri::command]
pub async fn app_info(st: State<'_, Desktop>) -> Res<AppInfo> {
    let mut info = st.info.clone();
    info.demo = st.cabinet.demo_info().await;
    Ok(info)
}

#[tauri::command]
pub async fn resume_session(st: State<'_, Desktop>) -> Res<Option<SessionView>> {
    Ok(st.cabinet.resume().await?)
}

#[tauri::command]
pub async fn login_password(st: State<'_, Desktop>, args: LoginArgs) -> Res<LoginStep> {
    Ok(st
        .cabinet
        .login_password(&args.login, &args.password)
        .await?)
}

#[tauri::command]
pub async fn submit_code(st: State<'_, Desktop>, args: CodeArgs) -> Res<SessionView> {
    Ok(st.cabinet.submit_code(&args.ticket, &args.code).await?)
}

#[tauri::command]
pub async fn demo_sms(st: State<'_, Desktop>, args: TicketArgs) -> Res<DemoSms> {
    Ok(st.cabinet.demo_sms(&args.ticket).await?)
}

#[tauri::command]
pub async fn organizations(st: State<'_, Desktop>) -> Res<OrganizationsView> {
    Ok(st.cabinet.organizations().await?)
}

#[tauri::command]
pub async fn open_organization(st: State<'_, Desktop>, args: OrgArgs) -> Res<Dashboard> {
    Ok(st.cabinet.open_organization(&args.org_id).await?)
}

#[tauri::command]
pub async fn logout(st: State<'_, Desktop>, args: LogoutArgs) -> Res<()> {
    Ok(st.cabinet.logout(args.forget_cache).await?)
}
