//! The dataset loader on any bytes, as a reload reads a file: magic header, SHA-256 trailer, the
//! header and its section table, the decoder, the shape checks; then, if it loads, the queries.
//! Random bytes rarely pass the checksum: `dataset_decode` fuzzes what lies behind it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use territoires_fuzz::load_and_query;

fuzz_target!(|data: &[u8]| {
    load_and_query(data);
});
