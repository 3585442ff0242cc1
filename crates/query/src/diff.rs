//! What changed in a layer of territories between two vintages of the dataset: territories added,
//! removed and renamed, the EPCIs and communes that joined or left each one, and what that did to
//! the area and population covered.
//!
//! Territories are matched by id and communes by INSEE code, never by position: two builds number
//! their features and communes independently. A territory's EPCIs are the EPCIs of its communes, named
//! from the EPCI layer, as [`members`](crate::portrait::members) lists them on the territory's page
//! (its map of names is built here once a dataset rather than once a territory: 2.7 s → 86 ms for
//! the communes layer, BENCHMARKS.md); coverage figures are [`coverage`]'s own, so the shares
//! are those the `coverage` command prints.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::QueryError;
use crate::coverage::{Breakdown, Figures, Scope, coverage};
use territoires_core::dataset::{Dataset, Feature, InputKind, Layer, Source};

/// Everything that differs in one layer between an old and a new dataset.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct DatasetDiff {
    #[schemars(with = "crate::answer::LayerId")]
    pub layer: String,
    /// The older dataset: its base vintage and the layer's source.
    pub from: Edition,
    /// The newer dataset.
    pub to: Edition,
    /// Territories only in the new dataset, by id.
    pub added: Vec<TerritoryRef>,
    /// Territories only in the old dataset, by id.
    pub removed: Vec<TerritoryRef>,
    /// Territories in both whose name changed.
    pub renamed: Vec<Renamed>,
    /// Territories in both whose EPCIs or communes changed, by id.
    pub members: Vec<MembersChange>,
    /// Covered area and population of metropolitan France, then of each of its régions.
    pub coverage: CoverageChange,
}

/// Which vintage of the data one side of a diff is: what a reader needs to date each figure.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Edition {
    /// The base layers' vintage (the COG year).
    pub vintage: String,
    /// The compared layer's source and vintage in that dataset.
    pub source: Source,
}

/// A territory added or removed. `regions` are the INSEE codes of the régions its communes lie in,
/// so a région's report can keep its own changes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, schemars::JsonSchema)]
pub struct TerritoryRef {
    pub id: String,
    pub name: String,
    pub regions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct Renamed {
    pub id: String,
    pub old_name: String,
    pub new_name: String,
    /// Régions of its communes, old or new.
    pub regions: Vec<String>,
}

/// An EPCI (SIREN) or a commune (INSEE code) with its name.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, schemars::JsonSchema)]
pub struct MemberRef {
    pub code: String,
    pub name: String,
}

/// The members that joined or left one territory present in both datasets.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct MembersChange {
    pub id: String,
    /// The new name (see [`DatasetDiff::renamed`] for the old one).
    pub name: String,
    /// Régions of its communes, old or new.
    pub regions: Vec<String>,
    pub epci_joined: Vec<MemberRef>,
    pub epci_left: Vec<MemberRef>,
    pub communes_joined: Vec<MemberRef>,
    pub communes_left: Vec<MemberRef>,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct CoverageChange {
    /// Metropolitan France.
    pub national: ScopeChange,
    /// Each région of metropolitan France, by code; a région in one dataset only counts as empty in
    /// the other.
    pub regions: Vec<ScopeChange>,
}

/// Covered area and population of one scope, old and new.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct ScopeChange {
    pub code: String,
    pub name: String,
    pub old: CoveredFigures,
    pub new: CoveredFigures,
    pub area_km2_change: f64,
    pub population_change: i64,
    /// Percentage points.
    pub area_pct_change: f64,
    pub population_pct_change: f64,
}

/// The part of [`Figures`] a diff compares.
#[derive(Debug, Clone, Default, Serialize, PartialEq, schemars::JsonSchema)]
pub struct CoveredFigures {
    pub communes_covered: usize,
    pub covered_area_km2: f64,
    pub covered_area_pct: f64,
    pub covered_population: u64,
    pub covered_population_pct: f64,
}

