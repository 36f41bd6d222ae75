//! CAdES-BES signatures (`.sig`, DER CMS SignedData), detached or attached.
//!
//! Signed attributes: contentType, messageDigest, signingTime and
//! signingCertificateV2. The content is hashed as a stream, so a 2 GB file
//! never sits in memory, with the digest of the signer's key: SHA-256 for
//! RSA and ECDSA, Streebog-256/512 for GOST R 34.10-2012 256/512 (as
//! OpenSSL's GOST engine signs).

use std::io::Read;

use chrono::{DateTime, Utc};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use x509_cert::attr::Attribute;
use x509_cert::der::asn1::{ObjectIdentifier, OctetString, SetOfVec, UtcTime};
use x509_cert::der::{Any, Decode, Encode};
use x509_cert::Certificate;

use crate::key::SignatureUse;
use crate::{DigestAlgorithm, SignError, SigningKey};

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

fn failed(what: &str, e: impl std::fmt::Display) -> SignError {
    SignError::SigningFailed(format!("{what}: {e}"))
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

/// signingCertificateV2 (RFC 5035): the hash of the signer's certificate
/// with the signature's digest, named unless it is the default SHA-256.
fn signing_certificate_v2(
    cert_der: &[u8],
    digest: DigestAlgorithm,
) -> Result<Attribute, SignError> {
    let hash = digest.digest(cert_der);
    let mut ess_cert_id_v2 = Vec::new();
    if digest != DigestAlgorithm::Sha256 {
        ess_cert_id_v2 = digest
            .identifier()
            .to_der()
            .map_err(|e| failed("signingCertificateV2", e))?;
    }
    ess_cert_id_v2.extend(der_tlv(0x04, &hash));
    let ess_cert_id_v2 = der_tlv(0x30, &ess_cert_id_v2);
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

const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, SignError> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(|e| failed("attribute", e))?,
    })
}

/// One SignerInfo over `digest` by `key`, with the CAdES-BES signed
/// attributes. The signature covers the DER of the attribute SET, so the key
/// (in memory or on a token) only ever sees that short message.
fn signer_info(
    key: &dyn SigningKey,
    content_type: ObjectIdentifier,
    digest: &[u8],
    at: DateTime<Utc>,
) -> Result<SignerInfo, SignError> {
    let info = key.certificate();
    let signature_algorithm = crate::key::signature_algorithm(&info.algorithm, SignatureUse::Cms)?;
    let digest_algorithm = DigestAlgorithm::of(&info.algorithm);
    let cert = Certificate::from_der(&info.der).map_err(|e| failed("certificate", e))?;
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: cert.tbs_certificate.issuer.clone(),
        serial_number: cert.tbs_certificate.serial_number.clone(),
    });
    let digest_value = OctetString::new(digest.to_vec()).map_err(|e| failed("messageDigest", e))?;
    let attributes = vec![
        attribute(
            ID_CONTENT_TYPE,
            Any::encode_from(&content_type).map_err(|e| failed("contentType", e))?,
        )?,
        attribute(
            ID_MESSAGE_DIGEST,
            Any::encode_from(&digest_value).map_err(|e| failed("messageDigest", e))?,
        )?,
        signing_time(at)?,
        signing_certificate_v2(&info.der, digest_algorithm)?,
    ];
    // SetOfVec sorts its elements, as DER requires of a SET OF.
    let signed_attrs =
        SetOfVec::try_from(attributes).map_err(|e| failed("signed attributes", e))?;
    let message = signed_attrs
        .to_der()
        .map_err(|e| failed("signed attributes", e))?;
    let signature = key.sign_message(&message)?;
    Ok(SignerInfo {
        version: CmsVersion::V1,
        sid,
        digest_alg: digest_algorithm.identifier(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm,
        signature: OctetString::new(signature).map_err(|e| failed("signature", e))?,
        unsigned_attrs: None,
    })
}

fn key_certificates(key: &dyn SigningKey) -> Result<Vec<Certificate>, SignError> {
    std::iter::once(key.certificate())
        .chain(key.chain())
        .map(|c| Certificate::from_der(&c.der).map_err(|e| failed("certificate", e)))
        .collect()
}

/// A signature (DER, BER or base64) as its SignedData, to add unsigned
/// attributes to.
pub(crate) fn parse_signature(signature: &[u8]) -> Result<SignedData, SignError> {
    let der = crate::verify::decode_signature(signature)?;
    crate::verify::parse_signed_data(&der)
}

/// `si`'s unsigned attributes without those of the types in `drop`, with
/// `add` after them. The signed parts stay byte for byte.
pub(crate) fn replace_unsigned(
    si: &mut cms::signed_data::SignerInfo,
    drop: &[ObjectIdentifier],
    add: Vec<x509_cert::attr::Attribute>,
) -> Result<(), SignError> {
    let mut attrs: Vec<x509_cert::attr::Attribute> = si
        .unsigned_attrs
        .take()
        .map(|a| a.into_vec())
        .unwrap_or_default();
    attrs.retain(|a| !drop.contains(&a.oid));
    attrs.extend(add);
    si.unsigned_attrs = Some(
        x509_cert::der::asn1::SetOfVec::try_from(attrs)
            .map_err(|e| SignError::MalformedSignature(e.to_string()))?,
    );
    Ok(())
}

/// The SignedData as a ContentInfo, DER.
pub(crate) fn encode(sd: &SignedData) -> Result<Vec<u8>, SignError> {
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(sd).map_err(|e| failed("SignedData", e))?,
    }
    .to_der()
    .map_err(|e| failed("encoding", e))
}

