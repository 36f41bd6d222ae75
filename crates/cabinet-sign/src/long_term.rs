//! CAdES-X Long Type 1: a signature that verifies offline, years later.
//!
//! A CAdES-T signature proves *when* it was made; to judge it later one
//! still needs the CA certificates and the revocation data of that time,
//! which the network may no longer give. CAdES-X Long Type 1 (ETSI TS
//! 101 733, RFC 5126 §4.4) carries them in the signer's unsigned
//! attributes:
//!
//! - `complete-certificate-references` (…2.21) and
//!   `complete-revocation-references` (…2.22): hashes of the CA
//!   certificates of the chain and of the CRLs / OCSP responses used —
//!   CAdES-C;
//! - `certificate-values` (…2.23) and `revocation-values` (…2.24): the
//!   certificates and CRLs / OCSP responses themselves — the "Long";
//! - `escTimeStamp` (…2.25): a time stamp over the signature value, the
//!   signature time stamps and the two reference attributes — "Type 1" —
//!   so the references (and through their hashes the values) are proven to
//!   have existed at its time.
//!
//! The escTimeStamp's imprint is the hash of, concatenated: the octets of
//! the SignerInfo's signature value; then, for each signature time stamp
//! attribute and then the certificate and the revocation reference
//! attributes, the attribute's content — its `attrType` and `attrValues`,
//! each DER with its own tag and length, without the header of the
//! attribute's SEQUENCE.
//!
//! Here: writing the attributes ([`add_validation_data`]), the imprints
//! for the TSA ([`esc_imprints`]) and the tokens ([`add_esc_timestamps`]);
//! reading what a signer carries ([`read`]) for [`crate::assess`]. No
//! network: the caller brings the certificates, CRLs and tokens.

use cms::signed_data::SignerInfo;
use x509_cert::attr::Attribute;
use x509_cert::der::asn1::{GeneralizedTime, ObjectIdentifier, OctetString, SetOfVec, UtcTime};
use x509_cert::der::{Any, Decode, Encode, Sequence};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use crate::tsp::ID_AA_SIGNATURE_TIME_STAMP_TOKEN;
use crate::{DigestAlgorithm, SignError};

/// id-aa-ets-certificateRefs.
pub const ID_AA_ETS_CERTIFICATE_REFS: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.21");
/// id-aa-ets-revocationRefs.
pub const ID_AA_ETS_REVOCATION_REFS: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.22");
/// id-aa-ets-certValues.
pub const ID_AA_ETS_CERT_VALUES: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.23");
/// id-aa-ets-revocationValues.
pub const ID_AA_ETS_REVOCATION_VALUES: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.24");
/// id-aa-ets-escTimeStamp (CAdES-X Type 1).
pub const ID_AA_ETS_ESC_TIME_STAMP: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.25");

/// The attributes this module writes; replaced as a whole on upgrade.
const LONG_TERM_ATTRIBUTES: [ObjectIdentifier; 5] = [
    ID_AA_ETS_CERTIFICATE_REFS,
    ID_AA_ETS_REVOCATION_REFS,
    ID_AA_ETS_CERT_VALUES,
    ID_AA_ETS_REVOCATION_VALUES,
    ID_AA_ETS_ESC_TIME_STAMP,
];

fn malformed(e: impl std::fmt::Display) -> SignError {
    SignError::MalformedSignature(format!("long-term data: {e}"))
}

// ---- ASN.1 (RFC 5126 Annex A, EXPLICIT TAGS) ----

/// OtherHashAlgAndValue.
#[derive(Clone, Debug, Sequence)]
struct OtherHashAlgAndValue {
    hash_algorithm: AlgorithmIdentifierOwned,
    hash_value: OctetString,
}

/// IssuerSerial (RFC 5755).
#[derive(Clone, Debug, Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial: SerialNumber,
}

