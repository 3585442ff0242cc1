//! OGC API – Features, Part 1: Core, GeoJSON, HTML and OAS 3.0 conformance classes; Part 2: CRS
//! by reference (features in Lambert-93 and the other systems of [`CrsRef::all_ogc`], boxes in them).
//!
//! QGIS refuses a landing page without a `service-desc` link typed as an OpenAPI document and a `data`
//! link typed `application/json`; GDAL's OAPIF driver follows the typed `next` links to page through
//! items. Links are absolute, built from the request's `Host`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value as Json_, json};

use super::AppState;
use super::error::ApiError;
use super::params::Params;
use territoires_core::dataset::{FeatureIx, Layer, LayerIx};
use territoires_formats::LayerExport;
use territoires_formats::geojson::{self, Writing};
use territoires_geo::{CrsRef, Reproject};
use territoires_query::select::{Region, select};

use super::selection::{read_properties, read_selection};

const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
pub const OPENAPI_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";
pub const FLATGEOBUF: &str = "application/flatgeobuf";
/// Items per page when the client does not say, and the most a page holds (larger limits are clamped).
pub const DEFAULT_LIMIT: usize = 100;
/// The `f` values, besides `html`, that ask for a document's JSON, and for features' GeoJSON.
pub const DOCUMENT_FORMATS: &[&str] = &["json"];
pub const FEATURE_FORMATS: &[&str] = &["json", "geojson"];
/// The `f` values, besides `html`, of a page of items: GeoJSON, or FlatGeobuf.
pub const ITEMS_FORMATS: &[&str] = &["json", "geojson", "fgb"];
pub const MAX_LIMIT: usize = 10_000;

pub const CONFORMANCE: [&str; 16] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    // Part 3: `/queryables`, `filter` on the items.
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    // CQL2: both encodings; property–literal comparisons, LIKE, BETWEEN, IN, and every S_ function
    // (`territoires_query::filter`).
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    // The `properties` parameter (Part 6, property selection).
    "http://www.opengis.net/spec/ogcapi-features-6/1.0/conf/properties",
];

/// The link relation of a collection's queryables (OGC API – Features Part 3).
const QUERYABLES_REL: &str = "http://www.opengis.net/def/rel/ogc/1.0/queryables";

/// `http://host` of the request.
pub(crate) fn base(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}

/// For documents whose only parameter is `f`: whether to answer in HTML.
pub(crate) fn html_only(raw: Option<&str>, headers: &HeaderMap) -> Result<bool, ApiError> {
    let mut p = Params::parse(raw);
    let html = wants_html(&mut p, headers, DOCUMENT_FORMATS)?;
    p.finish()?;
    Ok(html)
}

/// Whether to answer in HTML: `f=html`, or a browser asking for HTML first.
fn wants_html(p: &mut Params, headers: &HeaderMap, json_names: &[&str]) -> Result<bool, ApiError> {
    match p.text("f")?.as_deref() {
        Some("html") => Ok(true),
        Some(f) if json_names.contains(&f) => Ok(false),
        Some(other) => Err(ApiError::bad_parameter(
            "f",
            format!("unknown format `{other}`; use {} or html", json_names.join(", ")),
        )),
        None => Ok(browser_asks_html(headers)),
    }
}

fn browser_asks_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.trim_start().starts_with("text/html"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ItemsFormat {
    GeoJson,
    Html,
    /// The same page as FlatGeobuf, with the same full-resolution geometry as the GeoJSON.
    FlatGeobuf,
}

/// The `f` of an items request: `json`/`geojson`, `fgb` or `html`; without it, HTML for a browser.
fn items_format(p: &mut Params, headers: &HeaderMap) -> Result<ItemsFormat, ApiError> {
    match p.text("f")?.as_deref() {
        Some("json" | "geojson") => Ok(ItemsFormat::GeoJson),
        Some("fgb") => Ok(ItemsFormat::FlatGeobuf),
        Some("html") => Ok(ItemsFormat::Html),
        Some(other) => Err(ApiError::bad_parameter(
            "f",
            format!(
                "unknown format `{other}`; use {} or html",
                ITEMS_FORMATS.join(", ")
            ),
        )),
        None if browser_asks_html(headers) => Ok(ItemsFormat::Html),
        None => Ok(ItemsFormat::GeoJson),
    }
}

/// A link of an OGC document (OGC API – Common's `link` schema).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Link {
    pub href: String,
    pub rel: &'static str,
    /// The media type of what it leads to.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
}

