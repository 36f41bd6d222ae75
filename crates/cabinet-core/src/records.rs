//! The organization's other records in the cache — application history
//! and comments, notifications, requirements, charges, payments,
//! employees, roles, the audit log — as the feed delivered them: paged,
//! filtered and sorted lists, what the user's role allows, and the offline
//! actions on them (accept and answer a requirement, pay a charge, comment,
//! mark read, manage employees and roles), queued in the outbox like every
//! other action.

use cabinet_api::{
    builtin_roles, ChangeRole, Charge, ChargeStatus, Comment, Employee, EmployeeStatus,
    InviteEmployee, NewComment, Notification, PayCharge, Payment, Permission, Record, Requirement,
    RequirementReply, RequirementStatus, Role, SaveRole,
};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::store::Store;
use crate::sync::{Action, OutboxKind};
use crate::CoreError;
use cabinet_api::ErrorCode;

/// Order of a records list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RecordSort {
    /// Newest first (by `created_at`).
    #[default]
    Newest,
    Oldest,
    /// Earliest due date first (requirements, charges); then newest.
    Due,
}

/// A list query over one kind of record; every filter optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct RecordQuery {
    /// Records of this application (history, comments, requirements,
    /// charges) or charge (payments).
    pub parent: Option<String>,
    /// Any of these statuses (requirements, charges).
    pub status: Vec<String>,
    /// Created on or after / before this day or instant (ISO).
    pub from: Option<String>,
    pub to: Option<String>,
    /// Full-text: every word as a prefix, ё = е.
    pub text: Option<String>,
    /// Notifications not yet read.
    pub unread: bool,
    pub sort: RecordSort,
    pub offset: u32,
    /// 0: all rows.
    pub limit: u32,
}

/// A record with the user's actions on it still in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RecordView<T> {
    pub record: T,
    /// Kinds of the queued actions (`accept_requirement`, …), oldest first.
    pub pending: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RecordPage<T> {
    pub items: Vec<RecordView<T>>,
    /// Rows matching the filters, all pages.
    pub total: u32,
}

fn parse<T: Record>(text: &str) -> Result<T, CoreError> {
    serde_json::from_str(text).map_err(|e| CoreError::Store(format!("{}: {e}", T::ENTITY)))
}

/// `to` as an exclusive upper bound: a bare day includes all of it.
fn end_bound(to: &str) -> String {
    if to.len() == 10 {
        format!("{to}T99")
    } else {
        to.to_owned()
    }
}

