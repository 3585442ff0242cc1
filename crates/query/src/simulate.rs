//! A draft territory built from EPCIs, before a council votes on it: its figures, its shape, how it
//! would change the coverage of the territoires de projet, and the legal checks of a PETR (CGCT
//! article L5741-1).
//!
//! A draft is just another set of communes: the figures and coverage are the same set arithmetic as
//! [`super::coverage`], and the shape, the neighbours and the enclaves come from the EPCI layer's
//! shared arcs ([`territoires_geo::topology`]), never from a polygon union.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use geo::MultiPolygon;
use serde::Serialize;

use super::QueryError;
use super::coverage::{Scope, ScopeInfo, describe_scope, percent};
use territoires_core::dataset::InputKind;
use territoires_core::dataset::{CommuneIx, Dataset, Feature, FeatureIx, Layer, LayerIx};
use territoires_geo::topology::{Neighbours, Topology, quantise, tolerance_for_zoom};

/// Most EPCIs a draft may hold: more than any territoire de projet has.
pub const MAX_EPCI: usize = 200;

#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// SIRENs of the member EPCIs.
    pub epci: Vec<String>,
    /// A territory of the territories layer that the draft would replace (when the user starts from
    /// one): its own members are not "in another PETR", and its coverage gives way to the draft's.
    pub replaces: Option<String>,
    /// Web-map zoom the shape is generalised for.
    pub zoom: u8,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Simulation {
    pub epci: Vec<DraftMember>,
    pub figures: DraftFigures,
    pub checks: Checks,
    /// Per other membership layer (SCoT syndicats, CRTE, …), the features the draft meets.
    pub meets: Vec<Meets>,
    pub coverage: CoverageChange,
    /// The draft's shape, generalised for the zoom asked.
    #[serde(skip)]
    pub geometry: MultiPolygon<f64>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DraftFigures {
    pub population: u64,
    pub area_km2: f64,
    pub communes: usize,
    pub epci: usize,
}

impl DraftFigures {
    /// The totals of the draft's `communes` (dataset indices), made of `epci` EPCIs.
    fn of(data: &Dataset, communes: &[CommuneIx], epci: usize) -> Self {
        DraftFigures {
            population: communes.iter().map(|&c| data.communes[c].population).sum(),
            area_km2: communes.iter().map(|&c| data.communes[c].area_km2).sum(),
            communes: communes.len(),
            epci,
        }
    }
}

/// A member EPCI with its figures.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DraftMember {
    pub siren: String,
    pub name: String,
    pub population: u64,
    pub communes: usize,
    pub area_km2: f64,
}

impl DraftMember {
    fn of(epci: &Feature) -> Self {
        DraftMember {
            siren: epci.id.to_string(),
            name: epci.name.to_string(),
            population: epci.population,
            communes: epci.communes.len(),
            area_km2: epci.area_km2,
        }
    }
}

/// An EPCI named by its SIREN.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EpciRef {
    pub siren: String,
    pub name: String,
}

impl EpciRef {
    fn of(feature: &Feature) -> Self {
        EpciRef {
            siren: feature.id.to_string(),
            name: feature.name.to_string(),
        }
    }
}

