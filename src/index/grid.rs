//! A uniform grid of pre-classified cells for point location.
//!
//! Most cells lie wholly inside one feature or wholly outside every feature; a query in such a cell is
//! one array read. Only cells that a border crosses keep a short list of candidates for an exact test.
//! Built once by the data build and stored in the dataset, so loading costs nothing.

use geo::{Coord, MultiPolygon};
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};
use serde::{Deserialize, Serialize};

use super::polygon::{PolygonIndex, Position};

/// Cell value with this bit set: the rest is an offset into `lists`.
const LIST: u32 = 1 << 31;
/// List entry with this bit set: the feature covers the whole cell, no test needed.
const FULL: u32 = 1 << 31;

/// Grid over a fixed extent; points outside it are answered by the caller's fallback.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PointGrid {
    origin: [f64; 2],
    cell: [f64; 2],
    size: [u32; 2],
    /// 0: no feature; `f + 1` (< `LIST`): feature `f` covers the cell; `LIST | o`: list at `lists[o]`.
    cells: Vec<u32>,
    /// At each list offset: its length, then its entries (feature id, `FULL` bit if covering).
    lists: Vec<u32>,
}

/// What a grid knows about the cell of a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell<'a> {
    /// The point is outside the grid's extent.
    OutsideExtent,
    Empty,
    /// One feature covers the whole cell.
    Covered(u32),
    /// Features to test (entries carry the `FULL` bit when they cover the cell).
    Candidates(&'a [u32]),
}

/// One entry of a candidate list.
pub fn entry_feature(entry: u32) -> (u32, bool) {
    (entry & !FULL, entry & FULL != 0)
}

