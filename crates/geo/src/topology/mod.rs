//! Topology-preserving generalisation of polygon layers for web maps, as mapshaper and TopoJSON do it.
//!
//! Simplifying each polygon on its own opens gaps and overlaps between neighbours, because the two
//! copies of a shared border lose different vertices. Here every border is found once: nearly equal
//! vertices are snapped together (module `snap`), every ring is cut at its junctions (vertices where
//! other than two border segments meet) into arcs, each arc is stored once and its vertices ranked
//! once (module `importance`), and every feature is rebuilt from the same simplified arcs. Both
//! neighbours of a border therefore draw it with the same vertices at every zoom.
//!
//! Importance is the Visvalingam–Whyatt effective area in squared degrees of longitude, latitudes
//! stretched as Web Mercator draws them; [`Topology::generalise`] keeps the vertices whose area is at
//! least tolerance². With [`tolerance_for_zoom`] (half a pixel), a vertex goes when the triangle it
//! makes with its neighbours covers less than a quarter of a square pixel.

mod importance;
mod merge;
mod snap;

use std::ops::Range;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use merge::Neighbours;
use snap::{IntMap, Snapper};

/// Snapping distance for polygons that come out of separate boolean operations: about 1 cm, far
/// below any border detail and far above the last bits those operations disagree on.
pub const DEFAULT_SNAP_DEG: f64 = 1e-7;

/// Polygon features as rings of shared arcs.
///
/// Everything is flat vectors with `u32` offsets (`x_offsets[i]..x_offsets[i + 1]` spans item `i`),
/// so that the structure encodes small and fast with postcard.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Topology {
    /// Vertices of every arc, arcs one after another, each in its canonical direction.
    points: Vec<[f64; 2]>,
    /// Effective area of each point in `points`; infinite at arc ends, which are always kept.
    importance: Vec<f32>,
    /// Arc → its span of `points`.
    arc_offsets: Vec<u32>,
    /// Arc references of every ring, in ring order: `arc << 1`, or `arc << 1 | 1` for an arc walked
    /// backwards.
    ring_arcs: Vec<u32>,
    /// Ring → its span of `ring_arcs`.
    ring_offsets: Vec<u32>,
    /// Polygon → its span of rings; the first is the exterior, the others its holes.
    polygon_offsets: Vec<u32>,
    /// Feature → its span of polygons.
    feature_offsets: Vec<u32>,
}

impl Topology {
    /// Builds arcs from the features' rings.
    ///
    /// Vertices closer than `snap_deg` (use [`DEFAULT_SNAP_DEG`]) are first snapped to one coordinate,
    /// that of the first one met, and rings drop the repeated vertices and zero-width spikes this
    /// creates; a ring left with fewer than three vertices is dropped (with its holes, if it is an
    /// exterior). The result depends only on the input and its order: the same features always give
    /// the same bytes.
    pub fn build(features: &[&MultiPolygon<f64>], snap_deg: f64) -> Topology {
        let rings = SnappedRings::new(features, snap_deg);
        let junction = rings.junctions();
        let mut arcs = ArcSet::new(&rings.coords);
        let mut ring_arcs = Vec::new();
        let mut ring_offsets = vec![0u32];
        let mut walk = Vec::new();
        for r in 0..rings.ring_offsets.len() - 1 {
            let ring = &rings.vertices[rings.ring_offsets[r] as usize..rings.ring_offsets[r + 1] as usize];
            arcs.cut(ring, &junction, &mut walk, &mut ring_arcs);
            ring_offsets.push(ring_arcs.len() as u32);
        }
        let ArcSet {
            points, arc_offsets, ..
        } = arcs;
        let importance = (0..arc_offsets.len() - 1)
            .into_par_iter()
            .map(|a| {
                importance::effective_areas(&points[arc_offsets[a] as usize..arc_offsets[a + 1] as usize])
            })
            .collect::<Vec<_>>()
            .concat();
        Topology {
            points,
            importance,
            arc_offsets,
            ring_arcs,
            ring_offsets,
            polygon_offsets: rings.polygon_offsets,
            feature_offsets: rings.feature_offsets,
        }
    }

