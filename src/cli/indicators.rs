//! `territoires indicators`: « Les Pays en chiffres », the association's figures beside ours.

use super::print_json;

pub use super::ReadArgs as Args;

pub fn run(args: Args) -> anyhow::Result<()> {
    let dataset = args.data.load_dataset()?;
    let answer = territoires_query::indicators(dataset);
    if args.output.json {
        return print_json(&answer);
    }
    let r = &answer.reference;
    println!("Les Pays en chiffres — référence : {} ({})", r.source, r.year);
    println!("  {:<58} {:>14} {:>26}", "", "référence", "mesuré ici");
    for i in &answer.indicators {
        let reference = i.reference.as_ref().map_or("—", |r| r.text.as_str());
        let measured = i
            .measured
            .as_ref()
            .map_or("pas de données ici", |m| m.text.as_str());
        println!("  {:<58} {:>14} {:>26}", i.label, reference, measured);
        println!("      {}", i.why);
    }
    println!(
        "  données : {} ; dénominateurs : {} ({})",
        dataset.base.vintage, answer.denominators_source.name, answer.denominators_source.vintage
    );
    Ok(())
}
