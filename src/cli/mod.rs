//! The command line: one module a command, each with its `Args` (clap derive) and its `run`.
//!
//! A command builds a typed request from `territoires_query`, calls one query and renders text or
//! JSON. It validates nothing itself: `PointInput`, `LayerSelection` and the query types refuse bad
//! input, with the same words as the API.

mod build;
mod coverage;
mod diff;
mod export;
mod export_tiles;
mod import_banatic;
mod import_territories;
mod indicators;
mod layers;
mod locate;
mod search;
mod serve;

use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand};
use territoires_core::dataset::DEFAULT_DIR;
use territoires_core::{Dataset, Indexed};

#[derive(Parser)]
#[command(
    name = "territoires",
    version,
    about = "France's territoires de projet (Pays, PETR) and their overlays"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the prepared dataset from the registry packages and the geodata directory.
    Build(build::Args),
    /// Which territories contain a point, or each point of a file?
    ///
    /// One point: `--lat --lon` (WGS84), or `--x --y --crs`. A file: `--input points.csv`, a CSV
    /// (`,` `;` or tab, UTF-8 or Windows-1252, its point's columns found by name) or a GeoJSON
    /// FeatureCollection of points, written back with territory columns added.
    Locate(locate::Args),
    /// What share of an area's surface and population does a layer cover?
    Coverage(coverage::Args),
    /// What changed between two prepared datasets (two vintages): territories added, removed or
    /// renamed, EPCIs and communes that joined or left, covered area and population.
    Diff(diff::Args),
    /// « Les Pays en chiffres »: the national association's figures beside ours.
    Indicators(indicators::Args),
    /// Serve the HTTP API (and, from `web/`, the map).
    Serve(serve::Args),
    /// Find a place by what people type, as the map's search box does: a commune's name (or a former
    /// commune's), postcode or INSEE code, an EPCI, Pays, SCoT or CRTE by name or id.
    Search(search::Args),
    /// List the layers of the dataset with their sources.
    Layers(layers::Args),
    /// Write a layer as a GIS file: FlatGeobuf (`.fgb`) or GeoPackage (`.gpkg`), as the server does.
    Export(export::Args),
    /// Write the vector tiles of every layer (or some) into one PMTiles archive, for a map served
    /// from a static host with no server.
    ExportTiles(export_tiles::Args),
    /// Write a pays-petr.csv from BANATIC's national export of syndicat perimeters.
    ImportBanatic(import_banatic::Args),
    /// Write a pays-petr.csv from your own list of territories (a spreadsheet: names, legal forms,
    /// members by name or code), merged over an existing one with `--over`.
    ImportTerritories(import_territories::Args),
}

/// Runs one command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Build(args) => build::run(args),
        Command::Locate(args) => locate::run(args),
        Command::Coverage(args) => coverage::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Indicators(args) => indicators::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Search(args) => search::run(args),
        Command::Layers(args) => layers::run(args),
        Command::Export(args) => export::run(args),
        Command::ExportTiles(args) => export_tiles::run(args),
        Command::ImportBanatic(args) => import_banatic::run(args),
        Command::ImportTerritories(args) => import_territories::run(args),
    }
}

/// Whether the error is a reader that stopped reading (`| head`): no failure of ours.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `--data DIR`: the prepared dataset a command reads.
#[derive(clap::Args)]
pub struct DataArgs {
    /// Directory of the prepared dataset (`territoires build --out`).
    #[arg(long, default_value = DEFAULT_DIR)]
    data: PathBuf,
}

impl DataArgs {
    /// The dataset with its indexes; `TERRITOIRES_TIMING` prints how long loading took. It lives as
    /// long as the process: freeing its 200,000 allocations one by one at exit took 4 ms of a
    /// 50 ms `locate`, for memory the exit gives back at once.
    fn load(&self) -> anyhow::Result<&'static Indexed> {
        let started = Instant::now();
        let ix = Indexed::load(&self.data)?;
        if std::env::var_os("TERRITOIRES_TIMING").is_some() {
            eprintln!(
                "loaded {} in {:.3} s",
                self.data.display(),
                started.elapsed().as_secs_f64()
            );
        }
        Ok(Box::leak(Box::new(ix)))
    }

    /// The dataset alone, for commands that locate nothing; kept to the exit as [`Self::load`] is.
    fn load_dataset(&self) -> anyhow::Result<&'static Dataset> {
        Ok(Box::leak(Box::new(Dataset::load(&self.data)?)))
    }
}

/// `--json`: the answer as the API gives it, rather than as text.
#[derive(clap::Args)]
pub struct OutputArgs {
    /// Print the answer as JSON.
    #[arg(long)]
    json: bool,
}

/// What a command that only reads the dataset takes: `--json` and `--data`.
#[derive(clap::Args)]
pub struct ReadArgs {
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    data: DataArgs,
}

/// Pretty JSON on standard output.
fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
