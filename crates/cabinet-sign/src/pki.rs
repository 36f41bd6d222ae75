//! A small certification authority: key generation, certificates with the
//! Russian qualified-certificate subject attributes, CRLs and .pfx export.
//!
//! The demo portal issues its demo users' certificates with it, and tests and
//! benchmarks make their keys with it. It is not a production CA: no policy
//! extensions, no OCSP, no persistence of its own.

use chrono::{DateTime, Utc};
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::der::asn1::{BitString, ObjectIdentifier, OctetString, SetOfVec, UtcTime};
use x509_cert::der::{Any, Decode, Encode, Tag};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::gost::{GostPrivateKey, KeySize, ParamSet};
use crate::{oid, CertificateInfo, SignError, SigningKey};

/// The key algorithms the CA can generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa2048,
    EcdsaP256,
    /// GOST R 34.10-2012 with a parameter set (256 or 512 bits).
    Gost(ParamSet),
}

impl KeyKind {
    /// GOST R 34.10-2012 256 on the CryptoPro A curve, the most common in
    /// Russian qualified certificates.
    pub const GOST_256: KeyKind = KeyKind::Gost(ParamSet::CryptoProA);
    /// GOST R 34.10-2012 512 on the TC26 512 A curve.
    pub const GOST_512: KeyKind = KeyKind::Gost(ParamSet::Tc26_512A);

    pub fn algorithm(self) -> crate::Algorithm {
        match self {
            KeyKind::Rsa2048 => crate::Algorithm::Rsa { bits: 2048 },
            KeyKind::EcdsaP256 => crate::Algorithm::Ecdsa {
                curve: "P-256".into(),
            },
            KeyKind::Gost(p) => match p.size() {
                KeySize::Bits256 => crate::Algorithm::Gost2012_256,
                KeySize::Bits512 => crate::Algorithm::Gost2012_512,
            },
        }
    }
}

/// The subject of a certificate. Empty fields are left out.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    pub common_name: String,
    pub surname: Option<String>,
    pub given_name: Option<String>,
    pub title: Option<String>,
    pub organization: Option<String>,
    pub locality: Option<String>,
    pub email: Option<String>,
    /// ИНН of a person (12 digits).
    pub inn: Option<String>,
    /// ИНН of a legal entity (10 digits).
    pub inn_le: Option<String>,
    pub ogrn: Option<String>,
    pub ogrnip: Option<String>,
    pub snils: Option<String>,
}

impl Subject {
    /// A person's subject from «Фамилия Имя Отчество»: the common name,
    /// the surname and the given names («Имя Отчество»), as Russian
    /// qualified certificates carry them.
    pub fn person(full_name: &str) -> Self {
        let full_name = full_name.trim();
        let mut names = full_name.splitn(2, ' ');
        Self {
            common_name: full_name.to_owned(),
            surname: names.next().map(str::to_owned),
            given_name: names.next().map(|g| g.trim().to_owned()),
            ..Self::default()
        }
    }
}

/// A private key in memory with its certificate: a CA, or an issued user
/// identity. The key buffer is zeroized on drop.
pub struct IssuedKey {
    pkcs8: Zeroizing<Vec<u8>>,
    certificate: CertificateInfo,
    chain: Vec<CertificateInfo>,
    /// The OCSP responder the signing certificates this CA issues name
    /// (Authority Information Access).
    ocsp_url: Option<String>,
    /// Where the certificates this CA issues say its CRL is (CRL
    /// Distribution Points) and its own certificate (AIA caIssuers).
    crl_url: Option<String>,
    ca_issuers_url: Option<String>,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey")
            .field("certificate", &self.certificate.subject_common_name)
            .finish_non_exhaustive()
    }
}

impl SigningKey for IssuedKey {
    fn certificate(&self) -> &CertificateInfo {
        &self.certificate
    }

    fn chain(&self) -> &[CertificateInfo] {
        &self.chain
    }

    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        crate::key::sign_with_pkcs8(&self.certificate.algorithm, &self.pkcs8, message)
    }
}

fn failed(what: &str, e: impl std::fmt::Display) -> SignError {
    SignError::SigningFailed(format!("{what}: {e}"))
}

