//! Run-time indexes over a loaded dataset.
//!
//! Layers located by geometry (communes, published polygons) carry a [`grid::PointGrid`] built by the
//! data build, which reads edges from the layer's flat geometry where the file lies. Every layer can also
//! get, on first use, exact polygon tests and an R-tree over feature boxes: they serve points outside
//! the grid, tolerance searches, and the cross-check of commune-built layers against their dissolved
//! polygons.

pub mod generalised;
pub mod grid;
pub mod polygon;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use geo::Coord;
use rayon::prelude::*;
use rstar::AABB;

use territoires_geo::topology::{Neighbours, Topology};

use crate::dataset::{CommuneIx, Dataset, FeatureIx, LayerIx, LayerKind};
use crate::error::Result;
use crate::file::Verification;
use generalised::{Generalised, LayerCache};
use grid::{Cell, CompanionAnswer};
use polygon::{BoxTree, PolygonIndex, Position, box_tree, metres_per_degree};

/// In a [`CommuneRow`], a feature with no member commune.
const NO_COMMUNE: CommuneIx = CommuneIx(u32::MAX);

/// A dataset with its indexes: what every query takes.
pub struct Indexed {
    pub dataset: Dataset,
    layers: Vec<LayerIndex>,
    communes_layer: Option<LayerIx>,
    /// Per feature of the communes layer, what a locate reads once it has the feature: its commune
    /// (rather than a read through the feature's member list) and the commune's memberships, on one
    /// cache line.
    commune_rows: Vec<CommuneRow>,
    /// The memberships of rows too long for their line.
    long_rows: Vec<(LayerIx, FeatureIx)>,
    /// Topologies, neighbours and per-zoom geometry, made on first use.
    generalised: LayerCache,
}

/// Memberships a [`CommuneRow`] holds on its line; longer rows are kept in [`Indexed::long_rows`].
const ROW_MEMBERSHIPS: usize = 6;

/// A feature of the communes layer as a locate reads it: its commune, and the `(layer, feature)` of
/// every commune-set layer holding the commune, by layer then feature. One aligned line of 64 bytes,
/// so that a point's memberships cost one read from memory where a chain of three arrays (feature →
/// commune → row → memberships) took three, each waiting on the one before.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct CommuneRow {
    commune: CommuneIx,
    /// How many memberships: the first `len` of `memberships`, or, beyond [`ROW_MEMBERSHIPS`],
    /// `long_rows[long_from..long_from + len]`.
    len: u32,
    long_from: u32,
    memberships: [(LayerIx, FeatureIx); ROW_MEMBERSHIPS],
}

/// A polygon layer that the communes' grid answers for where its answer holds all over a cell.
#[derive(Clone, Copy)]
pub struct Companion<'a> {
    pub layer: LayerIx,
    grid: &'a grid::PointGrid,
    features: usize,
}

impl Companion<'_> {
    /// A cell of the layer's own grid that says what the communes' `commune_cell` says of the
    /// layer: empty, or covered by its one feature, to be read as the layer's own cell would be
    /// ([`Indexed::features_in`]). `None` where the layer's own grid is to be asked.
    #[inline]
    pub fn stand_in(&self, commune_cell: Cell) -> Option<Cell> {
        match self.grid.companion_in(commune_cell) {
            CompanionAnswer::AskItsGrid => None,
            CompanionAnswer::Nothing => Some(Cell::Empty { code: 0 }),
            // A code naming no feature (a damaged file) sends the point to the layer's own grid.
            CompanionAnswer::Only(f) => (f.index() < self.features).then_some(Cell::Covered {
                feature: f.0,
                code: 0,
            }),
        }
    }
}

#[derive(Default)]
struct LayerIndex {
    polygons: OnceLock<Vec<PolygonIndex>>,
    boxes: OnceLock<BoxTree>,
}