/// Signs `content` (read to the end) with `key`: a detached CAdES-BES
/// signature, DER.
pub fn sign_detached(
    key: &dyn SigningKey,
    content: impl Read,
    at: DateTime<Utc>,
) -> Result<Vec<u8>, SignError> {
    let digest = DigestAlgorithm::of(&key.certificate().algorithm).digest_stream(content)?;
    sign_digest(key, &digest, at)
}

/// [`sign_detached`] for content already hashed with the key's digest,
/// [`DigestAlgorithm::of`] its algorithm (a batch hashes files while the
/// token signs, a caller may hash while uploading).
pub fn sign_digest(
    key: &dyn SigningKey,
    digest: &[u8],
    at: DateTime<Utc>,
) -> Result<Vec<u8>, SignError> {
    let algorithm = DigestAlgorithm::of(&key.certificate().algorithm);
    if digest.len() != algorithm.output_len() {
        return Err(failed(
            "digest",
            format!(
                "{} bytes, {} has {}",
                digest.len(),
                algorithm.name(),
                algorithm.output_len()
            ),
        ));
    }
    signed_data(key, ID_DATA, digest, None, at)
}

/// Signs `content` with `key`: an attached CAdES-BES signature, DER, that
/// holds the content (`.sig`/`.p7s` files that travel alone).
pub fn sign_attached(
    key: &dyn SigningKey,
    content: &[u8],
    at: DateTime<Utc>,
) -> Result<Vec<u8>, SignError> {
    sign_attached_as(key, ID_DATA, content, at)
}

/// [`sign_attached`] with another content type (a timestamp token holds a
/// TSTInfo).
pub(crate) fn sign_attached_as(
    key: &dyn SigningKey,
    content_type: ObjectIdentifier,
    content: &[u8],
    at: DateTime<Utc>,
) -> Result<Vec<u8>, SignError> {
    let digest = DigestAlgorithm::of(&key.certificate().algorithm).digest(content);
    let econtent =
        Any::encode_from(&OctetString::new(content.to_vec()).map_err(|e| failed("eContent", e))?)
            .map_err(|e| failed("eContent", e))?;
    signed_data(key, content_type, &digest, Some(econtent), at)
}

/// One signer's SignedData over `digest`, holding `econtent` or detached.
fn signed_data(
    key: &dyn SigningKey,
    content_type: ObjectIdentifier,
    digest: &[u8],
    econtent: Option<Any>,
    at: DateTime<Utc>,
) -> Result<Vec<u8>, SignError> {
    let algorithm = DigestAlgorithm::of(&key.certificate().algorithm);
    let si = signer_info(key, content_type, digest, at)?;
    let certificates = key_certificates(key)?
        .into_iter()
        .map(CertificateChoices::Certificate)
        .collect::<Vec<_>>();
    let sd = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![algorithm.identifier()])
            .map_err(|e| failed("SignedData", e))?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: content_type,
            econtent,
        },
        certificates: Some(CertificateSet(
            SetOfVec::try_from(certificates).map_err(|e| failed("certificates", e))?,
        )),
        crls: None,
        signer_infos: SignerInfos(
            SetOfVec::try_from(vec![si]).map_err(|e| failed("SignedData", e))?,
        ),
    };
    encode(&sd)
}

/// Adds `key`'s signature to an existing detached signature of the same
/// `content`. The existing signers stay untouched and valid; the content must
/// be the one they signed (else `sig.content_changed`).
pub fn cosign_detached(
    existing: &[u8],
    key: &dyn SigningKey,
    content: impl Read,
    at: DateTime<Utc>,
) -> Result<Vec<u8>, SignError> {
    let der = crate::verify::decode_signature(existing)?;
    let ci =
        ContentInfo::from_der(&der).map_err(|e| SignError::MalformedSignature(e.to_string()))?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(SignError::MalformedSignature("not a SignedData".into()));
    }
    let mut sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| SignError::MalformedSignature(e.to_string()))?;
    if sd.encap_content_info.econtent.is_some() {
        return Err(SignError::MalformedSignature(
            "not a detached signature".into(),
        ));
    }
    // Each existing signer's digest and the new one's, in one read.
    let ours = DigestAlgorithm::of(&key.certificate().algorithm);
    let mut algorithms = crate::verify::signer_digest_algorithms(&sd)?;
    if !algorithms.contains(&ours) {
        algorithms.push(ours);
    }
    let digests = crate::digest::digest_stream_all(&algorithms, content)?;
    let digest_of = |a: DigestAlgorithm| {
        let i = algorithms.iter().position(|x| *x == a).expect("listed");
        digests[i].as_slice()
    };
    // Co-signing other content would make a file no one can verify.
    crate::verify::check_message_digests(&sd, digest_of)?;
    let si = signer_info(
        key,
        sd.encap_content_info.econtent_type,
        digest_of(ours),
        at,
    )?;
    sd.signer_infos
        .0
        .insert(si)
        .map_err(|e| failed("SignedData", e))?;
    if !sd.digest_algorithms.iter().any(|a| a.oid == ours.oid()) {
        sd.digest_algorithms
            .insert(ours.identifier())
            .map_err(|e| failed("SignedData", e))?;
    }
    let mut set: Vec<CertificateChoices> = sd
        .certificates
        .take()
        .map(|s| s.0.into_vec())
        .unwrap_or_default();
    for c in key_certificates(key)? {
        let choice = CertificateChoices::Certificate(c);
        if !set.contains(&choice) {
            set.push(choice);
        }
    }
    sd.certificates = Some(CertificateSet(
        SetOfVec::try_from(set).map_err(|e| failed("certificates", e))?,
    ));
    encode(&sd)
}
