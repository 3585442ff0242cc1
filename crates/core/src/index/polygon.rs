//! Exact point-in-polygon for one multipolygon, with the boundary reported as such.
//!
//! `geo::indexed::IntervalTreeMultiPolygon` only answers "inside or not", and we need to know when a
//! point lies exactly on a border to give it a deterministic owner. Edges are bucketed into
//! horizontal strips, so a query reads only the few edges that cross its latitude, and the winding
//! number is taken with geo's robust orientation predicate.

use geo::kernels::{Kernel, RobustKernel};
use geo::{Coord, MultiPolygon, Orientation};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

/// An R-tree of feature bounding boxes, each tagged with its feature id.
pub type BoxTree = RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>;

/// The R-tree of the boxes of `polygons[i]`, tagged `i`; empty polygons are left out.
pub fn box_tree(polygons: &[PolygonIndex]) -> BoxTree {
    RTree::bulk_load(
        polygons
            .iter()
            .enumerate()
            .filter(|(_, p)| p.bbox()[0].is_finite())
            .map(|(f, p)| {
                let [x0, y0, x1, y1] = p.bbox();
                GeomWithData::new(Rectangle::from_corners([x0, y0], [x1, y1]), f as u32)
            })
            .collect(),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Inside,
    OnBoundary,
    Outside,
}

#[derive(Debug, Clone)]
pub struct PolygonIndex {
    /// Vertices of every ring, rings one after another.
    coords: Vec<Coord<f64>>,
    /// `[min_x, min_y, max_x, max_y]`.
    bbox: [f64; 4],
    strip_height: f64,
    /// `strip_offsets[s]..strip_offsets[s + 1]` indexes `strip_edges` for strip `s`.
    strip_offsets: Vec<u32>,
    /// Start vertex of each edge in a strip; the edge ends at the next vertex.
    strip_edges: Vec<u32>,
}

impl PolygonIndex {
    pub fn new(mp: &MultiPolygon<f64>) -> Self {
        let mut coords = Vec::new();
        let mut edges = Vec::new();
        for ring in
            mp.0.iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        {
            let start = coords.len() as u32;
            coords.extend_from_slice(&ring.0);
            let end = coords.len() as u32;
            edges.extend(start..end.saturating_sub(1));
        }
        let mut bbox = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        for c in &coords {
            bbox = [
                bbox[0].min(c.x),
                bbox[1].min(c.y),
                bbox[2].max(c.x),
                bbox[3].max(c.y),
            ];
        }
        // About two edges per strip keeps both the duplication and the scan short.
        let strips = (edges.len() / 2).clamp(1, 1 << 16);
        let height = ((bbox[3] - bbox[1]) / strips as f64).max(f64::MIN_POSITIVE);
        let strip_of = |y: f64| (((y - bbox[1]) / height) as usize).min(strips - 1);

        let mut counts = vec![0u32; strips + 1];
        let span = |e: u32| {
            let (a, b) = (coords[e as usize], coords[e as usize + 1]);
            strip_of(a.y.min(b.y))..=strip_of(a.y.max(b.y))
        };
        for &e in &edges {
            for s in span(e) {
                counts[s + 1] += 1;
            }
        }
        for s in 0..strips {
            counts[s + 1] += counts[s];
        }
        let mut fill = counts.clone();
        let mut strip_edges = vec![0u32; counts[strips] as usize];
        for &e in &edges {
            for s in span(e) {
                strip_edges[fill[s] as usize] = e;
                fill[s] += 1;
            }
        }
        PolygonIndex {
            coords,
            bbox,
            strip_height: height,
            strip_offsets: counts,
            strip_edges,
        }
    }

    pub fn bbox(&self) -> [f64; 4] {
        self.bbox
    }

    pub fn position(&self, p: Coord<f64>) -> Position {
        let [x0, y0, x1, y1] = self.bbox;
        if !(p.x >= x0 && p.x <= x1 && p.y >= y0 && p.y <= y1) || self.coords.is_empty() {
            return Position::Outside;
        }
        let strips = self.strip_offsets.len() - 1;
        let s = (((p.y - y0) / self.strip_height) as usize).min(strips - 1);
        let edges = &self.strip_edges[self.strip_offsets[s] as usize..self.strip_offsets[s + 1] as usize];
        let mut winding = 0i32;
        for &e in edges {
            let (a, b) = (self.coords[e as usize], self.coords[e as usize + 1]);
            if a.x.max(b.x) < p.x {
                continue; // entirely left of the point: neither crossed by the ray nor touching
            }
            if a.y <= p.y {
                if b.y >= p.y {
                    match RobustKernel::orient2d(a, b, p) {
                        Orientation::CounterClockwise if b.y != p.y => winding += 1,
                        Orientation::Collinear if between(p.x, a.x, b.x) => return Position::OnBoundary,
                        _ => {}
                    }
                }
            } else if b.y <= p.y {
                match RobustKernel::orient2d(a, b, p) {
                    Orientation::Clockwise => winding -= 1,
                    Orientation::Collinear if between(p.x, a.x, b.x) => return Position::OnBoundary,
                    _ => {}
                }
            }
        }
        if winding != 0 {
            Position::Inside
        } else {
            Position::Outside
        }
    }

    /// Distance in metres from `p` to the nearest edge, on a local equirectangular projection
    /// (accurate to well under 1% over the few kilometres a tolerance covers).
    pub fn distance_m(&self, p: Coord<f64>) -> f64 {
        if self.position(p) != Position::Outside {
            return 0.0;
        }
        let (kx, ky) = metres_per_degree(p.y);
        let mut best = f64::INFINITY;
        for w in self.coords.windows(2) {
            let a = Coord {
                x: (w[0].x - p.x) * kx,
                y: (w[0].y - p.y) * ky,
            };
            let b = Coord {
                x: (w[1].x - p.x) * kx,
                y: (w[1].y - p.y) * ky,
            };
            best = best.min(segment_distance_to_origin(a, b));
        }
        best
    }
}

/// Metres per degree of longitude and of latitude at `lat`, on a sphere of the WGS84 mean radius.
pub fn metres_per_degree(lat: f64) -> (f64, f64) {
    let ky = 6_371_008.8_f64.to_radians();
    (ky * lat.to_radians().cos(), ky)
}

fn between(v: f64, a: f64, b: f64) -> bool {
    v >= a.min(b) && v <= a.max(b)
}

fn segment_distance_to_origin(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let d = b - a;
    let len2 = d.x * d.x + d.y * d.y;
    let t = if len2 > 0.0 {
        (-(a.x * d.x + a.y * d.y) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let c = a + d * t;
    c.x.hypot(c.y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, polygon};

    fn square_with_hole() -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 4.0), (x: 0.0, y: 0.0)],
            interiors: [[(x: 1.0, y: 1.0), (x: 1.0, y: 2.0), (x: 2.0, y: 2.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0)]],
        )])
    }

    #[test]
    fn inside_outside_hole_and_boundary() {
        let index = PolygonIndex::new(&square_with_hole());
        assert_eq!(index.position(Coord { x: 3.0, y: 3.0 }), Position::Inside);
        assert_eq!(index.position(Coord { x: 1.5, y: 1.5 }), Position::Outside);
        assert_eq!(index.position(Coord { x: 5.0, y: 1.5 }), Position::Outside);
        assert_eq!(index.position(Coord { x: 4.0, y: 2.5 }), Position::OnBoundary);
        assert_eq!(index.position(Coord { x: 0.0, y: 0.0 }), Position::OnBoundary);
        assert_eq!(index.position(Coord { x: 1.5, y: 2.0 }), Position::OnBoundary);
    }

    #[test]
    fn agrees_with_geo_contains_on_a_lattice() {
        let mp = square_with_hole();
        let index = PolygonIndex::new(&mp);
        for i in 0..=100 {
            for j in 0..=100 {
                let p = Coord {
                    x: -0.5 + i as f64 * 0.0503,
                    y: -0.5 + j as f64 * 0.0497,
                };
                let ours = index.position(p);
                if ours != Position::OnBoundary {
                    assert_eq!(ours == Position::Inside, mp.contains(&p), "{p:?}");
                }
            }
        }
    }

    #[test]
    fn distance_to_a_nearby_square() {
        let index = PolygonIndex::new(&square_with_hole());
        let (kx, _) = metres_per_degree(2.0);
        let d = index.distance_m(Coord { x: 4.001, y: 2.0 });
        assert!((d - 0.001 * kx).abs() < 0.01, "{d}");
    }
}