impl Indexed {
    pub fn new(dataset: Dataset) -> Self {
        let layers = dataset.layers.iter().map(|_| LayerIndex::default()).collect();
        let communes_layer = dataset.communes_layer();
        let feature_commune = communes_layer
            .map(|l| &dataset.layers[l].features[..])
            .unwrap_or_default()
            .iter()
            .map(|f| f.communes.first().copied().unwrap_or(NO_COMMUNE));
        let set_layers: Vec<_> = dataset
            .indexed_layers()
            .filter(|(_, layer)| layer.kind == LayerKind::CommuneSets)
            .collect();
        let mut row = Vec::new();
        let mut long_rows = Vec::new();
        let commune_rows = feature_commune
            .map(|c| {
                row.clear();
                if c != NO_COMMUNE {
                    for &(l, layer) in &set_layers {
                        let from = row.len();
                        row.extend(layer.membership.features_of(c).iter().map(|&f| (l, f)));
                        // The build writes each layer's features sorted, and a locate's answer
                        // relies on it; a file from elsewhere gets sorted here rather than
                        // answering out of order.
                        let row = &mut row[from..];
                        if !row.is_sorted() {
                            row.sort_unstable();
                        }
                    }
                }
                let mut commune_row = CommuneRow {
                    commune: c,
                    len: row.len() as u32,
                    long_from: 0,
                    memberships: [Default::default(); ROW_MEMBERSHIPS],
                };
                if row.len() <= ROW_MEMBERSHIPS {
                    commune_row.memberships[..row.len()].copy_from_slice(&row);
                } else {
                    commune_row.long_from = long_rows.len() as u32;
                    long_rows.extend_from_slice(&row);
                }
                commune_row
            })
            .collect();
        Indexed {
            generalised: LayerCache::new(dataset.layers.len(), generalised::DEFAULT_GENERALISED_BUDGET),
            dataset,
            layers,
            communes_layer,
            commune_rows,
            long_rows,
        }
    }

    /// Loads and indexes `DIR/territoires.bin`, its checksum checked.
    pub fn load(dir: &Path) -> Result<Self> {
        Ok(Self::new(Dataset::load(dir)?))
    }

    /// Maps and indexes `DIR/territoires.bin` while its checksum is checked (see [`Dataset::open`]).
    pub fn open(dir: &Path) -> Result<(Self, Verification)> {
        let (dataset, verification) = Dataset::open(dir)?;
        Ok((Self::new(dataset), verification))
    }

    pub fn layer_position(&self, id: &str) -> Option<LayerIx> {
        self.dataset
            .layers
            .iter()
            .position(|l| l.id == id)
            .map(LayerIx::at)
    }

    /// Position of the `communes` layer.
    pub fn communes_layer(&self) -> Option<LayerIx> {
        self.communes_layer
    }

    /// The commune of a feature of the `communes` layer, and the `(layer, feature)` of every
    /// commune-set layer holding it, by layer then feature: what a locate reads once it has found
    /// the feature, from one line of memory.
    #[inline]
    pub fn commune_row(&self, feature: FeatureIx) -> Option<(CommuneIx, &[(LayerIx, FeatureIx)])> {
        let row = self.commune_rows.get(feature.index())?;
        if row.commune == NO_COMMUNE {
            return None;
        }
        let len = row.len as usize;
        let memberships = match row.memberships.get(..len) {
            Some(memberships) => memberships,
            None => &self.long_rows[row.long_from as usize..][..len],
        };
        Some((row.commune, memberships))
    }

    /// Asks memory for the rows ([`Self::commune_row`]) of `features` (of the communes layer)
    /// without waiting for them: the reads of a batch's rows overlap, and are in cache when read.
    pub fn read_rows_ahead(&self, features: &[FeatureIx]) {
        for f in features {
            grid::prefetch(&self.commune_rows, f.index());
        }
    }

    /// The layer's shared-border topology, built on first use.
    pub fn topology(&self, layer: LayerIx) -> &Topology {
        self.generalised.topology(&self.dataset.layers, layer.index())
    }

    /// Who borders whom in the layer, from its topology's shared arcs.
    pub fn neighbours(&self, layer: LayerIx) -> &Neighbours {
        self.generalised.neighbours(&self.dataset.layers, layer.index())
    }

    /// Bytes of generalised geometry kept for the layers' zooms, and their budget.
    pub fn generalised_bytes(&self) -> (usize, usize) {
        self.generalised.kept_bytes()
    }

    /// Sets the bytes of generalised geometry kept ([`generalised::DEFAULT_GENERALISED_BUDGET`]
    /// unless set): a server shares its `--cache-mb` between them and its encoded answers.
    pub fn set_generalised_budget(&self, bytes: usize) {
        self.generalised.set_budget(bytes);
    }

    /// The layer generalised for `zoom` (clamped to [`territoires_geo::zoom::MAX_GENERALISED_ZOOM`]).
    pub fn generalised(&self, layer: LayerIx, zoom: u8) -> Arc<Generalised> {
        self.generalised
            .at_zoom(&self.dataset.layers, layer.index(), zoom)
    }

    /// Exact point-in-polygon structures of a layer's features, prepared on first use.
    pub fn polygons(&self, layer: LayerIx) -> &[PolygonIndex] {
        self.layers[layer.index()].polygons.get_or_init(|| {
            let layer = &self.dataset.layers[layer];
            (0..layer.features.len())
                .into_par_iter()
                .map(|f| PolygonIndex::new(&layer.polygons(FeatureIx::at(f))))
                .collect()
        })
    }

