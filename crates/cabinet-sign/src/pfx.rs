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
        let store = match p12_keystore::KeyStore::from_pkcs12(bytes, password) {
            Ok(store) => store,
            Err(e) => {
                let theirs = map_error(bytes, e);
                if matches!(
                    theirs,
                    SignError::WrongPasswordOrDamaged | SignError::NotPkcs12
                ) {
                    return Err(theirs);
                }
                // GOST protection (the engine's gost89 / Kuznyechik PBES2, a
                // Streebog MAC, a Streebog PRF) is read by our own parser;
                // what neither reads keeps the crate's explanation.
                return match Self::open_gost(bytes, password) {
                    Err(SignError::UnsupportedContainer(_)) => Err(theirs),
                    other => other,
                };
            }
        };
        let (_, chain) = store.private_key_chain().ok_or(SignError::NoPrivateKey)?;
        let key = Zeroizing::new(chain.key().to_vec());
        let mut certs = chain
            .chain()
            .iter()
            .map(|c| CertificateInfo::parse(c.as_der()));
        let certificate = certs.next().ok_or(SignError::NoPrivateKey)??;
        let chain = certs.collect::<Result<Vec<_>, _>>()?;
        let identity = Self {
            certificate,
            chain,
            key,
        };
        // A container whose key is not its certificate's would sign what
        // no one can verify: refused on open.
        identity.check_key_matches().map_err(|e| match e {
            SignError::MalformedKey(_) => SignError::KeyMismatch,
            other => other,
        })?;
        Ok(identity)
    }

    /// A GOST-protected container: the first key with the certificate it
    /// matches, and that certificate's issuers found in the container (as
    /// the PKCS#12 crate does for the others).
    fn open_gost(bytes: &[u8], password: &str) -> Result<Self, SignError> {
        let contents = crate::pfx_gost::open(bytes, password)?;
        let certificates = contents
            .certificates
            .iter()
            .map(|c| CertificateInfo::parse(c))
            .collect::<Result<Vec<_>, _>>()?;
        let key = contents
            .keys
            .into_iter()
            .next()
            .ok_or(SignError::NoPrivateKey)?;
        for (i, certificate) in certificates.iter().enumerate() {
            let candidate = Self {
                certificate: certificate.clone(),
                chain: Vec::new(),
                key: key.clone(),
            };
            if candidate.check_key_matches().is_ok() {
                let names = contents
                    .certificates
                    .iter()
                    .map(|der| {
                        x509_cert::Certificate::from_der(der)
                            .map(|c| (c.tbs_certificate.subject, c.tbs_certificate.issuer))
                            .map_err(|e| SignError::MalformedCertificate(e.to_string()))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let mut chain: Vec<CertificateInfo> = Vec::new();
                let mut current = i;
                while let Some(issuer) = (0..names.len()).find(|&j| {
                    names[j].0 == names[current].1
                        && names[j].0 != names[current].0
                        && j != i
                        && !chain.iter().any(|x| x.sha256 == certificates[j].sha256)
                }) {
                    chain.push(certificates[issuer].clone());
                    current = issuer;
                }
                return Ok(Self { chain, ..candidate });
            }
        }
        if certificates.is_empty() {
            return Err(SignError::NoPrivateKey);
        }
        // A key and certificates, none of them the key's.
        Err(SignError::KeyMismatch)
    }

    /// An identity from a PKCS#8 private key (DER, or PEM `PRIVATE KEY`) and
    /// its certificate (DER or PEM), as `openssl genpkey` and `openssl req`
    /// write them. The key must be the certificate's (`key.malformed` if not).
    pub fn from_key_and_certificate(key: &[u8], certificate: &[u8]) -> Result<Self, SignError> {
        let certificate = CertificateInfo::parse(certificate)?;
        let key = if key.trim_ascii_start().starts_with(b"-----BEGIN") {
            if !key.windows(11).any(|w| w == b"PRIVATE KEY")
                || key.windows(9).any(|w| w == b"ENCRYPTED")
            {
                return Err(SignError::MalformedKey(
                    "not an unencrypted PKCS#8 PRIVATE KEY".into(),
                ));
            }
            Zeroizing::new(
                crate::verify::decode_signature(key)
                    .map_err(|_| SignError::MalformedKey("PEM: not base64".into()))?,
            )
        } else {
            Zeroizing::new(key.to_vec())
        };
        let identity = Self {
            certificate,
            chain: Vec::new(),
            key,
        };
        identity.check_key_matches()?;
        Ok(identity)
    }

    /// Signs a probe and verifies it with the certificate's public key.
    fn check_key_matches(&self) -> Result<(), SignError> {
        let probe = b"cabinet key check";
        let signature = self.sign_message(probe).map_err(|e| match e {
            SignError::SigningFailed(why) => SignError::MalformedKey(why),
            other => other,
        })?;
        if crate::verify::verify_with_certificate(&self.certificate, probe, &signature)? {
            Ok(())
        } else {
            Err(SignError::MalformedKey(
                "the private key is not the certificate's".into(),
            ))
        }
    }

    /// The key as a GOST key, when it is one: to carry it into a CryptoPro
    /// container (the demo does).
    pub fn to_gost_key(&self) -> Option<crate::gost::GostPrivateKey> {
        matches!(
            self.certificate.algorithm,
            crate::Algorithm::Gost2012_256 | crate::Algorithm::Gost2012_512
        )
        .then(|| crate::gost::GostPrivateKey::from_pkcs8_der(&self.key).ok())
        .flatten()
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
