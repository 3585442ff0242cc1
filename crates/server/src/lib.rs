//! The HTTP server: thin axum handlers over the library's queries.
//!
//! The dataset is loaded once and shared read-only. Only GET and HEAD are served, plus the batch POST;
//! every error is a JSON body with a 4xx or 5xx status. Only the embeddable widget, [`EMBED_PATH`], may be
//! shown in another site's frame.

pub mod api;
pub mod batch;
pub mod body_reader;
pub mod cache;
pub mod diff;
pub mod error;
pub mod gis_files;
pub mod layers;
pub mod limits;
pub mod listen;
pub mod live;
pub mod metrics;
pub mod observe;
pub mod ogc;
pub mod openapi;
pub mod panorama;
pub mod params;
pub mod portrait;
pub mod respond;
pub mod routes;
pub mod selection;
pub mod simulate;
pub mod tiles;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;

use error::ApiError;
pub use limits::{Admission, DEFAULT_MAX_BODY_BYTES, Limits};
use territoires_core::Indexed;
use territoires_core::dataset::LayerIx;
use territoires_query::search::SearchIndex;

/// Everything a request may read: built once per dataset, never written but for its cache.
pub struct AppState {
    pub ix: Indexed,
    pub search: SearchIndex,
    /// Shared with every dataset served since start, so that counts survive reloads.
    pub metrics: Arc<metrics::Metrics>,
    /// Per layer, per feature: its bounding box.
    pub feature_boxes: Vec<Vec<Option<[f64; 4]>>>,
    /// Each layer's typed columns, which filters, sorts and property lists name.
    pub queryables: Vec<territoires_query::filter::Queryables>,
    pub location_writer: territoires_formats::LocationWriter,
    /// The vintage as a JSON string, written into every point lookup's answer.
    pub vintage_json: String,
    /// Encoded whole layers, attribute tables, GIS files and tiles, within `--cache-mb`.
    pub bodies: cache::BodyCache,
    /// Held while a GIS file is written, so that two files are never written at once: each takes
    /// a core and, for the communes, tens of megabytes.
    pub gis_writing: std::sync::Mutex<()>,
    /// Raster basemap URL template for the page, for deployments with internet access.
    pub tiles_url: Option<String>,
    /// The dataset `/api/diff` compares this one with (`serve --previous`).
    pub previous: Option<Arc<territoires_core::Dataset>>,
}

/// What a served dataset's state takes besides the dataset: the same for every reload.
#[derive(Clone)]
pub struct StateOptions {
    pub tiles_url: Option<String>,
    pub metrics: Arc<metrics::Metrics>,
    /// The budget of [`AppState::bodies`] and of the dataset's generalised geometry, shared by
    /// [`cache::split_budget`].
    pub cache_bytes: u64,
    /// The older dataset `/api/diff` compares each served one with; kept across reloads.
    pub previous: Option<Arc<territoires_core::Dataset>>,
}