/// A fresh key pair: PKCS#8 DER of the private key, and the public key.
pub fn generate_key(kind: KeyKind) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), SignError> {
    let mut rng = rand_core::OsRng;
    match kind {
        KeyKind::Rsa2048 => {
            use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};
            let key = rsa::RsaPrivateKey::new(&mut rng, 2048).map_err(|e| failed("RSA key", e))?;
            let pkcs8 = key.to_pkcs8_der().map_err(|e| failed("RSA key", e))?;
            let spki = key
                .to_public_key()
                .to_public_key_der()
                .map_err(|e| failed("RSA key", e))?;
            Ok((Zeroizing::new(pkcs8.as_bytes().to_vec()), spki.into_vec()))
        }
        KeyKind::EcdsaP256 => {
            use p256::pkcs8::{EncodePrivateKey, EncodePublicKey};
            let key = p256::SecretKey::random(&mut rng);
            let pkcs8 = key.to_pkcs8_der().map_err(|e| failed("EC key", e))?;
            let spki = key
                .public_key()
                .to_public_key_der()
                .map_err(|e| failed("EC key", e))?;
            Ok((Zeroizing::new(pkcs8.as_bytes().to_vec()), spki.into_vec()))
        }
        KeyKind::Gost(params) => {
            let key = GostPrivateKey::generate(params)?;
            let spki = key
                .public_key()
                .to_spki()
                .to_der()
                .map_err(|e| failed("GOST key", e))?;
            Ok((key.to_pkcs8_der()?, spki))
        }
    }
}

fn string_value(tag: Tag, value: &str) -> Result<Any, SignError> {
    Any::new(tag, value.as_bytes()).map_err(|e| failed("name", e))
}

fn name(subject: &Subject) -> Result<Name, SignError> {
    let cn = ObjectIdentifier::new_unwrap("2.5.4.3");
    let mut parts: Vec<(ObjectIdentifier, Any)> = Vec::new();
    let mut utf8 = |oid: ObjectIdentifier, value: &Option<String>| -> Result<(), SignError> {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            parts.push((oid, string_value(Tag::Utf8String, v)?));
        }
        Ok(())
    };
    utf8(
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1"),
        &subject.email,
    )?;
    utf8(ObjectIdentifier::new_unwrap(oid::INN_LE), &subject.inn_le)?;
    utf8(ObjectIdentifier::new_unwrap("2.5.4.7"), &subject.locality)?;
    utf8(
        ObjectIdentifier::new_unwrap("2.5.4.10"),
        &subject.organization,
    )?;
    utf8(ObjectIdentifier::new_unwrap("2.5.4.12"), &subject.title)?;
    utf8(ObjectIdentifier::new_unwrap("2.5.4.4"), &subject.surname)?;
    utf8(
        ObjectIdentifier::new_unwrap("2.5.4.42"),
        &subject.given_name,
    )?;
    // Registration numbers are NumericString, as CAs (and OpenSSL) write them.
    for (oid, value) in [
        (ObjectIdentifier::new_unwrap(oid::OGRN), &subject.ogrn),
        (ObjectIdentifier::new_unwrap(oid::OGRNIP), &subject.ogrnip),
        (ObjectIdentifier::new_unwrap(oid::SNILS), &subject.snils),
        (ObjectIdentifier::new_unwrap(oid::INN), &subject.inn),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            parts.push((oid, string_value(Tag::NumericString, v)?));
        }
    }
    parts.push((
        ObjectIdentifier::new_unwrap("2.5.4.6"),
        string_value(Tag::PrintableString, "RU")?,
    ));
    parts.push((cn, string_value(Tag::Utf8String, &subject.common_name)?));
    let rdns = parts
        .into_iter()
        .map(|(oid, value)| {
            SetOfVec::try_from(vec![x509_cert::attr::AttributeTypeAndValue { oid, value }])
                .map(RelativeDistinguishedName)
                .map_err(|e| failed("name", e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RdnSequence(rdns))
}

fn time(at: DateTime<Utc>) -> Result<Time, SignError> {
    let secs = u64::try_from(at.timestamp()).map_err(|e| failed("time", e))?;
    UtcTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .map(Time::UtcTime)
        .map_err(|e| failed("time", e))
}

fn extension(oid: &str, critical: bool, value: &impl Encode) -> Result<Extension, SignError> {
    Ok(Extension {
        extn_id: ObjectIdentifier::new_unwrap(oid),
        critical,
        extn_value: OctetString::new(value.to_der().map_err(|e| failed("extension", e))?)
            .map_err(|e| failed("extension", e))?,
    })
}

fn key_id(spki: &SubjectPublicKeyInfoOwned) -> Result<OctetString, SignError> {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(spki.subject_public_key.raw_bytes());
    OctetString::new(hash[..20].to_vec()).map_err(|e| failed("key id", e))
}

fn random_serial() -> Result<SerialNumber, SignError> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| failed("serial", e))?;
    // Positive and without a leading zero byte.
    bytes[0] = (bytes[0] & 0x7f) | 0x10;
    SerialNumber::new(&bytes).map_err(|e| failed("serial", e))
}

