//! Encryption at rest: one random 256-bit key per profile, kept in the OS
//! keychain, never on disk. SQLCipher encrypts the cache database with it
//! (as a raw key, so no passphrase KDF runs on every open); document blobs
//! are sealed with AES-256-GCM under a key derived from it, and their file
//! names are keyed hashes, so the blob directory does not even say which
//! known documents this computer holds.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::CoreError;

const BLOB_MAGIC: &[u8; 4] = b"OCB1";
const NONCE_LEN: usize = 12;

/// The key of one profile's cache.
pub struct CacheKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheKey(…)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl CacheKey {
    pub fn generate() -> Result<Self, CoreError> {
        let mut k = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(k.as_mut())
            .map_err(|e| CoreError::Store(format!("no randomness for the cache key: {e}")))?;
        Ok(Self(k))
    }

    pub fn from_hex(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.len() != 64 {
            return None;
        }
        let mut k = Zeroizing::new([0u8; 32]);
        for (i, b) in k.iter_mut().enumerate() {
            *b = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Self(k))
    }

    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex(self.0.as_ref()))
    }

    /// `PRAGMA key` argument: a raw key, SQLCipher's `x'…'` form.
    pub(crate) fn sqlcipher_pragma(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("\"x'{}'\"", self.to_hex().as_str()))
    }

    fn derive(&self, label: &str) -> Zeroizing<[u8; 32]> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_ref())
            .expect("HMAC takes any key length");
        mac.update(label.as_bytes());
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&mac.finalize().into_bytes());
        out
    }

    /// The sealing key for document blobs.
    pub fn blob_key(&self) -> BlobKey {
        BlobKey {
            seal: self.derive("orgcabinet blob content v1"),
            name: self.derive("orgcabinet blob names v1"),
        }
    }
}

/// Seals and names blobs; derived from a [`CacheKey`].
pub struct BlobKey {
    seal: Zeroizing<[u8; 32]>,
    name: Zeroizing<[u8; 32]>,
}

impl BlobKey {
    /// The file name for content with this SHA-256 (hex): a keyed hash.
    pub fn file_name(&self, sha: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(self.name.as_ref()).expect("any key length");
        mac.update(sha.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// `OCB1 ‖ nonce ‖ AES-256-GCM(content)`, the content hash bound as
    /// associated data so a file cannot be swapped for another blob's.
    pub fn seal(&self, sha: &str, plain: &[u8]) -> Result<Vec<u8>, CoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::getrandom(&mut nonce)
            .map_err(|e| CoreError::Store(format!("no randomness for a nonce: {e}")))?;
        let cipher = Aes256Gcm::new_from_slice(self.seal.as_ref()).expect("32-byte key");
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: sha.as_bytes(),
                },
            )
            .map_err(|_| CoreError::Store("blob encryption failed".into()))?;
        let mut out = Vec::with_capacity(4 + NONCE_LEN + sealed.len());
        out.extend_from_slice(BLOB_MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// The content, or `None` when the file is not a blob sealed under
    /// this key for this hash (damaged, swapped, or another key's).
    pub fn open(&self, sha: &str, file: &[u8]) -> Option<Vec<u8>> {
        let rest = file.strip_prefix(BLOB_MAGIC.as_slice())?;
        if rest.len() < NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let cipher = Aes256Gcm::new_from_slice(self.seal.as_ref()).ok()?;
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: sha.as_bytes(),
                },
            )
            .ok()
    }
}

/// What unlocks a locked session: a keyed hash of the login password under
/// a random key, both only in memory. Absent after a restart or a
/// certificate login; then unlocking means logging in again.
pub(crate) struct PasswordCheck {
    key: Zeroizing<[u8; 32]>,
    mac: Zeroizing<Vec<u8>>,
}

impl PasswordCheck {
    pub(crate) fn new(password: &str) -> Option<Self> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(key.as_mut()).ok()?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_ref()).ok()?;
        mac.update(password.as_bytes());
        Some(Self {
            mac: Zeroizing::new(mac.finalize().into_bytes().to_vec()),
            key,
        })
    }

    pub(crate) fn matches(&self, password: &str) -> bool {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(self.key.as_ref()) else {
            return false;
        };
        mac.update(password.as_bytes());
        mac.verify_slice(&self.mac).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_blobs_are_bound_to_their_hash() {
        let k = CacheKey::generate().unwrap();
        let again = CacheKey::from_hex(&k.to_hex()).unwrap();
        assert_eq!(k.to_hex().as_str(), again.to_hex().as_str());
        assert!(CacheKey::from_hex("zz").is_none());
        assert!(!format!("{k:?}").contains(k.to_hex().as_str()));

        let b = k.blob_key();
        let sha = "a".repeat(64);
        let sealed = b.seal(&sha, "Договор поставки".as_bytes()).unwrap();
        assert!(!sealed.windows(6).any(|w| w == "Дог".as_bytes()));
        assert_eq!(
            again.blob_key().open(&sha, &sealed).unwrap(),
            "Договор поставки".as_bytes()
        );
        assert!(
            b.open(&"b".repeat(64), &sealed).is_none(),
            "bound to its hash"
        );
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(b.open(&sha, &flipped).is_none());
        let other = CacheKey::generate().unwrap().blob_key();
        assert!(other.open(&sha, &sealed).is_none());
        assert_ne!(b.file_name(&sha), other.file_name(&sha));
        assert_eq!(b.file_name(&sha).len(), 64);
    }
}
