//! Which territories contain a point?
//!
//! The commune is found once, by geometry; every layer built from communes is then read from the
//! commune's memberships, and published polygon layers are located by their own geometry.
//!
//! **Borders.** A point exactly on a border between communes belongs to the commune with the
//! smallest INSEE code (communes are stored in code order and the first match wins). For polygon
//! layers, which may overlap, every feature whose closed polygon holds the point is returned.

use std::ops::Range;

use geo::Coord;
use smallvec::SmallVec;

use super::QueryError;
use territoires_core::dataset::{CommuneIx, FeatureIx, LayerIx, LayerKind};
use territoires_core::index::grid::{BATCH, Cell};
use territoires_core::index::{Companion, Indexed};

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

impl LocateOptions {
    /// Whether the answer is to hold layer `l`.
    #[inline]
    pub fn wants(&self, l: LayerIx) -> bool {
        self.layers.as_ref().is_none_or(|w| w.contains(&l))
    }
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
    let commune_cell = ix.communes_layer().and_then(|l| ix.cell_at(l, p));
    let companion = ix.communes_companion();
    let cell_in = |l: LayerIx| stand_in(companion, commune_cell, l).or_else(|| ix.cell_at(l, p));
    let commune_hit = commune_hit(ix, p, options, commune_cell);
    locate_in_cells(ix, &Plan::new(ix, options), p, options, commune_hit, cell_in, out);
}

/// The commune at `p`, exact or within the tolerance, given `p`'s cell in the communes' grid.
#[inline]
fn commune_hit(
    ix: &Indexed,
    p: Coord<f64>,
    options: &LocateOptions,
    commune_cell: Option<Cell>,
) -> Option<Hit> {
    ix.communes_layer()
        .and_then(|l| first_or_nearest(ix, l, commune_cell, p, options.tolerance_m))
}

/// The cell that the communes' `commune_cell` makes stand in for polygon layer `l`'s own, where
/// the communes' grid answers for `l` there (see [`Companion::stand_in`]).
#[inline]
fn stand_in(companion: Option<Companion>, commune_cell: Option<Cell>, l: LayerIx) -> Option<Cell> {
    let companion = companion.filter(|c| c.layer == l)?;
    companion.stand_in(commune_cell?)
}

/// [`locate_into`] for each of `points`, into the location beside it in `out` (as many as
/// `points`): the same answers, found a batch at a time while memory is asked ahead for what the
/// next batches read (see [`territoires_core::index::grid::PointGrid::for_each_batch`]). What a
/// file or a request of many points takes.
pub fn locate_each(ix: &Indexed, points: &[Coord<f64>], options: &LocateOptions, out: &mut [Location]) {
    debug_assert_eq!(points.len(), out.len());
    let companion = ix.communes_companion();
    let plan = Plan::new(ix, options);
    // The wanted polygon layers with a grid, asked for the points whose commune's cell does not
    // stand in for theirs.
    let mut slot_of = vec![None; ix.dataset.layers.len()];
    let mut polygon_layers = Vec::new();
    for (l, layer) in ix.dataset.indexed_layers() {
        if layer.kind == LayerKind::Polygons && options.wants(l) && layer.grid.is_some() {
            slot_of[l.index()] = Some(polygon_layers.len());
            polygon_layers.push(l);
        }
    }
    let mut polygon_cells = vec![[Cell::OutsideExtent; BATCH]; polygon_layers.len()];
    let mut communes = [None; BATCH];
    let mut commune_features = Vec::with_capacity(BATCH);
    let (mut asked, mut asked_points, mut asked_cells) =
        ([0; BATCH], [Coord::zero(); BATCH], [Cell::OutsideExtent; BATCH]);
    let mut answer = |batch: Range<usize>, commune_cells: Option<&[Cell]>| {
        let (points, out) = (&points[batch.clone()], &mut out[batch]);
        let commune_cell_of = |i: usize| commune_cells.map(|cells| cells[i]);
        for (s, &l) in polygon_layers.iter().enumerate() {
            // Only the points whose commune's cell does not stand in for the layer's own read it.
            let mut n = 0;
            for (i, &p) in points.iter().enumerate() {
                match stand_in(companion, commune_cell_of(i), l) {
                    Some(cell) => polygon_cells[s][i] = cell,
                    None => {
                        (asked[n], asked_points[n]) = (i, p);
                        n += 1;
                    }
                }
            }
            ix.cells_at_each(l, &asked_points[..n], &mut asked_cells[..n]);
            for (&i, &cell) in asked[..n].iter().zip(&asked_cells[..n]) {
                polygon_cells[s][i] = cell;
            }
        }
        for (i, (&p, commune)) in points.iter().zip(&mut communes).enumerate() {
            *commune = commune_hit(ix, p, options, commune_cell_of(i));
        }
        commune_features.clear();
        commune_features.extend(communes[..points.len()].iter().flatten().map(|hit| hit.feature));
        ix.read_rows_ahead(&commune_features);
        let (slot_of, polygon_cells) = (&slot_of, &polygon_cells);
        for (i, (&p, out)) in points.iter().zip(out).enumerate() {
            let cell_in = |l: LayerIx| slot_of[l.index()].map(|s: usize| polygon_cells[s][i]);
            locate_in_cells(ix, &plan, p, options, communes[i], cell_in, out);
        }
    };
    match ix.communes_layer().and_then(|l| ix.grid(l)) {
        Some((grid, geometries)) => {
            grid.for_each_batch(geometries, points, |batch, cells| answer(batch, Some(cells)))
        }
        None => {
            for start in (0..points.len()).step_by(BATCH) {
                answer(start..points.len().min(start + BATCH), None);
            }
        }
    }
}

