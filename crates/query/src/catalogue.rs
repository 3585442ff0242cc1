//! The catalogue of layers as the API lists it: everything a client needs to draw, name and download
//! each layer without knowing it (the page names no layer), read from the dataset.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;
use territoires_core::dataset::{Carrier, Dataset, Field, LayerIx, LayerKind, LayerRole, LayerStyle, Legend};

use crate::answer::LayerId;

/// `GET /api/layers`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Catalogue<'a> {
    pub layers: Vec<LayerEntry<'a>>,
    /// The layer of territoires de projet, which the page opens on.
    #[schemars(with = "LayerId")]
    pub territories_layer: &'a str,
}

/// One layer: its words, its look, its source and where to download it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LayerEntry<'a> {
    #[schemars(with = "LayerId")]
    pub id: &'a str,
    pub title: &'a str,
    /// One feature, as a heading says it.
    pub singular: &'a str,
    /// What to say where a point has no feature of this layer.
    pub none: &'a str,
    pub description: &'a str,
    pub searchable: bool,
    pub legend: Option<&'a Legend>,
    pub carrier: Option<&'a Carrier>,
    /// French wording of property values.
    pub display: &'a BTreeMap<String, String>,
    pub kind: LayerKind,
    pub role: LayerRole,
    /// `departement` or `region` for the layers of administrative divisions.
    pub division: Option<&'static str>,
    pub style: &'a LayerStyle,
    pub fields: &'a [Field],
    pub note: Option<&'a str>,
    pub carried_by_territories: bool,
    pub features: usize,
    /// `[min_lon, min_lat, max_lon, max_lat]` of its features; none for a layer without geometry.
    pub bbox: Option<[f64; 4]>,
    pub source: &'a str,
    pub vintage: &'a str,
    pub licence: &'a str,
    pub links: LayerLinks,
}

/// The layer's downloads.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LayerLinks {
    pub geojson: String,
    pub csv: String,
    pub flatgeobuf: String,
    pub geopackage: String,
    pub ogc_items: String,
}

/// The catalogue of `data`, with each layer's extent from `layer_bbox` (which the caller keeps).
pub fn catalogue(data: &Dataset, layer_bbox: impl Fn(LayerIx) -> Option<[f64; 4]>) -> Catalogue<'_> {
    let layers = data
        .indexed_layers()
        .map(|(i, l)| LayerEntry {
            id: &l.id,
            title: &l.title,
            singular: &l.singular,
            none: &l.none,
            description: &l.description,
            searchable: l.searchable,
            legend: l.legend.as_ref(),
            carrier: l.carrier.as_ref(),
            display: &l.display,
            kind: l.kind,
            role: data.role(l),
            division: l.input.division(),
            style: &l.style,
            fields: &l.fields,
            note: l.note.as_deref(),
            carried_by_territories: l.carried_by_territories,
            features: l.features.len(),
            bbox: layer_bbox(i),
            source: &l.source.name,
            vintage: &l.source.vintage,
            licence: &l.source.licence,
            links: LayerLinks {
                geojson: format!("/api/layers/{}.geojson", l.id),
                csv: format!("/api/layers/{}.csv", l.id),
                flatgeobuf: format!("/api/layers/{}.fgb", l.id),
                geopackage: format!("/api/layers/{}.gpkg", l.id),
                ogc_items: format!("/ogc/collections/{}/items", l.id),
            },
        })
        .collect();
    Catalogue {
        layers,
        territories_layer: &data.base.territories_layer,
    }
}
