//! Territory CSVs (`pays-petr.csv`, `scot-syndicats.csv`, or a user's BANATIC-derived export):
//! one row per territory with `id`, `name` and `;`-separated `members`. Other columns are kept as
//! attributes.

use std::collections::BTreeSet;
use std::path::Path;

use crate::catalogue::MembershipColumns;
use territoires_core::dataset::{Text, Value};
use territoires_core::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct TerritoryRecord {
    /// 1-based line in the file, for warnings about this record.
    pub line: usize,
    pub id: String,
    pub name: String,
    /// 9-digit EPCI SIRENs and 5-character commune INSEE codes.
    pub members: Vec<String>,
    /// Every other column, in file order.
    pub properties: Vec<(Text, Value)>,
}

pub fn read(path: &Path, columns: &MembershipColumns) -> Result<Vec<TerritoryRecord>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
    let headers = reader
        .headers()
        .map_err(|e| Error::file(path, format!("unreadable header: {e}")))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::file(path, format!("no `{name}` column in the header")))
    };
    let (id_col, name_col, members_col) = (
        column(&columns.id)?,
        column(&columns.name)?,
        column(&columns.members)?,
    );

    let mut records = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| Error::record(path, format!("line {line}"), e))?;
        let field = |col: usize| row.get(col).unwrap_or_default().trim().to_string();
        let id = field(id_col);
        let record = format!("line {line} ({id})");
        if id.is_empty() {
            return Err(Error::record(
                path,
                format!("line {line}"),
                format!("empty `{}`", columns.id),
            ));
        }
        if !seen.insert(id.clone()) {
            return Err(Error::record(
                path,
                record,
                format!("this `{}` appears twice", columns.id),
            ));
        }
        let members: Vec<String> = field(members_col)
            .split(columns.separator)
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(String::from)
            .collect();
        if members.is_empty() {
            return Err(Error::record(
                path,
                record,
                format!("empty `{}`", columns.members),
            ));
        }
        if let Some(bad) = members.iter().find(|m| !is_member_code(m)) {
            return Err(Error::record(
                path,
                record,
                format!("member `{bad}` is neither a 9-digit SIREN nor a 5-character INSEE code"),
            ));
        }
        let properties = headers
            .iter()
            .enumerate()
            .filter(|(c, _)| ![id_col, name_col, members_col].contains(c))
            .map(|(c, h)| (h.into(), Value::Text(field(c).into())))
            .collect();
        records.push(TerritoryRecord {
            line,
            name: field(name_col),
            id,
            members,
            properties,
        });
    }
    Ok(records)
}

fn is_member_code(code: &str) -> bool {
    let siren = code.len() == 9 && code.bytes().all(|b| b.is_ascii_digit());
    let insee = code.len() == 5 && code.bytes().all(|b| b.is_ascii_alphanumeric());
    siren || insee
}
