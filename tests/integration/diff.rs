//! `territoires diff` between the test dataset and a build of the same geodata where a few rows of
//! pays-petr.csv were changed: it reports those changes and nothing else. What each change should
//! do (an EPCI's communes, who covers what) is looked up here in the datasets, never written down.

use crate::common::{self, path_text as text, territoires};

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use territoires_core::Dataset;

const ADDED_ID: &str = "299999999";
const ADDED_NAME: &str = "Pays d'essai du diff";
const RENAMED_SUFFIX: &str = " (nom changé)";

fn scratch(name: &str) -> PathBuf {
    common::scratch("diff", name)
}

/// Metropolitan communes some feature of `pays` holds, by INSEE code.
fn covered(data: &Dataset) -> BTreeSet<String> {
    let pays = data.layer("pays").expect("pays layer");
    pays.features
        .iter()
        .flat_map(|f| &f.communes)
        .map(|&c| &data.communes[c])
        .filter(|c| c.metropolitan)
        .map(|c| c.code.to_string())
        .collect()
}

/// `[{code, name}]` of the communes of EPCI `siren`, in code order, as the diff lists them.
fn communes_of_epci(data: &Dataset, siren: &str) -> Value {
    let epci = data
        .layer("epci")
        .expect("epci layer")
        .features
        .iter()
        .find(|f| f.id == siren)
        .unwrap_or_else(|| panic!("no EPCI {siren}"));
    let communes: BTreeMap<String, String> = epci
        .communes
        .iter()
        .map(|&c| {
            (
                data.communes[c].code.to_string(),
                data.communes[c].name.to_string(),
            )
        })
        .collect();
    Value::Array(
        communes
            .into_iter()
            .map(|(code, name)| json!({"code": code, "name": name}))
            .collect(),
    )
}

