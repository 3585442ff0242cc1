//! OGC API – Features Part 2 and the downloads in another system, held to PROJ (GDAL's
//! `gdaltransform`) and read back by GDAL's `ogrinfo`.

use std::collections::BTreeSet;

use geo::{Intersects, LineString, MultiPolygon, Polygon};
use serde_json::Value;

use crate::common::{self, gdaltransform, get};

const L93: &str = "http://www.opengis.net/def/crs/EPSG/0/2154";
const EPSG_4326: &str = "http://www.opengis.net/def/crs/EPSG/0/4326";

/// Every vertex of every feature of a GeoJSON FeatureCollection, in order, and its feature ids.
fn vertices(collection: &Value) -> (Vec<String>, Vec<(f64, f64)>) {
    let mut ids = Vec::new();
    let mut points = Vec::new();
    for feature in collection["features"].as_array().expect("features") {
        ids.push(feature["id"].as_str().expect("id").to_string());
        // A feature with no polygons (an overlay known only by name) has a null geometry.
        let polygons = feature["geometry"]["coordinates"].as_array();
        for polygon in polygons.into_iter().flatten() {
            for ring in polygon.as_array().expect("rings") {
                for p in ring.as_array().expect("points") {
                    points.push((p[0].as_f64().expect("x"), p[1].as_f64().expect("y")));
                }
            }
        }
    }
    (ids, points)
}

