//! `territoires import-territories`: a list of territories as people keep it in a spreadsheet →
//! `pays-petr.csv`.
//!
//! **Reading** ([`read_lists`]). Each file is a spreadsheet saved as text (`,` `;` or tab, UTF-8 or
//! Windows-1252: [`territoires_formats::sheet`]). Its columns are found by name, case and accents
//! aside, a whole name first and then a word of one: the members (`membres`, `EPCI`, `communes`,
//! `composition`…), an optional SIREN or id (`siren`, `id`, `identifiant`; an id of the `pays-petr.csv` layout is kept as it is), an optional legal form
//! (`forme juridique`, `type`, `nature`, `statut`…) and the territory's name (`nom`, `territoire`,
//! `pays`…). A members cell holds one member or several, one a line or separated by `;` or `,`
//! (a `,` that is part of a name, « CC Ardenne, Rives de Meuse » or « Saint-Martin, Puy-de-Dôme »,
//! is kept: pieces are joined back when together they are a name as written). A territory may also
//! take one row per member: the rows of one name (or SIREN), wherever they are, make one territory.
//!
//! **Members** are read by [`territoires_query::resolve`]: codes, names as written, usual variants,
//! former communes, typos. A member found is written as the EPCI's SIREN or the commune's INSEE code; a commune an
//! EPCI member of the same territory holds is left out (the EPCI brings it). An ambiguous or unknown
//! member is left out of its territory and listed; a territory with no member found is not written
//! and is listed. The others are written: the summary counts what was left out, and `--report`
//! lists every member with how it was read, so that nothing is guessed silently.
//!
//! **Rows**: `id` is the territory's SIREN when the list gives one, else `import-` and its name
//! folded (lower case, no accents, words joined by `-`: « Pays du Grand Laonnois » →
//! `import-pays-du-grand-laonnois`), the same on every import of the same name. `kind` is the legal
//! form in the shipped words where it is one of them ([`normalise_kind`]), else as written, `Pays`
//! when the list has none. `status`, `vintage` and `source` come from the command line.
//!
//! **Merging** (`--over FILE`, a file in the shipped layout): a new row replaces the row of FILE with
//! its id, or failing that the first not yet replaced with its name (folded); a row that replaces one
//! by name while having no SIREN of its own keeps the replaced row's id. The replaced rows keep their
//! place, the other new rows come after FILE's, in list order, and FILE's other rows are kept as
//! they are. A territory of the list that shares communes with another row of the output is listed
//! ([`overlaps`]): nothing forbids it, but the coverage counts such a commune once.
//!
//! Bad input (no name or members column, a row with no name, a SIREN that is not 9 digits, two
//! SIRENs for one name, two forms for one territory, a cell past the header's last column, an
//! unreadable file) stops the import with a
//! message naming the file, the line and the column, before anything is written; files are written
//! atomically.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::banatic::{HEADER, ImportOptions, TerritoryRow, write_csv};
use territoires_core::dataset::{Dataset, InputKind};
use territoires_core::error::{Error, Result};
use territoires_formats::sheet::{Sheet, SheetRow, column_letter};
use territoires_query::resolve::{How, Member, MemberKind, Resolution, Resolver};
use territoires_query::search::fold;

/// Column names, compared without case or accents: a whole name, or a word of one.
const MEMBERS_COLUMN: &[&str] = &[
    "membres",
    "membre",
    "members",
    "member",
    "epci membres",
    "communes membres",
    "composition",
    "perimetre",
    "adherents",
    "adherent",
    "epci",
    "communes",
    "commune",
    "intercommunalites",
    "intercommunalite",
];
const ID_COLUMN: &[&str] = &["siren", "id", "identifiant", "numero siren"];
const KIND_COLUMN: &[&str] = &[
    "forme juridique",
    "nature juridique",
    "statut juridique",
    "kind",
    "forme",
    "type",
    "nature",
    "statut",
    "juridique",
];
const NAME_COLUMN: &[&str] = &[
    "nom",
    "name",
    "nom du pays",
    "nom du territoire",
    "territoire",
    "pays",
    "libelle",
    "intitule",
    "denomination",
    "raison sociale",
];

/// Most pieces of a `,`-separated cell joined back into one name: the longest EPCI name with commas
/// has four (« CC Arbois, Poligny, Salins, Coeur du Jura »).
const MOST_PIECES_JOINED: usize = 4;

/// A member as written, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenMember {
    pub file: PathBuf,
    pub line: u64,
    pub text: String,
}

/// One territory of the lists, its rows gathered.
#[derive(Debug, Clone)]
pub struct ListedTerritory {
    pub file: PathBuf,
    /// Its first row.
    pub line: u64,
    pub name: String,
    /// The id the list gives it: a SIREN (9 digits), or an id of the `pays-petr.csv` layout (see
    /// `listed_id`), kept as it is.
    pub siren: Option<String>,
    /// Its legal form as written.
    pub kind: Option<String>,
    /// Cells split at new lines and `;`; a `,` is read when the members are.
    pub members: Vec<WrittenMember>,
}

/// Where a territory's rows were, for the messages that compare two of them.
struct Seen {
    index: usize,
    file: PathBuf,
    line: u64,
}

/// Reads every list, one after the other, gathering the rows of one territory (same SIREN or same
/// folded name) wherever they are.
pub fn read_lists(paths: &[PathBuf]) -> Result<Vec<ListedTerritory>> {
    let mut lists = Lists::default();
    for path in paths {
        let sheet = Sheet::read(path)?;
        let columns = Columns::find(&sheet)?;
        for row in &sheet.rows {
            lists.add(&sheet, &columns, row)?;
        }
    }
    Ok(lists.listed)
}

