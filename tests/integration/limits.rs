//! Bounded work under abuse, against real servers: batch bodies stream in and out, batches over
//! `--max-batches` wait then get 503, the turn comes back when a batch ends, bodies over the limit
//! are refused or cut off clearly, and `--rate-limit` answers 429.

use crate::common;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;
use territoires_server::{AppState, Limits, router};
use tokio::sync::mpsc;

/// A server with `limits` on an ephemeral port, on its own runtime, with its own state (so its
/// metrics count its requests alone). Peer addresses are provided, as `serve` does.
fn server(limits: Limits) -> String {
    let ix = territoires_core::Indexed::load(&common::data_dir()).expect("run `make data` first");
    let state = Arc::new(AppState::new(ix));
    let (tx, rx) = std::sync::mpsc::channel::<SocketAddr>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            tx.send(listener.local_addr().expect("addr")).expect("send");
            let app = router(state, &limits).into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, app).await
        })
    });
    format!("http://{}", rx.recv().expect("server"))
}

/// The server shared by the tests that need the default limits and a body limit of 256 kB.
fn small_limit_server() -> &'static str {
    static SERVER: OnceLock<String> = OnceLock::new();
    SERVER.get_or_init(|| {
        server(Limits {
            max_body_bytes: 256 * 1024,
            ..Limits::default()
        })
    })
}

/// A request body fed by the test, piece by piece: the request stays open until the sender is dropped.
fn open_body() -> (mpsc::Sender<Bytes>, reqwest::Body) {
    let (tx, rx) = mpsc::channel::<Bytes>(16);
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx).map(Ok::<_, std::io::Error>);
    (tx, reqwest::Body::wrap_stream(stream))
}

/// `body` sent without a length, in pieces of `piece` bytes (cutting rows and JSON tokens anywhere).
fn in_pieces(body: &[u8], piece: usize) -> reqwest::Body {
    let pieces: Vec<Result<Bytes, std::io::Error>> = body
        .chunks(piece)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    reqwest::Body::wrap_stream(futures_util::stream::iter(pieces))
}

async fn post(
    base: &str,
    query: &str,
    content_type: &str,
    accept: &str,
    body: reqwest::Body,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/api/locate{query}"))
        .header("content-type", content_type)
        .header("accept", accept)
        .body(body)
        .send()
        .await
        .expect("request")
}

