//! The vector tiles as clients load them: the TileJSON of the set and of each layer, the MapLibre
//! style (its colours the catalogue's own), and the tile of every layer with its label points.

use std::collections::BTreeSet;

use geozero::mvt::{Message, Tile};

use crate::common::{self, get};

#[tokio::test]
async fn the_tileset_names_every_layer_its_fields_and_sources() {
    let doc = get("/api/tiles.json").await.json();
    assert_eq!(doc["tilejson"], "3.0.0");
    assert!(
        doc["tiles"][0]
            .as_str()
            .unwrap()
            .ends_with("/tiles/all/{z}/{x}/{y}.mvt")
    );
    let ids: BTreeSet<&str> = doc["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    for layer in &common::indexed().dataset.layers {
        assert!(ids.contains(layer.id.as_str()), "{}", layer.id);
        assert!(
            ids.contains(format!("{}_labels", layer.id).as_str()),
            "{}",
            layer.id
        );
        assert!(
            doc["attribution"].as_str().unwrap().contains(&layer.source.name),
            "{}",
            layer.id
        );
    }
    let pays = doc["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "pays")
        .unwrap();
    assert_eq!(
        pays["fields"]["status"], "String",
        "the legend property rides in the tiles"
    );
    let bounds: Vec<f64> = doc["bounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(bounds[0] < -4.0 && bounds[2] > 8.0, "{bounds:?}");

    let layer = get("/api/tiles/pays.json").await.json();
    assert!(
        layer["tiles"][0]
            .as_str()
            .unwrap()
            .ends_with("/tiles/pays/{z}/{x}/{y}.mvt")
    );
    assert_eq!(get("/api/tiles/nope.json").await.status, 404);
    assert_eq!(get("/api/tiles/pays.txt").await.status, 404);
}

#[tokio::test]
async fn the_style_draws_the_tiles_in_the_pages_colours() {
    let style = get("/api/style.json").await.json();
    assert_eq!(style["version"], 8);
    assert!(
        style["sources"]["territoires"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/api/tiles.json")
    );
    let tileset = get("/api/tiles.json").await.json();
    let vector_layers: BTreeSet<&str> = tileset["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    let layers = style["layers"].as_array().unwrap();
    for l in layers.iter().filter(|l| l["type"] != "background") {
        assert!(vector_layers.contains(l["source-layer"].as_str().unwrap()), "{l}");
    }
    // The Pays fill takes each class's colour as the catalogue gives it to the page.
    let catalogue = get("/api/layers").await.json();
    let pays = catalogue["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "pays")
        .unwrap();
    let fill = layers.iter().find(|l| l["id"] == "pays-fill").unwrap();
    let expression = fill["paint"]["fill-color"].as_array().unwrap();
    for class in pays["legend"]["classes"].as_array().unwrap() {
        // Each label an array of one value, the form QGIS 3.22's converter reads.
        let label = serde_json::json!([class["value"]]);
        let at = expression
            .iter()
            .position(|v| v == &label)
            .expect("the class is matched");
        assert_eq!(expression[at + 1], class["fill"], "{class}");
    }
    assert_eq!(expression.last().unwrap(), &catalogue["unclassed"]["fill"]);
    // Names come last, above every shape.
    let first_names = layers.iter().position(|l| l["type"] == "symbol").unwrap();
    assert!(layers[first_names..].iter().all(|l| l["type"] == "symbol"));
    assert!(
        layers
            .iter()
            .any(|l| l["id"] == "pays-names" && l["source-layer"] == "pays_labels")
    );
}

/// Every layer's tile in one: Clermont-Ferrand's at zoom 6 holds the Pays and their label points;
/// the communes only from their `min_zoom`.
#[tokio::test]
async fn the_tile_of_every_layer_holds_shapes_and_labels() {
    let names = |tile: &Tile| -> BTreeSet<String> { tile.layers.iter().map(|l| l.name.clone()).collect() };
    let at = |z: u32, lon: f64, lat: f64| {
        let n = f64::from(1u32 << z);
        let x = ((lon + 180.0) / 360.0 * n) as u32;
        let lat = lat.to_radians();
        let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32;
        format!("/tiles/all/{z}/{x}/{y}.mvt")
    };
    let answer = get(&at(6, 3.08, 45.78)).await;
    assert_eq!(answer.status, 200);
    let tile = Tile::decode(answer.body.clone()).unwrap();
    let layers = names(&tile);
    for needed in ["pays", "pays_labels", "regions", "departements", "epci"] {
        assert!(layers.contains(needed), "{needed}: {layers:?}");
    }
    assert!(!layers.contains("communes"), "{layers:?}");
    let labels = tile.layers.iter().find(|l| l.name == "pays_labels").unwrap();
    assert!(labels.keys.iter().any(|k| k == "name"));
    let pays = tile.layers.iter().find(|l| l.name == "pays").unwrap();
    assert!(pays.keys.iter().any(|k| k == "status"));
    // Every polygon's first ring is an exterior: a positive area in tile coordinates (MVT 2.1,
    // 4.3.4.4), read from the geometry commands.
    for layer in tile.layers.iter().filter(|l| !l.name.ends_with("_labels")) {
        for feature in &layer.features {
            let area = first_ring_area(&feature.geometry);
            assert!(
                area > 0.0,
                "{}: feature {:?} starts with a ring of area {area}",
                layer.name,
                feature.id
            );
        }
    }
    let close = Tile::decode(get(&at(10, 3.08, 45.78)).await.body).unwrap();
    assert!(names(&close).contains("communes"));
    assert_eq!(get("/tiles/all/3/9/0.mvt").await.status, 404);
}

/// The area (surveyor's formula, tile coordinates, y down) of the first ring of an MVT polygon's
/// commands: MoveTo, LineTo…, ClosePath, with zigzag-encoded deltas.
fn first_ring_area(commands: &[u32]) -> f64 {
    let zigzag = |v: u32| f64::from(((v >> 1) as i32) ^ -((v & 1) as i32));
    let (mut x, mut y, mut ring) = (0.0, 0.0, Vec::new());
    let mut i = 0;
    while i < commands.len() {
        let (id, count) = (commands[i] & 7, commands[i] >> 3);
        i += 1;
        if id == 7 {
            break; // ClosePath ends the first ring
        }
        for _ in 0..count {
            x += zigzag(commands[i]);
            y += zigzag(commands[i + 1]);
            i += 2;
            ring.push((x, y));
        }
    }
    let n = ring.len();
    (0..n)
        .map(|k| {
            let (a, b) = (ring[k], ring[(k + 1) % n]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum::<f64>()
        / 2.0
}

/// A PMTiles v3 archive read by hand from its specification (not by the crate that wrote it).
struct Archive {
    bytes: Vec<u8>,
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

fn varints(bytes: &[u8]) -> Vec<u64> {
    let (mut out, mut value, mut shift) = (Vec::new(), 0u64, 0);
    for &b in bytes {
        value |= u64::from(b & 0x7f) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            out.push(value);
            (value, shift) = (0, 0);
        }
    }
    out
}

/// The PMTiles tile id of z/x/y: the tiles of the zooms before, then the Hilbert index (the
/// specification's reference algorithm, in two's complement as its JavaScript does).
fn tile_id(z: u8, x: u32, y: u32) -> u64 {
    let before: i64 = (0..z).map(|i| 1i64 << (2 * i)).sum();
    let (mut x, mut y, mut d) = (i64::from(x), i64::from(y), 0i64);
    let mut s = (1i64 << z) / 2;
    while s > 0 {
        let rx = i64::from(x & s > 0);
        let ry = i64::from(y & s > 0);
        d += s * s * ((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = s - 1 - x;
                y = s - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    (before + d) as u64
}

impl Archive {
    fn header(&self, at: usize) -> u64 {
        u64_at(&self.bytes, at)
    }

    /// Entries of a directory: (tile id, offset, length, run length).
    fn directory(&self, offset: u64, length: u64) -> Vec<(u64, u64, u64, u64)> {
        let raw = gunzip(&self.bytes[offset as usize..(offset + length) as usize]);
        let v = varints(&raw);
        let n = v[0] as usize;
        let (ids, runs, lengths, offsets) = (
            &v[1..1 + n],
            &v[1 + n..1 + 2 * n],
            &v[1 + 2 * n..1 + 3 * n],
            &v[1 + 3 * n..1 + 4 * n],
        );
        let mut entries: Vec<(u64, u64, u64, u64)> = Vec::with_capacity(n);
        let mut id = 0;
        for i in 0..n {
            id += ids[i];
            let offset = if i > 0 && offsets[i] == 0 {
                entries[i - 1].1 + entries[i - 1].2
            } else {
                offsets[i] - 1
            };
            entries.push((id, offset, lengths[i], runs[i]));
        }
        entries
    }

    fn tile(&self, z: u8, x: u32, y: u32) -> Option<Vec<u8>> {
        let id = tile_id(z, x, y);
        let (mut offset, mut length) = (self.header(8), self.header(16));
        loop {
            let entries = self.directory(offset, length);
            let entry = entries.iter().rev().find(|e| e.0 <= id)?;
            if entry.3 == 0 {
                (offset, length) = (self.header(40) + entry.1, entry.2);
                continue;
            }
            if id >= entry.0 + entry.3 {
                return None;
            }
            let start = (self.header(56) + entry.1) as usize;
            return Some(gunzip(&self.bytes[start..start + entry.2 as usize]));
        }
    }
}

/// `territoires export-tiles` writes a PMTiles v3 archive whose tiles are the server's own, with the
/// TileJSON as its metadata.
#[tokio::test]
async fn the_pmtiles_archive_holds_the_servers_tiles() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("france.pmtiles");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_territoires"))
        .args([
            "export-tiles",
            "--out",
            out.to_str().unwrap(),
            "--maxzoom",
            "7",
            "--data",
        ])
        .arg(common::data_dir())
        .status()
        .unwrap();
    assert!(status.success());
    let archive = Archive {
        bytes: std::fs::read(&out).unwrap(),
    };
    assert_eq!(&archive.bytes[..7], b"PMTiles");
    assert_eq!(archive.bytes[7], 3, "version 3");
    assert_eq!(archive.bytes[99], 1, "vector tiles");
    assert_eq!((archive.bytes[100], archive.bytes[101]), (0, 7), "zooms");
    let metadata = gunzip(
        &archive.bytes[archive.header(24) as usize..(archive.header(24) + archive.header(32)) as usize],
    );
    let metadata: serde_json::Value = serde_json::from_slice(&metadata).unwrap();
    assert!(
        metadata["vector_layers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == "pays_labels")
    );
    assert!(metadata["attribution"].as_str().unwrap().contains("BANATIC"));
    // Clermont-Ferrand's tile at zoom 6 is the server's, byte for byte; a tile at sea is absent.
    let ours = archive.tile(6, 32, 22).expect("the tile is in the archive");
    let served = get("/tiles/all/6/32/22.mvt").await.body;
    assert_eq!(ours, served.to_vec());
    let tile = Tile::decode(&ours[..]).unwrap();
    assert!(tile.layers.iter().any(|l| l.name == "pays"));
    assert_eq!(archive.tile(6, 25, 22), None, "the Atlantic");
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_territoires"))
        .args([
            "export-tiles",
            "--out",
            out.to_str().unwrap(),
            "--layers",
            "nope",
            "--data",
        ])
        .arg(common::data_dir())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("nope"));
}