/// The territories read so far, found by folded name and by SIREN.
#[derive(Default)]
struct Lists {
    listed: Vec<ListedTerritory>,
    by_name: HashMap<String, Seen>,
    by_siren: HashMap<String, Seen>,
}

impl Lists {
    /// One row: its cells checked, then added to its territory.
    fn add(&mut self, sheet: &Sheet, columns: &Columns, row: &SheetRow) -> Result<()> {
        let path = &sheet.path;
        // A `;` left unquoted in a `;`-separated file spills members past the header: refused
        // rather than dropped.
        if let Some(extra) = (sheet.header.len()..row.cells.len()).find(|&c| !row.cell(c).is_empty()) {
            return Err(Error::record(
                path,
                format!("line {}, column {}", row.line, column_letter(extra)),
                format!(
                    "`{}` is past the header's last column (a cell holding the separator must be quoted)",
                    row.cell(extra)
                ),
            ));
        }
        let name = row.cell(columns.name);
        if name.is_empty() {
            return Err(Error::record(
                path,
                sheet.cell_name(row.line, columns.name),
                "no territory name (every row names its territory, one row per member included)",
            ));
        }
        let siren = match columns.id.map(|c| (c, row.cell(c))) {
            Some((c, text)) if !text.is_empty() => Some(listed_id(text).ok_or_else(|| {
                Error::record(
                    path,
                    sheet.cell_name(row.line, c),
                    format!(
                        "`{text}` is neither a SIREN (9 digits) nor an id of pays-petr.csv \
                         (a letter, then letters, digits and `-`, as `projet-200071751`)"
                    ),
                )
            })?),
            _ => None,
        };
        let index = self.territory_of(sheet, columns, row, name, siren.as_deref())?;
        if let Some(siren) = siren {
            self.set_siren(sheet, columns, row, index, siren)?;
        }
        if let Some(kind) = columns.kind.map(|c| row.cell(c)).filter(|k| !k.is_empty()) {
            let territory = &mut self.listed[index];
            match &territory.kind {
                Some(own) if normalise_kind(own) != normalise_kind(kind) => {
                    return Err(Error::record(
                        path,
                        sheet.cell_name(row.line, columns.kind.unwrap_or(columns.name)),
                        format!(
                            "`{name}` is `{own}` on {}:{} and `{kind}` here",
                            territory.file.display(),
                            territory.line
                        ),
                    ));
                }
                Some(_) => {}
                None => territory.kind = Some(kind.to_string()),
            }
        }
        for text in row.cell(columns.members).split(['\n', '\r', ';']) {
            let text = text.trim();
            if !text.is_empty() {
                self.listed[index].members.push(WrittenMember {
                    file: path.clone(),
                    line: row.line,
                    text: text.to_string(),
                });
            }
        }
        Ok(())
    }

    /// The territory of a row named `name` with `siren`: the one of that SIREN or name, else a new
    /// one. A SIREN and a name of two different territories, or a SIREN naming another territory,
    /// is an error.
    fn territory_of(
        &mut self,
        sheet: &Sheet,
        columns: &Columns,
        row: &SheetRow,
        name: &str,
        siren: Option<&str>,
    ) -> Result<usize> {
        let path = &sheet.path;
        let key = name_key(name);
        let by_id = siren.and_then(|s| self.by_siren.get(s));
        let index = match (by_id, self.by_name.get(&key)) {
            (Some(a), Some(b)) if a.index != b.index => {
                return Err(Error::record(
                    path,
                    format!("line {}", row.line),
                    format!(
                        "SIREN {} is the territory's of {}:{}, the name `{name}` another's of {}:{}",
                        siren.unwrap_or_default(),
                        a.file.display(),
                        a.line,
                        b.file.display(),
                        b.line
                    ),
                ));
            }
            (Some(seen), _) | (None, Some(seen)) => seen.index,
            (None, None) => {
                self.listed.push(ListedTerritory {
                    file: path.clone(),
                    line: row.line,
                    name: name.to_string(),
                    siren: None,
                    kind: None,
                    members: Vec::new(),
                });
                self.listed.len() - 1
            }
        };
        let territory = &self.listed[index];
        if name_key(&territory.name) != key {
            return Err(Error::record(
                path,
                sheet.cell_name(row.line, columns.id.unwrap_or(columns.name)),
                format!(
                    "SIREN {} names `{}` on {}:{} and `{name}` here",
                    siren.unwrap_or_default(),
                    territory.name,
                    territory.file.display(),
                    territory.line
                ),
            ));
        }
        self.by_name.entry(key).or_insert_with(|| Seen {
            index,
            file: path.clone(),
            line: row.line,
        });
        Ok(index)
    }

    /// Gives territory `index` its SIREN; a second, different one is an error.
    fn set_siren(
        &mut self,
        sheet: &Sheet,
        columns: &Columns,
        row: &SheetRow,
        index: usize,
        siren: String,
    ) -> Result<()> {
        let territory = &mut self.listed[index];
        match &territory.siren {
            Some(own) if *own != siren => Err(Error::record(
                &sheet.path,
                sheet.cell_name(row.line, columns.id.unwrap_or(columns.name)),
                format!(
                    "`{}` has SIREN {own} on {}:{} and {siren} here",
                    territory.name,
                    territory.file.display(),
                    territory.line
                ),
            )),
            Some(_) => Ok(()),
            None => {
                let seen = Seen {
                    index,
                    file: sheet.path.clone(),
                    line: row.line,
                };
                self.by_siren.insert(siren.clone(), seen);
                territory.siren = Some(siren);
                Ok(())
            }
        }
    }
}

