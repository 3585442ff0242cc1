//! Located rows written out as CSV, GeoJSON or JSON.
//!
//! Rows are built in a buffer handed to the destination every [`FLUSH_BYTES`]: few writes, and a
//! bounded amount held. Nothing reaches the destination before the first [`FLUSH_BYTES`] of rows (or
//! the end), so a caller can still refuse an input that fails before then: a small body that turns
//! out not to be a FeatureCollection after its features is a 400, not an answer broken off.

use std::io::{self, Write};

use serde_json::{Map, Value as Json};

use super::{Passthrough, Row};
use territoires_core::dataset::LayerIx;
use territoires_core::index::Indexed;
use territoires_query::locate::Location;

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
    /// A FlatGeobuf file of points, written whole at the end (see `fgb`).
    FlatGeobuf,
}

impl OutputFormat {
    pub fn media_type(self) -> &'static str {
        match self {
            OutputFormat::Csv => "text/csv; charset=utf-8",
            OutputFormat::GeoJson => "application/geo+json",
            OutputFormat::Json => "application/json",
            OutputFormat::FlatGeobuf => "application/flatgeobuf",
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
    layers: Vec<LayerIx>,
    /// Pass-through columns, before the territory columns.
    columns: Vec<String>,
    territory_columns: Vec<String>,
    buffer: Vec<u8>,
    scratch: String,
    rows: usize,
    started: bool,
    /// CSV delimiter: the input's, so a `;` file comes back `;`-separated.
    delimiter: u8,
    /// Whether the CSV starts with a UTF-8 byte-order mark, as its input did.
    bom: bool,
    /// Rows are GeoJSON features: FlatGeobuf keeps their properties as one JSON column.
    features: bool,
    fgb: Option<super::fgb::FgbRows>,
    /// CSV only: per layer asked, per feature, its two cells as written (`;id;name`), made the
    /// first time a row meets the feature, so that the hot loop copies bytes instead of checking
    /// every name for quoting, and a small batch makes only the cells it writes.
    cells: Vec<Vec<Option<Box<[u8]>>>>,
    /// Whether any byte has reached `out`.
    handed_over: bool,
    out: W,
}

impl<'a, W: Write> RowWriter<'a, W> {
    pub fn new(
        format: OutputFormat,
        ix: &'a Indexed,
        layers: Vec<LayerIx>,
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
            delimiter: b',',
            bom: false,
            features: false,
            fgb: None,
            cells: Vec::new(),
            handed_over: false,
            out,
        }
    }

    /// The rows will be GeoJSON features (see [`Passthrough::Feature`]).
    pub fn for_features(self, features: bool) -> Self {
        RowWriter { features, ..self }
    }

    pub fn with_delimiter(self, delimiter: u8) -> Self {
        RowWriter { delimiter, ..self }
    }

    pub fn with_bom(self, bom: bool) -> Self {
        RowWriter { bom, ..self }
    }

    /// Whether any byte has reached the destination: until then, the output can still be dropped.
    pub fn handed_over(&self) -> bool {
        self.handed_over
    }

