//! Verification of CMS / CAdES-BES signatures, detached or attached, in DER
//! or in the BER that Russian CSPs write (see [`crate::ber`]).
//!
//! Each signer is checked in turn: the message digest against the content,
//! the signature over the signed attributes, the certificate's validity at the
//! signing time, and — when trusted roots are given — the chain up to one of
//! them. The first failure is a distinct error code; success reports every
//! signer.

use std::io::Read;

use base64::Engine;
use chrono::{DateTime, Utc};
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use x509_cert::der::asn1::{ObjectIdentifier, OctetString, UtcTime};
use x509_cert::der::{Decode, Encode};
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;

use crate::gost::GostPublicKey;
use crate::key::{ECDSA_WITH_SHA256, SHA256_WITH_RSA};
use crate::{CertificateInfo, DigestAlgorithm, SignError};

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
pub(crate) const ID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// Whether the signer's certificate leads to a trusted root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainStatus {
    Trusted,
    /// No trusted roots were given, so the chain was not checked.
    NotChecked,
}

/// One verified signer.
#[derive(Debug, Clone)]
pub struct SignerReport {
    pub certificate: CertificateInfo,
    pub signing_time: Option<DateTime<Utc>>,
    pub algorithm: String,
    pub chain: ChainStatus,
}

/// A signature as stored — DER or BER, or base64 of either (with or
/// without PEM lines) — as DER.
pub fn decode_signature(bytes: &[u8]) -> Result<Vec<u8>, SignError> {
    if bytes.first() == Some(&0x30) {
        return crate::ber::to_der(bytes);
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| SignError::MalformedSignature("neither DER nor base64".into()))?;
    let b64: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| SignError::MalformedSignature(format!("base64: {e}")))?;
    crate::ber::to_der(&der)
}

pub(crate) fn parse_signed_data(der: &[u8]) -> Result<SignedData, SignError> {
    let ci =
        ContentInfo::from_der(der).map_err(|e| SignError::MalformedSignature(e.to_string()))?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(SignError::MalformedSignature("not a SignedData".into()));
    }
    ci.content
        .decode_as::<SignedData>()
        .map_err(|e| SignError::MalformedSignature(e.to_string()))
}

pub(crate) fn certificates(sd: &SignedData) -> Vec<Certificate> {
    sd.certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

pub(crate) fn signer_certificate<'a>(
    si: &SignerInfo,
    certs: &'a [Certificate],
) -> Option<&'a Certificate> {
    certs.iter().find(|c| match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => {
            c.tbs_certificate.issuer == isn.issuer
                && c.tbs_certificate.serial_number == isn.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            c.tbs_certificate.extensions.iter().flatten().any(|e| {
                e.extn_id.to_string() == "2.5.29.14"
                    && e.extn_value.as_bytes().ends_with(ski.0.as_bytes())
            })
        }
    })
}

