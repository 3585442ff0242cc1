//! The real server on an ephemeral port, spoken to over HTTP: every endpoint and every error case.

use crate::common;

use reqwest::StatusCode;
use serde_json::Value;

fn servers() -> &'static (String, String) {
    common::servers()
}

fn url(path: &str) -> String {
    format!("{}{path}", servers().0)
}

async fn get(path: &str) -> (StatusCode, Value) {
    let response = reqwest::get(url(path)).await.expect("request");
    let status = response.status();
    let body = response.json::<Value>().await.expect("a JSON body");
    (status, body)
}

/// A 4xx answer with a JSON error naming `parameter` (when given).
async fn refused(path: &str, status: u16, parameter: Option<&str>) -> Value {
    let (got, body) = get(path).await;
    assert_eq!(got.as_u16(), status, "{path}: {body}");
    assert_eq!(body["error"]["status"], status, "{path}: {body}");
    assert!(
        body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{path}: {body}"
    );
    if let Some(p) = parameter {
        assert_eq!(body["error"]["parameter"], p, "{path}: {body}");
    }
    body
}

fn ids(body: &Value, layer: &str) -> Vec<String> {
    body["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["layer"] == layer)
        .map(|l| {
            l["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn locate_answers_with_every_layer_and_the_vintage() {
    let (status, body) = get("/api/locate?lat=45.7772&lon=3.0870").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body, "communes"), ["63113"]);
    assert_eq!(ids(&body, "epci"), ["246300701"]);
    assert_eq!(ids(&body, "pays"), ["200048171"]);
    let pays = &body["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["layer"] == "pays")
        .unwrap()["features"][0];
    assert_eq!(pays["name"], "PETR Grand Clermont");
    // Per-feature provenance, as the file gives it.
    let row = common::territory_rows(&common::layer_file("pays"))
        .into_iter()
        .find(|r| r["id"] == "200048171")
        .unwrap();
    for column in ["kind", "status", "vintage", "source"] {
        assert_eq!(pays[column], row[column].as_str(), "{column}");
    }
    assert!(body["vintage"].as_str().unwrap().contains("2026"));

    let (_, body) = get("/api/locate?lat=48.8566&lon=2.3522&layers=communes,pays").await;
    assert_eq!(body["layers"].as_array().unwrap().len(), 2);
    assert_eq!(ids(&body, "communes"), ["75056"]);
    assert!(ids(&body, "pays").is_empty());

    let (_, body) = get("/api/locate?lat=46&lon=-1.2&tolerance_m=5000&layers=communes").await;
    let commune = &body["layers"][0]["features"][0];
    assert_eq!(commune["approximate"], true);
    assert!(commune["distance_m"].as_f64().unwrap() > 1000.0);
}

#[tokio::test]
async fn locate_refuses_bad_parameters() {
    refused("/api/locate?lon=3", 400, Some("lat")).await;
    refused("/api/locate?lat=45", 400, Some("lon")).await;
    refused("/api/locate?lat=45&lon=abc", 400, Some("lon")).await;
    refused("/api/locate?lat=91&lon=3", 400, Some("lat")).await;
    refused("/api/locate?lat=45&lon=-181", 400, Some("lon")).await;
    refused("/api/locate?lat=45&lon=3&lat=46", 400, Some("lat")).await;
    refused("/api/locate?lat=45&lon=3&foo=1", 400, Some("foo")).await;
    refused("/api/locate?lat=45&lon=3&layers=nope", 400, Some("layers")).await;
    refused(
        "/api/locate?lat=45&lon=3&tolerance_m=-1",
        400,
        Some("tolerance_m"),
    )
    .await;
    refused(
        "/api/locate?lat=45&lon=3&tolerance_m=nan",
        400,
        Some("tolerance_m"),
    )
    .await;
}

#[tokio::test]
async fn coverage_matches_the_library() {
    let (status, body) = get("/api/coverage?layer=pays&by=region").await;
    assert_eq!(status, 200);
    let data = &common::indexed().dataset;
    let expected =
        territoires_query::coverage(data, "pays", &territoires_query::Scope::Metropole, None).unwrap();
    assert_eq!(body["covered_population"], expected.figures.covered_population);
    assert_eq!(body["population"], 66_165_815);
    assert_eq!(body["breakdown"].as_array().unwrap().len(), 13);
    assert!(body["source"]["vintage"].as_str().is_some());

    let (_, body) = get("/api/coverage?layer=pays&scope=departement:63").await;
    assert_eq!(body["scope"]["name"], "Puy-de-Dôme");
    refused("/api/coverage", 400, Some("layer")).await;
    refused("/api/coverage?layer=nope", 400, Some("layer")).await;
    refused("/api/coverage?layer=pays&scope=canton:1", 400, Some("scope")).await;
    refused("/api/coverage?layer=pays&scope=region:99", 400, Some("scope")).await;
    refused("/api/coverage?layer=pays&by=commune", 400, Some("by")).await;
}

#[tokio::test]
async fn overlap_compares_two_layers() {
    let (status, body) = get("/api/overlap?a=pays&b=scot").await;
    assert_eq!(status, 200);
    let pct = body["a"]["area_also_in_other_pct"].as_f64().unwrap();
    assert!(pct > 0.0 && pct < 100.0);
    assert_eq!(body["a"]["layer"], "pays");
    assert!(body["a"]["source"]["vintage"].as_str().is_some());
    let (_, region) = get("/api/overlap?a=pays&b=scot&scope=region:84").await;
    assert!(region["both"]["population"].as_u64().unwrap() < body["both"]["population"].as_u64().unwrap());
    refused("/api/overlap?b=scot", 400, Some("a")).await;
    refused("/api/overlap?a=pays", 400, Some("b")).await;
    refused("/api/overlap?a=pays&b=nope", 400, Some("b")).await;
    refused("/api/overlap?a=pays&b=scot&scope=x", 400, Some("scope")).await;
}

#[tokio::test]
async fn search_finds_communes_epci_and_pays() {
    let first = |body: &Value| body["results"][0].clone();
    let (_, body) = get("/api/search?q=vervins").await;
    assert_eq!(first(&body)["id"], "02789");
    assert_eq!(first(&body)["pays"][0]["name"], "PETR du Pays de Thiérache");
    assert!(first(&body)["bbox"].as_array().is_some_and(|b| b.len() == 4));

    let (_, body) = get("/api/search?q=CLERMONT%20FERRAND").await;
    assert_eq!(first(&body)["id"], "63113");
    let (_, body) = get("/api/search?q=ile%20d%27aix").await;
    assert_eq!(first(&body)["id"], "17004");
    let (_, body) = get("/api/search?q=63000").await;
    assert_eq!(first(&body)["id"], "63113");
    let (_, body) = get("/api/search?q=2A004").await;
    assert_eq!(first(&body)["name"], "Ajaccio");
    let (_, body) = get("/api/search?q=246300701").await;
    assert_eq!(first(&body)["layer"], "epci");
    let (_, body) = get("/api/search?q=petr%20grand%20clermont").await;
    assert_eq!(first(&body)["layer"], "pays");
    // Ranked by population: "saint" finds many, the largest first, at most 20.
    let (_, body) = get("/api/search?q=saint").await;
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 20);
    let populations: Vec<u64> = results
        .iter()
        .map(|r| r["population"].as_u64().unwrap())
        .collect();
    assert!(populations.windows(2).all(|w| w[0] >= w[1]), "{populations:?}");
    let (_, body) = get("/api/search?q=saint&limit=3").await;
    assert_eq!(body["results"].as_array().unwrap().len(), 3);

    refused("/api/search", 400, Some("q")).await;
    refused("/api/search?q=", 400, Some("q")).await;
    refused("/api/search?q=a&limit=0", 400, Some("limit")).await;
    refused("/api/search?q=a&page=2", 400, Some("page")).await;
}

#[tokio::test]
async fn search_says_which_former_commune_it_matched() {
    let first = |body: &Value| body["results"][0].clone();
    let (_, body) = get("/api/search?q=St-Etienne").await;
    assert_eq!(first(&body)["name"], "Saint-Étienne");
    assert!(first(&body).get("note").is_none(), "no note for a current name");
    let data = &common::indexed().dataset;
    let in_93 = data
        .communes
        .iter()
        .find(|c| c.name == "Saint-Denis" && c.departement == "93")
        .unwrap();
    let (_, body) = get("/api/search?q=Saint-Denis%20(93)").await;
    assert_eq!(first(&body)["id"], in_93.code.as_str());
    // Vire is a commune déléguée of a commune nouvelle, as the COG says.
    let cog = common::cog_json("communes.json");
    let vire = cog
        .iter()
        .find(|c| c["nom"] == "Vire" && c["type"] == "commune-deleguee")
        .unwrap();
    let current = data
        .commune_by_code(vire["chefLieu"].as_str().unwrap())
        .unwrap()
        .1;
    let (_, body) = get("/api/search?q=vire").await;
    assert_eq!(first(&body)["id"], current.code.as_str());
    assert_eq!(first(&body)["matched"]["name"], "Vire");
    assert_eq!(first(&body)["matched"]["code"], vire["code"]);
    assert_eq!(first(&body)["matched"]["relation"], "deleguee");
    let note = format!("Vire : commune déléguée de {}", current.name);
    assert_eq!(first(&body)["note"], note.as_str());
}

#[tokio::test]
async fn search_takes_any_text() {
    // Punctuation alone, a département alone, a very long query, bytes of no name: answers, no error.
    let long = "saint".repeat(400);
    for q in [
        "%27-%20(",
        "93",
        "(Dr%C3%B4me)",
        long.as_str(),
        "%F0%9F%8F%A0%E2%80%8B",
    ] {
        let (status, body) = get(&format!("/api/search?q={q}")).await;
        assert_eq!(status, 200, "{q}: {body}");
        assert!(body["results"].is_array(), "{q}: {body}");
    }
}

#[tokio::test]
async fn territories_describe_one_feature() {
    let (status, body) = get("/api/territories/pays/200048171").await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "PETR Grand Clermont");
    assert!(
        body["communes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "63113")
    );
    assert!(body["population"].as_u64().unwrap() > 400_000);
    assert!(
        body["overlays"]["scot"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == "200048171")
    );
    assert!(
        body["overlays"]["epci"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == "246300701")
    );
    assert!(body.get("geometry").is_none());
    let (_, body) = get("/api/territories/communes/63113?geometry=true").await;
    assert_eq!(body["geometry"]["type"], "MultiPolygon");

    refused("/api/territories/nope/1", 404, None).await;
    refused("/api/territories/pays/1", 404, None).await;
    refused(
        "/api/territories/pays/200048171?geometry=maybe",
        400,
        Some("geometry"),
    )
    .await;
}

#[tokio::test]
async fn the_catalog_lists_every_layer() {
    let (_, body) = get("/api/layers").await;
    let layers = body["layers"].as_array().unwrap();
    let data = &common::indexed().dataset;
    assert_eq!(layers.len(), data.layers.len());
    for (l, layer) in layers.iter().zip(&data.layers) {
        assert_eq!(l["id"], layer.id.as_str());
        assert_eq!(l["features"], layer.features.len());
        for key in ["title", "description", "source", "vintage", "licence"] {
            assert!(
                l[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key} of {}",
                layer.id
            );
        }
        assert_eq!(l["bbox"].as_array().unwrap().len(), 4);
    }
    refused("/api/layers?x=1", 400, Some("x")).await;
}

#[tokio::test]
async fn batch_csv_of_100000_points_matches_the_library() {
    let ix = common::indexed();
    let points = territoires_geo::sample::uniform_points(100_000, 99, territoires_geo::sample::METROPOLE_BOX);
    let mut body = String::from("ref,lat,lon\n");
    for (i, (lon, lat)) in points.iter().enumerate() {
        body.push_str(&format!("{i},{lat},{lon}\n"));
    }
    let response = reqwest::Client::new()
        .post(url(
            "/api/locate?layers=communes,pays,contrats-ruralite-2016-2017",
        ))
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[..3], ["ref", "lat", "lon"]);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let options = territoires_query::LocateOptions::default();
    let mut rows = 0;
    for (i, record) in reader.records().enumerate() {
        let record = record.unwrap();
        assert_eq!(&record[0], i.to_string().as_str());
        let (lon, lat) = points[i];
        let location = territoires_query::locate(ix, lon, lat, &options).unwrap();
        for layer in ["communes", "pays", "contrats-ruralite-2016-2017"] {
            let l = common::layer(ix, layer);
            let expected: Vec<&str> = location
                .hits_in(l)
                .map(|h| ix.dataset.layers[l].features[h.feature].id.as_str())
                .collect();
            assert_eq!(
                &record[col(&format!("{}_id", layer.replace('-', "_")))],
                expected.join(";"),
                "row {i}"
            );
        }
        rows += 1;
    }
    assert_eq!(rows, 100_000);
}

#[tokio::test]
async fn batch_reports_bad_rows_and_follows_accept() {
    let client = reqwest::Client::new();
    let csv = "name,lat,lon\nclermont,45.7772,3.0870\nbad,abc,3\nfar,95,3\n";
    let text = client
        .post(url("/api/locate?layers=communes"))
        .body(csv)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "name,lat,lon,communes_id,communes_name,approximate,error"
    );
    assert!(lines[1].starts_with("clermont,45.7772,3.0870,63113,Clermont-Ferrand"));
    assert!(lines[2].contains("row 2: `lat` is not a number"), "{}", lines[2]);
    assert!(
        lines[3].contains("row 3:") && lines[3].contains("lat"),
        "{}",
        lines[3]
    );

    let geojson = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","id":"a","properties":{"k":1},"geometry":{"type":"Point","coordinates":[3.087,45.7772]}},
        {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}"#;
    let body: Value = client
        .post(url("/api/locate?layers=communes"))
        .header("content-type", "application/geo+json")
        .body(geojson)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["features"][0]["id"], "a");
    assert_eq!(body["features"][0]["properties"]["k"], 1);
    assert_eq!(body["features"][0]["properties"]["communes_id"], "63113");
    assert!(
        body["features"][1]["properties"]["error"]
            .as_str()
            .unwrap()
            .contains("LineString")
    );

    let body: Value = client
        .post(url("/api/locate?layers=pays"))
        .header("content-type", "text/csv")
        .header("accept", "application/json")
        .body("lat,lon\n45.7772,3.0870\n")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body[0]["pays_id"], "200048171");

    let refused_post = |content_type: &'static str, accept: &'static str, body: &'static str, status: u16| {
        let client = client.clone();
        async move {
            let response = client
                .post(url("/api/locate"))
                .header("content-type", content_type)
                .header("accept", accept)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status().as_u16(),
                status,
                "{content_type} {accept} {body}"
            );
            let error: Value = response.json().await.unwrap();
            assert_eq!(error["error"]["status"], status);
        }
    };
    refused_post("text/csv", "*/*", "name,x\na,1\n", 400).await;
    refused_post("application/geo+json", "*/*", "{\"type\":\"Feature\"}", 400).await;
    refused_post("application/geo+json", "*/*", "{", 400).await;
    refused_post("image/png", "*/*", "x", 415).await;
    refused_post("text/csv", "image/png", "lat,lon\n1,2\n", 406).await;

    let too_big = client
        .post(format!("{}/api/locate", servers().1))
        .header("content-type", "text/csv")
        .body(format!("lat,lon\n{}", "45.0,3.0\n".repeat(500)))
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), 413);
    let error: Value = too_big.json().await.unwrap();
    assert_eq!(error["error"]["code"], "payload_too_large");
}

