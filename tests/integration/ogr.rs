//! A real GIS client, GDAL's `ogrinfo` (Debian's gdal-bin, installed by `make tools`), reads the
//! OGC API – Features endpoint.

use crate::common;

use std::process::Command;

fn ogrinfo(args: &[&str]) -> String {
    let output = Command::new("ogrinfo")
        .args(args)
        .output()
        .expect("ogrinfo is missing: `make tools` installs gdal-bin");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "ogrinfo {args:?}: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    text
}

fn dataset() -> String {
    format!("OAPIF:{}/ogc", common::servers().0)
}

#[test]
fn ogrinfo_lists_every_collection() {
    let listing = ogrinfo(&["-ro", "-q", &dataset()]);
    for layer in &common::indexed().dataset.layers {
        assert!(
            listing
                .lines()
                .any(|l| l.contains(&format!(": {} (title: {})", layer.id, layer.title))),
            "{} missing from:\n{listing}",
            layer.id
        );
    }
}

#[test]
fn feature_counts_match_the_catalog() {
    for layer in &common::indexed().dataset.layers {
        let summary = ogrinfo(&["-ro", "-so", &dataset(), &layer.id]);
        assert!(
            summary.contains(&format!("Feature Count: {}", layer.features.len())),
            "{}:\n{summary}",
            layer.id
        );
    }
}

#[test]
fn ogrinfo_reads_pays_within_a_bbox() {
    let (x0, y0, x1, y1) = ("2", "45", "4", "46.5");
    let features = ogrinfo(&[
        "-ro",
        "-spat",
        x0,
        y0,
        x1,
        y1,
        "-geom=SUMMARY",
        &dataset(),
        "pays",
    ]);
    let read = features.matches("OGRFeature(pays)").count();
    assert!(features.contains("PETR Grand Clermont"));
    let expected = get_json(&format!(
        "{}/ogc/collections/pays/items?bbox={x0},{y0},{x1},{y1}&limit=1",
        common::servers().0
    ));
    assert_eq!(read as u64, expected["numberMatched"].as_u64().unwrap());
    let pays_count = common::expected_feature_count(&common::layer_file("pays"));
    assert!(read > 1 && read < pays_count, "{read}");
}

/// GET a JSON document from a plain (non-async) test.
fn get_json(url: &str) -> serde_json::Value {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async { reqwest::get(url).await.expect("get").json().await.expect("json") })
}

/// GDAL 3.6 sends a `-where` it can translate as a CQL text filter (found through the OGC API
/// document's `filter-lang` and the collection's queryables), and counts what the server matched.
#[test]
fn ogrinfo_sends_its_where_as_a_cql2_filter() {
    let output = Command::new("ogrinfo")
        .args([
            "-ro",
            "-so",
            &dataset(),
            "pays",
            "-where",
            "kind = 'PETR' AND population > 50000",
        ])
        .env("CPL_DEBUG", "ON")
        .output()
        .expect("ogrinfo");
    let (text, log) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(output.status.success(), "{log}");
    assert!(
        log.contains("filter=(kind%20%3D%20'PETR')"),
        "GDAL filtered on its side:\n{log}"
    );
    assert!(!log.contains("evaluated on client side"), "{log}");
    let pays = common::indexed().dataset.layer("pays").unwrap();
    let expected = pays
        .features
        .iter()
        .filter(|f| {
            f.population > 50_000
                && f.properties
                    .iter()
                    .any(|(k, v)| k == "kind" && v.to_string() == "PETR")
        })
        .count();
    assert!(expected > 10);
    assert!(text.contains(&format!("Feature Count: {expected}")), "{text}");
}
