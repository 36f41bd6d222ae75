//! Organizations the user belongs to and their profiles.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// Юридическое лицо (ООО, АО…): INN of 10 digits, OGRN, KPP.
    LegalEntity,
    /// Индивидуальный предприниматель: INN of 12 digits, OGRNIP, no KPP.
    Entrepreneur,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::LegalEntity => "legal_entity",
            OrgKind::Entrepreneur => "entrepreneur",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "legal_entity" => Some(OrgKind::LegalEntity),
            "entrepreneur" => Some(OrgKind::Entrepreneur),
            _ => None,
        }
    }
}

/// Registration status in the state register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrgStatus {
    Active,
    Reorganizing,
    Liquidating,
    Liquidated,
}

impl OrgStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgStatus::Active => "active",
            OrgStatus::Reorganizing => "reorganizing",
            OrgStatus::Liquidating => "liquidating",
            OrgStatus::Liquidated => "liquidated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(OrgStatus::Active),
            "reorganizing" => Some(OrgStatus::Reorganizing),
            "liquidating" => Some(OrgStatus::Liquidating),
            "liquidated" => Some(OrgStatus::Liquidated),
            _ => None,
        }
    }
}

/// One row of `GET /v1/me/organizations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OrganizationSummary {
    pub id: String,
    pub kind: OrgKind,
    pub short_name: String,
    pub inn: String,
    /// OGRN for a legal entity, OGRNIP for an entrepreneur.
    pub ogrn: String,
    pub kpp: Option<String>,
    pub status: OrgStatus,
    /// The user's role in this organization, in Russian.
    pub role: String,
    /// Why the cabinet is suspended or blocked; absent while it is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub access: Option<crate::CabinetAccess>,
}

/// `GET /v1/orgs/{org}/profile`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OrganizationProfile {
    pub id: String,
    pub kind: OrgKind,
    pub full_name: String,
    pub short_name: String,
    pub inn: String,
    pub ogrn: String,
    pub kpp: Option<String>,
    pub status: OrgStatus,
    /// ISO date (YYYY-MM-DD).
    pub registered_on: String,
    pub legal_address: String,
    pub head_name: String,
    pub head_position: String,
    pub email: String,
    pub phone: String,
    pub okved: String,
    /// Optimistic-concurrency version (`If-Match`).
    #[ts(type = "number")]
    pub version: i64,
    /// The account payments go to, once the organization gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub bank: Option<BankDetails>,
}

/// An organization's bank account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BankDetails {
    pub bank_name: String,
    pub bik: String,
    /// Расчётный счёт, its key checked against the BIK.
    pub account: String,
    /// Корреспондентский счёт, checked against the BIK.
    pub corr_account: String,
}

impl BankDetails {
    /// Trimmed and checked: the BIK, both accounts' keys against it, a
    /// bank name of 2 to 200 characters.
    pub fn normalized(self) -> Result<Self, crate::requisites::RequisiteError> {
        use crate::requisites::{
            validate_bik, validate_correspondent_account, validate_settlement_account,
            RequisiteError,
        };
        let b = Self {
            bank_name: self.bank_name.trim().to_owned(),
            bik: self.bik.trim().to_owned(),
            account: self.account.trim().to_owned(),
            corr_account: self.corr_account.trim().to_owned(),
        };
        if !(2..=200).contains(&b.bank_name.chars().count()) {
            return Err(RequisiteError::Format {
                kind: crate::requisites::RequisiteKind::BankName,
            });
        }
        validate_bik(&b.bik)?;
        validate_settlement_account(&b.account, &b.bik)?;
        validate_correspondent_account(&b.corr_account, &b.bik)?;
        Ok(b)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProfileChangeStatus {
    /// The portal's operator has not decided yet.
    Pending,
    Approved,
    Rejected,
}

/// A change of the bank account, the head or the KPP (`profile_change`):
/// it reaches the profile only after the portal's operator approves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProfileChange {
    pub id: String,
    pub status: ProfileChangeStatus,
    pub bank: Option<BankDetails>,
    pub head_name: Option<String>,
    pub head_position: Option<String>,
    /// A new KPP (a legal entity registered anew with another tax office).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub kpp: Option<String>,
    pub created_at: String,
    /// Who asked for it.
    pub author: String,
    pub decided_at: Option<String>,
    /// Why it was rejected.
    pub comment: Option<String>,
}

impl crate::records::Record for ProfileChange {
    const ENTITY: &'static str = "profile_change";
    fn id(&self) -> &str {
        &self.id
    }
}

/// `POST /v1/orgs/{org}/profile/changes` (`Idempotency-Key`): what to
/// change; absent parts stay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NewProfileChange {
    #[serde(default)]
    pub bank: Option<BankDetails>,
    #[serde(default)]
    pub head_name: Option<String>,
    #[serde(default)]
    pub head_position: Option<String>,
    /// Only a legal entity has a KPP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub kpp: Option<String>,
}

impl NewProfileChange {
    /// Checked as both sides store it; the error names the first bad part.
    pub fn normalized(self) -> Result<Self, crate::requisites::RequisiteError> {
        use crate::requisites::RequisiteError;
        let text = |v: Option<String>,
                    kind: crate::requisites::RequisiteKind|
         -> Result<Option<String>, RequisiteError> {
            match v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
                Some(v) if !(2..=200).contains(&v.chars().count()) => {
                    Err(RequisiteError::Format { kind })
                }
                other => Ok(other),
            }
        };
        let kpp = self
            .kpp
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty());
        if let Some(k) = &kpp {
            crate::requisites::validate_kpp(k)?;
        }
        let c = Self {
            bank: self.bank.map(BankDetails::normalized).transpose()?,
            head_name: text(self.head_name, crate::requisites::RequisiteKind::HeadName)?,
            head_position: text(
                self.head_position,
                crate::requisites::RequisiteKind::HeadPosition,
            )?,
            kpp,
        };
        if c.bank.is_none() && c.head_name.is_none() && c.head_position.is_none() && c.kpp.is_none()
        {
            return Err(RequisiteError::Format {
                kind: crate::requisites::RequisiteKind::Profile,
            });
        }
        Ok(c)
    }
}

/// `PATCH /v1/orgs/{org}/profile`: the organization's contacts, with
/// `If-Match: VERSION` and an `Idempotency-Key`. Absent fields stay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProfileEdit {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub legal_address: Option<String>,
}

impl ProfileEdit {
    /// The edit as it is stored: fields trimmed, empty ones dropped, the
    /// phone normalised. The error's `kind` names the first bad field;
    /// client and portal check with this same code.
    pub fn normalized(self) -> Result<Self, crate::requisites::RequisiteError> {
        use crate::requisites::{normalize_phone, validate_address, validate_email};
        let clean = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let edit = Self {
            email: clean(self.email),
            phone: clean(self.phone).map(|p| normalize_phone(&p)).transpose()?,
            legal_address: clean(self.legal_address),
        };
        if let Some(email) = &edit.email {
            validate_email(email)?;
        }
        if let Some(address) = &edit.legal_address {
            validate_address(address)?;
        }
        Ok(edit)
    }
}

/// `GET /v1/me/organizations`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrganizationList {
    pub items: Vec<OrganizationSummary>,
}
