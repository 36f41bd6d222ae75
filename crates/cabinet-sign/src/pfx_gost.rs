//! PKCS#12 containers protected with Russian algorithms, as OpenSSL's GOST
//! engine writes them (`openssl pkcs12 -export -keypbe gost89 -certpbe gost89
//! -macalg md_gost12_512`, or `-keypbe kuznyechik-ctr-acpkm`):
//!
//! - bags encrypted with PBES2: PBKDF2 with HMAC-Streebog-512/256 or
//!   HMAC-SHA-256, then GOST 28147-89 in CFB mode with CryptoPro key meshing
//!   (RFC 4357), Kuznyechik in CTR-ACPKM mode (R 1323565.1.017, 4 KiB
//!   sections), or AES-CBC;
//! - the MAC as OpenSSL makes it for a Streebog digest: the key is the last
//!   32 bytes of PBKDF2(password, salt, iterations, HMAC-Streebog, 96 bytes),
//!   the MAC is HMAC-Streebog of the authenticated safe. A SHA-256 MAC uses
//!   the PKCS#12 key derivation of RFC 7292.
//!
//! Only definite-length DER is read. Every buffer that holds a key or a
//! password-derived secret is zeroized when dropped.

use crypto_bigint::subtle::ConstantTimeEq;
use hmac::{Mac, SimpleHmac};
use zeroize::Zeroizing;

use magma::cipher::generic_array::GenericArray;
use magma::cipher::{BlockEncrypt, KeyInit};

use crate::gost89::Gost89;
use crate::SignError;

/// What a container holds: PKCS#8 keys and DER certificates.
pub(crate) struct Contents {
    pub keys: Vec<Zeroizing<Vec<u8>>>,
    pub certificates: Vec<Vec<u8>>,
}

fn damaged(why: impl std::fmt::Display) -> SignError {
    SignError::DamagedContainer(why.to_string())
}

fn unsupported(what: impl std::fmt::Display) -> SignError {
    SignError::UnsupportedContainer(what.to_string())
}

// --- A minimal DER reader ---------------------------------------------------

pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;
const INTEGER: u8 = 0x02;
const CONTEXT_0: u8 = 0xA0;
const CONTEXT_0_PRIMITIVE: u8 = 0x80;

/// One TLV: its tag, its content, and what follows it.
pub(crate) fn tlv(input: &[u8]) -> Result<(u8, &[u8], &[u8]), SignError> {
    let (&tag, rest) = input
        .split_first()
        .ok_or_else(|| damaged("truncated DER"))?;
    let (&first, rest) = rest.split_first().ok_or_else(|| damaged("truncated DER"))?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return Err(damaged("unsupported DER length"));
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| acc << 8 | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(damaged("truncated DER"));
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

/// The content of a TLV that must have `tag`, and what follows it.
pub(crate) fn expect(input: &[u8], tag: u8) -> Result<(&[u8], &[u8]), SignError> {
    let (t, content, rest) = tlv(input)?;
    if t != tag {
        return Err(damaged(format!(
            "tag {t:#04x} where {tag:#04x} was expected"
        )));
    }
    Ok((content, rest))
}

/// One element of a constructed value: tag, content, and the whole TLV.
pub(crate) type Element<'a> = (u8, &'a [u8], &'a [u8]);

/// The elements of a SEQUENCE's (or SET's) content.
pub(crate) fn elements(mut content: &[u8]) -> Result<Vec<Element<'_>>, SignError> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let start = content;
        let (tag, value, rest) = tlv(content)?;
        out.push((tag, value, &start[..start.len() - rest.len()]));
        content = rest;
    }
    Ok(out)
}

/// An OID's dotted text from its content bytes.
pub(crate) fn oid_text(content: &[u8]) -> Result<String, SignError> {
    x509_cert::der::asn1::ObjectIdentifier::from_bytes(content)
        .map(|o| o.to_string())
        .map_err(|e| damaged(format!("OID: {e}")))
}

pub(crate) fn read_oid(input: &[u8]) -> Result<(String, &[u8]), SignError> {
    let (content, rest) = expect(input, OID)?;
    Ok((oid_text(content)?, rest))
}

fn read_uint(input: &[u8]) -> Result<(u64, &[u8]), SignError> {
    let (content, rest) = expect(input, INTEGER)?;
    if content.len() > 8 || content.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(damaged("integer out of range"));
    }
    Ok((content.iter().fold(0u64, |a, b| a << 8 | *b as u64), rest))
}