/// For every layer, features from its start, middle and end: their Lambert-93 vertices agree with
/// PROJ's projection of their CRS84 vertices to a centimetre.
#[tokio::test]
async fn every_layers_items_in_lambert_93_agree_with_proj() {
    let mut report = Vec::new();
    for layer in &common::indexed().dataset.layers {
        let n = layer.features.len();
        let (mut ids, mut ours, mut wgs84) = (Vec::new(), Vec::new(), Vec::new());
        for offset in [0, n / 2, n.saturating_sub(3)] {
            let page =
                |crs: &str| format!("/ogc/collections/{}/items?limit=3&offset={offset}{crs}", layer.id);
            let projected = get(&page(&format!("&crs={L93}"))).await;
            assert_eq!(projected.status, 200, "{}", layer.id);
            assert_eq!(projected.header("content-crs"), Some(format!("<{L93}>").as_str()));
            let plain = get(&page("")).await;
            assert_eq!(
                plain.header("content-crs"),
                Some("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
            );
            let (a, p) = vertices(&projected.json());
            let (b, w) = vertices(&plain.json());
            assert_eq!(a, b, "{}: the same features in both systems", layer.id);
            ids.extend(a);
            ours.extend(p);
            wgs84.extend(w);
        }
        assert_eq!(ours.len(), wgs84.len(), "{}", layer.id);
        let theirs = gdaltransform("EPSG:4326", "EPSG:2154", &wgs84);
        let worst = ours
            .iter()
            .zip(&theirs)
            .map(|(a, b)| (a.0 - b.0).hypot(a.1 - b.1))
            .fold(0.0_f64, f64::max);
        report.push(format!(
            "{}: {} features, {} vertices, largest difference from PROJ {worst:.2e} m",
            layer.id,
            ids.len(),
            ours.len()
        ));
        assert!(worst < 0.01, "{}", report.last().expect("pushed"));
    }
    println!("{}", report.join("\n"));
}

#[tokio::test]
async fn epsg_4326_by_uri_is_latitude_first() {
    let path = "/ogc/collections/regions/items?limit=1";
    let lon_lat = vertices(&get(path).await.json()).1;
    let answer = get(&format!("{path}&crs={EPSG_4326}")).await;
    assert_eq!(
        answer.header("content-crs"),
        Some(format!("<{EPSG_4326}>").as_str())
    );
    let lat_lon = vertices(&answer.json()).1;
    assert!(!lon_lat.is_empty());
    for (a, b) in lon_lat.iter().zip(&lat_lon) {
        assert!(
            (a.0 - b.1).abs() < 1e-8 && (a.1 - b.0).abs() < 1e-8,
            "{a:?} {b:?}"
        );
    }
}

/// A Lambert-93 box selects what meets the same region seen in degrees: the box's edges taken to
/// WGS84 by PROJ, and the dataset's own polygons tested against it here.
#[tokio::test]
async fn a_lambert_93_bbox_selects_what_meets_the_same_region() {
    let ix = common::indexed();
    let box_l93 = [640_000.0, 6_480_000.0, 720_000.0, 6_560_000.0];
    let [x0, y0, x1, y1] = box_l93;
    let mut edge = Vec::new();
    for k in 0..=100 {
        let t = f64::from(k) / 100.0;
        edge.push((x0 + (x1 - x0) * t, y0));
    }
    for k in 0..=100 {
        let t = f64::from(k) / 100.0;
        edge.push((x1, y0 + (y1 - y0) * t));
    }
    for k in 0..=100 {
        let t = f64::from(k) / 100.0;
        edge.push((x1 - (x1 - x0) * t, y1));
    }
    for k in 0..=100 {
        let t = f64::from(k) / 100.0;
        edge.push((x0, y1 - (y1 - y0) * t));
    }
    let region = Polygon::new(
        LineString::from(gdaltransform("EPSG:2154", "EPSG:4326", &edge)),
        vec![],
    );
    for id in ["communes", "epci", "pays"] {
        let l = common::layer(ix, id);
        let layer = &ix.dataset.layers[l];
        let expected: BTreeSet<String> = layer
            .indexed_features()
            .filter(|(f, _)| {
                let polygons: MultiPolygon<f64> = layer.polygons(*f);
                polygons.intersects(&region)
            })
            .map(|(_, feature)| feature.id.to_string())
            .collect();
        let answer = get(&format!(
            "/ogc/collections/{id}/items?bbox={x0},{y0},{x1},{y1}&bbox-crs={L93}&limit=10000"
        ))
        .await;
        assert_eq!(answer.status, 200);
        let doc = answer.json();
        let got: BTreeSet<String> = vertices(&doc).0.into_iter().collect();
        assert!(!expected.is_empty(), "{id}");
        assert_eq!(got, expected, "{id}");
        assert_eq!(doc["numberMatched"], expected.len());
        let next = doc["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "self")
            .unwrap();
        assert!(next["href"].as_str().unwrap().contains("bbox-crs="), "{next}");
    }
}

#[tokio::test]
async fn a_bbox_in_epsg_4326_is_latitude_first() {
    let plain = get("/ogc/collections/epci/items?bbox=2.2,48.8,2.5,48.9&limit=10000")
        .await
        .json();
    let lat_first = get(&format!(
        "/ogc/collections/epci/items?bbox=48.8,2.2,48.9,2.5&bbox-crs={EPSG_4326}&limit=10000"
    ))
    .await
    .json();
    let (a, b) = (vertices(&plain).0, vertices(&lat_first).0);
    assert!(!a.is_empty());
    assert_eq!(a, b);
}

#[tokio::test]
async fn bad_systems_and_boxes_are_refused_by_name() {
    for (query, parameter) in [
        ("crs=EPSG:2154", "crs"),
        ("crs=http://www.opengis.net/def/crs/EPSG/0/27572", "crs"),
        (&*format!("bbox-crs={L93}"), "bbox-crs"),
        (&*format!("bbox=1,2,3&bbox-crs={L93}"), "bbox"),
        (&*format!("bbox=0,0,10,10&bbox-crs={L93}"), "bbox"),
        ("bbox=640000,6480000,720000,6560000", "bbox"),
    ] {
        let answer = get(&format!("/ogc/collections/pays/items?{query}")).await;
        assert_eq!(answer.status, 400, "{query}");
        let body = answer.json();
        assert_eq!(body["error"]["parameter"], parameter, "{query}: {body}");
    }
    let body = get("/ogc/collections/pays/items?crs=EPSG:2154").await.json();
    let supported = body["error"]["supported"]
        .as_array()
        .expect("the supported systems");
    assert!(supported.iter().any(|s| s == L93), "{body}");
}

#[tokio::test]
async fn every_collection_lists_its_systems() {
    let doc = get("/ogc/collections").await.json();
    for c in doc["collections"].as_array().unwrap() {
        let crs: Vec<&str> = c["crs"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(crs[0], "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
        for needed in [EPSG_4326, L93, "http://www.opengis.net/def/crs/EPSG/0/3857"] {
            assert!(crs.contains(&needed), "{needed}");
        }
        assert_eq!(c["storageCrs"], "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    }
    let conformance = get("/ogc/conformance").await.json();
    assert!(
        conformance["conformsTo"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs")
    );
}

/// GDAL reads each download's system as EPSG:2154, and its extent in metres.
#[tokio::test]
async fn downloads_in_lambert_93_are_read_as_lambert_93_by_gdal() {
    let dir = tempfile::tempdir().unwrap();
    for (file, layer) in [
        ("pays.gpkg?crs=EPSG:2154", "pays"),
        ("pays.fgb?crs=EPSG:2154", "pays"),
        ("pays.geojson?crs=EPSG:2154&zoom=8", "pays"),
    ] {
        let answer = get(&format!("/api/layers/{file}")).await;
        assert_eq!(answer.status, 200, "{file}");
        let (name, _) = file.split_once('?').unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, &answer.body).unwrap();
        let output = std::process::Command::new("ogrinfo")
            .args(["-so", path.to_str().unwrap(), layer])
            .output()
            .expect("ogrinfo");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{file}: {text}");
        assert!(text.contains("ID[\"EPSG\",2154]]"), "{file}: {text}");
        let extent = text
            .lines()
            .find(|l| l.starts_with("Extent:"))
            .expect("an extent");
        // Mainland France in Lambert-93: x from 100 to 1,250 km, y from 6,000 to 7,150 km.
        let numbers: Vec<f64> = extent
            .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .filter_map(|t| t.parse().ok())
            .collect();
        assert!(
            numbers[0] > 50_000.0 && numbers[1] > 6_000_000.0 && numbers[2] < 1_300_000.0,
            "{file}: {extent}"
        );
        if let Some(disposition) = answer.header("content-disposition") {
            assert!(disposition.contains("-2154."), "{file}: {disposition}");
        }
    }
}
