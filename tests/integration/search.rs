//! Search as people type: « St » and « Ste », punctuation and accents, typos, a département after the
//! name, and the names of communes that merged into a commune nouvelle. Expected communes come from the
//! dataset and from the pinned COG package, read here with serde_json alone.

use crate::common;

use std::sync::OnceLock;

use serde_json::Value;
use territoires_core::dataset::{Commune, Dataset, Relation};
use territoires_query::search::{MAX_RESULTS, SearchIndex, SearchResult};

fn data() -> &'static Dataset {
    &common::indexed().dataset
}

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| SearchIndex::new(data()))
}

fn search(query: &str) -> Vec<SearchResult> {
    index().search(data(), query, MAX_RESULTS, None)
}

fn first(query: &str) -> SearchResult {
    search(query)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("nothing found for « {query} »"))
}

fn commune(code: &str) -> &'static Commune {
    data()
        .commune_by_code(code)
        .unwrap_or_else(|| panic!("no commune {code}"))
        .1
}

/// Current communes of that name that the map can show (with a geometry), largest first.
fn homonyms(name: &str) -> Vec<&'static Commune> {
    let mut list: Vec<_> = data()
        .communes
        .iter()
        .filter(|c| c.name == name && c.feature.is_some())
        .collect();
    list.sort_by_key(|c| std::cmp::Reverse(c.population));
    list
}

#[test]
fn abbreviations_of_saint_are_written_out() {
    let saint_etienne = first("Saint-Étienne");
    assert_eq!(saint_etienne.layer, "communes");
    assert_eq!(commune(&saint_etienne.id).departement, "42");
    for query in [
        "St-Etienne",
        "st etienne",
        "ST. ÉTIENNE",
        "saint etienne",
        "Saint Étienne",
    ] {
        assert_eq!(first(query).id, saint_etienne.id, "{query}");
    }
    assert_eq!(first("Ste Foy").name, "Sainte-Foy");
    let ids = |q: &str| search(q).into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids("Ste-Foy-lès-Lyon"), ids("Sainte-Foy-lès-Lyon"));
    assert_eq!(first("S. Malo").id, first("Saint-Malo").id);
    // Still being typed, « St » is the start of a name: Strasbourg, Stenay…
    assert!(search("St").iter().all(|r| !r.name.starts_with("Saint")));
}

#[test]
fn spaces_hyphens_apostrophes_and_accents_are_ignored() {
    let lhay = first("L'Haÿ-les-Roses");
    for query in ["L'Haÿ", "lhay", "l hay les roses", "LHAY-LES-ROSES"] {
        assert_eq!(first(query).id, lhay.id, "{query}");
    }
}

#[test]
fn a_typo_still_finds_the_town() {
    let marseille = homonyms("Marseille")[0];
    assert_eq!(first("marseile").id, marseille.code);
    assert_eq!(
        first("Marsielle").id,
        marseille.code,
        "a swap of two letters is one edit"
    );
    let montpellier = homonyms("Montpellier")[0];
    assert_eq!(first("montplelier").id, montpellier.code);
}

#[test]
fn typo_matches_come_after_every_match_as_typed() {
    // « marseil » is the start of some names, and within one edit of others (Mareil-…).
    let results = search("marseil");
    let as_typed = |r: &SearchResult| r.name.to_lowercase().contains("marseil");
    let first_typo = results
        .iter()
        .position(|r| !as_typed(r))
        .expect("some typo matches");
    assert!(first_typo > 0);
    assert!(results[first_typo..].iter().all(|r| !as_typed(r)), "{results:#?}");
}

#[test]
fn short_words_are_never_guessed() {
    // Pau is three letters: a slip in it must not find it, nor anything else by a guess.
    assert_eq!(first("Pau").id, homonyms("Pau")[0].code);
    for query in ["Pqu", "Pua", "Paz"] {
        assert!(search(query).iter().all(|r| r.name != "Pau"), "{query}");
    }
    assert!(search("Pqu").is_empty(), "no name starts with « pqu »");
    // Nor are codes: a postcode one digit off that no commune has finds nothing.
    let postcode = &commune(&first("Pau").id).postcodes[0];
    let taken = |code: &str| {
        data().communes.iter().any(|c| {
            c.code.starts_with(code)
                || c.postcodes.iter().any(|p| p.starts_with(code))
                || c.former.iter().any(|f| f.code.starts_with(code))
        })
    };
    let wrong = (0..postcode.len())
        .flat_map(|i| ('0'..='9').map(move |d| format!("{}{d}{}", &postcode[..i], &postcode[i + 1..])))
        .find(|code| !taken(code))
        .expect("a free postcode one digit from Pau's");
    assert!(search(&wrong).is_empty(), "{wrong}");
}

