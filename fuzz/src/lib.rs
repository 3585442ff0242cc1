//! What the fuzz targets share: the fixtures' tiny dataset, indexed once, a reader that hands its
//! bytes over in small pieces, and the dataset file's framing.

use std::io::{self, Read};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use territoires_core::{Dataset, Indexed};

/// The tiny dataset the batch targets locate against: a real index, so that every row reaches
/// the output path too.
pub fn tiny_index() -> &'static Indexed {
    static INDEX: OnceLock<Indexed> = OnceLock::new();
    INDEX.get_or_init(|| Indexed::new(territoires_fixtures::tiny_dataset()))
}

/// Gives at most `step` bytes a read, so that a character split between reads (UTF-8, UTF-16,
/// Windows-1252 guessing) and a header across reads are reached as well as whole buffers.
pub struct Trickle<'a> {
    pub bytes: &'a [u8],
    pub step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.step.max(1).min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// The read size a fuzz input's first byte picks: mostly small, sometimes everything at once.
pub fn step(selector: u8) -> usize {
    match selector % 8 {
        7 => usize::MAX,
        n => 1 << n,
    }
}

/// The dataset file's magic header, taken from a real encoding rather than written down twice.
pub fn magic() -> &'static [u8] {
    static MAGIC: OnceLock<Vec<u8>> = OnceLock::new();
    MAGIC.get_or_init(|| {
        let bytes = territoires_fixtures::tiny_dataset()
            .to_bytes()
            .expect("the tiny dataset encodes");
        bytes[..8].to_vec()
    })
}

/// A dataset file around `payload`: the magic, the payload (postcard), and the SHA-256 trailer
/// of both, so that a loader gets past its checks to the decoder.
pub fn framed(payload: &[u8]) -> Vec<u8> {
    let mut file = magic().to_vec();
    file.extend_from_slice(payload);
    let digest = Sha256::digest(&file);
    file.extend_from_slice(&digest);
    file
}

/// The postcard payload of a dataset file (what [`framed`] takes): seeds for the decode target.
pub fn payload(dataset: &Dataset) -> Vec<u8> {
    let bytes = dataset.to_bytes().expect("the dataset encodes");
    bytes[magic().len()..bytes.len() - 32].to_vec()
}
