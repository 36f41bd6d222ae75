//! An OCSP responder (RFC 6960) for a CA whose key is not at hand: a
//! delegated responder certificate (OCSPSigning) signs the answers. It
//! answers each CertID of a request — hashed with SHA-1, SHA-256 or
//! Streebog, as the asker chose — `good` for a serial of its CA, `revoked`
//! with the time for one the CA revoked, `unknown` for any other CA's; it
//! echoes the request's nonce. What is not a request gets
//! `malformedRequest`, never an error. The reference portal runs it for
//! its demo CA; `openssl ocsp` is the oracle in tests.

use chrono::{DateTime, Utc};
use x509_cert::der::asn1::{BitString, GeneralizedTime, OctetString};
use x509_cert::der::{Decode, Encode};
use x509_cert::Certificate;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse,
    OcspResponseStatus, Request, ResponderId, ResponseData, RevokedInfo, SingleResponse,
    TbsRequest, Version,
};

use crate::{CertificateInfo, DigestAlgorithm, SignError, SigningKey};

const SHA1: &str = "1.3.14.3.2.26";
const ID_PKIX_OCSP_NONCE: &str = "1.3.6.1.5.5.7.48.1.2";

fn failed(e: impl std::fmt::Display) -> SignError {
    SignError::SigningFailed(format!("OCSP: {e}"))
}

fn sha1(bytes: &[u8]) -> Vec<u8> {
    use sha1::Digest;
    sha1::Sha1::digest(bytes).to_vec()
}

/// The hash a CertID names, of `bytes`; `None` for an algorithm we do not
/// answer for.
fn hash(oid: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    if oid == SHA1 {
        return Some(sha1(bytes));
    }
    let oid = x509_cert::der::asn1::ObjectIdentifier::new(oid).ok()?;
    DigestAlgorithm::from_oid(&oid).map(|a| a.digest(bytes))
}

fn time(t: DateTime<Utc>) -> Result<OcspGeneralizedTime, SignError> {
    let secs = u64::try_from(t.timestamp()).map_err(failed)?;
    Ok(OcspGeneralizedTime(
        GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs))
            .map_err(failed)?,
    ))
}

fn malformed() -> Result<Vec<u8>, SignError> {
    OcspResponse::malformed_request().to_der().map_err(failed)
}

/// The answer to `request` about certificates of `ca`, signed by the
/// delegated `responder`; `revoked` lists the CA's revoked serials (hex,
/// as [`CertificateInfo::serial`] gives them) with their times; the
/// answers are current from `now` until `next_update`.
pub fn respond(
    request: &[u8],
    ca: &CertificateInfo,
    responder: &dyn SigningKey,
    revoked: &[(String, DateTime<Utc>)],
    now: DateTime<Utc>,
    next_update: DateTime<Utc>,
) -> Result<Vec<u8>, SignError> {
    let Ok(req) = OcspRequest::from_der(request) else {
        return malformed();
    };
    let ca_cert = Certificate::from_der(&ca.der).map_err(failed)?;
    let name = ca_cert.tbs_certificate.subject.to_der().map_err(failed)?;
    let key = ca_cert
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes()
        .to_vec();
    let mut responses = Vec::new();
    for one in &req.tbs_request.request_list {
        let id: &CertId = &one.req_cert;
        let alg = id.hash_algorithm.oid.to_string();
        let ours = hash(&alg, &name).is_some_and(|h| h == id.issuer_name_hash.as_bytes())
            && hash(&alg, &key).is_some_and(|h| h == id.issuer_key_hash.as_bytes());
        let serial: String = id
            .serial_number
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        let status = match (ours, revoked.iter().find(|(s, _)| *s == serial)) {
            (false, _) => CertStatus::unknown(),
            (true, Some((_, at))) => CertStatus::revoked(RevokedInfo {
                revocation_time: time(*at)?,
                revocation_reason: None,
            }),
            (true, None) => CertStatus::good(),
        };
        responses.push(SingleResponse {
            cert_id: id.clone(),
            cert_status: status,
            this_update: time(now)?,
            next_update: Some(time(next_update)?),
            single_extensions: None,
        });
    }
    let nonce = req
        .tbs_request
        .request_extensions
        .as_ref()
        .and_then(|exts| {
            exts.iter()
                .find(|e| e.extn_id.to_string() == ID_PKIX_OCSP_NONCE)
                .cloned()
        });
    let responder_cert = Certificate::from_der(&responder.certificate().der).map_err(failed)?;
    let responder_key = responder_cert
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    let data = ResponseData {
        version: Version::V1,
        responder_id: ResponderId::ByKey(OctetString::new(sha1(responder_key)).map_err(failed)?),
        produced_at: time(now)?,
        responses,
        response_extensions: nonce.map(|n| vec![n]),
    };
    let tbs = data.to_der().map_err(failed)?;
    let algorithm = crate::key::signature_algorithm(
        &responder.certificate().algorithm,
        crate::key::SignatureUse::X509,
    )?;
    let signature = responder.sign_message(&tbs)?;
    let basic = BasicOcspResponse {
        tbs_response_data: data,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature).map_err(failed)?,
        certs: Some(vec![responder_cert]),
    };
    OcspResponse::successful(basic)
        .map_err(failed)?
        .to_der()
        .map_err(failed)
}