/// The columns of one list.
struct Columns {
    name: usize,
    members: usize,
    id: Option<usize>,
    kind: Option<usize>,
}

impl Columns {
    /// Members first, so that « Nom des membres » or « SIREN membre » is never the territory's
    /// name or SIREN.
    fn find(sheet: &Sheet) -> Result<Self> {
        let missing = |what: &str, names: &[&str]| {
            Error::file(
                &sheet.path,
                format!(
                    "no column for the {what}: none is named {} (case and accents aside); {}",
                    names.join(", "),
                    sheet.columns_seen()
                ),
            )
        };
        let members = sheet
            .find_column(MEMBERS_COLUMN, &[], "members")?
            .ok_or_else(|| missing("members", MEMBERS_COLUMN))?;
        let id = sheet.find_column(ID_COLUMN, &[members], "SIREN")?;
        let taken: Vec<usize> = [Some(members), id].into_iter().flatten().collect();
        let kind = sheet.find_column(KIND_COLUMN, &taken, "legal form")?;
        let taken: Vec<usize> = [Some(members), id, kind].into_iter().flatten().collect();
        let name = sheet
            .find_column(NAME_COLUMN, &taken, "territory's name")?
            .ok_or_else(|| missing("territory's name", NAME_COLUMN))?;
        Ok(Columns {
            name,
            members,
            id,
            kind,
        })
    }
}

/// A SIREN as a spreadsheet may show it (« 200 071 983 »), or `None`.
fn siren_of(text: &str) -> Option<String> {
    let digits: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
        .collect();
    (digits.len() == 9 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// The id a list gives a territory: a SIREN, or an id of the `pays-petr.csv` layout that is not one
/// (`cr2017-CR0261`, the simulator's `projet-200071751`), so that a row of the layer's own file
/// imports as it is. Digits alone are a SIREN or a mistake, never an id.
fn listed_id(text: &str) -> Option<String> {
    let layout_id = text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    siren_of(text).or_else(|| layout_id.then(|| text.to_string()))
}

/// A territory's name compared: folded, without spaces.
fn name_key(name: &str) -> String {
    fold(name).replace(' ', "")
}

/// The id of a territory with no SIREN: `import-` and its name folded, words joined by `-`.
pub fn slug_id(name: &str) -> String {
    format!("import-{}", fold(name).replace(' ', "-"))
}

/// The `kind` column for a legal form as written: the shipped file's words where they mean the
/// same (`PETR`, `Pays (association)`, `Pays (syndicat mixte)`, `Pays (pôle métropolitain)`,
/// `Pays/PETR`), `Pays` for none, else the words as written.
pub fn normalise_kind(written: &str) -> String {
    let key = fold(written).replace(' ', "");
    let shipped = match key.as_str() {
        "" | "pays" => "Pays",
        "petr" | "poledequilibreterritorialetrural" => "PETR",
        "payspetr" | "petrpays" => "Pays/PETR",
        "association"
        | "asso"
        | "associationloi1901"
        | "paysassociation"
        | "paysassociatif"
        | "associationdepays"
        | "paysassociationloi1901" => "Pays (association)",
        "syndicatmixte"
        | "sm"
        | "smo"
        | "smf"
        | "syndicatmixteouvert"
        | "syndicatmixteferme"
        | "payssyndicatmixte" => "Pays (syndicat mixte)",
        "polemetropolitain" | "polem" | "payspolemetropolitain" => "Pays (pôle métropolitain)",
        _ => return written.trim().to_string(),
    };
    shipped.to_string()
}

/// One member as written, and what it was read as.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewLine {
    pub file: PathBuf,
    pub line: u64,
    pub territory: String,
    pub written: String,
    pub resolution: Resolution,
    /// Found, but not written: a commune its EPCI brings, or a member listed twice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_out: Option<String>,
}

/// A territory not written, and why.
#[derive(Debug, Clone, Serialize)]
pub struct LeftOutTerritory {
    pub file: PathBuf,
    pub line: u64,
    pub name: String,
    pub reason: String,
}

/// What a merge over an existing file did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MergeReport {
    pub file: PathBuf,
    /// (id in the file, id written, name), in the file's order.
    pub replaced: Vec<(String, String, String)>,
    pub added: usize,
    pub kept: usize,
}

/// Two territories of the output that share communes. The map draws such a commune in both, the
/// coverage counts it once; whoever merges lists wants to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overlap {
    /// A territory of the list.
    pub id: String,
    pub name: String,
    /// Another territory of the output, of the list or of `--over`.
    pub other_id: String,
    pub other_name: String,
    pub communes: usize,
}

/// Everything an import read, wrote and left out.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReview {
    pub territories_read: usize,
    pub territories_written: usize,
    pub members_written: usize,
    /// Every member as written, in list order.
    pub members: Vec<ReviewLine>,
    pub left_out: Vec<LeftOutTerritory>,
    pub merge: Option<MergeReport>,
    pub overlaps: Vec<Overlap>,
}

impl ImportReview {
    fn count(&self, test: impl Fn(&Resolution) -> bool) -> usize {
        self.members.iter().filter(|m| test(&m.resolution)).count()
    }

    pub fn ambiguous(&self) -> usize {
        self.count(|r| matches!(r, Resolution::Ambiguous { .. }))
    }

    pub fn unknown(&self) -> usize {
        self.count(|r| matches!(r, Resolution::Unknown { .. }))
    }

    pub fn typos(&self) -> usize {
        self.count(|r| matches!(r, Resolution::Found { how: How::Typo, .. }))
    }

