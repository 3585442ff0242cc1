//! `locate` over every layer on 1,000,000 seeded points uniform in lon −5.2…9.6, lat 41.3…51.1.
//! The shapely peer (`bench/locate_shapely.py`) draws the same points; `bench/locate.sh` runs both.

// A bench reports by printing, and a broken set-up is a panic.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geo::Coord;
use territoires_core::Indexed;
use territoires_geo::sample::{METROPOLE_BOX, uniform_points};
use territoires_query::locate::{LocateOptions, Location, locate_each, locate_into};

const POINTS: usize = 1_000_000;
const SEED: u64 = 42;

fn locate_benches(c: &mut Criterion) {
    let ix = Indexed::load(&common::data_dir()).expect("run `make data` first");
    let points: Vec<Coord<f64>> = uniform_points(POINTS, SEED, METROPOLE_BOX)
        .into_iter()
        .map(|(x, y)| Coord { x, y })
        .collect();

    let mut group = c.benchmark_group("locate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(POINTS as u64));

    let all_layers = LocateOptions::default();
    group.bench_function("every_layer", |b| {
        let mut out = Location::default();
        b.iter(|| {
            let mut hits = 0;
            for &p in &points {
                locate_into(&ix, p, &all_layers, &mut out);
                hits += out.hits.len();
            }
            black_box(hits)
        })
    });

    // The same points located a batch at a time, as a file of points or a batch request is.
    group.bench_function("every_layer_batched", |b| {
        // Rows are read, located and written a few thousand at a time (`territoires locate FILE`).
        let mut out = vec![Location::default(); 4096];
        b.iter(|| {
            let mut hits = 0;
            for points in points.chunks(out.len()) {
                let out = &mut out[..points.len()];
                locate_each(&ix, points, &all_layers, out);
                hits += out.iter().map(|l| l.hits.len()).sum::<usize>();
            }
            black_box(hits)
        })
    });

    let communes = ix.layer_position("communes").expect("communes layer");
    group.bench_function("communes_only", |b| {
        b.iter(|| {
            let mut found = 0u32;
            for &p in &points {
                ix.features_at(communes, p, |_| {
                    found += 1;
                    false
                });
            }
            black_box(found)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    // Mapped, decoded and indexed, its checksum checked (what a command waits for).
    group.bench_function("dataset_and_indexes", |b| {
        b.iter(|| black_box(Indexed::load(&common::data_dir()).unwrap().dataset.communes.len()))
    });
    // The same, ready to answer while the checksum is still being checked (what a server waits for
    // at start); the check is waited for out of the timing.
    group.bench_function("ready_to_answer", |b| {
        b.iter_custom(|iterations| {
            let mut ready = std::time::Duration::ZERO;
            for _ in 0..iterations {
                let started = std::time::Instant::now();
                let (ix, verification) = Indexed::open(&common::data_dir()).unwrap();
                ready += started.elapsed();
                black_box(ix.dataset.communes.len());
                verification.wait().unwrap();
            }
            ready
        })
    });
    group.finish();
}

criterion_group!(benches, locate_benches);
criterion_main!(benches);
