//! What the fuzz targets share: the fixtures' tiny dataset, indexed once, a reader that hands its
//! bytes over in small pieces, the dataset file's framing, and the queries a loaded dataset must
//! answer without panicking.

use std::io::{self, Read};
use std::path::Path;
use std::sync::OnceLock;

use territoires_core::dataset::FeatureIx;
use territoires_core::index::grid::PointGrid;
use territoires_core::index::polygon::PolygonIndex;
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

/// Length of the file's magic header (`TERRDS14` and its successors).
const MAGIC_LEN: usize = 8;

/// Length of the SHA-256 trailer.
const TRAILER: usize = 32;

/// The dataset file's magic header, taken from a real encoding rather than written down twice.
pub fn magic() -> &'static [u8] {
    static MAGIC: OnceLock<Vec<u8>> = OnceLock::new();
    MAGIC.get_or_init(|| {
        let bytes = territoires_fixtures::tiny_dataset()
            .to_bytes()
            .expect("the tiny dataset encodes");
        bytes[..MAGIC_LEN].to_vec()
    })
}

/// `content` followed by its trailer, as the dataset file ends.
pub fn with_trailer(mut content: Vec<u8>) -> Vec<u8> {
    let trailer = territoires_core::file::trailer_of(&content);
    content.extend_from_slice(&trailer);
    content
}

/// A dataset file made from a `dataset_decode` input, so that every input gets past the checksum.
///
/// Its first byte picks how the rest is read. Odd: the rest is the whole file before its trailer
/// (magic, header, table, attributes, sections), which fuzzes the header and the table. Even: the
/// rest is
///
/// ```text
/// count (u8) · count × section length (u32 LE) · attributes length (u32 LE) · attributes
/// · the sections back to back
/// ```
///
/// and the file is laid out around it as the build lays it out (magic, lengths, a table of aligned
/// offsets, zero padding): mutations of the attributes and of the polygons and grids reach the
/// decoder, [`Dataset::check`] and the queries instead of breaking the layout. A length past the
/// end of the input is cut to what remains.
pub fn frame(input: &[u8]) -> Vec<u8> {
    let Some((&mode, rest)) = input.split_first() else {
        return with_trailer(magic().to_vec());
    };
    if mode & 1 == 1 {
        return with_trailer(rest.to_vec());
    }
    let mut rest = rest;
    let mut take = |n: usize| {
        let (head, tail) = rest.split_at(n.min(rest.len()));
        rest = tail;
        head
    };
    let word = |bytes: &[u8]| {
        let mut w = [0u8; 4];
        w[..bytes.len()].copy_from_slice(bytes);
        u32::from_le_bytes(w) as usize
    };
    let count = take(1).first().copied().unwrap_or(0) as usize;
    let lengths: Vec<usize> = (0..count).map(|_| word(take(4))).collect();
    let attributes_len = word(take(4));
    let attributes = take(attributes_len);
    let sections: Vec<&[u8]> = lengths.iter().map(|&n| take(n)).collect();
    territoires_core::file::lay_out(attributes, &sections)
}

/// The `dataset_decode` inputs that [`frame`] turns back into `file` (a file the build wrote):
/// the structured one (even first byte) and the raw one (odd first byte).
pub fn unframe(file: &[u8]) -> [Vec<u8>; 2] {
    let content = &file[..file.len() - TRAILER];
    let word = |i: usize| {
        let at = MAGIC_LEN + 8 * i;
        u64::from_le_bytes(content[at..at + 8].try_into().expect("8 bytes")) as usize
    };
    let (attributes_len, count) = (word(0), word(1));
    let start = MAGIC_LEN + 16 + 16 * count;
    let mut structured = vec![0, u8::try_from(count).expect("fewer than 256 sections")];
    let mut sections = Vec::new();
    for s in 0..count {
        let (offset, len) = (word(2 + 2 * s), word(3 + 2 * s));
        structured.extend_from_slice(&u32::try_from(len).expect("a small section").to_le_bytes());
        sections.extend_from_slice(&content[offset..offset + len]);
    }
    structured.extend_from_slice(
        &u32::try_from(attributes_len)
            .expect("small attributes")
            .to_le_bytes(),
    );
    structured.extend_from_slice(&content[start..start + attributes_len]);
    structured.extend_from_slice(&sections);
    let mut raw = vec![1];
    raw.extend_from_slice(content);
    [structured, raw]
}

