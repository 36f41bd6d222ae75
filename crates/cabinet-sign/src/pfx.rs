//! PKCS#12 (.pfx/.p12) containers: a private key with its certificate chain,
//! opened with a password, as exported by common tools (modern PBES2/AES and
//! legacy 3DES/RC2 protection).
//!
//! The key stays in memory only, in a buffer zeroized on drop, and never
//! appears in `Debug` output.

use x509_cert::der::{Any, Decode, Tag, Tagged};
use zeroize::Zeroizing;

use crate::{CertificateInfo, SignError, SigningKey};

/// A signing identity from a PKCS#12 container.
pub struct PfxIdentity {
    certificate: CertificateInfo,
    chain: Vec<CertificateInfo>,
    /// PKCS#8 PrivateKeyInfo, DER.
    key: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for PfxIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PfxIdentity")
            .field("certificate", &self.certificate.subject_common_name)
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

fn map_error(bytes: &[u8], e: p12_keystore::error::Error) -> SignError {
    use p12_keystore::error::Error as E;
    match e {
        E::MacError(_) => SignError::WrongPasswordOrDamaged,
        E::UnsupportedEncryptionScheme | E::UnsupportedMacAlgorithm => {
            SignError::UnsupportedContainer(e.to_string())
        }
        E::DerError(_) | E::InvalidVersion => {
            // A PFX is a DER SEQUENCE; anything else is not one at all.
            match Any::from_der(bytes) {
                Ok(any) if any.tag() == Tag::Sequence => SignError::DamagedContainer(e.to_string()),
                _ => SignError::NotPkcs12,
            }
        }
        other => SignError::DamagedContainer(other.to_string()),
    }
}

impl PfxIdentity {
    /// Opens a container. The password is used and forgotten; it is not kept.
    pub fn open(bytes: &[u8], password: &str) -> Result<Self, SignError> {
        if bytes.is_empty() {
            return Err(SignError::NotPkcs12);
        }
        let store = p12_keystore::KeyStore::from_pkcs12(bytes, password)
            .map_err(|e| map_error(bytes, e))?;
        let (_, chain) = store.private_key_chain().ok_or(SignError::NoPrivateKey)?;
        let key = Zeroizing::new(chain.key().to_vec());
        let mut certs = chain
            .chain()
            .iter()
            .map(|c| CertificateInfo::parse(c.as_der()));
        let certificate = certs.next().ok_or(SignError::NoPrivateKey)??;
        let chain = certs.collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            certificate,
            chain,
            key,
        })
    }

    /// The certificate of the private key.
    pub fn certificate(&self) -> &CertificateInfo {
        &self.certificate
    }

    /// The other certificates of the container (issuers), in container order.
    pub fn chain(&self) -> &[CertificateInfo] {
        &self.chain
    }
}

impl SigningKey for PfxIdentity {
    fn certificate(&self) -> &CertificateInfo {
        &self.certificate
    }

    fn chain(&self) -> &[CertificateInfo] {
        &self.chain
    }

    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        crate::key::sign_with_pkcs8(&self.certificate.algorithm, &self.key, message)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn empty_input_is_not_pkcs12() {
        assert_eq!(
            super::PfxIdentity::open(b"", "x").unwrap_err().code(),
            "pfx.not_pkcs12"
        );
    }
}