impl From<&Figures> for CoveredFigures {
    fn from(f: &Figures) -> Self {
        CoveredFigures {
            communes_covered: f.communes_covered,
            covered_area_km2: f.covered_area_km2,
            covered_area_pct: f.covered_area_pct,
            covered_population: f.covered_population,
            covered_population_pct: f.covered_population_pct,
        }
    }
}

impl ScopeChange {
    fn between(code: String, name: String, old: CoveredFigures, new: CoveredFigures) -> Self {
        ScopeChange {
            area_km2_change: new.covered_area_km2 - old.covered_area_km2,
            population_change: new.covered_population as i64 - old.covered_population as i64,
            area_pct_change: new.covered_area_pct - old.covered_area_pct,
            population_pct_change: new.covered_population_pct - old.covered_population_pct,
            code,
            name,
            old,
            new,
        }
    }

    /// Whether anything covered differs.
    pub fn changed(&self) -> bool {
        self.old != self.new
    }
}

impl DatasetDiff {
    /// Whether the two vintages of the layer are the same territories with the same members.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.renamed.is_empty() && self.members.is_empty()
    }
}

/// Compares layer `layer_id` of `old` with that of `new`. Fails with
/// [`QueryError::UnknownLayer`] when either dataset lacks it.
pub fn diff(old: &Dataset, new: &Dataset, layer_id: &str) -> Result<DatasetDiff, QueryError> {
    let unknown = || QueryError::UnknownLayer(layer_id.to_string());
    let old_layer = old.layer(layer_id).ok_or_else(unknown)?;
    let new_layer = new.layer(layer_id).ok_or_else(unknown)?;
    let old_by_id = by_id(old_layer);
    let new_by_id = by_id(new_layer);
    let (old_names, new_names) = (EpciNames::of(old), EpciNames::of(new));

    let reference = |data: &Dataset, f: &Feature| TerritoryRef {
        id: f.id.to_string(),
        name: f.name.to_string(),
        regions: regions_of(&[(data, f)]),
    };
    let added = new_by_id
        .iter()
        .filter(|(id, _)| !old_by_id.contains_key(*id))
        .map(|(_, f)| reference(new, f))
        .collect();
    let removed = old_by_id
        .iter()
        .filter(|(id, _)| !new_by_id.contains_key(*id))
        .map(|(_, f)| reference(old, f))
        .collect();

    let mut renamed = Vec::new();
    let mut member_changes = Vec::new();
    for (id, old_feature) in &old_by_id {
        let Some(new_feature) = new_by_id.get(id) else {
            continue;
        };
        let regions = || regions_of(&[(old, old_feature), (new, new_feature)]);
        if old_feature.name != new_feature.name {
            renamed.push(Renamed {
                id: id.to_string(),
                old_name: old_feature.name.to_string(),
                new_name: new_feature.name.to_string(),
                regions: regions(),
            });
        }
        let (old_epci, new_epci) = (old_names.epci_of(old_feature), new_names.epci_of(new_feature));
        let (old_communes, new_communes) = (communes_of(old, old_feature), communes_of(new, new_feature));
        let mut change = MembersChange {
            id: id.to_string(),
            name: new_feature.name.to_string(),
            regions: Vec::new(),
            epci_joined: only_in(&new_epci, &old_epci),
            epci_left: only_in(&old_epci, &new_epci),
            communes_joined: only_in(&new_communes, &old_communes),
            communes_left: only_in(&old_communes, &new_communes),
        };
        if !(change.epci_joined.is_empty()
            && change.epci_left.is_empty()
            && change.communes_joined.is_empty()
            && change.communes_left.is_empty())
        {
            // Found only for the territories that changed: most did not.
            change.regions = regions();
            member_changes.push(change);
        }
    }

    Ok(DatasetDiff {
        layer: layer_id.to_string(),
        from: Edition::of(old, old_layer),
        to: Edition::of(new, new_layer),
        added,
        removed,
        renamed,
        members: member_changes,
        coverage: coverage_change(old, new, layer_id)?,
    })
}

