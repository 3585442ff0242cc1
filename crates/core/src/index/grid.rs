//! A uniform grid of pre-classified cells for point location.
//!
//! Most cells lie wholly inside one feature or wholly outside every feature: a query there is one
//! array read. A cell that a border crosses keeps, for each feature near it, the feature's edges that
//! touch the cell and whether a reference point of the cell lies inside the feature. A query then
//! counts the crossings between those few edges and the segment from the reference point to the
//! query point: an odd count flips the reference's answer. Everything a query reads is in a few
//! contiguous arrays, which is what makes it fast.
//!
//! The grid is built once by the data build and stored in the dataset; edges are indices into the
//! layer's flat [`Geometries`], which the file keeps in the same order.
//!
//! **A companion layer.** The communes' grid also answers for one published polygon layer where
//! that layer's answer is the same all over a cell, in the spare bits of the cell's value (or of a
//! boundary record's head): a point then finds both with the reads it makes for its commune, and
//! only the points in cells that a border of the companion crosses read the companion's own grid.

use geo::kernels::{Kernel, RobustKernel};
use geo::{Coord, MultiPolygon, Orientation};
use rayon::prelude::*;

use super::polygon::{BoxTree, PolygonIndex, Position, box_tree};
pub use crate::dataset::PointGrid;
use crate::dataset::{FeatureIx, Geometries};
use crate::file::Section;

/// Cell value with this bit set: the rest indexes the boundary cells.
const BOUNDARY: u32 = 1 << 31;
/// Entry feature with this bit set: the cell's reference point lies inside the feature.
const REFERENCE_INSIDE: u32 = 1 << 31;
/// Where a boundary cell's reference point may sit, as fractions of the cell; the first that lies
/// on no feature's border is used.
const REFERENCE_SPOTS: [[f64; 2]; 8] = [
    [0.5, 0.5],
    [0.25, 0.25],
    [0.75, 0.75],
    [0.25, 0.75],
    [0.75, 0.25],
    [0.375, 0.625],
    [0.625, 0.375],
    [0.1, 0.9],
];
/// Top bits of a boundary record's head word: which reference spot it uses.
const SPOT_SHIFT: u32 = 28;
/// Bits of a head word between its entry count and its spot: the companion's code.
const CODE_SHIFT: u32 = 12;
/// Low bits of a head word: the record's entry count.
const ENTRY_COUNT_MASK: u32 = (1 << CODE_SHIFT) - 1;
/// Companion code: the companion's answer changes within the cell; its own grid must be asked.
const CODE_ASK_ITS_GRID: u32 = 0;
/// Companion code: no feature of the companion holds any point of the cell.
const CODE_NOTHING: u32 = 1;
/// Companion code of feature `f` alone holding every point of the cell: `f + CODE_FIRST_FEATURE`.
const CODE_FIRST_FEATURE: u32 = 2;
/// Blocks of 8 × 8 cells summarise the grid: a block whose cells all hold the same plain value is
/// answered from the block array, which is small enough to stay in cache (most random points in
/// France's bounding box fall at sea or abroad, in such blocks).
const BLOCK_SHIFT: u32 = 3;
/// Block value: the block's cells differ.
const MIXED: u32 = u32::MAX;
/// Most bits an entry's feature may take (8 million features), leaving 8 for its run count.
const MOST_FEATURE_BITS: u8 = 23;
/// Most bits a run's first vertex may take (268 million vertices), leaving 4 for its length.
const MOST_VERTEX_BITS: u8 = 28;

/// Bits that hold every value below `count` (at least one).
fn bits_for(count: usize) -> u8 {
    (usize::BITS - count.saturating_sub(1).leading_zeros()).max(1) as u8
}

/// Whether each vertex of `geometries` starts an edge (false on a ring's last vertex), and each
/// feature's vertices: an edge is named by the index of its first vertex.
fn edges(geometries: &Geometries) -> (Vec<bool>, Vec<std::ops::Range<u32>>) {
    let mut starts_edge = vec![true; geometries.vertices().len()];
    for &end in geometries.ring_ends.iter() {
        starts_edge[end as usize - 1] = false;
    }
    let ranges = FeatureIx::all(geometries.len())
        .map(|f| {
            let r = geometries.vertex_range(f);
            r.start as u32..r.end as u32
        })
        .collect();
    (starts_edge, ranges)
}

/// What a grid knows about the cell of a point. `code` is what the cell says of the grid's
/// companion layer (see [`PointGrid::companion_in`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// The point is outside the grid's extent.
    OutsideExtent,
    Empty {
        code: u32,
    },
    /// One feature covers the whole cell.
    Covered {
        feature: u32,
        code: u32,
    },
    /// A border crosses the cell: where its record starts.
    Boundary(u32),
}

/// Points that [`PointGrid::for_each_batch`] hands over together: enough for their memory reads to
/// overlap, few enough that what a batch asks for is still in cache when it is answered.
pub const BATCH: usize = 32;

/// A point's cell on its way from memory (see [`PointGrid::for_each_batch`]): where the cell lies
/// and its block's value, or nothing for a point outside the grid's extent.
#[derive(Debug, Clone, Copy, Default)]
struct PendingCell(Option<(usize, u32)>);

