//! Request counts, latencies and errors per route, in the Prometheus text format, and how often the
//! server's limits refused work.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 11] = [
    0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5,
];

/// The methods counted by name; any other is counted as `other`, so that a client inventing
/// methods cannot grow the metrics without bound.
const METHODS: [&str; 5] = ["GET", "HEAD", "POST", "OPTIONS", "other"];

/// The route label of requests no route matched (static files, 404s).
const UNMATCHED: &str = "unmatched";

/// HTTP status codes are three digits from 100 to 599.
const STATUSES: std::ops::RangeInclusive<u16> = 100..=599;

pub struct Metrics {
    /// Route pattern → its row in `stats`, fixed when the server starts (the route table), so that
    /// recording a request takes no lock: at tens of thousands of requests a second on two cores,
    /// one mutex shared by every request was a measurable share of the time.
    routes: HashMap<&'static str, usize>,
    /// Route patterns in row order, [`UNMATCHED`] last.
    names: Vec<&'static str>,
    /// Per route and method (`route * METHODS.len() + method`): made on the first such request.
    stats: Box<[OnceLock<Box<RouteStats>>]>,
    reloads: AtomicU64,
    failed_reloads: AtomicU64,
    /// Connections closed because a request, or the wait for one, outlasted its deadline.
    timed_out_connections: AtomicU64,
    /// Batches holding a permit now.
    batches_running: AtomicU64,
    /// Batches refused with 503 after waiting for a permit.
    batches_busy: AtomicU64,
    /// Requests refused with 429 by the per-client rate limit.
    rate_limited: AtomicU64,
    /// Encoded answers found in the cache, made anew, and pushed out by the byte budget.
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    cache_evictions: AtomicU64,
}

/// Where [`Metrics`] counts one route's requests.
#[derive(Debug, Clone, Copy)]
pub struct RouteCounters(usize);

/// How full the cache of encoded answers is ([`crate::cache::BodyCache`]).
pub struct CacheSize {
    pub budget_bytes: u64,
    pub bytes: u64,
    pub entries: u64,
    /// The generalised geometry kept for maps and tiles, and its budget (`territoires_core`'s).
    pub geometry_bytes: u64,
    pub geometry_budget_bytes: u64,
}

struct RouteStats {
    /// By status code, from 100.
    by_status: Box<[AtomicU64]>,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    nanoseconds: AtomicU64,
}

impl Default for RouteStats {
    fn default() -> Self {
        RouteStats {
            by_status: STATUSES.map(|_| AtomicU64::new(0)).collect(),
            buckets: Default::default(),
            count: AtomicU64::new(0),
            nanoseconds: AtomicU64::new(0),
        }
    }
}

impl Default for Metrics {
    /// Counters for every route of the route table.
    fn default() -> Self {
        Metrics::for_routes(
            crate::routes::table()
                .iter()
                .flat_map(|r| std::iter::once(r.path).chain(r.aliases.iter().copied())),
        )
    }
}

impl Metrics {
    /// Counters for the route patterns given (as axum's `MatchedPath` gives them), and for requests
    /// no route matched.
    pub fn for_routes(patterns: impl IntoIterator<Item = &'static str>) -> Self {
        let mut names: Vec<&'static str> = Vec::new();
        for pattern in patterns {
            if !names.contains(&pattern) {
                names.push(pattern);
            }
        }
        names.push(UNMATCHED);
        let routes = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        Metrics {
            stats: (0..names.len() * METHODS.len())
                .map(|_| OnceLock::new())
                .collect(),
            routes,
            names,
            reloads: AtomicU64::new(0),
            failed_reloads: AtomicU64::new(0),
            timed_out_connections: AtomicU64::new(0),
            batches_running: AtomicU64::new(0),
            batches_busy: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            cache_hits: AtomicU64::new(0),
            cache_misses: AtomicU64::new(0),
            cache_evictions: AtomicU64::new(0),
        }
    }

    /// The counters of route pattern `route` (`None`: no route matched): found for each request
    /// by the observe layer, once for all by a caller that answers one route.
    pub fn route(&self, route: Option<&str>) -> RouteCounters {
        let unmatched = self.names.len() - 1;
        RouteCounters(
            route
                .and_then(|r| self.routes.get(r).copied())
                .unwrap_or(unmatched),
        )
    }

