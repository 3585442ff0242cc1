//! The catalogue: `geodata/layers.toml` says which layers are built, from which inputs, and what the
//! product says about each (title, description, source, vintage, licence); `geodata/indicators.toml`
//! cites the national association's figures and says how ours are measured.
//!
//! Like martin's configuration, it is the one place to read what is served: the Rust code names no
//! data source or vintage, so new data needs a catalogue entry, not code. The build copies what it
//! reads into the dataset, so the server and the CLI need only the dataset.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use territoires_core::dataset::{
    Base, Carrier, Field, IndicatorsFile, InputKind, LayerStyle, Measure, MeasureKind, Source,
};
use territoires_core::error::{Error, Result};

/// Default location of the layer catalogue, relative to the project root.
pub const DEFAULT_LAYERS: &str = "geodata/layers.toml";
/// Default location of the reference figures, relative to the project root.
pub const DEFAULT_INDICATORS: &str = "geodata/indicators.toml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub base: Base,
    pub fixes: Fixes,
    #[serde(rename = "layer")]
    pub layers: Vec<LayerEntry>,
}

/// Commune geometry missing from the registry package, as files of the geodata directory.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixes {
    pub recoded: String,
    pub pieces: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerEntry {
    pub id: String,
    pub title: String,
    /// One feature, as a heading says it ("Contrat de ruralité 2016-2017").
    pub singular: String,
    /// What to say where a point has no feature of this layer.
    pub none: String,
    pub description: String,
    #[serde(default)]
    pub searchable: bool,
    pub input: Input,
    pub source: Source,
    pub legend: Option<LegendEntry>,
    pub carrier: Option<Carrier>,
    /// French wording of property values the data gives in another language, for display only:
    /// answers keep the values as the file has them.
    #[serde(default)]
    pub display: BTreeMap<String, String>,
    /// How the map draws the layer; absent, the page's defaults.
    #[serde(default)]
    pub style: LayerStyle,
    /// The properties a feature's card shows, in order.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// A caveat the page prints with the layer's features.
    pub note: Option<String>,
    /// A territoire de projet may carry such a feature when their perimeters coincide.
    #[serde(default)]
    pub carried_by_territories: bool,
}

/// Where a layer's features come from.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Input {
    /// One feature per commune of the COG package.
    Communes,
    /// The COG package's EPCI à fiscalité propre.
    Epci,
    Departements,
    Regions,
    /// One CSV row per territory, with `;`-separated EPCI SIRENs or commune INSEE codes.
    MembershipCsv {
        file: String,
        #[serde(default)]
        columns: MembershipColumns,
    },
    /// A GeoJSON FeatureCollection of polygons, kept as published.
    Polygons {
        file: String,
        id_property: String,
        name_property: String,
    },
}

impl Input {
    pub fn kind(&self) -> InputKind {
        match self {
            Input::Communes => InputKind::Communes,
            Input::Epci => InputKind::Epci,
            Input::Departements => InputKind::Departements,
            Input::Regions => InputKind::Regions,
            Input::MembershipCsv { .. } => InputKind::MembershipCsv,
            Input::Polygons { .. } => InputKind::Polygons,
        }
    }

    /// The geodata file this input reads, if it reads one.
    pub fn file(&self) -> Option<&str> {
        match self {
            Input::MembershipCsv { file, .. } | Input::Polygons { file, .. } => Some(file),
            _ => None,
        }
    }
}

/// Column names of a membership CSV.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MembershipColumns {
    pub id: String,
    pub name: String,
    pub members: String,
    pub separator: char,
}

impl Default for MembershipColumns {
    fn default() -> Self {
        MembershipColumns {
            id: "id".into(),
            name: "name".into(),
            members: "members".into(),
            separator: ';',
        }
    }
}

/// Colour the map by a property. Its classes are the values present in the data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegendEntry {
    pub property: String,
    /// Labels of known values; a value without one is shown as it is.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Values whose perimeter is a guess, drawn dashed.
    #[serde(default)]
    pub dashed: BTreeSet<String>,
}

impl Catalogue {
    pub fn load(path: &Path) -> Result<Self> {
        let catalogue: Catalogue = read_toml(path)?;
        catalogue.validate(path)?;
        Ok(catalogue)
    }

    /// The paths, relative to the geodata directory, of every file the catalogue reads.
    pub fn files(&self) -> Vec<&str> {
        let mut files: Vec<&str> = self.layers.iter().filter_map(|l| l.input.file()).collect();
        files.extend([self.fixes.recoded.as_str(), self.fixes.pieces.as_str()]);
        files
    }

