//! X.509 certificates as the cabinet shows them: who (name, organization,
//! ИНН, ОГРН, СНИЛС), until when, for what, with which algorithm.
//!
//! Russian qualified certificates carry their identifiers as subject
//! attributes. OpenSSL 3 writes ОГРН, СНИЛС and ИНН as NumericString but ИНН ЮЛ
//! (unknown to it) as UTF8String; other tools use PrintableString. Any string
//! type is accepted.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Decode, Tag, Tagged};
use x509_cert::name::Name;
use x509_cert::Certificate;

use crate::{oid, SignError};

/// Days before `not_after` from which the UI warns about expiry.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// Public-key algorithm of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Algorithm {
    Rsa { bits: usize },
    Ecdsa { curve: String },
    Gost2012_256,
    Gost2012_512,
    Other(String),
}

impl Algorithm {
    /// Human-readable name (the same in Russian and English UIs).
    pub fn display_name(&self) -> String {
        match self {
            Algorithm::Rsa { bits } => format!("RSA {bits}"),
            Algorithm::Ecdsa { curve } => format!("ECDSA {curve}"),
            Algorithm::Gost2012_256 => "ГОСТ Р 34.10-2012 (256)".into(),
            Algorithm::Gost2012_512 => "ГОСТ Р 34.10-2012 (512)".into(),
            Algorithm::Other(oid) => oid.clone(),
        }
    }
}

/// Key-usage bits the cabinet cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUsage {
    DigitalSignature,
    NonRepudiation,
    KeyEncipherment,
    KeyAgreement,
    CertSign,
    CrlSign,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryStatus {
    NotYetValid,
    Valid,
    /// Valid, but ends within [`EXPIRY_WARNING_DAYS`].
    ExpiresSoon {
        days_left: i64,
    },
    Expired,
}

/// What the cabinet reads from a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    pub subject_common_name: Option<String>,
    pub surname: Option<String>,
    pub given_name: Option<String>,
    pub title: Option<String>,
    pub organization: Option<String>,
    pub email: Option<String>,
    /// ИНН: 12 digits for a person; 10 in older certificates of legal entities.
    pub inn: Option<String>,
    /// ИНН ЮЛ (10 digits).
    pub inn_le: Option<String>,
    pub ogrn: Option<String>,
    pub ogrnip: Option<String>,
    pub snils: Option<String>,
    pub issuer_common_name: Option<String>,
    pub issuer_organization: Option<String>,
    /// Upper-case hex.
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// `None` when the certificate has no key-usage extension.
    pub key_usage: Option<Vec<KeyUsage>>,
    /// The OCSP responders its Authority Information Access names.
    pub ocsp_urls: Vec<String>,
    /// Where its issuer's certificate is published (AIA caIssuers).
    pub ca_issuers_urls: Vec<String>,
    /// Where the CRLs about it are published (CRL Distribution Points).
    pub crl_urls: Vec<String>,
    pub algorithm: Algorithm,
    /// SHA-256 of the DER encoding, upper-case hex.
    pub sha256: String,
    pub der: Vec<u8>,
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The value of a directory string of any ASN.1 string type.
fn string_value(value: &x509_cert::der::Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::NumericString
        | Tag::Ia5String
        | Tag::VisibleString
        | Tag::TeletexString => String::from_utf8(bytes.to_vec()).ok(),
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

fn attribute(name: &Name, oid: &str) -> Option<String> {
    let wanted = ObjectIdentifier::new(oid).ok()?;
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == wanted)
        .and_then(|atv| string_value(&atv.value))
        .map(|s| s.trim().to_owned())
}

