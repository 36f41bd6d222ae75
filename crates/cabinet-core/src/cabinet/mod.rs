//! The [`Cabinet`] facade the app and the CLI drive: its state (the active
//! session, the data directory, the keychain) here, its calls by topic in
//! the submodules (`login`, `tokens`, `organizations`, `applications`,
//! `documents`, `requirements`, `payments`, `staff`, `keys`, `support`,
//! `notifications`, `lifecycle`, `syncing`). The session is held only to
//! read or write it, never while a request is under way.
//!
//! The access token lives only in memory; the refresh token goes to the OS
//! keychain so a restart resumes the session. A small pointer file
//! (`last-session.json`: portal URL and user id, nothing secret) tells a
//! restart which cache to open, so without network the last organization is
//! still readable.

use std::path::{Path, PathBuf};

use cabinet_api::{
    Application, DemoInfo, DemoSms, Me, NewApplication, PasswordLoginResponse, ProfileEdit,
    TokenPair,
};
use cabinet_sign::SigningKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;
use zeroize::Zeroizing;

use crate::api_v1::ApiV1Client;
use crate::backend::SharedBackend;
use crate::certificates::check_usable;
use crate::certificates::CertificateView;
use crate::cipher::{CacheKey, PasswordCheck};
use crate::secrets::Keychain;
use crate::store::{Store, StoredCertificate, SERVICES};
use crate::sync::{
    Conflict, DocumentList, DocumentView, OutboxItem, PrefetchPolicy, Resolution, RetryPolicy,
    SearchHit, SyncProgress, SyncReport, SyncStatus,
};
use crate::view::{
    Dashboard, DemoCertificateFile, LoginStep, MyCertificate, OrganizationsView, SessionView,
};
use crate::CoreError;
use cabinet_api::CabinetAccess;

mod applications;
mod documents;
mod keys;
mod lifecycle;
mod login;
mod notifications;
mod organizations;
mod payments;
mod requirements;
mod staff;
mod support;
mod syncing;
mod tokens;
mod trust;

pub use trust::TrustStatus;

pub use keys::KeyLocation;
use tokens::SessionTokens;

const POINTER_FILE: &str = "last-session.json";
const CACHE_FILE: &str = "cache.sqlite3";
const LAST_ORG: &str = "last_org_id";
/// The Idempotency-Key of the refresh under way, beside a hash of the
/// refresh token it rotates: a process killed before it saved the new token
/// retries the same request after a restart, which the portal answers
/// again. Neither grants anything alone; the token itself stays in the
/// keychain.
const REFRESH_RETRY: &str = "refresh_retry";

#[derive(Debug, Serialize, Deserialize)]
struct Pointer {
    portal_url: String,
    user_id: String,
}

/// Wrong passwords a locked session takes before it ends.
const UNLOCK_ATTEMPTS: u32 = 5;

struct Active {
    me: Me,
    /// Locked after inactivity: data calls answer `session.locked`.
    locked: bool,
    unlock: Option<PasswordCheck>,
    unlock_failures: u32,
    /// Organizations whose contents were prefetched in this session.
    prefetched: std::collections::HashSet<String>,
    store: Store,
    /// The sync engine's own connections to the same cache between syncs
    /// (their page caches given back): a sync does not open one each time.
    idle_sync_stores: Vec<Store>,
    /// The profile's encryption key, in memory while the session is open.
    cache_key: Option<CacheKey>,
    access: Option<Zeroizing<String>>,
    refresh: Option<Zeroizing<String>>,
    /// The Idempotency-Key of a refresh whose reply did not arrive: a retry
    /// of the same token is the same request, which the portal answers
    /// again; another key would be reuse, which ends the session.
    refresh_key: Option<String>,
    online: bool,
}

impl Active {
    fn access_token(&self) -> Result<String, CoreError> {
        self.access
            .as_ref()
            .map(|t| t.to_string())
            .ok_or(CoreError::NotLoggedIn)
    }
}