#[test]
fn a_departement_after_the_name_picks_the_homonym() {
    for name in ["Saint-Denis", "Valence"] {
        let communes = homonyms(name);
        assert!(communes.len() > 1, "{name} has homonyms");
        for c in &communes {
            let departement = data().departement_name(&c.departement).unwrap();
            for query in [
                format!("{name} {}", c.departement),
                format!("{name} ({})", c.departement),
                format!("{name} ({departement})"),
                format!("{name} {departement}"),
            ] {
                assert_eq!(first(&query).id, c.code, "{query}");
            }
        }
    }
    // The examples people gave.
    let code_of = |name: &str| {
        let found = data()
            .departements
            .iter()
            .find(|d| d.name == name || d.name.ends_with(&format!(" {name}")));
        found
            .unwrap_or_else(|| panic!("no département {name}"))
            .code
            .as_str()
    };
    assert_eq!(commune(&first("Saint-Denis 93").id).departement, "93");
    assert_eq!(
        commune(&first("Saint-Denis (Réunion)").id).departement,
        code_of("Réunion")
    );
    assert_eq!(
        commune(&first("Valence (Drôme)").id).departement,
        code_of("Drôme")
    );
    assert_eq!(commune(&first("Valence Drôme").id).departement, code_of("Drôme"));
    // A name that ends with a département's name is still found first by its whole name.
    let sully = first("Sully-sur-Loire");
    assert_eq!(sully.name, "Sully-sur-Loire");
    assert_ne!(commune(&sully.id).departement, code_of("Loire"));
}

/// The communes déléguées and associées of the COG package, with the code of the current commune.
fn cog_attached() -> Vec<(String, String, Relation, String)> {
    common::cog_json("communes.json")
        .iter()
        .filter_map(|c| {
            let relation = match c["type"].as_str()? {
                "commune-deleguee" => Relation::Deleguee,
                "commune-associee" => Relation::Associee,
                _ => return None,
            };
            let text = |key: &str| c[key].as_str().unwrap().to_string();
            Some((text("nom"), text("code"), relation, text("chefLieu")))
        })
        .collect()
}

fn attached_named(name: &str) -> (String, String, Relation, String) {
    cog_attached()
        .into_iter()
        .find(|a| a.0 == name)
        .unwrap_or_else(|| panic!("{name} is no commune déléguée or associée in the COG"))
}

fn assert_leads_to_current(query: &str, former_name: &str) {
    let (name, code, relation, current) = attached_named(former_name);
    let found = first(query);
    assert_eq!(found.id, current, "{query}");
    let matched = found.matched.as_ref().expect("the former commune matched");
    assert_eq!(matched.name.as_deref(), Some(name.as_str()));
    assert_eq!(matched.code, code);
    assert_eq!(matched.relation, relation);
    let what = match relation {
        Relation::Deleguee => "commune déléguée",
        Relation::Associee => "commune associée",
        Relation::Ancienne => unreachable!(),
    };
    assert_eq!(
        found.note.as_deref(),
        Some(format!("{name} : {what} de {}", commune(&current).name).as_str())
    );
}

#[test]
fn former_names_lead_to_the_current_commune() {
    assert_leads_to_current("Vire", "Vire");
    assert_leads_to_current("Cherbourg-Octeville", "Cherbourg-Octeville");
    assert_leads_to_current("cherbourg octeville", "Cherbourg-Octeville");
    assert_leads_to_current("Annecy-le-Vieux", "Annecy-le-Vieux");
    assert_leads_to_current("Cordieux", "Cordieux");
    // The current name itself carries no note.
    let current = first(&commune(&attached_named("Vire").3).name);
    assert!(current.matched.is_none() && current.note.is_none());
}