/// Verifies `signature` by `spki` over `message`, hashed with the digest
/// `sig_alg` names (SHA-256; Streebog of the key's size for GOST).
pub(crate) fn verify_raw(
    spki: &SubjectPublicKeyInfoOwned,
    sig_alg: &ObjectIdentifier,
    message: &[u8],
    signature: &[u8],
) -> Result<bool, SignError> {
    use signature::Verifier;
    if let Some(size) = crate::gost::key_size_of(&spki.algorithm.oid) {
        // The engine names the key algorithm in CMS, the
        // signature-with-digest algorithm in certificates and CRLs.
        let names_this_key = [size.key_oid(), size.signature_oid()]
            .iter()
            .any(|o| sig_alg.to_string() == *o);
        if !names_this_key {
            return Err(SignError::UnsupportedAlgorithm(format!(
                "{} with {}",
                spki.algorithm.oid, sig_alg
            )));
        }
        let key = GostPublicKey::from_spki(spki)?;
        debug_assert_eq!(key.params().size(), size);
        return key.verify(message, signature);
    }
    let key_der = spki
        .to_der()
        .map_err(|e| SignError::MalformedSignature(e.to_string()))?;
    if spki.algorithm.oid == RSA_ENCRYPTION
        && (*sig_alg == RSA_ENCRYPTION || *sig_alg == SHA256_WITH_RSA)
    {
        use rsa::pkcs8::DecodePublicKey;
        let key = rsa::RsaPublicKey::from_public_key_der(&key_der)
            .map_err(|e| SignError::MalformedSignature(e.to_string()))?;
        let vk = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key);
        let Ok(sig) = rsa::pkcs1v15::Signature::try_from(signature) else {
            return Ok(false);
        };
        return Ok(vk.verify(message, &sig).is_ok());
    }
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    if spki.algorithm.oid == EC_PUBLIC_KEY && curve == Some(P256) && *sig_alg == ECDSA_WITH_SHA256 {
        use p256::pkcs8::DecodePublicKey;
        let vk = p256::ecdsa::VerifyingKey::from_public_key_der(&key_der)
            .map_err(|e| SignError::MalformedSignature(e.to_string()))?;
        let Ok(sig) = p256::ecdsa::DerSignature::try_from(signature) else {
            return Ok(false);
        };
        return Ok(vk.verify(message, &sig).is_ok());
    }
    Err(SignError::UnsupportedAlgorithm(format!(
        "{} with {}",
        spki.algorithm.oid, sig_alg
    )))
}

/// Whether `signature` is by the key of `certificate` over `message`, with
/// the signature algorithm a SignerInfo of that key names.
pub(crate) fn verify_with_certificate(
    certificate: &CertificateInfo,
    message: &[u8],
    signature: &[u8],
) -> Result<bool, SignError> {
    let cert = Certificate::from_der(&certificate.der)
        .map_err(|e| SignError::MalformedCertificate(e.to_string()))?;
    let algorithm =
        crate::key::signature_algorithm(&certificate.algorithm, crate::key::SignatureUse::Cms)?;
    verify_raw(
        &cert.tbs_certificate.subject_public_key_info,
        &algorithm.oid,
        message,
        signature,
    )
}

pub(crate) fn attribute_value<'a>(
    si: &'a SignerInfo,
    oid: &ObjectIdentifier,
) -> Option<&'a x509_cert::der::Any> {
    si.signed_attrs
        .as_ref()?
        .iter()
        .find(|a| a.oid == *oid)?
        .values
        .iter()
        .next()
}

pub(crate) fn signing_time(si: &SignerInfo) -> Option<DateTime<Utc>> {
    let any = attribute_value(si, &ID_SIGNING_TIME)?;
    let t = any.decode_as::<UtcTime>().ok()?;
    DateTime::<Utc>::from_timestamp(t.to_unix_duration().as_secs() as i64, 0)
}

/// Walks from `cert` to a trusted root, checking each signature.
fn chain_to_root(
    cert: &Certificate,
    pool: &[Certificate],
    roots: &[Certificate],
) -> Result<(), SignError> {
    let mut current = cert.clone();
    for _ in 0..8 {
        let current_der = current
            .to_der()
            .map_err(|e| SignError::MalformedSignature(e.to_string()))?;
        if roots
            .iter()
            .any(|r| r.to_der().is_ok_and(|d| d == current_der))
        {
            return Ok(());
        }
        let issuer_name = &current.tbs_certificate.issuer;
        let tbs = current
            .tbs_certificate
            .to_der()
            .map_err(|e| SignError::MalformedSignature(e.to_string()))?;
        let sig = current.signature.as_bytes().unwrap_or_default();
        let issuer = roots
            .iter()
            .chain(pool)
            .filter(|c| &c.tbs_certificate.subject == issuer_name)
            .find(|c| {
                verify_raw(
                    &c.tbs_certificate.subject_public_key_info,
                    &current.signature_algorithm.oid,
                    &tbs,
                    sig,
                )
                .unwrap_or(false)
            });
        match issuer {
            // A self-signed certificate that is not a trusted root ends the walk.
            Some(i) if i.tbs_certificate.subject == current.tbs_certificate.subject => {
                return Err(SignError::UntrustedChain)
            }
            Some(i) => current = i.clone(),
            None => return Err(SignError::UntrustedChain),
        }
    }
    Err(SignError::UntrustedChain)
}