pub struct Cabinet {
    /// The portal: its address names the data and keychain entries kept
    /// for it; the backend speaks its API.
    portal: url::Url,
    backend: SharedBackend,
    keychain: Keychain,
    data_dir: PathBuf,
    /// Names this data directory in keychain entries.
    keychain_scope: String,
    /// New caches are encrypted (the default); see [`Cabinet::with_cache_encryption`].
    encrypt_cache: bool,
    retry: RetryPolicy,
    prefetch: std::sync::RwLock<PrefetchPolicy>,
    active: Mutex<Option<Active>>,
    /// One token renewal at a time (never held by anything else).
    renewing: Mutex<()>,
    /// Per organization: held while it syncs.
    syncing: std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<Mutex<()>>>>,
    /// The unlock check of a password login waiting for its second factor.
    pending_unlock: Mutex<Option<PasswordCheck>>,
    /// The stored trust list, parsed, under the key of its fetch.
    trust_cache: std::sync::Mutex<Option<(String, std::sync::Arc<cabinet_sign::tsl::TrustList>)>>,
}

/// The open session, refusing while it is locked.
fn open_session(a: Option<&Active>) -> Result<&Active, CoreError> {
    match a {
        None => Err(CoreError::NotLoggedIn),
        Some(a) if a.locked => Err(CoreError::SessionLocked),
        Some(a) => Ok(a),
    }
}

fn open_session_mut(a: Option<&mut Active>) -> Result<&mut Active, CoreError> {
    match a {
        None => Err(CoreError::NotLoggedIn),
        Some(a) if a.locked => Err(CoreError::SessionLocked),
        Some(a) => Ok(a),
    }
}

/// The page cache of the session's own connection, in MiB: it is most of
/// what a large cache adds to the app at rest, and it pays for itself — at
/// 8 MiB, scrolling the encrypted 100k list took 4.1 ms a page instead of
/// 2.6 (p50), the other orders up to 17 ms instead of 10 (p99), and an
/// export 3.6 s instead of 2.6.
const SESSION_CACHE_MIB: u32 = 32;

