//! The members of a territory as people write them in their own lists (« CC du Pays de Vervins »,
//! « Communauté de communes Thiérache du Centre », « Vervins », « Saint-Martin (63) », « 200071983 »)
//! → current EPCIs and communes of the dataset.
//!
//! A member is read, in this order:
//!
//! 1. **as a code**: 9 digits are an EPCI's SIREN, 5 characters a commune's INSEE code (4 digits are
//!    one whose leading zero a spreadsheet dropped: `1004` is `01004`). Spaces inside are ignored.
//!    A code no current EPCI or commune has is unknown: it is never read as a name.
//! 2. **by name, as written** (`exact`): the whole name, compared as the search compares names (no
//!    accents, case, hyphens, apostrophes or spaces; « St » written out), or a commune's name followed
//!    by its département, by code or name (« Saint-Martin (63) », « Saint-Martin, Puy-de-Dôme »).
//! 3. **by name, in a usual variant** (`variant`): an EPCI's name without its legal form and articles,
//!    in whatever words the form is written (« CC » is « Communauté de communes », « CA » « Communauté
//!    d'agglomération » or « Agglo », « CU » « Communauté urbaine », « Métropole »), without « du »,
//!    « de la », « des », « d' »; or the words in brackets of its name (« COPAMO »). A form written
//!    must be the EPCI's own.
//! 4. **as a former commune** (`variant`, or `code` for a former INSEE code), when nothing above
//!    matched: a commune déléguée, associée or merged since is read as the commune it is now part of,
//!    and the review says so.
//! 5. **with typos** (`typo`), when nothing above matched: a name within the edits the search allows
//!    (one for a word of 4 to 7 letters, two beyond, at most two in all; none in a code), or an EPCI's
//!    name written with another legal form than its own.
//!
//! At each step every candidate is kept: one is a match, several are ambiguous and listed, never
//! chosen. A bare name that is both a commune's and, in a variant, an EPCI's (« Vitré » and « Vitré
//! Communauté ») is ambiguous too; a legal form written (« CA Vitré Communauté ») or a département
//! (« Vitré (35) ») tells them apart. A name with a legal form is only ever an EPCI; a département
//! after a name keeps only the communes of that département.

use std::collections::HashMap;

use serde::Serialize;

use crate::search::departement::Departements;
use crate::search::text::{Words, budget};
use crate::search::typos::Trie;
use territoires_core::dataset::{Dataset, InputKind, Layer};

/// Longest name, in folded bytes, looked for with typos: past that it is no name mistyped.
const LONGEST_GUESSED: usize = 100;

/// Candidates an ambiguity lists at most.
pub const MOST_CANDIDATES: usize = 12;

/// The legal form of an EPCI à fiscalité propre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LegalForm {
    Cc,
    Ca,
    Cu,
    Metropole,
}

impl LegalForm {
    /// From the `type` property of the EPCI layer (the COG's `CC`, `CA`, `CU`, `METRO`, `MET69`).
    fn of_type(code: &str) -> Option<Self> {
        match code.to_ascii_uppercase().as_str() {
            "CC" => Some(LegalForm::Cc),
            "CA" => Some(LegalForm::Ca),
            "CU" => Some(LegalForm::Cu),
            "METRO" | "MET69" | "METROPOLE" => Some(LegalForm::Metropole),
            _ => None,
        }
    }
}