/// What a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// A self-signed root that signs certificates and CRLs.
    Root,
    /// A person's signing certificate (digitalSignature, nonRepudiation,
    /// client authentication and e-mail protection).
    Signer,
    /// A time-stamping authority (RFC 3161: the only, critical, extended
    /// key usage is timeStamping).
    TimeStamping,
    /// An OCSP responder the CA delegates to (RFC 6960: OCSPSigning, and
    /// id-pkix-ocsp-nocheck: its own status is not asked).
    OcspSigning,
}

/// Options of one certificate.
#[derive(Debug, Clone)]
pub struct Request {
    pub kind: KeyKind,
    pub subject: Subject,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub profile: Profile,
}

/// What a certificate `issuer` signs says about where things are: its CRL
/// (CRL Distribution Points), its own certificate (AIA caIssuers) and,
/// for a signing certificate, its OCSP responder (AIA OCSP).
fn published_at(issuer: Option<&IssuedKey>, signer: bool) -> Result<Vec<Extension>, SignError> {
    use x509_cert::ext::pkix::crl::dp::DistributionPoint;
    use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
    use x509_cert::ext::pkix::{
        AccessDescription, AuthorityInfoAccessSyntax, CrlDistributionPoints,
    };
    let Some(issuer) = issuer else {
        return Ok(Vec::new());
    };
    let uri = |url: &str| {
        x509_cert::der::asn1::Ia5String::new(url)
            .map(GeneralName::UniformResourceIdentifier)
            .map_err(|e| failed("address", e))
    };
    let mut out = Vec::new();
    if let Some(url) = &issuer.crl_url {
        out.push(extension(
            "2.5.29.31",
            false,
            &CrlDistributionPoints(vec![DistributionPoint {
                distribution_point: Some(DistributionPointName::FullName(vec![uri(url)?])),
                reasons: None,
                crl_issuer: None,
            }]),
        )?);
    }
    let mut access = Vec::new();
    if let Some(url) = issuer.ocsp_url.as_deref().filter(|_| signer) {
        access.push(AccessDescription {
            access_method: ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1"),
            access_location: uri(url)?,
        });
    }
    if let Some(url) = &issuer.ca_issuers_url {
        access.push(AccessDescription {
            access_method: ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2"),
            access_location: uri(url)?,
        });
    }
    if !access.is_empty() {
        out.push(extension(
            "1.3.6.1.5.5.7.1.1",
            false,
            &AuthorityInfoAccessSyntax(access),
        )?);
    }
    Ok(out)
}

