//! GOST 28147-89: the block cipher of PKCS#12 containers protected the
//! Russian way and of CryptoPro key containers, and its MAC (imitovstavka).

use magma::cipher::generic_array::GenericArray;
use magma::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use zeroize::Zeroizing;

use crate::SignError;

/// The TC26 parameter set Z (id-tc26-gost-28147-param-Z, the S-box of GOST
/// R 34.12-2015 Magma), by OID.
pub const SBOX_Z: &str = "1.2.643.7.1.2.5.1.1";

/// GOST 28147-89 as the engine (and RFC 4357) orders bytes: key words and
/// block halves little-endian. The `magma` crate reads them big-endian, so
/// each key word and each block is byte-reversed on the way in and out.
pub(crate) enum Gost89 {
    A(magma::Gost89CryptoProA),
    B(magma::Gost89CryptoProB),
    C(magma::Gost89CryptoProC),
    D(magma::Gost89CryptoProD),
    Z(magma::Magma),
    Test(magma::Gost89Test),
}

impl Gost89 {
    pub(crate) fn new(sbox: &str, key: &[u8]) -> Result<Self, SignError> {
        let mut k = Zeroizing::new([0u8; 32]);
        for (dst, src) in k.chunks_mut(4).zip(key.chunks(4)) {
            dst.copy_from_slice(src);
            dst.reverse();
        }
        let k = GenericArray::from_slice(&k[..]);
        Ok(match sbox {
            "1.2.643.2.2.31.1" => Gost89::A(KeyInit::new(k)),
            "1.2.643.2.2.31.2" => Gost89::B(KeyInit::new(k)),
            "1.2.643.2.2.31.3" => Gost89::C(KeyInit::new(k)),
            "1.2.643.2.2.31.4" => Gost89::D(KeyInit::new(k)),
            "1.2.643.7.1.2.5.1.1" => Gost89::Z(KeyInit::new(k)),
            "1.2.643.2.2.31.0" => Gost89::Test(KeyInit::new(k)),
            other => {
                return Err(SignError::UnsupportedAlgorithm(format!(
                    "GOST 28147-89 parameter set {other}"
                )))
            }
        })
    }

    pub(crate) fn encrypt(&self, block: &mut [u8; 8]) {
        block.reverse();
        let b = GenericArray::from_mut_slice(&mut block[..]);
        match self {
            Gost89::A(c) => c.encrypt_block(b),
            Gost89::B(c) => c.encrypt_block(b),
            Gost89::C(c) => c.encrypt_block(b),
            Gost89::D(c) => c.encrypt_block(b),
            Gost89::Z(c) => c.encrypt_block(b),
            Gost89::Test(c) => c.encrypt_block(b),
        }
        block.reverse();
    }

    pub(crate) fn decrypt(&self, block: &mut [u8; 8]) {
        block.reverse();
        let b = GenericArray::from_mut_slice(&mut block[..]);
        match self {
            Gost89::A(c) => c.decrypt_block(b),
            Gost89::B(c) => c.decrypt_block(b),
            Gost89::C(c) => c.decrypt_block(b),
            Gost89::D(c) => c.decrypt_block(b),
            Gost89::Z(c) => c.decrypt_block(b),
            Gost89::Test(c) => c.decrypt_block(b),
        }
        block.reverse();
    }
}

/// The Z S-box, row i substituting the i-th nibble from the low end.
const Z: [[u8; 16]; 8] = [
    [12, 4, 6, 2, 10, 5, 11, 9, 14, 8, 13, 7, 0, 3, 15, 1],
    [6, 8, 2, 3, 9, 10, 5, 12, 1, 14, 4, 7, 11, 13, 0, 15],
    [11, 3, 5, 8, 2, 15, 10, 13, 14, 1, 7, 4, 12, 9, 6, 0],
    [12, 8, 2, 1, 13, 4, 15, 6, 7, 0, 10, 5, 3, 14, 9, 11],
    [7, 15, 5, 10, 8, 1, 6, 13, 0, 9, 3, 14, 11, 4, 2, 12],
    [5, 13, 15, 6, 9, 2, 12, 10, 11, 7, 8, 1, 4, 3, 14, 0],
    [8, 14, 2, 5, 6, 9, 1, 12, 15, 4, 11, 0, 13, 10, 3, 7],
    [1, 7, 14, 13, 0, 5, 8, 3, 4, 15, 10, 6, 9, 12, 11, 2],
];

fn round_function(x: u32) -> u32 {
    let mut y = 0u32;
    for (i, row) in Z.iter().enumerate() {
        y |= (row[(x >> (4 * i)) as usize & 0xf] as u32) << (4 * i);
    }
    y.rotate_left(11)
}

/// The key as eight little-endian words.
fn key_words(key: &[u8; 32]) -> Zeroizing<[u32; 8]> {
    let mut k = Zeroizing::new([0u32; 8]);
    for (w, b) in k.iter_mut().zip(key.chunks(4)) {
        *w = u32::from_le_bytes(b.try_into().expect("4 bytes"));
    }
    k
}

