//! The dataset file's bytes, mapped into memory: the one place of the workspace that needs `unsafe`.

use std::fs::File;
use std::path::Path;

use memmap2::Mmap;

use crate::error::{Error, Result};

/// A whole dataset file, read-only: mapped from disk, or copied into memory for bytes that come from
/// elsewhere (a test, a fuzzer). Either way its first byte is aligned for any section.
pub enum FileBytes {
    Mapped(Mmap),
    /// Words rather than bytes, for the alignment; the length in bytes beside them.
    Copied(Vec<u64>, usize),
}

impl FileBytes {
    pub fn map(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        // SAFETY: a mapping is undefined behaviour if the file changes under it. Nothing writes a
        // dataset file in place: `territoires build`, `import-banatic` and the tests write a new
        // file and rename it over the old one (`crate::fs::write_atomically`), which leaves this
        // mapping on the old inode, whole, until it is dropped.
        #[allow(unsafe_code)]
        let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
        Ok(FileBytes::Mapped(map))
    }

    pub fn copy(bytes: &[u8]) -> Self {
        let mut words = vec![0u64; bytes.len().div_ceil(8)];
        bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..bytes.len()].copy_from_slice(bytes);
        FileBytes::Copied(words, bytes.len())
    }

    #[inline]
    pub fn bytes(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(map) => map,
            FileBytes::Copied(words, len) => &bytemuck::cast_slice(words)[..*len],
        }
    }
}
