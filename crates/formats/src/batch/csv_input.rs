//! CSV input as spreadsheets write it: the delimiter (`,` `;` or tab) sniffed from the first two
//! lines, the coordinate columns found by name (case and accents aside) or named by the caller,
//! decimal commas and grouped thousands read as numbers; then one record at a time.
//!
//! Records may have more or fewer fields than the header (`flexible`): a short record is a bad row,
//! not a bad file.

use std::io::{BufRead, Cursor, Read};

use geo::Coord;

use super::{InputError, InputOptions, Passthrough, Row, RowAt, WalkError};
use crate::sheet::{normalise, sniff_delimiter};
use territoires_geo::crs::Crs;

/// Names that say latitude / longitude in geographic degrees, and northing / easting.
const LAT_NAMES: [&str; 2] = ["lat", "latitude"];
const LON_NAMES: [&str; 4] = ["lon", "lng", "long", "longitude"];
const NORTHING_NAMES: [&str; 1] = ["y"];
const EASTING_NAMES: [&str; 1] = ["x"];

/// The longest first line read to sniff the delimiter.
const SNIFF_LINE: u64 = 1024 * 1024;

pub(super) struct CsvInput<R> {
    reader: csv::Reader<R>,
    header: csv::StringRecord,
    delimiter: u8,
    lat: usize,
    lon: usize,
    crs: Crs,
}

/// The CSV reader's source: the lines read to sniff the delimiter, then the rest.
type Sniffed<R> = std::io::Chain<Cursor<Vec<u8>>, R>;

impl<R: BufRead> CsvInput<Sniffed<R>> {
    /// Sniffs the delimiter, reads the header and finds the point's columns.
    pub(super) fn open(mut input: R, options: &InputOptions) -> Result<Self, InputError> {
        let mut start = Vec::new();
        let mut lines = [0usize; 2];
        for end in &mut lines {
            (&mut input).take(SNIFF_LINE).read_until(b'\n', &mut start)?;
            *end = start.len();
        }
        let delimiter = sniff_delimiter(&start[..lines[0]], &start[lines[0]..lines[1]]);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .delimiter(delimiter)
            .buffer_capacity(64 * 1024)
            .from_reader(Cursor::new(start).chain(input));
        let header = reader.headers().map_err(|e| match bad_row_or_failure(e) {
            Ok(message) => InputError::Structure(format!("unreadable CSV header: {message}")),
            Err(e) => InputError::Read(e),
        })?;
        let header = header.clone();
        let crs = options.crs.unwrap_or_default();
        let columns = Columns {
            header: &header,
            delimiter,
        };
        let (lat_names, lon_names) = if crs.is_wgs84() {
            (
                [&LAT_NAMES[..], &NORTHING_NAMES],
                [&LON_NAMES[..], &EASTING_NAMES],
            )
        } else {
            (
                [&NORTHING_NAMES[..], &LAT_NAMES],
                [&EASTING_NAMES[..], &LON_NAMES],
            )
        };
        let lat = columns.find(options.lat_col.as_deref(), "lat_col", "latitude", lat_names)?;
        let lon = columns.find(options.lon_col.as_deref(), "lon_col", "longitude", lon_names)?;
        if lat == lon {
            return Err(InputError::Structure(format!(
                "`{}` cannot be both the latitude and the longitude column",
                &header[lat]
            )));
        }
        Ok(CsvInput {
            reader,
            header,
            delimiter,
            lat,
            lon,
            crs,
        })
    }
}

impl<R: Read> CsvInput<R> {
    pub(super) fn columns(&self) -> Vec<String> {
        self.header.iter().map(String::from).collect()
    }

    pub(super) fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// Hands every record to `visit`, in order, with its point or why it has none.
    pub(super) fn for_each_row(
        mut self,
        visit: &mut dyn FnMut(&Row) -> std::io::Result<()>,
    ) -> Result<(), WalkError> {
        let mut record = csv::StringRecord::new();
        let empty = csv::StringRecord::new();
        let names = (&self.header[self.lat], &self.header[self.lon]);
        for number in 1.. {
            let row = match self.reader.read_record(&mut record) {
                Ok(false) => return Ok(()),
                Ok(true) => Row {
                    passthrough: Passthrough::Csv(&record),
                    point: point(&record, (self.lat, self.lon), names)
                        .map_err(|m| format!("row {number}: {m}")),
                    crs: self.crs,
                    at: RowAt::Line(number),
                },
                Err(e) => match bad_row_or_failure(e) {
                    Ok(message) => Row {
                        passthrough: Passthrough::Csv(&empty),
                        point: Err(format!("row {number}: unreadable CSV: {message}")),
                        crs: self.crs,
                        at: RowAt::Line(number),
                    },
                    Err(e) => return Err(WalkError::Input(InputError::Read(e))),
                },
            };
            visit(&row).map_err(WalkError::Visit)?;
        }
        Ok(())
    }
}

struct Columns<'a> {
    header: &'a csv::StringRecord,
    delimiter: u8,
}

