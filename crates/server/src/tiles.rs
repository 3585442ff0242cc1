//! `GET /tiles/{layer}/{z}/{x}/{y}.mvt`: Mapbox vector tiles of any layer, and `/tiles/all/…` of
//! every layer in one tile (each its own MVT layer). The tiles are [`territoires_formats::mvt`]'s,
//! kept encoded in the cache of answers.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::AppState;
use super::cache::BodyKey;
use super::error::ApiError;
use super::params::Params;
use super::respond::{Encoded, encoded_response};
use territoires_core::dataset::LayerIx;
use territoires_formats::mvt::layer_tile;

/// The highest zoom served.
pub const MAX_TILE_ZOOM: u32 = territoires_geo::zoom::MAX_ZOOM as u32;

/// A tile coordinate of the path: digits, else a 404 (no tile has that address; a TileJSON's
/// `{z}/{x}/{y}` template followed as it is lands here). Values too large to hold saturate, and are
/// then refused as beyond the grid.
fn tile_coordinate(name: &str, text: &str) -> Result<u32, ApiError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError {
            parameter: Some(name.to_string()),
            ..ApiError::not_found(format!("no tile: `{name}` must be a whole number, got `{text}`"))
        });
    }
    Ok(text.parse().unwrap_or(u32::MAX))
}

pub async fn tile(
    State(state): State<Arc<AppState>>,
    Path((layer_id, z, x, y_file)): Path<(String, String, String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Params::parse(raw.as_deref()).finish()?;
    let layer = state.layer(&layer_id)?;
    let (z, x, y) = tile_address(&z, &x, &y_file)?;
    let encoded = cached_tile(state, layer, z, x, y).await?;
    Ok(encoded_response(&headers, &encoded, MVT))
}

/// The media type of a vector tile.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";

/// `z`, `x` and `y.mvt` of a tile path, checked to lie on the grid.
fn tile_address(z: &str, x: &str, y_file: &str) -> Result<(u8, u32, u32), ApiError> {
    let y = y_file.strip_suffix(".mvt").ok_or_else(|| {
        ApiError::not_found(format!("no tile `{y_file}`: tiles are /tiles/LAYER/Z/X/Y.mvt"))
    })?;
    let name = format!("{z}/{x}/{y}");
    let (z, x, y) = (
        tile_coordinate("z", z)?,
        tile_coordinate("x", x)?,
        tile_coordinate("y", y)?,
    );
    if z > MAX_TILE_ZOOM || x >= (1u32 << z) || y >= (1u32 << z) {
        return Err(ApiError::not_found(format!(
            "no tile {name}: x and y must be below 2^z, z at most {MAX_TILE_ZOOM}"
        )));
    }
    Ok((z as u8, x, y))
}

/// One layer's tile, from the cache or made (off the async threads) and kept.
async fn cached_tile(
    state: Arc<AppState>,
    layer: LayerIx,
    z: u8,
    x: u32,
    y: u32,
) -> Result<Arc<Encoded>, ApiError> {
    let key = BodyKey::Tile { layer, z, x, y };
    if let Some(encoded) = state.bodies.get(&key) {
        return Ok(encoded);
    }
    tokio::task::spawn_blocking(move || {
        state
            .bodies
            .try_get_or_make(key, || {
                layer_tile(&state.ix, layer, z, x, y)
                    .map(Encoded::new)
                    .map_err(|e| ApiError::internal(e.to_string()))
            })
            .map_err(|e| (*e).clone())
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
}

/// `GET /tiles/all/{z}/{x}/{y}.mvt`: every layer's tile in one (from the layer's `min_zoom` on), as
/// the TileJSON of the set and the MapLibre style read them. An MVT tile is a list of layers, so the layers' encoded tiles, one
/// after the other, are the whole tile.
pub async fn all_layers_tile(
    State(state): State<Arc<AppState>>,
    Path((z, x, y_file)): Path<(String, String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Params::parse(raw.as_deref()).finish()?;
    let (z, x, y) = tile_address(&z, &x, &y_file)?;
    let mut body = Vec::new();
    for layer in territoires_formats::mvt::layers_at(&state.ix.dataset, z) {
        let encoded = cached_tile(state.clone(), layer, z, x, y).await?;
        body.extend_from_slice(&encoded.identity);
    }
    Ok(encoded_response(&headers, &Encoded::plain(body), MVT))
}

/// The tile URLs of this server, absolute from the request's host.
fn tile_urls(headers: &HeaderMap) -> territoires_formats::tilejson::TileUrls {
    let base = super::ogc::base(headers);
    territoires_formats::tilejson::TileUrls {
        layer: format!("{base}/tiles/{{layer}}/{{z}}/{{x}}/{{y}}.mvt"),
        all: format!("{base}/tiles/all/{{z}}/{{x}}/{{y}}.mvt"),
    }
}

/// The extent of every layer together.
fn dataset_bounds(state: &AppState) -> Option<[f64; 4]> {
    territoires_geo::bbox::union(
        LayerIx::all(state.ix.dataset.layers.len()).filter_map(|l| state.layer_bbox(l)),
    )
}

/// `GET /api/tiles.json`: the TileJSON of every layer's tiles in one set (`/tiles/all/…`).
pub async fn tileset_json(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Params::parse(raw.as_deref()).finish()?;
    let doc = territoires_formats::tilejson::tileset_tilejson(
        &state.ix.dataset,
        dataset_bounds(&state),
        &tile_urls(&headers),
    );
    Ok(axum::response::IntoResponse::into_response(axum::Json(doc)))
}

/// `GET /api/tiles/{layer}.json`: one layer's TileJSON.
pub async fn layer_tilejson(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let id = file.strip_suffix(".json").ok_or_else(|| {
        ApiError::not_found(format!(
            "no `{file}`: a layer's TileJSON is /api/tiles/LAYER.json"
        ))
    })?;
    let layer = state.layer(id)?;
    Params::parse(raw.as_deref()).finish()?;
    let doc = territoires_formats::tilejson::layer_tilejson(
        &state.ix.dataset.layers[layer],
        state.layer_bbox(layer),
        &tile_urls(&headers),
    );
    Ok(axum::response::IntoResponse::into_response(axum::Json(doc)))
}

/// `GET /api/style.json`: a MapLibre style drawing the tile set as the page draws its layers.
pub async fn style_json(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Params::parse(raw.as_deref()).finish()?;
    let tilejson = format!("{}/api/tiles.json", super::ogc::base(&headers));
    let data = &state.ix.dataset;
    let every_layer: Vec<LayerIx> = LayerIx::all(data.layers.len()).collect();
    let doc = territoires_formats::tilejson::maplibre_style(data, &every_layer, &tilejson);
    Ok(axum::response::IntoResponse::into_response(axum::Json(doc)))
}