    /// Feature `feature` generalised for `tolerance_deg` (see [`tolerance_for_zoom`]): arc vertices whose
    /// effective area is below `tolerance_deg²` are dropped, and every ring is rebuilt from its simplified
    /// arcs, so neighbours still share their borders exactly.
    ///
    /// Rings that collapse (fewer than four coordinates, or no area) are dropped, a polygon with its
    /// exterior; holes stay with the polygon whose exterior they had. Exteriors come out
    /// counter-clockwise, holes clockwise. An unknown feature gives an empty multipolygon.
    pub fn generalise(&self, feature: usize, tolerance_deg: f64) -> MultiPolygon<f64> {
        // Also maps NaN and negative tolerances to "keep everything".
        let threshold = if tolerance_deg > 0.0 {
            tolerance_deg * tolerance_deg
        } else {
            0.0
        };
        let Some(polygons) = span(&self.feature_offsets, feature) else {
            return MultiPolygon(Vec::new());
        };
        let polygons = polygons
            .filter_map(|p| {
                let mut rings = span(&self.polygon_offsets, p)?;
                let exterior = self.ring(rings.next()?, threshold, true)?;
                let holes = rings.filter_map(|r| self.ring(r, threshold, false)).collect();
                Some(Polygon::new(exterior, holes))
            })
            .collect();
        MultiPolygon(polygons)
    }

    pub fn feature_count(&self) -> usize {
        self.feature_offsets.len().saturating_sub(1)
    }

    pub fn arc_count(&self) -> usize {
        self.arc_offsets.len().saturating_sub(1)
    }

    /// Vertices stored over all arcs: a shared border's once, a junction once per arc it ends.
    pub fn point_count(&self) -> usize {
        self.points.len()
    }

    /// Ring `r` from its arcs' vertices at or above `threshold`; `None` if it collapses or if the
    /// structure is inconsistent (a corrupt decode must not panic a request).
    fn ring(&self, r: usize, threshold: f64, exterior: bool) -> Option<LineString<f64>> {
        let refs = self.ring_arcs.get(span(&self.ring_offsets, r)?)?;
        let mut coords: Vec<Coord<f64>> = Vec::new();
        for &reference in refs {
            self.push_arc(&mut coords, reference, threshold)?;
        }
        finished_ring(coords, exterior)
    }
}

/// Tolerance in degrees for a web-map zoom level: half a pixel of a 256-pixel tile,
/// 360 / (256 · 2^zoom) / 2.
pub fn tolerance_for_zoom(zoom: u8) -> f64 {
    360.0 / (256.0 * 2f64.powi(i32::from(zoom))) * 0.5
}

/// Rounds coordinates to the precision `zoom` needs, so that GeoJSON stays small.
///
/// The grid step is the largest 1, 2 or 5 × 10⁻ᵈ degrees not above an eighth of a pixel, so every
/// coordinate prints with at most d decimals. Rounding is a function of the coordinate alone, so
/// borders that two features share stay shared. Repeated vertices it creates are removed, and rings
/// that collapse are dropped as in [`Topology::generalise`].
pub fn quantise(mp: &MultiPolygon<f64>, zoom: u8) -> MultiPolygon<f64> {
    let grid = DecimalGrid::for_zoom(zoom);
    let ring = |ring: &LineString<f64>, exterior: bool| {
        let mut coords: Vec<Coord<f64>> = ring
            .0
            .iter()
            .map(|c| Coord {
                x: grid.round(c.x),
                y: grid.round(c.y),
            })
            .collect();
        coords.dedup();
        finished_ring(coords, exterior)
    };
    MultiPolygon(
        mp.0.iter()
            .filter_map(|p| {
                let exterior = ring(p.exterior(), true)?;
                let holes = p.interiors().iter().filter_map(|r| ring(r, false)).collect();
                Some(Polygon::new(exterior, holes))
            })
            .collect(),
    )
}

/// Multiples of `multiple / scale` degrees, with `scale` a power of ten.
struct DecimalGrid {
    scale: f64,
    multiple: f64,
}

impl DecimalGrid {
    fn for_zoom(zoom: u8) -> Self {
        let target = tolerance_for_zoom(zoom) * 2.0 / 8.0;
        // Powers of ten up to 10^12 are exact; finer than that is below f64 resolution at 180°.
        let mut scale = 1.0;
        for _ in 0..12 {
            if target * scale >= 1.0 {
                break;
            }
            scale *= 10.0;
        }
        let multiple = [5.0, 2.0, 1.0]
            .into_iter()
            .find(|&m| m <= target * scale)
            .unwrap_or(1.0);
        DecimalGrid { scale, multiple }
    }