/// OtherCertID; `other_cert_hash` is OtherHash, a CHOICE of a bare SHA-1
/// OCTET STRING or an OtherHashAlgAndValue.
#[derive(Clone, Debug, Sequence)]
struct OtherCertId {
    other_cert_hash: Any,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

#[derive(Clone, Debug, Sequence)]
struct CrlIdentifier {
    crl_issuer: Name,
    crl_issued_time: UtcTime,
    #[asn1(optional = "true")]
    crl_number: Option<x509_cert::der::asn1::Int>,
}

#[derive(Clone, Debug, Sequence)]
struct CrlValidatedId {
    crl_hash: Any,
    #[asn1(optional = "true")]
    crl_identifier: Option<CrlIdentifier>,
}

#[derive(Clone, Debug, Sequence)]
struct CrlListId {
    crls: Vec<CrlValidatedId>,
}

#[derive(Clone, Debug, Sequence)]
struct OcspIdentifier {
    /// ResponderID: byName [1] Name | byKey [2] KeyHash, explicit.
    ocsp_responder_id: Any,
    produced_at: GeneralizedTime,
}

#[derive(Clone, Debug, Sequence)]
struct OcspResponsesId {
    ocsp_identifier: OcspIdentifier,
    #[asn1(optional = "true")]
    ocsp_rep_hash: Option<Any>,
}

#[derive(Clone, Debug, Sequence)]
struct OcspListId {
    ocsp_responses: Vec<OcspResponsesId>,
}

/// CrlOcspRef: one per certificate of the chain, signer first.
#[derive(Clone, Debug, Default, Sequence)]
struct CrlOcspRef {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    crlids: Option<CrlListId>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    ocspids: Option<OcspListId>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    other_rev: Option<Any>,
}

/// RevocationValues; CRLs and BasicOCSPResponses kept as their DER.
#[derive(Clone, Debug, Default, Sequence)]
struct RevocationValues {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    crl_vals: Option<Vec<Any>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    ocsp_vals: Option<Vec<Any>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    other_rev_vals: Option<Any>,
}

// ---- hashes ----

fn other_hash(algorithm: DigestAlgorithm, bytes: &[u8]) -> Result<Any, SignError> {
    let value = OtherHashAlgAndValue {
        hash_algorithm: algorithm.identifier(),
        hash_value: OctetString::new(algorithm.digest(bytes)).map_err(malformed)?,
    };
    Any::encode_from(&value).map_err(malformed)
}

/// Whether an OtherHash (either form) is the hash of `bytes`.
fn hash_matches(hash: &Any, bytes: &[u8]) -> bool {
    if let Ok(h) = hash.decode_as::<OtherHashAlgAndValue>() {
        return DigestAlgorithm::from_oid(&h.hash_algorithm.oid)
            .is_some_and(|a| a.digest(bytes) == h.hash_value.as_bytes());
    }
    if let Ok(h) = hash.decode_as::<OctetString>() {
        use sha1::Digest;
        return sha1::Sha1::digest(bytes).as_slice() == h.as_bytes();
    }
    false
}

// ---- what a signer carries ----

/// The validation data of one signer, as given to [`add_validation_data`].
#[derive(Debug, Clone, Default)]
pub struct ValidationData {
    /// The CA certificates of the signer's chain, its issuer first (DER).
    pub chain: Vec<Vec<u8>>,
    /// The CRLs: `crls[i]` speaks about the certificate below `chain[i]`
    /// (the signer's for `i = 0`), issued by `chain[i]`; DER.
    pub crls: Vec<Option<Vec<u8>>>,
    /// BasicOCSPResponses (DER), about the signer's certificate.
    pub ocsp: Vec<Vec<u8>>,
}

/// What a signer's long-term attributes hold, read back.
#[derive(Debug, Clone, Default)]
pub struct LongTermData {
    /// From certificate-values.
    pub certificates: Vec<Vec<u8>>,
    /// From revocation-values: CRLs and BasicOCSPResponses, DER.
    pub crls: Vec<Vec<u8>>,
    pub ocsp: Vec<Vec<u8>>,
    /// The escTimeStamp token, and the data its imprint must be over.
    pub esc_token: Option<Vec<u8>>,
    pub x1_data: Vec<u8>,
    /// Whether the signer has the references (CAdES-C) at all.
    pub has_references: bool,
    /// A value not referenced by hash in the references: the values were
    /// changed after the references were made.
    pub unreferenced_values: usize,
}

impl LongTermData {
    /// Whether the signer carries any long-term attribute.
    pub fn is_empty(&self) -> bool {
        !self.has_references
            && self.certificates.is_empty()
            && self.crls.is_empty()
            && self.ocsp.is_empty()
            && self.esc_token.is_none()
    }
}

fn attributes<'a>(
    si: &'a SignerInfo,
    oid: &'a ObjectIdentifier,
) -> impl Iterator<Item = &'a Attribute> {
    si.unsigned_attrs
        .iter()
        .flat_map(|a| a.iter())
        .filter(move |a| a.oid == *oid)
}

