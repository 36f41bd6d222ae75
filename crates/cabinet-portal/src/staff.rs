//! Employees and roles: access given by e-mail with a role, roles changed,
//! access removed; custom roles made and edited. All need
//! `employees.manage`, are idempotent and versioned like every other
//! write, and never leave the organization without someone who may manage
//! its employees.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use cabinet_api::{
    ChangeRole, Employee, EmployeeStatus, InviteEmployee, Permission, Role, SaveRole,
};
use rusqlite::{params, Connection, OptionalExtension};

use crate::actions::{at_version, body, write, Versioned};
use crate::applications::if_match;
use crate::auth::AuthUser;
use crate::error::{ApiJson, PortalError};
use crate::records::{self, Actor};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs/{org}/employees", post(invite))
        .route("/orgs/{org}/employees/{id}/role", post(change_role))
        .route("/orgs/{org}/employees/{id}/remove", post(remove))
        .route("/orgs/{org}/roles", post(create_role))
        .route("/orgs/{org}/roles/{id}/permissions", post(edit_role))
}

impl Versioned for Employee {
    fn version(&self) -> i64 {
        self.version
    }
}

impl Versioned for Role {
    fn version(&self) -> i64 {
        self.version
    }
}

fn invalid(field: &'static str, detail: &str) -> PortalError {
    PortalError::InvalidField {
        field,
        detail: detail.to_owned(),
    }
}

/// `role` must be one of `org`'s roles.
fn known_role(conn: &Connection, org: &str, role: &str) -> Result<(), PortalError> {
    match records::role_permissions(conn, org, role)? {
        Some(_) => Ok(()),
        None => Err(invalid("role", "no such role in this organization")),
    }
}

