//! `territoires import-banatic` run as a user runs it: on the export-layout file of `upstream/`, with
//! the list of Pays syndicats taken from the shipped `pays-petr.csv`, it must give back exactly that
//! file's BANATIC rows. The expectations come from the data files, never from counts written here.

use crate::common::{self, path_text as text, territoires};

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const UPSTREAM: &str = "upstream/banatic-perimetres-syndicats-petr-pays-2026-01.csv";
const SHIPPED: &str = "territoires/pays-petr.csv";
const STATUS: &str = "banatic-2026";

fn scratch(name: &str) -> PathBuf {
    common::scratch("import_banatic", name)
}

/// Header and records of a CSV, as strings.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("record").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn reproduces_the_shipped_banatic_rows() {
    let geodata = common::geodata_dir();
    let (header, shipped) = read_csv(&geodata.join(SHIPPED));
    let (id, kind, status, vintage, source, members) = (
        column(&header, "id"),
        column(&header, "kind"),
        column(&header, "status"),
        column(&header, "vintage"),
        column(&header, "source"),
        column(&header, "members"),
    );
    let expected: Vec<Vec<String>> = shipped.into_iter().filter(|r| r[status] == STATUS).collect();
    assert!(!expected.is_empty(), "no {STATUS} row in {SHIPPED}");
    let one = |col: usize| -> String {
        let values: BTreeSet<&str> = expected.iter().map(|r| r[col].as_str()).collect();
        assert_eq!(
            values.len(),
            1,
            "the {STATUS} rows disagree on column {}",
            header[col]
        );
        values.into_iter().next().unwrap_or_default().to_string()
    };
    let (vintage, source) = (one(vintage), one(source));

    let dir = scratch("shipped");
    let also = dir.join("pays-syndicats.txt");
    let mut list = String::from("# syndicats and pôles that are Pays, from the shipped file\n\n");
    for r in expected.iter().filter(|r| r[kind] != "PETR") {
        list.push_str(&format!("{}  # {}\n", r[id], r[column(&header, "name")]));
    }
    std::fs::write(&also, list).expect("write list");
    let out = dir.join("pays-petr.csv");

    let cache = common::cache_dir();
    let output = territoires(&[
        "import-banatic",
        text(&geodata.join(UPSTREAM)),
        "--also-siren",
        text(&also),
        "--status",
        STATUS,
        "--vintage",
        &vintage,
        "--source",
        &source,
        "--cache",
        text(&cache),
        "--out",
        text(&out),
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "import-banatic failed:\n{stderr}");

    let (out_header, written) = read_csv(&out);
    assert_eq!(out_header, header);
    let ids = |rows: &[Vec<String>]| rows.iter().map(|r| r[id].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&written), ids(&expected), "rows or row order differ");
    let member_sets = |rows: &[Vec<String>]| -> BTreeMap<String, BTreeSet<String>> {
        rows.iter()
            .map(|r| (r[id].clone(), r[members].split(';').map(String::from).collect()))
            .collect()
    };
    assert_eq!(member_sets(&written), member_sets(&expected));
    for (w, e) in written.iter().zip(&expected) {
        assert_eq!(w, e, "row {} differs", e[id]);
    }

    // The conflict the shipped file resolved by hand is reported, with its winner.
    let line = stderr
        .lines()
        .find(|l| l.starts_with("conflict: 200069300"))
        .unwrap_or_else(|| panic!("no conflict on 200069300 reported:\n{stderr}"));
    assert!(
        line.contains("200050243") && line.contains("200052249") && line.ends_with("kept by 200050243"),
        "{line}"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let conflict = report["conflicts"]
        .as_array()
        .expect("conflicts")
        .iter()
        .find(|c| c["member"] == "200069300")
        .expect("conflict 200069300 in the JSON report");
    assert_eq!(conflict["winner"], "200050243");
    assert_eq!(report["written"], expected.len());
    assert!(
        stderr
            .trim_end()
            .lines()
            .last()
            .unwrap_or_default()
            .contains("structures written"),
        "no summary line:\n{stderr}"
    );
}

