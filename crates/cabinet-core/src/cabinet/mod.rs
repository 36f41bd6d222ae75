//! Login flows and the [`Cabinet`] facade the app and the CLI drive.
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
use crate::certificates::check_usable;
use crate::certificates::CertificateView;
use crate::cipher::{CacheKey, PasswordCheck};
use crate::secrets::Keychain;
use crate::store::{Store, StoredCertificate};
use crate::sync::{
    Conflict, DocumentView, OutboxItem, PrefetchPolicy, Resolution, RetryPolicy, SearchHit,
    SyncProgress, SyncReport, SyncStatus,
};
use crate::view::{
    Dashboard, DemoCertificateFile, LoginStep, MyCertificate, OrganizationsView, SessionView,
};
use crate::CoreError;
use cabinet_api::CabinetAccess;

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

/// The Idempotency-Key for rotating `refresh`: the one of an earlier
/// attempt at the same token whose answer never arrived, else a new one,
/// written down before the request goes.
fn refresh_retry_key(a: &mut Active, refresh: &str) -> Result<String, CoreError> {
    if let Some(key) = &a.refresh_key {
        return Ok(key.clone());
    }
    let token = crate::blobs::sha256_hex(refresh.as_bytes());
    let stored = a.store.meta(REFRESH_RETRY)?.unwrap_or_default();
    let key = match stored.split_once(' ') {
        Some((t, k)) if t == token => k.to_owned(),
        _ => {
            let key = uuid::Uuid::new_v4().to_string();
            a.store.set_meta(REFRESH_RETRY, &format!("{token} {key}"))?;
            key
        }
    };
    a.refresh_key = Some(key.clone());
    Ok(key)
}

/// Where the key of a remembered certificate lives.
#[derive(Debug, Clone)]
pub enum KeyLocation {
    Pfx(String),
    /// A CryptoPro container's folder.
    Container(String),
    Token {
        module: String,
        key_id: String,
    },
}

pub struct Cabinet {
    client: ApiV1Client,
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
}

/// The demo director's key as a CryptoPro container too (`director.000`,
/// the .pfx password as its PIN), so the demo shows a container beside the
/// .pfx files. Made once; a failure only means the demo has no container.
fn demo_container(dir: &std::path::Path, pfx: &[u8], password: &str) {
    let target = dir.join("director.000");
    let made = cabinet_sign::PfxIdentity::open(pfx, password)
        .map_err(|e| e.to_string())
        .and_then(|id| {
            let current = cabinet_sign::container::summary(&target)
                .ok()
                .and_then(|s| s.certificate)
                .is_some_and(|c| c.sha256 == id.certificate().sha256);
            if current {
                return Ok(());
            }
            // A new demo PKI (a fresh portal database): a new container.
            let _ = std::fs::remove_dir_all(&target);
            let key = id.to_gost_key().ok_or("not a GOST key")?;
            cabinet_sign::container::write(
                &target,
                &cabinet_sign::container::NewContainer {
                    name: "director",
                    key: &key,
                    certificate: Some(&id.certificate().der),
                    pin: password,
                },
            )
            .map_err(|e| e.to_string())
        });
    if let Err(e) = made {
        tracing::warn!(error = %e, "demo container not made");
        let _ = std::fs::remove_dir_all(&target);
    }
}

/// The open session, refusing while it is locked.
fn open_session(a: Option<&Active>) -> Result<&Active, CoreError> {
    match a {
        None => Err(CoreError::NotLoggedIn),
        Some(a) if a.locked => Err(CoreError::SessionLocked),
        Some(a) => Ok(a),
    }
}

/// The `reference` entry holding the portal's services catalog.
pub(crate) const SERVICES: &str = "services";
/// The `reference` entry holding the support FAQ.
const FAQ: &str = "faq";

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn is_auth_failure(e: &CoreError) -> bool {
    e.problem().is_some_and(|p| p.status == 401)
}

impl Cabinet {
    pub fn new(
        portal_url: url::Url,
        data_dir: &Path,
        keychain: Keychain,
    ) -> Result<Self, CoreError> {
        crate::private::dir(data_dir)?;
        Ok(Self {
            client: ApiV1Client::new(portal_url)?,
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
        })
    }