/// The tiny dataset with a point grid on its communes layer (the fixture has none), so that the
/// seeds hold grid sections too.
pub fn tiny_dataset_with_grid() -> Dataset {
    let mut dataset = territoires_fixtures::tiny_dataset();
    let layer = dataset
        .layers
        .iter_mut()
        .find(|l| l.id == "communes")
        .expect("the tiny dataset has a communes layer");
    let polygons: Vec<_> = FeatureIx::all(layer.features.len())
        .map(|f| layer.polygons(f))
        .collect();
    let indexes: Vec<PolygonIndex> = polygons.iter().map(PolygonIndex::new).collect();
    // Over the fixture and a margin around it, about 0.05° cells: covered, boundary and empty cells.
    layer.grid = Some(
        PointGrid::build(
            &polygons.iter().collect::<Vec<_>>(),
            &indexes,
            [1.95, 44.95, 2.4, 45.45],
            90,
        )
        .expect("the tiny dataset's grid fits its records"),
    );
    dataset
}

/// Points the queries are asked about, `(lon, lat)`: in the tiny dataset's communes, on their
/// corners and borders, beside them, then across metropolitan France and off it.
pub const POINTS: [(f64, f64); 12] = [
    (2.05, 45.05),
    (2.15, 45.25),
    (2.1, 45.1),
    (2.2, 45.13),
    (2.31, 45.41),
    (1.97, 44.96),
    (2.3522, 48.8566),
    (-4.4861, 48.3904),
    (7.7521, 48.5734),
    (5.3698, 43.2965),
    (8.7369, 41.9192),
    (-6.0, 46.0),
];

/// Loads `file` as a reload does and, if it loads, asks every query a loaded dataset serves of
/// every layer: a crafted file whose checksum matches must be refused or answered, never panic.
pub fn load_and_query(file: &[u8]) {
    if let Ok(dataset) = Dataset::from_bytes(file, Path::new("fuzz.bin")) {
        query(dataset);
    }
}

/// Indexes `dataset` and asks it about [`POINTS`]. A feature a lookup names must exist: callers
/// index the layer's features by it.
pub fn query(dataset: Dataset) {
    let ix = Indexed::new(dataset);
    if let Some(communes) = ix.communes_layer() {
        for f in FeatureIx::all(ix.dataset.layers[communes].features.len()) {
            if let Some((c, memberships)) = ix.commune_row(f) {
                let _ = &ix.dataset.communes[c];
                for &(l, g) in memberships {
                    let _ = &ix.dataset.layers[l].features[g];
                }
            }
        }
    }
    for (l, layer) in ix.dataset.indexed_layers() {
        let name = |f: FeatureIx| layer.features[f].name.len();
        for (x, y) in POINTS {
            ix.features_at(l, geo_point(x, y), |f| name(f) < usize::MAX);
        }
        let (x, y) = POINTS[0];
        ix.features_at_exactly(l, geo_point(x, y), |f| name(f) < usize::MAX);
        if let Some((f, _)) = ix.nearest_within(l, geo_point(x, y), 5_000.0) {
            let _ = name(f);
        }
        for f in FeatureIx::all(layer.features.len()).take(4) {
            let _ = layer.polygons(f);
            let _ = layer.bounds(f);
        }
    }
}

fn geo_point(x: f64, y: f64) -> geo::Coord<f64> {
    geo::Coord { x, y }
}
