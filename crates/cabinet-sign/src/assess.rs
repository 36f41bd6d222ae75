//! What a signature is worth, signer by signer: the one judgement the
//! window, the CLI and the portal give.
//!
//! [`crate::verify`] answers "does it verify" with the first failure as an
//! error; this module answers what 63-ФЗ asks of a qualified signature, and
//! keeps every part of the answer:
//!
//! - **intact**: the content's digest and the signature over the signed
//!   attributes (the math);
//! - **trust**: the chain from the signer's certificate ends at a CA
//!   certificate of the trust list whose accreditation was in force at the
//!   moment judged (`qualified`), or at a certificate the user trusts on
//!   purpose (`trusted_by_you`), or nowhere known (`untrusted`); with no
//!   list and no own roots it was `not_checked`;
//! - **the certificate** at the moment judged and now: its validity period
//!   and its revocation (the newest CRL its issuer signed; a CRL counts for
//!   a moment when it was issued after it or was still current then);
//! - **time**: the signer's own signingTime is only `claimed`, so the moment
//!   judged is *now*; a timestamp would make it `proven`.
//!
//! The verdict is `valid` only when all of it holds; a signature that is
//! intact but whose trust or revocation cannot be established is
//! `indeterminate`, never «верна».

use chrono::{DateTime, Utc};
use cms::signed_data::{SignedData, SignerInfo};
use x509_cert::der::asn1::OctetString;
use x509_cert::der::{Decode, Encode};
use x509_cert::Certificate;

use cabinet_api::ErrorCode;

use crate::tsl::{Authority, TrustList};
use crate::verify::{self as v};
use crate::{CertificateInfo, DigestAlgorithm, SignError};

/// How far the signer's certificate is trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustLevel {
    /// Issued by a CA accredited at the moment judged.
    Qualified,
    /// Chains to a certificate the user trusts on purpose.
    TrustedByYou,
    Untrusted,
    /// Neither a trust list nor own roots were given.
    NotChecked,
}

/// A certificate's state at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertState {
    /// In its validity period and not revoked, by revocation data current
    /// for that moment.
    Valid,
    Expired,
    NotYetValid,
    Revoked,
    /// In its validity period, but no current revocation data says whether
    /// it was revoked.
    Unknown,
}

/// Where revocation data came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationSource {
    /// A CRL its issuer signed.
    Crl,
    /// An OCSP response by the issuer or its delegated responder.
    Ocsp,
}

/// The revocation data a state rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub source: RevocationSource,
    /// Who signed it: the CRL's issuer or the OCSP responder (common name).
    pub issuer: String,
    pub this_update: DateTime<Utc>,
    pub next_update: Option<DateTime<Utc>>,
    /// When the certificate was revoked, if the CRL lists it.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// When the signature was made, as far as anyone can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigningTime {
    /// A trusted timestamp proves the signature existed at `at`.
    Proven { at: DateTime<Utc>, tsa: String },
    /// Only the signer says so (or says nothing).
    Claimed(Option<DateTime<Utc>>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    /// Intact but not established: untrusted, no revocation data, or an
    /// expired certificate without a proven signing time.
    Indeterminate,
    /// Changed, broken, or by a certificate revoked or out of its period at
    /// the moment judged.
    Invalid,
}

/// The CAdES form a signer is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Bes,
    /// With a signature time stamp.
    T,
    /// With references to its validation data (CAdES-C).
    C,
    /// With the validation data itself (CAdES-X Long).
    XLong,
    /// And a time stamp over the references (CAdES-X Long Type 1).
    XLongType1,
}

/// The accredited CA a chain ended at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorityRef {
    pub name: String,
    pub short_name: String,
    pub inn: String,
    pub ogrn: String,
    pub registry_number: String,
    /// When its accreditation ended, if it has by now.
    pub accreditation_ended: Option<DateTime<Utc>>,
}

