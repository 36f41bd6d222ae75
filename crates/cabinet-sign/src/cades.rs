//! CAdES-BES detached signatures (`.sig`, DER CMS SignedData).
//!
//! Signed attributes: contentType and messageDigest (added by the CMS
//! builder), signingTime and signingCertificateV2 (added here). The content is
//! hashed as a stream, so a 2 GB file never sits in memory.

use std::io::Read;

use chrono::{DateTime, Utc};
use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::ContentInfo;
use cms::signed_data::{EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo};
use sha2::{Digest, Sha256};
use x509_cert::attr::Attribute;
use x509_cert::der::asn1::{ObjectIdentifier, SetOfVec, UtcTime};
use x509_cert::der::{Any, Decode, Encode};
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use crate::{Algorithm, PfxIdentity, SignError};

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

fn failed(what: &str, e: impl std::fmt::Display) -> SignError {
    SignError::SigningFailed(format!("{what}: {e}"))
}

/// SHA-256 of a stream, in 64 KiB chunks.
pub fn sha256_stream(mut content: impl Read) -> Result<[u8; 32], SignError> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = content
            .read(&mut buf)
            .map_err(|e| SignError::Io(e.to_string()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().into())
}

fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// signingCertificateV2 (RFC 5035): the SHA-256 of the signer's certificate
/// (SHA-256 is the default hash, so it is not named).
fn signing_certificate_v2(cert_der: &[u8]) -> Result<Attribute, SignError> {
    let hash = Sha256::digest(cert_der);
    let ess_cert_id_v2 = der_tlv(0x30, &der_tlv(0x04, &hash));
    let signing_certificate = der_tlv(0x30, &der_tlv(0x30, &ess_cert_id_v2));
    let value =
        Any::from_der(&signing_certificate).map_err(|e| failed("signingCertificateV2", e))?;
    Ok(Attribute {
        oid: ID_SIGNING_CERTIFICATE_V2,
        values: SetOfVec::try_from(vec![value]).map_err(|e| failed("signingCertificateV2", e))?,
    })
}

fn signing_time(at: DateTime<Utc>) -> Result<Attribute, SignError> {
    let secs = u64::try_from(at.timestamp()).map_err(|e| failed("signingTime", e))?;
    let time = UtcTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .map_err(|e| failed("signingTime", e))?;
    let value = Any::encode_from(&time).map_err(|e| failed("signingTime", e))?;
    Ok(Attribute {
        oid: ID_SIGNING_TIME,
        values: SetOfVec::try_from(vec![value]).map_err(|e| failed("signingTime", e))?,
    })
}

/// One SignerInfo over `digest` by the identity's key, with the CAdES-BES
/// signed attributes.
fn signer_info(
    identity: &PfxIdentity,
    eci: &EncapsulatedContentInfo,
    digest: &[u8],
    at: DateTime<Utc>,
) -> Result<SignerInfo, SignError> {
    use x509_cert::builder::Builder;
    let info = identity.certificate();
    let cert = Certificate::from_der(&info.der).map_err(|e| failed("certificate", e))?;
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: cert.tbs_certificate.issuer.clone(),
        serial_number: cert.tbs_certificate.serial_number.clone(),
    });
    let digest_alg = AlgorithmIdentifierOwned {
        oid: ID_SHA256,
        parameters: None,
    };
    let attributes = [signing_time(at)?, signing_certificate_v2(&info.der)?];
    let key = identity.private_key_der();
    match &info.algorithm {
        Algorithm::Rsa { .. } => {
            use rsa::pkcs8::DecodePrivateKey;
            let key = rsa::RsaPrivateKey::from_pkcs8_der(key).map_err(|e| failed("RSA key", e))?;
            let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(key);
            let mut sib = SignerInfoBuilder::new(&signer, sid, digest_alg, eci, Some(digest))
                .map_err(|e| failed("signer", e))?;
            for a in attributes {
                sib.add_signed_attribute(a)
                    .map_err(|e| failed("attribute", e))?;
            }
            sib.build::<rsa::pkcs1v15::Signature>()
                .map_err(|e| failed("RSA signature", e))
        }
        Algorithm::Ecdsa { curve } if curve == "P-256" => {
            use p256::pkcs8::DecodePrivateKey;
            let signer =
                p256::ecdsa::SigningKey::from_pkcs8_der(key).map_err(|e| failed("EC key", e))?;
            let mut sib = SignerInfoBuilder::new(&signer, sid, digest_alg, eci, Some(digest))
                .map_err(|e| failed("signer", e))?;
            for a in attributes {
                sib.add_signed_attribute(a)
                    .map_err(|e| failed("attribute", e))?;
            }
            sib.build::<p256::ecdsa::DerSignature>()
                .map_err(|e| failed("ECDSA signature", e))
        }
        other => Err(SignError::UnsupportedAlgorithm(other.display_name())),
    }
}

