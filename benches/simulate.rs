//! `simulate` on drafts of 1, 20 and 100 neighbouring EPCIs, as the server answers them (the EPCI
//! layer's topology and neighbours built once, as the server does at start).

// A bench reports by printing, and a broken set-up is a panic.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod common;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use territoires_core::Indexed;
use territoires_core::dataset::InputKind;
use territoires_geo::topology::{DEFAULT_SNAP_DEG, Neighbours, Topology};
use territoires_query::simulate::{Draft, EpciGraph, simulate};

fn simulate_benches(c: &mut Criterion) {
    let ix = Indexed::load(&common::data_dir()).expect("run `make data` first");
    let layer = ix.dataset.layer_from(InputKind::Epci).expect("an EPCI layer");
    let epci = &ix.dataset.layers[layer];
    let polygons = epci.geometries.all_polygons();
    let topology = Topology::build(&polygons.iter().collect::<Vec<_>>(), DEFAULT_SNAP_DEG);
    let neighbours = Neighbours::new(&topology);
    let graph = EpciGraph {
        layer,
        topology: &topology,
        neighbours: &neighbours,
    };
    // Drafts grow from CA Moulins Communauté through its neighbours, breadth first.
    let seed = epci
        .features
        .iter()
        .position(|f| f.id == "200071140")
        .expect("Moulins");
    let mut order = vec![seed as u32];
    let mut next = 0;
    while order.len() < 100 && next < order.len() {
        for &n in neighbours.of(order[next] as usize) {
            if !order.contains(&n) && order.len() < 100 {
                order.push(n);
            }
        }
        next += 1;
    }

    let mut group = c.benchmark_group("simulate");
    group.sample_size(20);
    for size in [1usize, 20, 100] {
        let draft = Draft {
            epci: order[..size]
                .iter()
                .map(|&f| epci.features[f as usize].id.to_string())
                .collect(),
            replaces: None,
            zoom: 8,
        };
        group.bench_with_input(BenchmarkId::from_parameter(size), &draft, |b, draft| {
            b.iter(|| {
                black_box(
                    simulate(&ix.dataset, &graph, draft)
                        .expect("a valid draft")
                        .figures
                        .population,
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, simulate_benches);
criterion_main!(benches);
