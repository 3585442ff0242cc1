//! Shared by the integration tests: the real prepared dataset, loaded once.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use territoires::Indexed;

/// `TERRITOIRES_DATA`, or `geodata/build` in the project.
pub fn data_dir() -> PathBuf {
    std::env::var_os("TERRITOIRES_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("geodata/build"))
}

pub fn indexed() -> &'static Indexed {
    static INDEXED: OnceLock<Indexed> = OnceLock::new();
    INDEXED.get_or_init(|| {
        Indexed::load(&data_dir()).unwrap_or_else(|e| panic!("{e}\nrun `make data` before the tests"))
    })
}

pub fn layer(ix: &Indexed, id: &str) -> usize {
    ix.layer_position(id).unwrap_or_else(|| panic!("no layer {id}"))
}

pub fn geodata_dir() -> PathBuf {
    std::env::var_os("TERRITOIRES_GEODATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(territoires::build::DEFAULT_GEODATA)
        })
}
