//! Encoders that the command line and the HTTP server share, so that both write the same bytes.
//!
//! # Brief overview
//!
//! A layer leaves as GeoJSON ([`geojson`]), as its attribute table ([`columns`]), or as the GIS files
//! QGIS and GDAL open ([`fgb`], [`gpkg`], chosen by [`GisFormat`]); a locate answer as JSON
//! ([`locate_json`]); a whole file of points is located as a stream ([`batch`]); a layer's map as
//! vector tiles ([`mvt`]). The heavy
//! dependencies (SQLite, FlatGeobuf, CSV) live here, away from the queries' hot loop.

/// A PMTiles archive of the vector tiles, for static hosting.
pub mod archive;
/// Locate a whole file of points as a stream: rows in, rows out.
pub mod batch;
/// One typed column list per layer, for CSV, FlatGeobuf and GeoPackage.
pub mod columns;
/// FlatGeobuf files of a layer.
pub mod fgb;
/// Layer features and geometry as GeoJSON text.
pub mod geojson;
/// What goes into a GIS file, and in which format.
mod gis;
/// GeoPackage files of a layer.
pub mod gpkg;
/// The locate answer as JSON.
pub mod locate_json;
/// Mapbox vector tiles of a layer, with its label points.
pub mod mvt;
/// A spreadsheet saved as text, read whole: delimiter sniffed, encoding decoded, columns by name.
pub mod sheet;
/// TileJSON and the MapLibre style of the vector tiles.
pub mod tilejson;

pub use gis::{ExportError, GisFormat, LayerExport, MultiPolygonSource, WGS84, envelope};
pub use locate_json::LocationWriter;
