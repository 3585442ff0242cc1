//! `territoires` maps France's *territoires de projet* (Pays, PETR) and their overlays.
//!
//! The data flows one way:
//! [`sources`] → [`build`] → [`dataset`] (one prepared file) → [`index`] → [`query`] → CLI and HTTP.
//! Communes are the atoms: every layer except published polygon files is a set of whole communes, so
//! coverage is set arithmetic on commune indices and locate finds the commune once.
//! [`import`] sits before all this: it turns an upstream export into a `geodata/` file. [`batch`] locates
//! a whole file of points as a stream, for the HTTP batch and the CLI alike. [`export`] writes a layer as
//! the GIS files QGIS and GDAL open (FlatGeobuf, GeoPackage).

// Moved to their own crates; re-exported until every caller imports the crate itself.
pub use territoires_build as build;
pub use territoires_build::{catalogue, import, sources};
pub use territoires_core::{dataset, error, fs, index, time};
pub use territoires_formats::batch;
pub use territoires_geo as geometry;
pub use territoires_geo::{crs, sample, topology};
pub use territoires_query as query;
pub use territoires_server as server;

pub use territoires_core::{Dataset, Error, Indexed, Result};