impl PointGrid {
    /// Builds a grid over `extent` (`[min_x, min_y, max_x, max_y]`) with about `target_cells`
    /// roughly square cells. `features[i]` and `indexes[i]` describe feature `i`.
    pub fn build(
        features: &[&MultiPolygon<f64>],
        indexes: &[&PolygonIndex],
        extent: [f64; 4],
        target_cells: usize,
    ) -> Self {
        let (w, h) = (extent[2] - extent[0], extent[3] - extent[1]);
        let cos = ((extent[1] + extent[3]) / 2.0).to_radians().cos().max(0.1);
        let cell_h = (w * h * cos / target_cells.max(1) as f64).sqrt();
        let cell_w = cell_h / cos;
        let size = [((w / cell_w).ceil() as u32).max(1), ((h / cell_h).ceil() as u32).max(1)];
        let mut grid = PointGrid {
            origin: [extent[0], extent[1]],
            cell: [cell_w, cell_h],
            size,
            cells: Vec::new(),
            lists: Vec::new(),
        };

        // 1. Cells that some feature's border crosses, with those features.
        let mut touching: Vec<(u32, u32)> = features
            .par_iter()
            .enumerate()
            .flat_map_iter(|(f, mp)| {
                let mut pairs = Vec::new();
                for ring in mp.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors())) {
                    for seg in ring.0.windows(2) {
                        grid.cells_crossed(seg[0], seg[1], |cell| pairs.push((cell, f as u32)));
                    }
                }
                pairs.sort_unstable();
                pairs.dedup();
                pairs
            })
            .collect();
        touching.par_sort_unstable();
        touching.dedup();

        let cell_count = size[0] as usize * size[1] as usize;
        let mut crossed = vec![false; cell_count];
        for &(cell, _) in &touching {
            crossed[cell as usize] = true;
        }

        // Features containing a point, through an R-tree of their boxes.
        let boxes: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>> = RTree::bulk_load(
            indexes
                .iter()
                .enumerate()
                .filter(|(_, i)| i.bbox()[0].is_finite())
                .map(|(f, i)| {
                    let [x0, y0, x1, y1] = i.bbox();
                    GeomWithData::new(Rectangle::from_corners([x0, y0], [x1, y1]), f as u32)
                })
                .collect(),
        );
        let containing = |p: Coord<f64>, skip: &[u32]| -> Vec<u32> {
            let mut found: Vec<u32> = boxes
                .locate_all_at_point(&[p.x, p.y])
                .map(|e| e.data)
                .filter(|f| !skip.contains(f))
                .filter(|&f| indexes[f as usize].position(p) == Position::Inside)
                .collect();
            found.sort_unstable();
            found
        };

        // 2. Cells no border crosses form regions that lie wholly inside the same features: classify
        //    one cell per region, by flood fill.
        let mut region_of = vec![u32::MAX; cell_count];
        let mut region_features: Vec<Vec<u32>> = Vec::new();
        let mut stack = Vec::new();
        for start in 0..cell_count {
            if crossed[start] || region_of[start] != u32::MAX {
                continue;
            }
            let region = region_features.len() as u32;
            region_features.push(containing(grid.cell_centre(start), &[]));
            region_of[start] = region;
            stack.push(start);
            while let Some(c) = stack.pop() {
                let (x, y) = (c % size[0] as usize, c / size[0] as usize);
                let mut visit = |n: usize| {
                    if !crossed[n] && region_of[n] == u32::MAX {
                        region_of[n] = region;
                        stack.push(n);
                    }
                };
                if x > 0 { visit(c - 1); }
                if x + 1 < size[0] as usize { visit(c + 1); }
                if y > 0 { visit(c - size[0] as usize); }
                if y + 1 < size[1] as usize { visit(c + size[0] as usize); }
            }
        }

        // 3. Crossed cells: the features whose border crosses them, plus any feature that covers the
        //    whole cell without a border in it (possible only where features overlap).
        let mut runs: Vec<(u32, Vec<u32>)> = Vec::new();
        let mut i = 0;
        while i < touching.len() {
            let cell = touching[i].0;
            let mut list = Vec::new();
            while i < touching.len() && touching[i].0 == cell {
                list.push(touching[i].1);
                i += 1;
            }
            runs.push((cell, list));
        }
        let lists: Vec<(u32, Vec<u32>)> = runs
            .into_par_iter()
            .map(|(cell, crossing)| {
                let covering = containing(grid.cell_centre(cell as usize), &crossing);
                let mut entries: Vec<u32> = crossing
                    .into_iter()
                    .chain(covering.into_iter().map(|f| f | FULL))
                    .collect();
                entries.sort_unstable_by_key(|e| e & !FULL);
                (cell, entries)
            })
            .collect();

        // 4. Encode.
        grid.cells = region_of
            .iter()
            .map(|&r| match r {
                u32::MAX => 0,
                r => match region_features[r as usize].as_slice() {
                    [] => 0,
                    [f] => f + 1,
                    _ => u32::MAX, // several covering features: filled below
                },
            })
            .collect();
        let mut region_list_offset: Vec<Option<u32>> = vec![None; region_features.len()];
        for c in 0..cell_count {
            if grid.cells[c] == u32::MAX {
                let r = region_of[c] as usize;
                let offset = *region_list_offset[r].get_or_insert_with(|| {
                    let entries: Vec<u32> = region_features[r].iter().map(|f| f | FULL).collect();
                    push_list(&mut grid.lists, &entries)
                });
                grid.cells[c] = LIST | offset;
            }
        }
        for (cell, entries) in lists {
            let offset = push_list(&mut grid.lists, &entries);
            grid.cells[cell as usize] = LIST | offset;
        }
        grid
    }

    #[inline]
    pub fn cell_at(&self, p: Coord<f64>) -> Cell<'_> {
        let fx = (p.x - self.origin[0]) / self.cell[0];
        let fy = (p.y - self.origin[1]) / self.cell[1];
        if !(fx >= 0.0 && fy >= 0.0 && fx < self.size[0] as f64 && fy < self.size[1] as f64) {
            return Cell::OutsideExtent;
        }
        let v = self.cells[fy as usize * self.size[0] as usize + fx as usize];
        if v == 0 {
            Cell::Empty
        } else if v & LIST == 0 {
            Cell::Covered(v - 1)
        } else {
            let o = (v & !LIST) as usize;
            let len = self.lists[o] as usize;
            Cell::Candidates(&self.lists[o + 1..o + 1 + len])
        }
    }

    /// Grid statistics for the build summary and benchmarks: (cells, crossed cells, list entries).
    pub fn stats(&self) -> (usize, usize, usize) {
        let listed = self.cells.iter().filter(|&&v| v & LIST != 0).count();
        (self.cells.len(), listed, self.lists.len())
    }

    fn cell_centre(&self, cell: usize) -> Coord<f64> {
        let (x, y) = (cell % self.size[0] as usize, cell / self.size[0] as usize);
        Coord {
            x: self.origin[0] + (x as f64 + 0.5) * self.cell[0],
            y: self.origin[1] + (y as f64 + 0.5) * self.cell[1],
        }
    }

    /// Calls `visit` for every cell the segment `a`–`b` may touch. Conservative: a cell touched only
    /// at its edge is included, so no crossing is ever missed.
    fn cells_crossed(&self, a: Coord<f64>, b: Coord<f64>, mut visit: impl FnMut(u32)) {
        let [nx, ny] = [self.size[0] as i64, self.size[1] as i64];
        let to_cell = |v: f64, o: f64, c: f64| ((v - o) / c).floor() as i64;
        let (ylo, yhi) = (a.y.min(b.y), a.y.max(b.y));
        let row0 = to_cell(ylo, self.origin[1], self.cell[1]).max(0);
        let row1 = to_cell(yhi, self.origin[1], self.cell[1]).min(ny - 1);
        for row in row0..=row1 {
            let band_lo = self.origin[1] + row as f64 * self.cell[1];
            let band_hi = band_lo + self.cell[1];
            // x-range of the segment within this band
            let (xlo, xhi) = if (b.y - a.y).abs() < f64::EPSILON {
                (a.x.min(b.x), a.x.max(b.x))
            } else {
                let x_at = |y: f64| a.x + (b.x - a.x) * ((y - a.y) / (b.y - a.y));
                let (y0, y1) = (band_lo.max(ylo), band_hi.min(yhi));
                let (x0, x1) = (x_at(y0), x_at(y1));
                (x0.min(x1), x0.max(x1))
            };
            let slack = self.cell[0] * 1e-6;
            let col0 = to_cell(xlo - slack, self.origin[0], self.cell[0]).max(0);
            let col1 = to_cell(xhi + slack, self.origin[0], self.cell[0]).min(nx - 1);
            for col in col0..=col1 {
                visit((row * nx + col) as u32);
            }
        }
        let _ = ny;
    }
}

