//! The FlatGeobuf and GeoPackage downloads, read by a real GIS client: GDAL's `ogrinfo` (Debian's
//! gdal-bin, installed by `make tools`) and GDAL's own GeoPackage validator. Expected counts and
//! columns come from the dataset and from the layer's CSV, never from the code that writes the files.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use territoires_core::dataset::LayerKind;

fn url(path: &str) -> String {
    format!("{}{path}", common::servers().0)
}

/// Where the downloads go: one directory per test binary run.
fn download_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gis_files");
    std::fs::create_dir_all(&dir).expect("download directory");
    dir
}

/// GETs `path`, checks it is a 200 of `content_type`, writes the body to `name` in the download
/// directory, and returns the file and the response headers.
async fn download(path: &str, name: &str, content_type: &str) -> (PathBuf, HeaderMap) {
    let response = reqwest::get(url(path)).await.expect("get");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], content_type, "{path}");
    let body = response.bytes().await.expect("body");
    assert!(!body.is_empty(), "{path}");
    let file = download_dir().join(name);
    std::fs::write(&file, &body).expect("write the download");
    (file, headers)
}

/// Runs `ogrinfo ARGS`, which must succeed and say nothing on stderr: GDAL warns there about anything
/// non-conforming it reads.
fn ogrinfo(args: &[&str]) -> String {
    let output = Command::new("ogrinfo")
        .args(args)
        .output()
        .expect("ogrinfo is missing: `make tools` installs gdal-bin");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "ogrinfo {args:?}: {stderr}\n{stdout}");
    assert!(stderr.trim().is_empty(), "ogrinfo {args:?} warned:\n{stderr}");
    stdout
}

