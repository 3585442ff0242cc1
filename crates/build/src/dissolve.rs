//! Dissolving communes into larger territories, straight from the atoms in one step: dissolving
//! already-dissolved layers again compounds snapping and adds slivers.

use geo::orient::{Direction, Orient};
use geo::{MultiPolygon, unary_union};

use territoires_geo::{HolePolicy, KeptHole};

/// Gaps between members smaller than this are data slivers, not enclaves (Llívia, the smallest real
/// enclave in the data, is 12.8 km²).
pub const SLIVER_HOLE: HolePolicy = HolePolicy { min_hole_m2: 1_000.0 };

/// The union of the given commune geometries, oriented, with sliver holes closed.
/// Returns the geometry, the number of sliver holes closed and the holes kept.
pub fn dissolve<'a>(
    members: impl IntoIterator<Item = &'a MultiPolygon<f64>>,
) -> (MultiPolygon<f64>, usize, Vec<KeptHole>) {
    let polygons: Vec<_> = members.into_iter().flat_map(|mp| mp.0.iter().cloned()).collect();
    let union = unary_union(&polygons).orient(Direction::Default);
    SLIVER_HOLE.apply(union)
}
