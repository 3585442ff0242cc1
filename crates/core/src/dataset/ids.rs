//! Positions in the dataset as types of their own: a layer's position cannot be passed where a
//! feature's or a commune's is meant. Each is a `u32` on disk (`serde(transparent)`), so the file's
//! bytes are those of the bare numbers.

use serde::{Deserialize, Serialize};

macro_rules! position {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);

        impl $name {
            /// The position of the `i`-th one. Positions fit in a `u32`: the dataset holds fewer
            /// than 2³² of anything.
            pub fn at(i: usize) -> Self {
                $name(i as u32)
            }

            /// As a position in a `Vec`.
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// `0..count`, as positions.
            pub fn all(count: usize) -> impl DoubleEndedIterator<Item = Self> + ExactSizeIterator {
                (0..count as u32).map($name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{} {}", $what, self.0)
            }
        }
    };
}

position!(
    /// A layer's position in [`super::Dataset::layers`].
    LayerIx,
    "layer"
);
position!(
    /// A feature's position in its layer's [`super::Layer::features`].
    FeatureIx,
    "feature"
);
position!(
    /// A commune's position in [`super::Dataset::communes`], sorted by INSEE code: a "commune id".
    CommuneIx,
    "commune"
);

/// `v[ix]` for the vectors these positions index.
macro_rules! indexes {
    ($ix:ty => $item:ty) => {
        impl std::ops::Index<$ix> for [$item] {
            type Output = $item;
            fn index(&self, ix: $ix) -> &$item {
                &self[ix.index()]
            }
        }

        impl std::ops::Index<$ix> for Vec<$item> {
            type Output = $item;
            fn index(&self, ix: $ix) -> &$item {
                &self[ix.index()]
            }
        }
    };
}

indexes!(LayerIx => super::Layer);
indexes!(FeatureIx => super::Feature);
indexes!(CommuneIx => super::Commune);
