//! The small typed pieces answers are made of, so that no answer is an untyped JSON value.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use territoires_core::dataset::{Feature, Text, Value};

/// An answer with the base data's vintage beside its own members: what every API answer states.
/// Its schema goes by `T`'s name: a client sees one `Coverage`, the answer it gets.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(rename = "{T}", transform = without_description)]
pub struct Answer<'a, T> {
    #[serde(flatten)]
    pub body: T,
    /// The vintage of the base layers (the COG year) the answer was computed on.
    pub vintage: &'a str,
}

/// A feature named by its id and name.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FeatureRef {
    pub id: String,
    pub name: String,
}

/// For a wrapper whose schema is the answer's own (`Answer<T>` is `T`'s): without it, every answer
/// would say what the wrapper is.
pub fn without_description(schema: &mut Schema) {
    schema.remove("description");
}

/// The id of a layer of the dataset. The layers are data, so the OpenAPI document fills the enum of
/// this schema from the loaded dataset; the answer types name it where they hold a layer id.
pub struct LayerId;

impl JsonSchema for LayerId {
    fn schema_name() -> Cow<'static, str> {
        "LayerId".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string", "description": "a layer of the dataset"})
    }
}

impl FeatureRef {
    pub fn of(feature: &Feature) -> Self {
        FeatureRef {
            id: feature.id.to_string(),
            name: feature.name.to_string(),
        }
    }
}

/// A feature of another layer and how many communes it shares with the one asked about.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SharedFeature {
    pub id: String,
    pub name: String,
    pub shared_communes: usize,
}

/// A member commune.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CommuneRef {
    pub code: String,
    pub name: String,
    pub population: u64,
}

/// A feature's attributes as a JSON object, in file order. Stored values are a closed enum that
/// postcard can decode; this writes each one as the plain JSON value it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct Properties(pub Vec<(Text, Value)>);

impl Properties {
    pub fn of(feature: &Feature) -> Self {
        Properties(feature.properties.clone())
    }
}

impl JsonSchema for Properties {
    fn schema_name() -> Cow<'static, str> {
        "Properties".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "description": "the feature's attributes as its source gives them: null, a boolean, a number, a string or a list of strings each",
        })
    }
}

impl Serialize for Properties {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, &PlainValue(value))?;
        }
        map.end()
    }
}

/// A stored value as plain JSON: `null`, a boolean, a number, a string or a list of strings.
struct PlainValue<'a>(&'a Value);

impl Serialize for PlainValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            // JSON has no NaN or infinity: such a value is unknown.
            Value::Float(f) if f.is_finite() => serializer.serialize_f64(*f),
            Value::Float(_) => serializer.serialize_unit(),
            Value::Text(s) => serializer.serialize_str(s),
            Value::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_serialise_as_the_plain_json_of_their_values() {
        let properties = Properties(vec![
            ("kind".into(), Value::Text("PETR".into())),
            ("members".into(), Value::List(vec!["a".into(), "b".into()])),
            ("year".into(), Value::Int(2017)),
            ("share".into(), Value::Float(f64::NAN)),
            ("none".into(), Value::Null),
        ]);
        let json = serde_json::to_value(&properties).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"kind": "PETR", "members": ["a", "b"], "year": 2017, "share": null, "none": null})
        );
        // The same as the stored value's own JSON, which the GeoJSON writers use.
        for (key, value) in &properties.0 {
            assert_eq!(json[key.as_str()], value.to_json(), "{key}");
        }
    }
}
