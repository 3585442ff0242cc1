//! The `territoires` command line: build the dataset, then ask it questions.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand};
use territoires::Indexed;
use territoires::build::{self, BuildOptions};
use territoires::dataset::{DEFAULT_DIR, LayerKind};
use territoires::query::{self, Breakdown, LocateOptions, Scope};
use territoires_formats::LocationWriter;

#[derive(Parser)]
#[command(
    name = "territoires",
    version,
    about = "France's territoires de projet (Pays, PETR) and their overlays"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the prepared dataset from the registry packages and the geodata directory.
    Build {
        /// The layer catalogue: which layers, from which files, with their sources and vintages.
        #[arg(long, default_value = territoires::catalogue::DEFAULT_LAYERS)]
        catalogue: PathBuf,
        /// The national association's reference figures, and how ours are measured.
        #[arg(long, default_value = territoires::catalogue::DEFAULT_INDICATORS)]
        indicators: PathBuf,
        /// Directory of the files no registry has (Pays/PETR, overlays, fixes).
        #[arg(long, default_value = build::DEFAULT_GEODATA)]
        geodata: PathBuf,
        /// Cache of registry downloads.
        #[arg(long, default_value = build::DEFAULT_CACHE)]
        cache: PathBuf,
        /// Output directory of the dataset.
        #[arg(long, default_value = DEFAULT_DIR)]
        out: PathBuf,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Which territories contain a point, or each point of a file?
    ///
    /// One point: `--lat --lon` (WGS84), or `--x --y --crs`. A file: `--input points.csv`, a CSV
    /// (`,` `;` or tab, UTF-8 or Windows-1252, its point's columns found by name) or a GeoJSON
    /// FeatureCollection of points, written back with territory columns added.
    #[command(group = clap::ArgGroup::new("point").required(true).args(["lat", "x", "input"]))]
    Locate {
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
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = DEFAULT_DIR)]
        data: PathBuf,
    },
    /// What share of an area's surface and population does a layer cover?
    Coverage {
        /// Layer id (see `territoires layers`).
        layer: String,
        /// `metropole` (default), `region:CODE` or `departement:CODE`.
        #[arg(long, default_value = "metropole")]
        scope: String,
        /// Break the figures down by `region` or `departement`.
        #[arg(long)]
        by: Option<String>,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = DEFAULT_DIR)]
        data: PathBuf,
    },
    /// « Les Pays en chiffres »: the national association's figures beside ours.
    Indicators {
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = DEFAULT_DIR)]
        data: PathBuf,
    },
    /// Serve the HTTP API (and, from `web/`, the map).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        #[arg(long, default_value = DEFAULT_DIR)]
        data: PathBuf,
        /// Largest batch body accepted, in MB.
        #[arg(long, default_value_t = 256)]
        max_body_mb: usize,
        /// Batches (POST /api/locate) computed at once; the next ones wait, then get 503.
        #[arg(long, default_value_t = territoires::server::limits::DEFAULT_MAX_BATCHES)]
        max_batches: std::num::NonZeroUsize,
        /// How long a batch over --max-batches waits for a turn before its 503, in milliseconds.
        #[arg(long, default_value_t = territoires::server::limits::DEFAULT_BATCH_WAIT.as_millis() as u64)]
        batch_wait_ms: u64,
        /// Requests a second per client IP address (as many may come at once); 429 beyond. Off by
        /// default. /healthz and /metrics are never limited.
        #[arg(long)]
        rate_limit: Option<std::num::NonZeroU32>,
        /// Directory of the web page, served at `/`.
        #[arg(long, default_value = "web")]
        web: PathBuf,
        /// Raster basemap URL template for deployments with internet, e.g.
        /// `https://tile.openstreetmap.org/{z}/{x}/{y}.png`. Without it the map draws only its own layers.
        #[arg(long)]
        tiles_url: Option<String>,
        /// Seconds a client may stay silent: to send a request's headers, between two chunks of a
        /// request body, and on an idle keep-alive connection.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
        idle_timeout_s: u64,
        /// Seconds a request may take, from its headers to the last byte of its answer.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
        request_timeout_s: u64,
        /// Seconds a batch lookup (POST /api/locate) may take: upload, lookups and streamed answer.
        #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
        batch_timeout_s: u64,
    },
    /// Find a place by what people type, as the map's search box does: a commune's name (or a former
    /// commune's), postcode or INSEE code, an EPCI, Pays, SCoT or CRTE by name or id.
    Search {
        /// « St-Etienne », « marseile », « Saint-Denis 93 », « Vire »…
        query: String,
        /// Most results wanted.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=territoires::query::search::MAX_RESULTS as u64))]
        limit: u64,
        /// Only results of these searchable layers (comma-separated ids).
        #[arg(long, value_delimiter = ',')]
        layers: Option<Vec<String>>,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = DEFAULT_DIR)]
        data: PathBuf,
    },
    /// List the layers of the dataset with their sources.
    Layers {
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = DEFAULT_DIR)]
        data: PathBuf,
    },
    /// Write a layer as a GIS file: FlatGeobuf (`.fgb`) or GeoPackage (`.gpkg`), as the server does.
    Export {
        /// Layer id (see `territoires layers`).
        layer: String,
        /// Output file; its extension, `.fgb` or `.gpkg`, chooses the format. Written atomically.
        #[arg(long)]
        out: PathBuf,
        /// Generalise the geometry as the map does at this zoom (0–22); full resolution without it.
        #[arg(long, value_parser = clap::value_parser!(u8).range(0..=22))]
        zoom: Option<u8>,
        #[arg(long, default_value = DEFAULT_DIR)]
        data: PathBuf,
    },
    /// Write a pays-petr.csv from BANATIC's national export of syndicat perimeters.
    ImportBanatic {
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
        #[arg(long, default_value = build::DEFAULT_CACHE)]
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
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Build {
            catalogue,
            indicators,
            geodata,
            cache,
            out,
            json,
        } => {
            let outcome = build::build(&BuildOptions {
                catalogue,
                indicators,
                geodata,
                cache,
                out,
                progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&outcome.summary)?);
            } else {
                println!("{}", outcome.summary);
            }
            println!("dataset: {} sha256 {}", outcome.path.display(), outcome.sha256);
            Ok(())
        }
        Command::Locate {
            lat,
            lon,
            x,
            y,
            crs,
            input,
            output,
            lat_col,
            lon_col,
            tolerance_m,
            layers,
            json,
            data,
        } => {
            let crs = crs
                .map(|c| territoires::crs::Crs::parse(&c))
                .transpose()
                .context("--crs")?;
            let ix = load(&data)?;
            let wanted = layer_positions(&ix, layers)?;
            let options = LocateOptions {
                tolerance_m,
                layers: Some(wanted.clone()),
            };
            if let Some(input) = input {
                let file = territoires_formats::batch::file::FileBatch {
                    input,
                    output,
                    options: territoires_formats::batch::InputOptions {
                        crs,
                        lat_col,
                        lon_col,
                    },
                    progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
                };
                let report = file.run(&ix, &options)?;
                eprintln!("{report}");
                return Ok(());
            }
            let (lon, lat) = match (lat, lon, x, y) {
                (Some(lat), Some(lon), ..) => {
                    if let Some(crs) = crs.filter(|c| !c.is_wgs84()) {
                        anyhow::bail!(
                            "--lat and --lon are WGS84 degrees: give --x and --y for a point in {crs}"
                        );
                    }
                    (lon, lat)
                }
                (.., Some(x), Some(y)) => {
                    let p = crs
                        .unwrap_or_default()
                        .to_wgs84(x, y)
                        .map_err(anyhow::Error::msg)?;
                    (p.x, p.y)
                }
                _ => anyhow::bail!("give --lat and --lon, --x and --y, or --input"),
            };
            let location = query::locate(&ix, lon, lat, &options)?;
            if json {
                let mut text = String::new();
                LocationWriter::new(&ix).write(&location, &wanted, &[], &mut text);
                let value: serde_json::Value = serde_json::from_str(&text)?;
                println!("{}", serde_json::to_string_pretty(&value)?);
                return Ok(());
            }
            println!("point {lat} N, {lon} E");
            for &l in &wanted {
                let layer = &ix.dataset.layers[l];
                let hits: Vec<String> = location
                    .hits_in(l)
                    .map(|h| {
                        let f = &layer.features[h.feature as usize];
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
            Ok(())
        }
        Command::Coverage {
            layer,
            scope,
            by,
            json,
            data,
        } => {
            let ix = load(&data)?;
            let scope: Scope = scope.parse()?;
            let by: Option<Breakdown> = by.map(|b| b.parse()).transpose()?;
            let c = query::coverage(&ix.dataset, &layer, &scope, by)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&c)?);
                return Ok(());
            }
            println!("{} — {}", c.layer_title, c.scope.name);
            println!(
                "  {} features; area {:.1} of {:.1} km² ({:.2} %); population {} of {} ({:.2} %)",
                c.figures.features,
                c.figures.covered_area_km2,
                c.figures.area_km2,
                c.figures.covered_area_pct,
                c.figures.covered_population,
                c.figures.population,
                c.figures.covered_population_pct
            );
            println!("  method: {}", c.method);
            println!(
                "  source: {} ({}); {}",
                c.source.name, c.source.vintage, c.source.licence
            );
            println!(
                "  denominators: {} ({})",
                c.denominators_source.name, c.denominators_source.vintage
            );
            if !c.breakdown.is_empty() {
                println!(
                    "  {:<6} {:<34} {:>8} {:>9} {:>9}",
                    "code", "name", "features", "area %", "pop. %"
                );
                for r in &c.breakdown {
                    println!(
                        "  {:<6} {:<34} {:>8} {:>9.2} {:>9.2}",
                        r.code,
                        r.name,
                        r.figures.features,
                        r.figures.covered_area_pct,
                        r.figures.covered_population_pct
                    );
                }
            }
            Ok(())
        }
        Command::Indicators { json, data } => {
            let dataset = territoires::Dataset::load(&data)?;
            let answer = query::indicators(&dataset);
            if json {
                println!("{}", serde_json::to_string_pretty(&answer)?);
                return Ok(());
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
        Command::Serve {
            addr,
            data,
            max_body_mb,
            max_batches,
            batch_wait_ms,
            rate_limit,
            web,
            tiles_url,
            idle_timeout_s,
            request_timeout_s,
            batch_timeout_s,
        } => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
                )
                .init();
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(territoires::server::serve(territoires::server::ServeOptions {
                addr,
                data,
                limits: territoires::server::Limits {
                    max_body_bytes: max_body_mb.saturating_mul(1024 * 1024),
                    max_batches,
                    batch_wait: std::time::Duration::from_millis(batch_wait_ms),
                    rate_limit,
                },
                web: web.is_dir().then_some(web),
                tiles_url,
                timeouts: territoires::server::listen::Timeouts {
                    idle: Duration::from_secs(idle_timeout_s),
                    request: Duration::from_secs(request_timeout_s),
                    batch: Duration::from_secs(batch_timeout_s),
                    ..Default::default()
                },
            }))
        }
        Command::ImportBanatic {
            files,
            out,
            also_siren,
            cache,
            status,
            vintage,
            source,
            json,
        } => {
            use territoires::import::banatic;
            let options = banatic::RunOptions {
                exports: files,
                also_siren,
                cache,
                out,
                import: banatic::ImportOptions {
                    status,
                    vintage,
                    source,
                },
            };
            let (_, report) = banatic::run(&options)?;
            for line in report.lines() {
                eprintln!("{line}");
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            }
            eprintln!("{}: {}", options.out.display(), report.summary());
            Ok(())
        }
        Command::Export {
            layer,
            out,
            zoom,
            data,
        } => export(&load(&data)?, &layer, &out, zoom),
        Command::Search {
            query,
            limit,
            layers,
            json,
            data,
        } => search(&load(&data)?, &query, limit as usize, layers, json),
        Command::Layers { json, data } => {
            let dataset = territoires::Dataset::load(&data)?;
            let rows: Vec<serde_json::Value> = dataset
                .layers
                .iter()
                .map(|l| {
                    serde_json::json!({
                        "id": l.id, "title": l.title, "description": l.description,
                        "kind": match l.kind { LayerKind::Communes => "communes", LayerKind::CommuneSets => "commune-sets", LayerKind::Polygons => "polygons" },
                        "features": l.features.len(), "source": l.source,
                    })
                })
                .collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
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
            }
            Ok(())
        }
    }
}