/// The régions of territory `id`'s communes in each dataset that has it, as the diff lists them.
fn regions(datasets: &[&Dataset], id: &str) -> Value {
    let codes: BTreeSet<String> = datasets
        .iter()
        .flat_map(|data| {
            let pays = data.layer("pays").expect("pays layer");
            pays.features
                .iter()
                .filter(|f| f.id == id)
                .flat_map(|f| f.communes.iter().map(|&c| data.communes[c].region.to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(!codes.is_empty(), "territory {id} has communes");
    json!(codes)
}

fn epci_ref(data: &Dataset, siren: &str) -> Value {
    let epci = data
        .layer("epci")
        .unwrap()
        .features
        .iter()
        .find(|f| f.id == siren)
        .unwrap();
    json!([{"code": siren, "name": epci.name.to_string()}])
}

/// The rows of the shipped pays-petr.csv the test changed, in the changed file's words.
struct Edits {
    /// `id`, `name` and `members` of each row.
    rows: Vec<Vec<String>>,
    columns: [usize; 3],
    removed: Vec<String>,
    /// Row positions in `rows`.
    renamed: usize,
    old_name: String,
    grown: usize,
    shrunk: usize,
    /// The uncovered EPCI that made the added territory, the one that joined `grown`, the one that
    /// left `shrunk`.
    added_epci: String,
    joined_epci: String,
    gone_epci: String,
}

/// Writes into `changed` the shipped pays-petr.csv with its first row removed, the next renamed, an
/// uncovered EPCI joining one territory, another's last EPCI leaving, and a territory of one more
/// uncovered EPCI added.
fn write_changed_pays_file(old: &Dataset, changed: &Path) -> Edits {
    let shipped = common::geodata_dir().join(common::layer_file("pays"));
    let mut reader = csv::Reader::from_path(&shipped).expect("pays-petr.csv");
    let headers = reader.headers().expect("header").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (id, name, members) = (column("id"), column("name"), column("members"));
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("row").iter().map(str::to_string).collect())
        .collect();

    // EPCIs no territory holds a commune of, to add.
    let held = covered(old);
    let epci_layer = old.layer("epci").expect("epci layer");
    let uncovered: Vec<String> = epci_layer
        .features
        .iter()
        .filter(|f| {
            !f.communes.is_empty()
                && f.communes
                    .iter()
                    .all(|&c| old.communes[c].metropolitan && !held.contains(old.communes[c].code.as_str()))
        })
        .map(|f| f.id.to_string())
        .take(2)
        .collect();
    assert_eq!(uncovered.len(), 2, "two uncovered EPCIs");
    let is_epci = |code: &str| epci_layer.features.iter().any(|f| f.id == code);
    let only_epcis = |row: &Vec<String>| row[members].split(';').all(is_epci);

    let removed = rows.remove(0);
    let renamed = 0;
    let old_name = rows[renamed][name].clone();
    rows[renamed][name].push_str(RENAMED_SUFFIX);
    let grown = (1..rows.len())
        .find(|&r| only_epcis(&rows[r]))
        .expect("a row of EPCIs");
    rows[grown][members] = format!("{};{}", rows[grown][members], uncovered[1]);
    let shrunk = (grown + 1..rows.len())
        .find(|&r| only_epcis(&rows[r]) && rows[r][members].split(';').count() >= 2)
        .expect("a row of two EPCIs or more");
    let mut shrunk_members: Vec<&str> = rows[shrunk][members].split(';').collect();
    let gone_epci = shrunk_members.pop().unwrap().to_string();
    rows[shrunk][members] = shrunk_members.join(";");
    let mut added = rows[grown].clone();
    added[id] = ADDED_ID.to_string();
    added[name] = ADDED_NAME.to_string();
    added[members] = uncovered[0].clone();
    rows.push(added);

    let mut writer = csv::Writer::from_path(changed).expect("changed csv");
    writer.write_record(&headers).unwrap();
    for row in &rows {
        writer.write_record(row).unwrap();
    }
    writer.flush().unwrap();
    Edits {
        rows,
        columns: [id, name, members],
        removed,
        renamed,
        old_name,
        grown,
        shrunk,
        added_epci: uncovered[0].clone(),
        joined_epci: uncovered[1].clone(),
        gone_epci,
    }
}

#[test]
fn a_build_with_four_rows_changed_reports_exactly_those_changes() {
    let old = &common::indexed().dataset;
    let dir = scratch("changed");
    let changed = dir.join("pays-petr.csv");
    let edits = write_changed_pays_file(old, &changed);
    let Edits {
        rows,
        removed,
        renamed,
        grown,
        shrunk,
        ..
    } = &edits;
    let (renamed, grown, shrunk) = (*renamed, *grown, *shrunk);
    let [id, name, _] = edits.columns;
    let (old_name, gone, uncovered) = (
        &edits.old_name,
        &edits.gone_epci,
        [&edits.added_epci, &edits.joined_epci],
    );
    let out = common::build_with_layer_file(&dir, "pays", &changed);
    let new = Dataset::load(&out).expect("the new dataset loads");

    let output = territoires(&[
        "diff",
        "--from",
        text(&common::data_dir()),
        "--to",
        text(&out),
        "--json",
    ]);
    assert!(
        output.status.success(),
        "diff failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let diff: Value = serde_json::from_slice(&output.stdout).expect("JSON");

    assert_eq!(diff["layer"], "pays");
    let both = [old, &new];
    assert_eq!(
        diff["added"],
        json!([{"id": ADDED_ID, "name": ADDED_NAME, "regions": regions(&[&new], ADDED_ID)}])
    );
    assert_eq!(
        diff["removed"],
        json!([{"id": removed[id], "name": removed[name], "regions": regions(&[old], &removed[id])}])
    );
    let renamed_id = &rows[renamed][id];
    assert_eq!(
        diff["renamed"],
        json!([{
            "id": renamed_id,
            "old_name": old_name,
            "new_name": rows[renamed][name],
            "regions": regions(&both, renamed_id),
        }])
    );
    assert_editions(&diff, &new);
    let mut expected_members = vec![
        (
            rows[grown][id].clone(),
            json!({
                "id": rows[grown][id],
                "name": rows[grown][name],
                "regions": regions(&both, &rows[grown][id]),
                "epci_joined": epci_ref(old, uncovered[1]),
                "epci_left": [],
                "communes_joined": communes_of_epci(old, uncovered[1]),
                "communes_left": [],
            }),
        ),
        (
            rows[shrunk][id].clone(),
            json!({
                "id": rows[shrunk][id],
                "name": rows[shrunk][name],
                "regions": regions(&both, &rows[shrunk][id]),
                "epci_joined": [],
                "epci_left": epci_ref(old, gone),
                "communes_joined": [],
                "communes_left": communes_of_epci(old, gone),
            }),
        ),
    ];
    expected_members.sort_by(|a, b| a.0.cmp(&b.0));
    let expected_members: Vec<Value> = expected_members.into_iter().map(|(_, v)| v).collect();
    assert_eq!(diff["members"], Value::Array(expected_members));

    assert_population_change(&diff, old, &new);
    assert_eq!(
        served_diff(&common::data_dir(), &out),
        diff,
        "GET /api/diff of `serve --previous` says what the command says"
    );
    let communes_moved = communes_of_epci(old, uncovered[1]).as_array().unwrap().len()
        + communes_of_epci(old, gone).as_array().unwrap().len();
    // Added, removed, renamed; two EPCIs moved; their communes.
    assert_csv_rows(&out, 3 + 2 + communes_moved);
}

/// Both sides name their base vintage and the layer's source (the same geodata here).
fn assert_editions(diff: &Value, data: &Dataset) {
    for side in ["from", "to"] {
        assert_eq!(diff[side]["vintage"], json!(data.base.vintage), "{side}");
        assert_eq!(
            diff[side]["source"]["name"],
            json!(data.layer("pays").unwrap().source.name),
            "{side}"
        );
    }
}

/// `GET /api/diff` of a server of `current` given `previous`, without its `vintage` (the command
/// names none); the same server without a previous dataset answers 404.
fn served_diff(previous: &Path, current: &Path) -> Value {
    use std::sync::Arc;
    use territoires_server::{AppState, Limits, StateOptions, router};
    let serve = |previous: Option<Dataset>| {
        let ix = territoires_core::Indexed::load(current).expect("the new dataset");
        let options = StateOptions {
            previous: previous.map(Arc::new),
            ..StateOptions::default()
        };
        router(Arc::new(AppState::with_options(ix, options)), &Limits::default())
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let mut answers = Vec::new();
        for app in [
            serve(Some(Dataset::load(previous).expect("the old dataset"))),
            serve(None),
        ] {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            tokio::spawn(async move { axum::serve(listener, app).await });
            let response = reqwest::get(format!("http://{addr}/api/diff"))
                .await
                .expect("GET");
            let status = response.status().as_u16();
            answers.push((status, response.json::<Value>().await.expect("JSON")));
        }
        let (without_status, without) = answers.pop().expect("two answers");
        assert_eq!(without_status, 404, "{without}");
        assert!(
            without["error"]["message"]
                .as_str()
                .unwrap()
                .contains("--previous"),
            "{without}"
        );
        let (status, mut with) = answers.pop().expect("two answers");
        assert_eq!(status, 200, "{with}");
        with.as_object_mut()
            .expect("an object")
            .remove("vintage")
            .expect("a vintage");
        with
    })
}

/// The covered population moves by that of the communes newly covered less those no longer, in
/// the nation and summed over its régions.
fn assert_population_change(diff: &Value, old: &Dataset, new: &Dataset) {
    let (before, after) = (covered(old), covered(new));
    let population = |data: &Dataset, codes: &mut dyn Iterator<Item = &String>| -> i64 {
        codes
            .map(|code| data.commune_by_code(code).expect("commune").1.population as i64)
            .sum()
    };
    let gained = population(new, &mut after.difference(&before));
    let lost = population(old, &mut before.difference(&after));
    assert!(gained > 0, "the added EPCIs' communes count");
    let national = &diff["coverage"]["national"];
    assert_eq!(national["population_change"], json!(gained - lost));
    assert_eq!(
        national["new"]["covered_population"].as_i64().unwrap()
            - national["old"]["covered_population"].as_i64().unwrap(),
        gained - lost
    );
    let by_region: i64 = diff["coverage"]["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .map(|r| r["population_change"].as_i64().unwrap())
        .sum();
    assert_eq!(by_region, gained - lost, "the régions add up to the nation");
}

/// The CSV says the same as the JSON, one row per change besides the coverage rows.
fn assert_csv_rows(out: &Path, expected: usize) {
    let output = territoires(&[
        "diff",
        "--from",
        text(&common::data_dir()),
        "--to",
        text(out),
        "--csv",
    ]);
    assert!(output.status.success());
    let csv_text = String::from_utf8(output.stdout).expect("UTF-8");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let kinds: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .filter(|kind| kind != "coverage")
        .collect();
    assert_eq!(kinds.len(), expected, "{csv_text}");
}

#[test]
fn a_directory_without_a_dataset_or_a_missing_layer_is_named() {
    let empty = scratch("empty");
    let data = common::data_dir();
    let output = territoires(&["diff", "--from", text(&empty), "--to", text(&data)]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(text(&empty)), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let output = territoires(&[
        "diff",
        "--from",
        text(&data),
        "--to",
        text(&data),
        "--layer",
        "no-such-layer",
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no-such-layer") && stderr.contains(text(&data)),
        "{stderr}"
    );
}