    pub fn layer(&self, id: &str) -> Option<&LayerEntry> {
        self.layers.iter().find(|l| l.id == id)
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let mut seen = BTreeSet::new();
        for layer in &self.layers {
            let record = format!("layer `{}`", layer.id);
            let well_formed = !layer.id.is_empty()
                && layer
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !well_formed {
                return Err(Error::record(
                    path,
                    record,
                    "an id is lowercase ASCII letters, digits and hyphens",
                ));
            }
            if !seen.insert(layer.id.as_str()) {
                return Err(Error::record(path, record, "this id appears twice"));
            }
            if layer.carrier.is_some() && !matches!(layer.input, Input::MembershipCsv { .. }) {
                return Err(Error::record(
                    path,
                    record,
                    "only a membership CSV has carrier columns",
                ));
            }
        }
        let communes = self
            .layers
            .iter()
            .filter(|l| matches!(l.input, Input::Communes))
            .count();
        if communes != 1 {
            return Err(Error::file(
                path,
                format!("exactly one layer must have `input.kind = \"communes\"`, found {communes}"),
            ));
        }
        if self.layer(&self.base.territories_layer).is_none() {
            return Err(Error::record(
                path,
                "base",
                format!(
                    "`territories_layer` names no layer: `{}`",
                    self.base.territories_layer
                ),
            ));
        }
        Ok(())
    }
}

/// Whether `measure` names layers the catalogue has, with what its kind needs.
fn check_measure(measure: &Measure, catalogue: &Catalogue) -> std::result::Result<(), String> {
    let needs = match measure.kind {
        MeasureKind::CarriedBy | MeasureKind::MembersCarriedBy => Some("by"),
        MeasureKind::FeaturesOf => Some("of"),
        _ => None,
    };
    if let Some(key) = needs
        && measure.other().is_none()
    {
        return Err(format!("this measure needs `{key}`"));
    }
    let layer = catalogue
        .layer(&measure.layer)
        .ok_or_else(|| format!("no layer `{}` in the catalogue", measure.layer))?;
    if let Some(other) = measure.other()
        && catalogue.layer(other).is_none()
    {
        return Err(format!("no layer `{other}` in the catalogue"));
    }
    if needs == Some("by") && layer.carrier.is_none() {
        return Err(format!(
            "layer `{}` has no [layer.carrier] columns",
            measure.layer
        ));
    }
    Ok(())
}

/// Reads `indicators.toml` and checks it against the catalogue's layers.
pub fn load_indicators(path: &Path, catalogue: &Catalogue) -> Result<IndicatorsFile> {
    let file: IndicatorsFile = read_toml(path)?;
    let mut seen = BTreeSet::new();
    for indicator in &file.indicators {
        let record = format!("indicator `{}`", indicator.id);
        if !seen.insert(indicator.id.as_str()) {
            return Err(Error::record(path, record, "this id appears twice"));
        }
        if let Some(r) = &indicator.reference
            && r.count.is_none()
            && r.percent.is_none()
        {
            return Err(Error::record(
                path,
                record,
                "a reference needs `count` or `percent`",
            ));
        }
        if let Some(measure) = &indicator.measure {
            check_measure(measure, catalogue).map_err(|message| Error::record(path, record, message))?;
        }
    }
    Ok(file)
}

fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    toml::from_str(&text).map_err(|e| Error::file(path, e.to_string().trim_end().to_string()))
}

/// The project's own catalogue files, found from the working directory or the crate's root, so that
/// the CLI works from the project directory and the tests from anywhere.
pub fn default_path(rel: &str) -> PathBuf {
    let here = PathBuf::from(rel);
    if here.exists() {
        here
    } else {
        // This crate sits two levels below the project's root.
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("territoires-catalogue-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn the_project_catalogue_and_indicators_load() {
        let catalogue = Catalogue::load(&default_path(DEFAULT_LAYERS)).unwrap();
        assert!(catalogue.layer("crte").and_then(|l| l.carrier.as_ref()).is_some());
        load_indicators(&default_path(DEFAULT_INDICATORS), &catalogue).unwrap();
    }

    #[test]
    fn a_mistyped_key_names_the_file_and_the_key() {
        let text = std::fs::read_to_string(default_path(DEFAULT_LAYERS))
            .unwrap()
            .replacen("\nsearchable = true", "\nserchable = true", 1);
        let path = write("typo.toml", &text);
        let err = Catalogue::load(&path).unwrap_err().to_string();
        assert!(err.contains("typo.toml") && err.contains("serchable"), "{err}");
    }

    #[test]
    fn a_duplicate_layer_id_is_refused() {
        let text = std::fs::read_to_string(default_path(DEFAULT_LAYERS))
            .unwrap()
            .replace("id = \"scot\"", "id = \"pays\"");
        let path = write("duplicate.toml", &text);
        let err = Catalogue::load(&path).unwrap_err().to_string();
        assert!(err.contains("layer `pays`") && err.contains("twice"), "{err}");
    }

    #[test]
    fn an_indicator_on_an_unknown_layer_is_refused() {
        let catalogue = Catalogue::load(&default_path(DEFAULT_LAYERS)).unwrap();
        let text = std::fs::read_to_string(default_path(DEFAULT_INDICATORS))
            .unwrap()
            .replace("layer = \"scot\"", "layer = \"nope\"");
        let path = write("indicators.toml", &text);
        let err = load_indicators(&path, &catalogue).unwrap_err().to_string();
        assert!(err.contains("indicator `scot`") && err.contains("nope"), "{err}");
    }
}
