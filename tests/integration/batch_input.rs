//! Batch input as people have it, over HTTP (`POST /api/locate`, `GET /api/locate?x=&y=&crs=`) and
//! on the command line (`territoires locate --input`): French spreadsheet exports (Latin-1, `;`,
//! decimal commas, `Latitude;Longitude`), `x,y` columns, Lambert-93 points, tab files, a
//! byte-order mark, column overrides, and the errors when no column fits.
//!
//! Every expectation comes from the library: the points are drawn here, their territories asked of
//! `query::locate`, and Lambert-93 points converted back with `crs::Crs` (itself checked against
//! PROJ in `crs_proj.rs`).

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use territoires_geo::crs::Crs;
use territoires_geo::sample::{METROPOLE_BOX, uniform_points};
use territoires_query::{LocateOptions, locate};

/// x, y or lon, lat.
type Point = (f64, f64);

const LAYERS: [&str; 3] = ["communes", "pays", "epci"];

fn url(path: &str) -> String {
    format!("{}{path}", common::servers().0)
}

/// The ids of each of [`LAYERS`] at a WGS84 point, as the batch writes them.
fn expected_ids(lon: f64, lat: f64) -> Vec<String> {
    let ix = common::indexed();
    let location = locate(ix, lon, lat, &LocateOptions::default()).expect("valid point");
    LAYERS
        .iter()
        .map(|id| {
            let l = common::layer(ix, id);
            let ids: Vec<&str> = location
                .hits_in(l)
                .map(|h| ix.dataset.layers[l].features[h.feature].id.as_str())
                .collect();
            ids.join(";")
        })
        .collect()
}

/// A commune name with accents, different on each row.
fn name(i: usize) -> String {
    [
        "Saint-Étienne",
        "Châlons-en-Champagne",
        "Héricourt",
        "Œuilly",
        "Évry-Courcouronnes",
    ][i % 5]
        .to_string()
        + &format!(" {i}")
}

fn decimal_comma(v: f64) -> String {
    format!("{v:.6}").replace('.', ",")
}

/// A CSV of `header` then one line per point, as `line` writes it from the row number and the point.
fn csv_of(header: &str, points: &[Point], line: impl Fn(usize, f64, f64) -> String) -> String {
    let mut text = format!("{header}\n");
    for (i, &(a, b)) in points.iter().enumerate() {
        text.push_str(&line(i, a, b));
        text.push('\n');
    }
    text
}

/// The same 200 points every time.
fn points() -> Vec<(f64, f64)> {
    uniform_points(200, 7, METROPOLE_BOX)
}

/// A French spreadsheet export: `;`, decimal commas, `Latitude;Longitude`, in Latin-1.
fn french_export(points: &[(f64, f64)]) -> (String, Vec<u8>) {
    let mut text = String::from("Nom;Latitude;Longitude;Commentaire\r\n");
    for (i, (lon, lat)) in points.iter().enumerate() {
        text.push_str(&format!(
            "{};{};{};\"vu; à revoir\"\r\n",
            name(i),
            decimal_comma(*lat),
            decimal_comma(*lon)
        ));
    }
    let latin1 = text
        .chars()
        .map(|c| match c {
            'Œ' => 0x8C, // Windows-1252's own
            c => u8::try_from(u32::from(c)).expect("Latin-1"),
        })
        .collect();
    (text, latin1)
}

/// Checks a CSV answer: the input's columns and values unchanged, then each layer's ids.
fn check_csv_answer(answer: &str, delimiter: u8, input: &str, points: &[(f64, f64)]) {
    let read = |text: &str| {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.expect("record").iter().map(String::from).collect())
            .collect();
        (header, rows)
    };
    let (in_header, in_rows) = read(input);
    let (header, rows) = read(answer);
    assert_eq!(
        header[..in_header.len()],
        in_header[..],
        "input columns first, unchanged"
    );
    assert_eq!(rows.len(), points.len());
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let error = column("error");
    for (i, (row, (lon, lat))) in rows.iter().zip(points).enumerate() {
        assert_eq!(row[..in_header.len()], in_rows[i][..], "row {i} unchanged");
        assert_eq!(row[error], "", "row {i}");
        let ids: Vec<&str> = LAYERS
            .iter()
            .map(|l| row[column(&format!("{l}_id"))].as_str())
            .collect();
        assert_eq!(ids, expected_ids(*lon, *lat), "row {i}");
    }
}

