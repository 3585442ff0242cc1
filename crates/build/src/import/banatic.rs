//! `territoires import-banatic`: BANATIC's export of syndicat perimeters → `pays-petr.csv`.
//!
//! BANATIC lists every PETR and syndicat of France with its members, but says nothing of which
//! syndicats are Pays, lists members the map cannot draw (syndicats, départements, chambres), and
//! lets an EPCI belong to several structures. The import therefore:
//!
//! 1. **selects** every structure of nature `PETR`, plus the SIRENs of a hand-kept list;
//! 2. **filters members**: a `Groupement` is kept if it is an EPCI à fiscalité propre of COG 2026; a
//!    `Commune` (named by its SIREN) is mapped to its INSEE code through COG 2026 and kept unless it
//!    lies in an EPCI the same structure keeps; anything else (`Autres`) is dropped;
//! 3. **gives each commune to one structure**: structures are taken in priority order, PETRs first,
//!    then the others, each group by ascending SIREN. A member that shares a commune with a structure
//!    taken earlier is lost to it. A structure that is not a PETR and would lose more than half of its
//!    members (counted after step 2) is dropped whole and holds nothing, so the members it did not
//!    lose stay free for the structures after it. A structure left with no member is dropped.
//!
//! This is the rule `geodata/territoires/pays-petr.csv` was made with, and the rows come out in its
//! order (PETRs by SIREN, then the others by SIREN; members sorted), so that an import of the same
//! export reproduces that file byte for byte. Every member or structure left out is reported with why.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::sources::banatic_export::{self, ExportStructure, MemberType};
use crate::sources::decoupage::{self, AdminRecords};
use crate::sources::pinned::DECOUPAGE_ADMINISTRATIF;
use crate::sources::siren_list;
use territoires_core::error::{Error, Result};

/// Header of `pays-petr.csv`, in order.
pub const HEADER: [&str; 7] = ["id", "name", "kind", "status", "vintage", "source", "members"];

/// The columns every written row shares.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub status: String,
    pub vintage: String,
    pub source: String,
}

/// What COG 2026 says about the members: which EPCI exist and which communes they hold, and which
/// INSEE code each commune SIREN has.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    epci: BTreeMap<String, Vec<String>>,
    commune_by_siren: BTreeMap<String, String>,
    epci_of_commune: BTreeMap<String, String>,
}

impl Reference {
    /// `epci`: (SIREN, member INSEE codes); `communes`: (SIREN, INSEE code).
    pub fn new(
        epci: impl IntoIterator<Item = (String, Vec<String>)>,
        communes: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        let epci: BTreeMap<String, Vec<String>> = epci.into_iter().collect();
        let epci_of_commune = epci
            .iter()
            .flat_map(|(siren, members)| members.iter().map(move |m| (m.clone(), siren.clone())))
            .collect();
        Reference {
            epci,
            commune_by_siren: communes.into_iter().collect(),
            epci_of_commune,
        }
    }

    pub fn from_admin(admin: &AdminRecords) -> Self {
        Reference::new(
            admin.epci.iter().map(|e| (e.siren.clone(), e.members.clone())),
            admin
                .communes
                .iter()
                .filter_map(|c| Some((c.siren.clone()?, c.code.clone()))),
        )
    }
}

/// One row of `pays-petr.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerritoryRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub vintage: String,
    pub source: String,
    /// EPCI SIRENs and commune INSEE codes, sorted.
    pub members: Vec<String>,
}

