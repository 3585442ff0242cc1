//! Shared by the integration tests: the real prepared dataset, loaded once.

#![allow(dead_code)]

pub mod process;

use std::path::PathBuf;
use std::sync::OnceLock;

use territoires_core::Indexed;

/// `TERRITOIRES_DATA`, or `geodata/build` in the project.
pub fn data_dir() -> PathBuf {
    std::env::var_os("TERRITOIRES_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("geodata/build"))
}

pub fn indexed() -> &'static Indexed {
    static INDEXED: OnceLock<Indexed> = OnceLock::new();
    INDEXED.get_or_init(|| {
        Indexed::load(&data_dir()).unwrap_or_else(|e| panic!("{e}\nrun `make data` before the tests"))
    })
}

pub fn layer(ix: &Indexed, id: &str) -> territoires_core::dataset::LayerIx {
    ix.layer_position(id).unwrap_or_else(|| panic!("no layer {id}"))
}

/// `TERRITOIRES_CACHE`, or `geodata/cache` in the project (filled by `make data`).
pub fn cache_dir() -> PathBuf {
    std::env::var_os("TERRITOIRES_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(territoires_build::DEFAULT_CACHE))
}

pub fn geodata_dir() -> PathBuf {
    std::env::var_os("TERRITOIRES_GEODATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(territoires_build::DEFAULT_GEODATA))
}

/// Base URLs of two real servers on ephemeral ports, sharing one state: the normal one, and one with a
/// 1 KB body limit. Started once, on their own runtime, for the whole test binary.
pub fn servers() -> &'static (String, String) {
    use std::net::SocketAddr;
    use std::sync::Arc;
    use territoires_server::{AppState, DEFAULT_MAX_BODY_BYTES, Limits, router};

    static SERVERS: OnceLock<(String, String)> = OnceLock::new();
    SERVERS.get_or_init(|| {
        let ix = Indexed::load(&data_dir()).expect("run `make data` first");
        let state = Arc::new(AppState::new(ix));
        let (tx, rx) = std::sync::mpsc::channel::<SocketAddr>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime.block_on(async move {
                let mut tasks = Vec::new();
                for limit in [DEFAULT_MAX_BODY_BYTES, 1024] {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
                    tx.send(listener.local_addr().expect("addr")).expect("send");
                    let limits = Limits {
                        max_body_bytes: limit,
                        ..Limits::default()
                    };
                    let app = router(state.clone(), &limits);
                    tasks.push(tokio::spawn(async move { axum::serve(listener, app).await }));
                }
                for t in tasks {
                    let _ = t.await;
                }
            });
        });
        let normal = rx.recv().expect("server");
        let small = rx.recv().expect("server");
        (format!("http://{normal}"), format!("http://{small}"))
    })
}

/// The rows of a territory CSV of the geodata directory, as header → value maps, read with the csv
/// crate alone so that expectations do not depend on the code under test.
pub fn territory_rows(rel: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    csv_rows(&geodata_dir().join(rel))
}

