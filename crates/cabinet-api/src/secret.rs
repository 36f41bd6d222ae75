//! A password, PIN, one-time code or token in transit: wiped from memory
//! when dropped, and never printed (`Debug` shows `***`), so an argument
//! struct can derive `Debug` and land in a log without its secret.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use zeroize::Zeroize;

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(transparent)]
#[ts(type = "string")]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one call that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Secret {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_a_plain_string_on_the_wire_and_stars_in_debug() {
        #[derive(Debug, Deserialize)]
        struct Args {
            login: String,
            password: Secret,
        }
        let args: Args =
            serde_json::from_str(r#"{"login":"buh@romashka.demo","password":"Buh-2026"}"#).unwrap();
        assert_eq!(args.login, "buh@romashka.demo");
        assert_eq!(args.password.expose(), "Buh-2026");
        assert_eq!(&*args.password, "Buh-2026");
        let shown = format!("{args:?}");
        assert!(shown.contains("buh@romashka.demo"), "{shown}");
        assert!(!shown.contains("Buh-2026"), "{shown}");
        assert!(shown.contains("***"), "{shown}");
        assert_eq!(serde_json::to_string(&Secret::new("x")).unwrap(), "\"x\"");
    }
}