    /// The findings a person must look at, one a line: each ambiguity, miss and guess, each
    /// territory left out, the merge.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for m in &self.members {
            let at = format!("{}:{}", m.file.display(), m.line);
            match &m.resolution {
                Resolution::Found {
                    member,
                    how: How::Typo,
                    note,
                } => lines.push(format!(
                    "guessed: {at}: {}: `{}` read as {} {} ({}); check it",
                    m.territory,
                    m.written,
                    member.code,
                    member.label(),
                    note.as_deref().unwrap_or("typo")
                )),
                Resolution::Found { .. } => {}
                Resolution::Ambiguous { candidates, more, .. } => lines.push(format!(
                    "ambiguous: {at}: {}: `{}` could be {}{}; left out (write its code, its legal form or its département)",
                    m.territory,
                    m.written,
                    candidates
                        .iter()
                        .map(|c| format!("{} {}", c.code, c.label()))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if *more > 0 { format!(" and {more} more") } else { String::new() }
                )),
                Resolution::Unknown { reason } => lines.push(format!(
                    "unknown: {at}: {}: `{}`: {reason}; left out",
                    m.territory, m.written
                )),
            }
        }
        for t in &self.left_out {
            lines.push(format!(
                "territory not written: {}:{}: {}: {}",
                t.file.display(),
                t.line,
                t.name,
                t.reason
            ));
        }
        for o in &self.overlaps {
            lines.push(format!(
                "overlap: {} {} shares {} communes with {} {}",
                o.id, o.name, o.communes, o.other_id, o.other_name
            ));
        }
        if let Some(merge) = &self.merge {
            for (old, new, name) in &merge.replaced {
                let id = if old == new {
                    old.clone()
                } else {
                    format!("{old} (now {new})")
                };
                lines.push(format!("replaced in {}: {id} {name}", merge.file.display()));
            }
        }
        lines
    }

    /// One line for the end of the command.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} territories written with {} members, of {} read; {} members ambiguous, {} unknown (left \
             out), {} guessed (typos, to check); {} territories not written; {} overlaps",
            self.territories_written,
            self.members_written,
            self.territories_read,
            self.ambiguous(),
            self.unknown(),
            self.typos(),
            self.left_out.len(),
            self.overlaps.len()
        );
        if let Some(merge) = &self.merge {
            let _ = write!(
                text,
                "; over {}: {} replaced, {} added, {} kept",
                merge.file.display(),
                merge.replaced.len(),
                merge.added,
                merge.kept
            );
        }
        text
    }
}

/// The import itself, with no file access: the rows of the territories with a member found, in list
/// order, and the review.
pub fn import_territories(
    listed: &[ListedTerritory],
    resolver: &Resolver,
    data: &Dataset,
    options: &ImportOptions,
) -> (Vec<TerritoryRow>, ImportReview) {
    let mut review = ImportReview {
        territories_read: listed.len(),
        ..ImportReview::default()
    };
    let mut rows = Vec::new();
    for territory in listed {
        let first_line = review.members.len();
        for written in &territory.members {
            for text in split_commas(&written.text, resolver) {
                let resolution = resolver.resolve(&text);
                review.members.push(ReviewLine {
                    file: written.file.clone(),
                    line: written.line,
                    territory: territory.name.clone(),
                    written: text,
                    resolution,
                    left_out: None,
                });
            }
        }
        let members = keep_members(&mut review.members[first_line..], data);
        if members.is_empty() {
            let reason = if territory.members.is_empty() {
                "no member listed"
            } else {
                "no member found"
            };
            review.left_out.push(LeftOutTerritory {
                file: territory.file.clone(),
                line: territory.line,
                name: territory.name.clone(),
                reason: reason.to_string(),
            });
            continue;
        }
        review.members_written += members.len();
        rows.push(TerritoryRow {
            id: territory
                .siren
                .clone()
                .unwrap_or_else(|| slug_id(&territory.name)),
            name: territory.name.clone(),
            kind: normalise_kind(territory.kind.as_deref().unwrap_or_default()),
            status: options.status.clone(),
            vintage: options.vintage.clone(),
            source: options.source.clone(),
            members,
        });
    }
    review.territories_written = rows.len();
    (rows, review)
}

/// A cell's `,`-separated pieces, each joined back with the ones after it when together they are a
/// name as written (`Saint-Martin, Puy-de-Dôme`, `CC Ardenne, Rives de Meuse`): longest first.
fn split_commas(text: &str, resolver: &Resolver) -> Vec<String> {
    let pieces: Vec<&str> = text.split(',').map(str::trim).collect();
    if pieces.len() == 1 {
        return vec![text.trim().to_string()];
    }
    let mut members = Vec::new();
    let mut i = 0;
    while i < pieces.len() {
        let longest = MOST_PIECES_JOINED.min(pieces.len() - i);
        let span = (2..=longest)
            .rev()
            .find(|&n| {
                let joined = pieces[i..i + n].join(", ");
                matches!(resolver.resolve_without_typos(&joined), Resolution::Found { .. })
            })
            .unwrap_or(1);
        let member = pieces[i..i + span].join(", ");
        if !member.is_empty() {
            members.push(member);
        }
        i += span;
    }
    members
}

