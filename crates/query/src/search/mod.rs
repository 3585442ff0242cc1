//! Finding places by what people type: a commune's name, postcode or INSEE code, or a name or code it
//! had before it merged into a commune nouvelle; the name or id of a feature of any layer the catalogue
//! marks `searchable` (EPCI, Pays/PETR, SCoT, CRTE).
//!
//! Names are compared as [`text`] folds them: no accents, case, spaces, hyphens or apostrophes, and
//! « St », « Ste », « S. » written out. A query matches a name, or any of its words to the end
//! ("etienne" finds Saint-Étienne), by prefix; failing enough of those, a whole name within a few typos
//! ([`typos`]).
//! A département after the name ("Saint-Denis 93", "Valence (Drôme)") narrows homonyms ([`departement`]).
//!
//! Ranking, each class by population: the exact name or code; exact, then prefix, then word matches in
//! the département named; prefix, then word matches anywhere. Then the typo matches: fewest edits first,
//! then in the same classes (a whole name before the start of one), then by population.

pub(crate) mod departement;
mod keys;
pub mod text;
pub(crate) mod typos;

use serde::Serialize;

use self::departement::Departements;
use self::keys::SortedKeys;
use self::text::Words;
pub use self::text::fold;
use self::typos::Trie;
use territoires_core::dataset::{Dataset, FeatureIx, FormerCommune, LayerIx, LayerKind, Relation};

/// Most results a search returns.
pub const MAX_RESULTS: usize = 20;

/// Longest query, in folded bytes, that typos are looked for in: twice the longest commune name. Past
/// that it is no name mistyped.
const LONGEST_GUESSED: usize = 100;

/// What a key is of its feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum KeyKind {
    /// Its id, INSEE code or a postcode.
    Code,
    /// Its whole name.
    Name,
    /// Its name from a word after the first ("etiennedurouvray", "durouvray", "rouvray").
    Word,
}

/// Where a key leads.
#[derive(Debug, Clone, Copy)]
struct Posting {
    layer: u32,
    feature: u32,
    kind: KeyKind,
    /// 0 for the feature's own name or code; `i + 1` for the commune's `former[i]`.
    former: u32,
    /// The feature's, here so that ranking thousands of matches reads no feature.
    population: u64,
}

/// Search keys, compared as [`Words::compact`] writes them, and where each leads.
pub struct SearchIndex {
    /// Distinct keys, sorted: prefixes are found by binary search.
    keys: SortedKeys,
    /// The keys that are a whole name, walked for typos: codes and the words inside names would more
    /// than double the walk, for guesses nobody needs.
    names: Trie,
    /// Position in `keys` of each of `names`.
    name_keys: Vec<u32>,
    /// `postings[starts[k]..starts[k + 1]]` are where key `k` leads.
    starts: Vec<u32>,
    postings: Vec<Posting>,
    departements: Departements,
    communes_layer: Option<u32>,
    /// Département (position in `Dataset::departements`) of each feature of the communes layer.
    departement_of: Vec<u16>,
}

/// What of a key the query matched, and where; ranks results after the typos (see the module's doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// A whole name or code.
    Exact,
    ExactInDepartement,
    PrefixInDepartement,
    WordInDepartement,
    /// The start of a name or code.
    Prefix,
    /// The start of a word inside a name.
    Word,
}

impl Place {
    fn of(kind: KeyKind, whole: bool, in_departement: bool) -> Self {
        match (kind, whole, in_departement) {
            (KeyKind::Code | KeyKind::Name, true, false) => Place::Exact,
            (KeyKind::Code | KeyKind::Name, true, true) => Place::ExactInDepartement,
            (KeyKind::Code | KeyKind::Name, false, true) => Place::PrefixInDepartement,
            (KeyKind::Code | KeyKind::Name, false, false) => Place::Prefix,
            (KeyKind::Word, _, true) => Place::WordInDepartement,
            (KeyKind::Word, _, false) => Place::Word,
        }
    }
}

