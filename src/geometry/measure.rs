//! Geodesic measures on the WGS84 ellipsoid.

use geo::{GeodesicArea, LineString, MultiPolygon, Polygon};

pub trait GeodesicKm2 {
    /// Geodesic area in km². Rings must be oriented (see [`super::CleanPolygons`]).
    fn geodesic_km2(&self) -> f64;
}

impl GeodesicKm2 for MultiPolygon<f64> {
    fn geodesic_km2(&self) -> f64 {
        self.0.iter().map(GeodesicKm2::geodesic_km2).sum()
    }
}

impl GeodesicKm2 for Polygon<f64> {
    /// Measured ring by ring: geo's `geodesic_area_unsigned` on a polygon with holes can return the
    /// Earth's area minus the polygon (seen on commune 34040, Brenas).
    fn geodesic_km2(&self) -> f64 {
        ring_km2(self.exterior()) - self.interiors().iter().map(ring_km2).sum::<f64>()
    }
}

/// Area of the surface a ring encloses, whatever its orientation (rings are far smaller than a
/// hemisphere, so the signed area's magnitude is the enclosed area).
pub fn ring_km2(ring: &LineString<f64>) -> f64 {
    Polygon::new(ring.clone(), vec![]).geodesic_area_signed().abs() / 1e6
}

/// Which holes a dissolve keeps: gaps between members smaller than this are data slivers, not
/// enclaves, and are closed.
#[derive(Debug, Clone, Copy)]
pub struct HolePolicy {
    pub min_hole_m2: f64,
}

impl HolePolicy {
    /// Closes holes under the threshold; returns the geometry and the number of holes closed.
    pub fn apply(&self, mp: MultiPolygon<f64>) -> (MultiPolygon<f64>, usize) {
        let mut closed = 0;
        let polygons = mp
            .0
            .into_iter()
            .map(|p| {
                let (exterior, holes) = p.into_inner();
                let kept: Vec<_> = holes
                    .into_iter()
                    .filter(|h| {
                        let keep = ring_km2(h) * 1e6 >= self.min_hole_m2;
                        closed += usize::from(!keep);
                        keep
                    })
                    .collect();
                Polygon::new(exterior, kept)
            })
            .collect();
        (MultiPolygon(polygons), closed)
    }
}