/// Everything the import left out, and why.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// Structures in the export(s).
    pub structures_read: usize,
    /// Structures selected (PETR or listed).
    pub structures_selected: usize,
    pub written: usize,
    pub petr_written: usize,
    pub others_written: usize,
    pub members_written: usize,
    pub dropped_members: Vec<DroppedMember>,
    pub conflicts: Vec<Conflict>,
    pub dropped_structures: Vec<DroppedStructure>,
    /// SIRENs of the `--also-siren` list that no row of the export has.
    pub listed_not_found: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DroppedMember {
    pub structure: String,
    pub structure_name: String,
    pub member: String,
    pub member_name: String,
    pub member_type: String,
    pub reason: MemberDrop,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum MemberDrop {
    /// A `Groupement` that is no EPCI à fiscalité propre of 2026 (a syndicat, a dissolved EPCI).
    NotEpci2026,
    /// A `Commune` whose SIREN no current commune of COG 2026 has.
    UnknownCommune,
    /// A `Commune` that an EPCI member of the same structure already brings.
    InMemberEpci { epci: String },
    /// `Autres` or any other member type.
    NotEpciOrCommune,
    /// It shares a commune with a structure of higher priority.
    LostTo { winner: String },
}

/// A member claimed by two or more selected structures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// EPCI SIREN or commune INSEE code.
    pub member: String,
    pub member_name: String,
    /// In priority order.
    pub claimants: Vec<String>,
    /// The structure that holds it in the output, if any.
    pub winner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DroppedStructure {
    pub siren: String,
    pub name: String,
    pub nature: String,
    pub reason: StructureDrop,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum StructureDrop {
    /// None of its members survived the member filter.
    NoMember,
    /// Not a PETR, and it would lose more than half of its members to structures of higher priority.
    LostMajority {
        lost: usize,
        members: usize,
        winners: Vec<String>,
    },
    /// A PETR whose every member is held by PETRs of smaller SIREN.
    AllTaken { winners: Vec<String> },
}

impl fmt::Display for MemberDrop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MemberDrop::NotEpci2026 => write!(f, "not an EPCI à fiscalité propre of COG 2026"),
            MemberDrop::UnknownCommune => write!(f, "no current commune of COG 2026 has this SIREN"),
            MemberDrop::InMemberEpci { epci } => write!(f, "already in member EPCI {epci}"),
            MemberDrop::NotEpciOrCommune => write!(f, "neither an EPCI nor a commune"),
            MemberDrop::LostTo { winner } => write!(f, "held by {winner} (conflict rule)"),
        }
    }
}

impl fmt::Display for StructureDrop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StructureDrop::NoMember => write!(f, "no member left after filtering"),
            StructureDrop::LostMajority {
                lost,
                members,
                winners,
            } => write!(
                f,
                "would lose {lost} of its {members} members to {}, more than half",
                winners.join(", ")
            ),
            StructureDrop::AllTaken { winners } => {
                write!(f, "every member is held by {}", winners.join(", "))
            }
        }
    }
}

impl ImportReport {
    /// The report as readable lines, one per finding.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for s in &self.listed_not_found {
            lines.push(format!("listed but not in the export: {s}"));
        }
        for d in &self.dropped_members {
            lines.push(format!(
                "dropped member: {} {}: {} {} ({}): {}",
                d.structure, d.structure_name, d.member, d.member_name, d.member_type, d.reason
            ));
        }
        for c in &self.conflicts {
            lines.push(format!(
                "conflict: {} {} claimed by {}; {}",
                c.member,
                c.member_name,
                c.claimants.join(", "),
                c.winner
                    .as_ref()
                    .map_or_else(|| "no structure keeps it".to_string(), |w| format!("kept by {w}"))
            ));
        }
        for d in &self.dropped_structures {
            lines.push(format!(
                "dropped structure: {} {} ({}): {}",
                d.siren, d.name, d.nature, d.reason
            ));
        }
        lines
    }

    /// One line for the end of the command.
    pub fn summary(&self) -> String {
        format!(
            "{} structures written ({} PETR, {} syndicats and others) with {} members, from {} selected of {} \
             read; {} members dropped, {} conflicts, {} structures dropped",
            self.written,
            self.petr_written,
            self.others_written,
            self.members_written,
            self.structures_selected,
            self.structures_read,
            self.dropped_members.len(),
            self.conflicts.len(),
            self.dropped_structures.len()
        )
    }
}

/// A member that passed the filter: its code and the communes it brings.
struct Candidate<'a> {
    code: String,
    name: &'a str,
    member_type: &'static str,
    communes: Vec<String>,
}

fn is_petr(s: &ExportStructure) -> bool {
    s.nature.eq_ignore_ascii_case("PETR")
}

