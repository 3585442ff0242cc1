//! Located rows written out as CSV, GeoJSON or JSON.
//!
//! Rows are built in a buffer handed to the destination every [`FLUSH_BYTES`]: few writes, and a
//! bounded amount held. Nothing reaches the destination before the first [`FLUSH_BYTES`] of rows (or
//! the end), so a caller can still refuse an input that fails before then: a small body that turns
//! out not to be a FeatureCollection after its features is a 400, not an answer broken off.

use std::io::{self, Write};

use serde_json::{Map, Value as Json};

use super::{Passthrough, Row};
use crate::index::Indexed;
use crate::query::locate::Location;

/// Output bytes gathered before they are handed to the destination.
const FLUSH_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// The input's columns, then per layer `LAYER_id` and `LAYER_name`, then `approximate`, `error`.
    Csv,
    /// A FeatureCollection: each input row a feature, its columns and territory columns as properties.
    GeoJson,
    /// An array of flat objects, one per row.
    Json,
}

impl OutputFormat {
    pub fn media_type(self) -> &'static str {
        match self {
            OutputFormat::Csv => "text/csv; charset=utf-8",
            OutputFormat::GeoJson => "application/geo+json",
            OutputFormat::Json => "application/json",
        }
    }
}

impl From<super::InputFormat> for OutputFormat {
    fn from(input: super::InputFormat) -> Self {
        match input {
            super::InputFormat::Csv => OutputFormat::Csv,
            super::InputFormat::GeoJson => OutputFormat::GeoJson,
        }
    }
}

/// Writes located rows, in one format, to `out`.
pub struct RowWriter<'a, W: Write> {
    format: OutputFormat,
    ix: &'a Indexed,
    layers: Vec<usize>,
    /// Pass-through columns, before the territory columns.
    columns: Vec<String>,
    territory_columns: Vec<String>,
    buffer: Vec<u8>,
    scratch: String,
    rows: usize,
    started: bool,
    /// Whether any byte has reached `out`.
    handed_over: bool,
    out: W,
}

impl<'a, W: Write> RowWriter<'a, W> {
    pub fn new(
        format: OutputFormat,
        ix: &'a Indexed,
        layers: Vec<usize>,
        columns: Vec<String>,
        out: W,
    ) -> Self {
        RowWriter {
            territory_columns: territory_columns(ix, &layers),
            format,
            ix,
            layers,
            columns,
            buffer: Vec::with_capacity(FLUSH_BYTES + 4096),
            scratch: String::new(),
            rows: 0,
            started: false,
            handed_over: false,
            out,
        }
    }

    /// Whether any byte has reached the destination: until then, the output can still be dropped.
    pub fn handed_over(&self) -> bool {
        self.handed_over
    }

    /// Writes one row: its pass-through values and, when it has a point, where the point is.
    pub fn row(&mut self, row: &Row, located: Result<&Location, &str>) -> io::Result<()> {
        self.start();
        match self.format {
            OutputFormat::Csv => self.csv_row(row, located),
            OutputFormat::GeoJson | OutputFormat::Json => self.json_row(row, located)?,
        }
        self.rows += 1;
        if self.buffer.len() >= FLUSH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Ends the document and hands over what is left; gives the destination back.
    pub fn finish(mut self) -> io::Result<W> {
        self.start();
        match self.format {
            OutputFormat::Csv => {}
            OutputFormat::GeoJson => self.buffer.extend_from_slice(b"]}"),
            OutputFormat::Json => self.buffer.push(b']'),
        }
        self.flush()?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.handed_over |= !self.buffer.is_empty();
        self.out.write_all(&self.buffer)?;
        self.buffer.clear();
        Ok(())
    }

    /// The CSV header, or the opening of the JSON document, once.
    fn start(&mut self) {
        if self.started {
            return;
        }
        self.started = true;
        match self.format {
            OutputFormat::Csv => {
                let mut header = self.columns.clone();
                header.extend(self.territory_columns.iter().cloned());
                push_csv_record(&mut self.buffer, &header);
            }
            OutputFormat::GeoJson => self
                .buffer
                .extend_from_slice(br#"{"type":"FeatureCollection","features":["#),
            OutputFormat::Json => self.buffer.push(b'['),
        }
    }

    fn csv_row(&mut self, row: &Row, located: Result<&Location, &str>) {
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
                let id = id.map(|v| v.as_str().map_or_else(|| v.to_string(), String::from));
                push_csv_field(&mut self.buffer, id.as_deref().unwrap_or(""));
                if let Ok(p) = &row.point {
                    let _ = write!(self.buffer, ",{},{}", p.x, p.y);
                } else {
                    self.buffer.extend_from_slice(b",,");
                }
            }
            Passthrough::Nothing => {
                for _ in 1..self.columns.len() {
                    self.buffer.push(b',');
                }
            }
        }
        self.csv_territories(located);
        self.buffer.push(b'\n');
    }