fn identity_certificates(identity: &PfxIdentity) -> Result<Vec<Certificate>, SignError> {
    std::iter::once(identity.certificate())
        .chain(identity.chain())
        .map(|c| Certificate::from_der(&c.der).map_err(|e| failed("certificate", e)))
        .collect()
}

fn encode(mut ci: ContentInfo, sd: &SignedData) -> Result<Vec<u8>, SignError> {
    ci.content = Any::encode_from(sd).map_err(|e| failed("SignedData", e))?;
    ci.to_der().map_err(|e| failed("encoding", e))
}

/// Signs `content` (read to the end) with the identity's key: a detached
/// CAdES-BES signature, DER.
pub fn sign_detached(
    identity: &PfxIdentity,
    content: impl Read,
    at: DateTime<Utc>,
) -> Result<Vec<u8>, SignError> {
    let digest = sha256_stream(content)?;
    let eci = EncapsulatedContentInfo {
        econtent_type: ID_DATA,
        econtent: None,
    };
    let mut builder = SignedDataBuilder::new(&eci);
    builder
        .add_digest_algorithm(AlgorithmIdentifierOwned {
            oid: ID_SHA256,
            parameters: None,
        })
        .map_err(|e| failed("digest", e))?;
    for c in identity_certificates(identity)? {
        builder
            .add_certificate(CertificateChoices::Certificate(c))
            .map_err(|e| failed("certificate", e))?;
    }
    // An empty SignedData from the builder, then the same signer-info path
    // as co-signing.
    let ci = builder.build().map_err(|e| failed("SignedData", e))?;
    let mut sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| failed("SignedData", e))?;
    let si = signer_info(identity, &eci, &digest, at)?;
    sd.signer_infos
        .0
        .insert(si)
        .map_err(|e| failed("SignedData", e))?;
    encode(ci, &sd)
}

/// Adds the identity's signature to an existing detached signature of the
/// same `content`. The existing signers stay untouched and valid; the content
/// must be the one they signed (else `sig.content_changed`).
pub fn cosign_detached(
    existing: &[u8],
    identity: &PfxIdentity,
    content: impl Read,
    at: DateTime<Utc>,
) -> Result<Vec<u8>, SignError> {
    let der = crate::verify::decode_signature(existing)?;
    let ci =
        ContentInfo::from_der(&der).map_err(|e| SignError::MalformedSignature(e.to_string()))?;
    let mut sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| SignError::MalformedSignature(e.to_string()))?;
    if sd.encap_content_info.econtent.is_some() {
        return Err(SignError::MalformedSignature(
            "not a detached signature".into(),
        ));
    }
    let digest = sha256_stream(content)?;
    // Co-signing other content would make a file no one can verify.
    crate::verify::check_message_digests(&sd, &digest)?;
    let si = signer_info(identity, &sd.encap_content_info, &digest, at)?;
    sd.signer_infos
        .0
        .insert(si)
        .map_err(|e| failed("SignedData", e))?;
    if !sd.digest_algorithms.iter().any(|a| a.oid == ID_SHA256) {
        sd.digest_algorithms
            .insert(AlgorithmIdentifierOwned {
                oid: ID_SHA256,
                parameters: None,
            })
            .map_err(|e| failed("SignedData", e))?;
    }
    let mut set: Vec<CertificateChoices> = sd
        .certificates
        .take()
        .map(|s| s.0.into_vec())
        .unwrap_or_default();
    for c in identity_certificates(identity)? {
        let choice = CertificateChoices::Certificate(c);
        if !set.contains(&choice) {
            set.push(choice);
        }
    }
    sd.certificates = Some(cms::signed_data::CertificateSet(
        SetOfVec::try_from(set).map_err(|e| failed("certificates", e))?,
    ));
    encode(ci, &sd)
}
