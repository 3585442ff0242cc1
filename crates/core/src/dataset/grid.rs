//! The point grid as the dataset stores it. The data build fills it and the loader reads it back;
//! how it is built and queried lives in [`crate::index::grid`], beside the other indexes.

use serde::{Deserialize, Serialize};

use crate::file::Section;

/// Grid over a fixed extent; points outside it are answered by the caller's fallback. Its arrays are
/// kept in the file's own sections, not in the encoded attributes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PointGrid {
    pub(crate) origin: [f64; 2],
    pub(crate) cell: [f64; 2],
    pub(crate) size: [u32; 2],
    /// 0: no feature; `f + 1` (< `BOUNDARY`): feature `f` covers the cell; `BOUNDARY | o`: a boundary
    /// cell whose record starts at `boundary[o]`.
    #[serde(skip)]
    pub(crate) cells: Section<u32>,
    /// Boundary cell records, each contiguous so that a query reads one place:
    /// `spot << SPOT_SHIFT | entries`, then per entry `feature | REFERENCE_INSIDE`, `runs`, then per
    /// run `first vertex`, `vertices` (a run of connected edges in the arena).
    #[serde(skip)]
    pub(crate) boundary: Section<u32>,
    /// Per block of cells: the value all its cells share, or `MIXED`.
    #[serde(skip)]
    pub(crate) blocks: Section<u32>,
}
