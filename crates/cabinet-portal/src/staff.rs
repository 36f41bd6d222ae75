//! Employees and roles: access given by e-mail with a role, roles changed,
//! access removed; custom roles made and edited. All need
//! `employees.manage`, are idempotent and versioned like every other
//! write, and never leave the organization without someone who may manage
//! its employees.
//!
//! Authority: no one grants a role or permissions beyond what they hold
//! (`employee.grant_exceeds`), and the head's role is the head's — never
//! given, changed or taken here (`employee.head_role`); it moves only when
//! the operator approves a new head from the register (`orgs`). Each such
//! refusal is written to the audit log.

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
use crate::db::hash_password;
use crate::error::{ApiJson, PortalError};
use crate::http::if_match;
use crate::http::AuthUser;
use crate::records::Actor;
use crate::records::{self};
use crate::{AppState, MfaMode, NewUser};

use crate::access;
use cabinet_api::ErrorCode;
use cabinet_api::HEAD_ROLE;

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
    match access::role_permissions(conn, org, role)? {
        Some(_) => Ok(()),
        None => Err(invalid("role", "no such role in this organization")),
    }
}

/// The role `user` holds in `org`, if a member.
fn role_of(conn: &Connection, org: &str, user: &str) -> Result<Option<String>, PortalError> {
    Ok(conn
        .prepare_cached("SELECT role FROM memberships WHERE org_id = ?1 AND user_id = ?2")?
        .query_row([org, user], |r| r.get(0))
        .optional()?)
}

/// Refuses to give `granted` unless `who` holds every one of them.
fn only_what_is_held(
    conn: &Connection,
    org: &str,
    who: &Actor,
    granted: &[Permission],
) -> Result<(), PortalError> {
    let role = role_of(conn, org, &who.user_id)?.unwrap_or_default();
    let held = access::role_permissions(conn, org, &role)?.unwrap_or_default();
    let beyond: Vec<&str> = granted
        .iter()
        .filter(|p| !held.contains(p))
        .map(|p| p.code())
        .collect();
    if beyond.is_empty() {
        return Ok(());
    }
    Err(PortalError::Refused {
        status: 403,
        code: ErrorCode::EmployeeGrantExceeds,
        detail: format!("you do not hold {}", beyond.join(", ")),
    })
}

fn head_role_refused(detail: &str) -> PortalError {
    PortalError::Refused {
        status: 403,
        code: ErrorCode::EmployeeHeadRole,
        detail: detail.to_owned(),
    }
}

/// `role` given to someone by `who`: never the head's, and no more than
/// `who` holds.
fn may_give(conn: &Connection, org: &str, who: &Actor, role: &str) -> Result<(), PortalError> {
    known_role(conn, org, role)?;
    if role == HEAD_ROLE {
        return Err(head_role_refused(
            "the head's role belongs to the head named in the state register",
        ));
    }
    let granted = access::role_permissions(conn, org, role)?.unwrap_or_default();
    only_what_is_held(conn, org, who, &granted)
}

/// The head's own access is not changed or removed through employees.
fn not_the_head(employee: &Employee) -> Result<(), PortalError> {
    if employee.role == HEAD_ROLE {
        return Err(head_role_refused(
            "the head's access changes only with the register, through a change of requisites",
        ));
    }
    Ok(())
}

/// Writes a refusal of authority to the audit log, after the refused
/// write's own transaction has been rolled back.
async fn audit_refusal(
    st: &AppState,
    org: String,
    user: (String, Option<String>),
    action: &'static str,
    result: Result<Response, PortalError>,
) -> Result<Response, PortalError> {
    let Err(PortalError::Refused { code, detail, .. }) = &result else {
        return result;
    };
    if ![ErrorCode::EmployeeGrantExceeds, ErrorCode::EmployeeHeadRole].contains(code) {
        return result;
    }
    let line = format!("{action}: {code}: {detail}");
    let (user_id, ip) = user;
    let logged = st
        .with_db(move |conn, cfg| {
            let who =
                access::require_for(conn, &org, &user_id, ip.as_deref(), None, access::Use::Any)?;
            records::audit(
                conn,
                &org,
                &who,
                "authority.refused",
                &line,
                cfg.clock.now(),
            )
        })
        .await;
    if let Err(e) = logged {
        tracing::warn!(error = %e, "a refusal could not be written to the audit log");
    }
    result
}

