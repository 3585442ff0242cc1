//! The dataset file read in place: what it keeps, and what a damaged or crafted one does.

use std::path::Path;

use territoires_core::Indexed;
use territoires_core::dataset::{Dataset, FILE_NAME};

use crate::common;

fn file_bytes() -> Vec<u8> {
    std::fs::read(common::data_dir().join(FILE_NAME)).unwrap()
}

/// The sections' `(offset, length)` from the header (`core/src/file/mod.rs` gives the layout).
fn sections(bytes: &[u8]) -> Vec<(usize, usize)> {
    let word = |i: usize| u64::from_le_bytes(bytes[8 + 8 * i..16 + 8 * i].try_into().unwrap()) as usize;
    (0..word(1)).map(|s| (word(2 + 2 * s), word(3 + 2 * s))).collect()
}

/// Section numbers of layer `id`: its four geometry sections, the communes layer's label points,
/// then its grid's three if it has one.
fn layer_sections(data: &Dataset, id: &str) -> std::ops::Range<usize> {
    let mut at = 0;
    for layer in &data.layers {
        let labels = usize::from(layer.kind == territoires_core::dataset::LayerKind::Communes);
        let n = 4 + labels + if layer.grid.is_some() { 3 } else { 0 };
        if layer.id == id {
            return at..at + n;
        }
        at += n;
    }
    panic!("no layer {id}")
}

/// A new trailer for changed content: what a crafted file carries.
fn reframe(bytes: &mut [u8]) {
    let content = bytes.len() - 32;
    let trailer = territoires_core::file::trailer_of(&bytes[..content]);
    bytes[content..].copy_from_slice(&trailer);
}

fn load(bytes: &[u8]) -> territoires_core::Result<Dataset> {
    Dataset::from_bytes(bytes, Path::new(FILE_NAME))
}

#[test]
fn a_loaded_dataset_encodes_to_the_same_bytes() {
    let bytes = file_bytes();
    let (mapped, verification) = Dataset::open(&common::data_dir()).unwrap();
    verification.wait().unwrap();
    assert!(mapped.to_bytes().unwrap() == bytes, "mapped, then encoded");
    assert!(
        load(&bytes).unwrap().to_bytes().unwrap() == bytes,
        "copied, then encoded"
    );
    let file = mapped.file.unwrap();
    assert_eq!(
        file.checksum.get(),
        Some(territoires_core::dataset::sha256_hex(&bytes).as_str())
    );
}

#[test]
fn the_checksum_is_checked_beside_loading() {
    let (dataset, verification) = Dataset::open(&common::data_dir()).unwrap();
    verification.wait().unwrap();
    assert!(dataset.file.unwrap().checksum.get().is_some());
    // One flipped byte in the grid, far from anything decoded: refused when waited for.
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = file_bytes();
    let data = common::indexed();
    let (offset, _) = sections(&bytes)[layer_sections(&data.dataset, "communes").start + 5];
    bytes[offset + 1000] ^= 0x40;
    std::fs::write(dir.path().join(FILE_NAME), &bytes).unwrap();
    let (_, verification) = Dataset::open(dir.path()).unwrap();
    let e = verification.wait().unwrap_err().to_string();
    assert!(e.contains("checksum does not match"), "{e}");
    let e = Dataset::load(dir.path()).unwrap_err().to_string();
    assert!(e.contains("checksum does not match"), "{e}");
}

#[test]
fn a_crafted_grid_answers_without_panicking() {
    // Every cell and boundary word of every grid replaced with noise, under a valid checksum: the
    // loader does not read them all, and a query that meets one stops there.
    let mut bytes = file_bytes();
    let table = sections(&bytes);
    let data = &common::indexed().dataset;
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for layer in data.layers.iter().filter(|l| l.grid.is_some()) {
        let grid = layer_sections(data, &layer.id).end - 3;
        for (offset, len) in &table[grid..grid + 2] {
            for word in bytes[*offset..offset + len].chunks_exact_mut(4) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let noise = match state % 4 {
                    0 => state as u32,
                    1 => (1 << 31) | (state >> 40) as u32,
                    2 => (state >> 48) as u32,
                    _ => 0,
                };
                word.copy_from_slice(&noise.to_le_bytes());
            }
        }
    }
    reframe(&mut bytes);
    let ix = Indexed::new(load(&bytes).unwrap());
    let mut answers = 0usize;
    for i in 0..20_000u32 {
        let p = geo::Coord {
            x: -5.5 + f64::from(i % 200) * 0.068,
            y: 41.3 + f64::from(i / 200) * 0.098,
        };
        for (l, _) in ix.dataset.indexed_layers() {
            ix.features_at(l, p, |f| {
                assert!(f.index() < ix.dataset.layers[l].features.len());
                answers += 1;
                true
            });
        }
    }
    assert!(answers > 0);
}

#[test]
fn a_ring_past_its_vertices_is_refused() {
    let mut bytes = file_bytes();
    let data = &common::indexed().dataset;
    let (offset, _) = sections(&bytes)[layer_sections(data, "epci").start + 1];
    bytes[offset..offset + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    reframe(&mut bytes);
    let e = load(&bytes).unwrap_err().to_string();
    assert!(e.contains("corrupt dataset") && e.contains("layer epci"), "{e}");
}

#[test]
fn a_section_off_its_alignment_or_past_the_end_is_refused() {
    let original = file_bytes();
    for (at, value) in [(24, 4u64), (24, u64::MAX - 8), (32, u64::MAX)] {
        let mut bytes = original.clone();
        let old = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
        bytes[at..at + 8].copy_from_slice(&old.wrapping_add(value).to_le_bytes());
        reframe(&mut bytes);
        let e = load(&bytes).unwrap_err().to_string();
        assert!(e.contains("corrupt dataset"), "{at}: {e}");
    }
    // A file of another layout is named as such, not misread.
    let mut bytes = original;
    bytes[..8].copy_from_slice(b"TERRDS14");
    let e = load(&bytes).unwrap_err().to_string();
    assert!(e.contains("not a territoires dataset of this version"), "{e}");
}

#[test]
fn the_dataset_file_gives_back_every_feature_and_polygon() {
    let built = territoires_fixtures::tiny_dataset();
    let bytes = built.to_bytes().unwrap();
    let loaded = load(&bytes).unwrap();
    assert_eq!(loaded.layers.len(), built.layers.len());
    for (a, b) in built.layers.iter().zip(&loaded.layers) {
        // The communes layer's features come back made from the communes, labels and all.
        assert_eq!(a.features, b.features, "{}", a.id);
        assert_eq!(
            a.geometries.all_polygons(),
            b.geometries.all_polygons(),
            "{}",
            a.id
        );
    }
    assert!(loaded.to_bytes().unwrap() == bytes);
}

#[test]
fn a_communes_feature_that_is_not_its_communes_record_is_not_written() {
    let mut data = territoires_fixtures::tiny_dataset();
    let communes = data
        .layers
        .iter_mut()
        .find(|l| l.kind == territoires_core::dataset::LayerKind::Communes)
        .unwrap();
    communes.features[2].name = "Autre nom".into();
    let e = data.to_bytes().unwrap_err().to_string();
    assert!(e.contains("is not its commune's record"), "{e}");
}
