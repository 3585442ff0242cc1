//! How bodies leave the server: encoded once and kept, chosen by `Accept-Encoding`, revalidated by
//! ETag, sliced by `Range`. Every handler that answers a kept body goes through here, so caching
//! follows one reading of RFC 9110 (clauses 8.8.3, 12.5.3, 13.1.2 and 14).

use std::io::Write;
use territoires_query::ErrorCode;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use territoires_core::dataset::sha256_hex;

use crate::error::ApiError;

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

    /// The memory it holds: every encoding and the ETag.
    pub fn bytes(&self) -> usize {
        let compressed = self
            .compressed
            .as_ref()
            .map_or(0, |(gzip, brotli)| gzip.len() + brotli.len());
        std::mem::size_of::<Self>() + self.identity.len() + compressed + self.etag.len()
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

/// A body with its content type and nothing else: what the compression layer may still encode.
pub fn bytes_response(content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    // Room for the headers every answer gets on its way out (the security headers, CORS, the
    // compression layer's), so that the map is not grown and rehashed for each answer.
    let headers = response.headers_mut();
    headers.reserve(ANSWER_HEADERS);
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// How many headers an answer ends with: its content type, five security headers, CORS's, and
/// the compression layer's two.
const ANSWER_HEADERS: usize = 10;

/// How much the client wants each coding (RFC 9110, 12.5.3): `q=0` refuses it, and `*` stands for
/// every coding not named.
struct AcceptEncoding<'a>(&'a str);

impl AcceptEncoding<'_> {
    fn quality(&self, coding: &str) -> f32 {
        let mut any = None;
        for item in self.0.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .or_else(|| p.trim().strip_prefix("Q="))
                })
                .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0));
            if name.eq_ignore_ascii_case(coding) {
                return q;
            }
            if name == "*" {
                any = Some(q);
            }
        }
        any.unwrap_or(0.0)
    }
}

/// Whether `If-None-Match` names this ETag. The comparison is weak (RFC 9110, 13.1.2), as the RFC
/// asks for this header: `W/"x"` matches `"x"`.
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let ours = strip(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || strip(t) == ours)
}