#[tokio::test]
async fn ogc_api_features() {
    let (_, landing) = get("/ogc").await;
    let links = landing["links"].as_array().unwrap();
    let typed = |rel: &str| {
        links
            .iter()
            .find(|l| l["rel"] == rel)
            .map(|l| l["type"].as_str().unwrap().to_string())
    };
    assert_eq!(
        typed("service-desc").unwrap(),
        "application/vnd.oai.openapi+json;version=3.0"
    );
    assert_eq!(typed("data").unwrap(), "application/json");
    assert!(typed("conformance").is_some());

    let (_, conformance) = get("/ogc/conformance").await;
    let classes: Vec<&str> = conformance["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for class in ["core", "geojson", "html", "oas30"] {
        assert!(
            classes.iter().any(|c| c.ends_with(&format!("/conf/{class}"))),
            "{class}"
        );
    }
    let (_, api) = get("/ogc/api").await;
    assert_eq!(api["openapi"], "3.0.3");
    // Rooted at `/ogc`, as the standard lays its paths out and GDAL looks them up.
    assert!(api["paths"]["/collections/{collectionId}/items"].is_object());
    assert!(api["servers"][0]["url"].as_str().unwrap().ends_with("/ogc"));

    let (_, collections) = get("/ogc/collections").await;
    assert_eq!(
        collections["collections"].as_array().unwrap().len(),
        common::indexed().dataset.layers.len()
    );
    let (_, pays) = get("/ogc/collections/pays").await;
    assert_eq!(pays["itemType"], "feature");
    refused("/ogc/collections/nope", 404, None).await;

    let (status, items) = get("/ogc/collections/pays/items?limit=10&bbox=2,45,4,46.5").await;
    assert_eq!(status, 200);
    let matched = items["numberMatched"].as_u64().unwrap();
    let pays_count = common::expected_feature_count(&common::layer_file("pays")) as u64;
    assert!(matched > 1 && matched < pays_count);
    assert_eq!(
        items["numberReturned"].as_u64().unwrap(),
        items["features"].as_array().unwrap().len() as u64
    );
    let (_, all) = get("/ogc/collections/pays/items?limit=100000").await;
    assert_eq!(all["numberMatched"], pays_count);
    assert_eq!(
        all["numberReturned"], pays_count,
        "a limit over the maximum is clamped, not refused"
    );
    let (_, page) = get("/ogc/collections/communes/items?limit=2").await;
    let next = page["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "next")
        .expect("a next link");
    assert_eq!(next["type"], "application/geo+json");
    let next: Value = reqwest::get(next["href"].as_str().unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(next["features"].as_array().unwrap().len(), 2);
    assert_ne!(next["features"][0]["id"], page["features"][0]["id"]);

    refused("/ogc/collections/pays/items?foo=1", 400, Some("foo")).await;
    refused("/ogc/collections/pays/items?bbox=1,2,3", 400, Some("bbox")).await;
    refused("/ogc/collections/pays/items?limit=-3", 400, Some("limit")).await;
    refused("/ogc/collections/pays/items?f=xml", 400, Some("f")).await;

    let (status, item) = get("/ogc/collections/pays/items/200048171").await;
    assert_eq!(status, 200);
    assert_eq!(item["properties"]["name"], "PETR Grand Clermont");
    refused("/ogc/collections/pays/items/0", 404, None).await;

    let html = reqwest::get(url("/ogc/collections/pays/items?f=html&limit=1"))
        .await
        .unwrap();
    assert!(
        html.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(html.text().await.unwrap().contains("<html lang=\"fr\">"));
}

#[tokio::test]
async fn operations_endpoints() {
    let (status, health) = get("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    let (_, openapi) = get("/api/openapi.json").await;
    for path in [
        "/api/locate",
        "/api/coverage",
        "/api/search",
        "/api/territories/{layer}/{id}",
        "/api/layers",
        "/ogc/collections",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path}");
    }
    assert!(openapi["paths"]["/api/locate"]["post"].is_object());

    get("/api/locate?lat=45&lon=3").await;
    refused("/api/locate?lat=x&lon=3", 400, Some("lat")).await;
    let metrics = reqwest::get(url("/metrics")).await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains("territoires_requests_total{route=\"/api/locate\",method=\"GET\",status=\"200\"}")
    );
    assert!(metrics.contains("territoires_request_errors_total{route=\"/api/locate\",method=\"GET\"}"));
    assert!(metrics.contains("territoires_request_duration_seconds_bucket{route=\"/api/locate\""));
}

#[tokio::test]
async fn http_behaviour() {
    let client = reqwest::Client::new();
    // Only GET and HEAD (and the batch POST).
    let response = client.delete(url("/api/layers")).send().await.unwrap();
    assert_eq!(response.status(), 405);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let response = client.head(url("/api/layers")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    refused("/no/such/route", 404, None).await;

    // CORS is open for GET.
    let response = client
        .get(url("/api/layers"))
        .header("origin", "https://example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "*");

    // Compression.
    for encoding in ["gzip", "br"] {
        let response = reqwest::Client::builder()
            .no_gzip()
            .no_brotli()
            .build()
            .unwrap()
            .get(url("/ogc/collections/pays/items?limit=5"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-encoding"], encoding);
    }
}
