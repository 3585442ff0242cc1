//! FlatGeobuf: the features sorted along a Hilbert curve behind a packed R-tree, so that a reader
//! (GDAL, QGIS, a browser over HTTP ranges) can take one bbox's features without reading the rest.

use std::io::Write;

use ::flatgeobuf::{ColumnType as FgbColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};
use geozero::{ColumnValue, PropertyProcessor};

use super::columns::{Cell, ColumnType};
use super::{ExportError, LayerExport, MultiPolygonSource};

/// Writes `export` as one FlatGeobuf dataset named after the layer, in its system (EPSG code and
/// WKT in the header, as GDAL reads them), with its spatial index.
pub fn write_flatgeobuf(export: &LayerExport, out: impl Write) -> Result<(), ExportError> {
    let layer = export.layer;
    let description = export.description();
    let metadata = serde_json::json!({
        "source": layer.source.name,
        "vintage": layer.source.vintage,
        "licence": layer.source.licence,
    })
    .to_string();
    let mut writer = FgbWriter::create_with_options(
        &layer.id,
        GeometryType::MultiPolygon,
        FgbWriterOptions {
            write_index: true,
            detect_type: false,
            promote_to_multi: true,
            crs: FgbCrs {
                org: Some("EPSG"),
                code: i32::from(export.crs.code()),
                name: Some(export.crs.name()),
                wkt: Some(export.crs.wkt()),
                ..Default::default()
            },
            title: Some(&layer.title),
            description: Some(&description),
            metadata: Some(&metadata),
            ..Default::default()
        },
    )
    .map_err(fgb_error)?;
    let columns = export.columns();
    for column in &columns {
        let kind = match column.kind {
            ColumnType::Integer => FgbColumnType::Long,
            ColumnType::Real => FgbColumnType::Double,
            ColumnType::Boolean => FgbColumnType::Bool,
            ColumnType::Text => FgbColumnType::String,
        };
        writer.add_column(&column.name, kind, |_, args| args.nullable = column.name != "id");
    }
    for (f, geometry) in &export.rows {
        let (f, geometry) = (*f, &**geometry);
        let feature = &layer.features[f];
        let mut failure = None;
        writer
            .add_feature_geom(MultiPolygonSource(geometry), |properties| {
                for (i, column) in columns.iter().enumerate() {
                    let cell = column.cell(feature);
                    let value = match &cell {
                        // An absent property is how FlatGeobuf says null.
                        Cell::Null => continue,
                        Cell::Integer(v) => ColumnValue::Long(*v),
                        Cell::Real(v) => ColumnValue::Double(*v),
                        Cell::Boolean(v) => ColumnValue::Bool(*v),
                        Cell::Text(v) => ColumnValue::String(v),
                    };
                    if let Err(e) = properties.property(i, &column.name, &value) {
                        failure.get_or_insert(e);
                    }
                }
            })
            .map_err(fgb_error)?;
        if let Some(e) = failure {
            return Err(fgb_error(e));
        }
    }
    writer.write(out).map_err(fgb_error)?;
    Ok(())
}

fn fgb_error(e: impl std::fmt::Display) -> ExportError {
    ExportError::FlatGeobuf(e.to_string())
}
