//! The accept loop: HTTP/1 connections with deadlines, each request answered by the dataset being
//! served when it arrives: by its router, or directly for the few requests that skip it
//! ([`Served::answer_directly`](crate::Served::answer_directly)).
//!
//! `axum::serve` has no timeouts, so a client sending its headers or its body a byte at a time
//! (slowloris), or never reading its answer, would hold a connection and its buffers forever. Here:
//! - a per-connection watchdog closes it when the client stays silent for the idle timeout before
//!   its request's headers (counted from the connection's start or the end of the previous answer,
//!   which bounds how long an idle keep-alive connection stays open), or when one request — reading
//!   its body, computing, and writing the whole answer — outlasts its deadline: long for batch
//!   lookups, short for everything else;
//! - a request body that stalls for the idle timeout fails, so an upload cannot hold a batch slot
//!   while sending nothing.
//!
//! The watchdog replaces hyper's `header_read_timeout`, which armed and cancelled a timer for every
//! request: a measurable share of a point lookup's cost (BENCHMARKS.md, "HTTP").

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use bytes::Bytes;
use futures_util::future::Either;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpSocket};
use tokio::time::Instant;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

use super::live::Live;
use super::metrics::Metrics;

/// How long each phase of a request may take.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// How long a client may stay silent: to send a request's headers (counted from the end of the
    /// previous answer on a keep-alive connection), or between two chunks of a request body.
    pub idle: Duration,
    /// A whole request other than a batch lookup, to the last byte of its answer.
    pub request: Duration,
    /// A whole batch lookup (`POST /api/locate`): upload, lookups and the streamed answer.
    pub batch: Duration,
    /// How long requests under way may finish after a shutdown signal.
    pub drain: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            idle: Duration::from_secs(10),
            request: Duration::from_secs(60),
            batch: Duration::from_secs(600),
            drain: Duration::from_secs(30),
        }
    }
}

impl Timeouts {
    fn for_request<B>(&self, request: &Request<B>) -> Duration {
        if request.method() == Method::POST && request.uri().path() == "/api/locate" {
            self.batch
        } else {
            self.request
        }
    }
}

/// Connections the kernel may hold, handshake done, until the accept loop takes them. Tokio's
/// `TcpListener::bind` asks for 1,024: 10,000 clients connecting at once overflow that queue, the
/// kernel drops their handshakes and the clients retry them after a second or more (a minute, some
/// of them, in tests/integration/faults.rs). The kernel caps it at `net.core.somaxconn`.
pub const BACKLOG: u32 = 65_535;

/// Binds `addr` as `TcpListener::bind` does, with a listen backlog of [`BACKLOG`].
pub fn bind(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As std and tokio do on Unix: a restarted server binds its port again at once, whatever
    // connections of the last one linger in TIME_WAIT.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Serves `live` on `listener` until `shutdown` completes, then lets the requests under way finish
/// for at most `timeouts.drain`.
pub async fn serve(
    listener: TcpListener,
    live: Arc<Live>,
    metrics: Arc<Metrics>,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let http = hyper::server::conn::http1::Builder::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, say: wait instead of spinning, and keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let deadline = Deadline::new(timeouts.idle);
        let service = {
            let live = live.clone();
            let deadline = deadline.clone();
            tower::service_fn(move |request: Request<Incoming>| {
                let turn = deadline.begin(timeouts.for_request(&request));
                let served = live.served();
                let deadline = deadline.clone();
                let answer = match served.answer_directly(&request) {
                    Some(response) => Either::Left(std::future::ready(Ok(response))),
                    None => {
                        let mut request =
                            request.map(|body| Body::new(TimeoutBody::new(timeouts.idle, body)));
                        request.extensions_mut().insert(ConnectInfo(peer));
                        Either::Right(served.router.clone().oneshot(request))
                    }
                };
                async move {
                    let response = answer.await?;
                    Ok::<_, std::convert::Infallible>(response.map(|body| Tracked { body, deadline, turn }))
                }
            })
        };
        let connection =
            graceful.watch(http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)));
        let metrics = metrics.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = connection => {}
                () = deadline.expired() => {
                    // Dropping the connection closes the socket.
                    metrics.connection_timed_out();
                    tracing::debug!(%peer, "request deadline passed; connection closed");
                }
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(timeouts.drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still under way after the drain timeout; closing them");
    }
}

/// When a connection must have made progress: the end of the wait for a request's headers, or of
/// the request being served. Each request takes a new turn, so that the end of an earlier answer
/// never moves a later request's deadline.
///
/// Beginning and ending a request write under the connection's own (uncontended) lock and wake no
/// one: the watchdog sleeps until the deadline it last saw, then looks again, since a deadline only
/// ever moves later while it sleeps. (A watch channel woke it twice a request.)
#[derive(Clone)]
struct Deadline(Arc<DeadlineState>);

struct DeadlineState {
    turn: Mutex<Turn>,
    /// How long the client may stay silent before its next request's headers.
    idle: Duration,
}

struct Turn {
    current: u64,
    deadline: Instant,
}

impl Deadline {
    /// A new connection's: its first request's headers within `idle`.
    fn new(idle: Duration) -> Self {
        Deadline(Arc::new(DeadlineState {
            turn: Mutex::new(Turn {
                current: 0,
                deadline: Instant::now() + idle,
            }),
            idle,
        }))
    }

    fn turn(&self) -> std::sync::MutexGuard<'_, Turn> {
        // The guarded data is two plain values, whole after any panic.
        self.0
            .turn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn begin(&self, within: Duration) -> u64 {
        let mut turn = self.turn();
        turn.current += 1;
        turn.deadline = Instant::now() + within;
        turn.current
    }

    /// The answer of `ended` is sent: the next request's headers are due within the idle timeout.
    fn end(&self, ended: u64) {
        let mut turn = self.turn();
        if turn.current == ended {
            turn.deadline = Instant::now() + self.0.idle;
        }
    }

    /// Completes when a deadline passes: the headers did not come, or the request is unfinished.
    async fn expired(&self) {
        loop {
            let deadline = self.turn().deadline;
            if deadline <= Instant::now() {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

/// An answer's body that ends its request's deadline once it has been sent, or dropped.
struct Tracked {
    body: Body,
    deadline: Deadline,
    turn: u64,
}

impl hyper::body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let frame = Pin::new(&mut this.body).poll_frame(cx);
        if let Poll::Ready(None) = frame {
            this.deadline.end(this.turn);
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.deadline.end(self.turn);
    }
}