/// Asks memory for `values[i]` (if there is one) without waiting for it: a read soon after finds it
/// in cache. Does nothing on processors without a stable prefetch instruction in Rust.
#[inline(always)]
pub(crate) fn prefetch<T>(values: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(value) = values.get(i) {
        // SAFETY: a prefetch reads nothing into the program and cannot fault; the address is that
        // of a live element besides.
        #[allow(unsafe_code)]
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((value as *const T).cast());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (values, i);
}

/// What a grid's cell says of its companion layer at any point of the cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanionAnswer {
    /// The companion's answer changes within the cell (or the grid has no companion): ask its grid.
    AskItsGrid,
    /// No feature of the companion holds the point.
    Nothing,
    /// This feature alone of the companion holds the point.
    Only(FeatureIx),
}

/// `(cell, feature, edge)`: an edge of a feature that may touch a cell.
type Touch = (u32, u32, u32);
/// A boundary cell's entry: `feature | REFERENCE_INSIDE` if the reference spot is inside, and the
/// feature's edges in the cell.
type Entry = (u32, Vec<u32>);
/// A boundary cell before encoding: its number, its reference spot and its entries.
type BoundaryCell = (u32, u32, Vec<Entry>);

/// Which features hold a point: an R-tree of their boxes, then their exact tests.
struct Containment<'a> {
    indexes: &'a [PolygonIndex],
    boxes: BoxTree,
}

impl<'a> Containment<'a> {
    fn new(indexes: &'a [PolygonIndex]) -> Self {
        Containment {
            indexes,
            boxes: box_tree(indexes),
        }
    }

    /// Features whose box holds `p`, ascending.
    fn near(&self, p: Coord<f64>) -> Vec<u32> {
        let mut found: Vec<u32> = self
            .boxes
            .locate_all_at_point(&[p.x, p.y])
            .map(|e| e.data)
            .collect();
        found.sort_unstable();
        found
    }

    /// Features with `p` inside them (not on their border), ascending.
    fn inside(&self, p: Coord<f64>) -> impl Iterator<Item = u32> + '_ {
        self.near(p)
            .into_iter()
            .filter(move |&f| self.indexes[f as usize].position(p) == Position::Inside)
    }
}

/// Cells no border crosses, grouped in regions that lie wholly inside the same features.
struct Regions {
    /// Per cell, its region, or `u32::MAX` for a cell a border crosses.
    of: Vec<u32>,
    /// Per region, the features covering it, ascending.
    features: Vec<Vec<u32>>,
}

impl PointGrid {
    /// Builds a grid over `extent` (`[min_x, min_y, max_x, max_y]`) with about `target_cells`
    /// roughly square cells. `indexes[i]` is the exact test of `features[i]`. Fails only for a
    /// layer too large for its records to name its features and vertices.
    pub fn build(
        features: &[&MultiPolygon<f64>],
        indexes: &[PolygonIndex],
        extent: [f64; 4],
        target_cells: usize,
    ) -> Result<Self, String> {
        let mut grid = PointGrid::empty(extent, target_cells);
        let geometries = Geometries::new(features.iter().copied());
        grid.feature_bits = bits_for(features.len());
        grid.vertex_bits = bits_for(geometries.vertices().len());
        grid.value_bits = bits_for(features.len() + 1);
        if grid.feature_bits > MOST_FEATURE_BITS || grid.vertex_bits > MOST_VERTEX_BITS {
            return Err(format!(
                "{} features and {} vertices are more than a point grid can name (at most 2^{MOST_FEATURE_BITS} and 2^{MOST_VERTEX_BITS})",
                features.len(),
                geometries.vertices().len()
            ));
        }
        let touching = grid.touching_edges(&geometries);
        let containment = Containment::new(indexes);
        let regions = grid.flood_regions(&touching, &containment);
        let boundary_cells = grid.classify_boundary_cells(&touching, &containment);
        let (cells, boundary) = grid.encode(&regions, boundary_cells)?;
        grid.blocks = summarise_blocks(grid.size, &cells).into();
        grid.cells = cells.into();
        grid.boundary = boundary.into();
        Ok(grid)
    }

    /// A grid with no cells classified yet: its cells are about square on the ground (narrower in
    /// degrees of latitude by the cosine of the middle latitude).
    fn empty(extent: [f64; 4], target_cells: usize) -> Self {
        let (w, h) = (extent[2] - extent[0], extent[3] - extent[1]);
        let cos = ((extent[1] + extent[3]) / 2.0).to_radians().cos().max(0.1);
        let cell_h = (w * h * cos / target_cells.max(1) as f64).sqrt();
        let cell_w = cell_h / cos;
        let size = [
            ((w / cell_w).ceil() as u32).max(1),
            ((h / cell_h).ceil() as u32).max(1),
        ];
        PointGrid {
            origin: [extent[0], extent[1]],
            cell: [cell_w, cell_h],
            size,
            cells: Section::default(),
            boundary: Section::default(),
            blocks: Section::default(),
            feature_bits: 1,
            vertex_bits: 1,
            value_bits: 1,
            companion: None,
        }
    }

