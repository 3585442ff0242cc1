//! `POST /api/locate`: many points at once, as CSV (with `lat` and `lon` columns) or as a GeoJSON
//! FeatureCollection of points. The answer keeps every input row, in order, with the territory
//! columns added, and is streamed as it is computed. A bad row gets an `error` column; it never stops
//! the others.

use std::io::Write as _;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use geo::Coord;
use serde_json::{Map, Value as Json};
use tokio_stream::wrappers::ReceiverStream;

use super::AppState;
use super::api::layer_list;
use super::error::ApiError;
use super::params::Params;
use crate::query::locate::{LocateOptions, Location, locate_into, validate_point};

/// Rows per streamed chunk.
const ROWS_PER_CHUNK: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    GeoJson,
    Json,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::GeoJson => "application/geo+json",
            Format::Json => "application/json",
        }
    }
}

/// The input format, from `Content-Type`, or sniffed when there is none.
fn input_format(headers: &HeaderMap, body: &[u8]) -> Result<Format, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "text/csv" | "text/plain" => Ok(Format::Csv),
        "application/geo+json" | "application/json" => Ok(Format::GeoJson),
        "" | "application/octet-stream" | "application/x-www-form-urlencoded" => {
            let first = body.iter().find(|b| !b.is_ascii_whitespace());
            Ok(if first == Some(&b'{') {
                Format::GeoJson
            } else {
                Format::Csv
            })
        }
        other => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("cannot read `{other}`: send text/csv or application/geo+json"),
        )),
    }
}

