//! BANATIC's national export of syndicat perimeters: one row per (structure, member), with the header
//! `dept,siren,raison_sociale,nature_juridique,mode_financ,arret_competences,siren_membre,nom_membre,type_membre`.
//!
//! The export is published by hand and re-saved by users, so the reader accepts what the tools in
//! between produce: `,` or `;` separators (sniffed from the header line), UTF-8 with or without BOM or
//! Windows-1252 (the Ministry's own exports are Latin-1), CRLF or LF. Everything else is strict: a row
//! that cannot be read is an error naming its file and line, because a silently skipped row would
//! silently shrink a territory.

use std::path::{Path, PathBuf};

use territoires_core::error::{Error, Result};

/// Columns this reader needs; the export's other columns (`dept`, `mode_financ`, …) are ignored.
pub const REQUIRED_COLUMNS: [&str; 6] = [
    "siren",
    "raison_sociale",
    "nature_juridique",
    "siren_membre",
    "nom_membre",
    "type_membre",
];

/// What a member of a structure is, from `type_membre`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberType {
    /// A groupement: an EPCI à fiscalité propre, or another syndicat.
    Groupement,
    /// A commune, named by its SIREN (not its INSEE code).
    Commune,
    /// `Autres` (départements, chambres consulaires, …) or any other value, kept verbatim.
    Other(String),
}

impl MemberType {
    fn parse(text: &str) -> Self {
        if text.eq_ignore_ascii_case("groupement") {
            MemberType::Groupement
        } else if text.eq_ignore_ascii_case("commune") {
            MemberType::Commune
        } else {
            MemberType::Other(text.to_string())
        }
    }

    pub fn label(&self) -> &str {
        match self {
            MemberType::Groupement => "Groupement",
            MemberType::Commune => "Commune",
            MemberType::Other(t) => t,
        }
    }
}

/// The text encoding a file turned out to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
}

/// One row of the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    /// 1-based line where the row starts, for messages.
    pub line: usize,
    pub siren: String,
    pub name: String,
    pub nature: String,
    pub member_siren: String,
    pub member_name: String,
    pub member_type: MemberType,
}

/// A member of a structure, as the export lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportMember {
    pub siren: String,
    pub name: String,
    pub member_type: MemberType,
}

/// A structure (syndicat, PETR, pôle…) with its members, gathered from all its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportStructure {
    pub siren: String,
    /// `raison_sociale` of its first row.
    pub name: String,
    /// `nature_juridique` of its first row: `PETR`, `SMF`, `SMO`, `POLEM`, `SIVU`, …
    pub nature: String,
    /// In export order, without repeats.
    pub members: Vec<ExportMember>,
}

/// Reads and concatenates export files (each with its own separator and encoding), then groups the
/// rows by structure, in order of first appearance.
pub fn read(paths: &[PathBuf]) -> Result<Vec<ExportStructure>> {
    let mut rows = Vec::new();
    for path in paths {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        rows.extend(parse(&bytes, path)?);
    }
    Ok(group(rows))
}

