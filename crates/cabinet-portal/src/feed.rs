//! The change feed: every organization-scoped write records the entity's new
//! state in the same transaction, under the next number of the
//! organization's sequence. Clients page through it by cursor.

use cabinet_api::sync::MAX_PAGE;
use cabinet_api::{Change, ChangeOp, ChangePage};
use rusqlite::{params, Connection, OptionalExtension};

use crate::db;
use crate::error::PortalError;

/// Records a change of `entity`/`id`; returns its sequence number.
pub fn record(
    conn: &Connection,
    org_id: &str,
    entity: &str,
    id: &str,
    op: ChangeOp,
    data: Option<&serde_json::Value>,
) -> Result<u64, PortalError> {
    let data = data
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| PortalError::Internal(format!("change data: {e}")))?;
    record_json(conn, org_id, entity, id, op, data.as_deref())
}

/// [`record`] with the data already serialized.
pub fn record_json(
    conn: &Connection,
    org_id: &str,
    entity: &str,
    id: &str,
    op: ChangeOp,
    data: Option<&str>,
) -> Result<u64, PortalError> {
    insert(conn, org_id, entity, id, op, data, None)
}

/// [`record_json`] of a change only the member `user` gets in the feed.
pub fn record_private(
    conn: &Connection,
    org_id: &str,
    entity: &str,
    id: &str,
    data: &str,
    user: &str,
) -> Result<u64, PortalError> {
    insert(
        conn,
        org_id,
        entity,
        id,
        ChangeOp::Upsert,
        Some(data),
        Some(user),
    )
}

fn insert(
    conn: &Connection,
    org_id: &str,
    entity: &str,
    id: &str,
    op: ChangeOp,
    data: Option<&str>,
    visible_to: Option<&str>,
) -> Result<u64, PortalError> {
    conn.prepare_cached(
        "INSERT INTO feed_state (org_id) VALUES (?1) ON CONFLICT (org_id) DO NOTHING",
    )?
    .execute([org_id])?;
    let seq: u64 = conn
        .prepare_cached(
            "UPDATE feed_state SET last_seq = last_seq + 1 WHERE org_id = ?1 RETURNING last_seq",
        )?
        .query_row([org_id], |r| r.get(0))?;
    let op = match op {
        ChangeOp::Upsert => "upsert",
        ChangeOp::Delete => "delete",
    };
    conn.prepare_cached(
        "INSERT INTO changes (org_id, seq, entity, entity_id, op, data, visible_to)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![org_id, seq, entity, id, op, data, visible_to])?;
    Ok(seq)
}

/// Organizations whose profile is not in the feed (created before it, or
/// by a path that records only other changes) get it as a change.
pub fn backfill(conn: &mut Connection) -> Result<(), PortalError> {
    let tx = conn.transaction()?;
    let orgs: Vec<String> = {
        let mut stmt = tx.prepare(
            "SELECT id FROM organizations o WHERE NOT EXISTS
                 (SELECT 1 FROM changes c WHERE c.org_id = o.id AND c.entity = 'profile')",
        )?;
        let rows = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        rows
    };
    for org in orgs {
        let profile = db::profile(&tx, &org)?;
        let data = serde_json::to_value(&profile)
            .map_err(|e| PortalError::Internal(format!("profile: {e}")))?;
        record(&tx, &org, "profile", &org, ChangeOp::Upsert, Some(&data))?;
    }
    tx.commit()?;
    Ok(())
}

/// Drops superseded changes and removals and starts a new epoch: every
/// cursor issued before is then too old (a removal it has not seen may be
/// gone) and gets 410; the surviving changes still form a full sync.
pub fn compact(conn: &mut Connection, org_id: &str) -> Result<(), PortalError> {
    let tx = conn.transaction()?;
    tx.execute(
        "DELETE FROM changes WHERE org_id = ?1 AND (op = 'delete' OR seq < (
             SELECT max(c2.seq) FROM changes c2
             WHERE c2.org_id = changes.org_id AND c2.entity = changes.entity
               AND c2.entity_id = changes.entity_id))",
        [org_id],
    )?;
    tx.execute(
        "UPDATE feed_state SET epoch = epoch + 1 WHERE org_id = ?1",
        [org_id],
    )?;
    tx.commit()?;
    Ok(())
}

/// `c1.EPOCH.SEQ`: opaque to clients.
fn cursor(epoch: u64, seq: u64) -> String {
    format!("c1.{epoch}.{seq}")
}

/// `None`: no cursor, a full sync.
fn parse_cursor(s: Option<&str>) -> Result<Option<(u64, u64)>, PortalError> {
    let Some(c) = s.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let bad = || PortalError::BadRequest(format!("bad cursor {c:?}"));
    let mut parts = c.strip_prefix("c1.").ok_or_else(bad)?.split('.');
    let epoch = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let seq = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(Some((epoch, seq)))
}

/// A page of changes after `after` (exclusive); the audit log only when
/// `audit` (the member may view it).
pub fn page(
    conn: &Connection,
    org_id: &str,
    after: Option<&str>,
    limit: u32,
    audit: bool,
    user: &str,
) -> Result<ChangePage, PortalError> {
    let cursor_in = parse_cursor(after)?;
    let limit = limit.clamp(1, MAX_PAGE);
    let (last, epoch): (u64, u64) = conn
        .query_row(
            "SELECT last_seq, epoch FROM feed_state WHERE org_id = ?1",
            [org_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, 0));
    let after = match cursor_in {
        None => 0,
        // From before a compaction, or from the future (another portal, a
        // restored backup): unusable either way.
        Some((e, seq)) if e != epoch || seq > last => return Err(PortalError::CursorExpired),
        Some((_, seq)) => seq,
    };
    let mut stmt = conn.prepare_cached(
        "SELECT seq, entity, entity_id, op, data FROM changes
         WHERE org_id = ?1 AND seq > ?2 AND (?4 OR entity <> 'audit')
           AND (visible_to IS NULL OR visible_to = ?5)
         ORDER BY seq LIMIT ?3",
    )?;
    let mut changes = stmt
        .query_map(params![org_id, after, limit + 1, audit, user], |r| {
            let op: String = r.get(3)?;
            let data: Option<String> = r.get(4)?;
            Ok(Change {
                seq: r.get(0)?,
                entity: r.get(1)?,
                id: r.get(2)?,
                op: if op == "delete" {
                    ChangeOp::Delete
                } else {
                    ChangeOp::Upsert
                },
                data: data.and_then(|d| serde_json::value::RawValue::from_string(d).ok()),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let has_more = changes.len() > limit as usize;
    changes.truncate(limit as usize);
    let next = changes.last().map(|c| c.seq).unwrap_or(after);
    // At most this many: compaction leaves gaps in the sequence. Counting
    // the rows instead would cost a scan of the rest on every page.
    let remaining = if has_more {
        last.saturating_sub(next)
    } else {
        0
    };
    Ok(ChangePage {
        changes,
        next_cursor: cursor(epoch, next),
        has_more,
        remaining: Some(remaining),
    })
}