/// The codes a territory's members found make, sorted; marks what is found but not written: a
/// commune an EPCI member brings, a member found twice.
fn keep_members(lines: &mut [ReviewLine], data: &Dataset) -> Vec<String> {
    let found = |l: &ReviewLine| l.resolution.found().cloned();
    let epcis: BTreeSet<String> = lines
        .iter()
        .filter_map(found)
        .filter(|m| m.kind == MemberKind::Epci)
        .map(|m| m.code)
        .collect();
    // Each code found, with the text of its first mention.
    let mut kept: BTreeMap<String, String> = BTreeMap::new();
    for line in lines.iter_mut() {
        let Some(member) = line.resolution.found().cloned() else {
            continue;
        };
        if let Some(epci) = epci_holding(&member, data).filter(|e| epcis.contains(e)) {
            line.left_out = Some(format!("in member EPCI {epci}, which brings it"));
            continue;
        }
        if let Some(first) = kept.get(&member.code) {
            line.left_out = Some(format!("listed twice (first as `{first}`)"));
            continue;
        }
        kept.insert(member.code.clone(), line.written.clone());
    }
    kept.into_keys().collect()
}

/// The EPCI a commune member lies in.
fn epci_holding(member: &Member, data: &Dataset) -> Option<String> {
    if member.kind != MemberKind::Commune {
        return None;
    }
    data.commune_by_code(&member.code)
        .and_then(|(_, c)| c.epci.as_ref())
        .map(ToString::to_string)
}

/// Reads a file in the shipped layout (`pays-petr.csv`): its columns by name, in any order.
pub fn read_existing(path: &Path) -> Result<Vec<TerritoryRow>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
    let header = reader
        .headers()
        .map_err(|e| Error::file(path, format!("unreadable header: {e}")))?
        .clone();
    let mut columns = [0usize; HEADER.len()];
    for (slot, name) in columns.iter_mut().zip(HEADER) {
        *slot = header.iter().position(|h| h == name).ok_or_else(|| {
            Error::file(
                path,
                format!(
                    "no `{name}` column: --over takes a file in the layout {}",
                    HEADER.join(",")
                ),
            )
        })?;
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| Error::record(path, format!("line {line}"), e))?;
        let field = |k: usize| record.get(columns[k]).unwrap_or_default().to_string();
        rows.push(TerritoryRow {
            id: field(0),
            name: field(1),
            kind: field(2),
            status: field(3),
            vintage: field(4),
            source: field(5),
            members: field(6)
                .split(';')
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(String::from)
                .collect(),
        });
    }
    Ok(rows)
}

/// `new` over `existing`: see the module's documentation for the rule.
pub fn merge(
    existing: Vec<TerritoryRow>,
    new: Vec<TerritoryRow>,
    file: &Path,
) -> (Vec<TerritoryRow>, MergeReport) {
    let mut report = MergeReport {
        file: file.to_path_buf(),
        ..MergeReport::default()
    };
    let mut replacement: Vec<Option<usize>> = vec![None; existing.len()];
    let mut placed = vec![false; new.len()];
    let by_id: HashMap<&str, usize> = existing
        .iter()
        .enumerate()
        .rev()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    for (n, row) in new.iter().enumerate() {
        if let Some(&i) = by_id.get(row.id.as_str())
            && replacement[i].is_none()
        {
            replacement[i] = Some(n);
            placed[n] = true;
        }
    }
    for (n, row) in new.iter().enumerate() {
        if placed[n] {
            continue;
        }
        let key = name_key(&row.name);
        if let Some(i) =
            (0..existing.len()).find(|&i| replacement[i].is_none() && name_key(&existing[i].name) == key)
        {
            replacement[i] = Some(n);
            placed[n] = true;
        }
    }
    let mut new: Vec<Option<TerritoryRow>> = new.into_iter().map(Some).collect();
    let mut merged = Vec::with_capacity(existing.len() + new.len());
    for (old, with) in existing.into_iter().zip(replacement) {
        match with.and_then(|n| new[n].take()) {
            Some(mut row) => {
                // A list without SIRENs does not take the file's away.
                if row.id.starts_with("import-") && row.id != old.id && !old.id.is_empty() {
                    row.id = old.id.clone();
                }
                report.replaced.push((old.id, row.id.clone(), row.name.clone()));
                merged.push(row);
            }
            None => {
                report.kept += 1;
                merged.push(old);
            }
        }
    }
    for row in new.into_iter().flatten() {
        report.added += 1;
        merged.push(row);
    }
    (merged, report)
}

/// The pairs of rows sharing communes, one at least of the list (`new_ids`), in output order.
pub fn overlaps(rows: &[TerritoryRow], new_ids: &BTreeSet<String>, data: &Dataset) -> Vec<Overlap> {
    let epci_communes: HashMap<&str, Vec<&str>> = data
        .layer_from(InputKind::Epci)
        .map(|l| &data.layers[l].features)
        .into_iter()
        .flatten()
        .map(|f| {
            let codes = f
                .communes
                .iter()
                .map(|&c| data.communes[c].code.as_str())
                .collect();
            (f.id.as_str(), codes)
        })
        .collect();
    let mut holders: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        for code in communes_of(row, &epci_communes) {
            holders.entry(code).or_default().push(i);
        }
    }
    let mut shared: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for rows_holding in holders.values() {
        for (k, &a) in rows_holding.iter().enumerate() {
            for &b in &rows_holding[k + 1..] {
                if new_ids.contains(&rows[a].id) || new_ids.contains(&rows[b].id) {
                    *shared.entry((a, b)).or_default() += 1;
                }
            }
        }
    }
    shared
        .into_iter()
        .map(|((a, b), communes)| {
            // The list's territory first.
            let (a, b) = if new_ids.contains(&rows[a].id) {
                (a, b)
            } else {
                (b, a)
            };
            Overlap {
                id: rows[a].id.clone(),
                name: rows[a].name.clone(),
                other_id: rows[b].id.clone(),
                other_name: rows[b].name.clone(),
                communes,
            }
        })
        .collect()
}

