//! Elliptic curves of GOST R 34.10-2012 in short Weierstrass form
//! (y² = x³ + ax + b mod p) with a base point of prime order q.
//!
//! Field elements are Montgomery residues of `crypto-bigint`, whose
//! arithmetic is constant-time. Points are projective and added with the
//! complete formulas of Renes, Costello and Batina (2016, algorithm 1), which
//! have no special cases (doubling, the point at infinity) for points of the
//! prime-order subgroup; scalars are multiplied with a Montgomery ladder that
//! does the same work for every bit. So nothing that touches a private key
//! or a nonce branches or indexes memory on it.

use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use crypto_bigint::{Uint, Word};

/// A curve with `L` 64-bit limbs (4 for 256-bit keys, 8 for 512-bit).
#[derive(Clone, Copy)]
pub(crate) struct Curve<const L: usize> {
    pub(crate) field: DynResidueParams<L>,
    a: DynResidue<L>,
    b: DynResidue<L>,
    b3: DynResidue<L>,
    /// The order of the base point, and its residue parameters.
    pub(crate) q: Uint<L>,
    pub(crate) scalars: DynResidueParams<L>,
    pub(crate) gx: DynResidue<L>,
    pub(crate) gy: DynResidue<L>,
}

/// Big-endian hex of any length up to the curve size, as the parameter
/// tables write it.
pub(crate) fn uint_from_hex<const L: usize>(hex: &str) -> Uint<L> {
    let mut bytes = vec![0u8; L * 8];
    let digits: Vec<u8> = hex
        .bytes()
        .map(|c| match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("not a hex digit in a curve constant"),
        })
        .collect();
    assert!(digits.len() <= L * 16, "curve constant too long");
    for (i, d) in digits.iter().rev().enumerate() {
        let at = L * 8 - 1 - i / 2;
        bytes[at] |= if i % 2 == 0 { *d } else { *d << 4 };
    }
    Uint::from_be_slice(&bytes)
}

/// Big-endian bytes of `x` (L × 8 of them).
pub(crate) fn uint_to_be<const L: usize>(x: &Uint<L>) -> Vec<u8> {
    x.as_words()
        .iter()
        .rev()
        .flat_map(|w: &Word| w.to_be_bytes())
        .collect()
}

/// `x` from big-endian bytes; `None` when they do not fit in L limbs.
pub(crate) fn uint_from_be<const L: usize>(bytes: &[u8]) -> Option<Uint<L>> {
    let extra = bytes.len().saturating_sub(L * 8);
    if bytes[..extra].iter().any(|b| *b != 0) {
        return None;
    }
    let bytes = &bytes[extra..];
    let mut padded = vec![0u8; L * 8];
    padded[L * 8 - bytes.len()..].copy_from_slice(bytes);
    Some(Uint::from_be_slice(&padded))
}

/// A projective point (X : Y : Z); the point at infinity is (0 : 1 : 0).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Point<const L: usize> {
    x: DynResidue<L>,
    y: DynResidue<L>,
    z: DynResidue<L>,
}

impl<const L: usize> ConditionallySelectable for Point<L> {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        Self {
            x: DynResidue::conditional_select(&a.x, &b.x, choice),
            y: DynResidue::conditional_select(&a.y, &b.y, choice),
            z: DynResidue::conditional_select(&a.z, &b.z, choice),
        }
    }
}

impl<const L: usize> Curve<L> {
    /// A curve from its parameters in big-endian hex: a, b, p, q, x, y.
    pub(crate) fn from_hex(a: &str, b: &str, p: &str, q: &str, x: &str, y: &str) -> Self {
        let field = DynResidueParams::new(&uint_from_hex(p));
        let q: Uint<L> = uint_from_hex(q);
        let fe = |h: &str| DynResidue::new(&uint_from_hex(h), field);
        let b = fe(b);
        Self {
            field,
            a: fe(a),
            b,
            b3: b + b + b,
            q,
            scalars: DynResidueParams::new(&q),
            gx: fe(x),
            gy: fe(y),
        }
    }

