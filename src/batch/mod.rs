//! Batch locate: rows of points in, the same rows out with territory columns added.
//!
//! One path for every caller (the HTTP batch `POST /api/locate`, and a CLI reading a file): it reads
//! from any [`Read`] and writes to any [`Write`], one row at a time, so memory stays flat whatever
//! the input's size. The steps, each in its own module:
//!
//! 1. [`BatchInput::open`]: the input's text encoding (`text`: UTF-8, Windows-1252 or UTF-16, all
//!    read as UTF-8), its format (declared, or sniffed from its first character), then for a CSV its
//!    delimiter, header and which columns hold the point (`csv_input`). A GeoJSON FeatureCollection
//!    has no header: its pass-through columns are fixed (`geojson_input`). Points in another
//!    coordinate system ([`InputOptions::crs`], or a GeoJSON `crs` member) become WGS84 here.
//! 2. [`BatchInput::locate`]: per row, its point or why it has none; the point is located and the row
//!    written out by [`RowWriter`] (`output`).
//!
//! Every input row comes out, in order; a bad row gets an `error` column and never stops the others.
//! Nothing is handed to the destination before the first 64 KB of rows, so an input refused whole
//! (no `lat` column, not a FeatureCollection, unreadable early on) has written nothing and the caller
//! may still answer with an error: every small body gets a clean answer or a clean refusal. Input
//! that breaks off later (cut short, over a size limit, invalid JSON halfway) ends the output with
//! one more row whose `error` says why, after the rows already sent.

mod csv_input;
mod fgb;
pub mod file;
mod geojson_input;
mod output;
mod text;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::mpsc;

use geo::Coord;
use serde_json::{Map, Value as Json};

pub use output::{OutputFormat, RowWriter, push_csv_field, push_csv_record};

use crate::crs::Crs;
use crate::index::Indexed;
use crate::query::locate::{LocateOptions, Location, locate_into};

/// Bytes read from the input at a time.
const READ_BUFFER: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// A header naming the point's columns: `lat`/`latitude`/`y` and `lon`/`lng`/`long`/`longitude`/`x`.
    Csv,
    /// A FeatureCollection of points.
    GeoJson,
}

/// How to read the point of each row.
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    /// The coordinate system of the points; WGS84 (or a GeoJSON's own `crs` member) when `None`.
    pub crs: Option<Crs>,
    /// The CSV column holding the latitude (or northing), instead of finding it by name.
    pub lat_col: Option<String>,
    /// The CSV column holding the longitude (or easting).
    pub lon_col: Option<String>,
}

/// Why an input cannot be read, or stopped being readable.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The input is not a batch: no `lat` column, not a FeatureCollection, invalid JSON.
    #[error("{0}")]
    Structure(String),
    /// Reading failed: the source broke off, or refused to give more (a size limit).
    #[error("{0}")]
    Read(#[from] io::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// Nothing was written: the input is refused whole.
    #[error("{0}")]
    Refused(InputError),
    /// The input broke off after `rows` rows were written; the output ends with a row saying why.
    #[error("the input broke off after row {rows}: {cause}")]
    BrokenOff { rows: usize, cause: InputError },
    /// The output could not be written (for the server: the client went away).
    #[error("cannot write the output: {0}")]
    Output(io::Error),
}

/// What a batch did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    pub rows: usize,
    /// Rows written with an `error` instead of territories.
    pub rows_with_error: usize,
    /// The first few of those errors, for a person reading a terminal.
    pub first_errors: Vec<String>,
}

/// Errors kept in [`Summary::first_errors`].
const FIRST_ERRORS: usize = 5;

/// One input row: what passes through to the output, and its point or why it has none.
pub struct Row<'a> {
    pub passthrough: Passthrough<'a>,
    pub point: Result<Coord<f64>, String>,
}

pub enum Passthrough<'a> {
    Csv(&'a csv::StringRecord),
    Feature {
        id: Option<&'a Json>,
        properties: &'a Map<String, Json>,
    },
    /// Not an input row: the row that tells why the input broke off.
    Nothing,
}