fn build(request: &Request, issuer: Option<&IssuedKey>) -> Result<IssuedKey, SignError> {
    let (pkcs8, spki_der) = generate_key(request.kind)?;
    let spki = SubjectPublicKeyInfoOwned::from_der(&spki_der).map_err(|e| failed("key", e))?;
    let subject = name(&request.subject)?;
    let issuer_cert = issuer
        .map(|i| Certificate::from_der(&i.certificate.der))
        .transpose()
        .map_err(|e| failed("issuer", e))?;
    let (issuer_name, issuer_spki, issuer_algorithm) = match (&issuer_cert, issuer) {
        (Some(c), Some(i)) => (
            c.tbs_certificate.subject.clone(),
            c.tbs_certificate.subject_public_key_info.clone(),
            i.certificate.algorithm.clone(),
        ),
        _ => (subject.clone(), spki.clone(), request.kind.algorithm()),
    };
    let signature =
        crate::key::signature_algorithm(&issuer_algorithm, crate::key::SignatureUse::X509)?;
    let mut extensions = vec![
        extension("2.5.29.14", false, &SubjectKeyIdentifier(key_id(&spki)?))?,
        extension(
            "2.5.29.35",
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(key_id(&issuer_spki)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
        )?,
    ];
    match request.profile {
        Profile::Root => {
            extensions.extend(published_at(issuer, false)?);
            extensions.push(extension(
                "2.5.29.19",
                true,
                &BasicConstraints {
                    ca: true,
                    path_len_constraint: None,
                },
            )?);
            extensions.push(extension(
                "2.5.29.15",
                true,
                &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            )?);
        }
        Profile::OcspSigning => {
            extensions.push(extension(
                "2.5.29.15",
                true,
                &KeyUsage(KeyUsages::DigitalSignature.into()),
            )?);
            extensions.push(extension(
                "2.5.29.37",
                false,
                &ExtendedKeyUsage(vec![ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9")]),
            )?);
            extensions.push(extension(
                "1.3.6.1.5.5.7.48.1.5",
                false,
                &x509_cert::der::asn1::Null,
            )?);
        }
        Profile::TimeStamping => {
            extensions.push(extension(
                "2.5.29.15",
                true,
                &KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
            )?);
            extensions.push(extension(
                "2.5.29.37",
                true,
                &ExtendedKeyUsage(vec![ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8")]),
            )?);
        }
        Profile::Signer => {
            extensions.extend(published_at(issuer, true)?);
            extensions.push(extension(
                "2.5.29.15",
                true,
                &KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
            )?);
            extensions.push(extension(
                "2.5.29.37",
                false,
                &ExtendedKeyUsage(vec![
                    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2"),
                    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4"),
                ]),
            )?);
        }
    }
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: random_serial()?,
        signature: signature.clone(),
        issuer: issuer_name,
        validity: Validity {
            not_before: time(request.not_before)?,
            not_after: time(request.not_after)?,
        },
        subject,
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let tbs_der = tbs.to_der().map_err(|e| failed("certificate", e))?;
    let value = match issuer {
        Some(i) => i.sign_message(&tbs_der)?,
        None => crate::key::sign_with_pkcs8(&issuer_algorithm, &pkcs8, &tbs_der)?,
    };
    let cert = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: signature,
        signature: BitString::from_bytes(&value).map_err(|e| failed("certificate", e))?,
    };
    let der = cert.to_der().map_err(|e| failed("certificate", e))?;
    Ok(IssuedKey {
        ocsp_url: None,
        crl_url: None,
        ca_issuers_url: None,
        pkcs8,
        certificate: CertificateInfo::parse(&der)?,
        chain: issuer
            .map(|i| vec![i.certificate.clone()])
            .unwrap_or_default(),
    })
}

impl IssuedKey {
    /// A new self-signed root.
    pub fn new_root(request: &Request) -> Result<Self, SignError> {
        build(
            &Request {
                profile: Profile::Root,
                ..request.clone()
            },
            None,
        )
    }

    /// This CA, naming `url` as the OCSP responder in the signing
    /// certificates it issues from now on.
    pub fn with_ocsp_url(mut self, url: &str) -> Self {
        self.ocsp_url = Some(url.to_owned());
        self
    }

    /// This CA, naming `url` as where its CRL is, in the certificates it
    /// issues from now on (CRL Distribution Points).
    pub fn with_crl_url(mut self, url: &str) -> Self {
        self.crl_url = Some(url.to_owned());
        self
    }

    /// This CA, naming `url` as where its own certificate is, in the
    /// certificates it issues from now on (AIA caIssuers).
    pub fn with_ca_issuers_url(mut self, url: &str) -> Self {
        self.ca_issuers_url = Some(url.to_owned());
        self
    }

    /// A new key and certificate issued by this CA.
    pub fn issue(&self, request: &Request) -> Result<IssuedKey, SignError> {
        build(request, Some(self))
    }

    /// The private key as PKCS#8 DER (to put on a token, in a .pfx).
    pub fn private_key_pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The private key as PKCS#8 PEM, for tools that only read PEM (a
    /// token's import utility). Zeroized on drop like the DER.
    pub fn private_key_pem(&self) -> Result<Zeroizing<String>, SignError> {
        use rsa::pkcs8::der::pem::{encode_string, LineEnding, PemLabel};
        encode_string(
            rsa::pkcs8::PrivateKeyInfo::PEM_LABEL,
            LineEnding::LF,
            &self.pkcs8,
        )
        .map(Zeroizing::new)
        .map_err(|e| failed("PEM", e))
    }

    /// A CRL of this CA listing `revoked` serial numbers (hex, as
    /// [`CertificateInfo::serial`] gives them).
    pub fn crl(
        &self,
        revoked: &[&str],
        this_update: DateTime<Utc>,
        next_update: DateTime<Utc>,
    ) -> Result<Vec<u8>, SignError> {
        let dated: Vec<(&str, DateTime<Utc>)> = revoked.iter().map(|s| (*s, this_update)).collect();
        self.crl_dated(&dated, this_update, next_update)
    }

    /// A CRL of this CA listing each serial (hex) with its revocation date.
    pub fn crl_dated(
        &self,
        revoked: &[(&str, DateTime<Utc>)],
        this_update: DateTime<Utc>,
        next_update: DateTime<Utc>,
    ) -> Result<Vec<u8>, SignError> {
        let ca = Certificate::from_der(&self.certificate.der).map_err(|e| failed("CA", e))?;
        let signature = crate::key::signature_algorithm(
            &self.certificate.algorithm,
            crate::key::SignatureUse::X509,
        )?;
        let entries = revoked
            .iter()
            .map(|(hex, revoked_at)| {
                let bytes = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..(i + 2).min(hex.len())], 16))
                    .collect::<Result<Vec<u8>, _>>()
                    .map_err(|e| failed("serial", e))?;
                Ok(RevokedCert {
                    serial_number: SerialNumber::new(&bytes).map_err(|e| failed("serial", e))?,
                    revocation_date: time(*revoked_at)?,
                    crl_entry_extensions: None,
                })
            })
            .collect::<Result<Vec<_>, SignError>>()?;
        let tbs = TbsCertList {
            version: Version::V2,
            signature: signature.clone(),
            issuer: ca.tbs_certificate.subject.clone(),
            this_update: time(this_update)?,
            next_update: Some(time(next_update)?),
            revoked_certificates: (!entries.is_empty()).then_some(entries),
            crl_extensions: None,
        };
        let value = self.sign_message(&tbs.to_der().map_err(|e| failed("CRL", e))?)?;
        CertificateList {
            tbs_cert_list: tbs,
            signature_algorithm: signature,
            signature: BitString::from_bytes(&value).map_err(|e| failed("CRL", e))?,
        }
        .to_der()
        .map_err(|e| failed("CRL", e))
    }

    /// A .pfx with the key and the chain, protected the modern way
    /// (PBES2 with AES-256, HMAC-SHA-256 MAC).
    pub fn to_pfx(&self, password: &str) -> Result<Vec<u8>, SignError> {
        pfx_of(&self.pkcs8, &self.certificate, &self.chain, password)
    }
}

/// A .pfx (PBES2 with AES and SHA-256, as OpenSSL 3 writes by default)
/// holding `pkcs8` — as given, whatever form its key is in — with
/// `certificate` and its `chain`.
pub fn pfx_of(
    pkcs8: &[u8],
    certificate: &CertificateInfo,
    chain: &[CertificateInfo],
    password: &str,
) -> Result<Vec<u8>, SignError> {
    let certs = std::iter::once(certificate)
        .chain(chain)
        .map(|c| p12_keystore::Certificate::from_der(&c.der))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| failed("PKCS#12", e))?;
    let local_key_id = {
        use sha2::Digest;
        sha2::Sha256::digest(&certificate.der)[..20].to_vec()
    };
    let entry = p12_keystore::PrivateKeyChain::new(pkcs8, local_key_id, certs);
    let mut store = p12_keystore::KeyStore::new();
    let alias = certificate
        .subject_common_name
        .clone()
        .unwrap_or_else(|| "key".into());
    store.add_entry(&alias, p12_keystore::KeyStoreEntry::PrivateKeyChain(entry));
    store
        .writer(password)
        .write()
        .map_err(|e| failed("PKCS#12", e))
}