/// Words a name may start with that say an EPCI's legal form, longest first within a start word.
/// `None`: an EPCI, of a form these words do not say.
const FORM_PREFIXES: &[(&[&str], Option<LegalForm>)] = &[
    (&["communaute", "de", "communes"], Some(LegalForm::Cc)),
    (&["communaute", "des", "communes"], Some(LegalForm::Cc)),
    (&["communaute", "communes"], Some(LegalForm::Cc)),
    (&["communaute", "d", "agglomeration"], Some(LegalForm::Ca)),
    (&["communaute", "de", "l", "agglomeration"], Some(LegalForm::Ca)),
    (&["communaute", "agglomeration"], Some(LegalForm::Ca)),
    (&["communaute", "d", "agglo"], Some(LegalForm::Ca)),
    (&["communaute", "urbaine"], Some(LegalForm::Cu)),
    (&["communaute"], None),
    (&["cc"], Some(LegalForm::Cc)),
    (&["cdc"], Some(LegalForm::Cc)),
    (&["ccom"], Some(LegalForm::Cc)),
    (&["comcom"], Some(LegalForm::Cc)),
    (&["com", "com"], Some(LegalForm::Cc)),
    (&["ca"], Some(LegalForm::Ca)),
    (&["agglo"], Some(LegalForm::Ca)),
    (&["agglomeration"], Some(LegalForm::Ca)),
    (&["cu"], Some(LegalForm::Cu)),
    (&["metropole"], Some(LegalForm::Metropole)),
    (&["eurometropole"], Some(LegalForm::Metropole)),
    (&["intercom"], None),
];

/// Words a name may end with that say it is an EPCI (« Dijon Métropole », « Mauges Communauté »):
/// dropped, but they set no form (« CA Ardenne Métropole » is a communauté d'agglomération).
const FORM_SUFFIXES: &[&[&str]] = &[
    &["agglomeration"],
    &["agglo"],
    &["metropole"],
    &["communaute"],
    &["intercom"],
];

/// Articles left out of the variants: « CC Pays de la Serre » is « CC du Pays de la Serre ».
const ARTICLES: [&str; 8] = ["de", "du", "des", "d", "la", "le", "les", "l"];

/// A current EPCI or commune a member was read as.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Member {
    pub kind: MemberKind,
    /// The EPCI's SIREN or the commune's INSEE code.
    pub code: String,
    pub name: String,
    /// The commune's département code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub departement: Option<String>,
}

impl Member {
    /// The name, with a commune's département: « Saint-Martin (63) ».
    pub fn label(&self) -> String {
        match &self.departement {
            Some(d) => format!("{} ({d})", self.name),
            None => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberKind {
    Epci,
    Commune,
}

/// How a member was read (see the module's documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    Code,
    Exact,
    Variant,
    Typo,
}

impl How {
    pub fn as_str(self) -> &'static str {
        match self {
            How::Code => "code",
            How::Exact => "exact",
            How::Variant => "variant",
            How::Typo => "typo",
        }
    }
}

/// What a member as written resolves to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "result")]
pub enum Resolution {
    Found {
        member: Member,
        how: How,
        /// Why a typo or variant was accepted, for the person who checks it.
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Several members fit equally well: none is chosen. At most [`MOST_CANDIDATES`], `more` beyond.
    Ambiguous {
        candidates: Vec<Member>,
        more: usize,
        how: How,
    },
    Unknown {
        reason: String,
    },
}

impl Resolution {
    pub fn found(&self) -> Option<&Member> {
        match self {
            Resolution::Found { member, .. } => Some(member),
            _ => None,
        }
    }
}

/// An EPCI (position in the EPCI layer) or a commune (position in `Dataset::communes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Target {
    Epci(u32),
    Commune(u32),
}

/// A name's words read for a legal form: the form, whether the words say EPCI at all, and the rest
/// without articles.
struct Parsed {
    form: Option<LegalForm>,
    says_epci: bool,
    core: Words,
}

impl Parsed {
    fn of(words: &Words) -> Self {
        let (mut start, mut end) = (0, words.words.len());
        let mut form = None;
        let mut says_epci = false;
        let is_at = |at: usize, end: usize, pattern: &[&str]| {
            at + pattern.len() <= end
                && words.words[at..at + pattern.len()]
                    .iter()
                    .zip(pattern)
                    .all(|(w, p)| w == p)
        };
        // « CA Communauté Paris-Saclay »: every form word at the start, leaving one word at least.
        while let Some((pattern, f)) = FORM_PREFIXES
            .iter()
            .find(|(pattern, _)| end - start > pattern.len() && is_at(start, end, pattern))
        {
            start += pattern.len();
            form = form.or(*f);
            says_epci = true;
        }
        while let Some(pattern) = FORM_SUFFIXES
            .iter()
            .find(|pattern| end - start > pattern.len() && is_at(end - pattern.len(), end, pattern))
        {
            end -= pattern.len();
            says_epci = true;
        }
        let kept: Vec<usize> = (start..end)
            .filter(|&i| !ARTICLES.contains(&words.words[i].as_str()))
            .collect();
        let kept = if kept.is_empty() {
            (start..end).collect()
        } else {
            kept
        };
        let core = Words {
            words: kept.iter().map(|&i| words.words[i].clone()).collect(),
            typos: kept.iter().map(|&i| words.typos[i]).collect(),
        };
        Parsed {
            form,
            says_epci,
            core,
        }
    }

