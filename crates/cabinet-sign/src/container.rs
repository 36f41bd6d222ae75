//! CryptoPro CSP key containers: the folder (`abcd1234.000`, on a flash
//! drive or in `/var/opt/cprocsp/keys/<user>/`) in which most Russian
//! directors carry their signature key.
//!
//! The folder holds DER files:
//!
//! - `header.key`: `SEQUENCE { content, OCTET STRING mac }`. The content
//!   names the key (its algorithm, curve and digest, whether it is an
//!   exchange key), may hold its certificate (`[5]`), holds the first eight
//!   bytes of the public key's x, little-endian (the fingerprint, `[10]`),
//!   and, when a PIN is set, a PIN check (`[2]`). The MAC is the GOST
//!   28147-89 MAC under a zero key of the content's DER.
//! - `name.key`: `SEQUENCE { IA5String name }`, the name users see.
//! - `masks.key`: `SEQUENCE { OCTET STRING mask, OCTET STRING salt (12
//!   bytes), OCTET STRING mac }`; the MAC is keyed by the mask (its last 32
//!   bytes for a 512-bit key) over the salt.
//! - `primary.key`: `SEQUENCE { OCTET STRING value }`, the masked key
//!   d · mask mod q, little-endian, encrypted with GOST 28147-89 in ECB mode
//!   (S-box Z) under a key derived from the PIN and the salt.
//! - `primary2.key` and `masks2.key`: a second key, described by the
//!   header's `[4]`, with its fingerprint in `[11]`.
//!
//! The key derivation (CPKDF) hashes with Streebog-256: h = H(salt ‖ pin4),
//! where pin4 is each PIN byte followed by three zero bytes; a 64-byte
//! buffer c starts as the ASCII string `DENEFH028.760246785.IUEFHWUIO.EF`
//! padded with zeros, and 2000 times (2 without a PIN) c = H((c ⊕ 0x36) ‖ h
//! ‖ (c ⊕ 0x5C) ‖ h), zero-padded again; then k = H(H((c ⊕ 0x36)[..32] ‖
//! salt ‖ (c ⊕ 0x5C)[..32] ‖ pin4)[..32]). The PIN check in the header is the
//! MAC of 16 zero bytes under CPKDF(PIN, fingerprint).
//!
//! This is CryptoPro CSP 4 and 5 with GOST R 34.10-2012 keys, the
//! containers issued since 2019; CSP 3.x containers of GOST R 34.10-2001
//! keys (GOST R 34.11-94 and another S-box) are refused as unsupported.
//! The layout was learnt from the public readers of the format (in Python,
//! Go, C# and TypeScript); this code is our own.
//!
//! Every step is checked: the header's MAC, the PIN check, the mask's MAC,
//! the key against the fingerprint, the key against the certificate. So a
//! wrong PIN is `container.wrong_pin`, a damaged or mixed-up file is
//! `container.damaged`, and a certificate that is not the key's is
//! `container.key_mismatch`.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::gost::{streebog256, GostPrivateKey, GostPublicKey, KeySize, ParamSet};
use crate::gost89::{ecb_decrypt_z, ecb_encrypt_z, mac_z};
use crate::pfx_gost::{elements, expect, oid_text, OCTET_STRING, SEQUENCE};
use crate::{CertificateInfo, SignError, SigningKey};

const IA5_STRING: u8 = 0x16;
const BIT_STRING: u8 = 0x03;
/// `[0]` IMPLICIT, constructed: the key's algorithm in its parameters.
const ALGORITHM: u8 = 0xA0;
const PIN_CHECK: u8 = 0x82;
const SECONDARY_PARAMETERS: u8 = 0xA4;
const PRIMARY_CERTIFICATE: u8 = 0x85;
const PRIMARY_CERTIFICATE_EXPLICIT: u8 = 0xA5;
const SECONDARY_CERTIFICATE: u8 = 0x86;
const SECONDARY_CERTIFICATE_EXPLICIT: u8 = 0xA6;
const PRIMARY_FINGERPRINT: u8 = 0x8A;
const SECONDARY_FINGERPRINT: u8 = 0x8B;

/// No file of a container is anywhere near this; a bigger one is not one.
const MAX_FILE: u64 = 256 * 1024;

/// The files that make a folder a container.
const REQUIRED: [&str; 3] = ["header.key", "primary.key", "masks.key"];

