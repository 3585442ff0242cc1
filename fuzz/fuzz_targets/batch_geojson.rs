//! The GeoJSON batch reader on any bytes: the FeatureCollection walked feature by feature, its
//! `crs` member, points that are not points. Errors are answers, a panic is a bug.
//!
//! The first byte picks the read size, the caller's system and the output format; the rest is the
//! body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use territoires_formats::batch::{BatchInput, InputFormat, InputOptions, OutputFormat};
use territoires_fuzz::{Trickle, step, tiny_index};
use territoires_geo::crs::Crs;
use territoires_query::locate::LocateOptions;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let options = InputOptions {
        crs: (selector & 0x10 != 0).then(|| Crs::parse("EPSG:2154").expect("a supported system")),
        ..InputOptions::default()
    };
    let output = match selector >> 6 {
        0 => OutputFormat::Csv,
        1 => OutputFormat::Json,
        _ => OutputFormat::GeoJson,
    };
    let reader = Trickle {
        bytes: body,
        step: step(selector),
    };
    let Ok(input) = BatchInput::open(reader, Some(InputFormat::GeoJson), &options) else {
        return;
    };
    let _ = input.locate(tiny_index(), &LocateOptions::default(), output, std::io::sink());
});