/// What an OCSP response says about one certificate, its signature
/// checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The responder's common name.
    pub responder: String,
    pub produced_at: DateTime<Utc>,
    pub this_update: DateTime<Utc>,
    pub next_update: Option<DateTime<Utc>>,
    /// `Some` when the certificate is revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The BasicOCSPResponse of an OCSPResponse, or the bytes themselves when
/// they already are one.
pub fn basic_response(der: &[u8]) -> Option<BasicOcspResponse> {
    if let Ok(basic) = BasicOcspResponse::from_der(der) {
        return Some(basic);
    }
    let resp = OcspResponse::from_der(der).ok()?;
    let bytes = resp.response_bytes?;
    BasicOcspResponse::from_der(bytes.response.as_bytes()).ok()
}

fn when(t: &OcspGeneralizedTime) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(t.0.to_unix_duration().as_secs() as i64, 0).unwrap_or_default()
}

/// Whether `responder` may answer for `issuer`'s certificates: the issuer
/// itself, or a certificate it issued for OCSPSigning.
fn may_answer(responder: &Certificate, issuer: &Certificate) -> bool {
    if responder == issuer {
        return true;
    }
    let delegated = responder
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter(|e| e.extn_id.to_string() == "2.5.29.37")
        .any(|e| {
            x509_cert::ext::pkix::ExtendedKeyUsage::from_der(e.extn_value.as_bytes())
                .is_ok_and(|eku| eku.0.iter().any(|o| o.to_string() == "1.3.6.1.5.5.7.3.9"))
        });
    delegated
        && responder.tbs_certificate.issuer == issuer.tbs_certificate.subject
        && responder
            .tbs_certificate
            .to_der()
            .ok()
            .and_then(|tbs| {
                crate::verify::verify_raw(
                    &issuer.tbs_certificate.subject_public_key_info,
                    &responder.signature_algorithm.oid,
                    &tbs,
                    responder.signature.as_bytes().unwrap_or_default(),
                )
                .ok()
            })
            .unwrap_or(false)
}

/// What `response` (an OCSPResponse or a BasicOCSPResponse) says about
/// `cert`, issued by `issuer`: `None` when it does not speak about it,
/// says `unknown`, or is not signed by the issuer or its delegated
/// responder. The responder's own period is the caller's to weigh.
pub fn status_of(response: &[u8], cert: &Certificate, issuer: &Certificate) -> Option<Status> {
    let basic = basic_response(response)?;
    let data = &basic.tbs_response_data;
    let mut candidates: Vec<Certificate> = basic.certs.clone().unwrap_or_default();
    candidates.push(issuer.clone());
    let responder = candidates.into_iter().find(|c| {
        let matches_id = match &data.responder_id {
            ResponderId::ByName(name) => *name == c.tbs_certificate.subject,
            ResponderId::ByKey(hash) => {
                sha1(
                    c.tbs_certificate
                        .subject_public_key_info
                        .subject_public_key
                        .raw_bytes(),
                ) == hash.as_bytes()
            }
        };
        matches_id && may_answer(c, issuer)
    })?;
    let tbs = data.to_der().ok()?;
    let signed = crate::verify::verify_raw(
        &responder.tbs_certificate.subject_public_key_info,
        &basic.signature_algorithm.oid,
        &tbs,
        basic.signature.as_bytes()?,
    )
    .unwrap_or(false);
    if !signed {
        return None;
    }
    let name = issuer.tbs_certificate.subject.to_der().ok()?;
    let key = issuer
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    let single = data.responses.iter().find(|r| {
        let id = &r.cert_id;
        let alg = id.hash_algorithm.oid.to_string();
        id.serial_number == cert.tbs_certificate.serial_number
            && hash(&alg, &name).is_some_and(|h| h == id.issuer_name_hash.as_bytes())
            && hash(&alg, key).is_some_and(|h| h == id.issuer_key_hash.as_bytes())
    })?;
    let revoked_at = match &single.cert_status {
        CertStatus::Good(_) => None,
        CertStatus::Revoked(info) => Some(when(&info.revocation_time)),
        CertStatus::Unknown(_) => return None,
    };
    let responder_der = responder.to_der().ok()?;
    Some(Status {
        responder: CertificateInfo::parse(&responder_der)
            .ok()
            .and_then(|c| c.subject_common_name)
            .unwrap_or_default(),
        produced_at: when(&data.produced_at),
        this_update: when(&single.this_update),
        next_update: single.next_update.as_ref().map(when),
        revoked_at,
    })
}

