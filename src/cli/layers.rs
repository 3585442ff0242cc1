//! `territoires layers`: the dataset's layers with their sources.

use super::print_json;

pub use super::ReadArgs as Args;

pub fn run(args: Args) -> anyhow::Result<()> {
    let dataset = args.data.load_dataset()?;
    if args.output.json {
        let rows: Vec<serde_json::Value> = dataset
            .layers
            .iter()
            .map(|l| {
                serde_json::json!({
                    "id": l.id, "title": l.title, "description": l.description,
                    "kind": l.kind, "features": l.features.len(), "source": l.source,
                })
            })
            .collect();
        return print_json(&rows);
    }
    for l in &dataset.layers {
        println!(
            "{:<28} {:>6}  {} — {} ({})",
            l.id,
            l.features.len(),
            l.title,
            l.source.name,
            l.source.vintage
        );
    }
    Ok(())
}
