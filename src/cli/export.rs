//! `territoires export`: the file `/api/layers/ID.fgb|.gpkg?zoom=` answers, written atomically, and
//! how long each step took.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use territoires_core::dataset::Layer;
use territoires_formats::{GisFormat, LayerExport};
use territoires_geo::{Crs, CrsRef, Zoom};
use territoires_query::QueryError;
use territoires_query::filter::{Filter, FilterLang, Queryables, parse_properties, parse_sortby};
use territoires_query::select::{Selection, select};

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
    /// The system to write the features in: EPSG:2154 (Lambert-93), EPSG:3857, EPSG:3942…3950 (the
    /// CC zones), EPSG:3263x (UTM); WGS84 longitude, latitude without it.
    #[arg(long, value_parser = parse_crs)]
    crs: Option<Crs>,
    /// Only the features this CQL2 text filter takes, e.g. "status = 'petr' AND population > 50000"
    /// (the properties are the file's columns; spatial literals in WGS84 longitude, latitude).
    #[arg(long)]
    filter: Option<String>,
    /// Read --filter as CQL2 JSON rather than text.
    #[arg(long)]
    filter_json: bool,
    /// Sort the features: comma-separated columns, each with a leading `-` for descending.
    #[arg(long, allow_hyphen_values = true)]
    sortby: Option<String>,
    /// Write only these comma-separated property columns (and `id`).
    #[arg(long)]
    properties: Option<String>,
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
    let export = choose(&args, layer, export)?;
    let started = Instant::now();
    let crs = args.crs.unwrap_or_default();
    let export = export.reprojected(crs)?;
    let projecting = started.elapsed();
    let started = Instant::now();
    let bytes = format.encode(&export)?;
    let encoding = started.elapsed();
    territoires_core::fs::write_atomically(out, &bytes)?;
    eprintln!(
        "{}: {} features in {crs}, {} bytes; generalised in {:.3} s, projected in {:.3} s, encoded in {:.3} s",
        out.display(),
        export.rows.len(),
        bytes.len(),
        generalising.as_secs_f64(),
        projecting.as_secs_f64(),
        encoding.as_secs_f64()
    );
    Ok(())
}

/// The features and properties `--filter`, `--sortby` and `--properties` keep, as the API's
/// `filter`, `sortby` and `properties` would.
fn choose<'a>(args: &Args, layer: &Layer, export: LayerExport<'a>) -> anyhow::Result<LayerExport<'a>> {
    let queryables = Queryables::of(layer);
    let lang = if args.filter_json {
        FilterLang::Cql2Json
    } else {
        FilterLang::Cql2Text
    };
    let filter = args
        .filter
        .as_deref()
        .map(|text| Filter::parse(text, lang, &queryables, CrsRef::CRS84))
        .transpose()
        .context("--filter")?;
    let sortby = args
        .sortby
        .as_deref()
        .map(|text| parse_sortby(text, &queryables))
        .transpose()
        .context("--sortby")?
        .unwrap_or_default();
    let properties = args
        .properties
        .as_deref()
        .map(|text| parse_properties(text, &queryables))
        .transpose()
        .context("--properties")?;
    let export = export.with_properties(properties);
    if filter.is_none() && sortby.is_empty() {
        return Ok(export);
    }
    let boxes: Vec<_> = layer.indexed_features().map(|(f, _)| layer.bounds(f)).collect();
    let selection = Selection {
        region: None,
        filter,
        sortby,
    };
    Ok(export.choose(&select(layer, &boxes, &queryables, &selection)))
}

fn parse_crs(text: &str) -> Result<Crs, String> {
    Crs::parse(text).map_err(|e| e.to_string())
}
