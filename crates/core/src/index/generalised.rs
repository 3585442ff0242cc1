//! Layers generalised for maps, built per layer and zoom on first use.
//!
//! Each layer's topology (shared arcs) is built once, on first use or by a server's warm-up, and
//! kept. Each zoom's generalised, quantised geometry is derived from it, and the most recently used
//! ones are kept within a byte budget ([`DEFAULT_GENERALISED_BUDGET`]): kept for ever, every layer at
//! every zoom took a server past a gigabyte once a crawler had asked for them all. One that is
//! pushed out lives on while a request holds it, and is made again from the topology when asked
//! next. The neighbour graph comes from the same arcs. The CLI's exports, the server's layers and
//! tiles, portraits and the simulator all read them from here, so none of them needs a server to
//! run.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};

use geo::MultiPolygon;
use rayon::prelude::*;
use territoires_geo::topology::{DEFAULT_SNAP_DEG, Neighbours, Topology, quantise, tolerance_for_zoom};

use crate::dataset::Layer;

use territoires_geo::zoom::MAX_GENERALISED_ZOOM;

/// The bytes of generalised geometry kept by default: every layer at the map's first zooms, and
/// the communes at a few more.
pub const DEFAULT_GENERALISED_BUDGET: usize = 96 * 1024 * 1024;

/// One layer at one zoom.
pub struct Generalised {
    pub features: Vec<MultiPolygon<f64>>,
    /// Per feature: `[min_lon, min_lat, max_lon, max_lat]`.
    pub boxes: Vec<Option<[f64; 4]>>,
}

impl Generalised {
    /// The memory it holds, near enough for a budget: coordinates, rings, polygons and boxes.
    pub fn bytes(&self) -> usize {
        let geometry: usize = self
            .features
            .iter()
            .flat_map(|m| &m.0)
            .map(|p| {
                let rings = std::iter::once(p.exterior()).chain(p.interiors());
                rings
                    .map(|r| r.0.len() * size_of::<geo::Coord<f64>>() + size_of::<geo::LineString<f64>>())
                    .sum::<usize>()
                    + size_of::<geo::Polygon<f64>>()
            })
            .sum();
        geometry
            + self.features.len() * size_of::<MultiPolygon<f64>>()
            + self.boxes.len() * size_of::<Option<[f64; 4]>>()
    }
}

/// Per layer: its topology and its neighbour graph, each made once, and its geometry at each zoom.
pub(crate) struct LayerCache {
    topologies: Vec<OnceLock<Topology>>,
    neighbours: Vec<OnceLock<Neighbours>>,
    /// Per layer and zoom: the geometry while anyone holds it. The lock is held while it is made,
    /// so that concurrent first requests make it once.
    zooms: Vec<Vec<Mutex<Weak<Generalised>>>>,
    kept: Mutex<Kept>,
}

/// The generalisations kept alive, least recently used first.
struct Kept {
    budget: usize,
    bytes: usize,
    entries: VecDeque<Entry>,
}

struct Entry {
    layer: usize,
    zoom: u8,
    bytes: usize,
    /// Held only to keep it alive.
    _generalised: Arc<Generalised>,
}

/// Locks whose data stays whole after a panic elsewhere (a weak pointer, a list of kept entries).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Kept {
    /// Marks (`layer`, `zoom`) as just used, adding it if new, then lets the least recently used
    /// go while over budget (the one just used always stays).
    fn used(&mut self, layer: usize, zoom: u8, generalised: &Arc<Generalised>) {
        let found = self
            .entries
            .iter()
            .position(|e| e.layer == layer && e.zoom == zoom);
        let entry = match found.and_then(|i| self.entries.remove(i)) {
            Some(entry) => entry,
            None => {
                let bytes = generalised.bytes();
                self.bytes += bytes;
                Entry {
                    layer,
                    zoom,
                    bytes,
                    _generalised: generalised.clone(),
                }
            }
        };
        self.entries.push_back(entry);
        self.shrink();
    }

    /// Lets the least recently used go while over budget; the newest always stays.
    fn shrink(&mut self) {
        while self.bytes > self.budget && self.entries.len() > 1 {
            if let Some(oldest) = self.entries.pop_front() {
                self.bytes -= oldest.bytes;
            }
        }
    }
}