impl Edition {
    fn of(data: &Dataset, layer: &Layer) -> Self {
        Edition {
            vintage: data.base.vintage.clone(),
            source: layer.source.clone(),
        }
    }
}

/// The régions of the communes of each feature, each in its own dataset, by code.
fn regions_of(features: &[(&Dataset, &Feature)]) -> Vec<String> {
    let codes: BTreeSet<&str> = features
        .iter()
        .flat_map(|(data, f)| f.communes.iter().map(|&c| data.communes[c].region.as_str()))
        .collect();
    codes.into_iter().map(str::to_string).collect()
}

fn by_id(layer: &Layer) -> BTreeMap<&str, &Feature> {
    layer.features.iter().map(|f| (f.id.as_str(), f)).collect()
}

/// A dataset's EPCI names by SIREN.
struct EpciNames<'a> {
    data: &'a Dataset,
    names: HashMap<&'a str, &'a str>,
}

impl<'a> EpciNames<'a> {
    fn of(data: &'a Dataset) -> Self {
        let names = data
            .layer_from(InputKind::Epci)
            .map(|l| &data.layers[l])
            .map(|l| {
                l.features
                    .iter()
                    .map(|f| (f.id.as_str(), f.name.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        EpciNames { data, names }
    }

    /// The EPCIs of the territory's communes, SIREN → name (the SIREN when the layer lacks it), as
    /// its portrait lists them.
    fn epci_of(&self, feature: &Feature) -> BTreeMap<String, String> {
        feature
            .communes
            .iter()
            .filter_map(|&c| self.data.communes[c].epci.as_deref())
            .map(|siren| {
                let name = self.names.get(siren).copied().unwrap_or(siren);
                (siren.to_string(), name.to_string())
            })
            .collect()
    }
}

/// The territory's communes, INSEE code → name.
fn communes_of(data: &Dataset, feature: &Feature) -> BTreeMap<String, String> {
    feature
        .communes
        .iter()
        .map(|&c| {
            let commune = &data.communes[c];
            (commune.code.to_string(), commune.name.to_string())
        })
        .collect()
}

/// The entries of `these` whose code `those` lacks, in code order.
fn only_in(these: &BTreeMap<String, String>, those: &BTreeMap<String, String>) -> Vec<MemberRef> {
    these
        .iter()
        .filter(|(code, _)| !those.contains_key(*code))
        .map(|(code, name)| MemberRef {
            code: code.clone(),
            name: name.clone(),
        })
        .collect()
}

fn coverage_change(old: &Dataset, new: &Dataset, layer_id: &str) -> Result<CoverageChange, QueryError> {
    let before = coverage(old, layer_id, &Scope::Metropole, Some(Breakdown::Region))?;
    let after = coverage(new, layer_id, &Scope::Metropole, Some(Breakdown::Region))?;
    let national = ScopeChange::between(
        "metropole".to_string(),
        after.scope.name.clone(),
        CoveredFigures::from(&before.figures),
        CoveredFigures::from(&after.figures),
    );
    let codes: BTreeSet<&str> = before
        .breakdown
        .iter()
        .chain(&after.breakdown)
        .map(|row| row.code.as_str())
        .collect();
    let find = |rows: &[crate::coverage::BreakdownRow], code: &str| {
        rows.iter()
            .find(|row| row.code == code)
            .map(|row| (row.name.clone(), CoveredFigures::from(&row.figures)))
    };
    let regions = codes
        .into_iter()
        .map(|code| {
            let old_row = find(&before.breakdown, code);
            let new_row = find(&after.breakdown, code);
            let name = new_row
                .as_ref()
                .or(old_row.as_ref())
                .map(|(name, _)| name.clone())
                .unwrap_or_default();
            ScopeChange::between(
                code.to_string(),
                name,
                old_row.map(|(_, f)| f).unwrap_or_default(),
                new_row.map(|(_, f)| f).unwrap_or_default(),
            )
        })
        .collect();
    Ok(CoverageChange { national, regions })
}

#[cfg(test)]
mod tests {
    use super::*;
    use territoires_core::dataset::{Membership, Text};
    use territoires_fixtures::{commune_code, epci_siren, tiny_dataset};

    /// The tiny dataset's PETR (the two western EPCIs) without its first commune column: the EPCI
    /// of column 0 leaves it, and renamed.
    fn shrunk_and_renamed() -> Dataset {
        let mut data = tiny_dataset();
        let column_0: BTreeSet<_> = (0..territoires_fixtures::ROWS)
            .map(|row| data.commune_by_code(&commune_code(0, row)).unwrap().0)
            .collect();
        let communes = data.communes.len();
        let pays = data.layers.iter_mut().find(|l| l.id == "pays").unwrap();
        let petr = &mut pays.features[0];
        petr.communes.retain(|c| !column_0.contains(c));
        petr.name = Text::from("PETR renommé");
        pays.membership = Membership::from_features(communes, &pays.features);
        data
    }

    #[test]
    fn the_same_dataset_has_no_change() {
        let data = tiny_dataset();
        let diff = diff(&data, &data, "pays").unwrap();
        assert!(diff.is_empty(), "{diff:?}");
        assert!(!diff.coverage.national.changed());
        assert!(diff.coverage.regions.iter().all(|r| !r.changed()));
    }

    #[test]
    fn an_epci_that_leaves_takes_its_communes_and_their_population() {
        let old = tiny_dataset();
        let new = shrunk_and_renamed();
        let diff = diff(&old, &new, "pays").unwrap();
        assert!(diff.added.is_empty() && diff.removed.is_empty());
        let id = old.layer("pays").unwrap().features[0].id.to_string();
        let region = old.communes[0].region.to_string();
        assert_eq!(
            diff.renamed,
            vec![Renamed {
                id: id.clone(),
                old_name: old.layer("pays").unwrap().features[0].name.to_string(),
                new_name: "PETR renommé".to_string(),
                regions: vec![region.clone()],
            }]
        );
        assert_eq!(diff.from, diff.to, "the same base and source");
        assert_eq!(diff.to.vintage, new.base.vintage);
        assert_eq!(diff.members.len(), 1);
        let change = &diff.members[0];
        assert_eq!(change.id, id);
        assert_eq!(change.regions, [region]);
        let left: Vec<&str> = change.epci_left.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(left, [epci_siren(0)]);
        assert!(change.epci_joined.is_empty() && change.communes_joined.is_empty());
        let left: Vec<String> = change.communes_left.iter().map(|c| c.code.clone()).collect();
        let column_0: Vec<String> = (0..territoires_fixtures::ROWS)
            .map(|r| commune_code(0, r))
            .collect();
        assert_eq!(left, column_0);

        let lost: u64 = column_0
            .iter()
            .map(|code| old.commune_by_code(code).unwrap().1.population)
            .sum();
        assert!(lost > 0);
        assert_eq!(diff.coverage.national.population_change, -(lost as i64));
        assert_eq!(diff.coverage.regions.len(), 1);
        assert_eq!(diff.coverage.regions[0].population_change, -(lost as i64));
    }

    #[test]
    fn a_layer_missing_in_either_dataset_is_named() {
        let old = tiny_dataset();
        let mut new = tiny_dataset();
        new.layers.retain(|l| l.id != "pays");
        for (a, b) in [(&old, &new), (&new, &old)] {
            match diff(a, b, "pays") {
                Err(QueryError::UnknownLayer(layer)) => assert_eq!(layer, "pays"),
                other => panic!("expected an unknown layer, got {other:?}"),
            }
        }
    }
}
