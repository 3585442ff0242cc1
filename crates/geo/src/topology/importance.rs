//! How long each vertex of an arc survives simplification: its Visvalingam–Whyatt effective area.
//!
//! The area is measured as a Web Mercator map draws it: latitude differences are stretched by
//! 1 / cos(latitude), so one square degree of "importance" is the same number of square pixels at any
//! latitude and a tolerance from [`super::tolerance_for_zoom`] means the same on screen everywhere.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Effective area of every vertex of `points`, endpoints infinite.
///
/// Vertices are removed smallest area first and the areas are made non-decreasing in removal order,
/// so keeping the vertices whose area is at least `t` gives exactly the line the algorithm had when it
/// reached `t`: every threshold gives a consistent line, and a larger threshold a subset of it.
pub(super) fn effective_areas(points: &[[f64; 2]]) -> Vec<f32> {
    let n = points.len();
    let mut importance = vec![f32::INFINITY; n];
    if n <= 2 {
        return importance;
    }
    // Mercator stretch, capped so that a pole does not divide by zero.
    let stretch: Vec<f64> = points
        .iter()
        .map(|p| 1.0 / p[1].to_radians().cos().abs().max(1e-3))
        .collect();
    let area = |a: usize, b: usize, c: usize| {
        let (pa, pb, pc) = (points[a], points[b], points[c]);
        let cross = (pa[0] - pb[0]) * (pc[1] - pb[1]) - (pc[0] - pb[0]) * (pa[1] - pb[1]);
        0.5 * cross.abs() * stretch[b]
    };
    let mut prev: Vec<usize> = (0..n).map(|i| i.wrapping_sub(1)).collect();
    let mut next: Vec<usize> = (1..=n).collect();
    let mut current: Vec<f64> = vec![f64::INFINITY; n];
    let mut heap = BinaryHeap::with_capacity(n);
    for (i, slot) in current.iter_mut().enumerate().take(n - 1).skip(1) {
        *slot = area(i - 1, i, i + 1);
        heap.push(Candidate {
            area: *slot,
            index: i,
        });
    }
    let mut floor = 0.0f64;
    while let Some(Candidate { area: a, index: i }) = heap.pop() {
        if a != current[i] || importance[i] != f32::INFINITY {
            continue; // superseded by a later entry, or already removed
        }
        floor = floor.max(a);
        importance[i] = floor as f32;
        let (p, q) = (prev[i], next[i]);
        next[p] = q;
        prev[q] = p;
        for j in [p, q] {
            if j != 0 && j != n - 1 {
                current[j] = area(prev[j], j, next[j]);
                heap.push(Candidate {
                    area: current[j],
                    index: j,
                });
            }
        }
    }
    importance
}

/// A heap entry; the smallest area comes out first, the lowest index on a tie, so the result never
/// depends on the heap's internals.
struct Candidate {
    area: f64,
    index: usize,
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .area
            .total_cmp(&self.area)
            .then_with(|| other.index.cmp(&self.index))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_kept_and_areas_grow_in_removal_order() {
        let points = [[0.0, 0.0], [1.0, 0.1], [2.0, 0.0], [3.0, 2.0], [4.0, 0.0]];
        let imp = effective_areas(&points);
        assert_eq!(imp[0], f32::INFINITY);
        assert_eq!(imp[4], f32::INFINITY);
        // The small bump goes first, with the area of its triangle.
        assert!((imp[1] - 0.1).abs() < 1e-6, "{imp:?}");
        assert!(imp[3] > imp[2] && imp[2] >= imp[1], "{imp:?}");
    }

    #[test]
    fn collinear_vertices_have_no_area() {
        let imp = effective_areas(&[[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]]);
        assert_eq!(imp[1], 0.0);
    }

    #[test]
    fn a_vertex_made_collinear_by_a_removal_keeps_the_removed_area() {
        // Removing the peak (area 0.5, near the equator) leaves (2, 0) on a straight line: its area is
        // raised to 0.5, so at any threshold up to 0.5 both stay and above it both go.
        let points = [[0.0, 0.0], [1.0, 0.01], [2.0, 0.0], [2.5, 1.0], [3.0, 0.0]];
        let imp = effective_areas(&points);
        assert!((imp[1] - 0.01).abs() < 1e-6, "{imp:?}");
        assert!((imp[3] - 0.5).abs() < 1e-3, "{imp:?}");
        assert_eq!(imp[2], imp[3]);
    }
}