/// The `kind` column for a BANATIC nature.
pub fn kind_of(nature: &str) -> String {
    match nature.to_ascii_uppercase().as_str() {
        "PETR" => "PETR".to_string(),
        "SMF" | "SMO" => "Pays (syndicat mixte)".to_string(),
        "POLEM" => "Pays (pôle métropolitain)".to_string(),
        "" => "Pays".to_string(),
        _ => format!("Pays ({nature})"),
    }
}

/// The import itself, with no file access: see the module documentation for the rule.
pub fn import_banatic(
    structures: &[ExportStructure],
    also: &BTreeSet<String>,
    reference: &Reference,
    options: &ImportOptions,
) -> (Vec<TerritoryRow>, ImportReport) {
    let mut report = ImportReport {
        structures_read: structures.len(),
        ..ImportReport::default()
    };
    let selected = select_structures(structures, also, &mut report);
    let candidates: Vec<Vec<Candidate>> = selected
        .iter()
        .map(|s| filter_members(s, reference, &mut report.dropped_members))
        .collect();

    let mut holders = Holders::default();
    let mut rows = Vec::new();
    for (i, s) in selected.iter().enumerate() {
        let Some(members) = claim_members(i, &selected, &candidates[i], &mut holders, &mut report) else {
            continue;
        };
        report.members_written += members.len();
        if is_petr(s) {
            report.petr_written += 1;
        } else {
            report.others_written += 1;
        }
        rows.push(TerritoryRow {
            id: s.siren.clone(),
            name: s.name.clone(),
            kind: kind_of(&s.nature),
            status: options.status.clone(),
            vintage: options.vintage.clone(),
            source: options.source.clone(),
            members,
        });
    }
    report.written = rows.len();

    let conflicts = conflicts(&selected, &candidates, &holders);
    report.conflicts.extend(conflicts);
    report
        .dropped_members
        .sort_by(|a, b| (&a.structure, &a.member).cmp(&(&b.structure, &b.member)));
    (rows, report)
}

/// Step 1: the PETRs and the listed structures, in priority order (PETRs first, then by SIREN),
/// each once. Notes the listed SIRENs the export lacks.
fn select_structures<'s>(
    structures: &'s [ExportStructure],
    also: &BTreeSet<String>,
    report: &mut ImportReport,
) -> Vec<&'s ExportStructure> {
    let present: BTreeSet<&str> = structures.iter().map(|s| s.siren.as_str()).collect();
    report.listed_not_found = also
        .iter()
        .filter(|s| !present.contains(s.as_str()))
        .cloned()
        .collect();

    let mut selected: Vec<&ExportStructure> = structures
        .iter()
        .filter(|s| is_petr(s) || also.contains(&s.siren))
        .collect();
    selected.sort_by(|a, b| (!is_petr(a), &a.siren).cmp(&(!is_petr(b), &b.siren)));
    selected.dedup_by(|a, b| a.siren == b.siren);
    report.structures_selected = selected.len();
    selected
}

/// Who holds what so far, as indices into the selected structures.
#[derive(Default)]
struct Holders<'a> {
    member: HashMap<&'a str, usize>,
    commune: HashMap<&'a str, usize>,
    /// Every member some structure could not have, with the structure that held it.
    lost_to: Vec<(&'a Candidate<'a>, usize)>,
}

impl<'a> Holders<'a> {
    /// The structure holding `c` itself or one of its communes.
    fn of(&self, c: &Candidate) -> Option<usize> {
        self.member
            .get(c.code.as_str())
            .or_else(|| c.communes.iter().find_map(|x| self.commune.get(x.as_str())))
            .copied()
    }

    /// Gives `c` and its communes to structure `i`.
    fn give(&mut self, c: &'a Candidate<'a>, i: usize) {
        self.member.insert(&c.code, i);
        for x in &c.communes {
            self.commune.insert(x, i);
        }
    }

    /// Who holds `code` in the end: its holder, or whoever took it from a claimant when it is held
    /// through another member (a commune inside a held EPCI). Only kept structures ever hold
    /// anything.
    fn final_holder(&self, code: &str) -> Option<usize> {
        self.member
            .get(code)
            .copied()
            .or_else(|| self.lost_to.iter().find(|(c, _)| c.code == code).map(|&(_, w)| w))
    }
}

