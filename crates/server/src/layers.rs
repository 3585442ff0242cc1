//! `GET /api/layers/{id}.geojson?zoom=&bbox=`: a layer as generalised GeoJSON for maps; `.csv` its
//! attributes; `.fgb` and `.gpkg` GIS files (see [`super::gis_files`]).
//!
//! Neighbours stay glued at every zoom because every feature is rebuilt from the same simplified arcs
//! (see [`territoires_geo::topology`]). Whole-layer answers carry a strong ETag and are served from bytes kept
//! gzip- and brotli-encoded; `If-None-Match` gets a 304.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use super::AppState;
use super::cache::BodyKey;
use super::error::ApiError;
use super::gis_files::gis_file;
use super::params::Params;
use super::respond::{Encoded, encoded_response};
use super::selection::DownloadChoice;
use std::borrow::Cow;
use territoires_core::index::generalised::Generalised;
use territoires_formats::GisFormat;
use territoires_formats::geojson::{Collection, Writing};
use territoires_geo::zoom::MAX_GENERALISED_ZOOM;
use territoires_geo::{Crs, CrsRef, Reproject, Zoom};

/// Zoom when none is given.
const DEFAULT_ZOOM: u8 = 6;

/// Decimal places that keep a coordinate within about 1/8 pixel at `zoom`.
pub fn decimals_for_zoom(zoom: u8) -> u32 {
    let degrees_per_pixel = 360.0 / (256.0 * f64::from(1u32 << zoom.min(MAX_GENERALISED_ZOOM)));
    (-(degrees_per_pixel / 8.0).log10()).ceil().max(0.0) as u32
}

/// The layer's generalised features that `keep` takes, in the order and with the properties
/// `choice` says, in `crs` (x first), with the old GeoJSON `crs` member outside WGS84: RFC 7946 has
/// none, but GDAL and QGIS read it.
fn write_collection(
    state: &AppState,
    layer: territoires_core::dataset::LayerIx,
    generalised: &Generalised,
    zoom: u8,
    crs: Crs,
    choice: &DownloadChoice,
    keep: impl Fn(usize) -> bool,
) -> Result<Vec<u8>, ApiError> {
    let l = &state.ix.dataset.layers[layer];
    // A degree is about 10⁵ m: the same fraction of a pixel in metres.
    let decimals = decimals_for_zoom(zoom);
    let decimals = Some(if crs.is_wgs84() {
        decimals
    } else {
        decimals.saturating_sub(5)
    });
    let crs_member = format!(
        r#"{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::{}"}}}}"#,
        crs.code()
    );
    let leading: &[(&str, &str)] = if crs.is_wgs84() {
        &[]
    } else {
        &[("crs", &crs_member)]
    };
    let mut collection = Collection::new(leading);
    let to = CrsRef::traditional(crs);
    let how = Writing {
        decimals,
        crs: to,
        properties: choice.properties.as_deref(),
    };
    let order: Box<dyn Iterator<Item = usize>> = match &choice.features {
        Some(features) => Box::new(features.iter().copied()),
        None => Box::new(0..generalised.features.len()),
    };
    for f in order {
        let geometry = &generalised.features[f];
        if !geometry.0.is_empty() && keep(f) {
            let projected = match crs.is_wgs84() {
                true => Cow::Borrowed(geometry),
                false => Cow::Owned(
                    geometry
                        .reproject(to)
                        .map_err(|e| ApiError::internal(format!("writing {} in {crs}: {e}", l.id)))?,
                ),
            };
            collection.push(l, &l.features[f], &projected, &how);
        }
    }
    let meta = LayerMetadata {
        layer: &l.id,
        zoom,
        source: &l.source.name,
        vintage: &l.source.vintage,
        licence: &l.source.licence,
    };
    let meta = serde_json::to_string(&meta).unwrap_or_else(|_| "null".into());
    Ok(collection.finish(&[("metadata", &meta)]).into_bytes())
}