/// One way a feature matched, before the best per feature is kept.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    /// 0 for a match as typed: those come first.
    typos: u8,
    place: Place,
    posting: Posting,
}

impl Candidate {
    /// Fewest typos first, then by place and population.
    fn order(&self) -> (u8, Place, std::cmp::Reverse<u64>, u32, u32, KeyKind, u32) {
        let p = &self.posting;
        (
            self.typos,
            self.place,
            std::cmp::Reverse(p.population),
            p.layer,
            p.feature,
            p.kind,
            p.former,
        )
    }
}

/// What a query is looked for as: all of it, or the words before a département, in that département.
struct Target {
    key: String,
    typos: u8,
    departement: Option<u16>,
}

/// `GET /api/search`: what was asked, and the results, best first.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SearchResults {
    pub query: String,
    pub results: Vec<SearchResult>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SearchResult {
    /// A layer the catalogue marks `searchable`.
    #[schemars(with = "crate::answer::LayerId")]
    pub layer: String,
    pub id: String,
    pub name: String,
    pub population: u64,
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: Option<[f64; 4]>,
    /// The territoires de projet holding it (`{id, name}`).
    pub pays: Vec<crate::answer::FeatureRef>,
    /// The former commune whose name or code was matched, when the result is the commune it is now part of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<Matched>,
    /// Says so in French, for the page: « Vire : commune déléguée de Vire Normandie ».
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip)]
    pub layer_index: LayerIx,
    #[serde(skip)]
    pub feature: FeatureIx,
}

/// A former commune a query matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Matched {
    /// `None` for a former commune the COG knows by code only.
    pub name: Option<String>,
    pub code: String,
    pub relation: Relation,
}

impl SearchIndex {
    pub fn new(data: &Dataset) -> Self {
        let mut entries: Vec<(String, Posting)> = Vec::new();
        for (l, layer) in data.layers.iter().enumerate() {
            if !layer.searchable {
                continue;
            }
            for (f, feature) in layer.features.iter().enumerate() {
                let mut push = |key: String, kind: KeyKind, former: u32| {
                    if !key.is_empty() {
                        let posting = Posting {
                            layer: l as u32,
                            feature: f as u32,
                            kind,
                            former,
                            population: feature.population,
                        };
                        entries.push((key, posting));
                    }
                };
                push(Words::of(&feature.id).compact(), KeyKind::Code, 0);
                let name = Words::of(&feature.name);
                push_name(&mut push, &name, 0);
                if layer.kind != LayerKind::Communes {
                    continue;
                }
                let Some((_, commune)) = data.commune_by_code(&feature.id) else {
                    continue;
                };
                for code in &commune.postcodes {
                    push(Words::of(code).compact(), KeyKind::Code, 0);
                }
                for (i, former) in commune.former.iter().enumerate() {
                    let tag = i as u32 + 1;
                    if former.code != commune.code {
                        push(Words::of(&former.code).compact(), KeyKind::Code, tag);
                    }
                    if let Some(former_name) = &former.name {
                        let former_name = Words::of(former_name);
                        if former_name.compact() != name.compact() {
                            push_name(&mut push, &former_name, tag);
                        }
                    }
                }
            }
        }
        // One posting per key and feature, the best kind of key first and the current name before a
        // former one.
        entries.sort_unstable_by(|(a, p), (b, q)| {
            (a, p.layer, p.feature, p.kind, p.former).cmp(&(b, q.layer, q.feature, q.kind, q.former))
        });
        entries.dedup_by(|(a, p), (b, q)| a == b && p.layer == q.layer && p.feature == q.feature);

        let mut keys: Vec<String> = Vec::new();
        let mut starts = Vec::new();
        let mut postings = Vec::with_capacity(entries.len());
        for (key, posting) in entries {
            if keys.last().is_none_or(|last| **last != *key) {
                starts.push(postings.len() as u32);
                keys.push(key);
            }
            postings.push(posting);
        }
        starts.push(postings.len() as u32);
        let name_keys: Vec<u32> = (0..keys.len())
            .filter(|&k| {
                postings[starts[k] as usize..starts[k + 1] as usize]
                    .iter()
                    .any(|p| p.kind == KeyKind::Name)
            })
            .map(|k| k as u32)
            .collect();
        let names: Vec<String> = name_keys.iter().map(|&k| keys[k as usize].clone()).collect();

        let communes_layer = data.communes_layer().map(LayerIx::index);
        let departement_of = communes_layer
            .map(|l| {
                data.layers[l]
                    .features
                    .iter()
                    .map(|f| {
                        data.commune_by_code(&f.id)
                            .and_then(|(_, c)| data.departements.iter().position(|d| d.code == c.departement))
                            .map_or(u16::MAX, |d| d as u16)
                    })
                    .collect()
            })
            .unwrap_or_default();
        SearchIndex {
            keys: SortedKeys::new(&keys),
            names: Trie::new(&names),
            name_keys,
            starts,
            postings,
            departements: Departements::new(&data.departements),
            communes_layer: communes_layer.map(|l| l as u32),
            departement_of,
        }
    }