/// What [`locate_in_cells`] does at every point, worked out once from the dataset's layers and the
/// options: the wanted layers in order, where consecutive commune-set layers make one step (their
/// memberships lie together in the commune's row, by layer), so that a point's answer is a few
/// copies, not a walk over every layer.
struct Plan {
    steps: SmallVec<[Step; 8]>,
}

#[derive(Clone, Copy)]
enum Step {
    /// The commune's own hit.
    Commune,
    /// The commune's memberships in the layers before `end` (commune-set layers all); every one of
    /// them, or only those of wanted layers.
    Memberships { end: LayerIx, every: bool },
    /// The features of a polygon layer holding the point.
    Polygons(LayerIx),
}

impl Plan {
    fn new(ix: &Indexed, options: &LocateOptions) -> Self {
        let mut steps = SmallVec::<[Step; 8]>::new();
        for (l, layer) in ix.dataset.indexed_layers() {
            let wanted = options.wants(l);
            match layer.kind {
                LayerKind::Communes if wanted => steps.push(Step::Commune),
                LayerKind::CommuneSets => {
                    let end = LayerIx::at(l.index() + 1);
                    match steps.last_mut() {
                        Some(Step::Memberships { end: last_end, every }) => {
                            *last_end = end;
                            *every &= wanted;
                        }
                        _ => steps.push(Step::Memberships { end, every: wanted }),
                    }
                }
                LayerKind::Polygons if wanted => steps.push(Step::Polygons(l)),
                LayerKind::Communes | LayerKind::Polygons => {}
            }
        }
        Plan { steps }
    }
}

/// [`locate_into`], given the commune at `p` and, by `cell_in`, its cell in each wanted polygon
/// layer's grid (or the cell standing in for it).
#[inline]
fn locate_in_cells(
    ix: &Indexed,
    plan: &Plan,
    p: Coord<f64>,
    options: &LocateOptions,
    commune_hit: Option<Hit>,
    cell_in: impl Fn(LayerIx) -> Option<Cell>,
    out: &mut Location,
) {
    out.hits.clear();
    // The commune's memberships, by layer then feature: each step takes its own from the front, so
    // that the hits come out in layer order without sorting them.
    let (commune, mut memberships) = commune_hit
        .and_then(|hit| ix.commune_row(hit.feature))
        .map_or((None, &[][..]), |(c, memberships)| (Some(c), memberships));
    out.commune = commune;
    for &step in &plan.steps {
        match step {
            Step::Commune => out.hits.extend(commune_hit),
            Step::Memberships { end, every } => {
                let (these, rest) =
                    memberships.split_at(memberships.iter().take_while(|m| m.0 < end).count());
                memberships = rest;
                if let Some(hit) = commune_hit {
                    let hit_in = |&(layer, feature): &(LayerIx, FeatureIx)| Hit {
                        layer,
                        feature,
                        ..hit
                    };
                    if every {
                        out.hits.extend(these.iter().map(hit_in));
                    } else {
                        out.hits
                            .extend(these.iter().filter(|m| options.wants(m.0)).map(hit_in));
                    }
                }
            }
            Step::Polygons(l) => {
                let before = out.hits.len();
                ix.features_in(l, cell_in(l), p, |f| {
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
    debug_assert!(out.hits.is_sorted_by_key(|h| (h.layer, h.feature)));
}

fn exact(layer: LayerIx, feature: FeatureIx) -> Hit {
    Hit {
        layer,
        feature,
        approximate: false,
        distance_m: 0.0,
    }
}

fn first_or_nearest(
    ix: &Indexed,
    layer: LayerIx,
    cell: Option<Cell>,
    p: Coord<f64>,
    tolerance_m: Option<f64>,
) -> Option<Hit> {
    let mut first = None;
    ix.features_in(layer, cell, p, |f| {
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
