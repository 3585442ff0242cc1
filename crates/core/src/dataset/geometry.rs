//! Every feature's polygons of a layer, flat: the vertices of every ring one after another, then
//! where each ring, polygon and feature ends. It is the layout the point grid reads edges from, and
//! the one the dataset file keeps, so that a loaded layer uses its polygons where the file lies.

use geo::{Coord, LineString, MultiPolygon, Polygon};

use super::FeatureIx;
use crate::file::Section;

/// A layer's polygons; feature `f`'s are polygons `feature_ends[f - 1]..feature_ends[f]`, and so on
/// down to the vertices. Exterior rings come first in each polygon, every ring closed.
#[derive(Debug, Clone, Default)]
pub struct Geometries {
    pub(crate) coords: Section<[f64; 2]>,
    pub(crate) ring_ends: Section<u32>,
    pub(crate) polygon_ends: Section<u32>,
    pub(crate) feature_ends: Section<u32>,
}

impl Geometries {
    /// Lays out `features` in order.
    pub fn new<'a>(features: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> Self {
        let (mut coords, mut ring_ends, mut polygon_ends, mut feature_ends) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for mp in features {
            for polygon in &mp.0 {
                for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                    coords.extend(ring.0.iter().map(|c| [c.x, c.y]));
                    ring_ends.push(coords.len() as u32);
                }
                polygon_ends.push(ring_ends.len() as u32);
            }
            feature_ends.push(polygon_ends.len() as u32);
        }
        Geometries {
            coords: coords.into(),
            ring_ends: ring_ends.into(),
            polygon_ends: polygon_ends.into(),
            feature_ends: feature_ends.into(),
        }
    }

    /// Number of features.
    #[inline]
    pub fn len(&self) -> usize {
        self.feature_ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.feature_ends.is_empty()
    }

    /// Every vertex of every ring, features one after another.
    #[inline]
    pub fn vertices(&self) -> &[[f64; 2]] {
        &self.coords
    }

    /// Vertex ranges of feature `f`'s rings, exterior first in each polygon.
    pub fn rings(&self, f: FeatureIx) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        let polygons = self.span(&self.feature_ends, f.index());
        let rings = match polygons.end {
            0 => 0..0,
            end => self.start(&self.polygon_ends, polygons.start)..self.polygon_ends[end - 1] as usize,
        };
        let ends = &self.ring_ends[..];
        rings.map(move |r| self.span(ends, r))
    }

    /// Feature `f`'s vertices, every ring of it one after another.
    pub fn vertex_range(&self, f: FeatureIx) -> std::ops::Range<usize> {
        let mut rings = self.rings(f);
        match (rings.next(), rings.last()) {
            (Some(first), Some(last)) => first.start..last.end,
            (Some(only), None) => only,
            _ => 0..0,
        }
    }

    /// Feature `f` as a `geo` multipolygon (made anew: for exports and rarely used geometry).
    pub fn polygons(&self, f: FeatureIx) -> MultiPolygon<f64> {
        let polygons = self.span(&self.feature_ends, f.index());
        let ring = |r: usize| {
            LineString(
                self.coords[self.span(&self.ring_ends, r)]
                    .iter()
                    .map(|&[x, y]| Coord { x, y })
                    .collect(),
            )
        };
        MultiPolygon(
            polygons
                .map(|p| {
                    let rings = self.span(&self.polygon_ends, p);
                    let exterior = ring(rings.start);
                    Polygon::new(exterior, (rings.start + 1..rings.end).map(ring).collect())
                })
                .collect(),
        )
    }

    /// Every feature's polygons, in order.
    pub fn all_polygons(&self) -> Vec<MultiPolygon<f64>> {
        FeatureIx::all(self.len()).map(|f| self.polygons(f)).collect()
    }

    /// Feature `f`'s bounding box `[min_x, min_y, max_x, max_y]`, `None` for a feature without
    /// polygons.
    pub fn bounds(&self, f: FeatureIx) -> Option<[f64; 4]> {
        let vertices = &self.coords[self.vertex_range(f)];
        let (first, rest) = vertices.split_first()?;
        let (mut min, mut max) = (*first, *first);
        for v in rest {
            min = [min[0].min(v[0]), min[1].min(v[1])];
            max = [max[0].max(v[0]), max[1].max(v[1])];
        }
        Some([min[0], min[1], max[0], max[1]])
    }

    /// Items `ends[i - 1]..ends[i]` of the next level down.
    #[inline]
    fn span(&self, ends: &[u32], i: usize) -> std::ops::Range<usize> {
        self.start(ends, i)..ends[i] as usize
    }

    /// Where item `i` starts in the next level down.
    #[inline]
    fn start(&self, ends: &[u32], i: usize) -> usize {
        if i == 0 { 0 } else { ends[i - 1] as usize }
    }

    /// Checks that every end lies in order within the level below, so that no read of a loaded
    /// file can go out of bounds: `features` is how many features the layer's attributes list.
    pub(crate) fn check(&self, features: usize) -> std::result::Result<(), String> {
        fn ascending(
            ends: &[u32],
            below: usize,
            what: &str,
            empty_ok: bool,
        ) -> std::result::Result<(), String> {
            let mut previous = 0u32;
            for (i, &end) in ends.iter().enumerate() {
                if end < previous || (!empty_ok && end == previous) {
                    return Err(format!("{what} {i} ends before it starts"));
                }
                previous = end;
            }
            if previous as usize != below {
                return Err(format!("{what}s end at {previous}, not at {below}"));
            }
            Ok(())
        }
        if self.feature_ends.len() != features {
            return Err(format!(
                "{} feature geometries for {features} features",
                self.feature_ends.len()
            ));
        }
        ascending(&self.ring_ends, self.coords.len(), "ring", false)?;
        ascending(&self.polygon_ends, self.ring_ends.len(), "polygon", false)?;
        ascending(&self.feature_ends, self.polygon_ends.len(), "feature", true)
    }

    /// The sections in file order.
    pub(crate) fn sections(&self) -> [&[u8]; 4] {
        [
            self.coords.as_bytes(),
            self.ring_ends.as_bytes(),
            self.polygon_ends.as_bytes(),
            self.feature_ends.as_bytes(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, wkt};

    #[test]
    fn polygons_come_back_as_laid_out() {
        let a: MultiPolygon<f64> = wkt! { MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(1. 1.,1. 2.,2. 2.,1. 1.)),((5. 5.,6. 5.,6. 6.,5. 5.))) };
        let empty = MultiPolygon::<f64>(vec![]);
        let b = MultiPolygon(vec![
            polygon![(x: 10., y: 10.), (x: 11., y: 10.), (x: 11., y: 12.)],
        ]);
        let g = Geometries::new([&a, &empty, &b]);
        assert_eq!(g.len(), 3);
        assert_eq!(g.polygons(FeatureIx(0)), a);
        assert_eq!(g.polygons(FeatureIx(1)), empty);
        assert_eq!(g.polygons(FeatureIx(2)), b);
        assert_eq!(g.bounds(FeatureIx(1)), None);
        assert_eq!(g.bounds(FeatureIx(2)), Some([10., 10., 11., 12.]));
        assert_eq!(g.rings(FeatureIx(0)).collect::<Vec<_>>(), vec![0..5, 5..9, 9..13]);
        assert_eq!(g.vertex_range(FeatureIx(2)), 13..17);
        assert_eq!(g.check(3), Ok(()));
        assert!(g.check(2).is_err());
    }

    #[test]
    fn a_ring_past_its_vertices_is_refused() {
        let square = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.)]]);
        let mut g = Geometries::new([&square]);
        g.ring_ends = vec![9].into();
        assert!(g.check(1).unwrap_err().contains("ring"));
        let mut g = Geometries::new([&square]);
        g.polygon_ends = vec![0].into();
        assert!(g.check(1).is_err());
    }
}
