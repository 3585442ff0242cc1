//! Response bodies kept encoded: a whole-layer GeoJSON answer, say, is kept three ways (identity,
//! gzip, brotli) with its strong ETag, so a repeated request costs a lookup.

use std::io::Write;

use bytes::Bytes;

use territoires_core::dataset::sha256_hex;
pub use territoires_core::index::generalised::{Generalised, MAX_ZOOM};

/// A response body with its strong ETag, and, for bodies kept to be served again, its gzip and
/// brotli encodings.
pub struct Encoded {
    pub identity: Bytes,
    /// `(gzip, brotli)`; `None` for one-off bodies, which the compression layer encodes on the way out.
    pub compressed: Option<(Bytes, Bytes)>,
    pub etag: String,
}

impl Encoded {
    /// A one-off body: only its ETag is computed.
    pub fn plain(body: Vec<u8>) -> Self {
        Encoded {
            etag: format!("\"{}\"", &sha256_hex(&body)[..32]),
            identity: Bytes::from(body),
            compressed: None,
        }
    }

    /// A body kept and served again: encoded once, both ways.
    pub fn new(body: Vec<u8>) -> Self {
        let etag = format!("\"{}\"", &sha256_hex(&body)[..32]);
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        let _ = gzip.write_all(&body);
        let gzip = gzip.finish().unwrap_or_default();
        let mut brotli = Vec::new();
        {
            let mut writer = brotli::CompressorWriter::new(&mut brotli, 64 * 1024, 6, 22);
            let _ = writer.write_all(&body);
        }
        Encoded {
            identity: Bytes::from(body),
            compressed: Some((Bytes::from(gzip), Bytes::from(brotli))),
            etag,
        }
    }
}
