//! `territoires locate`: the territories at one point, or at each point of a file.

use std::path::PathBuf;

use anyhow::Context;
use territoires_core::Indexed;
use territoires_formats::batch::InputOptions;
use territoires_formats::batch::file::FileBatch;
use territoires_formats::locate_json::write_location_once;
use territoires_geo::crs::{Crs, PointInput};
use territoires_query::request::LayerSelection;
use territoires_query::{LocateOptions, Location};

use super::{DataArgs, OutputArgs};

#[derive(clap::Args)]
#[command(group = clap::ArgGroup::new("point").required(true).args(["lat", "x", "input"]))]
pub struct Args {
    #[arg(long, allow_negative_numbers = true, requires = "lon", conflicts_with = "x")]
    lat: Option<f64>,
    #[arg(long, allow_negative_numbers = true, requires = "lat")]
    lon: Option<f64>,
    /// Easting of the point in --crs (longitude in WGS84).
    #[arg(long, allow_negative_numbers = true, requires = "y")]
    x: Option<f64>,
    /// Northing of the point in --crs (latitude in WGS84).
    #[arg(long, allow_negative_numbers = true, requires = "x")]
    y: Option<f64>,
    /// Coordinate system of --x/--y or of the file's points: EPSG:2154 (Lambert-93), EPSG:3942 to
    /// EPSG:3950 (CC42–CC50), EPSG:32630 to EPSG:32632 (UTM 30–32 N), EPSG:3857, EPSG:4326
    /// (default, or the GeoJSON's own `crs`).
    #[arg(long)]
    crs: Option<String>,
    /// A file of points: CSV or GeoJSON.
    #[arg(long, conflicts_with_all = ["lat", "x", "json"])]
    input: Option<PathBuf>,
    /// Where to write the file's rows with their territories: `.csv`, `.geojson` or `.fgb`
    /// (FlatGeobuf). Standard output, in the input's format, when left out.
    #[arg(long, requires = "input")]
    output: Option<PathBuf>,
    /// The CSV column holding the latitude (or northing), when its name does not say so.
    #[arg(long, requires = "input")]
    lat_col: Option<String>,
    /// The CSV column holding the longitude (or easting).
    #[arg(long, requires = "input")]
    lon_col: Option<String>,
    /// If nothing contains the point, give the nearest feature within this many metres.
    #[arg(long)]
    tolerance_m: Option<f64>,
    /// Only these layers (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    layers: Option<Vec<String>>,
    #[command(flatten)]
    print: OutputArgs,
    #[command(flatten)]
    data: DataArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let crs = args.crs.as_deref().map(Crs::parse).transpose().context("--crs")?;
    let ix = args.data.load()?;
    let wanted = LayerSelection::from_names(ix, args.layers.as_deref())
        .context("--layers")?
        .into_positions();
    let options = LocateOptions {
        tolerance_m: args.tolerance_m,
        layers: Some(wanted.clone()),
    };
    if let Some(input) = args.input {
        let file = FileBatch {
            input,
            output: args.output,
            options: InputOptions {
                crs,
                lat_col: args.lat_col,
                lon_col: args.lon_col,
            },
            progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        };
        let report = file.run(ix, &options)?;
        eprintln!("{report}");
        return Ok(());
    }
    let point = PointInput::from_parts(args.lat, args.lon, args.x, args.y, crs)?.to_wgs84()?;
    let location = territoires_query::locate(ix, point.x, point.y, &options)?;
    if args.print.json {
        let mut text = String::new();
        write_location_once(ix, &location, &wanted, &[], &mut text);
        let value: serde_json::Value = serde_json::from_str(&text)?;
        return super::print_json(&value);
    }
    print_text(ix, &location, &wanted);
    Ok(())
}

/// One line a layer: its features at the point, or « — ».
fn print_text(ix: &Indexed, location: &Location, wanted: &[territoires_core::dataset::LayerIx]) {
    println!("point {} N, {} E", location.lat, location.lon);
    for &l in wanted {
        let layer = &ix.dataset.layers[l];
        let hits: Vec<String> = location
            .hits_in(l)
            .map(|h| {
                let f = &layer.features[h.feature];
                let approx = if h.approximate {
                    format!(" (approximate, {:.0} m away)", h.distance_m)
                } else {
                    String::new()
                };
                let carrier = layer.carrier.as_ref().map_or(String::new(), |c| {
                    format!(
                        " [carrier: {} {} {}]",
                        f.text(&c.kind),
                        f.text(&c.siren),
                        f.text(&c.name)
                    )
                });
                format!("{} {}{carrier}{approx}", f.id, f.name)
            })
            .collect();
        let shown = if hits.is_empty() {
            "—".to_string()
        } else {
            hits.join("; ")
        };
        println!("  {:<28} {shown}", layer.id);
    }
    println!(
        "data: {} (each layer's source: `territoires layers`)",
        ix.dataset.base.vintage
    );
}