    /// Writes one row: its pass-through values and, when it has a point, where the point is.
    pub fn row(&mut self, row: &Row, located: Result<&Location, &str>) -> io::Result<()> {
        self.start()?;
        match self.format {
            OutputFormat::Csv => self.csv_row(row, located),
            OutputFormat::GeoJson | OutputFormat::Json => self.json_row(row, located)?,
            OutputFormat::FlatGeobuf => self.fgb_row(row, located)?,
        }
        self.rows += 1;
        if self.buffer.len() >= FLUSH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Ends the document and hands over what is left; gives the destination back.
    pub fn finish(mut self) -> io::Result<W> {
        self.start()?;
        match self.format {
            OutputFormat::Csv => {}
            OutputFormat::GeoJson => self.buffer.extend_from_slice(b"]}"),
            OutputFormat::Json => self.buffer.push(b']'),
            OutputFormat::FlatGeobuf => {
                if let Some(fgb) = self.fgb.take() {
                    self.flush()?;
                    fgb.finish(&mut self.out)?;
                }
            }
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
    fn start(&mut self) -> io::Result<()> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        match self.format {
            OutputFormat::Csv => {
                if self.bom {
                    self.buffer.extend_from_slice("\u{feff}".as_bytes());
                }
                let mut header = self.columns.clone();
                header.extend(self.territory_columns.iter().cloned());
                push_record(&mut self.buffer, &header, self.delimiter);
                self.cells = self
                    .layers
                    .iter()
                    .map(|&l| vec![None; self.ix.dataset.layers[l].features.len()])
                    .collect();
            }
            OutputFormat::GeoJson => self
                .buffer
                .extend_from_slice(br#"{"type":"FeatureCollection","features":["#),
            OutputFormat::Json => self.buffer.push(b'['),
            OutputFormat::FlatGeobuf => {
                let mut schema: Vec<(String, bool)> = if self.features {
                    vec![("id".into(), false), ("properties".into(), true)]
                } else {
                    self.columns.iter().map(|c| (c.clone(), false)).collect()
                };
                schema.extend(self.territory_columns.iter().map(|c| (c.clone(), false)));
                self.fgb = Some(super::fgb::FgbRows::new(&schema)?);
            }
        }
        Ok(())
    }

    fn fgb_row(&mut self, row: &Row, located: Result<&Location, &str>) -> io::Result<()> {
        use super::fgb::Value;
        let territories = self.territory_values(located);
        let id;
        let properties;
        let mut values: Vec<Value> = match &row.passthrough {
            Passthrough::Csv(record) => (0..self.columns.len())
                .map(|i| record.get(i).map_or(Value::Null, Value::Text))
                .collect(),
            Passthrough::Feature { id: i, properties: p } => {
                id = i.map(|v| v.as_str().map_or_else(|| v.to_string(), String::from));
                properties = Json::Object((*p).clone()).to_string();
                vec![
                    id.as_deref().map_or(Value::Null, Value::Text),
                    Value::Json(&properties),
                ]
            }
            Passthrough::Nothing if self.features => vec![Value::Null, Value::Null],
            Passthrough::Nothing => self.columns.iter().map(|_| Value::Null).collect(),
        };
        values.extend(
            territories
                .iter()
                .map(|v| if v.is_empty() { Value::Null } else { Value::Text(v) }),
        );
        let point = row.point.as_ref().ok().copied();
        match &mut self.fgb {
            Some(fgb) => fgb.row(point, &values),
            None => Err(io::Error::other("the FlatGeobuf writer was not started")),
        }
    }

    fn csv_row(&mut self, row: &Row, located: Result<&Location, &str>) {
        let d = self.delimiter;
        match &row.passthrough {
            Passthrough::Csv(record) => {
                for i in 0..self.columns.len() {
                    if i > 0 {
                        self.buffer.push(d);
                    }
                    push_field(&mut self.buffer, record.get(i).unwrap_or(""), d);
                }
            }
            Passthrough::Feature { id, .. } => {
                let id = id.map(|v| v.as_str().map_or_else(|| v.to_string(), String::from));
                push_field(&mut self.buffer, id.as_deref().unwrap_or(""), d);
                if let Ok(p) = &row.point {
                    let _ = write!(self.buffer, "{}{}{}{}", d as char, p.x, d as char, p.y);
                } else {
                    self.buffer.extend_from_slice(&[d, d]);
                }
            }
            Passthrough::Nothing => {
                for _ in 1..self.columns.len() {
                    self.buffer.push(d);
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
        let d = self.delimiter;
        match located {
            Ok(location) => {
                for (position, &l) in self.layers.iter().enumerate() {
                    let features = &data.layers[l].features;
                    let mut hits = location.hits_in(l);
                    // None or one feature (most layers, most rows): no list to join.
                    if let (first, None) = (hits.next(), hits.next()) {
                        match first {
                            Some(hit) => {
                                let cells = self.cells[position][hit.feature.index()]
                                    .get_or_insert_with(|| territory_cells(&features[hit.feature], d));
                                self.buffer.extend_from_slice(cells);
                            }
                            None => self.buffer.extend_from_slice(&[d, d]),
                        }
                        continue;
                    }
                    for field in [0, 1] {
                        self.scratch.clear();
                        for (j, hit) in location.hits_in(l).enumerate() {
                            if j > 0 {
                                self.scratch.push(';');
                            }
                            let f = &features[hit.feature];
                            self.scratch.push_str(if field == 0 { &f.id } else { &f.name });
                        }
                        self.buffer.push(d);
                        push_field(&mut self.buffer, &self.scratch, d);
                    }
                }
                self.buffer.push(d);
                if location.hits.iter().any(|h| h.approximate) {
                    self.buffer.extend_from_slice(b"true");
                }
                self.buffer.push(d);
            }
            Err(message) => {
                for _ in 0..2 * self.layers.len() + 2 {
                    self.buffer.push(d);
                }
                push_field(&mut self.buffer, message, d);
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
                    let hits: Vec<_> = location.hits_in(l).map(|h| &features[h.feature]).collect();
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

/// A feature's id and name cells as a CSV row holds them, each after a delimiter.
fn territory_cells(feature: &territoires_core::dataset::Feature, delimiter: u8) -> Box<[u8]> {
    let mut cells = Vec::with_capacity(feature.id.len() + feature.name.len() + 2);
    for text in [&feature.id, &feature.name] {
        cells.push(delimiter);
        push_field(&mut cells, text, delimiter);
    }
    cells.into_boxed_slice()
}

/// `LAYER_id` and `LAYER_name` per layer (dashes become underscores), then `approximate`, `error`.
fn territory_columns(ix: &Indexed, layers: &[LayerIx]) -> Vec<String> {
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
    push_record(buffer, fields, b',');
}

/// Appends one CSV field, quoted when it holds a comma, a quote or a line break.
pub fn push_csv_field(buffer: &mut Vec<u8>, field: &str) {
    push_field(buffer, field, b',');
}

fn push_record(buffer: &mut Vec<u8>, fields: &[String], delimiter: u8) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            buffer.push(delimiter);
        }
        push_field(buffer, field, delimiter);
    }
    buffer.push(b'\n');
}

/// Appends one field, quoted when it holds the delimiter, a quote or a line break.
fn push_field(buffer: &mut Vec<u8>, field: &str, delimiter: u8) {
    let special = |b: &u8| matches!(*b, b'"' | b'\n' | b'\r') || *b == delimiter;
    if field.as_bytes().iter().any(special) {
        buffer.push(b'"');
        buffer.extend_from_slice(field.replace('"', "\"\"").as_bytes());
        buffer.push(b'"');
    } else {
        buffer.extend_from_slice(field.as_bytes());
    }
}