fn load(dir: &std::path::Path) -> anyhow::Result<Indexed> {
    let started = Instant::now();
    let ix = Indexed::load(dir)?;
    if std::env::var_os("TERRITOIRES_TIMING").is_some() {
        eprintln!(
            "loaded {} in {:.3} s",
            dir.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(ix)
}

fn layer_positions(ix: &Indexed, layers: Option<Vec<String>>) -> anyhow::Result<Vec<usize>> {
    match layers {
        None => Ok((0..ix.dataset.layers.len()).collect()),
        Some(ids) => ids
            .iter()
            .map(|id| {
                ix.layer_position(id)
                    .ok_or_else(|| query::QueryError::UnknownLayer(id.clone()))
            })
            .collect::<Result<_, _>>()
            .context("--layers"),
    }
}

/// `territoires search`: the answer of `/api/search`, as JSON or one line a place.
fn search(
    ix: &Indexed,
    text: &str,
    limit: usize,
    layers: Option<Vec<String>>,
    json: bool,
) -> anyhow::Result<()> {
    let wanted = match layers {
        None => None,
        Some(ids) => {
            let positions = layer_positions(ix, Some(ids))?;
            if let Some(&l) = positions.iter().find(|&&l| !ix.dataset.layers[l].searchable) {
                anyhow::bail!("--layers: layer `{}` is not searchable", ix.dataset.layers[l].id);
            }
            Some(positions)
        }
    };
    let index = query::search::SearchIndex::new(&ix.dataset);
    let results = index.search(&ix.dataset, text, limit, wanted.as_deref());
    let mut out = std::io::stdout().lock();
    let written = if json {
        let answer = serde_json::json!({ "query": text, "results": results });
        writeln!(out, "{}", serde_json::to_string_pretty(&answer)?)
    } else if results.is_empty() {
        writeln!(out, "nothing found for « {text} »")
    } else {
        results.iter().try_for_each(|r| {
            let note = r.note.as_ref().map_or(String::new(), |n| format!(" — {n}"));
            writeln!(
                out,
                "{:<12} {:<10} {} ({} hab.){note}",
                r.layer, r.id, r.name, r.population
            )
        })
    };
    match written {
        // A reader that has seen enough (`| head`) is no error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// `territoires export`: the file the server's `/api/layers/ID.fgb|.gpkg?zoom=` answers, and how
/// long each step took.
fn export(ix: &Indexed, id: &str, out: &std::path::Path, zoom: Option<u8>) -> anyhow::Result<()> {
    use territoires_formats::{GisFormat, LayerExport};
    let format = out
        .extension()
        .and_then(|e| e.to_str())
        .and_then(GisFormat::from_extension)
        .with_context(|| format!("{}: the file name must end in .fgb or .gpkg", out.display()))?;
    let position = ix
        .layer_position(id)
        .ok_or_else(|| query::QueryError::UnknownLayer(id.to_string()))?;
    let layer = &ix.dataset.layers[position];
    let written = ix
        .dataset
        .file
        .as_ref()
        .and_then(|f| f.written.clone())
        .unwrap_or_else(territoires::time::now);
    let started = Instant::now();
    let generalised = zoom.map(|z| ix.generalised(position, z));
    let generalising = started.elapsed();
    let export = match &generalised {
        None => LayerExport::full_resolution(layer, written),
        Some(g) => LayerExport::with_geometries(layer, &g.features, written),
    };
    let started = Instant::now();
    let bytes = format.encode(&export)?;
    let encoding = started.elapsed();
    territoires::fs::write_atomically(out, &bytes)?;
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