/// The communes a row's members make: an EPCI's, or the commune itself.
fn communes_of<'a>(
    row: &'a TerritoryRow,
    epci_communes: &HashMap<&'a str, Vec<&'a str>>,
) -> BTreeSet<&'a str> {
    row.members
        .iter()
        .flat_map(|m| match epci_communes.get(m.as_str()) {
            Some(codes) => codes.clone(),
            None => vec![m.as_str()],
        })
        .collect()
}

/// Files and options of one run of the command.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub lists: Vec<PathBuf>,
    pub out: PathBuf,
    pub report: Option<PathBuf>,
    pub over: Option<PathBuf>,
    pub import: ImportOptions,
}

/// Reads the lists (and `--over`), imports, writes `--out` and `--report`. Bad input writes nothing.
/// When no territory has a member found, `--out` is not written (the review says why) and
/// `territories_written` is 0; `--report` is written all the same.
pub fn run(options: &RunOptions, data: &Dataset) -> Result<ImportReview> {
    let listed = read_lists(&options.lists)?;
    let existing = match &options.over {
        Some(path) => Some(read_existing(path)?),
        None => None,
    };
    let resolver = Resolver::new(data);
    let (rows, mut review) = import_territories(&listed, &resolver, data, &options.import);
    if !rows.is_empty() {
        let new_ids: BTreeSet<String> = rows.iter().map(|r| r.id.clone()).collect();
        let rows = match (existing, &options.over) {
            (Some(existing), Some(path)) => {
                let (merged, merge_report) = merge(existing, rows, path);
                review.merge = Some(merge_report);
                merged
            }
            _ => rows,
        };
        // A row that took a replaced row's id is still the list's.
        let new_ids: BTreeSet<String> = match &review.merge {
            Some(merge) => merge
                .replaced
                .iter()
                .map(|(_, id, _)| id.clone())
                .chain(new_ids)
                .collect(),
            None => new_ids,
        };
        review.overlaps = overlaps(&rows, &new_ids, data);
        write_csv(&options.out, &rows)?;
    }
    if let Some(path) = &options.report {
        write_review(path, &review)?;
    }
    Ok(review)
}

