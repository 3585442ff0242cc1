//! `territoires build`: the catalogue and the sources into the prepared dataset.

use std::path::PathBuf;

use territoires_build::catalogue::{DEFAULT_INDICATORS, DEFAULT_LAYERS};
use territoires_build::{BuildOptions, DEFAULT_CACHE, DEFAULT_GEODATA};
use territoires_core::dataset::DEFAULT_DIR;

use super::{OutputArgs, print_json};

#[derive(clap::Args)]
pub struct Args {
    /// The layer catalogue: which layers, from which files, with their sources and vintages.
    #[arg(long, default_value = DEFAULT_LAYERS)]
    catalogue: PathBuf,
    /// The national association's reference figures, and how ours are measured.
    #[arg(long, default_value = DEFAULT_INDICATORS)]
    indicators: PathBuf,
    /// Directory of the files no registry has (Pays/PETR, overlays, fixes).
    #[arg(long, default_value = DEFAULT_GEODATA)]
    geodata: PathBuf,
    /// Cache of registry downloads.
    #[arg(long, default_value = DEFAULT_CACHE)]
    cache: PathBuf,
    /// Output directory of the dataset.
    #[arg(long, default_value = DEFAULT_DIR)]
    out: PathBuf,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let outcome = territoires_build::build(&BuildOptions {
        catalogue: args.catalogue,
        indicators: args.indicators,
        geodata: args.geodata,
        cache: args.cache,
        out: args.out,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    })?;
    if args.output.json {
        print_json(&outcome.summary)?;
    } else {
        println!("{}", outcome.summary);
    }
    println!("dataset: {} sha256 {}", outcome.path.display(), outcome.sha256);
    Ok(())
}