/// The rows of a CSV file as header → value maps, read with the csv crate alone.
pub fn csv_rows(path: &std::path::Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|row| {
            let row = row.expect("row");
            headers
                .iter()
                .map(String::from)
                .zip(row.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// How many rows of a territory CSV must become features: those with at least one member that is a
/// current commune or a 2026 EPCI.
pub fn expected_feature_count(rel: &str) -> usize {
    let data = &indexed().dataset;
    let epci = data.layer("epci").expect("epci layer");
    let known = |m: &str| data.commune_by_code(m).is_some() || epci.features.iter().any(|f| f.id == m);
    territory_rows(rel)
        .iter()
        .filter(|row| row["members"].split(';').map(str::trim).any(known))
        .count()
}

/// A JSON file of the pinned COG package, read with tar and flate2 alone.
pub fn cog_json(name: &str) -> Vec<serde_json::Value> {
    use std::io::Read;
    let tarball = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(territoires_build::DEFAULT_CACHE)
        .join(territoires_build::sources::pinned::DECOUPAGE_ADMINISTRATIF.file_name);
    let file = std::fs::File::open(&tarball).expect("the COG package in the cache (make data)");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().to_string_lossy() == format!("package/data/{name}") {
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            return serde_json::from_str(&text).unwrap();
        }
    }
    panic!("no {name} in {}", tarball.display());
}

/// The project's layer catalogue.
pub fn catalogue() -> territoires_build::catalogue::Catalogue {
    use territoires_build::catalogue::{Catalogue, DEFAULT_LAYERS, default_path};
    Catalogue::load(&default_path(DEFAULT_LAYERS)).expect("geodata/layers.toml")
}

/// The geodata file, relative to the geodata directory, that layer `id` is built from.
pub fn layer_file(id: &str) -> String {
    catalogue()
        .layer(id)
        .and_then(|l| l.input.file())
        .unwrap_or_else(|| panic!("layer {id} reads no file"))
        .to_string()
}

/// Builds a dataset into `dir/build` from a copy (in `dir/geodata`) of the geodata directory where
/// layer `layer`'s file is replaced by `replacement`: the way to test what a changed input does
/// without touching the shared geodata.
pub fn build_with_layer_file(dir: &std::path::Path, layer: &str, replacement: &std::path::Path) -> PathBuf {
    use territoires_build::catalogue::{DEFAULT_INDICATORS, DEFAULT_LAYERS, default_path};
    let geodata = dir.join("geodata");
    for input in catalogue().files() {
        let target = geodata.join(input);
        std::fs::create_dir_all(target.parent().expect("a file's directory")).expect("geodata copy");
        std::fs::copy(geodata_dir().join(input), &target).expect("geodata copy");
    }
    std::fs::copy(replacement, geodata.join(layer_file(layer))).expect("replacement layer file");
    let out = dir.join("build");
    territoires_build::build(&territoires_build::BuildOptions {
        catalogue: default_path(DEFAULT_LAYERS),
        indicators: default_path(DEFAULT_INDICATORS),
        geodata,
        cache: cache_dir(),
        out: out.clone(),
        progress: false,
    })
    .expect("build");
    out
}

/// A real server with the project's `web/` directory, on an ephemeral port, started once.
pub fn web_server() -> &'static str {
    use std::sync::Arc;
    use territoires_server::{AppState, Limits, router_with_web};

    static SERVER: OnceLock<String> = OnceLock::new();
    SERVER.get_or_init(|| {
        let ix = territoires_core::Indexed::load(&data_dir()).expect("run `make data` first");
        let state = Arc::new(AppState::new(ix));
        let web = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
                tx.send(listener.local_addr().expect("addr")).expect("send");
                let app = router_with_web(state, &Limits::default(), Some(&web));
                axum::serve(listener, app).await
            })
        });
        format!("http://{}", rx.recv().expect("server"))
    })
}

/// Runs `gdaltransform` from `from` to `to` on `points` (x y, or lon lat: GDAL's utilities keep
/// the GIS order for geographic systems).
pub fn gdaltransform(from: &str, to: &str, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut child = std::process::Command::new("gdaltransform")
        .args(["-s_srs", from, "-t_srs", to, "-output_xy"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("gdaltransform is missing: `make tools` installs gdal-bin");
    let mut input = String::new();
    for (x, y) in points {
        input.push_str(&format!("{x:.12} {y:.12}\n"));
    }
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, input.as_bytes()));
    let output = child.wait_with_output().expect("gdaltransform runs");
    writer.join().expect("writer").expect("write to gdaltransform");
    assert!(
        output.status.success(),
        "gdaltransform {from} {to}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let out: Vec<(f64, f64)> = text
        .lines()
        .map(|line| {
            let mut numbers = line.split_whitespace().map(|v| v.parse::<f64>().expect(line));
            (numbers.next().expect(line), numbers.next().expect(line))
        })
        .collect();
    assert_eq!(out.len(), points.len(), "gdaltransform {from} {to}");
    out
}

/// An answer of the test server: status, headers and body.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: bytes::Bytes,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// GETs `path` of the test server.
pub async fn get(path: &str) -> Answer {
    let response = reqwest::get(format!("{}{path}", servers().0))
        .await
        .expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("a body");
    Answer {
        status,
        headers,
        body,
    }
}

/// A fresh, empty directory `group/name` under the test target's scratch directory.
pub fn scratch(group: &str, name: &str) -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Runs the `territoires` binary with `args` to its end.
pub fn territoires(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_territoires"))
        .args(args)
        .output()
        .expect("run territoires")
}

/// A path as a command-line argument.
pub fn path_text(path: &std::path::Path) -> &str {
    path.to_str().expect("UTF-8 path")
}
