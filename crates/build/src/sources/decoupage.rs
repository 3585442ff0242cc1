//! `@etalab/decoupage-administratif` (COG 2026): communes, EPCI, départements, régions, read straight
//! out of the npm tarball.
//!
//! Besides the current communes, `communes.json` lists the communes déléguées and associées of the
//! communes nouvelles (their own name and code, and the current commune as `chefLieu`), and each current
//! commune's `anciensCodes`. It has no names for the other former communes: those are known by code only.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use territoires_core::dataset::{FormerCommune, Relation, Seat};
use territoires_core::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct CommuneRecord {
    pub code: String,
    /// The commune's SIREN, by which BANATIC names commune members; absent for the overseas
    /// collectivités (Saint-Pierre-et-Miquelon, TAAF, Polynesia…).
    pub siren: Option<String>,
    pub name: String,
    pub postcodes: Vec<String>,
    pub population: u64,
    pub departement: String,
    pub region: String,
    pub metropolitan: bool,
    /// Whether the commune is the seat of a région, a département or an arrondissement.
    pub seat: Option<Seat>,
    /// Names and codes people may still use for (part of) this commune, sorted.
    pub former: Vec<FormerCommune>,
}

#[derive(Debug, Clone)]
pub struct EpciRecord {
    pub siren: String,
    pub name: String,
    pub kind: String,
    pub members: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct DivisionRecord {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct AdminRecords {
    /// Current communes (`commune-actuelle`), sorted by code.
    pub communes: Vec<CommuneRecord>,
    pub epci: Vec<EpciRecord>,
    pub departements: Vec<DivisionRecord>,
    pub regions: Vec<DivisionRecord>,
}

#[derive(Deserialize)]
struct RawCommune {
    code: String,
    nom: String,
    #[serde(rename = "type")]
    kind: String,
    zone: Option<String>,
    departement: Option<String>,
    region: Option<String>,
    #[serde(default, rename = "codesPostaux")]
    postcodes: Vec<String>,
    population: Option<u64>,
    siren: Option<String>,
    /// For a commune déléguée or associée: the current commune it belongs to.
    #[serde(default, rename = "chefLieu")]
    current: Option<String>,
    #[serde(default, rename = "anciensCodes")]
    former_codes: Vec<String>,
}

#[derive(Deserialize)]
struct RawEpci {
    code: String,
    nom: String,
    #[serde(rename = "type")]
    kind: String,
    membres: Vec<RawMember>,
}

#[derive(Deserialize)]
struct RawMember {
    code: String,
}

#[derive(Deserialize)]
struct RawDivision {
    code: String,
    nom: String,
    /// The commune that is the seat (préfecture, sous-préfecture, chef-lieu de région).
    #[serde(default, rename = "chefLieu")]
    seat: Option<String>,
}

const WANTED: [&str; 5] = [
    "communes.json",
    "epci.json",
    "departements.json",
    "regions.json",
    "arrondissements.json",
];

/// Reads the four JSON files out of the package tarball.
pub fn read(tarball: &Path) -> Result<AdminRecords> {
    let files = extract(tarball)?;
    let member = |name: &str| -> Result<&[u8]> {
        files
            .get(name)
            .map(Vec::as_slice)
            .ok_or_else(|| Error::file(tarball, format!("package/data/{name} is missing")))
    };
    let inner = |name: &str| tarball.join(format!("package/data/{name}"));

    let raw: Vec<RawCommune> = parse_json(member("communes.json")?, &inner("communes.json"))?;
    let mut communes = current_communes(raw, &inner("communes.json"))?;

    let raw: Vec<RawEpci> = parse_json(member("epci.json")?, &inner("epci.json"))?;
    let epci = epci_records(raw);

    let raw_divisions = |name: &str| -> Result<Vec<RawDivision>> { parse_json(member(name)?, &inner(name)) };
    let (departements, regions, arrondissements) = (
        raw_divisions("departements.json")?,
        raw_divisions("regions.json")?,
        raw_divisions("arrondissements.json")?,
    );
    mark_seats(&mut communes, &departements, &regions, &arrondissements);

    Ok(AdminRecords {
        communes,
        epci,
        departements: division_records(departements),
        regions: division_records(regions),
    })
}

/// The current communes of `communes.json` (at `path`), sorted by code, each with its communes
/// déléguées and associées and its former codes. A code that appears twice is an error.
fn current_communes(raw: Vec<RawCommune>, path: &Path) -> Result<Vec<CommuneRecord>> {
    let mut communes = Vec::new();
    let mut attached = Vec::new();
    for (i, c) in raw.into_iter().enumerate() {
        let relation = match c.kind.as_str() {
            "commune-actuelle" => None,
            "commune-deleguee" => Some(Relation::Deleguee),
            "commune-associee" => Some(Relation::Associee),
            _ => continue,
        };
        match relation {
            Some(relation) => attached.push(attached_commune(i, c, relation, path)?),
            None => communes.push(current_commune(i, c, path)?),
        }
    }
    communes.sort_by(|a, b| a.code.cmp(&b.code));
    if let Some(pair) = communes.windows(2).find(|w| w[0].code == w[1].code) {
        return Err(Error::record(
            path,
            format!("commune {}", pair[0].code),
            "appears twice as a current commune",
        ));
    }
    attach_former(&mut communes, attached, path)?;
    Ok(communes)
}

/// Record `i` (from 0), a commune déléguée or associée: the code of its current commune, and itself
/// as a former commune of it.
fn attached_commune(
    i: usize,
    c: RawCommune,
    relation: Relation,
    path: &Path,
) -> Result<(String, FormerCommune)> {
    let current = c.current.ok_or_else(|| {
        Error::record(
            path,
            format!("record {} (commune {} {})", i + 1, c.code, c.nom),
            "no chefLieu",
        )
    })?;
    Ok((
        current,
        FormerCommune {
            relation,
            name: Some(c.nom.into()),
            code: c.code.into(),
        },
    ))
}

/// Record `i` (from 0), a current commune, with its former codes but no seat yet.
fn current_commune(i: usize, c: RawCommune, path: &Path) -> Result<CommuneRecord> {
    let record = || format!("record {} (commune {} {})", i + 1, c.code, c.nom);
    let missing = |field: &str| Error::record(path, record(), format!("no {field}"));
    let metropolitan = c.zone.as_deref() == Some("metro");
    // The uninhabited overseas districts (TAAF, Clipperton) have no legal population.
    let population = match (c.population, metropolitan) {
        (Some(p), _) => p,
        (None, false) => 0,
        (None, true) => return Err(missing("population")),
    };
    Ok(CommuneRecord {
        population,
        departement: c.departement.clone().ok_or_else(|| missing("departement"))?,
        region: c.region.clone().ok_or_else(|| missing("region"))?,
        metropolitan,
        postcodes: c.postcodes,
        seat: None,
        former: c
            .former_codes
            .into_iter()
            .map(|code| FormerCommune {
                relation: Relation::Ancienne,
                name: None,
                code: code.into(),
            })
            .collect(),
        siren: c.siren,
        code: c.code,
        name: c.nom,
    })
}

/// The EPCI of `epci.json`, sorted by SIREN.
fn epci_records(raw: Vec<RawEpci>) -> Vec<EpciRecord> {
    let mut epci: Vec<EpciRecord> = raw
        .into_iter()
        .map(|e| EpciRecord {
            siren: e.code,
            name: e.nom,
            kind: e.kind,
            members: e.membres.into_iter().map(|m| m.code).collect(),
        })
        .collect();
    epci.sort_by(|a, b| a.siren.cmp(&b.siren));
    epci
}

/// Marks the communes (sorted by code) that are the seat of a division. The most important seat
/// wins: a préfecture is also the chef-lieu of its arrondissement.
fn mark_seats(
    communes: &mut [CommuneRecord],
    departements: &[RawDivision],
    regions: &[RawDivision],
    arrondissements: &[RawDivision],
) {
    for (list, seat) in [
        (arrondissements, Seat::SousPrefecture),
        (departements, Seat::Prefecture),
        (regions, Seat::RegionalPrefecture),
    ] {
        for code in list.iter().filter_map(|d| d.seat.as_deref()) {
            if let Ok(i) = communes.binary_search_by(|c| c.code.as_str().cmp(code)) {
                communes[i].seat = Some(communes[i].seat.map_or(seat, |s| s.min(seat)));
            }
        }
    }
}

/// Départements or régions, sorted by code.
fn division_records(raw: Vec<RawDivision>) -> Vec<DivisionRecord> {
    let mut list: Vec<DivisionRecord> = raw
        .into_iter()
        .map(|d| DivisionRecord {
            code: d.code,
            name: d.nom,
        })
        .collect();
    list.sort_by(|a, b| a.code.cmp(&b.code));
    list
}

/// Gives each commune déléguée or associée to its current commune. A former code that a named entry
/// explains is not kept again as a bare code; an entry that is the current commune itself (same code,
/// same name, as for the chef-lieu of many communes nouvelles) teaches nothing and is dropped.
fn attach_former(
    communes: &mut [CommuneRecord],
    attached: Vec<(String, FormerCommune)>,
    file: &Path,
) -> Result<()> {
    for (current, former) in attached {
        let i = communes
            .binary_search_by(|c| c.code.as_str().cmp(&current))
            .map_err(|_| {
                Error::record(
                    file,
                    format!("commune {}", former.code),
                    format!("chefLieu {current} is not a current commune"),
                )
            })?;
        let commune = &mut communes[i];
        commune
            .former
            .retain(|f| !(f.relation == Relation::Ancienne && f.code == former.code));
        if former.code == commune.code && former.name.as_deref() == Some(commune.name.as_str()) {
            continue;
        }
        commune.former.push(former);
    }
    for commune in communes.iter_mut() {
        commune.former.sort();
        commune.former.dedup();
    }
    Ok(())
}

fn extract(tarball: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let file = std::fs::File::open(tarball).map_err(|e| Error::io(tarball, e))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let corrupt = |e: std::io::Error| Error::file(tarball, format!("unreadable npm tarball: {e}"));
    let mut files = BTreeMap::new();
    for entry in archive.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        let path = entry.path().map_err(corrupt)?.to_string_lossy().into_owned();
        if let Some(name) = path.strip_prefix("package/data/")
            && WANTED.contains(&name)
        {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(corrupt)?;
            files.insert(name.to_string(), bytes);
        }
    }
    Ok(files)
}

fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8], path: &Path) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::file(path, format!("invalid JSON: {e}")))
}
