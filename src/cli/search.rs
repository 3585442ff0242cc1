//! `territoires search`: the map's search box on the command line, one line a place.

use std::io::Write;

use anyhow::Context;
use territoires_query::request::LayerSelection;
use territoires_query::search::{MAX_RESULTS, SearchIndex};

use super::{DataArgs, OutputArgs};

#[derive(clap::Args)]
pub struct Args {
    /// « St-Etienne », « marseile », « Saint-Denis 93 », « Vire »…
    query: String,
    /// Most results wanted.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=MAX_RESULTS as u64))]
    limit: u64,
    /// Only results of these searchable layers (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    layers: Option<Vec<String>>,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    data: DataArgs,
}

/// The answer of `/api/search`, as JSON or one line a place.
pub fn run(args: Args) -> anyhow::Result<()> {
    let ix = args.data.load()?;
    let wanted = match &args.layers {
        None => None,
        Some(names) => Some(
            LayerSelection::from_names(ix, Some(names))
                .and_then(|s| s.searchable(ix))
                .context("--layers")?
                .into_positions(),
        ),
    };
    let index = SearchIndex::new(&ix.dataset);
    let text = &args.query;
    let results = index.search(&ix.dataset, text, args.limit as usize, wanted.as_deref());
    let mut out = std::io::stdout().lock();
    if args.output.json {
        let answer = serde_json::json!({ "query": text, "results": results });
        writeln!(out, "{}", serde_json::to_string_pretty(&answer)?)?;
    } else if results.is_empty() {
        writeln!(out, "nothing found for « {text} »")?;
    } else {
        for r in &results {
            let note = r.note.as_ref().map_or(String::new(), |n| format!(" — {n}"));
            writeln!(
                out,
                "{:<12} {:<10} {} ({} hab.){note}",
                r.layer, r.id, r.name, r.population
            )?;
        }
    }
    Ok(())
}
