//! Storage of the organization's records (history, comments,
//! notifications, requirements, charges, payments, employees, roles, audit):
//! one row per record, its JSON as the API gives it, and every write
//! recorded in the change feed in the same transaction. Also who may do
//! what: a member's role and its permissions, and the audit log.

use cabinet_api::{
    builtin_roles, AuditEntry, ChangeOp, Employee, EmployeeStatus, Notification, NotificationKind,
    Record,
};
use rusqlite::{params, Connection, OptionalExtension};

use crate::clock::ts;
use crate::error::PortalError;
use crate::feed;

fn to_json<T: Record>(r: &T) -> Result<String, PortalError> {
    serde_json::to_string(r).map_err(|e| PortalError::Internal(format!("{}: {e}", T::ENTITY)))
}

/// Saves `r` of `org` and records it in the feed (caller's transaction). A
/// record only one member sees stays theirs.
pub fn put<T: Record>(conn: &Connection, org: &str, r: &T) -> Result<(), PortalError> {
    let (text, owner) = store(conn, org, r, None)?;
    match owner {
        Some(user) => feed::record_private(conn, org, T::ENTITY, r.id(), &text, &user)?,
        None => feed::record_json(conn, org, T::ENTITY, r.id(), ChangeOp::Upsert, Some(&text))?,
    };
    Ok(())
}

/// Writes the row of `r` (a new one visible to `owner` only, when given;
/// an existing one keeps its owner); its JSON and owner, for the feed.
fn store<T: Record>(
    conn: &Connection,
    org: &str,
    r: &T,
    owner: Option<&str>,
) -> Result<(String, Option<String>), PortalError> {
    let text = to_json(r)?;
    let owner = conn
        .prepare_cached(
            "INSERT INTO records (org_id, entity, id, parent, json, visible_to)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (org_id, entity, id) DO UPDATE SET parent = excluded.parent,
                 json = excluded.json
             RETURNING visible_to",
        )?
        .query_row(
            params![org, T::ENTITY, r.id(), r.parent(), text, owner],
            |row| row.get(0),
        )?;
    Ok((text, owner))
}

/// Who alone may see record `id` of `org`, if it is someone's own.
pub fn owner(
    conn: &Connection,
    org: &str,
    entity: &str,
    id: &str,
) -> Result<Option<String>, PortalError> {
    Ok(conn
        .prepare_cached(
            "SELECT visible_to FROM records WHERE org_id = ?1 AND entity = ?2 AND id = ?3",
        )?
        .query_row(params![org, entity, id], |r| r.get(0))
        .optional()?
        .flatten())
}

/// [`put`] for a record only the member `user` sees: others neither get
/// it in the feed nor by [`get`] (the caller checks the owner).
pub fn put_private<T: Record>(
    conn: &Connection,
    org: &str,
    r: &T,
    user: &str,
) -> Result<(), PortalError> {
    let (text, owner) = store(conn, org, r, Some(user))?;
    let owner = owner.as_deref().unwrap_or(user);
    feed::record_private(conn, org, T::ENTITY, r.id(), &text, owner)?;
    Ok(())
}

/// Record `id` of `org`; `NotFound` when `org` has none, so ids of other
/// organizations cannot be probed.
pub fn get<T: Record>(conn: &Connection, org: &str, id: &str) -> Result<T, PortalError> {
    let text: String = conn
        .prepare_cached("SELECT json FROM records WHERE org_id = ?1 AND entity = ?2 AND id = ?3")?
        .query_row(params![org, T::ENTITY, id], |r| r.get(0))
        .optional()?
        .ok_or(PortalError::NotFound)?;
    serde_json::from_str(&text).map_err(|e| PortalError::Internal(format!("{}: {e}", T::ENTITY)))
}

