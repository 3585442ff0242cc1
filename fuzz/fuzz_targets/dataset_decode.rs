//! The dataset loader behind the checksum, then the queries: every input is framed into a file
//! whose SHA-256 trailer matches (see [`territoires_fuzz::frame`]: most inputs give the attributes
//! and the sections of a well-laid-out file, some the whole header), so that every input reaches
//! the layout, the decoder and `Dataset::check`. A file that loads is indexed and asked for the
//! features at points in and around the tiny dataset and across France, in every layer, and for a
//! few features' polygons and boxes: a crafted file must be refused or answered, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use territoires_fuzz::{frame, load_and_query};

fuzz_target!(|data: &[u8]| {
    load_and_query(&frame(data));
});
