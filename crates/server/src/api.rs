//! The JSON API handlers: parse and validate, call a query, serialise. Nothing else lives here.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde_json::Value as Json_;

use territoires_core::dataset::LayerIx;
use territoires_geo::crs::PointInput;
use territoires_query::answer::Answer;
use territoires_query::request::LayerSelection;

use super::AppState;
use super::error::ApiError;
use super::params::Params;
use territoires_query::locate::LocateOptions;
use territoires_query::search::MAX_RESULTS;
use territoires_query::{Breakdown, Scope, coverage, locate, territory};

pub type JsonResult = Result<Response, ApiError>;

/// An answer with its shape as GeoJSON beside its members, when it was asked for.
#[derive(serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "{T}", transform = territoires_query::answer::without_description)]
pub struct WithGeometry<T> {
    #[serde(flatten)]
    pub body: T,
    /// With `geometry=true`: the full-resolution shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<super::openapi::components::Geometry>")]
    pub geometry: Option<Json_>,
}

/// Layer positions from a `layers=a,b` parameter, each once, in the order given; all layers when
/// absent.
pub fn layer_list(state: &AppState, names: Option<Vec<String>>) -> Result<Vec<LayerIx>, ApiError> {
    LayerSelection::from_names(&state.ix, names.as_deref())
        .map(LayerSelection::into_positions)
        .map_err(|e| ApiError::from_query(e, Some("layers")))
}

/// `scope=metropole|region:CODE|departement:CODE`, metropolitan France by default.
fn scope_param(p: &mut Params) -> Result<Scope, ApiError> {
    match p.text("scope")? {
        None => Ok(Scope::Metropole),
        Some(s) => s.parse().map_err(|e| ApiError::from_query(e, Some("scope"))),
    }
}

/// An answer as JSON, with the base data's vintage beside its members.
pub fn with_vintage(state: &AppState, body: impl serde::Serialize) -> JsonResult {
    Ok(Json(Answer {
        body,
        vintage: state.vintage(),
    })
    .into_response())
}

