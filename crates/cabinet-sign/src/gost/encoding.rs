//! GOST keys in X.509 and PKCS#8 (RFC 4491, RFC 9215), as OpenSSL's GOST
//! engine writes and reads them.
//!
//! - The algorithm identifier is the key OID with parameters
//!   `SEQUENCE { publicKeyParamSet OID, digestParamSet OID OPTIONAL }`; the
//!   digest OID is present for the CryptoPro sets and TC26 512 A/B, absent for
//!   TC26 256 A–D and 512 C (whose digest follows from the key size).
//! - The public key is an OCTET STRING of x ‖ y, little-endian, inside the
//!   BIT STRING.
//! - The private key (PKCS#8 `privateKey`) is d, little-endian, as the bare
//!   bytes; older writers wrap it in an OCTET STRING, or give an INTEGER.

use der::Sequence;
use rsa::pkcs8::PrivateKeyInfo;
use x509_cert::der::asn1::{BitString, ObjectIdentifier, OctetString};
use x509_cert::der::{Any, Decode, Encode, Tag, Tagged};
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use zeroize::Zeroizing;

use super::{GostPrivateKey, GostPublicKey, KeySize, ParamSet};
use crate::SignError;

#[derive(Sequence)]
struct KeyParameters {
    public_key_param_set: ObjectIdentifier,
    digest_param_set: Option<ObjectIdentifier>,
}

fn oid(text: &str) -> ObjectIdentifier {
    ObjectIdentifier::new(text).expect("a constant OID parses")
}

fn malformed(what: &str, e: impl std::fmt::Display) -> SignError {
    SignError::MalformedKey(format!("GOST {what}: {e}"))
}

/// Whether the engine names the digest in the key parameters of `p`.
fn names_digest(p: ParamSet) -> bool {
    !matches!(
        p,
        ParamSet::Tc26_256A
            | ParamSet::Tc26_256B
            | ParamSet::Tc26_256C
            | ParamSet::Tc26_256D
            | ParamSet::Tc26_512C
    )
}

/// The key size of a key algorithm OID, if it is a GOST R 34.10-2012 one.
pub fn key_size_of(algorithm: &ObjectIdentifier) -> Option<KeySize> {
    [KeySize::Bits256, KeySize::Bits512]
        .into_iter()
        .find(|s| algorithm.to_string() == s.key_oid())
}

/// The algorithm identifier of a key with parameter set `p`.
pub fn key_algorithm(p: ParamSet) -> AlgorithmIdentifierOwned {
    let params = KeyParameters {
        public_key_param_set: oid(p.oid()),
        digest_param_set: names_digest(p).then(|| oid(p.size().digest_oid())),
    };
    AlgorithmIdentifierOwned {
        oid: oid(p.size().key_oid()),
        parameters: Some(Any::encode_from(&params).expect("key parameters encode")),
    }
}

/// The parameter set named by a GOST key's algorithm identifier.
pub fn param_set_of(
    algorithm: &ObjectIdentifier,
    parameters: Option<&[u8]>,
) -> Result<ParamSet, SignError> {
    let size = key_size_of(algorithm)
        .ok_or_else(|| malformed("key", format!("{algorithm} is not a GOST key algorithm")))?;
    let der = parameters.ok_or_else(|| malformed("key", "no parameters"))?;
    let params = KeyParameters::from_der(der).map_err(|e| malformed("key parameters", e))?;
    let set = ParamSet::from_oid(&params.public_key_param_set.to_string()).ok_or_else(|| {
        SignError::UnsupportedAlgorithm(format!(
            "GOST parameter set {}",
            params.public_key_param_set
        ))
    })?;
    if set.size() != size {
        return Err(malformed(
            "key",
            format!("{} with a {:?} key", set.display_name(), size),
        ));
    }
    Ok(set)
}

impl GostPublicKey {
    /// The key of an X.509 SubjectPublicKeyInfo.
    pub fn from_spki(spki: &SubjectPublicKeyInfoOwned) -> Result<Self, SignError> {
        let params = spki.algorithm.parameters.as_ref().map(|p| p.to_der());
        let params = params
            .transpose()
            .map_err(|e| malformed("key parameters", e))?;
        let set = param_set_of(&spki.algorithm.oid, params.as_deref())?;
        let bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| malformed("public key", "unused bits in the BIT STRING"))?;
        let point = OctetString::from_der(bits).map_err(|e| malformed("public key", e))?;
        Self::from_le_bytes(set, point.as_bytes())
    }

    /// DER of the SubjectPublicKeyInfo.
    pub fn to_spki(&self) -> SubjectPublicKeyInfoOwned {
        let point = OctetString::new(self.to_le_bytes())
            .and_then(|o| o.to_der())
            .expect("a point encodes");
        SubjectPublicKeyInfoOwned {
            algorithm: key_algorithm(self.params()),
            subject_public_key: BitString::from_bytes(&point).expect("a point encodes"),
        }
    }
}

impl GostPrivateKey {
    /// A key from PKCS#8 PrivateKeyInfo DER.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, SignError> {
        let info = PrivateKeyInfo::try_from(der).map_err(|e| malformed("PKCS#8", e))?;
        let params = info
            .algorithm
            .parameters
            .map(|p| p.to_der())
            .transpose()
            .map_err(|e| malformed("key parameters", e))?;
        let set = param_set_of(&info.algorithm.oid, params.as_deref())?;
        let n = set.size().bytes();
        let value = info.private_key;
        if value.len() == n {
            return Self::from_le_bytes(set, value);
        }
        // The masked form (Р 50.1.112-2016's example, CryptoPro's export):
        // the value and its masks, no inner encoding. A DER OCTET STRING or
        // INTEGER of a key is never a multiple of its length.
        if value.len() >= 2 * n && value.len() % n == 0 {
            return Self::from_masked_le_bytes(set, value);
        }
        let any = Any::from_der(value).map_err(|e| malformed("private key", e))?;
        match any.tag() {
            Tag::OctetString => Self::from_le_bytes(set, any.value()),
            Tag::Integer => Self::from_be_bytes(set, any.value()),
            other => Err(malformed("private key", format!("unexpected {other}"))),
        }
    }

    /// PKCS#8 PrivateKeyInfo DER, as the engine writes it.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, SignError> {
        let d = self.to_le_bytes();
        let algorithm = key_algorithm(self.params());
        let params = algorithm
            .parameters
            .as_ref()
            .map(|p| p.to_der())
            .transpose()
            .map_err(|e| malformed("key parameters", e))?
            .expect("GOST keys have parameters");
        let params = x509_cert::der::AnyRef::from_der(&params)
            .map_err(|e| malformed("key parameters", e))?;
        let info = PrivateKeyInfo {
            algorithm: x509_cert::spki::AlgorithmIdentifierRef {
                oid: algorithm.oid,
                parameters: Some(params),
            },
            private_key: &d,
            public_key: None,
        };
        Ok(Zeroizing::new(
            info.to_der().map_err(|e| malformed("PKCS#8", e))?,
        ))
    }
}
