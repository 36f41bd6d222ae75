//! Settings on this computer, the password, the second factor, notification channels.

use super::*;

/// The Settings screen's view of this computer's settings.
#[derive(Debug, serde::Serialize, TS)]
pub struct SettingsView {
    pub local: LocalSettings,
    /// Where they are kept.
    pub config_file: String,
    /// The inactivity lock is fixed for this run (`CABINET_LOCK_SECONDS`).
    pub lock_fixed: bool,
}

pub(crate) fn settings_view(st: &Desktop) -> SettingsView {
    let seconds = st.lock_seconds.load(std::sync::atomic::Ordering::Relaxed);
    SettingsView {
        local: LocalSettings {
            lock_minutes: seconds.div_ceil(60),
            prefetch: st.cabinet.prefetch_policy(),
            theme: st.theme(),
            language: st.language(),
        },
        config_file: st.config_file.display().to_string(),
        lock_fixed: st.lock_from_env,
    }
}

#[tauri::command]
pub async fn settings(st: State<'_, Desktop>) -> Res<SettingsView> {
    Ok(settings_view(&st))
}

#[derive(Debug, Deserialize, TS)]
pub struct SaveSettingsArgs {
    pub settings: LocalSettings,
}

/// Keeps the settings in the config file and applies them at once: the
/// lock's timer, and the prefetch policy from the next sync.
#[tauri::command]
pub async fn save_settings(st: State<'_, Desktop>, args: SaveSettingsArgs) -> Res<SettingsView> {
    let path = st.config_file.clone();
    let settings = args.settings;
    blocking(move || cabinet_core::config::save_local_settings(&path, &settings)).await?;
    if !st.lock_from_env {
        st.lock_seconds.store(
            settings.lock_minutes * 60,
            std::sync::atomic::Ordering::Relaxed,
        );
    }
    st.cabinet.set_prefetch(settings.prefetch).await;
    if let Ok(mut theme) = st.theme.lock() {
        *theme = settings.theme;
    }
    if let Ok(mut language) = st.language.lock() {
        *language = settings.language;
    }
    Ok(settings_view(&st))
}

#[derive(Debug, Deserialize, TS)]
pub struct ChangePasswordArgs {
    pub current_password: Secret,
    pub new_password: Secret,
}

/// A new password for the signed-in user, confirmed by the current one;
/// the user's other sessions end. Neither password is kept anywhere.
#[tauri::command]
pub async fn change_password(st: State<'_, Desktop>, args: ChangePasswordArgs) -> Res<()> {
    Ok(st
        .cabinet
        .change_password(&args.current_password, &args.new_password)
        .await?)
}

/// The user's notification channels: fresh from the portal, the kept copy
/// offline.
#[tauri::command]
pub async fn notification_settings(st: State<'_, Desktop>) -> Res<NotificationSettings> {
    Ok(st.cabinet.notification_settings().await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct NotificationSettingsArgs {
    pub settings: NotificationSettings,
}

/// Saves the channels on the portal (online only).
#[tauri::command]
pub async fn save_notification_settings(
    st: State<'_, Desktop>,
    args: NotificationSettingsArgs,
) -> Res<NotificationSettings> {
    Ok(st
        .cabinet
        .save_notification_settings(&args.settings)
        .await?)
}

/// How the user's password login is confirmed (online).
#[tauri::command]
pub async fn security(st: State<'_, Desktop>) -> Res<Security> {
    Ok(st.cabinet.security().await?)
}

/// An authenticator being set up: the secret to type in, and its
/// `otpauth://` address as a QR code's modules (row by row, `size` wide).
#[derive(Debug, serde::Serialize, TS)]
pub struct TotpSetup {
    pub secret: Secret,
    pub uri: String,
    pub qr_size: u32,
    pub qr_dark: Vec<bool>,
}

#[tauri::command]
pub async fn start_totp(st: State<'_, Desktop>) -> Res<TotpSetup> {
    let e = st.cabinet.start_totp().await?;
    // An address this long always fits a QR code; the portal's answer is
    // a protocol error if it does not.
    let code = qrcode::QrCode::new(e.uri.as_bytes())
        .map_err(|err| CoreError::Protocol(format!("otpauth address as a QR code: {err}")))?;
    Ok(TotpSetup {
        qr_size: u32::try_from(code.width()).unwrap_or(0),
        qr_dark: code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect(),
        secret: e.secret.into(),
        uri: e.uri,
    })
}

#[derive(Debug, Deserialize, TS)]
pub struct TotpCodeArgs {
    pub code: Secret,
}

#[tauri::command]
pub async fn confirm_totp(st: State<'_, Desktop>, args: TotpCodeArgs) -> Res<Security> {
    Ok(st.cabinet.confirm_totp(&args.code).await?)
}

#[derive(Debug, Deserialize, TS)]
pub struct DisableTotpArgs {
    pub current_password: Secret,
}

#[tauri::command]
pub async fn disable_totp(st: State<'_, Desktop>, args: DisableTotpArgs) -> Res<Security> {
    Ok(st.cabinet.disable_totp(&args.current_password).await?)
}

/// What «О программе» shows: the versions the app runs with.
#[derive(Debug, Clone, serde::Serialize, TS)]
pub struct About {
    pub app_version: String,
    pub tauri_version: String,
    /// The window's engine (WebKitGTK here), as it reports itself; empty
    /// when it does not.
    pub webview_version: String,
    pub portal_url: String,
    /// The list of accredited CAs signatures are judged by: its version
    /// and date (RFC 3339); `None` before the first sync brought it.
    pub trust_list_version: Option<u32>,
    pub trust_list_date: Option<String>,
}

#[tauri::command]
pub async fn about(st: State<'_, Desktop>) -> Res<About> {
    // A damaged kept list is the verdicts' business; here it reads as none.
    let trust = st.cabinet.trust_status().ok().filter(|t| t.present);
    Ok(About {
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        tauri_version: tauri::VERSION.to_owned(),
        webview_version: tauri::webview_version().unwrap_or_default(),
        portal_url: st.cabinet.portal_url(),
        trust_list_version: trust.as_ref().and_then(|t| t.version),
        trust_list_date: trust.and_then(|t| t.date),
    })
}
