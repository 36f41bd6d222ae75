//! The app's own files are the user's alone: the data directory and every
//! folder under it 0700, the cache and blob files 0600 — on creation, and
//! fixed when an older version left them readable by others.

use std::path::Path;

use crate::CoreError;

fn failed(path: &Path, e: std::io::Error) -> CoreError {
    CoreError::Store(format!("{}: {e}", path.display()))
}

/// Creates `path` (and its parents) if missing and makes it 0700.
pub fn dir(path: &Path) -> Result<(), CoreError> {
    std::fs::create_dir_all(path).map_err(|e| failed(path, e))?;
    set_mode(path, 0o700)
}

/// Makes an existing file 0600 (a missing one is left alone).
pub fn file(path: &Path) -> Result<(), CoreError> {
    match std::fs::metadata(path) {
        Ok(_) => set_mode(path, 0o600),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(failed(path, e)),
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<(), CoreError> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path).map_err(|e| failed(path, e))?;
    if current.permissions().mode() & 0o777 != mode {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| failed(path, e))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> Result<(), CoreError> {
    Ok(())
}