fn signer_digest_algorithm(si: &SignerInfo) -> Result<DigestAlgorithm, SignError> {
    DigestAlgorithm::from_oid(&si.digest_alg.oid)
        .ok_or_else(|| SignError::UnsupportedAlgorithm(si.digest_alg.oid.to_string()))
}

/// The digest algorithms of the signers, each once, in signer order.
pub(crate) fn signer_digest_algorithms(sd: &SignedData) -> Result<Vec<DigestAlgorithm>, SignError> {
    let mut out = Vec::new();
    for si in sd.signer_infos.0.iter() {
        let a = signer_digest_algorithm(si)?;
        if !out.contains(&a) {
            out.push(a);
        }
    }
    Ok(out)
}

/// The signed content-type attribute must name the type of the content
/// (RFC 5652 11.1), or a signature over one kind of content could be
/// passed off as another.
pub(crate) fn check_content_type(sd: &SignedData, si: &SignerInfo) -> Result<(), SignError> {
    let Some(value) = attribute_value(si, &ID_CONTENT_TYPE) else {
        return Ok(());
    };
    let named = value
        .decode_as::<ObjectIdentifier>()
        .map_err(|e| SignError::MalformedSignature(format!("content-type attribute: {e}")))?;
    if named != sd.encap_content_info.econtent_type {
        return Err(SignError::MalformedSignature(format!(
            "the content-type attribute names {named}, the content is {}",
            sd.encap_content_info.econtent_type
        )));
    }
    Ok(())
}

/// Fails with `sig.content_changed` when any signer's messageDigest differs
/// from the content's digest with that signer's algorithm.
pub(crate) fn check_message_digests<'a>(
    sd: &SignedData,
    digest_of: impl Fn(DigestAlgorithm) -> &'a [u8],
) -> Result<(), SignError> {
    for si in sd.signer_infos.0.iter() {
        let md = attribute_value(si, &ID_MESSAGE_DIGEST)
            .and_then(|a| a.decode_as::<OctetString>().ok())
            .ok_or_else(|| SignError::MalformedSignature("no messageDigest attribute".into()))?;
        if md.as_bytes() != digest_of(signer_digest_algorithm(si)?) {
            return Err(SignError::ContentChanged);
        }
    }
    Ok(())
}

/// Verifies a detached signature over `content`. `roots` are the trusted
/// root certificates; with none, the chain is reported as not checked.
pub fn verify_detached(
    signature: &[u8],
    content: impl Read,
    roots: &[CertificateInfo],
) -> Result<Vec<SignerReport>, SignError> {
    verify_detached_with(
        signature,
        content,
        &Trust {
            roots: roots.to_vec(),
            crls: Vec::new(),
        },
    )
}

/// What a verification trusts: root certificates and revocation lists.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    pub roots: Vec<CertificateInfo>,
    /// CRLs (DER or PEM). A CRL counts only when its issuer's signature on it
    /// verifies.
    pub crls: Vec<Vec<u8>>,
}

impl Trust {
    /// Fails with `crl.malformed` when a CRL does not parse.
    pub fn check(&self) -> Result<(), SignError> {
        self.crls.iter().try_for_each(|c| parse_crl(c).map(|_| ()))
    }
}

/// A CRL as read, with the bytes its issuer signed.
pub(crate) struct ParsedCrl {
    pub list: x509_cert::crl::CertificateList,
    /// The TBSCertList as written: what the signature is over.
    pub tbs: Vec<u8>,
}

/// The outer CertificateList with its TBS part kept as written.
#[derive(x509_cert::der::Sequence)]
struct RawCrl<'a> {
    tbs: x509_cert::der::AnyRef<'a>,
    algorithm: x509_cert::spki::AlgorithmIdentifierOwned,
    signature: x509_cert::der::asn1::BitString,
}