/// The operator approved `head` as the organization's new head (from the
/// register): the member of that name, if any, takes the head's role, and
/// whoever held it before keeps read access only, for the new head to
/// decide. With no such member yet, the role stays where it is, so the
/// organization is never without a head; head-only steps still ask for
/// the person the register names.
pub fn move_head_role(
    conn: &Connection,
    org: &str,
    head: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), PortalError> {
    let members: Vec<(String, String, String)> = {
        let mut st = conn.prepare(
            "SELECT m.user_id, u.full_name, m.role FROM memberships m
             JOIN users u ON u.id = m.user_id WHERE m.org_id = ?1",
        )?;
        let rows = st
            .query_map([org], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        rows
    };
    let Some((new_head, _, _)) = members
        .iter()
        .find(|(_, name, _)| crate::registry::same_person(name, head))
    else {
        return Ok(());
    };
    let operator = Actor {
        user_id: "portal-operator".into(),
        name: "Оператор портала".into(),
        ip: None,
    };
    for (user, name, role) in &members {
        let new_role = if user == new_head {
            HEAD_ROLE
        } else if role == HEAD_ROLE {
            "Наблюдатель"
        } else {
            continue;
        };
        if role == new_role {
            continue;
        }
        conn.execute(
            "UPDATE memberships SET role = ?3 WHERE org_id = ?1 AND user_id = ?2",
            params![org, user, new_role],
        )?;
        records::publish_employee(conn, org, user)?;
        let detail = format!("{name}: {new_role} (новый руководитель по реестру: {head})");
        records::audit(conn, org, &operator, "employee.role", &detail, now)?;
    }
    Ok(())
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
        if access::role_permissions(conn, org, &role)?
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
    let caller = (user.user_id.clone(), user.ip.clone());
    let result = write(
        &st,
        user,
        org.clone(),
        &headers,
        Some(Permission::EmployeesManage),
        request,
        move |tx, cfg, who| {
            may_give(tx, &o, who, &new.role)?;
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
    .await;
    audit_refusal(&st, org, caller, "employee.invite", result).await
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
    let caller = (user.user_id.clone(), user.ip.clone());
    let result = write(
        &st,
        user,
        org.clone(),
        &headers,
        Some(Permission::EmployeesManage),
        request,
        move |tx, cfg, who| {
            let mut e = current(tx, &o, &id, expected)?;
            not_the_head(&e)?;
            may_give(tx, &o, who, &role)?;
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
    .await;
    audit_refusal(&st, org, caller, "employee.role", result).await
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
    let caller = (user.user_id.clone(), user.ip.clone());
    let result = write(
        &st,
        user,
        org.clone(),
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
            not_the_head(&e)?;
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
    .await;
    audit_refusal(&st, org, caller, "employee.remove", result).await
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
    let caller = (user.user_id.clone(), user.ip.clone());
    let result = write(
        &st,
        user,
        org.clone(),
        &headers,
        Some(Permission::EmployeesManage),
        request,
        move |tx, cfg, who| {
            only_what_is_held(tx, &o, who, &req.permissions)?;
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
                head: false,
                version: 1,
            };
            records::put(tx, &o, &role)?;
            records::audit(tx, &o, who, "role.create", &role.id, cfg.clock.now())?;
            body(&role).map(|(_, v)| (StatusCode::CREATED, v))
        },
    )
    .await;
    audit_refusal(&st, org, caller, "role.create", result).await
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
    let caller = (user.user_id.clone(), user.ip.clone());
    let result = write(
        &st,
        user,
        org.clone(),
        &headers,
        Some(Permission::EmployeesManage),
        request,
        move |tx, cfg, who| {
            only_what_is_held(tx, &o, who, &req.permissions)?;
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
    .await;
    audit_refusal(&st, org, caller, "role.edit", result).await
}

pub fn insert_user(conn: &Connection, u: &NewUser) -> Result<String, PortalError> {
    let id = uuid::Uuid::new_v4().to_string();
    let (mfa, secret) = match &u.mfa {
        MfaMode::None => ("none", None),
        MfaMode::Sms => ("sms", None),
        MfaMode::Totp(s) => ("totp", Some(s.clone())),
    };
    conn.execute(
        "INSERT INTO users (id, email, inn, ogrnip, full_name, phone, password_hash, mfa,
             totp_secret, created_at, snils)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            id,
            u.email,
            u.inn,
            u.ogrnip,
            u.full_name,
            u.phone,
            hash_password(&u.password)?,
            mfa,
            secret,
            chrono::Utc::now().to_rfc3339(),
            u.snils,
        ],
    )?;
    crate::staff::accept_invitations(conn, &id, &u.email)?;
    Ok(id)
}

pub fn insert_membership(
    conn: &Connection,
    org: &str,
    user: &str,
    role: &str,
) -> Result<(), PortalError> {
    conn.execute(
        "INSERT INTO memberships (org_id, user_id, role) VALUES (?1, ?2, ?3)
         ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role",
        params![org, user, role],
    )?;
    crate::records::publish_employee(conn, org, user).map(|_| ())
}