    /// Makes the grid answer for a second layer too (`geometries` and `indexes` are that layer's,
    /// `layer` its position in the dataset) in every cell where that layer's answer is the same all
    /// over the cell: no feature, or one. Leaves the grid as it was, and says why, when the cells'
    /// spare bits cannot name that layer's features.
    pub fn add_companion(
        &mut self,
        layer: u32,
        geometries: &Geometries,
        indexes: &[PolygonIndex],
    ) -> Result<(), String> {
        let features = indexes.len();
        let code_bits = (31 - u32::from(self.value_bits)).min(SPOT_SHIFT - CODE_SHIFT);
        if features as u64 + u64::from(CODE_FIRST_FEATURE) > 1 << code_bits {
            return Err(format!(
                "{features} features are more than a companion of this grid can name (at most {})",
                (1u64 << code_bits) - u64::from(CODE_FIRST_FEATURE)
            ));
        }
        // The companion classified on this grid's cells: a cell none of its edges may touch lies
        // wholly inside the same features of it.
        let touching = self.touching_edges(geometries);
        let regions = self.flood_regions(&touching, &Containment::new(indexes));
        let mut cells = self.cells.to_vec();
        let mut boundary = self.boundary.to_vec();
        for (value, &region) in cells.iter_mut().zip(&regions.of) {
            let code = match regions.features.get(region as usize).map(Vec::as_slice) {
                Some([]) => CODE_NOTHING,
                Some([f]) => f + CODE_FIRST_FEATURE,
                _ => CODE_ASK_ITS_GRID,
            };
            if *value & BOUNDARY == 0 {
                *value |= code << self.value_bits;
            } else {
                boundary[(*value & !BOUNDARY) as usize] |= code << CODE_SHIFT;
            }
        }
        self.blocks = summarise_blocks(self.size, &cells).into();
        self.cells = cells.into();
        self.boundary = boundary.into();
        self.companion = Some(layer);
        Ok(())
    }

    /// The layer (its position in the dataset) this grid also answers for, if any.
    pub fn companion(&self) -> Option<u32> {
        self.companion
    }

    /// What `cell` (of a point, as [`Self::cell_at`] gives it) says of the companion layer. A
    /// code naming no feature of the companion (a damaged file) is to be treated as
    /// [`CompanionAnswer::AskItsGrid`] by the caller, who knows the companion's size.
    #[inline]
    pub fn companion_in(&self, cell: Cell) -> CompanionAnswer {
        let code = match cell {
            Cell::OutsideExtent => CODE_ASK_ITS_GRID,
            Cell::Empty { code } | Cell::Covered { code, .. } => code,
            Cell::Boundary(b) => self.boundary.get(b as usize).map_or(CODE_ASK_ITS_GRID, |head| {
                (head & ((1 << SPOT_SHIFT) - 1)) >> CODE_SHIFT
            }),
        };
        match (self.companion, code) {
            (None, _) | (_, CODE_ASK_ITS_GRID) => CompanionAnswer::AskItsGrid,
            (_, CODE_NOTHING) => CompanionAnswer::Nothing,
            (_, code) => CompanionAnswer::Only(FeatureIx(code - CODE_FIRST_FEATURE)),
        }
    }

    fn cell_count(&self) -> usize {
        self.size[0] as usize * self.size[1] as usize
    }

    /// Phase 1: `(cell, feature, edge)` for every edge and every cell it may touch, sorted.
    fn touching_edges(&self, geometries: &Geometries) -> Vec<Touch> {
        let (starts_edge, edge_ranges) = edges(geometries);
        let vertices = geometries.vertices();
        let mut touching: Vec<Touch> = edge_ranges
            .par_iter()
            .enumerate()
            .flat_map_iter(|(f, range)| {
                let mut triples = Vec::new();
                for e in range.clone().filter(|&e| starts_edge[e as usize]) {
                    let (a, b) = (vertices[e as usize].into(), vertices[e as usize + 1].into());
                    self.cells_crossed(a, b, |cell| triples.push((cell, f as u32, e)));
                }
                triples
            })
            .collect();
        touching.par_sort_unstable();
        touching
    }

    /// Phase 2: cells no border crosses form regions that lie wholly inside the same features:
    /// classify one cell per region, by flood fill.
    fn flood_regions(&self, touching: &[Touch], containment: &Containment) -> Regions {
        let size = self.size;
        let cell_count = self.cell_count();
        let mut crossed = vec![false; cell_count];
        for &(cell, _, _) in touching {
            crossed[cell as usize] = true;
        }
        let mut region_of = vec![u32::MAX; cell_count];
        let mut region_features: Vec<Vec<u32>> = Vec::new();
        let mut stack = Vec::new();
        for start in 0..cell_count {
            if crossed[start] || region_of[start] != u32::MAX {
                continue;
            }
            let region = region_features.len() as u32;
            let centre = self.spot(start, [0.5, 0.5]);
            region_features.push(containment.inside(centre).collect());
            region_of[start] = region;
            stack.push(start);
            while let Some(c) = stack.pop() {
                let (x, y) = (c % size[0] as usize, c / size[0] as usize);
                let neighbours = [
                    (x > 0).then(|| c - 1),
                    (x + 1 < size[0] as usize).then(|| c + 1),
                    (y > 0).then(|| c - size[0] as usize),
                    (y + 1 < size[1] as usize).then(|| c + size[0] as usize),
                ];
                for n in neighbours.into_iter().flatten() {
                    if !crossed[n] && region_of[n] == u32::MAX {
                        region_of[n] = region;
                        stack.push(n);
                    }
                }
            }
        }
        Regions {
            of: region_of,
            features: region_features,
        }
    }

