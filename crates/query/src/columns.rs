//! A layer's attributes as typed columns: GIS tools sort and filter numbers only when the column is
//! numeric, so a property whose values are all numbers becomes a number column, the rest text.
//!
//! The one schema of a layer's attributes: the GIS files write these columns, and the OGC API's
//! queryables, filters and sorting read them, so that a column filtered on is the column downloaded.
//!
//! The columns are those of the CSV and the GeoJSON: id, name, every property in first-seen order, and
//! for layers built from communes their population and area. A column's type is decided over the whole
//! layer, so that a bbox selection has the same columns as the whole file.

use std::borrow::Cow;

use territoires_core::dataset::{Feature, Layer, LayerKind, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Integer,
    Real,
    Boolean,
    Text,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The name in the file; a property whose name is taken gets a `_2`, `_3`, … suffix.
    pub name: String,
    pub kind: ColumnType,
    source: Source,
}

/// Where a column's values come from.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    Id,
    Name,
    Property(String),
    Population,
    AreaKm2,
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Boolean(bool),
    Text(Cow<'a, str>),
}

/// Names the formats keep for themselves: the GeoPackage's key and geometry columns.
const RESERVED: [&str; 2] = ["fid", "geom"];

/// The columns of `layer`'s files.
pub fn columns(layer: &Layer) -> Vec<Column> {
    let mut out = vec![
        Column {
            name: "id".into(),
            kind: ColumnType::Text,
            source: Source::Id,
        },
        Column {
            name: "name".into(),
            kind: ColumnType::Text,
            source: Source::Name,
        },
    ];
    let keys = property_keys(layer);
    let with_figures = layer.kind != LayerKind::Polygons;
    let figure_names: &[&str] = if with_figures {
        &["population", "area_km2"]
    } else {
        &[]
    };
    for key in keys {
        // SQLite compares column names without case.
        let taken = |name: &str| {
            out.iter().any(|c| c.name.eq_ignore_ascii_case(name))
                || RESERVED
                    .iter()
                    .chain(figure_names)
                    .any(|r| r.eq_ignore_ascii_case(name))
        };
        let name = std::iter::once(key.to_string())
            .chain((2..).map(|n| format!("{key}_{n}")))
            .find(|name| !taken(name))
            .unwrap_or_else(|| key.to_string());
        out.push(Column {
            name,
            kind: property_type(layer, key),
            source: Source::Property(key.to_string()),
        });
    }
    if with_figures {
        out.push(Column {
            name: "population".into(),
            kind: ColumnType::Integer,
            source: Source::Population,
        });
        out.push(Column {
            name: "area_km2".into(),
            kind: ColumnType::Real,
            source: Source::AreaKm2,
        });
    }
    out
}

/// The narrowest type that holds every value of `key` in the layer: integers, then numbers, then
/// booleans; anything else, or a mix, is text.
fn property_type(layer: &Layer, key: &str) -> ColumnType {
    let mut kind: Option<ColumnType> = None;
    for value in layer.features.iter().filter_map(|f| f.property(key)) {
        let this = match value {
            Value::Null => continue,
            Value::Int(_) => ColumnType::Integer,
            Value::Float(_) => ColumnType::Real,
            Value::Bool(_) => ColumnType::Boolean,
            Value::Text(_) | Value::List(_) => return ColumnType::Text,
        };
        kind = Some(match (kind, this) {
            (None, k) => k,
            (Some(a), b) if a == b => a,
            (Some(ColumnType::Integer), ColumnType::Real) | (Some(ColumnType::Real), ColumnType::Integer) => {
                ColumnType::Real
            }
            _ => return ColumnType::Text,
        });
    }
    kind.unwrap_or(ColumnType::Text)
}

impl Column {
    /// This column's value for `feature`.
    pub fn cell<'a>(&self, feature: &'a Feature) -> Cell<'a> {
        match &self.source {
            Source::Id => Cell::Text(Cow::Borrowed(&feature.id)),
            Source::Name => Cell::Text(Cow::Borrowed(&feature.name)),
            Source::Population => Cell::Integer(i64::try_from(feature.population).unwrap_or(i64::MAX)),
            // Rounded as in the CSV and the GeoJSON: metres² are noise at this scale.
            Source::AreaKm2 => Cell::Real((feature.area_km2 * 1000.0).round() / 1000.0),
            Source::Property(key) => match (feature.property(key), self.kind) {
                (None | Some(Value::Null), _) => Cell::Null,
                (Some(Value::Int(i)), ColumnType::Integer) => Cell::Integer(*i),
                (Some(Value::Int(i)), ColumnType::Real) => Cell::Real(*i as f64),
                (Some(Value::Float(x)), ColumnType::Real) => Cell::Real(*x),
                (Some(Value::Bool(b)), ColumnType::Boolean) => Cell::Boolean(*b),
                (Some(Value::Text(s)), _) => Cell::Text(Cow::Borrowed(s)),
                // Lists are `;`-joined, as in the CSV.
                (Some(other), _) => Cell::Text(Cow::Owned(other.to_string())),
            },
        }
    }
}