    /// The integer times `multiple` is exact, and dividing it by the exact power of ten rounds
    /// correctly, so the shortest decimal form of the result has at most log10(scale) decimals.
    fn round(&self, v: f64) -> f64 {
        (v * self.scale / self.multiple).round() * self.multiple / self.scale
    }
}

/// Closes the books on a rebuilt ring: `None` if it has fewer than four coordinates, is not closed, or
/// has no area beyond rounding noise; otherwise oriented counter-clockwise for an exterior, clockwise
/// for a hole.
fn finished_ring(mut coords: Vec<Coord<f64>>, exterior: bool) -> Option<LineString<f64>> {
    if coords.len() < 4 || coords.first() != coords.last() {
        return None;
    }
    let origin = coords[0];
    let (mut twice_area, mut min, mut max) = (0.0, origin, origin);
    for w in coords.windows(2) {
        let (a, b) = (w[0] - origin, w[1] - origin);
        twice_area += a.x * b.y - b.x * a.y;
        min = Coord {
            x: min.x.min(w[1].x),
            y: min.y.min(w[1].y),
        };
        max = Coord {
            x: max.x.max(w[1].x),
            y: max.y.max(w[1].y),
        };
    }
    // A vertex lying on a line can be off it by an ulp of its coordinates; the area that makes is
    // about extent × magnitude × ε.
    let extent = (max.x - min.x).max(max.y - min.y);
    let magnitude = [min.x, min.y, max.x, max.y]
        .iter()
        .fold(extent, |m, v| m.max(v.abs()));
    if twice_area.abs() <= 16.0 * f64::EPSILON * extent * magnitude {
        return None;
    }
    if (twice_area > 0.0) != exterior {
        coords.reverse();
    }
    Some(LineString(coords))
}

/// `offsets[i]..offsets[i + 1]`, if both exist.
fn span(offsets: &[u32], i: usize) -> Option<Range<usize>> {
    Some(*offsets.get(i)? as usize..*offsets.get(i.checked_add(1)?)? as usize)
}

/// The input rings as vertex ids after snapping, with the feature → polygon → ring structure.
struct SnappedRings {
    /// Coordinates by vertex id.
    coords: Vec<[f64; 2]>,
    /// Vertex ids of every ring, rings one after another; a ring is cyclic and does not repeat its
    /// first vertex.
    vertices: Vec<u32>,
    ring_offsets: Vec<u32>,
    polygon_offsets: Vec<u32>,
    feature_offsets: Vec<u32>,
}

impl SnappedRings {
    fn new(features: &[&MultiPolygon<f64>], snap_deg: f64) -> Self {
        let mut snapper = Snapper::new(snap_deg);
        let mut rings = SnappedRings {
            coords: Vec::new(),
            vertices: Vec::new(),
            ring_offsets: vec![0],
            polygon_offsets: vec![0],
            feature_offsets: vec![0],
        };
        let mut ring = Vec::new();
        for mp in features {
            for polygon in &mp.0 {
                if !rings.push_ring(polygon.exterior(), &mut snapper, &mut ring) {
                    continue;
                }
                for hole in polygon.interiors() {
                    rings.push_ring(hole, &mut snapper, &mut ring);
                }
                rings.polygon_offsets.push(rings.ring_offsets.len() as u32 - 1);
            }
            rings.feature_offsets.push(rings.polygon_offsets.len() as u32 - 1);
        }
        rings.coords = snapper.coords;
        rings
    }

    /// Snaps a ring and appends it unless it degenerates; says whether it did.
    fn push_ring(&mut self, line: &LineString<f64>, snapper: &mut Snapper, ring: &mut Vec<u32>) -> bool {
        ring.clear();
        for c in &line.0 {
            let v = snapper.id([c.x, c.y]);
            if ring.last() == Some(&v) {
                continue;
            }
            if ring.len() >= 2 && ring[ring.len() - 2] == v {
                ring.pop(); // a, b, a: a spike of no width
                continue;
            }
            ring.push(v);
        }
        // The same two clean-ups across the seam where the ring closes.
        loop {
            let n = ring.len();
            // The last vertex repeats the first, or is the tip of a spike whose base is the first.
            if (n >= 2 && ring[0] == ring[n - 1]) || (n >= 3 && ring[n - 2] == ring[0]) {
                ring.pop();
            } else if n >= 3 && ring[n - 1] == ring[1] {
                ring.remove(0);
            } else {
                break;
            }
        }
        if ring.len() < 3 {
            return false;
        }
        self.vertices.extend_from_slice(ring);
        self.ring_offsets.push(self.vertices.len() as u32);
        true
    }

