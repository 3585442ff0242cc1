//! The OpenAPI 3.0 description of every endpoint, served at `/api/openapi.json` and `/ogc/api`.
//!
//! Built from the loaded dataset so that it states exactly what the server accepts: layer ids as
//! enums, the `scope` and `layers` grammars as patterns spelled from the data, the `bbox` pattern the
//! server itself matches, and examples that reach real features. Client generators, QGIS and the
//! Schemathesis run of `make test` take it at its word.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value as Json, json};

use super::AppState;
use super::error::ApiError;
use super::ogc::{
    DEFAULT_LIMIT, DOCUMENT_FORMATS, FEATURE_FORMATS, FLATGEOBUF, ITEMS_FORMATS, MAX_LIMIT, OPENAPI_TYPE,
};
use super::params::BBOX_PATTERN;
use super::tiles::MAX_TILE_ZOOM;
use territoires_core::dataset::InputKind;
use territoires_formats::GisFormat;
use territoires_geo::crs::Crs;
use territoires_geo::zoom::{MAX_GENERALISED_ZOOM, MAX_ZOOM};
use territoires_query::ErrorCode;
use territoires_query::locate::MAX_TOLERANCE_M;
use territoires_query::search::MAX_RESULTS;
use territoires_query::simulate::MAX_EPCI;

const ERROR: &str = "#/components/schemas/Error";
/// The zoom the tiles' examples are cut at: a département fills a few tiles.
const EXAMPLE_TILE_ZOOM: u8 = 8;

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
    layer_ids: Vec<&'a str>,
    searchable_ids: Vec<&'a str>,
    /// Per layer with features: the layer and its first feature, whose id serves as the example.
    firsts: Vec<(&'a str, &'a territoires_core::dataset::Feature, usize)>,
}

impl<'a> Facts<'a> {
    fn new(state: &'a AppState) -> Self {
        let layers = &state.ix.dataset.layers;
        Facts {
            state,
            layer_ids: layers.iter().map(|l| l.id.as_str()).collect(),
            searchable_ids: layers
                .iter()
                .filter(|l| l.searchable)
                .map(|l| l.id.as_str())
                .collect(),
            firsts: layers
                .iter()
                .enumerate()
                .filter_map(|(i, l)| Some((l.id.as_str(), l.features.first()?, i)))
                .collect(),
        }
    }

    /// Examples named after each layer, so that Schemathesis pairs a layer with its own feature.
    fn per_layer(&self, value: impl Fn(&str, &territoires_core::dataset::Feature, usize) -> Json) -> Json {
        let examples: Map<String, Json> = self
            .firsts
            .iter()
            .map(|&(layer, feature, i)| (layer.to_string(), json!({"value": value(layer, feature, i)})))
            .collect();
        Json::Object(examples)
    }

    /// A point inside the first commune (or the first feature of any layer), for the point examples.
    fn example_point(&self) -> Option<[f64; 2]> {
        let data = &self.state.ix.dataset;
        let layer = self.state.ix.communes_layer().unwrap_or(0);
        data.layers.get(layer)?.features.first()?.label
    }

    /// `scope`: `metropole` and its two aliases, `region:CODE`, `departement:CODE`, codes from the data.
    fn scope_pattern(&self) -> String {
        let data = &self.state.ix.dataset;
        let regions = alternation(data.regions.iter().map(|d| d.code.as_str()));
        let departements = alternation(data.departements.iter().map(|d| d.code.as_str()));
        format!("^(metropole|metro|france|region:({regions})|departement:({departements}))$")
    }

