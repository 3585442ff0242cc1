//! The server's strict query-string parser on any string, through every typed getter, then what
//! the getters' values feed: the `bbox` grammar and its boxes, `crs` names, points from their
//! parts. A refusal is an answer; a panic, or a box that breaks its own invariants, is a bug.
//!
//! The first byte rotates which parameter name each getter reads, so that every getter meets every
//! name the mutator finds; the rest is the query string.
#![no_main]

use libfuzzer_sys::fuzz_target;
use territoires_geo::crs::{Crs, PointInput};
use territoires_server::params::Params;

/// Names the API reads, and one it does not.
const NAMES: [&str; 12] = [
    "lat",
    "lon",
    "x",
    "y",
    "bbox",
    "zoom",
    "layers",
    "limit",
    "offset",
    "tolerance",
    "q",
    "nope",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(query) = std::str::from_utf8(rest) else {
        return;
    };
    let name = |k: usize| NAMES[(k + selector as usize) % NAMES.len()];
    let mut params = Params::parse(Some(query));
    let _ = params.text(name(0));
    let _ = params.required_text(name(1));
    let _ = params.number(name(2));
    let _ = params.required_number(name(3));
    let _ = params.flag(name(4));
    let _ = params.whole(name(5), selector as usize % 3);
    let _ = params.list(name(6));
    let zoom = params.zoom();
    let crs = params.crs();
    if let Ok(Some(b)) = params.bbox(name(7)) {
        check_bbox(b);
    }
    if let Ok(Some(z)) = zoom {
        let _ = z.to_string();
    }
    let (lat, lon, x, y) = (
        params.number("lat").ok().flatten(),
        params.number("lon").ok().flatten(),
        params.number("x").ok().flatten(),
        params.number("y").ok().flatten(),
    );
    if let Ok(point) = PointInput::from_parts(lat, lon, x, y, crs.ok().flatten()) {
        let _ = point.to_wgs84();
    }
    let _ = params.finish();

    // The same text as a `crs` name everywhere one is read, and as a box on its own.
    let _ = Crs::parse(query);
    let _ = Crs::from_api_name(query);
    let _ = query.parse::<territoires_geo::Zoom>();
    let _ = query.parse::<territoires_query::coverage::Scope>();
    if let Ok(Some(b)) = Params::parse(Some(&format!("bbox={query}"))).bbox("bbox") {
        check_bbox(b);
    }
});

/// A box the grammar accepts is on the globe, its band the right way up, and its parts are boxes
/// within −180…180 that together span its longitudes.
fn check_bbox(b: territoires_geo::BoundingBox) {
    assert!(b.south <= b.north && (-90.0..=90.0).contains(&b.south) && (-90.0..=90.0).contains(&b.north));
    assert!((-180.0..=180.0).contains(&b.west) && (-180.0..=180.0).contains(&b.east));
    let parts = b.parts();
    assert_eq!(parts.len(), if b.crosses_antimeridian() { 2 } else { 1 });
    for [w, s, e, n] in parts {
        assert!(w <= e && s <= n && w >= -180.0 && e <= 180.0, "{b:?}");
        assert!(b.meets([w, s, e, n]));
    }
    assert!(b.contains([b.west, b.south]) && b.contains([b.east, b.north]));
}
