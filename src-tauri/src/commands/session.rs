//! Logging in and out, the lock after inactivity, a forgotten password.

use super::*;

#[derive(Debug, Deserialize, TS)]
pub struct LoginArgs {
    pub login: String,
    pub password: Secret,
}

#[derive(Debug, Deserialize, TS)]
pub struct CodeArgs {
    pub ticket: String,
    pub code: Secret,
}

#[derive(Debug, Deserialize, TS)]
pub struct TicketArgs {
    pub ticket: String,
}

#[derive(Debug, Deserialize, TS)]
pub struct LogoutArgs {
    pub forget_cache: bool,
}

/// The first screen is on the screen (two animation frames after it
/// mounted): logged once per run with the time since the process started,
/// the figure `cargo xtask bench startup` reads.
#[tauri::command]
pub async fn startup_painted(st: State<'_, Desktop>) -> Res<()> {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let ms = crate::started().elapsed().as_millis();
        tracing::info!("first paint after {ms} ms");
        if let Some(app) = st.app.get() {
            crate::tray::install(app);
        }
    });
    Ok(())
}

#[tauri::command]
pub async fn app_info(st: State<'_, Desktop>) -> Res<AppInfo> {
    let mut info = st.info.clone();
    info.lock_seconds = st.lock_seconds.load(std::sync::atomic::Ordering::Relaxed);
    info.theme = st.theme();
    info.language = st.language();
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
pub async fn logout(st: State<'_, Desktop>, args: LogoutArgs) -> Res<()> {
    // The window never discards unsent actions.
    Ok(st.cabinet.logout(args.forget_cache, false).await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct UnlockArgs {
    pub password: Secret,
}

/// Locks the session after inactivity: data calls refuse until unlocked.
#[tauri::command]
pub async fn lock_session(st: State<'_, Desktop>) -> Res<()> {
    Ok(st.cabinet.lock().await?)
}

#[tauri::command]
pub async fn unlock_session(st: State<'_, Desktop>, args: UnlockArgs) -> Res<()> {
    Ok(st.cabinet.unlock(&args.password).await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct RecoveryArgs {
    pub login: String,
}

#[derive(Deserialize, TS)]
pub struct FinishRecoveryArgs {
    pub ticket: String,
    pub code: Secret,
    pub new_password: Secret,
}

impl std::fmt::Debug for FinishRecoveryArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FinishRecoveryArgs").finish_non_exhaustive()
    }
}

/// «Забыли пароль?»: a code to the user's phone.
#[tauri::command]
pub async fn start_recovery(st: State<'_, Desktop>, args: RecoveryArgs) -> Res<RecoveryTicket> {
    Ok(st.cabinet.start_recovery(&args.login).await?)
}

/// The new password, with the code.
#[tauri::command]
pub async fn finish_recovery(st: State<'_, Desktop>, args: FinishRecoveryArgs) -> Res<()> {
    Ok(st
        .cabinet
        .finish_recovery(&args.ticket, &args.code, &args.new_password)
        .await?)
}
