//! A window that shows «Hello, world» and says on stderr when it is on
//! screen: what `cargo xtask bench startup` compares the app with.

use std::sync::OnceLock;
use std::time::Instant;

static STARTED: OnceLock<Instant> = OnceLock::new();

/// The page's first frame is painted; the same line as the app's.
#[tauri::command]
fn painted() {
    let ms = STARTED.get().map_or(0, |t| t.elapsed().as_millis());
    eprintln!("first paint after {ms} ms");
}

fn main() {
    STARTED.get_or_init(Instant::now);
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![painted])
        .run(tauri::generate_context!())
        .expect("the window system");
}
