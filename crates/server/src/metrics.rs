//! Request counts, latencies and errors per route, in the Prometheus text format, and how often the
//! server's limits refused work.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 11] = [
    0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5,
];

#[derive(Default)]
pub struct Metrics {
    /// Route pattern → method → figures. Nested so that recording a known route allocates nothing.
    routes: Mutex<BTreeMap<String, BTreeMap<String, RouteStats>>>,
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
}

#[derive(Default, Clone)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    seconds: f64,
}

impl Metrics {
    pub fn record(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let Ok(mut routes) = self.routes.lock() else {
            return;
        };
        if !routes.contains_key(route) {
            routes.insert(route.to_string(), BTreeMap::new());
        }
        let Some(methods) = routes.get_mut(route) else {
            return;
        };
        if !methods.contains_key(method) {
            methods.insert(method.to_string(), RouteStats::default());
        }
        let Some(stats) = methods.get_mut(method) else {
            return;
        };
        *stats.by_status.entry(status).or_insert(0) += 1;
        stats.count += 1;
        stats.seconds += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                stats.buckets[i] += 1;
            }
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

    pub fn render(&self) -> String {
        let routes = self.route_rows();
        let mut out = String::new();
        write_requests(&mut out, &routes);
        write_errors(&mut out, &routes);
        write_durations(&mut out, &routes);
        self.write_counters(&mut out);
        out
    }

    /// A copy of the figures per (route, method), in route then method order, so that rendering
    /// does not hold the lock.
    fn route_rows(&self) -> Vec<RouteRow> {
        self.routes
            .lock()
            .map(|r| {
                r.iter()
                    .flat_map(|(route, methods)| {
                        methods
                            .iter()
                            .map(|(m, s)| ((route.clone(), m.clone()), s.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default()
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
        ] {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
    }
}

/// One route and method with its figures.
type RouteRow = ((String, String), RouteStats);

fn write_requests(out: &mut String, routes: &[RouteRow]) {
    out.push_str("# HELP territoires_requests_total HTTP requests by route, method and status.\n");
    out.push_str("# TYPE territoires_requests_total counter\n");
    for ((route, method), s) in routes {
        for (status, n) in &s.by_status {
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
    for ((route, method), s) in routes {
        let errors: u64 = s
            .by_status
            .iter()
            .filter(|(st, _)| **st >= 400)
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
    for ((route, method), s) in routes {
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
