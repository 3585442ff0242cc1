//! Bounds on the work clients may ask for: how large a batch body may be, how many batches run at
//! once (the next ones wait a moment, then get 503 `busy`), and, when the operator asks, how many
//! requests a second each client address may make (429 `rate_limited` beyond).

use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::Arc;
use std::time::Duration;
use territoires_query::ErrorCode;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use governor::middleware::NoOpMiddleware;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::PeerIpKeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

use super::error::ApiError;
use super::metrics::Metrics;

/// Default batch body limit: room for a million CSV rows with a few extra columns.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024 * 1024;
/// Default batches computed at once: one per core of a small machine; each keeps one busy.
pub const DEFAULT_MAX_BATCHES: NonZeroUsize = NonZeroUsize::new(2).unwrap();
/// Default wait for a batch permit: long enough to ride out a short batch ending, short enough
/// that a client is not left hanging behind a million-row one.
pub const DEFAULT_BATCH_WAIT: Duration = Duration::from_millis(2000);

#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest batch body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Batches computed at once.
    pub max_batches: NonZeroUsize,
    /// How long a batch over `max_batches` waits for one to end before it gets 503.
    pub batch_wait: Duration,
    /// Requests a second per client address; `None`: no limit.
    pub rate_limit: Option<NonZeroU32>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_batches: DEFAULT_MAX_BATCHES,
            batch_wait: DEFAULT_BATCH_WAIT,
            rate_limit: None,
        }
    }
}

/// The per-client rate limit as a layer: by peer address, answered with our JSON error.
type RateLimit = GovernorLayer<PeerIpKeyExtractor, NoOpMiddleware, axum::body::Body>;

/// What [`Limits`] become in a running server: built once, and shared by the router of every
/// dataset served, so that a reload neither frees the batch permits nor resets the clients' quotas.
#[derive(Clone)]
pub struct Admission {
    pub batches: Arc<BatchGate>,
    rate_limit: Option<RateLimit>,
}

impl Admission {
    pub fn new(limits: &Limits, metrics: Arc<Metrics>) -> Self {
        Admission {
            batches: Arc::new(BatchGate::new(limits, metrics.clone())),
            rate_limit: limits
                .rate_limit
                .and_then(|per_second| rate_limit(per_second, metrics)),
        }
    }

    /// Whether clients' requests are counted against a per-client rate limit.
    pub fn limits_rate(&self) -> bool {
        self.rate_limit.is_some()
    }

    /// `router` behind the per-client rate limit, when there is one.
    pub fn rate_limited<S>(&self, router: Router<S>) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        match &self.rate_limit {
            Some(layer) => router.layer(layer.clone()),
            None => router,
        }
    }
}

/// Admission to the batch endpoint: one permit per batch running.
pub struct BatchGate {
    permits: Arc<Semaphore>,
    max_batches: usize,
    wait: Duration,
    max_body_bytes: usize,
    metrics: Arc<Metrics>,
}

/// A batch's permit: held until its answer has been sent (or dropped), then given back.
pub struct BatchTicket {
    _permit: OwnedSemaphorePermit,
    metrics: Arc<Metrics>,
}

impl Drop for BatchTicket {
    fn drop(&mut self) {
        self.metrics.batch_ended();
    }
}

impl BatchGate {
    pub fn new(limits: &Limits, metrics: Arc<Metrics>) -> Self {
        BatchGate {
            permits: Arc::new(Semaphore::new(limits.max_batches.get())),
            max_batches: limits.max_batches.get(),
            wait: limits.batch_wait,
            max_body_bytes: limits.max_body_bytes,
            metrics,
        }
    }

    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// Refuses a body whose declared length is over the limit, before reading any of it. (A body
    /// without `Content-Length` is counted as it is read.)
    pub fn check_declared_length(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        match declared {
            Some(length) if length > self.max_body_bytes as u64 => Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                format!(
                    "the body is {length} bytes, over the server's limit of {} bytes (--max-body-mb)",
                    self.max_body_bytes
                ),
            )),
            _ => Ok(()),
        }
    }

    /// A permit to run one batch, waiting at most the configured time for a running one to end.
    pub async fn admit(&self) -> Result<BatchTicket, ApiError> {
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => {
                self.metrics.batch_started();
                Ok(BatchTicket {
                    _permit: permit,
                    metrics: self.metrics.clone(),
                })
            }
            // Timed out (or, never in practice, the semaphore was closed).
            _ => {
                self.metrics.batch_refused_busy();
                // As long again as it waited: a million-row batch takes about a second or two.
                let retry_after_s = self.wait.as_secs_f64().ceil().max(1.0) as u64;
                Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::Busy,
                    format!(
                        "{} batches are already running, the server's limit (--max-batches); retry in {retry_after_s} s",
                        self.max_batches
                    ),
                )
                .with_retry_after(retry_after_s))
            }
        }
    }
}

/// The per-client-address rate limit: `per_second` requests a second, of which as many may come at
/// once. It needs the peer address from `ConnectInfo<SocketAddr>`, which the server provides.
fn rate_limit(per_second: NonZeroU32, metrics: Arc<Metrics>) -> Option<RateLimit> {
    // `None` only for a period that rounds to zero, over a billion a second: as good as no limit.
    let config = GovernorConfigBuilder::default()
        .period(Duration::from_secs(1) / per_second.get())
        .burst_size(per_second.get())
        .finish()?;
    // The limiter keeps a state per client address: every minute, forget those idle long enough to
    // be back at a full quota, so that many addresses cannot grow it without bound.
    let limiter = Arc::downgrade(config.limiter());
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            every.tick().await;
            loop {
                every.tick().await;
                let Some(limiter) = limiter.upgrade() else {
                    break;
                };
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        });
    }
    Some(GovernorLayer::new(config).error_handler(move |error| refusal(error, per_second, &metrics)))
}

/// A rate-limit refusal as our JSON error, with `Retry-After`.
fn refusal(error: GovernorError, per_second: NonZeroU32, metrics: &Metrics) -> Response {
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => {
            metrics.request_rate_limited();
            // `wait_time` is whole seconds, rounded down.
            let retry_after_s = wait_time + 1;
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                format!(
                    "more than {per_second} requests a second from your address, the server's limit (--rate-limit); retry in {retry_after_s} s"
                ),
            )
            .with_retry_after(retry_after_s)
            .into_response()
        }
        // The server was started without the peer address: a wiring fault, not the client's.
        GovernorError::UnableToExtractKey => {
            ApiError::internal("the rate limit cannot tell the client's address").into_response()
        }
        GovernorError::Other { code, msg, .. } => ApiError::new(
            code,
            ErrorCode::RateLimited,
            msg.unwrap_or_else(|| "refused".into()),
        )
        .into_response(),
    }
}
