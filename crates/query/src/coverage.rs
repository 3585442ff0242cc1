//! What share of an area's surface and population does a layer cover?
//!
//! Communes are the atoms: a commune is covered when at least one feature of the layer holds it,
//! so a commune in two features counts once, and no polygon union is needed. Areas are the
//! communes' geodesic areas; populations their legal populations.

use std::str::FromStr;

use serde::Serialize;

use super::QueryError;
use territoires_core::dataset::{Commune, CommuneIx, Dataset, Layer, LayerKind, Source};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scope {
    /// Metropolitan France (communes of zone `metro`).
    #[default]
    Metropole,
    Region(String),
    Departement(String),
}

impl FromStr for Scope {
    type Err = QueryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            None if matches!(s, "metropole" | "metro" | "france") => Ok(Scope::Metropole),
            Some(("region", code)) if !code.is_empty() => Ok(Scope::Region(code.to_string())),
            Some(("departement", code)) if !code.is_empty() => Ok(Scope::Departement(code.to_string())),
            _ => Err(QueryError::BadScope(s.to_string())),
        }
    }
}

impl Scope {
    pub fn contains(&self, c: &Commune) -> bool {
        match self {
            Scope::Metropole => c.metropolitan,
            Scope::Region(code) => c.region == code,
            Scope::Departement(code) => c.departement == code,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Breakdown {
    Region,
    Departement,
}

impl FromStr for Breakdown {
    type Err = QueryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "region" => Ok(Breakdown::Region),
            "departement" => Ok(Breakdown::Departement),
            _ => Err(QueryError::BadBreakdown(s.to_string())),
        }
    }
}

/// Covered and total figures over one set of communes.
#[derive(Debug, Clone, Default, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Figures {
    /// Features of the layer holding at least one commune of the scope.
    pub features: usize,
    pub communes: usize,
    pub communes_covered: usize,
    pub area_km2: f64,
    pub covered_area_km2: f64,
    /// Percent of `area_km2`.
    pub covered_area_pct: f64,
    pub population: u64,
    pub covered_population: u64,
    /// Percent of `population`.
    pub covered_population_pct: f64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ScopeInfo {
    pub kind: &'static str,
    pub code: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BreakdownRow {
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Coverage {
    #[schemars(with = "crate::answer::LayerId")]
    pub layer: String,
    pub layer_title: String,
    pub scope: ScopeInfo,
    #[serde(flatten)]
    pub figures: Figures,
    /// How communes are assigned to features: by membership, or by interior point for polygons.
    pub method: &'static str,
    pub source: Source,
    /// Sources of the denominators (communes, their areas and populations).
    pub denominators_source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<Breakdown>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub breakdown: Vec<BreakdownRow>,
}

pub fn coverage(
    data: &Dataset,
    layer_id: &str,
    scope: &Scope,
    by: Option<Breakdown>,
) -> Result<Coverage, QueryError> {
    let layer = data
        .layer(layer_id)
        .ok_or_else(|| QueryError::UnknownLayer(layer_id.to_string()))?;
    let scope_info = describe_scope(data, scope)?;
    let in_scope: Vec<CommuneIx> = data
        .indexed_communes()
        .filter(|(_, commune)| scope.contains(commune))
        .map(|(c, _)| c)
        .collect();

    let figures_of = |communes: &mut dyn Iterator<Item = CommuneIx>| -> Figures {
        let mut seen = vec![false; layer.features.len()];
        let mut f = Figures::default();
        for c in communes {
            let commune = &data.communes[c];
            f.communes += 1;
            f.area_km2 += commune.area_km2;
            f.population += commune.population;
            let holders = layer.membership.features_of(c);
            if !holders.is_empty() {
                f.communes_covered += 1;
                f.covered_area_km2 += commune.area_km2;
                f.covered_population += commune.population;
                for &h in holders {
                    seen[h.index()] = true;
                }
            }
        }
        f.features = seen.iter().filter(|&&s| s).count();
        f.covered_area_pct = percent(f.covered_area_km2, f.area_km2);
        f.covered_population_pct = percent(f.covered_population as f64, f.population as f64);
        f
    };

    let breakdown = match by {
        None => Vec::new(),
        Some(by) => {
            let key = |c: &Commune| match by {
                Breakdown::Region => c.region.to_string(),
                Breakdown::Departement => c.departement.to_string(),
            };
            let mut codes: Vec<String> = in_scope.iter().map(|&c| key(&data.communes[c])).collect();
            codes.sort();
            codes.dedup();
            codes
                .into_iter()
                .map(|code| {
                    let name = match by {
                        Breakdown::Region => data.region_name(&code),
                        Breakdown::Departement => data.departement_name(&code),
                    }
                    .unwrap_or_default()
                    .to_string();
                    let mut members = in_scope
                        .iter()
                        .copied()
                        .filter(|&c| key(&data.communes[c]) == code);
                    BreakdownRow {
                        figures: figures_of(&mut members),
                        code,
                        name,
                    }
                })
                .collect()
        }
    };

    Ok(Coverage {
        layer: layer.id.clone(),
        layer_title: layer.title.clone(),
        scope: scope_info,
        figures: figures_of(&mut in_scope.iter().copied()),
        method: method(layer),
        source: layer.source.clone(),
        denominators_source: data.base.denominators.clone(),
        by,
        breakdown,
    })
}

/// How a layer's features hold communes: by membership, or by interior point for polygons.
pub fn method(layer: &Layer) -> &'static str {
    match layer.kind {
        LayerKind::Polygons => "commune counted when its interior point lies in a polygon",
        _ => "whole communes by membership",
    }
}

pub fn describe_scope(data: &Dataset, scope: &Scope) -> Result<ScopeInfo, QueryError> {
    let division = |kind: &'static str, label: &'static str, code: &String, name: Option<&str>| {
        let name = name.ok_or_else(|| QueryError::UnknownDivision {
            kind: label,
            code: code.clone(),
        })?;
        Ok(ScopeInfo {
            kind,
            code: Some(code.clone()),
            name: name.to_string(),
        })
    };
    match scope {
        Scope::Metropole => Ok(ScopeInfo {
            kind: "metropole",
            code: None,
            name: "France métropolitaine".into(),
        }),
        Scope::Region(code) => division("region", "région", code, data.region_name(code)),
        Scope::Departement(code) => division("departement", "département", code, data.departement_name(code)),
    }
}

pub fn percent(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { 100.0 * part / whole } else { 0.0 }
}

/// How two layers overlap within a scope, commune by commune.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Overlap {
    pub scope: ScopeInfo,
    pub a: OverlapSide,
    pub b: OverlapSide,
    /// Communes covered by both layers.
    pub both: Shared,
    pub method: &'static str,
    pub denominators_source: Source,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct OverlapSide {
    #[schemars(with = "crate::answer::LayerId")]
    pub layer: String,
    pub title: String,
    pub communes_covered: usize,
    pub covered_area_km2: f64,
    pub covered_population: u64,
    /// Percent of this layer's covered area that the other layer also covers.
    pub area_also_in_other_pct: f64,
    /// Percent of this layer's covered population that the other layer also covers.
    pub population_also_in_other_pct: f64,
    pub source: Source,
}

#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Shared {
    pub communes: usize,
    pub area_km2: f64,
    pub population: u64,
}

/// What share of layer `a`'s area and population also lies in layer `b`, and the reverse.
pub fn overlap(data: &Dataset, a: &str, b: &str, scope: &Scope) -> Result<Overlap, QueryError> {
    let layer = |id: &str| {
        data.layer(id)
            .ok_or_else(|| QueryError::UnknownLayer(id.to_string()))
    };
    let (la, lb) = (layer(a)?, layer(b)?);
    let scope_info = describe_scope(data, scope)?;
    let (mut in_a, mut in_b, mut both) = (Shared::default(), Shared::default(), Shared::default());
    for (c, commune) in data.indexed_communes() {
        if !scope.contains(commune) {
            continue;
        }
        let (is_a, is_b) = (
            !la.membership.features_of(c).is_empty(),
            !lb.membership.features_of(c).is_empty(),
        );
        for (flag, total) in [(is_a, &mut in_a), (is_b, &mut in_b), (is_a && is_b, &mut both)] {
            if flag {
                total.communes += 1;
                total.area_km2 += commune.area_km2;
                total.population += commune.population;
            }
        }
    }
    let side = |l: &territoires_core::dataset::Layer, own: &Shared| OverlapSide {
        layer: l.id.clone(),
        title: l.title.clone(),
        communes_covered: own.communes,
        covered_area_km2: own.area_km2,
        covered_population: own.population,
        area_also_in_other_pct: percent(both.area_km2, own.area_km2),
        population_also_in_other_pct: percent(both.population as f64, own.population as f64),
        source: l.source.clone(),
    };
    Ok(Overlap {
        scope: scope_info,
        a: side(la, &in_a),
        b: side(lb, &in_b),
        both: both.clone(),
        method: "whole communes: a commune counts for a layer when a feature of it holds the commune",
        denominators_source: data.base.denominators.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use territoires_core::dataset::{Feature, Membership};

    /// Who holds a commune in the made-up layers: nobody, or feature `f` of the part `a` or `b`.
    #[derive(Debug, Clone, Copy)]
    enum Holder {
        None,
        A(usize),
        B(usize),
    }

    fn holder() -> impl Strategy<Value = Holder> {
        prop_oneof![
            Just(Holder::None),
            (0..3usize).prop_map(Holder::A),
            (0..3usize).prop_map(Holder::B)
        ]
    }

    /// The tiny dataset with the communes' figures drawn at random, and three commune-set layers:
    /// `a` and `b` hold disjoint communes, `u` holds their union with `a`'s and `b`'s features, plus
    /// one more feature over communes already held (a commune in two features counts once).
    fn dataset(populations: &[u64], areas: &[f64], holders: &[Holder], again: &[bool]) -> Dataset {
        let mut data = territoires_fixtures::tiny_dataset();
        for (i, c) in data.communes.iter_mut().enumerate() {
            c.population = populations[i];
            c.area_km2 = areas[i];
        }
        let template = data
            .layers
            .iter()
            .find(|l| l.kind == LayerKind::CommuneSets)
            .expect("the fixture has a commune-set layer")
            .clone();
        let features = |pick: &dyn Fn(Holder) -> Option<usize>, count: usize| -> Vec<Feature> {
            (0..count)
                .map(|f| Feature {
                    id: format!("f{f}").into(),
                    communes: CommuneIx::all(holders.len())
                        .filter(|c| pick(holders[c.index()]) == Some(f))
                        .collect(),
                    ..template.features[0].clone()
                })
                .collect()
        };
        let a = features(&|h| if let Holder::A(f) = h { Some(f) } else { None }, 3);
        let b = features(&|h| if let Holder::B(f) = h { Some(f) } else { None }, 3);
        let mut union: Vec<Feature> = a.iter().chain(&b).cloned().collect();
        let held_again = CommuneIx::all(holders.len())
            .filter(|c| again[c.index()] && !matches!(holders[c.index()], Holder::None))
            .collect();
        union.push(Feature {
            communes: held_again,
            ..template.features[0].clone()
        });
        let commune_count = data.communes.len();
        let layer = |id: &str, features: Vec<Feature>| Layer {
            id: id.into(),
            membership: Membership::from_features(commune_count, &features),
            features,
            ..template.clone()
        };
        data.layers = vec![layer("a", a), layer("b", b), layer("u", union)];
        data
    }

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0)
    }

    fn scopes() -> [Scope; 4] {
        [
            Scope::Metropole,
            Scope::Region("84".into()),
            Scope::Departement("01".into()),
            Scope::Departement("02".into()),
        ]
    }

    const COMMUNES: usize = territoires_fixtures::COLUMNS * territoires_fixtures::ROWS;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The union of two layers with no commune in common covers the sum of their shares, in
        /// every scope; and a scope's figures are the sum of its breakdown's rows, disjoint parts
        /// of it.
        #[test]
        fn a_union_covers_the_sum_of_its_disjoint_parts(
            populations in prop::collection::vec(0..2_000_000u64, COMMUNES),
            areas in prop::collection::vec(0.0..500.0f64, COMMUNES),
            holders in prop::collection::vec(holder(), COMMUNES),
            again in prop::collection::vec(any::<bool>(), COMMUNES),
        ) {
            let data = dataset(&populations, &areas, &holders, &again);
            for scope in scopes() {
                let of = |id: &str| coverage(&data, id, &scope, Some(Breakdown::Departement))
                    .map_err(|e| TestCaseError::fail(e.to_string()));
                let (a, b, u) = (of("a")?.figures, of("b")?.figures, of("u")?);
                prop_assert_eq!(u.figures.communes_covered, a.communes_covered + b.communes_covered);
                prop_assert_eq!(u.figures.covered_population, a.covered_population + b.covered_population);
                prop_assert!(close(u.figures.covered_area_km2, a.covered_area_km2 + b.covered_area_km2));
                prop_assert!(close(u.figures.covered_area_pct, a.covered_area_pct + b.covered_area_pct),
                    "{scope:?}: {} against {} + {}", u.figures.covered_area_pct, a.covered_area_pct, b.covered_area_pct);
                prop_assert!(close(
                    u.figures.covered_population_pct,
                    a.covered_population_pct + b.covered_population_pct
                ));
                prop_assert!(u.figures.covered_population_pct <= 100.0 + 1e-9);

                let rows = &u.breakdown;
                let sum_u64 = |f: fn(&Figures) -> u64| rows.iter().map(|r| f(&r.figures)).sum::<u64>();
                let sum_f64 = |f: fn(&Figures) -> f64| rows.iter().map(|r| f(&r.figures)).sum::<f64>();
                prop_assert_eq!(rows.iter().map(|r| r.figures.communes).sum::<usize>(), u.figures.communes);
                prop_assert_eq!(sum_u64(|f| f.population), u.figures.population);
                prop_assert_eq!(sum_u64(|f| f.covered_population), u.figures.covered_population);
                prop_assert!(close(sum_f64(|f| f.area_km2), u.figures.area_km2));
                prop_assert!(close(sum_f64(|f| f.covered_area_km2), u.figures.covered_area_km2));

                // Overlap agrees: `a` and `b` share nothing, and all of `a` lies in the union.
                let ab = overlap(&data, "a", "b", &scope).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(ab.both.communes, 0);
                let au = overlap(&data, "a", "u", &scope).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(au.both.population, a.covered_population);
                prop_assert_eq!(au.a.communes_covered, a.communes_covered);
            }
        }
    }
}
