//! What happens around every request: it is counted in the metrics and written to the access log,
//! the framework's own bodiless errors (405, 413, …) become JSON errors like ours, and the response
//! gets the security headers.
//!
//! One hand-written layer rather than `axum::middleware::from_fn`s: each of those boxes its future
//! and clones the rest of the stack on every request, which cost point lookups a measurable share of
//! their throughput (BENCHMARKS.md, "HTTP").

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use territoires_query::ErrorCode;

use crate::EMBED_PATH;
use crate::error::ApiError;
use crate::metrics::{Metrics, RouteCounters};

/// The `tracing` target of the access log: one line a request at `info`, so that
/// `RUST_LOG=info,territoires::access=warn` keeps the server's own messages and drops the requests.
pub const ACCESS_LOG: &str = "territoires::access";

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

    /// Only the widget may be framed: `frame-ancestors` for current browsers, `X-Frame-Options` for
    /// older ones (which would refuse the widget too, so it gets none).
    fn apply(&self, headers: &mut HeaderMap, embeddable: bool) {
        const PERMISSIONS_POLICY: HeaderName = HeaderName::from_static("permissions-policy");
        if embeddable {
            headers.insert(header::CONTENT_SECURITY_POLICY, self.widget.clone());
            headers.remove(header::X_FRAME_OPTIONS);
        } else {
            headers.insert(header::CONTENT_SECURITY_POLICY, self.page.clone());
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
            PERMISSIONS_POLICY,
            HeaderValue::from_static("geolocation=(self), camera=(), microphone=(), payment=(), usb=()"),
        );
    }
}

/// The layer: shared by every route of one router.
#[derive(Clone)]
pub struct ObserveLayer(Arc<Shared>);

struct Shared {
    metrics: Arc<Metrics>,
    headers: SecurityHeaders,
}

impl ObserveLayer {
    pub fn new(metrics: Arc<Metrics>, headers: SecurityHeaders) -> Self {
        ObserveLayer(Arc::new(Shared { metrics, headers }))
    }

    /// An answer the accept loop made without the router (`Served::answer_directly`): counted,
    /// logged and given the headers of a routed answer, the CORS layer's included.
    pub fn answered_directly<B>(
        &self,
        route: RouteCounters,
        request: &axum::http::Request<B>,
        started: Instant,
        response: Response,
    ) -> Response {
        let mut response = answered(Seen::direct(route, request, started), response, &self.0);
        allow_any_origin(response.headers_mut());
        response
    }

    /// The headers [`Self::answered_directly`] leaves on a successful answer of `content_type`,
    /// made once, so that such answers can take a copy and be only counted
    /// ([`Self::counted_directly`]).
    pub fn headers_of_direct_answers(&self, content_type: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(8);
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        self.0.headers.apply(&mut headers, false);
        allow_any_origin(&mut headers);
        headers
    }

    /// Counts and logs a successful direct answer that already has its headers.
    pub fn counted_directly<B>(
        &self,
        route: RouteCounters,
        request: &axum::http::Request<B>,
        started: Instant,
        status: StatusCode,
    ) {
        count(&Seen::direct(route, request, started), status, &self.0);
    }
}

/// What the router's CORS layer adds to an answer to a plain (not preflight) request.
fn allow_any_origin(headers: &mut HeaderMap) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
}

impl Seen {
    fn direct<B>(route: RouteCounters, request: &axum::http::Request<B>, started: Instant) -> Self {
        Seen {
            route: Some(RouteName::Direct(route)),
            method: request.method().clone(),
            uri: request.uri().clone(),
            started,
        }
    }
}

/// The route pattern a request took, for the metrics.
enum RouteName {
    /// Through the router, which matched it.
    Matched(MatchedPath),
    /// Answered by the accept loop, in these counters.
    Direct(RouteCounters),
}

impl<S> tower::Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe {
            inner,
            shared: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Observe<S> {
    inner: S,
    shared: Arc<Shared>,
}

/// What the response's turn needs to know of its request.
struct Seen {
    route: Option<RouteName>,
    method: Method,
    uri: Uri,
    started: Instant,
}

impl<S> tower::Service<Request> for Observe<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ObserveFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let seen = Seen {
            route: request
                .extensions()
                .get::<MatchedPath>()
                .cloned()
                .map(RouteName::Matched),
            method: request.method().clone(),
            // Shares the request's bytes: no copy of the path.
            uri: request.uri().clone(),
            started: Instant::now(),
        };
        ObserveFuture {
            inner: self.inner.call(request),
            seen: Some(seen),
            shared: self.shared.clone(),
        }
    }
}

pin_project_lite::pin_project! {
    pub struct ObserveFuture<F> {
        #[pin]
        inner: F,
        seen: Option<Seen>,
        shared: Arc<Shared>,
    }
}

impl<F> Future for ObserveFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Ok(response) = ready!(this.inner.poll(cx));
        let Some(seen) = this.seen.take() else {
            // Polled again after completion: the contract of futures forbids it; answer plainly.
            return Poll::Ready(Ok(response));
        };
        Poll::Ready(Ok(answered(seen, response, this.shared)))
    }
}

/// Counts and logs the answer, turns a bodiless framework error into ours, adds the headers.
fn answered(seen: Seen, response: Response, shared: &Shared) -> Response {
    count(&seen, response.status(), shared);
    let mut response = as_our_error(response, &seen);
    shared
        .headers
        .apply(response.headers_mut(), seen.uri.path() == EMBED_PATH);
    response
}

/// Counts the answer in the metrics and writes its access log line.
fn count(seen: &Seen, status: StatusCode, shared: &Shared) {
    let elapsed = seen.started.elapsed();
    let counters = match &seen.route {
        Some(RouteName::Direct(counters)) => *counters,
        Some(RouteName::Matched(path)) => shared.metrics.route(Some(path.as_str())),
        None => shared.metrics.route(None),
    };
    shared
        .metrics
        .record(counters, seen.method.as_str(), status.as_u16(), elapsed);
    // One event and no span: written by the subscriber's non-blocking writer, off this thread.
    tracing::info!(
        target: ACCESS_LOG,
        method = %seen.method,
        path = seen.uri.path(),
        status = status.as_u16(),
        micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
    );
}

/// The framework's own errors (405, 413, 415, …) come without a body: they get a JSON error like
/// ours. Our own error bodies (JSON, or the French page a browser gets for an unknown territory)
/// pass as they are.
fn as_our_error(response: Response, seen: &Seen) -> Response {
    let status = response.status();
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
            format!(
                "{} is not allowed on {}; use GET or HEAD",
                seen.method,
                seen.uri.path()
            ),
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
