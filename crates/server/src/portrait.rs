//! The territory portrait: `GET /api/portrait/{layer}/{id}` (JSON), the member communes as CSV and
//! GeoJSON downloads, and the page `GET /territoire/{layer}/{id}` (`web/territoire.html`, whose script
//! reads the path). Thin handlers over [`territoires_query::portrait`].

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value as Json, json};

use super::AppState;
use super::api::JsonResult;
use super::error::ApiError;
use super::params::Params;
use territoires_core::dataset::{FeatureIx, LayerIx};
use territoires_formats::geojson::Collection;
use territoires_query::QueryError;
use territoires_query::portrait::{self, MemberCommune};
use territoires_query::territory::find_feature;

/// The page's file in the web directory.
pub const PAGE_FILE: &str = "territoire.html";

/// A path segment, percent-encoded where it needs to be.
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The layer and feature positions, or a 404 naming the path parameter at fault.
fn feature(state: &AppState, layer: &str, id: &str) -> Result<(LayerIx, FeatureIx), ApiError> {
    find_feature(&state.ix.dataset, layer, id).map_err(not_found)
}

fn not_found(e: QueryError) -> ApiError {
    let parameter = match e {
        QueryError::UnknownLayer(_) => "layer",
        _ => "id",
    };
    ApiError {
        parameter: Some(parameter.to_string()),
        ..ApiError::not_found(e.to_string())
    }
}

/// Where a portrait and its downloads live, and the map showing the feature.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Links {
    pub portrait: String,
    pub map: String,
    pub territory: String,
    pub members_csv: String,
    pub members_geojson: String,
}

pub fn links(layer: &str, id: &str) -> Links {
    let (l, i) = (segment(layer), segment(id));
    Links {
        portrait: format!("/territoire/{l}/{i}"),
        map: format!("/#sel={l}/{i}"),
        territory: format!("/api/territories/{l}/{i}"),
        members_csv: format!("/api/territories/{l}/{i}/members.csv"),
        members_geojson: format!("/api/territories/{l}/{i}/members.geojson"),
    }
}

