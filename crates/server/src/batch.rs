//! `POST /api/locate`: many points at once, as CSV (`,` `;` or tab separated, UTF-8, Windows-1252
//! or UTF-16, its point's columns found by name or given as `lat_col` and `lon_col`) or as a GeoJSON
//! FeatureCollection of points, in WGS84 or the system `crs` names. The answer keeps every input row, in order, with the territory
//! columns added. The work is [`territoires_formats::batch`]'s; this handler admits the batch and bridges HTTP to it.
//!
//! Both ways stream: a blocking thread reads the body as it arrives ([`BodyReader`]) and hands the
//! answer over in chunks through a small channel, so neither side is held whole and a slow client
//! slows its own batch only. At most `--max-batches` run at once; the next wait `--batch-wait-ms`
//! for a turn without reading their body, then get 503. The turn is held until the answer is sent.
//!
//! Refusals: a declared `Content-Length` over `--max-body-mb` is a 413 before anything is read; an
//! input refused whole (no `lat` column, not a FeatureCollection, over the limit before the first
//! 64 KB of answer) is a 4xx. An input that breaks off after rows were sent (an undeclared length going over
//! the limit, a cut, invalid JSON halfway) cannot change the status any more: the answer ends with
//! one more row whose `error` says why, and then, once that row has had a moment to go out, the
//! transfer is aborted (no final chunk), so that no HTTP client takes the answer for complete.

use std::future::Future;
use std::io::{self, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use territoires_query::ErrorCode;

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;

use super::AppState;
use super::api::layer_list;
use super::body_reader::{BodyReader, TooLarge};
use super::error::ApiError;
use super::limits::{BatchGate, BatchTicket};
use super::params::Params;
use territoires_formats::batch::{
    BatchError, BatchInput, InputError, InputFormat, InputOptions, OutputFormat,
};
use territoires_query::locate::LocateOptions;

/// Answer chunks (of about 64 KiB) that may wait for a slow client before the batch pauses.
const CHUNKS_IN_FLIGHT: usize = 4;

/// The response head, once the batch knows it: the content type, or why the input is refused.
type Head = Result<&'static str, ApiError>;

pub async fn locate_batch(
    State(state): State<Arc<AppState>>,
    Extension(gate): Extension<Arc<BatchGate>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let mut p = Params::parse(raw.as_deref());
    let layers = layer_list(&state, p.list("layers")?)?;
    let tolerance_m = p.number("tolerance_m")?;
    let input_options = InputOptions {
        crs: p.crs()?,
        lat_col: p.text("lat_col")?,
        lon_col: p.text("lon_col")?,
    };
    p.finish()?;
    if let Some(t) = tolerance_m {
        validate_tolerance(t)?;
    }
    let declared = input_format(&headers)?;
    let requested = output_format(&headers)?;
    gate.check_declared_length(&headers)?;
    // Wait for a turn before reading a byte of the body.
    let ticket = gate.admit().await?;

    let options = LocateOptions {
        tolerance_m,
        layers: Some(layers),
    };
    let body = BodyReader::new(body, gate.max_body_bytes());
    let (head_tx, head_rx) = oneshot::channel::<Head>();
    let (chunks_tx, chunks_rx) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let out = ResponseWriter {
        head: Some(head_tx),
        content_type: "",
        chunks: chunks_tx,
    };
    tokio::task::spawn_blocking(move || {
        run(&state, body, (declared, &input_options), requested, &options, out)
    });

    let content_type = head_rx
        .await
        .map_err(|_| ApiError::internal("the batch stopped before its first row"))??;
    let answer = Answer {
        chunks: ReceiverStream::new(chunks_rx),
        cut: None,
        _turn: ticket,
    };
    Ok(([(header::CONTENT_TYPE, content_type)], Body::from_stream(answer)).into_response())
}

/// How long an answer being cut off waits, so that hyper sends the rows before it (and the row that
/// says why) first: it drops what it has not sent when the body fails.
const CUT_GRACE: Duration = Duration::from_secs(1);

/// The answer's chunks as the response body. It holds the batch's turn: the turn ends when the
/// answer has been sent, or the client has gone.
struct Answer {
    chunks: ReceiverStream<io::Result<Bytes>>,
    /// Set once the batch failed: the error to end with, once the grace is over.
    cut: Option<(io::Error, Pin<Box<tokio::time::Sleep>>)>,
    _turn: BatchTicket,
}

impl Stream for Answer {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.cut.is_none() {
            match ready!(Pin::new(&mut self.chunks).poll_next(cx)) {
                Some(Err(e)) => self.cut = Some((e, Box::pin(tokio::time::sleep(CUT_GRACE)))),
                chunk => return Poll::Ready(chunk),
            }
        }
        let Some((_, grace)) = self.cut.as_mut() else {
            return Poll::Ready(None);
        };
        ready!(grace.as_mut().poll(cx));
        Poll::Ready(self.cut.take().map(|(e, _)| Err(e)))
    }
}

