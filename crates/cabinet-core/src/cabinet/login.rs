//! Logging in and out: password and a second factor, a certificate, the
//! session's lock after inactivity, a restart that resumes the last session.

use super::*;
use cabinet_api::ErrorCode;

impl Cabinet {
    /// Demo credentials when the portal is a demo portal; `None` otherwise or offline.
    pub async fn demo_info(&self) -> Option<DemoInfo> {
        self.backend.demo_info().await.ok().flatten()
    }

    pub async fn demo_sms(&self, ticket: &str) -> Result<DemoSms, CoreError> {
        self.backend.demo_sms(ticket).await
    }

    /// First login step: password. Either done, or a code is needed.
    pub async fn login_password(
        &self,
        login: &str,
        password: &str,
    ) -> Result<LoginStep, CoreError> {
        let login = login.trim();
        if login.is_empty() {
            return Err(CoreError::Invalid(ErrorCode::InputLogin));
        }
        if password.is_empty() {
            return Err(CoreError::Invalid(ErrorCode::InputPassword));
        }
        let check = PasswordCheck::new(password);
        match self.backend.password_login(login, password).await? {
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
            return Err(CoreError::Invalid(ErrorCode::InputCode));
        }
        let tokens = self.backend.submit_otp(ticket, &code).await?;
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
        let challenge = self.backend.challenge().await?;
        let nonce = {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(&challenge.nonce)
                .map_err(|e| CoreError::Protocol(format!("challenge nonce: {e}")))?
        };
        let signature = cabinet_sign::cades::sign_detached(key, &nonce[..], chrono::Utc::now())?;
        let tokens = self
            .backend
            .certificate_login(&challenge.challenge_id, &signature)
            .await?;
        tracing::info!(serial = %key.certificate().serial, "certificate login");
        self.finish(tokens, None).await
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

    pub(super) async fn finish(
        &self,
        tokens: TokenPair,
        unlock: Option<PasswordCheck>,
    ) -> Result<SessionView, CoreError> {
        let me = self.backend.me(&tokens.access_token).await?;
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
            idle_sync_stores: Vec::new(),
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
            idle_sync_stores: Vec::new(),
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
                    if let Ok(me) = self.backend.me(&token).await {
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
            match self.backend.health().await {
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
                        code: ErrorCode::CacheUnsentActions,
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
            if let Err(e) = self.backend.logout(refresh).await {
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
