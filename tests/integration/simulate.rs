//! The perimeter simulator over HTTP: figures, the PETR checks, errors. Expectations come from the
//! dataset's communes and geometries, never from the simulator's own graph.

use crate::common;

use geo::{BoundingRect, Intersects};
use reqwest::StatusCode;
use serde_json::{Value, json};
use territoires_geo::GeodesicKm2;

const MOULINS: &str = "200071140";
const SAINT_POURCAIN: &str = "200071389";
const THIERACHE_PETR: &str = "200051118";

fn url(path: &str) -> String {
    format!("{}{path}", common::servers().0)
}

async fn simulate(epci: &[&str]) -> Value {
    let response = reqwest::get(url(&format!("/api/simulate?epci={}", epci.join(","))))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn refused(path: &str) -> Value {
    let response = reqwest::get(url(path)).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["status"], 400);
    body
}

/// Population of the communes whose EPCI is one of `sirens`, from the COG data.
fn population_of(sirens: &[&str]) -> u64 {
    common::indexed()
        .dataset
        .communes
        .iter()
        .filter(|c| c.epci.as_deref().is_some_and(|e| sirens.contains(&e)))
        .map(|c| c.population)
        .sum()
}

fn sirens(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e["siren"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn moulins_and_saint_pourcain_make_one_piece() {
    let body = simulate(&[MOULINS, SAINT_POURCAIN]).await;
    assert_eq!(
        body["figures"]["population"],
        population_of(&[MOULINS, SAINT_POURCAIN])
    );
    assert_eq!(body["figures"]["epci"], 2);
    for check in [
        "members_are_epci",
        "contiguous",
        "no_enclave",
        "epci_in_other_petr",
    ] {
        assert_eq!(body["checks"][check]["ok"], true, "{check}: {}", body["checks"]);
    }
    assert_eq!(body["checks"]["contiguous"]["parts"].as_array().unwrap().len(), 1);
    assert!(body["vintage"].as_str().is_some());

    // The shape is the union of the two: its area matches theirs.
    let shape: geojson::Geometry = serde_json::from_value(body["geometry"].clone()).unwrap();
    let shape: geo::Geometry<f64> = (&shape.value).try_into().unwrap();
    let geo::Geometry::MultiPolygon(shape) = shape else {
        panic!("a multipolygon")
    };
    assert_eq!(shape.0.len(), 1, "one piece");
    let area = shape.geodesic_km2();
    let expected = body["figures"]["area_km2"].as_f64().unwrap();
    assert!((area - expected).abs() / expected < 0.01, "{area} vs {expected}");

    // Coverage of the territories layer can only grow, and the national scope comes first.
    let scopes = body["coverage"]["scopes"].as_array().unwrap();
    assert_eq!(scopes[0]["scope"]["kind"], "metropole");
    for s in scopes {
        assert!(s["after"]["covered_population"].as_u64() >= s["before"]["covered_population"].as_u64());
    }
}

#[tokio::test]
async fn two_epci_far_apart_are_not_one_piece() {
    let body = simulate(&[MOULINS, "240200444"]).await;
    let contiguous = &body["checks"]["contiguous"];
    assert_eq!(contiguous["ok"], false);
    assert_eq!(contiguous["parts"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_neighbours_of_an_epci_without_it_enclose_it() {
    // Neighbours found by geometry alone: EPCIs whose polygons meet Saint-Pourçain's.
    let epci = common::indexed().dataset.layer("epci").unwrap();
    let centre = epci
        .indexed_features()
        .find(|(_, f)| f.id == SAINT_POURCAIN)
        .map(|(f, _)| epci.polygons(f))
        .unwrap();
    let area = centre.bounding_rect().unwrap();
    let neighbours: Vec<&str> = epci
        .indexed_features()
        .filter(|(_, f)| f.id != SAINT_POURCAIN)
        .map(|(f, feature)| (epci.polygons(f), feature))
        .filter(|(g, _)| g.bounding_rect().is_some_and(|r| r.intersects(&area)))
        .filter(|(g, _)| g.intersects(&centre))
        .map(|(_, f)| f.id.as_str())
        .collect();
    assert!(neighbours.len() >= 3, "{neighbours:?}");
    let body = simulate(&neighbours).await;
    let no_enclave = &body["checks"]["no_enclave"];
    assert_eq!(no_enclave["ok"], false, "{no_enclave}");
    let enclaves = no_enclave["enclaves"].as_array().unwrap();
    assert_eq!(enclaves.len(), 1);
    assert_eq!(sirens(&enclaves[0]["epci"]), [SAINT_POURCAIN]);
    assert_eq!(body["checks"]["contiguous"]["ok"], true);
}

#[tokio::test]
async fn a_member_of_another_petr_is_flagged_unless_the_draft_replaces_it() {
    let thierache = common::territory_rows(&common::layer_file("pays"))
        .into_iter()
        .find(|r| r["id"] == THIERACHE_PETR)
        .unwrap();
    let member = thierache["members"].split(';').next().unwrap().to_string();
    let body = simulate(&[&member]).await;
    let flagged = &body["checks"]["epci_in_other_petr"];
    assert_eq!(flagged["ok"], false);
    assert_eq!(flagged["members"][0]["siren"], member.as_str());
    assert_eq!(flagged["members"][0]["territory"]["id"], THIERACHE_PETR);

    let replacing = reqwest::get(url(&format!(
        "/api/simulate?epci={member}&replaces={THIERACHE_PETR}"
    )))
    .await
    .unwrap()
    .json::<Value>()
    .await
    .unwrap();
    assert_eq!(replacing["checks"]["epci_in_other_petr"]["ok"], true);
}

#[tokio::test]
async fn a_structure_that_is_no_epci_fails_the_first_check() {
    let body = simulate(&[MOULINS, THIERACHE_PETR]).await;
    let check = &body["checks"]["members_are_epci"];
    assert_eq!(check["ok"], false);
    assert_eq!(sirens(&check["not_epci"]), [THIERACHE_PETR]);
}

#[tokio::test]
async fn post_gives_the_same_answer_as_get() {
    let get = simulate(&[MOULINS, SAINT_POURCAIN]).await;
    let client = reqwest::Client::new();
    for body in [
        json!([MOULINS, SAINT_POURCAIN]),
        json!({"epci": [MOULINS, SAINT_POURCAIN]}),
    ] {
        let post: Value = client
            .post(url("/api/simulate"))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(post["figures"], get["figures"]);
        assert_eq!(post["checks"], get["checks"]);
    }
}

#[tokio::test]
async fn bad_drafts_are_refused_by_name() {
    // The values at fault come back under `details`, for the page to say them in its own words.
    let body = refused("/api/simulate?epci=200071140,999999999").await;
    assert!(body["error"]["message"].as_str().unwrap().contains("999999999"));
    assert_eq!(body["error"]["code"], "unknown_members");
    assert_eq!(body["error"]["parameter"], "epci");
    assert_eq!(body["error"]["details"], json!({"sirens": ["999999999"]}));
    let body = refused("/api/simulate?epci=200071140,200071140").await;
    assert!(body["error"]["message"].as_str().unwrap().contains("200071140"));
    assert_eq!(body["error"]["code"], "duplicate_members");
    assert_eq!(body["error"]["details"], json!({"sirens": ["200071140"]}));
    refused("/api/simulate").await;
    let body = refused("/api/simulate?epci=").await;
    assert_eq!(body["error"]["code"], "bad_draft");
    assert_eq!(body["error"]["details"]["members"], 0);
    refused("/api/simulate?epci=200071140&zoom=99").await;
    let body = refused("/api/simulate?epci=200071140&replaces=nope").await;
    assert_eq!(body["error"]["parameter"], "replaces");
    let territories = common::catalogue().base.territories_layer;
    assert_eq!(
        body["error"]["details"],
        json!({"layer": territories, "id": "nope"})
    );
    refused("/api/simulate?epci=200071140&other=1").await;
    let too_many: Vec<String> = (0..201).map(|i| format!("{:09}", 200_000_000 + i)).collect();
    let body = refused(&format!("/api/simulate?epci={}", too_many.join(","))).await;
    assert!(body["error"]["message"].as_str().unwrap().contains("200"));
    assert_eq!(body["error"]["code"], "bad_draft");
    assert_eq!(body["error"]["details"]["members"], too_many.len());
    assert_eq!(
        body["error"]["details"]["max"],
        territoires_query::simulate::MAX_EPCI
    );

    let client = reqwest::Client::new();
    for body in [
        "{",
        "[1, 2]",
        "{\"epci\": [\"200071140\"], \"x\": 1}",
        "\"200071140\"",
    ] {
        let response = client
            .post(url("/api/simulate"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
    }
}
