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
/// Also the decoding of `sheet`, the spreadsheets read whole.
pub(crate) mod text;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::mpsc;

use geo::Coord;
use serde_json::{Map, Value as Json};

pub use output::{OutputFormat, RowWriter, push_csv_field, push_csv_record};

use territoires_core::index::Indexed;
use territoires_geo::crs::Crs;
use territoires_query::locate::{LocateOptions, Location, locate_each};

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
    /// The point as read, in `crs`: converted to WGS84 with the others of its chunk, in parallel
    /// (a projection costs about as much as a lookup).
    pub point: Result<Coord<f64>, String>,
    pub crs: Crs,
    pub at: RowAt,
}

/// Where a row stands in its input, to name it in the message of a point that does not convert.
#[derive(Clone, Copy)]
pub enum RowAt {
    /// A CSV row, counted from 1 after the header.
    Line(usize),
    /// A GeoJSON feature, counted from 0 as in its array.
    Feature(usize),
    Nowhere,
}

impl RowAt {
    fn says(self, message: String) -> String {
        match self {
            RowAt::Line(n) => format!("row {n}: {message}"),
            RowAt::Feature(i) => format!("feature {i}: {message}"),
            RowAt::Nowhere => message,
        }
    }
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
            .unwrap_or_else(|| territoires_core::dataset::LayerIx::all(ix.dataset.layers.len()).collect());
        let mut writer = RowWriter::new(format, ix, layers, self.columns(), out)
            .with_delimiter(self.delimiter())
            .with_bom(self.bom)
            .for_features(self.format() == InputFormat::GeoJson);
        let mut summary = Summary::default();
        // Rows wait in a chunk, are located together on every core, then handed to a thread that
        // writes them in order while the next chunk is read: writing costs as much as reading.
        // The chunks go round (at most CHUNKS of them), so memory stays bounded and slots are reused.
        let (walked, written) = std::thread::scope(|scope| {
            let (full, to_write) = mpsc::sync_channel::<Chunk>(1);
            let (emptied, to_fill) = mpsc::channel::<Chunk>();
            let writing = scope.spawn(move || -> io::Result<RowWriter<'_, W>> {
                for mut chunk in to_write {
                    chunk.write(&mut writer)?;
                    // The reader may have finished: a chunk it no longer wants is dropped.
                    let _ = emptied.send(chunk);
                }
                Ok(writer)
            });
            let mut made = 1;
            let mut chunk = Chunk::default();
            let mut hand_over = |chunk: &mut Chunk| -> io::Result<()> {
                chunk.locate(ix, options);
                summary.rows += chunk.len;
                for slot in &chunk.slots[..chunk.len] {
                    if let Err(message) = &slot.point {
                        summary.rows_with_error += 1;
                        if summary.first_errors.len() < FIRST_ERRORS {
                            summary.first_errors.push(message.clone());
                        }
                    }
                }
                let next = match to_fill.try_recv() {
                    Ok(empty) => empty,
                    Err(_) if made < CHUNKS => {
                        made += 1;
                        Chunk::default()
                    }
                    Err(_) => to_fill.recv().map_err(|_| output_failed())?,
                };
                let located = std::mem::replace(chunk, next);
                // The writer stopped: its own error says why, once joined.
                full.send(located).map_err(|_| output_failed())
            };
            let walked = {
                let mut visit = |row: &Row| -> io::Result<()> {
                    chunk.push(row);
                    if chunk.len == ROWS_PER_CHUNK {
                        hand_over(&mut chunk)?;
                    }
                    Ok(())
                };
                match self.source {
                    Source::Csv(csv) => csv.for_each_row(&mut visit),
                    Source::GeoJson(input, crs) => geojson_input::for_each_row(input, crs, &mut visit),
                }
            };
            // The rows read before the input ended, or broke off.
            let walked = match walked {
                Err(WalkError::Visit(e)) => Err(WalkError::Visit(e)),
                walked => hand_over(&mut chunk).map_err(WalkError::Visit).and(walked),
            };
            drop(full);
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
                    crs: Crs::WGS84,
                    at: RowAt::Nowhere,
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

/// Rows located at once: enough to share among the cores, few enough to stay in cache.
const ROWS_PER_CHUNK: usize = 4096;
/// Chunks in use at once: one being filled, one waiting, one being written.
const CHUNKS: usize = 3;

fn output_failed() -> io::Error {
    io::Error::other("the output failed")
}

/// Rows read but not yet written, owned. The slots (records, locations) are kept from one chunk
/// to the next, so that a million rows do not make a million allocations.
#[derive(Default)]
struct Chunk {
    slots: Vec<Slot>,
    len: usize,
    /// The valid rows' points in WGS84, in row order, located together by [`locate_each`].
    points: Vec<Coord<f64>>,
    /// One per valid row, in the same order (kept from chunk to chunk, their buffers reused).
    locations: Vec<Location>,
}

struct Slot {
    passthrough: Owned,
    /// As read until [`Chunk::locate`], then in WGS84.
    point: Result<Coord<f64>, String>,
    crs: Crs,
    at: RowAt,
}

enum Owned {
    Csv(csv::StringRecord),
    Feature {
        id: Option<Json>,
        properties: Map<String, Json>,
    },
    Nothing,
}

impl Chunk {
    fn push(&mut self, row: &Row) {
        if self.len == self.slots.len() {
            self.slots.push(Slot {
                passthrough: Owned::Nothing,
                point: Err(String::new()),
                crs: Crs::WGS84,
                at: RowAt::Nowhere,
            });
        }
        let slot = &mut self.slots[self.len];
        self.len += 1;
        slot.point.clone_from(&row.point);
        slot.crs = row.crs;
        slot.at = row.at;
        match (&row.passthrough, &mut slot.passthrough) {
            (Passthrough::Csv(record), Owned::Csv(kept)) => {
                kept.clear();
                kept.extend(record.iter());
            }
            (Passthrough::Csv(record), kept) => *kept = Owned::Csv((*record).clone()),
            (Passthrough::Feature { id, properties }, kept) => {
                *kept = Owned::Feature {
                    id: id.cloned(),
                    properties: (*properties).clone(),
                }
            }
            (Passthrough::Nothing, kept) => *kept = Owned::Nothing,
        }
    }

    /// Converts the points to WGS84 and locates them, in parallel.
    fn locate(&mut self, ix: &Indexed, options: &LocateOptions) {
        use rayon::prelude::*;
        /// Points a core locates at a time: a few batches of [`locate_each`]'s.
        const POINTS_PER_TASK: usize = 256;
        let rows = &mut self.slots[..self.len];
        rows.par_iter_mut().for_each(|slot| {
            if let Ok(p) = slot.point {
                slot.point = slot.crs.to_wgs84(p.x, p.y).map_err(|m| slot.at.says(m));
                slot.crs = Crs::WGS84;
            }
        });
        self.points.clear();
        self.points
            .extend(rows.iter().filter_map(|slot| slot.point.as_ref().ok().copied()));
        if self.locations.len() < self.points.len() {
            self.locations.resize_with(self.points.len(), Location::default);
        }
        self.points
            .par_chunks(POINTS_PER_TASK)
            .zip(self.locations[..self.points.len()].par_chunks_mut(POINTS_PER_TASK))
            .for_each(|(points, out)| locate_each(ix, points, options, out));
    }

    /// Writes every row in order, and empties.
    fn write<W: Write>(&mut self, writer: &mut RowWriter<'_, W>) -> io::Result<()> {
        let rows = &self.slots[..self.len];
        let mut locations = self.locations.iter();
        for slot in rows.iter() {
            let row = Row {
                passthrough: match &slot.passthrough {
                    Owned::Csv(record) => Passthrough::Csv(record),
                    Owned::Feature { id, properties } => Passthrough::Feature {
                        id: id.as_ref(),
                        properties,
                    },
                    Owned::Nothing => Passthrough::Nothing,
                },
                point: slot.point.clone(),
                crs: Crs::WGS84,
                at: slot.at,
            };
            // One location per valid point, in the same order.
            let located = match &slot.point {
                Ok(_) => locations.next().ok_or("the row's point was not located"),
                Err(message) => Err(message.as_str()),
            };
            writer.row(&row, located)?;
        }
        self.len = 0;
        Ok(())
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
