//! Certificates and electronic signatures.
//!
//! No I/O beyond reading a key store, no Tauri, no network. This crate grows
//! with the signature issues: key stores (PKCS#12, PKCS#11 tokens), chains
//! and CRLs, CAdES-BES sign and verify. Algorithms are one enum, so GOST slots
//! in as one more algorithm.

pub mod assess;
pub mod ber;
pub mod cades;
pub mod cert;
pub mod container;
pub mod digest;
pub mod error;
pub mod gost;
pub mod gost89;
pub mod key;
pub mod long_term;
pub mod ocsp;
pub mod oid;
pub mod pfx;
mod pfx_gost;
pub mod pkcs11;
pub mod pki;
pub mod tsl;
pub mod tsp;
pub mod verify;

pub use cert::{Algorithm, CertificateInfo, ExpiryStatus, KeyUsage};
pub use digest::DigestAlgorithm;
pub use error::SignError;
pub use key::SigningKey;
pub use pfx::PfxIdentity;