impl LayerCache {
    pub(crate) fn new(layers: usize, budget: usize) -> Self {
        LayerCache {
            topologies: (0..layers).map(|_| OnceLock::new()).collect(),
            neighbours: (0..layers).map(|_| OnceLock::new()).collect(),
            zooms: (0..layers)
                .map(|_| {
                    (0..=MAX_GENERALISED_ZOOM)
                        .map(|_| Mutex::new(Weak::new()))
                        .collect()
                })
                .collect(),
            kept: Mutex::new(Kept {
                budget,
                bytes: 0,
                entries: VecDeque::new(),
            }),
        }
    }

    /// Bytes of generalised geometry kept, and their budget.
    pub(crate) fn kept_bytes(&self) -> (usize, usize) {
        let kept = lock(&self.kept);
        (kept.bytes, kept.budget)
    }

    /// Sets the budget, letting the least recently used go at once if over it.
    pub(crate) fn set_budget(&self, budget: usize) {
        let mut kept = lock(&self.kept);
        kept.budget = budget;
        kept.shrink();
    }

    pub(crate) fn topology(&self, layers: &[Layer], layer: usize) -> &Topology {
        self.topologies[layer].get_or_init(|| {
            let polygons = layers[layer].geometries.all_polygons();
            Topology::build(&polygons.iter().collect::<Vec<_>>(), DEFAULT_SNAP_DEG)
        })
    }

    pub(crate) fn neighbours(&self, layers: &[Layer], layer: usize) -> &Neighbours {
        self.neighbours[layer].get_or_init(|| Neighbours::new(self.topology(layers, layer)))
    }

    pub(crate) fn at_zoom(&self, layers: &[Layer], layer: usize, zoom: u8) -> Arc<Generalised> {
        // Finer zooms share the finest generalisation.
        let zoom = zoom.min(MAX_GENERALISED_ZOOM);
        let mut slot = lock(&self.zooms[layer][zoom as usize]);
        let generalised = match slot.upgrade() {
            Some(generalised) => generalised,
            None => {
                let topology = self.topology(layers, layer);
                let tolerance = tolerance_for_zoom(zoom);
                let features: Vec<MultiPolygon<f64>> = (0..topology.feature_count())
                    .into_par_iter()
                    .map(|f| quantise(&topology.generalise(f, tolerance), zoom))
                    .collect();
                let boxes = features.iter().map(territoires_geo::bounds).collect();
                let generalised = Arc::new(Generalised { features, boxes });
                *slot = Arc::downgrade(&generalised);
                generalised
            }
        };
        drop(slot);
        lock(&self.kept).used(layer, zoom, &generalised);
        generalised
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    /// A layer of `features` triangles, each ring four coordinates (closed).
    fn generalised(features: usize) -> Arc<Generalised> {
        let square = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)];
        Arc::new(Generalised {
            features: (0..features)
                .map(|_| MultiPolygon(vec![square.clone()]))
                .collect(),
            boxes: vec![Some([0.0, 0.0, 1.0, 1.0]); features],
        })
    }

    #[test]
    fn the_least_recently_used_go_first_and_the_newest_always_stays() {
        let one = generalised(10).bytes();
        let mut kept = Kept {
            budget: 3 * one,
            bytes: 0,
            entries: VecDeque::new(),
        };
        for zoom in 0..3 {
            kept.used(0, zoom, &generalised(10));
        }
        // Zoom 0 asked again: zoom 1 is now the least recently used.
        kept.used(0, 0, &generalised(10));
        kept.used(0, 3, &generalised(10));
        let zooms: Vec<u8> = kept.entries.iter().map(|e| e.zoom).collect();
        assert_eq!(zooms, [2, 0, 3]);
        assert_eq!(kept.bytes, 3 * one);
        // Over the budget on its own: kept alone, until the next.
        kept.used(1, 6, &generalised(100));
        assert_eq!(kept.entries.len(), 1);
        assert!(kept.bytes > kept.budget);
    }

    #[test]
    fn a_generalisation_pushed_out_lives_while_held() {
        let held = generalised(10);
        let weak = Arc::downgrade(&held);
        let mut kept = Kept {
            budget: 1,
            bytes: 0,
            entries: VecDeque::new(),
        };
        kept.used(0, 4, &held);
        kept.used(0, 5, &generalised(10));
        assert!(weak.upgrade().is_some(), "still held by its request");
        drop(held);
        assert!(weak.upgrade().is_none(), "freed once no one holds it");
    }
}
