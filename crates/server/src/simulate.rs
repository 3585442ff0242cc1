//! `/api/simulate`: a draft territory from EPCIs (GET `?epci=…`, or POST a JSON list). Parses the
//! draft, runs [`territoires_query::simulate`] and adds the shape as GeoJSON.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use serde_json::Value as Json_;

use super::AppState;
use super::api::{JsonResult, with_vintage};
use super::error::ApiError;
use super::params::Params;
use territoires_core::dataset::InputKind;
use territoires_geo::Zoom;
use territoires_geo::zoom::MAX_ZOOM;
use territoires_query::QueryError;
use territoires_query::simulate::{Draft, EpciGraph, simulate};

/// Zoom of the draft's shape when none is asked: a département fills the screen.
const DEFAULT_ZOOM: u8 = 8;

pub async fn simulate_get(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> JsonResult {
    let mut p = Params::parse(raw.as_deref());
    let epci = p
        .list("epci")?
        .ok_or_else(|| ApiError::bad_parameter("epci", "`epci` is required: comma-separated SIRENs"))?;
    let replaces = p.text("replaces")?;
    let zoom = zoom(&mut p)?;
    p.finish()?;
    answer(&state, Draft { epci, replaces, zoom })
}

/// The POST body as an object (it may also be the list of members alone).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DraftObject {
    /// SIRENs of the members.
    epci: Vec<String>,
    /// The territory the draft would replace.
    replaces: Option<String>,
    /// Absent: the query's zoom. Present, it must be a number: `null` is refused, as the schema says.
    #[serde(default, deserialize_with = "present")]
    zoom: Option<u64>,
}

/// A member that may be left out but, when given, is a `T` (not `null`).
fn present<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// The body is a JSON list of SIRENs, or `{"epci": [...], "replaces": "…", "zoom": 8}`.
pub async fn simulate_post(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> JsonResult {
    let mut p = Params::parse(raw.as_deref());
    let query_zoom = zoom(&mut p)?;
    p.finish()?;
    let bad = |m: String| ApiError::bad_parameter("body", m);
    let value: Json_ = serde_json::from_slice(&body).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    let draft = match value {
        Json_::Array(_) => Draft {
            epci: serde_json::from_value(value).map_err(|e| bad(format!("a list of SIRENs: {e}")))?,
            replaces: None,
            zoom: query_zoom,
        },
        Json_::Object(_) => {
            let body: DraftObject = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
            let zoom = match body.zoom {
                None => query_zoom,
                Some(z) => Zoom::new(z)
                    .map(Zoom::generalisation)
                    .map_err(|_| bad(format!("`zoom` must be a whole number from 0 to {MAX_ZOOM}")))?,
            };
            Draft {
                epci: body.epci,
                replaces: body.replaces,
                zoom,
            }
        }
        _ => return Err(bad("send a JSON list of SIRENs or an object with `epci`".into())),
    };
    answer(&state, draft)
}

fn zoom(p: &mut Params) -> Result<u8, ApiError> {
    Ok(p.zoom()?.map_or(DEFAULT_ZOOM, Zoom::generalisation))
}

fn answer(state: &AppState, draft: Draft) -> JsonResult {
    let dataset = &state.ix.dataset;
    let layer = dataset
        .layer_from(InputKind::Epci)
        .ok_or_else(|| ApiError::not_found("this dataset has no EPCI layer"))?;
    let graph = EpciGraph {
        layer,
        topology: state.ix.topology(layer),
        neighbours: state.ix.neighbours(layer),
    };
    let simulation = simulate(dataset, &graph, &draft).map_err(|e| match e {
        // The territory to replace is a parameter at fault, not a page that is not there.
        QueryError::UnknownFeature { .. } => ApiError {
            details: e.details().map(Box::new),
            ..ApiError::bad_parameter("replaces", e.to_string())
        },
        other => ApiError::from_query(other, Some("epci")),
    })?;
    let geometry = territoires_formats::geojson::geometry_json(
        &simulation.geometry,
        Some(super::layers::decimals_for_zoom(draft.zoom)),
    );
    with_vintage(
        state,
        Shaped {
            body: &simulation,
            geometry,
            zoom: draft.zoom,
        },
    )
}

/// The simulation with its shape as GeoJSON and the zoom it was generalised for.
#[derive(serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "Simulation")]
pub struct Shaped<'a> {
    #[serde(flatten)]
    body: &'a territoires_query::simulate::Simulation,
    /// The draft's shape; null when no member is an EPCI, for such a draft has none.
    #[schemars(with = "Option<super::openapi::components::Geometry>")]
    geometry: Json_,
    #[schemars(range(max = territoires_geo::zoom::MAX_GENERALISED_ZOOM))]
    zoom: u8,
}
