//! What the UI is shown: plain data, exported to TypeScript.

use cabinet_api::{DemoInfo, Me, MfaChannel, OrganizationProfile, OrganizationSummary};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::certificates::MyCertificate;

/// The app's first answer: which portal, and demo hints when it is the demo.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AppInfo {
    pub version: String,
    pub portal_url: String,
    /// True when the built-in demo portal runs inside the app.
    pub embedded_demo: bool,
    /// Demo credentials, only when the portal is a demo portal.
    pub demo: Option<DemoInfo>,
    /// Seconds without input before the app locks; 0: never.
    pub lock_seconds: u32,
    /// How the window looks.
    pub theme: crate::config::Theme,
    /// The window's language (`language` in the config file).
    pub language: crate::config::Language,
}

/// Result of the password step.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum LoginStep {
    Done {
        session: SessionView,
    },
    NeedCode {
        ticket: String,
        channel: MfaChannel,
        destination: Option<String>,
        expires_at: String,
    },
}

/// The logged-in (or offline-resumed) user.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SessionView {
    pub user: Me,
    pub portal_url: String,
    /// False when the portal is unreachable and data comes from the cache.
    pub online: bool,
    /// The organization opened last, to reopen on start.
    pub last_org_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OrganizationsView {
    pub items: Vec<OrganizationSummary>,
    pub online: bool,
}

/// The services catalog as the app shows it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ServicesView {
    pub items: Vec<cabinet_api::Service>,
    /// Fresh from the portal (`false`: the copy kept offline).
    pub online: bool,
    /// When the portal last confirmed it.
    pub fetched_at: String,
}

/// The dashboard of one organization.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Dashboard {
    pub profile: OrganizationProfile,
    pub role: Option<String>,
    /// The user holds the head's role: head-only steps (deactivation) are
    /// offered. The portal still checks the person against the register.
    pub is_head: bool,
    /// Why the cabinet is suspended or blocked; absent while it is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub access: Option<cabinet_api::CabinetAccess>,
    pub online: bool,
    /// RFC 3339 time the profile was last fetched from the portal.
    pub synced_at: String,
}

/// A demo .pfx saved locally, for the demo login panel.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DemoCertificateFile {
    pub path: String,
    /// Public by design: the demo PKI's passwords are shown on screen.
    pub password: String,
    pub holder: String,
    pub description: String,
    pub expired: bool,
}