impl AuthorityRef {
    fn of(a: &Authority, now: DateTime<Utc>) -> Self {
        AuthorityRef {
            name: a.name.clone(),
            short_name: a.short_name.clone(),
            inn: a.inn.clone(),
            ogrn: a.ogrn.clone(),
            registry_number: a.registry_number.clone(),
            accreditation_ended: a.accreditation_ended(now),
        }
    }
}

/// One signer, judged.
#[derive(Debug, Clone)]
pub struct SignerCheck {
    pub certificate: CertificateInfo,
    pub algorithm: String,
    pub level: Level,
    pub intact: bool,
    pub trust: TrustLevel,
    /// The accredited CA, when the chain ended at one of the list.
    pub authority: Option<AuthorityRef>,
    /// The certificates above the signer's, up to the one trusted.
    pub chain: Vec<CertificateInfo>,
    /// The moment judged: the proven signing time, else the check's time.
    pub judged_at: DateTime<Utc>,
    pub certificate_at_signing: CertState,
    pub certificate_now: CertState,
    pub revocation: Option<Revocation>,
    pub time: SigningTime,
    pub verdict: Verdict,
    /// Why the verdict is not `valid`, most serious first.
    pub problems: Vec<ErrorCode>,
}

/// What a judgement may rely on.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    pub tsl: Option<&'a TrustList>,
    /// Certificates the user trusts on purpose.
    pub own_roots: &'a [CertificateInfo],
    /// CRLs (DER or PEM); one that does not parse is `crl.malformed`.
    pub crls: &'a [Vec<u8>],
    /// More certificates to build chains from (intermediates).
    pub certificates: &'a [CertificateInfo],
    /// OCSP responses (OCSPResponse or BasicOCSPResponse, DER).
    pub ocsp: &'a [Vec<u8>],
    pub now: DateTime<Utc>,
}

/// Judges every signer of a detached signature over `content` (or of an
/// attached one, which must hold exactly `content`). Errors only for what
/// is not a signature at all; every finding about a signer is in its
/// [`SignerCheck`].
pub fn assess_detached(
    signature: &[u8],
    content: impl std::io::Read,
    evidence: &Evidence<'_>,
) -> Result<Vec<SignerCheck>, SignError> {
    let der = v::decode_signature(signature)?;
    let sd = v::parse_signed_data(&der)?;
    match v::embedded_content(&sd)? {
        Some(embedded) => {
            v::same_content(content, &embedded)?;
            assess_parsed(&sd, &embedded[..], evidence)
        }
        None => assess_parsed(&sd, content, evidence),
    }
}

/// Judges an attached signature and returns the content it holds.
pub fn assess_attached(
    signature: &[u8],
    evidence: &Evidence<'_>,
) -> Result<(Vec<SignerCheck>, Vec<u8>), SignError> {
    let der = v::decode_signature(signature)?;
    let sd = v::parse_signed_data(&der)?;
    let content = v::embedded_content(&sd)?.ok_or(SignError::DetachedWithoutContent)?;
    let checks = assess_parsed(&sd, &content[..], evidence)?;
    Ok((checks, content))
}

use v::ParsedCrl as Crl;

fn time_of(t: &x509_cert::time::Time) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(t.to_unix_duration().as_secs() as i64, 0).unwrap_or_default()
}

/// A trust anchor: where it came from.
#[derive(Clone, Copy)]
enum Anchor<'a> {
    Listed(&'a Authority),
    Own,
}

