//! A spreadsheet saved as text, as people have it: `,` `;` or tab separated (sniffed, as the batch
//! input does), UTF-8 with or without a mark, Windows-1252 or UTF-16 (decoded as the batch input
//! does), with a header row whose columns are found by name, case and accents aside.
//!
//! Read whole: such lists are small, and a caller that must refuse a bad row before writing anything
//! needs them all first. Every row keeps its line, so that a message can name the file, the line and
//! the column (by its letter, as the spreadsheet shows it, and its name).

use std::io::Read;
use std::path::{Path, PathBuf};

use territoires_core::error::{Error, Result};

use crate::batch::text::TextReader;

/// Delimiters tried; a tie goes to the later one.
const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

/// A spreadsheet's rows under its header.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub path: PathBuf,
    pub delimiter: u8,
    pub header: Vec<String>,
    /// Every row with at least one cell that is not blank, in order.
    pub rows: Vec<SheetRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// 1-based line where the row starts in the file.
    pub line: u64,
    pub cells: Vec<String>,
}

impl SheetRow {
    /// Cell `column`, trimmed; empty when the row is short.
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).map_or("", |c| c.trim())
    }
}

impl Sheet {
    /// Reads and decodes `path`.
    pub fn read(path: &Path) -> Result<Sheet> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut text = String::new();
        TextReader::new(file)
            .and_then(|mut reader| reader.read_to_string(&mut text))
            .map_err(|e| Error::io(path, e))?;
        Sheet::parse(path, &text)
    }

    /// Parses decoded text; `path` names it in messages.
    pub fn parse(path: &Path, text: &str) -> Result<Sheet> {
        let mut lines = text.split_inclusive('\n');
        let header_line = lines.next().unwrap_or_default();
        let next_line = lines.next().unwrap_or_default();
        let delimiter = sniff_delimiter(header_line.as_bytes(), next_line.as_bytes());
        // The header read as a record like the others, so that the reader's position is each
        // record's start.
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let mut first = csv::StringRecord::new();
        reader
            .read_record(&mut first)
            .map_err(|e| Error::file(path, format!("unreadable header: {e}")))?;
        let header: Vec<String> = first
            .iter()
            .map(|h| {
                h.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                    .to_string()
            })
            .collect();
        if header.iter().all(String::is_empty) {
            return Err(Error::file(path, "empty: no header row"));
        }
        let mut rows = Vec::new();
        let mut record = csv::StringRecord::new();
        // Lines counted from the bytes, whatever ends them.
        let newlines: Vec<u64> = text
            .bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .map(|(i, _)| i as u64)
            .collect();
        let line_at = |byte: u64| 1 + newlines.partition_point(|&n| n < byte) as u64;
        // A record starts at the first byte after the previous one's end that ends no line: the
        // reader's position is that end, before or after its line ending as the ending goes.
        let start_after = |end: u64| {
            let skipped = text.as_bytes()[(end as usize).min(text.len())..]
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            end + skipped as u64
        };
        let mut end = reader.position().byte();
        loop {
            let line = line_at(start_after(end));
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => end = reader.position().byte(),
                Err(e) => {
                    return Err(Error::record(
                        path,
                        format!("line {line}"),
                        format!("unreadable row: {e}"),
                    ));
                }
            }
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            rows.push(SheetRow {
                line,
                cells: record.iter().map(String::from).collect(),
            });
        }
        Ok(Sheet {
            path: path.to_path_buf(),
            delimiter,
            header,
            rows,
        })
    }

    /// The column one of `names` designates: a column named so (case, accents and punctuation aside)
    /// first, else one with such a word in its name (« Nom du Pays » for `nom`). Columns in `taken`
    /// are passed over. `Ok(None)` when no column is named so; an error when several are, at the same
    /// step.
    pub fn find_column(&self, names: &[&str], taken: &[usize], what: &str) -> Result<Option<usize>> {
        let words: Vec<Vec<String>> = self.header.iter().map(|h| column_words(h)).collect();
        let wanted: Vec<String> = names.iter().map(|n| column_words(n).join(" ")).collect();
        let free = |i: &usize| !taken.contains(i);
        let whole = |i: &usize| wanted.contains(&words[*i].join(" "));
        let word = |i: &usize| words[*i].iter().any(|w| wanted.contains(w));
        for test in [&whole as &dyn Fn(&usize) -> bool, &word] {
            let found: Vec<usize> = (0..self.header.len()).filter(free).filter(test).collect();
            match found.as_slice() {
                [] => continue,
                [one] => return Ok(Some(*one)),
                several => {
                    let listed: Vec<String> = several.iter().map(|&i| self.column_name(i)).collect();
                    return Err(Error::file(
                        &self.path,
                        format!("several columns may hold the {what}: {}", listed.join(", ")),
                    ));
                }
            }
        }
        Ok(None)
    }

    /// « column C (`Membres`) ».
    pub fn column_name(&self, column: usize) -> String {
        format!(
            "column {} (`{}`)",
            column_letter(column),
            self.header.get(column).map_or("", String::as_str)
        )
    }

    /// « line 7, column C (`Membres`) »: where a message about one cell points.
    pub fn cell_name(&self, line: u64, column: usize) -> String {
        format!("line {line}, {}", self.column_name(column))
    }

    /// The header as a message lists it: « columns seen (`;`-separated): `Nom`, `Membres` ».
    pub fn columns_seen(&self) -> String {
        let listed: Vec<String> = self.header.iter().map(|h| format!("`{h}`")).collect();
        let delimiter = match self.delimiter {
            b'\t' => "tab".to_string(),
            d => format!("`{}`", d as char),
        };
        format!("columns seen ({delimiter}-separated): {}", listed.join(", "))
    }
}

