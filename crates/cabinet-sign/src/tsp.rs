//! Time stamps (RFC 3161) and CAdES-T.
//!
//! A signature's own signingTime is only what the signer says. A time
//! stamp is a TSA's signature over the hash of the signature value, with
//! the TSA's time (`genTime`): the signature existed then. CAdES-T puts
//! that token in the signer's unsigned attribute
//! `id-aa-signatureTimeStampToken`; the imprint is the signer's own digest
//! (Streebog for a GOST key, SHA-256 otherwise) of the SignerInfo's
//! signature value.
//!
//! Here: the client's request and the check of the reply ([`request`],
//! [`token_from_reply`]); reading a token ([`read_token`]: the TSA's
//! signature checked as any CMS, the TSA certificate's timeStamping key
//! purpose, the TSTInfo); the TSA's side ([`reply`], what the reference
//! portal runs); and adding tokens to a signature ([`imprints`],
//! [`add_signature_timestamps`]). No network: the caller carries the
//! bytes.

use chrono::{DateTime, Utc};
use cmpv2::status::{PkiFailureInfoValues as Fail, PkiStatus, PkiStatusInfo};
use cms::content_info::ContentInfo;
use x509_cert::attr::Attribute;
use x509_cert::der::asn1::{GeneralizedTime, Int, ObjectIdentifier, OctetString, SetOfVec};
use x509_cert::der::{Any, Decode, Encode};
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

use crate::{CertificateInfo, DigestAlgorithm, SignError, SigningKey};

/// id-ct-TSTInfo: what a token's SignedData holds.
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-aa-signatureTimeStampToken (CAdES-T).
pub const ID_AA_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
/// id-kp-timeStamping.
const ID_KP_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
/// The demo TSA's policy (an arc of no one's: a demo).
pub const DEMO_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.643.2.2.38.4.1");

/// The largest request or reply read.
pub const MAX_MESSAGE: usize = 1 << 20;

fn malformed(e: impl std::fmt::Display) -> SignError {
    SignError::MalformedTimestamp(e.to_string())
}

fn imprint_of(algorithm: DigestAlgorithm, digest: &[u8]) -> Result<MessageImprint, SignError> {
    let id = algorithm.identifier();
    Ok(MessageImprint {
        hash_algorithm: x509_cert::spki::AlgorithmIdentifier {
            oid: id.oid,
            parameters: id.parameters,
        },
        hashed_message: OctetString::new(digest.to_vec()).map_err(malformed)?,
    })
}

/// A request for a time stamp over `digest` (made with `algorithm`), with
/// a fresh 64-bit nonce, asking for the TSA's certificate; and the nonce.
pub fn request(algorithm: DigestAlgorithm, digest: &[u8]) -> Result<(Vec<u8>, Vec<u8>), SignError> {
    let mut nonce = [0u8; 8];
    getrandom::getrandom(&mut nonce).map_err(|e| SignError::SigningFailed(e.to_string()))?;
    nonce[0] = (nonce[0] & 0x7f) | 0x01;
    let req = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: imprint_of(algorithm, digest)?,
        req_policy: None,
        nonce: Some(positive_int(&nonce)?),
        cert_req: true,
        extensions: None,
    };
    Ok((req.to_der().map_err(malformed)?, nonce.to_vec()))
}

/// What a token says, its TSA's signature checked.
#[derive(Debug, Clone)]
pub struct Timestamp {
    pub gen_time: DateTime<Utc>,
    pub algorithm: DigestAlgorithm,
    pub imprint: Vec<u8>,
    pub nonce: Option<Vec<u8>>,
    pub serial: Vec<u8>,
    pub policy: String,
    /// The TSA's certificate (with the timeStamping key purpose).
    pub tsa: CertificateInfo,
    /// The other certificates the token carries (its chain).
    pub certificates: Vec<CertificateInfo>,
    /// The token (a ContentInfo), DER.
    pub token: Vec<u8>,
}

fn has_time_stamping_purpose(cert: &CertificateInfo) -> bool {
    let Ok(c) = x509_cert::Certificate::from_der(&cert.der) else {
        return false;
    };
    c.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter(|e| e.extn_id.to_string() == "2.5.29.37")
        .any(|e| {
            x509_cert::ext::pkix::ExtendedKeyUsage::from_der(e.extn_value.as_bytes())
                .is_ok_and(|eku| eku.0.iter().any(|o| o.to_string() == ID_KP_TIME_STAMPING))
        })
}

