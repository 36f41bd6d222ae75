//! GOST R 34.10-2012 signatures (256- and 512-bit keys) with GOST R
//! 34.11-2012 (Streebog) digests, in safe Rust.
//!
//! Conventions, as OpenSSL's GOST engine and RFC 9215 have them:
//! - a digest is read as a little-endian integer e (mod q; 0 becomes 1);
//! - a signature value is s ‖ r, each big-endian, 64 or 128 bytes; the
//!   "raw" form ESIA takes as `client_secret` is that value reversed;
//! - a public key is x ‖ y, each little-endian, in an OCTET STRING;
//! - a private key is d, little-endian (in PKCS#8 as the engine writes it).

mod curve;
mod encoding;
pub mod params;
mod streebog;
pub use streebog::Streebog;
mod streebog_consts;

use crypto_bigint::subtle::ConstantTimeLess;
use crypto_bigint::{Uint, Zero};
use zeroize::{Zeroize, Zeroizing};

use crate::SignError;
use curve::{uint_from_be, uint_to_be, Curve};
pub use encoding::{key_algorithm, key_size_of, param_set_of};
use params::AnyCurve;
pub use params::{KeySize, ParamSet};

/// Streebog-256 of `data`.
pub fn streebog256(data: &[u8]) -> [u8; 32] {
    let mut h = Streebog::new(KeySize::Bits256);
    h.update(data);
    h.finalize().try_into().expect("32 bytes")
}

/// Streebog-512 of `data`.
pub fn streebog512(data: &[u8]) -> [u8; 64] {
    let mut h = Streebog::new(KeySize::Bits512);
    h.update(data);
    h.finalize().try_into().expect("64 bytes")
}

fn reversed(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().rev().copied().collect()
}

/// e: the digest as a little-endian integer mod q, 1 instead of 0.
fn digest_scalar<const L: usize>(c: &Curve<L>, digest: &[u8]) -> Result<Uint<L>, SignError> {
    if digest.len() != L * 8 {
        return Err(SignError::SigningFailed(format!(
            "a {}-byte digest for a {}-bit key",
            digest.len(),
            L * 64
        )));
    }
    let e = c.mod_q(&Uint::from_le_slice(digest));
    Ok(if bool::from(e.is_zero()) {
        Uint::ONE
    } else {
        e
    })
}

/// A uniformly random scalar in [1, q − 1] from the OS generator.
fn random_scalar<const L: usize>(q: &Uint<L>) -> Result<Zeroizing<Uint<L>>, SignError> {
    let bits = q.bits_vartime();
    let mut bytes = Zeroizing::new(vec![0u8; L * 8]);
    loop {
        getrandom::getrandom(&mut bytes)
            .map_err(|e| SignError::SigningFailed(format!("random: {e}")))?;
        // Keep q's bit length, so at least half the draws are below q.
        let excess = L * 64 - bits;
        for (i, b) in bytes.iter_mut().enumerate() {
            let bit0 = i * 8;
            if bit0 + 8 <= excess {
                *b = 0;
            } else if bit0 < excess {
                *b &= 0xff >> (excess - bit0);
            }
        }
        let k = Zeroizing::new(Uint::<L>::from_be_slice(&bytes));
        if !bool::from(k.is_zero()) && bool::from(k.ct_lt(q)) {
            return Ok(k);
        }
    }
}

/// The signature (r, s) of `digest` by d with nonce k; `None` when k gives
/// r = 0 or s = 0 (draw another).
fn sign_with_nonce<const L: usize>(
    c: &Curve<L>,
    d: &Uint<L>,
    e: &Uint<L>,
    k: &Uint<L>,
) -> Option<(Uint<L>, Uint<L>)> {
    use crypto_bigint::modular::runtime_mod::DynResidue;
    let point = c.mul(k, &c.base());
    let (x, _) = c.affine(&point)?;
    let r = c.mod_q(&x);
    let m = |v: &Uint<L>| DynResidue::new(v, c.scalars);
    let mut rm = m(&r);
    let mut dm = m(d);
    let mut km = m(k);
    let em = m(e);
    let mut sm = rm * dm + km * em;
    let s = sm.retrieve();
    dm.zeroize();
    km.zeroize();
    sm.zeroize();
    rm.zeroize();
    if bool::from(r.is_zero()) || bool::from(s.is_zero()) {
        return None;
    }
    Some((r, s))
}

