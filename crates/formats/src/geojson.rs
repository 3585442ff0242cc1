//! GeoJSON writing, by hand into a string: the layer endpoints write up to a million coordinates, and
//! building a `serde_json::Value` tree for them first would cost more than the writing itself.

use std::fmt::Write;

use geo::{LineString, MultiPolygon};
use serde_json::{Map, Value as Json, json};

use territoires_core::dataset::{Feature, Layer, LayerKind};
use territoires_geo::CrsRef;

/// How features are written: rounding, the system their geometry is already in, which properties.
#[derive(Debug, Clone, Copy)]
pub struct Writing<'a> {
    /// Decimal places to round coordinates to; all of them without.
    pub decimals: Option<u32>,
    /// The reference of the geometry given to the writer; the label point is taken to it.
    pub crs: CrsRef,
    /// The properties to keep, by name; all of them without.
    pub properties: Option<&'a [String]>,
}

impl Writing<'_> {
    /// CRS84 and every property, rounded to `decimals`.
    pub fn crs84(decimals: Option<u32>) -> Writing<'static> {
        Writing {
            decimals,
            crs: CrsRef::CRS84,
            properties: None,
        }
    }
}

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

/// Appends one GeoJSON Feature with the given geometry (already in `how.crs`), and the point where a
/// map writes its name as the foreign member `label` (`[lon, lat]`, or in `how.crs`; inside the
/// feature), so that no client computes it.
pub fn write_feature(
    out: &mut String,
    layer: &Layer,
    feature: &Feature,
    geometry: &MultiPolygon<f64>,
    how: &Writing,
) {
    out.push_str(r#"{"type":"Feature","id":"#);
    out.push_str(&Json::from(feature.id.as_str()).to_string());
    let label = feature
        .label
        .and_then(|[lon, lat]| how.crs.from_wgs84(geo::coord! {x: lon, y: lat}).ok());
    if let Some(label) = label {
        let scale = scale_for(how.decimals);
        out.push_str(r#","label":["#);
        write_number(out, label.x, scale);
        out.push(',');
        write_number(out, label.y, scale);
        out.push(']');
    }
    let mut props = properties(layer, feature);
    if let Some(keep) = how.properties {
        props.retain(|k, _| keep.iter().any(|name| name == k));
    }
    out.push_str(r#","properties":"#);
    out.push_str(&Json::Object(props).to_string());
    out.push_str(r#","geometry":"#);
    write_geometry(out, geometry, how.decimals);
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
    pub fn push(&mut self, layer: &Layer, feature: &Feature, geometry: &MultiPolygon<f64>, how: &Writing) {
        write_feature(self.next_feature(), layer, feature, geometry, how);
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