    fn key(&self) -> String {
        self.core.compact()
    }
}

/// A name as read: its words, their form and core, and the département after them if any (never
/// for a name with a legal form).
struct Reading {
    words: Words,
    parsed: Parsed,
    narrowed: Option<(u16, Words)>,
}

/// Sorted distinct keys, the trie of them, and what each leads to.
struct TypoIndex {
    trie: Trie,
    targets: Vec<Vec<Target>>,
}

impl TypoIndex {
    fn new(mut entries: Vec<(String, Target)>) -> Self {
        entries.sort();
        entries.dedup();
        let mut keys: Vec<String> = Vec::new();
        let mut targets: Vec<Vec<Target>> = Vec::new();
        for (key, target) in entries {
            if keys.last() != Some(&key) {
                keys.push(key);
                targets.push(Vec::new());
            }
            if let Some(last) = targets.last_mut() {
                last.push(target);
            }
        }
        TypoIndex {
            trie: Trie::new(&keys),
            targets,
        }
    }

    /// Every target whose key is within `max` edits of `key`, whole, with the edits.
    fn within(&self, key: &str, max: u8, found: &mut Vec<(u8, Target)>) {
        if max == 0 || key.len() > LONGEST_GUESSED {
            return;
        }
        self.trie.within(key.as_bytes(), max, |k, distance| {
            if let Some(edits) = distance.whole {
                found.extend(self.targets[k].iter().map(|&t| (edits, t)));
            }
        });
    }
}

/// Reads members against one dataset: its `epci` layer (the layer built from the EPCI input) and
/// its communes. Built once, then [`Resolver::resolve`] for each member.
pub struct Resolver<'d> {
    data: &'d Dataset,
    epci: Option<&'d Layer>,
    epci_forms: Vec<Option<LegalForm>>,
    /// Whole names as the search folds them, EPCIs' and communes'.
    by_name: HashMap<String, Vec<Target>>,
    /// EPCIs' names without form and articles, and the words in their brackets.
    by_core: HashMap<String, Vec<u32>>,
    /// Names and codes of former communes → the commune each is now part of.
    by_former_name: HashMap<String, Vec<u32>>,
    by_former_code: HashMap<String, u32>,
    epci_typos: TypoIndex,
    commune_typos: TypoIndex,
    departements: Departements,
}

