//! `territoires coverage`: a layer's share of an area's surface and population.

use territoires_query::{Breakdown, Coverage, Scope};

use super::{DataArgs, OutputArgs, print_json};

#[derive(clap::Args)]
pub struct Args {
    /// Layer id (see `territoires layers`).
    layer: String,
    /// `metropole` (default), `region:CODE` or `departement:CODE`.
    #[arg(long, default_value = "metropole")]
    scope: String,
    /// Break the figures down by `region` or `departement`.
    #[arg(long)]
    by: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    data: DataArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let ix = args.data.load()?;
    let scope: Scope = args.scope.parse()?;
    let by: Option<Breakdown> = args.by.map(|b| b.parse()).transpose()?;
    let c = territoires_query::coverage(&ix.dataset, &args.layer, &scope, by)?;
    if args.output.json {
        return print_json(&c);
    }
    print_text(&c);
    Ok(())
}

fn print_text(c: &Coverage) {
    println!("{} — {}", c.layer_title, c.scope.name);
    println!(
        "  {} features; area {:.1} of {:.1} km² ({:.2} %); population {} of {} ({:.2} %)",
        c.figures.features,
        c.figures.covered_area_km2,
        c.figures.area_km2,
        c.figures.covered_area_pct,
        c.figures.covered_population,
        c.figures.population,
        c.figures.covered_population_pct
    );
    println!("  method: {}", c.method);
    println!(
        "  source: {} ({}); {}",
        c.source.name, c.source.vintage, c.source.licence
    );
    println!(
        "  denominators: {} ({})",
        c.denominators_source.name, c.denominators_source.vintage
    );
    if c.breakdown.is_empty() {
        return;
    }
    println!(
        "  {:<6} {:<34} {:>8} {:>9} {:>9}",
        "code", "name", "features", "area %", "pop. %"
    );
    for r in &c.breakdown {
        println!(
            "  {:<6} {:<34} {:>8} {:>9.2} {:>9.2}",
            r.code, r.name, r.figures.features, r.figures.covered_area_pct, r.figures.covered_population_pct
        );
    }
}
