//! `territoires diff`: what changed in the territories between two prepared datasets.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use territoires_core::Dataset;
use territoires_formats::batch::push_csv_record;
use territoires_query::diff::{DatasetDiff, ScopeChange, diff};

use super::print_json;

#[derive(clap::Args)]
pub struct Args {
    /// Directory of the older prepared dataset (`territoires build --out`).
    #[arg(long)]
    from: PathBuf,
    /// Directory of the newer prepared dataset.
    #[arg(long)]
    to: PathBuf,
    /// Layer id to compare; by default the catalogue's layer of territoires de projet (`pays`).
    #[arg(long)]
    layer: Option<String>,
    /// Print the whole diff as JSON.
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Print one CSV row per change: kind, territory, member, old and new value.
    #[arg(long)]
    csv: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let old = load(&args.from, "--from")?;
    let new = load(&args.to, "--to")?;
    let layer = args
        .layer
        .clone()
        .unwrap_or_else(|| new.base.territories_layer.clone());
    for (data, path) in [(&old, &args.from), (&new, &args.to)] {
        if data.layer(&layer).is_none() {
            let known: Vec<&str> = data.layers.iter().map(|l| l.id.as_str()).collect();
            bail!(
                "no layer `{layer}` in the dataset of {} (its layers: {})",
                path.display(),
                known.join(", ")
            );
        }
    }
    let d = diff(&old, &new, &layer)?;
    if args.json {
        return print_json(&d);
    }
    if args.csv {
        std::io::Write::write_all(&mut std::io::stdout().lock(), &csv(&d))?;
        return Ok(());
    }
    print_text(&d, &args.from, &args.to);
    Ok(())
}

/// The dataset of `dir`, with an error naming the option and the directory: both datasets load the
/// same way, so the bare loader's message would not say which of them is wrong.
fn load(dir: &Path, option: &str) -> anyhow::Result<Dataset> {
    Dataset::load(dir).with_context(|| format!("{option} {}", dir.display()))
}

fn print_text(d: &DatasetDiff, from: &Path, to: &Path) {
    println!("Layer `{}`: {} → {}", d.layer, from.display(), to.display());
    for (side, edition) in [("from", &d.from), ("to", &d.to)] {
        let s = &edition.source;
        println!("  {side:<4} base {}; {} ({})", edition.vintage, s.name, s.vintage);
    }
    if d.is_empty() {
        println!("  no territory added, removed, renamed or changed");
    }
    if !d.added.is_empty() {
        println!("Added ({}):", d.added.len());
        for t in &d.added {
            println!("  + {} {}", t.id, t.name);
        }
    }
    if !d.removed.is_empty() {
        println!("Removed ({}):", d.removed.len());
        for t in &d.removed {
            println!("  - {} {}", t.id, t.name);
        }
    }
    if !d.renamed.is_empty() {
        println!("Renamed ({}):", d.renamed.len());
        for r in &d.renamed {
            println!("  {} « {} » → « {} »", r.id, r.old_name, r.new_name);
        }
    }
    if !d.members.is_empty() {
        println!("Members changed ({}):", d.members.len());
        for m in &d.members {
            println!("  {} {}", m.id, m.name);
            for e in &m.epci_joined {
                println!("    + EPCI {} {}", e.code, e.name);
            }
            for e in &m.epci_left {
                println!("    - EPCI {} {}", e.code, e.name);
            }
            println!(
                "    communes: {} joined, {} left",
                m.communes_joined.len(),
                m.communes_left.len()
            );
        }
    }
    println!("Coverage (old → new):");
    print_scope(&d.coverage.national);
    for region in d.coverage.regions.iter().filter(|r| r.changed()) {
        print_scope(region);
    }
}

fn print_scope(s: &ScopeChange) {
    println!(
        "  {:<34} area {:.1} → {:.1} km² ({:+.1}; {:.2} → {:.2} %), population {} → {} ({:+}; {:.2} → {:.2} %)",
        s.name,
        s.old.covered_area_km2,
        s.new.covered_area_km2,
        s.area_km2_change,
        s.old.covered_area_pct,
        s.new.covered_area_pct,
        s.old.covered_population,
        s.new.covered_population,
        s.population_change,
        s.old.covered_population_pct,
        s.new.covered_population_pct
    );
}

const CSV_HEADER: [&str; 8] = [
    "kind",
    "territory_id",
    "territory_name",
    "member_kind",
    "member_code",
    "member_name",
    "old",
    "new",
];

/// One row per change. Coverage rows name the scope (`metropole` or a région's code) as their
/// territory and `area_km2` or `population` as their member kind, so one file holds the whole diff.
fn csv(d: &DatasetDiff) -> Vec<u8> {
    let mut rows: Vec<[String; 8]> = Vec::new();
    let row = |kind: &str, id: &str, name: &str, member: [&str; 3], old: &str, new: &str| {
        [kind, id, name, member[0], member[1], member[2], old, new].map(str::to_string)
    };
    for t in &d.added {
        rows.push(row("added", &t.id, &t.name, ["", "", ""], "", &t.name));
    }
    for t in &d.removed {
        rows.push(row("removed", &t.id, &t.name, ["", "", ""], &t.name, ""));
    }
    for r in &d.renamed {
        rows.push(row(
            "renamed",
            &r.id,
            &r.new_name,
            ["", "", ""],
            &r.old_name,
            &r.new_name,
        ));
    }
    for m in &d.members {
        let lists = [
            ("joined", "epci", &m.epci_joined),
            ("left", "epci", &m.epci_left),
            ("joined", "commune", &m.communes_joined),
            ("left", "commune", &m.communes_left),
        ];
        for (kind, member_kind, list) in lists {
            for e in list {
                let (old, new) = if kind == "joined" {
                    ("", "member")
                } else {
                    ("member", "")
                };
                rows.push(row(
                    kind,
                    &m.id,
                    &m.name,
                    [member_kind, &e.code, &e.name],
                    old,
                    new,
                ));
            }
        }
    }
    let scopes = std::iter::once(&d.coverage.national).chain(&d.coverage.regions);
    for s in scopes.filter(|s| s.changed()) {
        rows.push(row(
            "coverage",
            &s.code,
            &s.name,
            ["area_km2", "", ""],
            &format!("{:.3}", s.old.covered_area_km2),
            &format!("{:.3}", s.new.covered_area_km2),
        ));
        rows.push(row(
            "coverage",
            &s.code,
            &s.name,
            ["population", "", ""],
            &s.old.covered_population.to_string(),
            &s.new.covered_population.to_string(),
        ));
    }
    // Names hold commas (« Pays de Bray, Pays de Caux »): the fields are quoted as RFC 4180 says.
    let mut out = Vec::new();
    for fields in std::iter::once(CSV_HEADER.map(str::to_string)).chain(rows) {
        push_csv_record(&mut out, &fields);
    }
    out
}
