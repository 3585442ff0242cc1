//! Geodesic measures on the WGS84 ellipsoid.

use geo::{BoundingRect, GeodesicArea, Intersects, LineString, MultiPolygon, Polygon, Rect};

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
///
/// A hole is judged by the land it really lacks: its area minus the islands inside it. A piece of
/// land that almost fills a hole (a commune nouvelle's merged piece, say) leaves only a hairline gap,
/// and the union returns it as a hole plus an island rather than one polygon.
#[derive(Debug, Clone, Copy)]
pub struct HolePolicy {
    pub min_hole_m2: f64,
}

/// A hole that was kept, with the land it lacks.
#[derive(Debug, Clone, Copy)]
pub struct KeptHole {
    pub polygon: usize,
    pub hole: usize,
    pub gap_m2: f64,
}

impl HolePolicy {
    /// Closes holes whose gap is under the threshold, dropping the islands they held. Returns the
    /// geometry, the number of holes closed and the holes kept.
    pub fn apply(&self, mp: MultiPolygon<f64>) -> (MultiPolygon<f64>, usize, Vec<KeptHole>) {
        let boxes: Vec<Option<Rect<f64>>> = mp.0.iter().map(|p| p.exterior().bounding_rect()).collect();
        let mut dropped = vec![false; mp.0.len()];
        let mut closed_holes: Vec<Vec<bool>> =
            mp.0.iter().map(|p| vec![false; p.interiors().len()]).collect();
        let mut kept = Vec::new();
        for (i, polygon) in mp.0.iter().enumerate() {
            for (h, hole) in polygon.interiors().iter().enumerate() {
                let Some(hole_box) = hole.bounding_rect() else {
                    continue;
                };
                let ring = Polygon::new(hole.clone(), vec![]);
                let islands: Vec<usize> = (0..mp.0.len())
                    .filter(|&j| j != i && boxes[j].is_some_and(|b| contains_rect(&hole_box, &b)))
                    .filter(|&j| mp.0[j].exterior().0.first().is_some_and(|c| ring.intersects(c)))
                    .collect();
                let island_km2: f64 = islands.iter().map(|&j| mp.0[j].geodesic_km2()).sum();
                let gap_m2 = (ring_km2(hole) - island_km2).max(0.0) * 1e6;
                if gap_m2 < self.min_hole_m2 {
                    closed_holes[i][h] = true;
                    for j in islands {
                        dropped[j] = true;
                    }
                } else {
                    kept.push(KeptHole {
                        polygon: i,
                        hole: h,
                        gap_m2,
                    });
                }
            }
        }
        let closed = closed_holes.iter().flatten().filter(|&&c| c).count();
        let mut renumber = Vec::with_capacity(mp.0.len());
        let mut polygons = Vec::new();
        for (i, polygon) in mp.0.into_iter().enumerate() {
            renumber.push(polygons.len());
            if dropped[i] {
                continue;
            }
            let (exterior, holes) = polygon.into_inner();
            let holes = holes
                .into_iter()
                .zip(&closed_holes[i])
                .filter(|(_, c)| !**c)
                .map(|(r, _)| r)
                .collect();
            polygons.push(Polygon::new(exterior, holes));
        }
        // Renumber kept holes to the surviving polygons and holes.
        let kept = kept
            .into_iter()
            .map(|k| KeptHole {
                polygon: renumber[k.polygon],
                hole: k.hole - closed_holes[k.polygon][..k.hole].iter().filter(|&&c| c).count(),
                gap_m2: k.gap_m2,
            })
            .collect();
        (MultiPolygon(polygons), closed, kept)
    }
}

fn contains_rect(outer: &Rect<f64>, inner: &Rect<f64>) -> bool {
    outer.min().x <= inner.min().x
        && outer.min().y <= inner.min().y
        && outer.max().x >= inner.max().x
        && outer.max().y >= inner.max().y
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn a_hole_almost_filled_by_an_island_is_closed() {
        let hole = [(0.0, 0.0), (0.01, 0.0), (0.01, 0.01), (0.0, 0.01)];
        let outer = polygon!(
            exterior: [(x: -1.0, y: -1.0), (x: 1.0, y: -1.0), (x: 1.0, y: 1.0), (x: -1.0, y: 1.0), (x: -1.0, y: -1.0)],
            interiors: [[(x: hole[0].0, y: hole[0].1), (x: hole[3].0, y: hole[3].1), (x: hole[2].0, y: hole[2].1), (x: hole[1].0, y: hole[1].1), (x: hole[0].0, y: hole[0].1)]],
        );
        let e = 1e-6; // an island that leaves a gap about 0.1 m wide
        let island = polygon![(x: e, y: e), (x: 0.01 - e, y: e), (x: 0.01 - e, y: 0.01 - e), (x: e, y: 0.01 - e), (x: e, y: e)];
        let (mp, closed, kept) =
            HolePolicy { min_hole_m2: 1000.0 }.apply(MultiPolygon(vec![outer.clone(), island]));
        assert_eq!((closed, kept.len(), mp.0.len()), (1, 0, 1));
        assert!(mp.0[0].interiors().is_empty());

        // Without the island the hole (about 1.2 km²) is real and kept.
        let (_, closed, kept) = HolePolicy { min_hole_m2: 1000.0 }.apply(MultiPolygon(vec![outer]));
        assert_eq!((closed, kept.len()), (0, 1));
        assert!(kept[0].gap_m2 > 1e6);
    }
}
