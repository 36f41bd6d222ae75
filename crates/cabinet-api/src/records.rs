//! The organization's other entities in the change feed: application
//! history and comments, notifications, requirements, charges, payments,
//! employees, roles and the audit log; the requests that change them; and
//! the permission matrix both sides check against.
//!
//! Dates are RFC 3339 (`…_at`) or ISO dates (`…_date`); money is in kopecks.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ApplicationStatus;

/// An entity of the change feed with an id of its own. `ENTITY` is its
/// `entity` in the feed; `parent` the entity it belongs to, if any (an
/// application for its history and comments, a charge for its payments).
pub trait Record: Serialize + DeserializeOwned {
    const ENTITY: &'static str;
    fn id(&self) -> &str;
    fn parent(&self) -> Option<&str> {
        None
    }
}

macro_rules! record {
    ($t:ty, $entity:literal) => {
        impl Record for $t {
            const ENTITY: &'static str = $entity;
            fn id(&self) -> &str {
                &self.id
            }
        }
    };
    ($t:ty, $entity:literal, $parent:ident) => {
        impl Record for $t {
            const ENTITY: &'static str = $entity;
            fn id(&self) -> &str {
                &self.id
            }
            fn parent(&self) -> Option<&str> {
                self.$parent.as_deref()
            }
        }
    };
}

/// A step in an application's history (`status_event`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StatusEvent {
    pub id: String,
    pub application_id: Option<String>,
    pub status: ApplicationStatus,
    pub created_at: String,
    /// Who made the step: an employee's name or the authority's.
    pub actor: String,
}
record!(StatusEvent, "status_event", application_id);
record!(crate::Document, "document");

/// A comment on an application, or a reply to one (`comment`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Comment {
    pub id: String,
    pub application_id: Option<String>,
    pub author: String,
    pub text: String,
    pub created_at: String,
    pub reply_to: Option<String>,
}
record!(Comment, "comment", application_id);

/// `POST /v1/orgs/{org}/applications/{id}/comments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NewComment {
    pub text: String,
    #[serde(default)]
    pub reply_to: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// An application changed status.
    Status,
    Requirement,
    Charge,
    Payment,
    System,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 5] = [
        NotificationKind::Status,
        NotificationKind::Requirement,
        NotificationKind::Charge,
        NotificationKind::Payment,
        NotificationKind::System,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Status => "status",
            NotificationKind::Requirement => "requirement",
            NotificationKind::Charge => "charge",
            NotificationKind::Payment => "payment",
            NotificationKind::System => "system",
        }
    }
}

/// Where one kind of notification reaches a user besides the cabinet's
/// own list: on the desktop (the app's notifications), by e-mail, by SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NotificationChannels {
    pub kind: NotificationKind,
    pub desktop: bool,
    pub email: bool,
    pub sms: bool,
}

impl NotificationChannels {
    /// Until the user chooses: everything on the desktop, e-mail for what
    /// needs doing or paying, SMS for requirements only.
    pub fn default_for(kind: NotificationKind) -> Self {
        use NotificationKind as K;
        Self {
            kind,
            desktop: true,
            email: matches!(kind, K::Status | K::Requirement | K::Charge),
            sms: kind == K::Requirement,
        }
    }
}

/// `GET|PUT /v1/me/notification-settings`: the user's channels for every
/// kind (a kind left out of a PUT keeps its setting). The same in every
/// organization of the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NotificationSettings {
    pub items: Vec<NotificationChannels>,
}

/// A message to the organization (`notification`). Read by anyone of it
/// is read for all: the cabinet is the organization's mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Notification {
    pub id: String,
    pub kind: NotificationKind,
    pub title: String,
    pub text: String,
    pub created_at: String,
    pub read: bool,
    /// What it is about: an entity kind and id.
    pub entity: Option<String>,
    pub entity_id: Option<String>,
}
record!(Notification, "notification");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RequirementStatus {
    /// Issued, not yet seen to.
    New,
    /// «Принято к исполнению».
    Accepted,
    /// Answered; the authority reviews the answer.
    Answered,
    /// The authority closed it.
    Closed,
}

/// A requirement from a government body (`requirement`), with a due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Requirement {
    pub id: String,
    pub number: String,
    pub title: String,
    pub text: String,
    pub authority: String,
    /// The application it is about, if any.
    pub application_id: Option<String>,
    pub created_at: String,
    /// ISO date the answer is due.
    pub due_date: String,
    pub status: RequirementStatus,
    pub answer: Option<RequirementAnswer>,
    #[ts(type = "number")]
    pub version: i64,
}
record!(Requirement, "requirement", application_id);

