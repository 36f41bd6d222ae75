//! CAdES-BES detached signatures (`.sig`, DER CMS SignedData).
//!
//! Signed attributes: contentType and messageDigest (added by the CMS
//! builder), signingTime and signingCertificateV2 (added here). The content is
//! hashed as a stream, so a 2 GB file never sits in memory.

use std::io::Read;

use chrono::{DateTime, Utc};
use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
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

/// Signs `content` (read to the end) with the identity's key: a detached
/// CAdES-BES signature, DER.
pub fn sign_detached(
    identity: &PfxIdentity,
    content: impl Read,
    at: DateTime<Utc>,
) -> Result<Vec<u8>, SignError> {
    let digest = sha256_stream(content)?;
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
    let eci = EncapsulatedContentInfo {
        econtent_type: ID_DATA,
        econtent: None,
    };
    let attributes = [signing_time(at)?, signing_certificate_v2(&info.der)?];

    let mut builder = SignedDataBuilder::new(&eci);
    builder
        .add_digest_algorithm(digest_alg.clone())
        .map_err(|e| failed("digest", e))?;
    builder
        .add_certificate(CertificateChoices::Certificate(cert))
        .map_err(|e| failed("certificate", e))?;
    for issuer in identity.chain() {
        let c = Certificate::from_der(&issuer.der).map_err(|e| failed("chain", e))?;
        builder
            .add_certificate(CertificateChoices::Certificate(c))
            .map_err(|e| failed("chain", e))?;
    }

    let key = identity.private_key_der();
    match &info.algorithm {
        Algorithm::Rsa { .. } => {
            use rsa::pkcs8::DecodePrivateKey;
            let key = rsa::RsaPrivateKey::from_pkcs8_der(key).map_err(|e| failed("RSA key", e))?;
            let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(key);
            let mut sib = SignerInfoBuilder::new(&signer, sid, digest_alg, &eci, Some(&digest))
                .map_err(|e| failed("signer", e))?;
            for a in attributes {
                sib.add_signed_attribute(a)
                    .map_err(|e| failed("attribute", e))?;
            }
            builder
                .add_signer_info::<_, rsa::pkcs1v15::Signature>(sib)
                .map_err(|e| failed("RSA signature", e))?;
        }
        Algorithm::Ecdsa { curve } if curve == "P-256" => {
            use p256::pkcs8::DecodePrivateKey;
            let signer =
                p256::ecdsa::SigningKey::from_pkcs8_der(key).map_err(|e| failed("EC key", e))?;
            let mut sib = SignerInfoBuilder::new(&signer, sid, digest_alg, &eci, Some(&digest))
                .map_err(|e| failed("signer", e))?;
            for a in attributes {
                sib.add_signed_attribute(a)
                    .map_err(|e| failed("attribute", e))?;
            }
            builder
                .add_signer_info::<_, p256::ecdsa::DerSignature>(sib)
                .map_err(|e| failed("ECDSA signature", e))?;
        }
        other => return Err(SignError::UnsupportedAlgorithm(other.display_name())),
    }
    let signed = builder.build().map_err(|e| failed("SignedData", e))?;
    signed.to_der().map_err(|e| failed("encoding", e))
}
