//! The dataset decoder behind the checksum: the input is the postcard payload, framed with the
//! right magic and a valid SHA-256 trailer, so every input reaches the decoder.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use territoires_core::Dataset;
use territoires_fuzz::framed;

fuzz_target!(|data: &[u8]| {
    let file = framed(data);
    let _ = Dataset::from_bytes(&file, Path::new("fuzz.bin"));
});
