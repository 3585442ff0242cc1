//! `GET /api/layers/{id}.fgb` and `.gpkg?zoom=&bbox=`: a layer as a file QGIS opens, at full
//! resolution or with the map's generalisation for `zoom`.
//!
//! Whole-layer files are written once (one at a time: each takes a core and, for the communes, tens of
//! megabytes) and kept with their gzip and brotli encodings and strong ETag, like the GeoJSON. They
//! answer byte ranges, so that a FlatGeobuf is read over HTTP a bbox at a time.

use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::ApiError;
use super::generalised::{Encoded, MAX_ZOOM};
use super::layers::{encoded_response, layer_position, zoom_parameter};
use super::params::Params;
use territoires_formats::{GisFormat, LayerExport};
use territoires_geo::BoundingBox;

/// Files kept per layer, per resolution (full, then each zoom up to [`MAX_ZOOM`]), per format.
pub struct GisFileCache {
    files: Vec<Vec<[OnceLock<Encoded>; 2]>>,
    /// Held while a file is written, so that concurrent first requests write it once.
    writing: Mutex<()>,
}

impl GisFileCache {
    pub fn new(layers: usize) -> Self {
        GisFileCache {
            files: (0..layers)
                .map(|_| {
                    (0..=usize::from(MAX_ZOOM) + 1)
                        .map(|_| [OnceLock::new(), OnceLock::new()])
                        .collect()
                })
                .collect(),
            writing: Mutex::new(()),
        }
    }

    /// The whole layer's file, written on first use.
    fn get_or_write(
        &self,
        layer: usize,
        zoom: Option<u8>,
        format: GisFormat,
        write: impl FnOnce() -> Result<Vec<u8>, ApiError>,
    ) -> Result<&Encoded, ApiError> {
        let resolution = zoom.map_or(0, |z| usize::from(z.min(MAX_ZOOM)) + 1);
        let slot = match format {
            GisFormat::FlatGeobuf => 0,
            GisFormat::GeoPackage => 1,
        };
        let cell = &self.files[layer][resolution][slot];
        if let Some(encoded) = cell.get() {
            return Ok(encoded);
        }
        let _writing = self
            .writing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(encoded) = cell.get() {
            return Ok(encoded);
        }
        let encoded = Encoded::new(write()?);
        Ok(cell.get_or_init(|| encoded))
    }
}

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

/// Writes the file for `layer` at `zoom` (`None`: full resolution), restricted to `bbox` if given.
fn write_file(
    state: &AppState,
    layer: usize,
    zoom: Option<u8>,
    bbox: Option<BoundingBox>,
    format: GisFormat,
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
    let layer = layer_position(&state, id)?;
    let mut p = Params::parse(raw.as_deref());
    let zoom = zoom_parameter(&mut p)?;
    let bbox = p.bbox("bbox")?;
    p.finish()?;
    let filename = match zoom {
        None => format!("{id}.{}", format.extension()),
        Some(z) => format!("{id}-zoom{z}.{}", format.extension()),
    };
    let mut response = tokio::task::spawn_blocking(move || -> Result<Response, ApiError> {
        Ok(match bbox {
            None => {
                let encoded = state.gis_files.get_or_write(layer, zoom, format, || {
                    write_file(&state, layer, zoom, None, format)
                })?;
                match byte_range(&headers, encoded) {
                    Some(range) => range_response(encoded, range, format.content_type()),
                    None => {
                        let mut response = encoded_response(&headers, encoded, format.content_type());
                        if response.headers().get(header::CONTENT_ENCODING).is_none() {
                            response
                                .headers_mut()
                                .insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
                        }
                        response
                    }
                }
            }
            Some(b) => {
                let body = write_file(&state, layer, zoom, Some(b), format)?;
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

/// The one byte range a request asks of a kept file, if it asks one (RFC 9110, clause 14): GDAL's
/// `/vsicurl/` and FlatGeobuf's HTTP readers fetch the header, the index, then only the features of
/// their bbox. Several ranges, a stale `If-Range` or a revalidation (`If-None-Match`) get the whole
/// answer instead, as the RFC allows. `Err(length)` when the range starts past the end.
fn byte_range(headers: &HeaderMap, encoded: &Encoded) -> Option<Result<(usize, usize), usize>> {
    let range = headers.get(header::RANGE)?.to_str().ok()?;
    if headers.contains_key(header::IF_NONE_MATCH)
        || headers
            .get(header::IF_RANGE)
            .is_some_and(|v| v.to_str().ok() != Some(encoded.etag.as_str()))
    {
        return None;
    }
    let spec = range.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.trim().split_once('-')?;
    let len = encoded.identity.len();
    let end = len.checked_sub(1);
    let (first, last) = match (first.trim(), last.trim()) {
        // `bytes=-N`: the last N bytes.
        ("", suffix) => {
            let n: usize = suffix.parse().ok()?;
            match end {
                Some(end) if n > 0 => (len - n.min(len), end),
                _ => return Some(Err(len)),
            }
        }
        (first, "") => (first.parse().ok()?, end.unwrap_or(0)),
        (first, last) => (
            first.parse().ok()?,
            last.parse::<usize>().ok()?.min(end.unwrap_or(0)),
        ),
    };
    if first >= len {
        return Some(Err(len));
    }
    (first <= last).then_some(Ok((first, last)))
}

/// A 206 with the bytes `first..=last` of the file, or a JSON 416 for a range past its end.
fn range_response(
    encoded: &Encoded,
    range: Result<(usize, usize), usize>,
    content_type: &'static str,
) -> Response {
    let len = encoded.identity.len();
    let (first, last) = match range {
        Ok(range) => range,
        Err(len) => {
            let mut response = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "range_not_satisfiable",
                format!("the range starts past the end of the file, which has {len} bytes"),
            )
            .into_response();
            if let Ok(range) = HeaderValue::from_str(&format!("bytes */{len}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, range);
            }
            return response;
        }
    };
    let mut response = Response::new(Body::from(encoded.identity.slice(first..=last)));
    *response.status_mut() = StatusCode::PARTIAL_CONTENT;
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    if let Ok(range) = HeaderValue::from_str(&format!("bytes {first}-{last}/{len}")) {
        h.insert(header::CONTENT_RANGE, range);
    }
    if let Ok(etag) = HeaderValue::from_str(&encoded.etag) {
        h.insert(header::ETAG, etag);
    }
    response
}
