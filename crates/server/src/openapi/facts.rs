//! The data-driven pass over the document: what only the loaded dataset can say. Layer ids and
//! territory ids as enums, the `scope` and `layers` grammars as patterns spelled from the data's
//! codes, and examples that reach real features, so that Schemathesis, client generators and QGIS
//! meet the server's real answers rather than its 404s.
//!
//! The route table marks what it wants filled with a [`Fact`]; [`apply`] fills it and removes the
//! mark. Without the pass the document is the data-free skeleton its snapshot test pins.

use serde_json::{Map, Value as Json, json};

use crate::AppState;
use territoires_core::dataset::{Feature, InputKind, LayerIx};

/// A value the pass fills in on a parameter or a media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fact {
    /// Per layer, the layer's id: the examples of a `{layer}` path.
    Layer,
    /// Per layer, its first feature's id.
    Feature,
    /// A `layers` list of any layer ids: its pattern.
    Layers,
    /// A `layers` list of searchable layer ids.
    SearchableLayers,
    /// `scope`: its pattern from the data's codes, and examples.
    Scope,
    /// A région's INSEE code: its pattern from the data's codes, and an example.
    Region,
    /// A point inside the first commune.
    Point,
    /// A bbox around that point.
    Bbox,
    /// The layer of territoires de projet.
    TerritoriesLayer,
    /// A draft of the first EPCI.
    Draft,
    /// A draft of the first EPCI as a POST body.
    DraftBody,
    /// The first feature's name, as a search.
    SearchText,
    /// The zoom of a map view.
    ViewZoom,
    /// Per layer, the tile holding its first feature: zoom, column, row.
    TileZ,
    TileX,
    TileY,
    /// A CSV of the point, for the batch.
    PointsCsv,
    /// A FeatureCollection of the point, for the batch.
    PointsGeoJson,
}

/// The zoom the tiles' examples are cut at: a département fills a few tiles.
pub const EXAMPLE_TILE_ZOOM: u8 = 8;

impl Fact {
    /// The mark's key in the rendered skeleton; its value is the fact's name, in kebab-case.
    pub const KEY: &'static str = "x-territoires-fact";

    pub fn mark(self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

/// `text` as a regex literal, in the syntax ECMA-262, Python and Rust share.
fn regex_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\^$.|?*+()[]{}/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `a|b|c` of regex literals.
fn alternation<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items.into_iter().map(regex_literal).collect::<Vec<_>>().join("|")
}

/// A comma-separated list of `items`, or nothing: `^((a|b)(,(a|b))*)?$`.
fn list_pattern<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let one = alternation(items);
    format!("^(({one})(,({one}))*)?$")
}

/// What the document says of the loaded data.
struct Facts<'a> {
    state: &'a AppState,
    /// Per layer with features: the layer's id, its first feature and its position.
    firsts: Vec<(&'a str, &'a Feature, usize)>,
}

impl<'a> Facts<'a> {
    fn new(state: &'a AppState) -> Self {
        let firsts = state
            .ix
            .dataset
            .layers
            .iter()
            .enumerate()
            .filter_map(|(i, l)| Some((l.id.as_str(), l.features.first()?, i)))
            .collect();
        Facts { state, firsts }
    }

    /// Examples named after each layer, so that Schemathesis pairs a layer with its own feature.
    fn per_layer(&self, value: impl Fn(&str, &Feature, usize) -> Json) -> Map<String, Json> {
        self.firsts
            .iter()
            .map(|&(layer, feature, i)| (layer.to_string(), json!({"value": value(layer, feature, i)})))
            .collect()
    }

    /// A point inside the first commune (or the first feature of any layer).
    fn example_point(&self) -> Option<[f64; 2]> {
        let data = &self.state.ix.dataset;
        let layer = self.state.ix.communes_layer().map_or(0, LayerIx::index);
        data.layers.get(layer)?.features.first()?.label
    }

    /// `scope`: `metropole` and its two aliases, `region:CODE`, `departement:CODE`.
    fn scope_pattern(&self) -> String {
        let data = &self.state.ix.dataset;
        let regions = alternation(data.regions.iter().map(|d| d.code.as_str()));
        let departements = alternation(data.departements.iter().map(|d| d.code.as_str()));
        format!("^(metropole|metro|france|region:({regions})|departement:({departements}))$")
    }

