//! The OpenAPI document tells the truth: its enums are the dataset's layers, its examples reach real
//! features, and its patterns accept exactly what the server accepts.

use crate::common;

use regex::Regex;
use serde_json::Value;

fn url(path: &str) -> String {
    format!("{}{path}", common::web_server())
}

async fn document() -> Value {
    reqwest::get(url("/api/openapi.json"))
        .await
        .expect("request")
        .json()
        .await
        .expect("a JSON document")
}

async fn status(path: &str) -> u16 {
    reqwest::get(url(path)).await.expect("request").status().as_u16()
}

fn layer_ids() -> Vec<String> {
    common::indexed()
        .dataset
        .layers
        .iter()
        .map(|l| l.id.clone())
        .collect()
}

/// The parameter `name` of the GET at `path`.
fn parameter<'a>(doc: &'a Value, path: &str, name: &str) -> &'a Value {
    doc["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("{path} has parameters"))
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{path} has a parameter {name}"))
}

fn pattern(doc: &Value, path: &str, name: &str) -> Regex {
    let text = parameter(doc, path, name)["schema"]["pattern"]
        .as_str()
        .unwrap_or_else(|| panic!("{path} {name} has a pattern"));
    Regex::new(text).expect("a pattern the regex crate reads")
}

#[tokio::test]
async fn layer_enums_are_the_datasets_layers() {
    let doc = document().await;
    let enumerated: Vec<String> = doc["components"]["schemas"]["LayerId"]["enum"]
        .as_array()
        .expect("an enum")
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect();
    assert_eq!(enumerated, layer_ids());
    for (path, name) in [
        ("/api/territories/{layer}/{id}", "layer"),
        ("/tiles/{layer}/{z}/{x}/{y}.mvt", "layer"),
        ("/api/layers/{layer}.geojson", "layer"),
        ("/ogc/collections/{collectionId}", "collectionId"),
        (
            "/ogc/collections/{collectionId}/items/{featureId}",
            "collectionId",
        ),
        ("/api/coverage", "layer"),
    ] {
        assert_eq!(
            parameter(&doc, path, name)["schema"]["$ref"],
            "#/components/schemas/LayerId",
            "{path} {name}"
        );
    }
    // `/ogc/api` is the OGC part of the same document, rooted at `/ogc`.
    let ogc: Value = reqwest::get(url("/ogc/api")).await.unwrap().json().await.unwrap();
    let paths = ogc["paths"].as_object().unwrap();
    let expected: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|p| p.strip_prefix("/ogc"))
        .map(|p| {
            if p.is_empty() {
                "/".to_string()
            } else {
                p.to_string()
            }
        })
        .collect();
    assert_eq!(paths.keys().cloned().collect::<Vec<_>>(), expected);
    for (path, item) in paths {
        let full = if path == "/" {
            "/ogc".to_string()
        } else {
            format!("/ogc{path}")
        };
        assert_eq!(item, &doc["paths"][&full], "{path}");
    }
    assert!(ogc["servers"][0]["url"].as_str().unwrap().ends_with("/ogc"));
    assert_eq!(ogc["components"], doc["components"]);
}