fn link(href: String, rel: &'static str, kind: &'static str, title: &'static str) -> Link {
    Link {
        href,
        rel,
        kind,
        title,
    }
}

/// `GET /ogc`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(rename = "OgcLanding")]
pub struct Landing {
    pub title: &'static str,
    pub description: &'static str,
    pub links: Vec<Link>,
}

/// `GET /ogc/conformance`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(rename = "OgcConformance")]
pub struct Conformance {
    #[serde(rename = "conformsTo")]
    pub conforms_to: &'static [&'static str],
}

/// `GET /ogc/collections/{collectionId}`: one layer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(rename = "OgcCollection")]
pub struct Collection {
    #[schemars(with = "territoires_query::answer::LayerId")]
    pub id: String,
    pub title: String,
    /// The layer's description, with its source, vintage and licence.
    pub description: String,
    #[serde(rename = "itemType")]
    pub item_type: ItemType,
    /// The systems `crs` and `bbox-crs` take, by URI: CRS84 first (the default).
    pub crs: Vec<String>,
    /// The system the data is kept in.
    #[serde(rename = "storageCrs")]
    pub storage_crs: &'static str,
    pub extent: Extent,
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ItemType {
    Feature,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Extent {
    pub spatial: SpatialExtent,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SpatialExtent {
    /// One `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: Vec<[f64; 4]>,
    pub crs: &'static str,
}

/// `GET /ogc/collections`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(rename = "OgcCollections")]
pub struct Collections {
    pub links: Vec<Link>,
    pub collections: Vec<Collection>,
}

/// A plain HTML page showing a JSON document, with its links clickable.
fn html_page(title: &str, doc: &impl Serialize) -> Response {
    let doc = serde_json::to_value(doc).unwrap_or(Json_::Null);
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut links = String::new();
    if let Some(list) = doc.get("links").and_then(Json_::as_array) {
        for l in list {
            let href = l.get("href").and_then(Json_::as_str).unwrap_or("");
            let rel = l.get("rel").and_then(Json_::as_str).unwrap_or("");
            links.push_str(&format!(
                "<li><a href=\"{}\">{}</a> ({})</li>",
                escape(href),
                escape(rel),
                escape(l.get("type").and_then(Json_::as_str).unwrap_or(""))
            ));
        }
    }
    let body = serde_json::to_string_pretty(&doc).unwrap_or_default();
    Html(format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1><ul>{links}</ul><pre>{b}</pre></body></html>",
        t = escape(title),
        b = escape(&body)
    ))
    .into_response()
}

pub(crate) fn respond(html: bool, title: &str, doc: impl Serialize, content_type: &'static str) -> Response {
    if html {
        html_page(title, &doc)
    } else {
        ([(header::CONTENT_TYPE, content_type)], Json(doc)).into_response()
    }
}

pub async fn landing(headers: HeaderMap, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let html = html_only(raw.as_deref(), &headers)?;
    let b = base(&headers);
    let doc = Landing {
        title: "territoires — territoires de projet (Pays, PETR) et leurs couches",
        description: "Communes, EPCI, départements, régions, Pays et PETR, syndicats de SCoT et contrats de ruralité, en OGC API – Features.",
        links: vec![
            link(format!("{b}/ogc"), "self", "application/json", "this document"),
            link(
                format!("{b}/ogc?f=html"),
                "alternate",
                "text/html",
                "this document as HTML",
            ),
            link(
                format!("{b}/ogc/api"),
                "service-desc",
                OPENAPI_TYPE,
                "the API definition",
            ),
            link(
                format!("{b}/ogc/api?f=html"),
                "service-doc",
                "text/html",
                "the API documentation",
            ),
            link(
                format!("{b}/ogc/conformance"),
                "conformance",
                "application/json",
                "conformance classes",
            ),
            link(
                format!("{b}/ogc/collections"),
                "data",
                "application/json",
                "the collections",
            ),
        ],
    };
    Ok(respond(html, "territoires", doc, "application/json"))
}

pub async fn conformance(headers: HeaderMap, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let html = html_only(raw.as_deref(), &headers)?;
    Ok(respond(
        html,
        "Conformance",
        Conformance {
            conforms_to: &CONFORMANCE,
        },
        "application/json",
    ))
}

fn collection_json(state: &AppState, b: &str, l: LayerIx) -> Collection {
    let layer = &state.ix.dataset.layers[l];
    let id = &layer.id;
    let source = &layer.source;
    Collection {
        id: id.clone(),
        title: layer.title.clone(),
        description: format!(
            "{} Source : {} ({}), {}.",
            layer.description, source.name, source.vintage, source.licence
        ),
        item_type: ItemType::Feature,
        crs: CrsRef::all_ogc().map(CrsRef::uri).collect(),
        storage_crs: CRS84,
        extent: Extent {
            spatial: SpatialExtent {
                bbox: vec![state.layer_bbox(l).unwrap_or([-180.0, -90.0, 180.0, 90.0])],
                crs: CRS84,
            },
        },
        links: vec![
            link(
                format!("{b}/ogc/collections/{id}"),
                "self",
                "application/json",
                "this collection",
            ),
            link(
                format!("{b}/ogc/collections/{id}?f=html"),
                "alternate",
                "text/html",
                "this collection as HTML",
            ),
            link(
                format!("{b}/ogc/collections/{id}/items"),
                "items",
                "application/geo+json",
                "the features",
            ),
            link(
                format!("{b}/ogc/collections/{id}/items?f=html"),
                "items",
                "text/html",
                "the features as HTML",
            ),
            link(
                format!("{b}/ogc/collections/{id}/items?f=fgb"),
                "items",
                FLATGEOBUF,
                "the features as FlatGeobuf",
            ),
            link(
                format!("{b}/ogc/collections/{id}/queryables"),
                QUERYABLES_REL,
                SCHEMA_JSON,
                "the properties filters and sorting name",
            ),
            // The relation drafts of Part 3 used, which GDAL 3.6 follows.
            link(
                format!("{b}/ogc/collections/{id}/queryables"),
                "queryables",
                "application/json",
                "the properties filters and sorting name",
            ),
        ],
    }
}

/// The media type of a JSON Schema document.
pub const SCHEMA_JSON: &str = "application/schema+json";

/// `GET /ogc/collections/{collectionId}/queryables`: the properties `filter`, `sortby` and
/// `properties` name, as a JSON Schema (OGC API – Features Part 3).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(rename = "OgcQueryables")]
pub struct QueryablesDocument {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    #[serde(rename = "$id")]
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    /// Each queryable's JSON Schema: its type, and its title on the map's cards.
    pub properties: std::collections::BTreeMap<String, Json_>,
    #[serde(rename = "additionalProperties")]
    pub additional_properties: bool,
    /// The same names as the drafts of Part 3 listed them (an annotation JSON Schema ignores):
    /// GDAL 3.6 reads them to know which properties it may filter on the server.
    pub queryables: Vec<DraftQueryable>,
}

/// A queryable as the drafts of Part 3 gave it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DraftQueryable {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

pub async fn queryables(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let l = collection_position(&state, &id)?;
    let html = html_only(raw.as_deref(), &headers)?;
    let layer = &state.ix.dataset.layers[l];
    let label = |name: &str| {
        layer
            .fields
            .iter()
            .find(|f| f.property == name)
            .map_or_else(|| name.to_string(), |f| f.label.clone())
    };
    let mut properties: std::collections::BTreeMap<String, Json_> = state.queryables[l.index()]
        .columns
        .iter()
        .map(|c| {
            let kind = match c.kind {
                territoires_query::columns::ColumnType::Integer => "integer",
                territoires_query::columns::ColumnType::Real => "number",
                territoires_query::columns::ColumnType::Boolean => "boolean",
                territoires_query::columns::ColumnType::Text => "string",
            };
            (c.name.clone(), json!({"title": label(&c.name), "type": kind}))
        })
        .collect();
    properties.insert(
        territoires_query::filter::GEOMETRY.into(),
        json!({"title": "geometry", "format": "geometry-multipolygon", "x-ogc-role": "primary-geometry"}),
    );
    let doc = QueryablesDocument {
        schema: "https://json-schema.org/draft/2019-09/schema",
        id: format!("{}/ogc/collections/{id}/queryables", base(&headers)),
        kind: "object",
        title: layer.title.clone(),
        queryables: properties
            .iter()
            .filter_map(|(name, schema)| {
                let kind = schema.get("type")?.as_str()?;
                let kind = ["integer", "number", "boolean", "string"]
                    .into_iter()
                    .find(|k| *k == kind)?;
                Some(DraftQueryable {
                    id: name.clone(),
                    kind,
                })
            })
            .collect(),
        properties,
        additional_properties: false,
    };
    // A client that asks for JSON but not for JSON Schema by name (GDAL 3.6) gets the same document
    // as plain JSON rather than a type it refuses.
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .unwrap_or("");
    let kind = if accept.contains("application/json") && !accept.contains(SCHEMA_JSON) {
        "application/json"
    } else {
        SCHEMA_JSON
    };
    Ok(respond(html, &format!("{} : queryables", layer.title), doc, kind))
}

pub async fn collections(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let html = html_only(raw.as_deref(), &headers)?;
    let b = base(&headers);
    let doc = Collections {
        links: vec![
            link(
                format!("{b}/ogc/collections"),
                "self",
                "application/json",
                "this document",
            ),
            link(
                format!("{b}/ogc/collections?f=html"),
                "alternate",
                "text/html",
                "this document as HTML",
            ),
        ],
        collections: LayerIx::all(state.ix.dataset.layers.len())
            .map(|l| collection_json(&state, &b, l))
            .collect(),
    };
    Ok(respond(html, "Collections", doc, "application/json"))
}

fn collection_position(state: &AppState, id: &str) -> Result<LayerIx, ApiError> {
    state
        .ix
        .layer_position(id)
        .ok_or_else(|| ApiError::unknown_layer(id, format!("no collection `{id}`")))
}

pub async fn collection(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let l = collection_position(&state, &id)?;
    let html = html_only(raw.as_deref(), &headers)?;
    Ok(respond(
        html,
        &state.ix.dataset.layers[l].title,
        collection_json(&state, &base(&headers), l),
        "application/json",
    ))
}

pub async fn items(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let l = collection_position(&state, &id)?;
    let queryables = &state.queryables[l.index()];
    let mut p = Params::parse(raw.as_deref());
    let format = items_format(&mut p, &headers)?;
    let crs = p.crs_ref("crs")?.unwrap_or(CrsRef::CRS84);
    let region = region(&mut p)?;
    let selection = read_selection(&mut p, queryables, region)?;
    let properties = read_properties(&mut p, queryables)?;
    let limit = p.whole("limit", 1)?.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
    let offset = p.whole("offset", 0)?.unwrap_or(0);
    p.finish()?;

    let layer = &state.ix.dataset.layers[l];
    let matched = select(layer, &state.feature_boxes[l.index()], queryables, &selection);
    // An offset or a limit may be any size: the page is what lies between them.
    let end = offset.saturating_add(limit);
    let page = &matched[offset.min(matched.len())..end.min(matched.len())];
    let more = offset + page.len() < matched.len();
    let urls = PageUrls::new(&base(&headers), &id, raw.as_deref(), limit);

    let mut response = if format == ItemsFormat::FlatGeobuf {
        let next = more.then(|| urls.url(offset + limit, Some("fgb")));
        flatgeobuf_page(layer, &id, page, offset, next, crs)?
    } else {
        let links = page_links(&urls, offset, limit, more);
        let how = Writing {
            properties: properties.as_deref(),
            ..writing(crs)
        };
        let body = geojson_page(layer, page, matched.len(), links, &how)?;
        if format == ItemsFormat::Html {
            let doc: Json_ = serde_json::from_str(&body).unwrap_or(Json_::Null);
            html_page(&layer.title, &doc)
        } else {
            ([(header::CONTENT_TYPE, "application/geo+json")], body).into_response()
        }
    };
    content_crs(&mut response, crs);
    Ok(response)
}

/// `Content-Crs: <URI>`, as Part 2 asks of every answer with geometry.
fn content_crs(response: &mut Response, crs: CrsRef) {
    if let Ok(value) = header::HeaderValue::from_str(&format!("<{}>", crs.uri())) {
        response.headers_mut().insert("content-crs", value);
    }
}

/// The region of `bbox`, in CRS84 degrees or in the system `bbox-crs` names (followed edge by edge
/// into WGS84).
fn region(p: &mut Params) -> Result<Option<Region>, ApiError> {
    match p.crs_ref("bbox-crs")? {
        None | Some(CrsRef::CRS84) => Ok(p.bbox("bbox")?.map(Region::Bbox)),
        Some(crs) => {
            let order = if crs.lat_first {
                "minlat,minlon,maxlat,maxlon"
            } else {
                "minx,miny,maxx,maxy"
            };
            let Some(corners) = p.four_numbers("bbox", &format!("{order} in {}", crs.crs))? else {
                return Err(ApiError::bad_parameter(
                    "bbox-crs",
                    "`bbox-crs` says what `bbox` is in: give a `bbox` with it",
                ));
            };
            let [a, b, c, d] = corners;
            let rectangle = [a.min(c), b.min(d), a.max(c), b.max(d)];
            let region = crs
                .rectangle_to_wgs84(rectangle)
                .map_err(|e| ApiError::bad_parameter("bbox", e))?;
            Ok(Some(Region::Polygon(region)))
        }
    }
}

/// The URLs of one items query's pages: the same bounding box and limit, any offset and format.
struct PageUrls {
    /// `…/ogc/collections/{id}`.
    collection: String,
    query: Vec<String>,
}

impl PageUrls {
    /// Every page repeats the request's parameters (as sent, already encoded) but its paging and
    /// format.
    fn new(base: &str, id: &str, raw: Option<&str>, limit: usize) -> Self {
        let paging = |pair: &&str| {
            let key = pair.split('=').next().unwrap_or("");
            matches!(key, "limit" | "offset" | "f")
        };
        let mut query: Vec<String> = raw
            .unwrap_or("")
            .split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| !paging(pair))
            .map(str::to_string)
            .collect();
        query.push(format!("limit={limit}"));
        PageUrls {
            collection: format!("{base}/ogc/collections/{id}"),
            query,
        }
    }

    fn url(&self, offset: usize, f: Option<&str>) -> String {
        let mut q = self.query.clone();
        q.push(format!("offset={offset}"));
        if let Some(f) = f {
            q.push(format!("f={f}"));
        }
        format!("{}/items?{}", self.collection, q.join("&"))
    }
}

/// A GeoJSON page's `links`: itself in each format, its collection, and the next and previous
/// pages where there are some.
fn page_links(urls: &PageUrls, offset: usize, limit: usize, more: bool) -> Vec<Link> {
    let mut links = vec![
        link(
            urls.url(offset, None),
            "self",
            "application/geo+json",
            "this page",
        ),
        link(
            urls.url(offset, Some("html")),
            "alternate",
            "text/html",
            "this page as HTML",
        ),
        link(
            urls.url(offset, Some("fgb")),
            "alternate",
            FLATGEOBUF,
            "this page as FlatGeobuf",
        ),
        link(
            urls.collection.clone(),
            "collection",
            "application/json",
            "the collection",
        ),
    ];
    if more {
        links.push(link(
            urls.url(offset.saturating_add(limit), None),
            "next",
            "application/geo+json",
            "next page",
        ));
    }
    if offset > 0 {
        links.push(link(
            urls.url(offset.saturating_sub(limit), None),
            "prev",
            "application/geo+json",
            "previous page",
        ));
    }
    links
}

/// A page of items as FlatGeobuf, with the next page (if any) in a `Link` header and a file name.
/// The file says its system by EPSG code, coordinates x (or longitude) first, as GDAL writes them.
fn flatgeobuf_page(
    layer: &Layer,
    id: &str,
    page: &[usize],
    offset: usize,
    next: Option<String>,
    crs: CrsRef,
) -> Result<Response, ApiError> {
    let export =
        LayerExport::full_resolution_of(layer, page.iter().map(|&f| FeatureIx::at(f)), String::new())
            .reprojected(crs.crs)
            .map_err(|e| ApiError::internal(format!("writing {id} in {}: {e}", crs.crs)))?;
    let mut body = Vec::new();
    territoires_formats::fgb::write_flatgeobuf(&export, &mut body)
        .map_err(|e| ApiError::internal(format!("writing {id} as FlatGeobuf: {e}")))?;
    let mut response = super::respond::bytes_response(FLATGEOBUF, body);
    // The paging a GeoJSON page gives in `links`, as an HTTP Link header (RFC 8288).
    if let Some(next) = next
        && let Ok(next) =
            header::HeaderValue::from_str(&format!("<{next}>; rel=\"next\"; type=\"{FLATGEOBUF}\""))
    {
        response.headers_mut().insert(header::LINK, next);
    }
    if let Ok(disposition) = header::HeaderValue::from_str(&format!(
        "attachment; filename=\"{id}-{offset}-{}.fgb\"",
        offset + page.len()
    )) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

/// A feature's full geometry in `crs`.
fn geometry_in(layer: &Layer, f: FeatureIx, crs: CrsRef) -> Result<geo::MultiPolygon<f64>, ApiError> {
    let polygons = layer.polygons(f);
    if crs == CrsRef::CRS84 {
        return Ok(polygons);
    }
    polygons
        .reproject(crs)
        .map_err(|e| ApiError::internal(format!("writing {} in {}: {e}", layer.id, crs.crs)))
}

/// How items are written in `crs`: every decimal in CRS84 as before, millimetres otherwise.
fn writing(crs: CrsRef) -> Writing<'static> {
    Writing {
        decimals: (crs != CrsRef::CRS84).then(|| crs.crs.millimetre_decimals()),
        crs,
        properties: None,
    }
}

/// A page of items as a GeoJSON FeatureCollection, written feature by feature, then the paging
/// members.
fn geojson_page(
    layer: &Layer,
    page: &[usize],
    matched: usize,
    links: Vec<Link>,
    how: &Writing,
) -> Result<String, ApiError> {
    let mut collection = geojson::Collection::new(&[]);
    for &f in page {
        let geometry = geometry_in(layer, FeatureIx::at(f), how.crs)?;
        collection.push(layer, &layer.features[f], &geometry, how);
    }
    let stamp = Json_::from(territoires_core::time::now()).to_string();
    Ok(collection.finish(&[
        ("numberMatched", &matched.to_string()),
        ("numberReturned", &page.len().to_string()),
        ("timeStamp", &stamp),
        (
            "links",
            &serde_json::to_string(&links).unwrap_or_else(|_| "[]".into()),
        ),
    ]))
}

pub async fn item(
    State(state): State<Arc<AppState>>,
    Path((id, feature_id)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let l = collection_position(&state, &id)?;
    let mut p = Params::parse(raw.as_deref());
    let html = wants_html(&mut p, &headers, FEATURE_FORMATS)?;
    let crs = p.crs_ref("crs")?.unwrap_or(CrsRef::CRS84);
    p.finish()?;
    let layer = &state.ix.dataset.layers[l];
    let (f, feature) = layer
        .indexed_features()
        .find(|(_, f)| f.id == feature_id)
        .ok_or_else(|| ApiError::not_found(format!("no feature `{feature_id}` in collection `{id}`")))?;
    let b = base(&headers);
    let mut body = String::new();
    geojson::write_feature(
        &mut body,
        layer,
        feature,
        &geometry_in(layer, f, crs)?,
        &writing(crs),
    );
    let mut doc: Json_ = serde_json::from_str(&body).map_err(|e| ApiError::internal(e.to_string()))?;
    doc["links"] = json!([
        link(
            format!("{b}/ogc/collections/{id}/items/{feature_id}"),
            "self",
            "application/geo+json",
            "this feature"
        ),
        link(
            format!("{b}/ogc/collections/{id}"),
            "collection",
            "application/json",
            "the collection"
        ),
    ]);
    let mut response = respond(html, &feature.name, doc, "application/geo+json");
    content_crs(&mut response, crs);
    Ok(response)
}
