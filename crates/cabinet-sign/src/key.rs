//! The one thing signing needs from a key store: a certificate and a way to
//! sign bytes with the matching private key.
//!
//! A .pfx keeps the key in memory ([`crate::PfxIdentity`]); a token keeps it
//! on the device ([`crate::pkcs11::TokenKey`]). CMS, certificate login and
//! batch signing work on `&dyn SigningKey`, so a new key store or a new
//! algorithm (GOST) is one more implementation, not a special case.

use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Any, Tag};
use x509_cert::spki::AlgorithmIdentifierOwned;

use crate::gost::KeySize;
use crate::{Algorithm, CertificateInfo, SignError};

pub(crate) const SHA256_WITH_RSA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
pub(crate) const ECDSA_WITH_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// A private key with its certificate, wherever the key lives.
pub trait SigningKey {
    /// The certificate of the key.
    fn certificate(&self) -> &CertificateInfo;

    /// Issuer certificates that travel with the signature (may be empty).
    fn chain(&self) -> &[CertificateInfo];

    /// Signs `message` with the key's algorithm over the digest
    /// [`crate::DigestAlgorithm::of`] it (SHA-256, or Streebog for GOST). The value
    /// is encoded as CMS and X.509 carry it: PKCS#1 v1.5 bytes for RSA, a DER
    /// `Ecdsa-Sig-Value` for ECDSA, s ‖ r big-endian for GOST.
    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignError>;
}

/// Where a signature algorithm identifier goes: OpenSSL's GOST engine names
/// the key algorithm in a CMS SignerInfo but the signature-with-digest
/// algorithm in certificates and CRLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignatureUse {
    Cms,
    X509,
}

/// The signature algorithm identifier for a key of `algorithm` signing with
/// its digest, as it goes into a SignerInfo or a certificate.
pub(crate) fn signature_algorithm(
    algorithm: &Algorithm,
    usage: SignatureUse,
) -> Result<AlgorithmIdentifierOwned, SignError> {
    let null = || Some(Any::new(Tag::Null, Vec::<u8>::new()).expect("NULL encodes"));
    let gost = |size: KeySize| {
        let oid = match usage {
            SignatureUse::Cms => size.key_oid(),
            SignatureUse::X509 => size.signature_oid(),
        };
        Ok(AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new(oid).expect("a constant OID parses"),
            parameters: null(),
        })
    };
    match algorithm {
        Algorithm::Rsa { .. } => Ok(AlgorithmIdentifierOwned {
            oid: SHA256_WITH_RSA,
            parameters: null(),
        }),
        Algorithm::Gost2012_256 => gost(KeySize::Bits256),
        Algorithm::Gost2012_512 => gost(KeySize::Bits512),
        Algorithm::Ecdsa { curve } if curve == "P-256" => Ok(AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA256,
            parameters: None,
        }),
        other => Err(SignError::UnsupportedAlgorithm(other.display_name())),
    }
}

/// Signs with a PKCS#8 private key held in memory (a .pfx key, a demo CA),
/// over the digest of the key's algorithm.
pub(crate) fn sign_with_pkcs8(
    algorithm: &Algorithm,
    pkcs8: &[u8],
    message: &[u8],
) -> Result<Vec<u8>, SignError> {
    use signature::{SignatureEncoding, Signer};
    let failed =
        |what: &str, e: &dyn std::fmt::Display| SignError::SigningFailed(format!("{what}: {e}"));
    match algorithm {
        Algorithm::Rsa { .. } => {
            use rsa::pkcs8::DecodePrivateKey;
            let key =
                rsa::RsaPrivateKey::from_pkcs8_der(pkcs8).map_err(|e| failed("RSA key", &e))?;
            let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key);
            let sig = signer
                .try_sign(message)
                .map_err(|e| failed("RSA signature", &e))?;
            Ok(sig.to_vec())
        }
        Algorithm::Ecdsa { curve } if curve == "P-256" => {
            use p256::pkcs8::DecodePrivateKey;
            let signer =
                p256::ecdsa::SigningKey::from_pkcs8_der(pkcs8).map_err(|e| failed("EC key", &e))?;
            let sig: p256::ecdsa::Signature = signer
                .try_sign(message)
                .map_err(|e| failed("ECDSA signature", &e))?;
            Ok(sig.to_der().to_vec())
        }
        Algorithm::Gost2012_256 | Algorithm::Gost2012_512 => {
            crate::gost::GostPrivateKey::from_pkcs8_der(pkcs8)?.sign(message)
        }
        other => Err(SignError::UnsupportedAlgorithm(other.display_name())),
    }
}
