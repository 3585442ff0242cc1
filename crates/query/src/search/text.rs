//! What typed text is compared as: folded (no accents, no case), cut into words with the usual
//! abbreviations of « Saint » written out, then joined without spaces, so that hyphens, apostrophes and
//! spaces never decide a match: "st etienne" is "Saint-Étienne", "lhay" is "L'Haÿ-les-Roses".

/// Most typos a whole query may hold, however many words it has: as for one long word.
pub const MAX_TYPOS: u8 = 2;

/// Abbreviations as written on signs and in addresses.
const ABBREVIATIONS: [(&str, &str); 5] = [
    ("st", "saint"),
    ("ste", "sainte"),
    ("sts", "saints"),
    ("stes", "saintes"),
    ("s", "saint"),
];

/// A text cut into folded words, with what each word may hold of typos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    pub words: Vec<String>,
    /// Edits allowed in each word, from its length as typed (before abbreviations are written out).
    pub typos: Vec<u8>,
}

impl Words {
    /// Cuts `text` into words. A word is read as an abbreviation only where a separator follows it: a last
    /// word still being typed ("St", "Ste", "S") may be the start of Strasbourg, Stenay or Sète.
    pub fn of(text: &str) -> Self {
        let folded = fold(text);
        let ends_with_separator = text.chars().last().is_some_and(|c| !c.is_alphanumeric());
        let count = folded.split(' ').filter(|w| !w.is_empty()).count();
        let mut words = Vec::with_capacity(count);
        let mut typos = Vec::with_capacity(count);
        for (i, word) in folded.split(' ').filter(|w| !w.is_empty()).enumerate() {
            typos.push(typos_allowed(word));
            let separator_follows = i + 1 < count || ends_with_separator;
            let written_out = ABBREVIATIONS
                .iter()
                .find(|(short, _)| separator_follows && *short == word)
                .map_or(word, |(_, full)| full);
            words.push(written_out.to_string());
        }
        Words { words, typos }
    }

    /// The words joined without spaces: what keys and queries are compared as.
    pub fn compact(&self) -> String {
        self.words.concat()
    }

    /// Typos the whole text may hold: the sum of its words' allowances, at most [`MAX_TYPOS`].
    pub fn typo_budget(&self) -> u8 {
        budget(&self.typos)
    }
}

/// The sum of word allowances, at most [`MAX_TYPOS`].
pub fn budget(typos: &[u8]) -> u8 {
    typos.iter().copied().fold(0u8, u8::saturating_add).min(MAX_TYPOS)
}

/// One edit for a word of 4 to 7 letters, two beyond, none for a shorter word or a word with digits
/// (postcodes and INSEE codes are matched as typed, never guessed).
fn typos_allowed(word: &str) -> u8 {
    if !word.chars().all(char::is_alphabetic) {
        return 0;
    }
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Lowercase, accents and ligatures removed, punctuation as single spaces.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let mapped: &str = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'î' | 'ï' | 'í' | 'ì' => "i",
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => "o",
            'ù' | 'û' | 'ü' | 'ú' => "u",
            'ÿ' | 'ý' => "y",
            'ç' => "c",
            'ñ' => "n",
            'œ' => "oe",
            'æ' => "ae",
            c if c.is_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => " ",
        };
        if mapped == " " {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push_str(mapped);
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

#[cfg(test)]
mod tests {
    use super::{Words, fold};

    #[test]
    fn folding_ignores_accents_case_and_punctuation() {
        assert_eq!(fold("L'Abergement-Clémenciat"), "l abergement clemenciat");
        assert_eq!(fold("  ÎLE-D'AIX "), "ile d aix");
        assert_eq!(fold("Œuilly"), "oeuilly");
        assert_eq!(fold("2A004"), "2a004");
    }

    #[test]
    fn spaces_hyphens_and_apostrophes_do_not_count() {
        assert_eq!(Words::of("Saint-Étienne").compact(), "saintetienne");
        assert_eq!(Words::of("saint etienne").compact(), "saintetienne");
        assert_eq!(
            Words::of("L'Haÿ-les-Roses").compact(),
            Words::of("lhay les roses").compact()
        );
    }

    #[test]
    fn abbreviations_are_written_out_only_before_a_separator() {
        assert_eq!(Words::of("St-Etienne").compact(), "saintetienne");
        assert_eq!(Words::of("Ste Foy").compact(), "saintefoy");
        assert_eq!(Words::of("S. Malo").compact(), "saintmalo");
        assert_eq!(Words::of("Sts Geosmes").compact(), "saintsgeosmes");
        assert_eq!(Words::of("St-").compact(), "saint");
        // Still being typed: the start of Strasbourg, Stenay, Sète.
        assert_eq!(Words::of("St").compact(), "st");
        assert_eq!(Words::of("Ste").compact(), "ste");
        assert_eq!(Words::of("S").compact(), "s");
        // Inside a word, never.
        assert_eq!(Words::of("Stenay").compact(), "stenay");
        assert_eq!(
            Words::of("Sainte-Marie-aux-Mines S").compact(),
            "saintemarieauxminess"
        );
    }

    #[test]
    fn typos_allowed_grow_with_word_length_and_never_touch_codes() {
        assert_eq!(Words::of("pau").typo_budget(), 0);
        assert_eq!(Words::of("vire").typo_budget(), 1);
        assert_eq!(Words::of("marseile").typo_budget(), 2);
        assert_eq!(Words::of("63000").typo_budget(), 0);
        assert_eq!(
            Words::of("St Etiene").typo_budget(),
            1,
            "as typed: « St » is two letters"
        );
        assert_eq!(Words::of("sant etiene").typo_budget(), 2);
        assert_eq!(
            Words::of("sant etiene de rouvrai").typo_budget(),
            2,
            "at most two"
        );
    }
}