fn first_value<T: for<'a> x509_cert::der::DecodeValue<'a> + x509_cert::der::FixedTag>(
    si: &SignerInfo,
    oid: &ObjectIdentifier,
) -> Option<Result<T, SignError>> {
    let a = attributes(si, oid).next()?;
    let v = a.values.iter().next()?;
    Some(v.decode_as::<T>().map_err(malformed))
}

/// The data an escTimeStamp's imprint is over (see the module's doc).
pub fn x1_data(si: &SignerInfo) -> Result<Vec<u8>, SignError> {
    let mut data = si.signature.as_bytes().to_vec();
    for oid in [
        ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
        ID_AA_ETS_CERTIFICATE_REFS,
        ID_AA_ETS_REVOCATION_REFS,
    ] {
        for a in attributes(si, &oid) {
            data.extend(a.oid.to_der().map_err(malformed)?);
            data.extend(a.values.to_der().map_err(malformed)?);
        }
    }
    Ok(data)
}

/// What `si` (whose certificate is `signer`) carries of CAdES-C / X Long
/// / X Type 1. Errors only for an attribute that is not what its type
/// says. The signer's own certificate may be among the values without a
/// reference (references name the CA certificates only).
pub fn read(si: &SignerInfo, signer: &Certificate) -> Result<LongTermData, SignError> {
    let mut out = LongTermData::default();
    let cert_refs: Vec<OtherCertId> = first_value(si, &ID_AA_ETS_CERTIFICATE_REFS)
        .transpose()?
        .unwrap_or_default();
    let rev_refs: Option<Vec<CrlOcspRef>> =
        first_value(si, &ID_AA_ETS_REVOCATION_REFS).transpose()?;
    out.has_references =
        rev_refs.is_some() || attributes(si, &ID_AA_ETS_CERTIFICATE_REFS).next().is_some();
    let rev_refs = rev_refs.unwrap_or_default();
    if let Some(values) = first_value::<Vec<Certificate>>(si, &ID_AA_ETS_CERT_VALUES).transpose()? {
        for c in values {
            let der = c.to_der().map_err(malformed)?;
            if !cert_refs
                .iter()
                .any(|r| hash_matches(&r.other_cert_hash, &der))
                && c != *signer
            {
                out.unreferenced_values += 1;
            }
            out.certificates.push(der);
        }
    }
    if let Some(values) =
        first_value::<RevocationValues>(si, &ID_AA_ETS_REVOCATION_VALUES).transpose()?
    {
        for crl in values.crl_vals.unwrap_or_default() {
            let der = crl.to_der().map_err(malformed)?;
            let referenced = rev_refs
                .iter()
                .flat_map(|r| r.crlids.iter())
                .any(|ids| ids.crls.iter().any(|id| hash_matches(&id.crl_hash, &der)));
            if !referenced {
                out.unreferenced_values += 1;
            }
            out.crls.push(der);
        }
        for response in values.ocsp_vals.unwrap_or_default() {
            let der = response.to_der().map_err(malformed)?;
            // By its hash, or (the hash is optional) by its responder and
            // the time it was produced.
            let identity = x509_ocsp::BasicOcspResponse::from_der(&der)
                .ok()
                .and_then(|b| {
                    let id = Any::encode_from(&b.tbs_response_data.responder_id).ok()?;
                    Some((id, b.tbs_response_data.produced_at.0))
                });
            let referenced = rev_refs.iter().flat_map(|r| r.ocspids.iter()).any(|ids| {
                ids.ocsp_responses.iter().any(|id| match &id.ocsp_rep_hash {
                    Some(h) => hash_matches(h, &der),
                    None => identity.as_ref().is_some_and(|(responder, produced)| {
                        *responder == id.ocsp_identifier.ocsp_responder_id
                            && *produced == id.ocsp_identifier.produced_at
                    }),
                })
            });
            if !referenced {
                out.unreferenced_values += 1;
            }
            out.ocsp.push(der);
        }
    }
    out.esc_token = attributes(si, &ID_AA_ETS_ESC_TIME_STAMP)
        .next()
        .and_then(|a| a.values.iter().next())
        .map(|v| v.to_der().map_err(malformed))
        .transpose()?;
    if out.esc_token.is_some() {
        out.x1_data = x1_data(si)?;
    }
    Ok(out)
}