/// Step 3 for the `i`th selected structure, whose filtered members are `own`: the members it keeps,
/// sorted, or `None` when it is dropped (reported, with the members it lost).
fn claim_members<'a>(
    i: usize,
    selected: &[&ExportStructure],
    own: &'a [Candidate<'a>],
    holders: &mut Holders<'a>,
    report: &mut ImportReport,
) -> Option<Vec<String>> {
    let s = selected[i];
    let drop = |reason| DroppedStructure {
        siren: s.siren.clone(),
        name: s.name.clone(),
        nature: s.nature.clone(),
        reason,
    };
    if own.is_empty() {
        report.dropped_structures.push(drop(StructureDrop::NoMember));
        return None;
    }
    let (mut lost, mut free): (Vec<(&Candidate, usize)>, Vec<&Candidate>) = (Vec::new(), Vec::new());
    for c in own {
        match holders.of(c) {
            Some(w) => lost.push((c, w)),
            None => free.push(c),
        }
    }
    let winners = || -> Vec<String> {
        let set: BTreeSet<usize> = lost.iter().map(|&(_, w)| w).collect();
        set.into_iter().map(|w| selected[w].siren.clone()).collect()
    };
    if !is_petr(s) && lost.len() * 2 > own.len() {
        report.dropped_structures.push(drop(StructureDrop::LostMajority {
            lost: lost.len(),
            members: own.len(),
            winners: winners(),
        }));
        holders.lost_to.extend(&lost);
        return None;
    }
    if free.is_empty() {
        report
            .dropped_structures
            .push(drop(StructureDrop::AllTaken { winners: winners() }));
        holders.lost_to.extend(&lost);
        return None;
    }
    for &(c, w) in &lost {
        report.dropped_members.push(DroppedMember {
            structure: s.siren.clone(),
            structure_name: s.name.clone(),
            member: c.code.clone(),
            member_name: c.name.to_string(),
            member_type: c.member_type.to_string(),
            reason: MemberDrop::LostTo {
                winner: selected[w].siren.clone(),
            },
        });
        holders.lost_to.push((c, w));
    }
    let mut members = Vec::new();
    for c in free {
        holders.give(c, i);
        members.push(c.code.clone());
    }
    members.sort();
    Some(members)
}

/// Every member listed by two or more selected structures, or lost to one that holds it through
/// another member, in code order.
fn conflicts(
    selected: &[&ExportStructure],
    candidates: &[Vec<Candidate>],
    holders: &Holders,
) -> Vec<Conflict> {
    let mut claims: BTreeMap<&str, (&str, BTreeSet<usize>)> = BTreeMap::new();
    for (i, own) in candidates.iter().enumerate() {
        for c in own {
            claims
                .entry(&c.code)
                .or_insert((c.name, BTreeSet::new()))
                .1
                .insert(i);
        }
    }
    for &(c, w) in &holders.lost_to {
        if let Some(entry) = claims.get_mut(c.code.as_str()) {
            entry.1.insert(w);
        }
    }
    claims
        .into_iter()
        .filter(|(_, (_, claimants))| claimants.len() >= 2)
        .map(|(code, (name, claimants))| Conflict {
            member: code.to_string(),
            member_name: name.to_string(),
            claimants: claimants.iter().map(|&i| selected[i].siren.clone()).collect(),
            winner: holders.final_holder(code).map(|w| selected[w].siren.clone()),
        })
        .collect()
}

