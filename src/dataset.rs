//! The prepared dataset: everything the CLI, the server, the tests and the benches start from.
//!
//! It is written once by [`crate::build`] and loaded read-only. The encoding is postcard between a magic
//! header and a SHA-256 trailer: a stale file from another format version is refused instead of misread,
//! and a truncated or damaged one is refused before it is decoded.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use geo::MultiPolygon;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::catalogue::{Base, Carrier, IndicatorsFile, InputKind};
use crate::error::{Error, Result};
use crate::index::grid::PointGrid;
pub use crate::sources::decoupage::{FormerCommune, Relation, Seat};

/// Changes whenever the encoding changes; a file with another header is refused.
const MAGIC: &[u8; 8] = b"TERRDS12";

/// Length of the trailer: the SHA-256 of everything before it.
const TRAILER: usize = 32;

/// File name of the dataset inside its directory.
pub const FILE_NAME: &str = "territoires.bin";

/// Default directory of the prepared dataset, relative to the project root.
pub const DEFAULT_DIR: &str = "geodata/build";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dataset {
    pub provenance: Provenance,
    /// The base data's vintage and the denominators' source, from the catalogue.
    pub base: Base,
    /// The national association's figures and how ours are measured, from the catalogue.
    pub indicators: IndicatorsFile,
    /// Every current commune of COG 2026, sorted by INSEE code; indices into it are "commune ids".
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

/// Which file a running server or command reads, so that a deployment can tell which data it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedFile {
    pub path: PathBuf,
    /// SHA-256 of the whole file, as `sha256sum` and `territoires build` print it.
    pub sha256: String,
    /// When the build wrote the file (its modification time, RFC 3339): the build itself records no
    /// clock, so that the same inputs always give the same bytes.
    pub written: Option<String>,
    pub bytes: u64,
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
    pub code: String,
    pub name: String,
    pub postcodes: Vec<String>,
    /// Legal population in force on 1 January 2026.
    pub population: u64,
    pub departement: String,
    pub region: String,
    pub metropolitan: bool,
    pub epci: Option<String>,
    /// Geodesic area on the WGS84 ellipsoid; 0 for a commune with no geometry.
    pub area_km2: f64,
    /// Index of this commune's feature in the `communes` layer, if it has a geometry.
    pub feature: Option<u32>,
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

/// A layer's data source, shown next to every figure derived from it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Source {
    pub name: String,
    pub vintage: String,
    pub licence: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum LayerKind {
    /// The atoms: one feature per commune with a geometry.
    Communes,
    /// Each feature is a set of whole communes, dissolved into a polygon.
    CommuneSets,
    /// Polygons as published; communes are assigned by their interior point.
    Polygons,
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
    pub features: Vec<Feature>,
    /// Commune id → features of this layer.
    pub membership: Membership,
    /// Pre-classified cells for point location, for layers located by geometry.
    pub grid: Option<PointGrid>,
}

/// A property the map colours by, with the values the features really have.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Legend {
    pub property: String,
    /// Most frequent first.
    pub classes: Vec<LegendClass>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LegendClass {
    pub value: String,
    pub label: String,
    pub features: usize,
    /// The perimeter is a guess: drawn dashed, and said so.
    pub dashed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Feature {
    pub id: String,
    pub name: String,
    pub properties: Vec<(String, Value)>,
    /// Member commune ids, sorted.
    pub communes: Vec<u32>,
    pub population: u64,
    pub area_km2: f64,
    pub geometry: MultiPolygon<f64>,
    /// Where the feature's name is written on a map: the pole of inaccessibility of its largest
    /// polygon, always inside it (a centroid may fall outside).
    pub label: Option<[f64; 2]>,
}

impl Feature {
    pub fn property(&self, key: &str) -> Option<&Value> {
        self.properties.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Every property as a JSON object, in file order.
    pub fn properties_json(&self) -> serde_json::Map<String, serde_json::Value> {
        self.properties
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect()
    }

    /// A property as text (a list joined by `;`), empty when absent.
    pub fn text(&self, key: &str) -> String {
        self.property(key).map(Value::to_string).unwrap_or_default()
    }
}

/// An attribute value. A closed enum rather than `serde_json::Value`, because postcard cannot
/// decode self-describing values.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    List(Vec<String>),
}

impl Value {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into),
            Value::Text(s) => s.clone().into(),
            Value::List(items) => items.clone().into(),
        }
    }

    pub fn from_json(value: &serde_json::Value) -> Self {
        match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => n
                .as_i64()
                .map(Value::Int)
                .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN))),
            serde_json::Value::String(s) => Value::Text(s.clone()),
            other => Value::Text(other.to_string()),
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Text(s) => f.write_str(s),
            Value::List(items) => f.write_str(&items.join(";")),
        }
    }
}

