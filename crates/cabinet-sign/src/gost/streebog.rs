//! GOST R 34.11-2012 (Streebog) over 64-bit words.
//!
//! The state stays in `[u64; 8]` (little-endian words of the 512-bit
//! value) from block to block; the LPS step (substitution, byte transpose,
//! linear map) is one lookup table of 8 × 256 words built once from the
//! standard's π and A: output word i is the XOR over k of
//! `T[k][byte i of input word k]`, where `T[k][b] = l(π(b) << 8k)`. No
//! allocation and no byte-array round trips per block. Bytes are taken
//! from the words by shifts (ALU work) rather than reloaded from memory as
//! RustCrypto's `streebog` does: the CPUs we run on have more ALUs than
//! load ports, and the 64 table loads per LPS already keep those busy.

use std::sync::OnceLock;

use super::streebog_consts::{A, C, PI};
use super::KeySize;

type Table = [[u64; 256]; 8];

/// l: the GF(2) matrix A applied to a word (bit i selects row i of `A`
/// as stored here).
fn linear(word: u64) -> u64 {
    (0..64)
        .filter(|bit| word >> bit & 1 == 1)
        .fold(0, |acc, bit| acc ^ A[bit])
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Box<Table>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = Box::new([[0u64; 256]; 8]);
        for (k, row) in t.iter_mut().enumerate() {
            for (b, entry) in row.iter_mut().enumerate() {
                *entry = linear((PI[b] as u64) << (8 * k));
            }
        }
        t
    })
}

/// x ← LPS(x ⊕ y), in place.
#[inline(always)]
fn lpsx(t: &Table, x: &mut [u64; 8], y: &[u64; 8]) {
    let mut out = [0u64; 8];
    for (k, row) in t.iter().enumerate() {
        let v = x[k] ^ y[k];
        for (i, o) in out.iter_mut().enumerate() {
            *o ^= row[(v >> (8 * i)) as u8 as usize];
        }
    }
    *x = out;
}

/// E: the key K = LPS(h ⊕ N), then twelve rounds of the state and the key
/// schedule, both left in place (`key` ends as K13).
///
/// Its shape is codegen work, measured on this machine (signing 1 GiB went
/// from 45 MB/s to 85 MB/s, the engine's speed):
/// - The fences stop LLVM from interleaving the state's and the key's
///   transforms: interleaved, it keeps shifted copies of all sixteen input
///   words alive and spills most of them to the stack. A fence orders no
///   memory here that anything else reads; it only keeps the two apart.
/// - In place, not returned by value: a returned array was copied with
///   16-byte loads right after the 8-byte stores that wrote it, which store
///   forwarding cannot serve, on the critical path of every round.
/// - Out of line, one call per block: the body stays one tight loop.
#[inline(never)]
fn encrypt(t: &Table, key: &mut [u64; 8], state: &mut [u64; 8], n: &[u64; 8]) {
    use std::sync::atomic::{compiler_fence, Ordering};
    lpsx(t, key, n);
    for c in &C {
        compiler_fence(Ordering::SeqCst);
        lpsx(t, state, key);
        compiler_fence(Ordering::SeqCst);
        lpsx(t, key, c);
    }
}

/// The compression function g_N(h, m).
#[inline(always)]
fn g(t: &Table, h: &mut [u64; 8], n: &[u64; 8], m: &[u64; 8]) {
    let mut key = *h;
    let mut state = *m;
    encrypt(t, &mut key, &mut state, n);
    for i in 0..8 {
        h[i] ^= state[i] ^ key[i] ^ m[i];
    }
}

/// 512-bit addition modulo 2^512.
#[inline(always)]
fn add512(acc: &mut [u64; 8], v: &[u64; 8]) {
    let mut carry = false;
    for i in 0..8 {
        let (s1, c1) = acc[i].overflowing_add(v[i]);
        let (s2, c2) = s1.overflowing_add(carry as u64);
        acc[i] = s2;
        carry = c1 | c2;
    }
}

fn words(block: &[u8]) -> [u64; 8] {
    let mut w = [0u64; 8];
    for (word, bytes) in w.iter_mut().zip(block.chunks_exact(8)) {
        *word = u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
    }
    w
}

/// A running Streebog digest of the size a key signs (256 or 512 bits).
#[derive(Clone)]
pub struct Streebog {
    h: [u64; 8],
    n: [u64; 8],
    sigma: [u64; 8],
    buffer: [u8; 64],
    buffered: usize,
    out_len: usize,
}

const BLOCK_BITS: [u64; 8] = [512, 0, 0, 0, 0, 0, 0, 0];

impl Streebog {
    pub fn new(size: KeySize) -> Self {
        let out_len = size.bytes();
        let iv = match size {
            KeySize::Bits256 => 0x0101_0101_0101_0101,
            KeySize::Bits512 => 0,
        };
        Self {
            h: [iv; 8],
            n: [0; 8],
            sigma: [0; 8],
            buffer: [0; 64],
            buffered: 0,
            out_len,
        }
    }

    fn block(&mut self, t: &Table, m: &[u64; 8]) {
        g(t, &mut self.h, &self.n, m);
        add512(&mut self.n, &BLOCK_BITS);
        add512(&mut self.sigma, m);
    }

    pub fn update(&mut self, mut data: &[u8]) {
        let t = table();
        if self.buffered > 0 {
            let take = (64 - self.buffered).min(data.len());
            self.buffer[self.buffered..self.buffered + take].copy_from_slice(&data[..take]);
            self.buffered += take;
            data = &data[take..];
            if self.buffered < 64 {
                return;
            }
            let m = words(&self.buffer);
            self.block(t, &m);
            self.buffered = 0;
        }
        let mut blocks = data.chunks_exact(64);
        for block in &mut blocks {
            let m = words(block);
            self.block(t, &m);
        }
        let rest = blocks.remainder();
        self.buffer[..rest.len()].copy_from_slice(rest);
        self.buffered = rest.len();
    }

    pub fn finalize(mut self) -> Vec<u8> {
        let t = table();
        let len = self.buffered;
        let mut last = [0u8; 64];
        last[..len].copy_from_slice(&self.buffer[..len]);
        last[len] = 1;
        let m = words(&last);
        g(t, &mut self.h, &self.n, &m);
        add512(&mut self.n, &[8 * len as u64, 0, 0, 0, 0, 0, 0, 0]);
        add512(&mut self.sigma, &m);
        let zero = [0u64; 8];
        let (n, sigma) = (self.n, self.sigma);
        g(t, &mut self.h, &zero, &n);
        g(t, &mut self.h, &zero, &sigma);
        let bytes: Vec<u8> = self.h.iter().flat_map(|w| w.to_le_bytes()).collect();
        bytes[64 - self.out_len..].to_vec()
    }
}