/// Reads a time-stamp token: its signature checked against the TSTInfo it
/// holds (`tsp.malformed` when it is not a token, `sig.*` when its
/// signature fails), the TSA certificate's key purpose (`tsp.not_tsa`).
/// Trust in the TSA is the caller's to judge.
pub fn read_token(token: &[u8]) -> Result<Timestamp, SignError> {
    let der = crate::verify::decode_signature(token)?;
    let sd = crate::verify::parse_signed_data(&der)?;
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(malformed("the token does not hold a TSTInfo"));
    }
    let attached = crate::verify::verify_attached(&der, &crate::verify::Trust::default())?;
    let [signer] = &attached.signers[..] else {
        return Err(malformed("a token has exactly one signer"));
    };
    if !has_time_stamping_purpose(&signer.certificate) {
        return Err(SignError::NotTimestampAuthority);
    }
    let info = TstInfo::from_der(&attached.content).map_err(malformed)?;
    let algorithm = DigestAlgorithm::from_oid(&info.message_imprint.hash_algorithm.oid)
        .ok_or_else(|| {
            SignError::UnsupportedAlgorithm(info.message_imprint.hash_algorithm.oid.to_string())
        })?;
    let gen_time =
        DateTime::<Utc>::from_timestamp(info.gen_time.to_unix_duration().as_secs() as i64, 0)
            .ok_or_else(|| malformed("genTime"))?;
    let certificates = crate::verify::certificates(&sd)
        .iter()
        .filter_map(|c| c.to_der().ok())
        .filter_map(|d| CertificateInfo::parse(&d).ok())
        .filter(|c| c.der != signer.certificate.der)
        .collect();
    Ok(Timestamp {
        gen_time,
        algorithm,
        imprint: info.message_imprint.hashed_message.as_bytes().to_vec(),
        nonce: info.nonce.map(|n| n.as_bytes().to_vec()),
        serial: info.serial_number.as_bytes().to_vec(),
        policy: info.policy.to_string(),
        tsa: signer.certificate.clone(),
        certificates,
        token: der,
    })
}

/// The token of a TSA's reply to our request: granted, for `digest`, with
/// our `nonce` (`tsp.refused`, `tsp.mismatch` otherwise).
pub fn token_from_reply(
    reply: &[u8],
    algorithm: DigestAlgorithm,
    digest: &[u8],
    nonce: &[u8],
) -> Result<Timestamp, SignError> {
    if reply.len() > MAX_MESSAGE {
        return Err(malformed("the reply is too large"));
    }
    let resp = TimeStampResp::from_der(reply).map_err(malformed)?;
    if !matches!(
        resp.status.status,
        PkiStatus::Accepted | PkiStatus::GrantedWithMods
    ) {
        return Err(SignError::TimestampRefused(format!(
            "{:?}",
            resp.status.status
        )));
    }
    let token = resp
        .time_stamp_token
        .ok_or_else(|| malformed("granted without a token"))?
        .to_der()
        .map_err(malformed)?;
    let ts = read_token(&token)?;
    // Leading zeros of an INTEGER are not part of its value.
    let trim = |b: &[u8]| {
        b.iter()
            .skip_while(|x| **x == 0)
            .copied()
            .collect::<Vec<_>>()
    };
    if ts.algorithm != algorithm
        || ts.imprint != digest
        || ts.nonce.as_deref().map(trim) != Some(trim(nonce))
    {
        return Err(SignError::TimestampMismatch);
    }
    Ok(ts)
}

/// A positive INTEGER of big-endian `bytes`, encoded minimally.
fn positive_int(bytes: &[u8]) -> Result<Int, SignError> {
    let mut v: Vec<u8> = bytes.iter().skip_while(|b| **b == 0).copied().collect();
    if v.first().is_none_or(|b| b & 0x80 != 0) {
        v.insert(0, 0);
    }
    Int::new(&v).map_err(malformed)
}

fn rejection(fail: Fail) -> Result<Vec<u8>, SignError> {
    TimeStampResp {
        status: PkiStatusInfo {
            status: PkiStatus::Rejection,
            status_string: None,
            fail_info: Some(fail.into()),
        },
        time_stamp_token: None,
    }
    .to_der()
    .map_err(malformed)
}

