//! The input's bytes as UTF-8, whatever spreadsheet wrote them.
//!
//! French exports come as UTF-8 with or without a byte-order mark, as Windows-1252 (Excel's « CSV
//! (séparateur : point-virgule) », which covers Latin-1), or as UTF-16 with a mark (Excel's « Texte
//! Unicode »). A mark decides at once. Without one the bytes pass through as UTF-8 until the
//! first byte that is not ASCII: valid UTF-8 there means UTF-8 to the end; invalid means
//! Windows-1252 from there on, which reads everything before it the same way since it was ASCII.
//! So the guess looks at the first non-ASCII text wherever it is, and nothing is held back but a
//! split character.

use std::io::{self, Read};

use encoding_rs::{CoderResult, Decoder, UTF_16BE, UTF_16LE, WINDOWS_1252};

const CHUNK: usize = 64 * 1024;

/// The encoding found.
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// ASCII so far, or UTF-8.
    Utf8,
    Windows1252,
    Utf16Le,
    Utf16Be,
}

enum Mode {
    /// No mark, nothing but ASCII yet.
    Guessing,
    /// UTF-8 for sure: bytes pass through untouched.
    Utf8,
    Decoding(Decoder),
}

pub struct TextReader<R> {
    inner: R,
    mode: Mode,
    /// Whether the input began with a byte-order mark.
    bom: bool,
    /// Bytes read but not yet looked at (a character split between two reads, or the mark probe).
    raw: Vec<u8>,
    /// UTF-8 ready to hand out, from `out_start`.
    out: Vec<u8>,
    out_start: usize,
    eof: bool,
    /// Whether the decoder was told the input ended: it then holds nothing back and must not be
    /// called again (encoding_rs panics), however often the caller reads past the end.
    flushed: bool,
}

impl<R: Read> TextReader<R> {
    /// Reads the first bytes to look for a byte-order mark.
    pub fn new(mut inner: R) -> io::Result<Self> {
        let mut raw = Vec::with_capacity(CHUNK);
        let mut eof = false;
        while raw.len() < 3 && !eof {
            eof = read_more(&mut inner, &mut raw, 3)? == 0;
        }
        let (mode, mark) = match raw.as_slice() {
            [0xEF, 0xBB, 0xBF, ..] => (Mode::Utf8, 3),
            [0xFF, 0xFE, ..] => (Mode::Decoding(UTF_16LE.new_decoder_without_bom_handling()), 2),
            [0xFE, 0xFF, ..] => (Mode::Decoding(UTF_16BE.new_decoder_without_bom_handling()), 2),
            _ => (Mode::Guessing, 0),
        };
        raw.drain(..mark);
        Ok(TextReader {
            inner,
            mode,
            bom: mark > 0,
            raw,
            out: Vec::with_capacity(CHUNK),
            out_start: 0,
            eof,
            flushed: false,
        })
    }

    pub fn had_bom(&self) -> bool {
        self.bom
    }

    #[cfg(test)]
    fn encoding(&self) -> Encoding {
        match &self.mode {
            Mode::Guessing | Mode::Utf8 => Encoding::Utf8,
            Mode::Decoding(d) => match d.encoding() {
                e if e == UTF_16LE => Encoding::Utf16Le,
                e if e == UTF_16BE => Encoding::Utf16Be,
                _ => Encoding::Windows1252,
            },
        }
    }

    /// Fills `out` from the input; false at the end.
    fn fill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.out_start = 0;
        while self.out.is_empty() {
            if !self.eof && read_more(&mut self.inner, &mut self.raw, CHUNK)? == 0 {
                self.eof = true;
            }
            if self.raw.is_empty() && self.eof {
                if let Mode::Decoding(decoder) = &mut self.mode
                    && !self.flushed
                {
                    decode(decoder, &[], &mut self.out, true);
                    self.flushed = true;
                }
                return Ok(!self.out.is_empty());
            }
            self.convert();
        }
        Ok(true)
    }

    /// Moves what `raw` holds into `out`, as UTF-8, keeping back a split character.
    fn convert(&mut self) {
        if let Mode::Guessing = self.mode {
            let Some(first) = self.raw.iter().position(|b| !b.is_ascii()) else {
                std::mem::swap(&mut self.out, &mut self.raw);
                return;
            };
            match std::str::from_utf8(&self.raw[first..]) {
                Ok(_) => self.mode = Mode::Utf8,
                Err(e) if e.valid_up_to() > 0 => self.mode = Mode::Utf8,
                // One character cut by the read: wait for its end.
                Err(e) if e.error_len().is_none() && !self.eof => {
                    self.out.extend_from_slice(&self.raw[..first]);
                    self.raw.drain(..first);
                    return;
                }
                Err(_) => {
                    self.mode = Mode::Decoding(WINDOWS_1252.new_decoder_without_bom_handling());
                    self.out.extend_from_slice(&self.raw[..first]);
                    self.raw.drain(..first);
                }
            }
        }
        match &mut self.mode {
            Mode::Guessing | Mode::Utf8 => std::mem::swap(&mut self.out, &mut self.raw),
            Mode::Decoding(decoder) => {
                decode(decoder, &self.raw, &mut self.out, self.eof);
                self.flushed = self.eof;
                self.raw.clear();
            }
        }
    }
}

