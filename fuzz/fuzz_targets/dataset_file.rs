//! The dataset loader on any bytes, as a reload reads a file: magic header, SHA-256 trailer, then
//! the decoder. Random bytes rarely pass the checksum: `dataset_decode` fuzzes what lies behind it.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use territoires_core::Dataset;

fuzz_target!(|data: &[u8]| {
    let _ = Dataset::from_bytes(data, Path::new("fuzz.bin"));
});
