//! The crates depend on each other only along the data's direction (README, « How the code is laid
//! out »): the compiler refuses a cycle, and this refuses an arrow that is not in the table, such as
//! the server reaching into the build.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each crate and the workspace crates it may depend on (normal dependencies; dev-dependencies may
/// add `territoires-fixtures`).
const ALLOWED: &[(&str, &[&str])] = &[
    ("territoires-geo", &[]),
    ("territoires-core", &["territoires-geo"]),
    ("territoires-query", &["territoires-core", "territoires-geo"]),
    (
        "territoires-formats",
        &["territoires-query", "territoires-core", "territoires-geo"],
    ),
    (
        "territoires-server",
        &[
            "territoires-formats",
            "territoires-query",
            "territoires-core",
            "territoires-geo",
        ],
    ),
    // `import/territories.rs`: a user's list read as the batch reads spreadsheets (formats), its
    // members found in a prepared dataset as the search finds names (query).
    (
        "territoires-build",
        &[
            "territoires-formats",
            "territoires-query",
            "territoires-core",
            "territoires-geo",
        ],
    ),
    ("territoires-fixtures", &["territoires-core", "territoires-geo"]),
];

fn workspace_dependencies(manifest: &Path, table: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let value: toml::Table = toml::from_str(&text).unwrap();
    value
        .get(table)
        .and_then(|t| t.as_table())
        .map(|t| {
            t.keys()
                .filter(|k| k.starts_with("territoires-"))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn each_crate_depends_only_on_the_crates_below_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut seen = BTreeSet::new();
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let manifest = entry.unwrap().path().join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        let package: toml::Table = toml::from_str(&text).unwrap();
        let name = package["package"]["name"].as_str().unwrap().to_string();
        let may: BTreeSet<String> = allowed
            .get(name.as_str())
            .unwrap_or_else(|| panic!("{name} is not in the table of allowed arrows"))
            .iter()
            .map(|s| s.to_string())
            .collect();
        let uses = workspace_dependencies(&manifest, "dependencies");
        let beyond: Vec<_> = uses.difference(&may).collect();
        assert!(
            beyond.is_empty(),
            "{name} depends on {beyond:?}, against the arrows"
        );
        let mut may_test = may.clone();
        may_test.insert("territoires-fixtures".into());
        let dev = workspace_dependencies(&manifest, "dev-dependencies");
        let beyond: Vec<_> = dev.difference(&may_test).collect();
        assert!(
            beyond.is_empty(),
            "{name}'s tests depend on {beyond:?}, against the arrows"
        );
        seen.insert(name);
    }
    let listed: BTreeSet<String> = allowed.keys().map(|s| s.to_string()).collect();
    assert_eq!(
        seen, listed,
        "every crate of crates/ is in the table, and only those"
    );
    // Only the binary may depend on the server and the build.
    let root_deps = workspace_dependencies(&root.join("Cargo.toml"), "dependencies");
    assert!(root_deps.contains("territoires-server") && root_deps.contains("territoires-build"));
}
