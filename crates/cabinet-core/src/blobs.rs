//! Document contents on disk, addressed by SHA-256 (`blobs/ab/cdef…`):
//! written to a temp file, fsynced and renamed, so a crash never leaves half
//! a file under a good name; the hash is checked on every read, and a
//! damaged file is removed so the next sync fetches it again. With a
//! [`BlobKey`] (the default: the cache is encrypted) files are sealed with
//! AES-256-GCM and named by a keyed hash of the content hash.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::cipher::BlobKey;
use crate::CoreError;

pub struct Blobs {
    dir: PathBuf,
    key: Option<BlobKey>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The name content is stored under: its SHA-256 in lower-case hex.
pub fn sha256_hex(content: &[u8]) -> String {
    hex(&Sha256::digest(content))
}

fn valid(sha: &str) -> bool {
    sha.len() == 64
        && sha
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

impl Blobs {
    pub fn new(dir: &Path, key: Option<BlobKey>) -> Self {
        Self {
            dir: dir.to_owned(),
            key,
        }
    }

    pub fn path(&self, sha: &str) -> Result<PathBuf, CoreError> {
        if !valid(sha) {
            return Err(CoreError::Invalid(cabinet_api::ErrorCode::InputSha256));
        }
        let name = match &self.key {
            Some(k) => k.file_name(sha),
            None => sha.to_owned(),
        };
        Ok(self.dir.join(&name[..2]).join(&name[2..]))
    }

    pub fn has(&self, sha: &str) -> bool {
        self.path(sha).is_ok_and(|p| p.is_file())
    }

    /// Stores `bytes`, which must hash to `sha`.
    pub fn put(&self, sha: &str, bytes: &[u8]) -> Result<PathBuf, CoreError> {
        let path = self.path(sha)?;
        if hex(&Sha256::digest(bytes)) != sha {
            return Err(CoreError::Protocol(format!("content does not match {sha}")));
        }
        let io = |e: std::io::Error| CoreError::Store(format!("{}: {e}", path.display()));
        let dir = path.parent().unwrap_or(&self.dir);
        crate::private::dir(dir)?;
        let file_name = path.file_name().unwrap_or_default().to_string_lossy();
        let tmp = dir.join(format!(".{file_name}.part"));
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        crate::private::file(&tmp)?;
        match &self.key {
            Some(k) => f.write_all(&k.seal(sha, bytes)?).map_err(io)?,
            None => f.write_all(bytes).map_err(io)?,
        }
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(path)
    }

    /// What the stored files take on the disk, together.
    pub fn disk_bytes(&self) -> u64 {
        fn walk(dir: &Path) -> u64 {
            std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => walk(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        }
        walk(&self.dir)
    }

    /// Removes a content; gone already is fine.
    pub fn remove(&self, sha: &str) -> Result<(), CoreError> {
        let path = self.path(sha)?;
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(CoreError::Store(format!("{}: {e}", path.display())))
            }
            _ => Ok(()),
        }
    }

    /// The content, checked against its hash; `None` when not stored (or
    /// damaged, and then removed).
    pub fn get(&self, sha: &str) -> Result<Option<Vec<u8>>, CoreError> {
        let path = self.path(sha)?;
        let Ok(file) = std::fs::read(&path) else {
            return Ok(None);
        };
        let bytes = match &self.key {
            Some(k) => k.open(sha, &file).unwrap_or_default(),
            None => file,
        };
        if hex(&Sha256::digest(&bytes)) != sha {
            tracing::warn!(sha, "damaged blob removed; it will be fetched again");
            let _ = std::fs::remove_file(&path);
            return Ok(None);
        }
        Ok(Some(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_blobs_hide_content_and_name() {
        let dir = tempfile::tempdir().unwrap();
        let key = crate::cipher::CacheKey::generate().unwrap();
        let b = Blobs::new(dir.path(), Some(key.blob_key()));
        let data = "Акт сверки".as_bytes();
        let sha = hex(&Sha256::digest(data));
        let path = b.put(&sha, data).unwrap();
        let on_disk = std::fs::read(&path).unwrap();
        assert!(!on_disk.windows(data.len()).any(|w| w == data));
        assert!(!path.to_string_lossy().contains(&sha[2..]));
        assert_eq!(b.get(&sha).unwrap().unwrap(), data);
        let other = Blobs::new(dir.path(), Some(key.blob_key()));
        assert_eq!(
            other.get(&sha).unwrap().unwrap(),
            data,
            "same key, same blob"
        );
        let mut damaged = on_disk.clone();
        damaged[20] ^= 0x40;
        std::fs::write(&path, damaged).unwrap();
        assert!(b.get(&sha).unwrap().is_none());
        assert!(!path.exists(), "a damaged blob is removed");
    }

    #[test]
    fn put_get_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        let b = Blobs::new(dir.path(), None);
        let data = "Договор".as_bytes();
        let sha = hex(&Sha256::digest(data));
        assert!(b.put(&sha, b"other").is_err());
        let path = b.put(&sha, data).unwrap();
        assert_eq!(b.get(&sha).unwrap().unwrap(), data);
        std::fs::write(&path, b"tampered").unwrap();
        assert!(b.get(&sha).unwrap().is_none());
        assert!(!path.exists());
        assert!(b.path("../etc").is_err());
    }
}
