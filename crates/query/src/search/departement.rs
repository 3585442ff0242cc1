//! A département written after a place name, to tell homonyms apart: "Saint-Denis 93",
//! "Saint-Denis (Réunion)", "Valence Drôme", "Valence (26)".

use std::collections::HashMap;

use super::text::Words;
use territoires_core::dataset::Division;

/// The longest département name in words ("Terres australes et antarctiques françaises").
const MOST_WORDS: usize = 6;

/// Articles a département name may be written without ("Réunion" for « La Réunion »).
const ARTICLES: [&str; 4] = ["la", "le", "les", "l"];

/// Départements by their code and by their name, compared as search keys are.
pub struct Departements {
    by_key: HashMap<String, u16>,
}

impl Departements {
    pub fn new(list: &[Division]) -> Self {
        let mut by_key = HashMap::new();
        for (i, d) in list.iter().enumerate() {
            let position = i as u16;
            by_key.insert(Words::of(&d.code).compact(), position);
            let name = Words::of(&d.name);
            by_key.insert(name.compact(), position);
            if name.words.len() > 1 && ARTICLES.contains(&name.words[0].as_str()) {
                by_key.insert(name.words[1..].concat(), position);
            }
        }
        Departements { by_key }
    }

    /// When the last words of `typed` name a département and words remain before them: that
    /// département's position in [`territoires_core::dataset::Dataset::departements`], and the words before.
    pub fn split(&self, typed: &Words) -> Option<(u16, Words)> {
        let n = typed.words.len();
        (1..n.min(MOST_WORDS + 1)).rev().find_map(|k| {
            let position = *self.by_key.get(&typed.words[n - k..].concat())?;
            let before = Words {
                words: typed.words[..n - k].to_vec(),
                typos: typed.typos[..n - k].to_vec(),
            };
            Some((position, before))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{Departements, Words};
    use territoires_core::dataset::Division;

    fn departements() -> Departements {
        let d = |code: &str, name: &str| Division {
            code: code.into(),
            name: name.into(),
        };
        Departements::new(&[
            d("26", "Drôme"),
            d("2A", "Corse-du-Sud"),
            d("93", "Seine-Saint-Denis"),
            d("974", "La Réunion"),
        ])
    }

    fn split(query: &str) -> Option<(u16, String)> {
        departements()
            .split(&Words::of(query))
            .map(|(d, before)| (d, before.compact()))
    }

    #[test]
    fn a_code_or_a_name_after_the_place_is_a_departement() {
        assert_eq!(split("Saint-Denis 93"), Some((2, "saintdenis".into())));
        assert_eq!(split("Saint-Denis (93)"), Some((2, "saintdenis".into())));
        assert_eq!(
            split("Saint-Denis Seine-St-Denis"),
            Some((2, "saintdenis".into()))
        );
        assert_eq!(split("Saint-Denis (Réunion)"), Some((3, "saintdenis".into())));
        assert_eq!(split("Saint-Denis La Réunion"), Some((3, "saintdenis".into())));
        assert_eq!(split("Valence (Drôme)"), Some((0, "valence".into())));
        assert_eq!(split("Ajaccio 2a"), Some((1, "ajaccio".into())));
    }

    #[test]
    fn a_departement_alone_or_unknown_is_not_a_qualifier() {
        assert_eq!(split("Drôme"), None);
        assert_eq!(split("Seine-Saint-Denis"), None);
        assert_eq!(split("Valence 27"), None);
        assert_eq!(split("Valence Drô"), None);
    }
}