impl<'d> Resolver<'d> {
    pub fn new(data: &'d Dataset) -> Self {
        let epci = data.layer_from(InputKind::Epci).map(|l| &data.layers[l]);
        let mut by_name: HashMap<String, Vec<Target>> = HashMap::new();
        let mut by_core: HashMap<String, Vec<u32>> = HashMap::new();
        let mut epci_forms = Vec::new();
        let mut epci_keys = Vec::new();
        for (i, feature) in epci
            .map(|l| l.features.as_slice())
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let i = i as u32;
            let (plain, bracketed) = split_brackets(&feature.name);
            let whole = Parsed::of(&Words::of(plain));
            let form = LegalForm::of_type(&feature.text("type")).or(whole.form);
            epci_forms.push(form);
            for name in [feature.name.as_str(), plain] {
                by_name
                    .entry(Words::of(name).compact())
                    .or_default()
                    .push(Target::Epci(i));
            }
            let mut cores = vec![whole.key()];
            cores.extend(bracketed.map(|b| Parsed::of(&Words::of(b)).key()));
            for core in cores.into_iter().filter(|c| !c.is_empty()) {
                let entry = by_core.entry(core.clone()).or_default();
                if !entry.contains(&i) {
                    entry.push(i);
                }
                epci_keys.push((core, Target::Epci(i)));
            }
        }
        let mut commune_keys = Vec::with_capacity(data.communes.len());
        let mut by_former_name: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_former_code = HashMap::new();
        for (i, commune) in data.communes.iter().enumerate() {
            let key = Words::of(&commune.name).compact();
            by_name
                .entry(key.clone())
                .or_default()
                .push(Target::Commune(i as u32));
            commune_keys.push((key.clone(), Target::Commune(i as u32)));
            for former in &commune.former {
                if former.code != commune.code {
                    by_former_code.insert(former.code.to_string(), i as u32);
                }
                let former_key = former.name.as_deref().map(|n| Words::of(n).compact());
                if let Some(former_key) = former_key.filter(|k| *k != key && !k.is_empty()) {
                    let entry = by_former_name.entry(former_key).or_default();
                    if !entry.contains(&(i as u32)) {
                        entry.push(i as u32);
                    }
                }
            }
        }
        for targets in by_name.values_mut() {
            targets.sort();
            targets.dedup();
        }
        Resolver {
            data,
            epci,
            epci_forms,
            by_name,
            by_core,
            by_former_name,
            by_former_code,
            epci_typos: TypoIndex::new(epci_keys),
            commune_typos: TypoIndex::new(commune_keys),
            departements: Departements::new(&data.departements),
        }
    }

    /// What `written` is: see the module's documentation.
    pub fn resolve(&self, written: &str) -> Resolution {
        self.resolve_with(written, true)
    }

    /// As [`Resolver::resolve`], without step 4: what a name is as written or in a usual variant, for
    /// a caller that tries several readings of one text (`Vervins, Guise` or `Saint-Martin, Puy-de-Dôme`).
    pub fn resolve_without_typos(&self, written: &str) -> Resolution {
        self.resolve_with(written, false)
    }

    fn resolve_with(&self, written: &str, typos: bool) -> Resolution {
        if let Some(code) = as_code(written) {
            return self.by_code(&code);
        }
        let words = Words::of(written);
        if words.words.is_empty() {
            return Resolution::Unknown {
                reason: "no letter or digit".into(),
            };
        }
        let parsed = Parsed::of(&words);
        let narrowed = if parsed.says_epci {
            None
        } else {
            self.departements.split(&words)
        };
        let reading = Reading {
            words,
            parsed,
            narrowed,
        };

        let (exact, variant, other_form) = self.as_written(&reading);
        let how = if variant.is_empty() {
            How::Exact
        } else {
            How::Variant
        };
        let mut matched = exact;
        matched.extend(variant);
        if !matched.is_empty() {
            return self.answer(matched, how, None);
        }
        if !reading.parsed.says_epci {
            let former = self.former_communes(&reading.words, reading.narrowed.as_ref());
            if !former.is_empty() {
                let note = (former.len() == 1)
                    .then(|| self.member(former[0]))
                    .flatten()
                    .map(|now| format!("a former commune, now part of {} {}", now.code, now.label()));
                return self.answer(former, How::Variant, note);
            }
        }
        if !typos {
            return Resolution::Unknown {
                reason: "no name matches as written".into(),
            };
        }
        self.with_typos(&reading, other_form)
    }

    /// Steps 2 and 3: the whole names that match (a commune's in the département named, if one
    /// is), the EPCIs whose name matches in a variant, and those whose would with another form.
    fn as_written(&self, reading: &Reading) -> (Vec<Target>, Vec<Target>, Vec<Target>) {
        let Reading {
            words,
            parsed,
            narrowed,
        } = reading;
        let mut exact: Vec<Target> = Vec::new();
        let mut variant: Vec<Target> = Vec::new();
        let mut other_form: Vec<Target> = Vec::new();
        for &t in self.by_name.get(&words.compact()).into_iter().flatten() {
            if !(parsed.says_epci && matches!(t, Target::Commune(_))) {
                exact.push(t);
            }
        }
        if let Some((departement, before)) = narrowed {
            let code = &self.data.departements[usize::from(*departement)].code;
            for &t in self.by_name.get(&before.compact()).into_iter().flatten() {
                if let Target::Commune(c) = t
                    && self.data.communes[c as usize].departement == code
                {
                    exact.push(t);
                }
            }
        }
        for &e in self.by_core.get(&parsed.key()).into_iter().flatten() {
            let t = Target::Epci(e);
            if exact.contains(&t) {
                continue;
            }
            if self.form_fits(parsed.form, e) {
                variant.push(t);
            } else {
                other_form.push(t);
            }
        }
        (exact, variant, other_form)
    }

    /// Step 5: the closest names within the typos allowed, and the EPCIs written with another form
    /// (`other_form`, as close as can be).
    fn with_typos(&self, reading: &Reading, other_form: Vec<Target>) -> Resolution {
        let Reading {
            words,
            parsed,
            narrowed,
        } = reading;
        let mut guessed: Vec<(u8, Target)> = other_form.into_iter().map(|t| (0, t)).collect();
        self.epci_typos
            .within(&parsed.key(), budget(&parsed.core.typos), &mut guessed);
        guessed.retain(|&(edits, t)| match t {
            Target::Epci(e) => edits == 0 || self.form_fits(parsed.form, e),
            Target::Commune(_) => true,
        });
        if !parsed.says_epci {
            match narrowed {
                Some((departement, before)) => {
                    let code = &self.data.departements[usize::from(*departement)].code;
                    let mut near = Vec::new();
                    self.commune_typos
                        .within(&before.compact(), before.typo_budget(), &mut near);
                    guessed.extend(near.into_iter().filter(|&(_, t)| match t {
                        Target::Commune(c) => self.data.communes[c as usize].departement == code,
                        Target::Epci(_) => false,
                    }));
                }
                None => self
                    .commune_typos
                    .within(&words.compact(), words.typo_budget(), &mut guessed),
            }
        }
        let Some(fewest) = guessed.iter().map(|&(edits, _)| edits).min() else {
            let reason = match narrowed {
                Some((departement, _)) => {
                    let d = &self.data.departements[usize::from(*departement)];
                    format!(
                        "no EPCI or commune has this name, even with typos, nor has a commune of {} ({}) \
                         the name before the département",
                        d.name, d.code
                    )
                }
                None => "no EPCI or commune has this name, even with typos".into(),
            };
            return Resolution::Unknown { reason };
        };
        let closest: Vec<Target> = guessed
            .iter()
            .filter(|&&(edits, _)| edits == fewest)
            .map(|&(_, t)| t)
            .collect();
        let note = if fewest == 0 {
            "written with another legal form than its own".to_string()
        } else {
            format!("{fewest} edit{} away", if fewest > 1 { "s" } else { "" })
        };
        self.answer(closest, How::Typo, Some(note))
    }

    /// The communes a former commune of this name (in the département named, if one is) is now
    /// part of.
    fn former_communes(&self, words: &Words, narrowed: Option<&(u16, Words)>) -> Vec<Target> {
        let mut found: Vec<Target> = Vec::new();
        let whole = self.by_former_name.get(&words.compact());
        found.extend(whole.into_iter().flatten().map(|&c| Target::Commune(c)));
        if let Some((departement, before)) = narrowed {
            let code = &self.data.departements[usize::from(*departement)].code;
            let there = self.by_former_name.get(&before.compact()).into_iter().flatten();
            found.extend(
                there
                    .filter(|&&c| self.data.communes[c as usize].departement == code)
                    .map(|&c| Target::Commune(c)),
            );
        }
        found
    }

    /// One target is a match; several an ambiguity.
    fn answer(&self, mut targets: Vec<Target>, how: How, note: Option<String>) -> Resolution {
        targets.sort();
        targets.dedup();
        let mut members: Vec<Member> = targets.into_iter().filter_map(|t| self.member(t)).collect();
        if members.len() == 1 {
            let member = members.remove(0);
            return Resolution::Found { member, how, note };
        }
        members.sort();
        let more = members.len().saturating_sub(MOST_CANDIDATES);
        members.truncate(MOST_CANDIDATES);
        Resolution::Ambiguous {
            candidates: members,
            more,
            how,
        }
    }

    /// Whether a form written fits EPCI `e`'s: unsaid on either side fits.
    fn form_fits(&self, written: Option<LegalForm>, e: u32) -> bool {
        match (written, self.epci_forms.get(e as usize).copied().flatten()) {
            (Some(w), Some(own)) => w == own,
            _ => true,
        }
    }

    fn member(&self, target: Target) -> Option<Member> {
        match target {
            Target::Epci(e) => {
                let feature = self.epci?.features.get(e as usize)?;
                Some(Member {
                    kind: MemberKind::Epci,
                    code: feature.id.to_string(),
                    name: feature.name.to_string(),
                    departement: None,
                })
            }
            Target::Commune(c) => {
                let commune = self.data.communes.get(c as usize)?;
                Some(Member {
                    kind: MemberKind::Commune,
                    code: commune.code.to_string(),
                    name: commune.name.to_string(),
                    departement: Some(commune.departement.to_string()),
                })
            }
        }
    }

    fn by_code(&self, code: &Code) -> Resolution {
        match code {
            Code::Siren(siren) => {
                let found = self
                    .epci
                    .and_then(|l| l.features.iter().position(|f| f.id == siren.as_str()));
                match found {
                    Some(e) => self.answer(vec![Target::Epci(e as u32)], How::Code, None),
                    None => Resolution::Unknown {
                        reason: format!(
                            "no current EPCI has SIREN {siren} (a commune or a syndicat is written by its \
                             INSEE code or its name)"
                        ),
                    },
                }
            }
            Code::Insee { code, padded } => {
                let current = self.data.commune_by_code(code).map(|(c, _)| c.index() as u32);
                let former = self.by_former_code.get(code).copied();
                let Some(c) = current.or(former) else {
                    return Resolution::Unknown {
                        reason: format!("no current or former commune has INSEE code {code}"),
                    };
                };
                let mut notes = Vec::new();
                if *padded {
                    notes.push(format!("read as {code}: a spreadsheet drops a leading zero"));
                }
                if current.is_none() {
                    let now = &self.data.communes[c as usize];
                    notes.push(format!(
                        "a former commune's code, now part of {} {}",
                        now.code, now.name
                    ));
                }
                let how = if *padded { How::Variant } else { How::Code };
                let note = (!notes.is_empty()).then(|| notes.join("; "));
                self.answer(vec![Target::Commune(c)], how, note)
            }
        }
    }
}

