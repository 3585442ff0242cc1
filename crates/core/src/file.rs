//! The dataset file: a magic header, the postcard encoding, and a SHA-256 trailer.
//!
//! A stale file from another format version is refused instead of misread, and a truncated or
//! damaged one is refused before it is decoded.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// Changes whenever the encoding changes; a file with another header is refused.
const MAGIC: &[u8; 8] = b"TERRDS13";

/// Length of the trailer: the SHA-256 of everything before it.
const TRAILER: usize = 32;

/// File name of the dataset inside its directory.
pub const FILE_NAME: &str = "territoires.bin";

/// Default directory of the prepared dataset, relative to the project root.
pub const DEFAULT_DIR: &str = "geodata/build";

/// Which file a running server or command reads, so that a deployment can tell which data it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedFile {
    pub path: PathBuf,
    /// SHA-256 of the whole file, as `sha256sum` and `territoires build` print it.
    pub sha256: String,
    /// When the build wrote the file (its modification time, RFC 3339): the build itself records no
    /// clock, so that the same inputs always give the same bytes.
    pub written: Option<String>,
    pub bytes: u64,
}

impl Dataset {
    /// Encodes the dataset; the same dataset always gives the same bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut bytes = MAGIC.to_vec();
        postcard::to_io(self, &mut bytes)
            .map_err(|e| Error::file(FILE_NAME, format!("cannot encode dataset: {e}")))?;
        let digest = Sha256::digest(&bytes);
        bytes.extend_from_slice(&digest);
        Ok(bytes)
    }

    /// Decodes a dataset after checking its header and its checksum.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        Self::checked(bytes, path).map(|(dataset, _)| dataset)
    }

    /// Decodes and returns the SHA-256 of the whole file, computed in the same pass as the check.
    fn checked(bytes: &[u8], path: &Path) -> Result<(Self, String)> {
        if !bytes.starts_with(MAGIC) {
            return Err(Error::file(
                path,
                "not a territoires dataset of this version; rebuild it with `territoires build`",
            ));
        }
        let Some(content_len) = bytes.len().checked_sub(TRAILER).filter(|&n| n >= MAGIC.len()) else {
            return Err(Error::file(
                path,
                "truncated dataset; rebuild it with `territoires build`",
            ));
        };
        let (content, trailer) = bytes.split_at(content_len);
        let mut hasher = Sha256::new();
        hasher.update(content);
        let content_digest = hasher.clone().finalize();
        if content_digest[..] != *trailer {
            return Err(Error::file(
                path,
                "damaged or truncated dataset (its checksum does not match); rebuild it with `territoires build`",
            ));
        }
        hasher.update(trailer);
        let file_sha256 = hex::encode(hasher.finalize());
        let dataset = postcard::from_bytes(&content[MAGIC.len()..]).map_err(|e| {
            Error::file(
                path,
                format!("corrupt dataset ({e}); rebuild it with `territoires build`"),
            )
        })?;
        Ok((dataset, file_sha256))
    }

    /// Loads `DIR/territoires.bin`, checked, and notes which file it came from.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join(FILE_NAME);
        let bytes = std::fs::read(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::file(
                    &path,
                    "no prepared dataset here; run `make data` or `territoires build`",
                )
            } else {
                Error::io(&path, e)
            }
        })?;
        let (mut dataset, sha256) = Self::checked(&bytes, &path)?;
        let written = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .map(crate::time::rfc3339);
        dataset.file = Some(LoadedFile {
            path,
            sha256,
            written,
            bytes: bytes.len() as u64,
        });
        Ok(dataset)
    }

    /// Writes the dataset atomically, so a failed write never replaces a good dataset. Returns
    /// the file's path and SHA-256.
    pub fn save(&self, dir: &Path) -> Result<(PathBuf, String)> {
        let bytes = self.to_bytes()?;
        let path = dir.join(FILE_NAME);
        crate::fs::write_atomically(&path, &bytes)?;
        Ok((path, sha256_hex(&bytes)))
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