    /// How long one request may take, and how sync retries network trouble.
    pub fn with_network(
        mut self,
        request_timeout: std::time::Duration,
        retry: RetryPolicy,
    ) -> Result<Self, CoreError> {
        self.client = ApiV1Client::with_timeout(self.client.base_url().clone(), request_timeout)?;
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
        self.client
            .base_url()
            .as_str()
            .trim_end_matches('/')
            .to_owned()
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
                Ok((Store::open(&path, key.as_ref())?, key))
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

    /// Demo credentials when the portal is a demo portal; `None` otherwise or offline.
    pub async fn demo_info(&self) -> Option<DemoInfo> {
        self.client.demo_info().await.ok().flatten()
    }

    pub async fn demo_sms(&self, ticket: &str) -> Result<DemoSms, CoreError> {
        self.client.demo_sms(ticket).await
    }

    /// First login step: password. Either done, or a code is needed.
    pub async fn login_password(
        &self,
        login: &str,
        password: &str,
    ) -> Result<LoginStep, CoreError> {
        let login = login.trim();
        if login.is_empty() {
            return Err(CoreError::Invalid("login"));
        }
        if password.is_empty() {
            return Err(CoreError::Invalid("password"));
        }
        let check = PasswordCheck::new(password);
        match self.client.password_login(login, password).await? {
            PasswordLoginResponse::Tokens(t) => Ok(LoginStep::Done {
                session: self.finish(t, check).await?,
            }),
            PasswordLoginResponse::Mfa(m) => {
                *self.pending_unlock.lock().await = check;
                Ok(LoginStep::NeedCode {
                    ticket: m.ticket,
                    channel: m.channel,
                    destination: m.destination,
                    expires_at: m.expires_at,
                })
            }
        }
    }

    /// Second login step: the SMS or authenticator code.
    pub async fn submit_code(&self, ticket: &str, code: &str) -> Result<SessionView, CoreError> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
            return Err(CoreError::Invalid("code"));
        }
        let tokens = self.client.submit_otp(ticket, &code).await?;
        let check = self.pending_unlock.lock().await.take();
        self.finish(tokens, check).await
    }

    /// Certificate login: the key signs the portal's one-time nonce. An
    /// expired or not-yet-valid certificate is refused here, before any
    /// network traffic, with the portal's code for it.
    pub async fn login_certificate(
        &self,
        key: &(dyn SigningKey + Sync),
    ) -> Result<SessionView, CoreError> {
        check_usable(key.certificate(), chrono::Utc::now())?;
        let challenge = self.client.challenge().await?;
        let nonce = {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(&challenge.nonce)
                .map_err(|e| CoreError::Protocol(format!("challenge nonce: {e}")))?
        };
        let signature = cabinet_sign::cades::sign_detached(key, &nonce[..], chrono::Utc::now())?;
        let tokens = self
            .client
            .certificate_login(&challenge.challenge_id, &signature)
            .await?;
        tracing::info!(serial = %key.certificate().serial, "certificate login");
        self.finish(tokens, None).await
    }

    pub(crate) async fn with_store<T>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let guard = self.active.lock().await;
        let active = open_session(guard.as_ref())?;
        f(&active.store)
    }

    /// Locks the session (after inactivity): every data call answers
    /// `session.locked` until [`Self::unlock`].
    pub async fn lock(&self) -> Result<(), CoreError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or(CoreError::NotLoggedIn)?;
        a.locked = true;
        tracing::info!("session locked");
        Ok(())
    }

    /// Unlocks with the login password. Without one to check (after a
    /// restart, or a certificate login) the answer is
    /// `session.relogin_required`; after five wrong passwords the session
    /// ends (tokens dropped from memory, the cache stays) and a new login is
    /// needed.
    pub async fn unlock(&self, password: &str) -> Result<(), CoreError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or(CoreError::NotLoggedIn)?;
        if !a.locked {
            return Ok(());
        }
        let Some(check) = &a.unlock else {
            return Err(CoreError::ReloginRequired);
        };
        if check.matches(password) {
            a.locked = false;
            a.unlock_failures = 0;
            tracing::info!("session unlocked");
            return Ok(());
        }
        a.unlock_failures += 1;
        if a.unlock_failures >= UNLOCK_ATTEMPTS {
            tracing::warn!("too many wrong passwords: session closed");
            *guard = None;
            return Err(CoreError::ReloginRequired);
        }
        Err(CoreError::UnlockFailed {
            attempts_left: UNLOCK_ATTEMPTS - a.unlock_failures,
        })
    }

    /// The user's certificates (works offline: it is the local list).
    pub async fn my_certificates(&self) -> Result<Vec<MyCertificate>, CoreError> {
        let now = chrono::Utc::now();
        self.with_store(|s| {
            s.certificates()?
                .into_iter()
                .map(|c| {
                    Ok(MyCertificate {
                        certificate: CertificateView::of(
                            &cabinet_sign::CertificateInfo::parse(&c.der)?,
                            now,
                        ),
                        source: c.source,
                        location: c.location,
                        key_id: c.key_id,
                    })
                })
                .collect()
        })
        .await
    }

    /// Remembers a certificate and where its key is (a .pfx path, or a
    /// token module with the key's id). Only public data is stored.
    pub async fn remember_certificate(
        &self,
        certificate: &cabinet_sign::CertificateInfo,
        source: KeyLocation,
    ) -> Result<MyCertificate, CoreError> {
        let (kind, location, key_id) = match source {
            KeyLocation::Pfx(path) => ("pfx", path, None),
            KeyLocation::Container(path) => ("container", path, None),
            KeyLocation::Token { module, key_id } => ("token", module, Some(key_id)),
        };
        let stored = StoredCertificate {
            sha256: certificate.sha256.clone(),
            der: certificate.der.clone(),
            source: kind.into(),
            location: location.clone(),
            key_id: key_id.clone(),
            added_at: now(),
        };
        self.with_store(|s| s.save_certificate(&stored)).await?;
        Ok(MyCertificate {
            certificate: CertificateView::of(certificate, chrono::Utc::now()),
            source: kind.into(),
            location,
            key_id,
        })
    }

    /// Checks the password by opening the .pfx, then remembers its
    /// certificate; the key is dropped at once.
    pub async fn add_pfx_certificate(
        &self,
        path: &str,
        password: &str,
    ) -> Result<MyCertificate, CoreError> {
        let key = crate::certificates::open_pfx(std::path::Path::new(path), password)?;
        self.remember_certificate(key.certificate(), KeyLocation::Pfx(path.to_owned()))
            .await
    }

    /// Remembers the certificate a CryptoPro container holds; its PIN is
    /// asked when it signs.
    pub async fn add_container_certificate(&self, path: &str) -> Result<MyCertificate, CoreError> {
        let summary = cabinet_sign::container::summary(std::path::Path::new(path))?;
        let certificate = summary
            .certificate
            .ok_or(cabinet_sign::SignError::ContainerNoCertificate)?;
        self.remember_certificate(&certificate, KeyLocation::Container(path.to_owned()))
            .await
    }

    pub async fn forget_certificate(&self, sha256: &str) -> Result<(), CoreError> {
        if self.with_store(|s| s.remove_certificate(sha256)).await? {
            Ok(())
        } else {
            Err(CoreError::Invalid("certificate"))
        }
    }

    /// Pushes the outbox of `org`, then pulls its change feed. Offline, the
    /// actions stay queued and the report says so.
    pub async fn sync(&self, org_id: &str) -> Result<SyncReport, CoreError> {
        self.sync_with_progress(org_id, &|_| {}).await
    }

    /// [`Self::sync`], telling `progress` what it is doing as it goes.
    /// Network errors and 5xx are retried with exponential backoff and
    /// jitter ([`RetryPolicy`]) before the sync gives up as offline.
    ///
    /// The sync runs on its own connection to the cache and takes the
    /// session only to read or renew the token: the window's lists, search
    /// and exports go on meanwhile. Two syncs of one organization never
    /// run at once (the second waits for the first).
    pub async fn sync_with_progress(
        &self,
        org_id: &str,
        progress: &(dyn Fn(SyncProgress) + Send + Sync),
    ) -> Result<SyncReport, CoreError> {
        let running = self.sync_guard(org_id);
        let _running = running.lock().await;
        let (user, store, blobs, prefetch_due) = {
            let guard = self.active.lock().await;
            let a = open_session(guard.as_ref())?;
            let store = Store::open(a.store.path(), a.cache_key.as_ref())?;
            (
                a.me.user_id.clone(),
                store,
                self.blobs(a),
                !a.prefetched.contains(org_id),
            )
        };
        let tokens = SessionTokens {
            cabinet: self,
            user: &user,
        };
        let backend: crate::backend::SharedBackend = std::sync::Arc::new(self.client.clone());
        let outcome = crate::sync::engine::Engine::new(
            backend,
            &tokens,
            self.retry.clone(),
            store,
            blobs,
            self.prefetch_policy(),
        )
        .run(org_id, prefetch_due, progress)
        .await?;
        let report = outcome.report;
        self.with_active(&user, |a| {
            a.online = report.online;
            if outcome.prefetched {
                a.prefetched.insert(org_id.to_owned());
            }
            Ok(())
        })
        .await?;
        tracing::info!(?report, "sync");
        Ok(report)
    }

    /// The guard that keeps two syncs of `org` apart.
    fn sync_guard(&self, org: &str) -> std::sync::Arc<Mutex<()>> {
        let mut guards = self.syncing.lock().unwrap_or_else(|e| e.into_inner());
        guards.entry(org.to_owned()).or_default().clone()
    }

    /// A new draft, made locally and queued; it reaches the portal at the
    /// next sync (at once when online and the caller syncs). `fields` is
    /// the service's form, checked here by the portal's rules against the
    /// kept catalog (offline too).
    pub async fn create_application(
        &self,
        org_id: &str,
        service_code: &str,
        title: &str,
        fields: std::collections::BTreeMap<String, String>,
    ) -> Result<Application, CoreError> {
        let title = title.trim();
        if title.is_empty()
            || title.chars().count() > 300
            || !cabinet_api::text::is_clean(title, false)
        {
            return Err(CoreError::Invalid("title"));
        }
        let service_code = service_code.trim().to_owned();
        let have_catalog = self
            .with_store(|s| Ok(s.reference(SERVICES)?.is_some()))
            .await?;
        if !have_catalog {
            if let Err(e) = self.services().await {
                tracing::info!(error = %e, "no services catalog to check the form by");
            }
        }
        self.with_store(|s| {
            // A service this computer does not know yet: the portal checks.
            let fields = match s.cached_service(&service_code)? {
                Some(svc) => cabinet_api::check_form(&svc.form, &fields, true)?,
                None => fields
                    .into_iter()
                    .map(|(k, v)| (k, v.trim().to_owned()))
                    .filter(|(_, v)| !v.is_empty())
                    .collect(),
            };
            let body = NewApplication {
                service_code,
                title: title.to_owned(),
                fields,
            };
            s.queue_new_application(org_id, body)
        })
        .await
    }

    /// Queues the submission of a draft (a local one too), once it has
    /// what the portal will ask for: the service's mandatory documents,
    /// every file signed.
    pub async fn submit_application(&self, id: &str) -> Result<(), CoreError> {
        self.with_store(|s| {
            let id = &s.current_id(id)?;
            let app = s
                .application(id)?
                .ok_or(CoreError::Invalid("application"))?;
            if app.status != cabinet_api::ApplicationStatus::Draft {
                return Err(CoreError::Invalid("application"));
            }
            s.allowed(&app.org_id, cabinet_api::Permission::ApplicationsSubmit)?;
            s.check_ready(&app.org_id, id)?;
            s.queue_submit(&app)
        })
        .await
    }

    /// Attaches a file to a draft as the service's document `kind`: checked
    /// by its content as the portal checks it, kept (encrypted) on this
    /// computer and queued for the next sync.
    pub async fn attach_file(
        &self,
        org_id: &str,
        id: &str,
        kind: &str,
        name: &str,
        content: &[u8],
    ) -> Result<crate::attachments::DraftFiles, CoreError> {
        let name = cabinet_api::files::file_name(name);
        let name = name.as_str();
        cabinet_api::files::check(name, content).map_err(|e| CoreError::Refused {
            code: e.code(),
            detail: e.to_string(),
        })?;
        let kind = kind.trim();
        if kind.is_empty() || kind.len() > 64 {
            return Err(CoreError::Invalid("kind"));
        }
        let sha = crate::blobs::sha256_hex(content);
        let guard = self.active.lock().await;
        let a = open_session(guard.as_ref())?;
        let id = &a.store.current_id(id)?;
        // Checked before the content is written, so a refusal leaves nothing.
        a.store
            .allowed(org_id, cabinet_api::Permission::ApplicationsEdit)?;
        a.store.draft(org_id, id)?;
        self.blobs(a).put(&sha, content)?;
        let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
        a.store.queue_attach(org_id, id, kind, name, &sha, size)?;
        a.store.draft_files(org_id, id)
    }

    /// Takes a file off a draft (`file`: an [`AttachmentView`]'s id).
    ///
    /// [`AttachmentView`]: crate::attachments::AttachmentView
    pub async fn detach_file(
        &self,
        org_id: &str,
        id: &str,
        file: &str,
    ) -> Result<crate::attachments::DraftFiles, CoreError> {
        self.with_store(|s| {
            let id = &s.current_id(id)?;
            s.queue_detach(org_id, id, file)?;
            s.draft_files(org_id, id)
        })
        .await
    }

    /// A draft's files, what its service asks for and what is still
    /// missing. The catalog is fetched once if this computer has none yet
    /// (offline, the files come without the service's list).
    pub async fn draft_files(
        &self,
        org_id: &str,
        id: &str,
    ) -> Result<crate::attachments::DraftFiles, CoreError> {
        let have_catalog = self
            .with_store(|s| Ok(s.reference(SERVICES)?.is_some()))
            .await?;
        if !have_catalog {
            if let Err(e) = self.services().await {
                tracing::info!(error = %e, "no services catalog for the draft's files");
            }
        }
        self.with_store(|s| s.draft_files(org_id, id)).await
    }

    /// Signs every file of a draft that `key`'s holder has not signed yet
    /// (one PIN or password for all); the signatures are queued. Returns
    /// how many were signed.
    pub async fn sign_draft(
        &self,
        org_id: &str,
        id: &str,
        key: &(dyn cabinet_sign::SigningKey + Sync),
    ) -> Result<u32, CoreError> {
        let signer = key
            .certificate()
            .subject_common_name
            .clone()
            .unwrap_or_default();
        let files = self
            .with_store(|s| {
                let id = &s.current_id(id)?;
                s.allowed(org_id, cabinet_api::Permission::DocumentsSign)?;
                s.draft(org_id, id)?;
                s.draft_files(org_id, id)
            })
            .await?;
        if let Some(f) = files.files.iter().find(|f| f.pending) {
            // Its document does not exist on the portal yet.
            return Err(CoreError::Refused {
                code: "file.not_sent",
                detail: f.name.clone(),
            });
        }
        let mut signed = 0;
        for f in files.files.iter().filter(|f| !f.removing) {
            if f.signers.contains(&signer) {
                continue;
            }
            self.sign_document(org_id, &f.id, key).await?;
            signed += 1;
        }
        Ok(signed)
    }

    /// A page of the applications list: filtered, sorted, with the total
    /// (works offline).
    pub async fn application_page(
        &self,
        org_id: &str,
        query: &crate::lists::ApplicationQuery,
    ) -> Result<crate::lists::ApplicationPage, CoreError> {
        self.with_store(|s| s.application_page(org_id, query)).await
    }

    /// A page of the applications list without the total (for scrolling
    /// on once the total is known).
    pub async fn application_rows(
        &self,
        org_id: &str,
        query: &crate::lists::ApplicationQuery,
    ) -> Result<Vec<Application>, CoreError> {
        self.with_store(|s| s.application_rows(org_id, query)).await
    }

    /// Every application the filters of `query` match, as CSV, XLSX or
    /// JSON, from the cache (works offline); the file and its row count.
    pub async fn export_applications(
        &self,
        org_id: &str,
        query: &crate::lists::ApplicationQuery,
        format: crate::accounting::AccountingFormat,
    ) -> Result<(Vec<u8>, u32), CoreError> {
        if format == crate::accounting::AccountingFormat::Pdf {
            return Err(CoreError::Invalid("format"));
        }
        let rows = self
            .with_store(|s| s.applications_export(org_id, query))
            .await?;
        // The file is written without the cache lock: making an XLSX of
        // 100k rows takes about as long as reading them, and the window's
        // lists and the sync should not wait for it.
        tokio::task::spawn_blocking(move || rows.file(format))
            .await
            .map_err(|e| CoreError::Store(format!("export: {e}")))?
    }

    /// The cached applications of `org` (works offline).
    pub async fn applications(&self, org_id: &str) -> Result<Vec<Application>, CoreError> {
        self.with_store(|s| s.applications(org_id)).await
    }

    fn blobs(&self, a: &Active) -> crate::blobs::Blobs {
        crate::blobs::Blobs::new(
            &self.profile_dir(&a.me.user_id).join("blobs"),
            a.cache_key.as_ref().map(CacheKey::blob_key),
        )
    }

    /// The organization's documents (works offline).
    pub async fn documents(&self, org_id: &str) -> Result<Vec<DocumentView>, CoreError> {
        let guard = self.active.lock().await;
        let a = open_session(guard.as_ref())?;
        let blobs = self.blobs(a);
        Ok(a.store
            .documents(org_id)?
            .into_iter()
            .map(|(document, pending_signers)| DocumentView {
                cached: blobs.has(&document.sha256),
                document,
                pending_signers,
            })
            .collect())
    }

    /// A document's content: from this computer, or fetched (and kept for
    /// offline review). Offline and never fetched: `cache.not_found`.
    pub async fn document_content(&self, org_id: &str, id: &str) -> Result<Vec<u8>, CoreError> {
        let (user, doc, blobs) = {
            let guard = self.active.lock().await;
            let a = open_session(guard.as_ref())?;
            let doc = a
                .store
                .document(org_id, id)?
                .ok_or(CoreError::Invalid("document"))?;
            (a.me.user_id.clone(), doc, self.blobs(a))
        };
        if let Some(bytes) = blobs.get(&doc.sha256)? {
            return Ok(bytes);
        }
        let (o, i) = (org_id.to_owned(), id.to_owned());
        let fetched = self
            .call(&user, move |c, t| {
                let (o, i) = (o.clone(), i.clone());
                async move { c.document_content(&t, &o, &i, None).await }
            })
            .await;
        match fetched {
            Ok(Some(bytes)) => {
                blobs.put(&doc.sha256, &bytes)?;
                Ok(bytes)
            }
            Ok(None) => Err(CoreError::Protocol("304 without a cached copy".into())),
            Err(e) if e.is_transient() => Err(CoreError::NotCached),
            Err(e) => Err(e),
        }
    }

    /// Signs a document with `key` (offline too, when its content is on this
    /// computer); the signature is queued and reaches the portal at sync.
    pub async fn sign_document(
        &self,
        org_id: &str,
        id: &str,
        key: &(dyn cabinet_sign::SigningKey + Sync),
    ) -> Result<(), CoreError> {
        check_usable(key.certificate(), chrono::Utc::now())?;
        let content = self.document_content(org_id, id).await?;
        let sig = cabinet_sign::cades::sign_detached(key, &content[..], chrono::Utc::now())?;
        let signer = key
            .certificate()
            .subject_common_name
            .clone()
            .unwrap_or_default();
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(sig);
        self.with_store(|s| s.queue_document_signature(org_id, id, b64, signer))
            .await
    }

    /// Verifies every signature of a document, accepted and pending, against
    /// its content.
    pub async fn verify_document(
        &self,
        org_id: &str,
        id: &str,
    ) -> Result<Vec<crate::signing::SignerView>, CoreError> {
        let content = self.document_content(org_id, id).await?;
        let (doc, pending) = {
            let guard = self.active.lock().await;
            let a = open_session(guard.as_ref())?;
            (
                a.store
                    .document(org_id, id)?
                    .ok_or(CoreError::Invalid("document"))?,
                a.store
                    .queued_signatures(id)?
                    .into_iter()
                    .map(|(signature, _)| signature)
                    .collect::<Vec<_>>(),
            )
        };
        use base64::Engine;
        let mut out = Vec::new();
        for b64 in doc
            .signatures
            .iter()
            .map(|s| s.signature.clone())
            .chain(pending)
        {
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| CoreError::Protocol(format!("signature: {e}")))?;
            out.extend(crate::signing::verify_bytes(&der, &content)?);
        }
        Ok(out)
    }

    /// Full-text search in the organization's cached data (works offline).
    pub async fn search(&self, org_id: &str, query: &str) -> Result<Vec<SearchHit>, CoreError> {
        self.with_store(|s| s.search(org_id, query, 200)).await
    }

    /// «Исходящие»: actions not yet delivered.
    pub async fn outbox(&self, org_id: &str) -> Result<Vec<OutboxItem>, CoreError> {
        self.with_store(|s| s.outbox(org_id)).await
    }

    pub async fn retry_action(&self, id: &str) -> Result<(), CoreError> {
        self.with_store(|s| s.retry_action(id)).await
    }

    pub async fn discard_action(&self, id: &str) -> Result<(), CoreError> {
        let guard = self.active.lock().await;
        let a = open_session(guard.as_ref())?;
        let blobs = self.blobs(a);
        for sha in a.store.discard_action(id)? {
            // The action is gone either way; a file left behind is only
            // space, so a failure here is logged, not the user's problem.
            if let Err(e) = blobs.remove(&sha) {
                tracing::warn!(error = %e, "discarded file not removed");
            }
        }
        Ok(())
    }

    /// Edits the organization's contacts: checked here as the portal checks
    /// them, queued over the cached profile's version, shown at once, and
    /// sent at the next sync. Returns the profile as the user now sees it.
    pub async fn edit_profile(
        &self,
        org_id: &str,
        edit: ProfileEdit,
    ) -> Result<cabinet_api::OrganizationProfile, CoreError> {
        let edit = edit
            .normalized()
            .map_err(|e| CoreError::Invalid(e.kind()))?;
        if edit == ProfileEdit::default() {
            return Err(CoreError::Invalid("profile"));
        }
        self.with_store(|s| {
            let (mut profile, _) = s.profile(org_id)?.ok_or(CoreError::NotCached)?;
            s.queue_profile_edit(org_id, profile.version, edit)?;
            s.overlay_profile_edits(&mut profile)?;
            Ok(profile)
        })
        .await
    }

    /// A page of one kind of the organization's records (requirements,
    /// charges, notifications, history, …), filtered and sorted, with the
    /// actions on each still in the outbox (works offline).
    pub async fn records<T: cabinet_api::Record>(
        &self,
        org_id: &str,
        query: &crate::records::RecordQuery,
    ) -> Result<crate::records::RecordPage<T>, CoreError> {
        self.with_store(|s| s.record_page::<T>(org_id, query)).await
    }

    /// The organization's roles, each marked whether it is the head's
    /// (works offline).
    pub async fn roles(
        &self,
        org_id: &str,
        query: &crate::records::RecordQuery,
    ) -> Result<crate::records::RecordPage<cabinet_api::Role>, CoreError> {
        let mut page = self.records::<cabinet_api::Role>(org_id, query).await?;
        for item in &mut page.items {
            item.record = item.record.clone().marked();
        }
        Ok(page)
    }

    /// What the user's role in the organization allows (works offline).
    pub async fn permissions(
        &self,
        org_id: &str,
    ) -> Result<Vec<cabinet_api::Permission>, CoreError> {
        self.with_store(|s| s.permissions(org_id)).await
    }

    /// «Принято к исполнению» for a requirement, queued.
    pub async fn accept_requirement(&self, org_id: &str, id: &str) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_accept_requirement(org_id, id))
            .await
    }

    /// An answer to a requirement, queued (checked as the portal checks it).
    pub async fn answer_requirement(
        &self,
        org_id: &str,
        id: &str,
        reply: cabinet_api::RequirementReply,
    ) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_answer_requirement(org_id, id, reply))
            .await
    }

    /// Asks to change the bank account or the head: queued, then checked
    /// by the portal's operator.
    pub async fn request_profile_change(
        &self,
        org_id: &str,
        change: cabinet_api::NewProfileChange,
    ) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_profile_change(org_id, change))
            .await
    }

    /// Pays a charge at the next sync; the receipt arrives with it.
    pub async fn pay_charge(
        &self,
        org_id: &str,
        id: &str,
        method: cabinet_api::PaymentMethod,
    ) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_pay_charge(org_id, id, cabinet_api::PayCharge { method }))
            .await
    }

    /// An accounting export of the period (ISO days, both included) from
    /// the cache: a table of charges or payments (CSV, XLSX, or a PDF
    /// report), or both in the JSON document for 1C-style import (`part`
    /// ignored).
    pub async fn export_accounting(
        &self,
        org_id: &str,
        part: crate::accounting::AccountingPart,
        format: crate::accounting::AccountingFormat,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<u8>, CoreError> {
        self.with_store(|s| {
            use crate::accounting::AccountingFormat;
            let data = s.accounting(org_id, from, to)?;
            let profile = || -> Result<_, CoreError> {
                Ok(s.profile(org_id)?.ok_or(CoreError::NotCached)?.0)
            };
            match format {
                AccountingFormat::Json => data.json(&profile()?, chrono::Utc::now()),
                AccountingFormat::Pdf => data.pdf(part, &profile()?, chrono::Utc::now()),
                table => data.table_file(part, table),
            }
        })
        .await
    }

    /// The audit log for a period as a CSV or XLSX file (see
    /// [`Store::audit_file`]).
    ///
    /// [`Store::audit_file`]: crate::store::Store::audit_file
    pub async fn export_audit(
        &self,
        org_id: &str,
        format: crate::accounting::AccountingFormat,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<u8>, CoreError> {
        self.with_store(|s| s.audit_file(org_id, from, to, format))
            .await
    }

    /// An extract from the register, queued; it arrives as a document.
    pub async fn request_extract(&self, org_id: &str) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_request_extract(org_id)).await
    }

    /// Access for a person by e-mail with a role, queued.
    pub async fn invite_employee(
        &self,
        org_id: &str,
        invite: cabinet_api::InviteEmployee,
    ) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_invite_employee(org_id, invite))
            .await
    }

    /// Another role for an employee, queued.
    pub async fn change_employee_role(
        &self,
        org_id: &str,
        id: &str,
        role: &str,
    ) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_change_role(org_id, id, role))
            .await
    }

    /// An employee's access removed, queued.
    pub async fn remove_employee(&self, org_id: &str, id: &str) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_remove_employee(org_id, id))
            .await
    }

    /// A custom role made (`existing: None`) or its permissions changed,
    /// queued.
    pub async fn save_role(
        &self,
        org_id: &str,
        existing: Option<&str>,
        role: cabinet_api::SaveRole,
    ) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_save_role(org_id, existing, role))
            .await
    }

    /// A comment (or a reply) on an application, queued.
    pub async fn comment(
        &self,
        org_id: &str,
        application_id: &str,
        comment: cabinet_api::NewComment,
    ) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_comment(org_id, application_id, comment))
            .await
    }

    /// Notifications that arrived since the last call, for the desktop to
    /// announce (see [`Store::take_fresh_notifications`]).
    ///
    /// [`Store::take_fresh_notifications`]: crate::store::Store::take_fresh_notifications
    pub async fn fresh_notifications(
        &self,
        org_id: &str,
    ) -> Result<Vec<cabinet_api::Notification>, CoreError> {
        let fresh = self
            .with_store(|s| s.take_fresh_notifications(org_id))
            .await?;
        // The kinds the user wants on the desktop (as last fetched).
        let settings = self.with_store(crate::notify::kept_settings).await?;
        Ok(fresh
            .into_iter()
            .filter(|n| crate::notify::on_desktop(&settings, n.kind))
            .collect())
    }

    /// Marks a notification read, queued.
    pub async fn mark_read(&self, org_id: &str, id: &str) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_mark_read(org_id, id)).await
    }

    /// The header's sync indicator (works offline).
    pub async fn sync_status(&self, org_id: &str) -> Result<SyncStatus, CoreError> {
        let guard = self.active.lock().await;
        let a = open_session(guard.as_ref())?;
        let mut status = a.store.sync_status(org_id)?;
        status.online = a.online;
        Ok(status)
    }

    /// Changes the portal refused because someone else changed the same
    /// thing first (both versions, for the conflict dialog).
    pub async fn conflicts(&self, org_id: &str) -> Result<Vec<Conflict>, CoreError> {
        self.with_store(|s| s.conflicts(org_id)).await
    }

    /// The user's choice in the conflict dialog; a kept change goes out at
    /// the next sync.
    pub async fn resolve_conflict(
        &self,
        action_id: &str,
        how: Resolution,
    ) -> Result<(), CoreError> {
        self.with_store(|s| s.resolve_conflict(action_id, how))
            .await
    }

    /// The demo portal's .pfx files, saved under the data directory so the
    /// login screen can offer them; `None` when the portal is not a demo.
    pub async fn demo_certificates(&self) -> Result<Option<Vec<DemoCertificateFile>>, CoreError> {
        let Some(info) = self.client.demo_info().await? else {
            return Ok(None);
        };
        let dir = self.data_dir.join("demo-certificates");
        std::fs::create_dir_all(&dir).map_err(|e| CoreError::File {
            code: "file.write",
            detail: format!("{}: {e}", dir.display()),
        })?;
        let mut out = Vec::new();
        for c in info.certificates {
            let bytes = self.client.demo_certificate(&c.file_name).await?;
            let path = dir.join(&c.file_name);
            std::fs::write(&path, &bytes).map_err(|e| CoreError::File {
                code: "file.write",
                detail: format!("{}: {e}", path.display()),
            })?;
            if c.file_name == "director.pfx" {
                demo_container(&dir, &bytes, &c.password);
            }
            out.push(DemoCertificateFile {
                path: path.display().to_string(),
                password: c.password,
                holder: c.holder,
                description: c.description,
                expired: c.expired,
            });
        }
        Ok(Some(out))
    }

    /// The CryptoPro containers in the usual places and in `chosen`.
    pub async fn key_containers(
        &self,
        chosen: Option<String>,
    ) -> Result<crate::certificates::ContainerListing, CoreError> {
        let roots = crate::certificates::container_roots(&self.data_dir, chosen.as_deref());
        tokio::task::spawn_blocking(move || crate::certificates::container_listing(&roots))
            .await
            .map_err(|e| CoreError::Config(format!("worker: {e}")))
    }

    async fn finish(
        &self,
        tokens: TokenPair,
        unlock: Option<PasswordCheck>,
    ) -> Result<SessionView, CoreError> {
        let me = self.client.me(&tokens.access_token).await?;
        let (store, cache_key) = self.open_store(&me.user_id, true)?;
        store.save_me(&me)?;
        if let Err(e) = self
            .keychain
            .set(&self.account(&me.user_id), &tokens.refresh_token)
        {
            // The session still works; it just will not survive a restart.
            tracing::warn!(error = %e, "refresh token not saved to the keychain");
        }
        self.write_pointer(&me.user_id)?;
        let active = Active {
            me,
            locked: false,
            unlock,
            unlock_failures: 0,
            prefetched: Default::default(),
            store,
            cache_key,
            access: Some(Zeroizing::new(tokens.access_token.clone())),
            refresh: Some(Zeroizing::new(tokens.refresh_token.clone())),
            refresh_key: None,
            online: true,
        };
        let view = self.view(&active)?;
        *self.active.lock().await = Some(active);
        tracing::info!("logged in");
        Ok(view)
    }

    /// Reopens the last session after a restart: online when the refresh
    /// token still works, offline from the cache when the portal cannot be
    /// reached, `None` when a login is needed.
    pub async fn resume(&self) -> Result<Option<SessionView>, CoreError> {
        let Some(pointer) = self.read_pointer() else {
            return Ok(None);
        };
        let path = self.profile_dir(&pointer.user_id).join(CACHE_FILE);
        if !path.exists() {
            return Ok(None);
        }
        let (store, cache_key) = match self.open_store(&pointer.user_id, false) {
            Ok(opened) => opened,
            Err(e) => {
                tracing::warn!(code = %e.code(), "the cache does not open: login needed");
                return Ok(None);
            }
        };
        let Some(me) = store.me()? else {
            return Ok(None);
        };
        let stored = match self.keychain_get(&self.account(&me.user_id)) {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "keychain unreadable");
                None
            }
        };
        let has_token = stored.is_some();
        let mut active = Active {
            me,
            locked: false,
            unlock: None,
            unlock_failures: 0,
            prefetched: Default::default(),
            store,
            cache_key,
            access: None,
            refresh: stored,
            refresh_key: None,
            online: false,
        };
        if has_token {
            match self.renew_detached(&mut active).await {
                Ok(()) => {
                    let token = active.access_token()?;
                    if let Ok(me) = self.client.me(&token).await {
                        active.store.save_me(&me)?;
                        active.me = me;
                    }
                }
                Err(e) if e.is_transient() => {
                    tracing::info!(error = %e, "portal unreachable: opening the cache offline");
                }
                Err(e) => {
                    tracing::info!(code = %e.code(), "stored session refused: login needed");
                    return Ok(None);
                }
            }
        } else {
            match self.client.health().await {
                Err(e) if e.is_transient() => {
                    tracing::info!("no stored session and no portal: opening the cache offline");
                }
                _ => return Ok(None),
            }
        }
        let view = self.view(&active)?;
        *self.active.lock().await = Some(active);
        Ok(Some(view))
    }

    fn view(&self, a: &Active) -> Result<SessionView, CoreError> {
        Ok(SessionView {
            user: a.me.clone(),
            portal_url: self.portal_url(),
            online: a.online,
            last_org_id: a.store.meta(LAST_ORG)?,
        })
    }

    /// Gets a fresh access token for a session not yet in place (a
    /// restart), rotating the refresh token. The request's key is kept (in
    /// memory and the cache) until an answer arrives, so a retry after a
    /// lost reply or a crash is the same request.
    async fn renew_detached(&self, a: &mut Active) -> Result<(), CoreError> {
        let refresh = a.refresh.clone().ok_or(CoreError::NotLoggedIn)?;
        let key = refresh_retry_key(a, &refresh)?;
        let result = self.client.refresh(&refresh, &key).await;
        self.keep_renewal(a, result)
    }

    /// Keeps what a refresh answered: the new pair (the refresh token in
    /// the keychain first), or the end of the session's tokens when the
    /// portal refused the refresh token.
    fn keep_renewal(
        &self,
        a: &mut Active,
        result: Result<TokenPair, CoreError>,
    ) -> Result<(), CoreError> {
        if !matches!(&result, Err(e) if e.is_transient()) {
            a.refresh_key = None;
        }
        match result {
            Ok(t) => {
                if let Err(e) = self
                    .keychain
                    .set(&self.account(&a.me.user_id), &t.refresh_token)
                {
                    tracing::warn!(error = %e, "rotated refresh token not saved");
                }
                // Only once the new token is kept: a crash before this line
                // retries the same request after a restart.
                a.store.set_meta(REFRESH_RETRY, "")?;
                a.access = Some(Zeroizing::new(t.access_token));
                a.refresh = Some(Zeroizing::new(t.refresh_token));
                a.online = true;
                Ok(())
            }
            Err(e) if is_auth_failure(&e) => {
                a.store.set_meta(REFRESH_RETRY, "")?;
                let _ = self.keychain.delete(&self.account(&a.me.user_id));
                a.refresh = None;
                a.access = None;
                Err(CoreError::NotLoggedIn)
            }
            Err(e) => Err(e),
        }
    }

    /// A fresh access token for `user`'s open session, unless another
    /// caller renewed it since `stale` was refused (then that one).
    /// Renewals run one at a time, so two callers never spend one refresh
    /// token twice; the session is taken to read the refresh token and to
    /// keep the answer, not while the request is under way.
    async fn renew(&self, user: &str, stale: Option<&str>) -> Result<String, CoreError> {
        enum Step {
            Current(String),
            Refresh(Zeroizing<String>, String),
        }
        let _one = self.renewing.lock().await;
        let step = self
            .with_active(user, |a| match &a.access {
                Some(t) if Some(t.as_str()) != stale => Ok(Step::Current(t.to_string())),
                _ => {
                    let refresh = a.refresh.clone().ok_or(CoreError::NotLoggedIn)?;
                    let key = refresh_retry_key(a, &refresh)?;
                    Ok(Step::Refresh(refresh, key))
                }
            })
            .await?;
        let (refresh, key) = match step {
            Step::Current(token) => return Ok(token),
            Step::Refresh(refresh, key) => (refresh, key),
        };
        let result = self.client.refresh(&refresh, &key).await;
        self.with_active(user, |a| {
            // A logout or another login meanwhile: this answer is not theirs.
            if a.refresh.as_ref().map(|r| r.as_str()) != Some(refresh.as_str()) {
                return Err(CoreError::NotLoggedIn);
            }
            self.keep_renewal(a, result)?;
            a.access_token()
        })
        .await
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

    /// The portal client, for calls that need no session.
    pub(crate) fn portal_client(&self) -> &ApiV1Client {
        &self.client
    }

    /// An authenticated call for work that only exists online (a
    /// registration): the session's online flag follows the outcome.
    pub(crate) async fn online_call<T, F, Fut>(&self, f: F) -> Result<T, CoreError>
    where
        F: Fn(ApiV1Client, String) -> Fut,
        Fut: std::future::Future<Output = Result<T, CoreError>>,
    {
        let (user, _) = self.session_user().await?;
        let result = self.call(&user, f).await;
        self.note_online(&user, &result).await;
        result
    }

    /// The session's online flag after a call's `result`.
    async fn note_online<T>(&self, user: &str, result: &Result<T, CoreError>) {
        let online = match result {
            Ok(_) => true,
            Err(e) if e.is_transient() => false,
            Err(_) => return,
        };
        let _ = self
            .with_active(user, |a| {
                a.online = online;
                Ok(())
            })
            .await;
    }

    /// An authenticated call for `user`'s session; the token is renewed
    /// once if the portal refused it. Nothing is locked while it runs.
    async fn call<T, F, Fut>(&self, user: &str, f: F) -> Result<T, CoreError>
    where
        F: Fn(ApiV1Client, String) -> Fut,
        Fut: std::future::Future<Output = Result<T, CoreError>>,
    {
        let tokens = SessionTokens {
            cabinet: self,
            user,
        };
        crate::backend::authorized(&self.client, &tokens, f).await
    }

    /// The organizations of the user: from the portal, or from the cache offline.
    pub async fn organizations(&self) -> Result<OrganizationsView, CoreError> {
        let (user, ask) = self.session_user().await?;
        if ask {
            let fetched = self
                .call(&user, |c, t| async move { c.organizations(&t).await })
                .await;
            self.note_online(&user, &fetched).await;
            match fetched {
                Ok(list) => {
                    self.with_active(&user, |a| {
                        a.store.replace_organizations(&list.items, &now())
                    })
                    .await?;
                    return Ok(OrganizationsView {
                        items: list.items,
                        online: true,
                    });
                }
                Err(e) if e.is_transient() => {
                    tracing::info!(error = %e, "offline: organizations from the cache");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(OrganizationsView {
            items: self.with_store(|s| s.organizations()).await?,
            online: false,
        })
    }

    /// The services catalog: refreshed from the portal when it changed,
    /// the copy kept here when offline (`cache.not_found` if there never
    /// was one).
    pub async fn services(&self) -> Result<crate::view::ServicesView, CoreError> {
        let (items, online, fetched_at) = self.reference_list(SERVICES, "v1/services").await?;
        Ok(crate::view::ServicesView {
            items,
            online,
            fetched_at,
        })
    }

    /// The support FAQ, kept for offline use like the catalog.
    pub async fn faq(&self) -> Result<crate::support::FaqView, CoreError> {
        let (items, online, fetched_at) = self.reference_list(FAQ, "v1/support/faq").await?;
        Ok(crate::support::FaqView {
            items,
            online,
            fetched_at,
        })
    }

    /// A public list of the portal kept in the `reference` entry `name`:
    /// refreshed when it changed (ETag), the kept copy when offline; also
    /// whether it came from the portal, and when the portal last confirmed it.
    async fn reference_list<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
        path: &str,
    ) -> Result<(Vec<T>, bool, String), CoreError> {
        let (user, _) = self.session_user().await?;
        let etag = self
            .with_store(|s| Ok(s.reference(name)?.and_then(|(_, e, _)| e)))
            .await?;
        // A public list: asked without the session held.
        let fresh = self.client.etagged::<Vec<T>>(path, etag.as_deref()).await;
        let (json, _, fetched_at, online) = self
            .with_active(&user, |a| {
                let online = match fresh {
                    Ok(fresh) => {
                        let (json, tag) = match fresh {
                            Some((json, tag)) => (Some(json), tag),
                            None => (None, etag),
                        };
                        a.store
                            .put_reference(name, json.as_deref(), tag.as_deref(), &now())?;
                        true
                    }
                    Err(e) if e.is_transient() => {
                        tracing::info!(error = %e, "offline: {name} from the cache");
                        false
                    }
                    Err(e) => return Err(e),
                };
                let (json, tag, at) = a.store.reference(name)?.ok_or(CoreError::NotCached)?;
                Ok((json, tag, at, online))
            })
            .await?;
        let items = serde_json::from_str(&json).map_err(|e| CoreError::Store(e.to_string()))?;
        Ok((items, online, fetched_at))
    }

    /// Writes to support: checked as the portal will check it, the files
    /// kept encrypted here, sent at the next sync (the number comes back
    /// with it). Returns the outbox action's id.
    pub async fn file_ticket(
        &self,
        org_id: &str,
        topic: cabinet_api::TicketTopic,
        message: &str,
        files: Vec<(String, Vec<u8>)>,
    ) -> Result<String, CoreError> {
        let files: Vec<_> = files
            .into_iter()
            .map(|(name, bytes)| (name.trim().to_owned(), bytes))
            .collect();
        crate::support::check_files(&files)?;
        let guard = self.active.lock().await;
        let a = open_session(guard.as_ref())?;
        let mut queued = Vec::with_capacity(files.len());
        for (name, bytes) in files {
            let sha256 = crate::blobs::sha256_hex(&bytes);
            self.blobs(a).put(&sha256, &bytes)?;
            queued.push(crate::support::QueuedFile {
                name,
                sha256,
                size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            });
        }
        a.store.queue_ticket(org_id, topic, message, queued)
    }

    /// The user's tickets in `org_id`, delivered and waiting.
    pub async fn support(&self, org_id: &str) -> Result<crate::support::SupportView, CoreError> {
        self.with_store(|s| s.support(org_id)).await
    }

    /// Opens an organization: its dashboard, fresh when online, cached when not.
    pub async fn open_organization(&self, org_id: &str) -> Result<Dashboard, CoreError> {
        let (user, ask) = self.session_user().await?;
        // The user's role and the cabinet's state, as the kept list says.
        let role = |a: &Active| -> Result<(Option<String>, Option<CabinetAccess>), CoreError> {
            Ok(a.store
                .organizations()?
                .into_iter()
                .find(|o| o.id == org_id)
                .map(|o| (Some(o.role), o.access))
                .unwrap_or_default())
        };
        let dashboard = |role: Option<String>, access, profile, online, synced_at| Dashboard {
            is_head: role.as_deref() == Some(cabinet_api::HEAD_ROLE),
            role,
            access,
            profile,
            online,
            synced_at,
        };
        if ask {
            let id = org_id.to_owned();
            let fetched = self
                .call(&user, move |c, t| {
                    let id = id.clone();
                    async move { c.profile(&t, &id).await }
                })
                .await;
            self.note_online(&user, &fetched).await;
            match fetched {
                Ok(mut profile) => {
                    let at = now();
                    // A fresh list: the role of an organization joined
                    // since, and whether the portal suspended or blocked
                    // the cabinet (or lifted it). Without it the dashboard
                    // still opens, with what the kept list says.
                    let list = self
                        .call(&user, |c, t| async move { c.organizations(&t).await })
                        .await;
                    return self
                        .with_active(&user, |a| {
                            match list {
                                Ok(list) => a.store.replace_organizations(&list.items, &at)?,
                                Err(e) => tracing::info!(error = %e, "organizations not refreshed"),
                            }
                            a.store.save_profile(&profile, &at)?;
                            a.store.overlay_profile_edits(&mut profile)?;
                            a.store.set_meta(LAST_ORG, org_id)?;
                            let (role, access) = role(a)?;
                            Ok(dashboard(role, access, profile, true, at))
                        })
                        .await;
                }
                Err(e) if e.is_transient() => {
                    tracing::info!(error = %e, "offline: dashboard from the cache");
                }
                Err(e) => return Err(e),
            }
        }
        self.with_active(&user, |a| {
            let (mut profile, synced_at) = a.store.profile(org_id)?.ok_or(CoreError::NotCached)?;
            a.store.overlay_profile_edits(&mut profile)?;
            a.store.set_meta(LAST_ORG, org_id)?;
            let (role, access) = role(a)?;
            Ok(dashboard(role, access, profile, false, synced_at))
        })
        .await
    }

    /// `PRAGMA integrity_check` of the last session's cache ("ok" when
    /// sound), without the network: after a crash, or for support.
    pub async fn check_cache(&self) -> Result<String, CoreError> {
        if let Some(a) = self.active.lock().await.as_ref() {
            return a.store.integrity_check();
        }
        let pointer = self.read_pointer().ok_or(CoreError::NotLoggedIn)?;
        if !self.profile_dir(&pointer.user_id).join(CACHE_FILE).exists() {
            return Err(CoreError::NotCached);
        }
        let (store, _) = self.open_store(&pointer.user_id, false)?;
        store.integrity_check()
    }

    /// Ends the session: the portal revokes it, the keychain forgets the
    /// token, and with `forget_cache` the local copy of this profile goes too.
    ///
    /// Forgetting the cache is refused (`cache.unsent_actions`) while its
    /// outbox holds actions not yet delivered, unless `discard_outbox`: they
    /// would be lost.
    pub async fn logout(&self, forget_cache: bool, discard_outbox: bool) -> Result<(), CoreError> {
        let mut active = self.active.lock().await;
        if forget_cache && !discard_outbox {
            if let Some(a) = active.as_ref() {
                let unsent = a.store.unsent_actions()?;
                if unsent > 0 {
                    return Err(CoreError::Refused {
                        code: "cache.unsent_actions",
                        detail: format!("{unsent} actions are not sent yet"),
                    });
                }
            }
        }
        let Some(a) = active.take() else {
            return Ok(());
        };
        drop(active);
        if let Some(refresh) = &a.refresh {
            if let Err(e) = self.client.logout(refresh).await {
                tracing::warn!(error = %e, "portal logout failed; the token is forgotten locally anyway");
            }
        }
        self.keychain.delete(&self.account(&a.me.user_id))?;
        let _ = std::fs::remove_file(self.data_dir.join(POINTER_FILE));
        let dir = self.profile_dir(&a.me.user_id);
        let a_user = a.me.user_id.clone();
        drop(a);
        if forget_cache {
            std::fs::remove_dir_all(&dir).map_err(|e| CoreError::Store(e.to_string()))?;
            self.keychain.delete(&self.key_account(&a_user))?;
        }
        Ok(())
    }
}

/// The open session's tokens as a request sees them: read, or renewed,
/// with the session held only for that.
struct SessionTokens<'c> {
    cabinet: &'c Cabinet,
    user: &'c str,
}

impl crate::backend::Tokens for SessionTokens<'_> {
    fn token(&self) -> crate::backend::Reply<'_, String> {
        Box::pin(async move {
            let current = self
                .cabinet
                .with_active(self.user, |a| Ok(a.access.as_ref().map(|t| t.to_string())))
                .await?;
            match current {
                Some(token) => Ok(token),
                None => self.cabinet.renew(self.user, None).await,
            }
        })
    }

    fn renewed<'a>(&'a self, stale: &'a str) -> crate::backend::Reply<'a, String> {
        Box::pin(self.cabinet.renew(self.user, Some(stale)))
    }
}

/// A short name of a data directory (its canonical path, hashed) for
/// keychain entries.
fn keychain_scope(data_dir: &Path) -> String {
    let path = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_owned());
    let digest = Sha256::digest(path.as_os_str().as_encoded_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}