    fn scope_examples(&self) -> Json {
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
        Json::Object(examples)
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
}

fn query(name: &str, description: &str, required: bool, schema: Json) -> Json {
    json!({"name": name, "in": "query", "required": required, "description": description, "schema": schema})
}

/// The point of `GET /api/locate`, one branch a way of giving it: `lat`/`lon`; `x`/`y` in WGS84;
/// `x`/`y` in each other system, within its bounds. The branches exclude one another, as the
/// server does: a point given two ways is refused.
fn point_schema() -> Json {
    let number = |min: f64, max: f64| json!({"type": "number", "minimum": min, "maximum": max});
    let names = |crs: Crs| json!({"type": "string", "enum": crs.api_names()});
    let mut branches = vec![json!({
        "type": "object", "title": "WGS84 degrees", "required": ["lat", "lon"], "additionalProperties": false,
        "properties": {"lat": number(-90.0, 90.0), "lon": number(-180.0, 180.0), "crs": names(Crs::WGS84)},
    })];
    for crs in Crs::all() {
        let [w, s, e, n] = crs.bounds();
        let mut required = vec!["x", "y"];
        if !crs.is_wgs84() {
            required.push("crs");
        }
        branches.push(json!({
            "type": "object", "title": crs.to_string(), "required": required, "additionalProperties": false,
            "properties": {"x": number(w, e), "y": number(s, n), "crs": names(crs)},
        }));
    }
    json!({"oneOf": branches})
}

fn path(name: &str, description: &str, schema: Json) -> Json {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": schema})
}

fn with_examples(mut parameter: Json, examples: Json) -> Json {
    if examples.as_object().is_some_and(|e| !e.is_empty()) {
        parameter["examples"] = examples;
    }
    parameter
}

fn schema_ref(name: &str) -> Json {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn error(description: &str) -> Json {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": ERROR}}}})
}

fn bad_request() -> Json {
    error("a parameter is missing, malformed, repeated or unknown; `error.parameter` names it")
}

fn not_found(what: &str) -> Json {
    error(&format!("no such {what}"))
}

/// A success answered in `content`'s media types.
fn ok(description: &str, content: Json) -> Json {
    json!({"description": description, "content": content})
}

fn json_body(schema: Json) -> Json {
    json!({"application/json": {"schema": schema}})
}

/// The ETag'd answers: the tag, and a 304 for a matching `If-None-Match`.
fn etagged(mut responses: Json) -> Json {
    responses["200"]["headers"] = json!({
        "ETag": {"description": "strong entity tag; send it back as If-None-Match for a 304", "schema": {"type": "string"}},
        "Cache-Control": {"description": "public, max-age=3600", "schema": {"type": "string"}},
    });
    responses["304"] = json!({
        "description": "not modified: the If-None-Match tag matches",
        "headers": {"ETag": {"description": "the entity tag", "schema": {"type": "string"}}},
    });
    responses
}

/// A file to save: `Content-Disposition` names it.
fn download(mut responses: Json, file_name: &str) -> Json {
    let headers = responses["200"]
        .as_object_mut()
        .map(|r| r.entry("headers").or_insert_with(|| json!({})));
    if let Some(headers) = headers {
        headers["Content-Disposition"] = json!({
            "description": format!("attachment; filename=\"{file_name}\""),
            "schema": {"type": "string"},
        });
    }
    responses
}

fn operation(id: &str, tag: &str, summary: &str, parameters: Vec<Json>, responses: Json) -> Json {
    json!({"operationId": id, "tags": [tag], "summary": summary, "parameters": parameters, "responses": responses})
}

/// `/api/layers/{layer}.fgb` or `.gpkg`: a whole layer as a GIS file, kept once, which answers ranges.
fn gis_file_operation(format: GisFormat, id: &str, what: &str, layer: Json, bbox: Json) -> Json {
    let extension = format.extension();
    let content = || json!({format.content_type(): {"schema": {"type": "string", "format": "binary"}}});
    let mut responses = download(
        etagged(json!({
            "200": ok("the file", content()),
            "206": {
                "description": "the one byte range asked for (Range: bytes=first-last, first-, or -suffix) of the whole layer's file",
                "headers": {"Content-Range": {"description": "bytes first-last/length", "schema": {"type": "string"}}},
                "content": content(),
            },
            "400": bad_request(), "404": not_found("layer"),
            "416": error("the range starts past the end of the file"),
        })),
        &format!("LAYER.{extension}"),
    );
    responses["200"]["headers"]["Accept-Ranges"] = json!({
        "description": "bytes, when the answer is not compressed",
        "schema": {"type": "string", "enum": ["bytes"]},
    });
    operation(
        id,
        "maps",
        &format!("a layer as {what}; full resolution, or generalised as the map is for `zoom`"),
        vec![
            layer,
            query(
                "zoom",
                &format!(
                    "web-map zoom 0–{MAX_ZOOM} the geometry is generalised for; without it, full resolution (from 12 on, zoom 12's)"
                ),
                false,
                json!({"type": "integer", "minimum": 0, "maximum": MAX_ZOOM}),
            ),
            bbox,
        ],
        responses,
    )
}

/// OpenAPI links from an answer to the operations that take `layer` and `id`.
fn feature_links(layer: &str, id: &str) -> Json {
    let parameters = json!({"layer": layer, "id": id});
    json!({
        "GetTerritory": {"operationId": "getTerritory", "parameters": parameters},
        "GetPortrait": {"operationId": "getPortrait", "parameters": parameters},
        "GetMembersCsv": {"operationId": "getMembersCsv", "parameters": parameters},
        "GetMembersGeojson": {"operationId": "getMembersGeojson", "parameters": parameters},
        "GetPortraitPage": {"operationId": "getPortraitPage", "parameters": parameters},
    })
}

/// The `f` parameter of the OGC routes: one of `json_names`, or `html`.
fn format_parameter(json_names: &[&str]) -> Json {
    let mut names = json_names.to_vec();
    names.push("html");
    query(
        "f",
        "format (also HTML when a browser's Accept starts with text/html)",
        false,
        json!({"type": "string", "enum": names}),
    )
}

/// The OGC documents whose only query parameter is `f`: JSON (in `json_type`) or the same as HTML.
fn ogc_document(id: &str, summary: &str, json_type: &str, schema: Json, mut parameters: Vec<Json>) -> Json {
    let json_names = if json_type == "application/geo+json" {
        FEATURE_FORMATS
    } else {
        DOCUMENT_FORMATS
    };
    parameters.push(format_parameter(json_names));
    operation(
        id,
        "ogc",
        summary,
        parameters,
        json!({
            "200": ok("the document", json!({json_type: {"schema": schema}, "text/html": {"schema": {"type": "string"}}})),
            "400": bad_request(),
        }),
    )
}

// One table of every path, kept by hand until the route table generates it (WORKSPACE.md, S9).
#[allow(clippy::too_many_lines)]
pub fn document(state: &AppState, base: &str) -> Json {
    let facts = Facts::new(state);
    let layer_id = schema_ref("LayerId");
    let layer_path = |description: &str| {
        with_examples(
            path("layer", description, layer_id.clone()),
            facts.per_layer(|layer, _, _| json!(layer)),
        )
    };
    let feature_path = |name: &str| {
        with_examples(
            path(
                name,
                "feature id within the layer: INSEE code, SIREN, … (see the layer's features)",
                json!({"type": "string", "minLength": 1}),
            ),
            facts.per_layer(|_, feature, _| json!(feature.id)),
        )
    };
    let layers_list = |description: &str, ids: &[&str]| {
        query(
            "layers",
            description,
            false,
            json!({"type": "string", "pattern": list_pattern(ids.iter().copied())}),
        )
    };
    let all_layers = layers_list(
        "comma-separated layer ids (default: all; empty: none); an id given twice counts once",
        &facts.layer_ids,
    );
    let point = facts.example_point();
    let point_param = with_examples(
        json!({
            "name": "point", "in": "query", "required": true, "style": "form", "explode": true,
            "description": "the point: `lat` and `lon` in WGS84 degrees, or `x` and `y` in the system `crs` names \
                (WGS84 lon/lat when it names none), within that system's bounds; the members are sent as \
                parameters of their own (`?lat=…&lon=…`, `?x=…&y=…&crs=EPSG:2154`)",
            "schema": point_schema(),
        }),
        point.map_or(
            json!({}),
            |p| json!({"inside": {"value": {"lat": p[1], "lon": p[0]}}}),
        ),
    );
    let tolerance = query(
        "tolerance_m",
        "if nothing contains the point, the nearest feature within this many metres, marked approximate",
        false,
        json!({"type": "number", "minimum": 0, "maximum": MAX_TOLERANCE_M}),
    );
    let bbox = with_examples(
        query(
            "bbox",
            "minlon,minlat,maxlon,maxlat in CRS84 decimal degrees (no exponent, no leading zero); the latitudes \
             may come in either order; a minlon greater than maxlon crosses the antimeridian",
            false,
            json!({"type": "string", "pattern": BBOX_PATTERN.as_str()}),
        ),
        point.map_or(json!({}), |[x, y]| {
            json!({"around": {"value": format!("{:.3},{:.3},{:.3},{:.3}", x - 0.5, y - 0.5, x + 0.5, y + 0.5)}})
        }),
    );
    let scope = with_examples(
        query(
            "scope",
            "metropole (default; also metro or france), region:CODE or departement:CODE with an INSEE code of the data",
            false,
            json!({"type": "string", "pattern": facts.scope_pattern()}),
        ),
        facts.scope_examples(),
    );
    let territories_layer = state
        .ix
        .dataset
        .territories_layer()
        .map(|l| state.ix.dataset.layers[l].id.as_str());
    let layer_query = |name: &str, description: &str| {
        with_examples(
            query(name, description, true, layer_id.clone()),
            territories_layer.map_or(json!({}), |l| json!({"territories": {"value": l}})),
        )
    };
    let epci_list = json!({
        "type": "array", "items": schema_ref("DraftMember"),
        "minItems": 1, "maxItems": MAX_EPCI, "uniqueItems": true,
    });
    let first_epci = facts.first_epci();
    let replaces = query(
        "replaces",
        "id of the territory the draft would replace",
        false,
        schema_ref("TerritoryId"),
    );
    let simulate_zoom = |description: &str| {
        query(
            "zoom",
            description,
            false,
            json!({"type": "integer", "minimum": 0, "maximum": MAX_ZOOM}),
        )
    };
    let simulate_responses = json!({
        "200": ok("the simulation", json_body(schema_ref("Simulation"))),
        "400": error("a member is no known EPCI or structure, is repeated, or there are none or too many; or a parameter or the body is malformed"),
    });

    let example_csv = point.map(|[x, y]| format!("lat,lon\n{y},{x}\n"));
    let example_geojson = point.map(|p| {
        json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": "a", "properties": {}, "geometry": {"type": "Point", "coordinates": p}}
        ]})
    });
    let with_example = |mut media: Json, example: Option<Json>| {
        if let Some(e) = example {
            media["example"] = e;
        }
        media
    };
    let point_collection = schema_ref("PointCollection");

    let locate = json!({
        "get": {
            "operationId": "locate", "tags": ["api"],
            "summary": "territories containing a point, in every layer asked",
            "parameters": [point_param, all_layers.clone(), tolerance.clone()],
            "responses": {
                "200": {
                    "description": "per layer, the features holding the point",
                    "content": json_body(schema_ref("Location")),
                    "links": feature_links("$response.body#/layers/0/layer", "$response.body#/layers/0/features/0/id"),
                },
                "400": bad_request(),
            },
        },
        "post": {
            "operationId": "locateBatch", "tags": ["api"],
            "summary": "batch lookup: a CSV, or a GeoJSON FeatureCollection of points; every row comes back, in order, with territory columns, streamed; a bad row gets an `error` column",
            "description": "The CSV may be separated by `,`, `;` or tabs, in UTF-8 (with or without a byte-order mark), \
                Windows-1252 or UTF-16, with decimal commas. Its point columns are found by name, whatever the case and \
                accents: `lat`, `latitude` or `y`, and `lon`, `lng`, `long`, `longitude` or `x`. When their names \
                say nothing, the query parameters `lat_col` and `lon_col` name them. Those two are not listed \
                among the parameters, because whether they are right depends on the body's header, which an \
                OpenAPI document cannot relate to a parameter: one naming a column the header lacks is a 400 \
                that lists the columns seen. Every input column comes back unchanged, the answer in UTF-8 with \
                the input's delimiter.",
            "parameters": [all_layers.clone(), tolerance, query(
                "crs",
                "the system of the points (default WGS84 degrees); a GeoJSON body's own `crs` member takes precedence. A point outside the system's bounds gets a row error",
                false,
                json!({"type": "string", "enum": Crs::all().flat_map(Crs::api_names).collect::<Vec<_>>()}),
            )],
            "requestBody": {"required": true, "content": {
                "text/csv": with_example(json!({"schema": {
                    "type": "string",
                    "description": "CSV whose header has a lat (or latitude) and a lon (lng, longitude) column; other columns pass through",
                    "pattern": r"^(lat|latitude),(lon|lng|longitude)([\r\n][\s\S]*)?$",
                }}), example_csv.map(Json::from)),
                "application/geo+json": with_example(json!({"schema": point_collection}), example_geojson.clone()),
                "application/json": with_example(json!({"schema": point_collection}), example_geojson),
            }},
            "responses": {
                "200": ok("the rows with territory columns, in the format Accept asks (the body's when it takes anything)", json!({
                    "text/csv": {"schema": {"type": "string"}},
                    "application/geo+json": {"schema": schema_ref("FeatureCollection")},
                    "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                })),
                "400": error("the body cannot be read: no lat or lon column, not a FeatureCollection, or a parameter is malformed"),
                "406": error("Accept names no format the server writes (text/csv, application/geo+json, application/json)"),
                "413": error("the body is larger than the server's limit (--max-body-mb)"),
                "415": error("Content-Type is neither CSV nor (Geo)JSON"),
                "503": {
                    "description": "too many batches under way: try again after Retry-After seconds",
                    "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer", "minimum": 0}}},
                    "content": {"application/json": {"schema": {"$ref": ERROR}}},
                },
            },
        },
    });

    let simulate = json!({
        "get": operation(
            "simulateGet", "api",
            "a draft territory from EPCIs: figures, the PETR checks (CGCT L5741-1), what it meets, the coverage change, its shape",
            vec![
                with_examples(
                    json!({
                        "name": "epci", "in": "query", "required": true, "style": "form", "explode": false,
                        "description": format!("comma-separated SIRENs of the member EPCIs, at most {MAX_EPCI}, each once; the SIREN of another structure (a PETR, a syndicat) is answered with a failed `members_are_epci` check"),
                        "schema": epci_list,
                    }),
                    first_epci.map_or(json!({}), |e| json!({"one": {"value": [e]}})),
                ),
                replaces.clone(),
                simulate_zoom("web-map zoom the shape is generalised for (default 8)"),
            ],
            simulate_responses.clone(),
        ),
        "post": {
            "operationId": "simulatePost", "tags": ["api"],
            "summary": "the same draft as a JSON body: a list of SIRENs, or {epci, replaces, zoom}",
            "parameters": [simulate_zoom("zoom when the body gives none (default 8)")],
            "requestBody": {"required": true, "content": {"application/json": with_example(json!({"schema": {"oneOf": [
                epci_list,
                {
                    "type": "object", "required": ["epci"], "additionalProperties": false,
                    "properties": {
                        "epci": epci_list,
                        "replaces": {"allOf": [schema_ref("TerritoryId")], "nullable": true},
                        "zoom": {"type": "integer", "minimum": 0, "maximum": MAX_ZOOM},
                    },
                },
            ]}}), first_epci.map(|e| json!({"epci": [e], "zoom": 8})))}},
            "responses": {
                "200": simulate_responses["200"],
                "400": simulate_responses["400"],
                "413": error("the body is over 64 KB"),
            },
        },
    });

    let territory_parameters = || vec![layer_path("layer id"), feature_path("id")];
    let with_links = |mut responses: Json, links: Json| {
        responses["200"]["links"] = links;
        responses
    };
    let same_feature = feature_links("$request.path.layer", "$request.path.id");
    let tile_examples =
        |coordinate: usize| facts.per_layer(|_, _, i| json!(facts.example_tile(i).map(|t| t[coordinate])));

    let collection_id = || {
        with_examples(
            path("collectionId", "layer id", layer_id.clone()),
            facts.per_layer(|layer, _, _| json!(layer)),
        )
    };
    let mut ogc_collections = ogc_document(
        "ogcCollections",
        "the collections: one per layer",
        "application/json",
        schema_ref("OgcCollections"),
        vec![],
    );
    ogc_collections["responses"]["200"]["links"] = json!({
        "GetCollection": {"operationId": "ogcCollection", "parameters": {"collectionId": "$response.body#/collections/0/id"}},
        "GetItems": {"operationId": "ogcItems", "parameters": {"collectionId": "$response.body#/collections/0/id"}},
    });
    let mut ogc_collection = ogc_document(
        "ogcCollection",
        "one collection",
        "application/json",
        schema_ref("OgcCollection"),
        vec![collection_id()],
    );
    ogc_collection["responses"]["404"] = not_found("collection");
    let mut ogc_item = ogc_document(
        "ogcItem",
        "one feature",
        "application/geo+json",
        schema_ref("OgcFeature"),
        vec![collection_id(), feature_path("featureId")],
    );
    ogc_item["responses"]["404"] = not_found("collection or feature");

    let mut paths = json!({
        "/api/locate": locate,
        "/api/coverage": {"get": operation("coverage", "api", "share of area and population a layer covers", vec![
            layer_query("layer", "layer id"),
            scope.clone(),
            query("by", "breakdown", false, json!({"type": "string", "enum": ["region", "departement"]})),
        ], json!({"200": ok("the coverage", json_body(schema_ref("Coverage"))), "400": bad_request()}))},
        "/api/overlap": {"get": operation("overlap", "api", "what share of layer a's area and population also lies in layer b, and the reverse", vec![
            layer_query("a", "layer id"),
            layer_query("b", "layer id"),
            scope,
        ], json!({"200": ok("the overlap", json_body(schema_ref("Overlap"))), "400": bad_request()}))},
        "/api/simulate": simulate,
        "/api/labels": {"get": operation("labels", "api", "place names for a map view, best first: régions or départements, towns by seat and population, the named layers' features at their label point", vec![
            with_examples(
                query("zoom", "web-map zoom of the view", true, json!({"type": "integer", "minimum": 0, "maximum": MAX_ZOOM})),
                json!({"around": {"value": EXAMPLE_TILE_ZOOM}}),
            ),
            bbox.clone(),
            layers_list("comma-separated ids of the layers whose features are named too (default: none)", &facts.layer_ids),
        ], json!({"200": ok("the labels", json_body(schema_ref("Labels"))), "400": bad_request()}))},
        "/api/indicators": {"get": operation("indicators", "api", "« Les Pays en chiffres »: the national association's reference figures beside ours, measured from the data", vec![],
            json!({"200": ok("the indicators", json_body(schema_ref("Indicators"))), "400": bad_request()}))},
        "/api/search": {"get": operation("search", "api", "communes by name, postcode or INSEE code, or by a former commune's name or code; features of the searchable layers by name or id. Names match ignoring case, accents and punctuation, with St/Ste for Saint/Sainte, a département after the name for homonyms, and typos after every match as typed", vec![
            with_examples(
                query("q", "what to look for; blank text finds nothing", true, json!({"type": "string", "minLength": 1})),
                facts.firsts.first().map_or(json!({}), |(_, f, _)| json!({"name": {"value": f.name}})),
            ),
            query("limit", &format!("most results wanted; larger values are clamped to {MAX_RESULTS}"), false, json!({"type": "integer", "minimum": 1})),
            layers_list("only results of these comma-separated searchable layer ids", &facts.searchable_ids),
        ], with_links(
            json!({"200": ok("the results, best first", json_body(schema_ref("SearchResults"))), "400": bad_request()}),
            feature_links("$response.body#/results/0/layer", "$response.body#/results/0/id"),
        ))},
        "/api/territories/{layer}/{id}": {"get": operation("getTerritory", "api", "one territory: attributes, members, figures, overlays", {
            let mut p = territory_parameters();
            p.push(query("geometry", "include the full geometry", false, json!({"type": "boolean"})));
            p
        }, with_links(
            json!({"200": ok("the territory", json_body(schema_ref("Territory"))), "400": bad_request(), "404": not_found("layer or feature")}),
            same_feature.clone(),
        ))},
        "/api/territories/{layer}/{id}/members.csv": {"get": operation("getMembersCsv", "api",
            "a territory's member communes as CSV: code, name, epci, epci_name, departement, region, population, area_km2",
            territory_parameters(),
            download(json!({
                "200": ok("the member communes", json!({"text/csv": {"schema": {"type": "string"}}})),
                "400": bad_request(), "404": not_found("layer or feature"),
            }), "LAYER-ID-communes.csv"),
        )},
        "/api/territories/{layer}/{id}/members.geojson": {"get": operation("getMembersGeojson", "api",
            "a territory's member communes as GeoJSON, with the same properties as the CSV and each commune's full geometry (WGS84, 6 decimals)",
            territory_parameters(),
            download(json!({
                "200": ok("the member communes", json!({"application/geo+json": {"schema": schema_ref("MembersCollection")}})),
                "400": bad_request(), "404": not_found("layer or feature"),
            }), "LAYER-ID-communes.geojson"),
        )},
        "/api/portrait/{layer}/{id}": {"get": operation("getPortrait", "api",
            "a territory's portrait: figures, share of each département and région it touches, member EPCI and communes, what every other layer holds of it, neighbours, sources",
            territory_parameters(),
            json!({"200": ok("the portrait", json_body(schema_ref("Portrait"))), "400": bad_request(), "404": not_found("layer or feature")}),
        )},
        "/territoire/{layer}/{id}": {"get": operation("getPortraitPage", "pages",
            "the territory's portrait page, in French (served with the web directory)",
            territory_parameters(),
            json!({
                "200": ok("the page", json!({"text/html": {"schema": {"type": "string"}}})),
                "404": {"description": "no such layer or feature: a French page for a browser (Accept: text/html), a JSON error otherwise", "content": {
                    "application/json": {"schema": {"$ref": ERROR}},
                    "text/html": {"schema": {"type": "string"}},
                }},
            }),
        )},
        "/api/layers": {"get": operation("listLayers", "api", "the catalogue of layers", vec![], with_links(
            json!({"200": ok("the layers", json_body(schema_ref("Catalogue"))), "400": bad_request()}),
            json!({
                "GetLayerGeojson": {"operationId": "getLayerGeojson", "parameters": {"layer": "$response.body#/layers/0/id"}},
                "GetLayerCsv": {"operationId": "getLayerCsv", "parameters": {"layer": "$response.body#/layers/0/id"}},
                "GetLayerFgb": {"operationId": "getLayerFgb", "parameters": {"layer": "$response.body#/layers/0/id"}},
                "GetLayerGpkg": {"operationId": "getLayerGpkg", "parameters": {"layer": "$response.body#/layers/0/id"}},
                "Coverage": {"operationId": "coverage", "parameters": {"layer": "$response.body#/layers/0/id"}},
            }),
        ))},
        "/api/config": {"get": operation("config", "api", "what the web page needs to know about this deployment", vec![],
            json!({"200": ok("the configuration", json_body(schema_ref("Config"))), "400": bad_request()}))},
        "/api/layers/{layer}.geojson": {"get": operation("getLayerGeojson", "maps",
            "a layer as generalised GeoJSON: neighbours share every simplified border; coordinates quantised to the zoom",
            vec![
                layer_path("layer id"),
                query("zoom", &format!("web-map zoom 0–{MAX_ZOOM} the geometry is generalised for (default 6; from 12 on, the answer is zoom 12's)"), false,
                    json!({"type": "integer", "minimum": 0, "maximum": MAX_ZOOM})),
                bbox.clone(),
            ],
            etagged(json!({
                "200": ok("the layer", json!({"application/geo+json": {"schema": schema_ref("LayerCollection")}})),
                "400": bad_request(), "404": not_found("layer"),
            })),
        )},
        "/api/layers/{layer}.csv": {"get": operation("getLayerCsv", "api",
            "a layer's attributes as CSV (no geometry): id, name, every attribute, and population and area_km2 for layers built from communes",
            vec![layer_path("layer id")],
            download(etagged(json!({
                "200": ok("the attributes", json!({"text/csv": {"schema": {"type": "string"}}})),
                "400": bad_request(), "404": not_found("layer"),
            })), "LAYER.csv"),
        )},
        "/api/layers/{layer}.fgb": {"get": gis_file_operation(GisFormat::FlatGeobuf, "getLayerFgb", "FlatGeobuf, with its packed Hilbert R-tree: GDAL's /vsicurl/ reads it a bbox at a time", layer_path("layer id"), bbox.clone())},
        "/api/layers/{layer}.gpkg": {"get": gis_file_operation(GisFormat::GeoPackage, "getLayerGpkg", "GeoPackage 1.3 with an R-tree spatial index", layer_path("layer id"), bbox.clone())},
        "/tiles/{layer}/{z}/{x}/{y}.mvt": {"get": operation("getTile", "maps",
            "a Mapbox vector tile of a layer (Web Mercator, XYZ scheme), features with their id and name",
            vec![
                layer_path("layer id"),
                with_examples(path("z", "zoom", json!({"type": "integer", "minimum": 0, "maximum": MAX_TILE_ZOOM})), tile_examples(0)),
                with_examples(path("x", "column, below 2^z (a 404 otherwise)", json!({"type": "integer", "minimum": 0, "maximum": (1u32 << MAX_TILE_ZOOM) - 1})), tile_examples(1)),
                with_examples(path("y", "row, below 2^z (a 404 otherwise)", json!({"type": "integer", "minimum": 0, "maximum": (1u32 << MAX_TILE_ZOOM) - 1})), tile_examples(2)),
            ],
            etagged(json!({
                "200": ok("the tile", json!({"application/vnd.mapbox-vector-tile": {"schema": {"type": "string", "format": "binary"}}})),
                "400": bad_request(), "404": not_found("layer, or tile beyond the grid"),
            })),
        )},
        "/api/openapi.json": {"get": operation("openapi", "operations", "this document", vec![],
            json!({"200": ok("the OpenAPI document", json_body(schema_ref("OpenApiDocument")))}))},
        "/healthz": {"get": operation("healthz", "operations", "liveness, and the dataset served: its SHA-256, when it was built, the vintage of every layer", vec![],
            json!({"200": ok("the server is up", json_body(schema_ref("Health")))}))},
        "/metrics": {"get": operation("metrics", "operations", "Prometheus metrics", vec![],
            json!({"200": ok("the metrics", json!({"text/plain": {"schema": {"type": "string"}}}))}))},
        "/ogc": {"get": ogc_document("ogcLanding", "OGC API – Features landing page", "application/json", schema_ref("OgcLanding"), vec![])},
        "/ogc/conformance": {"get": ogc_document("ogcConformance", "conformance classes", "application/json", schema_ref("OgcConformance"), vec![])},
        "/ogc/api": {"get": ogc_document("ogcApi", "this document", OPENAPI_TYPE, schema_ref("OpenApiDocument"), vec![])},
        "/ogc/collections": {"get": ogc_collections},
        "/ogc/collections/{collectionId}": {"get": ogc_collection},
        "/ogc/collections/{collectionId}/items": {"get": operation("ogcItems", "ogc", "features of a collection, a page at a time", vec![
            collection_id(),
            bbox,
            query("limit", &format!("page size (default {DEFAULT_LIMIT}); larger values are clamped to {MAX_LIMIT}"), false,
                json!({"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT})),
            query("offset", "start of the page", false, json!({"type": "integer", "minimum": 0, "default": 0})),
            format_parameter(ITEMS_FORMATS),
        ], with_links(json!({
            "200": ok("the page; as FlatGeobuf (f=fgb), the next page is in a Link header", json!({
                "application/geo+json": {"schema": schema_ref("OgcItems")},
                FLATGEOBUF: {"schema": {"type": "string", "format": "binary"}},
                "text/html": {"schema": {"type": "string"}},
            })),
            "400": bad_request(), "404": not_found("collection"),
        }), json!({
            "GetItem": {"operationId": "ogcItem", "parameters": {"collectionId": "$request.path.collectionId", "featureId": "$response.body#/features/0/id"}},
        })))},
        "/ogc/collections/{collectionId}/items/{featureId}": {"get": ogc_item},
    });
    // Any route may be refused by a rate limit, when the server runs with one.
    for item in paths.as_object_mut().into_iter().flat_map(|p| p.values_mut()) {
        for op in item.as_object_mut().into_iter().flat_map(|m| m.values_mut()) {
            op["responses"]["429"] = json!({"$ref": "#/components/responses/TooManyRequests"});
        }
    }

    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "territoires",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "France's territoires de projet (Pays, PETR) and their layers: locate, coverage, search, GeoJSON layers, vector tiles and OGC API – Features. Every error is a JSON body with a 4xx status naming what was wrong.",
            "license": {"name": format!("Data: {}", data_licences(state))},
        },
        "servers": [{"url": base}],
        "tags": [
            {"name": "api", "description": "the JSON API"},
            {"name": "maps", "description": "map layers and vector tiles"},
            {"name": "ogc", "description": "OGC API – Features, Part 1: Core"},
            {"name": "pages", "description": "web pages"},
            {"name": "operations", "description": "for operators"},
        ],
        "paths": paths,
        "components": {
            "responses": {"TooManyRequests": {
                "description": "only when the server runs with --rate-limit: too many requests from this client; try again after Retry-After seconds",
                "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer", "minimum": 0}}},
                "content": {"application/json": {"schema": {"$ref": ERROR}}},
            }},
            "schemas": schemas(&facts),
        },
    })
}