pub(crate) fn parse_crl(bytes: &[u8]) -> Result<ParsedCrl, SignError> {
    use x509_cert::der::Tag;
    let der = if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        // PEM: the base64 between the armour lines.
        decode_signature(bytes).map_err(|e| SignError::MalformedCrl(e.to_string()))?
    } else {
        bytes.to_vec()
    };
    let malformed = |e: x509_cert::der::Error| SignError::MalformedCrl(e.to_string());
    let raw = RawCrl::from_der(&der).map_err(malformed)?;
    let tbs = raw.tbs.to_der().map_err(malformed)?;
    // A version 1 CRL (`openssl ca -gencrl` without extensions writes one)
    // has no version field, which the CRL type requires: it is read with
    // `v1` put in, and its signature is still checked over `tbs`.
    let tbs_list = match x509_cert::crl::TbsCertList::from_der(&tbs) {
        Ok(t) => t,
        Err(e)
            if x509_cert::der::Tagged::tag(&raw.tbs) == Tag::Sequence
                && raw.tbs.value().first() != Some(&0x02) =>
        {
            let mut content = vec![0x02, 0x01, 0x00];
            content.extend_from_slice(raw.tbs.value());
            let patched = x509_cert::der::AnyRef::new(Tag::Sequence, &content)
                .and_then(|a| a.to_der())
                .map_err(malformed)?;
            x509_cert::crl::TbsCertList::from_der(&patched).map_err(|_| malformed(e))?
        }
        Err(e) => return Err(malformed(e)),
    };
    Ok(ParsedCrl {
        list: x509_cert::crl::CertificateList {
            tbs_cert_list: tbs_list,
            signature_algorithm: raw.algorithm,
            signature: raw.signature,
        },
        tbs,
    })
}

/// The certificates in `bytes`: one certificate (DER or PEM), or the
/// certificates of a CMS SignedData ("certs-only" .p7c, as AIA caIssuers
/// addresses often serve, or any signature). Nothing else is
/// `cert.malformed`.
pub fn certificates_in(bytes: &[u8]) -> Result<Vec<CertificateInfo>, SignError> {
    if let Ok(one) = CertificateInfo::parse(bytes) {
        return Ok(vec![one]);
    }
    let malformed = || SignError::MalformedCertificate("neither a certificate nor a bundle".into());
    let der = decode_signature(bytes).map_err(|_| malformed())?;
    let sd = parse_signed_data(&der).map_err(|_| malformed())?;
    let all: Vec<CertificateInfo> = certificates(&sd)
        .iter()
        .filter_map(|c| c.to_der().ok())
        .filter_map(|d| CertificateInfo::parse(&d).ok())
        .collect();
    if all.is_empty() {
        return Err(malformed());
    }
    Ok(all)
}

/// Whether the CRL in `bytes` (PEM or DER) was issued and signed by
/// `issuer` (`crl.malformed` when it is not a CRL).
pub fn crl_signed_by(bytes: &[u8], issuer: &CertificateInfo) -> Result<bool, SignError> {
    let crl = parse_crl(bytes)?;
    let ca = Certificate::from_der(&issuer.der)
        .map_err(|e| SignError::MalformedCertificate(e.to_string()))?;
    if crl.list.tbs_cert_list.issuer != ca.tbs_certificate.subject {
        return Ok(false);
    }
    verify_raw(
        &ca.tbs_certificate.subject_public_key_info,
        &crl.list.signature_algorithm.oid,
        &crl.tbs,
        crl.list.signature.as_bytes().unwrap_or_default(),
    )
}

/// A CRL's next update (DER or PEM, version 1 or 2), if it names one.
pub fn crl_next_update(bytes: &[u8]) -> Result<Option<DateTime<Utc>>, SignError> {
    Ok(parse_crl(bytes)?
        .list
        .tbs_cert_list
        .next_update
        .and_then(|t| DateTime::<Utc>::from_timestamp(t.to_unix_duration().as_secs() as i64, 0)))
}