/// Parses one file's bytes; `path` only names the file in errors.
pub fn parse(bytes: &[u8], path: &Path) -> Result<Vec<ExportRow>> {
    let (text, _) = decode(bytes);
    let delimiter = sniff_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Error::record(path, "line 1", format!("unreadable header: {e}")))?
        .clone();
    let names: Vec<String> = headers.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let mut columns = [0usize; REQUIRED_COLUMNS.len()];
    for (slot, wanted) in columns.iter_mut().zip(REQUIRED_COLUMNS) {
        *slot = names.iter().position(|n| n == wanted).ok_or_else(|| {
            Error::record(
                path,
                "line 1",
                format!(
                    "no `{wanted}` column in the header (separator `{}`); expected BANATIC's export of \
                     syndicat perimeters",
                    delimiter as char
                ),
            )
        })?;
    }
    let [
        siren_col,
        name_col,
        nature_col,
        member_siren_col,
        member_name_col,
        member_type_col,
    ] = columns;

    let mut lines = LineCounter::new(&text);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let at = e.position().map_or_else(
                || "a record".to_string(),
                |p| format!("line {}", lines.line_at(p.byte())),
            );
            Error::record(path, at, e)
        })?;
        let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
        let at = format!("line {line}");
        if record.len() != headers.len() {
            return Err(Error::record(
                path,
                at,
                format!("{} fields, the header has {}", record.len(), headers.len()),
            ));
        }
        let field = |col: usize| record.get(col).unwrap_or_default().trim().to_string();
        let siren = field(siren_col);
        if siren.is_empty() {
            return Err(Error::record(path, at, "empty `siren`"));
        }
        if !is_siren(&siren) {
            return Err(Error::record(
                path,
                at,
                format!("`siren` `{siren}` is not 9 digits"),
            ));
        }
        let member_type = MemberType::parse(&field(member_type_col));
        let member_siren = field(member_siren_col);
        // `Autres` members (chambres, départements…) may lack a SIREN and are dropped anyway.
        if matches!(member_type, MemberType::Groupement | MemberType::Commune) && !is_siren(&member_siren) {
            return Err(Error::record(
                path,
                at,
                format!(
                    "`siren_membre` `{member_siren}` of a {} member is not 9 digits",
                    member_type.label()
                ),
            ));
        }
        rows.push(ExportRow {
            line,
            siren,
            name: field(name_col),
            nature: field(nature_col),
            member_siren,
            member_name: field(member_name_col),
            member_type,
        });
    }
    Ok(rows)
}

/// Groups rows by structure SIREN, in order of first appearance; a member listed twice counts once.
pub fn group(rows: Vec<ExportRow>) -> Vec<ExportStructure> {
    let mut structures: Vec<ExportStructure> = Vec::new();
    let mut position = std::collections::HashMap::new();
    for row in rows {
        let i = *position.entry(row.siren.clone()).or_insert_with(|| {
            structures.push(ExportStructure {
                siren: row.siren.clone(),
                name: row.name.clone(),
                nature: row.nature.clone(),
                members: Vec::new(),
            });
            structures.len() - 1
        });
        let member = ExportMember {
            siren: row.member_siren,
            name: row.member_name,
            member_type: row.member_type,
        };
        let members = &mut structures[i].members;
        if !members
            .iter()
            .any(|m| m.siren == member.siren && m.member_type == member.member_type)
        {
            members.push(member);
        }
    }
    structures
}

/// UTF-8 (a BOM is dropped) if the bytes are valid UTF-8, else Windows-1252, a superset of Latin-1
/// for every printable character, which is what Excel and the Ministry write.
pub fn decode(bytes: &[u8]) -> (String, Encoding) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), Encoding::Utf8),
        Err(_) => (
            bytes.iter().map(|&b| windows_1252(b)).collect(),
            Encoding::Windows1252,
        ),
    }
}

/// `;` if the header line has more of them than commas, else `,`.
pub fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let count = |c: char| header.matches(c).count();
    if count(';') > count(',') { b';' } else { b',' }
}

/// 1-based line numbers of records from their byte offsets. The csv crate's own line number is
/// that of the previous record's terminator, one too few, and wrong after a blank line; so count
/// newlines ourselves, from the last record on, so that a long file costs one pass.
struct LineCounter<'a> {
    text: &'a [u8],
    byte: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            byte: 0,
            line: 1,
        }
    }

    /// The line where the record whose position is `byte` starts (the position may sit on the
    /// line terminators before it). Offsets must not go backwards.
    fn line_at(&mut self, byte: u64) -> usize {
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        if start >= self.byte {
            self.line += self.text[self.byte..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.byte = start;
        }
        self.line
    }
}

