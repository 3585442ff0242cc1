//! `territoires import-territories` run as a user runs it: a Windows-1252, `;`-separated list of real
//! associative Pays (tests/fixtures/pays-associatifs.csv), members written as people write them. The
//! expected codes are looked up here in the dataset by their exact names, never written down; then
//! the list merged over the shipped pays-petr.csv is built and served.

use crate::common::{self, path_text as text};

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use territoires_core::Indexed;
use territoires_core::dataset::Dataset;
use territoires_query::{Scope, coverage};

const FIXTURE: &str = "tests/fixtures/pays-associatifs.csv";
const SHIPPED: &str = "territoires/pays-petr.csv";

fn scratch(name: &str) -> PathBuf {
    common::scratch("import_territories", name)
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)
}

/// `territoires import-territories LISTS --out OUT EXTRA…` on the test dataset.
fn import(lists: &[&Path], out: &Path, extra: &[&str]) -> Output {
    let data = common::data_dir();
    Command::new(env!("CARGO_BIN_EXE_territoires"))
        .arg("import-territories")
        .args(lists)
        .args(["--status", "liste-test", "--vintage", "2026-03"])
        .args(["--source", "Liste des Pays associatifs (test)"])
        .args(["--data", text(&data), "--out", text(out)])
        .args(extra)
        .output()
        .expect("run territoires")
}

/// The SIREN of the one EPCI named exactly `name`.
fn epci(data: &Dataset, name: &str) -> String {
    let found: Vec<&str> = data
        .layer("epci")
        .expect("epci layer")
        .features
        .iter()
        .filter(|f| f.name == name)
        .map(|f| f.id.as_str())
        .collect();
    assert_eq!(found.len(), 1, "EPCIs named {name}: {found:?}");
    found[0].to_string()
}

/// The INSEE codes of the communes named exactly `name`, in `departement` if given.
fn communes(data: &Dataset, name: &str, departement: Option<&str>) -> Vec<String> {
    data.communes
        .iter()
        .filter(|c| c.name == name && departement.is_none_or(|d| c.departement == d))
        .map(|c| c.code.to_string())
        .collect()
}

/// What the fixture must give: each territory's id and its members, sorted.
fn expected(data: &Dataset) -> BTreeMap<String, BTreeSet<String>> {
    let saint_marcel = communes(data, "Saint-Marcel", Some("08"));
    assert_eq!(saint_marcel.len(), 1);
    let set = |codes: Vec<String>| codes.into_iter().collect::<BTreeSet<String>>();
    BTreeMap::from([
        (
            "import-pays-du-grand-laonnois".to_string(),
            set(vec![
                epci(data, "CA du Pays de Laon"),
                epci(data, "CC du Pays de la Serre"),
                epci(data, "CC de la Champagne Picarde"),
                epci(data, "CC du Chemin des Dames"),
            ]),
        ),
        (
            "import-pays-du-saint-quentinois".to_string(),
            set(vec![
                epci(data, "CA du Saint-Quentinois"),
                epci(data, "CC du Pays du Vermandois"),
                epci(data, "CC du Val de l'Oise"),
            ]),
        ),
        (
            "import-pays-des-cretes-preardennaises".to_string(),
            set(vec![
                epci(data, "CC des Crêtes Préardennaises"),
                saint_marcel[0].clone(),
            ]),
        ),
    ])
}

fn members_of(rows: &[BTreeMap<String, String>]) -> BTreeMap<String, BTreeSet<String>> {
    rows.iter()
        .map(|r| {
            (
                r["id"].clone(),
                r["members"].split(';').map(String::from).collect(),
            )
        })
        .collect()
}

#[test]
fn a_windows_1252_list_as_people_write_it() {
    let data = &common::indexed().dataset;
    let bytes = std::fs::read(fixture()).expect("the fixture");
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture is Windows-1252, as Excel saves it"
    );
    let dir = scratch("fixture");
    let (out, report) = (dir.join("pays.csv"), dir.join("review.csv"));
    let output = import(&[&fixture()], &out, &["--report", text(&report)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "import-territories failed:\n{stderr}");

    let rows = common::csv_rows(&out);
    assert_eq!(members_of(&rows), expected(data));
    for row in &rows {
        assert_eq!(row["kind"], "Pays (association)", "{row:?}");
        assert_eq!(
            (row["status"].as_str(), row["vintage"].as_str()),
            ("liste-test", "2026-03")
        );
    }
    assert_eq!(
        rows[2]["name"], "Pays des Crêtes préardennaises",
        "decoded from Windows-1252"
    );

    // The review lists every member with how it was read; the misses are named.
    let review = common::csv_rows(&report);
    let line = |member: &str| {
        review
            .iter()
            .find(|r| r["member"] == member)
            .unwrap_or_else(|| panic!("{member} not in the review: {review:?}"))
    };
    let unknown = line("CC des Trois Vallées Imaginaires");
    assert_eq!(
        (unknown["how"].as_str(), unknown["code"].as_str()),
        ("unknown", "")
    );
    assert_eq!(unknown["territory"], "Pays des Crêtes préardennaises");
    let typo = line("CC du Chemin des Dammes");
    assert_eq!(typo["how"], "typo");
    assert_eq!(typo["code"], epci(data, "CC du Chemin des Dames"));
    let castres = line("Castres");
    assert_eq!(castres["how"], "ambiguous");
    let homonyms = communes(data, "Castres", None);
    assert!(homonyms.len() >= 2);
    for code in &homonyms {
        assert!(castres["candidates"].contains(code.as_str()), "{castres:?}");
    }
    assert_eq!(line("Saint-Marcel, Ardennes")["how"], "exact");
    assert_eq!(
        line("communaute de communes de la champagne picarde")["how"],
        "variant"
    );
    // A commune its EPCI brings: found, not written.
    let remaucourt = line("Remaucourt (08)");
    assert_eq!(remaucourt["code"], communes(data, "Remaucourt", Some("08"))[0]);
    assert!(remaucourt["note"].contains("not written"), "{remaucourt:?}");

    // The terminal says the same, and counts it.
    for said in [
        "unknown: ",
        "`CC des Trois Vallées Imaginaires`",
        "ambiguous: ",
        "`Castres`",
        "guessed: ",
        "territory not written: ",
        "Pays de Nulle Part: no member found",
        "3 territories written with 9 members, of 4 read; 1 members ambiguous, 2 unknown",
    ] {
        assert!(stderr.contains(said), "{said} not in:\n{stderr}");
    }
}