/// The organization's answer to a requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RequirementAnswer {
    pub text: String,
    /// Documents of the organization sent with it.
    pub document_ids: Vec<String>,
    pub answered_at: String,
    pub answered_by: String,
}

/// `POST /v1/orgs/{org}/requirements/{id}/answer` (`If-Match`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RequirementReply {
    pub text: String,
    #[serde(default)]
    pub document_ids: Vec<String>,
}

impl RequirementReply {
    /// At most this many characters of text and this many documents.
    pub const MAX_TEXT: usize = 10_000;
    pub const MAX_DOCUMENTS: usize = 10;

    /// The reply as stored (text trimmed), or the name of the bad field.
    pub fn normalized(self) -> Result<Self, (&'static str, &'static str)> {
        let text = self.text.trim().to_owned();
        if text.is_empty() {
            return Err(("text", "the answer needs a text"));
        }
        if !crate::text::is_clean(&text, true) {
            return Err(("text", "control or text-direction characters"));
        }
        if text.chars().count() > Self::MAX_TEXT {
            return Err(("text", "the answer is longer than 10000 characters"));
        }
        if self.document_ids.len() > Self::MAX_DOCUMENTS {
            return Err(("document_ids", "at most 10 documents"));
        }
        Ok(Self {
            text,
            document_ids: self.document_ids,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChargeKind {
    /// Государственная пошлина.
    Duty,
    Tax,
    Fine,
    Fee,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChargeStatus {
    Unpaid,
    Paid,
}

/// A charge to pay (`charge`): a duty, tax, fine or fee, with its UIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Charge {
    pub id: String,
    /// Уникальный идентификатор начисления (20 or 25 digits).
    pub uin: String,
    pub kind: ChargeKind,
    pub title: String,
    pub authority: String,
    /// Kopecks.
    #[ts(type = "number")]
    pub amount: i64,
    pub created_at: String,
    pub due_date: String,
    pub status: ChargeStatus,
    pub application_id: Option<String>,
    #[ts(type = "number")]
    pub version: i64,
}
record!(Charge, "charge", application_id);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Card,
    /// Система быстрых платежей.
    Sbp,
}

/// Kopecks as people read rubles: thin-space thousands, a decimal comma
/// and «₽» (`301 662,00 ₽`), as the UI writes them.
pub fn format_rubles(kopecks: i64) -> String {
    let sign = if kopecks < 0 { "−" } else { "" };
    let abs = kopecks.unsigned_abs();
    let digits = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('\u{2009}');
        }
        grouped.push(d);
    }
    format!("{sign}{grouped},{:02}\u{a0}₽", abs % 100)
}

/// `POST /v1/orgs/{org}/charges/{id}/pay` (`If-Match`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PayCharge {
    pub method: PaymentMethod,
}

/// A payment of a charge (`payment`), with its receipt document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Payment {
    pub id: String,
    pub charge_id: Option<String>,
    #[ts(type = "number")]
    pub amount: i64,
    pub method: PaymentMethod,
    pub created_at: String,
    pub paid_by: String,
    pub receipt_document_id: String,
}
record!(Payment, "payment", charge_id);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EmployeeStatus {
    /// A member with access.
    #[default]
    Active,
    /// Invited by e-mail; has no portal account yet. Becomes a member
    /// (under the new user's id) when one is made for that address.
    Invited,
    /// Access removed; kept for the record.
    Removed,
}

fn first_version() -> i64 {
    1
}

/// A member of the organization (`employee`; the id is the user's, or the
/// invitation's while invited).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Employee {
    pub id: String,
    pub full_name: String,
    pub email: String,
    /// The role's name.
    pub role: String,
    #[serde(default)]
    pub status: EmployeeStatus,
    #[serde(default = "first_version")]
    #[ts(type = "number")]
    pub version: i64,
}
record!(Employee, "employee");

/// `POST /v1/orgs/{org}/employees`: access for a person by e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct InviteEmployee {
    pub email: String,
    pub full_name: String,
    pub role: String,
}

impl InviteEmployee {
    /// The invitation as stored (trimmed, e-mail lower-cased), or the
    /// name of the bad field.
    pub fn normalized(self) -> Result<Self, &'static str> {
        let email = self.email.trim().to_lowercase();
        crate::requisites::validate_email(&email).map_err(|_| "email")?;
        let full_name = self
            .full_name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if full_name.chars().count() < 2
            || full_name.chars().count() > 200
            || !crate::text::is_clean(&full_name, false)
        {
            return Err("full_name");
        }
        let role = self.role.trim().to_owned();
        if role.is_empty() || !crate::text::is_clean(&role, false) {
            return Err("role");
        }
        Ok(Self {
            email,
            full_name,
            role,
        })
    }
}