impl Default for StateOptions {
    fn default() -> Self {
        StateOptions {
            tiles_url: None,
            metrics: Arc::default(),
            cache_bytes: cache::DEFAULT_CACHE_MB as u64 * 1024 * 1024,
            previous: None,
        }
    }
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
        territoires_geo::bbox::union(self.feature_boxes[layer.index()].iter().flatten().copied())
    }

    /// A state with the default options: no basemap, its own metrics, the default cache budget.
    pub fn new(ix: Indexed) -> Self {
        AppState::with_options(ix, StateOptions::default())
    }

    pub fn with_options(ix: Indexed, options: StateOptions) -> Self {
        let feature_boxes = ix
            .dataset
            .layers
            .iter()
            .map(|l| l.indexed_features().map(|(f, _)| l.bounds(f)).collect())
            .collect();
        let (bodies_bytes, geometry_bytes) = cache::split_budget(options.cache_bytes);
        ix.set_generalised_budget(usize::try_from(geometry_bytes).unwrap_or(usize::MAX));
        AppState {
            bodies: cache::BodyCache::new(bodies_bytes, options.metrics.clone()),
            gis_writing: std::sync::Mutex::new(()),
            tiles_url: options.tiles_url,
            previous: options.previous,
            location_writer: territoires_formats::LocationWriter::new(&ix),
            vintage_json: serde_json::Value::from(ix.dataset.base.vintage.as_str()).to_string(),
            search: SearchIndex::new(&ix.dataset),
            metrics: options.metrics,
            feature_boxes,
            queryables: ix
                .dataset
                .layers
                .iter()
                .map(territoires_query::filter::Queryables::of)
                .collect(),
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
    /// The byte budget of the caches: encoded answers and generalised geometry.
    pub cache_bytes: u64,
    pub timeouts: listen::Timeouts,
    /// Directory of an older prepared dataset, for `/api/diff` and the panorama's changes.
    pub previous: Option<PathBuf>,
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
    served(state, admission, web).router
}

/// One dataset as the accept loop serves it: its router, and the answers given without it.
pub struct Served {
    pub router: Router,
    /// None with a rate limit: every request then goes through the router, which counts it.
    direct: Option<Direct>,
}

struct Direct {
    state: Arc<AppState>,
    observe: observe::ObserveLayer,
    /// Where the point lookups are counted, found once.
    locate_counters: metrics::RouteCounters,
    /// A successful lookup's headers, made once: the router's layers add them one by one.
    locate_headers: axum::http::HeaderMap,
}

impl Served {
    /// The answer to `request` when the accept loop gives it without the router: `GET /api/locate`,
    /// the API's hottest route (the map, the widget, and clients looking points up one by one). It is
    /// the router's handler, with the router's metrics, log line and headers; what it skips is axum's
    /// machinery around a routed request (the route's service stack cloned, its matched path, and a
    /// future per layer), which cost as much as the lookup itself (BENCHMARKS.md, "HTTP").
    pub fn answer_directly<B>(&self, request: &axum::http::Request<B>) -> Option<Response> {
        let direct = self.direct.as_ref()?;
        if request.method() != Method::GET || request.uri().path() != LOCATE_PATH {
            return None;
        }
        let started = std::time::Instant::now();
        let (observe, counters) = (&direct.observe, direct.locate_counters);
        Some(match api::locate_body(&direct.state, request.uri().query()) {
            Ok(body) => {
                let mut response = Response::new(axum::body::Body::from(body));
                *response.headers_mut() = direct.locate_headers.clone();
                observe.counted_directly(counters, request, started, response.status());
                response
            }
            Err(e) => observe.answered_directly(counters, request, started, e.into_response()),
        })
    }
}

/// The point lookup's path: answered by [`Served::answer_directly`] for GET, by the router otherwise.
const LOCATE_PATH: &str = "/api/locate";

/// [`app`], with the accept loop's direct answers.
pub fn served(state: Arc<AppState>, admission: &Admission, web: Option<&std::path::Path>) -> Served {
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
    let observe = observe::ObserveLayer::new(
        state.metrics.clone(),
        observe::SecurityHeaders::new(state.tiles_url.as_deref()),
    );
    let router = admission
        .rate_limited(lookups.merge(compressed))
        .merge(operations)
        .layer(observe.clone())
        .layer(cors)
        .with_state(state.clone());
    let direct = (!admission.limits_rate()).then(|| Direct {
        locate_counters: state.metrics.route(Some(LOCATE_PATH)),
        locate_headers: observe.headers_of_direct_answers("application/json"),
        state,
        observe,
    });
    Served { router, direct }
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

pub(crate) async fn metrics_text(State(state): State<Arc<AppState>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(&state.bodies.size(&state.ix)),
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

/// Loads the dataset and serves until SIGTERM or Ctrl-C, then finishes the requests under way.
/// SIGHUP reloads the dataset from `--data`.
pub async fn serve(options: ServeOptions) -> anyhow::Result<()> {
    let web = options.web.clone();
    let metrics = Arc::new(metrics::Metrics::default());
    let admission = Admission::new(&options.limits, metrics.clone());
    let previous = match options.previous.clone() {
        Some(dir) => Some(Arc::new(load_previous(dir).await?)),
        None => None,
    };
    let (live, verification) = live::Live::start(
        &options.data,
        StateOptions {
            tiles_url: options.tiles_url.clone(),
            metrics: metrics.clone(),
            cache_bytes: options.cache_bytes,
            previous,
        },
        Box::new(move |state| served(state, &admission, web.as_deref())),
    )
    .await?;
    let live = Arc::new(live);
    reload_on_sighup(live.clone());
    let listener = listen::bind(options.addr)?;
    tracing::info!(addr = %listener.local_addr()?, "serving");
    let damaged = Arc::new(std::sync::OnceLock::new());
    let stop = {
        let damaged = damaged.clone();
        let check = tokio::task::spawn_blocking(move || verification.wait());
        async move {
            tokio::select! {
                () = shutdown_signal() => {}
                Ok(Err(e)) = check => {
                    let reason = territoires_core::error::describe(&e);
                    tracing::error!(reason = %reason, "the dataset is damaged; stopping");
                    let _ = damaged.set(reason);
                }
            }
        }
    };
    listen::serve(listener, live, metrics, options.timeouts, stop).await;
    tracing::info!("stopped");
    match damaged.get() {
        Some(reason) => anyhow::bail!("{reason}"),
        None => Ok(()),
    }
}

/// The `--previous` dataset, loaded and checked whole before serving: a diff against a damaged file
/// would be wrong figures, not an error.
async fn load_previous(dir: PathBuf) -> anyhow::Result<territoires_core::Dataset> {
    tokio::task::spawn_blocking(move || {
        let dataset = territoires_core::Dataset::load(&dir)
            .map_err(|e| anyhow::anyhow!("--previous {}: {e}", dir.display()))?;
        tracing::info!(dir = %dir.display(), vintage = %dataset.base.vintage, "previous dataset loaded");
        Ok(dataset)
    })
    .await?
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
