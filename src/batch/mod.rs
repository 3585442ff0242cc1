//! Batch locate: rows of points in, the same rows out with territory columns added.
//!
//! One path for every caller (the HTTP batch `POST /api/locate`, and a CLI reading a file): it reads
//! from any [`Read`] and writes to any [`Write`], one row at a time, so memory stays flat whatever
//! the input's size. The steps, each in its own module:
//!
//! 1. [`BatchInput::open`]: the input's format (declared, or sniffed from its first byte), then for a
//!    CSV its header and which columns hold the point (`csv_input`). A GeoJSON FeatureCollection has
//!    no header: its pass-through columns are fixed (`geojson_input`).
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
mod geojson_input;
mod output;

use std::io::{self, BufRead, BufReader, Read, Write};

use geo::Coord;
use serde_json::{Map, Value as Json};

pub use output::{OutputFormat, RowWriter, push_csv_field, push_csv_record};

use crate::index::Indexed;
use crate::query::locate::{LocateOptions, Location, locate_into};

/// Bytes read from the input at a time.
const READ_BUFFER: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// A header naming `lat` (or `latitude`) and `lon` (`lng`, `longitude`) columns.
    Csv,
    /// A FeatureCollection of points.
    GeoJson,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub rows: usize,
    /// Rows written with an `error` instead of territories.
    pub rows_with_error: usize,
}

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
}

enum Source<R> {
    Csv(csv_input::CsvInput<BufReader<R>>),
    GeoJson(BufReader<R>),
}

impl<R: Read> BatchInput<R> {
    /// Reads the input's start: its format when `declared` is `None` (GeoJSON when the first byte
    /// that is not blank is `{`, else CSV), and a CSV's header.
    pub fn open(input: R, declared: Option<InputFormat>) -> Result<Self, InputError> {
        let mut input = BufReader::with_capacity(READ_BUFFER, input);
        let format = match declared {
            Some(format) => format,
            None => sniff(&mut input)?,
        };
        let source = match format {
            InputFormat::Csv => Source::Csv(csv_input::CsvInput::open(input)?),
            InputFormat::GeoJson => Source::GeoJson(input),
        };
        Ok(BatchInput { source })
    }

    pub fn format(&self) -> InputFormat {
        match self.source {
            Source::Csv(_) => InputFormat::Csv,
            Source::GeoJson(_) => InputFormat::GeoJson,
        }
    }

    /// The columns every output row carries before the territory columns.
    pub fn columns(&self) -> Vec<String> {
        match &self.source {
            Source::Csv(csv) => csv.columns(),
            Source::GeoJson(_) => geojson_input::COLUMNS.iter().map(|c| c.to_string()).collect(),
        }
    }

    /// Locates every row in `options.layers` (every layer when `None`) and writes it to `out` as
    /// `format`, then ends the output.
    pub fn locate<W: Write>(
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
        let mut writer = RowWriter::new(format, ix, layers, self.columns(), out);
        let mut location = Location::default();
        let mut summary = Summary::default();
        let mut visit = |row: &Row| -> io::Result<()> {
            let located = match &row.point {
                Ok(p) => {
                    locate_into(ix, *p, options, &mut location);
                    Ok(&location)
                }
                Err(message) => {
                    summary.rows_with_error += 1;
                    Err(message.as_str())
                }
            };
            summary.rows += 1;
            writer.row(row, located)
        };
        let walked = match self.source {
            Source::Csv(csv) => csv.for_each_row(&mut visit),
            Source::GeoJson(input) => geojson_input::for_each_row(input, &mut visit),
        };
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