    /// Phase 3: boundary cells: per feature near the reference point or crossing the cell, its edges
    /// in the cell and whether the reference point is inside it.
    fn classify_boundary_cells(&self, touching: &[Touch], containment: &Containment) -> Vec<BoundaryCell> {
        let indexes = containment.indexes;
        let mut runs: Vec<&[Touch]> = Vec::new();
        let mut i = 0;
        while i < touching.len() {
            let j = i + touching[i..].partition_point(|t| t.0 == touching[i].0);
            runs.push(&touching[i..j]);
            i = j;
        }
        runs.into_par_iter()
            .map(|run| {
                let cell = run[0].0;
                let crossing: Vec<u32> = {
                    let mut fs: Vec<u32> = run.iter().map(|t| t.1).collect();
                    fs.dedup();
                    fs
                };
                // A reference spot on no border of a feature crossing the cell.
                let (spot, reference) = REFERENCE_SPOTS
                    .iter()
                    .enumerate()
                    .map(|(s, frac)| (s as u32, self.spot(cell as usize, *frac)))
                    .find(|(_, p)| {
                        crossing
                            .iter()
                            .all(|&f| indexes[f as usize].position(*p) != Position::OnBoundary)
                    })
                    .unwrap_or((0, self.spot(cell as usize, REFERENCE_SPOTS[0])));
                let mut features: Vec<u32> = containment
                    .inside(reference)
                    .chain(crossing.iter().copied())
                    .collect();
                features.sort_unstable();
                features.dedup();
                let entries = features
                    .into_iter()
                    .map(|f| {
                        let inside = indexes[f as usize].position(reference) == Position::Inside;
                        let edges: Vec<u32> = run.iter().filter(|t| t.1 == f).map(|t| t.2).collect();
                        (f | if inside { REFERENCE_INSIDE } else { 0 }, edges)
                    })
                    .collect();
                (cell, spot, entries)
            })
            .collect()
    }

    /// Phase 4: makes `cells` and `boundary`. A region covered by several features becomes boundary
    /// cells without edges; the boundary records go in cell order.
    fn encode(
        &self,
        regions: &Regions,
        boundary_cells: Vec<BoundaryCell>,
    ) -> Result<(Vec<u32>, Vec<u32>), String> {
        let mut cells: Vec<u32> = regions
            .of
            .iter()
            .map(|&r| match r {
                u32::MAX => 0,
                r => match regions.features[r as usize].as_slice() {
                    [] => 0,
                    [f] => f + 1,
                    _ => u32::MAX, // several covering features: a boundary cell without edges
                },
            })
            .collect();
        let mut encoded: Vec<BoundaryCell> = (0..self.cell_count() as u32)
            .filter(|&c| cells[c as usize] == u32::MAX)
            .map(|c| {
                let entries = regions.features[regions.of[c as usize] as usize]
                    .iter()
                    .map(|&f| (f | REFERENCE_INSIDE, Vec::new()))
                    .collect();
                (c, 0, entries)
            })
            .collect();
        encoded.extend(boundary_cells);
        encoded.sort_unstable_by_key(|(c, _, _)| *c);
        let most_runs = (1usize << (31 - self.feature_bits)) - 1;
        let mut boundary = Vec::new();
        let mut runs = Vec::new();
        for (cell, spot, entries) in encoded {
            if entries.len() > ENTRY_COUNT_MASK as usize {
                return Err(format!(
                    "{} features meet in one cell, more than a record can hold ({ENTRY_COUNT_MASK})",
                    entries.len()
                ));
            }
            cells[cell as usize] = BOUNDARY | boundary.len() as u32;
            boundary.push((spot << SPOT_SHIFT) | entries.len() as u32);
            for (feature, edges) in entries {
                runs.clear();
                edge_runs(&edges, self.vertex_bits, &mut runs);
                if runs.len() > most_runs {
                    return Err(format!(
                        "feature {} crosses a cell in {} runs of edges, more than {most_runs}",
                        feature & !REFERENCE_INSIDE,
                        runs.len()
                    ));
                }
                boundary.push(feature | ((runs.len() as u32) << self.feature_bits));
                boundary.extend_from_slice(&runs);
            }
        }
        Ok((cells, boundary))
    }

    /// Where `p` falls: the positions of its cell and of its cell's block, or `None` outside the
    /// extent.
    #[inline]
    fn positions(&self, p: Coord<f64>) -> Option<(usize, usize)> {
        let fx = (p.x - self.origin[0]) / self.cell[0];
        let fy = (p.y - self.origin[1]) / self.cell[1];
        if !(fx >= 0.0 && fy >= 0.0 && fx < self.size[0] as f64 && fy < self.size[1] as f64) {
            return None;
        }
        let (x, y) = (fx as usize, fy as usize);
        let blocks_per_row = (self.size[0] as usize).div_ceil(1 << BLOCK_SHIFT);
        Some((
            y * self.size[0] as usize + x,
            (y >> BLOCK_SHIFT) * blocks_per_row + (x >> BLOCK_SHIFT),
        ))
    }

    #[inline]
    pub fn cell_at(&self, p: Coord<f64>) -> Cell {
        let Some((cell, block)) = self.positions(p) else {
            return Cell::OutsideExtent;
        };
        match self.blocks[block] {
            MIXED => self.decode(self.cells[cell]),
            uniform => self.decode(uniform),
        }
    }

    /// Features whose closed polygon holds `p`, in ascending order, through `found` (which stops the
    /// walk by returning `false`). Returns `false`, having called nothing, when `p` lies outside the
    /// grid's extent: the caller answers those points another way.
    ///
    /// The grid comes from a file that is read in place, not checked value by value when loaded: a
    /// cell or record that leads to no feature, record or vertex of the layer ends the walk.
    #[inline]
    pub fn features_at(
        &self,
        geometries: &Geometries,
        p: Coord<f64>,
        found: impl FnMut(FeatureIx) -> bool,
    ) -> bool {
        self.features_in(geometries, self.cell_at(p), p, found)
    }

