//! The user's notification channels: fetched from the portal and kept in
//! the cache (so the desktop knows offline which kinds to announce), saved
//! to the portal only online.

use cabinet_api::{NotificationChannels, NotificationKind, NotificationSettings};

use super::*;
use crate::store::Store;

/// The cache's name for the kept copy.
const KEPT: &str = "notification-settings";

/// The kept copy, or the defaults before the first fetch.
pub(crate) fn kept_settings(store: &Store) -> Result<NotificationSettings, CoreError> {
    match store.reference(KEPT)? {
        Some((json, _, _)) => {
            serde_json::from_str(&json).map_err(|e| CoreError::Store(e.to_string()))
        }
        None => Ok(NotificationSettings {
            items: NotificationKind::ALL
                .into_iter()
                .map(NotificationChannels::default_for)
                .collect(),
        }),
    }
}

/// Whether `kind` is announced on the desktop (a kind the settings do not
/// name is).
pub(crate) fn on_desktop(settings: &NotificationSettings, kind: NotificationKind) -> bool {
    settings
        .items
        .iter()
        .find(|i| i.kind == kind)
        .is_none_or(|i| i.desktop)
}

fn keep(store: &Store, settings: &NotificationSettings) -> Result<(), CoreError> {
    let json = serde_json::to_string(settings).map_err(|e| CoreError::Store(e.to_string()))?;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    store.put_reference(KEPT, Some(&json), None, &now)
}

impl Cabinet {
    /// The user's channels: fresh from the portal when it answers (and
    /// kept), the kept copy when not.
    pub async fn notification_settings(&self) -> Result<NotificationSettings, CoreError> {
        match self
            .online_call(|c, t| async move { c.notification_settings(&t).await })
            .await
        {
            Ok(fresh) => {
                self.with_store(|s| keep(s, &fresh)).await?;
                Ok(fresh)
            }
            Err(e) if e.is_transient() => self.with_store(kept_settings).await,
            Err(e) => Err(e),
        }
    }

    /// Saves the channels on the portal (online only: they decide what the
    /// portal sends by e-mail and SMS) and keeps the answer.
    pub async fn save_notification_settings(
        &self,
        settings: &NotificationSettings,
    ) -> Result<NotificationSettings, CoreError> {
        let saved = self
            .online_call(|c, t| async move { c.save_notification_settings(&t, settings).await })
            .await?;
        self.with_store(|s| keep(s, &saved)).await?;
        Ok(saved)
    }
}
