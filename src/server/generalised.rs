//! Generalised layers for maps, cached per layer and zoom.
//!
//! Each layer's topology (shared arcs) is built once, on first use or by the warm-up at start; each
//! zoom's generalised, quantised geometry is derived from it once and kept. A whole-layer GeoJSON answer
//! is also kept encoded three ways (identity, gzip, brotli) with its strong ETag, so a repeated request
//! costs a lookup.

use std::io::Write;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use geo::MultiPolygon;
use rayon::prelude::*;

use crate::Indexed;
use crate::dataset::sha256_hex;
use crate::topology::{Neighbours, Topology, quantise, tolerance_for_zoom};

/// Zooms beyond this one use its geometry: it is already finer than the source data's simplification.
pub const MAX_ZOOM: u8 = 12;
/// Snapping distance when building a topology: about 1 cm, far below any real feature and above the
/// last-bit differences between separately dissolved neighbours.
const SNAP_DEG: f64 = 1e-7;

/// One layer at one zoom.
pub struct Generalised {
    pub features: Vec<MultiPolygon<f64>>,
    /// Per feature: `[min_lon, min_lat, max_lon, max_lat]`.
    pub boxes: Vec<Option<[f64; 4]>>,
    whole: OnceLock<Encoded>,
}

/// A response body with its strong ETag, and, for bodies kept to be served again, its gzip and
/// brotli encodings.
pub struct Encoded {
    pub identity: Bytes,
    /// `(gzip, brotli)`; `None` for one-off bodies, which the compression layer encodes on the way out.
    pub compressed: Option<(Bytes, Bytes)>,
    pub etag: String,
}

impl Encoded {
    /// A one-off body: only its ETag is computed.
    pub fn plain(body: Vec<u8>) -> Self {
        Encoded {
            etag: format!("\"{}\"", &sha256_hex(&body)[..32]),
            identity: Bytes::from(body),
            compressed: None,
        }
    }

    /// A body kept and served again: encoded once, both ways.
    pub fn new(body: Vec<u8>) -> Self {
        let etag = format!("\"{}\"", &sha256_hex(&body)[..32]);
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        let _ = gzip.write_all(&body);
        let gzip = gzip.finish().unwrap_or_default();
        let mut brotli = Vec::new();
        {
            let mut writer = brotli::CompressorWriter::new(&mut brotli, 64 * 1024, 6, 22);
            let _ = writer.write_all(&body);
        }
        Encoded {
            identity: Bytes::from(body),
            compressed: Some((Bytes::from(gzip), Bytes::from(brotli))),
            etag,
        }
    }
}

pub struct LayerCache {
    topologies: Vec<OnceLock<Topology>>,
    /// Who borders whom, from each topology's shared arcs: portraits and the simulator use it.
    neighbours: Vec<OnceLock<Neighbours>>,
    zooms: Vec<Vec<OnceLock<Arc<Generalised>>>>,
}

impl LayerCache {
    pub fn new(layers: usize) -> Self {
        LayerCache {
            topologies: (0..layers).map(|_| OnceLock::new()).collect(),
            neighbours: (0..layers).map(|_| OnceLock::new()).collect(),
            zooms: (0..layers)
                .map(|_| (0..=MAX_ZOOM).map(|_| OnceLock::new()).collect())
                .collect(),
        }
    }

    pub fn topology(&self, ix: &Indexed, layer: usize) -> &Topology {
        self.topologies[layer].get_or_init(|| {
            let features: Vec<&MultiPolygon<f64>> = ix.dataset.layers[layer]
                .features
                .iter()
                .map(|f| &f.geometry)
                .collect();
            Topology::build(&features, SNAP_DEG)
        })
    }

    /// The layer's neighbour graph, built on first use.
    pub fn neighbours(&self, ix: &Indexed, layer: usize) -> &Neighbours {
        self.neighbours[layer].get_or_init(|| Neighbours::new(self.topology(ix, layer)))
    }

    /// The layer generalised for `zoom` (clamped to [`MAX_ZOOM`]).
    pub fn at_zoom(&self, ix: &Indexed, layer: usize, zoom: u8) -> Arc<Generalised> {
        let zoom = zoom.min(MAX_ZOOM);
        self.zooms[layer][zoom as usize]
            .get_or_init(|| {
                let topology = self.topology(ix, layer);
                let tolerance = tolerance_for_zoom(zoom);
                let features: Vec<MultiPolygon<f64>> = (0..topology.feature_count())
                    .into_par_iter()
                    .map(|f| quantise(&topology.generalise(f, tolerance), zoom))
                    .collect();
                let boxes = features.iter().map(territoires_geo::bounds).collect();
                Arc::new(Generalised {
                    features,
                    boxes,
                    whole: OnceLock::new(),
                })
            })
            .clone()
    }
}

impl Generalised {
    /// The whole layer as GeoJSON, encoded, built on first use.
    pub fn whole(&self, encode: impl FnOnce(&Self) -> Vec<u8>) -> &Encoded {
        self.whole.get_or_init(|| Encoded::new(encode(self)))
    }
}
