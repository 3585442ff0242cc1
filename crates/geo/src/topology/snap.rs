//! Vertex identity: nearly coincident vertices become one vertex with one coordinate.
//!
//! Neighbouring features come out of separate boolean operations, so the same border vertex can differ
//! in its last bits from one feature to the next. Arcs are found by comparing vertex ids, so those
//! vertices must first be made one.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A multiply-rotate hash for integer keys: SipHash would be a third of the build time, and the keys
/// here come from our own coordinates, not from an adversary.
#[derive(Default)]
pub(super) struct IntHasher(u64);

const MULTIPLIER: u64 = 0x517c_c1b7_2722_0a95;

impl Hasher for IntHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(MULTIPLIER);
    }

    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits weak, and the table picks buckets with them.
        self.0 ^ (self.0 >> 29)
    }
}

/// A hash map for integer keys. Only ever looked up, never iterated, so its order cannot leak out.
pub(super) type IntMap<K, V> = HashMap<K, V, BuildHasherDefault<IntHasher>>;

const NONE: u32 = u32::MAX;

/// Registers vertices in a hash grid and gives each one an id; a vertex closer than the tolerance to
/// a registered one gets that one's id (the nearest if several, the first registered on a tie).
pub(super) struct Snapper {
    tolerance2: f64,
    /// Twice the tolerance, so that a vertex can only be near the registered vertices of its own cell
    /// and of the three neighbouring cells on its side; 0 when only exact matches count.
    cell: f64,
    /// First vertex registered in each cell; `next` chains the others.
    heads: IntMap<(i64, i64), u32>,
    next: Vec<u32>,
    /// Coordinates by vertex id.
    pub coords: Vec<[f64; 2]>,
}

impl Snapper {
    pub fn new(tolerance: f64) -> Self {
        let snapping = tolerance.is_finite() && tolerance > 0.0;
        Snapper {
            tolerance2: if snapping { tolerance * tolerance } else { 0.0 },
            cell: if snapping { 2.0 * tolerance } else { 0.0 },
            heads: IntMap::default(),
            next: Vec::new(),
            coords: Vec::new(),
        }
    }

    pub fn id(&mut self, p: [f64; 2]) -> u32 {
        if self.cell == 0.0 {
            return self.exact_id(p);
        }
        let (gx, gy) = (p[0] / self.cell, p[1] / self.cell);
        let (cx, cy) = (gx.floor(), gy.floor());
        let home = (cx as i64, cy as i64);
        let dx = if gx - cx < 0.5 { -1 } else { 1 };
        let dy = if gy - cy < 0.5 { -1 } else { 1 };
        let mut best: Option<(f64, u32)> = None;
        for cell in [
            home,
            (home.0 + dx, home.1),
            (home.0, home.1 + dy),
            (home.0 + dx, home.1 + dy),
        ] {
            let mut v = self.heads.get(&cell).copied().unwrap_or(NONE);
            while v != NONE {
                let q = self.coords[v as usize];
                let d2 = (q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2);
                if d2 < self.tolerance2 && best.is_none_or(|(bd, bv)| d2 < bd || (d2 == bd && v < bv)) {
                    best = Some((d2, v));
                }
                v = self.next[v as usize];
            }
        }
        match best {
            Some((_, v)) => v,
            None => self.register(p, home),
        }
    }

    /// Without a tolerance, the cell key is the coordinates' bits (with -0 made +0).
    fn exact_id(&mut self, p: [f64; 2]) -> u32 {
        let key = ((p[0] + 0.0).to_bits() as i64, (p[1] + 0.0).to_bits() as i64);
        let mut v = self.heads.get(&key).copied().unwrap_or(NONE);
        while v != NONE {
            if self.coords[v as usize] == p {
                return v;
            }
            v = self.next[v as usize];
        }
        self.register(p, key)
    }

    fn register(&mut self, p: [f64; 2], cell: (i64, i64)) -> u32 {
        let id = self.coords.len() as u32;
        let head = self.heads.insert(cell, id).unwrap_or(NONE);
        self.next.push(head);
        self.coords.push(p);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_vertices_share_an_id_across_cell_borders() {
        let mut s = Snapper::new(1e-7);
        let a = s.id([2.0, 48.0]);
        // On the other side of a cell border, within the tolerance.
        assert_eq!(s.id([2.0 - 5e-8, 48.0 + 5e-8]), a);
        assert_eq!(s.id([2.0 + 9e-8, 48.0]), a);
        let b = s.id([2.0 + 2e-7, 48.0]);
        assert_ne!(b, a);
        assert_eq!(s.coords[a as usize], [2.0, 48.0]);
    }

    #[test]
    fn nearest_registered_vertex_wins() {
        let mut s = Snapper::new(1e-7);
        let a = s.id([0.0, 0.0]);
        let b = s.id([1.5e-7, 0.0]);
        assert_eq!(s.id([0.9e-7, 0.0]), b);
        assert_eq!(s.id([0.6e-7, 0.0]), a);
    }

    #[test]
    fn without_tolerance_only_equal_vertices_match() {
        let mut s = Snapper::new(0.0);
        let a = s.id([1.0, 0.0]);
        assert_eq!(s.id([1.0, -0.0]), a);
        assert_ne!(s.id([1.0 + f64::EPSILON, 0.0]), a);
    }
}