// ---- writing ----

fn attribute(oid: ObjectIdentifier, value: &impl Encode) -> Result<Attribute, SignError> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![
            Any::from_der(&value.to_der().map_err(malformed)?).map_err(malformed)?
        ])
        .map_err(malformed)?,
    })
}

fn crl_ref(algorithm: DigestAlgorithm, der: &[u8]) -> Result<CrlValidatedId, SignError> {
    let list = x509_cert::crl::CertificateList::from_der(der).map_err(malformed)?;
    let issued = list.tbs_cert_list.this_update.to_unix_duration();
    Ok(CrlValidatedId {
        crl_hash: other_hash(algorithm, der)?,
        crl_identifier: Some(CrlIdentifier {
            crl_issuer: list.tbs_cert_list.issuer.clone(),
            crl_issued_time: UtcTime::from_unix_duration(issued).map_err(malformed)?,
            crl_number: None,
        }),
    })
}

fn ocsp_ref(algorithm: DigestAlgorithm, der: &[u8]) -> Result<OcspResponsesId, SignError> {
    let basic = x509_ocsp::BasicOcspResponse::from_der(der).map_err(malformed)?;
    let data = &basic.tbs_response_data;
    Ok(OcspResponsesId {
        ocsp_identifier: OcspIdentifier {
            ocsp_responder_id: Any::encode_from(&data.responder_id).map_err(malformed)?,
            produced_at: data.produced_at.0,
        },
        ocsp_rep_hash: Some(other_hash(algorithm, der)?),
    })
}