fn verify_with<const L: usize>(
    c: &Curve<L>,
    public: &(Uint<L>, Uint<L>),
    digest: &[u8],
    signature: &[u8],
) -> Result<bool, SignError> {
    use crypto_bigint::modular::runtime_mod::DynResidue;
    if signature.len() != L * 16 {
        return Ok(false);
    }
    let (Some(s), Some(r)) = (
        uint_from_be::<L>(&signature[..L * 8]),
        uint_from_be::<L>(&signature[L * 8..]),
    ) else {
        return Ok(false);
    };
    let in_range = |v: &Uint<L>| !bool::from(v.is_zero()) && bool::from(v.ct_lt(&c.q));
    if !in_range(&r) || !in_range(&s) {
        return Ok(false);
    }
    let e = digest_scalar(c, digest)?;
    let m = |v: &Uint<L>| DynResidue::new(v, c.scalars);
    let (v, ok) = m(&e).invert();
    if !bool::from(crypto_bigint::subtle::Choice::from(ok)) {
        return Ok(false);
    }
    let z1 = (m(&s) * v).retrieve();
    let z2 = (-(m(&r)) * v).retrieve();
    let q = c.point(c.fe(&public.0), c.fe(&public.1));
    let sum = c.add(&c.mul(&z1, &c.base()), &c.mul(&z2, &q));
    let Some((x, _)) = c.affine(&sum) else {
        return Ok(false);
    };
    Ok(bool::from(crypto_bigint::subtle::ConstantTimeEq::ct_eq(
        &c.mod_q(&x),
        &r,
    )))
}

/// A GOST public key: a point of a parameter set's curve.
#[derive(Clone, PartialEq, Eq)]
pub struct GostPublicKey {
    params: ParamSet,
    /// x ‖ y, each big-endian.
    xy: Vec<u8>,
}

impl std::fmt::Debug for GostPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GostPublicKey({})", self.params.display_name())
    }
}

fn checked_point<const L: usize>(
    c: &Curve<L>,
    x: &[u8],
    y: &[u8],
) -> Result<(Uint<L>, Uint<L>), SignError> {
    let bad = |why: &str| SignError::MalformedKey(format!("GOST public key: {why}"));
    let (Some(x), Some(y)) = (uint_from_be::<L>(x), uint_from_be::<L>(y)) else {
        return Err(bad("too long"));
    };
    if !bool::from(x.ct_lt(c.p())) || !bool::from(y.ct_lt(c.p())) {
        return Err(bad("a coordinate is not below p"));
    }
    if !c.contains(&c.fe(&x), &c.fe(&y)) {
        return Err(bad("not a point of the curve"));
    }
    // In the subgroup of order q (the Edwards curves have cofactor 4).
    if c.affine(&c.mul(&c.q, &c.point(c.fe(&x), c.fe(&y))))
        .is_some()
    {
        return Err(bad("not in the subgroup of the base point"));
    }
    Ok((x, y))
}

impl GostPublicKey {
    /// A key from its coordinates, big-endian; checked to lie on the curve,
    /// in the base point's subgroup.
    pub fn from_coordinates(params: ParamSet, x: &[u8], y: &[u8]) -> Result<Self, SignError> {
        let xy = match params.curve() {
            AnyCurve::C256(c) => {
                let (x, y) = checked_point(c, x, y)?;
                [uint_to_be(&x), uint_to_be(&y)].concat()
            }
            AnyCurve::C512(c) => {
                let (x, y) = checked_point(c, x, y)?;
                [uint_to_be(&x), uint_to_be(&y)].concat()
            }
        };
        Ok(Self { params, xy })
    }

    /// A key from the content of its X.509 OCTET STRING: x ‖ y, little-endian.
    pub fn from_le_bytes(params: ParamSet, bytes: &[u8]) -> Result<Self, SignError> {
        let n = params.size().bytes();
        if bytes.len() != 2 * n {
            return Err(SignError::MalformedKey(format!(
                "GOST public key of {} bytes, {} expected",
                bytes.len(),
                2 * n
            )));
        }
        Self::from_coordinates(params, &reversed(&bytes[..n]), &reversed(&bytes[n..]))
    }