/// Members whose role allows managing employees.
fn managers(conn: &Connection, org: &str) -> Result<usize, PortalError> {
    let roles: Vec<String> = {
        let mut st = conn.prepare_cached("SELECT role FROM memberships WHERE org_id = ?1")?;
        let rows = st
            .query_map([org], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        rows
    };
    let mut n = 0;
    for role in roles {
        if records::role_permissions(conn, org, &role)?
            .is_some_and(|p| p.contains(&Permission::EmployeesManage))
        {
            n += 1;
        }
    }
    Ok(n)
}

/// Refuses a change that left nobody able to manage employees.
fn keep_a_manager(conn: &Connection, org: &str) -> Result<(), PortalError> {
    if managers(conn, org)? == 0 {
        return Err(PortalError::WrongState(
            "nobody would be left to manage the organization's employees".into(),
        ));
    }
    Ok(())
}

/// Members of every organization that invited `email`, now that it has an
/// account (`user`): each invitation becomes a membership with its role.
pub fn accept_invitations(conn: &Connection, user: &str, email: &str) -> Result<(), PortalError> {
    let invited: Vec<(String, String)> = {
        let mut st =
            conn.prepare("SELECT org_id, employee_id FROM invitations WHERE email = ?1")?;
        let rows = st
            .query_map([email], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        rows
    };
    for (org, employee) in invited {
        let e: Employee = records::get(conn, &org, &employee)?;
        conn.execute(
            "INSERT INTO memberships (org_id, user_id, role) VALUES (?1, ?2, ?3)
             ON CONFLICT (org_id, user_id) DO NOTHING",
            params![org, user, e.role],
        )?;
        records::delete::<Employee>(conn, &org, &employee)?;
        records::publish_employee(conn, &org, user)?;
        conn.execute(
            "DELETE FROM invitations WHERE org_id = ?1 AND employee_id = ?2",
            params![org, employee],
        )?;
    }
    Ok(())
}

async fn invite(
    State(st): State<AppState>,
    user: AuthUser,
    Path(org): Path<String>,
    headers: HeaderMap,
    ApiJson(new): ApiJson<InviteEmployee>,
) -> Result<Response, PortalError> {
    let new = new
        .normalized()
        .map_err(|field| invalid(field, "check the value"))?;
    let request = format!("invite {org} {new:?}");
    let o = org.clone();
    write(
        &st,
        user,
        org,
        &headers,
        Some(Permission::EmployeesManage),
        request,
        move |tx, cfg, who| {
            known_role(tx, &o, &new.role)?;
            let existing: Option<String> = tx
                .query_row("SELECT id FROM users WHERE email = ?1", [&new.email], |r| {
                    r.get(0)
                })
                .optional()?;
            let taken = records::list::<Employee>(tx, &o, None)?
                .into_iter()
                .any(|e| {
                    e.email.eq_ignore_ascii_case(&new.email) && e.status != EmployeeStatus::Removed
                });
            if taken {
                return Err(invalid("email", "this person already has access"));
            }
            let employee = match existing {
                Some(user_id) => {
                    tx.execute(
                        "INSERT INTO memberships (org_id, user_id, role) VALUES (?1, ?2, ?3)",
                        params![o, user_id, new.role],
                    )?;
                    records::publish_employee(tx, &o, &user_id)?
                }
                None => {
                    let e = Employee {
                        id: uuid::Uuid::new_v4().to_string(),
                        full_name: new.full_name.clone(),
                        email: new.email.clone(),
                        role: new.role.clone(),
                        status: EmployeeStatus::Invited,
                        version: 1,
                    };
                    tx.execute(
                        "INSERT INTO invitations (org_id, employee_id, email) VALUES (?1, ?2, ?3)",
                        params![o, e.id, e.email],
                    )?;
                    records::put(tx, &o, &e)?;
                    e
                }
            };
            let detail = format!("{} <{}>: {}", new.full_name, new.email, new.role);
            records::audit(tx, &o, who, "employee.invite", &detail, cfg.clock.now())?;
            body(&employee).map(|(_, v)| (StatusCode::CREATED, v))
        },
    )
    .await
}

/// The employee `id` of `org` at `expected`, unless removed.
fn current(tx: &Connection, org: &str, id: &str, expected: i64) -> Result<Employee, PortalError> {
    let e: Employee = at_version(tx, org, id, expected)?;
    if e.status == EmployeeStatus::Removed {
        return Err(PortalError::WrongState("the employee has no access".into()));
    }
    Ok(e)
}

fn audit_employee(
    tx: &Connection,
    org: &str,
    who: &Actor,
    action: &str,
    e: &Employee,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), PortalError> {
    let detail = format!("{} <{}>: {}", e.full_name, e.email, e.role);
    records::audit(tx, org, who, action, &detail, now)
}

async fn change_role(
    State(st): State<AppState>,
    user: AuthUser,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ChangeRole>,
) -> Result<Response, PortalError> {
    let expected = if_match(&headers)?;
    let role = req.role.trim().to_owned();
    let request = format!("role {org} {id} {expected} {role}");
    let o = org.clone();
    write(
        &st,
        user,
        org,
        &headers,
        Some(Permission::EmployeesManage),
        request,
        move |tx, cfg, who| {
            known_role(tx, &o, &role)?;
            let mut e = current(tx, &o, &id, expected)?;
            if e.status == EmployeeStatus::Active {
                tx.execute(
                    "UPDATE memberships SET role = ?3 WHERE org_id = ?1 AND user_id = ?2",
                    params![o, id, role],
                )?;
                keep_a_manager(tx, &o)?;
                e = records::publish_employee(tx, &o, &id)?;
            } else {
                e.role = role;
                e.version += 1;
                records::put(tx, &o, &e)?;
            }
            audit_employee(tx, &o, who, "employee.role", &e, cfg.clock.now())?;
            body(&e)
        },
    )
    .await
}

async fn remove(
    State(st): State<AppState>,
    user: AuthUser,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let expected = if_match(&headers)?;
    let request = format!("remove {org} {id} {expected}");
    let o = org.clone();
    write(
        &st,
        user,
        org,
        &headers,
        Some(Permission::EmployeesManage),
        request,
        move |tx, cfg, who| {
            let mut e = current(tx, &o, &id, expected)?;
            if e.id == who.user_id {
                return Err(PortalError::WrongState(
                    "you cannot remove your own access".into(),
                ));
            }
            tx.execute(
                "DELETE FROM memberships WHERE org_id = ?1 AND user_id = ?2",
                params![o, id],
            )?;
            tx.execute(
                "DELETE FROM invitations WHERE org_id = ?1 AND employee_id = ?2",
                params![o, id],
            )?;
            keep_a_manager(tx, &o)?;
            e.status = EmployeeStatus::Removed;
            e.version += 1;
            records::put(tx, &o, &e)?;
            audit_employee(tx, &o, who, "employee.remove", &e, cfg.clock.now())?;
            body(&e)
        },
    )
    .await
}

async fn create_role(
    State(st): State<AppState>,
    user: AuthUser,
    Path(org): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SaveRole>,
) -> Result<Response, PortalError> {
    let req = req
        .normalized()
        .map_err(|field| invalid(field, "a role's name is up to 60 characters"))?;
    if req.name.chars().count() < 2 {
        return Err(invalid("name", "a role needs a name"));
    }
    let request = format!("role.create {org} {req:?}");
    let o = org.clone();
    write(
        &st,
        user,
        org,
        &headers,
        Some(Permission::EmployeesManage),
        request,
        move |tx, cfg, who| {
            let clash = records::list::<Role>(tx, &o, None)?
                .iter()
                .chain(cabinet_api::builtin_roles().iter())
                .any(|r| r.id.to_lowercase() == req.name.to_lowercase());
            if clash {
                return Err(invalid("name", "a role with this name exists"));
            }
            let role = Role {
                id: req.name,
                permissions: req.permissions,
                builtin: false,
                version: 1,
            };
            records::put(tx, &o, &role)?;
            records::audit(tx, &o, who, "role.create", &role.id, cfg.clock.now())?;
            body(&role).map(|(_, v)| (StatusCode::CREATED, v))
        },
    )
    .await
}

async fn edit_role(
    State(st): State<AppState>,
    user: AuthUser,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SaveRole>,
) -> Result<Response, PortalError> {
    let expected = if_match(&headers)?;
    let req = req
        .normalized()
        .map_err(|field| invalid(field, "check the value"))?;
    let request = format!("role.edit {org} {id} {expected} {:?}", req.permissions);
    let o = org.clone();
    write(
        &st,
        user,
        org,
        &headers,
        Some(Permission::EmployeesManage),
        request,
        move |tx, cfg, who| {
            let mut role: Role = at_version(tx, &o, &id, expected)?;
            if role.builtin {
                return Err(PortalError::WrongState(
                    "a built-in role cannot be changed".into(),
                ));
            }
            role.permissions = req.permissions;
            role.version += 1;
            records::put(tx, &o, &role)?;
            keep_a_manager(tx, &o)?;
            let detail = format!("{}: {}", role.id, role.permissions.len());
            records::audit(tx, &o, who, "role.edit", &detail, cfg.clock.now())?;
            body(&role)
        },
    )
    .await
}
