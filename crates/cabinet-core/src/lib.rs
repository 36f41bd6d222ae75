//! OrgCabinet core: everything the app does, without Tauri.
//!
//! The desktop shell and the `cabinet` CLI both drive [`Cabinet`]; nothing here
//! knows about windows or IPC. Modules follow the cabinet's nouns:
//! `portal` (HTTP client), `secrets` (OS keychain), `store` (offline cache),
//! `session` (login flows and the facade), `config` (where things live).

pub mod accounting;
pub mod api_v1;
pub mod attachments;
pub mod audit;
pub mod backend;
pub mod blobs;
pub mod cabinet;
pub mod certificates;
pub mod cipher;
pub mod config;
pub mod error;
pub mod export;
pub mod fuzzing;
pub mod lists;
pub(crate) mod private;
pub mod protocol;
pub mod records;
pub mod search;
pub mod secrets;
pub mod signing;
pub mod store;
pub mod support;
pub mod sync;
pub mod trust_store;
pub mod verdict;
pub mod view;

pub use cabinet::Cabinet;
pub use config::{CabinetConfig, PortalSource};
pub use error::CoreError;