    /// [`Self::features_at`] for a point whose cell is already known (`cell` must be `p`'s).
    #[inline]
    pub fn features_in(
        &self,
        geometries: &Geometries,
        cell: Cell,
        p: Coord<f64>,
        mut found: impl FnMut(FeatureIx) -> bool,
    ) -> bool {
        let features = geometries.len();
        match cell {
            Cell::OutsideExtent => return false,
            Cell::Empty { .. } => {}
            Cell::Covered { feature: f, .. } => {
                if (f as usize) < features {
                    found(FeatureIx(f));
                }
            }
            Cell::Boundary(b) => {
                self.boundary_features(geometries, b, p, |f| {
                    (f as usize) < features && found(FeatureIx(f))
                });
            }
        }
        true
    }

    /// The cells of a batch of points, each as [`Self::cell_at`] finds it, with what
    /// [`Self::features_in`] will read for them on its way into cache: the steps of
    /// [`Self::for_each_batch`] in a row, for points that come a few at a time. One point's reads depend on each
    /// other (cell, record, edges), but different points' do not: taken a step at a time over the
    /// batch, a point's reads wait for memory together with the others' instead of after them.
    pub fn cells_at_each(&self, geometries: &Geometries, points: &[Coord<f64>], cells: &mut [Cell]) {
        let mut pending = [PendingCell::default(); BATCH];
        for (points, cells) in points.chunks(BATCH).zip(cells.chunks_mut(BATCH)) {
            let pending = &mut pending[..points.len()];
            self.start_cells(points, pending);
            self.read_cells(pending, cells);
        }
        self.ask_edges(geometries, cells);
    }

    /// Calls `answer(range, cells)` for each batch of [`BATCH`] points of `points` in turn (the
    /// last may be shorter), with the batch's range in `points` and each point's cell as
    /// [`Self::cell_at`] finds it, while memory is asked ahead for what the next batches read.
    ///
    /// A point's features are found by a chain of reads, each waiting on the one before (its
    /// cell, the cell's record of borders, the borders' vertices), and random points miss the
    /// cache at each. Here the batches go through the chain's steps one behind the other: while
    /// batch `k` is answered, batch `k + 1` asks memory for its vertices, `k + 2` reads its cells
    /// and asks for their records, and `k + 3` asks for its cells. Each step then finds in cache
    /// what the step before asked for, a whole batch's work earlier, and the processor works while
    /// memory answers instead of waiting for it.
    pub fn for_each_batch(
        &self,
        geometries: &Geometries,
        points: &[Coord<f64>],
        mut answer: impl FnMut(std::ops::Range<usize>, &[Cell]),
    ) {
        /// Batches on their way at once, beside the one being answered.
        const STEPS: usize = 3;
        let mut pending = [[PendingCell::default(); BATCH]; STEPS];
        let mut cells = [[Cell::OutsideExtent; BATCH]; STEPS];
        let batches = points.len().div_ceil(BATCH);
        let batch = |k: usize| k * BATCH..points.len().min((k + 1) * BATCH);
        for step in 0..batches + STEPS {
            if step < batches {
                self.start_cells(&points[batch(step)], &mut pending[step % STEPS]);
            }
            if let Some(k) = step.checked_sub(1).filter(|&k| k < batches) {
                let n = batch(k).len();
                self.read_cells(&pending[k % STEPS][..n], &mut cells[k % STEPS][..n]);
            }
            if let Some(k) = step.checked_sub(2).filter(|&k| k < batches) {
                self.ask_edges(geometries, &cells[k % STEPS][..batch(k).len()]);
            }
            if let Some(k) = step.checked_sub(STEPS) {
                answer(batch(k), &cells[k % STEPS][..batch(k).len()]);
            }
        }
    }

    /// First step of a lookup whose reads are asked for ahead of its work: where each point falls
    /// and its block's value; the cells of mixed blocks are asked of memory, not waited for.
    #[inline]
    fn start_cells(&self, points: &[Coord<f64>], pending: &mut [PendingCell]) {
        for (pending, &p) in pending.iter_mut().zip(points) {
            *pending = PendingCell(self.positions(p).map(|(cell, block)| {
                let value = self.blocks[block];
                if value == MIXED {
                    prefetch(&self.cells, cell);
                }
                (cell, value)
            }));
        }
    }

    /// Second step (see [`Self::start_cells`]): the cells, as [`Self::cell_at`] finds them; the
    /// records of boundary cells are asked of memory.
    #[inline]
    fn read_cells(&self, pending: &[PendingCell], cells: &mut [Cell]) {
        for (cell, pending) in cells.iter_mut().zip(pending) {
            *cell = match pending.0 {
                None => Cell::OutsideExtent,
                Some((at, MIXED)) => self.decode(self.cells[at]),
                Some((_, uniform)) => self.decode(uniform),
            };
            if let Cell::Boundary(b) = *cell {
                // A record is a few words; it may run into the next line.
                prefetch(&self.boundary, b as usize);
                prefetch(&self.boundary, b as usize + 15);
            }
        }
    }

    /// Third step (see [`Self::start_cells`]): the first vertex of each run of edges in the records
    /// of boundary cells is asked of memory.
    #[inline]
    fn ask_edges(&self, geometries: &Geometries, cells: &[Cell]) {
        let coords = geometries.vertices();
        let vertex_mask = (1u32 << self.vertex_bits) - 1;
        for cell in cells {
            if let Cell::Boundary(b) = *cell {
                for (_, runs) in self.record_entries(b).1 {
                    for &run in runs {
                        prefetch(coords, (run & vertex_mask) as usize);
                    }
                }
            }
        }
    }

