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
    /// Below `value_bits`, 0: no feature, or `f + 1`: feature `f` covers the cell; above them, the
    /// companion's code. Or `BOUNDARY | o`: a boundary cell whose record starts at `boundary[o]`.
    #[serde(skip)]
    pub(crate) cells: Section<u32>,
    /// Boundary cell records, each contiguous so that a query reads one place: a head word,
    /// `spot << SPOT_SHIFT | companion's code << CODE_SHIFT | entries`, then per entry one word,
    /// `REFERENCE_INSIDE | runs << feature_bits | feature`, then per run one word, `vertices <<
    /// vertex_bits | first vertex` (a run of connected edges in the layer's flat geometry).
    #[serde(skip)]
    pub(crate) boundary: Section<u32>,
    /// Per block of cells: the value all its cells share, or `MIXED`.
    #[serde(skip)]
    pub(crate) blocks: Section<u32>,
    /// Low bits of a boundary entry's word that hold its feature: as few as the layer's features
    /// need, so that entry and run count share one word.
    pub(crate) feature_bits: u8,
    /// Low bits of a run's word that hold its first vertex; its vertex count sits above them.
    pub(crate) vertex_bits: u8,
    /// Low bits of a plain cell's value that hold its own answer; the companion's code sits above.
    pub(crate) value_bits: u8,
    /// A second layer (its position in the dataset) that this grid also answers for, in the cells
    /// where that layer's answer is the same all over the cell: one read then answers both.
    pub(crate) companion: Option<u32>,
}
