//! What the benches share.

use std::path::PathBuf;

/// The dataset to load: `TERRITOIRES_DATA`, or what `make data` builds.
pub fn data_dir() -> PathBuf {
    std::env::var_os("TERRITOIRES_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("geodata/build"))
}

/// The binary's allocator (`src/main.rs`) and its configuration (`.cargo/config.toml`), so that a
/// bench measures what ships: loading the dataset is mostly small allocations.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
