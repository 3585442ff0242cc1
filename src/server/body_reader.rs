//! A request body as a blocking [`Read`], for work done on a blocking thread.
//!
//! Each read waits for the connection's next chunk, and nothing asks for one before the work needs
//! it: the client is read no faster than the rows are located, and the body is never held whole.
//! Past the limit, reads fail with [`TooLarge`], whether or not the client declared a length.

use std::io::{self, Read};

use axum::body::{Body, BodyDataStream, Bytes};
use bytes::Buf;
use futures_util::StreamExt;
use tokio::runtime::Handle;

pub struct BodyReader {
    chunks: BodyDataStream,
    /// What is left of the last chunk received.
    current: Bytes,
    /// The server's runtime, which drives the connection the chunks come from.
    runtime: Handle,
    received: usize,
    limit: usize,
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
    /// Must be read on a blocking thread (`spawn_blocking`), never on the runtime itself.
    pub fn new(body: Body, limit: usize, runtime: Handle) -> Self {
        BodyReader {
            chunks: body.into_data_stream(),
            current: Bytes::new(),
            runtime,
            received: 0,
            limit,
        }
    }
}

impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            if self.received > self.limit {
                return Err(io::Error::other(TooLarge { limit: self.limit }));
            }
            match self.runtime.block_on(self.chunks.next()) {
                None => return Ok(0),
                Some(Err(e)) => return Err(io::Error::other(e)),
                Some(Ok(chunk)) => {
                    self.received += chunk.len();
                    self.current = chunk;
                }
            }
        }
        if self.received > self.limit {
            return Err(io::Error::other(TooLarge { limit: self.limit }));
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current.advance(n);
        Ok(n)
    }
}
