//! Geometry for `territoires`, over plain `geo` types and with no word of the domain: nothing here
//! knows a commune, a layer or a Pays.
//!
//! # Brief overview
//!
//! Algorithms are traits on `geo` types, as in `geo` itself ([`CleanPolygons`], [`LabelPoint`],
//! [`GeodesicKm2`]); the shared-border [`topology`] generalises neighbours without gaps; [`crs`] and
//! [`lonlat`] are the one rule every incoming point goes through, from the command line or the API.

/// A `bbox` as OGC API – Features reads it, antimeridian included.
pub mod bbox;
/// Polygons made valid: orientation, repeated points, self-touching rings.
mod clean;
/// Coordinate systems a point may come in, converted to WGS84.
pub mod crs;
/// Where to write a polygon's name: inside it, in its widest part.
mod label;
/// A finite longitude and latitude on the globe.
pub mod lonlat;
/// Geodesic areas on the WGS84 ellipsoid.
mod measure;
/// Reproducible sample points (SplitMix64), shared with the Python peer benchmark.
pub mod sample;
/// Shared arcs, Visvalingam ranks, neighbours and per-zoom generalisation.
pub mod topology;
/// Web-map zoom levels, and the generalisation that answers each.
pub mod zoom;

pub use bbox::{BoundingBox, bounds};
pub use clean::{CleanPolygons, CleanReport, vertex_count};
pub use crs::{Crs, CrsRef, NotProjectable, Reproject};
pub use label::LabelPoint;
pub use lonlat::{OutOfRange, lon_lat};
pub use measure::{GeodesicKm2, HolePolicy, KeptHole, ring_km2};
pub use zoom::Zoom;
