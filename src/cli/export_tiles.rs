//! `territoires export-tiles`: every layer's vector tiles in one PMTiles archive (see
//! `territoires_formats::archive`), written atomically, with its size and time.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use territoires_core::dataset::LayerIx;
use territoires_formats::archive::{ArchiveOptions, archive_style, write_archive};
use territoires_geo::zoom::MAX_GENERALISED_ZOOM;
use territoires_query::QueryError;

use super::DataArgs;

#[derive(clap::Args)]
pub struct Args {
    /// The archive to write (`.pmtiles`); written atomically, with its MapLibre style beside it
    /// (`france.pmtiles` → `france.style.json`, reading the archive by its file name).
    #[arg(long)]
    out: PathBuf,
    /// Comma-separated layer ids (see `territoires layers`); every layer without it.
    #[arg(long, value_delimiter = ',')]
    layers: Option<Vec<String>>,
    /// The first zoom written.
    #[arg(long, default_value_t = 0)]
    minzoom: u8,
    /// The last zoom written; a map draws the last tiles larger past it. Past 12 the geometry no
    /// longer changes, only the tiles multiply.
    #[arg(long, default_value_t = 10)]
    maxzoom: u8,
    #[command(flatten)]
    data: DataArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let ix = args.data.load()?;
    let layers: Vec<LayerIx> = match &args.layers {
        None => LayerIx::all(ix.dataset.layers.len()).collect(),
        Some(ids) => ids
            .iter()
            .map(|id| {
                ix.layer_position(id)
                    .ok_or_else(|| QueryError::UnknownLayer(id.clone()))
            })
            .collect::<Result<_, _>>()?,
    };
    if args.maxzoom > MAX_GENERALISED_ZOOM {
        eprintln!(
            "note: past zoom {MAX_GENERALISED_ZOOM} the geometry no longer changes; a map overzooms the \
             tiles of {MAX_GENERALISED_ZOOM} just as well"
        );
    }
    let options = ArchiveOptions {
        layers,
        min_zoom: args.minzoom,
        max_zoom: args.maxzoom,
    };
    let out = &args.out;
    let started = Instant::now();
    // In memory, then in place at once: an archive is tens of megabytes.
    let mut archive = std::io::Cursor::new(Vec::new());
    let report = write_archive(ix, &options, &mut archive).with_context(|| format!("{}", out.display()))?;
    let archive = archive.into_inner();
    territoires_core::fs::write_atomically(out, &archive)?;
    let written = archive.len();
    // The style names the archive by its file name, so the two move together to any host.
    let style_path = out.with_extension("style.json");
    let archive_name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let style = archive_style(&ix.dataset, &options, &archive_name);
    territoires_core::fs::write_atomically(&style_path, serde_json::to_string_pretty(&style)?.as_bytes())?;
    eprintln!(
        "{}: {} tiles (zoom {}–{}: {:?}), {} bytes ({} of tiles before compression), in {:.1} s",
        out.display(),
        report.tiles,
        args.minzoom,
        args.maxzoom,
        report.per_zoom,
        written,
        report.tile_bytes,
        started.elapsed().as_secs_f64()
    );
    eprintln!("{}: its MapLibre style", style_path.display());
    Ok(())
}