/// Runs the Feistel rounds with the key words in `order` over the block's
/// halves (n1, n2), swapping names rather than halves each round.
fn rounds(k: &[u32; 8], order: impl Iterator<Item = usize>, n1: &mut u32, n2: &mut u32) {
    for (i, w) in order.enumerate() {
        if i % 2 == 0 {
            *n2 ^= round_function(n1.wrapping_add(k[w]));
        } else {
            *n1 ^= round_function(n2.wrapping_add(k[w]));
        }
    }
}

/// The GOST 28147-89 MAC with the Z S-box, as CryptoPro CSP protects its
/// containers and OpenSSL's engine computes `gost-mac-12` up to 1 KiB (the
/// engine then meshes the key; CSP's container MAC never does): blocks of 8
/// bytes (the last padded with zeros; a lone block followed by a zero
/// block), each XORed into the state and run through 16 rounds; the MAC is
/// the first four bytes of the state.
pub fn mac_z(key: &[u8; 32], data: &[u8]) -> [u8; 4] {
    let k = key_words(key);
    let mut state = [0u8; 8];
    let mut blocks: Vec<[u8; 8]> = data
        .chunks(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b[..c.len()].copy_from_slice(c);
            b
        })
        .collect();
    while blocks.len() < 2 {
        blocks.push([0u8; 8]);
    }
    for block in blocks {
        for (s, b) in state.iter_mut().zip(block) {
            *s ^= b;
        }
        let mut n1 = u32::from_le_bytes(state[..4].try_into().expect("4 bytes"));
        let mut n2 = u32::from_le_bytes(state[4..].try_into().expect("4 bytes"));
        rounds(&k, (0..8).chain(0..8), &mut n1, &mut n2);
        state[..4].copy_from_slice(&n1.to_le_bytes());
        state[4..].copy_from_slice(&n2.to_le_bytes());
    }
    [state[0], state[1], state[2], state[3]]
}

/// ECB decryption with the Z S-box, in place (whole blocks only).
pub fn ecb_decrypt_z(key: &[u8; 32], data: &mut [u8]) -> Result<(), SignError> {
    if data.len() % 8 != 0 {
        return Err(SignError::MalformedKey(format!(
            "{} bytes are not whole GOST 28147-89 blocks",
            data.len()
        )));
    }
    let cipher = Gost89::new(SBOX_Z, key)?;
    for chunk in data.chunks_mut(8) {
        let block: &mut [u8; 8] = chunk.try_into().expect("8 bytes");
        cipher.decrypt(block);
    }
    Ok(())
}

/// ECB encryption with the Z S-box, in place (whole blocks only).
pub fn ecb_encrypt_z(key: &[u8; 32], data: &mut [u8]) -> Result<(), SignError> {
    if data.len() % 8 != 0 {
        return Err(SignError::MalformedKey(format!(
            "{} bytes are not whole GOST 28147-89 blocks",
            data.len()
        )));
    }
    let cipher = Gost89::new(SBOX_Z, key)?;
    for chunk in data.chunks_mut(8) {
        let block: &mut [u8; 8] = chunk.try_into().expect("8 bytes");
        cipher.encrypt(block);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magma_with_the_tc26_z_box_matches_the_standard_through_the_byte_order_swap() {
        // GOST R 34.12-2015 (Magma) example, written big-endian; the engine's
        // GOST 28147-89 with the Z box reads the same bytes reversed.
        let key: Vec<u8> = (0..32)
            .map(|i| {
                let be = [
                    0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33,
                    0x22, 0x11, 0x00, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9,
                    0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
                ];
                be[i / 4 * 4 + 3 - i % 4]
            })
            .collect();
        let cipher = Gost89::new("1.2.643.7.1.2.5.1.1", &key).unwrap();
        let mut block = [0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe];
        cipher.encrypt(&mut block);
        assert_eq!(block, [0x3d, 0xca, 0xd8, 0xc2, 0xe5, 0x01, 0xe9, 0x4e]);
        cipher.decrypt(&mut block);
        assert_eq!(block, [0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe]);
    }

    #[test]
    fn the_round_function_is_the_ciphers_own() {
        // 32 rounds (K1..K8 three times, then K8..K1) with halves swapped at
        // the end are the block cipher: the MAC's rounds are the cipher's.
        let key: [u8; 32] = core::array::from_fn(|i| (i * 7 + 3) as u8);
        let plain = [1u8, 2, 3, 4, 5, 6, 7, 8];
        let mut n1 = u32::from_le_bytes(plain[..4].try_into().unwrap());
        let mut n2 = u32::from_le_bytes(plain[4..].try_into().unwrap());
        let order = (0..8).chain(0..8).chain(0..8).chain((0..8).rev());
        rounds(&key_words(&key), order, &mut n1, &mut n2);
        let mine = [n2.to_le_bytes(), n1.to_le_bytes()].concat();
        let mut block = plain;
        Gost89::new(SBOX_Z, &key).unwrap().encrypt(&mut block);
        assert_eq!(mine, block);
    }

    #[test]
    fn ecb_round_trips() {
        let key = [9u8; 32];
        let mut data: Vec<u8> = (0..32).collect();
        ecb_encrypt_z(&key, &mut data).unwrap();
        assert_ne!(data, (0..32).collect::<Vec<u8>>());
        ecb_decrypt_z(&key, &mut data).unwrap();
        assert_eq!(data, (0..32).collect::<Vec<u8>>());
        assert!(ecb_decrypt_z(&key, &mut [0u8; 7]).is_err());
    }
}