fn is_siren(text: &str) -> bool {
    text.len() == 9 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Windows-1252 as the WHATWG Encoding Standard defines it: Latin-1, except 0x80–0x9F, where the
/// five unassigned bytes map to the C1 controls of the same value.
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
        '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "dept,siren,raison_sociale,nature_juridique,mode_financ,arret_competences,siren_membre,nom_membre,type_membre";

    fn parse_text(text: &str) -> Result<Vec<ExportRow>> {
        parse(text.as_bytes(), Path::new("export.csv"))
    }

    #[test]
    fn latin1_semicolon_crlf_is_decoded() {
        // "PETR du Pays Vésubie" and "CC Cœur" in Windows-1252, `;`-separated, CRLF.
        let mut bytes = HEADER.replace(',', ";").into_bytes();
        bytes.extend_from_slice(
            b"\r\n06;200000001;PETR du Pays V\xE9subie;PETR;;;200000002;CC C\x9Cur;Groupement\r\n",
        );
        let (text, encoding) = decode(&bytes);
        assert_eq!(encoding, Encoding::Windows1252);
        assert_eq!(sniff_delimiter(&text), b';');
        let rows = parse(&bytes, Path::new("x.csv")).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].name, "PETR du Pays Vésubie");
        assert_eq!(rows[0].member_name, "CC Cœur");
        assert_eq!(rows[0].member_siren, "200000002");
        assert_eq!(rows[0].line, 2);
    }

    #[test]
    fn utf8_with_bom_comma_and_quotes() {
        let text = format!(
            "\u{FEFF}{HEADER}\n01,200000001,\"PETR du Bugey, Valromey\",PETR,,,200000002,CC Été,Groupement\n"
        );
        let (_, encoding) = decode(text.as_bytes());
        assert_eq!(encoding, Encoding::Utf8);
        let rows = parse_text(&text).unwrap();
        assert_eq!(rows[0].siren, "200000001");
        assert_eq!(rows[0].name, "PETR du Bugey, Valromey");
        assert_eq!(rows[0].member_name, "CC Été");
    }

    #[test]
    fn bad_rows_name_their_line() {
        let good = "01,200000001,P,PETR,,,200000002,CC,Groupement";
        let cases = [
            ("01,20000001,P,PETR,,,200000002,CC,Groupement", "not 9 digits"),
            ("01,,P,PETR,,,200000002,CC,Groupement", "empty `siren`"),
            ("01,200000001,P,PETR,,,200000002,CC", "8 fields, the header has 9"),
            ("01,200000001,P,PETR,,,2000X0002,CC,Commune", "`siren_membre`"),
        ];
        for (bad, why) in cases {
            let text = format!("{HEADER}\n{good}\n\n{bad}\n{good}\n");
            let message = parse_text(&text).unwrap_err().to_string();
            assert!(message.starts_with("export.csv: line 4: "), "{message}");
            assert!(message.contains(why), "{message}");
        }
    }

    #[test]
    fn line_numbers_count_quoted_newlines_and_crlf() {
        let text = format!(
            "{HEADER}\r\n01,200000001,\"PETR\r\nsur deux lignes\",PETR,,,200000002,CC,Groupement\r\n\
             01,2000000X1,P,PETR,,,200000002,CC,Groupement\r\n"
        );
        let message = parse_text(&text).unwrap_err().to_string();
        assert!(message.starts_with("export.csv: line 4: "), "{message}");
    }

    #[test]
    fn missing_column_is_an_error() {
        let text = HEADER.replace("type_membre", "type") + "\n";
        let message = parse_text(&text).unwrap_err().to_string();
        assert!(
            message.contains("line 1") && message.contains("`type_membre`"),
            "{message}"
        );
    }

    #[test]
    fn autres_members_need_no_siren_and_rows_group_by_structure() {
        let text = format!(
            "{HEADER}\n\
             01,200000001,P,PETR,,,200000002,CC A,Groupement\n\
             01,200000009,S,SMF,,,210100012,Ambérieu,Commune\n\
             01,200000001,P,PETR,,,,Département de l'Ain,Autres\n\
             01,200000001,P,PETR,,,200000002,CC A,Groupement\n"
        );
        let structures = group(parse_text(&text).unwrap());
        assert_eq!(structures.len(), 2);
        assert_eq!(structures[0].siren, "200000001");
        assert_eq!(structures[0].members.len(), 2);
        assert_eq!(
            structures[0].members[1].member_type,
            MemberType::Other("Autres".into())
        );
        assert_eq!(structures[1].members[0].member_type, MemberType::Commune);
    }
}