/// Listing every syndicat of the export, not only the shipped ones, must still give the shipped rows:
/// the extra syndicats are dropped by the conflict rule itself, and reported.
#[test]
fn every_syndicat_of_the_export_listed_still_gives_the_shipped_rows() {
    let geodata = common::geodata_dir();
    let (header, shipped) = read_csv(&geodata.join(SHIPPED));
    let (id, status) = (column(&header, "id"), column(&header, "status"));
    let expected: Vec<Vec<String>> = shipped.into_iter().filter(|r| r[status] == STATUS).collect();
    let shipped_ids: BTreeSet<&str> = expected.iter().map(|r| r[id].as_str()).collect();
    let (up_header, upstream) = read_csv(&geodata.join(UPSTREAM));
    let (siren, nature) = (
        column(&up_header, "siren"),
        column(&up_header, "nature_juridique"),
    );
    let syndicats: BTreeSet<&str> = upstream
        .iter()
        .filter(|r| r[nature] != "PETR")
        .map(|r| r[siren].as_str())
        .collect();
    let left_out: BTreeSet<&str> = upstream
        .iter()
        .map(|r| r[siren].as_str())
        .filter(|s| !shipped_ids.contains(s))
        .collect();

    let dir = scratch("all-syndicats");
    let also = dir.join("syndicats.txt");
    std::fs::write(
        &also,
        syndicats.iter().map(|s| format!("{s}\n")).collect::<String>(),
    )
    .expect("list");
    let out = dir.join("pays-petr.csv");
    let vintage = &expected[0][column(&header, "vintage")];
    let source = &expected[0][column(&header, "source")];
    let output = territoires(&[
        "import-banatic",
        text(&geodata.join(UPSTREAM)),
        "--also-siren",
        text(&also),
        "--status",
        STATUS,
        "--vintage",
        vintage,
        "--source",
        source,
        "--cache",
        text(&common::cache_dir()),
        "--out",
        text(&out),
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "import-banatic failed:\n{stderr}");
    let (_, written) = read_csv(&out);
    assert_eq!(written, expected);

    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let dropped: BTreeSet<&str> = report["dropped_structures"]
        .as_array()
        .expect("dropped_structures")
        .iter()
        .map(|d| d["siren"].as_str().expect("siren"))
        .collect();
    assert_eq!(dropped, left_out);
    for s in &left_out {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&format!("dropped structure: {s} ")) && l.contains("more than half")),
            "{s} not reported as dropped by the conflict rule:\n{stderr}"
        );
    }
}

#[test]
fn a_malformed_export_names_its_line_and_leaves_the_output_alone() {
    let dir = scratch("malformed");
    let export = dir.join("export.csv");
    // Line 4 has an 8-character SIREN; `;`-separated like the Ministry's own exports.
    std::fs::write(
        &export,
        "dept;siren;raison_sociale;nature_juridique;mode_financ;arret_competences;siren_membre;nom_membre;type_membre\n\
         01;200000001;PETR A;PETR;;;200000002;CC B;Groupement\n\
         01;200000001;PETR A;PETR;;;200000003;CC C;Groupement\n\
         01;20000001;PETR D;PETR;;;200000004;CC E;Groupement\n\
         01;200000005;PETR F;PETR;;;200000006;CC G;Groupement\n",
    )
    .expect("write export");
    let out = dir.join("pays-petr.csv");
    std::fs::write(&out, "a file that must survive\n").expect("write out");

    let output = territoires(&[
        "import-banatic",
        text(&export),
        "--vintage",
        "2026-01",
        "--source",
        "a test export",
        "--cache",
        text(&common::cache_dir()),
        "--out",
        text(&out),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "a malformed export was accepted:\n{stderr}"
    );
    assert!(
        stderr.contains(&format!("{}: line 4:", export.display())),
        "the error does not name the file and line 4:\n{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&out).expect("read out"),
        "a file that must survive\n"
    );
    let left: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
    assert_eq!(left.len(), 2, "a temporary file was left behind");
}

#[test]
fn a_malformed_siren_list_names_its_line() {
    let dir = scratch("bad-list");
    let also = dir.join("pays-syndicats.txt");
    std::fs::write(&also, "# Pays\n200001642\n2000016\n").expect("write list");
    let out = dir.join("pays-petr.csv");
    let output = territoires(&[
        "import-banatic",
        text(&common::geodata_dir().join(UPSTREAM)),
        "--also-siren",
        text(&also),
        "--vintage",
        "2026-01",
        "--source",
        "a test export",
        "--cache",
        text(&common::cache_dir()),
        "--out",
        text(&out),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains(&format!("{}: line 3:", also.display())),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn vintage_and_source_are_required() {
    let output = territoires(&["import-banatic", "export.csv", "--out", "x.csv"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--vintage") && stderr.contains("--source"),
        "{stderr}"
    );
}