/// Step 2 of the rule: the members that can be drawn, each with the communes it brings.
fn filter_members<'a>(
    s: &'a ExportStructure,
    reference: &Reference,
    dropped: &mut Vec<DroppedMember>,
) -> Vec<Candidate<'a>> {
    let mut drop = |m: &banatic_export::ExportMember, reason| {
        dropped.push(DroppedMember {
            structure: s.siren.clone(),
            structure_name: s.name.clone(),
            member: m.siren.clone(),
            member_name: m.name.clone(),
            member_type: m.member_type.label().to_string(),
            reason,
        })
    };
    let mut kept: Vec<Candidate> = Vec::new();
    let mut communes = Vec::new();
    for m in &s.members {
        match m.member_type {
            MemberType::Groupement => match reference.epci.get(&m.siren) {
                Some(members) => kept.push(Candidate {
                    code: m.siren.clone(),
                    name: &m.name,
                    member_type: "Groupement",
                    communes: members.clone(),
                }),
                None => drop(m, MemberDrop::NotEpci2026),
            },
            MemberType::Commune => match reference.commune_by_siren.get(&m.siren) {
                Some(insee) => communes.push((m, insee)),
                None => drop(m, MemberDrop::UnknownCommune),
            },
            MemberType::Other(_) => drop(m, MemberDrop::NotEpciOrCommune),
        }
    }
    for (m, insee) in communes {
        match reference.epci_of_commune.get(insee) {
            Some(epci) if kept.iter().any(|c| &c.code == epci) => {
                drop(m, MemberDrop::InMemberEpci { epci: epci.clone() })
            }
            _ if kept.iter().any(|c| &c.code == insee) => {}
            _ => kept.push(Candidate {
                code: insee.clone(),
                name: &m.name,
                member_type: "Commune",
                communes: vec![insee.clone()],
            }),
        }
    }
    kept
}

/// Writes `pays-petr.csv` atomically: a temporary file in the same directory, then a rename, so an
/// existing file is either replaced whole or left as it was.
pub fn write_csv(path: &Path, rows: &[TerritoryRow]) -> Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| Error::file(path, format!("cannot write CSV: {e}"));
    writer.write_record(HEADER).map_err(csv_error)?;
    for r in rows {
        let members = r.members.join(";");
        writer
            .write_record([
                &r.id, &r.name, &r.kind, &r.status, &r.vintage, &r.source, &members,
            ])
            .map_err(csv_error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::file(path, format!("cannot write CSV: {e}")))?;

    territoires_core::fs::write_atomically(path, &bytes)
}

/// Files and options of one run of the command.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub exports: Vec<PathBuf>,
    pub also_siren: Option<PathBuf>,
    pub cache: PathBuf,
    pub out: PathBuf,
    pub import: ImportOptions,
}