fn damaged(why: impl std::fmt::Display) -> SignError {
    SignError::ContainerDamaged(why.to_string())
}

/// The DER reader speaks of PKCS#12; here the same faults are the
/// container's, named by file.
fn in_file(file: &'static str) -> impl Fn(SignError) -> SignError {
    move |e| match e {
        SignError::DamagedContainer(why) => damaged(format!("{file}: {why}")),
        other => other,
    }
}

/// Whether `dir` looks like a CryptoPro key container (its three files are
/// there); nothing is read.
pub fn is_container(dir: &Path) -> bool {
    REQUIRED.iter().all(|f| dir.join(f).is_file())
}

fn read(dir: &Path, file: &'static str) -> Result<Vec<u8>, SignError> {
    let path = dir.join(file);
    let meta = std::fs::metadata(&path)
        .map_err(|_| SignError::ContainerNotFound(format!("{}: no {file}", dir.display())))?;
    if !meta.is_file() {
        return Err(SignError::ContainerNotFound(format!(
            "{}: {file} is not a file",
            dir.display()
        )));
    }
    if meta.len() > MAX_FILE {
        return Err(damaged(format!("{file}: {} bytes", meta.len())));
    }
    std::fs::read(&path).map_err(|e| SignError::Io(format!("{}: {e}", path.display())))
}

/// CPKDF: the key that protects a container's key, from the PIN and a salt.
fn cpkdf(pin: &[u8], salt: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut pin4 = Zeroizing::new(vec![0u8; pin.len() * 4]);
    for (i, b) in pin.iter().enumerate() {
        pin4[i * 4] = *b;
    }
    let hash = |parts: &[&[u8]]| -> Zeroizing<[u8; 32]> {
        let joined = Zeroizing::new(parts.concat());
        Zeroizing::new(streebog256(&joined))
    };
    let h = hash(&[salt, &pin4]);
    let mut c = Zeroizing::new([0u8; 64]);
    c[..32].copy_from_slice(b"DENEFH028.760246785.IUEFHWUIO.EF");
    let xored = |c: &[u8; 64], with: u8| -> Zeroizing<[u8; 64]> {
        let mut out = Zeroizing::new([0u8; 64]);
        for (o, b) in out.iter_mut().zip(c.iter()) {
            *o = b ^ with;
        }
        out
    };
    let iterations = if pin.is_empty() { 2 } else { 2000 };
    for _ in 0..iterations {
        let m0 = xored(&c, 0x36);
        let m1 = xored(&c, 0x5C);
        let next = hash(&[&m0[..], &h[..], &m1[..], &h[..]]);
        c[..32].copy_from_slice(&next[..]);
        c[32..].fill(0);
    }
    let m0 = xored(&c, 0x36);
    let m1 = xored(&c, 0x5C);
    let last = hash(&[&m0[..32], salt, &m1[..32], &pin4]);
    hash(&[&last[..]])
}

/// What a container's header says of one of its keys.
#[derive(Debug, Clone)]
struct KeyParameters {
    params: ParamSet,
    exchange: bool,
}

/// `SEQUENCE { BIT STRING attributes, [0] { OID algorithm, SEQUENCE { OID
/// curve, OID digest OPTIONAL } } }`, the content only.
fn key_parameters(content: &[u8]) -> Result<KeyParameters, SignError> {
    let (attributes, rest) = expect(content, BIT_STRING)?;
    // Bit 2 (pkaExchange) of the named bits, counted from the top of the
    // first content byte after the unused-bits count.
    let exchange = attributes.get(1).is_some_and(|b| b & 0x20 != 0);
    let (algorithm, _) = expect(rest, ALGORITHM)?;
    let parts = elements(algorithm)?;
    let (Some((0x06, algorithm_oid, _)), Some((0x30, parameters, _))) =
        (parts.first(), parts.get(1))
    else {
        return Err(damaged("the key's algorithm is not an OID and parameters"));
    };
    let algorithm_oid = oid_text(algorithm_oid)?;
    let size = match algorithm_oid.as_str() {
        // GOST R 34.10-2012 keys: as agreement keys (what CSP writes) or
        // as signature keys.
        "1.2.643.7.1.1.6.1" | "1.2.643.7.1.1.1.1" => KeySize::Bits256,
        "1.2.643.7.1.1.6.2" | "1.2.643.7.1.1.1.2" => KeySize::Bits512,
        "1.2.643.2.2.98" | "1.2.643.2.2.19" => {
            return Err(SignError::ContainerUnsupported(
                "a GOST R 34.10-2001 key (CryptoPro CSP 3.x container); \
                 re-issue the key or export it to a .pfx"
                    .into(),
            ))
        }
        other => {
            return Err(SignError::ContainerUnsupported(format!(
                "key algorithm {other}"
            )))
        }
    };
    let (curve, _) = crate::pfx_gost::read_oid(parameters)?;
    let params = ParamSet::from_oid(&curve)
        .ok_or_else(|| SignError::ContainerUnsupported(format!("curve {curve}")))?;
    if params.size() != size {
        return Err(damaged(format!(
            "a {}-bit key on the curve {curve}",
            size.bytes() * 8
        )));
    }
    Ok(KeyParameters { params, exchange })
}

