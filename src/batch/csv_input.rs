//! CSV input: a header, the columns that hold the point, then one record at a time.
//!
//! Records may have more or fewer fields than the header (`flexible`): a short record is a bad row,
//! not a bad file.

use std::io::Read;

use geo::Coord;

use super::{InputError, Passthrough, Row, WalkError};
use crate::query::locate::validate_point;

/// Header names accepted for each coordinate, compared trimmed and in lower case.
const LAT_NAMES: [&str; 2] = ["lat", "latitude"];
const LON_NAMES: [&str; 3] = ["lon", "lng", "longitude"];

pub(super) struct CsvInput<R> {
    reader: csv::Reader<R>,
    header: csv::StringRecord,
    lat: usize,
    lon: usize,
}

impl<R: Read> CsvInput<R> {
    /// Reads the header and finds the point's columns.
    pub(super) fn open(input: R) -> Result<Self, InputError> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let header = reader.headers().map_err(|e| match bad_row_or_failure(e) {
            Ok(message) => InputError::Structure(format!("unreadable CSV header: {message}")),
            Err(e) => InputError::Read(e),
        })?;
        let header = header.clone();
        let find = |names: &[&str], name: &str| {
            header
                .iter()
                .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
                .ok_or_else(|| InputError::Structure(format!("the CSV header has no `{name}` column")))
        };
        let lat = find(&LAT_NAMES, "lat")?;
        let lon = find(&LON_NAMES, "lon")?;
        Ok(CsvInput {
            reader,
            header,
            lat,
            lon,
        })
    }

    pub(super) fn columns(&self) -> Vec<String> {
        self.header.iter().map(String::from).collect()
    }

    /// Hands every record to `visit`, in order, with its point or why it has none.
    pub(super) fn for_each_row(
        mut self,
        visit: &mut dyn FnMut(&Row) -> std::io::Result<()>,
    ) -> Result<(), WalkError> {
        let mut record = csv::StringRecord::new();
        let empty = csv::StringRecord::new();
        for number in 1.. {
            let row = match self.reader.read_record(&mut record) {
                Ok(false) => return Ok(()),
                Ok(true) => Row {
                    passthrough: Passthrough::Csv(&record),
                    point: point(&record, self.lat, self.lon).map_err(|m| format!("row {number}: {m}")),
                },
                Err(e) => match bad_row_or_failure(e) {
                    Ok(message) => Row {
                        passthrough: Passthrough::Csv(&empty),
                        point: Err(format!("row {number}: unreadable CSV: {message}")),
                    },
                    Err(e) => return Err(WalkError::Input(InputError::Read(e))),
                },
            };
            visit(&row).map_err(WalkError::Visit)?;
        }
        Ok(())
    }
}

/// A CSV error as the message of one bad record (invalid UTF-8), or as the input failing (I/O).
fn bad_row_or_failure(e: csv::Error) -> Result<String, std::io::Error> {
    if !e.is_io_error() {
        return Ok(e.to_string());
    }
    match e.into_kind() {
        csv::ErrorKind::Io(e) => Err(e),
        other => Ok(format!("{other:?}")),
    }
}

fn point(record: &csv::StringRecord, lat: usize, lon: usize) -> Result<Coord<f64>, String> {
    let number = |column: usize, name: &str| -> Result<f64, String> {
        let text = record.get(column).unwrap_or("").trim();
        text.parse::<f64>()
            .map_err(|_| format!("`{name}` is not a number: `{text}`"))
    };
    let (lat, lon) = (number(lat, "lat")?, number(lon, "lon")?);
    validate_point(lon, lat).map_err(|e| e.to_string())
}