/// The columns the files must have: the CSV's, which `/api/layers/ID.csv` writes without the code
/// under test.
async fn csv_columns(layer: &str) -> Vec<String> {
    let text = reqwest::get(url(&format!("/api/layers/{layer}.csv")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let header = text.lines().next().expect("a CSV header");
    header.split(',').map(str::to_string).collect()
}

/// A file's column names for the CSV's: a name already taken (SQLite ignores case), or taken by the
/// GeoPackage's own `fid` and `geom`, gets the first free `_2`, `_3`, … suffix.
fn file_columns(csv: Vec<String>) -> Vec<String> {
    let mut taken: Vec<String> = vec!["fid".into(), "geom".into()];
    let mut out = Vec::new();
    for name in csv {
        let free = std::iter::once(name.clone())
            .chain((2..).map(|n| format!("{name}_{n}")))
            .find(|n| !taken.iter().any(|t| t.eq_ignore_ascii_case(n)))
            .unwrap();
        taken.push(free.clone());
        out.push(free);
    }
    out
}

/// Features of a layer with a geometry, from the dataset.
fn features_with_geometry(layer: &str) -> usize {
    let data = &common::indexed().dataset;
    let l = data.layer(layer).unwrap_or_else(|| panic!("no layer {layer}"));
    l.indexed_features()
        .filter(|&(f, _)| l.bounds(f).is_some())
        .count()
}

/// Features of the map's GeoJSON at `zoom`: those whose outline survives the generalisation.
async fn geojson_features(layer: &str, zoom: u8) -> usize {
    let doc: Value = reqwest::get(url(&format!("/api/layers/{layer}.geojson?zoom={zoom}")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    doc["features"].as_array().expect("features").len()
}

/// What `ogrinfo -so -al` and `ogrinfo` must say of a file of `layer` with `count` features.
async fn assert_gis_file(file: &Path, layer: &str, count: usize) {
    let path = file.to_str().expect("a UTF-8 path");
    let listing = ogrinfo(&["-ro", path]);
    assert!(
        listing
            .lines()
            .any(|l| l.trim() == format!("1: {layer} (Multi Polygon)")),
        "{path}:\n{listing}"
    );
    let summary = ogrinfo(&["-ro", "-so", "-al", path]);
    for expected in [
        format!("Layer name: {layer}"),
        "Geometry: Multi Polygon".to_string(),
        format!("Feature Count: {count}"),
        r#"ID["EPSG",4326]"#.to_string(),
    ] {
        assert!(
            summary.contains(&expected),
            "{path}: no `{expected}` in\n{summary}"
        );
    }
    let fields: Vec<(&str, &str)> = summary
        .lines()
        .filter_map(|l| l.split_once(": "))
        .filter(|(_, kind)| {
            ["String", "Integer", "Integer64", "Real"]
                .iter()
                .any(|t| kind.starts_with(&format!("{t} (")))
        })
        .collect();
    let names: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, file_columns(csv_columns(layer).await), "{path}");
    let kind_of = |name: &str| fields.iter().find(|(n, _)| *n == name).map(|(_, k)| *k);
    assert!(
        kind_of("id").is_some_and(|k| k.starts_with("String")),
        "{summary}"
    );
    assert!(
        kind_of("name").is_some_and(|k| k.starts_with("String")),
        "{summary}"
    );
    if common::indexed().dataset.layer(layer).unwrap().kind != LayerKind::Polygons {
        assert!(
            kind_of("population").is_some_and(|k| k.starts_with("Integer")),
            "{summary}"
        );
        assert!(
            kind_of("area_km2").is_some_and(|k| k.starts_with("Real")),
            "{summary}"
        );
    }
}

/// GDAL's GeoPackage validator (shipped with gdal-bin's Python bindings) finds nothing to say.
fn assert_valid_geopackage(file: &Path) {
    let output = Command::new("/usr/bin/python3")
        .args(["-m", "osgeo_utils.samples.validate_gpkg"])
        .arg(file)
        .output()
        .expect("Debian's python3 with python3-gdal (a dependency of gdal-bin)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && text.trim().is_empty(),
        "{}:\n{text}",
        file.display()
    );
}

/// The SQLite header's `application_id` and `user_version` (big-endian, at offsets 68 and 60).
fn sqlite_ids(file: &Path) -> (u32, u32) {
    let bytes = std::fs::read(file).unwrap();
    assert!(bytes.starts_with(b"SQLite format 3\0"));
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(68), word(60))
}

#[tokio::test]
async fn full_resolution_files_hold_every_feature_with_the_csv_columns() {
    let polygons = common::indexed()
        .dataset
        .layers
        .iter()
        .find(|l| l.kind == LayerKind::Polygons)
        .map(|l| l.id.clone());
    let layers: Vec<String> = ["pays", "epci"]
        .into_iter()
        .map(str::to_string)
        .chain(polygons)
        .collect();
    for layer in &layers {
        let count = features_with_geometry(layer);
        let (fgb, headers) = download(
            &format!("/api/layers/{layer}.fgb"),
            &format!("{layer}.fgb"),
            "application/flatgeobuf",
        )
        .await;
        assert_eq!(
            headers["content-disposition"],
            format!("attachment; filename=\"{layer}.fgb\"").as_str()
        );
        assert_gis_file(&fgb, layer, count).await;

        let (gpkg, headers) = download(
            &format!("/api/layers/{layer}.gpkg"),
            &format!("{layer}.gpkg"),
            "application/geopackage+sqlite3",
        )
        .await;
        assert_eq!(
            headers["content-disposition"],
            format!("attachment; filename=\"{layer}.gpkg\"").as_str()
        );
        assert_gis_file(&gpkg, layer, count).await;
        assert_valid_geopackage(&gpkg);
        assert_eq!(sqlite_ids(&gpkg), (0x4750_4B47, 10300));
        // The spatial index holds every feature, and GDAL's bbox filter uses it.
        let path = gpkg.to_str().unwrap();
        let indexed = ogrinfo(&[
            "-ro",
            "-q",
            "-sql",
            &format!("SELECT COUNT(*) AS n FROM \"rtree_{layer}_geom\""),
            path,
        ]);
        assert!(indexed.contains(&format!("n (Integer) = {count}")), "{indexed}");
    }
}

#[tokio::test]
async fn the_identifier_and_description_come_from_the_catalogue() {
    let pays = common::indexed().dataset.layer("pays").unwrap();
    let (gpkg, _) = download(
        "/api/layers/pays.gpkg",
        "pays-metadata.gpkg",
        "application/geopackage+sqlite3",
    )
    .await;
    let summary = ogrinfo(&["-ro", "-so", "-al", gpkg.to_str().unwrap()]);
    assert!(
        summary.contains(&format!("IDENTIFIER={}", pays.title)),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("DESCRIPTION={}", pays.description)),
        "{summary}"
    );
    assert!(summary.contains(&pays.source.licence), "{summary}");
}

#[tokio::test]
async fn zoom_files_hold_the_maps_generalised_features() {
    for layer in ["pays", "epci"] {
        let count = geojson_features(layer, 6).await;
        assert!(count > 0);
        for (extension, content_type) in [
            ("fgb", "application/flatgeobuf"),
            ("gpkg", "application/geopackage+sqlite3"),
        ] {
            let (file, headers) = download(
                &format!("/api/layers/{layer}.{extension}?zoom=6"),
                &format!("{layer}-zoom6.{extension}"),
                content_type,
            )
            .await;
            assert_eq!(
                headers["content-disposition"],
                format!("attachment; filename=\"{layer}-zoom6.{extension}\"").as_str()
            );
            assert_gis_file(&file, layer, count).await;
            if extension == "gpkg" {
                assert_valid_geopackage(&file);
            }
            // Generalised for a small map: smaller than the full-resolution file.
            let zoomed = std::fs::metadata(&file).unwrap().len();
            let full = reqwest::get(url(&format!("/api/layers/{layer}.{extension}")))
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .len() as u64;
            assert!(zoomed < full, "{layer}.{extension}: {zoomed} ≥ {full}");
        }
    }
}

#[tokio::test]
async fn files_carry_a_strong_etag_and_answer_304() {
    // Without reqwest's own decoding, to see the encoding the server chose.
    let client = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    for path in ["/api/layers/pays.fgb", "/api/layers/pays.gpkg?zoom=7"] {
        let first = client.get(url(path)).send().await.unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        let etag = first.headers()["etag"].clone();
        assert!(etag.to_str().unwrap().starts_with('"'), "a strong ETag: {etag:?}");
        assert_eq!(first.headers()["cache-control"], "public, max-age=3600");
        let body = first.bytes().await.unwrap();
        let again = client.get(url(path)).send().await.unwrap();
        assert_eq!(again.headers()["etag"], etag);
        assert_eq!(again.bytes().await.unwrap(), body, "the same bytes every time");
        let revalidated = client
            .get(url(path))
            .header("if-none-match", etag.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED, "{path}");
        // Compressed for clients that accept it, the same file once decoded.
        let compressed = client
            .get(url(path))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(compressed.headers()["content-encoding"], "gzip");
        assert_eq!(compressed.headers()["etag"], etag);
        let mut decoded = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&compressed.bytes().await.unwrap()[..]),
            &mut decoded,
        )
        .unwrap();
        assert_eq!(decoded, body);
    }
}