/// Answers a kept body: 304 to a matching `If-None-Match`, else the best encoding the client
/// accepts (brotli, then gzip, on equal preference), else the identity.
pub fn encoded_response(headers: &HeaderMap, encoded: &Encoded, content_type: &'static str) -> Response {
    let accept = AcceptEncoding(
        headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let mut response = if not_modified(headers, &encoded.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match &encoded.compressed {
            Some((gzip, brotli)) => {
                let (br, gz) = (accept.quality("br"), accept.quality("gzip"));
                if br > 0.0 && br >= gz {
                    with_encoding(Body::from(brotli.clone()), "br")
                } else if gz > 0.0 {
                    with_encoding(Body::from(gzip.clone()), "gzip")
                } else {
                    Response::new(Body::from(encoded.identity.clone()))
                }
            }
            None => Response::new(Body::from(encoded.identity.clone())),
        }
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(etag) = HeaderValue::from_str(&encoded.etag) {
        h.insert(header::ETAG, etag);
    }
    response
}

fn with_encoding(body: Body, encoding: &'static str) -> Response {
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    response
}

/// A kept file: a 206 for one byte range, else [`encoded_response`] with `Accept-Ranges` when the
/// whole answer is not compressed (a range applies to the identity bytes).
pub fn file_response(headers: &HeaderMap, encoded: &Encoded, content_type: &'static str) -> Response {
    if let Some(range) = byte_range(headers, encoded) {
        return range_response(encoded, range, content_type);
    }
    let mut response = encoded_response(headers, encoded, content_type);
    if response.headers().get(header::CONTENT_ENCODING).is_none() {
        response
            .headers_mut()
            .insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    }
    response
}

/// The one byte range a request asks of a kept file, if it asks one (RFC 9110, clause 14): GDAL's
/// `/vsicurl/` and FlatGeobuf's HTTP readers fetch the header, the index, then only the features of
/// their bbox. Several ranges, a stale `If-Range` or a revalidation (`If-None-Match`) get the whole
/// answer instead, as the RFC allows. `Err(length)` when the range starts past the end.
fn byte_range(headers: &HeaderMap, encoded: &Encoded) -> Option<Result<(usize, usize), usize>> {
    let range = headers.get(header::RANGE)?.to_str().ok()?;
    if headers.contains_key(header::IF_NONE_MATCH)
        || headers
            .get(header::IF_RANGE)
            .is_some_and(|v| v.to_str().ok() != Some(encoded.etag.as_str()))
    {
        return None;
    }
    let spec = range.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.trim().split_once('-')?;
    let len = encoded.identity.len();
    let end = len.checked_sub(1);
    let (first, last) = match (first.trim(), last.trim()) {
        // `bytes=-N`: the last N bytes.
        ("", suffix) => {
            let n: usize = suffix.parse().ok()?;
            match end {
                Some(end) if n > 0 => (len - n.min(len), end),
                _ => return Some(Err(len)),
            }
        }
        (first, "") => (first.parse().ok()?, end.unwrap_or(0)),
        (first, last) => (
            first.parse().ok()?,
            last.parse::<usize>().ok()?.min(end.unwrap_or(0)),
        ),
    };
    if first >= len {
        return Some(Err(len));
    }
    (first <= last).then_some(Ok((first, last)))
}

/// A 206 with the bytes `first..=last` of the file, or a JSON 416 for a range past its end.
fn range_response(
    encoded: &Encoded,
    range: Result<(usize, usize), usize>,
    content_type: &'static str,
) -> Response {
    let len = encoded.identity.len();
    let (first, last) = match range {
        Ok(range) => range,
        Err(len) => {
            let mut response = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                ErrorCode::RangeNotSatisfiable,
                format!("the range starts past the end of the file, which has {len} bytes"),
            )
            .into_response();
            if let Ok(range) = HeaderValue::from_str(&format!("bytes */{len}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, range);
            }
            return response;
        }
    };
    let mut response = Response::new(Body::from(encoded.identity.slice(first..=last)));
    *response.status_mut() = StatusCode::PARTIAL_CONTENT;
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    if let Ok(range) = HeaderValue::from_str(&format!("bytes {first}-{last}/{len}")) {
        h.insert(header::CONTENT_RANGE, range);
    }
    if let Ok(etag) = HeaderValue::from_str(&encoded.etag) {
        h.insert(header::ETAG, etag);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(name, HeaderValue::from_str(value).expect("header value"));
        }
        h
    }

    fn encoding_for(accept: &str) -> Option<String> {
        let kept = Encoded::new(b"{\"type\":\"FeatureCollection\"}".repeat(10));
        let response = encoded_response(
            &headers(&[(header::ACCEPT_ENCODING, accept)]),
            &kept,
            "application/json",
        );
        response
            .headers()
            .get(header::CONTENT_ENCODING)
            .map(|v| v.to_str().expect("ascii").to_string())
    }

    #[test]
    fn a_zero_quality_refuses_a_coding() {
        assert_eq!(encoding_for("gzip;q=0").as_deref(), None);
        assert_eq!(encoding_for("br;q=0, gzip").as_deref(), Some("gzip"));
        assert_eq!(encoding_for("*;q=0").as_deref(), None);
        assert_eq!(encoding_for("gzip, br").as_deref(), Some("br"));
        assert_eq!(encoding_for("gzip;q=1, br;q=0.5").as_deref(), Some("gzip"));
        assert_eq!(encoding_for("*").as_deref(), Some("br"));
        assert_eq!(encoding_for("").as_deref(), None);
    }

    #[test]
    fn a_weak_if_none_match_gets_its_304() {
        let kept = Encoded::plain(b"body".to_vec());
        let weak = format!("W/{}", kept.etag);
        for tag in [kept.etag.as_str(), weak.as_str(), "\"other\", *"] {
            let response = encoded_response(&headers(&[(header::IF_NONE_MATCH, tag)]), &kept, "text/plain");
            assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{tag}");
        }
        let response = encoded_response(
            &headers(&[(header::IF_NONE_MATCH, "W/\"other\"")]),
            &kept,
            "text/plain",
        );
        assert_eq!(response.status(), StatusCode::OK);
    }

    #[test]
    fn one_range_is_served_and_one_past_the_end_is_refused() {
        let kept = Encoded::plain(b"0123456789".to_vec());
        let response = file_response(
            &headers(&[(header::RANGE, "bytes=2-4")]),
            &kept,
            "application/octet-stream",
        );
        assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
        let response = file_response(
            &headers(&[(header::RANGE, "bytes=20-")]),
            &kept,
            "application/octet-stream",
        );
        assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    }
}
