//! A PMTiles v3 archive of the vector tiles: every tile of the chosen layers from `min_zoom` to
//! `max_zoom`, each the same bytes `/tiles/all/…` answers, with the TileJSON of the set as its
//! metadata. One file a static host serves by byte ranges: the map with no server.
//!
//! Only the tiles that hold a feature are written, found from the features' boxes at each zoom
//! (the overseas départements do not bring the ocean between them); identical tiles are kept once.

use std::collections::BTreeSet;
use std::io::{Seek, Write};

use pmtiles::{PmTilesWriter, TileCoord, TileType};
use rayon::prelude::*;

use crate::mvt::{layer_tile, layers_at, tiles_covering};
use crate::tilejson::{TileUrls, tileset_tilejson};
use territoires_core::Indexed;
use territoires_core::dataset::{Dataset, LayerIx};

/// What goes into the archive.
#[derive(Debug, Clone)]
pub struct ArchiveOptions {
    /// The layers, each also from its own `min_zoom` only.
    pub layers: Vec<LayerIx>,
    pub min_zoom: u8,
    pub max_zoom: u8,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct ArchiveReport {
    pub tiles: usize,
    /// Tiles per zoom, from `min_zoom`.
    pub per_zoom: Vec<usize>,
    pub tile_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error(transparent)]
    Tile(#[from] crate::mvt::TileError),
    #[error("PMTiles: {0}")]
    Pmtiles(#[from] pmtiles::PmtError),
    #[error("zooms {0}–{1}: the first must not be past the last, nor the last past {2}")]
    Zooms(u8, u8, u8),
}

/// The tiles of zoom `z` that hold a feature of `layers`, in PMTiles order (tile id, which runs
/// along the Hilbert curve, so that neighbours lie together in the file).
fn tiles_at(ix: &Indexed, layers: &[LayerIx], z: u8) -> Result<Vec<TileCoord>, ArchiveError> {
    let mut tiles = BTreeSet::new();
    for &l in layers {
        let generalised = ix.generalised(l, z);
        for b in generalised.boxes.iter().flatten() {
            let (xs, ys) = tiles_covering(z, *b);
            for x in xs {
                for y in ys.clone() {
                    tiles.insert(pmtiles::TileId::from(TileCoord::new(z, x, y)?));
                }
            }
        }
    }
    Ok(tiles.into_iter().map(TileCoord::from).collect())
}

/// The MapLibre style of an archive written with `options`, reading it through the `pmtiles://`
/// protocol at `archive_url`: the page (`style.html?pmtiles=…`) or any MapLibre map with the
/// `pmtiles` package draws it with no server. A relative URL is read from where the style is.
pub fn archive_style(data: &Dataset, options: &ArchiveOptions, archive_url: &str) -> serde_json::Value {
    crate::tilejson::maplibre_style(data, &options.layers, &format!("pmtiles://{archive_url}"))
}

/// Writes the archive to `out`.
pub fn write_archive(
    ix: &Indexed,
    options: &ArchiveOptions,
    out: impl Write + Seek,
) -> Result<ArchiveReport, ArchiveError> {
    let (min_zoom, max_zoom) = (options.min_zoom, options.max_zoom);
    let deepest = territoires_geo::zoom::MAX_ZOOM;
    if min_zoom > max_zoom || max_zoom > deepest {
        return Err(ArchiveError::Zooms(min_zoom, max_zoom, deepest));
    }
    let data = &ix.dataset;
    let bounds = territoires_geo::bbox::union(options.layers.iter().flat_map(|&l| {
        let layer = &data.layers[l];
        layer.indexed_features().filter_map(|(f, _)| layer.bounds(f))
    }))
    .unwrap_or([-180.0, -85.0, 180.0, 85.0]);
    let mut metadata = tileset_tilejson(
        data,
        Some(bounds),
        &TileUrls {
            layer: String::new(),
            all: String::new(),
        },
    );
    if let Some(doc) = metadata.as_object_mut() {
        doc.remove("tiles");
        doc.insert("minzoom".into(), min_zoom.into());
        doc.insert("maxzoom".into(), max_zoom.into());
        let kept: Vec<&str> = options
            .layers
            .iter()
            .map(|&l| data.layers[l].id.as_str())
            .collect();
        if let Some(vector_layers) = doc.get_mut("vector_layers").and_then(|v| v.as_array_mut()) {
            vector_layers.retain(|v| {
                let id = v["id"].as_str().unwrap_or("");
                kept.iter().any(|k| id == *k || id == crate::mvt::labels_layer(k))
            });
        }
    }
    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .min_zoom(min_zoom)
        .max_zoom(max_zoom)
        .bounds(bounds[0], bounds[1], bounds[2], bounds[3])
        .center((bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0)
        .center_zoom(min_zoom.max(5).min(max_zoom))
        .metadata(metadata.to_string())
        .create(out)?;
    let mut report = ArchiveReport::default();
    for z in min_zoom..=max_zoom {
        let layers: Vec<LayerIx> = layers_at(data, z)
            .filter(|l| options.layers.contains(l))
            .collect();
        let tiles = tiles_at(ix, &layers, z)?;
        // Made in parallel, written in tile-id order.
        let made: Vec<Result<(TileCoord, Vec<u8>), crate::mvt::TileError>> = tiles
            .par_iter()
            .map(|&coord| {
                let mut body = Vec::new();
                for &l in &layers {
                    body.extend(layer_tile(ix, l, z, coord.x(), coord.y())?);
                }
                Ok((coord, body))
            })
            .collect();
        let mut count = 0;
        for tile in made {
            let (coord, body) = tile?;
            if body.is_empty() {
                continue;
            }
            report.tile_bytes += body.len() as u64;
            writer.add_tile(coord, &body)?;
            count += 1;
        }
        report.per_zoom.push(count);
        report.tiles += count;
    }
    writer.finalize()?;
    Ok(report)
}