/// Every property key the layer's features have, in the order they first appear.
pub fn property_keys(layer: &Layer) -> Vec<&str> {
    let mut keys: Vec<&str> = Vec::new();
    for f in &layer.features {
        for (k, _) in &f.properties {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use territoires_core::dataset::InputKind;
    use territoires_core::dataset::{
        Feature, Geometries, Layer, LayerKind, Membership, Source as DataSource, Value,
    };

    fn feature(id: &str, properties: Vec<(&str, Value)>) -> Feature {
        Feature {
            id: id.into(),
            name: format!("name {id}").into(),
            properties: properties.into_iter().map(|(k, v)| (k.into(), v)).collect(),
            communes: Vec::new(),
            population: 7,
            area_km2: 1.23456,
            label: None,
        }
    }

    fn layer(kind: LayerKind, features: Vec<Feature>) -> Layer {
        Layer {
            id: "test".into(),
            title: "Test".into(),
            singular: "Test".into(),
            none: "Aucun".into(),
            description: "A test layer.".into(),
            source: DataSource {
                name: "test".into(),
                vintage: "2026".into(),
                licence: "none".into(),
            },
            kind,
            input: InputKind::Polygons,
            searchable: false,
            legend: None,
            carrier: None,
            display: Default::default(),
            style: Default::default(),
            fields: Vec::new(),
            note: None,
            carried_by_territories: false,
            geometries: Geometries::new(&vec![geo::MultiPolygon(Vec::new()); features.len()]),
            features,
            membership: Membership::default(),
            grid: None,
        }
    }

    #[test]
    fn types_follow_the_values() {
        let l = layer(
            LayerKind::CommuneSets,
            vec![
                feature(
                    "a",
                    vec![
                        ("count", Value::Int(1)),
                        ("ratio", Value::Int(1)),
                        ("flag", Value::Bool(true)),
                        ("mixed", Value::Int(3)),
                        ("members", Value::List(vec!["x".into(), "y".into()])),
                    ],
                ),
                feature(
                    "b",
                    vec![
                        ("count", Value::Null),
                        ("ratio", Value::Float(0.5)),
                        ("mixed", Value::Text("three".into())),
                    ],
                ),
            ],
        );
        let cols = columns(&l);
        let kinds: Vec<(&str, ColumnType)> = cols.iter().map(|c| (c.name.as_str(), c.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("id", ColumnType::Text),
                ("name", ColumnType::Text),
                ("count", ColumnType::Integer),
                ("ratio", ColumnType::Real),
                ("flag", ColumnType::Boolean),
                ("mixed", ColumnType::Text),
                ("members", ColumnType::Text),
                ("population", ColumnType::Integer),
                ("area_km2", ColumnType::Real),
            ]
        );
        let a = &l.features[0];
        let b = &l.features[1];
        assert_eq!(cols[3].cell(a), Cell::Real(1.0));
        assert_eq!(cols[5].cell(a), Cell::Text("3".into()));
        assert_eq!(cols[6].cell(a), Cell::Text("x;y".into()));
        assert_eq!(cols[2].cell(b), Cell::Null);
        assert_eq!(cols[4].cell(b), Cell::Null);
        assert_eq!(cols[8].cell(a), Cell::Real(1.235));
    }

    #[test]
    fn taken_names_get_a_suffix_and_polygon_layers_no_figures() {
        let l = layer(
            LayerKind::Polygons,
            vec![feature(
                "a",
                vec![
                    ("Name", Value::Int(1)),
                    ("fid", Value::Int(2)),
                    ("name_2", Value::Int(3)),
                ],
            )],
        );
        let names: Vec<String> = columns(&l).into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["id", "name", "Name_2", "fid_2", "name_2_2"]);
    }
}
