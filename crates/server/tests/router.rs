//! The router called in process on the tiny fixture dataset (axum's `examples/testing`): no data
//! build, no socket. Snapshots pin shapes only; figures are redacted or computed from the fixture.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value as Json;
use territoires_core::Indexed;
use territoires_fixtures::{commune_centre, epci_siren, tiny_dataset};
use territoires_server::{Admission, AppState, Limits, router, served};
use tower::ServiceExt;

fn app() -> Router {
    router(
        Arc::new(AppState::new(Indexed::new(tiny_dataset()))),
        &Limits::default(),
    )
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Json {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

async fn send(request: Request<Body>) -> Answer {
    let response = app().oneshot(request).await.expect("answered");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body")
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(uri: &str) -> Answer {
    send(Request::get(uri).body(Body::empty()).expect("request")).await
}

#[tokio::test]
async fn locate_answers_the_commune_epci_and_pays_of_a_point() {
    let (lon, lat) = commune_centre(1, 2);
    let answer = get(&format!("/api/locate?lat={lat}&lon={lon}")).await;
    assert_eq!(answer.status, StatusCode::OK);
    let body = answer.json();
    let ids = |layer: &str| -> Vec<String> {
        body["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .find(|l| l["layer"] == layer)
            .map(|l| {
                l["features"]
                    .as_array()
                    .expect("features")
                    .iter()
                    .map(|f| f["id"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(ids("epci"), [epci_siren(1)]);
    assert_eq!(ids("pays"), ["200000100"]);
    assert_eq!(body["vintage"], "COG test");
}

#[tokio::test]
async fn the_catalogue_lists_the_fixture_layers_in_order() {
    let answer = get("/api/layers").await;
    assert_eq!(answer.status, StatusCode::OK);
    let body = answer.json();
    let ids: Vec<&str> = body["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .filter_map(|l| l["id"].as_str())
        .collect();
    let expected: Vec<String> = tiny_dataset().layers.iter().map(|l| l.id.clone()).collect();
    assert_eq!(ids, expected);
    insta::assert_json_snapshot!("catalogue_entry", body["layers"][4], {
        ".features" => "[count]",
        ".bbox" => "[bbox]",
    });
}

#[tokio::test]
async fn errors_carry_a_code_a_parameter_and_details() {
    let cases = [
        ("/api/territories/pays/nope", StatusCode::NOT_FOUND),
        ("/api/territories/nope/1", StatusCode::NOT_FOUND),
        ("/api/layers/nope.geojson", StatusCode::NOT_FOUND),
        ("/api/locate?lat=91&lon=2", StatusCode::BAD_REQUEST),
        ("/api/locate?lat=45&lon=2&x=1", StatusCode::BAD_REQUEST),
        ("/api/locate?lat=45&lon=2&colour=red", StatusCode::BAD_REQUEST),
        ("/api/search?q=commune&layers=regions", StatusCode::BAD_REQUEST),
        ("/api/layers/pays.geojson?zoom=23", StatusCode::BAD_REQUEST),
        ("/api/simulate?epci=999999999", StatusCode::BAD_REQUEST),
    ];
    let mut bodies = Vec::new();
    for (uri, status) in cases {
        let answer = get(uri).await;
        assert_eq!(answer.status, status, "{uri}");
        bodies.push((uri, answer.json()));
    }
    insta::assert_json_snapshot!("error_bodies", bodies);
}

#[tokio::test]
async fn kept_layers_revalidate_weakly_and_honour_a_refused_encoding() {
    let first = get("/api/layers/pays.geojson").await;
    assert_eq!(first.status, StatusCode::OK);
    let etag = first
        .headers
        .get(header::ETAG)
        .expect("an ETag")
        .to_str()
        .expect("ascii")
        .to_string();
    for tag in [etag.clone(), format!("W/{etag}")] {
        let request = Request::get("/api/layers/pays.geojson")
            .header(header::IF_NONE_MATCH, &tag)
            .body(Body::empty())
            .expect("request");
        assert_eq!(send(request).await.status, StatusCode::NOT_MODIFIED, "{tag}");
    }
    let refused = Request::get("/api/layers/pays.geojson")
        .header(header::ACCEPT_ENCODING, "gzip;q=0")
        .body(Body::empty())
        .expect("request");
    let answer = send(refused).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(answer.body, first.body);
}

#[tokio::test]
async fn the_served_document_is_openapi_3_0_with_every_fact_filled() {
    let answer = get("/api/openapi.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    let doc = answer.json();
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.0")),
        "QGIS and OGC oas30 need 3.0"
    );
    let text = doc.to_string();
    assert!(!text.contains("x-territoires-fact"), "a fact left unfilled");
    // The fixture's layers, as the enum the answers and paths refer to.
    let layers = doc["components"]["schemas"]["LayerId"]["enum"].clone();
    assert_eq!(
        layers,
        serde_json::json!(["communes", "epci", "departements", "regions", "pays", "contrats"])
    );
    // Examples reach real features: the pays layer's example id is its first feature's.
    let territory = &doc["paths"]["/api/territories/{layer}/{id}"]["get"]["parameters"][1];
    assert_eq!(territory["examples"]["pays"]["value"], "200000100");
}

/// The whole contract without the data: the paths of the route table and the components generated
/// from the answer types. A change to either shows here as a diff to review.
#[test]
fn the_openapi_skeleton_is_the_reviewed_contract() {
    let skeleton = territoires_server::openapi::skeleton("http://127.0.0.1:8080");
    insta::assert_json_snapshot!("openapi_skeleton", skeleton);
}

#[tokio::test]
async fn the_simulator_body_is_read_as_its_schema_says() {
    let epci = epci_siren(0);
    let post = |body: String| {
        send(
            Request::post("/api/simulate")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .expect("request"),
        )
    };
    for ok in [
        format!(r#"["{epci}"]"#),
        format!(r#"{{"epci": ["{epci}"], "replaces": null, "zoom": 4}}"#),
        format!(r#"{{"epci": ["{epci}"]}}"#),
    ] {
        let answer = post(ok.clone()).await;
        assert_eq!(answer.status, StatusCode::OK, "{ok}");
        assert_eq!(answer.json()["epci"][0]["siren"], epci.as_str(), "{ok}");
    }
    for (refused, says) in [
        (format!(r#"{{"epci": ["{epci}"], "zoom": null}}"#), "null"),
        (format!(r#"{{"epci": ["{epci}"], "zoom": 99}}"#), "zoom"),
        (format!(r#"{{"epci": ["{epci}"], "extra": 1}}"#), "extra"),
        (r#"{"zoom": 4}"#.to_string(), "epci"),
        ("[1]".to_string(), "string"),
        ("3".to_string(), "list"),
    ] {
        let answer = post(refused.clone()).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{refused}");
        let error = &answer.json()["error"];
        assert_eq!(error["parameter"], "body", "{refused}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{refused}: {message}");
    }
}

/// The accept loop answers `GET /api/locate` without the router (`Served::answer_directly`): its
/// answer must be the router's, status, every header and every byte, errors included, and be
/// counted under the route's pattern as a routed one is.
#[tokio::test]
async fn the_direct_point_lookup_answers_as_the_router_does() {
    let state = Arc::new(AppState::new(Indexed::new(tiny_dataset())));
    let admission = Admission::new(&Limits::default(), state.metrics.clone());
    let served = served(state.clone(), &admission, None);
    let (lon, lat) = commune_centre(1, 2);
    let uris = [
        format!("/api/locate?lat={lat}&lon={lon}"),
        format!("/api/locate?lon={lon}&lat={lat}&layers=epci,communes"),
        format!("/api/locate?lat={lat}&lon={}&tolerance_m=50000", lon + 0.5),
        format!("/api/locate?x={lon}&y={lat}&crs=EPSG:4326"),
        "/api/locate?lat=0&lon=0".to_string(),
        "/api/locate?lat=95&lon=2".to_string(),
        "/api/locate?lat=45".to_string(),
        "/api/locate?lat=45&lat=46&lon=2".to_string(),
        "/api/locate?lat=45&lon=2&layers=nowhere".to_string(),
        "/api/locate?lat=45&lon=2&colour=red".to_string(),
        "/api/locate?lat=4%35&lon=2".to_string(),
    ];
    for uri in &uris {
        let request = || Request::get(uri.as_str()).body(Body::empty()).expect("request");
        let direct = served.answer_directly(&request()).expect("answered directly");
        let routed = served.router.clone().oneshot(request()).await.expect("routed");
        assert_eq!(direct.status(), routed.status(), "{uri}");
        // The router writes the length it knows; hyper writes it for the direct answer, whose
        // body's length is as known.
        let mut routed_headers = routed.headers().clone();
        let length = routed_headers.remove(header::CONTENT_LENGTH).expect("a length");
        assert_eq!(direct.headers(), &routed_headers, "{uri}");
        assert_eq!(
            axum::body::HttpBody::size_hint(direct.body()).exact(),
            Some(length.to_str().expect("ASCII").parse().expect("a number")),
            "{uri}"
        );
        let body =
            |response: axum::response::Response| axum::body::to_bytes(response.into_body(), usize::MAX);
        let (direct, routed) = (
            body(direct).await.expect("body"),
            body(routed).await.expect("body"),
        );
        assert!(!direct.is_empty(), "{uri}");
        assert_eq!(direct, routed, "{uri}");
    }
    let metrics = state.metrics.render(&state.bodies.size(&state.ix));
    let counted: u64 = metrics
        .lines()
        .filter(|l| l.starts_with("territoires_requests_total{route=\"/api/locate\",method=\"GET\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    assert_eq!(counted, 2 * uris.len() as u64, "{metrics}");

    // Everything else goes through the router.
    for request in [
        Request::head(uris[0].as_str()),
        Request::post("/api/locate"),
        Request::options("/api/locate"),
        Request::get("/api/locate/"),
        Request::get("/api/layers"),
    ] {
        let request = request.body(Body::empty()).expect("request");
        assert!(
            served.answer_directly(&request).is_none(),
            "{} {}",
            request.method(),
            request.uri()
        );
    }
    // With a rate limit, every request is counted against it by the router.
    let limited = Limits {
        rate_limit: std::num::NonZeroU32::new(10),
        ..Limits::default()
    };
    let served = territoires_server::served(
        state.clone(),
        &Admission::new(&limited, state.metrics.clone()),
        None,
    );
    let request = Request::get(uris[0].as_str())
        .body(Body::empty())
        .expect("request");
    assert!(served.answer_directly(&request).is_none());
}