/// The batch, on its blocking thread: from the body to the answer's chunks.
fn run(
    state: &AppState,
    body: BodyReader,
    (declared, input_options): (Option<InputFormat>, &InputOptions),
    requested: Option<OutputFormat>,
    options: &LocateOptions,
    mut out: ResponseWriter,
) {
    let input = match BatchInput::open(body, declared, input_options) {
        Ok(input) => input,
        Err(cause) => return out.refuse(refusal(cause)),
    };
    let format = requested.unwrap_or_else(|| input.format().into());
    out.content_type = format.media_type();
    match input.locate(&state.ix, options, format, &mut out) {
        Ok(_) => {}
        Err(BatchError::Refused(cause)) => out.refuse(refusal(cause)),
        Err(broken @ BatchError::BrokenOff { .. }) => {
            tracing::info!(error = %broken, "batch broken off");
            out.abort(broken.to_string());
        }
        // The client went away: no one is left to tell.
        Err(BatchError::Output(_)) => {}
    }
}

/// An input refused whole, as the HTTP error.
fn refusal(cause: InputError) -> ApiError {
    match cause {
        InputError::Structure(message) => ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadBody, message),
        InputError::Read(e) if TooLarge::caused(&e) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            e.to_string(),
        ),
        InputError::Read(e) => ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadBody,
            format!("the body could not be read: {e}"),
        ),
    }
}

/// The answer's destination: the first bytes send the response head, then every write is a chunk.
struct ResponseWriter {
    head: Option<oneshot::Sender<Head>>,
    content_type: &'static str,
    chunks: mpsc::Sender<io::Result<Bytes>>,
}

impl ResponseWriter {
    /// Answers with `error` instead, if nothing has been sent yet.
    fn refuse(&mut self, error: ApiError) {
        if let Some(head) = self.head.take() {
            let _ = head.send(Err(error));
        }
    }

    /// Ends the answer as failed: hyper cuts the transfer rather than end it cleanly.
    fn abort(&mut self, why: String) {
        let _ = self.chunks.blocking_send(Err(io::Error::other(why)));
    }
}

impl Write for ResponseWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let gone = || io::Error::new(io::ErrorKind::BrokenPipe, "the client went away");
        if let Some(head) = self.head.take() {
            head.send(Ok(self.content_type)).map_err(|_| gone())?;
        }
        self.chunks
            .blocking_send(Ok(Bytes::copy_from_slice(bytes)))
            .map_err(|_| gone())?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The input format from `Content-Type`; `None` to sniff it from the body.
fn input_format(headers: &HeaderMap) -> Result<Option<InputFormat>, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "text/csv" | "text/plain" => Ok(Some(InputFormat::Csv)),
        "application/geo+json" | "application/json" => Ok(Some(InputFormat::GeoJson)),
        "" | "application/octet-stream" | "application/x-www-form-urlencoded" => Ok(None),
        other => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            format!("cannot read `{other}`: send text/csv or application/geo+json"),
        )),
    }
}

/// The output format from `Accept`; `None` for the input's own, when the client takes anything.
fn output_format(headers: &HeaderMap) -> Result<Option<OutputFormat>, ApiError> {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*/*");
    for kind in accept
        .split(',')
        .map(|k| k.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
    {
        match kind.as_str() {
            "text/csv" => return Ok(Some(OutputFormat::Csv)),
            "application/geo+json" => return Ok(Some(OutputFormat::GeoJson)),
            "application/json" => return Ok(Some(OutputFormat::Json)),
            "*/*" | "text/*" | "application/*" => return Ok(None),
            _ => {}
        }
    }
    Err(ApiError::new(
        StatusCode::NOT_ACCEPTABLE,
        ErrorCode::NotAcceptable,
        format!("cannot answer as `{accept}`: accept text/csv, application/geo+json or application/json"),
    ))
}

fn validate_tolerance(t: f64) -> Result<(), ApiError> {
    let max = territoires_query::locate::MAX_TOLERANCE_M;
    if (0.0..=max).contains(&t) {
        Ok(())
    } else {
        Err(ApiError::bad_parameter(
            "tolerance_m",
            format!("`tolerance_m` must be from 0 to {max} metres, got {t}"),
        ))
    }
}
