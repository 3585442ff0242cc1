//! `GET /tiles/{layer}/{z}/{x}/{y}.mvt`: Mapbox vector tiles of any layer, from the same generalised,
//! topology-preserving geometry as the GeoJSON layers, in Web Mercator, clipped to the tile with a
//! small buffer so that borders do not show at tile edges.

use std::f64::consts::PI;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use geo::{BooleanOps, Coord, LineString, MapCoords, MultiPolygon, Polygon};
use geozero::GeozeroGeometry;
use geozero::mvt::{Message, MvtWriter, TagsBuilder, TileValue, tile};

use super::AppState;
use super::cache::BodyKey;
use super::error::ApiError;
use super::params::Params;
use super::respond::{Encoded, encoded_response};

const EXTENT: u32 = 4096;
/// Buffer around a tile, as a fraction of its width.
const BUFFER: f64 = 64.0 / 4096.0;
const EARTH_RADIUS: f64 = 6_378_137.0;
const MAX_LATITUDE: f64 = 85.051_128_78;

fn mercator(c: Coord<f64>) -> Coord<f64> {
    let lat = c.y.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    Coord {
        x: EARTH_RADIUS * c.x.to_radians(),
        y: EARTH_RADIUS * (PI / 4.0 + lat / 2.0).tan().ln(),
    }
}

/// Tile bounds: `[west, south, east, north]` in Mercator metres and in degrees.
fn tile_bounds(z: u8, x: u32, y: u32) -> ([f64; 4], [f64; 4]) {
    let n = f64::from(1u32 << z);
    let size = 2.0 * PI * EARTH_RADIUS / n;
    let west = -PI * EARTH_RADIUS + f64::from(x) * size;
    let north = PI * EARTH_RADIUS - f64::from(y) * size;
    let lon = |x: f64| x / n * 360.0 - 180.0;
    let lat = |y: f64| (PI * (1.0 - 2.0 * y / n)).sinh().atan().to_degrees();
    (
        [west, north - size, west + size, north],
        [
            lon(f64::from(x)),
            lat(f64::from(y) + 1.0),
            lon(f64::from(x) + 1.0),
            lat(f64::from(y)),
        ],
    )
}

fn rect_polygon(b: [f64; 4]) -> Polygon<f64> {
    Polygon::new(
        LineString::from(vec![
            (b[0], b[1]),
            (b[2], b[1]),
            (b[2], b[3]),
            (b[0], b[3]),
            (b[0], b[1]),
        ]),
        vec![],
    )
}

/// Builds one tile.
fn render(
    state: &AppState,
    layer: territoires_core::dataset::LayerIx,
    z: u8,
    x: u32,
    y: u32,
) -> Result<Vec<u8>, ApiError> {
    let (metres, degrees) = tile_bounds(z, x, y);
    let pad = (degrees[2] - degrees[0]) * BUFFER;
    let search = [
        degrees[0] - pad,
        degrees[1] - pad,
        degrees[2] + pad,
        degrees[3] + pad,
    ];
    let pad_m = (metres[2] - metres[0]) * BUFFER;
    let clip = rect_polygon([
        metres[0] - pad_m,
        metres[1] - pad_m,
        metres[2] + pad_m,
        metres[3] + pad_m,
    ]);

    let generalised = state.ix.generalised(layer, z);
    let l = &state.ix.dataset.layers[layer];
    let mut tags = TagsBuilder::new();
    let mut features = Vec::new();
    for (f, geometry) in generalised.features.iter().enumerate() {
        let inside = generalised.boxes[f].is_some_and(|b| {
            b[0] <= search[2] && b[2] >= search[0] && b[1] <= search[3] && b[3] >= search[1]
        });
        if !inside {
            continue;
        }
        let projected: MultiPolygon<f64> = geometry.map_coords(mercator);
        let clipped = projected.intersection(&clip);
        if clipped.0.is_empty() {
            continue;
        }
        let mut writer = MvtWriter::new(EXTENT, metres[0], metres[1], metres[2], metres[3])
            .map_err(|e| ApiError::internal(e.to_string()))?;
        geo::Geometry::MultiPolygon(clipped)
            .process_geom(&mut writer)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let mut feature = writer.geometry().clone();
        if feature.geometry.is_empty() {
            continue;
        }
        feature.id = Some(f as u64);
        let feature_data = &l.features[f];
        for (key, value) in [
            ("id", TileValue::Str(feature_data.id.to_string())),
            ("name", TileValue::Str(feature_data.name.to_string())),
        ] {
            let (k, v) = tags.insert_ref(key, value);
            feature.tags.extend([k, v]);
        }
        features.push(feature);
    }
    let (keys, values) = tags.into_tags();
    let tile = tile::Layer {
        version: 2,
        name: l.id.clone(),
        features,
        keys,
        values: values.into_iter().map(Into::into).collect(),
        extent: Some(EXTENT),
    };
    Ok(geozero::mvt::Tile { layers: vec![tile] }.encode_to_vec())
}

/// The highest zoom served.
pub const MAX_TILE_ZOOM: u32 = territoires_geo::zoom::MAX_ZOOM as u32;

/// A tile coordinate of the path: digits, else a 400 naming it. Values too large to hold saturate,
/// and are then refused as beyond the grid.
fn tile_coordinate(name: &str, text: &str) -> Result<u32, ApiError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad_parameter(
            name,
            format!("tile `{name}` must be a whole number, got `{text}`"),
        ));
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
    let y = y_file.strip_suffix(".mvt").ok_or_else(|| {
        ApiError::not_found(format!("no tile `{y_file}`: tiles are /tiles/LAYER/Z/X/Y.mvt"))
    })?;
    let name = format!("{z}/{x}/{y}");
    let (z, x, y) = (
        tile_coordinate("z", &z)?,
        tile_coordinate("x", &x)?,
        tile_coordinate("y", y)?,
    );
    if z > MAX_TILE_ZOOM || x >= (1u32 << z) || y >= (1u32 << z) {
        return Err(ApiError::not_found(format!(
            "no tile {name}: x and y must be below 2^z, z at most {MAX_TILE_ZOOM}"
        )));
    }
    let z = z as u8;
    let key = BodyKey::Tile { layer, z, x, y };
    let encoded = match state.bodies.get(&key) {
        Some(encoded) => encoded,
        None => tokio::task::spawn_blocking(move || {
            state
                .bodies
                .try_get_or_make(key, || render(&state, layer, z, x, y).map(Encoded::new))
                .map_err(|e| (*e).clone())
        })
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??,
    };
    Ok(encoded_response(
        &headers,
        &encoded,
        "application/vnd.mapbox-vector-tile",
    ))
}
