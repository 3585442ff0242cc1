//! Turns records into layers. Every layer but published polygons is a set of whole communes.

use std::collections::BTreeMap;

use crate::catalogue::{LayerEntry, LegendEntry};

use geo::{Coord, InteriorPoint, MultiPolygon};
use rayon::prelude::*;

use super::dissolve::dissolve;
use crate::sources::decoupage::{AdminRecords, EpciRecord};
use crate::sources::membership_csv::TerritoryRecord;
use crate::sources::polygons_file::PolygonRecord;
use territoires_core::dataset::{
    CommuneIx, Feature, Geometries, Layer, LayerKind, Legend, LegendClass, Membership, Text, Value,
};
use territoires_core::index::grid::PointGrid;
use territoires_core::index::polygon::{PolygonIndex, Position};
use territoires_geo::{CleanPolygons, GeodesicKm2, LabelPoint};

/// A territory as a set of communes, before dissolving.
pub struct CommuneSet {
    pub id: String,
    pub name: String,
    pub properties: Vec<(Text, Value)>,
    pub communes: Vec<CommuneIx>,
}

/// The commune atoms every layer is built from.
pub struct AtomSet<'a> {
    pub admin: &'a AdminRecords,
    /// The dataset's communes, made from `admin` (each knows its feature in the communes layer).
    pub communes: &'a [territoires_core::dataset::Commune],
    pub geometries: &'a [Option<MultiPolygon<f64>>],
    pub areas_km2: &'a [f64],
    /// Extent of the metropolitan communes; point grids cover it.
    pub grid_extent: [f64; 4],
}

impl AtomSet<'_> {
    pub fn commune_id(&self, code: &str) -> Option<CommuneIx> {
        self.admin
            .communes
            .binary_search_by(|c| c.code.as_str().cmp(code))
            .ok()
            .map(CommuneIx::at)
    }

    fn population(&self, communes: &[CommuneIx]) -> u64 {
        communes
            .iter()
            .map(|&c| self.admin.communes[c.index()].population)
            .sum()
    }

    fn area_km2(&self, communes: &[CommuneIx]) -> f64 {
        communes.iter().map(|&c| self.areas_km2[c.index()]).sum()
    }

    /// Where a set of communes lies, as properties a filter reads ("the PETR of Occitanie" is
    /// `region = '76'`): for each level, the code holding most of the population (`region`), and
    /// every code the set touches (`regions`), since a Pays or a CRTE may cross a border. A key the
    /// source file already has is kept as the file gives it: a file naming its département knows
    /// which one it means.
    fn place_properties(
        &self,
        communes: &[CommuneIx],
        levels: &[PlaceLevel],
        properties: &mut Vec<(Text, Value)>,
    ) {
        for level in levels {
            let mut population: BTreeMap<&str, u64> = BTreeMap::new();
            for &c in communes {
                let commune = &self.admin.communes[c.index()];
                *population.entry(level.code_of(commune)).or_default() += commune.population;
            }
            // Most populated first; among equals, the lowest code, so that builds agree.
            let main = population
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(code, _)| Text::from(*code));
            let all = Value::List(population.keys().map(|c| Text::from(*c)).collect());
            for (key, value) in [
                (level.main_key(), main.map_or(Value::Null, Value::Text)),
                (level.all_key(), all),
            ] {
                if !properties.iter().any(|(k, _)| k == key) {
                    properties.push((key.into(), value));
                }
            }
        }
    }
}

/// An administrative level a commune set is placed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceLevel {
    Region,
    Departement,
}

impl PlaceLevel {
    fn code_of(self, commune: &crate::sources::decoupage::CommuneRecord) -> &str {
        match self {
            PlaceLevel::Region => &commune.region,
            PlaceLevel::Departement => &commune.departement,
        }
    }

    fn main_key(self) -> &'static str {
        match self {
            PlaceLevel::Region => "region",
            PlaceLevel::Departement => "departement",
        }
    }

    fn all_key(self) -> &'static str {
        match self {
            PlaceLevel::Region => "regions",
            PlaceLevel::Departement => "departements",
        }
    }
}