/// `GET /api/portrait/{layer}/{id}`.
pub async fn portrait_get(
    State(state): State<Arc<AppState>>,
    Path((layer, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> JsonResult {
    Params::parse(raw.as_deref()).finish()?;
    let (l, f) = feature(&state, &layer, &id)?;
    // The layer's topology may still be building at start-up: wait for it off the async threads.
    tokio::task::spawn_blocking(move || {
        let data = &state.ix.dataset;
        let mut p = portrait::portrait(data, &layer, &id).map_err(not_found)?;
        p.neighbours = portrait::neighbours(data, l, f, state.ix.neighbours(l));
        let links = links(&p.layer.id, &p.id);
        super::api::with_vintage(&state, WithLinks { body: p, links })
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
}

/// The `metadata` member of a territory's member communes as GeoJSON.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct MembersMetadata<'a> {
    pub territory: TerritoryName<'a>,
    /// The source of the communes' geometry.
    pub geometry_source: Option<&'a territoires_core::dataset::Source>,
    /// The source of the communes' populations and areas.
    pub denominators_source: &'a territoires_core::dataset::Source,
    pub vintage: &'a str,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct TerritoryName<'a> {
    #[schemars(with = "territoires_query::answer::LayerId")]
    pub layer: &'a str,
    pub id: &'a str,
    pub name: &'a str,
}

/// A portrait with where it and its downloads live.
#[derive(serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "{T}", transform = territoires_query::answer::without_description)]
pub struct WithLinks<T> {
    #[serde(flatten)]
    pub body: T,
    pub links: Links,
}

/// `LAYER-ID-communes`, in safe characters: the downloads' file and layer name.
fn base_name(layer: &str, id: &str) -> String {
    format!("{layer}-{id}-communes")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

const CSV_COLUMNS: [&str; 8] = [
    "code",
    "name",
    "epci",
    "epci_name",
    "departement",
    "region",
    "population",
    "area_km2",
];

fn csv_row(m: &MemberCommune) -> Vec<String> {
    vec![
        m.code.clone(),
        m.name.clone(),
        m.epci.clone().unwrap_or_default(),
        m.epci_name.clone().unwrap_or_default(),
        m.departement.clone(),
        m.region.clone(),
        m.population.to_string(),
        format!("{:.3}", m.area_km2),
    ]
}

/// Decimal places of the downloaded geometry: about 0.1 m, finer than the source's own precision.
pub const MEMBERS_GEOJSON_DECIMALS: u32 = 6;

/// `GET /api/territories/{layer}/{id}/members.csv` and `…/members.geojson`: the member communes with
/// their EPCI, département, région, population and area; the GeoJSON with each commune's full
/// geometry (coordinates to [`MEMBERS_GEOJSON_DECIMALS`] places).
pub async fn members_file(
    State(state): State<Arc<AppState>>,
    Path((layer, id, file)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let (l, f) = feature(&state, &layer, &id)?;
    let (content_type, extension) = match file.as_str() {
        "members.csv" => ("text/csv; charset=utf-8", "csv"),
        "members.geojson" => ("application/geo+json", "geojson"),
        _ => {
            return Err(ApiError {
                parameter: Some("file".to_string()),
                ..ApiError::not_found(format!(
                    "no `{file}` for a territory: use members.csv or members.geojson"
                ))
            });
        }
    };
    Params::parse(raw.as_deref()).finish()?;
    let body = tokio::task::spawn_blocking(move || {
        let data = &state.ix.dataset;
        let layer = &data.layers[l];
        let feature = &layer.features[f];
        let members = portrait::members(data, feature);
        if extension == "csv" {
            let mut out = Vec::new();
            let header: Vec<String> = CSV_COLUMNS.iter().map(|c| c.to_string()).collect();
            territoires_formats::batch::push_csv_record(&mut out, &header);
            for m in &members.communes {
                territoires_formats::batch::push_csv_record(&mut out, &csv_row(m));
            }
            return out;
        }
        let communes_layer = state.ix.communes_layer().map(|c| &data.layers[c]);
        let meta = MembersMetadata {
            territory: TerritoryName {
                layer: &layer.id,
                id: &feature.id,
                name: &feature.name,
            },
            geometry_source: communes_layer.map(|c| &c.source),
            denominators_source: &data.base.denominators,
            vintage: state.vintage(),
        };
        let meta = serde_json::to_string(&meta).unwrap_or_else(|_| "null".into());
        let name = Json::from(base_name(&layer.id, &feature.id)).to_string();
        let mut collection = Collection::new(&[("name", &name), ("metadata", &meta)]);
        for m in &members.communes {
            let out = collection.next_feature();
            let properties: serde_json::Map<String, Json> = CSV_COLUMNS
                .iter()
                .zip([
                    json!(m.code),
                    json!(m.name),
                    json!(m.epci),
                    json!(m.epci_name),
                    json!(m.departement),
                    json!(m.region),
                    json!(m.population),
                    json!((m.area_km2 * 1000.0).round() / 1000.0),
                ])
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            let _ = write!(
                out,
                r#"{{"type":"Feature","id":{},"properties":{},"geometry":"#,
                Json::from(m.code.clone()),
                Json::Object(properties)
            );
            let geometry = data
                .commune_by_code(&m.code)
                .and_then(|(_, c)| c.feature)
                .zip(communes_layer)
                .filter(|(g, cl)| g.index() < cl.features.len())
                .map(|(g, cl)| cl.polygons(g));
            match geometry {
                Some(g) => {
                    territoires_formats::geojson::write_geometry(out, &g, Some(MEMBERS_GEOJSON_DECIMALS))
                }
                None => out.push_str("null"),
            }
            out.push('}');
        }
        collection.finish(&[]).into_bytes()
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?;
    let mut response = super::respond::bytes_response(content_type, body);
    let name = format!("{}.{extension}", base_name(&layer, &id));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// Whether the client asks for HTML (a browser navigating), rather than JSON.
pub(crate) fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The French page a browser gets for an unknown layer or territory.
fn not_found_page(error: &ApiError, layer: &str, id: &str) -> Response {
    let what = match error.parameter.as_deref() {
        Some("layer") => format!("La couche « {} » n’existe pas.", escape(layer)),
        _ => format!(
            "Aucun territoire d’identifiant « {} » dans la couche « {} ».",
            escape(id),
            escape(layer)
        ),
    };
    not_found_html(
        "portrait",
        "Territoire introuvable",
        &format!(
            "<p>{what}</p>\n    <p>L’adresse d’un portrait est de la forme <code>/territoire/pays/200051118</code> : \
             la couche, puis l’identifiant du territoire (code INSEE, SIREN…).</p>\n    \
             <p><a class=\"btn\" href=\"/\">Chercher un territoire sur la carte</a></p>"
        ),
    )
}

/// A French 404 page for a browser, in the look of the `page` (`portrait`, `panorama`) it stands for:
/// `body` (HTML, escaped by the caller) under the `title`.
pub(crate) fn not_found_html(page: &str, title: &str, body: &str) -> Response {
    let html = format!(
        r#"<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} — Territoires</title>
  <link rel="icon" href="/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/css/base.css">
  <link rel="stylesheet" href="/css/app.css">
  <link rel="stylesheet" href="/css/{page}.css">
</head>
<body class="{page}-page">
  <main class="{page} not-found">
    <h1>{title}</h1>
    {body}
  </main>
</body>
</html>
"#
    );
    (StatusCode::NOT_FOUND, Html(html)).into_response()
}

/// `GET /territoire/{layer}/{id}`: the portrait page. An unknown layer or territory is a 404: a French
/// page for a browser, a JSON error for any other client.
pub async fn page(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(String, String)>, axum::extract::rejection::PathRejection>,
    headers: HeaderMap,
    web: Option<axum::Extension<crate::WebDir>>,
) -> Response {
    // A path that does not decode (invalid UTF-8) names no territory either.
    let (layer, id) = path.map_or_else(|_| (String::new(), String::new()), |Path(p)| p);
    let found = if layer.is_empty() {
        Err(ApiError {
            parameter: Some("id".to_string()),
            ..ApiError::not_found("the path does not decode as UTF-8")
        })
    } else {
        feature(&state, &layer, &id)
    };
    if let Err(error) = found {
        return if wants_html(&headers) {
            not_found_page(&error, &layer, &id)
        } else {
            error.into_response()
        };
    }
    web_page(web, PAGE_FILE).await
}

/// `file` of the web directory as a page that revalidates (one file serves many addresses), or a 404
/// when the server runs without its web directory.
pub(crate) async fn web_page(web: Option<axum::Extension<crate::WebDir>>, file: &str) -> Response {
    let Some(axum::Extension(crate::WebDir(web))) = web else {
        return ApiError::not_found("the pages are served with the web directory").into_response();
    };
    match tokio::fs::read_to_string(web.join(file)).await {
        Ok(text) => {
            let mut response = Html(text).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        Err(e) => ApiError::not_found(format!("the web directory has no {file}: {e}")).into_response(),
    }
}
