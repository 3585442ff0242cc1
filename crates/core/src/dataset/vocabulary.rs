//! Everything the dataset file stores that the catalogue and the sources also name.
//!
//! The catalogue (`territoires-build`) deserialises its TOML into these types and the build writes
//! them into `territoires.bin`; the queries read them back. Defining them here, below both, is what
//! lets the producer and the consumers share them without depending on each other.

use serde::{Deserialize, Serialize};

/// A layer's data source, shown next to every figure derived from it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Source {
    pub name: String,
    pub vintage: String,
    pub licence: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LayerKind {
    /// The atoms: one feature per commune with a geometry.
    Communes,
    /// Each feature is a set of whole communes, dissolved into a polygon.
    CommuneSets,
    /// Polygons as published; communes are assigned by their interior point.
    Polygons,
}

/// What every answer states about the base data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Base {
    /// Vintage of the base layers (communes, EPCI, départements, régions).
    pub vintage: String,
    /// Id of the layer of territoires de projet.
    pub territories_layer: String,
    /// Source of commune areas and populations, the denominators of every share.
    pub denominators: Source,
}

/// What a layer was built from, kept in the dataset so that queries can find, say, the EPCI layer
/// without knowing its id.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    Communes,
    Epci,
    Departements,
    Regions,
    MembershipCsv,
    Polygons,
}

impl InputKind {
    /// The administrative division a layer built from this input is made of, in the words of the
    /// coverage scopes and the portrait (`departement`, `region`).
    pub fn division(self) -> Option<&'static str> {
        match self {
            InputKind::Departements => Some("departement"),
            InputKind::Regions => Some("region"),
            _ => None,
        }
    }
}

/// What a layer is to the map page, so that the page names no layer: derived from what the layer was
/// built from and from `base.territories_layer`, never stored.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LayerRole {
    /// The territoires de projet (the Pays and PETR).
    Territories,
    Epci,
    Communes,
    /// Départements and régions.
    Admin,
    /// Every other perimeter (SCoT, contracts…).
    Overlay,
}

/// How the map draws a layer: the catalogue's optional `[layer.style]`. An absent field is the page's
/// default; a layer with legend classes takes its colours from them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LayerStyle {
    /// Outline colour (CSS).
    pub stroke: Option<String>,
    /// Outline width, in pixels.
    pub width: Option<f64>,
    /// Fill colour (CSS); absent: outlines only.
    pub fill: Option<String>,
    /// Fill opacity, from 0 to 1.
    pub opacity: Option<f64>,
    /// Outline dash pattern, as SVG's `stroke-dasharray`.
    pub dash: Option<String>,
    /// Stacking order on the map: a higher layer is drawn above.
    pub z: Option<u16>,
    /// Shown when the map opens.
    #[serde(default)]
    pub default_on: bool,
    /// Drawn from this zoom on only.
    pub min_zoom: Option<u8>,
    /// What the legend says beside the layer's swatch.
    pub legend: Option<String>,
}

/// A property the page shows on a feature's card (the catalogue's `fields`), with its French label.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub property: String,
    pub label: String,
    /// Also said after the feature's name where the page lists features.
    #[serde(default)]
    pub in_lists: bool,
}

/// Columns naming the structure that carries each feature (a CRTE's PETR, syndicat or EPCI).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Carrier {
    pub siren: String,
    pub name: String,
    pub kind: String,
}

/// `geodata/indicators.toml`: a cited reference, and the indicators measured against it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorsFile {
    pub reference: Citation,
    #[serde(rename = "indicator")]
    pub indicators: Vec<IndicatorEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    pub source: String,
    pub url: Option<String>,
    pub year: u16,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorEntry {
    pub id: String,
    pub label: String,
    /// The association's figure, when it gives one.
    pub reference: Option<ReferenceFigure>,
    /// How we measure the same figure; none where we have no data.
    pub measure: Option<Measure>,
    /// Why our figure differs from the reference, with `{numerator}`, `{denominator}`, `{value}`
    /// and `{reference}` placeholders.
    pub why: String,
}

/// A figure as the association states it: a count, a count out of a total, or a percentage.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceFigure {
    pub count: Option<u64>,
    pub of: Option<u64>,
    pub percent: Option<f64>,
}

/// How one figure is measured from the data. A flat struct rather than a tagged enum, because
/// postcard, which stores the dataset, cannot decode internally tagged enums.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub kind: MeasureKind,
    pub layer: String,
    /// The carrying layer, for `carried-by` and `members-carried-by`.
    pub by: Option<String>,
    /// The layer whose features `layer`'s features must be, for `features-of`.
    pub of: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MeasureKind {
    FeatureCount,
    AreaShare,
    PopulationShare,
    CarriedBy,
    MembersCarriedBy,
    FeaturesOf,
}

impl Measure {
    /// The other layer the measure compares with, which its kind requires.
    pub fn other(&self) -> Option<&str> {
        match self.kind {
            MeasureKind::CarriedBy | MeasureKind::MembersCarriedBy => self.by.as_deref(),
            MeasureKind::FeaturesOf => self.of.as_deref(),
            _ => None,
        }
    }
}

/// A commune that merged into a current one and is still known by its name or code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FormerCommune {
    pub relation: Relation,
    /// `None` for a former commune the COG lists by code only (`anciensCodes`).
    #[schemars(with = "Option<String>")]
    pub name: Option<crate::dataset::Text>,
    /// Its INSEE code, which may be the current commune's own.
    #[schemars(with = "String")]
    pub code: crate::dataset::Text,
}

/// How a former commune stands to the current one.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// Commune déléguée of a commune nouvelle.
    Deleguee,
    /// Commune associée (a merger under the 1971 Marcellin law).
    Associee,
    /// Merged with no status of its own, known only by its former code.
    Ancienne,
}

/// The administrative seats a commune can be, most important first: the towns people orient by.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Seat {
    /// Chef-lieu de région.
    RegionalPrefecture,
    /// Préfecture (chef-lieu de département).
    Prefecture,
    /// Sous-préfecture (chef-lieu d'arrondissement).
    SousPrefecture,
}
