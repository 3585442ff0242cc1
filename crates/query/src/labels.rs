//! Place names for a map view: what a reader orients by at each zoom, best first.
//!
//! The server picks the candidates and ranks them; the page places them without collisions and
//! keeps to its budget. Régions are named at low zoom, départements from zoom 7; towns follow their
//! rank (chefs-lieux de région, préfectures from zoom 6, sous-préfectures from 7), then communes by
//! population as the zoom grows, then every commune once its outline is drawn. Features of the layers
//! the page shows are named at their label point (see [`territoires_geo::LabelPoint`]).

use serde::Serialize;

use territoires_core::dataset::InputKind;
use territoires_core::dataset::{Dataset, Seat};

/// Most towns, and most features of shown layers, one answer carries: several times what a screen
/// shows without collisions, so that the page can skip the ones that collide.
pub const MAX_TOWNS: usize = 400;
pub const MAX_FEATURES: usize = 200;

/// From this zoom on, every commune is a candidate, whether or not its outline is drawn.
pub const ALL_COMMUNES_ZOOM: u8 = 11;

/// From this zoom on, the page may draw commune outlines (the `communes` layer with a bbox); when it
/// does (`layers` names it), every commune is a candidate.
pub const COMMUNE_OUTLINES_ZOOM: u8 = 8;

#[derive(Debug, Clone, Default)]
pub struct LabelQuery {
    pub zoom: u8,
    /// The view; the whole map when absent.
    pub bbox: Option<territoires_geo::BoundingBox>,
    /// Layer positions whose features are named too.
    pub layers: Vec<territoires_core::dataset::LayerIx>,
}

/// `GET /api/labels`: the place names of a view, best first.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Labels {
    pub zoom: u8,
    pub labels: Vec<Label>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Label {
    pub text: String,
    pub lon: f64,
    pub lat: f64,
    /// `region`, `departement`, `town` or `feature`.
    pub kind: &'static str,
    /// The layer and feature named, for `feature` labels and towns (`communes`).
    #[schemars(with = "crate::answer::LayerId")]
    pub layer: String,
    pub id: String,
    /// Seat of a région, département or arrondissement, for towns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat: Option<Seat>,
    pub population: u64,
}

/// Smallest population of a commune named at `zoom` (seats aside).
fn population_floor(zoom: u8) -> Option<u64> {
    match zoom {
        z if z >= ALL_COMMUNES_ZOOM => Some(0),
        10 => Some(1_500),
        9 => Some(5_000),
        8 => Some(20_000),
        _ => None,
    }
}

fn seat_shown(seat: Seat, zoom: u8) -> bool {
    match seat {
        Seat::RegionalPrefecture => zoom >= 5,
        Seat::Prefecture => zoom >= 6,
        Seat::SousPrefecture => zoom >= 7,
    }
}

/// The candidates for a view, best first: divisions, then towns by seat and population, then the
/// shown layers' features by population; at most [`MAX_TOWNS`] towns and [`MAX_FEATURES`] features.
pub fn labels(data: &Dataset, query: &LabelQuery) -> Vec<Label> {
    let inside = |p: [f64; 2]| query.bbox.is_none_or(|b| b.contains(p));
    let mut out = Vec::new();

    let division = if query.zoom < 7 {
        (InputKind::Regions, "region")
    } else {
        (InputKind::Departements, "departement")
    };
    if let Some(l) = data.layer_from(division.0) {
        let layer = &data.layers[l];
        out.extend(
            layer
                .features
                .iter()
                .filter_map(|f| Some((f, f.label?)))
                .filter(|(_, p)| inside(*p))
                .map(|(f, p)| Label {
                    text: f.name.to_string(),
                    lon: p[0],
                    lat: p[1],
                    kind: division.1,
                    layer: layer.id.clone(),
                    id: f.id.to_string(),
                    seat: None,
                    population: f.population,
                }),
        );
    }

    if let Some(l) = data.layer_from(InputKind::Communes) {
        let layer = &data.layers[l];
        // Once the page draws commune outlines, every commune there is a candidate.
        let floor = if query.layers.contains(&l) && query.zoom >= COMMUNE_OUTLINES_ZOOM {
            Some(0)
        } else {
            population_floor(query.zoom)
        };
        let mut towns: Vec<Label> = data
            .communes
            .iter()
            .filter(|c| {
                c.seat.is_some_and(|s| seat_shown(s, query.zoom)) || floor.is_some_and(|f| c.population >= f)
            })
            .filter_map(|c| {
                let f = &layer.features[c.feature?];
                let p = f.label?;
                inside(p).then(|| Label {
                    text: c.name.to_string(),
                    lon: p[0],
                    lat: p[1],
                    kind: "town",
                    layer: layer.id.clone(),
                    id: c.code.to_string(),
                    seat: c.seat,
                    population: c.population,
                })
            })
            .collect();
        // Seats first (chefs-lieux de région, préfectures, sous-préfectures), then by population.
        towns.sort_by(|a, b| {
            let rank = |l: &Label| l.seat.map_or(3, |s| s as u8);
            rank(a)
                .cmp(&rank(b))
                .then(b.population.cmp(&a.population))
                .then(a.id.cmp(&b.id))
        });
        towns.truncate(MAX_TOWNS);
        out.extend(towns);
    }

    let mut features: Vec<Label> = query
        .layers
        .iter()
        .filter_map(|&l| data.layers.get(l.index()))
        .filter(|layer| !matches!(layer.input, InputKind::Communes))
        .flat_map(|layer| {
            layer.features.iter().filter_map(|f| {
                let p = f.label?;
                inside(p).then(|| Label {
                    text: f.name.to_string(),
                    lon: p[0],
                    lat: p[1],
                    kind: "feature",
                    layer: layer.id.clone(),
                    id: f.id.to_string(),
                    seat: None,
                    population: f.population,
                })
            })
        })
        .collect();
    features.sort_by(|a, b| b.population.cmp(&a.population).then(a.id.cmp(&b.id)));
    features.truncate(MAX_FEATURES);
    out.extend(features);
    out
}
