//! One territory in full: attributes, members, figures, and what else covers it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::QueryError;
use crate::answer::{CommuneRef, FeatureRef, Properties, SharedFeature};
use territoires_core::dataset::{Dataset, FeatureIx, LayerIx, LayerKind};

/// Features of `other` sharing communes with feature `feature` of `layer`, with how many they share,
/// in feature order.
pub fn related(
    data: &Dataset,
    layer: LayerIx,
    feature: FeatureIx,
    other: LayerIx,
) -> Vec<(FeatureIx, usize)> {
    let mut shared: BTreeMap<FeatureIx, usize> = BTreeMap::new();
    let membership = &data.layers[other].membership;
    for &c in &data.layers[layer].features[feature].communes {
        for &f in membership.features_of(c) {
            *shared.entry(f).or_insert(0) += 1;
        }
    }
    shared
        .into_iter()
        .filter(|&(f, _)| other != layer || f != feature)
        .collect()
}

/// `{id, name}` of the territoires de projet (the catalogue's `territories_layer`) holding a
/// feature's communes.
pub fn pays_of(data: &Dataset, layer: LayerIx, feature: FeatureIx) -> Vec<FeatureRef> {
    let Some(pays) = data.territories_layer() else {
        return Vec::new();
    };
    related(data, layer, feature, pays)
        .into_iter()
        .map(|(f, _)| FeatureRef::of(&data.layers[pays].features[f]))
        .collect()
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Territory {
    #[schemars(with = "crate::answer::LayerId")]
    pub layer: String,
    pub id: String,
    pub name: String,
    pub properties: Properties,
    pub population: u64,
    pub area_km2: f64,
    pub bbox: Option<[f64; 4]>,
    /// Member communes (code and name).
    pub communes: Vec<CommuneRef>,
    /// Per other layer, the features sharing communes with this one and how many they share.
    pub overlays: BTreeMap<String, Vec<SharedFeature>>,
    pub source: territoires_core::dataset::Source,
}

pub fn find_feature(data: &Dataset, layer_id: &str, id: &str) -> Result<(LayerIx, FeatureIx), QueryError> {
    let layer = data
        .layers
        .iter()
        .position(|l| l.id == layer_id)
        .map(LayerIx::at)
        .ok_or_else(|| QueryError::UnknownLayer(layer_id.to_string()))?;
    let feature = data.layers[layer]
        .features
        .iter()
        .position(|f| f.id == id)
        .ok_or_else(|| QueryError::UnknownFeature {
            layer: layer_id.to_string(),
            id: id.to_string(),
        })?;
    Ok((layer, FeatureIx::at(feature)))
}

pub fn territory(data: &Dataset, layer_id: &str, id: &str) -> Result<Territory, QueryError> {
    let (l, f) = find_feature(data, layer_id, id)?;
    Ok(territory_at(data, l, f))
}

/// The territory of feature `f` of layer `l`, for a caller that has found it already.
pub fn territory_at(data: &Dataset, l: LayerIx, f: FeatureIx) -> Territory {
    let layer = &data.layers[l];
    let feature = &layer.features[f];
    let overlays = data
        .indexed_layers()
        .filter(|&(o, other)| o != l && other.kind != LayerKind::Communes)
        .map(|(o, other)| {
            let list = related(data, l, f, o)
                .into_iter()
                .map(|(g, shared)| {
                    let g = &other.features[g];
                    SharedFeature {
                        id: g.id.to_string(),
                        name: g.name.to_string(),
                        shared_communes: shared,
                    }
                })
                .collect();
            (other.id.clone(), list)
        })
        .collect();
    Territory {
        layer: layer.id.clone(),
        id: feature.id.to_string(),
        name: feature.name.to_string(),
        properties: Properties::of(feature),
        population: feature.population,
        area_km2: feature.area_km2,
        bbox: layer.bounds(f),
        communes: feature
            .communes
            .iter()
            .map(|&c| {
                let c = &data.communes[c];
                CommuneRef {
                    code: c.code.to_string(),
                    name: c.name.to_string(),
                    population: c.population,
                }
            })
            .collect(),
        overlays,
        source: layer.source.clone(),
    }
}