/// Commune id → feature ids, in compressed sparse rows: one offset per commune.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Membership {
    offsets: Vec<u32>,
    features: Vec<u32>,
}

impl Membership {
    /// Inverts features' member lists. Feature ids come out sorted for each commune.
    pub fn from_features(commune_count: usize, features: &[Feature]) -> Self {
        let mut per_commune: Vec<Vec<u32>> = vec![Vec::new(); commune_count];
        for (f, feature) in features.iter().enumerate() {
            for &c in &feature.communes {
                per_commune[c as usize].push(f as u32);
            }
        }
        let mut offsets = Vec::with_capacity(commune_count + 1);
        let mut ids = Vec::new();
        offsets.push(0);
        for list in per_commune {
            ids.extend(list);
            offsets.push(ids.len() as u32);
        }
        Membership {
            offsets,
            features: ids,
        }
    }

    pub fn features_of(&self, commune: u32) -> &[u32] {
        let c = commune as usize;
        match (self.offsets.get(c), self.offsets.get(c + 1)) {
            (Some(&a), Some(&b)) => &self.features[a as usize..b as usize],
            _ => &[],
        }
    }
}

impl Dataset {
    pub fn layer(&self, id: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.id == id)
    }

    /// Position of the first layer built from `input` (the EPCI layer, say).
    pub fn layer_from(&self, input: InputKind) -> Option<usize> {
        self.layers.iter().position(|l| l.input == input)
    }

    /// Position of the layer of territoires de projet (the catalogue's `territories_layer`).
    pub fn territories_layer(&self) -> Option<usize> {
        self.layers
            .iter()
            .position(|l| l.id == self.base.territories_layer)
    }

    pub fn commune_by_code(&self, code: &str) -> Option<(u32, &Commune)> {
        self.communes
            .binary_search_by(|c| c.code.as_str().cmp(code))
            .ok()
            .map(|i| (i as u32, &self.communes[i]))
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

    /// Encodes the dataset; the same dataset always gives the same bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut bytes = MAGIC.to_vec();
        postcard::to_io(self, &mut bytes)
            .map_err(|e| Error::file(FILE_NAME, format!("cannot encode dataset: {e}")))?;
        let digest = Sha256::digest(&bytes);
        bytes.extend_from_slice(&digest);
        Ok(bytes)
    }

    /// Decodes a dataset after checking its header and its checksum.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        Self::checked(bytes, path).map(|(dataset, _)| dataset)
    }

    /// Decodes and returns the SHA-256 of the whole file, computed in the same pass as the check.
    fn checked(bytes: &[u8], path: &Path) -> Result<(Self, String)> {
        if !bytes.starts_with(MAGIC) {
            return Err(Error::file(
                path,
                "not a territoires dataset of this version; rebuild it with `territoires build`",
            ));
        }
        let Some(content_len) = bytes.len().checked_sub(TRAILER).filter(|&n| n >= MAGIC.len()) else {
            return Err(Error::file(
                path,
                "truncated dataset; rebuild it with `territoires build`",
            ));
        };
        let (content, trailer) = bytes.split_at(content_len);
        let mut hasher = Sha256::new();
        hasher.update(content);
        let content_digest = hasher.clone().finalize();
        if content_digest[..] != *trailer {
            return Err(Error::file(
                path,
                "damaged or truncated dataset (its checksum does not match); rebuild it with `territoires build`",
            ));
        }
        hasher.update(trailer);
        let file_sha256 = hex::encode(hasher.finalize());
        let dataset = postcard::from_bytes(&content[MAGIC.len()..]).map_err(|e| {
            Error::file(
                path,
                format!("corrupt dataset ({e}); rebuild it with `territoires build`"),
            )
        })?;
        Ok((dataset, file_sha256))
    }

    /// Loads `DIR/territoires.bin`, checked, and notes which file it came from.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join(FILE_NAME);
        let bytes = std::fs::read(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::file(
                    &path,
                    "no prepared dataset here; run `make data` or `territoires build`",
                )
            } else {
                Error::io(&path, e)
            }
        })?;
        let (mut dataset, sha256) = Self::checked(&bytes, &path)?;
        let written = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .map(crate::time::rfc3339);
        dataset.file = Some(LoadedFile {
            path,
            sha256,
            written,
            bytes: bytes.len() as u64,
        });
        Ok(dataset)
    }

    /// Writes the dataset atomically (temporary file, then rename), so a failed write never
    /// replaces a good dataset. Returns the file's path and SHA-256.
    pub fn save(&self, dir: &Path) -> Result<(PathBuf, String)> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let bytes = self.to_bytes()?;
        let path = dir.join(FILE_NAME);
        let tmp = dir.join(format!(".{FILE_NAME}.tmp"));
        let mut file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        file.write_all(&bytes).map_err(|e| Error::io(&tmp, e))?;
        file.sync_all().map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        Ok((path, sha256_hex(&bytes)))
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

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
