//! The signature crate's error type; each variant has a stable `code`.

use cabinet_api::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// Not a certificate at all, or a damaged one.
    #[error("not a valid X.509 certificate: {0}")]
    MalformedCertificate(String),
    /// PKCS#12 cannot tell a wrong password from a damaged encrypted part:
    /// both fail the integrity check.
    #[error("wrong password or damaged file")]
    WrongPasswordOrDamaged,
    #[error("not a PKCS#12 (.pfx/.p12) file")]
    NotPkcs12,
    #[error("PKCS#12 file is damaged: {0}")]
    DamagedContainer(String),
    #[error("PKCS#12 protection not supported: {0}")]
    UnsupportedContainer(String),
    #[error("the container holds no private key with a certificate")]
    NoPrivateKey,
    /// The private key is not the one the certificate names.
    #[error("the private key does not match the certificate's public key")]
    KeyMismatch,
    #[error("algorithm not supported: {0}")]
    UnsupportedAlgorithm(String),
    /// A key whose encoding or value is wrong (off the curve, out of range).
    #[error("not a valid key: {0}")]
    MalformedKey(String),
    #[error("signing failed: {0}")]
    SigningFailed(String),
    #[error("reading the content: {0}")]
    Io(String),
    #[error("not a CMS signature: {0}")]
    MalformedSignature(String),
    #[error("the signed content has changed")]
    ContentChanged,
    /// An attached signature checked against a file that is not the
    /// content it holds.
    #[error("the file is not the document this signature holds")]
    ContentMismatch,
    /// A detached signature where an attached one was expected.
    #[error("the signature does not hold the document: give the signed file too")]
    DetachedWithoutContent,
    #[error("the signature value does not match")]
    SignatureBroken,
    #[error("the signer's certificate is not in the signature")]
    SignerCertificateMissing,
    #[error("the certificate had expired at signing time")]
    CertificateExpired,
    #[error("the certificate was not yet valid at signing time")]
    CertificateNotYetValid,
    #[error("the certificate does not chain to a trusted root")]
    UntrustedChain,
    #[error("the certificate is revoked")]
    Revoked,
    #[error("not a valid CRL: {0}")]
    MalformedCrl(String),
    /// No revocation data about a certificate where it is needed.
    #[error("no revocation data about the certificate")]
    RevocationUnknown,
    /// Not a time-stamp token, request or reply.
    #[error("not a valid time stamp: {0}")]
    MalformedTimestamp(String),
    /// The TSA refused the request.
    #[error("the time-stamping authority refused: {0}")]
    TimestampRefused(String),
    /// A token for another hash, nonce or signature.
    #[error("the time stamp is not for this signature")]
    TimestampMismatch,
    /// A token signed by a certificate without the timeStamping purpose.
    #[error("the time stamp is not signed by a time-stamping authority")]
    NotTimestampAuthority,
    /// Not the trust list of accredited CAs in the Ministry's XML.
    #[error("not a trust list of accredited CAs: {0}")]
    MalformedTrustList(String),
    /// No CryptoPro key container at the path (or a file of it missing).
    #[error("no CryptoPro key container here: {0}")]
    ContainerNotFound(String),
    #[error("wrong PIN for the key container")]
    ContainerWrongPin,
    /// A file of the container fails its check or cannot be read.
    #[error("the key container is damaged: {0}")]
    ContainerDamaged(String),
    #[error("the container's key does not match the certificate's public key")]
    ContainerKeyMismatch,
    #[error("key container not supported: {0}")]
    ContainerUnsupported(String),
    #[error("the key container holds no certificate: give it with --cert")]
    ContainerNoCertificate,
    #[error("PKCS#11 module cannot be loaded: {0}")]
    TokenModule(String),
    #[error("no token in the slot")]
    TokenAbsent,
    #[error("wrong PIN")]
    WrongPin,
    #[error("the PIN is locked")]
    PinLocked,
    #[error("no private key for this certificate on the token")]
    TokenNoKey,
    #[error("token error: {0}")]
    Token(String),
}

impl SignError {
    /// The stable code the window translates.
    pub fn code(&self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            SignError::MalformedCertificate(_) => C::CertMalformed,
            SignError::WrongPasswordOrDamaged => C::PfxWrongPassword,
            SignError::NotPkcs12 => C::PfxNotPkcs12,
            SignError::DamagedContainer(_) => C::PfxDamaged,
            SignError::UnsupportedContainer(_) => C::PfxUnsupported,
            SignError::NoPrivateKey => C::PfxNoKey,
            SignError::KeyMismatch => C::PfxKeyMismatch,
            SignError::UnsupportedAlgorithm(_) => C::SignUnsupportedAlgorithm,
            SignError::MalformedKey(_) => C::KeyMalformed,
            SignError::SigningFailed(_) => C::SignFailed,
            SignError::Io(_) => C::FileRead,
            SignError::MalformedSignature(_) => C::SigMalformed,
            SignError::ContentChanged => C::SigContentChanged,
            SignError::ContentMismatch => C::SigContentMismatch,
            SignError::DetachedWithoutContent => C::SigDetached,
            SignError::SignatureBroken => C::SigBroken,
            SignError::SignerCertificateMissing => C::SigNoCertificate,
            SignError::CertificateExpired => C::SigCertExpired,
            SignError::CertificateNotYetValid => C::SigCertNotYetValid,
            SignError::UntrustedChain => C::SigUntrusted,
            SignError::Revoked => C::SigRevoked,
            SignError::MalformedCrl(_) => C::CrlMalformed,
            SignError::RevocationUnknown => C::RevocationUnknown,
            SignError::MalformedTrustList(_) => C::TslMalformed,
            SignError::MalformedTimestamp(_) => C::TspMalformed,
            SignError::TimestampRefused(_) => C::TspRefused,
            SignError::TimestampMismatch => C::TspMismatch,
            SignError::NotTimestampAuthority => C::TspNotTsa,
            SignError::ContainerNotFound(_) => C::ContainerNotFound,
            SignError::ContainerWrongPin => C::ContainerWrongPin,
            SignError::ContainerDamaged(_) => C::ContainerDamaged,
            SignError::ContainerKeyMismatch => C::ContainerKeyMismatch,
            SignError::ContainerUnsupported(_) => C::ContainerUnsupported,
            SignError::ContainerNoCertificate => C::ContainerNoCertificate,
            SignError::TokenModule(_) => C::TokenModule,
            SignError::TokenAbsent => C::TokenAbsent,
            SignError::WrongPin => C::TokenWrongPin,
            SignError::PinLocked => C::TokenPinLocked,
            SignError::TokenNoKey => C::TokenNoKey,
            SignError::Token(_) => C::TokenFailed,
        }
    }
}
