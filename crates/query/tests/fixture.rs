//! The queries on the tiny in-memory dataset: every figure is computed from the fixture itself.

use territoires_core::Indexed;
use territoires_core::dataset::LayerIx;
use territoires_fixtures::{COLUMNS, ROWS, commune_centre, epci_siren, tiny_dataset};
use territoires_query::request::LayerSelection;
use territoires_query::search::SearchIndex;
use territoires_query::simulate::{Draft, EpciGraph, simulate};
use territoires_query::{LocateOptions, QueryError, Scope, coverage, locate};

fn indexed() -> Indexed {
    Indexed::new(tiny_dataset())
}

#[test]
fn every_commune_centre_locates_its_commune_its_epci_and_its_pays() {
    let ix = indexed();
    let layer = |id: &str| ix.layer_position(id).expect("layer");
    for column in 0..COLUMNS {
        for row in 0..ROWS {
            let (lon, lat) = commune_centre(column, row);
            let found = locate(&ix, lon, lat, &LocateOptions::default()).expect("located");
            let ids = |l: LayerIx| -> Vec<String> {
                found
                    .hits_in(l)
                    .map(|h| ix.dataset.layers[l].features[h.feature].id.to_string())
                    .collect()
            };
            let commune = found.commune.expect("a commune");
            assert_eq!(
                ids(layer("communes")),
                [ix.dataset.communes[commune].code.clone()]
            );
            assert_eq!(ids(layer("epci")), [epci_siren(column)]);
            assert_eq!(
                ids(layer("pays")).len(),
                usize::from(column < 2),
                "{column},{row}"
            );
        }
    }
}

#[test]
fn a_point_off_the_grid_is_in_no_commune_and_a_point_off_the_globe_is_refused() {
    let ix = indexed();
    let at_sea = locate(&ix, -3.0, 47.0, &LocateOptions::default()).expect("answered");
    assert!(at_sea.commune.is_none() && at_sea.hits.is_empty());
    let off = locate(&ix, 2.0, 91.0, &LocateOptions::default()).unwrap_err();
    assert!(
        matches!(off, QueryError::CoordinateOutOfRange { name: "lat", .. }),
        "{off:?}"
    );
}

#[test]
fn coverage_is_the_share_of_the_covered_communes() {
    let ix = indexed();
    let data = &ix.dataset;
    let pays = &data.layers[data.territories_layer().expect("territories layer")];
    let covered: u64 = pays.features.iter().map(|f| f.population).sum();
    let total: u64 = data.communes.iter().map(|c| c.population).sum();
    let c = coverage(data, "pays", &Scope::Metropole, None).expect("coverage");
    assert_eq!(c.figures.covered_population, covered);
    assert_eq!(c.figures.population, total);
    let expected = 100.0 * covered as f64 / total as f64;
    assert!((c.figures.covered_population_pct - expected).abs() < 1e-9);
    assert!(matches!(
        coverage(data, "nope", &Scope::Metropole, None),
        Err(QueryError::UnknownLayer(_))
    ));
}

#[test]
fn a_draft_of_the_pays_epcis_is_one_piece_and_two_columns_apart_are_two() {
    let ix = indexed();
    let layer = ix.layer_position("epci").expect("epci");
    let graph = EpciGraph {
        layer,
        topology: ix.topology(layer),
        neighbours: ix.neighbours(layer),
    };
    let draft = Draft {
        epci: (0..2).map(epci_siren).collect(),
        replaces: Some("200000100".into()),
        zoom: 8,
    };
    let s = simulate(&ix.dataset, &graph, &draft).expect("simulated");
    let pays = &ix.dataset.layers[ix.layer_position("pays").expect("pays")].features[0];
    assert_eq!(s.figures.population, pays.population);
    assert!(s.checks.contiguous.ok && s.checks.no_enclave.ok && s.checks.members_are_epci.ok);
    assert!(
        s.checks.epci_in_other_petr.ok,
        "the draft replaces the PETR it comes from"
    );
    // Two EPCIs one column apart are two pieces.
    let apart = Draft {
        epci: vec![epci_siren(0), epci_siren(2)],
        ..draft.clone()
    };
    let s = simulate(&ix.dataset, &graph, &apart).expect("simulated");
    assert_eq!(s.checks.contiguous.parts.len(), 2);
    let unknown = Draft {
        epci: vec!["999999999".into()],
        ..draft
    };
    assert!(matches!(
        simulate(&ix.dataset, &graph, &unknown),
        Err(QueryError::UnknownMembers(_))
    ));
}

#[test]
fn layer_lists_are_checked_once_in_order_and_for_search() {
    let ix = indexed();
    let picked = LayerSelection::from_names(&ix, Some(&["pays", "epci", "pays"])).expect("known layers");
    assert_eq!(
        picked.positions(),
        [
            ix.layer_position("pays").expect("pays"),
            ix.layer_position("epci").expect("epci")
        ]
    );
    assert!(matches!(
        LayerSelection::from_names(&ix, Some(&["nope"])),
        Err(QueryError::UnknownLayer(_))
    ));
    let not_searchable = LayerSelection::from_names(&ix, Some(&["regions"]))
        .expect("known")
        .searchable(&ix);
    assert!(matches!(not_searchable, Err(QueryError::NotSearchable(_))));
}

#[test]
fn search_finds_a_commune_by_name_and_its_pays() {
    let ix = indexed();
    let index = SearchIndex::new(&ix.dataset);
    let first = &ix.dataset.communes[0];
    let results = index.search(&ix.dataset, &first.name, 5, None);
    let hit = results
        .iter()
        .find(|r| r.id == first.code)
        .expect("the commune is found");
    assert_eq!(hit.layer, "communes");
    assert_eq!(
        hit.pays.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["200000100"]
    );
}
