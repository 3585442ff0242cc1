//! Located rows as a FlatGeobuf file of points (WGS84), for GIS tools.
//!
//! Rows keep their input order, so the file has no spatial index (an index sorts the features);
//! a row without a point is a feature with an empty point. The `flatgeobuf` writer keeps each
//! feature in a temporary file and a few dozen bytes of it in memory, and writes the whole file at
//! the end: its header holds the feature count.

use std::io::{self, Write};

use flatgeobuf::geozero::{ColumnValue, GeomProcessor, GeozeroGeometry, PropertyProcessor};
use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};
use geo::Coord;

/// One column's value in a row.
pub(super) enum Value<'a> {
    Null,
    Text(&'a str),
    /// A JSON document (a GeoJSON feature's properties).
    Json(&'a str),
}

pub(super) struct FgbRows {
    writer: FgbWriter<'static>,
    columns: Vec<String>,
}

impl FgbRows {
    /// `columns` with their type: JSON or text.
    pub(super) fn new(columns: &[(String, bool)]) -> io::Result<Self> {
        let options = FgbWriterOptions {
            write_index: false,
            crs: FgbCrs {
                code: 4326,
                ..Default::default()
            },
            ..Default::default()
        };
        let mut writer = FgbWriter::create_with_options("territoires", GeometryType::Point, options)
            .map_err(io::Error::other)?;
        for (name, json) in columns {
            let kind = if *json {
                ColumnType::Json
            } else {
                ColumnType::String
            };
            writer.add_column(name, kind, |_, column| column.nullable = true);
        }
        Ok(FgbRows {
            writer,
            columns: columns.iter().map(|(name, _)| name.clone()).collect(),
        })
    }

    pub(super) fn row(&mut self, point: Option<Coord<f64>>, values: &[Value]) -> io::Result<()> {
        let columns = &self.columns;
        let mut failed = None;
        self.writer
            .add_feature_geom(Geometry(point), |feature| {
                for (i, (name, value)) in columns.iter().zip(values).enumerate() {
                    let value = match value {
                        Value::Null => continue,
                        Value::Text(text) => ColumnValue::String(text),
                        Value::Json(text) => ColumnValue::Json(text),
                    };
                    if let Err(e) = feature.property(i, name, &value) {
                        failed = Some(e);
                        return;
                    }
                }
            })
            .map_err(io::Error::other)?;
        failed.map_or(Ok(()), |e| Err(io::Error::other(e)))
    }

    pub(super) fn finish(self, out: impl Write) -> io::Result<()> {
        self.writer.write(out).map_err(io::Error::other)
    }
}

/// A point, or none.
struct Geometry(Option<Coord<f64>>);

impl GeozeroGeometry for Geometry {
    fn process_geom<P: GeomProcessor>(&self, processor: &mut P) -> flatgeobuf::geozero::error::Result<()> {
        // No point: an empty one, NaN coordinates, as GDAL writes it (it cannot read a feature
        // whose geometry has no coordinates at all).
        let p = self.0.unwrap_or(Coord {
            x: f64::NAN,
            y: f64::NAN,
        });
        processor.point_begin(0)?;
        processor.xy(p.x, p.y, 0)?;
        processor.point_end(0)
    }
}