/// The parts of `header.key` this reader uses.
#[derive(Debug, Clone)]
struct Header {
    name: Option<String>,
    pin_set: bool,
    primary: KeyParameters,
    secondary: Option<KeyParameters>,
    pin_check: Option<Vec<u8>>,
    primary_certificate: Option<Vec<u8>>,
    secondary_certificate: Option<Vec<u8>>,
    primary_fingerprint: Vec<u8>,
    secondary_fingerprint: Option<Vec<u8>>,
}

fn parse_header(bytes: &[u8]) -> Result<Header, SignError> {
    let (outer, trailing) = expect(bytes, SEQUENCE)?;
    if !trailing.is_empty() {
        return Err(damaged("bytes after the header"));
    }
    let parts = elements(outer)?;
    let [(SEQUENCE, content, content_tlv), (OCTET_STRING, mac, _)] = parts[..] else {
        return Err(damaged("not a content and its MAC"));
    };
    if mac_z(&[0u8; 32], content_tlv)[..] != *mac {
        return Err(damaged("its integrity check fails"));
    }
    let mut name = None;
    let mut pin_set = false;
    let mut primary = None;
    let mut secondary = None;
    let mut pin_check = None;
    let (mut primary_certificate, mut secondary_certificate) = (None, None);
    let (mut primary_fingerprint, mut secondary_fingerprint) = (Vec::new(), None);
    let mut seen_attributes = false;
    for (tag, value, _) in elements(content)? {
        match tag {
            IA5_STRING => name = Some(text(value)),
            BIT_STRING if !seen_attributes => {
                seen_attributes = true;
                // Bit 0, kccaSoftPassword: a PIN protects the key.
                pin_set = value.get(1).is_some_and(|b| b & 0x80 != 0);
            }
            SEQUENCE if primary.is_none() => primary = Some(key_parameters(value)?),
            PIN_CHECK => pin_check = Some(value.to_vec()),
            SECONDARY_PARAMETERS => secondary = Some(key_parameters(value)?),
            PRIMARY_CERTIFICATE | PRIMARY_CERTIFICATE_EXPLICIT => {
                primary_certificate = Some(value.to_vec())
            }
            SECONDARY_CERTIFICATE | SECONDARY_CERTIFICATE_EXPLICIT => {
                secondary_certificate = Some(value.to_vec())
            }
            PRIMARY_FINGERPRINT => primary_fingerprint = value.to_vec(),
            SECONDARY_FINGERPRINT => secondary_fingerprint = Some(value.to_vec()),
            // The container algorithm, certificate links, policies and
            // extensions say nothing a signer needs.
            _ => {}
        }
    }
    if primary_fingerprint.len() != 8 {
        return Err(damaged("header.key: no key fingerprint"));
    }
    Ok(Header {
        name,
        pin_set,
        primary: primary.ok_or_else(|| damaged("header.key: no key parameters"))?,
        secondary,
        pin_check,
        primary_certificate,
        secondary_certificate,
        primary_fingerprint,
        secondary_fingerprint,
    })
}

/// What can be told of a container without its PIN.
#[derive(Debug, Clone)]
pub struct ContainerSummary {
    pub dir: PathBuf,
    /// The name in `name.key` (the folder's name when there is none).
    pub name: String,
    /// The signing key's certificate, when the container holds it.
    pub certificate: Option<CertificateInfo>,
    pub params: ParamSet,
    /// Whether a PIN protects the key.
    pub pin_set: bool,
}