/// The `metadata` member of a layer's GeoJSON: what it is, at which zoom, from where.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct LayerMetadata<'a> {
    #[schemars(with = "territoires_query::answer::LayerId")]
    pub layer: &'a str,
    /// The zoom the geometry was generalised for.
    #[schemars(range(max = territoires_geo::zoom::MAX_GENERALISED_ZOOM))]
    pub zoom: u8,
    pub source: &'a str,
    pub vintage: &'a str,
    pub licence: &'a str,
}

/// `/api/layers/{file}`: the layer's GeoJSON, CSV, FlatGeobuf or GeoPackage by the file's extension.
pub async fn layer_file(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let (id, extension) = file.rsplit_once('.').unwrap_or((&file, ""));
    match extension {
        "geojson" => layer_geojson(state, id, headers, raw).await,
        "csv" => layer_csv(&state, id, &headers, raw),
        other => match GisFormat::from_extension(other) {
            Some(format) => gis_file(state, id, format, headers, raw).await,
            None => Err(ApiError::not_found(format!(
                "no `{file}`: layers are served as /api/layers/ID.geojson (map), ID.csv (attributes), \
                 ID.fgb (FlatGeobuf) and ID.gpkg (GeoPackage)"
            ))),
        },
    }
}

fn layer_csv(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
    raw: Option<String>,
) -> Result<Response, ApiError> {
    let layer = state.layer(id)?;
    let mut p = Params::parse(raw.as_deref());
    let choice = DownloadChoice::read(&mut p, state, layer)?;
    p.finish()?;
    let l = &state.ix.dataset.layers[layer];
    let encoded = if choice.is_whole() {
        state.bodies.get_or_make(BodyKey::AttributeCsv(layer), || {
            Encoded::new(territoires_formats::columns::attributes_csv(l))
        })
    } else {
        let features = choice
            .features
            .clone()
            .unwrap_or_else(|| (0..l.features.len()).collect());
        Arc::new(Encoded::plain(territoires_formats::columns::attributes_csv_of(
            l,
            features.into_iter(),
            choice.properties.as_deref(),
        )))
    };
    let mut response = encoded_response(headers, &encoded, "text/csv; charset=utf-8");
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{id}.csv\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

async fn layer_geojson(
    state: Arc<AppState>,
    id: &str,
    headers: HeaderMap,
    raw: Option<String>,
) -> Result<Response, ApiError> {
    let layer = state.layer(id)?;
    let mut p = Params::parse(raw.as_deref());
    // Zooms past MAX_GENERALISED_ZOOM share its geometry, and so its cached answer: the answer names that zoom.
    let zoom = p.zoom()?.map_or(DEFAULT_ZOOM, Zoom::generalisation);
    let bbox = p.bbox("bbox")?;
    let crs = p.crs()?.unwrap_or_default();
    let choice = DownloadChoice::read(&mut p, &state, layer)?;
    p.finish()?;
    let response = tokio::task::spawn_blocking(move || -> Result<Response, ApiError> {
        Ok(match bbox {
            None if choice.is_whole() => {
                let key = BodyKey::Layer { layer, zoom, crs };
                let encoded = state
                    .bodies
                    .try_get_or_make(key, || {
                        let generalised = state.ix.generalised(layer, zoom);
                        write_collection(&state, layer, &generalised, zoom, crs, &choice, |_| true)
                            .map(Encoded::new)
                    })
                    .map_err(|e| (*e).clone())?;
                encoded_response(&headers, &encoded, "application/geo+json")
            }
            bbox => {
                let generalised = state.ix.generalised(layer, zoom);
                let body = write_collection(&state, layer, &generalised, zoom, crs, &choice, |f| {
                    bbox.as_ref()
                        .is_none_or(|bbox| generalised.boxes[f].is_some_and(|b| bbox.meets(b)))
                })?;
                encoded_response(&headers, &Encoded::plain(body), "application/geo+json")
            }
        })
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(response)
}
