//! The dataset file, laid out to be used where it lies: a header, the attributes (postcard), the
//! flat arrays (polygons and point grids) in aligned sections, and a SHA-256 trailer.
//!
//! ```text
//! MAGIC · attributes length (u64) · section count (u64) · per section (offset, length) (u64 each)
//! · attributes · per section: zero padding to 8 bytes, its values (little-endian) · trailer
//! ```
//!
//! The trailer is the SHA-256 of the SHA-256s of the content's 1 MiB pieces ([`trailer_of`]): one
//! SHA-256 of 70 MB takes 45 ms on one core, most of a command's run, and pieces check on every core.
//!
//! Loading maps the file, decodes the attributes and points every layer's arrays into the mapping:
//! the bulk of the file is neither copied nor decoded, and processes that load the same file share
//! its pages. The communes layer's features are the communes' own records: the file keeps only
//! their label points (a section) and the loader makes them again ([`Feature::of_commune`]).
//!
//! The checksum is checked on a second thread meanwhile ([`Verification`]), so a damaged file is
//! refused. A crafted one, whose checksum matches, cannot make a query panic either: what queries
//! index by without looking (member communes, memberships, the polygons' ends, the grids' sizes) is
//! checked before use ([`crate::dataset::Dataset::check`]), and the grid query stops at a cell or
//! record that leads nowhere rather than reading 4 million cells at every start.
//!
//! A stale file from another format version is refused instead of misread.

mod map;
mod section;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

use crate::dataset::{CommuneIx, Dataset, Feature, Layer, LayerIx};
use crate::error::{Error, Result};
use map::FileBytes;
pub use section::Section;

#[cfg(target_endian = "big")]
compile_error!("the dataset file is little-endian and its arrays are read in place");

/// Changes whenever the layout changes; a file with another header is refused.
const MAGIC: &[u8; 8] = b"TERRDS18";

/// Length of the trailer: the SHA-256 of the SHA-256s of everything before it, piece by piece.
const TRAILER: usize = 32;

/// Bytes hashed on their own for the trailer: small enough to share a file among cores, big enough
/// that the digests of the digests (32 bytes a MiB) cost nothing.
const PIECE: usize = 1 << 20;

/// Sections start at multiples of this, so that any of them can be read as `f64`s.
const ALIGN: usize = 8;

/// File name of the dataset inside its directory.
pub const FILE_NAME: &str = "territoires.bin";

/// Default directory of the prepared dataset, relative to the project root.
pub const DEFAULT_DIR: &str = "geodata/build";

/// Which file a running server or command reads, so that a deployment can tell which data it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedFile {
    pub path: PathBuf,
    /// When the build wrote the file (its modification time, RFC 3339): the build itself records no
    /// clock, so that the same inputs always give the same bytes.
    pub written: Option<String>,
    pub bytes: u64,
    /// SHA-256 of the whole file, once a server's background check has made it.
    pub checksum: Checksum,
}

/// SHA-256 of the whole file, as `sha256sum` and `territoires build` print it, which a deployment
/// compares to tell which data it serves; set by the background check of [`Dataset::open`] once it
/// has found the file whole. [`Dataset::load`], for commands, does not spend a second pass on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checksum(Arc<OnceLock<String>>);

impl Checksum {
    pub fn get(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }
}

/// The checksum check of a file being loaded: a thread of its own hashes the file's pieces, and
/// whoever waits for the check hashes the pieces still left beside it. A command that has decoded
/// the file meanwhile so checks it on two cores, without a third thread taking turns with its load.
pub struct Verification {
    pieces: Arc<PieceCheck>,
    /// Hashes pieces; `None` where no thread could start.
    thread: Option<JoinHandle<()>>,
    checksum: Option<Checksum>,
}

impl Verification {
    /// Starts the check of a file's `pieces`; `checksum`, if given, gets the whole file's SHA-256
    /// once the file is found whole (a second pass, made by the waiter while the check's thread
    /// hashes pieces; a command does not need it).
    fn start(pieces: PieceCheck, checksum: Option<Checksum>) -> Self {
        let pieces = Arc::new(pieces);
        let thread = {
            let pieces = Arc::clone(&pieces);
            std::thread::Builder::new()
                .name("dataset-check".into())
                .spawn(move || pieces.hash_pieces_left())
                .ok()
        };
        Verification {
            pieces,
            thread,
            checksum,
        }
    }