    /// At most `limit` (≤ [`MAX_RESULTS`]) places matching `query`, best first.
    /// `layers`, when given, keeps only results of those layer positions.
    pub fn search(
        &self,
        data: &Dataset,
        query: &str,
        limit: usize,
        layers: Option<&[LayerIx]>,
    ) -> Vec<SearchResult> {
        let limit = limit.min(MAX_RESULTS);
        let typed = Words::of(query);
        let whole = Target {
            key: typed.compact(),
            typos: typed.typo_budget(),
            departement: None,
        };
        if whole.key.is_empty() || limit == 0 {
            return Vec::new();
        }
        let narrowed = self.departements.split(&typed).map(|(d, before)| Target {
            key: before.compact(),
            typos: before.typo_budget(),
            departement: Some(d),
        });
        let targets: Vec<&Target> = [Some(&whole), narrowed.as_ref()].into_iter().flatten().collect();

        let mut best = Best::new(limit);
        for target in &targets {
            self.prefixed(target, layers, &mut best);
        }
        // Typo matches rank after every other: look for them only when the others leave room, and
        // only for the name before a département if one was given.
        let guessed = narrowed.as_ref().unwrap_or(&whole);
        if !best.is_full() && guessed.typos > 0 && guessed.key.len() <= LONGEST_GUESSED {
            self.with_typos(guessed, layers, &mut best);
        }
        best.kept.iter().map(|c| result(data, c)).collect()
    }

    /// Keys starting with the target's key.
    fn prefixed(&self, target: &Target, layers: Option<&[LayerIx]>, best: &mut Best) {
        let key = target.key.as_str();
        for k in self.keys.starting_with(key) {
            let exact = self.keys.key(k) == key;
            for posting in self.postings_of(k) {
                if !self.wanted(posting, target, layers) {
                    continue;
                }
                let place = Place::of(posting.kind, exact, target.departement.is_some());
                best.offer(Candidate {
                    typos: 0,
                    place,
                    posting: *posting,
                });
            }
        }
    }

    /// Names within the target's typo allowance (and not already a prefix match).
    fn with_typos(&self, target: &Target, layers: Option<&[LayerIx]>, best: &mut Best) {
        self.names
            .within(target.key.as_bytes(), target.typos, |n, distance| {
                if distance.prefix == 0 {
                    return;
                }
                for posting in self.postings_of(self.name_keys[n] as usize) {
                    if posting.kind == KeyKind::Name && self.wanted(posting, target, layers) {
                        let whole = distance.whole;
                        let place = Place::of(posting.kind, whole.is_some(), target.departement.is_some());
                        best.offer(Candidate {
                            typos: whole.unwrap_or(distance.prefix),
                            place,
                            posting: *posting,
                        });
                    }
                }
            });
    }

