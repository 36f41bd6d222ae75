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
use cabinet_api::ErrorCode;

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
    /// Encrypt new offline caches (`encrypt_cache = false` in the config
    /// file turns it off; on by default).
    pub encrypt_cache: bool,
    /// Lock the app after this many seconds without keyboard or mouse
    /// input; 0 never locks. `lock_minutes = N` in the config file (15 by
    /// default); `CABINET_LOCK_SECONDS` overrides it (tests, kiosks).
    pub lock_seconds: u32,
    /// `prefetch = all|none|Nd` and `prefetch_cap_mb = N` in the config
    /// file (default: the last 30 days, at most 500 MiB).
    pub prefetch: crate::sync::PrefetchPolicy,
    /// The config file read, which the Settings screen writes back to.
    pub config_file: PathBuf,
    /// `CABINET_LOCK_SECONDS` set the lock: the file's value does not count.
    pub lock_from_env: bool,
    /// `theme = "system"|"light"|"dark"` in the config file.
    pub theme: Theme,
    /// `language = "ru"|"en"` in the config file.
    pub language: Language,
}

/// The window's language. Russian is the product's own; what the portal
/// writes (notifications, documents) and the exports' files stay Russian.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Ru,
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Ru => "ru",
            Language::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ru" => Some(Language::Ru),
            "en" => Some(Language::En),
            _ => None,
        }
    }
}

/// How the window looks: as the desktop says, or always light or dark.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "system" => Some(Theme::System),
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }
}

/// What the Settings screen changes on this computer; kept in the config
/// file as `lock_minutes`, `prefetch`, `prefetch_cap_mb`, `theme` and
/// `language`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct LocalSettings {
    /// Minutes without input before the app locks; 0: never.
    pub lock_minutes: u32,
    pub prefetch: crate::sync::PrefetchPolicy,
    #[serde(default)]
    pub theme: Theme,
    #[serde(default)]
    pub language: Language,
}

/// The longest inactivity lock the Settings screen offers: a working day.
pub const MAX_LOCK_MINUTES: u32 = 480;

/// Writes `settings` into the config file at `path`: each key's line is
/// replaced where it is, missing keys are added at the end, and every other
/// line (the portal URL, comments) stays as it was. Written whole or not
/// at all.
pub fn save_local_settings(path: &Path, settings: &LocalSettings) -> Result<(), CoreError> {
    if settings.lock_minutes > MAX_LOCK_MINUTES {
        return Err(CoreError::Invalid(ErrorCode::InputLockMinutes));
    }
    if let crate::sync::PrefetchScope::Recent { days } = settings.prefetch.scope {
        if days == 0 || days > 3650 {
            return Err(CoreError::Invalid(ErrorCode::InputPrefetch));
        }
    }
    let (scope, cap_mb) = settings.prefetch.config_values();
    let ours = [
        ("lock_minutes", settings.lock_minutes.to_string()),
        ("prefetch", format!("\"{scope}\"")),
        ("prefetch_cap_mb", cap_mb),
        ("theme", format!("\"{}\"", settings.theme.as_str())),
        ("language", format!("\"{}\"", settings.language.as_str())),
    ];
    let mut written = [false; 5];
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(CoreError::Config(format!("{}: {e}", path.display()))),
    };
    let mut out = String::with_capacity(text.len() + 96);
    for line in text.lines() {
        let key = line
            .split_once('=')
            .map(|(k, _)| k.trim())
            .filter(|_| !line.trim_start().starts_with('#'));
        match key.and_then(|k| ours.iter().position(|(w, _)| *w == k)) {
            // The first line of a key takes the value; a repeat is dropped
            // (the reader takes the last one, which would win otherwise).
            Some(i) if !written[i] => {
                written[i] = true;
                out.push_str(&format!("{} = {}\n", ours[i].0, ours[i].1));
            }
            Some(_) => {}
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for ((k, v), done) in ours.iter().zip(written) {
        if !done {
            out.push_str(&format!("{k} = {v}\n"));
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| CoreError::Config(format!("{}: {e}", dir.display())))?;
    }
    crate::export::write_whole(path, out.as_bytes())
}

/// The inactivity lock when nothing is configured.
pub const DEFAULT_LOCK_MINUTES: u32 = 15;

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

/// Reads `key = "value"` lines of a TOML-style config file; `#` comments.
fn read_config_file(path: &Path) -> Result<Vec<(String, String)>, CoreError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(CoreError::Config(format!("{}: {e}", path.display()))),
    };
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').ok_or_else(|| {
            CoreError::Config(format!(
                "{}:{}: expected key = \"value\"",
                path.display(),
                n + 1
            ))
        })?;
        out.push((
            key.trim().to_owned(),
            value.trim().trim_matches('"').to_owned(),
        ));
    }
    Ok(out)
}

/// A key that takes one of a few words (`parse`); `default` when absent.
fn one_of<T>(
    pairs: &[(String, String)],
    file: &Path,
    key: &str,
    allowed: &str,
    parse: fn(&str) -> Option<T>,
    default: T,
) -> Result<T, CoreError> {
    match config_value(pairs, key) {
        None => Ok(default),
        Some(v) => parse(v).ok_or_else(|| {
            CoreError::Config(format!(
                "{}: {key} must be {allowed}, not {v:?}",
                file.display()
            ))
        }),
    }
}