/// `POST /v1/orgs/{org}/employees/{id}/role` (`If-Match`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChangeRole {
    pub role: String,
}

/// What a role may do in the organization (`role`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Role {
    /// The role's name; built-in roles are Russian words.
    pub id: String,
    pub permissions: Vec<Permission>,
    pub builtin: bool,
    /// The head's role ([`HEAD_ROLE`]): held by the person the register
    /// names, never given or taken (see [`Role::marked`]).
    #[serde(default)]
    pub head: bool,
    #[serde(default = "first_version")]
    #[ts(type = "number")]
    pub version: i64,
}
record!(Role, "role");

impl Role {
    /// The role with `head` set from what it is, whatever the stored JSON
    /// said (roles stored before the flag have none).
    pub fn marked(mut self) -> Self {
        self.head = self.builtin && self.id == HEAD_ROLE;
        self
    }
}

/// `POST /v1/orgs/{org}/roles` (a custom role) and
/// `POST /v1/orgs/{org}/roles/{id}/permissions` (`If-Match`; `name` is
/// ignored there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SaveRole {
    #[serde(default)]
    pub name: String,
    pub permissions: Vec<Permission>,
}

impl SaveRole {
    /// The role as stored (name trimmed, permissions in canonical order
    /// without repeats), or the name of the bad field.
    pub fn normalized(self) -> Result<Self, &'static str> {
        let name = self.name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.chars().count() > 60 || !crate::text::is_clean(&name, false) {
            return Err("name");
        }
        let permissions = Permission::ALL
            .into_iter()
            .filter(|p| self.permissions.contains(p))
            .collect();
        Ok(Self { name, permissions })
    }
}

/// One line of the audit log (`audit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AuditEntry {
    pub id: String,
    pub created_at: String,
    pub user_id: String,
    pub user_name: String,
    /// The client's address as the portal saw it.
    pub ip: Option<String>,
    /// A stable code, e.g. `auth.login`, `application.submit`.
    pub action: String,
    /// What it was about, for people (a title, a number).
    pub detail: String,
}
record!(AuditEntry, "audit");