// --- Digests and key derivation ---------------------------------------------

#[derive(Clone, Copy)]
enum Prf {
    Sha256,
    Streebog256,
    Streebog512,
}

impl Prf {
    fn from_oid(oid: &str) -> Result<Self, SignError> {
        match oid {
            "1.2.840.113549.2.9" | "2.16.840.1.101.3.4.2.1" => Ok(Prf::Sha256),
            "1.2.643.7.1.1.4.1" | "1.2.643.7.1.1.2.2" => Ok(Prf::Streebog256),
            "1.2.643.7.1.1.4.2" | "1.2.643.7.1.1.2.3" => Ok(Prf::Streebog512),
            other => Err(unsupported(format!("digest {other}"))),
        }
    }

    fn pbkdf2(self, password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
        match self {
            Prf::Sha256 => pbkdf2::pbkdf2::<SimpleHmac<sha2::Sha256>>(password, salt, rounds, out),
            Prf::Streebog256 => {
                pbkdf2::pbkdf2::<SimpleHmac<streebog::Streebog256>>(password, salt, rounds, out)
            }
            Prf::Streebog512 => {
                pbkdf2::pbkdf2::<SimpleHmac<streebog::Streebog512>>(password, salt, rounds, out)
            }
        }
        .expect("HMAC takes keys of any length")
    }

    fn hmac(self, key: &[u8], data: &[u8]) -> Zeroizing<Vec<u8>> {
        fn run<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Zeroizing<Vec<u8>> {
            let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
            mac.update(data);
            Zeroizing::new(mac.finalize().into_bytes().to_vec())
        }
        match self {
            Prf::Sha256 => run::<SimpleHmac<sha2::Sha256>>(key, data),
            Prf::Streebog256 => run::<SimpleHmac<streebog::Streebog256>>(key, data),
            Prf::Streebog512 => run::<SimpleHmac<streebog::Streebog512>>(key, data),
        }
    }
}

/// The PKCS#12 key derivation (RFC 7292, appendix B) with SHA-256, for a
/// SHA-256 MAC (id 3).
fn pkcs12_kdf_sha256(password: &str, salt: &[u8], rounds: u32, len: usize) -> Zeroizing<Vec<u8>> {
    use sha2::Digest;
    const V: usize = 64;
    // BMPString, big-endian UTF-16 with two zero bytes at the end.
    let mut pass: Zeroizing<Vec<u8>> = Zeroizing::new(
        password
            .encode_utf16()
            .chain([0])
            .flat_map(|u| u.to_be_bytes())
            .collect(),
    );
    let fill = |src: &[u8]| -> Vec<u8> {
        if src.is_empty() {
            return Vec::new();
        }
        let n = V * src.len().div_ceil(V);
        src.iter().cycle().take(n).copied().collect()
    };
    let mut i = Zeroizing::new([fill(salt), fill(&pass)].concat());
    pass.iter_mut().for_each(|b| *b = 0);
    let d = [3u8; V];
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    while out.len() < len {
        let mut a = sha2::Sha256::new();
        a.update(d);
        a.update(&*i);
        let mut a = a.finalize();
        for _ in 1..rounds {
            a = sha2::Sha256::digest(a);
        }
        let take = (len - out.len()).min(a.len());
        out.extend_from_slice(&a[..take]);
        let b = fill(&a);
        for chunk in i.chunks_mut(V) {
            // chunk = (chunk + b + 1) mod 2^(8V)
            let mut carry = 1u16;
            for k in (0..V).rev() {
                let sum = chunk[k] as u16 + b[k] as u16 + carry;
                chunk[k] = sum as u8;
                carry = sum >> 8;
            }
        }
    }
    out
}

// --- Ciphers ------------------------------------------------------------------

const KEY_MESHING: [u8; 32] = [
    0x69, 0x00, 0x72, 0x22, 0x64, 0xC9, 0x04, 0x23, 0x8D, 0x3A, 0xDB, 0x96, 0x46, 0xE9, 0x2A, 0xC4,
    0x18, 0xFE, 0xAC, 0x94, 0x00, 0xED, 0x07, 0x12, 0xC0, 0x86, 0xDC, 0xC2, 0xEF, 0x4C, 0xA9, 0x2B,
];

