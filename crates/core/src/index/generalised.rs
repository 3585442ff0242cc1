//! Layers generalised for maps, built per layer and zoom on first use and kept.
//!
//! Each layer's topology (shared arcs) is built once, on first use or by a server's warm-up; each
//! zoom's generalised, quantised geometry is derived from it once. The neighbour graph comes from
//! the same arcs. The CLI's exports, the server's layers and tiles, portraits and the simulator all
//! read them from here, so none of them needs a server to run.

use std::sync::{Arc, OnceLock};

use geo::MultiPolygon;
use rayon::prelude::*;
use territoires_geo::topology::{DEFAULT_SNAP_DEG, Neighbours, Topology, quantise, tolerance_for_zoom};

use crate::dataset::Layer;

use territoires_geo::zoom::MAX_GENERALISED_ZOOM;

/// One layer at one zoom.
pub struct Generalised {
    pub features: Vec<MultiPolygon<f64>>,
    /// Per feature: `[min_lon, min_lat, max_lon, max_lat]`.
    pub boxes: Vec<Option<[f64; 4]>>,
}

/// Per layer: its topology, its neighbour graph and its geometry at each zoom, each made once.
pub(crate) struct LayerCache {
    topologies: Vec<OnceLock<Topology>>,
    neighbours: Vec<OnceLock<Neighbours>>,
    zooms: Vec<Vec<OnceLock<Arc<Generalised>>>>,
}

impl LayerCache {
    pub(crate) fn new(layers: usize) -> Self {
        LayerCache {
            topologies: (0..layers).map(|_| OnceLock::new()).collect(),
            neighbours: (0..layers).map(|_| OnceLock::new()).collect(),
            zooms: (0..layers)
                .map(|_| (0..=MAX_GENERALISED_ZOOM).map(|_| OnceLock::new()).collect())
                .collect(),
        }
    }

    pub(crate) fn topology(&self, layers: &[Layer], layer: usize) -> &Topology {
        self.topologies[layer].get_or_init(|| {
            let features: Vec<&MultiPolygon<f64>> =
                layers[layer].features.iter().map(|f| &f.geometry).collect();
            Topology::build(&features, DEFAULT_SNAP_DEG)
        })
    }

    pub(crate) fn neighbours(&self, layers: &[Layer], layer: usize) -> &Neighbours {
        self.neighbours[layer].get_or_init(|| Neighbours::new(self.topology(layers, layer)))
    }

    pub(crate) fn at_zoom(&self, layers: &[Layer], layer: usize, zoom: u8) -> Arc<Generalised> {
        // Finer zooms share the finest generalisation.
        let zoom = zoom.min(MAX_GENERALISED_ZOOM);
        self.zooms[layer][zoom as usize]
            .get_or_init(|| {
                let topology = self.topology(layers, layer);
                let tolerance = tolerance_for_zoom(zoom);
                let features: Vec<MultiPolygon<f64>> = (0..topology.feature_count())
                    .into_par_iter()
                    .map(|f| quantise(&topology.generalise(f, tolerance), zoom))
                    .collect();
                let boxes = features.iter().map(territoires_geo::bounds).collect();
                Arc::new(Generalised { features, boxes })
            })
            .clone()
    }
}