fn push_list(lists: &mut Vec<u32>, entries: &[u32]) -> u32 {
    let offset = lists.len() as u32;
    lists.push(entries.len() as u32);
    lists.extend_from_slice(entries);
    offset
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    /// Two unit squares side by side and a third overlapping both.
    fn features() -> Vec<MultiPolygon<f64>> {
        let square = |x0: f64, y0: f64, s: f64| {
            MultiPolygon(vec![polygon![
                (x: x0, y: y0), (x: x0 + s, y: y0), (x: x0 + s, y: y0 + s), (x: x0, y: y0 + s), (x: x0, y: y0),
            ]])
        };
        vec![square(0.0, 0.0, 1.0), square(1.0, 0.0, 1.0), square(0.25, 0.25, 1.5)]
    }

    #[test]
    fn grid_answers_agree_with_exact_tests() {
        let mps = features();
        let indexes: Vec<PolygonIndex> = mps.iter().map(PolygonIndex::new).collect();
        let grid = PointGrid::build(
            &mps.iter().collect::<Vec<_>>(),
            &indexes.iter().collect::<Vec<_>>(),
            [-0.5, -0.5, 2.5, 1.5],
            500,
        );
        for i in 0..300 {
            for j in 0..200 {
                let p = Coord { x: -0.6 + i as f64 * 0.01037, y: -0.6 + j as f64 * 0.01041 };
                let expected: Vec<u32> = (0..3)
                    .filter(|&f| indexes[f as usize].position(p) != Position::Outside)
                    .collect();
                let found: Vec<u32> = match grid.cell_at(p) {
                    Cell::OutsideExtent => expected.clone(), // the caller's fallback answers
                    Cell::Empty => vec![],
                    Cell::Covered(f) => vec![f],
                    Cell::Candidates(list) => list
                        .iter()
                        .map(|&e| entry_feature(e))
                        .filter(|&(f, full)| full || indexes[f as usize].position(p) != Position::Outside)
                        .map(|(f, _)| f)
                        .collect(),
                };
                assert_eq!(found, expected, "{p:?}");
            }
        }
    }
}
