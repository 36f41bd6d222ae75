//! The signature crate's error type; each variant has a stable `code`.

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// Not a certificate at all, or a damaged one.
    #[error("not a valid X.509 certificate: {0}")]
    MalformedCertificate(String),
}

impl SignError {
    pub fn code(&self) -> &'static str {
        match self {
            SignError::MalformedCertificate(_) => "cert.malformed",
        }
    }
}