/// Reads the inputs, imports, writes the CSV. Nothing is written unless every input is read whole.
pub fn run(options: &RunOptions) -> Result<(Vec<TerritoryRow>, ImportReport)> {
    let structures = banatic_export::read(&options.exports)?;
    let also = match &options.also_siren {
        Some(path) => siren_list::read(path)?,
        None => BTreeSet::new(),
    };
    let tarball = DECOUPAGE_ADMINISTRATIF.ensure_cached(&options.cache)?;
    let reference = Reference::from_admin(&decoupage::read(&tarball)?);
    let (rows, report) = import_banatic(&structures, &also, &reference, &options.import);
    if rows.is_empty() {
        return Err(Error::file(
            &options.out,
            "not written: no structure of the export was kept (no PETR, and no listed SIREN with members)",
        ));
    }
    write_csv(&options.out, &rows)?;
    Ok((rows, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::banatic_export::ExportMember;

    fn options() -> ImportOptions {
        ImportOptions {
            status: "banatic-test".into(),
            vintage: "2026-01".into(),
            source: "test".into(),
        }
    }

    /// EPCI `e1`…: SIREN `20000000N`, communes `0100N` and `0110N`; commune `0190N` is in no EPCI.
    fn reference() -> Reference {
        Reference::new(
            (1..=9).map(|n| {
                (
                    format!("20000000{n}"),
                    vec![format!("0100{n}"), format!("0110{n}")],
                )
            }),
            (1..=9).flat_map(|n| {
                [
                    (format!("21000000{n}"), format!("0100{n}")),
                    (format!("21900000{n}"), format!("0190{n}")),
                ]
            }),
        )
    }

    fn structure(siren: &str, nature: &str, members: &[(&str, MemberType)]) -> ExportStructure {
        ExportStructure {
            siren: siren.into(),
            name: format!("S {siren}"),
            nature: nature.into(),
            members: members
                .iter()
                .map(|(m, t)| ExportMember {
                    siren: m.to_string(),
                    name: format!("M {m}"),
                    member_type: t.clone(),
                })
                .collect(),
        }
    }

    fn epcis(ns: &[u8]) -> Vec<(String, MemberType)> {
        ns.iter()
            .map(|n| (format!("20000000{n}"), MemberType::Groupement))
            .collect()
    }

    fn build(structures: &[ExportStructure], also: &[&str]) -> (Vec<TerritoryRow>, ImportReport) {
        let also = also.iter().map(|s| s.to_string()).collect();
        import_banatic(structures, &also, &reference(), &options())
    }

    fn refs(list: &[(String, MemberType)]) -> Vec<(&str, MemberType)> {
        list.iter().map(|(s, t)| (s.as_str(), t.clone())).collect()
    }

    #[test]
    fn petr_wins_over_syndicat_and_smaller_siren_wins_among_petr() {
        let structures = [
            structure("300000003", "SMF", &refs(&epcis(&[1, 2, 3]))),
            structure("300000002", "PETR", &refs(&epcis(&[3, 4]))),
            structure("300000001", "PETR", &refs(&epcis(&[4, 5]))),
            structure("100000000", "SMO", &refs(&epcis(&[9]))),
        ];
        let (rows, report) = build(&structures, &["300000003", "100000000"]);
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        // PETRs first, each group by SIREN.
        assert_eq!(ids, ["300000001", "300000002", "100000000", "300000003"]);
        assert_eq!(rows[0].members, ["200000004", "200000005"]);
        assert_eq!(rows[1].members, ["200000003"]);
        assert_eq!(rows[3].members, ["200000001", "200000002"]);
        assert_eq!(rows[3].kind, "Pays (syndicat mixte)");
        assert_eq!(rows[2].status, "banatic-test");
        let conflicts: Vec<(&str, Vec<&str>, Option<&str>)> = report
            .conflicts
            .iter()
            .map(|c| {
                (
                    c.member.as_str(),
                    c.claimants.iter().map(String::as_str).collect(),
                    c.winner.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            conflicts,
            [
                ("200000003", vec!["300000002", "300000003"], Some("300000002")),
                ("200000004", vec!["300000001", "300000002"], Some("300000001")),
            ]
        );
        assert!(report.dropped_structures.is_empty());
        assert_eq!(
            (report.petr_written, report.others_written, report.members_written),
            (2, 2, 6)
        );
    }

    #[test]
    fn syndicat_losing_more_than_half_is_dropped_and_releases_the_rest() {
        let structures = [
            structure("300000001", "PETR", &refs(&epcis(&[1, 2]))),
            // Would lose 2 of 3: dropped, so 3 stays free for the next syndicat.
            structure("300000002", "SMF", &refs(&epcis(&[1, 2, 3]))),
            structure("300000003", "POLEM", &refs(&epcis(&[3, 4]))),
            // Loses exactly half: kept.
            structure("300000004", "SMO", &refs(&epcis(&[4, 5]))),
        ];
        let (rows, report) = build(&structures, &["300000002", "300000003", "300000004"]);
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["300000001", "300000003", "300000004"]);
        assert_eq!(rows[1].members, ["200000003", "200000004"]);
        assert_eq!(rows[1].kind, "Pays (pôle métropolitain)");
        assert_eq!(rows[2].members, ["200000005"]);
        assert_eq!(
            report.dropped_structures,
            [DroppedStructure {
                siren: "300000002".into(),
                name: "S 300000002".into(),
                nature: "SMF".into(),
                reason: StructureDrop::LostMajority {
                    lost: 2,
                    members: 3,
                    winners: vec!["300000001".into()],
                },
            }]
        );
        let c3 = report.conflicts.iter().find(|c| c.member == "200000003").unwrap();
        assert_eq!(c3.claimants, ["300000002", "300000003"]);
        assert_eq!(c3.winner.as_deref(), Some("300000003"));
        let lost: Vec<&DroppedMember> = report
            .dropped_members
            .iter()
            .filter(|d| matches!(d.reason, MemberDrop::LostTo { .. }))
            .collect();
        assert_eq!(lost.len(), 1);
        assert_eq!(
            (lost[0].structure.as_str(), lost[0].member.as_str()),
            ("300000004", "200000004")
        );
    }

    #[test]
    fn petr_losing_everything_is_dropped() {
        let structures = [
            structure("300000001", "PETR", &refs(&epcis(&[1, 2]))),
            structure("300000002", "PETR", &refs(&epcis(&[2]))),
        ];
        let (rows, report) = build(&structures, &[]);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            report.dropped_structures[0].reason,
            StructureDrop::AllTaken {
                winners: vec!["300000001".into()]
            }
        );
        assert_eq!(report.conflicts[0].winner.as_deref(), Some("300000001"));
    }

    #[test]
    fn members_are_filtered_and_every_drop_is_reported() {
        let members = [
            ("200000001", MemberType::Groupement),
            // A syndicat, no EPCI of 2026.
            ("250000001", MemberType::Groupement),
            // Commune 01001, already in EPCI 200000001.
            ("210000001", MemberType::Commune),
            // Commune 01902, in no member EPCI: kept by INSEE code.
            ("219000002", MemberType::Commune),
            // Unknown commune SIREN.
            ("219999999", MemberType::Commune),
            ("", MemberType::Other("Autres".into())),
        ];
        let structures = [
            structure("300000001", "PETR", &members),
            structure("300000002", "SIVU", &refs(&epcis(&[7]))),
            structure("300000003", "SIVU", &refs(&epcis(&[8]))),
            structure("300000004", "SMF", &[("", MemberType::Other("Autres".into()))]),
        ];
        let (rows, report) = build(&structures, &["300000003", "300000004", "399999999"]);
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["300000001", "300000003"]);
        assert_eq!(rows[0].members, ["01902", "200000001"]);
        assert_eq!(rows[1].kind, "Pays (SIVU)");
        let drops: Vec<(&str, &str, &MemberDrop)> = report
            .dropped_members
            .iter()
            .map(|d| (d.structure.as_str(), d.member.as_str(), &d.reason))
            .collect();
        assert_eq!(
            drops,
            [
                ("300000001", "", &MemberDrop::NotEpciOrCommune),
                (
                    "300000001",
                    "210000001",
                    &MemberDrop::InMemberEpci {
                        epci: "200000001".into()
                    }
                ),
                ("300000001", "219999999", &MemberDrop::UnknownCommune),
                ("300000001", "250000001", &MemberDrop::NotEpci2026),
                ("300000004", "", &MemberDrop::NotEpciOrCommune),
            ]
        );
        assert_eq!(report.dropped_structures.len(), 1);
        assert_eq!(report.dropped_structures[0].reason, StructureDrop::NoMember);
        assert_eq!(report.listed_not_found, ["399999999"]);
        assert_eq!((report.structures_read, report.structures_selected), (4, 3));
        assert!(
            report
                .lines()
                .iter()
                .any(|l| l.contains("Autres") && l.contains("neither"))
        );
    }

    #[test]
    fn a_commune_inside_a_held_epci_is_a_conflict() {
        let structures = [
            structure("300000001", "PETR", &refs(&epcis(&[1]))),
            structure(
                "300000002",
                "PETR",
                &[
                    ("210000001", MemberType::Commune),
                    ("200000002", MemberType::Groupement),
                ],
            ),
        ];
        let (rows, report) = build(&structures, &[]);
        assert_eq!(rows[1].members, ["200000002"]);
        assert_eq!(report.conflicts.len(), 1);
        assert_eq!(report.conflicts[0].member, "01001");
        assert_eq!(report.conflicts[0].claimants, ["300000001", "300000002"]);
        assert_eq!(report.conflicts[0].winner.as_deref(), Some("300000001"));
    }

    #[test]
    fn csv_is_written_atomically_in_the_shipped_layout() {
        let dir = std::env::temp_dir().join(format!("territoires-banatic-{}", std::process::id()));
        let path = dir.join("pays-petr.csv");
        let rows = vec![TerritoryRow {
            id: "300000001".into(),
            name: "PETR du Briançonnais, des Ecrins".into(),
            kind: "PETR".into(),
            status: "s".into(),
            vintage: "v".into(),
            source: "a; b".into(),
            members: vec!["01001".into(), "200000001".into()],
        }];
        write_csv(&path, &rows).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "id,name,kind,status,vintage,source,members\n\
             300000001,\"PETR du Briançonnais, des Ecrins\",PETR,s,v,a; b,01001;200000001\n"
        );
        let leftovers = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(leftovers, 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
