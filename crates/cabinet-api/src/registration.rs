//! Registration of a new organization cabinet (`/v1/registrations`).
//!
//! A registration belongs to the user who starts it, not to an
//! organization: the organization exists on the portal only once the
//! registration is active. States: `draft` (the user fills it in) →
//! `checking` (confirmed and sent) → `verified` (the registry office found
//! nothing wrong) → `active` (the cabinet exists and the user is its head);
//! `refused` names the field or document to fix and goes back to `draft`
//! with the next edit.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::orgs::OrgKind;
use crate::requisites::{
    normalize_phone, validate_address, validate_email, validate_inn, validate_kpp, validate_ogrn,
    validate_ogrnip, RequisiteError,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationState {
    Draft,
    Checking,
    Verified,
    Active,
    Refused,
}

impl RegistrationState {
    /// The user may still change the form and the documents.
    pub fn editable(self) -> bool {
        matches!(self, RegistrationState::Draft | RegistrationState::Refused)
    }
}

/// What the user fills in. The names and the head come from the registry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RegistrationForm {
    pub inn: String,
    /// OGRN of a legal entity, OGRNIP of an entrepreneur.
    pub ogrn: String,
    /// Legal entities only.
    #[serde(default)]
    pub kpp: Option<String>,
    pub legal_address: String,
    pub email: String,
    /// Where the confirmation code goes.
    pub phone: String,
}

impl RegistrationForm {
    /// The form as it is stored: trimmed, the phone normalised, every
    /// requisite checked. The INN decides the kind: 10 digits a legal
    /// entity (OGRN of 13 digits and a KPP), 12 an entrepreneur (OGRNIP of
    /// 15, no KPP). The error's `kind` names the field; client and portal
    /// check with this same code.
    pub fn normalized(self) -> Result<Self, RequisiteError> {
        let inn = self.inn.trim().to_owned();
        validate_inn(&inn)?;
        let ogrn = self.ogrn.trim().to_owned();
        let kpp = self
            .kpp
            .map(|k| k.trim().to_uppercase())
            .filter(|k| !k.is_empty());
        let kpp = if inn.len() == 10 {
            validate_ogrn(&ogrn)?;
            let kpp = kpp.ok_or(RequisiteError::Length {
                kind: crate::requisites::RequisiteKind::Kpp,
                got: 0,
                expected: "9".into(),
            })?;
            validate_kpp(&kpp)?;
            Some(kpp)
        } else {
            validate_ogrnip(&ogrn).map_err(|e| match e {
                // One field on the form holds both numbers.
                RequisiteError::NotDigits { .. } => RequisiteError::NotDigits {
                    kind: crate::requisites::RequisiteKind::Ogrn,
                },
                RequisiteError::Length { got, expected, .. } => RequisiteError::Length {
                    kind: crate::requisites::RequisiteKind::Ogrn,
                    got,
                    expected,
                },
                RequisiteError::Checksum { .. } => RequisiteError::Checksum {
                    kind: crate::requisites::RequisiteKind::Ogrn,
                },
                RequisiteError::Format { .. } => RequisiteError::Format {
                    kind: crate::requisites::RequisiteKind::Ogrn,
                },
            })?;
            if kpp.is_some() {
                return Err(RequisiteError::Format {
                    kind: crate::requisites::RequisiteKind::Kpp,
                });
            }
            None
        };
        let legal_address = self.legal_address.trim().to_owned();
        validate_address(&legal_address)?;
        let email = self.email.trim().to_owned();
        validate_email(&email)?;
        let phone = normalize_phone(&self.phone)?;
        Ok(Self {
            inn,
            ogrn,
            kpp,
            legal_address,
            email,
            phone,
        })
    }

    pub fn kind(&self) -> OrgKind {
        if self.inn.trim().len() == 12 {
            OrgKind::Entrepreneur
        } else {
            OrgKind::LegalEntity
        }
    }
}

/// The documents a registration needs, by kind: a legal entity its
/// charter and the decision to found it; an entrepreneur none (the
/// registry holds what is needed).
pub fn required_registration_documents(kind: OrgKind) -> &'static [&'static str] {
    match kind {
        OrgKind::LegalEntity => &[CHARTER, FOUNDING_DECISION],
        OrgKind::Entrepreneur => &[],
    }
}

/// Устав.
pub const CHARTER: &str = "charter";
/// Решение о создании.
pub const FOUNDING_DECISION: &str = "founding_decision";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RegistrationDocument {
    /// [`CHARTER`] or [`FOUNDING_DECISION`].
    pub kind: String,
    pub name: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub size: u64,
}