    /// Counts one answered request of `route` ([`Metrics::route`]).
    pub fn record(&self, route: RouteCounters, method: &str, status: u16, elapsed: std::time::Duration) {
        let RouteCounters(route) = route;
        let method = METHODS
            .iter()
            .position(|m| *m == method)
            .unwrap_or(METHODS.len() - 1);
        let Some(cell) = self.stats.get(route * METHODS.len() + method) else {
            return;
        };
        let stats = cell.get_or_init(Box::default);
        let status = usize::from(status.clamp(*STATUSES.start(), *STATUSES.end()) - STATUSES.start());
        if let Some(n) = stats.by_status.get(status) {
            n.fetch_add(1, Ordering::Relaxed);
        }
        stats.count.fetch_add(1, Ordering::Relaxed);
        let nanoseconds = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        stats.nanoseconds.fetch_add(nanoseconds, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        // Cumulative buckets are summed when rendered: one add per request, in its own bucket.
        if let Some(bucket) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            stats.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a dataset reload, swapped in (`ok`) or refused.
    pub fn reloaded(&self, ok: bool) {
        let counter = if ok { &self.reloads } else { &self.failed_reloads };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn connection_timed_out(&self) {
        self.timed_out_connections.fetch_add(1, Ordering::Relaxed);
    }

    pub fn batch_started(&self) {
        self.batches_running.fetch_add(1, Ordering::Relaxed);
    }

    pub fn batch_ended(&self) {
        self.batches_running.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn batch_refused_busy(&self) {
        self.batches_busy.fetch_add(1, Ordering::Relaxed);
    }

    pub fn request_rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a look-up in the cache of encoded answers: found, or made anew.
    pub fn cache_looked_up(&self, found: bool) {
        let counter = if found {
            &self.cache_hits
        } else {
            &self.cache_misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an answer pushed out of the cache by its byte budget.
    pub fn cache_evicted(&self) {
        self.cache_evictions.fetch_add(1, Ordering::Relaxed);
    }

    /// Every figure, with the cache's size as the current dataset's cache gives it.
    pub fn render(&self, cache: &CacheSize) -> String {
        let routes = self.route_rows();
        let mut out = String::new();
        write_requests(&mut out, &routes);
        write_errors(&mut out, &routes);
        write_durations(&mut out, &routes);
        self.write_counters(&mut out);
        for (name, help, value) in [
            (
                "territoires_cache_budget_bytes",
                "Byte budget of the cache of encoded answers (--cache-mb).",
                cache.budget_bytes,
            ),
            (
                "territoires_cache_bytes",
                "Bytes of encoded answers kept (layers, attribute tables, GIS files, tiles).",
                cache.bytes,
            ),
            (
                "territoires_cache_entries",
                "Encoded answers kept.",
                cache.entries,
            ),
            (
                "territoires_geometry_cache_bytes",
                "Bytes of layers generalised for a zoom kept for maps, tiles and files.",
                cache.geometry_bytes,
            ),
            (
                "territoires_geometry_cache_budget_bytes",
                "Byte budget of the generalised layers kept.",
                cache.geometry_budget_bytes,
            ),
        ] {
            write_metric(&mut out, name, "gauge", help, value);
        }
        out
    }

    /// The figures of every route and method asked so far, in route then method order.
    fn route_rows(&self) -> Vec<RouteRow> {
        self.stats
            .iter()
            .enumerate()
            .filter_map(|(i, cell)| {
                let stats = cell.get()?;
                let (route, method) = (self.names[i / METHODS.len()], METHODS[i % METHODS.len()]);
                let by_status = STATUSES
                    .zip(stats.by_status.iter())
                    .map(|(status, n)| (status, n.load(Ordering::Relaxed)))
                    .filter(|(_, n)| *n > 0)
                    .collect();
                let mut cumulative = 0;
                let buckets = stats.buckets.each_ref().map(|n| {
                    cumulative += n.load(Ordering::Relaxed);
                    cumulative
                });
                Some(RouteRow {
                    route,
                    method,
                    by_status,
                    buckets,
                    count: stats.count.load(Ordering::Relaxed),
                    seconds: stats.nanoseconds.load(Ordering::Relaxed) as f64 / 1e9,
                })
            })
            .collect()
    }

    /// The reload, connection, batch and rate-limit counters and gauge.
    fn write_counters(&self, out: &mut String) {
        for (name, kind, help, value) in [
            (
                "territoires_reloads_total",
                "counter",
                "Datasets swapped in by SIGHUP.",
                &self.reloads,
            ),
            (
                "territoires_reload_failures_total",
                "counter",
                "Reloads refused (unreadable, damaged or failing the self-check); the previous dataset kept serving.",
                &self.failed_reloads,
            ),
            (
                "territoires_connections_timed_out_total",
                "counter",
                "Connections closed because a request, or the wait for one, outlasted its deadline.",
                &self.timed_out_connections,
            ),
            (
                "territoires_batches_running",
                "gauge",
                "Batches of POST /api/locate being computed (at most --max-batches).",
                &self.batches_running,
            ),
            (
                "territoires_batches_busy_total",
                "counter",
                "Batches refused with 503 after waiting --batch-wait-ms for one of --max-batches.",
                &self.batches_busy,
            ),
            (
                "territoires_rate_limited_total",
                "counter",
                "Requests refused with 429 by --rate-limit.",
                &self.rate_limited,
            ),
            (
                "territoires_cache_hits_total",
                "counter",
                "Encoded answers served from the cache.",
                &self.cache_hits,
            ),
            (
                "territoires_cache_misses_total",
                "counter",
                "Encoded answers made because the cache did not hold them.",
                &self.cache_misses,
            ),
            (
                "territoires_cache_evictions_total",
                "counter",
                "Encoded answers pushed out of the cache by its byte budget.",
                &self.cache_evictions,
            ),
        ] {
            write_metric(out, name, kind, help, value.load(Ordering::Relaxed));
        }
    }
}

fn write_metric(out: &mut String, name: &str, kind: &str, help: &str, value: u64) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    let _ = writeln!(out, "{name} {value}");
}

/// One route and method with its figures, read once for rendering.
struct RouteRow {
    route: &'static str,
    method: &'static str,
    by_status: Vec<(u16, u64)>,
    /// Cumulative, as Prometheus histograms are.
    buckets: [u64; BUCKETS.len()],
    count: u64,
    seconds: f64,
}

fn write_requests(out: &mut String, routes: &[RouteRow]) {
    out.push_str("# HELP territoires_requests_total HTTP requests by route, method and status.\n");
    out.push_str("# TYPE territoires_requests_total counter\n");
    for RouteRow {
        route,
        method,
        by_status,
        ..
    } in routes
    {
        for (status, n) in by_status {
            let _ = writeln!(
                out,
                "territoires_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}"
            );
        }
    }
}

fn write_errors(out: &mut String, routes: &[RouteRow]) {
    out.push_str(
        "# HELP territoires_request_errors_total HTTP responses with a 4xx or 5xx status, by route.\n",
    );
    out.push_str("# TYPE territoires_request_errors_total counter\n");
    for RouteRow {
        route,
        method,
        by_status,
        ..
    } in routes
    {
        let errors: u64 = by_status
            .iter()
            .filter(|(status, _)| *status >= 400)
            .map(|(_, n)| n)
            .sum();
        let _ = writeln!(
            out,
            "territoires_request_errors_total{{route=\"{route}\",method=\"{method}\"}} {errors}"
        );
    }
}

fn write_durations(out: &mut String, routes: &[RouteRow]) {
    out.push_str("# HELP territoires_request_duration_seconds Time to the response head, by route.\n");
    out.push_str("# TYPE territoires_request_duration_seconds histogram\n");
    for s in routes {
        let (route, method) = (s.route, s.method);
        let labels = format!("route=\"{route}\",method=\"{method}\"");
        for (bound, n) in BUCKETS.iter().zip(s.buckets) {
            let _ = writeln!(
                out,
                "territoires_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "territoires_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
            s.count
        );
        let _ = writeln!(
            out,
            "territoires_request_duration_seconds_sum{{{labels}}} {}",
            s.seconds
        );
        let _ = writeln!(
            out,
            "territoires_request_duration_seconds_count{{{labels}}} {}",
            s.count
        );
    }
}