/// How a walk over the rows stopped early.
enum WalkError {
    Input(InputError),
    /// The row visitor failed: the output could not be written.
    Visit(io::Error),
}

/// An input opened and understood, ready to be located row by row.
pub struct BatchInput<R> {
    source: Source<R>,
    bom: bool,
}

/// The input as UTF-8 text.
type Text<R> = BufReader<text::TextReader<R>>;

enum Source<R> {
    Csv(csv_input::CsvInput<std::io::Chain<std::io::Cursor<Vec<u8>>, Text<R>>>),
    GeoJson(Text<R>, Option<Crs>),
}

impl<R: Read> BatchInput<R> {
    /// Reads the input's start: its encoding, its format when `declared` is `None` (GeoJSON when the
    /// first character that is not blank is `{`, else CSV), and a CSV's header.
    pub fn open(input: R, declared: Option<InputFormat>, options: &InputOptions) -> Result<Self, InputError> {
        let text = text::TextReader::new(input)?;
        let bom = text.had_bom();
        let mut input = BufReader::with_capacity(READ_BUFFER, text);
        let format = match declared {
            Some(format) => format,
            None => sniff(&mut input)?,
        };
        let source = match format {
            InputFormat::Csv => Source::Csv(csv_input::CsvInput::open(input, options)?),
            InputFormat::GeoJson => {
                if options.lat_col.is_some() || options.lon_col.is_some() {
                    return Err(InputError::Structure(
                        "lat_col and lon_col name CSV columns: a GeoJSON point has its own coordinates"
                            .into(),
                    ));
                }
                Source::GeoJson(input, options.crs)
            }
        };
        Ok(BatchInput { source, bom })
    }

    pub fn format(&self) -> InputFormat {
        match self.source {
            Source::Csv(_) => InputFormat::Csv,
            Source::GeoJson(..) => InputFormat::GeoJson,
        }
    }

    /// The CSV delimiter the input uses, which its CSV output keeps; `,` for GeoJSON.
    pub fn delimiter(&self) -> u8 {
        match &self.source {
            Source::Csv(csv) => csv.delimiter(),
            Source::GeoJson(..) => b',',
        }
    }

    /// The columns every output row carries before the territory columns.
    pub fn columns(&self) -> Vec<String> {
        match &self.source {
            Source::Csv(csv) => csv.columns(),
            Source::GeoJson(..) => geojson_input::COLUMNS.iter().map(|c| c.to_string()).collect(),
        }
    }