/// The review as a CSV, one row per member as written: `file,line,territory,member,how,code,name,
/// candidates,note`. `how` is `code`, `exact`, `variant`, `typo`, `ambiguous` or `unknown`.
pub fn write_review(path: &Path, review: &ImportReview) -> Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| Error::file(path, format!("cannot write CSV: {e}"));
    writer
        .write_record([
            "file",
            "line",
            "territory",
            "member",
            "how",
            "code",
            "name",
            "candidates",
            "note",
        ])
        .map_err(csv_error)?;
    for m in &review.members {
        let (how, code, name, candidates, note) = match &m.resolution {
            Resolution::Found { member, how, note } => (
                how.as_str().to_string(),
                member.code.clone(),
                member.label(),
                String::new(),
                note.clone().unwrap_or_default(),
            ),
            Resolution::Ambiguous { candidates, more, .. } => {
                let mut listed: Vec<String> = candidates
                    .iter()
                    .map(|c| format!("{} {}", c.code, c.label()))
                    .collect();
                if *more > 0 {
                    listed.push(format!("{more} more"));
                }
                (
                    "ambiguous".to_string(),
                    String::new(),
                    String::new(),
                    listed.join(" | "),
                    String::new(),
                )
            }
            Resolution::Unknown { reason } => (
                "unknown".to_string(),
                String::new(),
                String::new(),
                String::new(),
                reason.clone(),
            ),
        };
        let note = match &m.left_out {
            Some(why) if note.is_empty() => format!("not written: {why}"),
            Some(why) => format!("{note}; not written: {why}"),
            None => note,
        };
        writer
            .write_record([
                m.file.display().to_string(),
                m.line.to_string(),
                m.territory.clone(),
                m.written.clone(),
                how,
                code,
                name,
                candidates,
                note,
            ])
            .map_err(csv_error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::file(path, format!("cannot write CSV: {e}")))?;
    territoires_core::fs::write_atomically(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ImportOptions {
        ImportOptions {
            status: "test".into(),
            vintage: "2026-03".into(),
            source: "a list".into(),
        }
    }

    /// The tiny dataset with real-world names: EPCIs `200000000`…`200000002` and communes
    /// `01001`…`01008` (Ain; the first four in EPCI 200000000), `02009`…`02012` (Aisne).
    fn dataset() -> Dataset {
        territoires_fixtures::tiny_dataset_named(
            &[
                ("CC de la Thiérache du Centre", "CC"),
                ("CA du Pays de Laon", "CA"),
                ("CC Ardenne, Rives de Meuse", "CC"),
            ],
            &[
                "Vervins",
                "Guise",
                "Marle",
                "Sains",
                "Laon",
                "Crépy",
                "Chambry",
                "Bourg",
                "Saint-Martin",
                "Montigny",
                "Hirson",
                "Bourg",
            ],
        )
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn import(text: &str) -> (Vec<TerritoryRow>, ImportReview) {
        let dir = tempfile::tempdir().unwrap();
        let listed = read_lists(&[write(dir.path(), "list.csv", text)]).unwrap();
        let data = dataset();
        import_territories(&listed, &Resolver::new(&data), &data, &options())
    }

    fn refused(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        match read_lists(&[write(dir.path(), "list.csv", text)]) {
            Ok(_) => panic!("must be refused: {text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn members_in_one_cell_or_one_row_each() {
        let (rows, review) = import(
            "Pays;Type;Membres\n\
             Pays de Thiérache;PETR;\"CC Thiérache du Centre\nHirson, Montigny (02)\"\n\
             Pays du Laonnois;Syndicat mixte;CA du Pays de Laon\n\
             Pays de Thiérache;;Saint-Martin\n\
             Pays du Laonnois;;Crépy\n\
             Pays des Rives;;CC Ardenne, Rives de Meuse, Bourg (02)\n",
        );
        let summary: Vec<(&str, &str, &str, Vec<&str>)> = rows
            .iter()
            .map(|r| {
                let members = r.members.iter().map(String::as_str).collect();
                (r.id.as_str(), r.name.as_str(), r.kind.as_str(), members)
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "import-pays-de-thierache",
                    "Pays de Thiérache",
                    "PETR",
                    vec!["02009", "02010", "02011", "200000000"]
                ),
                (
                    "import-pays-du-laonnois",
                    "Pays du Laonnois",
                    "Pays (syndicat mixte)",
                    vec!["200000001"]
                ),
                (
                    "import-pays-des-rives",
                    "Pays des Rives",
                    "Pays",
                    vec!["200000002"]
                ),
            ]
        );
        // Crépy (01006) is in the CA du Pays de Laon: found, and left to the EPCI.
        let crepy = review.members.iter().find(|m| m.written == "Crépy").unwrap();
        assert_eq!(crepy.resolution.found().unwrap().code, "01006");
        assert!(crepy.left_out.as_deref().unwrap().contains("200000001"));
        // Bourg (02) is in the CC Ardenne, Rives de Meuse, joined back from its pieces.
        let bourg = review.members.iter().find(|m| m.written == "Bourg (02)").unwrap();
        assert!(bourg.left_out.as_deref().unwrap().contains("200000002"));
        assert_eq!(review.members_written, 6);
        assert_eq!((review.ambiguous(), review.unknown(), review.typos()), (0, 0, 0));
    }

    #[test]
    fn misses_and_ambiguities_are_left_out_and_listed() {
        let (rows, review) = import(
            "Nom,Membres\n\
             Pays A,\"Laon; Bourg; Atlantide; CC de la Thiérache du Centte; Laon\"\n\
             Pays B,Atlantide\n\
             Pays C,\n",
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].members, ["01005", "200000000"]);
        assert_eq!((review.ambiguous(), review.unknown(), review.typos()), (1, 2, 1));
        let lines = review.lines();
        assert!(
            lines.iter().any(|l| l.starts_with("ambiguous:")
                && l.contains("`Bourg`")
                && l.contains("01008")
                && l.contains("02012")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("guessed:") && l.contains("200000000")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("territory not written:") && l.contains("Pays B: no member found")),
            "{lines:?}"
        );
        assert!(
            lines.iter().any(|l| l.contains("Pays C: no member listed")),
            "{lines:?}"
        );
        let twice = review
            .members
            .iter()
            .filter(|m| m.written == "Laon")
            .nth(1)
            .unwrap();
        assert!(twice.left_out.as_deref().unwrap().contains("listed twice"));
        assert!(
            review.summary().starts_with(
                "1 territories written with 2 members, of 3 read; 1 members ambiguous, 2 unknown"
            )
        );
    }

    #[test]
    fn a_siren_is_the_id_and_gathers_rows() {
        let (rows, _) = import(
            "SIREN\tNom du territoire\tForme juridique\tEPCI membres\n\
             200 000 009\tPays du Laonnois\tAssociation\tCA du Pays de Laon\n\
             200000009\tPays du Laonnois\t\tVervins\n",
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].id, "200000009");
        assert_eq!(rows[0].kind, "Pays (association)");
        assert_eq!(rows[0].members, ["01001", "200000001"]);
    }

    #[test]
    fn bad_lists_are_refused_with_file_line_and_column() {
        let err = refused("Nom;Population\nPays A;12\n");
        assert!(
            err.contains("list.csv") && err.contains("no column for the members"),
            "{err}"
        );
        assert!(
            err.contains("columns seen (`;`-separated): `Nom`, `Population`"),
            "{err}"
        );
        let err = refused("Territoire;Membres\nPays A;Vervins\n;Guise\n");
        assert!(
            err.contains("list.csv: line 3, column A (`Territoire`): no territory name"),
            "{err}"
        );
        let err = refused("Nom,SIREN,Membres\nPays A,12345,Vervins\n");
        assert!(
            err.contains("line 2, column B (`SIREN`): `12345` is neither a SIREN"),
            "{err}"
        );
        let err = refused("Nom,SIREN,Membres\nPays A,200000009,Vervins\nPays A,200000010,Guise\n");
        assert!(
            err.contains("line 3, column B (`SIREN`)") && err.contains("200000009"),
            "{err}"
        );
        let err = refused("Nom,Forme,Membres\nPays A,PETR,Vervins\nPays A,Association,Guise\n");
        assert!(err.contains("line 3, column B (`Forme`)"), "{err}");
        let err = refused("Nom long;Nom court;Membres\nPays A;A;Vervins\n");
        assert!(
            err.contains("several columns may hold the territory's name"),
            "{err}"
        );
        let err = refused("Nom;Membres\nPays A;Laon; Bourg\n");
        assert!(
            err.contains("line 2, column C: `Bourg` is past the header"),
            "{err}"
        );
        let missing = read_lists(&[PathBuf::from("/nonexistent/list.csv")])
            .unwrap_err()
            .to_string();
        assert!(missing.contains("/nonexistent/list.csv"), "{missing}");
    }

    #[test]
    fn territories_sharing_communes_are_listed() {
        let data = dataset();
        let mut rows = vec![row("100000001", "PETR A"), row("100000002", "PETR B")];
        rows[1].members = vec!["200000001".into()];
        let mut new = row("import-pays-c", "Pays C");
        // Two communes of EPCI 200000000 (PETR A's), one of 200000001 (PETR B's), one of neither.
        new.members = vec!["01001".into(), "01002".into(), "01005".into(), "02009".into()];
        rows.push(new);
        let new_ids = BTreeSet::from(["import-pays-c".to_string()]);
        let found: Vec<(String, String, usize)> = overlaps(&rows, &new_ids, &data)
            .into_iter()
            .map(|o| (o.id, o.other_id, o.communes))
            .collect();
        assert_eq!(
            found,
            [
                ("import-pays-c".into(), "100000001".into(), 2),
                ("import-pays-c".into(), "100000002".into(), 1),
            ]
        );
    }

    #[test]
    fn kinds_in_the_shipped_words() {
        for (written, kind) in [
            ("", "Pays"),
            ("PETR", "PETR"),
            ("Pôle d'équilibre territorial et rural", "PETR"),
            ("association", "Pays (association)"),
            ("Association loi 1901", "Pays (association)"),
            ("Pays (association)", "Pays (association)"),
            ("SMO", "Pays (syndicat mixte)"),
            ("Syndicat mixte fermé", "Pays (syndicat mixte)"),
            ("Pôle métropolitain", "Pays (pôle métropolitain)"),
            ("Pays/PETR", "Pays/PETR"),
            (" GIP ", "GIP"),
        ] {
            assert_eq!(normalise_kind(written), kind, "{written}");
        }
        assert_eq!(slug_id("Pays du Grand Laonnois"), "import-pays-du-grand-laonnois");
        assert_eq!(slug_id("Pays d'Ancenis – Sud"), "import-pays-d-ancenis-sud");
    }

    fn row(id: &str, name: &str) -> TerritoryRow {
        TerritoryRow {
            id: id.into(),
            name: name.into(),
            kind: "Pays".into(),
            status: "s".into(),
            vintage: "v".into(),
            source: "x".into(),
            members: vec!["200000000".into()],
        }
    }

    #[test]
    fn a_merge_replaces_by_id_then_by_name_and_keeps_the_rest_in_order() {
        let existing = vec![
            row("100000001", "Pays A"),
            row("100000002", "Pays B"),
            row("100000003", "Pays C"),
            row("import-pays-d", "Pays D"),
        ];
        let new = vec![
            row("import-pays-e", "Pays E"),
            row("import-pays-b", "PAYS  b"),
            row("100000003", "Pays C renamed"),
            row("import-pays-d", "Pays D"),
        ];
        let (merged, report) = merge(existing, new, Path::new("pays-petr.csv"));
        let ids: Vec<(&str, &str)> = merged.iter().map(|r| (r.id.as_str(), r.name.as_str())).collect();
        assert_eq!(
            ids,
            [
                ("100000001", "Pays A"),
                // Replaced by name: the list has no SIREN, the file's is kept.
                ("100000002", "PAYS  b"),
                ("100000003", "Pays C renamed"),
                ("import-pays-d", "Pays D"),
                ("import-pays-e", "Pays E"),
            ]
        );
        assert_eq!(merged[1].status, "s");
        assert_eq!((report.replaced.len(), report.added, report.kept), (3, 1, 1));
        assert_eq!(
            report.replaced[0],
            ("100000002".into(), "100000002".into(), "PAYS  b".into())
        );
    }

    #[test]
    fn a_run_writes_the_shipped_layout_and_the_review_or_nothing_on_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let data = dataset();
        let over = dir.path().join("pays-petr.csv");
        write_csv(
            &over,
            &[row("100000001", "Pays A"), row("100000002", "Pays du Laonnois")],
        )
        .unwrap();
        let list = write(
            dir.path(),
            "list.csv",
            "Nom;Membres\nPays du Laonnois;\"Laon; Bourg\"\n",
        );
        let mut options = RunOptions {
            lists: vec![list],
            out: dir.path().join("out.csv"),
            report: Some(dir.path().join("review.csv")),
            over: Some(over),
            import: options(),
        };
        let review = run(&options, &data).unwrap();
        assert_eq!(review.territories_written, 1);
        let out = std::fs::read_to_string(&options.out).unwrap();
        assert_eq!(
            out,
            "id,name,kind,status,vintage,source,members\n\
             100000001,Pays A,Pays,s,v,x,200000000\n\
             100000002,Pays du Laonnois,Pays,test,2026-03,a list,01005\n"
        );
        let review_csv = std::fs::read_to_string(options.report.as_ref().unwrap()).unwrap();
        assert_eq!(
            review_csv,
            "file,line,territory,member,how,code,name,candidates,note\n\
             {list},2,Pays du Laonnois,Laon,exact,01005,Laon (01),,\n\
             {list},2,Pays du Laonnois,Bourg,ambiguous,,,01008 Bourg (01) | 02012 Bourg (02),\n"
                .replace("{list}", &options.lists[0].display().to_string())
        );

        // A bad list: nothing written.
        options.lists = vec![write(dir.path(), "bad.csv", "Nom;Membres\n;Laon\n")];
        options.out = dir.path().join("out2.csv");
        options.report = Some(dir.path().join("review2.csv"));
        assert!(run(&options, &data).is_err());
        assert!(!options.out.exists() && !options.report.as_ref().unwrap().exists());
    }
}
