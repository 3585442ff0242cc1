//! Questions as the command line and the API both build them, so that both refuse the same input in
//! the same words.

use territoires_core::Indexed;
use territoires_core::dataset::LayerIx;

use crate::QueryError;

/// Which layers a question is about: every layer, or those named, in the order named, each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSelection(Vec<LayerIx>);

impl LayerSelection {
    /// Every layer of the dataset, in catalogue order.
    pub fn all(ix: &Indexed) -> Self {
        LayerSelection(LayerIx::all(ix.dataset.layers.len()).collect())
    }

    /// The layers named, or every layer when none is named (`None`; an empty list selects none).
    pub fn from_names<S: AsRef<str>>(ix: &Indexed, names: Option<&[S]>) -> Result<Self, QueryError> {
        let Some(names) = names else {
            return Ok(Self::all(ix));
        };
        let mut positions = Vec::with_capacity(names.len());
        for name in names {
            let name = name.as_ref();
            let position = ix
                .layer_position(name)
                .ok_or_else(|| QueryError::UnknownLayer(name.to_string()))?;
            if !positions.contains(&position) {
                positions.push(position);
            }
        }
        Ok(LayerSelection(positions))
    }

    /// The same selection, refused if a layer in it cannot be searched by name.
    pub fn searchable(self, ix: &Indexed) -> Result<Self, QueryError> {
        match self.0.iter().find(|&&l| !ix.dataset.layers[l].searchable) {
            Some(&l) => Err(QueryError::NotSearchable(ix.dataset.layers[l].id.clone())),
            None => Ok(self),
        }
    }

    /// Layer positions, in the order asked.
    pub fn positions(&self) -> &[LayerIx] {
        &self.0
    }

    pub fn into_positions(self) -> Vec<LayerIx> {
        self.0
    }
}
