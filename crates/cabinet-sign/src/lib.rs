//! Certificates and electronic signatures.
//!
//! This crate will hold key stores (PKCS#12, PKCS#11 tokens), X.509 parsing
//! with the Russian qualified-certificate attributes, and CAdES-BES detached
//! signing and verification (issues "Electronic signatures I/II"). For now it
//! names the subject attributes the rest of the system refers to.

/// Object identifiers of the subject attributes of Russian qualified certificates.
pub mod oid {
    /// ОГРН.
    pub const OGRN: &str = "1.2.643.100.1";
    /// СНИЛС.
    pub const SNILS: &str = "1.2.643.100.3";
    /// ИНН (of a person, or of a legal entity in older certificates).
    pub const INN: &str = "1.2.643.3.131.1.1";
    /// ИНН ЮЛ (of a legal entity).
    pub const INN_LE: &str = "1.2.643.100.4";
    /// ОГРНИП.
    pub const OGRNIP: &str = "1.2.643.100.5";
}
