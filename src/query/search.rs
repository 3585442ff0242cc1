//! Finding places by what people type: a commune's name, postcode or INSEE code; the name or id of a
//! feature of any layer the catalogue marks `searchable` (EPCI, Pays/PETR, SCoT, CRTE).
//!
//! Names are compared folded (no accents, no case, hyphens and apostrophes as spaces), by prefix of the
//! whole name or of any of its words, so "st etienne" does not match but "etienne" and "saint-eti" do.
//! Results are ranked: exact code or name first, then whole-name prefixes, then word prefixes, each by
//! population.

use serde::Serialize;

use crate::dataset::{Dataset, LayerKind};

/// Most results a search returns.
pub const MAX_RESULTS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Match {
    Exact = 0,
    Prefix = 1,
    WordPrefix = 2,
}

/// A searchable key: folded text, the layer and feature it leads to, and whether it is a word inside
/// the name rather than its start.
#[derive(Debug, Clone)]
struct Key {
    text: String,
    layer: u32,
    feature: u32,
    inner_word: bool,
}

/// Search keys sorted by text, for prefix lookups by binary search.
pub struct SearchIndex {
    keys: Vec<Key>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResult {
    /// A layer the catalogue marks `searchable`.
    pub layer: String,
    pub id: String,
    pub name: String,
    pub population: u64,
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: Option<[f64; 4]>,
    /// The territoires de projet holding it (`{id, name}`).
    pub pays: Vec<serde_json::Value>,
    #[serde(skip)]
    pub layer_index: usize,
    #[serde(skip)]
    pub feature: u32,
}

impl SearchIndex {
    pub fn new(data: &Dataset) -> Self {
        let mut keys = Vec::new();
        for (l, layer) in data.layers.iter().enumerate() {
            if !layer.searchable {
                continue;
            }
            for (f, feature) in layer.features.iter().enumerate() {
                let mut push = |text: String, inner_word: bool| {
                    keys.push(Key {
                        text,
                        layer: l as u32,
                        feature: f as u32,
                        inner_word,
                    })
                };
                push(fold(&feature.id), false);
                let name = fold(&feature.name);
                for (i, _) in name.match_indices(' ') {
                    push(name[i + 1..].to_string(), true);
                }
                push(name, false);
                if layer.kind == LayerKind::Communes {
                    for (k, v) in &feature.properties {
                        if k == "postcodes"
                            && let crate::dataset::Value::List(codes) = v
                        {
                            for code in codes {
                                push(code.clone(), false);
                            }
                        }
                    }
                }
            }
        }
        keys.sort_by(|a, b| (&a.text, a.layer, a.feature).cmp(&(&b.text, b.layer, b.feature)));
        keys.dedup_by(|a, b| a.text == b.text && a.layer == b.layer && a.feature == b.feature);
        SearchIndex { keys }
    }

    /// At most `limit` (≤ [`MAX_RESULTS`]) places matching `query`, best first.
    /// `layers`, when given, keeps only results of those layer positions.
    pub fn search(
        &self,
        data: &Dataset,
        query: &str,
        limit: usize,
        layers: Option<&[usize]>,
    ) -> Vec<SearchResult> {
        let q = fold(query);
        if q.is_empty() {
            return Vec::new();
        }
        let start = self.keys.partition_point(|k| k.text.as_str() < q.as_str());
        let mut best: Vec<(Match, u64, u32, u32)> = Vec::new();
        for key in self.keys[start..].iter().take_while(|k| k.text.starts_with(&q)) {
            if layers.is_some_and(|wanted| !wanted.contains(&(key.layer as usize))) {
                continue;
            }
            let kind = if key.text == q && !key.inner_word {
                Match::Exact
            } else if key.inner_word {
                Match::WordPrefix
            } else {
                Match::Prefix
            };
            let population = data.layers[key.layer as usize].features[key.feature as usize].population;
            best.push((kind, population, key.layer, key.feature));
        }
        // Best match kind first, then larger population, then stable order.
        best.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(b.1.cmp(&a.1))
                .then((a.2, a.3).cmp(&(b.2, b.3)))
        });
        let mut seen = std::collections::BTreeSet::new();
        best.into_iter()
            .filter(|&(_, _, l, f)| seen.insert((l, f)))
            .take(limit.min(MAX_RESULTS))
            .map(|(_, population, l, f)| {
                let layer = &data.layers[l as usize];
                let feature = &layer.features[f as usize];
                SearchResult {
                    layer: layer.id.clone(),
                    id: feature.id.clone(),
                    name: feature.name.clone(),
                    population,
                    bbox: bbox(&feature.geometry),
                    pays: super::territory::pays_of(data, l as usize, f),
                    layer_index: l as usize,
                    feature: f,
                }
            })
            .collect()
    }
}

/// `[min_lon, min_lat, max_lon, max_lat]` of a geometry, if it has any coordinate.
pub fn bbox(mp: &geo::MultiPolygon<f64>) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    mp.bounding_rect()
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
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
    use super::fold;

    #[test]
    fn folding_ignores_accents_case_and_punctuation() {
        assert_eq!(fold("L'Abergement-Clémenciat"), "l abergement clemenciat");
        assert_eq!(fold("  ÎLE-D'AIX "), "ile d aix");
        assert_eq!(fold("Œuilly"), "oeuilly");
        assert_eq!(fold("2A004"), "2a004");
    }
}
