//! GeoJSON writing, by hand into a string: the layer endpoints write up to a million coordinates, and
//! building a `serde_json::Value` tree for them first would cost more than the writing itself.

use std::fmt::Write;

use geo::{LineString, MultiPolygon};
use serde_json::{Map, Value as Json, json};

use territoires_core::dataset::{Feature, Layer, LayerKind};

/// Appends a GeoJSON geometry (a `MultiPolygon`, or `null` when empty). With `decimals`, coordinates
/// are rounded to that many decimal places.
pub fn write_geometry(out: &mut String, mp: &MultiPolygon<f64>, decimals: Option<u32>) {
    if mp.0.is_empty() {
        out.push_str("null");
        return;
    }
    let scale = scale_for(decimals);
    let number = |out: &mut String, v: f64| write_number(out, v, scale);
    let ring = |out: &mut String, r: &LineString<f64>| {
        out.push('[');
        for (i, c) in r.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            number(out, c.x);
            out.push(',');
            number(out, c.y);
            out.push(']');
        }
        out.push(']');
    };
    out.push_str(r#"{"type":"MultiPolygon","coordinates":["#);
    for (i, p) in mp.0.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        ring(out, p.exterior());
        for h in p.interiors() {
            out.push(',');
            ring(out, h);
        }
        out.push(']');
    }
    out.push_str("]}");
}

pub fn geometry_json(mp: &MultiPolygon<f64>, decimals: Option<u32>) -> Json {
    let mut text = String::new();
    write_geometry(&mut text, mp, decimals);
    serde_json::from_str(&text).unwrap_or(Json::Null)
}

/// What a coordinate is multiplied by before rounding, to keep `decimals` places.
fn scale_for(decimals: Option<u32>) -> Option<f64> {
    decimals.map(|d| 10f64.powi(d as i32))
}

/// Appends a coordinate, rounded with `scale` (see `scale_for`) when given.
fn write_number(out: &mut String, v: f64, scale: Option<f64>) {
    let v = scale.map_or(v, |s| (v * s).round() / s);
    let _ = write!(out, "{v}");
}

/// A feature's properties as GeoJSON gives them: id, name, its attributes, and for layers built from
/// communes its population and area.
pub fn properties(layer: &Layer, feature: &Feature) -> Map<String, Json> {
    let mut props = Map::new();
    props.insert("id".into(), feature.id.as_str().into());
    props.insert("name".into(), feature.name.as_str().into());
    for (k, v) in &feature.properties {
        props.insert(k.to_string(), v.to_json());
    }
    if layer.kind != LayerKind::Polygons {
        props.insert("population".into(), feature.population.into());
        props.insert(
            "area_km2".into(),
            json!((feature.area_km2 * 1000.0).round() / 1000.0),
        );
    }
    props
}

/// Appends one GeoJSON Feature with the given geometry, and the point where a map writes its name as
/// the foreign member `label` (`[lon, lat]`, inside the feature), so that no client computes it.
pub fn write_feature(
    out: &mut String,
    layer: &Layer,
    feature: &Feature,
    geometry: &MultiPolygon<f64>,
    decimals: Option<u32>,
) {
    out.push_str(r#"{"type":"Feature","id":"#);
    out.push_str(&Json::from(feature.id.as_str()).to_string());
    if let Some([lon, lat]) = feature.label {
        let scale = scale_for(decimals);
        out.push_str(r#","label":["#);
        write_number(out, lon, scale);
        out.push(',');
        write_number(out, lat, scale);
        out.push(']');
    }
    out.push_str(r#","properties":"#);
    out.push_str(&Json::Object(properties(layer, feature)).to_string());
    out.push_str(r#","geometry":"#);
    write_geometry(out, geometry, decimals);
    out.push('}');
}

/// A GeoJSON FeatureCollection written as text, one feature after another: the one writer for whole
/// layers, OGC pages and member lists, which render thousands of features without a JSON tree.
pub struct Collection {
    out: String,
    features: usize,
}

impl Collection {
    /// Opens a collection; `leading` members (`name`, `metadata`…, values already JSON) come before
    /// `features`, as GDAL reads `name` first.
    pub fn new(leading: &[(&str, &str)]) -> Self {
        let mut out = String::from(r#"{"type":"FeatureCollection""#);
        for (key, json) in leading {
            out.push_str(&format!(",\"{key}\":{json}"));
        }
        out.push_str(r#","features":["#);
        Collection { out, features: 0 }
    }

    /// The buffer to write the next feature into, its separator already written.
    pub fn next_feature(&mut self) -> &mut String {
        if self.features > 0 {
            self.out.push(',');
        }
        self.features += 1;
        &mut self.out
    }

    /// Appends one feature of `layer` with the given geometry (see [`write_feature`]).
    pub fn push(
        &mut self,
        layer: &Layer,
        feature: &Feature,
        geometry: &MultiPolygon<f64>,
        decimals: Option<u32>,
    ) {
        write_feature(self.next_feature(), layer, feature, geometry, decimals);
    }

    /// Closes the features, then the collection after its `trailing` members (values already JSON).
    pub fn finish(mut self, trailing: &[(&str, &str)]) -> String {
        self.out.push(']');
        for (key, json) in trailing {
            self.out.push_str(&format!(",\"{key}\":{json}"));
        }
        self.out.push('}');
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collection_is_valid_json_with_its_members_in_place() {
        let mut collection = Collection::new(&[("name", "\"pays-1\"")]);
        collection
            .next_feature()
            .push_str(r#"{"type":"Feature","properties":{},"geometry":null}"#);
        collection
            .next_feature()
            .push_str(r#"{"type":"Feature","properties":{},"geometry":null}"#);
        let text = collection.finish(&[("numberReturned", "2")]);
        let json: Json = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(json["type"], "FeatureCollection");
        assert_eq!(json["name"], "pays-1");
        assert_eq!(json["features"].as_array().map(Vec::len), Some(2));
        assert_eq!(json["numberReturned"], 2);
        assert!(text.find("\"name\"") < text.find("\"features\""));
    }

    #[test]
    fn an_empty_collection_is_valid_json() {
        let json: Json = serde_json::from_str(&Collection::new(&[]).finish(&[])).expect("valid JSON");
        assert_eq!(json["features"], serde_json::json!([]));
    }
}
