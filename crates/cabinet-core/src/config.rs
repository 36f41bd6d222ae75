//! Where the portal is and where local data lives.
//!
//! The portal URL comes, in this order, from the command-line flag
//! `--portal URL`, the environment variable `CABINET_PORTAL_URL`, or
//! `portal_url = "…"` in `$XDG_CONFIG_HOME/orgcabinet/config.toml`
//! (`~/.config/orgcabinet/config.toml`). With none of them the app runs the
//! built-in demo portal. The data directory is `--data-dir`,
//! `CABINET_DATA_DIR`, or `$XDG_DATA_HOME/orgcabinet`.

use std::path::{Path, PathBuf};

use crate::CoreError;

pub const PORTAL_ENV: &str = "CABINET_PORTAL_URL";
pub const DATA_DIR_ENV: &str = "CABINET_DATA_DIR";
pub const CONFIG_ENV: &str = "CABINET_CONFIG";

/// Where the portal URL came from; shown in the UI and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalSource {
    Flag,
    Env,
    ConfigFile(PathBuf),
    /// Nothing configured: the built-in demo portal.
    Demo,
}

#[derive(Debug, Clone)]
pub struct CabinetConfig {
    pub portal_url: Option<url::Url>,
    pub portal_source: PortalSource,
    pub data_dir: PathBuf,
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn xdg(var: &str, fallback: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| home().join(fallback))
}

pub fn default_config_file() -> PathBuf {
    std::env::var_os(CONFIG_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            xdg("XDG_CONFIG_HOME", ".config")
                .join("orgcabinet")
                .join("config.toml")
        })
}

pub fn default_data_dir() -> PathBuf {
    std::env::var_os(DATA_DIR_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| xdg("XDG_DATA_HOME", ".local/share").join("orgcabinet"))
}

pub fn parse_portal_url(s: &str) -> Result<url::Url, CoreError> {
    let url = url::Url::parse(s.trim())
        .map_err(|e| CoreError::Config(format!("portal URL {s:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(CoreError::Config(format!(
            "portal URL {s:?}: must be http(s)://host"
        )));
    }
    Ok(url)
}

/// Reads `portal_url` from a TOML-style config file (`key = "value"` lines).
fn read_config_file(path: &Path) -> Result<Option<String>, CoreError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CoreError::Config(format!("{}: {e}", path.display()))),
    };
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("portal_url") {
            let value = rest
                .trim_start()
                .strip_prefix('=')
                .map(str::trim)
                .ok_or_else(|| {
                    CoreError::Config(format!("{}: expected portal_url = \"…\"", path.display()))
                })?;
            return Ok(Some(value.trim_matches('"').to_owned()));
        }
    }
    Ok(None)
}

impl CabinetConfig {
    /// Resolves the configuration from a flag value, the environment and the
    /// config file, in that order.
    pub fn resolve(
        flag_portal: Option<&str>,
        flag_data_dir: Option<&Path>,
    ) -> Result<Self, CoreError> {
        let data_dir = flag_data_dir
            .map(Path::to_path_buf)
            .unwrap_or_else(default_data_dir);
        let (portal_url, portal_source) = if let Some(u) = flag_portal {
            (Some(parse_portal_url(u)?), PortalSource::Flag)
        } else if let Some(u) = std::env::var(PORTAL_ENV)
            .ok()
            .filter(|s| !s.trim().is_empty())
        {
            (Some(parse_portal_url(&u)?), PortalSource::Env)
        } else {
            let file = default_config_file();
            match read_config_file(&file)? {
                Some(u) => (Some(parse_portal_url(&u)?), PortalSource::ConfigFile(file)),
                None => (None, PortalSource::Demo),
            }
        };
        Ok(Self {
            portal_url,
            portal_source,
            data_dir,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_file_portal_url_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config.toml");
        std::fs::write(
            &f,
            "# OrgCabinet\nportal_url = \"https://lk.example.ru/\"\n",
        )
        .unwrap();
        assert_eq!(
            read_config_file(&f).unwrap().as_deref(),
            Some("https://lk.example.ru/")
        );
        assert_eq!(
            read_config_file(&dir.path().join("none.toml")).unwrap(),
            None
        );
    }

    #[test]
    fn bad_urls_are_config_errors() {
        assert_eq!(
            parse_portal_url("ftp://x").unwrap_err().code(),
            "config.invalid"
        );
        assert_eq!(
            parse_portal_url("not a url").unwrap_err().code(),
            "config.invalid"
        );
        parse_portal_url("http://127.0.0.1:8080").unwrap();
    }
}