/// The `communes` layer: one feature per commune with a geometry, located through a point grid.
pub fn communes_layer(meta: &LayerEntry, atoms: &AtomSet) -> Result<Layer, String> {
    let (mut features, mut polygons) = (Vec::new(), Vec::new());
    for (c, commune) in CommuneIx::all(atoms.communes.len()).zip(atoms.communes) {
        if let Some(geometry) = &atoms.geometries[c.index()] {
            features.push(Feature::of_commune(c, commune, None));
            polygons.push(geometry.clone());
        }
    }
    let indexes = exact_tests(&polygons);
    located_layer(
        meta,
        LayerKind::Communes,
        features,
        polygons,
        &indexes,
        atoms,
        4_000_000,
    )
}

/// A layer of commune sets, each dissolved into one polygon. Returns the layer and the number of
/// sliver holes closed by the dissolves.
///
/// Each feature is placed in the `levels` given (see [`AtomSet::place_properties`]).
pub fn commune_set_layer(
    meta: &LayerEntry,
    sets: Vec<CommuneSet>,
    levels: &[PlaceLevel],
    atoms: &AtomSet,
) -> (Layer, usize) {
    let dissolved: Vec<(Feature, MultiPolygon<f64>, usize)> = sets
        .into_par_iter()
        .map(|mut set| {
            atoms.place_properties(&set.communes, levels, &mut set.properties);
            let (geometry, closed, _) = dissolve(
                set.communes
                    .iter()
                    .filter_map(|&c| atoms.geometries[c.index()].as_ref()),
            );
            let feature = Feature {
                population: atoms.population(&set.communes),
                area_km2: atoms.area_km2(&set.communes),
                id: set.id.into(),
                name: set.name.into(),
                properties: set.properties,
                communes: set.communes,
                label: None,
            };
            (feature, geometry, closed)
        })
        .collect();
    let closed = dissolved.iter().map(|(_, _, c)| c).sum();
    let (features, polygons): (Vec<Feature>, Vec<MultiPolygon<f64>>) =
        dissolved.into_iter().map(|(f, g, _)| (f, g)).unzip();
    let membership = Membership::from_features(atoms.admin.communes.len(), &features);
    (
        layer(meta, LayerKind::CommuneSets, features, polygons, membership, None),
        closed,
    )
}

/// A layer of polygons as published. Communes are assigned to the polygons holding their interior
/// point, which is what coverage counts.
pub fn polygons_layer(
    meta: &LayerEntry,
    records: Vec<PolygonRecord>,
    id_key: &str,
    name_key: &str,
    atoms: &AtomSet,
) -> Result<Layer, String> {
    let (features, polygons): (Vec<Feature>, Vec<MultiPolygon<f64>>) = records
        .into_par_iter()
        .map(|r| {
            let geometry = r.geometry.cleaned().0;
            let text = |key: &str| {
                r.properties
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.to_string())
            };
            let feature = Feature {
                id: text(id_key).unwrap_or_else(|| r.index.to_string()).into(),
                name: text(name_key).unwrap_or_default().into(),
                area_km2: geometry.geodesic_km2(),
                properties: r.properties,
                communes: Vec::new(),
                population: 0,
                label: None,
            };
            (feature, geometry)
        })
        .unzip();
    let indexes = exact_tests(&polygons);
    let mut layer = located_layer(
        meta,
        LayerKind::Polygons,
        features,
        polygons,
        &indexes,
        atoms,
        500_000,
    )?;
    // Each commune goes to the polygons holding its interior point, found through the grid just
    // built (exact tests for points outside its extent).
    let grid = layer.grid.take();
    let points: Vec<Option<Coord<f64>>> = atoms
        .geometries
        .par_iter()
        .map(|g| g.as_ref().and_then(|g| g.interior_point()).map(|p| p.0))
        .collect();
    for (c, point) in points.iter().enumerate() {
        let Some(p) = *point else { continue };
        let mut holders = Vec::new();
        let on_grid = grid.as_ref().is_some_and(|g| {
            g.features_at(&layer.geometries, p, |f| {
                holders.push(f.0);
                true
            })
        });
        if !on_grid {
            holders.extend(
                (0..indexes.len() as u32).filter(|&f| indexes[f as usize].position(p) != Position::Outside),
            );
        }
        for f in holders {
            layer.features[f as usize].communes.push(CommuneIx::at(c));
        }
    }
    layer.grid = grid;
    for f in &mut layer.features {
        f.population = atoms.population(&f.communes);
    }
    layer.membership = Membership::from_features(atoms.admin.communes.len(), &layer.features);
    Ok(layer)
}

