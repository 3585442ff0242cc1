//! The « Panorama des territoires de projet »: `GET /panorama` (national) and `GET /panorama/{region}`
//! (one région, by its INSEE code), both `web/panorama.html`, whose script reads the path and builds
//! the report from the API. The server only checks that the région exists.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::ApiError;
use super::portrait::{escape, not_found_html, wants_html, web_page};

/// The page's file in the web directory.
pub const PAGE_FILE: &str = "panorama.html";

/// `GET /panorama`: the national report.
pub async fn national(web: Option<axum::Extension<crate::WebDir>>) -> Response {
    web_page(web, PAGE_FILE).await
}

/// `GET /panorama/{region}`: a région's report. An unknown région is a 404: a French page for a
/// browser, a JSON error for any other client.
pub async fn region(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
    headers: HeaderMap,
    web: Option<axum::Extension<crate::WebDir>>,
) -> Response {
    // A path that does not decode (invalid UTF-8) names no région either.
    let code = path.map_or_else(|_| String::new(), |Path(c)| c);
    if state.ix.dataset.region_name(&code).is_none() {
        let error = ApiError {
            parameter: Some("region".to_string()),
            ..ApiError::not_found(format!("no région of INSEE code `{code}`"))
        };
        return if wants_html(&headers) {
            not_found_page(&code)
        } else {
            error.into_response()
        };
    }
    web_page(web, PAGE_FILE).await
}

/// The French page a browser gets for an unknown région.
fn not_found_page(code: &str) -> Response {
    not_found_html(
        "panorama",
        "Région introuvable",
        &format!(
            "<p>Aucune région de code INSEE « {} ».</p>\n    <p>L’adresse du panorama d’une région est de \
             la forme <code>/panorama/84</code> : le code INSEE de la région.</p>\n    \
             <p><a class=\"btn\" href=\"/panorama\">Panorama national</a></p>",
            escape(code)
        ),
    )
}
