//! Geometry algorithms over plain `geo` types, as traits in the style of `geo` itself.

mod clean;
mod label;
mod measure;

pub use clean::{CleanPolygons, CleanReport, vertex_count};
pub use label::LabelPoint;
pub use measure::{GeodesicKm2, HolePolicy, KeptHole, ring_km2};
