//! The HTTP server: thin axum handlers over the library's queries.
//!
//! The dataset is loaded once and shared read-only. Only GET and HEAD are served, plus the batch POST;
//! every error is a JSON body with a 4xx or 5xx status. Only the embeddable widget, [`EMBED_PATH`], may be
//! shown in another site's frame.

pub mod api;
pub mod batch;
pub mod body_reader;
pub mod error;
pub mod gis_files;
pub mod layers;
pub mod limits;
pub mod listen;
pub mod live;
pub mod metrics;
pub mod ogc;
pub mod openapi;
pub mod params;
pub mod portrait;
pub mod respond;
pub mod routes;
pub mod simulate;
pub mod tiles;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use error::ApiError;
pub use limits::{Admission, DEFAULT_MAX_BODY_BYTES, Limits};
use territoires_core::Indexed;
use territoires_core::dataset::LayerIx;
use territoires_geo::bounds;
use territoires_query::ErrorCode;
use territoires_query::search::SearchIndex;

/// Everything a request may read: built once at start, never written.
pub struct AppState {
    pub ix: Indexed,
    pub search: SearchIndex,
    /// Shared with every dataset served since start, so that counts survive reloads.
    pub metrics: Arc<metrics::Metrics>,
    /// Per layer, per feature: its bounding box.
    pub feature_boxes: Vec<Vec<Option<[f64; 4]>>>,
    pub location_writer: territoires_formats::LocationWriter,
    /// Per layer and zoom: the whole layer's GeoJSON, encoded on first request.
    pub whole_layers: Vec<Vec<std::sync::OnceLock<respond::Encoded>>>,
    pub tiles: tiles::TileCache,
    /// Per layer: its attributes as CSV, built on first request.
    pub attribute_csv: Vec<std::sync::OnceLock<respond::Encoded>>,
    /// FlatGeobuf and GeoPackage files of whole layers, written on first request.
    pub gis_files: gis_files::GisFileCache,
    /// Raster basemap URL template for the page, for deployments with internet access.
    pub tiles_url: Option<String>,
}

impl AppState {
    /// The base data's vintage, stated on every answer.
    pub fn vintage(&self) -> &str {
        &self.ix.dataset.base.vintage
    }

    /// The position of the layer a path names, or a 404 naming it.
    pub fn layer(&self, id: &str) -> Result<LayerIx, ApiError> {
        self.ix
            .layer_position(id)
            .ok_or_else(|| ApiError::unknown_layer(id, format!("no layer `{id}`")))
    }

    /// The bounding box of a whole layer.
    pub fn layer_bbox(&self, layer: LayerIx) -> Option<[f64; 4]> {
        self.feature_boxes[layer.index()]
            .iter()
            .flatten()
            .copied()
            .reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])])
    }

    pub fn new(ix: Indexed) -> Self {
        let feature_boxes = ix
            .dataset
            .layers
            .iter()
            .map(|l| l.features.iter().map(|f| bounds(&f.geometry)).collect())
            .collect();
        AppState {
            whole_layers: ix
                .dataset
                .layers
                .iter()
                .map(|_| {
                    (0..=territoires_geo::zoom::MAX_GENERALISED_ZOOM)
                        .map(|_| std::sync::OnceLock::new())
                        .collect()
                })
                .collect(),
            gis_files: gis_files::GisFileCache::new(ix.dataset.layers.len()),
            tiles: tiles::TileCache::default(),
            attribute_csv: ix
                .dataset
                .layers
                .iter()
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            tiles_url: None,
            location_writer: territoires_formats::LocationWriter::new(&ix),
            search: SearchIndex::new(&ix.dataset),
            metrics: Arc::default(),
            feature_boxes,
            ix,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    pub data: PathBuf,
    /// The web page's static files, served at `/`.
    pub web: Option<PathBuf>,
    /// Raster basemap URL template (`https://…/{z}/{x}/{y}.png`) offered to the page.
    pub tiles_url: Option<String>,
    /// Batch body size, batches at once, requests a second per client.
    pub limits: Limits,
    pub timeouts: listen::Timeouts,
}

/// The API, and the web page from `web` when given, with their own admission limits.
pub fn router(state: Arc<AppState>, limits: &Limits) -> Router {
    router_with_web(state, limits, None)
}

pub fn router_with_web(state: Arc<AppState>, limits: &Limits, web: Option<&std::path::Path>) -> Router {
    let admission = Admission::new(limits, state.metrics.clone());
    app(state, &admission, web)
}

/// Every route over one dataset's state. `admission` outlives the router: the server builds it once,
/// so batch permits and rate-limit quotas carry over when a reload brings a new router.
pub fn app(state: Arc<AppState>, admission: &Admission, web: Option<&std::path::Path>) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::HEAD]);
    let mut lookups = Router::new();
    let mut compressed = Router::new();
    let mut operations = Router::new();
    for route in routes::table() {
        let router = match route.stack {
            routes::Stack::Lookups => &mut lookups,
            routes::Stack::Compressed => &mut compressed,
            routes::Stack::Operations => &mut operations,
        };
        for path in std::iter::once(route.path).chain(route.aliases.iter().copied()) {
            *router = std::mem::take(router).route(path, route.handler.clone());
        }
    }
    let lookups = lookups.layer(Extension(admission.batches.clone()));
    let compressed = match web {
        Some(dir) => compressed
            .layer(Extension(WebDir(Arc::from(dir))))
            .fallback_service(
                tower_http::services::ServeDir::new(dir).not_found_service(axum::routing::any(not_found)),
            ),
        None => compressed.fallback(not_found),
    }
    .layer(CompressionLayer::new().gzip(true).br(true));
    // Monitoring is never rate-limited: a probe refused would look like an outage.
    let operations = operations.layer(CompressionLayer::new().gzip(true).br(true));
    admission
        .rate_limited(lookups.merge(compressed))
        .merge(operations)
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(middleware::from_fn_with_state(
            SecurityHeaders::new(state.tiles_url.as_deref()),
            security_headers,
        ))
        .layer(cors)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// The widget meant for other sites' `<iframe>`s, served from the web directory's `embed.html`.