fn anchors_of<'a>(evidence: &Evidence<'a>) -> Vec<(Certificate, Anchor<'a>)> {
    let mut anchors: Vec<(Certificate, Anchor<'a>)> = Vec::new();
    if let Some(tsl) = evidence.tsl {
        for (authority, cert) in tsl.certificates() {
            if let Ok(c) = Certificate::from_der(&cert.der) {
                anchors.push((c, Anchor::Listed(authority)));
            }
        }
    }
    for own in evidence.own_roots {
        if let Ok(c) = Certificate::from_der(&own.der) {
            anchors.push((c, Anchor::Own));
        }
    }
    anchors
}

/// The certificates chains are built from: the signature's and the
/// evidence's.
fn pool_of(sd: &SignedData, evidence: &Evidence<'_>) -> Vec<Certificate> {
    let mut pool = v::certificates(sd);
    pool.extend(
        evidence
            .certificates
            .iter()
            .filter_map(|c| Certificate::from_der(&c.der).ok()),
    );
    pool
}

/// What CAdES-X Long needs of each signer, from `evidence`: the chain up
/// to its anchor (`sig.untrusted` when there is none) and, for each
/// certificate below a CA of it, the newest CRL that CA signed — and OCSP
/// responses about the signer's certificate. A signer's certificate with
/// neither CRL nor OCSP response is `revocation.unknown`: long-term data
/// without revocation data proves nothing.
pub fn validation_data(
    signature: &[u8],
    evidence: &Evidence<'_>,
) -> Result<Vec<crate::long_term::ValidationData>, SignError> {
    let der = v::decode_signature(signature)?;
    let sd = v::parse_signed_data(&der)?;
    let crls = evidence
        .crls
        .iter()
        .map(|c| v::parse_crl(c))
        .collect::<Result<Vec<_>, _>>()?;
    let anchors = anchors_of(evidence);
    let pool = pool_of(&sd, evidence);
    let in_signature = v::certificates(&sd);
    let der_of = |c: &Certificate| {
        c.to_der()
            .map_err(|e| SignError::MalformedSignature(e.to_string()))
    };
    let mut out = Vec::new();
    for si in sd.signer_infos.0.iter() {
        let cert =
            v::signer_certificate(si, &in_signature).ok_or(SignError::SignerCertificateMissing)?;
        let (chain, anchor) = chain_to_anchor(cert, &pool, &anchors);
        if anchor.is_none() {
            return Err(SignError::UntrustedChain);
        }
        let mut data = crate::long_term::ValidationData::default();
        let mut below = cert;
        for ca in &chain {
            let newest = crls
                .iter()
                .filter(|c| c.list.tbs_cert_list.issuer == ca.tbs_certificate.subject)
                .filter(|c| crl_revocation(below, ca, &[*c]).is_some())
                .max_by_key(|c| time_of(&c.list.tbs_cert_list.this_update));
            data.crls.push(
                newest
                    .map(|c| c.list.to_der())
                    .transpose()
                    .map_err(|e| SignError::MalformedCrl(e.to_string()))?,
            );
            data.chain.push(der_of(ca)?);
            below = ca;
        }
        if let Some(issuer) = chain.first() {
            for r in evidence.ocsp {
                if crate::ocsp::status_of(r, cert, issuer).is_some() {
                    if let Some(basic) = crate::ocsp::basic_response(r) {
                        data.ocsp.push(der_of_basic(&basic)?);
                    }
                }
            }
        }
        if data.crls.first().is_none_or(|c| c.is_none()) && data.ocsp.is_empty() {
            return Err(SignError::RevocationUnknown);
        }
        out.push(data);
    }
    Ok(out)
}

fn der_of_basic(b: &x509_ocsp::BasicOcspResponse) -> Result<Vec<u8>, SignError> {
    b.to_der()
        .map_err(|e| SignError::MalformedSignature(e.to_string()))
}

fn assess_parsed(
    sd: &SignedData,
    content: impl std::io::Read,
    evidence: &Evidence<'_>,
) -> Result<Vec<SignerCheck>, SignError> {
    let crls = evidence
        .crls
        .iter()
        .map(|c| v::parse_crl(c))
        .collect::<Result<Vec<_>, _>>()?;
    let algorithms = v::signer_digest_algorithms(sd)?;
    let digests = crate::digest::digest_stream_all(&algorithms, content)?;
    let in_signature = v::certificates(sd);
    let anchors = anchors_of(evidence);
    let pool = pool_of(sd, evidence);
    let mut out = Vec::new();
    for si in sd.signer_infos.0.iter() {
        let algorithm = DigestAlgorithm::from_oid(&si.digest_alg.oid)
            .ok_or_else(|| SignError::UnsupportedAlgorithm(si.digest_alg.oid.to_string()))?;
        let digest = &digests[algorithms
            .iter()
            .position(|a| *a == algorithm)
            .expect("listed")];
        let cert =
            v::signer_certificate(si, &in_signature).ok_or(SignError::SignerCertificateMissing)?;
        let der = cert
            .to_der()
            .map_err(|e| SignError::MalformedSignature(e.to_string()))?;
        let info = CertificateInfo::parse(&der)?;
        out.push(assess_signer(
            sd, si, cert, info, digest, algorithm, &pool, &anchors, &crls, evidence,
        )?);
    }
    if out.is_empty() {
        return Err(SignError::MalformedSignature("no signers".into()));
    }
    Ok(out)
}

/// `None` when intact, else why not.
fn integrity(
    sd: &SignedData,
    si: &SignerInfo,
    cert: &Certificate,
    digest: &[u8],
    algorithm: DigestAlgorithm,
) -> Result<Option<ErrorCode>, SignError> {
    let md = v::attribute_value(si, &v::ID_MESSAGE_DIGEST)
        .and_then(|a| a.decode_as::<OctetString>().ok())
        .ok_or_else(|| SignError::MalformedSignature("no messageDigest attribute".into()))?;
    if md.as_bytes() != digest {
        return Ok(Some(ErrorCode::SigContentChanged));
    }
    v::check_content_type(sd, si)?;
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let key_digest = crate::gost::key_size_of(&spki.algorithm.oid).map(DigestAlgorithm::streebog);
    if key_digest.is_some_and(|d| d != algorithm) {
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
    if !v::verify_raw(
        spki,
        &si.signature_algorithm.oid,
        &signed_attrs,
        si.signature.as_bytes(),
    )? {
        return Ok(Some(ErrorCode::SigBroken));
    }
    Ok(None)
}

/// Whether `issuer` signed `cert`.
fn signed_by(cert: &Certificate, issuer: &Certificate) -> bool {
    if cert.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return false;
    }
    let Ok(tbs) = cert.tbs_certificate.to_der() else {
        return false;
    };
    v::verify_raw(
        &issuer.tbs_certificate.subject_public_key_info,
        &cert.signature_algorithm.oid,
        &tbs,
        cert.signature.as_bytes().unwrap_or_default(),
    )
    .unwrap_or(false)
}

/// The chain above `cert` (its issuer first) and the anchor it ends at:
/// each link's signature checked, at most eight links.
fn chain_to_anchor<'a>(
    cert: &Certificate,
    pool: &[Certificate],
    anchors: &'a [(Certificate, Anchor<'a>)],
) -> (Vec<Certificate>, Option<&'a (Certificate, Anchor<'a>)>) {
    let mut chain = Vec::new();
    let mut current = cert.clone();
    for _ in 0..8 {
        if let Some(a) = anchors.iter().find(|(a, _)| *a == current) {
            return (chain, Some(a));
        }
        if let Some(a) = anchors.iter().find(|(a, _)| signed_by(&current, a)) {
            chain.push(a.0.clone());
            return (chain, Some(a));
        }
        match pool.iter().find(|c| signed_by(&current, c)) {
            Some(issuer) if issuer.tbs_certificate.subject != current.tbs_certificate.subject => {
                chain.push(issuer.clone());
                current = issuer.clone();
            }
            _ => break,
        }
    }
    (chain, None)
}