/// Decodes all of `src` onto the end of `out`. The decoder keeps a split character itself.
fn decode(decoder: &mut Decoder, src: &[u8], out: &mut Vec<u8>, last: bool) {
    let mut read = 0;
    loop {
        let needed = decoder
            .max_utf8_buffer_length(src.len() - read)
            .unwrap_or(CHUNK * 3)
            .max(16);
        let start = out.len();
        out.resize(start + needed, 0);
        let (result, r, w, _) = decoder.decode_to_utf8(&src[read..], &mut out[start..], last);
        out.truncate(start + w);
        read += r;
        if let CoderResult::InputEmpty = result {
            return;
        }
    }
}

/// Appends up to `want` bytes from `inner` to `buf`; how many came.
fn read_more(inner: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> io::Result<usize> {
    let start = buf.len();
    buf.resize(start + want, 0);
    let n = loop {
        match inner.read(&mut buf[start..]) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => break other,
        }
    };
    buf.truncate(start + *n.as_ref().unwrap_or(&0));
    n
}

impl<R: Read> Read for TextReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_start == self.out.len() {
            // Sure UTF-8 with nothing waiting: straight through, no copy.
            if let Mode::Utf8 = self.mode
                && self.raw.is_empty()
            {
                return self.inner.read(buf);
            }
            if !self.fill()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.out_start);
        buf[..n].copy_from_slice(&self.out[self.out_start..self.out_start + n]);
        self.out_start += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `bytes` through a reader that gives `step` bytes at a time.
    fn decoded(bytes: &[u8], step: usize) -> (String, Encoding, bool) {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.1.min(buf.len()).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut reader = TextReader::new(Trickle(bytes, step)).unwrap();
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        (text, reader.encoding(), reader.had_bom())
    }

    #[test]
    fn every_encoding_comes_out_as_the_same_text() {
        let text = "Nom;Département;Latitude\nSaint-Étienne;Loire;45,43\n";
        let latin1: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        for step in [1, 2, 3, 7, 100_000] {
            assert_eq!(
                decoded(text.as_bytes(), step),
                (text.into(), Encoding::Utf8, false)
            );
            assert_eq!(
                decoded(&latin1, step),
                (text.into(), Encoding::Windows1252, false)
            );
            assert_eq!(decoded(&bom, step), (text.into(), Encoding::Utf8, true));
            assert_eq!(decoded(&utf16, step), (text.into(), Encoding::Utf16Le, true));
        }
        // Windows-1252's own letters (œ, €) and a first non-ASCII byte far into the file.
        let mut late = "a;b\n".repeat(50_000).into_bytes();
        late.extend_from_slice(b"c\x9cur;5\x80\n");
        let (out, encoding, _) = decoded(&late, 4096);
        assert_eq!(encoding, Encoding::Windows1252);
        assert!(out.ends_with("cœur;5€\n"));
        assert_eq!(decoded(b"", 1), (String::new(), Encoding::Utf8, false));
    }

    /// Found by `cargo fuzz` (batch_csv): a UTF-8 character cut by the end of the input switched to
    /// Windows-1252 at the last read, and the next read called the finished decoder again (an
    /// encoding_rs panic). A UTF-16 input with an odd last byte did the same; and any decoded input
    /// read past its end, as a JSON parser checking for trailing characters does.
    #[test]
    fn reading_past_the_end_is_the_end() {
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend("lat;lon\n".encode_utf16().flat_map(u16::to_le_bytes));
        let mut odd = utf16.clone();
        odd.push(b'x');
        for (bytes, text) in [
            (
                &b"lat,lon,nom\n45.05,2.05,\xc3"[..],
                "lat,lon,nom\n45.05,2.05,\u{c3}",
            ),
            (&b"nom\n\xe9t\xe9"[..], "nom\n\u{e9}t\u{e9}"),
            (&utf16[..], "lat;lon\n"),
            (&odd[..], "lat;lon\n\u{fffd}"),
        ] {
            for step in [1, 2, 3, 100_000] {
                assert_eq!(decoded(bytes, step).0, text, "{bytes:?} by {step}");
            }
            let mut reader = TextReader::new(bytes).unwrap();
            reader.read_to_end(&mut Vec::new()).unwrap();
            for _ in 0..3 {
                assert_eq!(reader.read(&mut [0; 16]).unwrap(), 0, "{bytes:?}");
            }
        }
    }
}