#[tokio::test]
async fn a_bbox_selects_the_features_it_meets() {
    // The communes of a small box, at full resolution: expected from the source geometry's extent.
    let bbox = [2.0, 45.5, 2.3, 45.8];
    let data = &common::indexed().dataset;
    let communes = data.layer("communes").unwrap();
    let expected = communes
        .indexed_features()
        .filter(|&(f, _)| {
            let polygons = communes.polygons(f);
            let points = polygons.0.iter().flat_map(|p| p.exterior().0.iter());
            let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
            for c in points {
                (x0, y0, x1, y1) = (x0.min(c.x), y0.min(c.y), x1.max(c.x), y1.max(c.y));
            }
            x0 <= bbox[2] && x1 >= bbox[0] && y0 <= bbox[3] && y1 >= bbox[1]
        })
        .count();
    assert!(expected > 5, "{expected}");
    let query = format!("bbox={},{},{},{}", bbox[0], bbox[1], bbox[2], bbox[3]);
    for (extension, content_type) in [
        ("fgb", "application/flatgeobuf"),
        ("gpkg", "application/geopackage+sqlite3"),
    ] {
        let (file, _) = download(
            &format!("/api/layers/communes.{extension}?{query}"),
            &format!("communes-bbox.{extension}"),
            content_type,
        )
        .await;
        assert_gis_file(&file, "communes", expected).await;
    }
}