    /// x ‖ y, little-endian: the content of the X.509 OCTET STRING.
    pub fn to_le_bytes(&self) -> Vec<u8> {
        let n = self.params.size().bytes();
        [reversed(&self.xy[..n]), reversed(&self.xy[n..])].concat()
    }

    /// x and y, big-endian.
    pub fn coordinates(&self) -> (&[u8], &[u8]) {
        self.xy.split_at(self.params.size().bytes())
    }

    pub fn params(&self) -> ParamSet {
        self.params
    }

    /// Whether `signature` (s ‖ r, big-endian) is this key's over `digest`.
    pub fn verify_digest(&self, digest: &[u8], signature: &[u8]) -> Result<bool, SignError> {
        let (x, y) = self.coordinates();
        match self.params.curve() {
            AnyCurve::C256(c) => {
                let p = (
                    uint_from_be(x).expect("checked"),
                    uint_from_be(y).expect("checked"),
                );
                verify_with(c, &p, digest, signature)
            }
            AnyCurve::C512(c) => {
                let p = (
                    uint_from_be(x).expect("checked"),
                    uint_from_be(y).expect("checked"),
                );
                verify_with(c, &p, digest, signature)
            }
        }
    }

    /// [`Self::verify_digest`] over `message`, hashed with the key's Streebog.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<bool, SignError> {
        let mut h = Streebog::new(self.params.size());
        h.update(message);
        self.verify_digest(&h.finalize(), signature)
    }
}

/// A key in a container's form: (d · m mod q, m), each little-endian.
pub type MaskedKey = (Zeroizing<Vec<u8>>, Zeroizing<Vec<u8>>);

/// A GOST private key, in memory only: zeroized on drop, never printed.
pub struct GostPrivateKey {
    params: ParamSet,
    /// d, big-endian.
    d: Zeroizing<Vec<u8>>,
    public: GostPublicKey,
}

impl std::fmt::Debug for GostPrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GostPrivateKey({})", self.params.display_name())
    }
}

fn public_of<const L: usize>(c: &Curve<L>, d: &Uint<L>) -> Result<Vec<u8>, SignError> {
    let (x, y) = c
        .affine(&c.mul(d, &c.base()))
        .ok_or_else(|| SignError::MalformedKey("GOST private key is a multiple of q".into()))?;
    Ok([uint_to_be(&x), uint_to_be(&y)].concat())
}

fn checked_scalar<const L: usize>(
    c: &Curve<L>,
    be: &[u8],
) -> Result<Zeroizing<Uint<L>>, SignError> {
    let d = Zeroizing::new(
        uint_from_be::<L>(be)
            .ok_or_else(|| SignError::MalformedKey("GOST private key too long".into()))?,
    );
    if bool::from(d.is_zero()) || !bool::from(d.ct_lt(&c.q)) {
        return Err(SignError::MalformedKey(
            "GOST private key is not in [1, q − 1]".into(),
        ));
    }
    Ok(d)
}

impl GostPrivateKey {
    /// A key from d, big-endian.
    pub fn from_be_bytes(params: ParamSet, d: &[u8]) -> Result<Self, SignError> {
        let n = params.size().bytes();
        let xy = match params.curve() {
            AnyCurve::C256(c) => public_of(c, &*checked_scalar(c, d)?)?,
            AnyCurve::C512(c) => public_of(c, &*checked_scalar(c, d)?)?,
        };
        let mut padded = Zeroizing::new(vec![0u8; n]);
        let d = &d[d.len().saturating_sub(n)..];
        padded[n - d.len()..].copy_from_slice(d);
        Ok(Self {
            params,
            d: padded,
            public: GostPublicKey { params, xy },
        })
    }

    /// A key from d, little-endian (as the engine's PKCS#8 holds it).
    pub fn from_le_bytes(params: ParamSet, d: &[u8]) -> Result<Self, SignError> {
        let be = Zeroizing::new(reversed(d));
        Self::from_be_bytes(params, &be)
    }