/// The newest revocation data about `cert`: from CRLs `issuer` signed
/// and OCSP responses by it or its delegated responder.
fn revocation_of(
    cert: &Certificate,
    issuer: &Certificate,
    crls: &[&Crl],
    ocsp: &[&[u8]],
) -> Option<Revocation> {
    let by_ocsp = ocsp
        .iter()
        .filter_map(|r| crate::ocsp::status_of(r, cert, issuer))
        .map(|s| Revocation {
            source: RevocationSource::Ocsp,
            issuer: s.responder,
            this_update: s.this_update,
            next_update: s.next_update,
            revoked_at: s.revoked_at,
        });
    crl_revocation(cert, issuer, crls)
        .into_iter()
        .chain(by_ocsp)
        .max_by_key(|r| (r.revoked_at.is_some(), r.this_update))
}

/// The newest CRL signed by `issuer` about `cert`.
fn crl_revocation(cert: &Certificate, issuer: &Certificate, crls: &[&Crl]) -> Option<Revocation> {
    crls.iter()
        .filter(|c| c.list.tbs_cert_list.issuer == issuer.tbs_certificate.subject)
        .filter(|c| {
            v::verify_raw(
                &issuer.tbs_certificate.subject_public_key_info,
                &c.list.signature_algorithm.oid,
                &c.tbs,
                c.list.signature.as_bytes().unwrap_or_default(),
            )
            .unwrap_or(false)
        })
        .max_by_key(|c| time_of(&c.list.tbs_cert_list.this_update))
        .map(|c| {
            let tbs = &c.list.tbs_cert_list;
            Revocation {
                source: RevocationSource::Crl,
                issuer: CertificateInfo::parse(&issuer.to_der().unwrap_or_default())
                    .ok()
                    .and_then(|i| i.subject_common_name)
                    .unwrap_or_default(),
                this_update: time_of(&tbs.this_update),
                next_update: tbs.next_update.as_ref().map(time_of),
                revoked_at: tbs
                    .revoked_certificates
                    .iter()
                    .flatten()
                    .find(|r| r.serial_number == cert.tbs_certificate.serial_number)
                    .map(|r| time_of(&r.revocation_date)),
            }
        })
}