pub const EMBED_PATH: &str = "/embed";

/// The web page's directory, for the routes that serve its files (the widget, the portrait page).
/// Shared, since every request of those routes carries a copy.
#[derive(Debug, Clone)]
pub struct WebDir(pub Arc<std::path::Path>);

/// `GET /embed`: the widget's page, or a 404 when the server runs without its web directory.
pub(crate) async fn embed(web: Option<Extension<WebDir>>, request: Request) -> Response {
    use tower::ServiceExt;
    match web {
        Some(Extension(WebDir(dir))) => tower_http::services::ServeFile::new(dir.join("embed.html"))
            .oneshot(request)
            .await
            .into_response(),
        None => not_found(request).await.into_response(),
    }
}

/// The headers every response carries: what the page may load, who may frame it, and no guessing
/// of content types. Built once per router, from the deployment's options.
#[derive(Clone)]
pub struct SecurityHeaders {
    /// For everything but the widget: no site may frame it.
    page: HeaderValue,
    /// For the widget: any site may frame it.
    widget: HeaderValue,
}

impl SecurityHeaders {
    /// Scripts, styles, data and images come from this origin only (the page works offline);
    /// a raster basemap's host is added to the images when one is configured.
    pub fn new(tiles_url: Option<&str>) -> Self {
        let tiles_origin = tiles_url
            .and_then(|url| {
                let (scheme, rest) = url.split_once("://")?;
                let host = rest.split('/').next()?;
                // `{s}` subdomains: allow the whole host pattern's parent.
                let host = host.replace("{s}.", "*.");
                Some(format!(" {scheme}://{host}"))
            })
            .unwrap_or_default();
        let policy = |ancestors: &str| {
            let text = format!(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{tiles_origin}; \
                 connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
                 frame-ancestors {ancestors}"
            );
            HeaderValue::from_str(&text).unwrap_or_else(|_| {
                tracing::warn!("the tiles URL cannot go in a header; the basemap's images will be refused");
                HeaderValue::from_static("default-src 'self'")
            })
        };
        SecurityHeaders {
            page: policy("'none'"),
            widget: policy("*"),
        }
    }
}

/// Sets [`SecurityHeaders`]. Only the widget may be framed: `frame-ancestors` for current browsers,
/// `X-Frame-Options` for older ones (which would refuse the widget too, so it gets none).
async fn security_headers(State(policy): State<SecurityHeaders>, request: Request, next: Next) -> Response {
    let embeddable = request.uri().path() == EMBED_PATH;
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if embeddable {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy.widget);
        headers.remove(header::X_FRAME_OPTIONS);
    } else {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy.page);
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    // The map may ask for the visitor's position (« Me localiser »); nothing else is needed.
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("geolocation=(self), camera=(), microphone=(), payment=(), usb=()"),
    );
    response
}

pub(crate) async fn metrics_text(State(state): State<Arc<AppState>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "no route for {} {}",
        request.method(),
        request.uri().path()
    ))
}

/// Around every request: records it in the metrics, and turns the framework's own bodiless errors
/// (405, 413, 415, …) into JSON errors like ours.
async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<axum::extract::MatchedPath>().cloned();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let route = route.as_ref().map_or("unmatched", |m| m.as_str());
    state.metrics.record(
        route,
        method.as_str(),
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );

    let status = response.status();
    // Our own error bodies: JSON, or the French page a browser gets for an unknown territory.
    let is_ours = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json") || v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_ours {
        return response;
    }
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            ErrorCode::MethodNotAllowed,
            format!("{method} is not allowed on {path}; use GET or HEAD"),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            ErrorCode::PayloadTooLarge,
            "the body is larger than the server's limit (--max-body-mb)".to_string(),
        ),
        _ => (
            ErrorCode::HttpError,
            status.canonical_reason().unwrap_or("error").to_string(),
        ),
    };
    let mut out = ApiError::new(status, code, message).into_response();
    if let Some(allow) = response.headers().get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

/// Loads the dataset and serves until SIGTERM or Ctrl-C, then finishes the requests under way.
/// SIGHUP reloads the dataset from `--data`.
pub async fn serve(options: ServeOptions) -> anyhow::Result<()> {
    let web = options.web.clone();
    let metrics = Arc::new(metrics::Metrics::default());
    let admission = Admission::new(&options.limits, metrics.clone());
    let live = Arc::new(
        live::Live::start(
            &options.data,
            options.tiles_url.clone(),
            metrics.clone(),
            Box::new(move |state| app(state, &admission, web.as_deref())),
        )
        .await?,
    );
    reload_on_sighup(live.clone());
    let listener = listen::bind(options.addr)?;
    tracing::info!(addr = %listener.local_addr()?, "serving");
    listen::serve(listener, live, metrics, options.timeouts, shutdown_signal()).await;
    tracing::info!("stopped");
    Ok(())
}

#[cfg(unix)]
fn reload_on_sighup(live: Arc<live::Live>) {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::hangup()) {
        Ok(mut hangups) => {
            tokio::spawn(async move {
                while hangups.recv().await.is_some() {
                    tracing::info!("SIGHUP: reloading the dataset");
                    let _ = live.reload().await;
                }
            });
        }
        Err(e) => tracing::warn!(error = %e, "cannot listen for SIGHUP; reloads are off"),
    }
}

#[cfg(not(unix))]
fn reload_on_sighup(_live: Arc<live::Live>) {}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
