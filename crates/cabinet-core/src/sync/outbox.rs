//! Pushing: the outbox of actions queued offline (each with its own
//! `Idempotency-Key`), what a delivered action changes in the cache, failed
//! actions and conflicts for the user to settle.

use super::feed::{put_application, put_entity, put_profile, put_record};
use super::*;
use cabinet_api::ErrorCode;

impl Store {
    /// Signatures of a document made here and not yet delivered: (base64
    /// DER, signer), oldest first.
    pub(crate) fn queued_signatures(&self, id: &str) -> Result<Vec<(String, String)>, CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT payload FROM outbox WHERE target = ?1 AND kind = 'sign_document' ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|p| match parse::<Action>(&p) {
                Ok(Action::SignDocument { signature, signer }) => Some((signature, signer)),
                _ => None,
            })
            .collect())
    }

    pub(crate) fn queue_document_signature(
        &self,
        org: &str,
        document_id: &str,
        signature: String,
        signer: String,
    ) -> Result<(), CoreError> {
        let tx = self.conn.unchecked_transaction()?;
        enqueue(
            &tx,
            org,
            Some(document_id),
            &Action::SignDocument { signature, signer },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A draft made offline: stored with a local id, and queued.
    pub(crate) fn queue_new_application(
        &self,
        org: &str,
        body: NewApplication,
    ) -> Result<Application, CoreError> {
        let at = now();
        let app = Application {
            id: format!("{LOCAL_PREFIX}{}", uuid::Uuid::new_v4()),
            org_id: org.to_owned(),
            number: None,
            service_code: body.service_code.clone(),
            title: body.title.clone(),
            status: ApplicationStatus::Draft,
            created_at: at.clone(),
            updated_at: at,
            deadline: None,
            version: 1,
            attachments: Vec::new(),
            control_code: None,
            fields: body.fields.clone(),
        };
        let tx = self.conn.unchecked_transaction()?;
        put_application(&tx, &app, 0, true)?;
        enqueue(&tx, org, Some(&app.id), &Action::CreateApplication { body })?;
        tx.commit()?;
        Ok(app)
    }

    pub(crate) fn queue_submit(&self, app: &Application) -> Result<(), CoreError> {
        let tx = self.conn.unchecked_transaction()?;
        enqueue(
            &tx,
            &app.org_id,
            Some(&app.id),
            &Action::SubmitApplication {
                version: app.version,
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Pending actions of `org`, oldest first.
    pub(crate) fn pending(&self, org: &str) -> Result<Vec<Pending>, CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, target, payload FROM outbox WHERE org_id = ?1 AND state = 'pending' ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([org], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, target, payload)| {
                Ok(Pending {
                    id,
                    target,
                    action: parse(&payload)?,
                })
            })
            .collect()
    }

    /// The action reached the portal: store its answer, drop the action,
    /// and re-point a local id (and the actions that use it) to the portal's.
    pub(crate) fn complete(&self, p: &Pending, answer: &Answer) -> Result<(), CoreError> {
        let answer = match answer {
            Answer::Application(a) => a,
            Answer::Document(d) => {
                let tx = self.conn.unchecked_transaction()?;
                put_entity(&tx, &d.org_id, "document", &d.id, &json(d)?)?;
                tx.execute("DELETE FROM outbox WHERE id = ?1", [&p.id])?;
                tx.commit()?;
                return Ok(());
            }
            Answer::Profile(profile) => {
                let tx = self.conn.unchecked_transaction()?;
                put_profile(&tx, profile)?;
                tx.execute("DELETE FROM outbox WHERE id = ?1", [&p.id])?;
                tx.commit()?;
                return Ok(());
            }
            Answer::Record { entity, json } => {
                let tx = self.conn.unchecked_transaction()?;
                let org: String =
                    tx.query_row("SELECT org_id FROM outbox WHERE id = ?1", [&p.id], |r| {
                        r.get(0)
                    })?;
                put_record(&tx, &org, entity, json)?;
                tx.execute("DELETE FROM outbox WHERE id = ?1", [&p.id])?;
                tx.commit()?;
                return Ok(());
            }
        };
        let tx = self.conn.unchecked_transaction()?;
        if let Some(local) = p.target.as_deref().filter(|t| t.starts_with(LOCAL_PREFIX)) {
            tx.execute("DELETE FROM applications WHERE id = ?1", [local])?;
            tx.execute(
                "INSERT OR REPLACE INTO id_map (local_id, server_id) VALUES (?1, ?2)",
                params![local, answer.id],
            )?;
            tx.execute(
                "UPDATE outbox SET target = ?2 WHERE target = ?1",
                params![local, answer.id],
            )?;
        }
        let generation: i64 = tx
            .query_row(
                "SELECT generation FROM sync_state WHERE org_id = ?1",
                [&answer.org_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        put_application(&tx, answer, generation, false)?;
        tx.execute("DELETE FROM outbox WHERE id = ?1", [&p.id])?;
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn mark_failed(
        &self,
        id: &str,
        code: ErrorCode,
        message: &str,
    ) -> Result<(), CoreError> {
        self.conn.execute(
            "UPDATE outbox SET state = 'failed', attempts = attempts + 1, error_code = ?2,
                 error = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, code.as_str(), message, now()],
        )?;
        Ok(())
    }

    pub(crate) fn mark_attempt(&self, id: &str, message: &str) -> Result<(), CoreError> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, error = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, message, now()],
        )?;
        Ok(())
    }

    /// How many actions of any organization are not yet delivered.
    pub fn unsent_actions(&self) -> Result<u64, CoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?)
    }

    /// Every action not yet delivered, pending and failed, oldest first.
    pub fn outbox(&self, org: &str) -> Result<Vec<OutboxItem>, CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT o.id, o.org_id, o.kind, o.target, o.state, o.attempts, o.error_code, o.error,
                    o.created_at, o.payload, a.json
             FROM outbox o LEFT JOIN applications a ON a.id = o.target
             WHERE o.org_id = ?1 ORDER BY o.seq",
        )?;
        let rows = stmt
            .query_map([org], |r| {
                let payload: String = r.get(9)?;
                let app: Option<String> = r.get(10)?;
                Ok((
                    OutboxItem {
                        id: r.get(0)?,
                        org_id: r.get(1)?,
                        kind: r.get(2)?,
                        target: r.get(3)?,
                        state: r.get(4)?,
                        attempts: r.get(5)?,
                        error_code: r.get::<_, Option<String>>(6)?.map(|c| ErrorCode::parse(&c)),
                        error: r.get(7)?,
                        created_at: r.get(8)?,
                        summary: String::new(),
                    },
                    payload,
                    app,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows
            .into_iter()
            .map(|(mut item, payload, app)| {
                item.summary = match (parse::<Action>(&payload), app) {
                    (Ok(Action::CreateApplication { body }), _) => body.title,
                    (Ok(Action::SignDocument { signer, .. }), _) => signer,
                    (Ok(Action::Attach { name, .. }), _) => name,
                    (Ok(Action::Write { summary, .. }), _) => summary,
                    (Ok(Action::Ticket { message, .. }), _) => message.chars().take(80).collect(),
                    (Ok(Action::EditProfile { edit, .. }), _) => [
                        edit.email.as_deref(),
                        edit.phone.as_deref(),
                        edit.legal_address.as_deref(),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
                    (_, Some(app)) => parse::<Application>(&app)
                        .map(|a| a.title)
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                item
            })
            .collect())
    }

    /// Counts for the header: pending, failed and conflicting actions, and
    /// the last pull time (`online` is the caller's).
    pub fn sync_status(&self, org: &str) -> Result<SyncStatus, CoreError> {
        let count = |sql: &str| -> Result<u32, CoreError> {
            Ok(self.conn.query_row(sql, [org], |r| r.get(0))?)
        };
        Ok(SyncStatus {
            online: false,
            synced_at: self
                .conn
                .query_row(
                    "SELECT synced_at FROM sync_state WHERE org_id = ?1",
                    [org],
                    |r| r.get(0),
                )
                .optional()?
                .flatten(),
            pending: count("SELECT count(*) FROM outbox WHERE org_id = ?1 AND state = 'pending'")?,
            failed: count("SELECT count(*) FROM outbox WHERE org_id = ?1 AND state = 'failed'")?,
            conflicts: count("SELECT count(*) FROM conflicts WHERE org_id = ?1")?,
        })
    }

    /// Queues an edit of the organization's contacts, made on the cached
    /// profile's version.
    pub(crate) fn queue_profile_edit(
        &self,
        org: &str,
        version: i64,
        edit: ProfileEdit,
    ) -> Result<(), CoreError> {
        let tx = self.conn.unchecked_transaction()?;
        enqueue(&tx, org, Some(org), &Action::EditProfile { version, edit })?;
        tx.commit()?;
        Ok(())
    }

    /// The profile as this user will see it: the portal's, with the edits
    /// still in the outbox (pending or in conflict) laid over it.
    pub(crate) fn overlay_profile_edits(
        &self,
        profile: &mut OrganizationProfile,
    ) -> Result<(), CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT payload FROM outbox WHERE org_id = ?1 AND kind = 'edit_profile' ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([&profile.id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        for payload in rows {
            if let Action::EditProfile { edit, .. } = parse(&payload)? {
                if let Some(v) = edit.email {
                    profile.email = v;
                }
                if let Some(v) = edit.phone {
                    profile.phone = v;
                }
                if let Some(v) = edit.legal_address {
                    profile.legal_address = v;
                }
            }
        }
        Ok(())
    }

    /// The portal refused action `id` with a version conflict: it fails,
    /// and the portal's current state is kept beside it for the user.
    pub(crate) fn record_conflict(
        &self,
        p: &Pending,
        org: &str,
        theirs: &serde_json::Value,
        message: &str,
    ) -> Result<(), CoreError> {
        let (entity, base) = match &p.action {
            Action::EditProfile { version, .. } => ("profile", *version),
            Action::SubmitApplication { version } => ("application", *version),
            Action::Write {
                entity,
                version: Some(version),
                ..
            } => (entity.as_str(), *version),
            _ => return self.mark_failed(&p.id, ErrorCode::ConflictVersion, message),
        };
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO conflicts (action_id, org_id, entity, entity_id, base_version, theirs, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (action_id) DO UPDATE SET theirs = excluded.theirs,
                 created_at = excluded.created_at",
            params![p.id, org, entity, p.target.as_deref().unwrap_or(org), base, theirs.to_string(), now()],
        )?;
        tx.execute(
            "UPDATE outbox SET state = 'failed', attempts = attempts + 1, error_code = ?2,
                 error = ?3, updated_at = ?4 WHERE id = ?1",
            params![p.id, ErrorCode::ConflictVersion.as_str(), message, now()],
        )?;
        if entity == "profile" {
            if let Ok(profile) = serde_json::from_value::<OrganizationProfile>(theirs.clone()) {
                put_profile(&tx, &profile)?;
            }
        } else if entity != "application" {
            put_record(&tx, org, entity, theirs)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Conflicts waiting for the user's choice in `org`, oldest first.
    pub fn conflicts(&self, org: &str) -> Result<Vec<Conflict>, CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT c.action_id, c.org_id, c.entity, c.entity_id, c.base_version, o.payload,
                    c.theirs, c.created_at
             FROM conflicts c JOIN outbox o ON o.id = c.action_id
             WHERE c.org_id = ?1 ORDER BY o.seq",
        )?;
        let rows = stmt
            .query_map([org], |r| {
                Ok((
                    Conflict {
                        action_id: r.get(0)?,
                        org_id: r.get(1)?,
                        entity: r.get(2)?,
                        entity_id: r.get(3)?,
                        base_version: r.get(4)?,
                        mine: serde_json::Value::Null,
                        theirs: serde_json::Value::Null,
                        created_at: r.get(7)?,
                    },
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(mut c, payload, theirs)| {
                c.mine =
                    match parse::<Action>(&payload)? {
                        Action::EditProfile { edit, .. } => serde_json::to_value(edit)
                            .map_err(|e| CoreError::Store(e.to_string()))?,
                        other => serde_json::to_value(other)
                            .map_err(|e| CoreError::Store(e.to_string()))?,
                    };
                c.theirs = parse(&theirs)?;
                Ok(c)
            })
            .collect()
    }

    /// Settles a conflict: keep mine re-queues the change over the portal's
    /// current version (sent at the next sync); take theirs drops it.
    pub fn resolve_conflict(&self, action_id: &str, how: Resolution) -> Result<(), CoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let row: Option<(String, String)> = tx
            .query_row(
                "SELECT c.theirs, o.payload FROM conflicts c JOIN outbox o ON o.id = c.action_id
                 WHERE c.action_id = ?1",
                [action_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((theirs, payload)) = row else {
            return Err(CoreError::Invalid(ErrorCode::InputConflict));
        };
        match how {
            Resolution::TakeTheirs => {
                tx.execute("DELETE FROM outbox WHERE id = ?1", [action_id])?;
            }
            Resolution::KeepMine => {
                let theirs: serde_json::Value = parse(&theirs)?;
                let current = theirs
                    .get("version")
                    .and_then(serde_json::Value::as_i64)
                    .ok_or_else(|| CoreError::Store("conflict without a version".into()))?;
                let action = match parse::<Action>(&payload)? {
                    Action::EditProfile { edit, .. } => Action::EditProfile {
                        version: current,
                        edit,
                    },
                    Action::SubmitApplication { .. } => {
                        Action::SubmitApplication { version: current }
                    }
                    Action::Write {
                        name,
                        entity,
                        path,
                        version: Some(_),
                        body,
                        summary,
                    } => Action::Write {
                        name,
                        entity,
                        path,
                        version: Some(current),
                        body,
                        summary,
                    },
                    _ => return Err(CoreError::Invalid(ErrorCode::InputConflict)),
                };
                // A new key: the refused request must not be replayed.
                tx.execute(
                    "UPDATE outbox SET id = ?2, payload = ?3, state = 'pending', error_code = NULL,
                         error = NULL, updated_at = ?4 WHERE id = ?1",
                    params![
                        action_id,
                        uuid::Uuid::new_v4().to_string(),
                        json(&action)?,
                        now()
                    ],
                )?;
            }
        }
        tx.execute("DELETE FROM conflicts WHERE action_id = ?1", [action_id])?;
        tx.commit()?;
        Ok(())
    }

    /// A failed action goes back to pending, to be sent at the next sync.
    pub fn retry_action(&self, id: &str) -> Result<(), CoreError> {
        let n = self.conn.execute(
            "UPDATE outbox SET state = 'pending', error_code = NULL, error = NULL, updated_at = ?2
             WHERE id = ?1 AND state = 'failed'",
            params![id, now()],
        )?;
        if n == 0 {
            return Err(CoreError::Invalid(ErrorCode::InputAction));
        }
        Ok(())
    }

    /// Whether a queued action mentions `sha256` (a content it sends).
    pub(crate) fn outbox_mentions(&self, sha256: &str) -> Result<bool, CoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE instr(payload, ?1) > 0)",
            [sha256],
            |r| r.get(0),
        )?)
    }

    /// Discards a failed action; a draft that never reached the portal goes
    /// with it, and so do the actions queued on that draft.
    ///
    /// Returns the contents (SHA-256) the discarded actions were to send
    /// that nothing else here refers to any more, for the caller to remove
    /// from the blob store: a discarded file does not stay on the disk.
    pub fn discard_action(&self, id: &str) -> Result<Vec<String>, CoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let target: Option<Option<String>> = tx
            .query_row(
                "SELECT target FROM outbox WHERE id = ?1 AND state = 'failed'",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(target) = target else {
            return Err(CoreError::Invalid(ErrorCode::InputAction));
        };
        let local = target.filter(|t| t.starts_with(LOCAL_PREFIX));
        // What goes: this action, and with a draft made here everything
        // queued for it.
        let payloads: Vec<String> = tx
            .prepare("SELECT payload FROM outbox WHERE id = ?1 OR target = ?2")?
            .query_map(params![id, local], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        tx.execute("DELETE FROM outbox WHERE id = ?1", [id])?;
        tx.execute("DELETE FROM conflicts WHERE action_id = ?1", [id])?;
        if let Some(local) = &local {
            tx.execute("DELETE FROM outbox WHERE target = ?1", [local])?;
            tx.execute("DELETE FROM applications WHERE id = ?1", [local])?;
        }
        let mut unused = Vec::new();
        for sha in payloads
            .iter()
            .filter_map(|p| parse::<Action>(p).ok())
            .flat_map(|a| a.contents())
        {
            // Any mention keeps it: another queued action, a document or
            // an application's attachment (of any organization: the blob
            // store is the profile's).
            let used = self.outbox_mentions(&sha)?
                || tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM entities WHERE instr(json, ?1) > 0)
                         OR EXISTS (SELECT 1 FROM applications WHERE instr(json, ?1) > 0)",
                    [&sha],
                    |r| r.get(0),
                )?;
            if !used && !unused.contains(&sha) {
                unused.push(sha);
            }
        }
        tx.commit()?;
        Ok(unused)
    }
}

pub(crate) fn enqueue(
    conn: &rusqlite::Connection,
    org: &str,
    target: Option<&str>,
    action: &Action,
) -> Result<String, CoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let kind = stored_name(match action {
        Action::CreateApplication { .. } => OutboxKind::CreateApplication,
        Action::SubmitApplication { .. } => OutboxKind::SubmitApplication,
        Action::SignDocument { .. } => OutboxKind::SignDocument,
        Action::Attach { .. } => OutboxKind::AttachFile,
        Action::Detach { .. } => OutboxKind::DetachFile,
        Action::EditProfile { .. } => OutboxKind::EditProfile,
        Action::Ticket { .. } => OutboxKind::SupportTicket,
        Action::Write { name, .. } => *name,
    });
    let at = now();
    conn.execute(
        "INSERT INTO outbox (id, org_id, kind, target, payload, state, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6)",
        params![id, org, kind, target, json(action)?, at],
    )?;
    Ok(id)
}

pub(crate) fn is_local(id: &str) -> bool {
    id.starts_with(LOCAL_PREFIX)
}
