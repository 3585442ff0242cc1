//! The one cache of encoded answers: whole layers per zoom, attribute tables, GIS files and vector
//! tiles, kept with their compressed encodings, within a byte budget (`--cache-mb`).
//!
//! Each of these used to keep everything it made, so a crawler asking every layer at every zoom in
//! every format (160 URLs the OpenAPI document lists) took a server past a gigabyte. Now they share
//! one budget, and moka's TinyLFU decides what stays: an answer asked once by a crawler does not
//! push out the map's own layers. An evicted answer is made again when asked.

use std::sync::Arc;

use moka::notification::RemovalCause;
use territoires_core::dataset::LayerIx;
use territoires_formats::GisFormat;

use crate::metrics::{CacheSize, Metrics};
use crate::respond::Encoded;
use territoires_geo::Crs;

/// What an encoded answer is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyKey {
    /// A whole layer's GeoJSON at a generalisation zoom, in a system.
    Layer { layer: LayerIx, zoom: u8, crs: Crs },
    /// A layer's attributes as CSV.
    AttributeCsv(LayerIx),
    /// A whole layer as a GIS file, at full resolution (`zoom: None`) or generalised.
    GisFile {
        layer: LayerIx,
        zoom: Option<u8>,
        format: GisFormat,
        crs: Crs,
    },
    /// A vector tile.
    Tile { layer: LayerIx, z: u8, x: u32, y: u32 },
    /// What changed in a layer since the previous dataset.
    Diff(LayerIx),
}

/// The default `--cache-mb`, shared by [`split_budget`]: 80 MiB of encoded answers (every layer's
/// GeoJSON at the map's zooms, with room for tiles and a few GIS files) and 48 MiB of geometry.
pub const DEFAULT_CACHE_MB: usize = 128;

/// How `--cache-mb` is shared: `(encoded answers, generalised geometry)`. The geometry's share
/// (3/8, 48 MiB by default) holds every layer at the map's first zoom and the communes at one finer
/// zoom (14 and 22 MB): both caches within one figure, so that the operator's figure bounds them.
pub fn split_budget(total_bytes: u64) -> (u64, u64) {
    let geometry = total_bytes / 8 * 3 + total_bytes % 8 * 3 / 8;
    (total_bytes - geometry, geometry)
}

/// Encoded answers within a byte budget; hits, misses and evictions are counted in [`Metrics`].
pub struct BodyCache {
    bodies: moka::sync::Cache<BodyKey, Arc<Encoded>>,
    metrics: Arc<Metrics>,
}

impl BodyCache {
    pub fn new(budget_bytes: u64, metrics: Arc<Metrics>) -> Self {
        let evicted = metrics.clone();
        let bodies = moka::sync::Cache::builder()
            .max_capacity(budget_bytes)
            .weigher(|_key: &BodyKey, body: &Arc<Encoded>| u32::try_from(body.bytes()).unwrap_or(u32::MAX))
            .eviction_listener(move |_key, _body, cause| {
                if cause == RemovalCause::Size {
                    evicted.cache_evicted();
                }
            })
            .build();
        BodyCache { bodies, metrics }
    }

    /// The kept answer, without making it, for a caller that would make it elsewhere (on a
    /// blocking thread). Counts hits only: the `get_or_make` that follows a miss counts it.
    pub fn get(&self, key: &BodyKey) -> Option<Arc<Encoded>> {
        let found = self.bodies.get(key);
        if found.is_some() {
            self.metrics.cache_looked_up(true);
        }
        found
    }

    /// The kept answer, or the one `make` makes, then kept. Concurrent callers for the same key
    /// wait for one `make` rather than each running it. Blocks: call it off the async threads.
    pub fn get_or_make(&self, key: BodyKey, make: impl FnOnce() -> Encoded) -> Arc<Encoded> {
        let entry = self.bodies.entry(key).or_insert_with(|| Arc::new(make()));
        self.metrics.cache_looked_up(!entry.is_fresh());
        entry.into_value()
    }