async fn post(query: &str, content_type: Option<&str>, body: Vec<u8>) -> reqwest::Response {
    let mut request =
        reqwest::Client::new().post(url(&format!("/api/locate?layers={}{query}", LAYERS.join(","))));
    if let Some(t) = content_type {
        request = request.header("content-type", t);
    }
    request.body(body).send().await.expect("POST")
}

async fn post_text(query: &str, content_type: Option<&str>, body: Vec<u8>) -> String {
    let response = post(query, content_type, body).await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.expect("body");
    String::from_utf8(bytes.to_vec()).expect("the answer is UTF-8")
}

async fn refused(query: &str, body: &str) -> Value {
    let response = post(query, Some("text/csv"), body.as_bytes().to_vec()).await;
    assert_eq!(response.status(), 400, "{query} {body}");
    response.json().await.expect("JSON error")
}

#[tokio::test]
async fn http_reads_a_latin1_semicolon_file_with_decimal_commas() {
    let points = points();
    let (text, latin1) = french_export(&points);
    for content_type in [None, Some("text/csv")] {
        let answer = post_text("", content_type, latin1.clone()).await;
        assert!(
            answer.starts_with("Nom;Latitude;Longitude;Commentaire;communes_id;"),
            "{answer:.80}"
        );
        assert!(answer.contains("Œuilly 3;"), "Windows-1252 read as such");
        check_csv_answer(&answer, b';', &text, &points);
    }
}

#[tokio::test]
async fn http_reads_x_y_columns_tabs_and_a_byte_order_mark() {
    let points = points();
    // `x,y` in WGS84 degrees.
    let xy = csv_of("id,X,Y", &points, |i, lon, lat| format!("{i},{lon},{lat}"));
    check_csv_answer(
        &post_text("", None, xy.clone().into_bytes()).await,
        b',',
        &xy,
        &points,
    );

    // Tab-separated UTF-8 with a byte-order mark: the answer keeps both.
    let tabs = csv_of("nom\tlongitude\tlatitude", &points, |i, lon, lat| {
        format!("{}\t{lon}\t{lat}", name(i))
    });
    let answer = post_text("", None, [b"\xEF\xBB\xBF", tabs.as_bytes()].concat()).await;
    let answer = answer
        .strip_prefix('\u{feff}')
        .expect("the answer keeps the mark");
    check_csv_answer(answer, b'\t', &tabs, &points);

    // UTF-16 as Excel's « Texte Unicode » writes it.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(tabs.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let answer = post_text("", None, utf16).await;
    check_csv_answer(answer.trim_start_matches('\u{feff}'), b'\t', &tabs, &points);
}

/// `points` in Lambert-93, as `proj4rs` projects them, and where our conversion puts them back.
fn lambert_93(points: &[(f64, f64)]) -> (Vec<Point>, Vec<Point>) {
    let wgs84 = proj4rs::Proj::from_proj_string("+proj=longlat +datum=WGS84 +no_defs").unwrap();
    let l93 = proj4rs::Proj::from_proj_string(crs_definitions::EPSG_2154.proj4).unwrap();
    let crs = Crs::parse("EPSG:2154").unwrap();
    points
        .iter()
        .map(|&(lon, lat)| {
            let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
            proj4rs::transform::transform(&wgs84, &l93, &mut p).unwrap();
            // Rounded to the centimetre, as files hold them.
            let (x, y) = ((p.0 * 100.0).round() / 100.0, (p.1 * 100.0).round() / 100.0);
            let back = crs.to_wgs84(x, y).unwrap();
            assert!((back.x - lon).abs() < 1e-6 && (back.y - lat).abs() < 1e-6);
            ((x, y), (back.x, back.y))
        })
        .unzip()
}

