//! Sync with the portal (the engine is `crate::sync::engine`; here: one sync
//! per organization, the session let go while it runs), the outbox and
//! conflicts.

use super::*;

impl Cabinet {
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
            let mut guard = self.active.lock().await;
            let a = open_session_mut(guard.as_mut())?;
            let store = match a.idle_sync_stores.pop() {
                Some(store) => store,
                None => Store::open(a.store.path(), a.cache_key.as_ref())?,
            };
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
        let backend = self.backend.clone();
        let mut engine = crate::sync::engine::Engine::new(
            backend,
            &tokens,
            self.retry.clone(),
            store,
            blobs,
            self.prefetch_policy(),
        );
        let outcome = engine.run(org_id, prefetch_due, progress).await;
        let store = engine.into_store();
        let kept = store.release_memory();
        give_back_freed_memory();
        // The connection goes back whatever the outcome; the session (if it
        // is still this user's) learns what the sync found.
        let report = self
            .with_active(&user, |a| {
                if kept.is_ok() {
                    a.idle_sync_stores.push(store);
                }
                let outcome = outcome?;
                a.online = outcome.report.online;
                if outcome.prefetched {
                    a.prefetched.insert(org_id.to_owned());
                }
                Ok(outcome.report)
            })
            .await?;
        tracing::info!(?report, "sync");
        if report.online {
            // The trust list and stale CRLs ride along; the sync of the
            // cabinet's data does not depend on them.
            if let Err(e) = self.refresh_trust(false).await {
                tracing::warn!(error = %e, "trust list not refreshed");
            }
        }
        Ok(report)
    }

    /// The guard that keeps two syncs of `org` apart.
    pub(super) fn sync_guard(&self, org: &str) -> std::sync::Arc<Mutex<()>> {
        let mut guards = self.syncing.lock().unwrap_or_else(|e| e.into_inner());
        guards.entry(org.to_owned()).or_default().clone()
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
}

/// A sync decodes thousands of pages of JSON and frees them; glibc keeps
/// what was freed for the next allocation unless asked to give it back.
/// After a sync nothing of the kind comes soon, so it goes back to the
/// system (this is not a leak fix: without it the memory is reused, but
/// stays counted to the app).
#[allow(unsafe_code)]
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: glibc's malloc_trim takes no pointers and locks every
        // arena it trims; it is safe to call from any thread at any time.
        unsafe {
            malloc_trim(0);
        }
    }
}