    /// Waits for the check, making the whole file's SHA-256 if asked and then hashing the pieces
    /// left meanwhile: an error if the file is damaged or truncated.
    pub fn wait(self) -> Result<()> {
        let whole_file = self
            .checksum
            .is_some()
            .then(|| sha256_hex(self.pieces.bytes.bytes()));
        self.pieces.hash_pieces_left();
        if let Some(thread) = self.thread {
            thread
                .join()
                .map_err(|_| Error::file(FILE_NAME, "the dataset's checksum check stopped short"))?;
        }
        self.pieces.verdict()?;
        if let (Some(checksum), Some(sha256)) = (self.checksum, whole_file) {
            let _ = checksum.0.set(sha256);
        }
        Ok(())
    }
}

/// The trailer's check, piece by piece, shared among the threads that hash.
struct PieceCheck {
    bytes: Arc<FileBytes>,
    path: PathBuf,
    /// Where the trailer starts.
    content_len: usize,
    /// The next piece no thread has taken.
    next: AtomicUsize,
    digests: Mutex<Vec<[u8; TRAILER]>>,
}

impl PieceCheck {
    /// The check of `bytes`, after checking its magic and that it holds a trailer.
    fn new(bytes: Arc<FileBytes>, path: PathBuf) -> Result<Self> {
        let content_len = content_len(bytes.bytes(), &path)?;
        Ok(PieceCheck {
            bytes,
            path,
            content_len,
            next: AtomicUsize::new(0),
            digests: Mutex::new(vec![[0; TRAILER]; content_len.div_ceil(PIECE)]),
        })
    }

    /// Hashes the next piece left until none is.
    fn hash_pieces_left(&self) {
        let content = &self.bytes.bytes()[..self.content_len];
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(piece) = content.chunks(PIECE).nth(i) else {
                return;
            };
            let digest = piece_digest(piece);
            if let Ok(mut digests) = self.digests.lock() {
                digests[i] = digest;
            }
        }
    }

    /// Once every piece is hashed: whether the trailer holds.
    fn verdict(&self) -> Result<()> {
        let trailer = &self.bytes.bytes()[self.content_len..];
        let digests = self
            .digests
            .lock()
            .map_err(|_| Error::file(&self.path, "the dataset's checksum check stopped short"))?;
        if digest_of_pieces(&digests)[..] != *trailer {
            return Err(Error::file(
                &self.path,
                "damaged or truncated dataset (its checksum does not match); rebuild it with `territoires build`",
            ));
        }
        Ok(())
    }
}

/// The trailer of a file whose bytes before the trailer are `content`: the SHA-256 of the SHA-256s
/// of its [`PIECE`]-byte pieces.
pub fn trailer_of(content: &[u8]) -> [u8; TRAILER] {
    let digests: Vec<[u8; TRAILER]> = content.chunks(PIECE).map(piece_digest).collect();
    digest_of_pieces(&digests)
}

fn piece_digest(piece: &[u8]) -> [u8; TRAILER] {
    Sha256::digest(piece).into()
}

/// The trailer made from the pieces' digests, in file order.
fn digest_of_pieces(digests: &[[u8; TRAILER]]) -> [u8; TRAILER] {
    Sha256::digest(digests.as_flattened()).into()
}

/// The file around encoded `attributes` and `sections`, as the module's layout says: magic, lengths,
/// the table of aligned offsets, the attributes, the padded sections, the SHA-256 trailer. The one
/// writer of the layout: the encoder uses it, and so do the fuzzers' framing of their inputs.
pub fn lay_out(attributes: &[u8], sections: &[&[u8]]) -> Vec<u8> {
    let mut at = MAGIC.len() + 16 + 16 * sections.len() + attributes.len();
    let mut table = Vec::with_capacity(sections.len());
    for s in sections {
        at = at.next_multiple_of(ALIGN);
        table.push(at);
        at += s.len();
    }
    let mut bytes = Vec::with_capacity(at + TRAILER);
    bytes.extend_from_slice(MAGIC);
    for word in [attributes.len(), sections.len()] {
        bytes.extend_from_slice(&(word as u64).to_le_bytes());
    }
    for (offset, s) in table.iter().zip(sections) {
        bytes.extend_from_slice(&(*offset as u64).to_le_bytes());
        bytes.extend_from_slice(&(s.len() as u64).to_le_bytes());
    }
    bytes.extend_from_slice(attributes);
    for (offset, s) in table.iter().zip(sections) {
        bytes.resize(*offset, 0);
        bytes.extend_from_slice(s);
    }
    let trailer = trailer_of(&bytes);
    bytes.extend_from_slice(&trailer);
    bytes
}

