//! A request body as a blocking [`Read`], for work done on a blocking thread.
//!
//! A task on the runtime receives the body's chunks and passes them on through a small channel: it
//! reads a few chunks ahead, so the work seldom waits on the network, and no further, so the
//! client is read no faster than the work goes and the body is never held whole. Past the limit,
//! the reader fails with [`TooLarge`], whether or not the client declared a length.

use std::io::{self, Read};

use axum::body::{Body, Bytes};
use bytes::Buf;
use futures_util::StreamExt;
use tokio::sync::mpsc;

/// Chunks received ahead of the reader. Each is what one socket read gave, 8 to 400 KiB or so.
const CHUNKS_AHEAD: usize = 4;

pub struct BodyReader {
    chunks: mpsc::Receiver<io::Result<Bytes>>,
    /// What is left of the last chunk received.
    current: Bytes,
    /// Set once a read failed: the body can never be read to its end, so it must not seem to end.
    failed: bool,
}

/// The body went past the server's limit.
#[derive(Debug, thiserror::Error)]
#[error("the body is larger than the server's limit of {limit} bytes (--max-body-mb)")]
pub struct TooLarge {
    pub limit: usize,
}

impl TooLarge {
    /// Whether `error` is, underneath, a body over the limit.
    pub fn caused(error: &io::Error) -> bool {
        error.get_ref().is_some_and(|inner| inner.is::<TooLarge>())
    }
}

impl BodyReader {
    /// Starts receiving `body`; must be called on the runtime, and read on a blocking thread.
    pub fn new(body: Body, limit: usize) -> Self {
        let (tx, rx) = mpsc::channel(CHUNKS_AHEAD);
        tokio::spawn(async move {
            let mut chunks = body.into_data_stream();
            let mut received = 0usize;
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(io::Error::other).and_then(|chunk| {
                    received += chunk.len();
                    if received > limit {
                        Err(io::Error::other(TooLarge { limit }))
                    } else {
                        Ok(chunk)
                    }
                });
                let failed = chunk.is_err();
                // Stops when the reader has gone, or after telling it of a failure.
                if tx.send(chunk).await.is_err() || failed {
                    break;
                }
            }
        });
        BodyReader {
            chunks: rx,
            current: Bytes::new(),
            failed: false,
        }
    }
}

impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            if self.failed {
                return Err(io::Error::other(
                    "the body could not be read past an earlier failure",
                ));
            }
            match self.chunks.blocking_recv() {
                None => return Ok(0),
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(e)) => {
                    self.failed = true;
                    return Err(e);
                }
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current.advance(n);
        Ok(n)
    }
}