/// `sig.revoked` when a CRL signed by `cert`'s issuer lists its serial.
fn check_revocation(
    cert: &Certificate,
    known: &[Certificate],
    crls: &[ParsedCrl],
) -> Result<(), SignError> {
    for ParsedCrl { list: crl, tbs } in crls {
        if crl.tbs_cert_list.issuer != cert.tbs_certificate.issuer {
            continue;
        }
        let sig = crl.signature.as_bytes().unwrap_or_default();
        let signed_by_issuer = known
            .iter()
            .filter(|c| c.tbs_certificate.subject == crl.tbs_cert_list.issuer)
            .any(|c| {
                verify_raw(
                    &c.tbs_certificate.subject_public_key_info,
                    &crl.signature_algorithm.oid,
                    tbs,
                    sig,
                )
                .unwrap_or(false)
            });
        if !signed_by_issuer {
            // A CRL nobody we know signed says nothing.
            continue;
        }
        let revoked = crl
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .any(|r| r.serial_number == cert.tbs_certificate.serial_number);
        if revoked {
            return Err(SignError::Revoked);
        }
    }
    Ok(())
}

/// [`verify_detached`] with revocation lists.
pub fn verify_detached_with(
    signature: &[u8],
    content: impl Read,
    trust: &Trust,
) -> Result<Vec<SignerReport>, SignError> {
    verify(signature, content, trust, None)
}

/// [`verify_detached_with`], but each certificate must be valid at `at`
/// rather than at the signing time the signer claims: what a server checks
/// when a signature is a login made now.
pub fn verify_detached_at(
    signature: &[u8],
    content: impl Read,
    trust: &Trust,
    at: DateTime<Utc>,
) -> Result<Vec<SignerReport>, SignError> {
    verify(signature, content, trust, Some(at))
}

/// An attached signature's signers and the content it holds.
#[derive(Debug, Clone)]
pub struct Attached {
    pub signers: Vec<SignerReport>,
    pub content: Vec<u8>,
}

/// Verifies an attached signature (the content inside the CMS) and returns
/// the content with the signers. A detached signature is refused with
/// `sig.detached`: it needs its file.
pub fn verify_attached(signature: &[u8], trust: &Trust) -> Result<Attached, SignError> {
    let der = decode_signature(signature)?;
    let sd = parse_signed_data(&der)?;
    let content = embedded_content(&sd)?.ok_or(SignError::DetachedWithoutContent)?;
    let signers = verify_parsed(&sd, &content[..], trust, None)?;
    Ok(Attached { signers, content })
}

/// Whether `signature` holds its content (an attached signature).
pub fn is_attached(signature: &[u8]) -> Result<bool, SignError> {
    let der = decode_signature(signature)?;
    Ok(parse_signed_data(&der)?
        .encap_content_info
        .econtent
        .is_some())
}

/// The content an attached signature holds, if any.
pub(crate) fn embedded_content(sd: &SignedData) -> Result<Option<Vec<u8>>, SignError> {
    sd.encap_content_info
        .econtent
        .as_ref()
        .map(|any| {
            any.decode_as::<OctetString>()
                .map(OctetString::into_bytes)
                .map_err(|e| SignError::MalformedSignature(format!("eContent: {e}")))
        })
        .transpose()
}

/// Reads `content` to the end and fails with `sig.content_mismatch` unless
/// it is exactly `embedded`.
pub(crate) fn same_content(mut content: impl Read, embedded: &[u8]) -> Result<(), SignError> {
    let mut buf = [0u8; 64 * 1024];
    let mut at = 0;
    loop {
        let n = content
            .read(&mut buf)
            .map_err(|e| SignError::Io(e.to_string()))?;
        if n == 0 {
            break;
        }
        if embedded.get(at..at + n) != Some(&buf[..n]) {
            return Err(SignError::ContentMismatch);
        }
        at += n;
    }
    if at != embedded.len() {
        return Err(SignError::ContentMismatch);
    }
    Ok(())
}

