//! The locate answer as JSON, the same bytes for the command line, `GET /api/locate` and the batch.

use std::borrow::Cow;

use territoires_core::Indexed;
use territoires_core::dataset::{Feature, Layer, LayerIx, LayerKind};
use territoires_query::Location;
use territoires_query::locate::Hit;

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
        LocationWriter {
            heads: layers.iter().map(head_json).collect(),
            features: layers
                .iter()
                .map(|layer| layer.features.iter().map(|f| feature_json(layer, f)).collect())
                .collect(),
        }
    }

    /// Appends the answer for `layers` to `out`, with `extra` top-level members (already JSON).
    pub fn write(&self, location: &Location, layers: &[LayerIx], extra: &[(&str, &str)], out: &mut String) {
        // The features' texts lie apart in memory, and a busy server has them out of its caches:
        // reading their first bytes together lets the cache misses overlap, where copying them one
        // after the other would wait for each in turn.
        let first_bytes = location.hits.iter().fold(0u8, |acc, hit| {
            acc ^ self.feature_text(hit).as_bytes().first().copied().unwrap_or(0)
        });
        std::hint::black_box(first_bytes);
        write_location(
            location,
            layers,
            extra,
            out,
            |l| self.heads[l.index()].as_str().into(),
            |hit| self.feature_text(hit).into(),
        );
    }

    fn feature_text(&self, hit: &Hit) -> &str {
        &self.features[hit.layer.index()][hit.feature.index()]
    }
}

/// [`LocationWriter::write`] for a single answer, rendering only what it holds: a command that
/// answers once need not render the 38,000 features of a writer first.
pub fn write_location_once(
    ix: &Indexed,
    location: &Location,
    layers: &[LayerIx],
    extra: &[(&str, &str)],
    out: &mut String,
) {
    let all = &ix.dataset.layers;
    write_location(
        location,
        layers,
        extra,
        out,
        |l| head_json(&all[l]).into(),
        |hit| {
            let layer = &all[hit.layer];
            feature_json(layer, &layer.features[hit.feature.index()]).into()
        },
    );
}

/// `{"layer":…,"title":…,"source":{…},"features":[`.
fn head_json(layer: &Layer) -> String {
    let head = serde_json::json!({"layer": layer.id, "title": layer.title, "source": layer.source});
    let head = head.to_string();
    format!("{},\"features\":[", &head[..head.len() - 1])
}

/// A feature's JSON object without its closing brace: its attributes, member lists left out.
fn feature_json(layer: &Layer, f: &Feature) -> String {
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
}

/// The answer, from each layer's head and each hit's feature text.
fn write_location<'a>(
    location: &Location,
    layers: &[LayerIx],
    extra: &[(&str, &str)],
    out: &mut String,
    head: impl Fn(LayerIx) -> Cow<'a, str>,
    feature: impl Fn(&Hit) -> Cow<'a, str>,
) {
    use std::fmt::Write;
    out.push_str("{\"lon\":");
    push_number(out, location.lon);
    out.push_str(",\"lat\":");
    push_number(out, location.lat);
    out.push_str(",\"layers\":[");
    for (i, &l) in layers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&head(l));
        for (j, hit) in location.hits_in(l).enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str(&feature(hit));
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

/// Appends `v` as JSON: the shortest digits that read back as `v`, never an exponent, as `Display`
/// writes them (`Display`'s float formatting was a tenth of a point lookup's handler). ryu writes
/// the same text in this range, but for whole numbers' `.0`; where several 17-digit texts read
/// back as `v`, it takes the closest, which `Display` does not always do.
fn push_number(out: &mut String, v: f64) {
    use std::fmt::Write;
    let magnitude = v.abs();
    if magnitude == 0.0 || (1e-5..1e16).contains(&magnitude) {
        let mut digits = ryu::Buffer::new();
        let text = digits.format_finite(v);
        out.push_str(text.strip_suffix(".0").unwrap_or(text));
    } else {
        let _ = write!(out, "{v}");
    }
}

#[cfg(test)]
mod tests {
    use super::{LocationWriter, push_number, write_location_once};
    use proptest::prelude::*;
    use territoires_core::Indexed;
    use territoires_core::dataset::LayerIx;
    use territoires_fixtures::{commune_centre, tiny_dataset};
    use territoires_query::locate::{LocateOptions, locate};

    /// A command's single answer is the server's, byte for byte: at commune centres, between
    /// them, outside every feature, approximate (with a tolerance), and for some layers only.
    #[test]
    fn a_single_answer_is_the_writer_s() {
        let ix = Indexed::new(tiny_dataset());
        let writer = LocationWriter::new(&ix);
        let every: Vec<LayerIx> = LayerIx::all(ix.dataset.layers.len()).collect();
        let some: Vec<LayerIx> = every.iter().copied().step_by(2).collect();
        let (x0, y0) = commune_centre(0, 0);
        let (x1, y1) = commune_centre(1, 2);
        let points = [
            (x0, y0),
            (x1, y1),
            ((x0 + x1) / 2.0, (y0 + y1) / 2.0),
            (x0 - 0.3, y0 - 0.3),
        ];
        let mut answers = 0;
        for (lon, lat) in points {
            for tolerance_m in [None, Some(50_000.0)] {
                for layers in [&every, &some] {
                    let options = LocateOptions {
                        tolerance_m,
                        layers: Some(layers.clone()),
                    };
                    let location = locate(&ix, lon, lat, &options).expect("a valid point");
                    let extra = [("vintage", "\"2026\"")];
                    let (mut served, mut once) = (String::new(), String::new());
                    writer.write(&location, layers, &extra, &mut served);
                    write_location_once(&ix, &location, layers, &extra, &mut once);
                    assert_eq!(once, served, "{lon} {lat} {tolerance_m:?}");
                    answers += usize::from(!location.hits.is_empty());
                }
            }
        }
        assert!(answers > 4, "the points must hit features");
    }

    fn written(v: f64) -> String {
        let mut out = String::new();
        push_number(&mut out, v);
        out
    }

    #[test]
    fn numbers_read_as_display_writes_them() {
        for v in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            4.2,
            45.37,
            1e-5,
            9.99e-6,
            1e-7,
            0.1 + 0.2,
            1e15,
            1e16,
            123456789.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
            -f64::INFINITY,
        ] {
            assert_eq!(written(v), v.to_string(), "{v:?}");
        }
    }

    proptest! {
        #[test]
        fn any_number_reads_back_as_itself(v in any::<f64>()) {
            let text = written(v);
            if v.is_finite() {
                prop_assert_eq!(text.parse::<f64>().ok(), Some(v), "{}", text);
                prop_assert!(!text.contains('e'), "{}", text);
            } else {
                prop_assert_eq!(text, v.to_string());
            }
        }

        /// Coordinates as people and programs write them: up to 15 significant digits.
        #[test]
        fn coordinates_read_as_display_writes_them(v in -180.0..180.0f64, digits in 0..13i32) {
            let rounded = (v * 10f64.powi(digits)).round() / 10f64.powi(digits);
            prop_assert_eq!(written(rounded), rounded.to_string());
        }
    }
}