/// Makes the communes' grid answer for the first published polygon layer too, wherever that
/// layer's answer is the same all over a cell (see [`territoires_core::index::grid`]): most points
/// then find it with the reads that find their commune. Says why when it cannot (the grid's cells
/// have too few spare bits for that layer's features); the layer is then located by its own grid
/// alone, as fast as before and as right.
pub fn pair_first_polygon_layer_with_communes(layers: &mut [Layer]) -> Result<(), String> {
    let communes = layers.iter().position(|l| l.kind == LayerKind::Communes);
    let companion = layers
        .iter()
        .position(|l| l.kind == LayerKind::Polygons && l.grid.is_some());
    let (Some(communes), Some(companion)) = (communes, companion) else {
        return Ok(());
    };
    let indexes = exact_tests(&layers[companion].geometries.all_polygons());
    // Out of its layer while it reads the companion's geometry, as `polygons_layer` does.
    let Some(mut grid) = layers[communes].grid.take() else {
        return Ok(());
    };
    let added = grid.add_companion(companion as u32, &layers[companion].geometries, &indexes);
    layers[communes].grid = Some(grid);
    added.map_err(|e| {
        format!(
            "layer `{}` is not answered from the communes' grid: {e}",
            layers[companion].id
        )
    })
}

/// The exact point-in-polygon test of each feature.
fn exact_tests(polygons: &[MultiPolygon<f64>]) -> Vec<PolygonIndex> {
    polygons.par_iter().map(PolygonIndex::new).collect()
}

/// A layer located by its own geometry, with a point grid over the metropolitan extent.
fn located_layer(
    meta: &LayerEntry,
    kind: LayerKind,
    features: Vec<Feature>,
    polygons: Vec<MultiPolygon<f64>>,
    indexes: &[PolygonIndex],
    atoms: &AtomSet,
    target_cells: usize,
) -> Result<Layer, String> {
    let grid = PointGrid::build(
        &polygons.iter().collect::<Vec<_>>(),
        indexes,
        atoms.grid_extent,
        target_cells,
    )?;
    let membership = Membership::from_features(atoms.admin.communes.len(), &features);
    Ok(layer(meta, kind, features, polygons, membership, Some(grid)))
}

fn layer(
    meta: &LayerEntry,
    kind: LayerKind,
    mut features: Vec<Feature>,
    polygons: Vec<MultiPolygon<f64>>,
    membership: Membership,
    grid: Option<PointGrid>,
) -> Layer {
    features
        .par_iter_mut()
        .zip(&polygons)
        .for_each(|(f, g)| f.label = g.label_point().map(|c| [c.x, c.y]));
    Layer {
        id: meta.id.clone(),
        title: meta.title.clone(),
        singular: meta.singular.clone(),
        none: meta.none.clone(),
        description: meta.description.clone(),
        source: meta.source.clone(),
        kind,
        input: meta.input.kind(),
        searchable: meta.searchable,
        legend: meta.legend.as_ref().map(|l| legend(l, &features)),
        carrier: meta.carrier.clone(),
        display: meta.display.clone(),
        style: meta.style.clone(),
        fields: meta.fields.clone(),
        note: meta.note.clone(),
        carried_by_territories: meta.carried_by_territories,
        features,
        geometries: Geometries::new(&polygons),
        membership,
        grid,
    }
}