fn config_value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
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
        let file = default_config_file();
        let pairs = read_config_file(&file)?;
        let encrypt_cache = match config_value(&pairs, "encrypt_cache") {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(CoreError::Config(format!(
                    "{}: encrypt_cache must be true or false, not {other:?}",
                    file.display()
                )))
            }
        };
        let lock_seconds = match std::env::var("CABINET_LOCK_SECONDS") {
            Ok(v) => v.trim().parse().map_err(|_| {
                CoreError::Config(format!("CABINET_LOCK_SECONDS must be a number, not {v:?}"))
            })?,
            Err(_) => match config_value(&pairs, "lock_minutes") {
                None => DEFAULT_LOCK_MINUTES * 60,
                Some(v) => v
                    .parse::<u32>()
                    .ok()
                    .and_then(|m| m.checked_mul(60))
                    .ok_or_else(|| {
                        CoreError::Config(format!(
                            "{}: lock_minutes must be a number of minutes (0: never), not {v:?}",
                            file.display()
                        ))
                    })?,
            },
        };
        let prefetch = crate::sync::PrefetchPolicy::parse(
            config_value(&pairs, "prefetch"),
            config_value(&pairs, "prefetch_cap_mb"),
        )
        .map_err(|e| CoreError::Config(format!("{}: {e}", file.display())))?;
        let theme = one_of(
            &pairs,
            &file,
            "theme",
            "\"system\", \"light\" or \"dark\"",
            Theme::parse,
            Theme::System,
        )?;
        let language = one_of(
            &pairs,
            &file,
            "language",
            "\"ru\" or \"en\"",
            Language::parse,
            Language::Ru,
        )?;
        let (portal_url, portal_source) = if let Some(u) = flag_portal {
            (Some(parse_portal_url(u)?), PortalSource::Flag)
        } else if let Some(u) = std::env::var(PORTAL_ENV)
            .ok()
            .filter(|s| !s.trim().is_empty())
        {
            (Some(parse_portal_url(&u)?), PortalSource::Env)
        } else {
            match config_value(&pairs, "portal_url") {
                Some(u) => (
                    Some(parse_portal_url(u)?),
                    PortalSource::ConfigFile(file.clone()),
                ),
                None => (None, PortalSource::Demo),
            }
        };
        Ok(Self {
            portal_url,
            portal_source,
            data_dir,
            encrypt_cache,
            lock_seconds,
            prefetch,
            lock_from_env: std::env::var_os("CABINET_LOCK_SECONDS").is_some(),
            config_file: file,
            theme,
            language,
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
            "# OrgCabinet\nportal_url = \"https://lk.example.ru/\"\nencrypt_cache = false\n",
        )
        .unwrap();
        let pairs = read_config_file(&f).unwrap();
        assert_eq!(
            config_value(&pairs, "portal_url"),
            Some("https://lk.example.ru/")
        );
        assert_eq!(config_value(&pairs, "encrypt_cache"), Some("false"));
        assert!(read_config_file(&dir.path().join("none.toml"))
            .unwrap()
            .is_empty());
        std::fs::write(&f, "portal_url\n").unwrap();
        assert_eq!(read_config_file(&f).unwrap_err().code(), "config.invalid");
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

    #[test]
    fn settings_are_written_back_in_place_and_read_again() {
        use crate::sync::{PrefetchPolicy, PrefetchScope};
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("orgcabinet").join("config.toml");
        // No file yet: it is made.
        let first = LocalSettings {
            lock_minutes: 5,
            prefetch: PrefetchPolicy {
                scope: PrefetchScope::All,
                cap_bytes: 200 * 1024 * 1024,
            },
            theme: Theme::System,
            language: Language::Ru,
        };
        save_local_settings(&f, &first).unwrap();
        std::fs::write(
            &f,
            format!(
                "# the office portal\nportal_url = \"https://portal.example\"\n{}# lock_minutes = 1\nlock_minutes = 30\n",
                std::fs::read_to_string(&f).unwrap()
            ),
        )
        .unwrap();
        let second = LocalSettings {
            lock_minutes: 0,
            prefetch: PrefetchPolicy {
                scope: PrefetchScope::Recent { days: 7 },
                cap_bytes: 50 * 1024 * 1024,
            },
            theme: Theme::Dark,
            language: Language::En,
        };
        save_local_settings(&f, &second).unwrap();
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "# the office portal\nportal_url = \"https://portal.example\"\n\
             lock_minutes = 0\nprefetch = \"7d\"\nprefetch_cap_mb = 50\ntheme = \"dark\"\n\
             language = \"en\"\n# lock_minutes = 1\n"
        );
        let pairs = read_config_file(&f).unwrap();
        assert_eq!(config_value(&pairs, "lock_minutes"), Some("0"));
        assert_eq!(
            config_value(&pairs, "theme").and_then(Theme::parse),
            Some(Theme::Dark)
        );
        assert_eq!(
            config_value(&pairs, "language").and_then(Language::parse),
            Some(Language::En)
        );
        assert_eq!(
            PrefetchPolicy::parse(
                config_value(&pairs, "prefetch"),
                config_value(&pairs, "prefetch_cap_mb")
            )
            .unwrap(),
            second.prefetch
        );
        let too_long = LocalSettings {
            lock_minutes: MAX_LOCK_MINUTES + 1,
            ..second
        };
        assert!(save_local_settings(&f, &too_long).is_err());
    }
}
