//! CQL2 filters on any bytes: the first byte picks the encoding (text or JSON), the rest is the
//! filter. Each is parsed by `cql2`, compiled against the tiny dataset's layers' queryables, and
//! evaluated on every feature, then `sortby` and `properties` read the same bytes. A refusal is an
//! answer; a panic anywhere (ours or `cql2`'s) is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use territoires_core::dataset::{Dataset, FeatureIx};
use territoires_geo::CrsRef;
use territoires_query::filter::{Filter, FilterLang, Queryables, parse_properties, parse_sortby, sort};

fn dataset() -> &'static (Dataset, Vec<Queryables>) {
    static DATA: OnceLock<(Dataset, Vec<Queryables>)> = OnceLock::new();
    DATA.get_or_init(|| {
        let data = territoires_fixtures::tiny_dataset();
        let queryables = data.layers.iter().map(Queryables::of).collect();
        (data, queryables)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let lang = if selector % 2 == 0 {
        FilterLang::Cql2Text
    } else {
        FilterLang::Cql2Json
    };
    let crs = CrsRef::all_ogc().nth(usize::from(selector / 2) % 3).unwrap_or(CrsRef::CRS84);
    let (data, queryables) = dataset();
    for (layer, q) in data.layers.iter().zip(queryables) {
        if let Ok(filter) = Filter::parse(text, lang, q, crs) {
            for (f, feature) in layer.indexed_features() {
                let _ = filter.matches(feature, layer.bounds(f), || layer.polygons(FeatureIx::at(f.index())));
            }
        }
        if let Ok(keys) = parse_sortby(text, q) {
            let mut features: Vec<usize> = (0..layer.features.len()).collect();
            sort(layer, q, &keys, &mut features);
            let mut seen = features.clone();
            seen.sort_unstable();
            assert!(seen.iter().copied().eq(0..layer.features.len()), "a sort keeps every feature");
        }
        let _ = parse_properties(text, q);
    }
});
