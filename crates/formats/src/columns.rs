//! A layer's attribute table as CSV; the typed columns themselves are the query crate's
//! ([`territoires_query::columns`]), shared with the filters.

pub use territoires_query::columns::*;

use territoires_core::dataset::{Layer, LayerKind};

/// A layer's attribute table as CSV (no geometry): id, name, every property (lists `;`-joined), and
/// for layers built from communes their population and area.
pub fn attributes_csv(layer: &Layer) -> Vec<u8> {
    attributes_csv_of(layer, 0..layer.features.len(), None)
}

/// The rows of `features` (indexes in the layer, in that order), with only the `properties`
/// columns (and `id`) when given.
pub fn attributes_csv_of(
    layer: &Layer,
    features: impl Iterator<Item = usize>,
    properties: Option<&[String]>,
) -> Vec<u8> {
    let keys = property_keys(layer);
    let with_figures = layer.kind != LayerKind::Polygons;
    let mut header: Vec<String> = ["id", "name"]
        .iter()
        .chain(&keys)
        .map(|k| k.to_string())
        .collect();
    if with_figures {
        header.extend(["population".to_string(), "area_km2".to_string()]);
    }
    let kept: Vec<bool> = header
        .iter()
        .map(|name| name == "id" || properties.is_none_or(|keep| keep.contains(name)))
        .collect();
    let keep = |row: Vec<String>| -> Vec<String> {
        row.into_iter()
            .zip(&kept)
            .filter_map(|(cell, &k)| k.then_some(cell))
            .collect()
    };
    let mut out = Vec::new();
    crate::batch::push_csv_record(&mut out, &keep(header.clone()));
    for f in features.map(|i| &layer.features[i]) {
        let mut row = vec![f.id.to_string(), f.name.to_string()];
        row.extend(
            keys.iter()
                .map(|k| f.property(k).map(ToString::to_string).unwrap_or_default()),
        );
        if with_figures {
            row.push(f.population.to_string());
            row.push(format!("{:.3}", f.area_km2));
        }
        crate::batch::push_csv_record(&mut out, &keep(row));
    }
    out
}