    /// Boundary record `b`: its head word and its entries, each as its word and its runs of edges.
    /// The entries end early where the record holds less than it says (a damaged file), so that a
    /// walk needs no checks of its own.
    #[inline]
    fn record_entries(&self, b: u32) -> (u32, RecordEntries<'_>) {
        let record = self.boundary.get(b as usize..).unwrap_or_default();
        let head = record.first().copied().unwrap_or(0);
        let entries = RecordEntries {
            record,
            at: 1,
            left: if record.is_empty() {
                0
            } else {
                head & ENTRY_COUNT_MASK
            },
            feature_bits: self.feature_bits,
        };
        (head, entries)
    }

    /// Features of boundary cell `b` whose closed polygon holds `p`, in ascending order. Calls
    /// `found` for each; stops early if it returns `false`, or at a record or run that is not there.
    /// `p` must lie in the cell.
    #[inline]
    pub fn boundary_features(
        &self,
        geometries: &Geometries,
        b: u32,
        p: Coord<f64>,
        mut found: impl FnMut(u32) -> bool,
    ) {
        let (head, entries) = self.record_entries(b);
        let Some(spot) = REFERENCE_SPOTS.get((head >> SPOT_SHIFT) as usize) else {
            return;
        };
        let coords = geometries.vertices();
        let feature_mask = (1u32 << self.feature_bits) - 1;
        let vertex_mask = (1u32 << self.vertex_bits) - 1;
        let fx = ((p.x - self.origin[0]) / self.cell[0]).floor();
        let fy = ((p.y - self.origin[1]) / self.cell[1]).floor();
        let reference = Coord {
            x: self.origin[0] + (fx + spot[0]) * self.cell[0],
            y: self.origin[1] + (fy + spot[1]) * self.cell[1],
        };
        for (entry, run_list) in entries {
            let mut inside = entry & REFERENCE_INSIDE != 0;
            'runs: for &run in run_list {
                let first = (run & vertex_mask) as usize;
                let Some(vertices) = coords.get(first..first + (run >> self.vertex_bits) as usize) else {
                    return;
                };
                for edge in vertices.windows(2) {
                    match crossing(reference, p, edge[0].into(), edge[1].into()) {
                        Crossing::OnEdge => {
                            inside = true;
                            break 'runs;
                        }
                        Crossing::Crosses => inside = !inside,
                        Crossing::Misses => {}
                    }
                }
            }
            if inside && !found(entry & feature_mask) {
                return;
            }
        }
    }

    /// The arrays in file order.
    pub(crate) fn sections(&self) -> [&[u8]; 3] {
        [
            self.cells.as_bytes(),
            self.boundary.as_bytes(),
            self.blocks.as_bytes(),
        ]
    }

    /// Checks a loaded grid's shape: its arrays are as long as its size says, so that finding a
    /// cell cannot read out of bounds. What the cells hold is not read here (4 million of them in
    /// the communes' grid, at every start): [`Self::features_at`] stops at a record or a feature
    /// that is not there instead.
    pub(crate) fn check(&self) -> Result<(), String> {
        let (nx, ny) = (self.size[0] as usize, self.size[1] as usize);
        if !self.origin.iter().chain(&self.cell).all(|v| v.is_finite()) || self.cell.iter().any(|&c| c <= 0.0)
        {
            return Err("grid extent is not a grid".into());
        }
        if !(1..=MOST_FEATURE_BITS).contains(&self.feature_bits)
            || !(1..=MOST_VERTEX_BITS).contains(&self.vertex_bits)
            || !(1..=31).contains(&self.value_bits)
        {
            return Err(format!(
                "grid records of {} feature bits, {} vertex bits and {} value bits",
                self.feature_bits, self.vertex_bits, self.value_bits
            ));
        }
        if nx.checked_mul(ny) != Some(self.cells.len()) {
            return Err(format!("grid of {nx} × {ny} cells holds {}", self.cells.len()));
        }
        let side = 1 << BLOCK_SHIFT;
        if nx.div_ceil(side) * ny.div_ceil(side) != self.blocks.len() {
            return Err(format!(
                "grid of {nx} × {ny} cells has {} blocks",
                self.blocks.len()
            ));
        }
        Ok(())
    }

    /// Cells, and cells that a border crosses, for the build summary.
    pub fn cell_counts(&self) -> (usize, usize) {
        let boundary_cells = self.cells.iter().filter(|&&v| v & BOUNDARY != 0).count();
        (self.cells.len(), boundary_cells)
    }

    /// What a cell's value says (not `MIXED`, which only blocks hold).
    #[inline]
    fn decode(&self, value: u32) -> Cell {
        if value & BOUNDARY != 0 {
            return Cell::Boundary(value & !BOUNDARY);
        }
        let own = value & ((1 << self.value_bits) - 1);
        let code = value >> self.value_bits;
        match own {
            0 => Cell::Empty { code },
            own => Cell::Covered {
                feature: own - 1,
                code,
            },
        }
    }

    fn spot(&self, cell: usize, frac: [f64; 2]) -> Coord<f64> {
        let (x, y) = (cell % self.size[0] as usize, cell / self.size[0] as usize);
        Coord {
            x: self.origin[0] + (x as f64 + frac[0]) * self.cell[0],
            y: self.origin[1] + (y as f64 + frac[1]) * self.cell[1],
        }
    }

    /// Calls `visit` for every cell the segment `a`–`b` may touch. Conservative: a cell touched only
    /// at its edge is included, so no crossing is ever missed.
    fn cells_crossed(&self, a: Coord<f64>, b: Coord<f64>, mut visit: impl FnMut(u32)) {
        let [nx, ny] = [self.size[0] as i64, self.size[1] as i64];
        let to_cell = |v: f64, o: f64, c: f64| ((v - o) / c).floor() as i64;
        let (ylo, yhi) = (a.y.min(b.y), a.y.max(b.y));
        let slack_y = self.cell[1] * 1e-6;
        let row0 = to_cell(ylo - slack_y, self.origin[1], self.cell[1]).max(0);
        let row1 = to_cell(yhi + slack_y, self.origin[1], self.cell[1]).min(ny - 1);
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
    }
}