/// An object with `required` properties typed as given, others allowed.
fn object(required: &[(&str, Json)]) -> Json {
    let properties: Map<String, Json> = required
        .iter()
        .map(|(name, schema)| (name.to_string(), schema.clone()))
        .collect();
    json!({
        "type": "object",
        "required": required.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
        "properties": properties,
    })
}

/// `schema` (an [`object`]) with more properties, which an answer may leave out.
fn with_optional(mut schema: Json, optional: &[(&str, Json)]) -> Json {
    if let Some(properties) = schema["properties"].as_object_mut() {
        for (name, property) in optional {
            properties.insert(name.to_string(), property.clone());
        }
    }
    schema
}

fn string() -> Json {
    json!({"type": "string"})
}

fn number() -> Json {
    json!({"type": "number"})
}

fn integer() -> Json {
    json!({"type": "integer", "minimum": 0})
}

fn array(items: Json) -> Json {
    json!({"type": "array", "items": items})
}

/// A `[min_lon, min_lat, max_lon, max_lat]`, or null for a feature without geometry.
fn nullable_box() -> Json {
    json!({"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4, "nullable": true})
}

/// The response bodies, with the properties every answer has.
// One table of every schema, until the answer types generate it with schemars (WORKSPACE.md, S9).
#[allow(clippy::too_many_lines)]
fn schemas(facts: &Facts) -> Json {
    let source = || object(&[("name", string()), ("vintage", string()), ("licence", string())]);
    let vintage = || ("vintage", string());
    let link = object(&[("href", string()), ("rel", string())]);
    let links = || array(schema_ref("Link"));
    let feature = object(&[
        ("type", json!({"type": "string", "enum": ["Feature"]})),
        ("properties", json!({"type": "object", "nullable": true})),
        ("geometry", json!({"type": "object", "nullable": true})),
    ]);
    let collection = |extra: &[(&str, Json)]| {
        let mut required = vec![
            ("type", json!({"type": "string", "enum": ["FeatureCollection"]})),
            ("features", array(schema_ref("Feature"))),
        ];
        required.extend(extra.iter().cloned());
        object(&required)
    };
    let scope = object(&[("kind", string()), ("name", string())]);
    let figures = [
        ("communes", integer()),
        ("communes_covered", integer()),
        ("area_km2", number()),
        ("covered_area_km2", number()),
        ("population", integer()),
        ("covered_population", integer()),
    ];
    let mut coverage = vec![
        ("layer", schema_ref("LayerId")),
        ("layer_title", string()),
        ("scope", scope.clone()),
        ("method", string()),
        ("source", schema_ref("Source")),
        ("denominators_source", schema_ref("Source")),
        vintage(),
    ];
    coverage.extend(figures.iter().cloned());
    let overlap_side = object(&[
        ("layer", schema_ref("LayerId")),
        ("title", string()),
        ("communes_covered", integer()),
        ("covered_area_km2", number()),
        ("covered_population", integer()),
    ]);
    let layer_ref = object(&[("id", schema_ref("LayerId")), ("title", string())]);
    let draft_members = facts.draft_members();
    let territory_ids = facts.territory_ids();

    json!({
        "Error": {
            "type": "object", "required": ["error"],
            "properties": {"error": with_optional(object(&[
                ("status", json!({"type": "integer", "minimum": 400, "maximum": 599})),
                ("code", json!({"type": "string", "enum": ErrorCode::ALL.map(ErrorCode::as_str)})),
                ("message", string()),
            ]), &[
                ("parameter", string()),
                ("supported", array(string())),
                ("details", json!({
                    "type": "object",
                    "description": "what the error is about, for a program to say it in its own words: `sirens` (unknown_members, \
                        duplicate_members), `layer` and `id` (an unknown feature), `layer` (an unknown layer), `members` and `max` (bad_draft)",
                    "properties": {
                        "layer": string(), "id": string(), "sirens": array(string()), "members": integer(), "max": integer(),
                    },
                })),
            ])},
        },
        "LayerId": {"type": "string", "description": "a layer of the dataset", "enum": facts.layer_ids},
        "DraftMember": {"type": "string", "description": "the SIREN of an EPCI, or of another structure the simulator recognises", "enum": draft_members},
        "TerritoryId": {"type": "string", "description": "a territoire de projet of the dataset", "enum": territory_ids},
        "Source": source(),
        "Link": link,
        "Feature": feature,
        "FeatureCollection": collection(&[]),
        "PointCollection": {
            "type": "object", "required": ["type", "features"],
            "description": "a GeoJSON FeatureCollection: each feature's Point is located; its id and properties pass through; any other item comes back with an error. \
                A `crs` member (GeoJSON 2008's named CRS, {\"type\": \"name\", \"properties\": {\"name\": \"urn:ogc:def:crs:EPSG::2154\"}}, \
                any system of the `crs` parameter) says what the coordinates are, over the `crs` parameter. The body is read as it streams in, \
                so the member must come before `features` unless it names the system they were read in: otherwise the answer is a 400. \
                That rule is about the order of members, which a JSON schema cannot state; so the member is described here rather than among the properties.",
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": {}},
            },
        },
        "Location": object(&[
            ("lon", number()), ("lat", number()),
            ("layers", array(object(&[
                ("layer", schema_ref("LayerId")), ("title", string()), ("source", schema_ref("Source")),
                ("features", array(object(&[("id", string()), ("name", string()), ("approximate", json!({"type": "boolean"}))]))),
            ]))),
            vintage(),
        ]),
        "Coverage": object(&coverage),
        "Overlap": object(&[
            ("a", overlap_side.clone()), ("b", overlap_side),
            ("both", object(&[("communes", integer()), ("area_km2", number()), ("population", integer())])),
            ("scope", scope), ("method", string()), ("denominators_source", schema_ref("Source")), vintage(),
        ]),
        "Labels": object(&[
            ("zoom", integer()),
            ("labels", array(object(&[("text", string()), ("lon", number()), ("lat", number()), ("kind", string()), ("layer", schema_ref("LayerId")), ("id", string())]))),
            vintage(),
        ]),
        "Indicators": object(&[("indicators", array(json!({"type": "object"}))), ("denominators_source", schema_ref("Source")), vintage()]),
        "SearchResults": object(&[
            ("query", string()),
            ("results", array(with_optional(
                object(&[("layer", schema_ref("LayerId")), ("id", string()), ("name", string()), ("population", integer()), ("bbox", nullable_box())]),
                &[
                    ("matched", json!({
                        "type": "object", "required": ["name", "code", "relation"],
                        "description": "the former commune whose name or code the query matched; the result is the commune it is part of now",
                        "properties": {
                            "name": {"type": "string", "nullable": true, "description": "null for a former commune the COG knows by code only"},
                            "code": string(),
                            "relation": {"type": "string", "enum": ["deleguee", "associee", "ancienne"]},
                        },
                    })),
                    ("note", json!({"type": "string", "description": "the same in French, for people: « Vire : commune déléguée de Vire Normandie »"})),
                ],
            ))),
            vintage(),
        ]),
        "Territory": object(&[
            ("layer", schema_ref("LayerId")), ("id", string()), ("name", string()),
            ("population", integer()), ("area_km2", number()), ("bbox", nullable_box()),
            ("properties", json!({"type": "object"})),
            ("communes", array(object(&[("code", string()), ("name", string()), ("population", integer())]))),
            ("overlays", json!({"type": "object"})),
            ("source", schema_ref("Source")), vintage(),
        ]),
        "Portrait": object(&[
            ("layer", layer_ref.clone()), ("id", string()), ("name", string()),
            ("figures", json!({"type": "object"})), ("members", json!({"type": "object"})),
            ("departements", array(json!({"type": "object"}))), ("regions", array(json!({"type": "object"}))),
            ("layers", array(json!({"type": "object"}))), ("neighbours", array(json!({"type": "object"}))),
            ("links", object(&[("portrait", string()), ("territory", string()), ("members_csv", string()), ("members_geojson", string())])),
            ("source", schema_ref("Source")), ("denominators_source", schema_ref("Source")), vintage(),
        ]),
        "Simulation": object(&[
            ("epci", array(object(&[("siren", string()), ("name", string())]))),
            ("figures", object(&[("epci", integer()), ("communes", integer()), ("population", integer()), ("area_km2", number())])),
            ("checks", object(&[
                ("members_are_epci", object(&[("ok", json!({"type": "boolean"}))])),
                ("contiguous", object(&[("ok", json!({"type": "boolean"}))])),
                ("no_enclave", object(&[("ok", json!({"type": "boolean"}))])),
                ("epci_in_other_petr", object(&[("ok", json!({"type": "boolean"}))])),
            ])),
            ("meets", array(json!({"type": "object"}))),
            ("coverage", json!({"type": "object"})),
            (
                "geometry",
                // Null when no member is an EPCI: the draft then has no shape.
                json!({"type": "object", "nullable": true, "required": ["type"], "properties": {"type": {"type": "string", "enum": ["MultiPolygon"]}}}),
            ),
            ("zoom", json!({"type": "integer", "minimum": 0, "maximum": MAX_GENERALISED_ZOOM})),
            vintage(),
        ]),
        "Catalogue": object(&[
            ("layers", array(object(&[
                ("id", schema_ref("LayerId")), ("title", string()), ("kind", json!({"type": "string", "enum": ["communes", "commune-sets", "polygons"]})),
                ("features", integer()), ("searchable", json!({"type": "boolean"})), ("bbox", nullable_box()),
                ("source", string()), ("vintage", string()), ("licence", string()),
                ("role", json!({"type": "string", "enum": ["territories", "epci", "communes", "admin", "overlay"]})),
                ("division", json!({"type": "string", "enum": ["departement", "region"], "nullable": true})),
                ("style", schema_ref("LayerStyle")),
                ("fields", array(object(&[("property", string()), ("label", string()), ("in_lists", json!({"type": "boolean"}))]))),
                ("note", json!({"type": "string", "nullable": true})),
                ("carried_by_territories", json!({"type": "boolean"})),
            ]))),
            ("territories_layer", schema_ref("LayerId")),
            vintage(),
        ]),
        "LayerStyle": {
            "type": "object",
            "description": "how the map draws the layer (the catalogue's [layer.style]); null: the page's default",
            "required": ["stroke", "width", "fill", "opacity", "dash", "z", "default_on", "min_zoom", "legend"],
            "properties": {
                "stroke": {"type": "string", "nullable": true},
                "width": {"type": "number", "minimum": 0, "nullable": true},
                "fill": {"type": "string", "nullable": true},
                "opacity": {"type": "number", "minimum": 0, "maximum": 1, "nullable": true},
                "dash": {"type": "string", "nullable": true},
                "z": {"type": "integer", "minimum": 0, "nullable": true},
                "default_on": {"type": "boolean"},
                "min_zoom": {"type": "integer", "minimum": 0, "nullable": true},
                "legend": {"type": "string", "nullable": true},
            },
        },
        "Config": object(&[("tiles_url", json!({"type": "string", "nullable": true})), vintage()]),
        "Health": object(&[
            ("status", json!({"type": "string", "enum": ["ok"]})),
            ("dataset", object(&[
                // Null only for a dataset built in memory (tests), never for one served from a file.
                ("sha256", json!({"type": "string", "pattern": "^[0-9a-f]{64}$", "nullable": true})),
                ("written", json!({"type": "string", "format": "date-time", "nullable": true})),
                ("bytes", json!({"type": "integer", "minimum": 0, "nullable": true})),
                ("builder", string()), ("base_vintage", string()),
                ("vintages", json!({"type": "object", "additionalProperties": {"type": "string"}})),
            ])),
            ("layers", integer()), ("communes", integer()),
        ]),
        "LayerCollection": collection(&[("metadata", object(&[
            ("layer", schema_ref("LayerId")), ("zoom", json!({"type": "integer", "minimum": 0, "maximum": MAX_GENERALISED_ZOOM})),
            ("source", string()), ("vintage", string()), ("licence", string()),
        ]))]),
        "MembersCollection": collection(&[("name", string()), ("metadata", object(&[("territory", object(&[("layer", schema_ref("LayerId")), ("id", string()), ("name", string())])), vintage()]))]),
        "OpenApiDocument": object(&[("openapi", string()), ("info", json!({"type": "object"})), ("paths", json!({"type": "object"}))]),
        "OgcLanding": object(&[("title", string()), ("links", links())]),
        "OgcConformance": object(&[("conformsTo", array(string()))]),
        "OgcCollection": object(&[
            ("id", schema_ref("LayerId")), ("title", string()), ("itemType", json!({"type": "string", "enum": ["feature"]})),
            ("crs", array(string())), ("extent", json!({"type": "object"})), ("links", links()),
        ]),
        "OgcCollections": object(&[("collections", array(schema_ref("OgcCollection"))), ("links", links())]),
        "OgcItems": collection(&[
            ("numberMatched", integer()), ("numberReturned", integer()), ("timeStamp", json!({"type": "string", "format": "date-time"})), ("links", links()),
        ]),
        "OgcFeature": {"allOf": [schema_ref("Feature"), object(&[("id", string()), ("links", links())])]},
    })
}

/// The licences of the served layers, as the catalogue gives them.
fn data_licences(state: &AppState) -> String {
    let licences: std::collections::BTreeSet<&str> = state
        .ix
        .dataset
        .layers
        .iter()
        .map(|l| l.source.licence.as_str())
        .collect();
    licences.into_iter().collect::<Vec<_>>().join(", ")
}

/// `GET /ogc/api`: the same document, as OGC API – Features serves its API definition (JSON, or HTML).
pub async fn ogc_api(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let html = super::ogc::html_only(raw.as_deref(), &headers)?;
    let doc = document(&state, &super::ogc::base(&headers));
    Ok(super::ogc::respond(html, "API", doc, OPENAPI_TYPE))
}
