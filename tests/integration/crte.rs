//! The CRTE layer everywhere the other layers are: locate (library, GET, batch), search, territories,
//! OGC, tiles. Every expectation is computed from `crte-2022.csv` itself.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use geo::InteriorPoint;
use serde_json::Value;
use territoires_query::locate::{LocateOptions, locate};

type Row = BTreeMap<String, String>;

fn rows() -> Vec<Row> {
    common::territory_rows(&common::layer_file("crte"))
}

fn members(row: &Row) -> BTreeSet<&str> {
    row["members"].split(';').map(str::trim).collect()
}

/// The ids of the CRTE rows naming commune `code` or its EPCI, which is where locate must find them.
fn expected_at(code: &str) -> BTreeSet<String> {
    let data = &common::indexed().dataset;
    let (_, commune) = data.commune_by_code(code).unwrap();
    rows()
        .iter()
        .filter(|r| {
            let m = members(r);
            m.contains(code) || commune.epci.as_deref().is_some_and(|e| m.contains(e))
        })
        .map(|r| r["id"].clone())
        .collect()
}

/// CRTE ids that the library finds at a point.
fn located(lat: f64, lon: f64) -> BTreeSet<String> {
    let ix = common::indexed();
    let l = common::layer(ix, "crte");
    let location = locate(ix, lon, lat, &LocateOptions::default()).unwrap();
    location
        .hits_in(l)
        .map(|h| ix.dataset.layers[l].features[h.feature].id.to_string())
        .collect()
}

#[test]
fn vervins_is_in_the_crte_its_epci_signed() {
    let found = located(49.8350, 3.9070);
    assert!(!found.is_empty());
    assert_eq!(found, expected_at("02789"));
    let signed_by_its_epci = rows()
        .iter()
        .filter(|r| members(r).contains("240200444"))
        .map(|r| r["id"].clone())
        .collect::<BTreeSet<_>>();
    assert_eq!(found, signed_by_its_epci);
}

#[test]
fn an_epci_that_signed_two_contracts_is_in_both() {
    let mut contracts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in rows() {
        for m in members(&r).into_iter().filter(|m| m.len() == 9) {
            contracts
                .entry(m.to_string())
                .or_default()
                .insert(r["id"].clone());
        }
    }
    let (epci, both) = contracts
        .iter()
        .find(|(_, ids)| ids.len() >= 2)
        .expect("the file has EPCIs in two contracts");
    let ix = common::indexed();
    let communes = ix.dataset.layer("communes").unwrap();
    let (commune_ix, commune) = communes
        .indexed_features()
        .find(|(_, f)| {
            let (_, c) = ix.dataset.commune_by_code(&f.id).unwrap();
            c.epci.as_deref() == Some(epci.as_str())
        })
        .expect("a commune of that EPCI with a geometry");
    let p = communes.polygons(commune_ix).interior_point().unwrap();
    let found = located(p.y(), p.x());
    assert!(both.is_subset(&found), "{found:?} lacks one of {both:?}");
    assert_eq!(found, expected_at(&commune.id));
}

#[test]
fn every_row_is_a_feature_with_its_carrier() {
    let layer = common::indexed().dataset.layer("crte").unwrap();
    assert_eq!(
        layer.features.len(),
        common::expected_feature_count(&common::layer_file("crte"))
    );
    let carrier = layer.carrier.as_ref().expect("carrier columns");
    for row in rows() {
        let f = layer.features.iter().find(|f| f.id == row["id"]).unwrap();
        assert_eq!(f.name, row["name"]);
        for column in [&carrier.siren, &carrier.name, &carrier.kind] {
            assert_eq!(f.text(column), row[column.as_str()], "{} {column}", row["id"]);
        }
    }
}

fn url(path: &str) -> String {
    format!("{}{path}", common::servers().0)
}

async fn get(path: &str) -> Value {
    let response = reqwest::get(url(path)).await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn locate_over_http_gives_each_contract_with_its_carrier() {
    let body = get("/api/locate?lat=49.8350&lon=3.9070&layers=crte").await;
    let features = body["layers"][0]["features"].as_array().unwrap();
    let ids: BTreeSet<String> = features
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, expected_at("02789"));
    let by_id: BTreeMap<String, Row> = rows().into_iter().map(|r| (r["id"].clone(), r)).collect();
    for f in features {
        let row = &by_id[f["id"].as_str().unwrap()];
        for column in ["carrier_siren", "carrier_name", "carrier_kind"] {
            assert_eq!(f[column], row[column].as_str(), "{column}");
        }
        assert!(
            f.get("members").is_none(),
            "member lists stay out of locate answers"
        );
    }
    assert!(body["layers"][0]["source"]["vintage"].as_str().is_some());
}

#[tokio::test]
async fn batch_lookups_have_crte_columns() {
    let response = reqwest::Client::new()
        .post(url("/api/locate?layers=communes,crte"))
        .header("content-type", "text/csv")
        .header("accept", "text/csv")
        .body("name,lat,lon\nVervins,49.8350,3.9070\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let column = header
        .iter()
        .position(|h| h == "crte_id")
        .expect("crte_id column");
    let row = reader.records().next().unwrap().unwrap();
    let ids: BTreeSet<String> = row[column].split(';').map(String::from).collect();
    assert_eq!(ids, expected_at("02789"));
}

#[tokio::test]
async fn a_crte_is_found_by_name_and_served_like_any_layer() {
    let row = rows().into_iter().find(|r| r["type"] == "pluri").unwrap();
    let q: String = row["name"].chars().take(40).collect();
    let found = get(&format!("/api/search?q={}", urlencode(&q))).await;
    let hit = found["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["layer"] == "crte" && r["id"] == row["id"].as_str());
    assert!(hit.is_some(), "{q}: {found}");
    let only = get(&format!("/api/search?q={}&layers=crte", urlencode(&q))).await;
    let layers: Vec<&str> = only["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["layer"].as_str().unwrap())
        .collect();
    assert!(
        !layers.is_empty() && layers.iter().all(|&l| l == "crte"),
        "{layers:?}"
    );

    let territory = get(&format!("/api/territories/crte/{}", row["id"])).await;
    assert_eq!(
        territory["properties"]["carrier_name"],
        row["carrier_name"].as_str()
    );
    assert!(
        territory["overlays"]["epci"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );

    let collection = get("/ogc/collections/crte").await;
    assert_eq!(collection["id"], "crte");
    let items = get(&format!("/ogc/collections/crte/items/{}", row["id"])).await;
    assert_eq!(items["properties"]["carrier_kind"], row["carrier_kind"].as_str());

    let layer = get("/api/layers/crte.geojson?zoom=6").await;
    assert_eq!(
        layer["features"].as_array().unwrap().len(),
        common::expected_feature_count(&common::layer_file("crte"))
    );
    let tile = reqwest::get(url("/tiles/crte/6/32/22.mvt")).await.unwrap();
    assert_eq!(tile.status(), 200);
    assert!(!tile.bytes().await.unwrap().is_empty());
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