/// Length before the trailer, after checking the magic.
fn content_len(bytes: &[u8], path: &Path) -> Result<usize> {
    if !bytes.starts_with(MAGIC) {
        return Err(Error::file(
            path,
            "not a territoires dataset of this version; rebuild it with `territoires build`",
        ));
    }
    bytes
        .len()
        .checked_sub(TRAILER)
        .filter(|&n| n >= MAGIC.len())
        .ok_or_else(|| Error::file(path, "truncated dataset; rebuild it with `territoires build`"))
}

/// The attributes' range and the sections' ranges, read from the header.
fn layout(bytes: &[u8], path: &Path) -> Result<(Range<usize>, Vec<Range<usize>>)> {
    let corrupt = |what: &str| {
        Error::file(
            path,
            format!("corrupt dataset ({what}); rebuild it with `territoires build`"),
        )
    };
    let content = &bytes[..content_len(bytes, path)?];
    let mut words = content[MAGIC.len()..]
        .chunks_exact(8)
        .map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()) as usize);
    let (Some(attributes_len), Some(count)) = (words.next(), words.next()) else {
        return Err(corrupt("no header"));
    };
    if count > content.len() / 16 {
        return Err(corrupt("section count past the end"));
    }
    let mut sections = Vec::with_capacity(count);
    for _ in 0..count {
        let (Some(offset), Some(len)) = (words.next(), words.next()) else {
            return Err(corrupt("section table past the end"));
        };
        let range = offset
            ..offset
                .checked_add(len)
                .ok_or_else(|| corrupt("section past the end"))?;
        if range.end > content.len() || offset % ALIGN != 0 {
            return Err(corrupt("section misplaced"));
        }
        sections.push(range);
    }
    let start = MAGIC.len() + 16 + 16 * count;
    let attributes = start..start.saturating_add(attributes_len);
    if attributes.end > content.len() {
        return Err(corrupt("attributes past the end"));
    }
    Ok((attributes, sections))
}

