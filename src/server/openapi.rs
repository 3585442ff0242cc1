//! The OpenAPI 3.0 description of every endpoint, served at `/api/openapi.json` and `/ogc/api`.

use serde_json::{Value as Json, json};

use super::AppState;

fn query(name: &str, description: &str, required: bool, schema: Json) -> Json {
    json!({"name": name, "in": "query", "required": required, "description": description, "schema": schema})
}

fn path(name: &str, description: &str) -> Json {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": {"type": "string"}})
}

fn get(summary: &str, parameters: Vec<Json>, content_type: &str) -> Json {
    json!({"get": {
        "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": {"description": "success", "content": {content_type: {"schema": {"type": "object"}}}},
            "400": {"description": "a parameter is missing, malformed or unknown", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "404": {"description": "no such resource", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    }})
}

/// A GET answered with a file to save, under the given name.
fn download(mut operation: Json, file_name: &str) -> Json {
    operation["get"]["responses"]["200"]["headers"] = json!({"Content-Disposition": {
        "description": format!("attachment; filename=\"{file_name}\""),
        "schema": {"type": "string"},
    }});
    if let Some(csv) = operation["get"]["responses"]["200"]["content"].get_mut("text/csv") {
        csv["schema"] = json!({"type": "string"});
    }
    operation
}

/// A GET answered with an HTML page: a string body, and a 404 that is HTML for browsers.
fn page(mut operation: Json) -> Json {
    operation["get"]["responses"]["200"]["content"] = json!({"text/html": {"schema": {"type": "string"}}});
    operation["get"]["responses"]["404"]["content"]["text/html"] = json!({"schema": {"type": "string"}});
    operation
}

pub fn document(state: &AppState, base: &str) -> Json {
    let layers: Vec<String> = state.ix.dataset.layers.iter().map(|l| l.id.clone()).collect();
    let layer_enum = json!({"type": "string", "enum": layers});
    let lat = query(
        "lat",
        "latitude, WGS84, −90…90",
        true,
        json!({"type": "number", "minimum": -90, "maximum": 90}),
    );
    let lon = query(
        "lon",
        "longitude, WGS84, −180…180",
        true,
        json!({"type": "number", "minimum": -180, "maximum": 180}),
    );
    let layers_param = query(
        "layers",
        "comma-separated layer ids (default: all)",
        false,
        json!({"type": "string"}),
    );
    let tolerance = query(
        "tolerance_m",
        "if nothing contains the point, the nearest feature within this many metres, marked approximate",
        false,
        json!({"type": "number", "minimum": 0}),
    );
    let f_param = query(
        "f",
        "response format",
        false,
        json!({"type": "string", "enum": ["json", "html"]}),
    );
    let zoom = query(
        "zoom",
        "web-map zoom level 0–14; sets the generalisation",
        false,
        json!({"type": "integer", "minimum": 0, "maximum": 14}),
    );
    let bbox = query(
        "bbox",
        "minlon,minlat,maxlon,maxlat (CRS84)",
        false,
        json!({"type": "string"}),
    );

    let mut locate = get(
        "territories containing a point",
        vec![lat, lon, layers_param.clone(), tolerance.clone()],
        "application/json",
    );
    locate["post"] = json!({
        "summary": "batch lookup: a CSV with lat and lon columns, or a GeoJSON FeatureCollection of points; rows come back with territory columns, streamed",
        "parameters": [layers_param, tolerance],
        "requestBody": {"required": true, "content": {"text/csv": {"schema": {"type": "string"}}, "application/geo+json": {"schema": {"type": "object"}}}},
        "responses": {
            "200": {"description": "the rows with territory columns (format chosen by Accept)", "content": {"text/csv": {"schema": {"type": "string"}}, "application/geo+json": {"schema": {"type": "object"}}, "application/json": {"schema": {"type": "array"}}}},
            "400": {"description": "the body cannot be read", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "406": {"description": "unsupported Accept", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "413": {"description": "body over the limit", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "415": {"description": "unsupported Content-Type", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    });

    let siren_list = json!({"type": "string", "pattern": "^[0-9]{9}(,[0-9]{9}){0,199}$"});
    let mut simulate = get(
        "a draft territory from EPCIs: figures, the PETR checks (CGCT L5741-1), what it meets, the coverage change, its shape",
        vec![
            query(
                "epci",
                "comma-separated SIRENs of the member EPCIs, at most 200, each once",
                true,
                siren_list,
            ),
            query(
                "replaces",
                "id of the territory the draft would replace",
                false,
                json!({"type": "string"}),
            ),
            query(
                "zoom",
                "web-map zoom the shape is generalised for (default 8)",
                false,
                json!({"type": "integer", "minimum": 0, "maximum": 12}),
            ),
        ],
        "application/json",
    );
    simulate["post"] = json!({
        "summary": "the same draft as a JSON body: a list of SIRENs, or {epci, replaces, zoom}",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"oneOf": [
            {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{9}$"}, "minItems": 1, "maxItems": 200},
            {"type": "object", "required": ["epci"], "additionalProperties": false, "properties": {
                "epci": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{9}$"}, "minItems": 1, "maxItems": 200},
                "replaces": {"type": "string"},
                "zoom": {"type": "integer", "minimum": 0, "maximum": 12},
            }},
        ]}}}},
        "responses": {
            "200": {"description": "the simulation", "content": {"application/json": {"schema": {"type": "object"}}}},
            "400": {"description": "unknown or repeated SIRENs, too many, or an unreadable body", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "413": {"description": "body over the limit", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    });

    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "territoires",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "France's territoires de projet (Pays, PETR) and their layers: locate, coverage, search, GeoJSON layers, vector tiles and OGC API – Features.",
            "license": {"name": format!("Data: {}", data_licences(state))},
        },
        "servers": [{"url": base}],
        "paths": {
            "/api/locate": locate,
            "/api/coverage": get("share of area and population a layer covers", vec![
                query("layer", "layer id", true, layer_enum.clone()),
                query("scope", "metropole (default), region:CODE or departement:CODE", false, json!({"type": "string"})),
                query("by", "breakdown", false, json!({"type": "string", "enum": ["region", "departement"]})),
            ], "application/json"),
            "/api/overlap": get("what share of layer a's area and population also lies in layer b, and the reverse", vec![
                query("a", "layer id", true, layer_enum.clone()),
                query("b", "layer id", true, layer_enum.clone()),
                query("scope", "metropole (default), region:CODE or departement:CODE", false, json!({"type": "string"})),
            ], "application/json"),
            "/api/simulate": simulate,
            "/api/labels": get("place names for a map view, best first: régions or départements, towns by seat and population, the shown layers' features at their label point", vec![
                query("zoom", "web-map zoom of the view", true, json!({"type": "integer", "minimum": 0, "maximum": 20})),
                bbox.clone(),
                layers_param.clone(),
            ], "application/json"),
            "/api/indicators": get("« Les Pays en chiffres »: the national association's reference figures beside ours, measured from the data", vec![], "application/json"),
            "/api/search": get("communes by name, postcode or INSEE code; features of the searchable layers (EPCI, Pays/PETR, SCoT, CRTE) by name or id", vec![
                query("q", "what to look for", true, json!({"type": "string"})),
                query("limit", "at most 20", false, json!({"type": "integer", "minimum": 1, "maximum": 20})),
                query("layers", "only results of these comma-separated searchable layer ids", false, json!({"type": "string"})),
            ], "application/json"),
            "/api/territories/{layer}/{id}": get("one territory: attributes, members, figures, overlays", vec![
                path("layer", "layer id"), path("id", "feature id"),
                query("geometry", "include the full geometry", false, json!({"type": "boolean"})),
            ], "application/json"),
            "/api/territories/{layer}/{id}/members.csv": download(get("a territory's member communes as CSV: code, name, epci, epci_name, departement, region, population, area_km2", vec![
                path("layer", "layer id"), path("id", "feature id"),
            ], "text/csv"), "LAYER-ID-communes.csv"),
            "/api/territories/{layer}/{id}/members.geojson": download(get("a territory's member communes as GeoJSON, with the same properties as the CSV and each commune's full geometry (WGS84, 6 decimals)", vec![
                path("layer", "layer id"), path("id", "feature id"),
            ], "application/geo+json"), "LAYER-ID-communes.geojson"),
            "/api/portrait/{layer}/{id}": get("a territory's portrait: figures, share of each département and région it touches, member EPCI and communes, what every other layer holds of it (share of its area, carrier), neighbours, sources", vec![
                path("layer", "layer id"), path("id", "feature id"),
            ], "application/json"),
            "/territoire/{layer}/{id}": page(get("the territory's portrait page, in French (HTML); an unknown layer or id is a 404, an HTML page for browsers and a JSON error otherwise", vec![
                path("layer", "layer id"), path("id", "feature id"),
            ], "text/html")),
            "/api/layers": get("the catalog of layers", vec![], "application/json"),
            "/api/layers/{file}": get("a layer as generalised GeoJSON (LAYER.geojson, with zoom and bbox), its attributes as CSV (LAYER.csv), or a GIS file: FlatGeobuf (LAYER.fgb, application/flatgeobuf) or GeoPackage (LAYER.gpkg, application/geopackage+sqlite3), at full resolution or generalised with zoom, with bbox", vec![path("file", "LAYER.geojson, LAYER.csv, LAYER.fgb or LAYER.gpkg"), zoom, bbox.clone()], "application/geo+json"),
            "/tiles/{layer}/{z}/{x}/{y}.mvt": get("Mapbox vector tile", vec![path("layer", "layer id"), path("z", "zoom"), path("x", "column"), path("y", "row (the last segment is y.mvt)")], "application/vnd.mapbox-vector-tile"),
            "/api/openapi.json": get("this document", vec![], "application/json"),
            "/healthz": get("liveness", vec![], "application/json"),
            "/metrics": get("Prometheus metrics", vec![], "text/plain"),
            "/ogc": get("OGC API – Features landing page", vec![f_param.clone()], "application/json"),
            "/ogc/conformance": get("conformance classes", vec![f_param.clone()], "application/json"),
            "/ogc/api": get("this document", vec![f_param.clone()], "application/vnd.oai.openapi+json;version=3.0"),
            "/ogc/collections": get("the collections", vec![f_param.clone()], "application/json"),
            "/ogc/collections/{collectionId}": get("one collection", vec![path("collectionId", "layer id"), f_param.clone()], "application/json"),
            "/ogc/collections/{collectionId}/items": get("features of a collection", vec![
                path("collectionId", "layer id"), bbox,
                query("limit", "page size; larger values are clamped to 10000", false, json!({"type": "integer", "minimum": 1, "default": 100})),
                query("offset", "start of the page", false, json!({"type": "integer", "minimum": 0, "default": 0})),
                query("f", "response format; fgb: the same page as FlatGeobuf (application/flatgeobuf)", false, json!({"type": "string", "enum": ["json", "geojson", "fgb", "html"]})),
            ], "application/geo+json"),
            "/ogc/collections/{collectionId}/items/{featureId}": get("one feature", vec![path("collectionId", "layer id"), path("featureId", "feature id"), f_param], "application/geo+json"),
        },
        "components": {"schemas": {"Error": {
            "type": "object",
            "properties": {"error": {"type": "object", "properties": {
                "status": {"type": "integer"}, "code": {"type": "string"}, "message": {"type": "string"}, "parameter": {"type": "string"},
            }}},
        }}},
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
