//! The OpenAPI 3.0 description of every endpoint, served at `/api/openapi.json` and `/ogc/api`.
//!
//! Three parts, each with one source: the paths from the route table ([`crate::routes`]), which also
//! builds the router; the components from the answer types ([`components`]); and what only the
//! loaded data can say, filled in by a pass of its own ([`facts`]): layer ids as enums, the `scope`
//! and `layers` grammars, examples that reach real features. Client generators, QGIS and the
//! Schemathesis run of `make test` take it at its word.

pub mod components;
pub mod facts;
pub mod operation;
pub mod parameters;

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json, json};

use crate::AppState;
use crate::error::ApiError;
use crate::ogc::OPENAPI_TYPE;

/// The document without the data: every path of the route table and the components its operations
/// name. [`facts::apply`] makes it the served document.
pub fn skeleton(base: &str) -> Json {
    let mut generator = components::generator();
    let mut paths = Map::new();
    for route in crate::routes::table() {
        for operation in &route.operations {
            let item = paths
                .entry(operation.path)
                .or_insert_with(|| Json::Object(Map::new()));
            item[operation.method] = operation.render(&mut generator);
        }
    }
    let error = generator.subschema_for::<components::ErrorBody>().to_value();
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "territoires",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "France's territoires de projet (Pays, PETR) and their layers: locate, coverage, search, GeoJSON layers, vector tiles and OGC API – Features. Every error is a JSON body with a 4xx status naming what was wrong.",
        },
        "servers": [{"url": base}],
        "tags": [
            {"name": "api", "description": "the JSON API"},
            {"name": "maps", "description": "map layers and vector tiles"},
            {"name": "ogc", "description": "OGC API – Features: Part 1 (Core), Part 2 (CRS by reference), Part 3 (filtering, CQL2)"},
            {"name": "pages", "description": "web pages"},
            {"name": "operations", "description": "for operators"},
        ],
        "paths": paths,
        "components": {
            "responses": {"TooManyRequests": {
                "description": "only when the server runs with --rate-limit: too many requests from this client; try again after Retry-After seconds",
                "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer", "minimum": 0}}},
                "content": {"application/json": {"schema": error}},
            }},
            "schemas": components::schemas(&mut generator),
        },
    })
}

/// The served document: the skeleton with the loaded data's facts.
pub fn document(state: &AppState, base: &str) -> Json {
    let mut doc = skeleton(base);
    facts::apply(&mut doc, state);
    doc
}

/// `GET /api/openapi.json`.
pub async fn openapi_json(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    axum::Json(document(&state, &crate::ogc::base(&headers))).into_response()
}

/// The OGC API – Features part of the document, rooted at `/ogc`: its server is `…/ogc` and its
/// paths the OGC ones without the prefix (`/collections/{collectionId}/items`), the layout the
/// standard gives and the one GDAL looks its query parameters up in.
pub fn ogc_document(state: &AppState, base: &str) -> Json {
    let mut doc = document(state, base);
    doc["servers"] = json!([{"url": format!("{base}{OGC_ROOT}")}]);
    if let Some(paths) = doc.get_mut("paths").and_then(Json::as_object_mut) {
        let ogc: Map<String, Json> = std::mem::take(paths)
            .into_iter()
            .filter_map(|(path, item)| {
                let rest = path.strip_prefix(OGC_ROOT)?;
                Some((
                    if rest.is_empty() {
                        "/".to_string()
                    } else {
                        rest.to_string()
                    },
                    item,
                ))
            })
            .collect();
        *paths = ogc;
    }
    if let Some(tags) = doc.get_mut("tags").and_then(Json::as_array_mut) {
        tags.retain(|t| t["name"] == "ogc");
    }
    doc
}

/// Where OGC API – Features lives on the server.
const OGC_ROOT: &str = "/ogc";

/// `GET /ogc/api`: the OGC API – Features definition (JSON, or HTML).
pub async fn ogc_api(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let html = crate::ogc::html_only(raw.as_deref(), &headers)?;
    let doc = ogc_document(&state, &crate::ogc::base(&headers));
    Ok(crate::ogc::respond(html, "API", doc, OPENAPI_TYPE))
}