fn verify(
    signature: &[u8],
    content: impl Read,
    trust: &Trust,
    validity_at: Option<DateTime<Utc>>,
) -> Result<Vec<SignerReport>, SignError> {
    let der = decode_signature(signature)?;
    let sd = parse_signed_data(&der)?;
    match embedded_content(&sd)? {
        // An attached signature given a file: the file must be what was
        // signed, and the signature is checked over what it holds.
        Some(embedded) => {
            same_content(content, &embedded)?;
            verify_parsed(&sd, &embedded[..], trust, validity_at)
        }
        None => verify_parsed(&sd, content, trust, validity_at),
    }
}

fn verify_parsed(
    sd: &SignedData,
    content: impl Read,
    trust: &Trust,
    validity_at: Option<DateTime<Utc>>,
) -> Result<Vec<SignerReport>, SignError> {
    let roots = &trust.roots[..];
    let crls = trust
        .crls
        .iter()
        .map(|c| parse_crl(c))
        .collect::<Result<Vec<_>, _>>()?;
    let algorithms = signer_digest_algorithms(sd)?;
    let digests = crate::digest::digest_stream_all(&algorithms, content)?;
    let certs = certificates(sd);
    let roots: Vec<Certificate> = roots
        .iter()
        .filter_map(|r| Certificate::from_der(&r.der).ok())
        .collect();
    let mut reports = Vec::new();
    for si in sd.signer_infos.0.iter() {
        let algorithm = signer_digest_algorithm(si)?;
        let digest = &digests[algorithms
            .iter()
            .position(|a| *a == algorithm)
            .expect("listed")];
        let cert = signer_certificate(si, &certs).ok_or(SignError::SignerCertificateMissing)?;
        let md = attribute_value(si, &ID_MESSAGE_DIGEST)
            .and_then(|a| a.decode_as::<OctetString>().ok())
            .ok_or_else(|| SignError::MalformedSignature("no messageDigest attribute".into()))?;
        if md.as_bytes() != digest.as_slice() {
            return Err(SignError::ContentChanged);
        }
        check_content_type(sd, si)?;
        let spki = &cert.tbs_certificate.subject_public_key_info;
        let key_digest =
            crate::gost::key_size_of(&spki.algorithm.oid).map(DigestAlgorithm::streebog);
        if key_digest.is_some_and(|d| d != algorithm) {
            // A GOST key signs the Streebog of its own size, nothing else.
            return Err(SignError::UnsupportedAlgorithm(format!(
                "{} with {}",
                spki.algorithm.oid, si.digest_alg.oid
            )));
        }
        let signed_attrs = si
            .signed_attrs
            .as_ref()
            .ok_or_else(|| SignError::MalformedSignature("no signed attributes".into()))?
            .to_der()
            .map_err(|e| SignError::MalformedSignature(e.to_string()))?;
        if !verify_raw(
            spki,
            &si.signature_algorithm.oid,
            &signed_attrs,
            si.signature.as_bytes(),
        )? {
            return Err(SignError::SignatureBroken);
        }
        let der = cert
            .to_der()
            .map_err(|e| SignError::MalformedSignature(e.to_string()))?;
        let info = CertificateInfo::parse(&der)?;
        let at = signing_time(si);
        let when = validity_at.or(at).unwrap_or_else(Utc::now);
        if when < info.not_before {
            return Err(SignError::CertificateNotYetValid);
        }
        if when > info.not_after {
            return Err(SignError::CertificateExpired);
        }
        let chain = if roots.is_empty() {
            ChainStatus::NotChecked
        } else {
            chain_to_root(cert, &certs, &roots)?;
            ChainStatus::Trusted
        };
        let known: Vec<Certificate> = roots.iter().chain(certs.iter()).cloned().collect();
        check_revocation(cert, &known, &crls)?;
        reports.push(SignerReport {
            algorithm: info.algorithm.display_name(),
            certificate: info,
            signing_time: at,
            chain,
        });
    }
    if reports.is_empty() {
        return Err(SignError::MalformedSignature("no signers".into()));
    }
    Ok(reports)
}
