//! `cargo xtask bench startup`: the window's start-up next to a hello-world
//! Tauri window (`xtask/hello-window`, the same tauri version and features),
//! then its memory with a large cache. Both are examples of the end-to-end
//! crate (`tests/examples/startup_bench.rs`, `big_cache_memory.rs`), which
//! has the WebDriver harness and the process-tree helpers; this builds what
//! they start and runs them.

use anyhow::Result;

use crate::{cargo, run, step};

pub fn startup() -> Result<()> {
    crate::setup(true)?;
    crate::build_ui()?;
    step("release builds: the app, the hello window, the portal");
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "cabinet-desktop",
        "-p",
        "hello-window",
        "-p",
        "cabinet-portal",
    ]))?;
    for (title, example) in [
        (
            "start-up: time to the window and to its first paint, tree PSS",
            "startup_bench",
        ),
        (
            "memory with a large cache: 200,000 records synced and scrolled",
            "big_cache_memory",
        ),
    ] {
        step(title);
        run(cargo()
            .args([
                "run",
                "--release",
                "-p",
                "cabinet-e2e",
                "--example",
                example,
            ])
            .env("CABINET_KEYCHAIN", "keyutils"))?;
    }
    Ok(())
}