    fn rings(&self) -> impl Iterator<Item = &[u32]> {
        self.ring_offsets
            .windows(2)
            .map(|w| &self.vertices[w[0] as usize..w[1] as usize])
    }

    /// A vertex is a junction unless exactly two distinct vertices neighbour it over all rings: only
    /// then does every ring through it come in from one and leave to the other, so that an arc through
    /// it is the same arc for every ring.
    fn junctions(&self) -> Vec<bool> {
        const NONE: u32 = u32::MAX;
        let mut neighbours = vec![[NONE; 2]; self.coords.len()];
        let mut junction = vec![false; self.coords.len()];
        let mut see = |v: u32, w: u32| {
            let slot = &mut neighbours[v as usize];
            if slot[0] == NONE || slot[0] == w {
                slot[0] = w;
            } else if slot[1] == NONE || slot[1] == w {
                slot[1] = w;
            } else {
                junction[v as usize] = true;
            }
        };
        for ring in self.rings() {
            let mut previous = ring[ring.len() - 1];
            for &v in ring {
                see(previous, v);
                see(v, previous);
                previous = v;
            }
        }
        for (j, n) in junction.iter_mut().zip(&neighbours) {
            *j |= n[1] == NONE;
        }
        junction
    }
}

/// Arcs found so far, each under a key that both of its directions map to.
struct ArcSet<'a> {
    coords: &'a [[f64; 2]],
    /// `first << 32 | second` vertex ids of an arc in its canonical direction → arc. An arc's first
    /// two vertices determine it, because the vertices inside it are not junctions.
    by_key: IntMap<u64, u32>,
    points: Vec<[f64; 2]>,
    arc_offsets: Vec<u32>,
}

impl<'a> ArcSet<'a> {
    fn new(coords: &'a [[f64; 2]]) -> Self {
        ArcSet {
            coords,
            by_key: IntMap::default(),
            points: Vec::new(),
            arc_offsets: vec![0],
        }
    }

    /// Cuts a cyclic ring at its junctions and appends its arc references.
    fn cut(&mut self, ring: &[u32], junction: &[bool], walk: &mut Vec<u32>, refs: &mut Vec<u32>) {
        walk.clear();
        match ring.iter().position(|&v| junction[v as usize]) {
            Some(first) => {
                walk.extend_from_slice(&ring[first..]);
                walk.extend_from_slice(&ring[..=first]);
                let mut start = 0;
                for i in 1..walk.len() {
                    if junction[walk[i] as usize] {
                        refs.push(self.reference(&walk[start..=i]));
                        start = i;
                    }
                }
            }
            None => {
                // A loop of its own (an island, or an enclave and the hole it fills): start it at its
                // smallest vertex, so that every ring tracing the loop walks the same arc.
                let smallest = |&a: &usize, &b: &usize| {
                    let (p, q) = (self.coords[ring[a] as usize], self.coords[ring[b] as usize]);
                    p[0].total_cmp(&q[0]).then(p[1].total_cmp(&q[1]))
                };
                let first = (0..ring.len()).min_by(smallest).unwrap_or(0);
                walk.extend_from_slice(&ring[first..]);
                walk.extend_from_slice(&ring[..=first]);
                refs.push(self.reference(walk));
            }
        }
    }