/// The output format, from `Accept`; the input's format when the client takes anything.
fn output_format(headers: &HeaderMap, input: Format) -> Result<Format, ApiError> {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*/*");
    for kind in accept
        .split(',')
        .map(|k| k.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
    {
        match kind.as_str() {
            "text/csv" => return Ok(Format::Csv),
            "application/geo+json" => return Ok(Format::GeoJson),
            "application/json" => return Ok(Format::Json),
            "*/*" | "text/*" | "application/*" => return Ok(input),
            _ => {}
        }
    }
    Err(ApiError::new(
        StatusCode::NOT_ACCEPTABLE,
        "not_acceptable",
        format!("cannot answer as `{accept}`: accept text/csv, application/geo+json or application/json"),
    ))
}

/// One input row: what passes through, and its point or why it has none.
struct Row {
    passthrough: Passthrough,
    point: Result<Coord<f64>, String>,
}

enum Passthrough {
    Csv(csv::StringRecord),
    Feature {
        id: Option<Json>,
        properties: Map<String, Json>,
    },
}

pub async fn locate_batch(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut p = Params::parse(raw.as_deref());
    let layers = layer_list(&state, p.list("layers")?)?;
    let tolerance_m = p.number("tolerance_m")?;
    p.finish()?;
    if let Some(t) = tolerance_m {
        validate_tolerance(t)?;
    }
    let input = input_format(&headers, &body)?;
    let output = output_format(&headers, input)?;
    let options = LocateOptions {
        tolerance_m,
        layers: Some(layers.clone()),
    };

    // Read enough of the input to refuse it whole if its structure is wrong, before streaming.
    let source = match input {
        Format::Csv => Source::csv(body)?,
        _ => Source::geojson(&body)?,
    };

    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    tokio::task::spawn_blocking(move || {
        let mut sink = Sink::new(output, &state, &layers, source.columns());
        let mut location = Location::default();
        let mut rows = 0;
        let send = |bytes: Vec<u8>| tx.blocking_send(Ok(Bytes::from(bytes))).is_ok();
        let mut ok = send(sink.start());
        source.for_each(|row| {
            if !ok {
                return false;
            }
            let located = row.point.clone().map(|p| {
                locate_into(&state.ix, p, &options, &mut location);
                &location
            });
            sink.row(&row, located);
            rows += 1;
            if rows % ROWS_PER_CHUNK == 0 {
                ok = send(sink.take());
            }
            ok
        });
        if ok {
            let _ = send(sink.finish());
        }
    });
    Ok((
        [(header::CONTENT_TYPE, output.content_type())],
        Body::from_stream(ReceiverStream::new(rx)),
    )
        .into_response())
}

/// Appends one CSV record (RFC 4180 quoting).
pub fn push_csv_record(buffer: &mut Vec<u8>, fields: &[String]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            buffer.push(b',');
        }
        push_csv_field(buffer, field);
    }
    buffer.push(b'\n');
}

/// Appends one CSV field, quoted when it holds a separator, a quote or a line break.
fn push_csv_field(buffer: &mut Vec<u8>, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        buffer.push(b'"');
        buffer.extend_from_slice(field.replace('"', "\"\"").as_bytes());
        buffer.push(b'"');
    } else {
        buffer.extend_from_slice(field.as_bytes());
    }
}

fn validate_tolerance(t: f64) -> Result<(), ApiError> {
    let max = crate::query::locate::MAX_TOLERANCE_M;
    if (0.0..=max).contains(&t) {
        Ok(())
    } else {
        Err(ApiError::bad_parameter(
            "tolerance_m",
            format!("`tolerance_m` must be from 0 to {max} metres, got {t}"),
        ))
    }
}

/// The parsed input, ready to be walked row by row.
enum Source {
    Csv {
        body: Bytes,
        headers: csv::StringRecord,
        lat: usize,
        lon: usize,
    },
    Features(Vec<Json>),
}

impl Source {
    fn csv(body: Bytes) -> Result<Self, ApiError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(body.as_ref());
        let headers = reader
            .headers()
            .map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_body",
                    format!("unreadable CSV header: {e}"),
                )
            })?
            .clone();
        let find = |names: &[&str]| {
            headers
                .iter()
                .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
        };
        let missing = |c: &str| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_body",
                format!("the CSV header has no `{c}` column"),
            )
        };
        let lat = find(&["lat", "latitude"]).ok_or_else(|| missing("lat"))?;
        let lon = find(&["lon", "lng", "longitude"]).ok_or_else(|| missing("lon"))?;
        Ok(Source::Csv {
            body,
            headers,
            lat,
            lon,
        })
    }

    fn geojson(body: &[u8]) -> Result<Self, ApiError> {
        let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, "bad_body", m);
        let value: Json = serde_json::from_slice(body).map_err(|e| bad(format!("invalid JSON: {e}")))?;
        if value.get("type").and_then(Json::as_str) != Some("FeatureCollection") {
            return Err(bad(
                "the body must be a GeoJSON FeatureCollection of points".into()
            ));
        }
        match value {
            Json::Object(mut o) => match o.remove("features") {
                Some(Json::Array(features)) => Ok(Source::Features(features)),
                _ => Err(bad("the FeatureCollection has no `features` array".into())),
            },
            _ => Err(bad(
                "the body must be a GeoJSON FeatureCollection of points".into()
            )),
        }
    }

    /// Pass-through column names for CSV output.
    fn columns(&self) -> Vec<String> {
        match self {
            Source::Csv { headers, .. } => headers.iter().map(String::from).collect(),
            Source::Features(_) => vec!["id".into(), "lon".into(), "lat".into()],
        }
    }

    /// Calls `visit` for every row, in order, until it returns `false`.
    fn for_each(self, mut visit: impl FnMut(Row) -> bool) {
        match self {
            Source::Csv { body, lat, lon, .. } => {
                let mut reader = csv::ReaderBuilder::new()
                    .flexible(true)
                    .from_reader(body.as_ref());
                for (i, record) in reader.records().enumerate() {
                    let row = match record {
                        Err(e) => Row {
                            passthrough: Passthrough::Csv(csv::StringRecord::new()),
                            point: Err(format!("row {}: unreadable CSV: {e}", i + 1)),
                        },
                        Ok(record) => {
                            let point =
                                csv_point(&record, lat, lon).map_err(|m| format!("row {}: {m}", i + 1));
                            Row {
                                passthrough: Passthrough::Csv(record),
                                point,
                            }
                        }
                    };
                    if !visit(row) {
                        return;
                    }
                }
            }
            Source::Features(features) => {
                for (i, feature) in features.into_iter().enumerate() {
                    let mut row = feature_row(feature);
                    row.point = row.point.map_err(|m| format!("feature {i}: {m}"));
                    if !visit(row) {
                        return;
                    }
                }
            }
        }
    }
}

fn csv_point(record: &csv::StringRecord, lat: usize, lon: usize) -> Result<Coord<f64>, String> {
    let number = |col: usize, name: &str| -> Result<f64, String> {
        let text = record.get(col).unwrap_or("").trim();
        text.parse::<f64>()
            .map_err(|_| format!("`{name}` is not a number: `{text}`"))
    };
    let (lat, lon) = (number(lat, "lat")?, number(lon, "lon")?);
    validate_point(lon, lat).map_err(|e| e.to_string())
}

/// A GeoJSON input feature as a row: its id and properties pass through; its point, or why not.
fn feature_row(feature: Json) -> Row {
    let Json::Object(mut f) = feature else {
        return Row {
            passthrough: Passthrough::Feature {
                id: None,
                properties: Map::new(),
            },
            point: Err("not a GeoJSON Feature".into()),
        };
    };
    let id = f.remove("id");
    let properties = match f.remove("properties") {
        Some(Json::Object(p)) => p,
        _ => Map::new(),
    };
    let point = match f.get("geometry") {
        Some(g) if g.get("type").and_then(Json::as_str) == Some("Point") => {
            match g
                .get("coordinates")
                .and_then(Json::as_array)
                .map(|c| (c.first(), c.get(1)))
            {
                Some((Some(lon), Some(lat))) => match (lon.as_f64(), lat.as_f64()) {
                    (Some(lon), Some(lat)) => validate_point(lon, lat).map_err(|e| e.to_string()),
                    _ => Err("point coordinates are not numbers".into()),
                },
                _ => Err("a Point needs [lon, lat] coordinates".into()),
            }
        }
        Some(g) => Err(format!(
            "geometry is {}, expected a Point",
            g.get("type").and_then(Json::as_str).unwrap_or("not a geometry")
        )),
        None => Err("no geometry".into()),
    };
    Row {
        passthrough: Passthrough::Feature { id, properties },
        point,
    }
}

/// Writes rows in the output format into a buffer that the caller drains chunk by chunk.
struct Sink<'a> {
    format: Format,
    state: &'a AppState,
    layers: &'a [usize],
    columns: Vec<String>,
    territory_columns: Vec<String>,
    buffer: Vec<u8>,
    scratch: String,
    rows: usize,
}

impl<'a> Sink<'a> {
    fn new(format: Format, state: &'a AppState, layers: &'a [usize], columns: Vec<String>) -> Self {
        Sink {
            format,
            state,
            layers,
            columns,
            territory_columns: Self::territory_columns(state, layers),
            buffer: Vec::new(),
            scratch: String::new(),
            rows: 0,
        }
    }

    fn territory_columns(state: &AppState, layers: &[usize]) -> Vec<String> {
        let data = &state.ix.dataset;
        let mut columns = Vec::new();
        for &l in layers {
            let id = data.layers[l].id.replace('-', "_");
            columns.push(format!("{id}_id"));
            columns.push(format!("{id}_name"));
        }
        columns.push("approximate".into());
        columns.push("error".into());
        columns
    }

    fn start(&mut self) -> Vec<u8> {
        match self.format {
            Format::Csv => {
                let mut header = self.columns.clone();
                header.extend(self.territory_columns.iter().cloned());
                self.write_csv(&header);
            }
            Format::GeoJson => self
                .buffer
                .extend_from_slice(br#"{"type":"FeatureCollection","features":["#),
            Format::Json => self.buffer.push(b'['),
        }
        self.take()
    }

    /// Territory values of one row, in `territory_columns` order.
    fn territory_values(&self, located: &Result<&Location, String>) -> Vec<String> {
        let data = &self.state.ix.dataset;
        let mut values = Vec::new();
        match located {
            Ok(location) => {
                for &l in self.layers {
                    let hits: Vec<_> = location.hits_in(l).collect();
                    let features = &data.layers[l].features;
                    values.push(
                        hits.iter()
                            .map(|h| features[h.feature as usize].id.as_str())
                            .collect::<Vec<_>>()
                            .join(";"),
                    );
                    values.push(
                        hits.iter()
                            .map(|h| features[h.feature as usize].name.as_str())
                            .collect::<Vec<_>>()
                            .join(";"),
                    );
                }
                values.push(if location.hits.iter().any(|h| h.approximate) {
                    "true".into()
                } else {
                    String::new()
                });
                values.push(String::new());
            }
            Err(message) => {
                values.extend(std::iter::repeat_n(String::new(), 2 * self.layers.len() + 1));
                values.push(message.clone());
            }
        }
        values
    }

    fn row(&mut self, row: &Row, located: Result<&Location, String>) {
        match self.format {
            Format::Csv => {
                match &row.passthrough {
                    Passthrough::Csv(record) => {
                        for i in 0..self.columns.len() {
                            if i > 0 {
                                self.buffer.push(b',');
                            }
                            push_csv_field(&mut self.buffer, record.get(i).unwrap_or(""));
                        }
                    }
                    Passthrough::Feature { id, .. } => {
                        let id = id
                            .as_ref()
                            .map(|v| v.as_str().map_or_else(|| v.to_string(), String::from));
                        push_csv_field(&mut self.buffer, id.as_deref().unwrap_or(""));
                        if let Ok(p) = &row.point {
                            let _ = write!(self.buffer, ",{},{}", p.x, p.y);
                        } else {
                            self.buffer.extend_from_slice(b",,");
                        }
                    }
                }
                self.write_territory_csv(&located);
                self.buffer.push(b'\n');
                self.rows += 1;
                return;
            }
            Format::GeoJson | Format::Json => {
                let values = self.territory_values(&located);
                let mut properties = match &row.passthrough {
                    Passthrough::Csv(record) => self
                        .columns
                        .iter()
                        .zip(record.iter())
                        .map(|(k, v)| (k.clone(), Json::from(v)))
                        .collect(),
                    Passthrough::Feature { properties, .. } => properties.clone(),
                };
                for (k, v) in self.territory_columns.iter().cloned().zip(values) {
                    properties.insert(k, if v.is_empty() { Json::Null } else { v.into() });
                }
                if self.rows > 0 {
                    self.buffer.push(b',');
                }
                let value = if self.format == Format::GeoJson {
                    let mut feature = serde_json::json!({
                        "type": "Feature",
                        "properties": properties,
                        "geometry": row.point.as_ref().ok().map(|p| serde_json::json!({"type": "Point", "coordinates": [p.x, p.y]})),
                    });
                    if let Passthrough::Feature { id: Some(id), .. } = &row.passthrough {
                        feature["id"] = id.clone();
                    }
                    feature
                } else {
                    Json::Object(properties)
                };
                let _ = serde_json::to_writer(&mut self.buffer, &value);
            }
        }
        self.rows += 1;
    }

    fn write_csv(&mut self, fields: &[String]) {
        push_csv_record(&mut self.buffer, fields);
    }

    /// The territory columns of one CSV row, written straight into the buffer: this is the hot loop
    /// of a million-row batch.
    fn write_territory_csv(&mut self, located: &Result<&Location, String>) {
        let data = &self.state.ix.dataset;
        match located {
            Ok(location) => {
                for &l in self.layers {
                    let features = &data.layers[l].features;
                    for field in [0, 1] {
                        self.scratch.clear();
                        for (j, hit) in location.hits_in(l).enumerate() {
                            if j > 0 {
                                self.scratch.push(';');
                            }
                            let f = &features[hit.feature as usize];
                            self.scratch.push_str(if field == 0 { &f.id } else { &f.name });
                        }
                        self.buffer.push(b',');
                        push_csv_field(&mut self.buffer, &self.scratch);
                    }
                }
                let approximate = location.hits.iter().any(|h| h.approximate);
                self.buffer
                    .extend_from_slice(if approximate { b",true," } else { b",," });
            }
            Err(message) => {
                for _ in 0..2 * self.layers.len() + 1 {
                    self.buffer.push(b',');
                }
                self.buffer.push(b',');
                push_csv_field(&mut self.buffer, message);
            }
        }
    }

    fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buffer)
    }

    fn finish(mut self) -> Vec<u8> {
        match self.format {
            Format::Csv => {}
            Format::GeoJson => self.buffer.extend_from_slice(b"]}"),
            Format::Json => self.buffer.push(b']'),
        }
        self.take()
    }
}
