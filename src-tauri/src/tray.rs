//! The tray icon: always there while the app runs, with a menu (open the
//! window, quit) and the organization's unread notifications next to it
//! (the panel label on Linux, the tooltip elsewhere), updated after each
//! sync and each notification read.

use tauri::menu::{Menu, MenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager};

/// The tray's words, per language.
pub struct Texts {
    pub open: &'static str,
    pub quit: &'static str,
    pub idle: &'static str,
    pub unread: fn(u32) -> String,
}

pub const RU: Texts = Texts {
    open: "Открыть OrgCabinet",
    quit: "Выйти",
    idle: "OrgCabinet",
    unread: |n| format!("OrgCabinet — непрочитанных уведомлений: {n}"),
};

/// Makes the tray icon once, on the main thread, showing the unread count
/// known by then; a desktop without a tray only loses the icon.
pub fn install(app: &AppHandle) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    let handle = app.clone();
    let posted = app.run_on_main_thread(move || {
        ONCE.call_once(|| {
            let st = handle.state::<crate::Desktop>();
            if let Some(t) = create(&handle) {
                // Set before the count is read: a sync that stores a newer
                // count after this read finds the icon and shows it.
                let _ = st.tray.set(t);
                if let Some(t) = st.tray.get() {
                    show_unread(t, st.unread.load(std::sync::atomic::Ordering::SeqCst));
                }
            }
        });
    });
    posted.unwrap_or_else(log);
}

fn create(app: &AppHandle) -> Option<TrayIcon> {
    let built = (|| -> tauri::Result<TrayIcon> {
        let open = MenuItem::with_id(app, "open", RU.open, true, None::<&str>)?;
        let quit = MenuItem::with_id(app, "quit", RU.quit, true, None::<&str>)?;
        let menu = Menu::with_items(app, &[&open, &quit])?;
        let mut tray = TrayIconBuilder::with_id("main")
            .menu(&menu)
            .tooltip(RU.idle)
            .on_menu_event(|app, event| match event.id().as_ref() {
                "open" => {
                    if let Some(w) = app.get_webview_window("main") {
                        let _ = w.unminimize();
                        let _ = w.show();
                        let _ = w.set_focus();
                    }
                }
                "quit" => app.exit(0),
                _ => {}
            });
        if let Some(icon) = app.default_window_icon() {
            tray = tray.icon(icon.clone());
        }
        tray.build(app)
    })();
    match built {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::warn!(error = %e, "no tray icon");
            None
        }
    }
}

/// Shows `unread` by the icon: the number as the panel label (empty at
/// zero) and a sentence as the tooltip.
pub fn show_unread(tray: &TrayIcon, unread: u32) {
    let label = (unread > 0).then(|| unread.to_string());
    tray.set_title(label.as_deref()).unwrap_or_else(log);
    let tip = if unread > 0 {
        (RU.unread)(unread)
    } else {
        RU.idle.to_owned()
    };
    tray.set_tooltip(Some(tip)).unwrap_or_else(log);
}

fn log(e: tauri::Error) {
    tracing::warn!(error = %e, "tray icon not updated");
}
