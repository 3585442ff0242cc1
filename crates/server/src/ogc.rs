//! OGC API – Features, Part 1: Core, GeoJSON, HTML and OAS 3.0 conformance classes.
//!
//! QGIS refuses a landing page without a `service-desc` link typed as an OpenAPI document and a `data`
//! link typed `application/json`; GDAL's OAPIF driver follows the typed `next` links to page through
//! items. Links are absolute, built from the request's `Host`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use geo::{Intersects, Rect, coord};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value as Json_, json};

use super::AppState;
use super::error::ApiError;
use super::params::Params;
use territoires_core::dataset::{FeatureIx, Layer, LayerIx};
use territoires_formats::LayerExport;
use territoires_formats::geojson;
use territoires_geo::BoundingBox;

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

pub const CONFORMANCE: [&str; 4] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
];

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
    pub crs: Vec<&'static str>,
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
        crs: vec![CRS84],
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
        ],
    }
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
    let mut p = Params::parse(raw.as_deref());
    let format = items_format(&mut p, &headers)?;
    let bbox = p.bbox("bbox")?;
    let limit = p.whole("limit", 1)?.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
    let offset = p.whole("offset", 0)?.unwrap_or(0);
    p.finish()?;

    let layer = &state.ix.dataset.layers[l];
    let matched = features_in(layer, &state.feature_boxes[l.index()], bbox.as_ref());
    // An offset or a limit may be any size: the page is what lies between them.
    let end = offset.saturating_add(limit);
    let page = &matched[offset.min(matched.len())..end.min(matched.len())];
    let more = offset + page.len() < matched.len();
    let urls = PageUrls::new(&base(&headers), &id, bbox.as_ref(), limit);

    if format == ItemsFormat::FlatGeobuf {
        let next = more.then(|| urls.url(offset + limit, Some("fgb")));
        return flatgeobuf_page(layer, &id, page, offset, next);
    }
    let links = page_links(&urls, offset, limit, more);
    let body = geojson_page(layer, page, matched.len(), links);
    if format == ItemsFormat::Html {
        let doc: Json_ = serde_json::from_str(&body).unwrap_or(Json_::Null);
        return Ok(html_page(&layer.title, &doc));
    }
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body).into_response())
}

/// Features of `layer` that meet `bbox` (all of them without one), in layer order: the cheap box
/// test first, then the geometry.
fn features_in(layer: &Layer, boxes: &[Option<[f64; 4]>], bbox: Option<&BoundingBox>) -> Vec<usize> {
    let rects: Vec<Rect<f64>> = bbox
        .iter()
        .flat_map(|b| b.parts())
        .map(|[x0, y0, x1, y1]| Rect::new(coord! {x: x0, y: y0}, coord! {x: x1, y: y1}))
        .collect();
    (0..layer.features.len())
        .filter(|&f| match (bbox, boxes[f]) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(wanted), Some(b)) => {
                wanted.meets(b) && {
                    let polygons = layer.polygons(FeatureIx::at(f));
                    rects.iter().any(|r| polygons.intersects(r))
                }
            }
        })
        .collect()
}

/// The URLs of one items query's pages: the same bounding box and limit, any offset and format.
struct PageUrls {
    /// `…/ogc/collections/{id}`.
    collection: String,
    query: Vec<String>,
}

impl PageUrls {
    fn new(base: &str, id: &str, bbox: Option<&BoundingBox>, limit: usize) -> Self {
        let mut query = Vec::new();
        if let Some(r) = bbox {
            query.push(format!("bbox={r}"));
        }
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
fn flatgeobuf_page(
    layer: &Layer,
    id: &str,
    page: &[usize],
    offset: usize,
    next: Option<String>,
) -> Result<Response, ApiError> {
    let export =
        LayerExport::full_resolution_of(layer, page.iter().map(|&f| FeatureIx::at(f)), String::new());
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

/// A page of items as a GeoJSON FeatureCollection, written feature by feature, then the paging
/// members.
fn geojson_page(layer: &Layer, page: &[usize], matched: usize, links: Vec<Link>) -> String {
    let mut collection = geojson::Collection::new(&[]);
    for &f in page {
        collection.push(layer, &layer.features[f], &layer.polygons(FeatureIx::at(f)), None);
    }
    let stamp = Json_::from(territoires_core::time::now()).to_string();
    collection.finish(&[
        ("numberMatched", &matched.to_string()),
        ("numberReturned", &page.len().to_string()),
        ("timeStamp", &stamp),
        (
            "links",
            &serde_json::to_string(&links).unwrap_or_else(|_| "[]".into()),
        ),
    ])
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
    p.finish()?;
    let layer = &state.ix.dataset.layers[l];
    let (f, feature) = layer
        .indexed_features()
        .find(|(_, f)| f.id == feature_id)
        .ok_or_else(|| ApiError::not_found(format!("no feature `{feature_id}` in collection `{id}`")))?;
    let b = base(&headers);
    let mut body = String::new();
    geojson::write_feature(&mut body, layer, feature, &layer.polygons(f), None);
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
    Ok(respond(html, &feature.name, doc, "application/geo+json"))
}