/// The organization's legal status as the registers show it
/// (`legal_status`, one per organization; the id is the organization's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LegalStatus {
    pub id: String,
    /// The register's words: «Действующее», «В процессе ликвидации», …
    pub registration: String,
    /// ЕГРЮЛ or ЕГРИП.
    pub register: String,
    pub registered_on: String,
    pub registered_by: String,
    pub licences: Vec<Licence>,
    pub restrictions: Vec<Restriction>,
    pub court_cases: Vec<CourtCase>,
    /// When the registers were last checked.
    pub checked_at: String,
}
record!(LegalStatus, "legal_status");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Licence {
    pub number: String,
    pub activity: String,
    pub issued_by: String,
    pub issued_on: String,
    /// None: indefinite.
    pub valid_until: Option<String>,
    /// «Действующая», «Приостановлена», «Прекращена».
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Restriction {
    pub kind: String,
    pub imposed_by: String,
    pub since: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CourtCase {
    /// «А40-123456/2026».
    pub number: String,
    pub court: String,
    /// «Истец», «Ответчик», «Третье лицо».
    pub role: String,
    pub subject: String,
    /// «Рассматривается», «Завершено».
    pub status: String,
    pub filed_on: String,
}

/// Something a role allows. The portal checks them on every endpoint; the
/// client hides what the user may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
pub enum Permission {
    #[serde(rename = "applications.edit")]
    ApplicationsEdit,
    #[serde(rename = "applications.submit")]
    ApplicationsSubmit,
    #[serde(rename = "documents.sign")]
    DocumentsSign,
    #[serde(rename = "requirements.answer")]
    RequirementsAnswer,
    #[serde(rename = "payments.pay")]
    PaymentsPay,
    #[serde(rename = "profile.edit")]
    ProfileEdit,
    #[serde(rename = "employees.manage")]
    EmployeesManage,
    #[serde(rename = "audit.view")]
    AuditView,
}

impl Permission {
    /// The stable code, as on the wire.
    pub fn code(self) -> &'static str {
        match self {
            Permission::ApplicationsEdit => "applications.edit",
            Permission::ApplicationsSubmit => "applications.submit",
            Permission::DocumentsSign => "documents.sign",
            Permission::RequirementsAnswer => "requirements.answer",
            Permission::PaymentsPay => "payments.pay",
            Permission::ProfileEdit => "profile.edit",
            Permission::EmployeesManage => "employees.manage",
            Permission::AuditView => "audit.view",
        }
    }

    pub const ALL: [Permission; 8] = [
        Permission::ApplicationsEdit,
        Permission::ApplicationsSubmit,
        Permission::DocumentsSign,
        Permission::RequirementsAnswer,
        Permission::PaymentsPay,
        Permission::ProfileEdit,
        Permission::EmployeesManage,
        Permission::AuditView,
    ];
}

/// The built-in roles and what each may do. Every member may read the
/// organization's applications, documents, notifications, requirements
/// and charges; a Наблюдатель only that.
/// The role of the organization's head: every permission, held by the
/// person the state register names as head, and by no one else.
pub const HEAD_ROLE: &str = "Руководитель";

pub fn builtin_roles() -> Vec<Role> {
    use Permission as P;
    let role = |name: &str, permissions: &[Permission]| Role {
        id: name.to_owned(),
        permissions: permissions.to_vec(),
        builtin: true,
        head: name == HEAD_ROLE,
        version: 1,
    };
    vec![
        role(HEAD_ROLE, &P::ALL),
        role(
            "Администратор",
            &[
                P::ApplicationsEdit,
                P::RequirementsAnswer,
                P::ProfileEdit,
                P::EmployeesManage,
                P::AuditView,
            ],
        ),
        role(
            "Бухгалтер",
            &[
                P::ApplicationsEdit,
                P::ApplicationsSubmit,
                P::RequirementsAnswer,
                P::PaymentsPay,
                P::ProfileEdit,
            ],
        ),
        role("Менеджер", &[P::ApplicationsEdit, P::RequirementsAnswer]),
        role("Оператор", &[P::ApplicationsEdit]),
        role("Наблюдатель", &[]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_builtin_head_role_is_marked_head_whatever_was_stored() {
        let roles = builtin_roles();
        let heads: Vec<&str> = roles
            .iter()
            .filter(|r| r.head)
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(heads, [HEAD_ROLE]);
        // A role stored before the flag existed reads as not head, and is
        // marked from what it is.
        let stored: Role = serde_json::from_str(
            r#"{"id":"Руководитель","permissions":[],"builtin":true,"version":1}"#,
        )
        .unwrap();
        assert!(!stored.head);
        assert!(stored.marked().head);
        let custom: Role = serde_json::from_str(
            r#"{"id":"Руководитель","permissions":[],"builtin":false,"head":true,"version":1}"#,
        )
        .unwrap();
        assert!(!custom.marked().head, "a custom role is never the head's");
    }

    #[test]
    fn permissions_have_stable_codes_and_the_head_may_do_everything() {
        let codes: Vec<String> = Permission::ALL
            .iter()
            .map(|p| {
                serde_json::to_value(p)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(codes[0], "applications.edit");
        assert_eq!(codes[7], "audit.view");
        for (p, code) in Permission::ALL.iter().zip(&codes) {
            assert_eq!(p.code(), code);
        }
        let roles = builtin_roles();
        assert_eq!(roles.len(), 6);
        assert_eq!(roles[0].permissions.len(), Permission::ALL.len());
        let observer = roles.iter().find(|r| r.id == "Наблюдатель").unwrap();
        assert!(observer.permissions.is_empty());
        let accountant = roles.iter().find(|r| r.id == "Бухгалтер").unwrap();
        assert!(accountant.permissions.contains(&Permission::PaymentsPay));
        assert!(!accountant
            .permissions
            .contains(&Permission::EmployeesManage));
    }

    #[test]
    fn rubles_are_written_the_russian_way() {
        assert_eq!(format_rubles(30166200), "301\u{2009}662,00\u{a0}₽");
        assert_eq!(
            format_rubles(123456789),
            "1\u{2009}234\u{2009}567,89\u{a0}₽"
        );
        assert_eq!(format_rubles(5), "0,05\u{a0}₽");
        assert_eq!(format_rubles(-100), "−1,00\u{a0}₽");
    }

    #[test]
    fn a_reply_needs_text_and_few_enough_documents() {
        let r = |text: &str, n: usize| RequirementReply {
            text: text.into(),
            document_ids: (0..n).map(|i| i.to_string()).collect(),
        };
        assert_eq!(r("  Ответ  ", 1).normalized().unwrap().text, "Ответ");
        assert_eq!(r("   ", 0).normalized().unwrap_err().0, "text");
        assert_eq!(r("ok", 11).normalized().unwrap_err().0, "document_ids");
    }
}