impl Dataset {
    /// Encodes the dataset; the same dataset always gives the same bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let cannot = |e: String| Error::file(FILE_NAME, format!("cannot encode dataset: {e}"));
        let labels = self.commune_labels().map_err(cannot)?;
        let mut stored = self.clone();
        if let Some(l) = self.communes_layer() {
            stored.layers[l.index()].features = Vec::new();
        }
        let attributes = postcard::to_allocvec(&stored).map_err(|e| cannot(e.to_string()))?;
        Ok(lay_out(&attributes, &self.sections(&labels)))
    }

    /// The flat arrays, in file order: per layer its geometries, the communes layer's label points
    /// (`labels`), then its grid's.
    fn sections<'a>(&'a self, labels: &'a [[f64; 2]]) -> Vec<&'a [u8]> {
        let mut sections = Vec::new();
        let communes = self.communes_layer();
        for (l, layer) in self.indexed_layers() {
            sections.extend(layer.geometries.sections());
            if Some(l) == communes {
                sections.push(bytemuck::cast_slice(labels));
            }
            if let Some(grid) = &layer.grid {
                sections.extend(grid.sections());
            }
        }
        sections
    }

    /// The label points of the communes layer's features (NaN for none), after checking that each
    /// feature is its commune's: what the loader makes again from them.
    fn commune_labels(&self) -> std::result::Result<Vec<[f64; 2]>, String> {
        let Some(layer) = self.communes_layer().map(|l| &self.layers[l]) else {
            return Ok(Vec::new());
        };
        let communes = communes_of_features(&self.communes, layer.features.len())?;
        layer
            .features
            .iter()
            .zip(communes)
            .map(|(feature, c)| {
                if *feature == Feature::of_commune(c, &self.communes[c], feature.label) {
                    Ok(feature.label.unwrap_or([f64::NAN; 2]))
                } else {
                    Err(format!(
                        "communes layer feature {} is not its commune's record",
                        feature.id
                    ))
                }
            })
            .collect()
    }

    /// Decodes the attributes of `bytes` and points the layers' arrays into it, checked for what the
    /// queries index by; the checksum is not checked here.
    fn in_place(bytes: &Arc<FileBytes>, path: &Path) -> Result<Self> {
        let corrupt = |what: String| {
            Error::file(
                path,
                format!("corrupt dataset ({what}); rebuild it with `territoires build`"),
            )
        };
        let (attributes, ranges) = layout(bytes.bytes(), path)?;
        let mut dataset: Dataset =
            postcard::from_bytes(&bytes.bytes()[attributes]).map_err(|e| corrupt(e.to_string()))?;
        let mut ranges = ranges.into_iter();
        let mut next = || ranges.next().ok_or_else(|| corrupt("too few sections".into()));
        let misaligned = || corrupt("a section does not hold whole values".into());
        macro_rules! section {
            ($t:ty) => {
                Section::<$t>::mapped(bytes, next()?).ok_or_else(misaligned)?
            };
        }
        let mut labels = None;
        let communes = dataset.communes_layer();
        for (l, layer) in LayerIx::all(dataset.layers.len()).zip(&mut dataset.layers) {
            let g = &mut layer.geometries;
            g.coords = section!([f64; 2]);
            g.ring_ends = section!(u32);
            g.polygon_ends = section!(u32);
            g.feature_ends = section!(u32);
            if Some(l) == communes {
                labels = Some(section!([f64; 2]));
            }
            if let Some(grid) = &mut layer.grid {
                grid.cells = section!(u32);
                grid.boundary = section!(u32);
                grid.blocks = section!(u32);
            }
        }
        if ranges.next().is_some() {
            return Err(corrupt("too many sections".into()));
        }
        if let (Some(labels), Some(l)) = (labels, communes) {
            let features = commune_features(&dataset.communes, &labels, &dataset.layers[l]);
            dataset.layers[l.index()].features = features.map_err(corrupt)?;
        }
        dataset.check().map_err(corrupt)?;
        Ok(dataset)
    }

    /// Decodes a dataset after checking its header and its checksum.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let bytes = Arc::new(FileBytes::copy(bytes));
        let check = PieceCheck::new(Arc::clone(&bytes), path.to_path_buf())?;
        check.hash_pieces_left();
        check.verdict()?;
        Self::in_place(&bytes, path)
    }

    /// Maps `DIR/territoires.bin` and makes it ready to use, while a second thread checks its
    /// checksum: the caller waits for that check ([`Verification::wait`]) before it trusts its
    /// answers, or serves meanwhile and stops if the check fails. A file that does not decode is
    /// reported as damaged if its checksum says so. The check then makes the whole file's SHA-256
    /// ([`LoadedFile::checksum`]).
    pub fn open(dir: &Path) -> Result<(Self, Verification)> {
        Self::open_with(dir, true)
    }

    /// Loads `DIR/territoires.bin`, checked (its last pieces by this thread, once it has decoded the
    /// rest), and notes which file it came from.
    pub fn load(dir: &Path) -> Result<Self> {
        let (dataset, verification) = Self::open_with(dir, false)?;
        verification.wait()?;
        Ok(dataset)
    }

    /// [`Self::open`], the whole file's SHA-256 made too if `whole_file_checksum`.
    fn open_with(dir: &Path, whole_file_checksum: bool) -> Result<(Self, Verification)> {
        let path = dir.join(FILE_NAME);
        let bytes = FileBytes::map(&path).map_err(|e| match e {
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => Error::file(
                &path,
                "no prepared dataset here; run `make data` or `territoires build`",
            ),
            other => other,
        })?;
        let bytes = Arc::new(bytes);
        let pieces = PieceCheck::new(Arc::clone(&bytes), path.clone())?;
        let checksum = Checksum::default();
        let verification = Verification::start(pieces, whole_file_checksum.then(|| checksum.clone()));
        let mut dataset = match Self::in_place(&bytes, &path) {
            Ok(dataset) => dataset,
            Err(e) => return Err(verification.wait().err().unwrap_or(e)),
        };
        dataset.file = Some(LoadedFile {
            written: std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .map(crate::time::rfc3339),
            bytes: bytes.bytes().len() as u64,
            path,
            checksum,
        });
        Ok((dataset, verification))
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

/// The communes layer's features, made from the communes that have one and the label points.
fn commune_features(
    communes: &[crate::dataset::Commune],
    labels: &[[f64; 2]],
    layer: &Layer,
) -> std::result::Result<Vec<Feature>, String> {
    if labels.len() != layer.geometries.len() {
        return Err(format!(
            "{} commune label points for {} commune geometries",
            labels.len(),
            layer.geometries.len()
        ));
    }
    // The features made once where they stay: a list of optional features, collected into
    // another, took twice their 5 MB and a copy.
    let mut features = Vec::with_capacity(labels.len());
    for (c, &[x, y]) in communes_of_features(communes, labels.len())?
        .into_iter()
        .zip(labels)
    {
        let label = (!x.is_nan() && !y.is_nan()).then_some([x, y]);
        features.push(Feature::of_commune(c, &communes[c.index()], label));
    }
    Ok(features)
}

/// Per feature of a communes layer of `features` features, its commune: what pairs them one to
/// one, for the encoder (which refuses a layer that is not the communes' records) and the loader
/// (which makes the features again).
fn communes_of_features(
    communes: &[crate::dataset::Commune],
    features: usize,
) -> std::result::Result<Vec<CommuneIx>, String> {
    let mut commune_of: Vec<Option<CommuneIx>> = vec![None; features];
    for (c, commune) in CommuneIx::all(communes.len()).zip(communes) {
        let Some(f) = commune.feature else { continue };
        let slot = commune_of
            .get_mut(f.index())
            .ok_or_else(|| format!("commune {} has a feature of none", commune.code))?;
        if slot.replace(c).is_some() {
            return Err(format!("commune {} shares its feature", commune.code));
        }
    }
    commune_of
        .into_iter()
        .enumerate()
        .map(|(f, c)| c.ok_or_else(|| format!("communes layer feature {f} has no commune")))
        .collect()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of 3½ pieces, its trailer made as the encoder makes it.
    fn file_of_pieces() -> Vec<u8> {
        let mut content = MAGIC.to_vec();
        content.extend((0..PIECE * 7 / 2).map(|i| (i * 31 % 251) as u8));
        let trailer = trailer_of(&content);
        content.extend_from_slice(&trailer);
        content
    }

    fn check(bytes: &[u8], whole_file: bool) -> (Result<()>, Checksum) {
        let checksum = Checksum::default();
        let pieces = PieceCheck::new(Arc::new(FileBytes::copy(bytes)), PathBuf::from(FILE_NAME))
            .expect("a file with its magic and a trailer");
        let verification = Verification::start(pieces, whole_file.then(|| checksum.clone()));
        (verification.wait(), checksum)
    }

    #[test]
    fn every_piece_counts_whoever_hashes_it() {
        let bytes = file_of_pieces();
        let (answer, checksum) = check(&bytes, true);
        answer.unwrap();
        assert_eq!(checksum.get(), Some(sha256_hex(&bytes).as_str()));
        let (answer, checksum) = check(&bytes, false);
        answer.unwrap();
        assert_eq!(checksum.get(), None, "a command does not pay for the second pass");
        // One flipped bit in each piece, the short last one included, and in the trailer.
        for at in [9, PIECE + 5, 3 * PIECE + 1, bytes.len() - 40, bytes.len() - 1] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 1;
            let (answer, checksum) = check(&damaged, true);
            let e = answer.unwrap_err().to_string();
            assert!(e.contains("checksum does not match"), "byte {at}: {e}");
            assert_eq!(checksum.get(), None, "byte {at}: no checksum for a damaged file");
        }
    }
}
