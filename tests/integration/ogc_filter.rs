//! OGC API – Features Part 3: CQL2 filters (text and JSON) against the same predicates computed
//! here from the data files alone (the COG package, the geodata CSVs), `sortby` and `properties`
//! on the items and the downloads, and the 400s of bad filters.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common::{self, cog_json, get, territory_rows};

/// `s` percent-encoded for a query string.
fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The ids of every feature a filtered items request matches, checking `numberMatched`.
async fn filtered(layer: &str, query: &str) -> BTreeSet<String> {
    let answer = get(&format!("/ogc/collections/{layer}/items?limit=10000&{query}")).await;
    assert_eq!(
        answer.status,
        200,
        "{layer} {query}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    let doc = answer.json();
    let ids: BTreeSet<String> = doc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(doc["numberMatched"], ids.len(), "{layer} {query}");
    ids
}

async fn text(layer: &str, filter: &str) -> BTreeSet<String> {
    filtered(layer, &format!("filter={}", enc(filter))).await
}

async fn cql_json(layer: &str, filter: Value) -> BTreeSet<String> {
    filtered(
        layer,
        &format!("filter-lang=cql2-json&filter={}", enc(&filter.to_string())),
    )
    .await
}

/// The current communes of the COG that pass `keep`.
fn communes_where(keep: impl Fn(&Value) -> bool) -> BTreeSet<String> {
    cog_json("communes.json")
        .iter()
        .filter(|c| c["type"] == "commune-actuelle" && keep(c))
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect()
}

fn population(c: &Value) -> u64 {
    c["population"].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn commune_filters_agree_with_the_cog() {
    let expected = communes_where(|c| c["departement"] == "63" && population(c) > 10_000);
    assert!(expected.len() > 3);
    assert_eq!(
        text("communes", "departement = '63' AND population > 10000").await,
        expected
    );
    // The same predicate in CQL2 JSON, and with its comparison written the other way round.
    let json_filter = json!({"op": "and", "args": [
        {"op": "=", "args": [{"property": "departement"}, "63"]},
        {"op": ">", "args": [{"property": "population"}, 10000]},
    ]});
    assert_eq!(cql_json("communes", json_filter).await, expected);
    assert_eq!(
        text("communes", "10000 < population AND departement = '63'").await,
        expected
    );

    let saints =
        communes_where(|c| c["departement"] == "15" && c["nom"].as_str().unwrap().starts_with("Saint-"));
    assert!(!saints.is_empty());
    assert_eq!(
        text("communes", "name LIKE 'Saint-%' AND departement = '15'").await,
        saints
    );
    let like = json!({"op": "and", "args": [
        {"op": "like", "args": [{"property": "name"}, "Saint-%"]},
        {"op": "=", "args": [{"property": "departement"}, "15"]},
    ]});
    assert_eq!(cql_json("communes", like).await, saints);

    let corsica_villages =
        communes_where(|c| ["2A", "2B"].contains(&c["departement"].as_str().unwrap()) && population(c) < 500);
    assert_eq!(
        text(
            "communes",
            "departement IN ('2A', '2B') AND NOT (population >= 500)"
        )
        .await,
        corsica_villages
    );
    let between = communes_where(|c| c["region"] == "94" && (1000..=2000).contains(&population(c)));
    assert_eq!(
        text("communes", "region = '94' AND population BETWEEN 1000 AND 2000").await,
        between
    );
    let either =
        communes_where(|c| c["departement"] == "90" || (c["departement"] == "2A" && population(c) > 5000));
    assert_eq!(
        text(
            "communes",
            "departement = '90' OR (departement = '2A' AND population > 5000)"
        )
        .await,
        either
    );
}

#[tokio::test]
async fn epci_over_50000_inhabitants_agree_with_the_cog() {
    let communes: std::collections::HashMap<String, u64> = cog_json("communes.json")
        .iter()
        .filter(|c| c["type"] == "commune-actuelle")
        .map(|c| (c["code"].as_str().unwrap().to_string(), population(c)))
        .collect();
    let expected: BTreeSet<String> = cog_json("epci.json")
        .iter()
        .filter(|e| {
            let members = e["membres"].as_array().unwrap();
            members
                .iter()
                .map(|m| communes.get(m["code"].as_str().unwrap()).copied().unwrap_or(0))
                .sum::<u64>()
                > 50_000
        })
        .map(|e| e["code"].as_str().unwrap().to_string())
        .collect();
    assert!(expected.len() > 100);
    assert_eq!(text("epci", "population > 50000").await, expected);
}

#[tokio::test]
async fn territory_filters_agree_with_the_geodata_files() {
    let data = &common::indexed().dataset;
    let known: BTreeSet<String> = data
        .layer("pays")
        .unwrap()
        .features
        .iter()
        .map(|f| f.id.to_string())
        .collect();
    let rows = territory_rows("territoires/pays-petr.csv");
    let petr: BTreeSet<String> = rows
        .iter()
        .filter(|r| r["kind"] == "PETR" && known.contains(&r["id"]))
        .map(|r| r["id"].clone())
        .collect();
    assert!(petr.len() > 50);
    assert_eq!(text("pays", "kind = 'PETR'").await, petr);
    let inferred: BTreeSet<String> = rows
        .iter()
        .filter(|r| r["status"].starts_with("inferred") && known.contains(&r["id"]))
        .map(|r| r["id"].clone())
        .collect();
    assert!(!inferred.is_empty());
    assert_eq!(text("pays", "status LIKE 'inferred%'").await, inferred);

    let crte_known: BTreeSet<String> = data
        .layer("crte")
        .unwrap()
        .features
        .iter()
        .map(|f| f.id.to_string())
        .collect();
    let carried_by_petr: BTreeSet<String> = territory_rows("overlays/crte-2022.csv")
        .iter()
        .filter(|r| r["carrier_kind"] == "PETR" && crte_known.contains(&r["id"]))
        .map(|r| r["id"].clone())
        .collect();
    assert!(!carried_by_petr.is_empty());
    let json_filter = json!({"op": "=", "args": [{"property": "carrier_kind"}, "PETR"]});
    assert_eq!(cql_json("crte", json_filter).await, carried_by_petr);
}

#[tokio::test]
async fn spatial_filters_take_what_meets_the_geometry() {
    // Clermont-Ferrand's Place de Jaude, as a point in degrees and in Lambert-93.
    let clermont = BTreeSet::from(["63113".to_string()]);
    assert_eq!(
        text("communes", "S_INTERSECTS(geometry, POINT(3.0829 45.7772))").await,
        clermont
    );
    let point = common::gdaltransform("EPSG:4326", "EPSG:2154", &[(3.0829, 45.7772)])[0];
    let in_l93 = filtered(
        "communes",
        &format!(
            "filter={}&filter-crs={}",
            enc(&format!("S_INTERSECTS(geometry, POINT({} {}))", point.0, point.1)),
            enc("http://www.opengis.net/def/crs/EPSG/0/2154")
        ),
    )
    .await;
    assert_eq!(in_l93, clermont);
    // A BBOX literal takes what the `bbox` parameter takes.
    let by_bbox = filtered("epci", "bbox=2.2,48.8,2.5,48.9").await;
    assert_eq!(
        text("epci", "S_INTERSECTS(geometry, BBOX(2.2, 48.8, 2.5, 48.9))").await,
        by_bbox
    );
    let polygon = json!({"op": "s_intersects", "args": [{"property": "geometry"},
        {"type": "Polygon", "coordinates": [[[2.2, 48.8], [2.5, 48.8], [2.5, 48.9], [2.2, 48.9], [2.2, 48.8]]]}]});
    assert_eq!(cql_json("epci", polygon).await, by_bbox);
    // Disjoint is the rest; a filter and a bbox together take what both take.
    let all = filtered("epci", "").await;
    let disjoint = text("epci", "S_DISJOINT(geometry, BBOX(2.2, 48.8, 2.5, 48.9))").await;
    assert_eq!(disjoint.len() + by_bbox.len(), all.len());
    let both = filtered(
        "epci",
        &format!("bbox=2.2,48.8,2.5,48.9&filter={}", enc("population > 300000")),
    )
    .await;
    let big = text("epci", "population > 300000").await;
    assert_eq!(both, by_bbox.intersection(&big).cloned().collect());
}

#[tokio::test]
async fn sortby_and_properties_shape_the_items() {
    let doc = get("/ogc/collections/pays/items?sortby=-population,name&properties=name,population&limit=20")
        .await
        .json();
    let features = doc["features"].as_array().unwrap();
    let populations: Vec<u64> = features
        .iter()
        .map(|f| f["properties"]["population"].as_u64().unwrap())
        .collect();
    assert!(populations.windows(2).all(|w| w[0] >= w[1]), "{populations:?}");
    let largest = common::indexed()
        .dataset
        .layer("pays")
        .unwrap()
        .features
        .iter()
        .map(|f| f.population)
        .max();
    assert_eq!(Some(populations[0]), largest);
    for f in features {
        let keys: Vec<&String> = f["properties"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "population"], "{f}");
    }
    // The next page goes on in the same order.
    let next = doc["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "next")
        .unwrap();
    let href = next["href"].as_str().unwrap();
    assert!(href.contains("sortby=") && href.contains("properties="), "{href}");
    let ascending = get("/ogc/collections/communes/items?sortby=%2Bname&limit=3&properties=name")
        .await
        .json();
    let names: Vec<&str> = ascending["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
}

#[tokio::test]
async fn downloads_take_the_same_filter_sort_and_properties() {
    let filter = enc("kind = 'PETR'");
    let expected = text("pays", "kind = 'PETR'").await;
    let csv = get(&format!(
        "/api/layers/pays.csv?filter={filter}&sortby=-population&properties=name,population"
    ))
    .await;
    assert_eq!(csv.status, 200);
    let text = String::from_utf8(csv.body.to_vec()).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id,name,population"));
    let rows: Vec<(String, u64)> = lines
        .map(|l| {
            let mut cells = l.split(',');
            let id = cells.next().unwrap().to_string();
            (id, cells.next_back().unwrap().parse().unwrap())
        })
        .collect();
    assert_eq!(
        rows.iter().map(|r| r.0.clone()).collect::<BTreeSet<_>>(),
        expected
    );
    assert!(rows.windows(2).all(|w| w[0].1 >= w[1].1));

    let geojson = get(&format!(
        "/api/layers/pays.geojson?filter={filter}&properties=name"
    ))
    .await
    .json();
    let ids: BTreeSet<String> = geojson["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, expected);

    let dir = tempfile::tempdir().unwrap();
    for extension in ["gpkg", "fgb"] {
        let answer = get(&format!(
            "/api/layers/pays.{extension}?filter={filter}&crs=EPSG:2154"
        ))
        .await;
        assert_eq!(answer.status, 200);
        let path = dir.path().join(format!("pays.{extension}"));
        std::fs::write(&path, &answer.body).unwrap();
        let output = std::process::Command::new("ogrinfo")
            .args(["-so", path.to_str().unwrap(), "pays"])
            .output()
            .unwrap();
        let info = String::from_utf8_lossy(&output.stdout);
        assert!(
            info.contains(&format!("Feature Count: {}", expected.len())),
            "{extension}: {info}"
        );
    }
}

#[tokio::test]
async fn bad_filters_get_a_400_that_says_what_is_wrong() {
    let refused = |query: String, parameter: &'static str, says: &'static [&'static str]| async move {
        let answer = get(&format!("/ogc/collections/pays/items?{query}")).await;
        let body = answer.json();
        assert_eq!(answer.status, 400, "{query}: {body}");
        assert_eq!(body["error"]["parameter"], parameter, "{query}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        for word in says {
            assert!(message.contains(word), "{query}: {message}");
        }
        body
    };
    refused(
        format!("filter={}", enc("population >> 5")),
        "filter",
        &["line 1, column", "expected"],
    )
    .await;
    refused(
        format!(
            "filter-lang=cql2-json&filter={}",
            enc(r#"{"op": "=", "args": [1"#)
        ),
        "filter",
        &["JSON", "line 1"],
    )
    .await;
    let unknown = refused(
        format!("filter={}", enc("popul = 5")),
        "filter",
        &["popul", "queryables"],
    )
    .await;
    let supported = unknown["error"]["supported"].as_array().unwrap();
    assert!(supported.iter().any(|s| s == "population") && supported.iter().any(|s| s == "geometry"));
    refused(
        format!("filter={}", enc("population = 'many'")),
        "filter",
        &["population", "integer"],
    )
    .await;
    refused(format!("filter={}", enc("name > 3")), "filter", &["name", "text"]).await;
    refused(
        format!(
            "filter={}",
            enc("T_AFTER(vintage, TIMESTAMP('2020-01-01T00:00:00Z'))")
        ),
        "filter",
        &["not supported"],
    )
    .await;
    refused("filter-lang=ecql&filter=a".into(), "filter-lang", &["cql2-text"]).await;
    refused("sortby=-nope".into(), "sortby", &["nope", "queryables"]).await;
    refused("properties=name,nope".into(), "properties", &["nope"]).await;
    refused(
        format!("filter={}", enc("S_INTERSECTS(geom, POINT(1 2))")),
        "filter",
        &["geom"],
    )
    .await;
    // The downloads refuse alike.
    let answer = get(&format!("/api/layers/pays.gpkg?filter={}", enc("kind = "))).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["error"]["parameter"], "filter");
}

#[tokio::test]
async fn queryables_are_a_typed_json_schema() {
    let answer = get("/ogc/collections/pays/queryables").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/schema+json"));
    let doc = answer.json();
    assert_eq!(doc["type"], "object");
    assert_eq!(doc["properties"]["population"]["type"], "integer");
    assert_eq!(doc["properties"]["area_km2"]["type"], "number");
    assert_eq!(doc["properties"]["kind"]["type"], "string");
    assert_eq!(doc["properties"]["geometry"]["format"], "geometry-multipolygon");
    let collection = get("/ogc/collections/pays").await.json();
    assert!(
        collection["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/queryables")
    );
    assert_eq!(get("/ogc/collections/nope/queryables").await.status, 404);
}

/// The région holding most of the population of each Pays, from the COG and the membership file
/// alone (ties to the lowest code), and every région each touches.
fn pays_regions() -> Vec<(String, String, BTreeSet<String>)> {
    let communes: std::collections::HashMap<String, (String, u64)> = cog_json("communes.json")
        .iter()
        .filter(|c| c["type"] == "commune-actuelle")
        .map(|c| {
            let code = c["code"].as_str().unwrap().to_string();
            (code, (c["region"].as_str().unwrap().to_string(), population(c)))
        })
        .collect();
    let epci_members: std::collections::HashMap<String, Vec<String>> = cog_json("epci.json")
        .iter()
        .map(|e| {
            let members = e["membres"].as_array().unwrap();
            let codes = members.iter().map(|m| m["code"].as_str().unwrap().to_string());
            (e["code"].as_str().unwrap().to_string(), codes.collect())
        })
        .collect();
    territory_rows("territoires/pays-petr.csv")
        .iter()
        .filter_map(|row| {
            let mut members = BTreeSet::new();
            for m in row["members"].split(';').map(str::trim) {
                match epci_members.get(m) {
                    Some(codes) => members.extend(codes.iter().cloned()),
                    None if communes.contains_key(m) => {
                        members.insert(m.to_string());
                    }
                    None => {}
                }
            }
            let mut by_region: std::collections::BTreeMap<String, u64> = Default::default();
            for code in &members {
                let (region, people) = &communes[code];
                *by_region.entry(region.clone()).or_default() += people;
            }
            let most = by_region.values().max()?;
            let main = by_region.iter().find(|(_, p)| *p == most)?.0.clone();
            Some((row["id"].clone(), main, by_region.keys().cloned().collect()))
        })
        .collect()
}

#[tokio::test]
async fn territories_are_placed_in_the_region_of_most_of_their_people() {
    let placed = pays_regions();
    // "The PETR of Occitanie", as a région's GIS team asks it.
    let occitanie: BTreeSet<String> = placed
        .iter()
        .filter(|(_, main, _)| main == "76")
        .map(|(id, _, _)| id.clone())
        .collect();
    assert!(occitanie.len() > 5, "{occitanie:?}");
    assert_eq!(text("pays", "region = '76'").await, occitanie);
    // A Pays across a border is found from either side through `regions`.
    let touching: BTreeSet<String> = placed
        .iter()
        .filter(|(_, _, all)| all.contains("76"))
        .map(|(id, _, _)| id.clone())
        .collect();
    assert_eq!(text("pays", "regions LIKE '%76%'").await, touching);
    assert!(
        placed.iter().any(|(_, _, all)| all.len() > 1),
        "no Pays crosses a régional border: the test proves nothing about `regions`"
    );

    // Every territory layer has them, typed as text, and the file's own `departement` (CRTE) wins.
    for layer in ["pays", "epci", "scot", "crte"] {
        let doc = get(&format!("/ogc/collections/{layer}/queryables")).await.json();
        for key in ["region", "regions", "departement", "departements"] {
            assert_eq!(doc["properties"][key]["type"], "string", "{layer} {key}");
        }
    }
    let crte_rows = territory_rows("overlays/crte-2022.csv");
    let (id, departement) = crte_rows
        .iter()
        .map(|r| (r["id"].clone(), r["departement"].clone()))
        .next()
        .unwrap();
    let item = get(&format!("/ogc/collections/crte/items/{id}")).await.json();
    assert_eq!(item["properties"]["departement"], departement.as_str());
}