    /// The territory columns of one CSV row, written straight into the buffer: this is the hot loop
    /// of a million-row batch.
    fn csv_territories(&mut self, located: Result<&Location, &str>) {
        let data = &self.ix.dataset;
        match located {
            Ok(location) => {
                for &l in &self.layers {
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

    fn json_row(&mut self, row: &Row, located: Result<&Location, &str>) -> io::Result<()> {
        let values = self.territory_values(located);
        let mut properties: Map<String, Json> = match &row.passthrough {
            Passthrough::Csv(record) => self
                .columns
                .iter()
                .zip(record.iter())
                .map(|(k, v)| (k.clone(), Json::from(v)))
                .collect(),
            Passthrough::Feature { properties, .. } => (*properties).clone(),
            Passthrough::Nothing => Map::new(),
        };
        for (k, v) in self.territory_columns.iter().cloned().zip(values) {
            properties.insert(k, if v.is_empty() { Json::Null } else { v.into() });
        }
        if self.rows > 0 {
            self.buffer.push(b',');
        }
        let value = if self.format == OutputFormat::GeoJson {
            let geometry = row
                .point
                .as_ref()
                .ok()
                .map(|p| serde_json::json!({"type": "Point", "coordinates": [p.x, p.y]}));
            let mut feature = serde_json::json!({
                "type": "Feature",
                "properties": properties,
                "geometry": geometry,
            });
            if let Passthrough::Feature { id: Some(id), .. } = &row.passthrough {
                feature["id"] = (*id).clone();
            }
            feature
        } else {
            Json::Object(properties)
        };
        serde_json::to_writer(&mut self.buffer, &value).map_err(io::Error::from)
    }

    /// Territory values of one row, in `territory_columns` order.
    fn territory_values(&self, located: Result<&Location, &str>) -> Vec<String> {
        let data = &self.ix.dataset;
        let mut values = Vec::new();
        match located {
            Ok(location) => {
                for &l in &self.layers {
                    let features = &data.layers[l].features;
                    let hits: Vec<_> = location
                        .hits_in(l)
                        .map(|h| &features[h.feature as usize])
                        .collect();
                    values.push(hits.iter().map(|f| f.id.as_str()).collect::<Vec<_>>().join(";"));
                    values.push(hits.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(";"));
                }
                let approximate = location.hits.iter().any(|h| h.approximate);
                values.push(if approximate { "true".into() } else { String::new() });
                values.push(String::new());
            }
            Err(message) => {
                values.extend(std::iter::repeat_n(String::new(), 2 * self.layers.len() + 1));
                values.push(message.to_string());
            }
        }
        values
    }
}

/// `LAYER_id` and `LAYER_name` per layer (dashes become underscores), then `approximate`, `error`.
fn territory_columns(ix: &Indexed, layers: &[usize]) -> Vec<String> {
    let mut columns = Vec::new();
    for &l in layers {
        let id = ix.dataset.layers[l].id.replace('-', "_");
        columns.push(format!("{id}_id"));
        columns.push(format!("{id}_name"));
    }
    columns.push("approximate".into());
    columns.push("error".into());
    columns
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
pub fn push_csv_field(buffer: &mut Vec<u8>, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        buffer.push(b'"');
        buffer.extend_from_slice(field.replace('"', "\"\"").as_bytes());
        buffer.push(b'"');
    } else {
        buffer.extend_from_slice(field.as_bytes());
    }
}
