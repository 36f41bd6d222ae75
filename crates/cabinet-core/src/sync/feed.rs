//! Pulling: change-feed pages applied to the cache (each batch in one
//! transaction with its cursor), a full resync by generation, and the
//! reads of what the feed brought (applications, documents, search).

use super::*;

/// A document and the signers of its signatures still in the outbox.
pub type DocumentWithPending = (Document, Vec<String>);

impl Store {
    /// The cursor to pull after, and the generation of the current pull.
    pub(crate) fn sync_cursor(&self, org: &str) -> Result<(Option<String>, i64), CoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT cursor, generation FROM sync_state WHERE org_id = ?1",
                [org],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or((None, 0)))
    }

    /// Forgets the cursor and starts a new generation: a full resync.
    pub(crate) fn start_resync(&self, org: &str) -> Result<i64, CoreError> {
        // Entities kept for later versions carry no generation: refetched.
        self.conn
            .execute("DELETE FROM entities WHERE org_id = ?1", [org])?;
        Ok(self.conn.query_row(
            "INSERT INTO sync_state (org_id, cursor, generation) VALUES (?1, NULL, 1)
             ON CONFLICT (org_id) DO UPDATE SET cursor = NULL, generation = generation + 1
             RETURNING generation",
            [org],
            |r| r.get(0),
        )?)
    }

    /// Removes what the completed full resync did not see again (deleted on
    /// the portal meanwhile); offline drafts stay.
    pub(crate) fn finish_resync(&self, org: &str, generation: i64) -> Result<(), CoreError> {
        self.conn.execute(
            "DELETE FROM applications WHERE org_id = ?1 AND local = 0 AND generation < ?2",
            params![org, generation],
        )?;
        Ok(())
    }

    /// Holds back automatic WAL checkpoints (`true`), or runs one and
    /// restores them (`false`). A crash meanwhile leaves a longer WAL,
    /// checkpointed at the next open.
    pub(crate) fn hold_checkpoints(&self, hold: bool) -> Result<(), CoreError> {
        if hold {
            self.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        } else {
            self.conn.pragma_update(None, "wal_autocheckpoint", 1000)?;
            self.conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    /// Applies a page and its cursor in one transaction.
    #[cfg(test)]
    pub(crate) fn apply_page(
        &self,
        org: &str,
        changes: &[Change],
        next_cursor: &str,
        generation: i64,
    ) -> Result<(), CoreError> {
        self.apply_pages(org, &[changes], next_cursor, generation)
    }

    /// Applies pages in order, and the cursor after the last, in one
    /// transaction.
    ///
    /// Runs of upserts of one kind go in as one statement: SQLite opens a
    /// statement savepoint for every statement that fires the full-text
    /// triggers, and FTS5 writes its pending terms to disk at each one, so
    /// row-by-row inserts build (and then merge) a segment per row.
    pub(crate) fn apply_pages(
        &self,
        org: &str,
        pages: &[&[Change]],
        next_cursor: &str,
        generation: i64,
    ) -> Result<(), CoreError> {
        let tx = self.conn.unchecked_transaction()?;
        // Runs continue across pages: one statement (one statement journal
        // and one full-text flush) per run, not per page.
        let changes: Vec<&Change> = pages.iter().flat_map(|p| p.iter()).collect();
        self.apply_changes(&tx, org, &changes, generation)?;
        tx.execute(
            "INSERT INTO sync_state (org_id, cursor, generation, synced_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (org_id) DO UPDATE SET cursor = excluded.cursor,
                 synced_at = excluded.synced_at",
            params![org, next_cursor, generation, now()],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub(super) fn apply_changes(
        &self,
        tx: &rusqlite::Connection,
        org: &str,
        changes: &[&Change],
        generation: i64,
    ) -> Result<(), CoreError> {
        let mut rest = changes;
        while let Some(first) = rest.first() {
            let run = rest
                .iter()
                .take_while(|c| {
                    c.entity == first.entity
                        && c.op == ChangeOp::Upsert
                        && first.op == ChangeOp::Upsert
                        && c.data.is_some()
                })
                .count()
                .max(1);
            let (batch, tail) = rest.split_at(run);
            rest = tail;
            match (first.entity.as_str(), first.op, &first.data) {
                ("application", ChangeOp::Upsert, Some(_)) => {
                    put_applications(tx, batch, generation)?;
                }
                ("application", ChangeOp::Delete, _) => {
                    tx.prepare_cached("DELETE FROM applications WHERE id = ?1")?
                        .execute([&first.id])?;
                }
                ("profile", ChangeOp::Upsert, Some(_)) => {
                    for c in batch {
                        let profile: OrganizationProfile = serde_json::from_str(c.data_text())
                            .map_err(|e| CoreError::Protocol(format!("profile: {e}")))?;
                        put_profile(tx, &profile)?;
                    }
                }
                (entity, ChangeOp::Upsert, Some(_)) => {
                    put_entities(tx, org, entity, batch)?;
                }
                (entity, _, _) => {
                    tx.prepare_cached(
                        "DELETE FROM entities WHERE org_id = ?1 AND entity = ?2 AND id = ?3",
                    )?
                    .execute(params![org, entity, first.id])?;
                }
            }
        }
        Ok(())
    }

    /// Full-text search in `org`: every word of `query` as a prefix,
    /// case-insensitive, ё = е. Best matches first.
    pub fn search(&self, org: &str, query: &str, limit: u32) -> Result<Vec<SearchHit>, CoreError> {
        let Some(terms) = crate::search::fts_terms(query) else {
            return Ok(Vec::new());
        };
        // Applications have their own index (see the lists); the rest share
        // one. bm25 ranks of both are on the same scale.
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, id FROM (
                 SELECT 'application' AS kind, a.id AS id, f.rank AS rank
                 FROM applications_fts f JOIN applications a ON a.rid = f.rowid
                 WHERE applications_fts MATCH ?1 AND a.org_id = ?2
                 UNION ALL
                 SELECT kind, ref_id, rank FROM search WHERE search MATCH ?1 AND org_id = ?2
             ) ORDER BY rank LIMIT ?3",
        )?;
        let hits = stmt
            .query_map(params![terms, org, limit], |r| {
                Ok(SearchHit {
                    kind: r.get(0)?,
                    id: r.get(1)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(hits)
    }

    pub fn applications(&self, org: &str) -> Result<Vec<Application>, CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT json FROM applications WHERE org_id = ?1 ORDER BY updated_at DESC, id",
        )?;
        let rows = stmt
            .query_map([org], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.iter().map(|j| parse(j)).collect()
    }

    pub(crate) fn application(&self, id: &str) -> Result<Option<Application>, CoreError> {
        self.conn
            .query_row("SELECT json FROM applications WHERE id = ?1", [id], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
            .map(|j| parse(&j))
            .transpose()
    }

    /// Documents of `org`, with signatures still waiting in the outbox.
    /// The newest `limit` documents of `org` with the signers of their
    /// signatures still in the outbox, and how many documents it has.
    pub fn documents(
        &self,
        org: &str,
        limit: u32,
    ) -> Result<(Vec<DocumentWithPending>, u32), CoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT json FROM entities WHERE org_id = ?1 AND entity = 'document'
             ORDER BY json_extract(json, '$.created_at') DESC, json_extract(json, '$.name')
             LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![org, limit], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for json in &rows {
            let d: Document = parse(json)?;
            let pending = self.pending_signers(&d.id)?;
            out.push((d, pending));
        }
        let total: i64 = self.conn.query_row(
            "SELECT count(*) FROM entities WHERE org_id = ?1 AND entity = 'document'",
            [org],
            |r| r.get(0),
        )?;
        Ok((out, u32::try_from(total).unwrap_or(u32::MAX)))
    }

    /// One document of `org` with the signers still in the outbox.
    pub fn document_view(
        &self,
        org: &str,
        id: &str,
    ) -> Result<Option<DocumentWithPending>, CoreError> {
        let Some(d) = self.document(org, id)? else {
            return Ok(None);
        };
        let pending = self.pending_signers(&d.id)?;
        Ok(Some((d, pending)))
    }

    /// Who signed `document` here with the signature still in the outbox.
    fn pending_signers(&self, document: &str) -> Result<Vec<String>, CoreError> {
        Ok(self
            .queued_signatures(document)?
            .into_iter()
            .map(|(_, signer)| signer)
            .collect())
    }

    /// Documents of `org` created at or after `since` (all when `None`),
    /// newest first, then by name.
    pub(crate) fn documents_since(
        &self,
        org: &str,
        since: Option<&str>,
    ) -> Result<Vec<Document>, CoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT json FROM entities WHERE org_id = ?1 AND entity = 'document'
                 AND (?2 IS NULL OR json_extract(json, '$.created_at') >= ?2)
             ORDER BY json_extract(json, '$.created_at') DESC, json_extract(json, '$.name')",
        )?;
        let rows = stmt
            .query_map(params![org, since], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.iter().map(|j| parse(j)).collect()
    }

    pub(crate) fn document(&self, org: &str, id: &str) -> Result<Option<Document>, CoreError> {
        self.record::<Document>(org, id)
    }
}

/// Stores an application this client made or the portal answered with.
pub(super) fn put_application(
    conn: &rusqlite::Connection,
    app: &Application,
    generation: i64,
    local: bool,
) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT INTO applications (id, org_id, status, updated_at, json, generation, local)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status,
             updated_at = excluded.updated_at, json = excluded.json,
             generation = excluded.generation, local = excluded.local",
    )?
    .execute(params![
        app.id,
        app.org_id,
        app.status.as_str(),
        app.updated_at,
        json(app)?,
        generation,
        local
    ])?;
    Ok(())
}

/// The JSON texts of `batch` as an array for `rarray()`: bound without
/// copying them into one JSON document SQLite would parse and re-render.
pub(super) fn texts(batch: &[&Change]) -> rusqlite::vtab::array::Array {
    std::rc::Rc::new(
        batch
            .iter()
            .map(|c| rusqlite::types::Value::Text(c.data_text().to_owned()))
            .collect(),
    )
}

/// Stores the portal's applications in `batch` (upserts, each checked to
/// be an application) in one statement; their JSON as received.
pub(super) fn put_applications(
    conn: &rusqlite::Connection,
    batch: &[&Change],
    generation: i64,
) -> Result<(), CoreError> {
    for c in batch {
        let data = c.data_text();
        serde_json::from_str::<Application>(data)
            .map_err(|e| CoreError::Protocol(format!("application: {e}")))?;
    }
    // `WHERE true` tells the parser the ON CONFLICT is the upsert's.
    conn.prepare_cached(
        "INSERT INTO applications (id, org_id, status, updated_at, json, generation, local)
         SELECT value ->> 'id', value ->> 'org_id', value ->> 'status', value ->> 'updated_at',
                value, ?2, 0
         FROM rarray(?1) WHERE true
         ON CONFLICT (id) DO UPDATE SET status = excluded.status,
             updated_at = excluded.updated_at, json = excluded.json,
             generation = excluded.generation, local = excluded.local",
    )?
    .execute(params![texts(batch), generation])?;
    Ok(())
}

/// Stores (or replaces) the records in `batch`, all upserts of `entity`,
/// in one statement. Each must be an object carrying the change's id.
pub(super) fn put_entities(
    conn: &rusqlite::Connection,
    org: &str,
    entity: &str,
    batch: &[&Change],
) -> Result<(), CoreError> {
    #[derive(Deserialize)]
    struct Id<'a> {
        #[serde(borrow)]
        id: std::borrow::Cow<'a, str>,
    }
    for c in batch {
        let data = c.data_text();
        // (serde would also take `["id"]` for the struct)
        if !data.trim_start().starts_with('{') {
            return Err(CoreError::Protocol(format!(
                "{entity} {} is not an object",
                c.id
            )));
        }
        let id = serde_json::from_str::<Id<'_>>(data)
            .map_err(|e| CoreError::Protocol(format!("{entity}: {e}")))?
            .id;
        if id != c.id {
            return Err(CoreError::Protocol(format!(
                "{entity} {} carries the id {id}",
                c.id
            )));
        }
    }
    conn.prepare_cached(
        "INSERT INTO entities (org_id, entity, id, json)
         SELECT ?1, ?2, value ->> 'id', value FROM rarray(?3) WHERE true
         ON CONFLICT DO UPDATE SET json = excluded.json",
    )?
    .execute(params![org, entity, texts(batch)])?;
    Ok(())
}

/// Stores the portal's profile, unless the cache already holds a newer one
/// (a feed page can be older than an answer just stored).
pub(super) fn put_profile(
    conn: &rusqlite::Connection,
    p: &OrganizationProfile,
) -> Result<(), CoreError> {
    conn.execute(
        "INSERT INTO profiles (org_id, json, fetched_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (org_id) DO UPDATE SET json = excluded.json, fetched_at = excluded.fetched_at
         WHERE coalesce(json_extract(profiles.json, '$.version'), 0) <= ?4",
        params![p.id, json(p)?, now(), p.version],
    )?;
    Ok(())
}

/// Stores a record the portal answered with (`json` must carry its `id`).
pub(super) fn put_record(
    conn: &rusqlite::Connection,
    org: &str,
    entity: &str,
    json: &serde_json::Value,
) -> Result<(), CoreError> {
    let id = json
        .get("id")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| CoreError::Protocol(format!("{entity} without an id")))?;
    put_entity(conn, org, entity, id, &json.to_string())
}

/// Stores (or replaces) an entity's JSON in `entities`.
pub(super) fn put_entity(
    conn: &rusqlite::Connection,
    org: &str,
    entity: &str,
    id: &str,
    json: &str,
) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT INTO entities (org_id, entity, id, json) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO UPDATE SET json = excluded.json",
    )?
    .execute(params![org, entity, id, json])?;
    Ok(())
}