#[test]
fn every_commune_deleguee_or_associee_is_found_in_its_departement() {
    let (mut considered, mut crowded) = (0, 0);
    for (name, _, relation, current) in cog_attached() {
        let chef_lieu = commune(&current);
        if chef_lieu.feature.is_none() || chef_lieu.name == name {
            continue;
        }
        considered += 1;
        let query = format!("{name} {}", chef_lieu.departement);
        let results = search(&query);
        let hit = results.iter().find(|r| r.id == current);
        // A crowd of homonyms in one département may fill the list; the commune is then not missing.
        if hit.is_none() && results.len() == MAX_RESULTS {
            crowded += 1;
            continue;
        }
        let hit = hit.unwrap_or_else(|| panic!("{query}: {results:#?}"));
        if let Some(matched) = &hit.matched {
            assert_eq!(matched.relation, relation, "{query}");
        }
    }
    assert!(considered > 0, "the COG lists communes déléguées");
    assert!(
        crowded * 100 < considered,
        "{crowded} of {considered} crowded out"
    );
}

#[test]
fn former_codes_lead_to_the_current_commune() {
    let attached = cog_attached();
    // A commune déléguée's own code, other than its commune nouvelle's.
    let (name, code, _, current) = attached
        .iter()
        .find(|a| a.1 != a.3 && commune(&a.3).feature.is_some())
        .expect("a commune déléguée with a code of its own")
        .clone();
    let found = first(&code);
    assert_eq!(found.id, current);
    assert_eq!(
        found.note.as_deref(),
        Some(format!("{name} ({code}) : commune déléguée de {}", commune(&current).name).as_str())
    );
    // A former commune the COG knows by code only.
    let named: std::collections::BTreeSet<&str> = attached.iter().map(|a| a.1.as_str()).collect();
    let cog = common::cog_json("communes.json");
    let (old, current) = cog
        .iter()
        .filter(|c| c["type"] == "commune-actuelle")
        .flat_map(|c| {
            let current = c["code"].as_str().unwrap();
            c["anciensCodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |old: &Value| (old.as_str().unwrap(), current))
        })
        .find(|(old, current)| !named.contains(old) && commune(current).feature.is_some())
        .expect("a former code with no name");
    let found = first(old);
    assert_eq!(found.id, current);
    let matched = found.matched.expect("matched");
    assert_eq!((matched.name, matched.relation), (None, Relation::Ancienne));
    assert_eq!(
        found.note.as_deref(),
        Some(format!("{old} : code d'une ancienne commune de {}", commune(current).name).as_str())
    );
}

#[test]
fn the_dataset_holds_what_the_cog_lists() {
    let attached = cog_attached();
    let kept = attached
        .iter()
        .filter(|(name, code, _, current)| !(code == current && *name == commune(current).name))
        .count();
    let named = data()
        .communes
        .iter()
        .flat_map(|c| &c.former)
        .filter(|f| f.name.is_some())
        .count();
    assert_eq!(named, kept);
}

/// `territoires search ARGS --data DIR`: its exit status, stdout and stderr.
fn cli(args: &[&str]) -> (bool, String, String) {
    let data = common::data_dir();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_territoires"))
        .arg("search")
        .args(args)
        .arg("--data")
        .arg(&data)
        .output()
        .expect("the binary runs");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("UTF-8");
    (output.status.success(), text(output.stdout), text(output.stderr))
}

#[test]
fn the_command_line_answers_as_the_api_does() {
    for query in [
        "Saint-Denis 93",
        "Valence (Drôme)",
        "Vire",
        "Cherbourg-Octeville",
        "St-Etienne",
        "marseile",
    ] {
        let (ok, stdout, stderr) = cli(&[query, "--json"]);
        assert!(ok, "{query}: {stderr}");
        let answer: Value = serde_json::from_str(&stdout).expect("JSON");
        let expected = first(query);
        assert_eq!(answer["results"][0]["id"], expected.id.as_str(), "{query}");
        assert_eq!(
            answer["results"][0]["note"].as_str(),
            expected.note.as_deref(),
            "{query}"
        );
    }
    let (_, _, _, current) = attached_named("Vire");
    let (ok, stdout, _) = cli(&["Vire"]);
    assert!(ok);
    let line = stdout.lines().next().expect("a line");
    assert!(line.contains(&current), "{line}");
    assert!(
        line.contains(&format!("Vire : commune déléguée de {}", commune(&current).name)),
        "{line}"
    );
    // Bad input is said, with what was wrong, and no panic.
    for (args, says) in [
        (&["Vire", "--limit", "0"][..], "--limit"),
        (&["Vire", "--layers", "nowhere"][..], "--layers"),
    ] {
        let (ok, _, stderr) = cli(args);
        assert!(!ok, "{args:?}");
        assert!(
            stderr.contains(says) && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}
