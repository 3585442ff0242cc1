//! Feature attributes and commune membership, as stored.

use serde::{Deserialize, Serialize};

/// A short text of the dataset (a code, a name, a property key or value): inline up to 24 bytes, so
/// that loading the attributes of 35,000 communes and their features allocates for few of them.
pub type Text = compact_str::CompactString;

use super::{CommuneIx, Feature, FeatureIx};

/// An attribute value. A closed enum rather than `serde_json::Value`, because postcard cannot
/// decode self-describing values.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(Text),
    List(Vec<Text>),
}

impl Value {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into),
            Value::Text(s) => s.as_str().into(),
            Value::List(items) => items.iter().map(Text::as_str).collect(),
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
            serde_json::Value::String(s) => Value::Text(s.into()),
            other => Value::Text(other.to_string().into()),
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
    features: Vec<FeatureIx>,
}

impl Membership {
    /// Inverts features' member lists. Feature ids come out sorted for each commune.
    pub fn from_features(commune_count: usize, features: &[Feature]) -> Self {
        let mut per_commune: Vec<Vec<FeatureIx>> = vec![Vec::new(); commune_count];
        for (f, feature) in features.iter().enumerate() {
            for &c in &feature.communes {
                per_commune[c.index()].push(FeatureIx::at(f));
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

    /// Checks a loaded table: one row per commune, in order, naming features that exist.
    pub(crate) fn check(&self, communes: usize, features: usize) -> Result<(), String> {
        if self.offsets.len() != communes + 1
            || self.offsets.first() != Some(&0)
            || self.offsets.windows(2).any(|w| w[0] > w[1])
            || self.offsets.last().map(|&o| o as usize) != Some(self.features.len())
        {
            return Err("membership rows out of order".into());
        }
        match self.features.iter().find(|f| f.index() >= features) {
            Some(f) => Err(format!("membership names feature {} of {features}", f.index())),
            None => Ok(()),
        }
    }

    pub fn features_of(&self, commune: CommuneIx) -> &[FeatureIx] {
        let c = commune.index();
        match (self.offsets.get(c), self.offsets.get(c + 1)) {
            (Some(&a), Some(&b)) => &self.features[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// Most elements a decoded list reserves room for from its stated length: France has 35,000
/// communes (a longer list still decodes, growing past it), and a crafted length must reserve no
/// more than this (13 MB of communes).
const MOST_PREALLOCATED: usize = 1 << 16;

/// Decodes a list into room reserved once from its stated length. serde reserves at most 1 MiB up
/// front, so the 7 MB of communes grew by doubling, copied and faulted in twice over at every load.
pub(crate) fn preallocated<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Elements<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Elements<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut elements = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MOST_PREALLOCATED));
            while let Some(element) = seq.next_element()? {
                elements.push(element);
            }
            Ok(elements)
        }
    }
    deserializer.deserialize_seq(Elements(std::marker::PhantomData))
}