    fn boxes(&self, layer: LayerIx) -> &BoxTree {
        self.layers[layer.index()]
            .boxes
            .get_or_init(|| box_tree(self.polygons(layer)))
    }

    /// Features of `layer` whose polygon contains `p` or has it on its border, by geometry alone,
    /// in ascending feature order. Calls `found` for each; stops early if it returns `false`.
    #[inline]
    pub fn features_at(&self, layer: LayerIx, p: Coord<f64>, found: impl FnMut(FeatureIx) -> bool) {
        self.features_in(layer, self.cell_at(layer, p), p, found);
    }

    /// The cell of `p` in the layer's grid (`None` for a layer without a grid).
    #[inline]
    pub fn cell_at(&self, layer: LayerIx, p: Coord<f64>) -> Option<Cell> {
        self.dataset.layers[layer]
            .grid
            .as_ref()
            .map(|grid| grid.cell_at(p))
    }

    /// The polygon layer that the communes' grid also answers for, if any (see [`grid`]).
    pub fn communes_companion(&self) -> Option<Companion<'_>> {
        let grid = self.dataset.layers[self.communes_layer?].grid.as_ref()?;
        let layer = LayerIx::at(grid.companion()? as usize);
        Some(Companion {
            layer,
            grid,
            features: self.dataset.layers[layer].features.len(),
        })
    }

    /// [`Self::features_at`] for a point whose cell in the layer's grid is already known (`None`
    /// for a layer without a grid).
    #[inline]
    pub fn features_in(
        &self,
        layer: LayerIx,
        cell: Option<Cell>,
        p: Coord<f64>,
        mut found: impl FnMut(FeatureIx) -> bool,
    ) {
        let layer_data = &self.dataset.layers[layer];
        if let (Some(grid), Some(cell)) = (&layer_data.grid, cell)
            && grid.features_in(&layer_data.geometries, cell, p, &mut found)
        {
            return;
        }
        self.features_at_exactly(layer, p, found);
    }

    /// The layer's grid and the geometry its records name, for a lookup that drives the grid
    /// itself (see [`grid::PointGrid::for_each_batch`]).
    pub fn grid(&self, layer: LayerIx) -> Option<(&grid::PointGrid, &crate::dataset::Geometries)> {
        let layer = &self.dataset.layers[layer];
        layer.grid.as_ref().map(|grid| (grid, &layer.geometries))
    }

    /// The cells of a batch of points in the layer's grid, their reads overlapped (see
    /// [`grid::PointGrid::cells_at_each`]); `cells` is left as it is for a layer without a grid.
    pub fn cells_at_each(&self, layer: LayerIx, points: &[Coord<f64>], cells: &mut [Cell]) {
        if let Some((grid, geometries)) = self.grid(layer) {
            grid.cells_at_each(geometries, points, cells);
        }
    }

    /// Same answer as [`Self::features_at`], without the grid: an R-tree of feature boxes and an
    /// exact test per candidate. Serves points outside the grid and cross-checks it.
    pub fn features_at_exactly(
        &self,
        layer: LayerIx,
        p: Coord<f64>,
        mut found: impl FnMut(FeatureIx) -> bool,
    ) {
        let polygons = self.polygons(layer);
        let mut candidates: Vec<u32> = self
            .boxes(layer)
            .locate_all_at_point(&[p.x, p.y])
            .map(|e| e.data)
            .filter(|&f| polygons[f as usize].position(p) != Position::Outside)
            .collect();
        candidates.sort_unstable();
        for f in candidates {
            if !found(FeatureIx(f)) {
                return;
            }
        }
    }

    /// The feature nearest to `p` within `tolerance_m` metres, with its distance.
    pub fn nearest_within(
        &self,
        layer: LayerIx,
        p: Coord<f64>,
        tolerance_m: f64,
    ) -> Option<(FeatureIx, f64)> {
        let (kx, ky) = metres_per_degree(p.y);
        let (dx, dy) = (tolerance_m / kx.max(1.0), tolerance_m / ky);
        let search = AABB::from_corners([p.x - dx, p.y - dy], [p.x + dx, p.y + dy]);
        let polygons = self.polygons(layer);
        self.boxes(layer)
            .locate_in_envelope_intersecting(&search)
            .map(|e| (e.data, polygons[e.data as usize].distance_m(p)))
            .filter(|&(_, d)| d <= tolerance_m)
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
            .map(|(f, d)| (FeatureIx(f), d))
    }
}