    /// [`BodyCache::get_or_make`] for a `make` that may fail: a failure is not kept.
    pub fn try_get_or_make<E>(
        &self,
        key: BodyKey,
        make: impl FnOnce() -> Result<Encoded, E>,
    ) -> Result<Arc<Encoded>, Arc<E>>
    where
        E: Send + Sync + 'static,
    {
        let entry = self
            .bodies
            .entry(key)
            .or_try_insert_with(|| make().map(Arc::new))?;
        self.metrics.cache_looked_up(!entry.is_fresh());
        Ok(entry.into_value())
    }

    /// How full it is, and the dataset's cache of generalised geometry, for `/metrics`.
    pub fn size(&self, ix: &territoires_core::Indexed) -> CacheSize {
        // Pending admissions and evictions are applied first, so that the size is current.
        self.bodies.run_pending_tasks();
        let (geometry_bytes, geometry_budget_bytes) = ix.generalised_bytes();
        CacheSize {
            budget_bytes: self.bodies.policy().max_capacity().unwrap_or(0),
            bytes: self.bodies.weighted_size(),
            entries: self.bodies.entry_count(),
            geometry_bytes: geometry_bytes as u64,
            geometry_budget_bytes: geometry_budget_bytes as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(bytes: usize) -> Encoded {
        Encoded::new(vec![b'x'; bytes])
    }

    fn tile(x: u32) -> BodyKey {
        BodyKey::Tile {
            layer: LayerIx::at(0),
            z: 10,
            x,
            y: 0,
        }
    }

    #[test]
    fn what_is_kept_stays_within_the_budget_and_is_counted() {
        let metrics = Arc::new(Metrics::default());
        let cache = BodyCache::new(64 * 1024, metrics.clone());
        for x in 0..40 {
            cache.get_or_make(tile(x), || body(8 * 1024));
        }
        let size = cache.size(&territoires_core::Indexed::new(
            territoires_fixtures::tiny_dataset(),
        ));
        assert!(size.bytes <= 64 * 1024, "{} bytes kept", size.bytes);
        assert!(size.entries < 40);
        let text = metrics.render(&size);
        assert!(text.contains("territoires_cache_misses_total 40"), "{text}");
        assert!(!text.contains("territoires_cache_evictions_total 0\n"), "{text}");
    }

    #[test]
    fn one_budget_bounds_the_answers_and_the_generalised_geometry_together() {
        let state = crate::AppState::with_options(
            territoires_core::Indexed::new(territoires_fixtures::tiny_dataset()),
            crate::StateOptions {
                cache_bytes: 80 * 1024 * 1024,
                ..crate::StateOptions::default()
            },
        );
        let size = state.bodies.size(&state.ix);
        assert_eq!(size.budget_bytes, 50 * 1024 * 1024);
        assert_eq!(size.geometry_budget_bytes, 30 * 1024 * 1024);
        // The geometry keeps within whatever budget it is given: below the size of any one
        // generalisation, the newest alone after every zoom was asked.
        state.ix.set_generalised_budget(1);
        for zoom in 0..=territoires_geo::zoom::MAX_GENERALISED_ZOOM {
            state.ix.generalised(LayerIx::at(0), zoom);
        }
        let newest = state
            .ix
            .generalised(LayerIx::at(0), territoires_geo::zoom::MAX_GENERALISED_ZOOM)
            .bytes();
        assert_eq!(
            state.ix.generalised_bytes(),
            (newest, 1),
            "only the newest is kept"
        );
        assert_eq!(split_budget(7), (5, 2), "the shares add up to the whole");
    }

    #[test]
    fn a_kept_answer_is_made_once() {
        let metrics = Arc::new(Metrics::default());
        let cache = BodyCache::new(1024 * 1024, metrics.clone());
        let mut made = 0;
        for _ in 0..3 {
            cache.get_or_make(tile(1), || {
                made += 1;
                body(100)
            });
        }
        assert_eq!(made, 1);
        assert!(cache.get(&tile(1)).is_some());
        let failed = cache.try_get_or_make(tile(2), || Err::<Encoded, _>("no"));
        assert!(failed.is_err());
        assert!(cache.get(&tile(2)).is_none(), "a failure is not kept");
    }
}