#[tokio::test]
async fn http_reads_lambert_93_points() {
    let (projected, back) = lambert_93(&points());
    let csv = csv_of("ref;X;Y", &projected, |i, x, y| {
        format!("{i};{};{}", decimal_comma(x), decimal_comma(y))
    });
    let answer = post_text("&crs=EPSG:2154", None, csv.clone().into_bytes()).await;
    check_csv_answer(&answer, b';', &csv, &back);

    // The same as GeoJSON, its system named by its own `crs` member (as GDAL writes it).
    let features: Vec<Value> = projected
        .iter()
        .enumerate()
        .map(|(i, (x, y))| {
            serde_json::json!({"type": "Feature", "id": i, "properties": {"ref": i},
                "geometry": {"type": "Point", "coordinates": [x, y]}})
        })
        .collect();
    let collection = serde_json::json!({"type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}},
        "features": features});
    let answer: Value =
        serde_json::from_str(&post_text("", None, collection.to_string().into_bytes()).await).unwrap();
    for (i, f) in answer["features"].as_array().unwrap().iter().enumerate() {
        let ids: Vec<&str> = LAYERS
            .iter()
            .map(|l| f["properties"][format!("{l}_id")].as_str().unwrap_or(""))
            .collect();
        assert_eq!(ids, expected_ids(back[i].0, back[i].1), "feature {i}");
        // Written out in WGS84, as GeoJSON wants (serde_json may read a float one unit off).
        let c = &f["geometry"]["coordinates"];
        let (lon, lat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        assert!(
            (lon - back[i].0).abs() < 1e-12 && (lat - back[i].1).abs() < 1e-12,
            "{c} {:?}",
            back[i]
        );
    }
    // The request and the file disagree: the file says what its own coordinates are.
    let response = post("&crs=EPSG:3857", None, collection.to_string().into_bytes()).await;
    assert_eq!(response.status(), 200);
    let by_member: Value = response.json().await.unwrap();
    assert_eq!(by_member["features"], answer["features"]);
    // A member after coordinates read in another system cannot be honoured: refused, not guessed.
    // (Written by hand: serde_json's maps sort their keys, which would put `crs` first.)
    // A few features, so that nothing is handed over before the member is read (see `limits.rs`).
    let late = format!(
        r#"{{"type":"FeatureCollection","features":{},"crs":{}}}"#,
        Value::from(features[..3].to_vec()),
        collection["crs"]
    );
    let response = post("", None, late.into_bytes()).await;
    assert_eq!(response.status(), 400);

    // Degrees sent as Lambert-93: each row says why it has no answer.
    let answer = post_text("&crs=EPSG:2154", None, b"lat,lon\n45.77,3.08\n".to_vec()).await;
    assert!(
        answer.contains("outside") && answer.contains("bounds"),
        "{answer}"
    );
}

#[tokio::test]
async fn http_get_takes_x_y_and_crs() {
    let (projected, back) = lambert_93(&points()[..20]);
    for ((x, y), (lon, lat)) in projected.iter().zip(&back) {
        let body: Value = reqwest::get(url(&format!(
            "/api/locate?x={x}&y={y}&crs=EPSG:2154&layers={}",
            LAYERS.join(",")
        )))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let ids: Vec<String> = body["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                let ids: Vec<&str> = l["features"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["id"].as_str().unwrap())
                    .collect();
                ids.join(";")
            })
            .collect();
        assert_eq!(ids, expected_ids(*lon, *lat));
    }
    let get = |query: &'static str| async move {
        let response = reqwest::get(url(&format!("/api/locate?{query}"))).await.unwrap();
        (
            response.status().as_u16(),
            response.json::<Value>().await.unwrap(),
        )
    };
    let (status, body) = get("x=3.08&y=45.77").await;
    assert_eq!(status, 200, "x and y alone are WGS84 lon and lat: {body}");
    let (status, body) = get("x=3.08&y=45.77&crs=EPSG:2154").await;
    assert_eq!(
        (status, body["error"]["parameter"].as_str()),
        (400, Some("x")),
        "{body}"
    );
    let (status, body) = get("lat=45.77&lon=3.08&crs=EPSG:2154").await;
    assert_eq!(
        (status, body["error"]["parameter"].as_str()),
        (400, Some("crs")),
        "{body}"
    );
    let (status, body) = get("x=700000&y=6600000&crs=EPSG:27572").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["parameter"], "crs");
    let supported = body["error"]["supported"].as_array().unwrap();
    assert!(
        supported.iter().any(|s| s == "EPSG:2154")
            && supported.len() == territoires_geo::crs::supported().len()
    );
    let (status, _) = get("x=700000&lat=45&y=6600000&crs=EPSG:2154").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn http_column_overrides_and_errors() {
    let points = points();
    let csv = csv_of("site,coord_n,coord_e", &points, |i, lon, lat| {
        format!("{i},{lat},{lon}")
    });
    let error = refused("", &csv).await;
    let message = error["error"]["message"].as_str().unwrap();
    for part in ["`site`", "`coord_n`", "`coord_e`", "lat_col", "lon_col"] {
        assert!(message.contains(part), "{part} in {message}");
    }
    let answer = post_text("&lat_col=COORD_N&lon_col=coord_e", None, csv.clone().into_bytes()).await;
    check_csv_answer(&answer, b',', &csv, &points);

    let error = refused("&lat_col=nope&lon_col=coord_e", &csv).await;
    assert!(error["error"]["message"].as_str().unwrap().contains("`nope`"));
    // Two columns that may both be the latitude.
    let error = refused("", "lat,latitude,lon\n1,2,3\n").await;
    assert!(
        error["error"]["message"].as_str().unwrap().contains("lat_col"),
        "{error}"
    );
    let error = refused("&crs=lambert", "x,y\n1,2\n").await;
    assert_eq!(error["error"]["parameter"], "crs");
}