/// Which of the container's keys signs: a signature key when there is one,
/// else the (only) exchange key.
struct Chosen<'h> {
    params: &'h KeyParameters,
    certificate: Option<&'h [u8]>,
    fingerprint: &'h [u8],
    primary: &'static str,
    masks: &'static str,
}

fn choose(header: &Header) -> Chosen<'_> {
    match (&header.secondary, &header.secondary_fingerprint) {
        (Some(secondary), Some(fp)) if header.primary.exchange && !secondary.exchange => Chosen {
            params: secondary,
            certificate: header.secondary_certificate.as_deref(),
            fingerprint: fp,
            primary: "primary2.key",
            masks: "masks2.key",
        },
        _ => Chosen {
            params: &header.primary,
            certificate: header.primary_certificate.as_deref(),
            fingerprint: &header.primary_fingerprint,
            primary: "primary.key",
            masks: "masks.key",
        },
    }
}

/// A name as containers store it: UTF-8, or Windows-1251 as CSP on Windows
/// writes Cyrillic names.
fn text(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    bytes
        .iter()
        .map(|&b| match b {
            0x00..=0x7F => b as char,
            0xC0..=0xFF => char::from_u32(0x0410 + (b - 0xC0) as u32).unwrap_or('?'),
            0xA8 => 'Ё',
            0xB8 => 'ё',
            _ => '?',
        })
        .collect()
}

fn folder_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string())
}

fn read_name(dir: &Path, header: &Header) -> String {
    let from_file = read(dir, "name.key").ok().and_then(|bytes| {
        let (content, _) = expect(&bytes, SEQUENCE).ok()?;
        let (name, _) = expect(content, IA5_STRING).ok()?;
        Some(text(name))
    });
    from_file
        .or_else(|| header.name.clone())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| folder_name(dir))
}

fn load_header(dir: &Path) -> Result<Header, SignError> {
    if !dir.is_dir() {
        return Err(SignError::ContainerNotFound(format!(
            "{} is not a folder",
            dir.display()
        )));
    }
    let bytes = read(dir, "header.key")?;
    parse_header(&bytes).map_err(in_file("header.key"))
}

/// Reads what a container says of itself without its PIN: its name, its
/// key's curve and its certificate.
pub fn summary(dir: &Path) -> Result<ContainerSummary, SignError> {
    let header = load_header(dir)?;
    let chosen = choose(&header);
    let certificate = match chosen.certificate {
        Some(der) => Some(
            CertificateInfo::parse(der)
                .map_err(|e| damaged(format!("header.key: its certificate: {e}")))?,
        ),
        None => None,
    };
    Ok(ContainerSummary {
        dir: dir.to_path_buf(),
        name: read_name(dir, &header),
        certificate,
        params: chosen.params.params,
        pin_set: header.pin_set,
    })
}