/// A column's letter as a spreadsheet shows it: A…Z, AA…
pub fn column_letter(column: usize) -> String {
    let mut n = column + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rest = (n - 1) % 26;
        letters.push(b'A' + rest as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// A column name's words: lower case, without accents, split at anything not a letter or digit.
fn column_words(name: &str) -> Vec<String> {
    normalise(name)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

/// A column name compared: trimmed, lower case, without accents.
pub fn normalise(name: &str) -> String {
    name.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '"')
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' | 'ì' => 'i',
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            'ÿ' | 'ý' => 'y',
            'ñ' => 'n',
            c => c,
        })
        .collect()
}

/// The delimiter that splits the header, preferring one that splits the next line as many times.
pub fn sniff_delimiter(header: &[u8], next: &[u8]) -> u8 {
    let count = |line: &[u8], d: u8| {
        let mut quoted = false;
        line.iter()
            .filter(|&&b| {
                if b == b'"' {
                    quoted = !quoted;
                }
                b == d && !quoted
            })
            .count()
    };
    DELIMITERS
        .iter()
        .map(|&d| {
            let n = count(header, d);
            let agrees = next.is_empty() || count(next, d) == n;
            (d, n, agrees)
        })
        .filter(|&(_, n, _)| n > 0)
        .max_by_key(|&(_, n, agrees)| (agrees, n))
        .map_or(b',', |(d, _, _)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_sniffed_from_the_header_and_the_next_line() {
        assert_eq!(sniff_delimiter(b"Latitude;Longitude\n", b"45,7;3,1\n"), b';');
        assert_eq!(sniff_delimiter(b"lat\tlon\tnom\n", b"45.7\t3.1\tx\n"), b'\t');
        assert_eq!(sniff_delimiter(b"lat,lon\n", b"45.7,3.1\n"), b',');
        assert_eq!(sniff_delimiter(b"\"a;b\",lat,lon\n", b""), b',');
        // One `;` against two `,` in the header, but only `;` splits the data line the same way.
        assert_eq!(sniff_delimiter(b"nom,prenom;lat,lon\n", b"a;45,7\n"), b';');
        assert_eq!(sniff_delimiter(b"nom;lat;lon\n", b"a,b;45,7;3,1\n"), b';');
        assert_eq!(sniff_delimiter(b"lat\n", b""), b',');
    }

    #[test]
    fn names_compare_without_case_or_accents() {
        assert_eq!(normalise(" Latitude "), "latitude");
        assert_eq!(normalise("\u{feff}LONGITUDE"), "longitude");
        assert_eq!(normalise("Département"), "departement");
    }

    #[test]
    fn windows_1252_with_semicolons_and_cells_on_several_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("liste.csv");
        let text = "Nom du Pays;Forme juridique;Membres\r\n\
                    Pays de Thiérache;Association;\"CC Thiérache du Centre\r\nVervins\"\r\n\
                    ;;\r\n\
                    Pays du Laonnois;PETR;CA du Pays de Laon\r\n";
        let latin1: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
        std::fs::write(&path, latin1).unwrap();
        let sheet = Sheet::read(&path).unwrap();
        assert_eq!(sheet.delimiter, b';');
        assert_eq!(sheet.header, ["Nom du Pays", "Forme juridique", "Membres"]);
        assert_eq!(sheet.rows.len(), 2, "the blank row is skipped");
        assert_eq!(sheet.rows[0].line, 2);
        assert_eq!(sheet.rows[0].cell(2), "CC Thiérache du Centre\r\nVervins");
        assert_eq!(sheet.rows[1].line, 5);
        assert_eq!(sheet.rows[1].cell(7), "");
        assert_eq!(sheet.cell_name(5, 2), "line 5, column C (`Membres`)");
    }

    #[test]
    fn columns_are_found_by_name_then_by_word() {
        let sheet = Sheet::parse(
            Path::new("l.csv"),
            "Nom du territoire,SIREN,Type,EPCI membres,Nom du président\n",
        )
        .unwrap();
        let members = sheet.find_column(&["membres", "epci"], &[], "members").unwrap();
        assert_eq!(members, Some(3));
        assert_eq!(sheet.find_column(&["siren"], &[3], "id").unwrap(), Some(1));
        assert_eq!(sheet.find_column(&["kind"], &[], "kind").unwrap(), None);
        let err = sheet.find_column(&["nom"], &[3], "name").unwrap_err().to_string();
        assert!(
            err.contains("column A (`Nom du territoire`)") && err.contains("column E (`Nom du président`)"),
            "{err}"
        );
        assert_eq!(
            sheet.find_column(&["nom du territoire"], &[], "name").unwrap(),
            Some(0)
        );
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }
}
