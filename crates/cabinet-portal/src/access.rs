//! Who may do what in an organization: membership, the role's
//! permissions, and whether the cabinet's state (open, suspended, blocked,
//! deactivated) allows the request at all.

use cabinet_api::ErrorCode;
use cabinet_api::{builtin_roles, Permission, Role};
use rusqlite::{params, Connection, OptionalExtension};

use crate::access;
use crate::db;
use crate::error::PortalError;
use crate::records::{get, Actor};

/// A member of `org` reading its records (a suspended cabinet allows it).
pub(crate) fn member(conn: &Connection, org: &str, user: &str) -> Result<(), PortalError> {
    if db::is_member(conn, org, user)? {
        access::check_access(conn, org, access::Use::Read)
    } else {
        Err(PortalError::OrgForbidden)
    }
}

/// What a request does with a cabinet, for its state to allow or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Reads its records: a suspended cabinet allows it.
    Read,
    /// Changes something: only an open cabinet.
    Write,
    /// Shows the profile, writes to support, asks for an unblock: any
    /// cabinet not deactivated.
    Any,
}

/// Whether the cabinet's state allows `what`: a suspended or blocked one
/// answers `403 org.suspended` / `org.blocked` with its reason; a
/// deactivated one is as if it did not exist.
pub fn check_access(conn: &Connection, org: &str, what: Use) -> Result<(), PortalError> {
    let (state, reason) = crate::db::access_of(conn, org)?;
    let closed = |code| PortalError::Refused {
        status: 403,
        code,
        detail: reason.clone().unwrap_or_default(),
    };
    match (state.as_str(), what) {
        ("active", _) => Ok(()),
        ("deactivated", _) => Err(PortalError::OrgForbidden),
        (_, Use::Any) | ("suspended", Use::Read) => Ok(()),
        ("suspended", Use::Write) => Err(closed(ErrorCode::OrgSuspended)),
        _ => Err(closed(ErrorCode::OrgBlocked)),
    }
}

/// The member `user` of `org` if their role allows `permission` (`None`:
/// any member) and the cabinet is open for writes. Not a member:
/// `OrgForbidden`, as for an unknown org.
pub fn require(
    conn: &Connection,
    org: &str,
    user: &str,
    ip: Option<&str>,
    permission: Option<Permission>,
) -> Result<Actor, PortalError> {
    require_for(conn, org, user, ip, permission, Use::Write)
}

/// [`require`] for a request that does `what` with the cabinet.
pub fn require_for(
    conn: &Connection,
    org: &str,
    user: &str,
    ip: Option<&str>,
    permission: Option<Permission>,
    what: Use,
) -> Result<Actor, PortalError> {
    let row: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT m.role, u.full_name FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.org_id = ?1 AND m.user_id = ?2",
        )?
        .query_row(params![org, user], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((role, name)) = row else {
        return Err(PortalError::OrgForbidden);
    };
    check_access(conn, org, what)?;
    if let Some(p) = permission {
        let allowed = role_permissions(conn, org, &role)?.unwrap_or_default();
        if !allowed.contains(&p) {
            return Err(PortalError::PermissionDenied(p));
        }
    }
    Ok(Actor {
        user_id: user.to_owned(),
        name,
        ip: ip.map(str::to_owned),
    })
}

/// What `role` of `org` allows; `None` when `org` has no such role.
pub fn role_permissions(
    conn: &Connection,
    org: &str,
    role: &str,
) -> Result<Option<Vec<Permission>>, PortalError> {
    match get::<Role>(conn, org, role) {
        Ok(r) => Ok(Some(r.permissions)),
        Err(PortalError::NotFound) => Ok(builtin_roles()
            .into_iter()
            .find(|r| r.id == role)
            .map(|r| r.permissions)),
        Err(e) => Err(e),
    }
}