/// The entries of a boundary record: each entry's word and its runs' words.
struct RecordEntries<'a> {
    record: &'a [u32],
    at: usize,
    left: u32,
    feature_bits: u8,
}

impl<'a> Iterator for RecordEntries<'a> {
    type Item = (u32, &'a [u32]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let entry = *self.record.get(self.at)?;
        let runs = ((entry & !REFERENCE_INSIDE) >> self.feature_bits) as usize;
        let run_list = self.record.get(self.at + 1..self.at + 1 + runs)?;
        self.at += 1 + runs;
        self.left -= 1;
        Some((entry, run_list))
    }
}

enum Crossing {
    /// The query point lies on the edge.
    OnEdge,
    /// The edge crosses the segment from the reference point to the query point.
    Crosses,
    Misses,
}

/// Per block of cells, the value its cells share, or `MIXED`.
fn summarise_blocks(size: [u32; 2], cells: &[u32]) -> Vec<u32> {
    let [nx, ny] = [size[0] as usize, size[1] as usize];

    let bw = nx.div_ceil(1 << BLOCK_SHIFT);
    let bh = ny.div_ceil(1 << BLOCK_SHIFT);
    let mut blocks = vec![None::<u32>; bw * bh];
    let mut mixed = vec![false; bw * bh];
    for y in 0..ny {
        for x in 0..nx {
            let v = cells[y * nx + x];
            let b = (y >> BLOCK_SHIFT) * bw + (x >> BLOCK_SHIFT);
            if v & BOUNDARY != 0 || blocks[b].is_some_and(|w| w != v) {
                mixed[b] = true;
            }
            blocks[b].get_or_insert(v);
        }
    }
    blocks
        .into_iter()
        .zip(mixed)
        .map(|(v, m)| if m { MIXED } else { v.unwrap_or(0) })
        .collect()
}

