//! A hand-kept list of SIRENs, one a line: `#` starts a comment, blank lines are ignored. It names
//! the structures to take from an export beyond those its own columns select (the syndicats that are
//! Pays, which no BANATIC field says).

use std::collections::BTreeSet;
use std::path::Path;

use territoires_core::error::{Error, Result};

pub fn read(path: &Path) -> Result<BTreeSet<String>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse(&bytes, path)
}

/// Parses a list's bytes; `path` only names the file in errors.
pub fn parse(bytes: &[u8], path: &Path) -> Result<BTreeSet<String>> {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::file(path, format!("not UTF-8 text: {e}")))?;
    let mut sirens = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let entry = line.split('#').next().unwrap_or_default().trim();
        let entry = entry.strip_prefix('\u{FEFF}').unwrap_or(entry);
        if entry.is_empty() {
            continue;
        }
        if entry.len() != 9 || !entry.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::record(
                path,
                format!("line {}", i + 1),
                format!("`{entry}` is not a 9-digit SIREN"),
            ));
        }
        sirens.insert(entry.to_string());
    }
    Ok(sirens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_blank_lines_and_errors() {
        let path = Path::new("pays.txt");
        let list = parse(b"# Pays syndicats\n200001642\r\n\n  253003370  # Pays X\n", path).unwrap();
        assert_eq!(list.into_iter().collect::<Vec<_>>(), ["200001642", "253003370"]);
        let message = parse(b"200001642\n# ok\n20000164\n", path)
            .unwrap_err()
            .to_string();
        assert_eq!(message, "pays.txt: line 3: `20000164` is not a 9-digit SIREN");
    }
}
