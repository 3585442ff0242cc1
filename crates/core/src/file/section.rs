//! Arrays that a loaded dataset reads where the file lies in memory, and that the data build owns.

use std::fmt;
use std::ops::{Deref, Range};
use std::sync::Arc;

use bytemuck::Pod;

use super::map::FileBytes;

/// A flat array of plain values: owned while the data build makes it, or a byte range of the mapped
/// dataset file once loaded, so that loading copies and decodes nothing and processes that map the
/// same file share its pages.
pub enum Section<T> {
    Owned(Vec<T>),
    Mapped(MappedRange),
}

/// A byte range of a mapped file, checked when loaded to be aligned and sized for its element type.
#[derive(Clone)]
pub struct MappedRange {
    file: Arc<FileBytes>,
    range: Range<usize>,
}

impl MappedRange {
    /// `range` of `file` as an array of `T`, if it is aligned for `T` and a whole number of them.
    pub(crate) fn new<T: Pod>(file: &Arc<FileBytes>, range: Range<usize>) -> Option<Self> {
        let bytes = file.bytes().get(range.clone())?;
        bytemuck::try_cast_slice::<u8, T>(bytes).ok()?;
        Some(MappedRange {
            file: Arc::clone(file),
            range,
        })
    }
}

impl<T: Pod> Section<T> {
    /// The section as mapped `range` of `file`; `None` if the range cannot hold `T`s.
    pub(crate) fn mapped(file: &Arc<FileBytes>, range: Range<usize>) -> Option<Self> {
        MappedRange::new::<T>(file, range).map(Section::Mapped)
    }

    /// The section's bytes, in the file's byte order (little-endian).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        bytemuck::cast_slice(self)
    }
}

impl<T: Pod> Deref for Section<T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        match self {
            Section::Owned(values) => values,
            // Checked by `MappedRange::new`: the cast cannot fail.
            Section::Mapped(m) => bytemuck::cast_slice(&m.file.bytes()[m.range.clone()]),
        }
    }
}

impl<T> Default for Section<T> {
    fn default() -> Self {
        Section::Owned(Vec::new())
    }
}

impl<T> From<Vec<T>> for Section<T> {
    fn from(values: Vec<T>) -> Self {
        Section::Owned(values)
    }
}

impl<T: Clone> Clone for Section<T> {
    fn clone(&self) -> Self {
        match self {
            Section::Owned(values) => Section::Owned(values.clone()),
            Section::Mapped(m) => Section::Mapped(m.clone()),
        }
    }
}

impl<T: Pod> fmt::Debug for Section<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = match self {
            Section::Owned(_) => "owned",
            Section::Mapped(_) => "mapped",
        };
        write!(f, "Section({} {place})", self.len())
    }
}
