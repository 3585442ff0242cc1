//! The territory portrait over HTTP: `/api/portrait/{layer}/{id}`, the members downloads and the page
//! `/territoire/{layer}/{id}`, against a real server that also serves the web directory. Every
//! expectation is computed from the dataset or from the geodata files, never written down.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use geo::Intersects;
use reqwest::StatusCode;
use serde_json::Value;

const THIERACHE: &str = "200051118";

async fn fetch(path: &str, accept: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", common::web_server()))
        .header("accept", accept)
        .send()
        .await
        .expect("request")
}

async fn get(path: &str) -> (StatusCode, Value) {
    let response = fetch(path, "application/json").await;
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

/// A JSON 4xx naming `parameter`.
async fn refused(path: &str, status: u16, parameter: &str) {
    let (got, body) = get(path).await;
    assert_eq!(got.as_u16(), status, "{path}: {body}");
    assert_eq!(body["error"]["status"], status, "{path}: {body}");
    assert_eq!(body["error"]["parameter"], parameter, "{path}: {body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
}

fn feature<'a>(layer: &str, id: &str) -> &'a territoires_core::dataset::Feature {
    let data = &common::indexed().dataset;
    data.layer(layer)
        .and_then(|l| l.features.iter().find(|f| f.id == id))
        .unwrap_or_else(|| panic!("no {layer}/{id} in the dataset"))
}

/// The polygons of feature `id` of `layer`.
fn polygons(layer: &str, id: &str) -> geo::MultiPolygon<f64> {
    let data = &common::indexed().dataset;
    data.layer(layer)
        .and_then(|l| {
            l.indexed_features()
                .find(|(_, f)| f.id == id)
                .map(|(f, _)| l.polygons(f))
        })
        .unwrap_or_else(|| panic!("no {layer}/{id} in the dataset"))
}

/// The `pays-petr.csv` row of a Pays and its member SIRENs.
fn pays_row_members(id: &str) -> BTreeSet<String> {
    let row = common::territory_rows(&common::layer_file("pays"))
        .into_iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no row {id}"));
    row["members"].split(';').map(|m| m.trim().to_string()).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

#[tokio::test]
async fn thierache_portrait_matches_the_dataset_and_its_row() {
    let (status, body) = get(&format!("/api/portrait/pays/{THIERACHE}")).await;
    assert_eq!(status, 200, "{body}");
    let f = feature("pays", THIERACHE);
    assert_eq!(body["name"], f.name.as_str());
    assert_eq!(body["layer"]["id"], "pays");
    assert_eq!(body["figures"]["population"], f.population);
    assert_eq!(body["figures"]["communes"], f.communes.len());
    assert!(close(body["figures"]["area_km2"].as_f64().unwrap(), f.area_km2));
    let density = body["figures"]["density_per_km2"].as_f64().unwrap();
    assert!(close(density, f.population as f64 / f.area_km2));
    assert!(body["vintage"].as_str().is_some_and(|v| !v.is_empty()));

    // Provenance: the row's kind, status, vintage and source, the layer's source, the denominators'.
    let data = &common::indexed().dataset;
    let row = common::territory_rows(&common::layer_file("pays"))
        .into_iter()
        .find(|r| r["id"] == THIERACHE)
        .unwrap();
    for column in ["kind", "status", "vintage", "source"] {
        assert_eq!(body["provenance"][column], row[column].as_str(), "{column}");
    }
    assert_eq!(
        body["source"]["name"],
        data.layer("pays").unwrap().source.name.as_str()
    );
    assert_eq!(
        body["denominators_source"]["vintage"],
        data.base.denominators.vintage.as_str()
    );

    // Members: the row's EPCI, each whole and declared; the communes are the feature's.
    let expected = pays_row_members(THIERACHE);
    let epci: BTreeMap<String, &Value> = body["members"]["epci"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_str().unwrap().to_string(), e))
        .collect();
    assert_eq!(epci.keys().cloned().collect::<BTreeSet<_>>(), expected);
    for (id, e) in &epci {
        let whole = feature("epci", id);
        assert_eq!(e["name"], whole.name.as_str());
        assert_eq!(e["declared"], true, "{id}");
        assert_eq!(e["whole"], true, "{id}");
        assert_eq!(e["population"], whole.population, "{id}");
    }
    let communes = body["members"]["communes"].as_array().unwrap();
    let codes: BTreeSet<&str> = communes.iter().map(|c| c["code"].as_str().unwrap()).collect();
    let expected_codes: BTreeSet<&str> = f
        .communes
        .iter()
        .map(|&c| data.communes[c].code.as_str())
        .collect();
    assert_eq!(codes, expected_codes);
    for c in communes {
        let (_, commune) = data.commune_by_code(c["code"].as_str().unwrap()).unwrap();
        assert_eq!(c["epci"].as_str(), commune.epci.as_deref());
        assert!(expected.contains(commune.epci.as_deref().unwrap()));
    }
    assert_eq!(body["members"]["unknown"].as_array().unwrap().len(), 0);

    // Links to the page, the map and the downloads.
    assert_eq!(body["links"]["portrait"], format!("/territoire/pays/{THIERACHE}"));
    assert_eq!(body["links"]["map"], format!("/#sel=pays/{THIERACHE}"));
}

/// Totals of every département or région over all the dataset's communes, by code.
fn division_totals(by_region: bool) -> BTreeMap<String, (u64, f64)> {
    let mut totals: BTreeMap<String, (u64, f64)> = BTreeMap::new();
    for c in &common::indexed().dataset.communes {
        let key = if by_region { &c.region } else { &c.departement };
        let t = totals.entry(key.to_string()).or_default();
        t.0 += c.population;
        t.1 += c.area_km2;
    }
    totals
}

#[tokio::test]
async fn shares_of_departements_and_regions_add_up() {
    // Thiérache lies in one département; a Pays over two départements is found in the data.
    let data = &common::indexed().dataset;
    let pays = data.layer("pays").unwrap();
    let across = pays
        .features
        .iter()
        .find(|f| {
            f.communes
                .iter()
                .map(|&c| &data.communes[c].departement)
                .collect::<BTreeSet<_>>()
                .len()
                > 1
        })
        .expect("a Pays over two départements");
    for id in [THIERACHE, across.id.as_str()] {
        let (status, body) = get(&format!("/api/portrait/pays/{id}")).await;
        assert_eq!(status, 200);
        let population = body["figures"]["population"].as_u64().unwrap();
        let communes_area = body["figures"]["communes_area_km2"].as_f64().unwrap();
        for (kind, by_region) in [("departements", false), ("regions", true)] {
            let totals = division_totals(by_region);
            let rows = body[kind].as_array().unwrap();
            assert!(!rows.is_empty());
            let sum: u64 = rows.iter().map(|r| r["population"].as_u64().unwrap()).sum();
            assert_eq!(sum, population, "{id} {kind}");
            let area: f64 = rows.iter().map(|r| r["area_km2"].as_f64().unwrap()).sum();
            assert!(close(area, communes_area), "{id} {kind}");
            let pct: f64 = rows
                .iter()
                .map(|r| r["territory_population_pct"].as_f64().unwrap())
                .sum();
            assert!((pct - 100.0).abs() < 1e-6, "{id} {kind}: {pct}");
            for r in rows {
                let code = r["code"].as_str().unwrap();
                let (total_population, total_area) = totals[code];
                assert_eq!(r["division_population"], total_population);
                assert!(close(r["division_area_km2"].as_f64().unwrap(), total_area));
                let share = 100.0 * r["population"].as_f64().unwrap() / total_population as f64;
                assert!(close(r["population_pct"].as_f64().unwrap(), share));
                let name = if by_region {
                    data.region_name(code)
                } else {
                    data.departement_name(code)
                };
                assert_eq!(r["name"].as_str(), name);
            }
        }
        if id != THIERACHE {
            assert!(body["departements"].as_array().unwrap().len() > 1);
        }
    }
    let (_, body) = get(&format!("/api/portrait/pays/{THIERACHE}")).await;
    let first = body["members"]["communes"][0]["code"].as_str().unwrap();
    let departement = &data.commune_by_code(first).unwrap().1.departement;
    assert_eq!(body["departements"][0]["code"], departement.as_str());
}

#[tokio::test]
async fn every_other_layer_says_what_it_holds_of_the_territory() {
    let data = &common::indexed().dataset;
    let (_, body) = get(&format!("/api/portrait/pays/{THIERACHE}")).await;
    let layers = body["layers"].as_array().unwrap();
    // Driven by the catalogue: every layer but the communes and the Pays themselves, in its order.
    let expected: Vec<&str> = data
        .layers
        .iter()
        .map(|l| l.id.as_str())
        .filter(|&id| id != "communes" && id != "pays")
        .collect();
    let got: Vec<&str> = layers
        .iter()
        .map(|l| l["layer"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, expected);
    let of = |id: &str| layers.iter().find(|l| l["layer"]["id"] == id).unwrap();

    // The EPCI partition the territory: their shares of its area add up to 100 %.
    let epci = of("epci")["features"].as_array().unwrap();
    let total: f64 = epci
        .iter()
        .map(|f| f["territory_area_pct"].as_f64().unwrap())
        .sum();
    assert!((total - 100.0).abs() < 1e-6, "{total}");
    assert!(epci.iter().all(|f| f["relation"] == "contains"));
    assert_eq!(
        epci.iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect::<BTreeSet<_>>(),
        pays_row_members(THIERACHE)
    );

    // The CRTE: those signed by one of its EPCI, from the file, each saying whether the Pays carries it.
    let members = pays_row_members(THIERACHE);
    let crte_rows: Vec<_> = common::territory_rows(&common::layer_file("crte"))
        .into_iter()
        .filter(|r| r["members"].split(';').any(|m| members.contains(m.trim())))
        .collect();
    let crte = of("crte");
    assert_eq!(crte["carrier"]["siren"], "carrier_siren");
    let listed: BTreeMap<&str, &Value> = crte["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap(), f))
        .collect();
    assert!(!crte_rows.is_empty());
    for r in &crte_rows {
        let f = listed
            .get(r["id"].as_str())
            .unwrap_or_else(|| panic!("{} missing", r["id"]));
        assert_eq!(
            f["carried_by_territory"],
            r["carrier_siren"] == THIERACHE,
            "{}",
            r["id"]
        );
        assert_eq!(f["carrier"]["siren"], r["carrier_siren"].as_str());
    }

    // Its SCoT syndicats and contrats de ruralité are those sharing communes with it.
    for layer in ["scot", "contrats-ruralite-2016-2017"] {
        let l = data.layer(layer).unwrap();
        let own: BTreeSet<territoires_core::dataset::CommuneIx> =
            feature("pays", THIERACHE).communes.iter().copied().collect();
        let expected: BTreeSet<&str> = l
            .features
            .iter()
            .filter(|g| g.communes.iter().any(|c| own.contains(c)))
            .map(|g| g.id.as_str())
            .collect();
        let got: BTreeSet<&str> = of(layer)["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap())
            .collect();
        assert_eq!(got, expected, "{layer}");
    }
}

#[tokio::test]
async fn a_pays_that_carries_a_crte_says_so() {
    // A CRTE row of the file whose carrier SIREN is a Pays of the dataset.
    let data = &common::indexed().dataset;
    let pays = data.layer("pays").unwrap();
    let row = common::territory_rows(&common::layer_file("crte"))
        .into_iter()
        .find(|r| pays.features.iter().any(|f| f.id == r["carrier_siren"]))
        .expect("a CRTE carried by a Pays of the map");
    let carrier = row["carrier_siren"].clone();
    let (_, body) = get(&format!("/api/portrait/pays/{carrier}")).await;
    let crte = body["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["layer"]["id"] == "crte")
        .unwrap();
    let f = crte["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == row["id"].as_str())
        .expect("the carried CRTE is listed");
    assert_eq!(f["carried_by_territory"], true);
    // And a CRTE's own portrait names its carrier among its properties.
    let (_, own) = get(&format!("/api/portrait/crte/{}", row["id"])).await;
    assert_eq!(own["properties"]["carrier_siren"], carrier.as_str());
}

#[tokio::test]
async fn neighbours_share_a_border_and_no_commune() {
    let data = &common::indexed().dataset;
    for (layer, id) in [("pays", THIERACHE), ("communes", "02789"), ("departements", "02")] {
        let (status, body) = get(&format!("/api/portrait/{layer}/{id}")).await;
        assert_eq!(status, 200);
        let own = feature(layer, id);
        let neighbours = body["neighbours"].as_array().unwrap();
        assert!(!neighbours.is_empty(), "{layer}/{id}");
        for n in neighbours {
            let nid = n["id"].as_str().unwrap();
            let other = feature(layer, nid);
            assert_ne!(nid, id);
            assert!(
                polygons(layer, nid).intersects(&polygons(layer, id)),
                "{layer}/{nid}"
            );
            assert!(
                other.communes.iter().all(|c| !own.communes.contains(c)),
                "{layer}/{nid}"
            );
            // Neighbourhood is mutual.
            let (_, back) = get(&format!("/api/portrait/{layer}/{nid}")).await;
            assert!(
                back["neighbours"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|m| m["id"] == id),
                "{layer}/{nid} does not list {id}"
            );
        }
    }
    // Every département bordering the Aisne in the dataset's own polygons is found.
    let aisne = polygons("departements", "02");
    let departements = data.layer("departements").unwrap();
    let bordering = departements
        .indexed_features()
        .filter(|&(f, d)| d.id != "02" && departements.polygons(f).intersects(&aisne))
        .count();
    let (_, body) = get("/api/portrait/departements/02").await;
    assert_eq!(body["neighbours"].as_array().unwrap().len(), bordering);
}

#[tokio::test]
async fn members_download_as_csv_and_geojson() {
    let data = &common::indexed().dataset;
    let f = feature("pays", THIERACHE);

    let response = fetch(&format!("/api/territories/pays/{THIERACHE}/members.csv"), "*/*").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert_eq!(
        response.headers()["content-disposition"],
        format!("attachment; filename=\"pays-{THIERACHE}-communes.csv\"").as_str()
    );
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "code",
            "name",
            "epci",
            "epci_name",
            "departement",
            "region",
            "population",
            "area_km2"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), f.communes.len());
    let population: u64 = rows.iter().map(|r| r[6].parse::<u64>().unwrap()).sum();
    assert_eq!(population, f.population);
    for r in &rows {
        let (_, c) = data.commune_by_code(&r[0]).unwrap();
        assert_eq!(&r[1], c.name.as_str());
        assert_eq!(Some(&r[2]), c.epci.as_deref());
        assert_eq!(&r[3], feature("epci", &r[2]).name.as_str());
    }

    let response = fetch(
        &format!("/api/territories/pays/{THIERACHE}/members.geojson"),
        "*/*",
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/geo+json");
    assert_eq!(
        response.headers()["content-disposition"],
        format!("attachment; filename=\"pays-{THIERACHE}-communes.geojson\"").as_str()
    );
    let geojson: Value = response.json().await.unwrap();
    assert_eq!(geojson["type"], "FeatureCollection");
    let features = geojson["features"].as_array().unwrap();
    assert_eq!(features.len(), f.communes.len());
    let communes_layer = data.layer("communes").unwrap();
    for g in features {
        let code = g["properties"]["code"].as_str().unwrap();
        assert_eq!(g["id"], code);
        let (_, c) = data.commune_by_code(code).unwrap();
        assert_eq!(g["properties"]["population"], c.population);
        match c.feature {
            Some(i) => {
                // The full geometry: as many vertices as the commune's own polygons.
                let full = &communes_layer.polygons(i);
                let rings: usize = full.0.iter().map(|p| 1 + p.interiors().len()).sum();
                let got: usize = g["geometry"]["coordinates"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_array().unwrap().len())
                    .sum();
                assert_eq!(g["geometry"]["type"], "MultiPolygon");
                assert_eq!(got, rings, "{code}");
                let vertices: usize = full.0.iter().map(|p| p.exterior().0.len()).sum();
                let got_vertices: usize = g["geometry"]["coordinates"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p[0].as_array().unwrap().len())
                    .sum();
                assert_eq!(got_vertices, vertices, "{code}");
            }
            None => assert!(g["geometry"].is_null()),
        }
    }
}

#[tokio::test]
async fn unknown_layers_ids_and_parameters_are_refused() {
    refused("/api/portrait/pays/nope", 404, "id").await;
    refused("/api/portrait/nope/1", 404, "layer").await;
    refused(&format!("/api/portrait/pays/{THIERACHE}?x=1"), 400, "x").await;
    refused("/api/territories/pays/nope/members.csv", 404, "id").await;
    refused("/api/territories/nope/1/members.geojson", 404, "layer").await;
    refused(
        &format!("/api/territories/pays/{THIERACHE}/members.txt"),
        404,
        "file",
    )
    .await;
    refused(
        &format!("/api/territories/pays/{THIERACHE}/members.csv?sep=;"),
        400,
        "sep",
    )
    .await;
}

#[tokio::test]
async fn the_page_is_served_and_unknown_territories_are_404_in_french_or_json() {
    let page = fetch(&format!("/territoire/pays/{THIERACHE}"), "text/html,*/*").await;
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let text = page.text().await.unwrap();
    assert!(text.contains("<html lang=\"fr\">") && text.contains("/js/pages/portrait.js"));

    for (path, parameter) in [
        ("/territoire/pays/nope", "id"),
        ("/territoire/nope/200051118", "layer"),
        ("/territoire/pays/%00%FF", "id"),
        ("/territoire/pays/..%2F..%2Fetc", "id"),
    ] {
        let html = fetch(path, "text/html,application/xhtml+xml,*/*;q=0.8").await;
        assert_eq!(html.status(), 404, "{path}");
        assert!(
            html.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        let text = html.text().await.unwrap();
        assert!(
            text.contains("<html lang=\"fr\">") && text.contains("Territoire introuvable"),
            "{path}"
        );
        assert!(!text.contains("<script"), "{path}");
        refused(path, 404, parameter).await;
    }
    // The page's own assets are served beside it.
    for asset in [
        "/js/pages/portrait.js",
        "/css/portrait.css",
        "/js/lib/sorttable.js",
        "/js/map/print.js",
    ] {
        assert_eq!(fetch(asset, "*/*").await.status(), 200, "{asset}");
    }
}

#[tokio::test]
async fn the_openapi_document_lists_the_portrait_routes() {
    let (_, openapi) = get("/api/openapi.json").await;
    for path in [
        "/api/portrait/{layer}/{id}",
        "/api/territories/{layer}/{id}/members.csv",
        "/api/territories/{layer}/{id}/members.geojson",
        "/territoire/{layer}/{id}",
    ] {
        assert!(openapi["paths"][path]["get"].is_object(), "{path}");
    }
}