impl Store {
    /// A page of `T` records of `org` and the total matching.
    pub fn record_page<T: Record>(
        &self,
        org: &str,
        q: &RecordQuery,
    ) -> Result<RecordPage<T>, CoreError> {
        let terms = match q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => match crate::search::fts_terms(t) {
                Some(terms) => Some(terms),
                // Nothing searchable in it: nothing matches.
                None => {
                    return Ok(RecordPage {
                        items: Vec::new(),
                        total: 0,
                    })
                }
            },
            None => None,
        };
        let statuses =
            serde_json::to_string(&q.status).map_err(|e| CoreError::Store(e.to_string()))?;
        let to = q.to.as_deref().map(end_bound);
        let filter = "FROM entities WHERE org_id = ?1 AND entity = ?2
                AND (?3 IS NULL OR parent = ?3)
                AND (?4 = '[]' OR rec_status IN (SELECT value FROM json_each(?4)))
                AND (?5 IS NULL OR at >= ?5) AND (?6 IS NULL OR at < ?6)
                AND (?7 IS NULL OR id IN (SELECT ref_id FROM search
                     WHERE search MATCH ?7 AND org_id = ?1 AND kind = ?2))
                AND (?8 = 0 OR json_extract(json, '$.read') = 0)";
        let order = match q.sort {
            RecordSort::Newest => "at DESC, id",
            RecordSort::Oldest => "at, id",
            RecordSort::Due => "due IS NULL, due, at DESC, id",
        };
        let limit = if q.limit == 0 { -1 } else { i64::from(q.limit) };
        // ?1…?8 filter (the count takes those), ?9 and ?10 page.
        let args = params![
            org,
            T::ENTITY,
            q.parent,
            statuses,
            q.from,
            to,
            terms,
            q.unread,
            limit,
            q.offset
        ];
        let total: u32 = self
            .conn
            .prepare_cached(&format!("SELECT count(*) {filter}"))?
            .query_row(&args[..8], |r| r.get(0))?;
        // Limit and offset bound, not formatted: one cached statement per
        // filter and order, whatever page is asked for.
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT id, json {filter} ORDER BY {order} LIMIT ?9 OFFSET ?10"
        ))?;
        let rows = stmt
            .query_map(args, |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let items = rows
            .into_iter()
            .map(|(id, json)| {
                Ok(RecordView {
                    record: parse::<T>(&json)?,
                    pending: self.queued_kinds(&id)?,
                })
            })
            .collect::<Result<Vec<_>, CoreError>>()?;
        Ok(RecordPage { items, total })
    }

    /// Record `id` of kind `T` in `org`, if cached.
    pub fn record<T: Record>(&self, org: &str, id: &str) -> Result<Option<T>, CoreError> {
        self.conn
            .prepare_cached(
                "SELECT json FROM entities WHERE org_id = ?1 AND entity = ?2 AND id = ?3",
            )?
            .query_row(params![org, T::ENTITY, id], |r| r.get::<_, String>(0))
            .optional()?
            .map(|j| parse(&j))
            .transpose()
    }

    fn queued_kinds(&self, target: &str) -> Result<Vec<String>, CoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT kind FROM outbox WHERE target = ?1 ORDER BY seq")?;
        let kinds = stmt
            .query_map([target], |r| r.get(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(kinds)
    }

    /// What the user's role in `org` allows, as the portal last said (the
    /// built-in matrix until the roles have synced).
    pub fn permissions(&self, org: &str) -> Result<Vec<Permission>, CoreError> {
        let role: Option<String> = self
            .conn
            .query_row("SELECT role FROM organizations WHERE id = ?1", [org], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(role) = role else {
            return Ok(Vec::new());
        };
        if let Some(r) = self.record::<Role>(org, &role)? {
            return Ok(r.permissions);
        }
        Ok(builtin_roles()
            .into_iter()
            .find(|r| r.id == role)
            .map(|r| r.permissions)
            .unwrap_or_default())
    }

    pub(crate) fn allowed(&self, org: &str, p: Permission) -> Result<(), CoreError> {
        if self.permissions(org)?.contains(&p) {
            Ok(())
        } else {
            Err(CoreError::NotAllowed(p))
        }
    }

    /// Queues `action` on `target` (`None`: it makes a new record).
    fn queue_write(
        &self,
        org: &str,
        target: Option<&str>,
        action: Action,
    ) -> Result<(), CoreError> {
        let tx = self.conn.unchecked_transaction()?;
        crate::sync::enqueue(&tx, org, target, &action)?;
        tx.commit()?;
        Ok(())
    }

    /// «Принято к исполнению», sent at the next sync.
    pub fn queue_accept_requirement(&self, org: &str, id: &str) -> Result<(), CoreError> {
        self.allowed(org, Permission::RequirementsAnswer)?;
        let r: Requirement = self.record(org, id)?.ok_or(CoreError::NotCached)?;
        let queued = self.queued_kinds(id)?;
        if r.status != RequirementStatus::New || !queued.is_empty() {
            return Err(CoreError::Invalid(ErrorCode::InputRequirement));
        }
        self.queue_write(
            org,
            Some(id),
            Action::write::<Requirement>(
                OutboxKind::AcceptRequirement,
                "requirements/{target}/accept",
                Some(r.version),
                serde_json::json!({}),
                &r.number,
            ),
        )
    }

    /// An answer to a requirement (text and documents of the organization),
    /// sent at the next sync. If the requirement is also being accepted,
    /// the answer goes over the accepted version.
    pub fn queue_answer_requirement(
        &self,
        org: &str,
        id: &str,
        reply: RequirementReply,
    ) -> Result<(), CoreError> {
        self.allowed(org, Permission::RequirementsAnswer)?;
        let reply = reply
            .normalized()
            .map_err(|(field, _)| CoreError::Invalid(ErrorCode::input(field)))?;
        let r: Requirement = self.record(org, id)?.ok_or(CoreError::NotCached)?;
        let queued = self.queued_kinds(id)?;
        let open = matches!(
            r.status,
            RequirementStatus::New | RequirementStatus::Accepted
        );
        if !open || queued.iter().any(|k| k == "answer_requirement") {
            return Err(CoreError::Invalid(ErrorCode::InputRequirement));
        }
        for doc in &reply.document_ids {
            if self.document(org, doc)?.is_none() {
                return Err(CoreError::Invalid(ErrorCode::InputDocumentIds));
            }
        }
        let version = r.version + i64::from(queued.iter().any(|k| k == "accept_requirement"));
        let body = serde_json::to_value(&reply).map_err(|e| CoreError::Store(e.to_string()))?;
        self.queue_write(
            org,
            Some(id),
            Action::write::<Requirement>(
                OutboxKind::AnswerRequirement,
                "requirements/{target}/answer",
                Some(version),
                body,
                &r.number,
            ),
        )
    }

    /// A change of the bank account or the head, sent at the next sync to
    /// the portal's operator; the profile changes once it is approved. One
    /// at a time: not while another waits here or on the portal.
    pub fn queue_profile_change(
        &self,
        org: &str,
        change: cabinet_api::NewProfileChange,
    ) -> Result<(), CoreError> {
        self.allowed(org, Permission::ProfileEdit)?;
        let change = change.normalized()?;
        let waiting = self
            .record_page::<cabinet_api::ProfileChange>(org, &RecordQuery::default())?
            .items
            .iter()
            .any(|v| v.record.status == cabinet_api::ProfileChangeStatus::Pending);
        let queued: i64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE org_id = ?1 AND kind = 'profile_change'",
            [org],
            |r| r.get(0),
        )?;
        if waiting || queued > 0 {
            return Err(CoreError::Refused {
                code: ErrorCode::ProfileChangePending,
                detail: "a change of requisites is already waiting".into(),
            });
        }
        let summary = [
            change.bank.as_ref().map(|b| b.bank_name.clone()),
            change.head_name.clone(),
            change.kpp.as_ref().map(|k| format!("КПП {k}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        let body = serde_json::to_value(&change).map_err(|e| CoreError::Store(e.to_string()))?;
        self.queue_write(
            org,
            Some(org),
            Action::write::<cabinet_api::ProfileChange>(
                OutboxKind::ProfileChange,
                "profile/changes",
                None,
                body,
                &summary,
            ),
        )
    }

    /// Pays a charge (card or СБП) at the next sync; the receipt comes back.
    pub fn queue_pay_charge(&self, org: &str, id: &str, pay: PayCharge) -> Result<(), CoreError> {
        self.allowed(org, Permission::PaymentsPay)?;
        let c: Charge = self.record(org, id)?.ok_or(CoreError::NotCached)?;
        if c.status != ChargeStatus::Unpaid || !self.queued_kinds(id)?.is_empty() {
            return Err(CoreError::Invalid(ErrorCode::InputCharge));
        }
        let body = serde_json::to_value(&pay).map_err(|e| CoreError::Store(e.to_string()))?;
        self.queue_write(
            org,
            Some(id),
            Action::write::<Payment>(
                OutboxKind::PayCharge,
                "charges/{target}/pay",
                Some(c.version),
                body,
                &c.title,
            ),
        )
    }

    /// A comment on an application (one drafted offline too), or a reply.
    pub fn queue_comment(
        &self,
        org: &str,
        application_id: &str,
        comment: NewComment,
    ) -> Result<(), CoreError> {
        self.allowed(org, Permission::ApplicationsEdit)?;
        let text = comment.text.trim().to_owned();
        if text.is_empty()
            || text.chars().count() > 4000
            || !cabinet_api::text::is_clean(&text, true)
        {
            return Err(CoreError::Invalid(ErrorCode::InputText));
        }
        let app = self
            .application(application_id)?
            .ok_or(CoreError::Invalid(ErrorCode::InputApplication))?;
        let summary: String = text.chars().take(80).collect();
        let body = serde_json::to_value(NewComment {
            text,
            reply_to: comment.reply_to,
        })
        .map_err(|e| CoreError::Store(e.to_string()))?;
        self.queue_write(
            org,
            Some(&app.id),
            Action::write::<Comment>(
                OutboxKind::Comment,
                "applications/{target}/comments",
                None,
                body,
                &summary,
            ),
        )
    }

    /// The organization's role named `name`, as synced (built-in ones
    /// before the first sync).
    fn role(&self, org: &str, name: &str) -> Result<Option<Role>, CoreError> {
        if let Some(r) = self.record::<Role>(org, name)? {
            return Ok(Some(r));
        }
        Ok(builtin_roles().into_iter().find(|r| r.id == name))
    }

    /// The portal's authority rules, checked before anything is queued: no
    /// one gives permissions beyond their own, and the head's role is the
    /// head's.
    fn may_grant(&self, org: &str, granted: &[Permission]) -> Result<(), CoreError> {
        let mine = self.permissions(org)?;
        let beyond: Vec<&str> = granted
            .iter()
            .filter(|p| !mine.contains(p))
            .map(|p| p.code())
            .collect();
        if beyond.is_empty() {
            return Ok(());
        }
        Err(CoreError::Refused {
            code: ErrorCode::EmployeeGrantExceeds,
            detail: format!("you do not hold {}", beyond.join(", ")),
        })
    }

    /// `role` given to someone: known, never the head's, within one's own.
    fn may_give(&self, org: &str, role: &str) -> Result<(), CoreError> {
        let r = self
            .role(org, role)?
            .ok_or(CoreError::Invalid(ErrorCode::InputRole))?;
        if r.id == cabinet_api::HEAD_ROLE {
            return Err(head_role_refused());
        }
        self.may_grant(org, &r.permissions)
    }

    /// Access for a person by e-mail with a role, given at the next sync.
    pub fn queue_invite_employee(
        &self,
        org: &str,
        invite: InviteEmployee,
    ) -> Result<(), CoreError> {
        self.allowed(org, Permission::EmployeesManage)?;
        let invite = invite
            .normalized()
            .map_err(|field| CoreError::Invalid(ErrorCode::input(field)))?;
        self.may_give(org, &invite.role)?;
        let all = self.record_page::<Employee>(org, &RecordQuery::default())?;
        if all.items.iter().any(|e| {
            e.record.email.eq_ignore_ascii_case(&invite.email)
                && e.record.status != EmployeeStatus::Removed
        }) {
            return Err(CoreError::Invalid(ErrorCode::InputEmailTaken));
        }
        let summary = format!("{} <{}>", invite.full_name, invite.email);
        let body = serde_json::to_value(&invite).map_err(|e| CoreError::Store(e.to_string()))?;
        self.queue_write(
            org,
            None,
            Action::write::<Employee>(
                OutboxKind::InviteEmployee,
                "employees",
                None,
                body,
                &summary,
            ),
        )
    }

    /// An employee with access (or invited), not already being changed.
    fn employee_to_change(&self, org: &str, id: &str) -> Result<Employee, CoreError> {
        self.allowed(org, Permission::EmployeesManage)?;
        let e: Employee = self.record(org, id)?.ok_or(CoreError::NotCached)?;
        if e.status == EmployeeStatus::Removed || !self.queued_kinds(id)?.is_empty() {
            return Err(CoreError::Invalid(ErrorCode::InputEmployee));
        }
        if e.role == cabinet_api::HEAD_ROLE {
            return Err(head_role_refused());
        }
        Ok(e)
    }

    /// Another role for an employee, at the next sync.
    pub fn queue_change_role(&self, org: &str, id: &str, role: &str) -> Result<(), CoreError> {
        let e = self.employee_to_change(org, id)?;
        let role = role.trim();
        if role == e.role {
            return Err(CoreError::Invalid(ErrorCode::InputRole));
        }
        self.may_give(org, role)?;
        let body = serde_json::to_value(ChangeRole {
            role: role.to_owned(),
        })
        .map_err(|e| CoreError::Store(e.to_string()))?;
        self.queue_write(
            org,
            Some(id),
            Action::write::<Employee>(
                OutboxKind::ChangeRole,
                "employees/{target}/role",
                Some(e.version),
                body,
                &format!("{}: {role}", e.full_name),
            ),
        )
    }

    /// Removes an employee's access at the next sync.
    pub fn queue_remove_employee(&self, org: &str, id: &str) -> Result<(), CoreError> {
        let e = self.employee_to_change(org, id)?;
        self.queue_write(
            org,
            Some(id),
            Action::write::<Employee>(
                OutboxKind::RemoveEmployee,
                "employees/{target}/remove",
                Some(e.version),
                serde_json::json!({}),
                &e.full_name,
            ),
        )
    }

    /// A custom role (`existing: None`), or new permissions for one.
    pub fn queue_save_role(
        &self,
        org: &str,
        existing: Option<&str>,
        role: SaveRole,
    ) -> Result<(), CoreError> {
        self.allowed(org, Permission::EmployeesManage)?;
        let role = role
            .normalized()
            .map_err(|field| CoreError::Invalid(ErrorCode::input(field)))?;
        self.may_grant(org, &role.permissions)?;
        let body = serde_json::to_value(&role).map_err(|e| CoreError::Store(e.to_string()))?;
        match existing {
            None => {
                if role.name.chars().count() < 2 {
                    return Err(CoreError::Invalid(ErrorCode::InputName));
                }
                if self.role(org, &role.name)?.is_some() {
                    return Err(CoreError::Invalid(ErrorCode::InputName));
                }
                self.queue_write(
                    org,
                    None,
                    Action::write::<Role>(OutboxKind::CreateRole, "roles", None, body, &role.name),
                )
            }
            Some(id) => {
                let r = self
                    .role(org, id)?
                    .ok_or(CoreError::Invalid(ErrorCode::InputRole))?;
                if r.builtin || !self.queued_kinds(id)?.is_empty() {
                    return Err(CoreError::Invalid(ErrorCode::InputRole));
                }
                self.queue_write(
                    org,
                    Some(id),
                    Action::write::<Role>(
                        OutboxKind::EditRole,
                        "roles/{target}/permissions",
                        Some(r.version),
                        body,
                        &r.id,
                    ),
                )
            }
        }
    }

    /// An extract from the register, made by the portal at the next sync
    /// and delivered as a document of the organization.
    pub fn queue_request_extract(&self, org: &str) -> Result<(), CoreError> {
        self.queue_write(
            org,
            None,
            Action::write::<cabinet_api::Document>(
                OutboxKind::RequestExtract,
                "legal-status/extract",
                None,
                serde_json::json!({}),
                "Выписка из реестра",
            ),
        )
    }

    /// Unread notifications that arrived since the last call, oldest
    /// first: what the desktop announces after a sync. The first call for
    /// an organization only sets the mark (what was there before is not
    /// news). The mark is the newest `created_at` seen with the ids that
    /// carry it: times are whole seconds, and a notification of the same
    /// second can arrive with a later sync.
    pub fn take_fresh_notifications(&self, org: &str) -> Result<Vec<Notification>, CoreError> {
        #[derive(Serialize, Deserialize)]
        struct Mark {
            at: String,
            ids: Vec<String>,
        }
        let key = format!("announced_until:{org}");
        let tx = self.conn.unchecked_transaction()?;
        // The newest time and the ids at it, as the cache holds them now.
        let newest = || -> Result<Option<Mark>, CoreError> {
            let at: Option<String> = tx.query_row(
                "SELECT max(json ->> 'created_at') FROM entities
                 WHERE org_id = ?1 AND entity = 'notification'",
                [org],
                |r| r.get(0),
            )?;
            let Some(at) = at else { return Ok(None) };
            let ids = tx
                .prepare(
                    "SELECT id FROM entities WHERE org_id = ?1 AND entity = 'notification'
                       AND json ->> 'created_at' = ?2",
                )?
                .query_map(params![org, at], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            Ok(Some(Mark { at, ids }))
        };
        let mark: Option<Mark> = self.meta(&key)?.and_then(|j| serde_json::from_str(&j).ok());
        let fresh = match &mark {
            None => Vec::new(),
            Some(mark) => {
                let texts: Vec<(String, String)> = tx
                    .prepare(
                        "SELECT id, json FROM entities
                         WHERE org_id = ?1 AND entity = 'notification'
                           AND json ->> 'created_at' >= ?2 AND NOT json ->> 'read'
                         ORDER BY json ->> 'created_at', id",
                    )?
                    .query_map(params![org, mark.at], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?;
                texts
                    .iter()
                    .filter(|(id, _)| !mark.ids.contains(id))
                    .map(|(_, t)| parse::<Notification>(t))
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        let next = newest()?.unwrap_or(Mark {
            at: String::new(),
            ids: Vec::new(),
        });
        let next = match mark {
            Some(m) if m.at == next.at => Mark {
                ids: m
                    .ids
                    .into_iter()
                    .chain(next.ids)
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                at: next.at,
            },
            _ => next,
        };
        let text = serde_json::to_string(&next).map_err(|e| CoreError::Store(e.to_string()))?;
        self.set_meta(&key, &text)?;
        tx.commit()?;
        Ok(fresh)
    }

    /// Marks a notification read (for the whole organization).
    pub fn queue_mark_read(&self, org: &str, id: &str) -> Result<(), CoreError> {
        let n: Notification = self.record(org, id)?.ok_or(CoreError::NotCached)?;
        if n.read || !self.queued_kinds(id)?.is_empty() {
            return Ok(());
        }
        self.queue_write(
            org,
            Some(id),
            Action::write::<Notification>(
                OutboxKind::MarkRead,
                "notifications/{target}/read",
                None,
                serde_json::json!({}),
                &n.title,
            ),
        )
    }
}

fn head_role_refused() -> CoreError {
    CoreError::Refused {
        code: ErrorCode::EmployeeHeadRole,
        detail: "the head's role belongs to the head named in the state register".into(),
    }
}