/// The `reference` entry holding the support FAQ.
const FAQ: &str = "faq";

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Cabinet {
    pub fn new(
        portal_url: url::Url,
        data_dir: &Path,
        keychain: Keychain,
    ) -> Result<Self, CoreError> {
        crate::private::dir(data_dir)?;
        Ok(Self {
            backend: std::sync::Arc::new(ApiV1Client::new(portal_url.clone())?),
            portal: portal_url,
            keychain,
            keychain_scope: keychain_scope(data_dir),
            data_dir: data_dir.to_owned(),
            encrypt_cache: true,
            retry: RetryPolicy::default(),
            prefetch: std::sync::RwLock::new(PrefetchPolicy::default()),
            active: Mutex::new(None),
            renewing: Mutex::new(()),
            syncing: Default::default(),
            pending_unlock: Mutex::new(None),
            trust_cache: std::sync::Mutex::new(None),
        })
    }

    /// Speaks to the portal through `backend` (the API v1 client by
    /// default); the portal's address still names what is kept for it.
    pub fn with_backend(mut self, backend: SharedBackend) -> Self {
        self.backend = backend;
        self
    }

    /// How long one request may take, and how sync retries network
    /// trouble. The backend becomes the API v1 client with that timeout
    /// (call it before [`Cabinet::with_backend`], not after).
    pub fn with_network(
        mut self,
        request_timeout: std::time::Duration,
        retry: RetryPolicy,
    ) -> Result<Self, CoreError> {
        self.backend = std::sync::Arc::new(ApiV1Client::with_timeout(
            self.portal.clone(),
            request_timeout,
        )?);
        self.retry = retry;
        Ok(self)
    }

    /// Whether caches created from now on are encrypted (on by default). A
    /// cache that is already encrypted stays so while its key exists.
    pub fn with_cache_encryption(mut self, on: bool) -> Self {
        self.encrypt_cache = on;
        self
    }

    /// Which document contents each sync fetches ahead (default: the last
    /// 30 days, at most 500 MiB).
    pub fn with_prefetch(self, policy: PrefetchPolicy) -> Self {
        *self.prefetch.write().unwrap_or_else(|e| e.into_inner()) = policy;
        self
    }

    /// The prefetch policy in force.
    pub fn prefetch_policy(&self) -> PrefetchPolicy {
        *self.prefetch.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Another prefetch policy from now on: the next sync of each
    /// organization fetches what the new one asks for.
    pub async fn set_prefetch(&self, policy: PrefetchPolicy) {
        *self.prefetch.write().unwrap_or_else(|e| e.into_inner()) = policy;
        if let Some(a) = self.active.lock().await.as_mut() {
            a.prefetched.clear();
        }
    }

    pub fn portal_url(&self) -> String {
        self.portal.as_str().trim_end_matches('/').to_owned()
    }

    /// Per-portal, per-user directory of the offline cache.
    fn profile_dir(&self, user_id: &str) -> PathBuf {
        let digest = Sha256::digest(self.portal_url().as_bytes());
        let portal_key: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let user: String = user_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        self.data_dir.join("profiles").join(portal_key).join(user)
    }

    /// The keychain entry of the refresh token: per portal, user and data
    /// directory, so that two profiles of one person never share (or
    /// delete) each other's secrets.
    fn account(&self, user_id: &str) -> String {
        format!(
            "refresh:{}:{user_id}@{}",
            self.portal_url(),
            self.keychain_scope
        )
    }

    fn key_account(&self, user_id: &str) -> String {
        format!(
            "cache-key:{}:{user_id}@{}",
            self.portal_url(),
            self.keychain_scope
        )
    }

    /// A keychain entry by its name, or — written before entries were per
    /// data directory — by its old name, then copied to the new one. The
    /// old entry stays: another data directory may still read it.
    fn keychain_get(&self, account: &str) -> Result<Option<Zeroizing<String>>, CoreError> {
        if let Some(v) = self.keychain.get(account)? {
            return Ok(Some(v));
        }
        let Some((legacy, _)) = account.rsplit_once('@') else {
            return Ok(None);
        };
        let Some(v) = self.keychain.get(legacy)? else {
            return Ok(None);
        };
        self.keychain.set(account, &v)?;
        Ok(Some(v))
    }

    /// The cache key from the keychain; a new one when there is none and a
    /// new cache is to be encrypted. `None`: the cache is (to be) plain.
    fn cache_key(&self, user_id: &str, cache: &Path) -> Result<Option<CacheKey>, CoreError> {
        let account = self.key_account(user_id);
        let written = std::fs::metadata(cache).is_ok_and(|m| m.len() > 0);
        let encrypted = written && !crate::store::is_plain_sqlite(cache);
        if !encrypted && !self.encrypt_cache {
            // A plain cache stays plain, and a new one starts plain.
            return Ok(None);
        }
        if let Some(hex) = self.keychain_get(&account)? {
            return CacheKey::from_hex(&hex).map(Some).ok_or_else(|| {
                CoreError::Keychain("the cache key in the keychain is damaged".into())
            });
        }
        if encrypted {
            // Encrypted under a key the keychain no longer has.
            return Err(CoreError::CacheLocked);
        }
        let key = CacheKey::generate()?;
        self.keychain.set(&account, &key.to_hex())?;
        Ok(Some(key))
    }

    /// Opens the profile's cache. After a password or signature login
    /// (`fresh_if_locked`), a cache that cannot be decrypted any more — its
    /// key left the keychain — is moved aside and a new one started: the
    /// portal has everything but unsent actions, which were unreadable anyway.
    fn open_store(
        &self,
        user_id: &str,
        fresh_if_locked: bool,
    ) -> Result<(Store, Option<CacheKey>), CoreError> {
        let dir = self.profile_dir(user_id);
        let path = dir.join(CACHE_FILE);
        let opened = match self.cache_key(user_id, &path) {
            Err(CoreError::Keychain(e)) if !path.exists() => {
                tracing::warn!(error = %e, "no keychain for a cache key: this cache stays unencrypted");
                Store::open(&path, None).map(|s| (s, None))
            }
            Ok(key) => {
                let encrypting = key.is_some() && crate::store::is_plain_sqlite(&path);
                let opened = Store::open(&path, key.as_ref()).map(|s| (s, key));
                if encrypting && opened.is_ok() {
                    // Blobs of the plain cache were stored in clear: drop them;
                    // they are fetched again, sealed, when needed.
                    let _ = std::fs::remove_dir_all(dir.join("blobs"));
                }
                opened
            }
            Err(e) => Err(e),
        };
        let opened = opened.and_then(|(store, key)| {
            // The session's connection serves the window's reads: pages of
            // a list and their counts, whose hot pages fit in far less
            // than a sync's (the sync has its own connection).
            store.limit_cache(SESSION_CACHE_MIB)?;
            Ok((store, key))
        });
        match opened {
            Ok(opened) => Ok(opened),
            Err(CoreError::CacheLocked) if fresh_if_locked => {
                tracing::warn!(
                    "the cache cannot be decrypted: moving it aside and starting afresh"
                );
                let aside = dir.join(format!(
                    "{CACHE_FILE}.unreadable-{}",
                    chrono::Utc::now().format("%Y%m%dT%H%M%S")
                ));
                std::fs::rename(&path, &aside).map_err(|e| CoreError::Store(e.to_string()))?;
                for side in ["-wal", "-shm"] {
                    let _ = std::fs::remove_file(dir.join(format!("{CACHE_FILE}{side}")));
                }
                let _ = std::fs::remove_dir_all(dir.join("blobs"));
                self.keychain.delete(&self.key_account(user_id))?;
                let key = self.cache_key(user_id, &path)?;
                let store = Store::open(&path, key.as_ref())?;
                store.limit_cache(SESSION_CACHE_MIB)?;
                Ok((store, key))
            }
            Err(e) => Err(e),
        }
    }

    fn write_pointer(&self, user_id: &str) -> Result<(), CoreError> {
        let p = Pointer {
            portal_url: self.portal_url(),
            user_id: user_id.to_owned(),
        };
        let json = serde_json::to_vec(&p).map_err(|e| CoreError::Store(e.to_string()))?;
        crate::private::dir(&self.data_dir)?;
        let tmp = self.data_dir.join(format!("{POINTER_FILE}.tmp"));
        std::fs::write(&tmp, json).map_err(|e| CoreError::Store(e.to_string()))?;
        crate::private::file(&tmp)?;
        std::fs::rename(&tmp, self.data_dir.join(POINTER_FILE))
            .map_err(|e| CoreError::Store(e.to_string()))
    }

    fn read_pointer(&self) -> Option<Pointer> {
        let bytes = std::fs::read(self.data_dir.join(POINTER_FILE)).ok()?;
        serde_json::from_slice::<Pointer>(&bytes)
            .ok()
            .filter(|p| p.portal_url == self.portal_url())
    }

    pub(crate) async fn with_store<T>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let guard = self.active.lock().await;
        let active = open_session(guard.as_ref())?;
        f(&active.store)
    }

    fn blobs(&self, a: &Active) -> crate::blobs::Blobs {
        crate::blobs::Blobs::new(
            &self.profile_dir(&a.me.user_id).join("blobs"),
            a.cache_key.as_ref().map(CacheKey::blob_key),
        )
    }

    fn view(&self, a: &Active) -> Result<SessionView, CoreError> {
        Ok(SessionView {
            user: a.me.clone(),
            portal_url: self.portal_url(),
            online: a.online,
            last_org_id: a.store.meta(LAST_ORG)?,
        })
    }

    /// Runs `f` on `user`'s open session (not a session that replaced it
    /// meanwhile), holding the session for just that long.
    async fn with_active<T>(
        &self,
        user: &str,
        f: impl FnOnce(&mut Active) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let mut guard = self.active.lock().await;
        match guard.as_mut() {
            Some(a) if a.me.user_id == user => f(a),
            _ => Err(CoreError::NotLoggedIn),
        }
    }

    /// The open session's user (refused while locked), and whether the
    /// portal is worth asking (online, or a refresh token to try).
    async fn session_user(&self) -> Result<(String, bool), CoreError> {
        let guard = self.active.lock().await;
        let a = open_session(guard.as_ref())?;
        Ok((a.me.user_id.clone(), a.online || a.refresh.is_some()))
    }
}

/// A short name of a data directory (its canonical path, hashed) for
/// keychain entries.
fn keychain_scope(data_dir: &Path) -> String {
    let path = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_owned());
    let digest = Sha256::digest(path.as_os_str().as_encoded_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}
