//! `territoires serve`: the HTTP API, OGC API – Features, tiles and the map.

use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroUsize};
use std::path::PathBuf;
use std::time::Duration;

use territoires_server::cache::DEFAULT_CACHE_MB;
use territoires_server::limits::{DEFAULT_BATCH_WAIT, DEFAULT_MAX_BATCHES};
use territoires_server::listen::Timeouts;
use territoires_server::{Limits, ServeOptions};

use super::DataArgs;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    #[command(flatten)]
    data: DataArgs,
    /// Largest batch body accepted, in MB.
    #[arg(long, default_value_t = 256)]
    max_body_mb: usize,
    /// Batches (POST /api/locate) computed at once; the next ones wait, then get 503.
    #[arg(long, default_value_t = DEFAULT_MAX_BATCHES)]
    max_batches: NonZeroUsize,
    /// How long a batch over --max-batches waits for a turn before its 503, in milliseconds.
    #[arg(long, default_value_t = DEFAULT_BATCH_WAIT.as_millis() as u64)]
    batch_wait_ms: u64,
    /// Requests a second per client IP address (as many may come at once); 429 beyond. Off by
    /// default. /healthz and /metrics are never limited.
    #[arg(long)]
    rate_limit: Option<NonZeroU32>,
    /// Memory for what is kept to be served again, in MiB: encoded answers (whole layers,
    /// attribute tables, GIS files, vector tiles) and, in 3/8 of it, the layers generalised for a
    /// zoom that they are made from. The least asked are made again when needed.
    #[arg(long, default_value_t = DEFAULT_CACHE_MB)]
    cache_mb: usize,
    /// Directory of the web page, served at `/`.
    #[arg(long, default_value = "web")]
    web: PathBuf,
    /// Raster basemap URL template for deployments with internet, e.g.
    /// `https://tile.openstreetmap.org/{z}/{x}/{y}.png`. Without it the map draws only its own layers.
    #[arg(long)]
    tiles_url: Option<String>,
    /// Seconds a client may stay silent: to send a request's headers, between two chunks of a
    /// request body, and on an idle keep-alive connection.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout_s: u64,
    /// Seconds a request may take, from its headers to the last byte of its answer.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout_s: u64,
    /// Seconds a batch lookup (POST /api/locate) may take: upload, lookups and streamed answer.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    batch_timeout_s: u64,
    /// Directory of an older prepared dataset (`territoires build --out`): `/api/diff` and the
    /// panorama then say what changed since, as `territoires diff` does.
    #[arg(long)]
    previous: Option<PathBuf>,
}

/// The log filter when `RUST_LOG` is unset: the server's own messages, not a line a request. The
/// access log (`RUST_LOG=info`, or `info,territoires::access=info`) costs point lookups 10–20 % of
/// their throughput even written off their threads (BENCHMARKS.md, "HTTP").
const DEFAULT_LOG: &str = "info,territoires::access=warn";

pub fn run(args: Args) -> anyhow::Result<()> {
    // The heap's huge pages (`.cargo/config.toml`) speed a command's one pass over its memory; a
    // server's heap churns for days, and with them it kept 45 MB more resident at idle.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    // Lines are formatted on the request's thread and written by the appender's, a batch at a time
    // (it flushes when it has emptied its queue): a slow terminal or pipe never holds an answer, and
    // a busy server makes one write for many lines rather than one each. Past its buffer (128 k
    // lines) lines are dropped, not waited for.
    let batched = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout());
    let (writer, _flushed_on_exit) = tracing_appender::non_blocking(batched);
    tracing_subscriber::fmt()
        .with_writer(writer)
        // Colours for a person at a terminal, plain text for a file or a journal.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG)),
        )
        .init();
    let options = ServeOptions {
        addr: args.addr,
        data: args.data.data,
        limits: Limits {
            max_body_bytes: args.max_body_mb.saturating_mul(1024 * 1024),
            max_batches: args.max_batches,
            batch_wait: Duration::from_millis(args.batch_wait_ms),
            rate_limit: args.rate_limit,
        },
        cache_bytes: (args.cache_mb as u64).saturating_mul(1024 * 1024),
        web: args.web.is_dir().then_some(args.web),
        tiles_url: args.tiles_url,
        previous: args.previous,
        timeouts: Timeouts {
            idle: Duration::from_secs(args.idle_timeout_s),
            request: Duration::from_secs(args.request_timeout_s),
            batch: Duration::from_secs(args.batch_timeout_s),
            ..Default::default()
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(territoires_server::serve(options))
}
