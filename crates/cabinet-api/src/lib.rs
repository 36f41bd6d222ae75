//! Wire types of the portal API v1.
//!
//! Everything that crosses the wire between the client (`cabinet-core`) and the
//! reference portal (`cabinet-portal`) is defined here once, so the two cannot
//! drift. Types the UI also sees derive `ts_rs::TS`; the desktop crate turns
//! them into TypeScript.

pub mod access;
pub mod auth;
pub mod error_code;
pub mod files;
pub mod forms;
pub mod orgs;
pub mod problem;
pub mod records;
pub mod registration;
pub mod requisites;
pub mod secret;
pub mod services;
pub mod support;
pub mod sync;
pub mod text;

pub use access::{
    AccessState, CabinetAccess, CodeConfirm, CodeSent, DeactivateRequest, LinkRequest,
    UnblockRequest, UnblockStatus, UnblockView,
};
pub use auth::*;
pub use error_code::ErrorCode;
pub use files::{FileError, FileKind};
pub use forms::{check_form, FieldKind, FormError, FormField};
pub use orgs::*;
pub use problem::Problem;
pub use records::{
    builtin_roles, format_rubles, AuditEntry, ChangeRole, Charge, ChargeKind, ChargeStatus,
    Comment, CourtCase, Employee, EmployeeStatus, InviteEmployee, LegalStatus, Licence, NewComment,
    Notification, NotificationChannels, NotificationKind, NotificationSettings, PayCharge, Payment,
    PaymentMethod, Permission, Record, Requirement, RequirementAnswer, RequirementReply,
    RequirementStatus, Restriction, Role, SaveRole, StatusEvent, HEAD_ROLE,
};
pub use registration::{
    required_registration_documents, Refusal, Registration, RegistrationCode, RegistrationDocument,
    RegistrationForm, RegistrationList, RegistrationState, RegistrationStep, SubmitRegistration,
};
pub use secret::Secret;
pub use services::{missing_documents, RequiredDocument, Service, ServiceKind, ServiceQuery};
pub use support::{
    faq, FaqEntry, NewTicket, NewTicketFile, Ticket, TicketFile, TicketStatus, TicketTopic,
};
pub use sync::{
    Application, ApplicationStatus, Attachment, Change, ChangeOp, ChangePage, Document,
    DocumentSignature, NewApplication, NewSignature,
};

/// Path prefix of every API route.
pub const API_PREFIX: &str = "/v1";
