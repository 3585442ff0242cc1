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
    let strings = |v: &Json_| -> Result<Vec<String>, ApiError> {
        v.as_array()
            .ok_or_else(|| bad("`epci` must be a list of SIREN strings".into()))?
            .iter()
            .map(|s| {
                s.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad(format!("`{s}` is not a SIREN string")))
            })
            .collect()
    };
    let draft = match &value {
        Json_::Array(_) => Draft {
            epci: strings(&value)?,
            replaces: None,
            zoom: query_zoom,
        },
        Json_::Object(o) => {
            if let Some(key) = o
                .keys()
                .find(|k| !["epci", "replaces", "zoom"].contains(&k.as_str()))
            {
                return Err(bad(format!(
                    "unknown member `{key}`; use `epci`, `replaces` and `zoom`"
                )));
            }
            let zoom = match o.get("zoom") {
                None => query_zoom,
                Some(z) => z
                    .as_u64()
                    .and_then(|z| Zoom::new(z).ok())
                    .map(Zoom::generalisation)
                    .ok_or_else(|| bad(format!("`zoom` must be a whole number from 0 to {MAX_ZOOM}")))?,
            };
            Draft {
                epci: strings(o.get("epci").ok_or_else(|| bad("`epci` is required".into()))?)?,
                replaces: match o.get("replaces") {
                    None | Some(Json_::Null) => None,
                    Some(Json_::String(s)) => Some(s.clone()),
                    Some(_) => return Err(bad("`replaces` must be a territory id string".into())),
                },
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
#[derive(serde::Serialize)]
struct Shaped<'a> {
    #[serde(flatten)]
    body: &'a territoires_query::simulate::Simulation,
    geometry: Json_,
    zoom: u8,
}