/// GOST 28147-89 CFB decryption with CryptoPro key meshing: after every
/// 1 KiB the key becomes the meshing constant decrypted with the old key,
/// and the feedback register is encrypted with the new one.
fn gost89_cfb_decrypt(
    sbox: &str,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SignError> {
    let mut cipher = Gost89::new(sbox, key)?;
    let mut register: [u8; 8] = iv
        .try_into()
        .map_err(|_| damaged("GOST 28147-89 IV is not 8 bytes"))?;
    let mut out = Zeroizing::new(Vec::with_capacity(data.len()));
    for (i, chunk) in data.chunks(8).enumerate() {
        if i > 0 && i % 128 == 0 {
            let mut next = Zeroizing::new([0u8; 32]);
            for (dst, src) in next.chunks_mut(8).zip(KEY_MESHING.chunks(8)) {
                let mut b: [u8; 8] = src.try_into().expect("8 bytes");
                cipher.decrypt(&mut b);
                dst.copy_from_slice(&b);
            }
            cipher = Gost89::new(sbox, &next[..])?;
            cipher.encrypt(&mut register);
        }
        let mut gamma = register;
        cipher.encrypt(&mut gamma);
        out.extend(chunk.iter().zip(gamma).map(|(c, g)| c ^ g));
        if chunk.len() == 8 {
            register.copy_from_slice(chunk);
        }
    }
    Ok(out)
}

/// Kuznyechik in CTR-ACPKM: the counter starts at the 16-byte initial value
/// and counts up big-endian; after each 4 KiB section the key becomes the
/// encryption of the constant 0x80..0x9F under the old key.
fn kuznyechik_ctr_acpkm(
    key: &[u8],
    counter: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SignError> {
    use kuznyechik::Kuznyechik;
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| damaged("Kuznyechik key is not 32 bytes"))?;
    let mut key = Zeroizing::new(key);
    let mut ctr: [u8; 16] = counter
        .try_into()
        .map_err(|_| damaged("Kuznyechik counter is not 16 bytes"))?;
    let mut cipher = Kuznyechik::new(GenericArray::from_slice(&key[..]));
    let mut out = Zeroizing::new(Vec::with_capacity(data.len()));
    for (i, chunk) in data.chunks(16).enumerate() {
        if i > 0 && i % 256 == 0 {
            let mut next = Zeroizing::new([0u8; 32]);
            for (j, b) in next.iter_mut().enumerate() {
                *b = 0x80 + j as u8;
            }
            for half in next.chunks_mut(16) {
                cipher.encrypt_block(GenericArray::from_mut_slice(half));
            }
            key.copy_from_slice(&next[..]);
            cipher = Kuznyechik::new(GenericArray::from_slice(&key[..]));
        }
        let mut gamma = GenericArray::clone_from_slice(&ctr);
        cipher.encrypt_block(&mut gamma);
        out.extend(chunk.iter().zip(gamma).map(|(c, g)| c ^ g));
        for b in ctr.iter_mut().rev() {
            *b = b.wrapping_add(1);
            if *b != 0 {
                break;
            }
        }
    }
    Ok(out)
}

fn aes_cbc_decrypt(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>, SignError> {
    use cbc::cipher::block_padding::Pkcs7;
    use cbc::cipher::{BlockDecryptMut, KeyIvInit};
    let mut buf = Zeroizing::new(data.to_vec());
    let n = match key.len() {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
            .map_err(damaged)?
            .decrypt_padded_mut::<Pkcs7>(&mut buf)
            .map_err(|_| SignError::WrongPasswordOrDamaged)?
            .len(),
        32 => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map_err(damaged)?
            .decrypt_padded_mut::<Pkcs7>(&mut buf)
            .map_err(|_| SignError::WrongPasswordOrDamaged)?
            .len(),
        _ => return Err(damaged("AES key length")),
    };
    buf.truncate(n);
    Ok(buf)
}

/// Decrypts `data` protected by the PBES2 `params` (the AlgorithmIdentifier
/// parameters) with `password`.
fn pbes2_decrypt(
    params: &[u8],
    password: &str,
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SignError> {
    let (params, _) = expect(params, SEQUENCE)?;
    let (kdf, rest) = expect(params, SEQUENCE)?;
    let (scheme, _) = expect(rest, SEQUENCE)?;
    let (kdf_oid, kdf_params) = read_oid(kdf)?;
    if kdf_oid != "1.2.840.113549.1.5.12" {
        return Err(unsupported(format!("key derivation {kdf_oid}")));
    }
    let (kdf_params, _) = expect(kdf_params, SEQUENCE)?;
    let (salt, rest) = expect(kdf_params, OCTET_STRING)?;
    let (rounds, mut rest) = read_uint(rest)?;
    let rounds = u32::try_from(rounds)
        .ok()
        .filter(|r| (1..=10_000_000).contains(r))
        .ok_or_else(|| damaged("PBKDF2 iteration count"))?;
    let mut key_len = None;
    if let Ok((n, r)) = read_uint(rest) {
        key_len = Some(n as usize);
        rest = r;
    }
    let prf = if rest.is_empty() {
        return Err(unsupported("PBKDF2 with HMAC-SHA-1"));
    } else {
        let (prf, _) = expect(rest, SEQUENCE)?;
        Prf::from_oid(&read_oid(prf)?.0)?
    };
    let (scheme_oid, scheme_params) = read_oid(scheme)?;
    let derive = |len: usize| {
        let mut key = Zeroizing::new(vec![0u8; key_len.unwrap_or(len)]);
        prf.pbkdf2(password.as_bytes(), salt, rounds, &mut key);
        key
    };
    match scheme_oid.as_str() {
        // GOST 28147-89: SEQUENCE { iv OCTET STRING, paramSet OID }
        "1.2.643.2.2.21" => {
            let (p, _) = expect(scheme_params, SEQUENCE)?;
            let (iv, rest) = expect(p, OCTET_STRING)?;
            let (sbox, _) = read_oid(rest)?;
            gost89_cfb_decrypt(&sbox, &derive(32), iv, data)
        }
        // Kuznyechik CTR-ACPKM: SEQUENCE { ukm OCTET STRING } whose first
        // 16 bytes are the initial counter.
        "1.2.643.7.1.1.5.2.1" => {
            let (p, _) = expect(scheme_params, SEQUENCE)?;
            let (ukm, _) = expect(p, OCTET_STRING)?;
            let mut counter = [0u8; 16];
            let n = ukm.len().min(16);
            if n < 8 {
                return Err(damaged("Kuznyechik IV shorter than 8 bytes"));
            }
            counter[..n].copy_from_slice(&ukm[..n]);
            kuznyechik_ctr_acpkm(&derive(32), &counter, data)
        }
        "2.16.840.1.101.3.4.1.2" | "2.16.840.1.101.3.4.1.42" => {
            let len = if scheme_oid.ends_with(".2") { 16 } else { 32 };
            let (iv, _) = expect(scheme_params, OCTET_STRING)?;
            aes_cbc_decrypt(&derive(len), iv, data)
        }
        other => Err(unsupported(format!("encryption {other}"))),
    }
}

/// Decrypts an EncryptedPrivateKeyInfo or EncryptedContentInfo payload given
/// its AlgorithmIdentifier (full TLV content).
fn decrypt(algorithm: &[u8], password: &str, data: &[u8]) -> Result<Zeroizing<Vec<u8>>, SignError> {
    let (oid, params) = read_oid(algorithm)?;
    if oid != "1.2.840.113549.1.5.13" {
        return Err(unsupported(format!("encryption {oid}")));
    }
    pbes2_decrypt(params, password, data)
}

// --- The container ------------------------------------------------------------

const ID_DATA: &str = "1.2.840.113549.1.7.1";
const ID_ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
const KEY_BAG: &str = "1.2.840.113549.1.12.10.1.1";
const SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
const CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
const X509_CERTIFICATE: &str = "1.2.840.113549.1.9.22.1";

fn check_mac(mac_data: &[u8], password: &str, auth_safe: &[u8]) -> Result<(), SignError> {
    // MacData ::= SEQUENCE { DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }
    let (digest_info, rest) = expect(mac_data, SEQUENCE)?;
    let (salt, rest) = expect(rest, OCTET_STRING)?;
    let rounds = if rest.is_empty() {
        1
    } else {
        read_uint(rest)?.0
    };
    let rounds = u32::try_from(rounds)
        .ok()
        .filter(|r| (1..=10_000_000).contains(r))
        .ok_or_else(|| damaged("MAC iteration count"))?;
    let (algorithm, rest) = expect(digest_info, SEQUENCE)?;
    let (expected, _) = expect(rest, OCTET_STRING)?;
    let prf = Prf::from_oid(&read_oid(algorithm)?.0)?;
    let mac = match prf {
        Prf::Sha256 => {
            let key = pkcs12_kdf_sha256(password, salt, rounds, 32);
            prf.hmac(&key, auth_safe)
        }
        Prf::Streebog256 | Prf::Streebog512 => {
            let mut key = Zeroizing::new([0u8; 96]);
            prf.pbkdf2(password.as_bytes(), salt, rounds, &mut key[..]);
            prf.hmac(&key[64..], auth_safe)
        }
    };
    if bool::from(mac.ct_eq(expected)) {
        Ok(())
    } else {
        Err(SignError::WrongPasswordOrDamaged)
    }
}

fn read_safe_contents(content: &[u8], password: &str, out: &mut Contents) -> Result<(), SignError> {
    let (bags, _) = expect(content, SEQUENCE)?;
    for (tag, bag, _) in elements(bags)? {
        if tag != SEQUENCE {
            return Err(damaged("a SafeBag is not a SEQUENCE"));
        }
        let (bag_id, rest) = read_oid(bag)?;
        let (value, _) = expect(rest, CONTEXT_0)?;
        match bag_id.as_str() {
            KEY_BAG => out.keys.push(Zeroizing::new(value.to_vec())),
            SHROUDED_KEY_BAG => {
                let (info, _) = expect(value, SEQUENCE)?;
                let (algorithm, rest) = expect(info, SEQUENCE)?;
                let (encrypted, _) = expect(rest, OCTET_STRING)?;
                out.keys.push(decrypt(algorithm, password, encrypted)?);
            }
            CERT_BAG => {
                let (cert_bag, _) = expect(value, SEQUENCE)?;
                let (cert_id, rest) = read_oid(cert_bag)?;
                if cert_id == X509_CERTIFICATE {
                    let (wrapped, _) = expect(rest, CONTEXT_0)?;
                    let (der, _) = expect(wrapped, OCTET_STRING)?;
                    out.certificates.push(der.to_vec());
                }
            }
            // CRL, secret and nested bags carry nothing a signer needs.
            _ => {}
        }
    }
    Ok(())
}

/// Opens a container, checking its MAC first.
pub(crate) fn open(bytes: &[u8], password: &str) -> Result<Contents, SignError> {
    let (pfx, _) = expect(bytes, SEQUENCE).map_err(|_| SignError::NotPkcs12)?;
    let (version, rest) = read_uint(pfx)?;
    if version != 3 {
        return Err(damaged(format!("PFX version {version}")));
    }
    let (auth_safe, rest) = expect(rest, SEQUENCE)?;
    let (content_type, rest_ci) = read_oid(auth_safe)?;
    if content_type != ID_DATA {
        return Err(unsupported("public-key integrity mode"));
    }
    let (wrapped, _) = expect(rest_ci, CONTEXT_0)?;
    let (safe, _) = expect(wrapped, OCTET_STRING)?;
    if rest.is_empty() {
        return Err(unsupported("a container without a MAC"));
    }
    let (mac_data, _) = expect(rest, SEQUENCE)?;
    check_mac(mac_data, password, safe)?;

    let mut out = Contents {
        keys: Vec::new(),
        certificates: Vec::new(),
    };
    let (infos, _) = expect(safe, SEQUENCE)?;
    for (tag, info, _) in elements(infos)? {
        if tag != SEQUENCE {
            return Err(damaged("a ContentInfo is not a SEQUENCE"));
        }
        let (content_type, rest) = read_oid(info)?;
        let (content, _) = expect(rest, CONTEXT_0)?;
        match content_type.as_str() {
            ID_DATA => {
                let (data, _) = expect(content, OCTET_STRING)?;
                read_safe_contents(data, password, &mut out)?;
            }
            ID_ENCRYPTED_DATA => {
                // EncryptedData ::= SEQUENCE { version, EncryptedContentInfo }
                let (ed, _) = expect(content, SEQUENCE)?;
                let (_, rest) = read_uint(ed)?;
                let (eci, _) = expect(rest, SEQUENCE)?;
                let (_, rest) = read_oid(eci)?;
                let (algorithm, rest) = expect(rest, SEQUENCE)?;
                let (encrypted, _) = expect(rest, CONTEXT_0_PRIMITIVE)?;
                let plain = decrypt(algorithm, password, encrypted)?;
                read_safe_contents(&plain, password, &mut out)?;
            }
            other => return Err(unsupported(format!("content {other}"))),
        }
    }
    Ok(out)
}