    /// Locates every row in `options.layers` (every layer when `None`) and writes it to `out` as
    /// `format`, then ends the output.
    pub fn locate<W: Write + Send>(
        self,
        ix: &Indexed,
        options: &LocateOptions,
        format: OutputFormat,
        out: W,
    ) -> Result<Summary, BatchError> {
        let layers = options
            .layers
            .clone()
            .unwrap_or_else(|| (0..ix.dataset.layers.len()).collect());
        let mut writer = RowWriter::new(format, ix, layers, self.columns(), out)
            .with_delimiter(self.delimiter())
            .with_bom(self.bom)
            .for_features(self.format() == InputFormat::GeoJson);
        let mut summary = Summary::default();
        // Two threads: this one reads and locates, the other formats and writes, a chunk of rows at
        // a time through a small channel (memory stays bounded; formatting costs as much as locating).
        let (walked, written) = std::thread::scope(|scope| {
            let (chunks, received) = mpsc::sync_channel::<Vec<Located>>(CHUNKS_IN_FLIGHT);
            let writing = scope.spawn(move || -> io::Result<RowWriter<'_, W>> {
                for chunk in received {
                    for item in &chunk {
                        writer.row(&item.row(), item.located())?;
                    }
                }
                Ok(writer)
            });
            let mut chunk = Vec::with_capacity(ROWS_PER_CHUNK);
            let mut visit = |row: &Row| -> io::Result<()> {
                let mut location = Location::default();
                match &row.point {
                    Ok(p) => locate_into(ix, *p, options, &mut location),
                    Err(message) => {
                        summary.rows_with_error += 1;
                        if summary.first_errors.len() < FIRST_ERRORS {
                            summary.first_errors.push(message.clone());
                        }
                    }
                }
                summary.rows += 1;
                chunk.push(Located::new(row, location));
                if chunk.len() == ROWS_PER_CHUNK {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(ROWS_PER_CHUNK));
                    // The writer stopped: its own error says why, once joined.
                    chunks
                        .send(full)
                        .map_err(|_| io::Error::other("the output failed"))?;
                }
                Ok(())
            };
            let walked = match self.source {
                Source::Csv(csv) => csv.for_each_row(&mut visit),
                Source::GeoJson(input, crs) => geojson_input::for_each_row(input, crs, &mut visit),
            };
            if !chunk.is_empty() {
                let _ = chunks.send(chunk);
            }
            drop(chunks);
            let written = writing
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the output thread failed")));
            (walked, written)
        });
        let mut writer = written.map_err(BatchError::Output)?;
        match walked {
            Ok(()) => {
                writer.finish().map_err(BatchError::Output)?;
                Ok(summary)
            }
            Err(WalkError::Visit(e)) => Err(BatchError::Output(e)),
            Err(WalkError::Input(cause)) if !writer.handed_over() => Err(BatchError::Refused(cause)),
            Err(WalkError::Input(cause)) => {
                let error = BatchError::BrokenOff {
                    rows: summary.rows,
                    cause,
                };
                let message = error.to_string();
                let why = Row {
                    passthrough: Passthrough::Nothing,
                    point: Err(message.clone()),
                };
                writer
                    .row(&why, Err(&message))
                    .and_then(|()| writer.finish())
                    .map_err(BatchError::Output)?;
                Err(error)
            }
        }
    }
}

/// Rows handed to the writing thread at once, and chunks that may wait for it.
const ROWS_PER_CHUNK: usize = 1024;
const CHUNKS_IN_FLIGHT: usize = 4;

/// A located row, owned, on its way to the writing thread.
struct Located {
    passthrough: Owned,
    point: Result<Coord<f64>, String>,
    location: Location,
}

enum Owned {
    Csv(csv::StringRecord),
    Feature {
        id: Option<Json>,
        properties: Map<String, Json>,
    },
    Nothing,
}

impl Located {
    fn new(row: &Row, location: Location) -> Self {
        let passthrough = match &row.passthrough {
            Passthrough::Csv(record) => Owned::Csv((*record).clone()),
            Passthrough::Feature { id, properties } => Owned::Feature {
                id: id.cloned(),
                properties: (*properties).clone(),
            },
            Passthrough::Nothing => Owned::Nothing,
        };
        Located {
            passthrough,
            point: row.point.clone(),
            location,
        }
    }

    fn row(&self) -> Row<'_> {
        Row {
            passthrough: match &self.passthrough {
                Owned::Csv(record) => Passthrough::Csv(record),
                Owned::Feature { id, properties } => Passthrough::Feature {
                    id: id.as_ref(),
                    properties,
                },
                Owned::Nothing => Passthrough::Nothing,
            },
            point: self.point.clone(),
        }
    }

    fn located(&self) -> Result<&Location, &str> {
        match &self.point {
            Ok(_) => Ok(&self.location),
            Err(message) => Err(message),
        }
    }
}

/// GeoJSON when the first byte that is not blank is `{`, else CSV. Reads nothing away.
fn sniff(input: &mut impl BufRead) -> io::Result<InputFormat> {
    loop {
        let buffer = input.fill_buf()?;
        if buffer.is_empty() {
            return Ok(InputFormat::Csv);
        }
        if let Some(&first) = buffer.iter().find(|b| !b.is_ascii_whitespace()) {
            return Ok(if first == b'{' {
                InputFormat::GeoJson
            } else {
                InputFormat::Csv
            });
        }
        // Only blanks so far: they belong to no format, so they may go.
        let blanks = buffer.len();
        input.consume(blanks);
    }
}