    /// The reference to the arc walking `ids`, registering the arc on first sight.
    fn reference(&mut self, ids: &[u32]) -> u32 {
        let n = ids.len();
        let key = |a: u32, b: u32| (u64::from(a) << 32) | u64::from(b);
        let (forward, backward) = (key(ids[0], ids[1]), key(ids[n - 1], ids[n - 2]));
        let reversed = backward < forward;
        let next = self.arc_offsets.len() as u32 - 1;
        let arc = *self.by_key.entry(forward.min(backward)).or_insert(next);
        if arc == next {
            let coords = self.coords;
            if reversed {
                self.points.extend(ids.iter().rev().map(|&v| coords[v as usize]));
            } else {
                self.points.extend(ids.iter().map(|&v| coords[v as usize]));
            }
            self.arc_offsets.push(self.points.len() as u32);
        }
        (arc << 1) | u32::from(reversed)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use geo::{Area, Contains, Winding, unary_union};

    use super::*;

    fn ring(points: &[(f64, f64)]) -> LineString<f64> {
        LineString::from(points.to_vec())
    }

    /// A border from (1, 0) to (1, 1) that wiggles at two scales, with many vertices.
    fn wiggle() -> Vec<(f64, f64)> {
        (0..=200)
            .map(|i| {
                let y = f64::from(i) / 200.0;
                let x = 1.0 + 0.05 * (7.0 * std::f64::consts::PI * y).sin() * (1.0 - y) * y * 4.0;
                (x + 0.002 * (97.0 * y).sin() * (1.0 - y) * y, y)
            })
            .collect()
    }

    /// Two unit squares, A on the left and B on the right, sharing the wiggly border; B's copy of the
    /// border is shifted by `offset`, as a separate boolean operation might leave it.
    fn squares(offset: f64) -> (MultiPolygon<f64>, MultiPolygon<f64>) {
        let mut a = vec![(0.0, 0.0), (0.5, 0.0)];
        a.extend(wiggle());
        a.extend([(0.5, 1.0), (0.0, 1.0), (0.0, 0.5), (0.0, 0.0)]);
        let mut b = vec![
            (1.0 + offset, offset),
            (1.5, 0.0),
            (2.0, 0.0),
            (2.0, 0.5),
            (2.0, 1.0),
            (1.5, 1.0),
        ];
        b.extend(wiggle().iter().rev().map(|&(x, y)| (x + offset, y + offset)));
        (
            MultiPolygon(vec![Polygon::new(ring(&a), vec![])]),
            MultiPolygon(vec![Polygon::new(ring(&b), vec![])]),
        )
    }

    type Edge = ([u64; 2], [u64; 2]);

    /// Directed edges of every ring whose both ends satisfy `keep`, as exact bit patterns.
    fn edges(mp: &MultiPolygon<f64>, keep: impl Fn(Coord<f64>) -> bool) -> BTreeSet<Edge> {
        let bits = |c: Coord<f64>| [c.x.to_bits(), c.y.to_bits()];
        mp.0.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(|r| r.0.windows(2).map(|w| (w[0], w[1])).collect::<Vec<_>>())
            .filter(|&(a, b)| keep(a) && keep(b))
            .map(|(a, b)| (bits(a), bits(b)))
            .collect()
    }

    fn reversed(edges: &BTreeSet<Edge>) -> BTreeSet<Edge> {
        edges.iter().map(|&(a, b)| (b, a)).collect()
    }

    /// A's border with B (all its vertices lie at x > 0.5) is B's (x < 1.5), walked the other way.
    fn assert_shared_border(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) {
        let from_a = edges(a, |c| c.x > 0.5);
        let from_b = edges(b, |c| c.x < 1.5);
        assert!(!from_a.is_empty());
        assert_eq!(from_a, reversed(&from_b));
    }

    fn assert_no_gap_or_overlap(parts: &[&MultiPolygon<f64>]) {
        let sum: f64 = parts.iter().map(|p| p.unsigned_area()).sum();
        let union = unary_union(parts.iter().copied()).unsigned_area();
        assert!((sum - union).abs() <= 1e-9 * union, "sum {sum}, union {union}");
    }

    const TOLERANCES: [f64; 6] = [0.0, 1e-4, 1e-3, 1e-2, 0.05, 0.2];

    #[test]
    fn neighbours_keep_one_border_at_every_tolerance() {
        let (a, b) = squares(0.0);
        let topology = Topology::build(&[&a, &b], DEFAULT_SNAP_DEG);
        assert_eq!(topology.feature_count(), 2);
        assert_eq!(topology.arc_count(), 3, "A's outside, B's outside, the border");
        let mut previous = usize::MAX;
        for tolerance in TOLERANCES {
            let (ga, gb) = (
                topology.generalise(0, tolerance),
                topology.generalise(1, tolerance),
            );
            assert_eq!((ga.0.len(), gb.0.len()), (1, 1), "at {tolerance}");
            assert_shared_border(&ga, &gb);
            assert_no_gap_or_overlap(&[&ga, &gb]);
            let vertices = ga.0[0].exterior().0.len();
            assert!(vertices <= previous, "a larger tolerance keeps a subset");
            previous = vertices;
        }
        // Without a tolerance nothing is lost; with a large one the wiggle is gone.
        assert_eq!(
            topology.generalise(0, 0.0).0[0].exterior().0.len(),
            a.0[0].exterior().0.len()
        );
        assert_eq!(topology.generalise(0, 0.2).0[0].exterior().0.len(), 5);
    }

    #[test]
    fn nearly_equal_vertices_are_snapped_into_one_border() {
        let (a, b) = squares(1e-9);
        let topology = Topology::build(&[&a, &b], DEFAULT_SNAP_DEG);
        assert_eq!(topology.arc_count(), 3);
        for tolerance in TOLERANCES {
            let (ga, gb) = (
                topology.generalise(0, tolerance),
                topology.generalise(1, tolerance),
            );
            assert_shared_border(&ga, &gb);
            assert_no_gap_or_overlap(&[&ga, &gb]);
        }
        // Without snapping the two copies stay apart: two borders, and no common edge.
        let apart = Topology::build(&[&a, &b], 0.0);
        assert_eq!(apart.arc_count(), 2);
    }

    /// A square with a hole, and the enclave that fills the hole exactly.
    fn enclave() -> (MultiPolygon<f64>, MultiPolygon<f64>) {
        let outer = ring(&[
            (0.0, 0.0),
            (2.0, 0.0),
            (4.0, 0.0),
            (4.0, 4.0),
            (0.0, 4.0),
            (0.0, 0.0),
        ]);
        let hole = ring(&[
            (1.0, 1.0),
            (1.0, 1.5),
            (1.0, 2.0),
            (1.5, 2.02),
            (2.0, 2.0),
            (2.0, 1.0),
            (1.5, 1.0),
            (1.0, 1.0),
        ]);
        let mut inside: Vec<(f64, f64)> = hole.0.iter().map(|c| (c.x, c.y)).collect();
        inside.reverse();
        (
            MultiPolygon(vec![Polygon::new(outer, vec![hole])]),
            MultiPolygon(vec![Polygon::new(ring(&inside), vec![])]),
        )
    }

    #[test]
    fn an_enclave_and_its_hole_stay_one_loop() {
        let (host, island) = enclave();
        let topology = Topology::build(&[&host, &island], DEFAULT_SNAP_DEG);
        assert_eq!(topology.arc_count(), 2);
        let mut seen_collapse = false;
        for tolerance in [0.0, 0.01, 0.1, 0.3, 0.6, 1.0, 2.0] {
            let (h, i) = (
                topology.generalise(0, tolerance),
                topology.generalise(1, tolerance),
            );
            assert_eq!(h.0.len(), 1, "the host survives at {tolerance}");
            let host = &h.0[0];
            assert!(host.exterior().is_ccw());
            match (host.interiors(), i.0.as_slice()) {
                ([hole], [island]) => {
                    assert!(hole.is_cw() && island.exterior().is_ccw());
                    assert!(Polygon::new(host.exterior().clone(), vec![]).contains(hole));
                    let hole_only = MultiPolygon(vec![Polygon::new(hole.clone(), vec![])]);
                    assert_eq!(edges(&hole_only, |_| true), reversed(&edges(&i, |_| true)));
                    assert_no_gap_or_overlap(&[&h, &i]);
                }
                ([], []) => seen_collapse = true,
                (holes, islands) => panic!("{} holes, {} islands at {tolerance}", holes.len(), islands.len()),
            }
        }
        assert!(seen_collapse, "a large tolerance removes both");
    }

    #[test]
    fn the_same_input_gives_the_same_bytes() {
        let (a, b) = squares(1e-9);
        let (host, island) = enclave();
        let features = [&a, &host, &b, &island];
        let first = Topology::build(&features, DEFAULT_SNAP_DEG);
        let bytes = postcard::to_stdvec(&first).expect("encodes");
        let again = postcard::to_stdvec(&Topology::build(&features, DEFAULT_SNAP_DEG)).expect("encodes");
        assert_eq!(bytes, again);
        let decoded: Topology = postcard::from_bytes(&bytes).expect("decodes");
        assert_eq!(decoded, first);
    }

    #[test]
    fn quantised_borders_stay_shared_and_print_short() {
        let (a, b) = squares(0.0);
        let topology = Topology::build(&[&a, &b], DEFAULT_SNAP_DEG);
        for zoom in [4, 8, 12] {
            let tolerance = tolerance_for_zoom(zoom);
            let (qa, qb) = (
                quantise(&topology.generalise(0, tolerance), zoom),
                quantise(&topology.generalise(1, tolerance), zoom),
            );
            assert_shared_border(&qa, &qb);
            assert_no_gap_or_overlap(&[&qa, &qb]);
            let decimals = DecimalGrid::for_zoom(zoom).scale.log10() as usize;
            for c in qa.0[0].exterior().0.iter().chain(&qb.0[0].exterior().0) {
                for v in [c.x, c.y] {
                    let text = v.to_string();
                    let after_point = text.split_once('.').map_or(0, |(_, d)| d.len());
                    assert!(after_point <= decimals, "{text} at zoom {zoom}");
                }
            }
        }
    }

    #[test]
    fn zoom_grids_and_tolerances() {
        assert_eq!(tolerance_for_zoom(0), 0.703125);
        assert_eq!(tolerance_for_zoom(1), 0.3515625);
        let grid = |z| {
            let g = DecimalGrid::for_zoom(z);
            g.multiple / g.scale
        };
        // An eighth of a pixel is 0.00275° at zoom 6 and 0.0000858° at zoom 11.
        assert_eq!(grid(6), 0.002);
        assert_eq!(grid(11), 0.00005);
        assert_eq!(DecimalGrid::for_zoom(6).round(2.123456), 2.124);
    }

    #[test]
    fn unknown_features_and_odd_tolerances_do_not_panic() {
        let (a, b) = squares(0.0);
        let topology = Topology::build(&[&a, &b], DEFAULT_SNAP_DEG);
        assert!(topology.generalise(2, 0.0).0.is_empty());
        assert!(topology.generalise(usize::MAX, 0.0).0.is_empty());
        assert_eq!(topology.generalise(0, f64::NAN), topology.generalise(0, 0.0));
        // An infinite tolerance keeps only junctions: a square's ring is left with two vertices.
        assert!(topology.generalise(0, f64::INFINITY).0.is_empty());
        assert_eq!(Topology::build(&[], DEFAULT_SNAP_DEG).feature_count(), 0);
    }

    #[test]
    fn neighbours_share_a_border_not_a_corner() {
        let square = |x: f64, y: f64| {
            MultiPolygon(vec![Polygon::new(
                ring(&[(x, y), (x + 1.0, y), (x + 1.0, y + 1.0), (x, y + 1.0), (x, y)]),
                vec![],
            )])
        };
        // A and B side by side; C touches B only at its corner; D far away.
        let (a, b, c, d) = (
            square(0.0, 0.0),
            square(1.0, 0.0),
            square(2.0, 1.0),
            square(9.0, 9.0),
        );
        let graph = Neighbours::new(&Topology::build(&[&a, &b, &c, &d], DEFAULT_SNAP_DEG));
        assert_eq!(graph.of(0), [1]);
        assert_eq!(graph.of(1), [0]);
        assert!(graph.of(2).is_empty());
        assert!(graph.of(3).is_empty());
        assert!(graph.of(7).is_empty());
        // Borders that differ by less than the snapping distance are still shared.
        let (a, b) = squares(3e-8);
        assert_eq!(
            Neighbours::new(&Topology::build(&[&a, &b], DEFAULT_SNAP_DEG)).of(1),
            [0]
        );
    }

    #[test]
    fn degenerate_rings_are_dropped_at_build() {
        let spike = MultiPolygon(vec![Polygon::new(
            ring(&[(0.0, 0.0), (1.0, 0.0), (0.0, 0.0)]),
            vec![],
        )]);
        let topology = Topology::build(&[&spike], DEFAULT_SNAP_DEG);
        assert_eq!(topology.feature_count(), 1);
        assert_eq!(topology.arc_count(), 0);
        assert!(topology.generalise(0, 0.0).0.is_empty());
    }
}