#[tokio::test]
async fn ogc_items_as_flatgeobuf_keep_the_paging() {
    let pays = features_with_geometry("pays");
    let (limit, offset) = (50, 100);
    let (file, headers) = download(
        &format!("/ogc/collections/pays/items?f=fgb&limit={limit}&offset={offset}"),
        "pays-items.fgb",
        "application/flatgeobuf",
    )
    .await;
    assert_gis_file(&file, "pays", limit.min(pays - offset)).await;
    if offset + limit < pays {
        let next = headers["link"].to_str().unwrap();
        assert!(next.contains("rel=\"next\"") && next.contains("f=fgb"), "{next}");
    }

    // A bbox page matches the GeoJSON page's numberMatched.
    let bbox = "2,45,4,46.5";
    let page: Value = reqwest::get(url(&format!("/ogc/collections/pays/items?bbox={bbox}&limit=1")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let matched = page["numberMatched"].as_u64().unwrap() as usize;
    assert!(matched > 1);
    let (file, _) = download(
        &format!("/ogc/collections/pays/items?f=fgb&bbox={bbox}&limit=1000"),
        "pays-items-bbox.fgb",
        "application/flatgeobuf",
    )
    .await;
    assert_gis_file(&file, "pays", matched).await;

    // The collection and the GeoJSON page link to the FlatGeobuf.
    let collection: Value = reqwest::get(url("/ogc/collections/pays"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let links = |doc: &Value, rel: &str| -> Vec<String> {
        doc["links"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["rel"] == rel && l["type"] == "application/flatgeobuf")
            .map(|l| l["href"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        links(&collection, "items")
            .iter()
            .any(|h| h.ends_with("/ogc/collections/pays/items?f=fgb"))
    );
    let alternate = links(&page, "alternate");
    assert!(
        alternate
            .iter()
            .any(|h| h.contains("f=fgb") && h.contains("bbox=")),
        "{alternate:?}"
    );
}

#[tokio::test]
async fn gdal_reads_a_flatgeobuf_over_http_a_bbox_at_a_time() {
    // GDAL's /vsicurl/ fetches the header, the R-tree, then the features of the bbox, by byte ranges.
    let bbox = [2.0, 45.0, 2.5, 45.5];
    let page: Value = reqwest::get(url(&format!(
        "/ogc/collections/epci/items?bbox={},{},{},{}&limit=1",
        bbox[0], bbox[1], bbox[2], bbox[3]
    )))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let matched = page["numberMatched"].as_u64().unwrap() as usize;
    assert!(
        matched > 1 && matched < features_with_geometry("epci"),
        "{matched}"
    );
    let [x0, y0, x1, y1] = bbox.map(|v| v.to_string());
    let remote = format!("/vsicurl/{}", url("/api/layers/epci.fgb"));
    let features = ogrinfo(&[
        "-ro",
        "-al",
        "-q",
        "-spat",
        &x0,
        &y0,
        &x1,
        &y1,
        "-geom=SUMMARY",
        &remote,
    ]);
    assert_eq!(
        features.matches("OGRFeature(epci)").count(),
        matched,
        "{features}"
    );

    let client = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    let whole = client.get(url("/api/layers/epci.fgb")).send().await.unwrap();
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    let etag = whole.headers()["etag"].clone();
    let whole = whole.bytes().await.unwrap();
    let len = whole.len();
    let part = client
        .get(url("/api/layers/epci.fgb"))
        .header("range", "bytes=8-15")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 8-15/{len}").as_str()
    );
    assert!(part.headers().get("content-encoding").is_none());
    assert_eq!(part.bytes().await.unwrap(), whole[8..16]);
    let tail = client
        .get(url("/api/layers/epci.fgb"))
        .header("range", "bytes=-4")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(tail.bytes().await.unwrap(), whole[len - 4..]);
    // A range past the end is a JSON 416; a stale If-Range gets the whole file.
    let past = client
        .get(url("/api/layers/epci.fgb"))
        .header("range", format!("bytes={len}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(past.headers()["content-range"], format!("bytes */{len}").as_str());
    let body: Value = past.json().await.unwrap();
    assert_eq!(body["error"]["status"], 416);
    let stale = client
        .get(url("/api/layers/epci.fgb"))
        .header("range", "bytes=0-3")
        .header("if-range", "\"another\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::OK);
    assert_eq!(stale.headers()["etag"], etag);
    assert_eq!(stale.bytes().await.unwrap().len(), len);
}

#[tokio::test]
async fn bad_requests_get_a_json_4xx() {
    let bad = [
        ("/api/layers/nowhere.fgb", 404, None),
        ("/api/layers/nowhere.gpkg", 404, None),
        ("/api/layers/pays.shp", 404, None),
        ("/api/layers/pays.fgb?zoom=23", 400, Some("zoom")),
        ("/api/layers/pays.gpkg?zoom=-1", 400, Some("zoom")),
        ("/api/layers/pays.gpkg?zoom=six", 400, Some("zoom")),
        ("/api/layers/pays.fgb?bbox=1,2,3", 400, Some("bbox")),
        ("/api/layers/pays.fgb?format=shp", 400, Some("format")),
        ("/ogc/collections/pays/items?f=gpkg", 400, Some("f")),
        ("/ogc/collections/nowhere/items?f=fgb", 404, None),
    ];
    for (path, status, parameter) in bad {
        let response = reqwest::get(url(path)).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("json"),
            "{path}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["status"], status, "{path}");
        if let Some(parameter) = parameter {
            assert_eq!(body["error"]["parameter"], parameter, "{path}: {body}");
        }
    }
    // A HEAD gets the headers of the file without it.
    let head = reqwest::Client::new()
        .head(url("/api/layers/pays.fgb"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(
        head.headers()["content-type"],
        HeaderValue::from_static("application/flatgeobuf")
    );
}
