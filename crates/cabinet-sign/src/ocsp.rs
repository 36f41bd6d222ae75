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
    ResponderId, ResponseData, RevokedInfo, SingleResponse, Version,
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