/// The four legal checks of a PETR (CGCT article L5741-1).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Checks {
    /// Every member is an EPCI à fiscalité propre.
    pub members_are_epci: MembersAreEpci,
    /// « d'un seul tenant »: one piece, EPCIs joined by shared borders.
    pub contiguous: Contiguous,
    /// « sans enclave »: no EPCI wholly surrounded by the draft without being in it.
    pub no_enclave: NoEnclave,
    /// An EPCI belongs to at most one PETR.
    pub epci_in_other_petr: EpciInOtherPetr,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MembersAreEpci {
    pub ok: bool,
    /// Members that are another structure (a PETR, a syndicat) rather than an EPCI.
    pub not_epci: Vec<NotEpci>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct NotEpci {
    pub siren: String,
    #[schemars(with = "crate::answer::LayerId")]
    pub layer: String,
    pub layer_title: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Contiguous {
    pub ok: bool,
    /// The draft's pieces, each a group of EPCIs joined by shared borders.
    pub parts: Vec<Vec<EpciRef>>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct NoEnclave {
    pub ok: bool,
    pub enclaves: Vec<Enclave>,
}

/// EPCIs the draft surrounds without holding them.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Enclave {
    pub epci: Vec<EpciRef>,
    pub population: u64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct EpciInOtherPetr {
    pub ok: bool,
    pub members: Vec<MemberElsewhere>,
}

/// A member EPCI already in another territory of the territories layer.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MemberElsewhere {
    pub siren: String,
    pub name: String,
    pub territory: TerritoryRef,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TerritoryRef {
    #[schemars(with = "crate::answer::LayerId")]
    pub layer: String,
    pub id: String,
    pub name: String,
    /// Its legal form (`PETR`, `Pays`…), empty when the data gives none.
    pub kind: String,
}

/// The features of another membership layer that the draft meets.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Meets {
    #[schemars(with = "crate::answer::LayerId")]
    pub layer: String,
    pub title: String,
    pub features: Vec<MetFeature>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MetFeature {
    pub id: String,
    pub name: String,
    pub shared_communes: usize,
    pub share_of_draft_area_pct: f64,
    /// The feature's communes are exactly the draft's.
    pub coincides: bool,
    /// The structure that carries the feature, for layers that name one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier: Option<CarrierRef>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CarrierRef {
    pub siren: String,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CoverageChange {
    #[schemars(with = "crate::answer::LayerId")]
    pub layer: String,
    pub title: String,
    /// Metropolitan France, then each région and département the draft touches.
    pub scopes: Vec<ScopeChange>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ScopeChange {
    pub scope: ScopeInfo,
    pub before: Share,
    pub after: Share,
}

#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Share {
    pub covered_area_km2: f64,
    pub covered_area_pct: f64,
    pub covered_population: u64,
    pub covered_population_pct: f64,
}

/// The EPCI layer's shared arcs and neighbours, built once and reused by every simulation.
pub struct EpciGraph<'a> {
    pub layer: LayerIx,
    pub topology: &'a Topology,
    pub neighbours: &'a Neighbours,
}

pub fn simulate(data: &Dataset, graph: &EpciGraph, draft: &Draft) -> Result<Simulation, QueryError> {
    let epci_layer = &data.layers[graph.layer];
    let territories = data.territories_layer().map(|l| &data.layers[l]);
    let replaced = replaced_territory(data, territories, draft.replaces.as_deref())?;
    let (members, not_epci) = draft_members(data, epci_layer, &draft.epci)?;
    let is_member = {
        let mut flags = vec![false; epci_layer.features.len()];
        for &f in &members {
            flags[f] = true;
        }
        flags
    };

    let in_draft = communes_in_draft(data, epci_layer, &members);
    let communes: Vec<CommuneIx> = CommuneIx::all(data.communes.len())
        .filter(|c| in_draft[c.index()])
        .collect();
    let figures = DraftFigures::of(data, &communes, members.len());

    let checks = Checks {
        members_are_epci: MembersAreEpci {
            ok: not_epci.is_empty(),
            not_epci,
        },
        contiguous: contiguous(epci_layer, graph, &is_member),
        no_enclave: no_enclave(epci_layer, graph, &is_member),
        epci_in_other_petr: epci_in_other_petr(epci_layer, territories, &members, replaced),
    };
    let meets = meets_other_layers(data, &communes, figures.area_km2);
    let coverage = match territories {
        Some(t) => coverage_change(data, t, &in_draft, replaced)?,
        None => CoverageChange {
            layer: data.base.territories_layer.clone(),
            title: String::new(),
            scopes: Vec::new(),
        },
    };

    let merged = graph.topology.merge(&members, tolerance_for_zoom(draft.zoom));
    Ok(Simulation {
        epci: members
            .iter()
            .map(|&f| DraftMember::of(&epci_layer.features[f]))
            .collect(),
        figures,
        checks,
        meets,
        coverage,
        geometry: quantise(&merged, draft.zoom),
    })
}

/// The territory of the territories layer the draft replaces, if it names one: an unknown id is an
/// error, as is any id when the dataset has no territories layer.
fn replaced_territory(
    data: &Dataset,
    territories: Option<&Layer>,
    replaces: Option<&str>,
) -> Result<Option<FeatureIx>, QueryError> {
    match (replaces, territories) {
        (None, _) => Ok(None),
        (Some(id), Some(t)) => Ok(Some(feature_index(t, id).ok_or_else(|| {
            QueryError::UnknownFeature {
                layer: t.id.clone(),
                id: id.to_string(),
            }
        })?)),
        (Some(id), None) => Err(QueryError::UnknownFeature {
            layer: data.base.territories_layer.clone(),
            id: id.to_string(),
        }),
    }
}

/// The draft's members as sorted EPCI feature indices, and the SIRENs that name another known
/// structure (refused by the first check rather than here). A SIREN known nowhere is an error.
fn draft_members(
    data: &Dataset,
    epci_layer: &Layer,
    sirens: &[String],
) -> Result<(Vec<usize>, Vec<NotEpci>), QueryError> {
    let by_siren: HashMap<&str, usize> = epci_layer
        .features
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    check_list(sirens)?;
    let mut members = Vec::new();
    let mut not_epci = Vec::new();
    let mut unknown = Vec::new();
    for siren in sirens {
        if let Some(&f) = by_siren.get(siren.as_str()) {
            members.push(f);
        } else if let Some((layer, feature)) = other_structure(data, siren) {
            not_epci.push(NotEpci {
                siren: siren.clone(),
                layer: layer.id.clone(),
                layer_title: layer.title.clone(),
                name: feature.to_string(),
            });
        } else {
            unknown.push(siren.clone());
        }
    }
    if !unknown.is_empty() {
        return Err(QueryError::UnknownMembers(unknown));
    }
    members.sort_unstable();
    Ok((members, not_epci))
}

/// Per commune of the dataset, whether one of the member EPCIs holds it.
fn communes_in_draft(data: &Dataset, epci_layer: &Layer, members: &[usize]) -> Vec<bool> {
    let mut in_draft = vec![false; data.communes.len()];
    for &f in members {
        for &c in &epci_layer.features[f].communes {
            in_draft[c.index()] = true;
        }
    }
    in_draft
}

/// « d'un seul tenant »: the draft's pieces, through the EPCIs' shared borders.
fn contiguous(epci_layer: &Layer, graph: &EpciGraph, is_member: &[bool]) -> Contiguous {
    let parts = graph
        .neighbours
        .components(|f| is_member.get(f).copied().unwrap_or(false));
    Contiguous {
        ok: parts.len() <= 1,
        parts: parts
            .iter()
            .map(|p| {
                p.iter()
                    .map(|&f| EpciRef::of(&epci_layer.features[f as usize]))
                    .collect()
            })
            .collect(),
    }
}

/// « sans enclave »: groups of outside EPCIs that touch the draft and never reach open ground (the
/// sea, the border).
fn no_enclave(epci_layer: &Layer, graph: &EpciGraph, is_member: &[bool]) -> NoEnclave {
    let enclaves: Vec<Enclave> = graph
        .neighbours
        .components(|f| !is_member.get(f).copied().unwrap_or(true))
        .into_iter()
        .filter(|group| {
            let open = group.iter().any(|&f| graph.neighbours.is_open(f as usize));
            let touches_draft = group.iter().any(|&f| {
                graph
                    .neighbours
                    .of(f as usize)
                    .iter()
                    .any(|&g| is_member[g as usize])
            });
            !open && touches_draft
        })
        .map(|group| {
            let population: u64 = group
                .iter()
                .map(|&f| epci_layer.features[f as usize].population)
                .sum();
            Enclave {
                epci: group
                    .iter()
                    .map(|&f| EpciRef::of(&epci_layer.features[f as usize]))
                    .collect(),
                population,
            }
        })
        .collect();
    NoEnclave {
        ok: enclaves.is_empty(),
        enclaves,
    }
}

/// Members already in a territory of the territories layer other than the one the draft replaces.
fn epci_in_other_petr(
    epci_layer: &Layer,
    territories: Option<&Layer>,
    members: &[usize],
    replaced: Option<FeatureIx>,
) -> EpciInOtherPetr {
    let mut elsewhere = Vec::new();
    if let Some(t) = territories {
        for &f in members {
            let mut holders = BTreeSet::new();
            for &c in &epci_layer.features[f].communes {
                holders.extend(
                    t.membership
                        .features_of(c)
                        .iter()
                        .copied()
                        .filter(|&h| Some(h) != replaced),
                );
            }
            for h in holders {
                let territory = &t.features[h];
                elsewhere.push(MemberElsewhere {
                    siren: epci_layer.features[f].id.to_string(),
                    name: epci_layer.features[f].name.to_string(),
                    territory: TerritoryRef {
                        layer: t.id.clone(),
                        id: territory.id.to_string(),
                        name: territory.name.to_string(),
                        kind: territory.text("kind"),
                    },
                });
            }
        }
    }
    EpciInOtherPetr {
        ok: elsewhere.is_empty(),
        members: elsewhere,
    }
}

/// What the draft meets in every membership layer but the territories layer, in layer order.
fn meets_other_layers(data: &Dataset, communes: &[CommuneIx], draft_area: f64) -> Vec<Meets> {
    data.indexed_layers()
        .filter(|(l, layer)| layer.input == InputKind::MembershipCsv && Some(*l) != data.territories_layer())
        .map(|(_, layer)| meets(data, layer, communes, draft_area))
        .collect()
}

/// Refuses an empty, oversized or repetitive list before any work.
fn check_list(sirens: &[String]) -> Result<(), QueryError> {
    if sirens.is_empty() {
        return Err(QueryError::EmptyDraft);
    }
    if sirens.len() > MAX_EPCI {
        return Err(QueryError::TooManyMembers {
            count: sirens.len(),
            max: MAX_EPCI,
        });
    }
    let mut seen = BTreeSet::new();
    let repeated: BTreeSet<&String> = sirens.iter().filter(|s| !seen.insert(*s)).collect();
    if !repeated.is_empty() {
        return Err(QueryError::DuplicateMembers(
            repeated.into_iter().cloned().collect(),
        ));
    }
    Ok(())
}

fn feature_index(layer: &Layer, id: &str) -> Option<FeatureIx> {
    layer.features.iter().position(|f| f.id == id).map(FeatureIx::at)
}

/// A SIREN that is no EPCI but a feature of another layer (a PETR, a syndicat): its layer and name.
fn other_structure<'a>(data: &'a Dataset, siren: &str) -> Option<(&'a Layer, &'a str)> {
    data.layers
        .iter()
        .filter(|l| matches!(l.input, InputKind::MembershipCsv))
        .find_map(|l| {
            let f = l.features.iter().find(|f| f.id == siren)?;
            Some((l, f.name.as_str()))
        })
}

/// The features of `layer` sharing communes with the draft, with the share of the draft's area in
/// each and whether the perimeters coincide.
fn meets(data: &Dataset, layer: &Layer, communes: &[CommuneIx], draft_area: f64) -> Meets {
    let mut shared: BTreeMap<FeatureIx, (usize, f64)> = BTreeMap::new();
    for &c in communes {
        for &f in layer.membership.features_of(c) {
            let entry = shared.entry(f).or_insert((0, 0.0));
            entry.0 += 1;
            entry.1 += data.communes[c].area_km2;
        }
    }
    let features = shared
        .into_iter()
        .map(|(f, (count, area))| {
            let feature = &layer.features[f];
            MetFeature {
                id: feature.id.to_string(),
                name: feature.name.to_string(),
                shared_communes: count,
                share_of_draft_area_pct: percent(area, draft_area),
                coincides: feature.communes.as_slice() == communes,
                carrier: layer.carrier.as_ref().map(|carrier| CarrierRef {
                    siren: feature.text(&carrier.siren),
                    name: feature.text(&carrier.name),
                    kind: feature.text(&carrier.kind),
                }),
            }
        })
        .collect();
    Meets {
        layer: layer.id.clone(),
        title: layer.title.clone(),
        features,
    }
}

/// Coverage of the territories layer before and after the draft, nationally and in every région
/// and département the draft touches.
fn coverage_change(
    data: &Dataset,
    territories: &Layer,
    in_draft: &[bool],
    replaced: Option<FeatureIx>,
) -> Result<CoverageChange, QueryError> {
    let covered_before = |c: CommuneIx| !territories.membership.features_of(c).is_empty();
    let covered_after = |c: CommuneIx| {
        in_draft[c.index()]
            || territories
                .membership
                .features_of(c)
                .iter()
                .any(|&f| Some(f) != replaced)
    };
    let mut scopes = vec![Scope::Metropole];
    let touched = |key: fn(&territoires_core::dataset::Commune) -> &str| -> BTreeSet<String> {
        data.communes
            .iter()
            .zip(in_draft)
            .filter(|&(_, &d)| d)
            .map(|(c, _)| key(c).to_string())
            .collect()
    };
    scopes.extend(touched(|c| &c.region).into_iter().map(Scope::Region));
    scopes.extend(touched(|c| &c.departement).into_iter().map(Scope::Departement));
    let scopes = scopes
        .into_iter()
        .map(|scope| {
            let (mut before, mut after) = (Share::default(), Share::default());
            let (mut area, mut population) = (0.0, 0u64);
            for (c, commune) in data.indexed_communes() {
                if !scope.contains(commune) {
                    continue;
                }
                area += commune.area_km2;
                population += commune.population;
                for (share, covered) in [(&mut before, covered_before(c)), (&mut after, covered_after(c))] {
                    if covered {
                        share.covered_area_km2 += commune.area_km2;
                        share.covered_population += commune.population;
                    }
                }
            }
            for share in [&mut before, &mut after] {
                share.covered_area_pct = percent(share.covered_area_km2, area);
                share.covered_population_pct = percent(share.covered_population as f64, population as f64);
            }
            Ok(ScopeChange {
                scope: describe_scope(data, &scope)?,
                before,
                after,
            })
        })
        .collect::<Result<_, QueryError>>()?;
    Ok(CoverageChange {
        layer: territories.id.clone(),
        title: territories.title.clone(),
        scopes,
    })
}