    /// A new random key.
    pub fn generate(params: ParamSet) -> Result<Self, SignError> {
        let d = match params.curve() {
            AnyCurve::C256(c) => Zeroizing::new(uint_to_be(&*random_scalar(&c.q)?)),
            AnyCurve::C512(c) => Zeroizing::new(uint_to_be(&*random_scalar(&c.q)?)),
        };
        Self::from_be_bytes(params, &d)
    }

    /// A key stored masked, as CryptoPro exports keys into a .pfx and keeps
    /// them in its containers: the masked value followed by one or more
    /// masks, each little-endian and as long as the key; d = masked ·
    /// mask₁ · … mod q (the unmasking the OpenSSL GOST engine does too).
    pub fn from_masked_le_bytes(params: ParamSet, stored: &[u8]) -> Result<Self, SignError> {
        let n = params.size().bytes();
        if stored.len() < 2 * n || stored.len() % n != 0 {
            return Err(SignError::MalformedKey(format!(
                "a masked key of {} bytes: not a value and masks of {n}",
                stored.len()
            )));
        }
        fn unmask<const L: usize>(c: &Curve<L>, parts: &[Vec<u8>]) -> Zeroizing<Vec<u8>> {
            let mut d = Zeroizing::new(c.mod_q(&uint_from_be::<L>(&parts[0]).expect("n bytes")));
            for mask in &parts[1..] {
                let m = Zeroizing::new(uint_from_be::<L>(mask).expect("n bytes"));
                *d = c.mul_mod_q(&d, &m);
            }
            Zeroizing::new(uint_to_be(&*d))
        }
        let parts: Vec<Vec<u8>> = stored.chunks(n).map(reversed).collect();
        let d = match params.curve() {
            AnyCurve::C256(c) => unmask(c, &parts),
            AnyCurve::C512(c) => unmask(c, &parts),
        };
        for mut p in parts {
            zeroize::Zeroize::zeroize(&mut p);
        }
        Self::from_be_bytes(params, &d)
    }

    /// A key as CryptoPro CSP keeps it in a key container: the masked value
    /// d · m mod q and the mask m, each little-endian; d = masked · m⁻¹ mod q.
    /// (A .pfx export multiplies instead, see [`Self::from_masked_le_bytes`].)
    pub fn from_container_parts(
        params: ParamSet,
        masked: &[u8],
        mask: &[u8],
    ) -> Result<Self, SignError> {
        let n = params.size().bytes();
        if masked.len() != n || mask.len() != n {
            return Err(SignError::MalformedKey(format!(
                "a masked key of {} bytes and a mask of {} for a {}-bit key",
                masked.len(),
                mask.len(),
                n * 8
            )));
        }
        fn unmask<const L: usize>(
            c: &Curve<L>,
            masked: &[u8],
            mask: &[u8],
        ) -> Result<Zeroizing<Vec<u8>>, SignError> {
            use crypto_bigint::modular::runtime_mod::DynResidue;
            let value = Zeroizing::new(Uint::<L>::from_le_slice(masked));
            let m = Zeroizing::new(Uint::<L>::from_le_slice(mask));
            let (inverse, ok) = DynResidue::new(&m, c.scalars).invert();
            if !bool::from(crypto_bigint::subtle::Choice::from(ok)) {
                return Err(SignError::MalformedKey("the mask is not invertible".into()));
            }
            let mut d = DynResidue::new(&value, c.scalars) * inverse;
            let out = Zeroizing::new(uint_to_be(&d.retrieve()));
            d.zeroize();
            Ok(out)
        }
        let d = match params.curve() {
            AnyCurve::C256(c) => unmask(c, masked, mask)?,
            AnyCurve::C512(c) => unmask(c, masked, mask)?,
        };
        Self::from_be_bytes(params, &d)
    }

    /// The container form of the key with a fresh random mask: (d · m mod q,
    /// m), each little-endian.
    pub fn to_container_parts(&self) -> Result<MaskedKey, SignError> {
        fn mask<const L: usize>(c: &Curve<L>, d_be: &[u8]) -> Result<MaskedKey, SignError> {
            let d = checked_scalar(c, d_be)?;
            let m = random_scalar(&c.q)?;
            let masked = Zeroizing::new(c.mul_mod_q(&d, &m));
            Ok((
                Zeroizing::new(reversed(&uint_to_be(&*masked))),
                Zeroizing::new(reversed(&uint_to_be(&*m))),
            ))
        }
        match self.params.curve() {
            AnyCurve::C256(c) => mask(c, &self.d),
            AnyCurve::C512(c) => mask(c, &self.d),
        }
    }

