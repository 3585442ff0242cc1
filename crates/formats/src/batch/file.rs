//! A file of points located on the command line (`territoires locate --input`): the same path as
//! the HTTP batch, from a file to a file (or standard output).
//!
//! The output format follows the output's extension; the output is written beside its final name
//! and renamed at the end, so a refused or broken input leaves no half-written file. A progress bar
//! (on standard error, terminals only) follows the bytes read.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{BatchError, BatchInput, InputFormat, InputOptions, OutputFormat, Summary};
use territoires_core::error::Error;
use territoires_core::fs::AtomicFile;
use territoires_core::index::Indexed;
use territoires_query::LocateOptions;

pub struct FileBatch {
    pub input: PathBuf,
    /// Standard output when `None`.
    pub output: Option<PathBuf>,
    pub options: InputOptions,
    /// Draw a progress bar on standard error.
    pub progress: bool,
}

/// What a file batch did, said in one line per fact.
#[derive(Debug)]
pub struct Report {
    pub input: PathBuf,
    pub output: Option<PathBuf>,
    pub summary: Summary,
    pub seconds: f64,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let input = self.input.display();
        let output = self
            .output
            .as_ref()
            .map_or("standard output".to_string(), |p| p.display().to_string());
        let s = &self.summary;
        write!(
            f,
            "{input} → {output}: {} rows in {:.2} s, {} without an answer",
            s.rows, self.seconds, s.rows_with_error
        )?;
        for error in &s.first_errors {
            write!(f, "\n{input}: {error}")?;
        }
        if s.rows_with_error > s.first_errors.len() {
            write!(f, "\n{input}: … the `error` column gives every row's reason")?;
        }
        Ok(())
    }
}

/// The output format an output file's extension asks for.
pub fn output_format(path: &Path) -> Result<OutputFormat, Error> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("csv" | "tsv" | "txt") => Ok(OutputFormat::Csv),
        Some("geojson" | "json") => Ok(OutputFormat::GeoJson),
        Some("fgb") => Ok(OutputFormat::FlatGeobuf),
        _ => Err(Error::file(
            path,
            "the output's extension must say its format: .csv, .geojson or .fgb (FlatGeobuf)",
        )),
    }
}

/// The input format an input file's extension declares; `None` to sniff it.
fn input_format(path: &Path) -> Option<InputFormat> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "csv" | "tsv" | "txt" => Some(InputFormat::Csv),
        "geojson" | "json" => Some(InputFormat::GeoJson),
        _ => None,
    }
}

impl FileBatch {
    pub fn run(&self, ix: &Indexed, options: &LocateOptions) -> Result<Report, Error> {
        let started = Instant::now();
        let requested = self.output.as_deref().map(output_format).transpose()?;
        let file = File::open(&self.input).map_err(|e| Error::io(&self.input, e))?;
        let length = file.metadata().map(|m| m.len()).unwrap_or(0);
        let bar = self.progress.then(|| {
            let bar = indicatif::ProgressBar::new(length);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {bytes}/{total_bytes} {elapsed} (ETA {eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        let reader: Box<dyn Read> = match &bar {
            Some(bar) => Box::new(bar.wrap_read(file)),
            None => Box::new(file),
        };
        let input = BatchInput::open(reader, input_format(&self.input), &self.options)
            .map_err(|e| Error::file(&self.input, e.to_string()))?;
        let format = requested.unwrap_or_else(|| input.format().into());

        let located = match &self.output {
            None => input.locate(ix, options, format, io::stdout()),
            Some(path) => {
                let mut file = AtomicFile::create(path)?;
                let located = input.locate(ix, options, format, &mut file);
                // Only a whole answer replaces the file; a failed one leaves no partial file behind.
                if located.is_ok() {
                    file.commit()?;
                }
                located
            }
        };
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let summary = located.map_err(|e| match e {
            BatchError::Refused(cause) => Error::file(&self.input, cause.to_string()),
            BatchError::BrokenOff { .. } => Error::file(&self.input, e.to_string()),
            BatchError::Output(cause) => Error::io(
                self.output.as_deref().unwrap_or(Path::new("standard output")),
                cause,
            ),
        })?;
        Ok(Report {
            input: self.input.clone(),
            output: self.output.clone(),
            summary,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}
