//! The portrait of one territory: its figures, its share of the départements and régions it touches,
//! its members, what every other layer holds of it, and its neighbours.
//!
//! Communes are the atoms here as everywhere: every share is a sum over whole communes (their legal
//! populations and geodesic areas), so the parts of a territory add up to its communes' totals. For a
//! layer of published polygons, a commune counts for a polygon when its interior point lies in it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::QueryError;
use super::coverage::{method, percent};
use super::territory::find_feature;
use territoires_core::dataset::InputKind;
use territoires_core::dataset::{CommuneIx, Dataset, Feature, FeatureIx, Layer, LayerIx, LayerKind, Source};
use territoires_geo::topology::Neighbours;

/// Per-feature properties that say where a perimeter comes from, shown beside it when present.
pub const PROVENANCE_PROPERTIES: [&str; 5] = ["kind", "status", "vintage", "source", "snapshot"];

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Portrait {
    pub layer: LayerRef,
    pub id: String,
    pub name: String,
    /// Every attribute of the feature, as the layer's file gives them.
    pub properties: crate::answer::Properties,
    /// The attributes among [`PROVENANCE_PROPERTIES`] that the feature has.
    pub provenance: BTreeMap<String, String>,
    pub figures: Figures,
    pub bbox: Option<[f64; 4]>,
    /// The départements and régions the territory touches, with its share of each.
    pub departements: Vec<DivisionShare>,
    pub regions: Vec<DivisionShare>,
    pub members: Members,
    /// Every other layer but the communes, in catalogue order, with the features sharing communes with
    /// this territory (and, for layers with a carrier, those the territory carries).
    pub layers: Vec<LayerRelation>,
    /// Features of the same layer sharing a border with this one (see [`neighbours`]).
    pub neighbours: Vec<Neighbour>,
    /// How communes are counted in the shares.
    pub method: &'static str,
    pub source: Source,
    /// Source of the communes' populations and areas, the denominators of every share.
    pub denominators_source: Source,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LayerRef {
    #[schemars(with = "crate::answer::LayerId")]
    pub id: String,
    pub title: String,
    pub singular: String,
}

impl LayerRef {
    fn of(layer: &Layer) -> Self {
        LayerRef {
            id: layer.id.clone(),
            title: layer.title.clone(),
            singular: layer.singular.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Figures {
    /// Sum of the member communes' legal populations.
    pub population: u64,
    /// The feature's geodesic area.
    pub area_km2: f64,
    /// Inhabitants per km²; `None` for a territory without area.
    pub density_per_km2: Option<f64>,
    pub communes: usize,
    /// Member communes without a geometry (their population counts, their area is 0).
    pub communes_without_geometry: usize,
    /// EPCI holding at least one member commune.
    pub epci: usize,
    /// Sum of the member communes' areas: the denominator of the shares of the territory's area.
    pub communes_area_km2: f64,
}

/// The territory's part of one département or région.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct DivisionShare {
    pub code: String,
    pub name: String,
    /// Member communes in this division.
    pub communes: usize,
    /// The territory's population and area in this division.
    pub population: u64,
    pub area_km2: f64,
    /// The division's own totals, over all its communes.
    pub division_communes: usize,
    pub division_population: u64,
    pub division_area_km2: f64,
    /// Percent of the division's population and area that the territory holds.
    pub population_pct: f64,
    pub area_pct: f64,
    /// Percent of the territory's population that lies in this division.
    pub territory_population_pct: f64,
}

#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Members {
    /// The EPCI of the member communes, most populous part first.
    pub epci: Vec<MemberEpci>,
    /// The member communes, by INSEE code.
    pub communes: Vec<MemberCommune>,
    /// Declared members (the `members` attribute) that are neither a 2026 EPCI nor a current commune.
    pub unknown: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct MemberEpci {
    pub id: String,
    pub name: String,
    /// The EPCI's communes in the territory, their population and area.
    pub communes: usize,
    pub population: u64,
    pub area_km2: f64,
    /// All the EPCI's communes.
    pub total_communes: usize,
    pub total_population: u64,
    /// Every commune of the EPCI is in the territory.
    pub whole: bool,
    /// The territory's `members` attribute names this EPCI.
    pub declared: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct MemberCommune {
    pub code: String,
    pub name: String,
    pub epci: Option<String>,
    pub epci_name: Option<String>,
    pub departement: String,
    pub region: String,
    pub population: u64,
    pub area_km2: f64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LayerRelation {
    pub layer: LayerRef,
    /// What the layer says where it has no feature ("Aucun CRTE").
    pub none: String,
    pub source: Source,
    pub method: &'static str,
    /// The territory's communes held by at least one feature of the layer (each counted once).
    pub covered_communes: usize,
    pub covered_population: u64,
    pub covered_area_km2: f64,
    /// Percent of the territory's area and population the layer covers.
    pub covered_area_pct: f64,
    pub covered_population_pct: f64,
    /// The carrier columns, for layers whose features are carried by a structure (the CRTE).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier: Option<territoires_core::dataset::Carrier>,
    /// Largest shared area first.
    pub features: Vec<Related>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Related {
    pub id: String,
    pub name: String,
    /// `same` (the same communes), `contains` (all the feature's communes are in the territory),
    /// `within` (all the territory's communes are in the feature), `overlaps`, or `carried` (no commune
    /// in common, but the territory carries it).
    pub relation: &'static str,
    pub shared_communes: usize,
    pub shared_population: u64,
    pub shared_area_km2: f64,
    /// Percent of the territory's area that lies in the feature.
    pub territory_area_pct: f64,
    /// Percent of the feature's area that lies in the territory.
    pub feature_area_pct: f64,
    /// For layers with a carrier: whether the territory itself carries the feature (the carrier's
    /// SIREN is the territory's id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carried_by_territory: Option<bool>,
    /// The carrier columns' values, for layers with a carrier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier: Option<BTreeMap<String, String>>,
    /// The attributes among [`PROVENANCE_PROPERTIES`] the feature has.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub provenance: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Neighbour {
    pub id: String,
    pub name: String,
    pub population: u64,
    pub area_km2: f64,
}

fn provenance(feature: &Feature) -> BTreeMap<String, String> {
    PROVENANCE_PROPERTIES
        .iter()
        .map(|k| (k.to_string(), feature.text(k)))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// The portrait of feature `id` of layer `layer_id`, without its neighbours (see [`neighbours`]).
pub fn portrait(data: &Dataset, layer_id: &str, id: &str) -> Result<Portrait, QueryError> {
    let (l, f) = find_feature(data, layer_id, id)?;
    let layer = &data.layers[l];
    let feature = &layer.features[f];
    let communes = &feature.communes;
    let own: BTreeSet<CommuneIx> = communes.iter().copied().collect();
    let area_of = |c: CommuneIx| data.communes[c].area_km2;
    let population_of = |c: CommuneIx| data.communes[c].population;
    let communes_area: f64 = communes.iter().map(|&c| area_of(c)).sum();
    let communes_population: u64 = communes.iter().map(|&c| population_of(c)).sum();

    let members = members(data, feature);
    let figures = Figures {
        population: feature.population,
        area_km2: feature.area_km2,
        density_per_km2: (feature.area_km2 > 0.0).then(|| feature.population as f64 / feature.area_km2),
        communes: communes.len(),
        communes_without_geometry: communes
            .iter()
            .filter(|&&c| data.communes[c].feature.is_none())
            .count(),
        epci: members.epci.len(),
        communes_area_km2: communes_area,
    };

    let layers = data
        .indexed_layers()
        .filter(|&(o, other)| o != l && other.kind != LayerKind::Communes)
        .map(|(_, other)| relation(data, other, feature, &own, communes_area, communes_population))
        .collect();

    Ok(Portrait {
        layer: LayerRef::of(layer),
        id: feature.id.to_string(),
        name: feature.name.to_string(),
        properties: crate::answer::Properties::of(feature),
        provenance: provenance(feature),
        figures,
        bbox: layer.bounds(f),
        departements: division_shares(
            data,
            communes,
            |c| &c.departement,
            |code| data.departement_name(code),
        ),
        regions: division_shares(data, communes, |c| &c.region, |code| data.region_name(code)),
        members,
        layers,
        neighbours: Vec::new(),
        method: method(layer),
        source: layer.source.clone(),
        denominators_source: data.base.denominators.clone(),
    })
}

/// The territory's part of every division (département or région) it touches, by code.
fn division_shares<'a>(
    data: &'a Dataset,
    communes: &[CommuneIx],
    key: impl Fn(&'a territoires_core::dataset::Commune) -> &'a str,
    name: impl Fn(&str) -> Option<&'a str>,
) -> Vec<DivisionShare> {
    #[derive(Default)]
    struct Sums {
        communes: usize,
        population: u64,
        area: f64,
    }
    let mut part: BTreeMap<&str, Sums> = BTreeMap::new();
    for &c in communes {
        let commune = &data.communes[c];
        let s = part.entry(key(commune)).or_default();
        s.communes += 1;
        s.population += commune.population;
        s.area += commune.area_km2;
    }
    let mut whole: HashMap<&str, Sums> = part.keys().map(|&k| (k, Sums::default())).collect();
    for commune in &data.communes {
        if let Some(s) = whole.get_mut(key(commune)) {
            s.communes += 1;
            s.population += commune.population;
            s.area += commune.area_km2;
        }
    }
    let territory_population: u64 = part.values().map(|s| s.population).sum();
    part.into_iter()
        .map(|(code, s)| {
            let w = &whole[code];
            DivisionShare {
                code: code.to_string(),
                name: name(code).unwrap_or_default().to_string(),
                communes: s.communes,
                population: s.population,
                area_km2: s.area,
                division_communes: w.communes,
                division_population: w.population,
                division_area_km2: w.area,
                population_pct: percent(s.population as f64, w.population as f64),
                area_pct: percent(s.area, w.area),
                territory_population_pct: percent(s.population as f64, territory_population as f64),
            }
        })
        .collect()
}

/// The member communes, grouped by EPCI, and the declared members that no longer exist.
pub fn members(data: &Dataset, feature: &Feature) -> Members {
    let epci_layer = data.layer_from(InputKind::Epci).map(|l| &data.layers[l]);
    let epci_index: HashMap<&str, &Feature> = epci_layer
        .map(|l| l.features.iter().map(|f| (f.id.as_str(), f)).collect())
        .unwrap_or_default();
    let declared: Vec<String> = match feature.property("members") {
        Some(territoires_core::dataset::Value::List(items)) => {
            items.iter().map(ToString::to_string).collect()
        }
        _ => Vec::new(),
    };

    let communes: Vec<MemberCommune> = feature
        .communes
        .iter()
        .map(|&c| {
            let commune = &data.communes[c];
            MemberCommune {
                code: commune.code.to_string(),
                name: commune.name.to_string(),
                epci: commune.epci.as_ref().map(ToString::to_string),
                epci_name: commune
                    .epci
                    .as_deref()
                    .and_then(|e| epci_index.get(e))
                    .map(|f| f.name.to_string()),
                departement: commune.departement.to_string(),
                region: commune.region.to_string(),
                population: commune.population,
                area_km2: commune.area_km2,
            }
        })
        .collect();

    let mut by_epci: BTreeMap<&str, (usize, u64, f64)> = BTreeMap::new();
    for m in &communes {
        if let Some(e) = m.epci.as_deref() {
            let s = by_epci.entry(e).or_default();
            s.0 += 1;
            s.1 += m.population;
            s.2 += m.area_km2;
        }
    }
    let mut epci: Vec<MemberEpci> = by_epci
        .into_iter()
        .map(|(id, (n, population, area))| {
            let whole = epci_index.get(id);
            let total_communes = whole.map_or(n, |f| f.communes.len());
            MemberEpci {
                id: id.to_string(),
                name: whole.map_or_else(|| id.to_string(), |f| f.name.to_string()),
                communes: n,
                population,
                area_km2: area,
                total_communes,
                total_population: whole.map_or(population, |f| f.population),
                whole: n == total_communes,
                declared: declared.iter().any(|d| d == id),
            }
        })
        .collect();
    epci.sort_by(|a, b| b.population.cmp(&a.population).then_with(|| a.id.cmp(&b.id)));

    let unknown = declared
        .into_iter()
        .filter(|d| !epci_index.contains_key(d.as_str()) && data.commune_by_code(d).is_none())
        .collect();
    Members {
        epci,
        communes,
        unknown,
    }
}

/// What `other` holds of the territory: its features sharing communes with it, and for a layer with a
/// carrier, the features the territory carries.
fn relation(
    data: &Dataset,
    other: &Layer,
    feature: &Feature,
    own: &BTreeSet<CommuneIx>,
    communes_area: f64,
    communes_population: u64,
) -> LayerRelation {
    let area_of = |c: CommuneIx| data.communes[c].area_km2;
    // Per feature of `other`: the shared communes.
    let mut shared: BTreeMap<FeatureIx, Vec<CommuneIx>> = BTreeMap::new();
    let (mut covered_communes, mut covered_population, mut covered_area) = (0usize, 0u64, 0.0f64);
    for &c in own {
        let holders = other.membership.features_of(c);
        if !holders.is_empty() {
            covered_communes += 1;
            covered_population += data.communes[c].population;
            covered_area += area_of(c);
        }
        for &g in holders {
            shared.entry(g).or_default().push(c);
        }
    }
    let carried = |g: &Feature| {
        other
            .carrier
            .as_ref()
            .is_some_and(|k| g.text(&k.siren).trim() == feature.id)
    };
    // Features the territory carries without sharing a commune with them still belong here.
    if other.carrier.is_some() {
        for (g, candidate) in other.indexed_features() {
            if carried(candidate) {
                shared.entry(g).or_default();
            }
        }
    }
    let mut features: Vec<Related> = shared
        .into_iter()
        .map(|(g, common)| {
            let g = &other.features[g];
            let shared_area: f64 = common.iter().map(|&c| area_of(c)).sum();
            let feature_area: f64 = g.communes.iter().map(|&c| area_of(c)).sum();
            let contains = !common.is_empty() && common.len() == g.communes.len();
            let within = !common.is_empty() && common.len() == own.len();
            Related {
                id: g.id.to_string(),
                name: g.name.to_string(),
                relation: match (contains, within) {
                    _ if common.is_empty() => "carried",
                    (true, true) => "same",
                    (true, false) => "contains",
                    (false, true) => "within",
                    (false, false) => "overlaps",
                },
                shared_communes: common.len(),
                shared_population: common.iter().map(|&c| data.communes[c].population).sum(),
                shared_area_km2: shared_area,
                territory_area_pct: percent(shared_area, communes_area),
                feature_area_pct: percent(shared_area, feature_area),
                carried_by_territory: other.carrier.as_ref().map(|_| carried(g)),
                carrier: other.carrier.as_ref().map(|k| {
                    [("siren", &k.siren), ("name", &k.name), ("kind", &k.kind)]
                        .into_iter()
                        .map(|(role, column)| (role.to_string(), g.text(column)))
                        .collect()
                }),
                provenance: provenance(g),
            }
        })
        .collect();
    features.sort_by(|a, b| {
        b.shared_area_km2
            .total_cmp(&a.shared_area_km2)
            .then_with(|| b.shared_communes.cmp(&a.shared_communes))
            .then_with(|| a.id.cmp(&b.id))
    });
    LayerRelation {
        layer: LayerRef::of(other),
        none: other.none.clone(),
        source: other.source.clone(),
        method: method(other),
        covered_communes,
        covered_population,
        covered_area_km2: covered_area,
        covered_area_pct: percent(covered_area, communes_area),
        covered_population_pct: percent(covered_population as f64, communes_population as f64),
        carrier: other.carrier.clone(),
        features,
    }
}

/// Features of the same layer sharing a stretch of border with feature `feature` of layer `layer`, from
/// that layer's topology (see [`territoires_geo::topology`]), most populous first.
pub fn neighbours(data: &Dataset, layer: LayerIx, feature: FeatureIx, graph: &Neighbours) -> Vec<Neighbour> {
    let features = &data.layers[layer].features;
    let mut out: Vec<Neighbour> = graph
        .of(feature.index())
        .iter()
        .filter_map(|&n| features.get(n as usize))
        .map(|n| Neighbour {
            id: n.id.to_string(),
            name: n.name.to_string(),
            population: n.population,
            area_km2: n.area_km2,
        })
        .collect();
    out.sort_by(|a, b| b.population.cmp(&a.population).then_with(|| a.id.cmp(&b.id)));
    out
}