    fn postings_of(&self, key: usize) -> &[Posting] {
        &self.postings[self.starts[key] as usize..self.starts[key + 1] as usize]
    }

    /// Whether a posting is of a wanted layer and, for a target narrowed to a département, a commune there.
    fn wanted(&self, posting: &Posting, target: &Target, layers: Option<&[LayerIx]>) -> bool {
        if layers.is_some_and(|wanted| !wanted.contains(&LayerIx(posting.layer))) {
            return false;
        }
        match target.departement {
            None => true,
            Some(d) => {
                Some(posting.layer) == self.communes_layer
                    && self.departement_of.get(posting.feature as usize) == Some(&d)
            }
        }
    }
}

/// Adds a name's keys: the whole name, and the name from each later word on.
fn push_name(push: &mut impl FnMut(String, KeyKind, u32), name: &Words, former: u32) {
    push(name.compact(), KeyKind::Name, former);
    for i in 1..name.words.len() {
        push(name.words[i..].concat(), KeyKind::Word, former);
    }
}

/// The best `limit` features found so far, each by the best way it matched, best first. Thousands of
/// keys may start with what is typed ("sa"): most are turned away by one comparison with the worst kept.
struct Best {
    limit: usize,
    kept: Vec<Candidate>,
}

impl Best {
    fn new(limit: usize) -> Self {
        Best {
            limit,
            kept: Vec::with_capacity(limit + 1),
        }
    }

    fn is_full(&self) -> bool {
        self.kept.len() >= self.limit
    }

    fn offer(&mut self, c: Candidate) {
        let order = c.order();
        if self.is_full() && self.kept.last().is_some_and(|worst| worst.order() <= order) {
            return;
        }
        let feature = (c.posting.layer, c.posting.feature);
        if let Some(i) = self
            .kept
            .iter()
            .position(|k| (k.posting.layer, k.posting.feature) == feature)
        {
            if self.kept[i].order() <= order {
                return;
            }
            self.kept.remove(i);
        }
        let at = self.kept.partition_point(|k| k.order() < order);
        self.kept.insert(at, c);
        self.kept.truncate(self.limit);
    }
}

fn result(data: &Dataset, c: &Candidate) -> SearchResult {
    let (l, f) = (LayerIx(c.posting.layer), FeatureIx(c.posting.feature));
    let layer = &data.layers[l];
    let feature = &layer.features[f];
    let former = (c.posting.former > 0)
        .then(|| data.commune_by_code(&feature.id))
        .flatten()
        .and_then(|(_, commune)| commune.former.get(c.posting.former as usize - 1));
    SearchResult {
        layer: layer.id.clone(),
        id: feature.id.to_string(),
        name: feature.name.to_string(),
        population: feature.population,
        bbox: layer.bounds(f),
        pays: super::territory::pays_of(data, l, f),
        matched: former.map(|m| Matched {
            name: m.name.as_deref().map(str::to_owned),
            code: m.code.to_string(),
            relation: m.relation,
        }),
        note: former.map(|m| note(m, &feature.name, c.posting.kind == KeyKind::Code)),
        layer_index: l,
        feature: f,
    }
}

/// « Vire : commune déléguée de Vire Normandie »; the former code too when it is what was matched.
fn note(former: &FormerCommune, current: &str, by_code: bool) -> String {
    match (&former.name, former.relation) {
        (None, _) => format!("{} : code d'une ancienne commune de {current}", former.code),
        (Some(name), relation) => {
            let what = match relation {
                Relation::Deleguee => "commune déléguée",
                Relation::Associee => "commune associée",
                Relation::Ancienne => "ancienne commune",
            };
            let code = if by_code {
                format!(" ({})", former.code)
            } else {
                String::new()
            };
            format!("{name}{code} : {what} de {current}")
        }
    }
}