pub async fn locate_get(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> JsonResult {
    let body = locate_body(&state, raw.as_deref())?;
    Ok(super::respond::bytes_response("application/json", body))
}

/// The JSON answer of `GET /api/locate` for its query string: the router's handler's, and the one
/// the accept loop gives without the router (`Served::answer_directly`).
pub fn locate_body(state: &AppState, raw: Option<&str>) -> Result<String, ApiError> {
    let mut p = Params::parse(raw);
    let (lon, lat) = point_params(&mut p)?;
    let layers = layer_list(state, p.list("layers")?)?;
    let tolerance_m = p.number("tolerance_m")?;
    p.finish()?;
    let options = LocateOptions {
        tolerance_m,
        layers: Some(layers),
    };
    let location = locate(&state.ix, lon, lat, &options)?;
    // Room for the longest answers (every layer, long names) without growing.
    let mut body = String::with_capacity(4096);
    state.location_writer.write(
        &location,
        options.layers.as_deref().unwrap_or_default(),
        &[("vintage", &state.vintage_json)],
        &mut body,
    );
    Ok(body)
}

/// The point of a lookup: `lat` and `lon` in WGS84 degrees, or `x` and `y` in the system `crs`
/// names (WGS84 lon/lat by default). Gives WGS84 lon, lat.
fn point_params(p: &mut Params) -> Result<(f64, f64), ApiError> {
    let crs = p.crs()?;
    let (lat, lon) = (p.number("lat")?, p.number("lon")?);
    let (x, y) = (p.number("x")?, p.number("y")?);
    let point = PointInput::from_parts(lat, lon, x, y, crs)
        .and_then(PointInput::to_wgs84)
        .map_err(|e| ApiError::bad_parameter(e.parameter(), e.to_string()))?;
    Ok((point.x, point.y))
}

pub async fn coverage_get(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> JsonResult {
    let mut p = Params::parse(raw.as_deref());
    let layer = p.required_text("layer")?;
    let scope = scope_param(&mut p)?;
    let by: Option<Breakdown> = p
        .text("by")?
        .map(|b| b.parse().map_err(|e| ApiError::from_query(e, Some("by"))))
        .transpose()?;
    p.finish()?;
    let c = coverage(&state.ix.dataset, &layer, &scope, by).map_err(|e| {
        let parameter = match e {
            territoires_query::QueryError::UnknownLayer(_) => "layer",
            _ => "scope",
        };
        ApiError::from_query(e, Some(parameter))
    })?;
    with_vintage(&state, c)
}

pub async fn overlap_get(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> JsonResult {
    let mut p = Params::parse(raw.as_deref());
    let a = p.required_text("a")?;
    let b = p.required_text("b")?;
    let scope = scope_param(&mut p)?;
    p.finish()?;
    for (name, id) in [("a", &a), ("b", &b)] {
        if state.ix.layer_position(id).is_none() {
            return Err(ApiError::bad_parameter(name, format!("unknown layer `{id}`")));
        }
    }
    let o = territoires_query::overlap(&state.ix.dataset, &a, &b, &scope)
        .map_err(|e| ApiError::from_query(e, Some("scope")))?;
    with_vintage(&state, o)
}

/// Place names for a map view, best first: the page places them without collisions.
pub async fn labels_get(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> JsonResult {
    let mut p = Params::parse(raw.as_deref());
    let zoom = p
        .zoom()?
        .ok_or_else(|| ApiError::bad_parameter("zoom", "`zoom` is required"))?;
    let bbox = p.bbox("bbox")?;
    // Only the layers named are labelled: none by default.
    let layers = layer_list(&state, Some(p.list("layers")?.unwrap_or_default()))?;
    p.finish()?;
    let query = territoires_query::labels::LabelQuery {
        zoom: zoom.get(),
        bbox,
        layers,
    };
    let labels = territoires_query::labels::labels(&state.ix.dataset, &query);
    with_vintage(
        &state,
        territoires_query::labels::Labels {
            zoom: zoom.get(),
            labels,
        },
    )
}

/// « Les Pays en chiffres »: the association's figures beside ours.
pub async fn indicators_get(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> JsonResult {
    Params::parse(raw.as_deref()).finish()?;
    with_vintage(&state, territoires_query::indicators(&state.ix.dataset))
}

pub async fn search_get(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> JsonResult {
    let mut p = Params::parse(raw.as_deref());
    // Blank text is a question too, whose answer is empty: only a missing or empty `q` is refused.
    let q = p
        .text("q")?
        .filter(|q| !q.is_empty())
        .ok_or_else(|| ApiError::bad_parameter("q", "`q` is required: a name, a postcode or a code"))?;
    let limit = p.whole("limit", 1)?.unwrap_or(MAX_RESULTS).min(MAX_RESULTS);
    let layers = match p.list("layers")? {
        None => None,
        Some(names) => Some(
            LayerSelection::from_names(&state.ix, Some(&names))
                .and_then(|s| s.searchable(&state.ix))
                .map_err(|e| ApiError::from_query(e, Some("layers")))?
                .into_positions(),
        ),
    };
    p.finish()?;
    let results = state
        .search
        .search(&state.ix.dataset, &q, limit, layers.as_deref());
    with_vintage(
        &state,
        territoires_query::search::SearchResults { query: q, results },
    )
}

pub async fn territory_get(
    State(state): State<Arc<AppState>>,
    Path((layer, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> JsonResult {
    let mut p = Params::parse(raw.as_deref());
    let with_geometry = p.flag("geometry")?;
    p.finish()?;
    let data = &state.ix.dataset;
    let (l, f) = territory::find_feature(data, &layer, &id).map_err(|e| match e {
        territoires_query::QueryError::UnknownLayer(_) => ApiError::not_found_from(e),
        other => other.into(),
    })?;
    let t = territory::territory_at(data, l, f);
    let geometry =
        with_geometry.then(|| territoires_formats::geojson::geometry_json(&data.layers[l].polygons(f), None));
    with_vintage(&state, WithGeometry { body: t, geometry })
}

pub async fn layers_get(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> JsonResult {
    Params::parse(raw.as_deref()).finish()?;
    let catalogue = territoires_query::catalogue::catalogue(&state.ix.dataset, |l| state.layer_bbox(l));
    with_vintage(&state, catalogue)
}

/// What the web page needs to know about this deployment.
pub async fn config_get(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> JsonResult {
    Params::parse(raw.as_deref()).finish()?;
    with_vintage(
        &state,
        Config {
            tiles_url: state.tiles_url.as_deref(),
            compares_with_previous: state.previous.is_some(),
        },
    )
}

/// `GET /api/config`.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Config<'a> {
    /// The raster basemap's URL template, when the deployment has one; the page draws none otherwise.
    pub tiles_url: Option<&'a str>,
    /// Whether the server was given a previous dataset (`serve --previous`): `/api/diff` answers
    /// what changed since, where it is otherwise a 404.
    pub compares_with_previous: bool,
}

/// `GET /healthz`.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Health<'a> {
    pub status: HealthStatus,
    pub dataset: DatasetIdentity<'a>,
    pub layers: usize,
    pub communes: usize,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    Ok,
}

/// Which dataset a replica serves. The file's members are null only for a dataset built in memory
/// (tests), never for one served from a file.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct DatasetIdentity<'a> {
    #[schemars(regex(pattern = "^[0-9a-f]{64}$"))]
    pub sha256: Option<&'a str>,
    /// When the build wrote the file (RFC 3339).
    #[schemars(extend("format" = "date-time"))]
    pub written: Option<&'a str>,
    pub bytes: Option<u64>,
    pub builder: &'a str,
    pub base_vintage: &'a str,
    /// Per layer id, its source's vintage.
    pub vintages: std::collections::BTreeMap<&'a str, &'a str>,
}

/// Liveness and identity: which dataset this replica serves (its file's SHA-256 and when the build
/// wrote it) and the vintage of every layer, so that replicas and reloads can be told apart.
pub async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    let data = &state.ix.dataset;
    let file = data.file.as_ref();
    Json(Health {
        status: HealthStatus::Ok,
        dataset: DatasetIdentity {
            sha256: file.and_then(|f| f.checksum.get()),
            written: file.and_then(|f| f.written.as_deref()),
            bytes: file.map(|f| f.bytes),
            builder: &data.provenance.builder,
            base_vintage: &data.base.vintage,
            vintages: data
                .layers
                .iter()
                .map(|l| (l.id.as_str(), l.source.vintage.as_str()))
                .collect(),
        },
        layers: data.layers.len(),
        communes: data.communes.len(),
    })
    .into_response()
}