#[test]
fn bad_lists_write_nothing_and_say_where() {
    let dir = scratch("bad");
    let out = dir.join("pays.csv");
    let cases = [
        (
            "no-members.csv",
            "Nom;Forme\nPays A;PETR\n",
            "no column for the members",
        ),
        (
            "no-name.csv",
            "Nom;Membres\nPays A;CA du Pays de Laon\n;Laon\n",
            "line 3, column A (`Nom`): no territory name",
        ),
        (
            "bad-siren.csv",
            "Nom;SIREN;Membres\nPays A;20004349;Laon\n",
            "line 2, column B (`SIREN`): `20004349` is neither a SIREN",
        ),
    ];
    for (name, list, message) in cases {
        let path = dir.join(name);
        std::fs::write(&path, list).unwrap();
        let output = import(&[&path], &out, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{name} must be refused");
        assert!(
            stderr.contains(name) && stderr.contains(message),
            "{name}:\n{stderr}"
        );
        assert!(!out.exists(), "{name}: nothing may be written");
    }
    let output = import(&[&dir.join("missing.csv")], &out, &[]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.csv"));
    // No territory with a member found: nothing written.
    let none = dir.join("none.csv");
    std::fs::write(&none, "Nom;Membres\nPays A;Atlantide des Brumes\n").unwrap();
    let output = import(&[&none], &out, &[]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not written"));
    assert!(!out.exists());
}

#[test]
fn merged_over_the_shipped_file_a_build_serves_them_and_coverage_grows() {
    let before = &common::indexed().dataset;
    let dir = scratch("merged");
    let shipped = common::geodata_dir().join(SHIPPED);
    let merged = dir.join("pays-petr.csv");
    let output = import(&[&fixture()], &merged, &["--over", text(&shipped)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "import-territories failed:\n{stderr}");

    // The shipped rows come first, untouched; the list's after them.
    let shipped_rows = common::csv_rows(&shipped);
    let merged_rows = common::csv_rows(&merged);
    let expected = expected(before);
    assert_eq!(merged_rows.len(), shipped_rows.len() + expected.len());
    assert_eq!(merged_rows[..shipped_rows.len()], shipped_rows[..]);
    assert_eq!(members_of(&merged_rows[shipped_rows.len()..]), expected);

    // Built from a copy of the geodata with the merged file in place of the shipped one.
    let out = common::build_with_layer_file(&dir, "pays", &merged);
    let after = Indexed::load(&out).expect("the new dataset loads");
    let after = &after.dataset;

    // Each new territory is a feature of the pays layer, made of its members' communes.
    let pays = after.layer("pays").expect("pays layer");
    let epci_layer = before.layer("epci").expect("epci layer");
    let mut added: BTreeSet<String> = BTreeSet::new();
    for (id, members) in &expected {
        let feature = pays
            .features
            .iter()
            .find(|f| f.id == id.as_str())
            .unwrap_or_else(|| panic!("{id} not in the pays layer"));
        let mut communes: BTreeSet<String> = BTreeSet::new();
        for member in members {
            match epci_layer.features.iter().find(|f| f.id == member.as_str()) {
                Some(epci) => {
                    communes.extend(epci.communes.iter().map(|&c| before.communes[c].code.to_string()))
                }
                None => {
                    communes.insert(member.clone());
                }
            }
        }
        let built: BTreeSet<String> = feature
            .communes
            .iter()
            .map(|&c| after.communes[c].code.to_string())
            .collect();
        assert_eq!(built, communes, "communes of {id}");
        added.extend(communes);
    }

    // The metropolitan population covered grows by that of the added communes no Pays held.
    let old_pays = before.layer("pays").expect("pays layer");
    let growth: u64 = added
        .iter()
        .filter_map(|code| before.commune_by_code(code))
        .filter(|(c, commune)| commune.metropolitan && old_pays.membership.features_of(*c).is_empty())
        .map(|(_, commune)| commune.population)
        .sum();
    assert!(growth > 0, "the fixture's Pays must cover communes no Pays held");
    let covered = |data: &Dataset| {
        coverage(data, "pays", &Scope::Metropole, None)
            .expect("coverage")
            .figures
            .covered_population
    };
    println!(
        "covered population: {} before, {} after (+{growth})",
        covered(before),
        covered(after)
    );
    assert_eq!(covered(after), covered(before) + growth);
}
