//! Login flows and the [`Cabinet`] facade the app and the CLI drive.
//!
//! The access token lives only in memory; the refresh token goes to the OS
//! keychain so a restart resumes the session. A small pointer file
//! (`last-session.json`: portal URL and user id, nothing secret) tells a
//! restart which cache to open, so without network the last organization is
//! still readable.

use std::path::{Path, PathBuf};

use cabinet_api::{DemoInfo, DemoSms, Me, PasswordLoginResponse, TokenPair};
use cabinet_sign::SigningKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;
use zeroize::Zeroizing;

use crate::certificates::check_usable;
use crate::certificates::CertificateView;
use crate::portal::PortalClient;
use crate::secrets::Keychain;
use crate::store::{Store, StoredCertificate};
use crate::view::{
    Dashboard, DemoCertificateFile, LoginStep, MyCertificate, OrganizationsView, SessionView,
};
use crate::CoreError;

const POINTER_FILE: &str = "last-session.json";
const LAST_ORG: &str = "last_org_id";

#[derive(Debug, Serialize, Deserialize)]
struct Pointer {
    portal_url: String,
    user_id: String,
}

struct Active {
    me: Me,
    store: Store,
    access: Option<Zeroizing<String>>,
    refresh: Option<Zeroizing<String>>,
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

/// Where the key of a remembered certificate lives.
#[derive(Debug, Clone)]
pub enum KeyLocation {
    Pfx(String),
    Token { module: String, key_id: String },
}

pub struct Cabinet {
    client: PortalClient,
    keychain: Keychain,
    data_dir: PathBuf,
    active: Mutex<Option<Active>>,
}

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
        Ok(Self {
            client: PortalClient::new(portal_url)?,
            keychain,
            data_dir: data_dir.to_owned(),
            active: Mutex::new(None),
        })
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

    fn account(&self, user_id: &str) -> String {
        format!("refresh:{}:{user_id}", self.portal_url())
    }

    fn write_pointer(&self, user_id: &str) -> Result<(), CoreError> {
        let p = Pointer {
            portal_url: self.portal_url(),
            user_id: user_id.to_owned(),
        };
        let json = serde_json::to_vec(&p).map_err(|e| CoreError::Store(e.to_string()))?;
        std::fs::create_dir_all(&self.data_dir).map_err(|e| CoreError::Store(e.to_string()))?;
        let tmp = self.data_dir.join(format!("{POINTER_FILE}.tmp"));
        std::fs::write(&tmp, json).map_err(|e| CoreError::Store(e.to_string()))?;
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
        match self.client.password_login(login, password).await? {
            PasswordLoginResponse::Tokens(t) => Ok(LoginStep::Done {
                session: self.finish(t).await?,
            }),
            PasswordLoginResponse::Mfa(m) => Ok(LoginStep::NeedCode {
                ticket: m.ticket,
                channel: m.channel,
                destination: m.destination,
                expires_at: m.expires_at,
            }),
        }
    }

