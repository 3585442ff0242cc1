//! Coverage figures against independent sums.

use crate::common;
use territoires_core::dataset::CommuneIx;

use std::collections::BTreeSet;

use territoires_geo::GeodesicKm2;
use territoires_query::{Breakdown, QueryError, Scope, coverage};

#[test]
fn metropolitan_population_is_the_sum_of_its_communes() {
    let data = &common::indexed().dataset;
    let c = coverage(data, "communes", &Scope::Metropole, None).unwrap();
    assert_eq!(c.figures.population, 66_165_815);
    let independent: u64 = data
        .communes
        .iter()
        .filter(|c| c.metropolitan)
        .map(|c| c.population)
        .sum();
    assert_eq!(c.figures.population, independent);
}

#[test]
fn metropolitan_area_matches_the_dissolved_regions_within_a_thousandth() {
    let data = &common::indexed().dataset;
    let c = coverage(data, "communes", &Scope::Metropole, None).unwrap();
    // Independent: the geodesic area of the dissolved metropolitan régions' polygons.
    let metro_regions: BTreeSet<&str> = data
        .communes
        .iter()
        .filter(|c| c.metropolitan)
        .map(|c| c.region.as_str())
        .collect();
    let regions = data.layer("regions").unwrap();
    let regions_km2: f64 = regions
        .indexed_features()
        .filter(|(_, f)| metro_regions.contains(f.id.as_str()))
        .map(|(f, _)| regions.polygons(f).geodesic_km2())
        .sum();
    let relative = (c.figures.area_km2 - regions_km2).abs() / regions_km2;
    assert!(relative < 1e-3, "{} vs {regions_km2}", c.figures.area_km2);
    assert!(
        (c.figures.area_km2 - 549_100.0).abs() < 500.0,
        "{}",
        c.figures.area_km2
    );
}

/// Pays coverage, recomputed from `pays-petr.csv` and the EPCI of each commune.
#[test]
fn pays_coverage_equals_an_independent_sum_over_member_communes() {
    let data = &common::indexed().dataset;
    let path = common::geodata_dir().join(common::layer_file("pays"));
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let members_col = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "members")
        .unwrap();
    let mut members = BTreeSet::new();
    for row in reader.records() {
        for m in row.unwrap()[members_col].split(';') {
            members.insert(m.trim().to_string());
        }
    }
    let covered: Vec<_> = data
        .communes
        .iter()
        .filter(|c| c.metropolitan)
        .filter(|c| {
            members.contains(c.code.as_str()) || c.epci.as_ref().is_some_and(|e| members.contains(e.as_str()))
        })
        .collect();
    let population: u64 = covered.iter().map(|c| c.population).sum();
    let area: f64 = covered.iter().map(|c| c.area_km2).sum();

    let c = coverage(data, "pays", &Scope::Metropole, None).unwrap();
    assert_eq!(c.figures.covered_population, population);
    assert!((c.figures.covered_area_km2 - area).abs() < 1e-6);
    assert_eq!(
        c.figures.features,
        common::expected_feature_count(&common::layer_file("pays"))
    );
    let metro_area: f64 = data
        .communes
        .iter()
        .filter(|c| c.metropolitan)
        .map(|c| c.area_km2)
        .sum();
    let metro_population: u64 = data
        .communes
        .iter()
        .filter(|c| c.metropolitan)
        .map(|c| c.population)
        .sum();
    assert!((c.figures.covered_area_pct - 100.0 * area / metro_area).abs() < 1e-9);
    assert!(
        (c.figures.covered_population_pct - 100.0 * population as f64 / metro_population as f64).abs() < 1e-9
    );
}

#[test]
fn breakdown_by_region_adds_up_to_the_total() {
    let data = &common::indexed().dataset;
    let c = coverage(data, "pays", &Scope::Metropole, Some(Breakdown::Region)).unwrap();
    assert_eq!(c.breakdown.len(), 13);
    let population: u64 = c.breakdown.iter().map(|r| r.figures.covered_population).sum();
    assert_eq!(population, c.figures.covered_population);
    let area: f64 = c.breakdown.iter().map(|r| r.figures.covered_area_km2).sum();
    assert!((area - c.figures.covered_area_km2).abs() < 1e-6);
}

#[test]
fn a_commune_in_two_features_counts_once() {
    let data = &common::indexed().dataset;
    let scot = data.layer("scot").unwrap();
    let doubled = CommuneIx::all(data.communes.len())
        .filter(|&c| scot.membership.features_of(c).len() > 1)
        .count();
    assert!(doubled > 0, "the SCoT layer should overlap somewhere");
    let c = coverage(data, "scot", &Scope::Metropole, None).unwrap();
    let covered: u64 = CommuneIx::all(data.communes.len())
        .filter(|&c| data.communes[c].metropolitan && !scot.membership.features_of(c).is_empty())
        .map(|c| data.communes[c].population)
        .sum();
    assert_eq!(c.figures.covered_population, covered);
}

#[test]
fn scopes_restrict_and_unknown_ones_are_errors() {
    let data = &common::indexed().dataset;
    let auvergne = coverage(data, "pays", &"region:84".parse().unwrap(), None).unwrap();
    assert_eq!(auvergne.scope.name, "Auvergne-Rhône-Alpes");
    let puy_de_dome = coverage(
        data,
        "pays",
        &"departement:63".parse().unwrap(),
        Some(Breakdown::Departement),
    )
    .unwrap();
    assert!(puy_de_dome.figures.population < auvergne.figures.population);
    assert!(puy_de_dome.figures.covered_population > 0);
    assert_eq!(puy_de_dome.breakdown.len(), 1);

    assert!(matches!("region:".parse::<Scope>(), Err(QueryError::BadScope(_))));
    assert!(matches!(
        "canton:1".parse::<Scope>(),
        Err(QueryError::BadScope(_))
    ));
    assert!(matches!(
        coverage(data, "pays", &Scope::Region("99".into()), None),
        Err(QueryError::UnknownDivision { .. })
    ));
    assert!(matches!(
        coverage(data, "nope", &Scope::Metropole, None),
        Err(QueryError::UnknownLayer(_))
    ));
}

#[test]
fn overlap_of_pays_and_scot_matches_an_independent_count() {
    let data = &common::indexed().dataset;
    let o = territoires_query::overlap(data, "pays", "scot", &Scope::Metropole).unwrap();
    let (pays, scot) = (data.layer("pays").unwrap(), data.layer("scot").unwrap());
    let mut both_area = 0.0;
    let mut pays_area = 0.0;
    for (c, commune) in data.indexed_communes().filter(|(_, c)| c.metropolitan) {
        if !pays.membership.features_of(c).is_empty() {
            pays_area += commune.area_km2;
            if !scot.membership.features_of(c).is_empty() {
                both_area += commune.area_km2;
            }
        }
    }
    assert!((o.a.covered_area_km2 - pays_area).abs() < 1e-6);
    assert!((o.both.area_km2 - both_area).abs() < 1e-6);
    assert!((o.a.area_also_in_other_pct - 100.0 * both_area / pays_area).abs() < 1e-9);
    // The Pays layer's coverage agrees with `coverage`.
    let c = coverage(data, "pays", &Scope::Metropole, None).unwrap();
    assert_eq!(o.a.covered_population, c.figures.covered_population);
    // 83 of the SCoT syndicats are PETR of the Pays layer: the overlap is large but partial.
    assert!(o.a.area_also_in_other_pct > 50.0 && o.a.area_also_in_other_pct < 100.0);
    assert!(o.b.area_also_in_other_pct > 20.0 && o.b.area_also_in_other_pct < 100.0);
}