/// Every path whose parameters carry examples, filled with the examples of one name (Schemathesis
/// pairs them the same way), is answered 200.
#[tokio::test]
async fn every_example_reaches_a_real_resource() {
    let doc = document().await;
    let mut requests = 0;
    for (template, item) in doc["paths"].as_object().expect("paths") {
        let Some(parameters) = item["get"]["parameters"].as_array() else {
            continue;
        };
        let in_path: Vec<&Value> = parameters.iter().filter(|p| p["in"] == "path").collect();
        if in_path.is_empty() {
            continue;
        }
        let names = in_path[0]["examples"]
            .as_object()
            .unwrap_or_else(|| panic!("{template}: no examples for {}", in_path[0]["name"]));
        for name in names.keys() {
            let mut path = template.clone();
            for p in &in_path {
                let value = &p["examples"][name]["value"];
                let text = value.as_str().map_or_else(|| value.to_string(), str::to_string);
                assert!(!text.is_empty() && text != "null", "{template} {name}: {p}");
                path = path.replace(&format!("{{{}}}", p["name"].as_str().unwrap()), &text);
            }
            assert_eq!(status(&path).await, 200, "{path} (example {name})");
            requests += 1;
        }
    }
    assert!(requests >= layer_ids().len(), "{requests} example requests");

    // The query examples too.
    let point = &parameter(&doc, "/api/locate", "point")["examples"]["inside"]["value"];
    let locate = format!("/api/locate?lat={}&lon={}", point["lat"], point["lon"]);
    let located: Value = reqwest::get(url(&locate)).await.unwrap().json().await.unwrap();
    let communes = located["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["layer"] == "communes")
        .expect("the communes layer");
    assert_eq!(communes["features"].as_array().unwrap().len(), 1, "{locate}");
    for example in parameter(&doc, "/api/coverage", "scope")["examples"]
        .as_object()
        .unwrap()
        .values()
    {
        let scope = example["value"].as_str().unwrap();
        assert_eq!(
            status(&format!("/api/coverage?layer=pays&scope={scope}")).await,
            200,
            "{scope}"
        );
    }
}

/// A value the document's pattern accepts is answered 200; one it refuses is a 400.
async fn agrees(doc: &Value, path: &str, name: &str, request: impl Fn(&str) -> String, values: &[&str]) {
    let pattern = pattern(doc, path, name);
    for value in values {
        let query: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
        let expected = if pattern.is_match(value) { 200 } else { 400 };
        assert_eq!(
            status(&request(&query)).await,
            expected,
            "{path} {name}={value:?} (pattern {pattern})"
        );
    }
}

#[tokio::test]
async fn patterns_accept_what_the_server_accepts() {
    let doc = document().await;
    let regions = &common::indexed().dataset.regions;
    let departements = &common::indexed().dataset.departements;
    let region = format!("region:{}", regions[0].code);
    let departement = format!("departement:{}", departements.last().unwrap().code);
    agrees(
        &doc,
        "/api/coverage",
        "scope",
        |v| format!("/api/coverage?layer=pays&scope={v}"),
        &[
            "metropole",
            "metro",
            "france",
            &region,
            &departement,
            "",
            "region:",
            "region:zz",
            "departement:999",
            "Metropole",
            " metropole",
            "region:84,",
            "commune:63113",
        ],
    )
    .await;
    agrees(
        &doc,
        "/api/labels",
        "bbox",
        |v| format!("/api/labels?zoom=8&bbox={v}"),
        &[
            "2,45,4,46.5",
            "-180,-90,180,90",
            "-180.000,-90.0,180.00,90.000",
            "4,46.5,2,45",
            "3,45,3,45",
            "-0,-0,0.5,0.5",
            "2,45,4",
            "2,45,4,46,5",
            "2,45,4,91",
            "2,45,181,46",
            "180.5,45,2,46",
            "02,45,4,46",
            "1e0,45,4,46",
            " 2,45,4,46",
            "2,45,4,46 ",
            "2.,45,4,46",
            ".5,45,4,46",
            "+2,45,4,46",
            "",
        ],
    )
    .await;
    agrees(
        &doc,
        "/api/locate",
        "layers",
        |v| format!("/api/locate?lat=45.7772&lon=3.087&layers={v}"),
        &[
            "communes",
            "communes,pays",
            "pays,pays",
            "",
            "pays,",
            ",pays",
            "pays,,epci",
            " pays",
            "Pays",
            "nope",
        ],
    )
    .await;
    let searchable: Vec<&str> = common::indexed()
        .dataset
        .layers
        .iter()
        .filter(|l| l.searchable)
        .map(|l| l.id.as_str())
        .collect();
    let unsearchable = common::indexed()
        .dataset
        .layers
        .iter()
        .find(|l| !l.searchable)
        .map(|l| l.id.as_str())
        .expect("a layer that is not searchable");
    agrees(
        &doc,
        "/api/search",
        "layers",
        |v| format!("/api/search?q=a&layers={v}"),
        &[searchable[0], &searchable.join(","), unsearchable, ""],
    )
    .await;
}

/// `GET /api/locate`'s point, one branch a way of giving it: each branch's corners are answered
/// 200, a step outside any side and a mix of two branches 400, so the bounds the document states
/// are the ones the server holds to.
#[tokio::test]
async fn the_point_branches_are_what_the_server_takes() {
    let doc = document().await;
    let branches = parameter(&doc, "/api/locate", "point")["schema"]["oneOf"]
        .as_array()
        .expect("the point's branches")
        .clone();
    assert_eq!(branches.len(), territoires_geo::crs::supported().len() + 1);
    let layers = "&layers=communes";
    for branch in &branches {
        let properties = &branch["properties"];
        let (a, b) = if properties.get("lat").is_some() {
            ("lon", "lat")
        } else {
            ("x", "y")
        };
        let range = |name: &str| {
            let p = &properties[name];
            [p["minimum"].as_f64().unwrap(), p["maximum"].as_f64().unwrap()]
        };
        let needs_crs = branch["required"].as_array().unwrap().iter().any(|r| r == "crs");
        let crs = if needs_crs {
            format!("&crs={}", properties["crs"]["enum"][0].as_str().unwrap())
        } else {
            String::new()
        };
        let request = |x: f64, y: f64| format!("/api/locate?{a}={x}&{b}={y}{crs}{layers}");
        let ([w, e], [s, n]) = (range(a), range(b));
        for (x, y) in [(w, s), (w, n), (e, s), (e, n), ((w + e) / 2.0, (s + n) / 2.0)] {
            assert_eq!(status(&request(x, y)).await, 200, "{}", request(x, y));
        }
        let step = |v: f64| v.abs().max(1.0) * 1e-6;
        for (x, y) in [
            (w - step(w), s),
            (e + step(e), s),
            (w, s - step(s)),
            (w, n + step(n)),
        ] {
            assert_eq!(status(&request(x, y)).await, 400, "{}", request(x, y));
        }
        let mixed = format!("{}&lat=45&lon=3", request((w + e) / 2.0, (s + n) / 2.0));
        if a == "x" {
            assert_eq!(status(&mixed).await, 400, "{mixed}");
        }
    }
}
