//! `GET /api/layers/{id}.fgb` and `.gpkg?zoom=&bbox=`: a layer as a file QGIS opens, at full
//! resolution or with the map's generalisation for `zoom`.
//!
//! Whole-layer files are written one at a time (each takes a core and, for the communes, tens of
//! megabytes) and kept in the cache of encoded answers with their gzip and brotli encodings and strong
//! ETag, like the GeoJSON. They
//! answer byte ranges, so that a FlatGeobuf is read over HTTP a bbox at a time.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use super::AppState;
use super::cache::BodyKey;
use super::error::ApiError;
use super::params::Params;
use super::respond::{Encoded, encoded_response, file_response};
use super::selection::DownloadChoice;
use territoires_formats::{GisFormat, LayerExport};
use territoires_geo::{BoundingBox, Crs, Zoom};

/// The dataset's write time, the files' "last change": the same data gives the same bytes.
fn last_change(state: &AppState) -> String {
    state
        .ix
        .dataset
        .file
        .as_ref()
        .and_then(|f| f.written.clone())
        .unwrap_or_else(territoires_core::time::now)
}

/// Writes the file for `layer` at `zoom` (`None`: full resolution), restricted to `bbox` if given
/// and to the features and properties `choice` keeps, in `crs`.
fn write_file(
    state: &AppState,
    layer: territoires_core::dataset::LayerIx,
    zoom: Option<u8>,
    bbox: Option<BoundingBox>,
    format: GisFormat,
    crs: Crs,
    choice: &DownloadChoice,
) -> Result<Vec<u8>, ApiError> {
    let l = &state.ix.dataset.layers[layer];
    let generalised = zoom.map(|z| state.ix.generalised(layer, z));
    let export = match &generalised {
        None => LayerExport::full_resolution(l, last_change(state)),
        Some(g) => LayerExport::with_geometries(l, &g.features, last_change(state)),
    };
    let export = match bbox {
        Some(b) => export.within(b),
        None => export,
    };
    let export = match &choice.features {
        Some(features) => export.choose(features),
        None => export,
    };
    let export = export
        .with_properties(choice.properties.clone())
        .reprojected(crs)
        .map_err(|e| ApiError::internal(format!("writing {} in {crs}: {e}", l.id)))?;
    format
        .encode(&export)
        .map_err(|e| ApiError::internal(format!("writing {}.{}: {e}", l.id, format.extension())))
}

pub async fn gis_file(
    state: Arc<AppState>,
    id: &str,
    format: GisFormat,
    headers: HeaderMap,
    raw: Option<String>,
) -> Result<Response, ApiError> {
    let layer = state.layer(id)?;
    let mut p = Params::parse(raw.as_deref());
    let zoom = p.zoom()?.map(Zoom::generalisation);
    let bbox = p.bbox("bbox")?;
    let crs = p.crs()?.unwrap_or_default();
    let choice = DownloadChoice::read(&mut p, &state, layer)?;
    p.finish()?;
    let filename = file_name(id, zoom, crs, format.extension());
    let mut response = tokio::task::spawn_blocking(move || -> Result<Response, ApiError> {
        Ok(match bbox {
            None if choice.is_whole() => {
                let key = BodyKey::GisFile {
                    layer,
                    zoom,
                    format,
                    crs,
                };
                let encoded = state
                    .bodies
                    .try_get_or_make(key, || {
                        let _one_at_a_time = state
                            .gis_writing
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        write_file(&state, layer, zoom, None, format, crs, &choice).map(Encoded::new)
                    })
                    .map_err(|e| (*e).clone())?;
                file_response(&headers, &encoded, format.content_type())
            }
            bbox => {
                let body = write_file(&state, layer, zoom, bbox, format, crs, &choice)?;
                encoded_response(&headers, &Encoded::plain(body), format.content_type())
            }
        })
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

/// `communes.gpkg`, `communes-zoom8.fgb`, `communes-2154.gpkg`: what a download is saved as, so
/// that files of one layer in two systems do not overwrite each other.
pub(crate) fn file_name(id: &str, zoom: Option<u8>, crs: Crs, extension: &str) -> String {
    let mut name = id.to_string();
    if let Some(z) = zoom {
        name.push_str(&format!("-zoom{z}"));
    }
    if !crs.is_wgs84() {
        name.push_str(&format!("-{}", crs.code()));
    }
    format!("{name}.{extension}")
}