/// The containers in `root` and its subfolders down to `depth` levels (a
/// flash drive's root, `/var/opt/cprocsp/keys/<user>`). Folders that are not
/// containers, or that cannot be read, are passed over.
pub fn find(root: &Path, depth: usize) -> Vec<ContainerSummary> {
    let mut out = Vec::new();
    fn walk(dir: &Path, depth: usize, out: &mut Vec<ContainerSummary>) {
        if is_container(dir) {
            if let Ok(s) = summary(dir) {
                out.push(s);
            }
            return;
        }
        if depth == 0 {
            return;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            // Symbolic links are not followed: no loops, no surprises.
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .collect();
        dirs.sort();
        for d in dirs.into_iter().take(1000) {
            walk(&d, depth - 1, out);
        }
    }
    walk(root, depth, &mut out);
    out
}

/// `SEQUENCE { OCTET STRING … }`: the octet strings of a small file.
fn octet_strings(bytes: &[u8], count: usize) -> Result<Vec<&[u8]>, SignError> {
    let (content, trailing) = expect(bytes, SEQUENCE)?;
    if !trailing.is_empty() {
        return Err(damaged("bytes after its content"));
    }
    let parts = elements(content)?;
    if parts.len() != count || parts.iter().any(|(tag, _, _)| *tag != OCTET_STRING) {
        return Err(damaged(format!("not {count} octet strings")));
    }
    Ok(parts.into_iter().map(|(_, v, _)| v).collect())
}

/// The first eight bytes of x, little-endian: how a container names its
/// public key.
fn fingerprint(key: &GostPublicKey) -> [u8; 8] {
    let (x, _) = key.coordinates();
    let mut out = [0u8; 8];
    for (o, b) in out.iter_mut().zip(x.iter().rev()) {
        *o = *b;
    }
    out
}

/// A container's signing key, open: the key in memory, with its
/// certificate.
pub struct ContainerKey {
    name: String,
    dir: PathBuf,
    certificate: CertificateInfo,
    key: GostPrivateKey,
}

impl std::fmt::Debug for ContainerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerKey")
            .field("name", &self.name)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl ContainerKey {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl SigningKey for ContainerKey {
    fn certificate(&self) -> &CertificateInfo {
        &self.certificate
    }

    fn chain(&self) -> &[CertificateInfo] {
        &[]
    }

    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        self.key.sign(message)
    }
}

/// Opens the container in `dir` with `pin`. The certificate is the one in
/// the header, or `certificate` (DER or PEM) when the header has none or
/// the caller names another; either way the key must be its key.
pub fn open(dir: &Path, pin: &str, certificate: Option<&[u8]>) -> Result<ContainerKey, SignError> {
    let header = load_header(dir)?;
    let chosen = choose(&header);
    let masks = read(dir, chosen.masks)?;
    let primary = read(dir, chosen.primary)?;
    let (key, certificate) = unlock(&header, &chosen, &masks, &primary, pin, certificate)?;
    Ok(ContainerKey {
        name: read_name(dir, &header),
        dir: dir.to_path_buf(),
        certificate,
        key,
    })
}

/// Everything [`open`] does once the files are read, for the fuzzer:
/// `header.key`, the chosen key's `masks.key` and `primary.key`.
#[doc(hidden)]
pub fn open_files(
    header: &[u8],
    masks: &[u8],
    primary: &[u8],
    pin: &str,
) -> Result<CertificateInfo, SignError> {
    let header = parse_header(header).map_err(in_file("header.key"))?;
    let chosen = choose(&header);
    unlock(&header, &chosen, masks, primary, pin, None).map(|(_, c)| c)
}

/// Checks the PIN, unmasks the key, and checks it against the header's
/// fingerprint and the certificate.
fn unlock(
    header: &Header,
    chosen: &Chosen<'_>,
    masks: &[u8],
    primary: &[u8],
    pin: &str,
    certificate: Option<&[u8]>,
) -> Result<(GostPrivateKey, CertificateInfo), SignError> {
    let params = chosen.params.params;
    // A container without a PIN (a server's, a test's) is keyed by the
    // empty one, whatever the user typed; its PIN check field is zeros.
    let pin = if header.pin_set { pin.as_bytes() } else { b"" };
    if pin.len() > 256 {
        return Err(SignError::ContainerWrongPin);
    }
    let pin_check = header.pin_check.as_ref().filter(|_| header.pin_set);
    if let Some(check) = pin_check {
        // The check is made over the primary key's fingerprint.
        let kek = cpkdf(pin, &header.primary_fingerprint);
        if mac_z(&kek, &[0u8; 16])[..] != check[..] {
            return Err(SignError::ContainerWrongPin);
        }
    }

    let parts = octet_strings(masks, 3).map_err(in_file(chosen.masks))?;
    let (mask, salt, mask_mac) = (parts[0], parts[1], parts[2]);
    let n = params.size().bytes();
    if mask.len() != n {
        return Err(damaged(format!(
            "{}: a mask of {} bytes for a {}-bit key",
            chosen.masks,
            mask.len(),
            n * 8
        )));
    }
    let mac_key: [u8; 32] = mask[mask.len() - 32..].try_into().expect("32 bytes");
    if mac_z(&mac_key, salt)[..] != *mask_mac {
        return Err(damaged(format!(
            "{}: its integrity check fails",
            chosen.masks
        )));
    }

    let parts = octet_strings(primary, 1).map_err(in_file(chosen.primary))?;
    if parts[0].len() != n {
        return Err(damaged(format!(
            "{}: {} bytes for a {}-bit key",
            chosen.primary,
            parts[0].len(),
            n * 8
        )));
    }
    let mut masked = Zeroizing::new(parts[0].to_vec());
    ecb_decrypt_z(&cpkdf(pin, salt), &mut masked)?;
    let key = GostPrivateKey::from_container_parts(params, &masked, mask).map_err(|_| {
        if header.pin_set && pin_check.is_none() {
            SignError::ContainerWrongPin
        } else {
            damaged(format!("{} does not decrypt to a key", chosen.primary))
        }
    })?;
    if fingerprint(key.public_key())[..] != *chosen.fingerprint {
        // With the PIN checked, a key that is not the one the header names
        // means a file of another container (or a damaged one).
        return Err(if header.pin_set && pin_check.is_none() {
            SignError::ContainerWrongPin
        } else {
            damaged(format!(
                "{} and {} do not give the key the header names",
                chosen.primary, chosen.masks
            ))
        });
    }

    let certificate = match (certificate, chosen.certificate) {
        (Some(given), _) => CertificateInfo::parse(given)?,
        (None, Some(der)) => CertificateInfo::parse(der)
            .map_err(|e| damaged(format!("header.key: its certificate: {e}")))?,
        (None, None) => return Err(SignError::ContainerNoCertificate),
    };
    let cert = <x509_cert::Certificate as x509_cert::der::Decode>::from_der(&certificate.der)
        .map_err(|e| SignError::MalformedCertificate(e.to_string()))?;
    let theirs = GostPublicKey::from_spki(&cert.tbs_certificate.subject_public_key_info)
        .map_err(|_| SignError::ContainerKeyMismatch)?;
    if theirs.coordinates() != key.public_key().coordinates() {
        return Err(SignError::ContainerKeyMismatch);
    }
    Ok((key, certificate))
}

// --- Writing ------------------------------------------------------------------

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(crate::ber::length_octets(content.len()));
    out.extend_from_slice(content);
    out
}

