//! « Les Pays en chiffres »: every measured figure recomputed from the geodata files, and the
//! reference figures exactly as `geodata/indicators.toml` cites them.

use crate::common;

use std::collections::BTreeSet;

use serde_json::Value;
use territoires_build::catalogue::{DEFAULT_INDICATORS, default_path};
use territoires_query::indicators::{Indicator, indicators};

fn measured(id: &str) -> Indicator {
    indicators(&common::indexed().dataset)
        .indicators
        .into_iter()
        .find(|i| i.id == id)
        .unwrap_or_else(|| panic!("no indicator {id}"))
}

fn ids(layer: &str) -> BTreeSet<String> {
    common::territory_rows(&common::layer_file(layer))
        .into_iter()
        .map(|r| r["id"].clone())
        .collect()
}

fn figures(i: &Indicator) -> (f64, f64) {
    let m = i
        .measured
        .as_ref()
        .unwrap_or_else(|| panic!("{} is measured", i.id));
    (m.numerator, m.denominator.unwrap())
}

#[test]
fn crte_carried_by_a_territory_of_the_layer() {
    let pays = ids("pays");
    let crte = common::territory_rows(&common::layer_file("crte"));
    let carried: Vec<_> = crte
        .iter()
        .filter(|r| pays.contains(&r["carrier_siren"]))
        .collect();
    assert!(!carried.is_empty());
    assert_eq!(
        figures(&measured("crte")),
        (carried.len() as f64, crte.len() as f64)
    );

    let epci: BTreeSet<String> = common::indexed()
        .dataset
        .communes
        .iter()
        .filter_map(|c| c.epci.as_ref().map(ToString::to_string))
        .collect();
    let epci_of = |rows: &[&std::collections::BTreeMap<String, String>]| -> BTreeSet<String> {
        rows.iter()
            .flat_map(|r| r["members"].split(';').map(str::to_string).collect::<Vec<_>>())
            .filter(|m| epci.contains(m))
            .collect()
    };
    let all: Vec<_> = crte.iter().collect();
    assert_eq!(
        figures(&measured("crte-epci")),
        (epci_of(&carried).len() as f64, epci_of(&all).len() as f64)
    );
}

/// The PCAET of ADEME's early-2021 export: the layer is the file's rows, the indicator counts those
/// whose carrier is a territory of the layer, and both say the list is partial.
#[tokio::test]
async fn pcaet_carried_by_a_territory_with_the_gap_said() {
    let pays = ids("pays");
    let rows = common::territory_rows(&common::layer_file("pcaet"));
    let carried = rows.iter().filter(|r| pays.contains(&r["carrier_siren"])).count();
    assert!(carried > 0);
    let pcaet = measured("pcaet");
    assert_eq!(figures(&pcaet), (carried as f64, rows.len() as f64));
    assert!(pcaet.why.contains("un tiers"), "{}", pcaet.why);

    let layer = common::indexed().dataset.layer("pcaet").unwrap();
    assert_eq!(
        layer.features.len(),
        common::expected_feature_count(&common::layer_file("pcaet"))
    );
    let layers = common::get("/api/layers").await.json();
    let entry = layers["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "pcaet")
        .expect("pcaet in /api/layers");
    assert!(entry["note"].as_str().unwrap().contains("partielle"), "{entry}");
    // A point of the first démarche's carrier finds it, with its carrier.
    let row = &rows[0];
    let commune = layer
        .features
        .iter()
        .find(|f| f.id == row["id"].as_str())
        .unwrap()
        .communes[0];
    let data = &common::indexed().dataset;
    let at = data.communes[commune.index()].feature.unwrap();
    let [lon, lat] = data.layer("communes").unwrap().features[at.index()]
        .label
        .unwrap();
    let located = common::get(&format!("/api/locate?lat={lat}&lon={lon}&layers=pcaet"))
        .await
        .json();
    let found = &located["layers"][0]["features"][0];
    assert_eq!(found["id"], row["id"].as_str(), "{located}");
    assert_eq!(found["carrier_siren"], row["carrier_siren"].as_str(), "{located}");
}

#[test]
fn scot_syndicats_that_are_territories_of_the_layer() {
    let pays = ids("pays");
    let scot = ids("scot");
    let both = scot.intersection(&pays).count();
    assert!(both > 0);
    assert_eq!(figures(&measured("scot")), (both as f64, scot.len() as f64));
}

#[test]
fn territories_count_and_shares_match_coverage() {
    let data = &common::indexed().dataset;
    let c = territoires_query::coverage(data, "pays", &Default::default(), None).unwrap();
    let count = measured("territoires");
    let reference = count.reference.as_ref().unwrap().count.unwrap() as f64;
    assert_eq!(figures(&count), (c.figures.features as f64, reference));
    assert_eq!(
        figures(&measured("territoires-superficie")),
        (c.figures.covered_area_km2, c.figures.area_km2)
    );
    let population = measured("territoires-population").measured.unwrap();
    assert_eq!(population.percent, Some(c.figures.covered_population_pct));
    // The why line names our figure, in French.
    assert!(
        count.why.contains(&c.figures.features.to_string()),
        "{}",
        count.why
    );
}

#[test]
fn references_are_cited_as_written_and_missing_data_is_never_a_figure() {
    let data = &common::indexed().dataset;
    let file = territoires_build::catalogue::load_indicators(
        &default_path(DEFAULT_INDICATORS),
        &common::catalogue(),
    )
    .unwrap();
    assert_eq!(data.indicators, file, "the dataset carries the file as written");
    let answer = indicators(data);
    assert_eq!(answer.reference.year, file.reference.year);
    for (entry, i) in file.indicators.iter().zip(&answer.indicators) {
        assert_eq!(entry.id, i.id);
        let r = i.reference.as_ref();
        assert_eq!(
            entry.reference.as_ref().and_then(|r| r.count),
            r.and_then(|r| r.count)
        );
        assert_eq!(entry.reference.as_ref().and_then(|r| r.of), r.and_then(|r| r.of));
        assert_eq!(entry.measure.is_some(), i.measured.is_some(), "{}", i.id);
        assert!(!i.why.contains('{'), "every placeholder filled: {}", i.why);
    }
    assert!(answer.indicators.iter().any(|i| i.measured.is_none()));
}

#[tokio::test]
async fn the_api_and_the_cli_give_the_same_figures() {
    let response = reqwest::get(format!("{}/api/indicators", common::servers().0))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let api: Value = response.json().await.unwrap();
    assert!(api["vintage"].as_str().is_some());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_territoires"))
        .args(["indicators", "--json", "--data"])
        .arg(common::data_dir())
        .output()
        .unwrap();
    assert!(output.status.success());
    let cli: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(api["indicators"], cli["indicators"]);
    let crte = api["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "crte")
        .unwrap();
    assert_eq!(crte["measured"]["numerator"], figures(&measured("crte")).0);
    for i in api["indicators"].as_array().unwrap() {
        if i["measured"].is_null() {
            assert!(i["reference"].is_object() || i["why"].as_str().is_some());
        }
    }

    let text = std::process::Command::new(env!("CARGO_BIN_EXE_territoires"))
        .args(["indicators", "--data"])
        .arg(common::data_dir())
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("pas de données ici"), "{text}");
}