/// The signature with each signer's validation data (`data[i]` for the
/// i-th signer): CAdES-C references and X Long values, hashed with the
/// signer's own digest. Earlier long-term attributes, and an escTimeStamp
/// they would no longer match, are replaced. The signer must already
/// carry a signature time stamp (CAdES-T): the references are only worth
/// something at a proven time.
pub fn add_validation_data(
    signature: &[u8],
    data: &[ValidationData],
) -> Result<Vec<u8>, SignError> {
    let mut sd = crate::cades::parse_signature(signature)?;
    let mut signers = sd.signer_infos.0.into_vec();
    if signers.len() != data.len() {
        return Err(malformed("one set of validation data per signer"));
    }
    for (si, data) in signers.iter_mut().zip(data) {
        if crate::tsp::signature_token(si).is_none() {
            return Err(malformed(
                "CAdES-X Long Type 1 needs a signature time stamp first",
            ));
        }
        let algorithm = DigestAlgorithm::from_oid(&si.digest_alg.oid)
            .ok_or_else(|| SignError::UnsupportedAlgorithm(si.digest_alg.oid.to_string()))?;
        let mut cert_refs = Vec::new();
        let mut certificates = Vec::new();
        for der in &data.chain {
            let c = Certificate::from_der(der).map_err(malformed)?;
            cert_refs.push(OtherCertId {
                other_cert_hash: other_hash(algorithm, der)?,
                issuer_serial: Some(IssuerSerial {
                    issuer: vec![GeneralName::DirectoryName(c.tbs_certificate.issuer.clone())],
                    serial: c.tbs_certificate.serial_number.clone(),
                }),
            });
            certificates.push(c);
        }
        // One CrlOcspRef per certificate below a CA of the chain: the
        // signer's, then each CA's but the last (the anchor has none).
        let mut rev_refs = Vec::new();
        let mut crl_values = Vec::new();
        for (i, crl) in data.crls.iter().enumerate() {
            let mut r = CrlOcspRef::default();
            if let Some(der) = crl {
                r.crlids = Some(CrlListId {
                    crls: vec![crl_ref(algorithm, der)?],
                });
                crl_values.push(Any::from_der(der).map_err(malformed)?);
            }
            if i == 0 && !data.ocsp.is_empty() {
                r.ocspids = Some(OcspListId {
                    ocsp_responses: data
                        .ocsp
                        .iter()
                        .map(|d| ocsp_ref(algorithm, d))
                        .collect::<Result<_, _>>()?,
                });
            }
            rev_refs.push(r);
        }
        if data.crls.is_empty() && !data.ocsp.is_empty() {
            rev_refs.push(CrlOcspRef {
                ocspids: Some(OcspListId {
                    ocsp_responses: data
                        .ocsp
                        .iter()
                        .map(|d| ocsp_ref(algorithm, d))
                        .collect::<Result<_, _>>()?,
                }),
                ..CrlOcspRef::default()
            });
        }
        let ocsp_values = data
            .ocsp
            .iter()
            .map(|d| Any::from_der(d).map_err(malformed))
            .collect::<Result<Vec<_>, _>>()?;
        let values = RevocationValues {
            crl_vals: (!crl_values.is_empty()).then_some(crl_values),
            ocsp_vals: (!ocsp_values.is_empty()).then_some(ocsp_values),
            other_rev_vals: None,
        };
        crate::cades::replace_unsigned(
            si,
            &LONG_TERM_ATTRIBUTES,
            vec![
                attribute(ID_AA_ETS_CERTIFICATE_REFS, &cert_refs)?,
                attribute(ID_AA_ETS_REVOCATION_REFS, &rev_refs)?,
                attribute(ID_AA_ETS_CERT_VALUES, &certificates)?,
                attribute(ID_AA_ETS_REVOCATION_VALUES, &values)?,
            ],
        )?;
    }
    sd.signer_infos =
        cms::signed_data::SignerInfos(SetOfVec::try_from(signers).map_err(malformed)?);
    crate::cades::encode(&sd)
}

/// For each signer: its digest algorithm and the hash of its X1 data —
/// what its escTimeStamp is requested over.
pub fn esc_imprints(signature: &[u8]) -> Result<Vec<(DigestAlgorithm, Vec<u8>)>, SignError> {
    crate::cades::parse_signature(signature)?
        .signer_infos
        .0
        .iter()
        .map(|si| {
            if attributes(si, &ID_AA_ETS_REVOCATION_REFS).next().is_none() {
                return Err(malformed("no references to time-stamp"));
            }
            let algorithm = DigestAlgorithm::from_oid(&si.digest_alg.oid)
                .ok_or_else(|| SignError::UnsupportedAlgorithm(si.digest_alg.oid.to_string()))?;
            Ok((algorithm, algorithm.digest(&x1_data(si)?)))
        })
        .collect()
}

/// The signature with `tokens[i]` as the escTimeStamp of the i-th signer;
/// each token must be over that signer's X1 data (`tsp.mismatch`).
pub fn add_esc_timestamps(signature: &[u8], tokens: &[Vec<u8>]) -> Result<Vec<u8>, SignError> {
    let mut sd = crate::cades::parse_signature(signature)?;
    let mut signers = sd.signer_infos.0.into_vec();
    if signers.len() != tokens.len() {
        return Err(SignError::TimestampMismatch);
    }
    for (si, token) in signers.iter_mut().zip(tokens) {
        let ts = crate::tsp::read_token(token)?;
        if ts.imprint != ts.algorithm.digest(&x1_data(si)?) {
            return Err(SignError::TimestampMismatch);
        }
        let value = Any::from_der(&ts.token).map_err(malformed)?;
        crate::cades::replace_unsigned(
            si,
            &[ID_AA_ETS_ESC_TIME_STAMP],
            vec![Attribute {
                oid: ID_AA_ETS_ESC_TIME_STAMP,
                values: SetOfVec::try_from(vec![value]).map_err(malformed)?,
            }],
        )?;
    }
    sd.signer_infos =
        cms::signed_data::SignerInfos(SetOfVec::try_from(signers).map_err(malformed)?);
    crate::cades::encode(&sd)
}
