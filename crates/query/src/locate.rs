//! Which territories contain a point?
//!
//! The commune is found once, by geometry; every layer built from communes is then read from the
//! commune's memberships, and published polygon layers are located by their own geometry.
//!
//! **Borders.** A point exactly on a border between communes belongs to the commune with the
//! smallest INSEE code (communes are stored in code order and the first match wins). For polygon
//! layers, which may overlap, every feature whose closed polygon holds the point is returned.

use geo::Coord;

use super::QueryError;
use territoires_core::dataset::{CommuneIx, FeatureIx, LayerIx, LayerKind};
use territoires_core::index::Indexed;

/// Largest tolerance accepted: beyond it "nearest" stops meaning "here".
pub const MAX_TOLERANCE_M: f64 = 50_000.0;

#[derive(Debug, Clone, Default)]
pub struct LocateOptions {
    /// If nothing contains the point, return the nearest feature within this many metres,
    /// marked approximate.
    pub tolerance_m: Option<f64>,
    /// Restrict the answer to these layer positions (all layers when `None`).
    pub layers: Option<Vec<LayerIx>>,
}

/// One feature of one layer at the point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub layer: LayerIx,
    pub feature: FeatureIx,
    /// True when the feature does not contain the point but lies within the tolerance.
    pub approximate: bool,
    pub distance_m: f64,
}

#[derive(Debug, Clone, Default)]
pub struct Location {
    pub lon: f64,
    pub lat: f64,
    /// The commune id (see [`territoires_core::dataset::Dataset::communes`]) at the point, if any.
    pub commune: Option<CommuneIx>,
    /// Hits in layer order, then feature order.
    pub hits: Vec<Hit>,
}

impl Location {
    pub fn hits_in(&self, layer: LayerIx) -> impl Iterator<Item = &Hit> {
        self.hits.iter().filter(move |h| h.layer == layer)
    }
}

/// The point as WGS84 `Coord { x: lon, y: lat }`, or which coordinate is off the globe.
pub fn validate_point(lon: f64, lat: f64) -> Result<Coord<f64>, QueryError> {
    Ok(territoires_geo::lon_lat(lon, lat)?)
}

pub fn locate(ix: &Indexed, lon: f64, lat: f64, options: &LocateOptions) -> Result<Location, QueryError> {
    let p = validate_point(lon, lat)?;
    if let Some(t) = options.tolerance_m
        && !(t.is_finite() && (0.0..=MAX_TOLERANCE_M).contains(&t))
    {
        return Err(QueryError::BadTolerance {
            value: t,
            max: MAX_TOLERANCE_M,
        });
    }
    let mut location = Location {
        lon,
        lat,
        ..Location::default()
    };
    locate_into(ix, p, options, &mut location);
    Ok(location)
}

/// The allocation-free core of [`locate`]: reuses `out`'s buffer. `p` must be valid.
pub fn locate_into(ix: &Indexed, p: Coord<f64>, options: &LocateOptions, out: &mut Location) {
    out.hits.clear();
    out.commune = None;
    let wanted = |l: LayerIx| options.layers.as_ref().is_none_or(|w| w.contains(&l));

    // The commune, exact or within the tolerance.
    let commune_hit = ix
        .communes_layer()
        .and_then(|l| first_or_nearest(ix, l, p, options.tolerance_m));
    out.commune = commune_hit.and_then(|hit| ix.commune_of_feature(hit.feature));

    if let (Some(c), Some(hit)) = (out.commune, commune_hit) {
        for &(l, f) in ix.commune_set_features(c) {
            if wanted(l) {
                out.hits.push(Hit {
                    layer: l,
                    feature: f,
                    ..hit
                });
            }
        }
    }
    for (l, layer) in ix.dataset.indexed_layers() {
        if !wanted(l) {
            continue;
        }
        match layer.kind {
            LayerKind::Communes => out.hits.extend(commune_hit),
            LayerKind::CommuneSets => {} // read above, from the commune's memberships
            LayerKind::Polygons => {
                let before = out.hits.len();
                ix.features_at(l, p, |f| {
                    out.hits.push(exact(l, f));
                    true
                });
                if out.hits.len() == before
                    && let Some(t) = options.tolerance_m
                    && let Some((f, d)) = ix.nearest_within(l, p, t)
                {
                    out.hits.push(Hit {
                        layer: l,
                        feature: f,
                        approximate: true,
                        distance_m: d,
                    });
                }
            }
        }
    }
    out.hits.sort_unstable_by_key(|h| (h.layer, h.feature));
}

fn exact(layer: LayerIx, feature: FeatureIx) -> Hit {
    Hit {
        layer,
        feature,
        approximate: false,
        distance_m: 0.0,
    }
}

fn first_or_nearest(ix: &Indexed, layer: LayerIx, p: Coord<f64>, tolerance_m: Option<f64>) -> Option<Hit> {
    let mut first = None;
    ix.features_at(layer, p, |f| {
        first = Some(f);
        false
    });
    match (first, tolerance_m) {
        (Some(f), _) => Some(exact(layer, f)),
        (None, Some(t)) => ix.nearest_within(layer, p, t).map(|(f, d)| Hit {
            layer,
            feature: f,
            approximate: true,
            distance_m: d,
        }),
        (None, None) => None,
    }
}

/// A quick check that a freshly loaded dataset answers: the label point of a few communes spread
/// through the file must locate that very commune. Run before a reloaded dataset replaces the one
/// being served. Returns how many points were checked.
pub fn self_check(ix: &Indexed) -> Result<usize, String> {
    let layer = ix.communes_layer().ok_or("the dataset has no communes layer")?;
    let features = &ix.dataset.layers[layer].features;
    if features.is_empty() {
        return Err("the communes layer is empty".into());
    }
    let probes = [0, features.len() / 3, features.len() / 2, features.len() - 1];
    let mut location = Location::default();
    let mut checked = 0;
    for f in probes {
        let feature = &features[f];
        let Some([x, y]) = feature.label else {
            continue;
        };
        let options = LocateOptions {
            layers: Some(vec![layer]),
            ..LocateOptions::default()
        };
        locate_into(ix, Coord { x, y }, &options, &mut location);
        let found = location.commune.map(|c| ix.dataset.communes[c].code.as_str());
        if found != Some(feature.id.as_str()) {
            return Err(format!(
                "locating commune {} at its label point ({x}, {y}) gave {found:?}",
                feature.id
            ));
        }
        checked += 1;
    }
    if checked == 0 {
        return Err("no commune has a label point to check".into());
    }
    Ok(checked)
}