/// Why the registry office refused, and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Refusal {
    /// The form field at fault (`inn`, `legal_address`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
    /// The document kind at fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub document: Option<String>,
    /// Stable reason code (`registration.document_foreign`, …).
    pub code: crate::ErrorCode,
    /// The office's words, for the user.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RegistrationStep {
    pub state: RegistrationState,
    /// RFC 3339.
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Registration {
    pub id: String,
    pub state: RegistrationState,
    pub kind: OrgKind,
    pub form: RegistrationForm,
    /// From the registry.
    pub full_name: String,
    pub short_name: String,
    pub head_name: String,
    /// The document kinds this registration needs
    /// ([`required_registration_documents`] of its kind).
    #[serde(default)]
    pub required_documents: Vec<String>,
    pub documents: Vec<RegistrationDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub refusal: Option<Refusal>,
    pub history: Vec<RegistrationStep>,
    /// The cabinet, once active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub org_id: Option<String>,
    #[ts(type = "number")]
    pub version: i64,
}

impl Registration {
    /// What the head signs to confirm the registration with a qualified
    /// signature: the requisites, the registry's name and head, and every
    /// document by its hash, with the registration's id and version. Client
    /// and portal build the same bytes from the same registration, so an
    /// edit after signing (a new version) makes the signature not match.
    pub fn statement(&self) -> String {
        let f = &self.form;
        let mut s = format!(
            "Заявление о регистрации личного кабинета организации\n\
             Регистрация: {}, версия {}\n\
             Наименование: {}\n\
             ИНН: {}\n\
             ОГРН: {}\n\
             КПП: {}\n\
             Адрес: {}\n\
             Эл. почта: {}\n\
             Телефон: {}\n\
             Руководитель: {}\n",
            self.id,
            self.version,
            self.full_name,
            f.inn,
            f.ogrn,
            f.kpp.as_deref().unwrap_or("—"),
            f.legal_address,
            f.email,
            f.phone,
            self.head_name,
        );
        for d in &self.documents {
            s.push_str(&format!(
                "Документ {}: {} SHA-256 {}\n",
                d.kind, d.name, d.sha256
            ));
        }
        s
    }

    /// Document kinds still missing.
    pub fn missing_documents(&self) -> Vec<&'static str> {
        required_registration_documents(self.kind)
            .iter()
            .copied()
            .filter(|k| !self.documents.iter().any(|d| d.kind == *k))
            .collect()
    }
}

/// `GET /v1/registrations`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegistrationList {
    pub items: Vec<Registration>,
}

/// `POST /v1/registrations/{id}/code`: where the confirmation code went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RegistrationCode {
    /// The phone, masked.
    pub destination: String,
    pub expires_at: String,
}

/// `POST /v1/registrations/{id}/submit`: confirmed by the code sent to
/// the phone, or by the head's qualified signature — a detached CAdES
/// signature (base64) of [`Registration::statement`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SubmitRegistration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requisites::{complete_inn12, complete_ogrn, complete_ogrnip};

    fn form(inn: &str, ogrn: &str, kpp: Option<&str>) -> RegistrationForm {
        RegistrationForm {
            inn: inn.into(),
            ogrn: ogrn.into(),
            kpp: kpp.map(Into::into),
            legal_address: "125009, г. Москва, ул. Тверская, д. 1".into(),
            email: "office@example.ru".into(),
            phone: "8 (916) 123-45-67".into(),
        }
    }

    #[test]
    fn a_legal_entity_needs_ogrn_and_kpp() {
        let f = form(" 7707083893 ", "1027700132195", Some("773601001"))
            .normalized()
            .unwrap();
        assert_eq!(f.inn, "7707083893");
        assert_eq!(f.phone, "+7 916 123-45-67");
        assert_eq!(f.kind(), OrgKind::LegalEntity);
        let e = form("7707083893", "1027700132195", None)
            .normalized()
            .unwrap_err();
        assert_eq!(e.kind(), "kpp");
        // An OGRNIP where an OGRN belongs.
        let ogrnip = complete_ogrnip("30477000000001").unwrap();
        let e = form("7707083893", &ogrnip, Some("773601001"))
            .normalized()
            .unwrap_err();
        assert_eq!(e.code(), "ogrn.length");
        let e = form("7707083894", "1027700132195", Some("773601001"))
            .normalized()
            .unwrap_err();
        assert_eq!(e.code(), "inn.checksum");
    }

    #[test]
    fn an_entrepreneur_has_an_ogrnip_and_no_kpp() {
        let inn = complete_inn12("7704987654").unwrap();
        let ogrnip = complete_ogrnip("30477000000001").unwrap();
        let f = form(&inn, &ogrnip, None).normalized().unwrap();
        assert_eq!(f.kind(), OrgKind::Entrepreneur);
        assert!(required_registration_documents(f.kind()).is_empty());
        let e = form(&inn, &ogrnip, Some("773601001"))
            .normalized()
            .unwrap_err();
        assert_eq!(e.code(), "kpp.format");
        let ogrn = complete_ogrn("102770013219").unwrap();
        let e = form(&inn, &ogrn, None).normalized().unwrap_err();
        assert_eq!(e.code(), "ogrn.length");
    }
}
