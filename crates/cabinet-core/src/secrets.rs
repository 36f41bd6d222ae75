//! Secrets in the OS keychain, through `keyring`.
//!
//! On a Linux desktop the Secret Service (GNOME Keyring, KWallet) holds them,
//! across reboots. Where no Secret Service answers — a headless box, a CI
//! runner, a session without D-Bus — the kernel keyring (keyutils) holds them
//! for the login session; it is the same `keyring` code path, only the store
//! differs. Kernel keys live in the session keyring: they survive app
//! restarts, not a reboot. `CABINET_KEYCHAIN=secret-service|keyutils` forces
//! one store.
//!
//! keyring 3 has no Linux store without features, and with none silently
//! falls back to an in-memory mock, so both stores are chosen explicitly here.
//! The kernel store is our own small `keyring` credential (see `kernel`):
//! keyring's own keyutils store also links keys into the kernel's persistent
//! keyring, and on hosts without a login session (CI, containers) that makes
//! a freshly stored key unreadable ("no entry").

use keyring::Entry;
use zeroize::Zeroizing;

use crate::CoreError;

const SERVICE: &str = "orgcabinet";
pub const KEYCHAIN_ENV: &str = "CABINET_KEYCHAIN";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeychainBackend {
    SecretService,
    Keyutils,
}

impl KeychainBackend {
    pub fn name(self) -> &'static str {
        match self {
            KeychainBackend::SecretService => "secret-service",
            KeychainBackend::Keyutils => "keyutils",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Keychain {
    backend: KeychainBackend,
}

impl Keychain {
    pub fn new(backend: KeychainBackend) -> Self {
        Self { backend }
    }

    /// Secret Service when one answers on D-Bus, else the kernel keyring.
    pub fn detect() -> Self {
        let forced = std::env::var(KEYCHAIN_ENV).ok();
        let backend = match forced.as_deref() {
            Some("secret-service") => KeychainBackend::SecretService,
            Some("keyutils") => KeychainBackend::Keyutils,
            _ if secret_service_answers() => KeychainBackend::SecretService,
            _ => KeychainBackend::Keyutils,
        };
        tracing::info!(backend = backend.name(), "OS keychain selected");
        Self { backend }
    }

    pub fn backend(&self) -> KeychainBackend {
        self.backend
    }

    fn entry(&self, account: &str) -> Result<Entry, CoreError> {
        let cred: Box<keyring::Credential> = match self.backend {
            KeychainBackend::SecretService => Box::new(
                keyring::secret_service::SsCredential::new_with_target(None, SERVICE, account)
                    .map_err(|e| CoreError::Keychain(e.to_string()))?,
            ),
            KeychainBackend::Keyutils => Box::new(kernel::SessionKey::new(SERVICE, account)?),
        };
        Ok(Entry::new_with_credential(cred))
    }

    pub fn set(&self, account: &str, secret: &str) -> Result<(), CoreError> {
        self.entry(account)?
            .set_password(secret)
            .map_err(|e| CoreError::Keychain(e.to_string()))
    }

    pub fn get(&self, account: &str) -> Result<Option<Zeroizing<String>>, CoreError> {
        match self.entry(account)?.get_password() {
            Ok(s) => Ok(Some(Zeroizing::new(s))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(CoreError::Keychain(e.to_string())),
        }
    }

    pub fn delete(&self, account: &str) -> Result<(), CoreError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(CoreError::Keychain(e.to_string())),
        }
    }
}

/// A `keyring` credential kept in the kernel's session keyring.
mod kernel {
    use keyring::credential::CredentialApi;
    use keyring::Error;
    use linux_keyutils::{KeyError, KeyRing, KeyRingIdentifier};

    use crate::CoreError;

    #[derive(Debug)]
    pub struct SessionKey {
        ring: KeyRing,
        description: String,
    }

    impl SessionKey {
        pub fn new(service: &str, account: &str) -> Result<Self, CoreError> {
            let ring = KeyRing::from_special_id(KeyRingIdentifier::Session, false)
                .map_err(|e| CoreError::Keychain(format!("kernel session keyring: {e}")))?;
            Ok(Self {
                ring,
                description: format!("{service}:{account}"),
            })
        }
    }

    fn platform(e: KeyError) -> Error {
        match e {
            KeyError::KeyDoesNotExist | KeyError::KeyExpired | KeyError::KeyRevoked => {
                Error::NoEntry
            }
            other => Error::PlatformFailure(Box::new(other)),
        }
    }

    impl CredentialApi for SessionKey {
        fn set_secret(&self, secret: &[u8]) -> keyring::Result<()> {
            if secret.is_empty() {
                return Err(Error::Invalid("secret".into(), "cannot be empty".into()));
            }
            // add_key replaces the payload of an existing key of this description.
            self.ring
                .add_key(&self.description, secret)
                .map(drop)
                .map_err(platform)
        }

        fn get_secret(&self) -> keyring::Result<Vec<u8>> {
            let key = self.ring.search(&self.description).map_err(platform)?;
            key.read_to_vec().map_err(platform)
        }

        fn delete_credential(&self) -> keyring::Result<()> {
            let key = self.ring.search(&self.description).map_err(platform)?;
            key.invalidate().map_err(platform)
        }

        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }
}

fn secret_service_answers() -> bool {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return false;
    }
    let probe = keyring::secret_service::SsCredential::new_with_target(None, SERVICE, "probe")
        .map(|c| Entry::new_with_credential(Box::new(c)));
    match probe.map(|e| e.get_password()) {
        Ok(Ok(_)) | Ok(Err(keyring::Error::NoEntry)) => true,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "Secret Service does not answer");
            false
        }
        Err(e) => {
            tracing::debug!(error = %e, "Secret Service unavailable");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyutils_round_trip_through_the_real_store() {
        let kc = Keychain::new(KeychainBackend::Keyutils);
        let account = format!(
            "test:{}:{:?}",
            std::process::id(),
            std::time::Instant::now()
        );
        assert!(kc.get(&account).unwrap().is_none());
        kc.set(&account, "ocr_secret-value").unwrap();
        assert_eq!(
            kc.get(&account).unwrap().as_deref().map(String::as_str),
            Some("ocr_secret-value")
        );
        kc.set(&account, "ocr_rotated").unwrap();
        assert_eq!(
            kc.get(&account).unwrap().as_deref().map(String::as_str),
            Some("ocr_rotated")
        );
        kc.delete(&account).unwrap();
        assert!(kc.get(&account).unwrap().is_none());
        kc.delete(&account).unwrap();
    }
}