    /// d, little-endian.
    pub fn to_le_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(reversed(&self.d))
    }

    pub fn params(&self) -> ParamSet {
        self.params
    }

    pub fn public_key(&self) -> &GostPublicKey {
        &self.public
    }

    /// Signs a Streebog digest of the key's size: s ‖ r, big-endian, as
    /// X.509 and CMS carry it. A fresh random nonce for each signature.
    pub fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, SignError> {
        self.sign_digest_with(digest, None)
    }

    /// [`Self::sign_digest`] with a given nonce k (big-endian): the
    /// standard's worked examples, and nothing else.
    pub fn sign_digest_with_nonce(&self, digest: &[u8], k: &[u8]) -> Result<Vec<u8>, SignError> {
        self.sign_digest_with(digest, Some(k))
    }

    fn sign_digest_with(&self, digest: &[u8], k: Option<&[u8]>) -> Result<Vec<u8>, SignError> {
        match self.params.curve() {
            AnyCurve::C256(c) => sign_generic(c, &self.d, digest, k),
            AnyCurve::C512(c) => sign_generic(c, &self.d, digest, k),
        }
    }

    /// Signs `message`, hashed with the key's Streebog.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let mut h = Streebog::new(self.params.size());
        h.update(message);
        self.sign_digest(&h.finalize())
    }
}

fn sign_generic<const L: usize>(
    c: &Curve<L>,
    d_be: &[u8],
    digest: &[u8],
    k: Option<&[u8]>,
) -> Result<Vec<u8>, SignError> {
    let d = checked_scalar(c, d_be)?;
    let e = digest_scalar(c, digest)?;
    let (r, s) = match k {
        Some(k) => {
            let k = checked_scalar(c, k)?;
            sign_with_nonce(c, &d, &e, &k)
                .ok_or_else(|| SignError::SigningFailed("the nonce gives r = 0 or s = 0".into()))?
        }
        None => loop {
            let k = random_scalar(&c.q)?;
            if let Some(rs) = sign_with_nonce(c, &d, &e, &k) {
                break rs;
            }
        },
    };
    Ok([uint_to_be(&s), uint_to_be(&r)].concat())
}

/// The raw form of a signature value (s ‖ r, big-endian) that ESIA takes
/// as `client_secret`: the same bytes reversed (r, then s, little-endian).
/// Reversing again gives the value back.
pub fn raw_form(signature: &[u8]) -> Vec<u8> {
    reversed(signature)
}

/// Signs `message` with a GOST key (in a .pfx or anywhere a
/// [`crate::SigningKey`] lives) and returns the raw form: 64 bytes for a
/// 256-bit key, 128 for a 512-bit one, as integrators (ESIA's
/// `client_secret`) expect. Other algorithms are refused.
pub fn sign_raw(key: &dyn crate::SigningKey, message: &[u8]) -> Result<Vec<u8>, SignError> {
    match key.certificate().algorithm {
        crate::Algorithm::Gost2012_256 | crate::Algorithm::Gost2012_512 => {
            Ok(raw_form(&key.sign_message(message)?))
        }
        ref other => Err(SignError::UnsupportedAlgorithm(format!(
            "{}: a raw signature needs a GOST key",
            other.display_name()
        ))),
    }
}

/// Whether `raw` (the raw form) is the signature of `message` by the key
/// of `certificate`.
pub fn verify_raw(
    certificate: &crate::CertificateInfo,
    message: &[u8],
    raw: &[u8],
) -> Result<bool, SignError> {
    use x509_cert::der::Decode;
    let cert = x509_cert::Certificate::from_der(&certificate.der)
        .map_err(|e| SignError::MalformedCertificate(e.to_string()))?;
    let key = GostPublicKey::from_spki(&cert.tbs_certificate.subject_public_key_info)?;
    key.verify(message, &raw_form(raw))
}

#[cfg(test)]
mod tests;
