//! « Les Pays en chiffres »: the national association's figures beside the same figures measured
//! from the loaded data.
//!
//! The reference figures and the way each of ours is measured come from `geodata/indicators.toml`,
//! through the dataset. A figure we have no data for is `None`, never an estimate.

use std::collections::BTreeSet;

use serde::Serialize;

use super::coverage::{Scope, coverage};
use territoires_core::dataset::{Citation, IndicatorEntry, Measure, MeasureKind, ReferenceFigure};
use territoires_core::dataset::{Dataset, Layer, Source, Value};

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Indicators {
    /// Who gives the reference figures, and when.
    pub reference: Citation,
    pub indicators: Vec<Indicator>,
    pub denominators_source: Source,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Indicator {
    pub id: String,
    pub label: String,
    pub reference: Option<Reference>,
    /// Our figure; `None` where no data is loaded for it.
    pub measured: Option<Measured>,
    /// Why our figure differs from the reference, in one line.
    pub why: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Reference {
    pub count: Option<u64>,
    pub of: Option<u64>,
    /// The stated percentage, or `count` out of `of`.
    pub percent: Option<f64>,
    /// As the association states it, in French.
    pub text: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Measured {
    /// What is counted: `features`, `km2` or `inhabitants`.
    pub unit: &'static str,
    pub numerator: f64,
    /// The whole it is counted out of; for a count of territories, the reference count.
    pub denominator: Option<f64>,
    pub percent: Option<f64>,
    /// Our figure in French, as it compares with the reference's `text`.
    pub text: String,
    /// The layers it is measured from, with their sources.
    pub layers: Vec<LayerSource>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LayerSource {
    #[schemars(with = "crate::answer::LayerId")]
    pub layer: String,
    pub title: String,
    pub source: Source,
}

/// Every indicator of the dataset, measured.
pub fn indicators(data: &Dataset) -> Indicators {
    Indicators {
        reference: data.indicators.reference.clone(),
        indicators: data
            .indicators
            .indicators
            .iter()
            .map(|entry| indicator(data, entry))
            .collect(),
        denominators_source: data.base.denominators.clone(),
    }
}

fn indicator(data: &Dataset, entry: &IndicatorEntry) -> Indicator {
    let reference = entry.reference.as_ref().map(reference);
    let measured = entry
        .measure
        .as_ref()
        .and_then(|m| measure(data, m, entry.reference.as_ref()));
    let why = fill(&entry.why, measured.as_ref(), reference.as_ref());
    Indicator {
        id: entry.id.clone(),
        label: entry.label.clone(),
        reference,
        measured,
        why,
    }
}

fn reference(r: &ReferenceFigure) -> Reference {
    let percent = r.percent.or_else(|| match (r.count, r.of) {
        (Some(count), Some(of)) if of > 0 => Some(100.0 * count as f64 / of as f64),
        _ => None,
    });
    let text = match (r.count, r.of, r.percent) {
        (Some(count), Some(of), _) => format!("{} sur {}", int(count as f64), int(of as f64)),
        (Some(count), None, _) => int(count as f64),
        (None, _, Some(p)) => pct(p),
        (None, _, None) => String::new(),
    };
    Reference {
        count: r.count,
        of: r.of,
        percent,
        text,
    }
}

/// Our figure, or `None` when a layer it needs is not in the dataset (the catalogue was changed
/// without the indicators file).
fn measure(data: &Dataset, m: &Measure, reference: Option<&ReferenceFigure>) -> Option<Measured> {
    let layer = data.layer(&m.layer)?;
    let other = match m.other() {
        Some(id) => Some(data.layer(id)?),
        None => None,
    };
    let sources = std::iter::once(layer)
        .chain(other)
        .map(|l| LayerSource {
            layer: l.id.clone(),
            title: l.title.clone(),
            source: l.source.clone(),
        })
        .collect();
    let out_of = |unit, numerator: f64, denominator: f64| Measured {
        unit,
        numerator,
        denominator: Some(denominator),
        percent: (denominator > 0.0).then(|| 100.0 * numerator / denominator),
        text: String::new(),
        layers: Vec::new(),
    };
    let mut measured = match m.kind {
        MeasureKind::FeatureCount => {
            let count = layer.features.len() as f64;
            let whole = reference.and_then(|r| r.count).map(|c| c as f64);
            Measured {
                unit: "features",
                numerator: count,
                denominator: whole,
                percent: whole.filter(|&w| w > 0.0).map(|w| 100.0 * count / w),
                text: int(count),
                layers: Vec::new(),
            }
        }
        MeasureKind::AreaShare | MeasureKind::PopulationShare => {
            let c = coverage(data, &layer.id, &Scope::Metropole, None).ok()?;
            let mut measured = if m.kind == MeasureKind::AreaShare {
                out_of("km2", c.figures.covered_area_km2, c.figures.area_km2)
            } else {
                out_of(
                    "inhabitants",
                    c.figures.covered_population as f64,
                    c.figures.population as f64,
                )
            };
            measured.text = pct(measured.percent.unwrap_or(0.0));
            measured
        }
        MeasureKind::CarriedBy => {
            let carried = carried_by(layer, other?);
            let mut measured = out_of(
                "features",
                carried.iter().filter(|&&c| c).count() as f64,
                layer.features.len() as f64,
            );
            measured.text = count_text(&measured);
            measured
        }
        MeasureKind::MembersCarriedBy => {
            let carried = carried_by(layer, other?);
            let epci: BTreeSet<&str> = data.communes.iter().filter_map(|c| c.epci.as_deref()).collect();
            let (mut all, mut in_carried) = (BTreeSet::new(), BTreeSet::new());
            for (feature, &is_carried) in layer.features.iter().zip(&carried) {
                let Some(Value::List(members)) = feature.property("members") else {
                    continue;
                };
                for m in members.iter().filter(|m| epci.contains(m.as_str())) {
                    all.insert(m.as_str());
                    if is_carried {
                        in_carried.insert(m.as_str());
                    }
                }
            }
            let mut measured = out_of("features", in_carried.len() as f64, all.len() as f64);
            measured.text = count_text(&measured);
            measured
        }
        MeasureKind::FeaturesOf => {
            let ids = feature_ids(other?);
            let mut measured = out_of(
                "features",
                layer
                    .features
                    .iter()
                    .filter(|f| ids.contains(f.id.as_str()))
                    .count() as f64,
                layer.features.len() as f64,
            );
            measured.text = count_text(&measured);
            measured
        }
    };
    measured.layers = sources;
    Some(measured)
}

/// For each feature of `layer`, whether its carrier is a feature of `by`.
fn carried_by(layer: &Layer, by: &Layer) -> Vec<bool> {
    let ids = feature_ids(by);
    let Some(carrier) = &layer.carrier else {
        return vec![false; layer.features.len()];
    };
    layer
        .features
        .iter()
        .map(|f| ids.contains(f.text(&carrier.siren).as_str()))
        .collect()
}

fn feature_ids(layer: &Layer) -> BTreeSet<&str> {
    layer.features.iter().map(|f| f.id.as_str()).collect()
}

/// "106 sur 854 (12,4 %)".
fn count_text(m: &Measured) -> String {
    format!(
        "{} sur {} ({})",
        int(m.numerator),
        int(m.denominator.unwrap_or(0.0)),
        pct(m.percent.unwrap_or(0.0))
    )
}

/// Fills the `why` template's placeholders with French-formatted figures.
fn fill(template: &str, measured: Option<&Measured>, reference: Option<&Reference>) -> String {
    let mut text = template.to_string();
    if let Some(m) = measured {
        let figure = |x: f64| match m.unit {
            "km2" => format!("{} km²", int(x)),
            _ => int(x),
        };
        text = text
            .replace("{numerator}", &figure(m.numerator))
            .replace("{denominator}", &m.denominator.map(figure).unwrap_or_default())
            .replace(
                "{value}",
                &if m.unit == "features" && m.percent.is_none() {
                    int(m.numerator)
                } else {
                    m.percent.map(pct).unwrap_or_else(|| int(m.numerator))
                },
            );
    }
    if let Some(r) = reference {
        text = text.replace("{reference}", &r.text);
    }
    text
}

/// A whole number in French: groups of three digits separated by a narrow no-break space.
pub fn int(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(d);
    }
    if x < -0.5 {
        out.insert(0, '-');
    }
    out
}

/// A percentage in French, to one decimal unless whole: "49,8 %", "62 %".
pub fn pct(x: f64) -> String {
    let text = if (x - x.round()).abs() < 1e-9 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}").replace('.', ",")
    };
    format!("{text}\u{202f}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_numbers() {
        assert_eq!(int(549_112.5), "549\u{202f}112");
        assert_eq!(int(854.0), "854");
        assert_eq!(int(1253.0), "1\u{202f}253");
        assert_eq!(pct(49.7612), "49,8\u{202f}%");
        assert_eq!(pct(62.0), "62\u{202f}%");
    }

    #[test]
    fn a_count_out_of_a_total_gives_its_percentage() {
        let r = reference(&ReferenceFigure {
            count: Some(251),
            of: Some(441),
            percent: None,
        });
        assert!((r.percent.unwrap() - 56.9161).abs() < 1e-3);
        assert_eq!(r.text, "251 sur 441");
    }
}