    fn scope_examples(&self) -> Map<String, Json> {
        let data = &self.state.ix.dataset;
        let mut examples = Map::new();
        examples.insert("metropole".into(), json!({"value": "metropole"}));
        if let Some(r) = data.regions.first() {
            examples.insert("region".into(), json!({"value": format!("region:{}", r.code)}));
        }
        if let Some(d) = data.departements.first() {
            examples.insert(
                "departement".into(),
                json!({"value": format!("departement:{}", d.code)}),
            );
        }
        examples
    }

    fn layer_ids(&self, searchable_only: bool) -> Vec<&'a str> {
        let layers = &self.state.ix.dataset.layers;
        layers
            .iter()
            .filter(|l| l.searchable || !searchable_only)
            .map(|l| l.id.as_str())
            .collect()
    }

    /// The SIRENs a draft may hold: every EPCI, and the other structures the simulator recognises
    /// (and flags in its `members_are_epci` check).
    fn draft_members(&self) -> Vec<&'a str> {
        let data = &self.state.ix.dataset;
        let mut ids: Vec<&str> = data
            .layers
            .iter()
            .filter(|l| matches!(l.input, InputKind::Epci | InputKind::MembershipCsv))
            .flat_map(|l| l.features.iter().map(|f| f.id.as_str()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn territory_ids(&self) -> Vec<&'a str> {
        let data = &self.state.ix.dataset;
        data.territories_layer()
            .map(|l| data.layers[l].features.iter().map(|f| f.id.as_str()).collect())
            .unwrap_or_default()
    }

    fn territories_layer(&self) -> Option<&'a str> {
        let data = &self.state.ix.dataset;
        data.territories_layer().map(|l| data.layers[l].id.as_str())
    }

    fn first_epci(&self) -> Option<&'a str> {
        let data = &self.state.ix.dataset;
        let layer = data.layer_from(InputKind::Epci)?;
        Some(data.layers[layer].features.first()?.id.as_str())
    }

    /// The `z/x/y` of the tile holding the centre of layer `i`'s first feature.
    fn example_tile(&self, i: usize) -> Option<[u32; 3]> {
        let b = self.state.feature_boxes[i].first().copied().flatten()?;
        let (lon, lat) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
        let n = f64::from(1u32 << EXAMPLE_TILE_ZOOM);
        let x = ((lon + 180.0) / 360.0 * n).floor();
        let lat = lat.to_radians();
        let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
        let last = n - 1.0;
        Some([
            u32::from(EXAMPLE_TILE_ZOOM),
            x.clamp(0.0, last) as u32,
            y.clamp(0.0, last) as u32,
        ])
    }

    /// The named examples of a parameter marked `fact`.
    fn examples(&self, fact: Fact) -> Map<String, Json> {
        let one = |name: &str, value: Option<Json>| {
            value
                .map(|v| (name.to_string(), json!({"value": v})))
                .into_iter()
                .collect()
        };
        let point = self.example_point();
        match fact {
            Fact::Layer => self.per_layer(|layer, _, _| json!(layer)),
            Fact::Feature => self.per_layer(|_, feature, _| json!(feature.id)),
            Fact::Scope => self.scope_examples(),
            Fact::Region => one(
                "region",
                self.state.ix.dataset.regions.first().map(|r| json!(r.code)),
            ),
            Fact::Point => one("inside", point.map(|[x, y]| json!({"lat": y, "lon": x}))),
            Fact::Bbox => one(
                "around",
                point.map(|[x, y]| {
                    json!(format!(
                        "{:.3},{:.3},{:.3},{:.3}",
                        x - 0.5,
                        y - 0.5,
                        x + 0.5,
                        y + 0.5
                    ))
                }),
            ),
            Fact::TerritoriesLayer => one("territories", self.territories_layer().map(Json::from)),
            Fact::Draft => one("one", self.first_epci().map(|e| json!([e]))),
            Fact::SearchText => one("name", self.firsts.first().map(|(_, f, _)| json!(f.name))),
            Fact::ViewZoom => one("around", Some(json!(EXAMPLE_TILE_ZOOM))),
            Fact::TileZ | Fact::TileX | Fact::TileY => {
                let coordinate = match fact {
                    Fact::TileZ => 0,
                    Fact::TileX => 1,
                    _ => 2,
                };
                self.per_layer(|_, _, i| json!(self.example_tile(i).map(|t| t[coordinate])))
            }
            Fact::Layers
            | Fact::SearchableLayers
            | Fact::DraftBody
            | Fact::PointsCsv
            | Fact::PointsGeoJson => Map::new(),
        }
    }

    /// The one example of a media type marked `fact`.
    fn media_example(&self, fact: Fact) -> Option<Json> {
        let point = self.example_point()?;
        match fact {
            Fact::PointsCsv => Some(json!(format!("lat,lon\n{},{}\n", point[1], point[0]))),
            Fact::PointsGeoJson => Some(json!({"type": "FeatureCollection", "features": [
                {"type": "Feature", "id": "a", "properties": {}, "geometry": {"type": "Point", "coordinates": point}}
            ]})),
            Fact::DraftBody => self.first_epci().map(|e| json!({"epci": [e], "zoom": 8})),
            _ => None,
        }
    }

    /// Fills a marked parameter: its examples, or its pattern.
    fn fill_parameter(&self, parameter: &mut Map<String, Json>, fact: Fact) {
        let pattern = match fact {
            Fact::Layers => Some(list_pattern(self.layer_ids(false))),
            Fact::SearchableLayers => Some(list_pattern(self.layer_ids(true))),
            Fact::Scope => Some(self.scope_pattern()),
            Fact::Region => Some(format!(
                "^({})$",
                alternation(self.state.ix.dataset.regions.iter().map(|r| r.code.as_str()))
            )),
            _ => None,
        };
        if let (Some(pattern), Some(schema)) = (pattern, parameter.get_mut("schema")) {
            schema["pattern"] = pattern.into();
        }
        let examples = self.examples(fact);
        if !examples.is_empty() {
            parameter.insert("examples".into(), Json::Object(examples));
        }
    }

    fn licences(&self) -> String {
        let licences: std::collections::BTreeSet<&str> = self
            .state
            .ix
            .dataset
            .layers
            .iter()
            .map(|l| l.source.licence.as_str())
            .collect();
        licences.into_iter().collect::<Vec<_>>().join(", ")
    }
}

