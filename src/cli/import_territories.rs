//! `territoires import-territories`: a user's list of territories (a spreadsheet) into a
//! `pays-petr.csv`, its members found in the prepared dataset.

use std::path::PathBuf;

use territoires_build::import::banatic::ImportOptions;
use territoires_build::import::territories::{self, RunOptions};

use super::DataArgs;

#[derive(clap::Args)]
pub struct Args {
    /// List(s) of territories: a spreadsheet saved as CSV (`,` `;` or tab, UTF-8 or Windows-1252)
    /// with a name column and a members column; read one after the other.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output CSV in the layout of pays-petr.csv, written atomically.
    #[arg(long)]
    out: PathBuf,
    /// Review CSV: every member as written, with what it was read as and how (or why not).
    #[arg(long)]
    report: Option<PathBuf>,
    /// A pays-petr.csv to merge over: the list's rows replace its rows of the same id (SIREN), or
    /// failing that of the same name; its other rows are kept, the list's others added after them.
    #[arg(long)]
    over: Option<PathBuf>,
    /// `status` column of every row written.
    #[arg(long, default_value = "import")]
    status: String,
    /// `vintage` column of every row: the list's date, e.g. 2026-03.
    #[arg(long, value_parser = clap::builder::NonEmptyStringValueParser::new())]
    vintage: String,
    /// `source` column of every row: who keeps the list, and its date.
    #[arg(long, value_parser = clap::builder::NonEmptyStringValueParser::new())]
    source: String,
    /// Print the review as JSON on stdout.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    data: DataArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let data = args.data.load_dataset()?;
    let options = RunOptions {
        lists: args.files,
        out: args.out,
        report: args.report,
        over: args.over,
        import: ImportOptions {
            status: args.status,
            vintage: args.vintage,
            source: args.source,
        },
    };
    let review = territories::run(&options, data)?;
    for line in review.lines() {
        eprintln!("{line}");
    }
    if args.json {
        super::print_json(&review)?;
    }
    if review.territories_written == 0 {
        anyhow::bail!(
            "{} not written: no territory of the list has a member found ({})",
            options.out.display(),
            review.summary()
        );
    }
    eprintln!("{}: {}", options.out.display(), review.summary());
    Ok(())
}
