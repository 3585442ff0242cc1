//! The catalogue of layers as the API lists it: everything a client needs to draw, name and download
//! each layer without knowing it (the page names no layer), read from the dataset.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;
use territoires_core::dataset::{
    Carrier, Dataset, Field, LayerIx, LayerKind, LayerRole, LayerStyle, Legend, LegendClass,
};

use crate::answer::LayerId;

/// `GET /api/layers`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Catalogue<'a> {
    pub layers: Vec<LayerEntry<'a>>,
    /// The layer of territoires de projet, which the page opens on.
    #[schemars(with = "LayerId")]
    pub territories_layer: &'a str,
    /// The colours of a feature whose value no legend class names (it should not happen: the
    /// classes come from the data).
    pub unclassed: ClassColours,
}

/// A legend class's colours (CSS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ClassColours {
    pub fill: &'static str,
    pub stroke: &'static str,
}

/// Colours for a layer's legend classes, given in the classes' order (most frequent first): the
/// Okabe–Ito palette, distinguishable with the common colour-vision deficiencies, without its two
/// blues: over the pale land, a translucent blue fill reads as a lake or the sea (the map's sea is a
/// pale blue). Each stroke keeps 3:1 against the land, the sea and its own fill over the land. The one
/// source of the page's colours and of the MapLibre style's.
pub const CLASS_PALETTE: [ClassColours; 5] = [
    ClassColours {
        fill: "#e69f00",
        stroke: "#8a5300",
    },
    ClassColours {
        fill: "#cc79a7",
        stroke: "#7d3a66",
    },
    ClassColours {
        fill: "#009e73",
        stroke: "#005c43",
    },
    ClassColours {
        fill: "#d55e00",
        stroke: "#8a3c00",
    },
    ClassColours {
        fill: "#f0e442",
        stroke: "#7a7400",
    },
];

/// See [`Catalogue::unclassed`].
pub const UNCLASSED: ClassColours = ClassColours {
    fill: "#9a9a9a",
    stroke: "#4a4a4a",
};

/// The colours of a layer's `i`-th legend class.
pub fn class_colours(i: usize) -> ClassColours {
    CLASS_PALETTE[i % CLASS_PALETTE.len()]
}

/// A layer's legend with each class's colours.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LegendEntry<'a> {
    pub property: &'a str,
    /// Most frequent first.
    pub classes: Vec<ClassEntry<'a>>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ClassEntry<'a> {
    #[serde(flatten)]
    pub class: &'a LegendClass,
    #[serde(flatten)]
    pub colours: ClassColours,
}

impl<'a> LegendEntry<'a> {
    pub fn of(legend: &'a Legend) -> Self {
        LegendEntry {
            property: &legend.property,
            classes: legend
                .classes
                .iter()
                .enumerate()
                .map(|(i, class)| ClassEntry {
                    class,
                    colours: class_colours(i),
                })
                .collect(),
        }
    }
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
    pub legend: Option<LegendEntry<'a>>,
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
            legend: l.legend.as_ref().map(LegendEntry::of),
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
        unclassed: UNCLASSED,
    }
}
