//! The prepared dataset: everything the CLI, the server, the tests and the benches start from.
//!
//! It is written once by the data build (`territoires-build`) and loaded read-only; [`crate::file`]
//! says how it is stored.

use std::collections::BTreeMap;

use geo::MultiPolygon;
use serde::{Deserialize, Serialize};

mod geometry;
mod grid;
mod ids;
mod value;
mod vocabulary;

pub use crate::file::{DEFAULT_DIR, FILE_NAME, LoadedFile, sha256_hex};
pub use geometry::Geometries;
pub use grid::PointGrid;
pub use ids::{CommuneIx, FeatureIx, LayerIx};
pub use value::{Membership, Text, Value};
pub use vocabulary::{
    Base, Carrier, Citation, Field, FormerCommune, IndicatorEntry, IndicatorsFile, InputKind, LayerKind,
    LayerRole, LayerStyle, Measure, MeasureKind, ReferenceFigure, Relation, Seat, Source,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dataset {
    pub provenance: Provenance,
    /// The base data's vintage and the denominators' source, from the catalogue.
    pub base: Base,
    /// The national association's figures and how ours are measured, from the catalogue.
    pub indicators: IndicatorsFile,
    /// Every current commune of COG 2026, sorted by INSEE code; indices into it are "commune ids".
    #[serde(deserialize_with = "value::preallocated")]
    pub communes: Vec<Commune>,
    pub departements: Vec<Division>,
    pub regions: Vec<Division>,
    pub layers: Vec<Layer>,
    /// Build warnings (unknown member codes, communes without geometry, …), kept for the record.
    pub warnings: Vec<String>,
    /// The file this dataset was loaded from; not encoded.
    #[serde(skip)]
    pub file: Option<LoadedFile>,
}

/// Where the data came from: each input's name, version and checksum.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Provenance {
    pub builder: String,
    pub inputs: Vec<InputFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputFile {
    pub name: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Commune {
    pub code: Text,
    pub name: Text,
    pub postcodes: Vec<Text>,
    /// Legal population in force on 1 January 2026.
    pub population: u64,
    pub departement: Text,
    pub region: Text,
    pub metropolitan: bool,
    pub epci: Option<Text>,
    /// Geodesic area on the WGS84 ellipsoid; 0 for a commune with no geometry.
    pub area_km2: f64,
    /// Index of this commune's feature in the `communes` layer, if it has a geometry.
    pub feature: Option<FeatureIx>,
    /// Seat of a région, département or arrondissement: the towns people orient by.
    pub seat: Option<Seat>,
    /// Communes déléguées, associées and former codes merged into this one: names people still search.
    pub former: Vec<FormerCommune>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Division {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Layer {
    pub id: String,
    pub title: String,
    /// One feature, as a heading says it.
    pub singular: String,
    /// What to say where a point has no feature of this layer.
    pub none: String,
    pub description: String,
    pub source: Source,
    pub kind: LayerKind,
    /// What the layer was built from.
    pub input: InputKind,
    /// Found by name and code in search.
    pub searchable: bool,
    /// The classes the map colours features by, as present in the data.
    pub legend: Option<Legend>,
    /// Property columns naming the structure that carries each feature.
    pub carrier: Option<Carrier>,
    /// French wording of property values, for display (see the catalogue's `[layer.display]`).
    pub display: BTreeMap<String, String>,
    /// How the map draws it (the catalogue's `[layer.style]`).
    pub style: LayerStyle,
    /// The properties a feature's card shows, in order.
    pub fields: Vec<Field>,
    /// A caveat the page prints with the layer's features.
    pub note: Option<String>,
    /// A territoire de projet may carry such a feature when their perimeters coincide (a SCoT): the
    /// simulator says whether a draft could.
    pub carried_by_territories: bool,
    pub features: Vec<Feature>,
    /// The features' polygons, in feature order; kept in the file's own sections, not in the
    /// encoded attributes.
    #[serde(skip)]
    pub geometries: Geometries,
    /// Commune id → features of this layer.
    pub membership: Membership,
    /// Pre-classified cells for point location, for layers located by geometry.
    pub grid: Option<PointGrid>,
}

/// A property the map colours by, with the values the features really have.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Legend {
    pub property: String,
    /// Most frequent first.
    pub classes: Vec<LegendClass>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct LegendClass {
    pub value: String,
    pub label: String,
    pub features: usize,
    /// The perimeter is a guess: drawn dashed, and said so.
    pub dashed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Feature {
    pub id: Text,
    pub name: Text,
    pub properties: Vec<(Text, Value)>,
    /// Member commune ids, sorted.
    pub communes: Vec<CommuneIx>,
    pub population: u64,
    pub area_km2: f64,
    /// Where the feature's name is written on a map: the pole of inaccessibility of its largest
    /// polygon, always inside it (a centroid may fall outside).
    pub label: Option<[f64; 2]>,
}

impl Layer {
    /// Every feature with its position.
    pub fn indexed_features(&self) -> impl Iterator<Item = (FeatureIx, &Feature)> {
        FeatureIx::all(self.features.len()).zip(&self.features)
    }

    /// Feature `f`'s polygons, made anew from the layer's flat geometry.
    pub fn polygons(&self, f: FeatureIx) -> MultiPolygon<f64> {
        self.geometries.polygons(f)
    }

    /// Feature `f`'s bounding box `[min_x, min_y, max_x, max_y]`; `None` for a feature without
    /// polygons.
    pub fn bounds(&self, f: FeatureIx) -> Option<[f64; 4]> {
        self.geometries.bounds(f)
    }
}

impl Feature {
    /// Commune `c`'s feature in the communes layer. It holds nothing but the commune's own record
    /// and its label point, so the dataset file keeps only the label and the loader makes it again.
    pub fn of_commune(c: CommuneIx, commune: &Commune, label: Option<[f64; 2]>) -> Feature {
        Feature {
            id: commune.code.clone(),
            name: commune.name.clone(),
            properties: vec![
                ("postcodes".into(), Value::List(commune.postcodes.clone())),
                ("departement".into(), Value::Text(commune.departement.clone())),
                ("region".into(), Value::Text(commune.region.clone())),
            ],
            communes: vec![c],
            population: commune.population,
            area_km2: commune.area_km2,
            label,
        }
    }

    pub fn property(&self, key: &str) -> Option<&Value> {
        self.properties.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Every property as a JSON object, in file order.
    pub fn properties_json(&self) -> serde_json::Map<String, serde_json::Value> {
        self.properties
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_json()))
            .collect()
    }

    /// A property as text (a list joined by `;`), empty when absent.
    pub fn text(&self, key: &str) -> String {
        self.property(key).map(Value::to_string).unwrap_or_default()
    }
}

impl Dataset {
    pub fn layer(&self, id: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.id == id)
    }

    /// Position of the first layer built from `input` (the EPCI layer, say).
    pub fn layer_from(&self, input: InputKind) -> Option<LayerIx> {
        self.layers.iter().position(|l| l.input == input).map(LayerIx::at)
    }

    /// Every commune with its id.
    pub fn indexed_communes(&self) -> impl Iterator<Item = (CommuneIx, &Commune)> {
        CommuneIx::all(self.communes.len()).zip(&self.communes)
    }

    /// Every layer with its position.
    pub fn indexed_layers(&self) -> impl Iterator<Item = (LayerIx, &Layer)> {
        LayerIx::all(self.layers.len()).zip(&self.layers)
    }

    /// What `layer` is to the map page: its input kind, and whether it holds the territoires de projet.
    pub fn role(&self, layer: &Layer) -> LayerRole {
        match layer.input {
            _ if layer.id == self.base.territories_layer => LayerRole::Territories,
            InputKind::Epci => LayerRole::Epci,
            InputKind::Communes => LayerRole::Communes,
            InputKind::Departements | InputKind::Regions => LayerRole::Admin,
            InputKind::MembershipCsv | InputKind::Polygons => LayerRole::Overlay,
        }
    }

    /// Position of the communes layer: the first of that kind (a dataset has one), whose features
    /// are the communes' own records.
    pub fn communes_layer(&self) -> Option<LayerIx> {
        self.layers
            .iter()
            .position(|l| l.kind == LayerKind::Communes)
            .map(LayerIx::at)
    }

    /// Position of the layer of territoires de projet (the catalogue's `territories_layer`).
    pub fn territories_layer(&self) -> Option<LayerIx> {
        self.layers
            .iter()
            .position(|l| l.id == self.base.territories_layer)
            .map(LayerIx::at)
    }

    pub fn commune_by_code(&self, code: &str) -> Option<(CommuneIx, &Commune)> {
        self.communes
            .binary_search_by(|c| c.code.as_str().cmp(code))
            .ok()
            .map(|i| (CommuneIx::at(i), &self.communes[i]))
    }

    pub fn region_name(&self, code: &str) -> Option<&str> {
        self.regions
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.name.as_str())
    }

    pub fn departement_name(&self, code: &str) -> Option<&str> {
        self.departements
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.name.as_str())
    }

    /// Checks what queries index by without looking: member communes, commune features,
    /// membership rows, polygons and grids. The loader calls it on every file it reads.
    pub fn check(&self) -> Result<(), String> {
        let communes = self.communes.len();
        for layer in &self.layers {
            let features = layer.features.len();
            let context = |e: String| format!("layer {}: {e}", layer.id);
            if let Some(f) = layer
                .features
                .iter()
                .find(|f| f.communes.iter().any(|c| c.index() >= communes))
            {
                return Err(context(format!("feature {} names a commune of none", f.id)));
            }
            layer.membership.check(communes, features).map_err(context)?;
            layer.geometries.check(features).map_err(context)?;
            if let Some(grid) = &layer.grid {
                grid.check().map_err(context)?;
                // A companion answers as a polygon layer does: any other kind would be misread.
                if let Some(c) = grid.companion()
                    && !self.layers.get(c as usize).is_some_and(|companion| {
                        companion.kind == LayerKind::Polygons && companion.id != layer.id
                    })
                {
                    return Err(context(format!("its grid's companion {c} is no polygon layer")));
                }
            }
        }
        let commune_features = self.communes_layer().map_or(0, |l| self.layers[l].features.len());
        match self
            .communes
            .iter()
            .find(|c| c.feature.is_some_and(|f| f.index() >= commune_features))
        {
            Some(c) => Err(format!("commune {} has a feature of none", c.code)),
            None => Ok(()),
        }
    }

    /// Counts of warnings by layer id prefix, for the summary table.
    pub fn warnings_by_layer(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for w in &self.warnings {
            let layer = w.split(':').next().unwrap_or("").to_string();
            *counts.entry(layer).or_insert(0) += 1;
        }
        counts
    }
}
