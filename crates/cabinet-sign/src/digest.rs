//! The digests signatures are made over: SHA-256 for RSA and ECDSA keys,
//! Streebog (GOST R 34.11-2012) of the key's size for GOST keys.

use std::io::Read;

use sha2::Digest as _;
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Any, Tag};
use x509_cert::spki::AlgorithmIdentifierOwned;

use crate::gost::{KeySize, Streebog};
use crate::{Algorithm, SignError};

/// A digest algorithm the cabinet signs and verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    Sha256,
    Streebog256,
    Streebog512,
}

const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const STREEBOG256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.7.1.1.2.2");
const STREEBOG512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.7.1.1.2.3");

impl DigestAlgorithm {
    /// The digest a key of `algorithm` signs.
    pub fn of(algorithm: &Algorithm) -> Self {
        match algorithm {
            Algorithm::Gost2012_256 => Self::streebog(KeySize::Bits256),
            Algorithm::Gost2012_512 => Self::streebog(KeySize::Bits512),
            _ => DigestAlgorithm::Sha256,
        }
    }

    /// The Streebog a GOST key of `size` signs.
    pub fn streebog(size: KeySize) -> Self {
        match size {
            KeySize::Bits256 => DigestAlgorithm::Streebog256,
            KeySize::Bits512 => DigestAlgorithm::Streebog512,
        }
    }

    pub fn oid(self) -> ObjectIdentifier {
        match self {
            DigestAlgorithm::Sha256 => SHA256,
            DigestAlgorithm::Streebog256 => STREEBOG256,
            DigestAlgorithm::Streebog512 => STREEBOG512,
        }
    }

    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [Self::Sha256, Self::Streebog256, Self::Streebog512]
            .into_iter()
            .find(|d| d.oid() == *oid)
    }

    /// The identifier as CMS carries it: SHA-256 without parameters, the
    /// Streebogs with NULL, as OpenSSL's GOST engine writes them.
    pub fn identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: match self {
                DigestAlgorithm::Sha256 => None,
                _ => Some(Any::new(Tag::Null, Vec::<u8>::new()).expect("NULL encodes")),
            },
        }
    }

    /// Bytes of a digest.
    pub fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha256 | DigestAlgorithm::Streebog256 => 32,
            DigestAlgorithm::Streebog512 => 64,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha256 => "SHA-256",
            DigestAlgorithm::Streebog256 => "ГОСТ Р 34.11-2012 (256)",
            DigestAlgorithm::Streebog512 => "ГОСТ Р 34.11-2012 (512)",
        }
    }

    pub fn hasher(self) -> Hasher {
        match self {
            DigestAlgorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            DigestAlgorithm::Streebog256 => Hasher::Streebog(Streebog::new(KeySize::Bits256)),
            DigestAlgorithm::Streebog512 => Hasher::Streebog(Streebog::new(KeySize::Bits512)),
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = self.hasher();
        h.update(data);
        h.finalize()
    }

    /// The digest of a stream, read in 64 KiB chunks.
    pub fn digest_stream(self, content: impl Read) -> Result<Vec<u8>, SignError> {
        let mut digests = digest_stream_all(&[self], content)?;
        Ok(digests.remove(0))
    }
}

/// A running digest.
#[derive(Clone)]
pub enum Hasher {
    Sha256(sha2::Sha256),
    Streebog(Streebog),
}

impl Hasher {
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Streebog(h) => h.update(data),
        }
    }

    pub fn finalize(self) -> Vec<u8> {
        match self {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Streebog(h) => h.finalize(),
        }
    }
}

/// Digests of one stream with several algorithms, read once (a signature
/// with GOST and RSA signers over the same file).
pub fn digest_stream_all(
    algorithms: &[DigestAlgorithm],
    mut content: impl Read,
) -> Result<Vec<Vec<u8>>, SignError> {
    let mut hashers: Vec<Hasher> = algorithms.iter().map(|a| a.hasher()).collect();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match content.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(SignError::Io(e.to_string())),
        };
        for h in &mut hashers {
            h.update(&buf[..n]);
        }
    }
    Ok(hashers.into_iter().map(Hasher::finalize).collect())
}