/// Does edge `a`–`b` cross segment `r`–`p`? A vertex exactly on the line through `r` and `p` counts
/// as lying on its left, so a border passing through a vertex is counted once, never twice. `r`
/// never lies on the edge (the build chooses it so).
#[inline]
fn crossing(r: Coord<f64>, p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> Crossing {
    // Most edges in a cell lie beside the short segment from its reference point: boxes that do
    // not meet settle them before any orientation test (and `p`, inside the segment's box, cannot
    // lie on such an edge).
    if a.x.max(b.x) < r.x.min(p.x)
        || a.x.min(b.x) > r.x.max(p.x)
        || a.y.max(b.y) < r.y.min(p.y)
        || a.y.min(b.y) > r.y.max(p.y)
    {
        return Crossing::Misses;
    }
    let on_edge = p.x >= a.x.min(b.x) && p.x <= a.x.max(b.x) && p.y >= a.y.min(b.y) && p.y <= a.y.max(b.y);
    let side_p = RobustKernel::orient2d(a, b, p);
    if side_p == Orientation::Collinear {
        return if on_edge {
            Crossing::OnEdge
        } else {
            Crossing::Misses
        };
    }
    let side_r = RobustKernel::orient2d(a, b, r);
    if side_r == Orientation::Collinear || side_r == side_p {
        return Crossing::Misses;
    }
    let left = |o: Orientation| o != Orientation::Clockwise;
    if left(RobustKernel::orient2d(r, p, a)) != left(RobustKernel::orient2d(r, p, b)) {
        Crossing::Crosses
    } else {
        Crossing::Misses
    }
}

/// Appends to `runs` one word per run of `edges` (ascending): `vertices << vertex_bits | first
/// vertex`. Edges with consecutive indices are connected (a ring's last vertex starts no edge), so
/// they form one run of vertices; a run longer than its bits can count is cut into runs that share
/// a vertex.
fn edge_runs(edges: &[u32], vertex_bits: u8, runs: &mut Vec<u32>) {
    let most_vertices = (1u32 << (32 - vertex_bits)) - 1;
    let mut i = 0;
    while i < edges.len() {
        let mut j = i + 1;
        while j < edges.len() && edges[j] == edges[j - 1] + 1 {
            j += 1;
        }
        let (mut first, mut vertices) = (edges[i], (j - i + 1) as u32);
        while vertices > most_vertices {
            runs.push((most_vertices << vertex_bits) | first);
            first += most_vertices - 1;
            vertices -= most_vertices - 1;
        }
        runs.push((vertices << vertex_bits) | first);
        i = j;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    /// Two squares side by side, a third overlapping both, and a diamond whose vertices sit on cell
    /// corners and centres.
    fn features() -> Vec<MultiPolygon<f64>> {
        let square = |x0: f64, y0: f64, s: f64| {
            MultiPolygon(vec![polygon![
                (x: x0, y: y0), (x: x0 + s, y: y0), (x: x0 + s, y: y0 + s), (x: x0, y: y0 + s), (x: x0, y: y0),
            ]])
        };
        let diamond = MultiPolygon(vec![polygon![
            (x: 2.25, y: 0.5), (x: 2.5, y: 0.25), (x: 2.75, y: 0.5), (x: 2.5, y: 0.75), (x: 2.25, y: 0.5),
        ]]);
        vec![
            square(0.0, 0.0, 1.0),
            square(1.0, 0.0, 1.0),
            square(0.25, 0.25, 1.5),
            diamond,
        ]
    }

    fn check(grid: &PointGrid, mps: &[MultiPolygon<f64>], p: Coord<f64>) {
        let indexes: Vec<PolygonIndex> = mps.iter().map(PolygonIndex::new).collect();
        let geometries = Geometries::new(mps);
        let expected: Vec<u32> = (0..mps.len() as u32)
            .filter(|&f| indexes[f as usize].position(p) != Position::Outside)
            .collect();
        let mut found = Vec::new();
        let inside_extent = grid.features_at(&geometries, p, |f| {
            found.push(f.0);
            true
        });
        if inside_extent {
            assert_eq!(found, expected, "{p:?}");
        }
    }

    /// A grid of about `cells` cells over the features of [`features`].
    fn small_grid(mps: &[MultiPolygon<f64>], cells: usize) -> PointGrid {
        let indexes: Vec<PolygonIndex> = mps.iter().map(PolygonIndex::new).collect();
        PointGrid::build(
            &mps.iter().collect::<Vec<_>>(),
            &indexes,
            [-0.5, -0.5, 3.0, 1.5],
            cells,
        )
        .expect("a small grid")
    }

    /// Points `x0 + i·dx, y0 + j·dy` for `i < nx`, `j < ny`.
    fn lattice(x0: f64, dx: f64, nx: usize, y0: f64, dy: f64, ny: usize) -> impl Iterator<Item = Coord<f64>> {
        (0..nx).flat_map(move |i| {
            (0..ny).map(move |j| Coord {
                x: x0 + i as f64 * dx,
                y: y0 + j as f64 * dy,
            })
        })
    }

    #[test]
    fn grid_answers_agree_with_exact_tests() {
        let mps = features();
        let grid = small_grid(&mps, 56);
        for p in lattice(-0.6, 0.01037, 350, -0.6, 0.01041, 200) {
            check(&grid, &mps, p);
        }
        // Points on borders, on vertices and on lines through vertices.
        for p in lattice(-0.5, 0.0546875, 65, -0.5, 0.0625, 33) {
            check(&grid, &mps, p);
        }
        for mp in &mps {
            for c in mp.0[0].exterior().0.iter() {
                check(&grid, &mps, *c);
            }
        }
    }

    #[test]
    fn a_companion_is_answered_only_where_its_answer_holds_all_over_the_cell() {
        let mps = features();
        let (own, companion) = mps.split_at(2);
        let companion_indexes: Vec<PolygonIndex> = companion.iter().map(PolygonIndex::new).collect();
        let mut grid = small_grid(own, 224);
        let plain = grid.clone();
        grid.add_companion(7, &Geometries::new(companion), &companion_indexes)
            .expect("room for two features");
        assert_eq!(grid.companion(), Some(7));
        let (mut nothing, mut only, mut in_boundary_cells, mut asked) = (0, 0, 0, 0);
        for p in lattice(-0.49, 0.01037, 335, -0.49, 0.01041, 190) {
            // The grid's own answers are unchanged.
            check(&grid, own, p);
            let cell = grid.cell_at(p);
            let expected: Vec<u32> = (0..2u32)
                .filter(|&f| companion_indexes[f as usize].position(p) != Position::Outside)
                .collect();
            match grid.companion_in(cell) {
                CompanionAnswer::AskItsGrid => asked += 1,
                CompanionAnswer::Nothing => {
                    assert_eq!(expected, Vec::<u32>::new(), "{p:?}");
                    nothing += 1;
                }
                CompanionAnswer::Only(f) => {
                    assert_eq!(expected, vec![f.0], "{p:?}");
                    only += 1;
                    in_boundary_cells += usize::from(matches!(cell, Cell::Boundary(_)));
                }
            }
        }
        assert!(nothing > 0 && only > 0 && in_boundary_cells > 0 && asked > 0);
        // A grid without a companion never answers for one.
        assert_eq!(
            plain.companion_in(plain.cell_at(Coord { x: 1.0, y: 1.0 })),
            CompanionAnswer::AskItsGrid
        );
    }

    #[test]
    fn runs_share_their_word_with_their_length_and_long_ones_are_cut() {
        let mut runs = Vec::new();
        edge_runs(&[1, 2, 3, 7, 8], 21, &mut runs);
        let decoded = |runs: &[u32], bits: u8| -> Vec<(u32, u32)> {
            runs.iter().map(|r| (r & ((1 << bits) - 1), r >> bits)).collect()
        };
        assert_eq!(decoded(&runs, 21), [(1, 4), (7, 3)]);
        // 28 bits for the vertex leave 4 for the length: 41 vertices make runs of at most 15,
        // each starting where the last ended.
        runs.clear();
        edge_runs(&(100..140).collect::<Vec<u32>>(), 28, &mut runs);
        assert_eq!(decoded(&runs, 28), [(100, 15), (114, 15), (128, 13)]);
    }

    #[test]
    fn a_grid_whose_records_name_too_many_bits_is_refused() {
        let mps = features();
        let mut grid = small_grid(&mps, 56);
        assert!(grid.check().is_ok());
        for (feature_bits, vertex_bits) in [(0, 8), (24, 8), (8, 0), (8, 29)] {
            grid.feature_bits = feature_bits;
            grid.vertex_bits = vertex_bits;
            assert!(grid.check().is_err(), "{feature_bits} and {vertex_bits} bits");
        }
    }
}
