//! `territoires export`: the file `/api/layers/ID.fgb|.gpkg?zoom=` answers, written atomically, and
//! how long each step took.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use territoires_formats::{GisFormat, LayerExport};
use territoires_geo::Zoom;
use territoires_query::QueryError;

use super::DataArgs;

#[derive(clap::Args)]
pub struct Args {
    /// Layer id (see `territoires layers`).
    layer: String,
    /// Output file; its extension, `.fgb` or `.gpkg`, chooses the format. Written atomically.
    #[arg(long)]
    out: PathBuf,
    /// Generalise the geometry as the map does at this zoom (0–22); full resolution without it.
    #[arg(long)]
    zoom: Option<Zoom>,
    #[command(flatten)]
    data: DataArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let out = &args.out;
    let format = out
        .extension()
        .and_then(|e| e.to_str())
        .and_then(GisFormat::from_extension)
        .with_context(|| format!("{}: the file name must end in .fgb or .gpkg", out.display()))?;
    let ix = args.data.load()?;
    let position = ix
        .layer_position(&args.layer)
        .ok_or_else(|| QueryError::UnknownLayer(args.layer.clone()))?;
    let layer = &ix.dataset.layers[position];
    let written = ix
        .dataset
        .file
        .as_ref()
        .and_then(|f| f.written.clone())
        .unwrap_or_else(territoires_core::time::now);
    let started = Instant::now();
    let generalised = args.zoom.map(|z| ix.generalised(position, z.generalisation()));
    let generalising = started.elapsed();
    let export = match &generalised {
        None => LayerExport::full_resolution(layer, written),
        Some(g) => LayerExport::with_geometries(layer, &g.features, written),
    };
    let started = Instant::now();
    let bytes = format.encode(&export)?;
    let encoding = started.elapsed();
    territoires_core::fs::write_atomically(out, &bytes)?;
    eprintln!(
        "{}: {} features, {} bytes; generalised in {:.3} s, encoded in {:.3} s",
        out.display(),
        export.rows.len(),
        bytes.len(),
        generalising.as_secs_f64(),
        encoding.as_secs_f64()
    );
    Ok(())
}
