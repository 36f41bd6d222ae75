//! Organizations: the list, a dashboard, the profile and its changes, the
//! services catalog and FAQ kept for offline use, the records of each kind.

use super::*;
use crate::backend::Reference;
use cabinet_api::ErrorCode;

impl Cabinet {
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

    /// The services catalog: refreshed from the portal when it changed,
    /// the copy kept here when offline (`cache.not_found` if there never
    /// was one).
    pub async fn services(&self) -> Result<crate::view::ServicesView, CoreError> {
        let (items, online, fetched_at) =
            self.reference_list(SERVICES, Reference::Services).await?;
        Ok(crate::view::ServicesView {
            items,
            online,
            fetched_at,
        })
    }

    /// The support FAQ, kept for offline use like the catalog.
    pub async fn faq(&self) -> Result<crate::support::FaqView, CoreError> {
        let (items, online, fetched_at) = self.reference_list(FAQ, Reference::Faq).await?;
        Ok(crate::support::FaqView {
            items,
            online,
            fetched_at,
        })
    }

    /// A public list of the portal kept in the `reference` entry `name`:
    /// refreshed when it changed (ETag), the kept copy when offline; also
    /// whether it came from the portal, and when the portal last confirmed it.
    pub(super) async fn reference_list<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
        list: Reference,
    ) -> Result<(Vec<T>, bool, String), CoreError> {
        let (user, _) = self.session_user().await?;
        let etag = self
            .with_store(|s| Ok(s.reference(name)?.and_then(|(_, e, _)| e)))
            .await?;
        // A public list: asked without the session held.
        // What does not read as the list is refused before it is kept.
        let fresh = self
            .backend
            .reference(list, etag.as_deref())
            .await
            .and_then(|fresh| {
                if let Some((json, _)) = &fresh {
                    serde_json::from_str::<Vec<T>>(json)
                        .map_err(|e| CoreError::Protocol(format!("{list:?}: {e}")))?;
                }
                Ok(fresh)
            });
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
            .map_err(|e| CoreError::Invalid(ErrorCode::input(e.kind())))?;
        if edit == ProfileEdit::default() {
            return Err(CoreError::Invalid(ErrorCode::InputProfile));
        }
        self.with_store(|s| {
            let (mut profile, _) = s.profile(org_id)?.ok_or(CoreError::NotCached)?;
            s.queue_profile_edit(org_id, profile.version, edit)?;
            s.overlay_profile_edits(&mut profile)?;
            Ok(profile)
        })
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

    /// An extract from the register, queued; it arrives as a document.
    pub async fn request_extract(&self, org_id: &str) -> Result<(), CoreError> {
        self.with_store(|s| s.queue_request_extract(org_id)).await
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
}