/// The certificate's state at `at`, by its period and `revocation`.
pub fn state_at(
    cert: &CertificateInfo,
    revocation: Option<&Revocation>,
    at: DateTime<Utc>,
) -> CertState {
    if at < cert.not_before {
        return CertState::NotYetValid;
    }
    if at > cert.not_after {
        return CertState::Expired;
    }
    let Some(r) = revocation else {
        return CertState::Unknown;
    };
    if r.revoked_at.is_some_and(|when| when <= at) {
        return CertState::Revoked;
    }
    // The list speaks for `at` when it was issued after it, or was still
    // the current one then.
    if r.this_update >= at || r.next_update.is_some_and(|n| n >= at) {
        CertState::Valid
    } else {
        CertState::Unknown
    }
}

/// The time a time stamp proves: a token over `over` (a signature
/// value, or the X1 data of CAdES-X Type 1), by a TSA whose certificate chains to an anchor (a CA
/// of the list accredited then, or one the user trusts) and was in its
/// period at the stamp's time.
fn proven_time(
    token: &[u8],
    over: &[u8],
    pool: &[Certificate],
    anchors: &[(Certificate, Anchor<'_>)],
) -> Result<SigningTime, ErrorCode> {
    let ts = crate::tsp::read_token(token).map_err(|e| e.code())?;
    if ts.imprint != ts.algorithm.digest(over) {
        return Err(ErrorCode::TspMismatch);
    }
    let at = ts.gen_time;
    if at < ts.tsa.not_before || at > ts.tsa.not_after {
        return Err(ErrorCode::TspUntrusted);
    }
    let tsa = Certificate::from_der(&ts.tsa.der).map_err(|_| ErrorCode::TspMalformed)?;
    let mut pool = pool.to_vec();
    pool.extend(
        ts.certificates
            .iter()
            .filter_map(|c| Certificate::from_der(&c.der).ok()),
    );
    let (chain, anchor) = chain_to_anchor(&tsa, &pool, anchors);
    let in_period = chain.iter().all(|c| {
        time_of(&c.tbs_certificate.validity.not_before) <= at
            && at <= time_of(&c.tbs_certificate.validity.not_after)
    });
    let trusted = match anchor {
        Some((_, Anchor::Listed(a))) => a.accredited_at(at),
        Some((_, Anchor::Own)) => true,
        None => false,
    };
    if !trusted || !in_period {
        return Err(ErrorCode::TspUntrusted);
    }
    Ok(SigningTime::Proven {
        at,
        tsa: ts.tsa.subject_common_name.clone().unwrap_or_default(),
    })
}

#[allow(clippy::too_many_arguments)]
fn assess_signer(
    sd: &SignedData,
    si: &SignerInfo,
    cert: &Certificate,
    info: CertificateInfo,
    digest: &[u8],
    algorithm: DigestAlgorithm,
    pool: &[Certificate],
    anchors: &[(Certificate, Anchor<'_>)],
    crls: &[Crl],
    evidence: &Evidence<'_>,
) -> Result<SignerCheck, SignError> {
    let now = evidence.now;
    let broken = integrity(sd, si, cert, digest, algorithm)?;
    let mut problems = Vec::new();
    problems.extend(broken);

    // What the signer carries for the long term (CAdES-X Long Type 1):
    // its chain's certificates and revocation data join the evidence.
    let mut long_term_problems = Vec::new();
    let long_term = crate::long_term::read(si, cert).unwrap_or_else(|_| {
        long_term_problems.push(ErrorCode::SigLongTermBroken);
        Default::default()
    });
    if long_term.unreferenced_values > 0 {
        long_term_problems.push(ErrorCode::SigLongTermBroken);
    }
    let mut own_pool = pool.to_vec();
    own_pool.extend(
        long_term
            .certificates
            .iter()
            .filter_map(|c| Certificate::from_der(c).ok()),
    );
    let pool = &own_pool[..];
    let own_crls: Vec<Crl> = long_term
        .crls
        .iter()
        .filter_map(|c| v::parse_crl(c).ok())
        .collect();
    let crls: Vec<&Crl> = crls.iter().chain(own_crls.iter()).collect();
    let ocsp: Vec<&[u8]> = evidence
        .ocsp
        .iter()
        .chain(long_term.ocsp.iter())
        .map(|r| r.as_slice())
        .collect();
    if let Some(token) = &long_term.esc_token {
        if let Err(code) = proven_time(token, &long_term.x1_data, pool, anchors) {
            long_term_problems.push(code);
        }
    }

    let signature_token = crate::tsp::signature_token(si);
    let level = if long_term.esc_token.is_some() && !long_term.certificates.is_empty() {
        Level::XLongType1
    } else if !long_term.crls.is_empty() || !long_term.ocsp.is_empty() {
        Level::XLong
    } else if long_term.has_references {
        Level::C
    } else if signature_token.is_some() {
        Level::T
    } else {
        Level::Bes
    };
    let time = match signature_token {
        None => SigningTime::Claimed(v::signing_time(si)),
        Some(token) => match proven_time(&token, si.signature.as_bytes(), pool, anchors) {
            Ok(proven) => proven,
            Err(code) => {
                // A time stamp that proves nothing leaves the signer's word.
                problems.push(code);
                SigningTime::Claimed(v::signing_time(si))
            }
        },
    };
    let judged_at = match &time {
        SigningTime::Proven { at, .. } => *at,
        SigningTime::Claimed(_) => now,
    };

    // Trust: the chain, each link in its period at the moment judged.
    let (chain, anchor) = chain_to_anchor(cert, pool, anchors);
    let chain_info: Vec<CertificateInfo> = chain
        .iter()
        .filter_map(|c| {
            c.to_der()
                .ok()
                .and_then(|d| CertificateInfo::parse(&d).ok())
        })
        .collect();
    let links_in_period = chain_info
        .iter()
        .all(|c| c.not_before <= judged_at && judged_at <= c.not_after);
    let mut authority = None;
    let trust = if evidence.tsl.is_none() && evidence.own_roots.is_empty() {
        problems.push(ErrorCode::TrustNotChecked);
        TrustLevel::NotChecked
    } else {
        match anchor {
            None => {
                problems.push(ErrorCode::SigUntrusted);
                TrustLevel::Untrusted
            }
            Some(_) if !links_in_period => {
                problems.push(ErrorCode::TrustChainExpired);
                TrustLevel::Untrusted
            }
            Some((anchor_cert, _)) => {
                // The same certificate may be on the list and trusted on
                // purpose; the list is asked first.
                let listed = anchors
                    .iter()
                    .filter(|(c, _)| c == anchor_cert)
                    .find_map(|(_, a)| match a {
                        Anchor::Listed(authority) => Some(*authority),
                        Anchor::Own => None,
                    });
                let own = anchors
                    .iter()
                    .any(|(c, a)| c == anchor_cert && matches!(a, Anchor::Own));
                authority = listed.map(|a| AuthorityRef::of(a, now));
                match listed {
                    Some(a) if a.accredited_at(judged_at) => TrustLevel::Qualified,
                    _ if own => TrustLevel::TrustedByYou,
                    Some(_) => {
                        problems.push(ErrorCode::TrustNotAccredited);
                        TrustLevel::Untrusted
                    }
                    None => TrustLevel::TrustedByYou,
                }
            }
        }
    };

    // Revocation: by a CRL the issuer signed.
    let issuer = chain.first().or_else(|| {
        anchor
            .map(|(c, _)| c)
            .filter(|c| c.tbs_certificate.subject != cert.tbs_certificate.subject)
    });
    let revocation = issuer.and_then(|i| revocation_of(cert, i, &crls, &ocsp));
    // A certificate trusted itself (an anchor: no issuer above it to
    // revoke it) needs only to be in its period.
    let is_anchor = chain.is_empty() && anchor.is_some_and(|(a, _)| a == cert);
    let state = |at| match state_at(&info, revocation.as_ref(), at) {
        CertState::Unknown if is_anchor => CertState::Valid,
        s => s,
    };
    let at_signing = state(judged_at);
    let certificate_now = state(now);
    let proven = matches!(time, SigningTime::Proven { .. });
    let state_problem = match at_signing {
        CertState::Valid => None,
        CertState::Expired if proven => Some(ErrorCode::SigCertExpired),
        CertState::Expired => Some(ErrorCode::SigCertExpiredNoProof),
        CertState::NotYetValid => Some(ErrorCode::SigCertNotYetValid),
        CertState::Revoked => Some(ErrorCode::SigRevoked),
        CertState::Unknown if revocation.is_some() => Some(ErrorCode::RevocationStale),
        CertState::Unknown => Some(ErrorCode::RevocationUnknown),
    };
    problems.extend(state_problem);

    let verdict = if broken.is_some()
        || matches!(at_signing, CertState::Revoked | CertState::NotYetValid)
        || (proven && at_signing == CertState::Expired)
    {
        Verdict::Invalid
    } else if matches!(trust, TrustLevel::Qualified | TrustLevel::TrustedByYou)
        && at_signing == CertState::Valid
    {
        Verdict::Valid
    } else {
        Verdict::Indeterminate
    };
    // Long-term data that was changed after it was stamped, or a stamp
    // over it that proves nothing: the form's promise does not hold.
    let verdict = match verdict {
        Verdict::Valid if !long_term_problems.is_empty() => Verdict::Indeterminate,
        v => v,
    };
    problems.extend(long_term_problems);
    Ok(SignerCheck {
        level,
        algorithm: info.algorithm.display_name(),
        certificate: info,
        intact: broken.is_none(),
        trust,
        authority,
        chain: chain_info,
        judged_at,
        certificate_at_signing: at_signing,
        certificate_now,
        revocation,
        time,
        verdict,
        problems,
    })
}