/// A JSON refusal with `status`, `code` and, for 503 and 429, a `Retry-After` of at least a second.
async fn assert_refused(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status);
    if status == 503 || status == 429 {
        let retry_after: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .expect("Retry-After in seconds");
        assert!(retry_after >= 1, "Retry-After {retry_after}");
    }
    let error: Value = response.json().await.expect("a JSON body");
    assert_eq!(error["error"]["status"], status, "{error}");
    assert_eq!(error["error"]["code"], code, "{error}");
    assert!(error["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    error
}

/// The value of an unlabelled metric.
async fn metric(base: &str, name: &str) -> u64 {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no metric {name} in\n{text}"))
}

/// Waits, generously, until `metric` reads `value`.
async fn await_metric(base: &str, name: &str, value: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while metric(base, name).await != value {
        assert!(Instant::now() < deadline, "{name} never reached {value}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A CSV of `n` points, `ref,lat,lon`, uniform over metropolitan France.
fn points_csv(n: usize, seed: u64) -> (Vec<(f64, f64)>, String) {
    let points = territoires_geo::sample::uniform_points(n, seed, territoires_geo::sample::METROPOLE_BOX);
    let mut body = String::from("ref,lat,lon\n");
    for (i, (lon, lat)) in points.iter().enumerate() {
        body.push_str(&format!("{i},{lat},{lon}\n"));
    }
    (points, body)
}

#[tokio::test]
async fn a_batch_over_the_cap_gets_503_and_the_turn_comes_back() {
    let base = server(Limits {
        max_batches: 1.try_into().unwrap(),
        batch_wait: Duration::from_millis(100),
        ..Limits::default()
    });
    // The first batch sends enough rows for its answer to start, then holds its body open.
    let (points, csv) = points_csv(5_000, 7);
    let (first_body, body) = open_body();
    first_body.send(Bytes::from(csv.clone())).await.unwrap();
    let first = post(&base, "?layers=communes", "text/csv", "text/csv", body).await;
    assert_eq!(first.status(), 200);
    assert_eq!(metric(&base, "territoires_batches_running").await, 1);

    let (_, csv_small) = points_csv(3, 8);
    let second = post(&base, "", "text/csv", "*/*", csv_small.clone().into()).await;
    assert_refused(second, 503, "busy").await;
    assert_eq!(metric(&base, "territoires_batches_busy_total").await, 1);

    // The first batch ends: all its rows come back, then its turn is given back.
    first_body
        .send(Bytes::from_static(b"last,45.7772,3.0870\n"))
        .await
        .unwrap();
    drop(first_body);
    let text = first.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + points.len() + 1);
    assert!(
        lines[lines.len() - 1].starts_with("last,45.7772,3.0870,63113,"),
        "{}",
        lines[lines.len() - 1]
    );
    await_metric(&base, "territoires_batches_running", 0).await;

    let third = post(&base, "", "text/csv", "*/*", csv_small.into()).await;
    assert_eq!(third.status(), 200);
    assert_eq!(third.text().await.unwrap().lines().count(), 4);
}

#[tokio::test]
async fn streamed_csv_rows_match_the_whole_body_and_the_library() {
    let ix = common::indexed();
    let base = small_limit_server();
    let (points, mut csv) = points_csv(2_000, 11);
    csv.push_str("bad,abc,3\n");
    let query = "?layers=communes,pays";
    let whole = post(base, query, "text/csv", "text/csv", csv.clone().into()).await;
    assert_eq!(whole.status(), 200);
    let whole = whole.text().await.unwrap();
    for piece in [1, 7, 4096] {
        let streamed = post(
            base,
            query,
            "text/csv",
            "text/csv",
            in_pieces(csv.as_bytes(), piece),
        )
        .await;
        assert_eq!(streamed.status(), 200);
        assert_eq!(streamed.text().await.unwrap(), whole, "pieces of {piece} bytes");
    }

    let mut reader = csv::Reader::from_reader(whole.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), points.len() + 1);
    let options = territoires_query::LocateOptions::default();
    for (i, record) in records.iter().take(points.len()).enumerate() {
        assert_eq!(&record[0], i.to_string().as_str());
        let (lon, lat) = points[i];
        let location = territoires_query::locate(ix, lon, lat, &options).unwrap();
        for layer in ["communes", "pays"] {
            let l = common::layer(ix, layer);
            let expected: Vec<&str> = location
                .hits_in(l)
                .map(|h| ix.dataset.layers[l].features[h.feature].id.as_str())
                .collect();
            assert_eq!(
                &record[column(&format!("{layer}_id"))],
                expected.join(";"),
                "row {i}"
            );
        }
        assert_eq!(&record[column("error")], "");
    }
    let bad = &records[points.len()];
    assert_eq!(&bad[0], "bad");
    assert!(bad[column("error")].contains("is not a number"), "{bad:?}");
}

#[tokio::test]
async fn streamed_geojson_features_match_the_whole_body_and_the_library() {
    let ix = common::indexed();
    let base = small_limit_server();
    let points = territoires_geo::sample::uniform_points(1_000, 12, territoires_geo::sample::METROPOLE_BOX);
    let mut features: Vec<Value> = points
        .iter()
        .enumerate()
        .map(|(i, (lon, lat))| {
            serde_json::json!({"type": "Feature", "id": format!("f{i}"), "properties": {"n": i, "text": "a, \"b\""},
                "geometry": {"type": "Point", "coordinates": [lon, lat]}})
        })
        .collect();
    features.push(serde_json::json!({"type": "Feature", "properties": {}, "geometry": null}));
    features.push(serde_json::json!("not a feature"));
    // Members around `features`, which the reader skips.
    let body = serde_json::json!({"type": "FeatureCollection", "name": "points", "features": features, "bbox": [0, 0, 1, 1]})
        .to_string();

    let whole = post(
        base,
        "?layers=communes",
        "application/geo+json",
        "*/*",
        body.clone().into(),
    )
    .await;
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["content-type"], "application/geo+json");
    let whole = whole.bytes().await.unwrap();
    for piece in [1, 13, 4096] {
        let streamed = post(
            base,
            "?layers=communes",
            "application/geo+json",
            "*/*",
            in_pieces(body.as_bytes(), piece),
        )
        .await;
        assert_eq!(streamed.bytes().await.unwrap(), whole, "pieces of {piece} bytes");
    }

    let answer: Value = serde_json::from_slice(&whole).unwrap();
    let out = answer["features"].as_array().unwrap();
    assert_eq!(out.len(), features.len());
    let communes = common::layer(ix, "communes");
    let options = territoires_query::LocateOptions::default();
    for (i, (lon, lat)) in points.iter().enumerate() {
        assert_eq!(out[i]["id"], format!("f{i}"));
        assert_eq!(out[i]["properties"]["n"], i);
        assert_eq!(out[i]["properties"]["text"], "a, \"b\"");
        let location = territoires_query::locate(ix, *lon, *lat, &options).unwrap();
        let expected = location
            .hits_in(communes)
            .next()
            .map(|h| Value::from(ix.dataset.layers[communes].features[h.feature].id.as_str()))
            .unwrap_or(Value::Null);
        assert_eq!(out[i]["properties"]["communes_id"], expected, "feature {i}");
    }
    let errors: Vec<&str> = out[points.len()..]
        .iter()
        .map(|f| f["properties"]["error"].as_str().unwrap())
        .collect();
    assert!(
        errors[0].starts_with(&format!("feature {}:", points.len())),
        "{errors:?}"
    );
    assert!(errors[1].contains("not a GeoJSON Feature"), "{errors:?}");
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_or_cut_off_clearly() {
    let base = small_limit_server();
    let (_, csv) = points_csv(20_000, 13);
    assert!(csv.len() > 256 * 1024);

    // A declared length over the limit: 413 before anything is read.
    let declared = post(base, "", "text/csv", "*/*", csv.clone().into()).await;
    let error = assert_refused(declared, 413, "payload_too_large").await;
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--max-body-mb")
    );

    // No length, over the limit before the first row is answered: still a 413.
    let geojson = format!(
        r#"{{"type":"FeatureCollection","name":"{}","features":[]}}"#,
        "x".repeat(300 * 1024)
    );
    let early = post(
        base,
        "",
        "application/geo+json",
        "*/*",
        in_pieces(geojson.as_bytes(), 8192),
    )
    .await;
    assert_refused(early, 413, "payload_too_large").await;

    // No length, over the limit after rows were answered: the rows read come back, then a row that
    // says why, then the transfer is cut so that the answer cannot pass for complete.
    let late = post(
        base,
        "?layers=communes",
        "text/csv",
        "text/csv",
        in_pieces(csv.as_bytes(), 8192),
    )
    .await;
    assert_eq!(late.status(), 200);
    let mut received = Vec::new();
    let mut chunks = late.bytes_stream();
    let mut cut = false;
    while let Some(chunk) = chunks.next().await {
        match chunk {
            Ok(bytes) => received.extend_from_slice(&bytes),
            Err(_) => {
                cut = true;
                break;
            }
        }
    }
    assert!(cut, "the transfer ended cleanly");
    let text = String::from_utf8(received).unwrap();
    let last = text.lines().last().unwrap();
    assert!(
        last.contains("broke off after row") && last.contains("--max-body-mb"),
        "{last}"
    );
    let rows = text.lines().count() - 2;
    assert!(
        last.contains(&format!("after row {rows}:")),
        "{rows} rows before: {last}"
    );
}

#[tokio::test]
async fn a_small_body_found_wrong_after_its_rows_is_refused_not_cut() {
    let base = small_limit_server();
    let feature = r#"{"type":"Feature","id":"a","properties":{},"geometry":{"type":"Point","coordinates":[4.93,46.15]}}"#;
    // Members in any order, as JSON allows: what is wrong is seen only after the features.
    for body in [
        format!(r#"{{"features":[{feature}]}}"#),
        format!(r#"{{"features":[{feature}],"type":"GeometryCollection"}}"#),
        format!(r#"{{"type":"FeatureCollection","features":[{feature}],"#),
    ] {
        for content_type in ["application/geo+json", "application/json"] {
            let response = post(
                base,
                "?layers=pays",
                content_type,
                "*/*",
                in_pieces(body.as_bytes(), 7),
            )
            .await;
            assert_refused(response, 400, "bad_body").await;
        }
    }
    // The same features under a well-formed collection, with its type last, are answered.
    let body = format!(r#"{{"features":[{feature}],"type":"FeatureCollection"}}"#);
    let response = post(base, "?layers=pays", "application/geo+json", "*/*", body.into()).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("a whole GeoJSON answer");
    assert_eq!(answer["features"].as_array().map(Vec::len), Some(1), "{answer}");
    assert_eq!(answer["features"][0]["id"], "a");
    assert!(answer["features"][0]["properties"]["error"].is_null(), "{answer}");
}

/// A `territoires serve` process, stopped when dropped.
struct Serve(std::process::Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `territoires serve` with `args` and gives its address, from its `serving` log line.
fn serve_process(args: &[&str]) -> (Serve, String) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_territoires"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(common::data_dir())
        .args(args)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start territoires serve");
    let stdout = child.stdout.take().expect("stdout");
    let child = Serve(child);
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines.next().expect("a `serving` log line").expect("a log line");
        if let Some(rest) = line.split("addr=").nth(1) {
            break rest.split_whitespace().next().unwrap_or_default().to_string();
        }
    };
    // Keep reading the log, so that the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, format!("http://{addr}"))
}

#[tokio::test]
async fn a_burst_over_the_rate_limit_gets_429() {
    let (_server, base) = serve_process(&["--rate-limit", "2"]);
    let client = reqwest::Client::new();
    let burst = (0..20).map(|_| {
        client
            .get(format!("{base}/api/locate?lat=45.7772&lon=3.0870"))
            .send()
    });
    let answers = futures_util::future::join_all(burst).await;
    let mut limited = 0;
    for answer in answers {
        let answer = answer.expect("request");
        match answer.status() {
            StatusCode::OK => {}
            _ => {
                assert_refused(answer, 429, "rate_limited").await;
                limited += 1;
            }
        }
    }
    assert!(
        limited >= 1,
        "20 requests at once, 2 a second allowed, none refused"
    );
    // Monitoring is never limited.
    for _ in 0..5 {
        assert_eq!(
            client
                .get(format!("{base}/healthz"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    assert_eq!(metric(&base, "territoires_rate_limited_total").await, limited);
}