/// The legend's classes are the values the features really have, most frequent first, so that a new
/// value in the data shows on the map without a code change.
fn legend(entry: &LegendEntry, features: &[Feature]) -> Legend {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for f in features {
        *counts.entry(f.text(&entry.property)).or_insert(0) += 1;
    }
    let mut classes: Vec<LegendClass> = counts
        .into_iter()
        .map(|(value, features)| LegendClass {
            label: entry.labels.get(&value).cloned().unwrap_or_else(|| value.clone()),
            dashed: entry.dashed.contains(&value),
            value,
            features,
        })
        .collect();
    classes.sort_by(|a, b| b.features.cmp(&a.features).then(a.value.cmp(&b.value)));
    Legend {
        property: entry.property.clone(),
        classes,
    }
}

/// EPCI à fiscalité propre from their member lists.
pub fn epci_sets(
    layer_id: &str,
    epci: &[EpciRecord],
    atoms: &AtomSet,
    warnings: &mut Vec<String>,
) -> Vec<CommuneSet> {
    epci.iter()
        .map(|e| {
            let mut communes = Vec::new();
            for code in &e.members {
                match atoms.commune_id(code) {
                    Some(c) => communes.push(c),
                    None => warnings.push(format!(
                        "{layer_id}: {} {}: unknown member commune {code}",
                        e.siren, e.name
                    )),
                }
            }
            communes.sort_unstable();
            communes.dedup();
            CommuneSet {
                id: e.siren.clone(),
                name: e.name.clone(),
                properties: vec![("type".into(), Value::Text(e.kind.as_str().into()))],
                communes,
            }
        })
        .collect()
}

/// Départements or régions: communes grouped by a code.
pub fn division_sets(
    divisions: &[crate::sources::decoupage::DivisionRecord],
    atoms: &AtomSet,
    code_of: impl Fn(&crate::sources::decoupage::CommuneRecord) -> &str,
) -> Vec<CommuneSet> {
    let mut by_code: BTreeMap<&str, Vec<CommuneIx>> = BTreeMap::new();
    for (i, c) in atoms.admin.communes.iter().enumerate() {
        by_code.entry(code_of(c)).or_default().push(CommuneIx::at(i));
    }
    divisions
        .iter()
        .filter_map(|d| {
            Some(CommuneSet {
                id: d.code.clone(),
                name: d.name.clone(),
                properties: Vec::new(),
                communes: by_code.get(d.code.as_str())?.clone(),
            })
        })
        .collect()
}

/// Territories from a membership CSV. A 9-digit member is an EPCI (its 2026 communes); a
/// 5-character member is one commune. Unknown members are warned about by name and code.
pub fn territory_sets(
    layer_id: &str,
    records: Vec<TerritoryRecord>,
    atoms: &AtomSet,
    warnings: &mut Vec<String>,
) -> Vec<CommuneSet> {
    let epci_communes: BTreeMap<&str, &EpciRecord> =
        atoms.admin.epci.iter().map(|e| (e.siren.as_str(), e)).collect();
    let mut sets = Vec::new();
    for r in records {
        let mut communes = Vec::new();
        let label = format!("{layer_id}: {} {} (line {})", r.id, r.name, r.line);
        for m in &r.members {
            if m.len() == 9 {
                match epci_communes.get(m.as_str()) {
                    Some(e) => communes.extend(e.members.iter().filter_map(|c| atoms.commune_id(c))),
                    None => warnings.push(format!("{label}: unknown EPCI {m}, not a current EPCI")),
                }
            } else {
                match atoms.commune_id(m) {
                    Some(c) => communes.push(c),
                    None => warnings.push(format!("{label}: unknown commune {m}, not a current commune")),
                }
            }
        }
        communes.sort_unstable();
        communes.dedup();
        if communes.is_empty() {
            warnings.push(format!("{label}: no known member; left out of the layer"));
            continue;
        }
        let mut properties = r.properties;
        properties.push((
            "members".into(),
            Value::List(r.members.into_iter().map(Text::from).collect()),
        ));
        sets.push(CommuneSet {
            id: r.id,
            name: r.name,
            properties,
            communes,
        });
    }
    sets
}