fn time(t: &x509_cert::time::Time) -> DateTime<Utc> {
    let d = t.to_unix_duration();
    DateTime::<Utc>::from_timestamp(d.as_secs() as i64, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn algorithm(cert: &Certificate) -> Algorithm {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let id = spki.algorithm.oid.to_string();
    match id.as_str() {
        oid::RSA => {
            // The modulus is the first INTEGER of RSAPublicKey; its length
            // without the sign byte is the key size.
            let bits = spki
                .subject_public_key
                .as_bytes()
                .and_then(|k| x509_cert::der::asn1::SequenceOf::<x509_cert::der::asn1::UintRef<'_>, 2>::from_der(k).ok())
                .and_then(|seq| seq.get(0).map(|m| m.as_bytes().len() * 8))
                .unwrap_or(0);
            Algorithm::Rsa { bits }
        }
        oid::EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                .map(|c| match c.to_string().as_str() {
                    "1.2.840.10045.3.1.7" => "P-256".to_owned(),
                    "1.3.132.0.34" => "P-384".to_owned(),
                    "1.3.132.0.35" => "P-521".to_owned(),
                    other => other.to_owned(),
                })
                .unwrap_or_else(|| "?".into());
            Algorithm::Ecdsa { curve }
        }
        oid::GOST_2012_256 => Algorithm::Gost2012_256,
        oid::GOST_2012_512 => Algorithm::Gost2012_512,
        _ => Algorithm::Other(id),
    }
}

const ID_AD_OCSP: &str = "1.3.6.1.5.5.7.48.1";
const ID_AD_CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";

fn extension_values<'a>(cert: &'a Certificate, oid: &'a str) -> impl Iterator<Item = &'a [u8]> {
    cert.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter(move |e| e.extn_id.to_string() == oid)
        .map(|e| e.extn_value.as_bytes())
}

fn uri(name: x509_cert::ext::pkix::name::GeneralName) -> Option<String> {
    match name {
        x509_cert::ext::pkix::name::GeneralName::UniformResourceIdentifier(u) => {
            Some(u.to_string())
        }
        _ => None,
    }
}

/// The URIs of one access method of the Authority Information Access
/// extension; an extension that does not parse names none.
fn aia_urls(cert: &Certificate, method: &str) -> Vec<String> {
    extension_values(cert, "1.3.6.1.5.5.7.1.1")
        .filter_map(|v| x509_cert::ext::pkix::AuthorityInfoAccessSyntax::from_der(v).ok())
        .flat_map(|aia| aia.0.into_iter())
        .filter(|d| d.access_method.to_string() == method)
        .filter_map(|d| uri(d.access_location))
        .collect()
}

/// The full-name URIs of the CRL Distribution Points extension.
fn crl_urls(cert: &Certificate) -> Vec<String> {
    use x509_cert::ext::pkix::name::DistributionPointName;
    extension_values(cert, "2.5.29.31")
        .filter_map(|v| x509_cert::ext::pkix::CrlDistributionPoints::from_der(v).ok())
        .flat_map(|c| c.0.into_iter())
        .filter_map(|dp| match dp.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(uri)
        .collect()
}

fn key_usage(cert: &Certificate) -> Result<Option<Vec<KeyUsage>>, SignError> {
    let wanted = ObjectIdentifier::new_unwrap(oid::KEY_USAGE);
    let Some(ext) = cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == wanted)
    else {
        return Ok(None);
    };
    let ku = x509_cert::ext::pkix::KeyUsage::from_der(ext.extn_value.as_bytes())
        .map_err(|e| SignError::MalformedCertificate(format!("key usage: {e}")))?;
    let mut out = Vec::new();
    for (on, flag) in [
        (ku.digital_signature(), KeyUsage::DigitalSignature),
        (ku.non_repudiation(), KeyUsage::NonRepudiation),
        (ku.key_encipherment(), KeyUsage::KeyEncipherment),
        (ku.key_agreement(), KeyUsage::KeyAgreement),
        (ku.key_cert_sign(), KeyUsage::CertSign),
        (ku.crl_sign(), KeyUsage::CrlSign),
    ] {
        if on {
            out.push(flag);
        }
    }
    Ok(Some(out))
}

/// The DER inside the first PEM block of `text`.
fn pem_body(text: &[u8]) -> Result<Vec<u8>, SignError> {
    use base64::Engine;
    let text = std::str::from_utf8(text)
        .map_err(|_| SignError::MalformedCertificate("PEM that is not text".into()))?;
    let mut lines = text.lines().map(str::trim);
    lines.next(); // the BEGIN line
    let mut b64 = String::new();
    let mut ended = false;
    for line in lines {
        if line.starts_with("-----END") {
            ended = true;
            break;
        }
        if line.contains(':') {
            continue; // an RFC 1421 header
        }
        b64.push_str(line);
    }
    if !ended {
        return Err(SignError::MalformedCertificate(
            "PEM without its END line".into(),
        ));
    }
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| SignError::MalformedCertificate(format!("PEM base64: {e}")))
}

impl CertificateInfo {
    /// Parses a certificate in DER, or PEM (`-----BEGIN CERTIFICATE-----`).
    pub fn parse(bytes: &[u8]) -> Result<Self, SignError> {
        let trimmed = bytes.trim_ascii_start();
        let cert = if trimmed.starts_with(b"-----BEGIN") {
            // The armour's base64, decoded here: the `der` crate's PEM
            // reader never returned on a truncated length («MIMd», found
            // by the fuzzer).
            let der = pem_body(trimmed)?;
            Certificate::from_der(&der)
                .map_err(|e| SignError::MalformedCertificate(e.to_string()))?
        } else {
            Certificate::from_der(bytes)
                .map_err(|e| SignError::MalformedCertificate(e.to_string()))?
        };
        let der = x509_cert::der::Encode::to_der(&cert)
            .map_err(|e| SignError::MalformedCertificate(e.to_string()))?;
        let tbs = &cert.tbs_certificate;
        let subject = &tbs.subject;
        Ok(Self {
            subject_common_name: attribute(subject, oid::COMMON_NAME),
            surname: attribute(subject, oid::SURNAME),
            given_name: attribute(subject, oid::GIVEN_NAME),
            title: attribute(subject, oid::TITLE),
            organization: attribute(subject, oid::ORGANIZATION),
            email: attribute(subject, oid::EMAIL),
            inn: attribute(subject, oid::INN),
            inn_le: attribute(subject, oid::INN_LE),
            ogrn: attribute(subject, oid::OGRN),
            ogrnip: attribute(subject, oid::OGRNIP),
            snils: attribute(subject, oid::SNILS),
            issuer_common_name: attribute(&tbs.issuer, oid::COMMON_NAME),
            issuer_organization: attribute(&tbs.issuer, oid::ORGANIZATION),
            serial: hex_upper(tbs.serial_number.as_bytes()),
            not_before: time(&tbs.validity.not_before),
            not_after: time(&tbs.validity.not_after),
            key_usage: key_usage(&cert)?,
            ocsp_urls: aia_urls(&cert, ID_AD_OCSP),
            ca_issuers_urls: aia_urls(&cert, ID_AD_CA_ISSUERS),
            crl_urls: crl_urls(&cert),
            algorithm: algorithm(&cert),
            sha256: hex_upper(&Sha256::digest(&der)),
            der,
        })
    }

    /// Where the certificate stands at `now`.
    pub fn expiry_status(&self, now: DateTime<Utc>) -> ExpiryStatus {
        if now < self.not_before {
            ExpiryStatus::NotYetValid
        } else if now > self.not_after {
            ExpiryStatus::Expired
        } else {
            let days_left = (self.not_after - now).num_days();
            if days_left < EXPIRY_WARNING_DAYS {
                ExpiryStatus::ExpiresSoon { days_left }
            } else {
                ExpiryStatus::Valid
            }
        }
    }

    /// Whether the key may make signatures (no extension means no restriction).
    pub fn can_sign(&self) -> bool {
        self.key_usage.as_ref().is_none_or(|ku| {
            ku.contains(&KeyUsage::DigitalSignature) || ku.contains(&KeyUsage::NonRepudiation)
        })
    }
}
