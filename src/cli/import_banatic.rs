//! `territoires import-banatic`: BANATIC's national export into a `pays-petr.csv`.

use std::path::PathBuf;

use territoires_build::DEFAULT_CACHE;
use territoires_build::import::banatic::{self, ImportOptions, RunOptions};

#[derive(clap::Args)]
pub struct Args {
    /// Export file(s), `,` or `;` separated, UTF-8 or Windows-1252; read one after the other.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output CSV, written atomically (e.g. GEODATA/territoires/pays-petr.csv).
    #[arg(long)]
    out: PathBuf,
    /// SIRENs to take besides the PETRs (the syndicats that are Pays), one a line, `#` comments.
    #[arg(long)]
    also_siren: Option<PathBuf>,
    /// Cache of registry downloads (COG 2026 gives the EPCIs and commune SIRENs).
    #[arg(long, default_value = DEFAULT_CACHE)]
    cache: PathBuf,
    /// `status` column of every row.
    #[arg(long, default_value = "banatic-import")]
    status: String,
    /// `vintage` column of every row: the export's date, e.g. 2026-01.
    #[arg(long, value_parser = clap::builder::NonEmptyStringValueParser::new())]
    vintage: String,
    /// `source` column of every row: where the export comes from, and its date.
    #[arg(long, value_parser = clap::builder::NonEmptyStringValueParser::new())]
    source: String,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let options = RunOptions {
        exports: args.files,
        also_siren: args.also_siren,
        cache: args.cache,
        out: args.out,
        import: ImportOptions {
            status: args.status,
            vintage: args.vintage,
            source: args.source,
        },
    };
    let (_, report) = banatic::run(&options)?;
    for line in report.lines() {
        eprintln!("{line}");
    }
    if args.json {
        super::print_json(&report)?;
    }
    eprintln!("{}: {}", options.out.display(), report.summary());
    Ok(())
}