impl Columns<'_> {
    /// The column named `given` (the caller's override, `parameter`), else the one whose name, or a
    /// word of it, is in the first group of `names` that any column has.
    fn find(
        &self,
        given: Option<&str>,
        parameter: &str,
        what: &str,
        names: [&[&str]; 2],
    ) -> Result<usize, InputError> {
        let normal: Vec<String> = self.header.iter().map(normalise).collect();
        if let Some(given) = given {
            let wanted = normalise(given);
            return match normal.iter().position(|h| *h == wanted) {
                Some(i) => Ok(i),
                None => Err(InputError::Structure(format!(
                    "{parameter} `{given}` is not a column of the CSV header; {}",
                    self.seen()
                ))),
            };
        }
        // Whole names first, then a word of a name (`Latitude (WGS84)`, `X_L93`).
        let matches = |name: &str, group: &[&str], whole: bool| {
            if whole {
                group.contains(&name)
            } else {
                name.split(|c: char| !c.is_alphanumeric())
                    .any(|word| group.contains(&word))
            }
        };
        for group in names {
            for whole in [true, false] {
                let found: Vec<usize> = (0..normal.len())
                    .filter(|&i| matches(&normal[i], group, whole))
                    .collect();
                match found.as_slice() {
                    [] => continue,
                    [one] => return Ok(*one),
                    several => {
                        let listed: Vec<String> = several
                            .iter()
                            .map(|&i| format!("`{}`", &self.header[i]))
                            .collect();
                        return Err(InputError::Structure(format!(
                            "several columns may hold the {what}: {}; say which with {parameter}",
                            listed.join(", ")
                        )));
                    }
                }
            }
        }
        let accepted: Vec<&str> = names.iter().flat_map(|g| g.iter().copied()).collect();
        Err(InputError::Structure(format!(
            "the CSV header has no {what} column: none is named {} (case and accents aside); {}; \
             name the point's columns with lat_col and lon_col (--lat-col and --lon-col on the \
             command line)",
            accepted.join(", "),
            self.seen()
        )))
    }

    fn seen(&self) -> String {
        let listed: Vec<String> = self.header.iter().map(|h| format!("`{h}`")).collect();
        let delimiter = match self.delimiter {
            b'\t' => "tab".to_string(),
            d => format!("`{}`", d as char),
        };
        format!("columns seen ({delimiter}-separated): {}", listed.join(", "))
    }
}

/// A number as spreadsheets write it: `45.77`, `45,77`, `652 345,12` (grouped thousands, with a
/// space or a no-break space), `-1.5e3`. Anything else is refused rather than guessed.
fn parse_number(text: &str) -> Option<f64> {
    let is_space = |c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}';
    let text = text.trim_matches(is_space);
    // Most files: a plain number, read in place.
    if !text.contains(|c: char| c == ',' || is_space(c)) {
        return text.parse::<f64>().ok().filter(|v| v.is_finite());
    }
    let mut number = String::with_capacity(text.len());
    let (integer, fraction) = match text.find([',', '.']) {
        Some(i) => text.split_at(i),
        None => (text, ""),
    };
    // Groups of three digits after the first, only in the integer part.
    if integer.contains(is_space) {
        let mut groups = integer.split(is_space);
        let first = groups.next()?.trim_start_matches(['-', '+']);
        let well_grouped = (1..=3).contains(&first.len())
            && first.bytes().all(|b| b.is_ascii_digit())
            && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
        if !well_grouped {
            return None;
        }
        number.extend(integer.chars().filter(|&c| !is_space(c)));
    } else {
        number.push_str(integer);
    }
    if let Some(rest) = fraction.strip_prefix(',') {
        // A decimal comma; a second separator makes it ambiguous (`1,234.5`, `1,234,567`).
        if rest.contains([',', '.']) {
            return None;
        }
        number.push('.');
        number.push_str(rest);
    } else {
        number.push_str(fraction);
    }
    number.parse::<f64>().ok().filter(|v| v.is_finite())
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

/// The row's point as written, `x` (easting, longitude) and `y`: converted later, in parallel.
fn point(
    record: &csv::StringRecord,
    (lat, lon): (usize, usize),
    (lat_name, lon_name): (&str, &str),
) -> Result<Coord<f64>, String> {
    let number = |column: usize, name: &str| -> Result<f64, String> {
        let text = record.get(column).unwrap_or("");
        if text.trim().is_empty() {
            return Err(format!("`{name}` is empty"));
        }
        parse_number(text).ok_or_else(|| format!("`{name}` is not a number: `{}`", text.trim()))
    };
    let (y, x) = (number(lat, lat_name)?, number(lon, lon_name)?);
    Ok(Coord { x, y })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_spreadsheets_write_them() {
        for (text, value) in [
            ("45.77", 45.77),
            (" 45,77 ", 45.77),
            ("-1,5", -1.5),
            ("652 345,12", 652_345.12),
            ("6\u{a0}862\u{a0}000", 6_862_000.0),
            ("6\u{202f}862\u{202f}000,5", 6_862_000.5),
            ("1e3", 1000.0),
            ("3", 3.0),
        ] {
            assert_eq!(parse_number(text), Some(value), "{text}");
        }
        for text in [
            "",
            "abc",
            "1,234.5",
            "1,234,567",
            "45 3",
            "12 34",
            "inf",
            "NaN",
            "4 5,2",
        ] {
            assert_eq!(parse_number(text), None, "{text}");
        }
    }
}
