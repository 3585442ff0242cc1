//! Run-time indexes over a loaded dataset.
//!
//! Layers located by geometry (communes, published polygons) carry a [`grid::PointGrid`] built by the
//! data build; their exact polygon tests are prepared at load. Every layer also gets an R-tree over
//! feature bounding boxes, prepared on first use: it serves points outside the grid, tolerance
//! searches, and the cross-check of commune-built layers against their dissolved polygons.

pub mod grid;
pub mod polygon;

use std::path::Path;
use std::sync::OnceLock;

use geo::Coord;
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::dataset::Dataset;
use crate::error::Result;
use grid::{Cell, entry_feature};
use polygon::{PolygonIndex, Position, metres_per_degree};

type BoxEntry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// A dataset with its indexes: what every query takes.
pub struct Indexed {
    pub dataset: Dataset,
    layers: Vec<LayerIndex>,
}

#[derive(Default)]
struct LayerIndex {
    polygons: OnceLock<Vec<PolygonIndex>>,
    boxes: OnceLock<RTree<BoxEntry>>,
}

impl Indexed {
    pub fn new(dataset: Dataset) -> Self {
        let layers: Vec<LayerIndex> = dataset.layers.iter().map(|_| LayerIndex::default()).collect();
        let indexed = Indexed { dataset, layers };
        // Layers with a grid answer every locate: prepare their exact tests now, in parallel.
        let gridded: Vec<usize> = (0..indexed.layers.len())
            .filter(|&l| indexed.dataset.layers[l].grid.is_some())
            .collect();
        gridded.par_iter().for_each(|&l| {
            indexed.polygons(l);
        });
        indexed
    }

    pub fn load(dir: &Path) -> Result<Self> {
        Ok(Self::new(Dataset::load(dir)?))
    }

    pub fn layer_position(&self, id: &str) -> Option<usize> {
        self.dataset.layers.iter().position(|l| l.id == id)
    }

    /// Exact point-in-polygon structures of a layer's features.
    pub fn polygons(&self, layer: usize) -> &[PolygonIndex] {
        self.layers[layer].polygons.get_or_init(|| {
            self.dataset.layers[layer]
                .features
                .par_iter()
                .map(|f| PolygonIndex::new(&f.geometry))
                .collect()
        })
    }

    fn boxes(&self, layer: usize) -> &RTree<BoxEntry> {
        self.layers[layer].boxes.get_or_init(|| {
            let entries = self
                .polygons(layer)
                .iter()
                .enumerate()
                .filter(|(_, p)| p.bbox()[0].is_finite())
                .map(|(f, p)| {
                    let [x0, y0, x1, y1] = p.bbox();
                    GeomWithData::new(Rectangle::from_corners([x0, y0], [x1, y1]), f as u32)
                })
                .collect();
            RTree::bulk_load(entries)
        })
    }

    /// Features of `layer` whose polygon contains `p` or has it on its border, by geometry alone,
    /// in ascending feature order. Calls `found` for each; stops early if it returns `false`.
    #[inline]
    pub fn features_at(&self, layer: usize, p: Coord<f64>, mut found: impl FnMut(u32) -> bool) {
        let polygons = self.polygons(layer);
        let hit = |f: u32| polygons[f as usize].position(p) != Position::Outside;
        let cell = match &self.dataset.layers[layer].grid {
            Some(grid) => grid.cell_at(p),
            None => Cell::OutsideExtent,
        };
        match cell {
            Cell::Empty => {}
            Cell::Covered(f) => {
                found(f);
            }
            Cell::Candidates(entries) => {
                for &e in entries {
                    let (f, full) = entry_feature(e);
                    if (full || hit(f)) && !found(f) {
                        return;
                    }
                }
            }
            Cell::OutsideExtent => {
                let mut candidates: Vec<u32> = self
                    .boxes(layer)
                    .locate_all_at_point(&[p.x, p.y])
                    .map(|e| e.data)
                    .filter(|&f| hit(f))
                    .collect();
                candidates.sort_unstable();
                for f in candidates {
                    if !found(f) {
                        return;
                    }
                }
            }
        }
    }

    /// The feature nearest to `p` within `tolerance_m` metres, with its distance.
    pub fn nearest_within(&self, layer: usize, p: Coord<f64>, tolerance_m: f64) -> Option<(u32, f64)> {
        let (kx, ky) = metres_per_degree(p.y);
        let (dx, dy) = (tolerance_m / kx.max(1.0), tolerance_m / ky);
        let search = AABB::from_corners([p.x - dx, p.y - dy], [p.x + dx, p.y + dy]);
        let polygons = self.polygons(layer);
        self.boxes(layer)
            .locate_in_envelope_intersecting(&search)
            .map(|e| (e.data, polygons[e.data as usize].distance_m(p)))
            .filter(|&(_, d)| d <= tolerance_m)
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
    }
}
