//! The session's tokens: read or renewed with the session held only for
//! that (one renewal at a time), and the authenticated calls made with them.

use super::*;

impl Cabinet {
    /// Gets a fresh access token for a session not yet in place (a
    /// restart), rotating the refresh token. The request's key is kept (in
    /// memory and the cache) until an answer arrives, so a retry after a
    /// lost reply or a crash is the same request.
    pub(super) async fn renew_detached(&self, a: &mut Active) -> Result<(), CoreError> {
        let refresh = a.refresh.clone().ok_or(CoreError::NotLoggedIn)?;
        let key = refresh_retry_key(a, &refresh)?;
        let result = self.backend.refresh(&refresh, &key).await;
        self.keep_renewal(a, result)
    }

    /// Keeps what a refresh answered: the new pair (the refresh token in
    /// the keychain first), or the end of the session's tokens when the
    /// portal refused the refresh token.
    pub(super) fn keep_renewal(
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
            Err(e) if e.is_unauthorized() => {
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
    pub(super) async fn renew(&self, user: &str, stale: Option<&str>) -> Result<String, CoreError> {
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
        let result = self.backend.refresh(&refresh, &key).await;
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

    /// An authenticated call for work that only exists online (a
    /// registration): the session's online flag follows the outcome.
    pub(crate) async fn online_call<T, F, Fut>(&self, f: F) -> Result<T, CoreError>
    where
        F: Fn(SharedBackend, String) -> Fut,
        Fut: std::future::Future<Output = Result<T, CoreError>>,
    {
        let (user, _) = self.session_user().await?;
        let result = self.call(&user, f).await;
        self.note_online(&user, &result).await;
        result
    }

    /// The session's online flag after a call's `result`.
    pub(super) async fn note_online<T>(&self, user: &str, result: &Result<T, CoreError>) {
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
    pub(super) async fn call<T, F, Fut>(&self, user: &str, f: F) -> Result<T, CoreError>
    where
        F: Fn(SharedBackend, String) -> Fut,
        Fut: std::future::Future<Output = Result<T, CoreError>>,
    {
        let tokens = SessionTokens {
            cabinet: self,
            user,
        };
        crate::backend::authorized(&self.backend, &tokens, f).await
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

/// The open session's tokens as a request sees them: read, or renewed,
/// with the session held only for that.
pub(super) struct SessionTokens<'c> {
    pub cabinet: &'c Cabinet,
    pub user: &'c str,
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
