//! Place names for the map: label points inside their features, seats from the COG, and the names a
//! reader expects at each zoom.

use crate::common;

use geo::{Contains, Point};
use serde_json::Value;
use territoires_core::dataset::Seat;

#[test]
fn every_label_point_lies_inside_its_feature() {
    let data = &common::indexed().dataset;
    for id in ["pays", "regions", "departements", "epci"] {
        let layer = data.layer(id).unwrap();
        for (ix, f) in layer.indexed_features() {
            let polygons = layer.polygons(ix);
            if polygons.0.is_empty() {
                continue;
            }
            let [x, y] = f
                .label
                .unwrap_or_else(|| panic!("{id} {} has no label point", f.id));
            assert!(polygons.contains(&Point::new(x, y)), "{id} {} at {x},{y}", f.id);
        }
    }
}

#[test]
fn every_chef_lieu_of_the_cog_is_a_seat() {
    let data = &common::indexed().dataset;
    let chefs_lieux = |name: &str| -> std::collections::BTreeSet<String> {
        common::cog_json(name)
            .iter()
            .map(|d| d["chefLieu"].as_str().unwrap().to_string())
            .collect()
    };
    let seat = |code: &str| data.commune_by_code(code).and_then(|(_, c)| c.seat);
    let (regions, departements) = (chefs_lieux("regions.json"), chefs_lieux("departements.json"));
    for code in &regions {
        assert_eq!(seat(code), Some(Seat::RegionalPrefecture), "{code}");
    }
    for code in departements.difference(&regions) {
        assert_eq!(seat(code), Some(Seat::Prefecture), "{code}");
    }
    for code in chefs_lieux("arrondissements.json").difference(&departements) {
        assert_eq!(seat(code), Some(Seat::SousPrefecture), "{code}");
    }
    let seats = data.communes.iter().filter(|c| c.seat.is_some()).count();
    let all: std::collections::BTreeSet<String> = chefs_lieux("arrondissements.json")
        .union(&departements)
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .union(&regions)
        .cloned()
        .collect();
    assert_eq!(seats, all.len());
}

fn url(path: &str) -> String {
    format!("{}{path}", common::servers().0)
}

async fn texts(path: &str) -> Vec<(String, String)> {
    let response = reqwest::get(url(path)).await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let body: Value = response.json().await.unwrap();
    body["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["text"].as_str().unwrap().to_string(),
                l["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn lyon_at_zoom_10_names_lyon_first_and_villeurbanne() {
    let labels = texts("/api/labels?zoom=10&bbox=4.70,45.65,5.05,45.85").await;
    let towns: Vec<&str> = labels
        .iter()
        .filter(|(_, k)| k == "town")
        .map(|(t, _)| t.as_str())
        .collect();
    assert_eq!(towns.first(), Some(&"Lyon"), "{towns:?}");
    assert!(towns.contains(&"Villeurbanne"), "{towns:?}");
    let wider = texts("/api/labels?zoom=8&bbox=4.0,45.3,5.5,46.3").await;
    assert!(
        wider.iter().any(|(t, k)| t == "Rhône" && k == "departement"),
        "{wider:?}"
    );
}

#[tokio::test]
async fn drawn_commune_outlines_bring_every_commune_name() {
    let view = "zoom=9&bbox=3.80,49.78,4.00,49.90";
    let towns = |labels: &[(String, String)]| labels.iter().filter(|(_, k)| k == "town").count();
    let plain = texts(&format!("/api/labels?{view}")).await;
    let with_outlines = texts(&format!("/api/labels?{view}&layers=communes")).await;
    let data = &common::indexed().dataset;
    let in_view = data
        .layer("communes")
        .unwrap()
        .features
        .iter()
        .filter_map(|f| f.label)
        .filter(|p| (3.80..=4.00).contains(&p[0]) && (49.78..=49.90).contains(&p[1]))
        .count();
    assert!(towns(&plain) < in_view, "{} of {in_view}", towns(&plain));
    assert_eq!(towns(&with_outlines), in_view);
}

#[tokio::test]
async fn low_zooms_name_regions_and_the_layers_shown() {
    let labels = texts("/api/labels?zoom=5&layers=pays").await;
    assert!(labels.iter().any(|(t, k)| t == "Bretagne" && k == "region"));
    assert!(!labels.iter().any(|(_, k)| k == "departement"));
    let pays = labels.iter().filter(|(_, k)| k == "feature").count();
    assert_eq!(
        pays,
        common::indexed().dataset.layer("pays").unwrap().features.len()
    );
}

#[tokio::test]
async fn label_requests_are_checked() {
    for path in [
        "/api/labels",
        "/api/labels?zoom=x",
        "/api/labels?zoom=6&bbox=1,2,3",
        "/api/labels?zoom=6&layers=nope",
        "/api/labels?zoom=6&other=1",
    ] {
        let response = reqwest::get(url(path)).await.unwrap();
        assert_eq!(response.status(), 400, "{path}");
    }
}
