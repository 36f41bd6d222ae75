//! OrgCabinet desktop: the Tauri shell around `cabinet-core`.
//!
//! Thin by design: it parses the command line, starts the built-in demo
//! portal when no portal is configured, and maps each UI command to one core
//! call. No SQL, no HTTP, no crypto here.

mod announce;
pub mod bindings;
mod command_list;
mod commands;

/// The invoke handler of every command in [`command_list`].
macro_rules! invoke_handler {
    ($( $module:ident :: $name:ident ( $($arg:ty)? $(, streams $event:ty)? ) -> $ret:ty ; )*) => {
        tauri::generate_handler![$(commands::$module::$name),*]
    };
}
mod demo;
pub mod ipc;
mod tray;

use std::path::PathBuf;

use cabinet_core::secrets::Keychain;
use cabinet_core::view::AppInfo;
use cabinet_core::{Cabinet, CabinetConfig, PortalSource};
use clap::Parser;

/// Command line of the app. Everything is optional.
#[derive(Debug, Parser)]
#[command(
    name = "cabinet-desktop",
    version,
    about = "OrgCabinet — личный кабинет организации"
)]
pub struct Args {
    /// Portal base URL (overrides CABINET_PORTAL_URL and the config file).
    #[arg(long, value_name = "URL")]
    pub portal: Option<String>,
    /// Directory for the offline cache and the demo portal (default: XDG data dir).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// What every command can reach.
pub struct Desktop {
    pub cabinet: Cabinet,
    pub info: AppInfo,
    /// The key opened for certificate login (a .pfx in memory or a token
    /// session), between "show the certificate" and "log in". Dropped
    /// (zeroized, logged out) right after the login or on a new choice.
    pub pending_key: std::sync::Mutex<Option<commands::PendingKey>>,
    /// For desktop notifications and the tray; set once the app runs.
    pub app: std::sync::OnceLock<tauri::AppHandle>,
    /// The tray icon, when the desktop has a tray (made once the window
    /// has painted: `tray::install`).
    pub tray: std::sync::OnceLock<tauri::tray::TrayIcon>,
    /// The unread notifications the tray shows, kept for a tray made later.
    pub unread: std::sync::atomic::AtomicU32,
    /// The inactivity lock in force (Settings changes it).
    pub lock_seconds: std::sync::atomic::AtomicU32,
    /// `CABINET_LOCK_SECONDS` fixed the lock for this run.
    pub lock_from_env: bool,
    /// The config file the Settings screen writes.
    pub config_file: std::path::PathBuf,
    /// How the window looks (Settings changes it).
    pub theme: std::sync::Mutex<cabinet_core::config::Theme>,
    /// The window's language (Settings changes it; the window reloads).
    pub language: std::sync::Mutex<cabinet_core::config::Language>,
    /// Keeps the embedded demo portal running for the app's lifetime.
    _demo: Option<cabinet_portal::RunningPortal>,
}

impl Desktop {
    /// How the window looks now.
    pub fn theme(&self) -> cabinet_core::config::Theme {
        self.theme.lock().map(|t| *t).unwrap_or_default()
    }

    /// The window's language now.
    pub fn language(&self) -> cabinet_core::config::Language {
        self.language.lock().map(|l| *l).unwrap_or_default()
    }
}

/// WebKitGTK draws a blank window when its DMA-BUF renderer has no GPU to
/// talk to (Xvfb, VMs, remote X). Without a render node, switch it off —
/// unless the user already decided.
fn prefer_software_rendering() {
    const VAR: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";
    if std::env::var_os(VAR).is_some() {
        return;
    }
    let has_render_node = std::fs::read_dir("/dev/dri")
        .map(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false);
    if !has_render_node {
        // Set before any thread starts: WebKit reads it at start-up.
        std::env::set_var(VAR, "1");
        tracing::info!("no GPU render node: set {VAR}=1 so WebKitGTK does not draw a blank window");
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CABINET_LOG")
        .unwrap_or_else(|_| "info,tower_http=warn,tao=warn,wry=warn".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// When the process started (the first thing `run` does).
pub(crate) fn started() -> std::time::Instant {
    static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    *STARTED.get_or_init(std::time::Instant::now)
}

pub fn run() {
    started();
    init_logging();
    prefer_software_rendering();
    let args = Args::parse();
    let desktop = match setup(&args) {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            eprintln!("OrgCabinet: не удалось запустить приложение: {e}");
            std::process::exit(2);
        }
    };
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .manage(desktop)
        .setup(|app| {
            use tauri::Manager;
            let _ = app.state::<Desktop>().app.set(app.handle().clone());
            // The tray icon waits for the window's first paint
            // (`startup_painted`), or two seconds when the first screen is
            // not the login: made here, before the event loop runs, it
            // held the first paint back by about 30 ms.
            let handle = app.handle().clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_secs(2));
                tray::install(&handle);
            });
            Ok(())
        })
        .invoke_handler(command_list::with_commands!(invoke_handler))
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(e) = result {
        tracing::error!(error = %e, "window system failed");
        std::process::exit(1);
    }
}

fn setup(args: &Args) -> Result<Desktop, String> {
    let config = CabinetConfig::resolve(args.portal.as_deref(), args.data_dir.as_deref())
        .map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("data dir {}: {e}", config.data_dir.display()))?;
    let (url, demo) = match (&config.portal_url, &config.portal_source) {
        (Some(url), source) => {
            tracing::info!(portal = %url, ?source, "portal configured");
            (url.clone(), None)
        }
        (None, _) => {
            let portal = tauri::async_runtime::block_on(demo::start(&config.data_dir))?;
            let url = portal
                .url()
                .parse()
                .map_err(|e| format!("demo portal URL: {e}"))?;
            (url, Some(portal))
        }
    };
    let cabinet = Cabinet::new(url, &config.data_dir, Keychain::detect())
        .map_err(|e| e.to_string())?
        .with_cache_encryption(config.encrypt_cache)
        .with_prefetch(config.prefetch);
    let info = AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        portal_url: cabinet.portal_url(),
        embedded_demo: config.portal_source == PortalSource::Demo,
        demo: None,
        lock_seconds: config.lock_seconds,
        theme: config.theme,
        language: config.language,
    };
    Ok(Desktop {
        cabinet,
        info,
        pending_key: std::sync::Mutex::new(None),
        app: std::sync::OnceLock::new(),
        tray: std::sync::OnceLock::new(),
        unread: std::sync::atomic::AtomicU32::new(0),
        lock_seconds: std::sync::atomic::AtomicU32::new(config.lock_seconds),
        lock_from_env: config.lock_from_env,
        config_file: config.config_file.clone(),
        theme: std::sync::Mutex::new(config.theme),
        language: std::sync::Mutex::new(config.language),
        _demo: demo,
    })
}
