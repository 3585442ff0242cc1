//! The locate answer as JSON, the same bytes for the command line, `GET /api/locate` and the batch.

use territoires_core::Indexed;
use territoires_core::dataset::{LayerIx, LayerKind};
use territoires_query::Location;

/// Writes locate answers as JSON, as the CLI and the HTTP API give them: per layer, the features at
/// the point with their attributes (member lists left out) and the layer's source and vintage.
///
/// Each feature's JSON is rendered once, up front, so that answering is string concatenation: the
/// server writes tens of thousands of these a second.
pub struct LocationWriter {
    /// Per layer: `{"layer":…,"title":…,"source":{…},"features":[`.
    heads: Vec<String>,
    /// Per layer, per feature: its JSON object without the closing brace.
    features: Vec<Vec<String>>,
}

impl LocationWriter {
    pub fn new(ix: &Indexed) -> Self {
        let layers = &ix.dataset.layers;
        let heads = layers
            .iter()
            .map(|layer| {
                let head =
                    serde_json::json!({"layer": layer.id, "title": layer.title, "source": layer.source});
                let head = head.to_string();
                format!("{},\"features\":[", &head[..head.len() - 1])
            })
            .collect();
        let features = layers
            .iter()
            .map(|layer| {
                layer
                    .features
                    .iter()
                    .map(|f| {
                        let mut view = serde_json::Map::new();
                        view.insert("id".into(), f.id.as_str().into());
                        view.insert("name".into(), f.name.as_str().into());
                        for (k, v) in f.properties.iter().filter(|(k, _)| k != "members") {
                            view.insert(k.to_string(), v.to_json());
                        }
                        if layer.kind != LayerKind::Polygons {
                            view.insert("population".into(), f.population.into());
                            view.insert(
                                "area_km2".into(),
                                serde_json::json!((f.area_km2 * 1000.0).round() / 1000.0),
                            );
                        }
                        let text = serde_json::Value::Object(view).to_string();
                        text[..text.len() - 1].to_string()
                    })
                    .collect()
            })
            .collect();
        LocationWriter { heads, features }
    }

    /// Appends the answer for `layers` to `out`, with `extra` top-level members (already JSON).
    pub fn write(&self, location: &Location, layers: &[LayerIx], extra: &[(&str, &str)], out: &mut String) {
        use std::fmt::Write;
        let _ = write!(
            out,
            "{{\"lon\":{},\"lat\":{},\"layers\":[",
            location.lon, location.lat
        );
        for (i, &l) in layers.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&self.heads[l.index()]);
            for (j, hit) in location.hits_in(l).enumerate() {
                if j > 0 {
                    out.push(',');
                }
                out.push_str(&self.features[l.index()][hit.feature.index()]);
                if hit.approximate {
                    let _ = write!(
                        out,
                        ",\"approximate\":true,\"distance_m\":{}}}",
                        (hit.distance_m * 10.0).round() / 10.0
                    );
                } else {
                    out.push_str(",\"approximate\":false}");
                }
            }
            out.push_str("]}");
        }
        out.push(']');
        for (key, json) in extra {
            let _ = write!(out, ",\"{key}\":{json}");
        }
        out.push('}');
    }
}
