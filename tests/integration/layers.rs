//! Generalised GeoJSON layers and vector tiles, over HTTP: budgets, caching headers, errors, and the
//! proof that generalisation keeps neighbours glued.

use crate::common;

use geo::{MultiPolygon, unary_union};
use geozero::mvt::{Message, Tile};
use reqwest::StatusCode;
use serde_json::Value;
use territoires_geo::{CleanPolygons, GeodesicKm2};

fn url(path: &str) -> String {
    format!("{}{path}", common::servers().0)
}

async fn geojson(path: &str) -> Value {
    let response = reqwest::get(url(path)).await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

fn multipolygon(geometry: &Value) -> MultiPolygon<f64> {
    let geometry: geojson::Geometry = serde_json::from_value(geometry.clone()).unwrap();
    match geo::Geometry::<f64>::try_from(&geometry.value).unwrap() {
        geo::Geometry::MultiPolygon(mp) => mp,
        geo::Geometry::Polygon(p) => MultiPolygon(vec![p]),
        other => panic!("not a polygon: {other:?}"),
    }
}

/// Sum of the features' areas against the area of their union: equal when nothing overlaps.
fn overlap_ratio(features: &[MultiPolygon<f64>]) -> f64 {
    let sum: f64 = features.iter().map(|f| f.cleaned().0.geodesic_km2()).sum();
    let polygons: Vec<_> = features.iter().flat_map(|f| f.cleaned().0.0).collect();
    let union = unary_union(&polygons).cleaned().0.geodesic_km2();
    (sum - union).abs() / union
}

#[tokio::test]
async fn generalised_epci_of_a_region_neither_overlap_nor_part_at_zooms_5_8_11() {
    let data = &common::indexed().dataset;
    // The EPCI wholly in Auvergne-Rhône-Alpes.
    let epci = data.layer("epci").unwrap();
    let ids: Vec<&str> = epci
        .features
        .iter()
        .filter(|f| !f.communes.is_empty() && f.communes.iter().all(|&c| data.communes[c].region == "84"))
        .map(|f| f.id.as_str())
        .collect();
    assert!(ids.len() > 100);
    let exact: f64 = epci
        .features
        .iter()
        .filter(|f| ids.contains(&f.id.as_str()))
        .map(|f| f.area_km2)
        .sum();
    for zoom in [5, 8, 11] {
        let body = geojson(&format!(
            "/api/layers/epci.geojson?zoom={zoom}&bbox=2.0,44.1,7.2,46.8"
        ))
        .await;
        let features: Vec<MultiPolygon<f64>> = body["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| ids.contains(&f["id"].as_str().unwrap()))
            .map(|f| multipolygon(&f["geometry"]))
            .collect();
        assert_eq!(features.len(), ids.len(), "zoom {zoom}");
        let ratio = overlap_ratio(&features);
        assert!(
            ratio < 1e-3,
            "zoom {zoom}: sum of areas and area of union differ by {ratio}"
        );
        // And generalising keeps the total close to the exact area (no gaps opened inside).
        let sum: f64 = features.iter().map(|f| f.cleaned().0.geodesic_km2()).sum();
        assert!(
            (sum - exact).abs() / exact < 0.02,
            "zoom {zoom}: {sum} vs {exact}"
        );
    }
}

#[tokio::test]
async fn communes_stay_glued_in_a_bbox() {
    let body = geojson("/api/layers/communes.geojson?zoom=9&bbox=2.9,45.6,3.3,45.9").await;
    let features: Vec<MultiPolygon<f64>> = body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| multipolygon(&f["geometry"]))
        .collect();
    assert!(features.len() > 30);
    assert!(overlap_ratio(&features) < 1e-3);
}

#[tokio::test]
async fn the_whole_pays_layer_at_zoom_6_fits_the_budget_and_is_cached() {
    let client = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    let response = client
        .get(url("/api/layers/pays.geojson?zoom=6"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-encoding"], "gzip");
    assert_eq!(headers["content-type"], "application/geo+json");
    assert!(headers["cache-control"].to_str().unwrap().contains("max-age"));
    let etag = headers["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with('"') && etag.len() > 10, "a strong ETag: {etag}");
    let gzipped = response.bytes().await.unwrap();
    assert!(gzipped.len() <= 300 * 1024, "{} bytes", gzipped.len());

    let again = client
        .get(url("/api/layers/pays.geojson?zoom=6"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let brotli = client
        .get(url("/api/layers/pays.geojson?zoom=6"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(brotli.headers()["content-encoding"], "br");
    assert_eq!(brotli.headers()["etag"].to_str().unwrap(), etag);

    let body = geojson("/api/layers/pays.geojson?zoom=6").await;
    assert_eq!(
        body["features"].as_array().unwrap().len(),
        common::expected_feature_count(&common::layer_file("pays"))
    );
    assert!(body["metadata"]["vintage"].as_str().is_some());
}

#[tokio::test]
async fn layer_requests_are_checked() {
    for (path, status, parameter) in [
        ("/api/layers/pays.geojson?zoom=99", 400, Some("zoom")),
        ("/api/layers/pays.geojson?zoom=1.5", 400, Some("zoom")),
        ("/api/layers/pays.geojson?bbox=1,2,3", 400, Some("bbox")),
        ("/api/layers/pays.geojson?bbox=1,2,181,4", 400, Some("bbox")),
        ("/api/layers/pays.geojson?bbox=1e0,2,3,4", 400, Some("bbox")),
        ("/api/layers/pays.geojson?foo=1", 400, Some("foo")),
        ("/api/layers/nope.geojson", 404, None),
        ("/api/layers/pays.json", 404, None),
        ("/tiles/nope/1/0/0.mvt", 404, None),
        ("/tiles/epci/3/8/0.mvt", 404, None),
        ("/tiles/epci/3/0/0.png", 404, None),
    ] {
        let response = reqwest::get(url(path)).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{path}");
        let body: Value = response.json().await.unwrap();
        if let Some(p) = parameter {
            assert_eq!(body["error"]["parameter"], p, "{path}");
        }
    }
    // Communes are served at any zoom, with a bbox or whole.
    let has_clermont = |body: &Value| {
        body["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "63113")
    };
    assert!(has_clermont(
        &geojson("/api/layers/communes.geojson?zoom=5&bbox=3.0,45.7,3.2,45.8").await
    ));
    assert!(has_clermont(
        &geojson("/api/layers/communes.geojson?zoom=5").await
    ));
    // The latitudes of a bbox may come in either order; a west edge east of the east edge crosses
    // the antimeridian, far from Clermont-Ferrand.
    assert!(has_clermont(
        &geojson("/api/layers/communes.geojson?zoom=5&bbox=3.0,45.8,3.2,45.7").await
    ));
    assert!(!has_clermont(
        &geojson("/api/layers/communes.geojson?zoom=5&bbox=179,-10,-179,10").await
    ));
}

#[tokio::test]
async fn vector_tiles_decode_and_hold_the_features() {
    // The tile at zoom 10 holding Clermont-Ferrand (45.7772 N, 3.0870 E).
    let (z, lat, lon) = (10u8, 45.7772f64.to_radians(), 3.0870f64);
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32;
    assert_eq!((x, y), (520, 365));
    for layer in ["communes", "epci"] {
        let response = reqwest::get(url(&format!("/tiles/{layer}/{z}/{x}/{y}.mvt")))
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "application/vnd.mapbox-vector-tile"
        );
        let tile = Tile::decode(response.bytes().await.unwrap()).unwrap();
        // The shapes, then the points where their names are written (those whose point is in the tile).
        let kinds: Vec<&str> = tile.layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(kinds[0], layer);
        assert!(
            kinds.len() == 1 || kinds[1] == format!("{layer}_labels"),
            "{kinds:?}"
        );
        let l = &tile.layers[0];
        assert!(!l.features.is_empty());
        let names: Vec<String> = l.values.iter().filter_map(|v| v.string_value.clone()).collect();
        let expected = if layer == "communes" {
            "Clermont-Ferrand"
        } else {
            "Clermont Auvergne Métropole"
        };
        assert!(names.iter().any(|n| n == expected), "{layer}: {names:?}");
    }
    // A tile at sea is valid and empty.
    let tile = Tile::decode(
        reqwest::get(url("/tiles/communes/8/110/90.mvt"))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(tile.layers.iter().all(|l| l.features.is_empty()));
}

#[tokio::test]
async fn attributes_download_as_csv() {
    let data = &common::indexed().dataset;
    let response = reqwest::get(url("/api/layers/pays.csv")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("pays.csv")
    );
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    for column in ["id", "name", "status", "members", "population", "area_km2"] {
        assert!(header.iter().any(|h| h == column), "{column} in {header:?}");
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        rows.len(),
        common::expected_feature_count(&common::layer_file("pays"))
    );
    let clermont = rows.iter().find(|r| &r[0] == "200048171").unwrap();
    assert_eq!(&clermont[1], "PETR Grand Clermont");
    let members = header.iter().position(|h| h == "members").unwrap();
    assert!(clermont[members].contains("246300701"));

    let communes = reqwest::get(url("/api/layers/communes.csv"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        communes.lines().count(),
        1 + data.layer("communes").unwrap().features.len()
    );
    let status = reqwest::get(url("/api/layers/nope.csv")).await.unwrap().status();
    assert_eq!(status, 404);
    let status = reqwest::get(url("/api/layers/pays.csv?zoom=3"))
        .await
        .unwrap()
        .status();
    assert_eq!(status, 400);
}

/// What each layer is to the map page, as the catalogue's input kinds and `territories_layer` say it.
fn expected_role(entry: &territoires_build::catalogue::LayerEntry, territories: &str) -> &'static str {
    use territoires_core::dataset::InputKind;
    match entry.input.kind() {
        _ if entry.id == territories => "territories",
        InputKind::Communes => "communes",
        InputKind::Epci => "epci",
        InputKind::Departements | InputKind::Regions => "admin",
        InputKind::MembershipCsv | InputKind::Polygons => "overlay",
    }
}

#[tokio::test]
async fn the_catalogue_says_each_layers_role_division_style_and_card_fields() {
    let catalogue = common::catalogue();
    let served = geojson("/api/layers").await;
    assert_eq!(
        served["territories_layer"],
        catalogue.base.territories_layer.as_str()
    );
    let layers = served["layers"].as_array().unwrap();
    assert_eq!(layers.len(), catalogue.layers.len());
    for (entry, layer) in catalogue.layers.iter().zip(layers) {
        let id = entry.id.as_str();
        assert_eq!(layer["id"], id);
        assert_eq!(
            layer["role"],
            expected_role(entry, &catalogue.base.territories_layer),
            "{id}"
        );
        assert_eq!(
            layer["division"],
            serde_json::json!(entry.input.kind().division()),
            "{id}"
        );
        // The style, the fields, the note and the carrying flag are the catalogue's, as written.
        assert_eq!(
            layer["style"],
            serde_json::to_value(&entry.style).unwrap(),
            "{id}"
        );
        assert_eq!(
            layer["fields"],
            serde_json::to_value(&entry.fields).unwrap(),
            "{id}"
        );
        assert_eq!(layer["note"], serde_json::json!(entry.note), "{id}");
        assert_eq!(
            layer["carried_by_territories"], entry.carried_by_territories,
            "{id}"
        );
    }
    // Every layer of the project's catalogue has a style with a stacking order, and the roles the page
    // needs each have a layer.
    assert!(layers.iter().all(|l| l["style"]["z"].is_u64()));
    for role in ["territories", "epci", "communes"] {
        assert_eq!(layers.iter().filter(|l| l["role"] == role).count(), 1, "{role}");
    }
    for division in ["departement", "region"] {
        assert_eq!(
            layers.iter().filter(|l| l["division"] == division).count(),
            1,
            "{division}"
        );
    }
}

#[tokio::test]
async fn layer_geojson_gives_each_features_label_point_inside_it() {
    use geo::{Contains, Point};
    let ix = common::indexed();
    for (id, zoom) in [("departements", 6), ("pays", 8)] {
        let layer = &ix.dataset.layers[common::layer(ix, id)];
        let body = geojson(&format!("/api/layers/{id}.geojson?zoom={zoom}")).await;
        let features = body["features"].as_array().unwrap();
        assert!(!features.is_empty(), "{id}");
        for f in features {
            let fid = f["id"].as_str().unwrap();
            let (ix, feature) = layer.indexed_features().find(|(_, x)| x.id == fid).unwrap();
            let [lon, lat] = feature
                .label
                .expect("every feature with a geometry has a label point");
            let served = f["label"]
                .as_array()
                .unwrap_or_else(|| panic!("{id} {fid}: no label"));
            let (x, y) = (served[0].as_f64().unwrap(), served[1].as_f64().unwrap());
            // Rounded like the geometry at that zoom: within a pixel's fraction of the stored point.
            assert!(
                (x - lon).abs() < 1e-3 && (y - lat).abs() < 1e-3,
                "{id} {fid}: {x},{y} vs {lon},{lat}"
            );
            assert!(
                layer.polygons(ix).contains(&Point::new(lon, lat)),
                "{id} {fid}: label outside"
            );
        }
    }
}