    /// Second login step: the SMS or authenticator code.
    pub async fn submit_code(&self, ticket: &str, code: &str) -> Result<SessionView, CoreError> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
            return Err(CoreError::Invalid("code"));
        }
        let tokens = self.client.submit_otp(ticket, &code).await?;
        self.finish(tokens).await
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
        self.finish(tokens).await
    }

    async fn with_store<T>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let guard = self.active.lock().await;
        let active = guard.as_ref().ok_or(CoreError::NotLoggedIn)?;
        f(&active.store)
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

    pub async fn forget_certificate(&self, sha256: &str) -> Result<(), CoreError> {
        if self.with_store(|s| s.remove_certificate(sha256)).await? {
            Ok(())
        } else {
            Err(CoreError::Invalid("certificate"))
        }
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
            std::fs::write(&path, bytes).map_err(|e| CoreError::File {
                code: "file.write",
                detail: format!("{}: {e}", path.display()),
            })?;
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

    async fn finish(&self, tokens: TokenPair) -> Result<SessionView, CoreError> {
        let me = self.client.me(&tokens.access_token).await?;
        let store = Store::open(&self.profile_dir(&me.user_id).join("cache.sqlite3"))?;
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
            store,
            access: Some(Zeroizing::new(tokens.access_token.clone())),
            refresh: Some(Zeroizing::new(tokens.refresh_token.clone())),
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
        let path = self.profile_dir(&pointer.user_id).join("cache.sqlite3");
        if !path.exists() {
            return Ok(None);
        }
        let store = Store::open(&path)?;
        let Some(me) = store.me()? else {
            return Ok(None);
        };
        let stored = match self.keychain.get(&self.account(&me.user_id)) {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "keychain unreadable");
                None
            }
        };
        let has_token = stored.is_some();
        let mut active = Active {
            me,
            store,
            access: None,
            refresh: stored,
            online: false,
        };
        if has_token {
            match self.renew(&mut active).await {
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

    /// Gets a fresh access token with the refresh token, rotating it.
    async fn renew(&self, a: &mut Active) -> Result<(), CoreError> {
        let refresh = a.refresh.clone().ok_or(CoreError::NotLoggedIn)?;
        match self.client.refresh(&refresh).await {
            Ok(t) => {
                if let Err(e) = self
                    .keychain
                    .set(&self.account(&a.me.user_id), &t.refresh_token)
                {
                    tracing::warn!(error = %e, "rotated refresh token not saved");
                }
                a.access = Some(Zeroizing::new(t.access_token));
                a.refresh = Some(Zeroizing::new(t.refresh_token));
                a.online = true;
                Ok(())
            }
            Err(e) if is_auth_failure(&e) => {
                let _ = self.keychain.delete(&self.account(&a.me.user_id));
                a.refresh = None;
                a.access = None;
                Err(CoreError::NotLoggedIn)
            }
            Err(e) => Err(e),
        }
    }

    /// Runs an authenticated call; renews the access token once if it expired.
    async fn call<T, F, Fut>(&self, a: &mut Active, f: F) -> Result<T, CoreError>
    where
        F: Fn(PortalClient, String) -> Fut,
        Fut: std::future::Future<Output = Result<T, CoreError>>,
    {
        if a.access.is_none() {
            self.renew(a).await?;
        }
        match f(self.client.clone(), a.access_token()?).await {
            Err(e) if is_auth_failure(&e) => {
                self.renew(a).await?;
                f(self.client.clone(), a.access_token()?).await
            }
            other => other,
        }
    }

    /// The organizations of the user: from the portal, or from the cache offline.
    pub async fn organizations(&self) -> Result<OrganizationsView, CoreError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or(CoreError::NotLoggedIn)?;
        if a.online || a.refresh.is_some() {
            match self
                .call(a, |c, t| async move { c.organizations(&t).await })
                .await
            {
                Ok(list) => {
                    a.online = true;
                    a.store.replace_organizations(&list.items, &now())?;
                    return Ok(OrganizationsView {
                        items: list.items,
                        online: true,
                    });
                }
                Err(e) if e.is_transient() => {
                    tracing::info!(error = %e, "offline: organizations from the cache");
                    a.online = false;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(OrganizationsView {
            items: a.store.organizations()?,
            online: false,
        })
    }

    /// Opens an organization: its dashboard, fresh when online, cached when not.
    pub async fn open_organization(&self, org_id: &str) -> Result<Dashboard, CoreError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or(CoreError::NotLoggedIn)?;
        let role = |a: &Active| -> Result<Option<String>, CoreError> {
            Ok(a.store
                .organizations()?
                .into_iter()
                .find(|o| o.id == org_id)
                .map(|o| o.role))
        };
        if a.online || a.refresh.is_some() {
            let id = org_id.to_owned();
            match self
                .call(a, move |c, t| {
                    let id = id.clone();
                    async move { c.profile(&t, &id).await }
                })
                .await
            {
                Ok(profile) => {
                    a.online = true;
                    let at = now();
                    a.store.save_profile(&profile, &at)?;
                    a.store.set_meta(LAST_ORG, org_id)?;
                    return Ok(Dashboard {
                        role: role(a)?,
                        profile,
                        online: true,
                        synced_at: at,
                    });
                }
                Err(e) if e.is_transient() => {
                    tracing::info!(error = %e, "offline: dashboard from the cache");
                    a.online = false;
                }
                Err(e) => return Err(e),
            }
        }
        let (profile, synced_at) = a.store.profile(org_id)?.ok_or(CoreError::NotCached)?;
        a.store.set_meta(LAST_ORG, org_id)?;
        Ok(Dashboard {
            role: role(a)?,
            profile,
            online: false,
            synced_at,
        })
    }

    /// Ends the session: the portal revokes it, the keychain forgets the
    /// token, and with `forget_cache` the local copy of this profile goes too.
    pub async fn logout(&self, forget_cache: bool) -> Result<(), CoreError> {
        let Some(a) = self.active.lock().await.take() else {
            return Ok(());
        };
        if let Some(refresh) = &a.refresh {
            if let Err(e) = self.client.logout(refresh).await {
                tracing::warn!(error = %e, "portal logout failed; the token is forgotten locally anyway");
            }
        }
        self.keychain.delete(&self.account(&a.me.user_id))?;
        let _ = std::fs::remove_file(self.data_dir.join(POINTER_FILE));
        let dir = self.profile_dir(&a.me.user_id);
        drop(a);
        if forget_cache {
            std::fs::remove_dir_all(&dir).map_err(|e| CoreError::Store(e.to_string()))?;
        }
        Ok(())
    }
}