/// A member written as a code.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Code {
    Siren(String),
    Insee { code: String, padded: bool },
}

/// The code `text` is, if it is one: spaces (a grouped SIREN, « 200 071 983 ») aside.
fn as_code(text: &str) -> Option<Code> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
        .collect::<String>()
        .to_ascii_uppercase();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match compact.len() {
        9 if digits(&compact) => Some(Code::Siren(compact)),
        5 if digits(&compact)
            || ((compact.starts_with("2A") || compact.starts_with("2B")) && digits(&compact[2..])) =>
        {
            Some(Code::Insee {
                code: compact,
                padded: false,
            })
        }
        4 if digits(&compact) => Some(Code::Insee {
            code: format!("0{compact}"),
            padded: true,
        }),
        _ => None,
    }
}

/// A name and the words of its last brackets: « CC du Pays Mornantais (COPAMO) » → « CC du Pays
/// Mornantais », « COPAMO ».
fn split_brackets(name: &str) -> (&str, Option<&str>) {
    let trimmed = name.trim_end();
    if let Some(inner) = trimmed.strip_suffix(')')
        && let Some(open) = inner.rfind('(')
    {
        let before = inner[..open].trim_end();
        if !before.is_empty() {
            return (before, Some(&inner[open + 1..]));
        }
    }
    (name, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tiny dataset with real-world names: its three EPCIs and some homonym communes in its two
    /// départements (01 Ain, 02 Aisne).
    fn dataset() -> Dataset {
        // Codes 01001…01008 in Ain, 02009…02012 in Aisne.
        territoires_fixtures::tiny_dataset_named(
            &[
                ("CC de la Thiérache du Centre", "CC"),
                ("CA du Pays de Laon", "CA"),
                ("CC du Pays Mornantais (COPAMO)", "CC"),
            ],
            &[
                "Saint-Martin",
                "Vervins",
                "Guise",
                "Laon",
                "Montigny",
                "Vitré",
                "Bourg",
                "Marle",
                "Saint-Martin",
                "Montigny",
                "Le Nouvion-en-Thiérache",
                "Bourg",
            ],
        )
    }

    fn found(resolver: &Resolver, text: &str) -> (String, How) {
        match resolver.resolve(text) {
            Resolution::Found { member, how, .. } => (member.code, how),
            other => panic!("{text}: {other:?}"),
        }
    }

    fn candidates(resolver: &Resolver, text: &str) -> Vec<String> {
        match resolver.resolve(text) {
            Resolution::Ambiguous { candidates, .. } => candidates.into_iter().map(|m| m.code).collect(),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn epci_names_in_their_usual_variants() {
        let data = dataset();
        let r = Resolver::new(&data);
        let thierache = "200000000".to_string();
        assert_eq!(
            found(&r, "CC de la Thiérache du Centre"),
            (thierache.clone(), How::Exact)
        );
        assert_eq!(
            found(&r, "cc de la thierache du centre"),
            (thierache.clone(), How::Exact)
        );
        for text in [
            "Communauté de communes Thiérache du Centre",
            "Communauté de Communes de la Thiérache-du-Centre",
            "CC Thierache du Centre",
            "Thiérache du Centre",
            "COMCOM THIERACHE CENTRE",
        ] {
            assert_eq!(found(&r, text), (thierache.clone(), How::Variant), "{text}");
        }
        let laon = "200000001".to_string();
        for text in [
            "Communauté d'agglomération du Pays de Laon",
            "Agglo du Pays de Laon",
            "Pays de Laon Agglomération",
        ] {
            assert_eq!(found(&r, text), (laon.clone(), How::Variant), "{text}");
        }
        // The words in brackets, and the name without them.
        assert_eq!(found(&r, "COPAMO"), ("200000002".into(), How::Variant));
        assert_eq!(
            found(&r, "CC du Pays Mornantais"),
            ("200000002".into(), How::Exact)
        );
    }

    #[test]
    fn typos_and_another_legal_form_are_guesses() {
        let data = dataset();
        let r = Resolver::new(&data);
        assert_eq!(
            found(&r, "CC de la Thiérache du Centte"),
            ("200000000".into(), How::Typo)
        );
        assert_eq!(found(&r, "Thierache du Cnetre"), ("200000000".into(), How::Typo));
        // A CA written as a CC: the right one, but a guess to check.
        let Resolution::Found { member, how, note } = r.resolve("CC du Pays de Laon") else {
            panic!("CC du Pays de Laon");
        };
        assert_eq!((member.code.as_str(), how), ("200000001", How::Typo));
        assert!(note.unwrap_or_default().contains("legal form"));
        assert_eq!(found(&r, "Vervin"), ("01002".into(), How::Typo));
    }

    #[test]
    fn homonyms_need_their_departement() {
        let data = dataset();
        let r = Resolver::new(&data);
        assert_eq!(candidates(&r, "Saint-Martin"), ["01001", "02009"]);
        for text in [
            "Saint-Martin (02)",
            "Saint-Martin, Aisne",
            "St Martin 02",
            "saint martin (aisne)",
        ] {
            assert_eq!(found(&r, text), ("02009".into(), How::Exact), "{text}");
        }
        assert_eq!(found(&r, "Montigny (Ain)"), ("01005".into(), How::Exact));
        // A typo within the département named.
        assert_eq!(found(&r, "Montigni (02)"), ("02010".into(), How::Typo));
        // A département no homonym is in.
        let Resolution::Unknown { reason } = r.resolve("Vervins (02)") else {
            panic!("Vervins (02)");
        };
        assert!(reason.contains("nor has a commune of Aisne (02)"), "{reason}");
        assert_eq!(found(&r, "Le Nouvion en Thierache"), ("02011".into(), How::Exact));
    }

    #[test]
    fn a_commune_and_an_epci_of_one_name_are_ambiguous_unless_told_apart() {
        let mut data = dataset();
        let epci = data.layer_from(InputKind::Epci).unwrap();
        data.layers[epci.index()].features[1].name = "Vitré Communauté".into();
        let r = Resolver::new(&data);
        assert_eq!(candidates(&r, "Vitré"), ["200000001", "01006"]);
        assert_eq!(found(&r, "Vitré (01)"), ("01006".into(), How::Exact));
        assert_eq!(
            found(&r, "CA Vitré Communauté"),
            ("200000001".into(), How::Variant)
        );
        assert_eq!(found(&r, "Vitré Communauté"), ("200000001".into(), How::Exact));
    }

    #[test]
    fn a_former_commune_is_the_commune_it_is_part_of() {
        use territoires_core::dataset::{FormerCommune, Relation};
        let mut data = dataset();
        // Guise (01003) took in a Lesquielles and the code 01099; Montigny (02010) another.
        let former = |name: &str, code: &str| FormerCommune {
            relation: Relation::Deleguee,
            name: Some(name.into()),
            code: code.into(),
        };
        data.communes[2].former = vec![former("Lesquielles", "01099"), former("Guise", "01003")];
        data.communes[9].former = vec![former("Lesquielles", "02098")];
        let r = Resolver::new(&data);
        assert_eq!(candidates(&r, "Lesquielles"), ["01003", "02010"]);
        let Resolution::Found { member, how, note } = r.resolve("Lesquielles (01)") else {
            panic!("Lesquielles (01)");
        };
        assert_eq!((member.code.as_str(), how), ("01003", How::Variant));
        assert!(
            note.unwrap_or_default()
                .contains("former commune, now part of 01003 Guise")
        );
        assert_eq!(found(&r, "01099"), ("01003".into(), How::Code));
        // A current name comes first.
        assert_eq!(found(&r, "Guise"), ("01003".into(), How::Exact));
    }

    #[test]
    fn codes_are_codes() {
        let data = dataset();
        let r = Resolver::new(&data);
        assert_eq!(found(&r, "200000001"), ("200000001".into(), How::Code));
        assert_eq!(found(&r, " 200 000 001 "), ("200000001".into(), How::Code));
        assert_eq!(found(&r, "02009"), ("02009".into(), How::Code));
        assert_eq!(found(&r, "1004"), ("01004".into(), How::Variant));
        for text in ["200000009", "02099", "2A004"] {
            assert!(matches!(r.resolve(text), Resolution::Unknown { .. }), "{text}");
        }
    }

    #[test]
    fn unknown_names_are_unknown() {
        let data = dataset();
        let r = Resolver::new(&data);
        for text in ["CC des Trois Vallées Imaginaires", "Atlantis", "", " - "] {
            assert!(matches!(r.resolve(text), Resolution::Unknown { .. }), "{text}");
        }
        // A legal form written is never a commune.
        assert!(matches!(r.resolve("CC Vervins"), Resolution::Unknown { .. }));
        assert!(matches!(
            r.resolve_without_typos("Vervin"),
            Resolution::Unknown { .. }
        ));
    }
}