/// Fills every fact of `doc` from `state`'s dataset.
pub fn apply(doc: &mut Json, state: &AppState) {
    let facts = Facts::new(state);
    for (name, values) in [
        ("LayerId", facts.layer_ids(false)),
        ("TerritoryId", facts.territory_ids()),
        ("DraftMemberSiren", facts.draft_members()),
    ] {
        if let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{name}")) {
            schema["enum"] = json!(values);
        }
    }
    if let Some(info) = doc.get_mut("info") {
        info["license"] = json!({"name": format!("Data: {}", facts.licences())});
    }
    let operations = doc
        .get_mut("paths")
        .and_then(Json::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Json::as_object_mut)
        .flat_map(|item| item.values_mut());
    // `get_mut` rather than indexing, which would add the members it does not find.
    for operation in operations {
        let parameters = operation
            .get_mut("parameters")
            .and_then(Json::as_array_mut)
            .into_iter()
            .flatten();
        for parameter in parameters.filter_map(Json::as_object_mut) {
            if let Some(fact) = take_fact(parameter) {
                facts.fill_parameter(parameter, fact);
            }
        }
        let media = operation
            .pointer_mut("/requestBody/content")
            .and_then(Json::as_object_mut)
            .into_iter()
            .flat_map(|content| content.values_mut())
            .filter_map(Json::as_object_mut);
        for media in media {
            if let Some(example) = take_fact(media).and_then(|fact| facts.media_example(fact)) {
                media.insert("example".into(), example);
            }
        }
    }
}

/// The object's mark, removed.
fn take_fact(object: &mut Map<String, Json>) -> Option<Fact> {
    serde_json::from_value(object.remove(Fact::KEY)?).ok()
}