/// Every record of a kind in `org` (of `parent`, when given), in id order.
pub fn list<T: Record>(
    conn: &Connection,
    org: &str,
    parent: Option<&str>,
) -> Result<Vec<T>, PortalError> {
    let mut stmt = conn.prepare_cached(
        "SELECT json FROM records WHERE org_id = ?1 AND entity = ?2
             AND (?3 IS NULL OR parent = ?3) ORDER BY id",
    )?;
    let rows = stmt
        .query_map(params![org, T::ENTITY, parent], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    rows.iter()
        .map(|t| {
            serde_json::from_str(t)
                .map_err(|e| PortalError::Internal(format!("{}: {e}", T::ENTITY)))
        })
        .collect()
}

/// Removes record `id` of `org` and records the removal in the feed.
pub fn delete<T: Record>(conn: &Connection, org: &str, id: &str) -> Result<(), PortalError> {
    let n = conn
        .prepare_cached("DELETE FROM records WHERE org_id = ?1 AND entity = ?2 AND id = ?3")?
        .execute(params![org, T::ENTITY, id])?;
    if n > 0 {
        feed::record_json(conn, org, T::ENTITY, id, ChangeOp::Delete, None)?;
    }
    Ok(())
}

/// A member of an organization acting in it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: String,
    pub name: String,
    pub ip: Option<String>,
}

/// One line in `org`'s audit log.
pub fn audit(
    conn: &Connection,
    org: &str,
    who: &Actor,
    action: &str,
    detail: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), PortalError> {
    put(
        conn,
        org,
        &AuditEntry {
            id: uuid::Uuid::new_v4().to_string(),
            created_at: ts(now),
            user_id: who.user_id.clone(),
            user_name: who.name.clone(),
            ip: who.ip.clone(),
            action: action.to_owned(),
            detail: detail.to_owned(),
        },
    )
}

/// A notification to `org`.
#[allow(clippy::too_many_arguments)]
pub fn notify(
    conn: &Connection,
    org: &str,
    kind: NotificationKind,
    title: String,
    text: String,
    entity: &str,
    entity_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Notification, PortalError> {
    let n = Notification {
        id: uuid::Uuid::new_v4().to_string(),
        kind,
        title,
        text,
        created_at: ts(now),
        read: false,
        entity: Some(entity.to_owned()),
        entity_id: Some(entity_id.to_owned()),
    };
    put(conn, org, &n)?;
    crate::prefs::deliver(conn, org, n.kind, &n.title, now)?;
    Ok(n)
}

/// The employee record of a membership, as the feed shows it: active,
/// one version past the record it replaces.
pub fn publish_employee(conn: &Connection, org: &str, user: &str) -> Result<Employee, PortalError> {
    let version = match get::<Employee>(conn, org, user) {
        Ok(e) => e.version + 1,
        Err(PortalError::NotFound) => 1,
        Err(e) => return Err(e),
    };
    let e: Employee = conn.query_row(
        "SELECT u.id, u.full_name, u.email, m.role FROM memberships m
         JOIN users u ON u.id = m.user_id WHERE m.org_id = ?1 AND m.user_id = ?2",
        params![org, user],
        |r| {
            Ok(Employee {
                id: r.get(0)?,
                full_name: r.get(1)?,
                email: r.get(2)?,
                role: r.get(3)?,
                status: EmployeeStatus::Active,
                version,
            })
        },
    )?;
    put(conn, org, &e)?;
    Ok(e)
}

/// Organizations without roles in their records get the built-in roles
/// and their members as employees (databases from before records).
pub fn backfill(conn: &mut Connection) -> Result<(), PortalError> {
    let tx = conn.transaction()?;
    let orgs: Vec<String> = {
        let mut st = tx.prepare(
            "SELECT id FROM organizations o WHERE NOT EXISTS
                 (SELECT 1 FROM records r WHERE r.org_id = o.id AND r.entity = 'role')",
        )?;
        let rows = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        rows
    };
    for org in orgs {
        for role in builtin_roles() {
            put(&tx, &org, &role)?;
        }
        let users: Vec<String> = {
            let mut st = tx.prepare("SELECT user_id FROM memberships WHERE org_id = ?1")?;
            let rows = st
                .query_map([&org], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            rows
        };
        for user in users {
            publish_employee(&tx, &org, &user)?;
        }
    }
    tx.commit()?;
    Ok(())
}