// ---- the command line ----

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("territoires-batch-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn territoires(args: &[&str]) -> std::process::Output {
    let data = common::data_dir();
    Command::new(env!("CARGO_BIN_EXE_territoires"))
        .args(args)
        .args(["--data", data.to_str().unwrap()])
        .output()
        .expect("run territoires")
}

/// `territoires locate --input INPUT [--output OUTPUT] ARGS…`.
fn locate_file(input: &Path, output: Option<&Path>, args: &[&str]) -> std::process::Output {
    let mut all = vec!["locate", "--input", input.to_str().unwrap()];
    if let Some(output) = output {
        all.extend(["--output", output.to_str().unwrap()]);
    }
    all.extend_from_slice(args);
    territoires(&all)
}

/// The same, which must succeed: its standard error.
fn locate_file_ok(input: &Path, output: &Path, args: &[&str]) -> String {
    let out = locate_file(input, Some(output), args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{} {args:?}: {stderr}", input.display());
    stderr
}

#[test]
fn cli_reads_a_latin1_semicolon_file_and_lambert_93() {
    let points = points();
    let (text, latin1) = french_export(&points);
    let input = scratch("export.csv");
    std::fs::write(&input, latin1).unwrap();
    let output = scratch("export-out.csv");
    let layers = LAYERS.join(",");
    let stderr = locate_file_ok(&input, &output, &["--layers", &layers]);
    assert!(stderr.contains("200 rows"), "{stderr}");
    assert!(!stderr.contains('\r'), "no progress bar in a pipe: {stderr:?}");
    check_csv_answer(&std::fs::read_to_string(&output).unwrap(), b';', &text, &points);

    // Lambert-93 with `--crs`, written to standard output.
    let (projected, back) = lambert_93(&points);
    let csv = csv_of("x;y", &projected, |_, x, y| {
        format!("{};{}", decimal_comma(x), decimal_comma(y))
    });
    let input = scratch("l93.csv");
    std::fs::write(&input, &csv).unwrap();
    let out = locate_file(&input, None, &["--crs", "EPSG:2154", "--layers", &layers]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    check_csv_answer(&String::from_utf8(out.stdout).unwrap(), b';', &csv, &back);

    // One point, as before, and the same point in Lambert-93.
    let (lon, lat) = back[0];
    let one = |point: &[&str]| {
        let out = territoires(&[&["locate", "--json", "--layers", &layers], point].concat());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
        let layers = answer["layers"].as_array().unwrap();
        layers.iter().map(|l| l["features"].clone()).collect::<Vec<_>>()
    };
    let by_degrees = one(&["--lat", &lat.to_string(), "--lon", &lon.to_string()]);
    let (x, y) = (projected[0].0.to_string(), projected[0].1.to_string());
    let by_lambert = one(&["--x", &x, "--y", &y, "--crs", "EPSG:2154"]);
    assert_eq!(by_degrees, by_lambert);
}

#[test]
fn cli_errors_name_the_file_and_the_record() {
    let input = scratch("no-columns.csv");
    std::fs::write(&input, "site;nord;est\na;45,7;3,1\n").unwrap();
    let refused = scratch("refused.csv");
    let out = locate_file(&input, Some(&refused), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    for part in [input.to_str().unwrap(), "`nord`", "--lat-col"] {
        assert!(stderr.contains(part), "{part} in {stderr}");
    }
    assert!(!refused.exists(), "no output left behind");

    let output = scratch("overridden.csv");
    let args = ["--lat-col", "Nord", "--lon-col", "EST", "--layers", "communes"];
    let stderr = locate_file_ok(&input, &output, &args);
    assert!(stderr.contains("1 rows"), "{stderr}");
    let answer = std::fs::read_to_string(&output).unwrap();
    let expected = &expected_ids(3.1, 45.7)[0];
    let first = answer.lines().nth(1).unwrap();
    assert!(first.starts_with(&format!("a;45,7;3,1;{expected};")), "{answer}");

    // A bad row is named on standard error with the file.
    std::fs::write(&input, "lat,lon\n45.7,3.1\nabc,3\n").unwrap();
    let stderr = locate_file_ok(&input, &output, &[]);
    let named = format!("{}: row 2: `lat` is not a number", input.display());
    assert!(stderr.contains(&named), "{stderr}");

    let out = locate_file(&input, None, &["--crs", "EPSG:1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("EPSG:2154"));
}

fn ogrinfo(path: &Path) -> String {
    let out = Command::new("ogrinfo")
        .args(["-ro", "-al", "-so"])
        .arg(path)
        .output()
        .expect("ogrinfo is missing: `make tools` installs gdal-bin");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn cli_writes_geojson_and_flatgeobuf() {
    let points = points();
    let (_, latin1) = french_export(&points);
    let input = scratch("for-gis.csv");
    std::fs::write(&input, latin1).unwrap();
    let layers = LAYERS.join(",");
    let fgb = scratch("out.fgb");
    locate_file_ok(&input, &fgb, &["--layers", &layers]);
    let summary = ogrinfo(&fgb);
    let count = format!("Feature Count: {}", points.len());
    assert!(summary.contains(&count), "{summary}");
    let fields = ["Nom", "Latitude", "communes_id", "pays_name", "error"];
    for field in fields.map(|f| format!("{f}: String")) {
        assert!(summary.contains(&field), "{field} in {summary}");
    }
    let geojson = scratch("out.geojson");
    locate_file_ok(&input, &geojson, &["--layers", &layers]);
    let answer: Value = serde_json::from_str(&std::fs::read_to_string(&geojson).unwrap()).unwrap();
    let features = answer["features"].as_array().unwrap();
    assert_eq!(features.len(), points.len());
    for (i, f) in features.iter().enumerate() {
        assert_eq!(f["properties"]["Nom"], name(i).as_str());
        let ids: Vec<&str> = LAYERS
            .iter()
            .map(|l| f["properties"][format!("{l}_id")].as_str().unwrap_or(""))
            .collect();
        assert_eq!(ids, expected_ids(points[i].0, points[i].1));
    }
    // A row without a point is an empty point, which GDAL reads, with its error.
    let bad = scratch("bad-row.csv");
    std::fs::write(&bad, "nom;lat;lon\nb;abc;3\n").unwrap();
    let fgb = scratch("bad-row.fgb");
    locate_file_ok(&bad, &fgb, &["--layers", "communes"]);
    let out = Command::new("ogrinfo")
        .args(["-ro", "-al", "-q"])
        .arg(&fgb)
        .output()
        .unwrap();
    let (listing, errors) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(errors.is_empty(), "{errors}");
    assert!(
        listing.contains("POINT EMPTY") && listing.contains("is not a number"),
        "{listing}"
    );

    let out = locate_file(&input, Some(&scratch("out.xlsx")), &[]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains(".fgb"));
}