/// The largest OCSP reply read.
pub const MAX_REPLY: usize = 256 * 1024;

/// The client's side: a request about `cert` (issued by `issuer`), its
/// CertID hashed with the issuer's digest (Streebog for a GOST CA,
/// SHA-256 otherwise), with a fresh 16-byte nonce; and the nonce.
pub fn request_for(
    cert: &CertificateInfo,
    issuer: &CertificateInfo,
) -> Result<(Vec<u8>, Vec<u8>), SignError> {
    let c = Certificate::from_der(&cert.der).map_err(failed)?;
    let i = Certificate::from_der(&issuer.der).map_err(failed)?;
    let algorithm = DigestAlgorithm::of(&issuer.algorithm);
    let name = i.tbs_certificate.subject.to_der().map_err(failed)?;
    let key = i
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    let mut nonce = vec![0u8; 16];
    getrandom::getrandom(&mut nonce).map_err(failed)?;
    let nonce_value = OctetString::new(nonce.clone())
        .map_err(failed)?
        .to_der()
        .map_err(failed)?;
    let req = OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list: vec![Request {
                req_cert: CertId {
                    hash_algorithm: algorithm.identifier(),
                    issuer_name_hash: OctetString::new(algorithm.digest(&name)).map_err(failed)?,
                    issuer_key_hash: OctetString::new(algorithm.digest(key)).map_err(failed)?,
                    serial_number: c.tbs_certificate.serial_number.clone(),
                },
                single_request_extensions: None,
            }],
            request_extensions: Some(vec![x509_cert::ext::Extension {
                extn_id: x509_cert::der::asn1::ObjectIdentifier::new_unwrap(ID_PKIX_OCSP_NONCE),
                critical: false,
                extn_value: OctetString::new(nonce_value).map_err(failed)?,
            }]),
        },
        optional_signature: None,
    };
    Ok((req.to_der().map_err(failed)?, nonce))
}

/// How far from now an answer without our nonce may have been made to
/// count (responders that serve pre-produced answers send none).
pub const FRESH_WITHOUT_NONCE_SECS: i64 = 10 * 60;

/// The client's side: what a responder's `reply` to our request says
/// about `cert` — successful, signed by the issuer or its delegated
/// responder, our `nonce` echoed (`revocation.unknown` otherwise). An
/// answer with no nonce at all counts only when made within
/// [`FRESH_WITHOUT_NONCE_SECS`] of `now`: an old one could be replayed.
pub fn status_from_reply(
    reply: &[u8],
    cert: &CertificateInfo,
    issuer: &CertificateInfo,
    nonce: &[u8],
    now: DateTime<Utc>,
) -> Result<Status, SignError> {
    if reply.len() > MAX_REPLY {
        return Err(SignError::RevocationUnknown);
    }
    let resp = OcspResponse::from_der(reply).map_err(|_| SignError::RevocationUnknown)?;
    if resp.response_status != OcspResponseStatus::Successful {
        return Err(SignError::RevocationUnknown);
    }
    let basic = basic_response(reply).ok_or(SignError::RevocationUnknown)?;
    let echoed = basic
        .tbs_response_data
        .response_extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id.to_string() == ID_PKIX_OCSP_NONCE)
        .map(|e| {
            OctetString::from_der(e.extn_value.as_bytes()).is_ok_and(|n| n.as_bytes() == nonce)
        });
    let fresh = |t: DateTime<Utc>| (t - now).num_seconds().abs() <= FRESH_WITHOUT_NONCE_SECS;
    match echoed {
        Some(true) => {}
        Some(false) => return Err(SignError::RevocationUnknown),
        None if fresh(when(&basic.tbs_response_data.produced_at)) => {}
        None => return Err(SignError::RevocationUnknown),
    }
    let c = Certificate::from_der(&cert.der).map_err(failed)?;
    let i = Certificate::from_der(&issuer.der).map_err(failed)?;
    status_of(reply, &c, &i).ok_or(SignError::RevocationUnknown)
}