fn der_oid(oid: &str) -> Vec<u8> {
    let oid = x509_cert::der::asn1::ObjectIdentifier::new(oid).expect("a constant OID parses");
    der(0x06, oid.as_bytes())
}

fn random(n: usize) -> Result<Vec<u8>, SignError> {
    let mut out = vec![0u8; n];
    getrandom::getrandom(&mut out).map_err(|e| SignError::SigningFailed(format!("random: {e}")))?;
    Ok(out)
}

/// A container to write: what CryptoPro CSP would make of a key.
pub struct NewContainer<'a> {
    /// The name users see (`name.key`).
    pub name: &'a str,
    pub key: &'a GostPrivateKey,
    /// The key's certificate (DER), kept in the header when given.
    pub certificate: Option<&'a [u8]>,
    /// Empty for no PIN.
    pub pin: &'a str,
}

/// Writes `container` into the folder `dir` (created; it must not exist or
/// be empty), as CryptoPro CSP lays a container out: one exchange key that
/// also signs, in `primary.key` and `masks.key`. Tests and the demo make
/// their containers with it.
pub fn write(dir: &Path, container: &NewContainer<'_>) -> Result<(), SignError> {
    let io = |e: std::io::Error| SignError::Io(format!("{}: {e}", dir.display()));
    if dir.exists() && std::fs::read_dir(dir).map_err(io)?.next().is_some() {
        return Err(SignError::Io(format!("{} is not empty", dir.display())));
    }
    std::fs::create_dir_all(dir).map_err(io)?;
    let key = container.key;
    let params = key.params();
    let pin = container.pin.as_bytes();
    let fp = fingerprint(key.public_key());

    let (algorithm, digest) = match params.size() {
        KeySize::Bits256 => ("1.2.643.7.1.1.6.1", Some("1.2.643.7.1.1.2.2")),
        KeySize::Bits512 => ("1.2.643.7.1.1.6.2", None),
    };
    let mut parameters = der_oid(params.oid());
    if let Some(d) = digest {
        parameters.extend(der_oid(d));
    }
    let algorithm = [der_oid(algorithm), der(SEQUENCE, &parameters)].concat();
    // Exportable (bit 0) and exchange (bit 2), as CSP marks the key of a
    // one-key container.
    let key_parameters = [der(BIT_STRING, &[0x05, 0xA0]), der(ALGORITHM, &algorithm)].concat();
    let mut content = Vec::new();
    content.extend(der(
        BIT_STRING,
        if pin.is_empty() {
            &[0x00][..]
        } else {
            &[0x07, 0x80][..]
        },
    ));
    content.extend(der(SEQUENCE, &key_parameters));
    if !pin.is_empty() {
        content.extend(der(PIN_CHECK, &mac_z(&cpkdf(pin, &fp), &[0u8; 16])));
    }
    if let Some(cert) = container.certificate {
        content.extend(der(PRIMARY_CERTIFICATE, cert));
    }
    content.extend(der(PRIMARY_FINGERPRINT, &fp));
    let content = der(SEQUENCE, &content);
    let mac = mac_z(&[0u8; 32], &content);
    let header = der(SEQUENCE, &[content, der(OCTET_STRING, &mac)].concat());

    let (mut masked, mask) = key.to_container_parts()?;
    let salt = random(12)?;
    ecb_encrypt_z(&cpkdf(pin, &salt), &mut masked)?;
    let mac_key: [u8; 32] = mask[mask.len() - 32..].try_into().expect("32 bytes");
    let masks = der(
        SEQUENCE,
        &[
            der(OCTET_STRING, &mask),
            der(OCTET_STRING, &salt),
            der(OCTET_STRING, &mac_z(&mac_key, &salt)),
        ]
        .concat(),
    );
    let primary = Zeroizing::new(der(SEQUENCE, &der(OCTET_STRING, &masked)));
    let name = der(SEQUENCE, &der(IA5_STRING, container.name.as_bytes()));
    for (file, bytes) in [
        ("header.key", &header[..]),
        ("name.key", &name[..]),
        ("masks.key", &masks[..]),
        ("primary.key", &primary[..]),
    ] {
        std::fs::write(dir.join(file), bytes).map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpkdf_depends_on_every_input_and_is_stable() {
        let a = cpkdf(b"12345678", &[1u8; 12]);
        assert_eq!(*a, *cpkdf(b"12345678", &[1u8; 12]));
        assert_ne!(*a, *cpkdf(b"12345679", &[1u8; 12]));
        assert_ne!(*a, *cpkdf(b"12345678", &[2u8; 12]));
        assert_ne!(*cpkdf(b"", &[1u8; 12]), *a);
    }

    #[test]
    fn a_header_round_trips_through_the_parser() {
        let dir = tempfile::tempdir().unwrap();
        let key = GostPrivateKey::generate(ParamSet::Tc26_512A).unwrap();
        let path = dir.path().join("c.000");
        write(
            &path,
            &NewContainer {
                name: "тест",
                key: &key,
                certificate: None,
                pin: "1234",
            },
        )
        .unwrap();
        let header = parse_header(&std::fs::read(path.join("header.key")).unwrap()).unwrap();
        assert_eq!(header.primary.params, ParamSet::Tc26_512A);
        assert!(header.primary.exchange);
        assert!(header.pin_set);
        assert_eq!(header.primary_fingerprint, fingerprint(key.public_key()));
        let s = summary(&path).unwrap();
        assert_eq!(s.name, "тест");
        assert!(s.certificate.is_none());
    }

    #[test]
    fn gost_2001_containers_are_refused_as_unsupported() {
        let algorithm = [
            der_oid("1.2.643.2.2.98"),
            der(
                SEQUENCE,
                &[der_oid("1.2.643.2.2.36.0"), der_oid("1.2.643.2.2.30.1")].concat(),
            ),
        ]
        .concat();
        let parameters = [der(BIT_STRING, &[0x05, 0xA0]), der(ALGORITHM, &algorithm)].concat();
        let content = der(
            SEQUENCE,
            &[
                der(BIT_STRING, &[0x00]),
                der(SEQUENCE, &parameters),
                der(PRIMARY_FINGERPRINT, &[1; 8]),
            ]
            .concat(),
        );
        let mac = mac_z(&[0u8; 32], &content);
        let header = der(SEQUENCE, &[content, der(OCTET_STRING, &mac)].concat());
        let e = parse_header(&header).unwrap_err();
        assert_eq!(e.code(), "container.unsupported");
        assert!(e.to_string().contains("2001"), "{e}");
    }

    #[test]
    fn windows_1251_names_are_read() {
        assert_eq!(text(&[0xCA, 0xEB, 0xFE, 0xF7, 0x20, 0xB8]), "Ключ ё");
        assert_eq!(text("Ключ".as_bytes()), "Ключ");
    }
}