    pub(crate) fn fe(&self, x: &Uint<L>) -> DynResidue<L> {
        DynResidue::new(x, self.field)
    }

    pub(crate) fn p(&self) -> &Uint<L> {
        self.field.modulus()
    }

    pub(crate) fn infinity(&self) -> Point<L> {
        Point {
            x: DynResidue::zero(self.field),
            y: DynResidue::one(self.field),
            z: DynResidue::zero(self.field),
        }
    }

    pub(crate) fn point(&self, x: DynResidue<L>, y: DynResidue<L>) -> Point<L> {
        Point {
            x,
            y,
            z: DynResidue::one(self.field),
        }
    }

    pub(crate) fn base(&self) -> Point<L> {
        self.point(self.gx, self.gy)
    }

    /// Whether (x, y) satisfies the curve equation.
    pub(crate) fn contains(&self, x: &DynResidue<L>, y: &DynResidue<L>) -> bool {
        let lhs = y.square();
        let rhs = x.square() * x + self.a * x + self.b;
        bool::from(lhs.ct_eq(&rhs))
    }

    /// P + Q, complete (RCB16 algorithm 1: 12M + 3 m_a + 2 m_3b).
    pub(crate) fn add(&self, p: &Point<L>, q: &Point<L>) -> Point<L> {
        let (x1, y1, z1) = (p.x, p.y, p.z);
        let (x2, y2, z2) = (q.x, q.y, q.z);
        let a = self.a;
        let b3 = self.b3;
        let mut t0 = x1 * x2;
        let mut t1 = y1 * y2;
        let mut t2 = z1 * z2;
        let mut t3 = (x1 + y1) * (x2 + y2);
        let mut t4 = t0 + t1;
        t3 -= t4;
        t4 = (x1 + z1) * (x2 + z2);
        let mut t5 = t0 + t2;
        t4 -= t5;
        t5 = (y1 + z1) * (y2 + z2);
        let mut x3 = t1 + t2;
        t5 -= x3;
        let mut z3 = a * t4;
        x3 = b3 * t2;
        z3 += x3;
        x3 = t1 - z3;
        z3 += t1;
        let mut y3 = x3 * z3;
        t1 = t0 + t0 + t0;
        t2 = a * t2;
        t4 = b3 * t4;
        t1 += t2;
        t2 = t0 - t2;
        t2 = a * t2;
        t4 += t2;
        t0 = t1 * t4;
        y3 += t0;
        t0 = t5 * t4;
        x3 = t3 * x3;
        x3 -= t0;
        t0 = t3 * t1;
        z3 = t5 * z3;
        z3 += t0;
        Point {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// k·P over all `L × 64` bits of k, the same work for every k.
    pub(crate) fn mul(&self, k: &Uint<L>, p: &Point<L>) -> Point<L> {
        let mut r0 = self.infinity();
        let mut r1 = *p;
        for i in (0..L * 64).rev() {
            let bit: Choice = k.bit(i).into();
            Point::conditional_swap(&mut r0, &mut r1, bit);
            r1 = self.add(&r0, &r1);
            r0 = self.add(&r0, &r0);
            Point::conditional_swap(&mut r0, &mut r1, bit);
        }
        r0
    }

    /// The affine x and y of P; `None` for the point at infinity.
    pub(crate) fn affine(&self, p: &Point<L>) -> Option<(Uint<L>, Uint<L>)> {
        let (zinv, ok) = p.z.invert();
        if !bool::from(Choice::from(ok)) {
            return None;
        }
        Some(((p.x * zinv).retrieve(), (p.y * zinv).retrieve()))
    }

    /// `x` reduced modulo q (x < 2^(64L)).
    pub(crate) fn mod_q(&self, x: &Uint<L>) -> Uint<L> {
        DynResidue::new(x, self.scalars).retrieve()
    }

    /// `x · y` modulo q.
    pub(crate) fn mul_mod_q(&self, x: &Uint<L>, y: &Uint<L>) -> Uint<L> {
        (DynResidue::new(x, self.scalars) * DynResidue::new(y, self.scalars)).retrieve()
    }
}