/// The TSA's side: the reply to `request`, a token signed by `key` with
/// `at` as its time and `serial` as its number. A request the TSA cannot
/// serve gets a rejection (badRequest, badAlg), not an error.
pub fn reply(
    request: &[u8],
    key: &dyn SigningKey,
    serial: u64,
    at: DateTime<Utc>,
) -> Result<Vec<u8>, SignError> {
    let Ok(req) = TimeStampReq::from_der(request) else {
        return rejection(Fail::BadRequest);
    };
    let Some(algorithm) = DigestAlgorithm::from_oid(&req.message_imprint.hash_algorithm.oid) else {
        return rejection(Fail::BadAlg);
    };
    if req.message_imprint.hashed_message.as_bytes().len() != algorithm.output_len() {
        return rejection(Fail::BadDataFormat);
    }
    let secs = u64::try_from(at.timestamp()).map_err(malformed)?;
    let info = TstInfo {
        version: TspVersion::V1,
        policy: req.req_policy.unwrap_or(DEMO_POLICY),
        message_imprint: req.message_imprint,
        serial_number: positive_int(&serial.to_be_bytes())?,
        gen_time: GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs))
            .map_err(malformed)?,
        accuracy: None,
        ordering: false,
        nonce: req.nonce,
        tsa: None,
        extensions: None,
    };
    let tst = info.to_der().map_err(malformed)?;
    let token = crate::cades::sign_attached_as(key, ID_CT_TST_INFO, &tst, at)?;
    let token = ContentInfo::from_der(&token).map_err(malformed)?;
    TimeStampResp {
        status: PkiStatusInfo {
            status: PkiStatus::Accepted,
            status_string: None,
            fail_info: None,
        },
        time_stamp_token: Some(token),
    }
    .to_der()
    .map_err(malformed)
}

/// For each signer, in order: the digest algorithm of its key and the
/// hash of its signature value — what a CAdES-T time stamp is over.
pub fn imprints(signature: &[u8]) -> Result<Vec<(DigestAlgorithm, Vec<u8>)>, SignError> {
    Ok(stamp_needs(signature)?
        .into_iter()
        .map(|(a, d, _)| (a, d))
        .collect())
}

/// [`imprints`], and whether each signer already carries a signature time
/// stamp (a co-signature leaves the earlier signers' stamps as they are).
pub fn stamp_needs(signature: &[u8]) -> Result<Vec<(DigestAlgorithm, Vec<u8>, bool)>, SignError> {
    crate::cades::parse_signature(signature)?
        .signer_infos
        .0
        .iter()
        .map(|si| {
            let algorithm = DigestAlgorithm::from_oid(&si.digest_alg.oid)
                .ok_or_else(|| SignError::UnsupportedAlgorithm(si.digest_alg.oid.to_string()))?;
            Ok((
                algorithm,
                algorithm.digest(si.signature.as_bytes()),
                signature_token(si).is_some(),
            ))
        })
        .collect()
}

/// The signature with `tokens[i]` as the signature time stamp of the
/// i-th signer ([`imprints`] order); a token must be over that signer's
/// signature value (`tsp.mismatch`). The signed parts stay byte for byte.
pub fn add_signature_timestamps(
    signature: &[u8],
    tokens: &[Vec<u8>],
) -> Result<Vec<u8>, SignError> {
    let some: Vec<Option<Vec<u8>>> = tokens.iter().cloned().map(Some).collect();
    add_some_signature_timestamps(signature, &some)
}

/// [`add_signature_timestamps`], leaving a signer whose token is `None`
/// as it is.
pub fn add_some_signature_timestamps(
    signature: &[u8],
    tokens: &[Option<Vec<u8>>],
) -> Result<Vec<u8>, SignError> {
    let mut sd = crate::cades::parse_signature(signature)?;
    let mut signers = sd.signer_infos.0.into_vec();
    if signers.len() != tokens.len() {
        return Err(SignError::TimestampMismatch);
    }
    for (si, token) in signers.iter_mut().zip(tokens) {
        let Some(token) = token else { continue };
        let ts = read_token(token)?;
        if ts.imprint != ts.algorithm.digest(si.signature.as_bytes()) {
            return Err(SignError::TimestampMismatch);
        }
        let value = Any::from_der(&ts.token).map_err(malformed)?;
        let attribute = Attribute {
            oid: ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
            values: SetOfVec::try_from(vec![value]).map_err(malformed)?,
        };
        crate::cades::replace_unsigned(si, &[ID_AA_SIGNATURE_TIME_STAMP_TOKEN], vec![attribute])?;
    }
    sd.signer_infos =
        cms::signed_data::SignerInfos(SetOfVec::try_from(signers).map_err(malformed)?);
    crate::cades::encode(&sd)
}

/// The signature time stamp token a SignerInfo carries, if any.
pub(crate) fn signature_token(si: &cms::signed_data::SignerInfo) -> Option<Vec<u8>> {
    si.unsigned_attrs
        .as_ref()?
        .iter()
        .find(|a| a.oid == ID_AA_SIGNATURE_TIME_STAMP_TOKEN)?
        .values
        .iter()
        .next()?
        .to_der()
        .ok()
}
