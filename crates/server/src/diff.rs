//! `GET /api/diff`: what changed in a layer since the dataset the server was given as the previous
//! one (`serve --previous DIR`), as `territoires diff` says it; the panorama's « Ce qui a changé »
//! section reads it. Without a previous dataset the route answers 404, so a client can tell "no
//! comparison here" from "nothing changed".
//!
//! A diff takes 50 to 90 ms (two coverages by région and every territory's members, BENCHMARKS.md),
//! so each layer's answer is made once on a blocking thread and kept with the other encoded answers.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use territoires_core::Dataset;
use territoires_query::QueryError;
use territoires_query::answer::Answer;

use crate::AppState;
use crate::cache::BodyKey;
use crate::error::ApiError;
use crate::params::Params;
use crate::respond::{Encoded, encoded_response};

pub async fn diff_get(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut p = Params::parse(raw.as_deref());
    let layer_id = p
        .text("layer")?
        .unwrap_or_else(|| state.ix.dataset.base.territories_layer.clone());
    p.finish()?;
    let Some(previous) = state.previous.clone() else {
        return Err(ApiError::not_found(
            "no previous dataset to compare with: the server was started without --previous",
        ));
    };
    let layer = state
        .ix
        .layer_position(&layer_id)
        .ok_or_else(|| ApiError::bad_parameter("layer", format!("unknown layer `{layer_id}`")))?;
    tokio::task::spawn_blocking(move || {
        let encoded = state
            .bodies
            .try_get_or_make(BodyKey::Diff(layer), || diff_body(&state, &previous, &layer_id))
            .map_err(|e| (*e).clone())?;
        Ok(encoded_response(&headers, &encoded, "application/json"))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
}

/// The diff of `layer_id` from `previous` to the served dataset, encoded.
fn diff_body(state: &AppState, previous: &Dataset, layer_id: &str) -> Result<Encoded, ApiError> {
    let diff = territoires_query::diff::diff(previous, &state.ix.dataset, layer_id).map_err(|e| match e {
        QueryError::UnknownLayer(id) => {
            ApiError::bad_parameter("layer", format!("no layer `{id}` in the previous dataset"))
        }
        other => ApiError::from_query(other, Some("layer")),
    })?;
    let body = serde_json::to_vec(&Answer {
        body: diff,
        vintage: state.vintage(),
    })
    .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Encoded::new(body))
}
