//! `diff` of a layer between two datasets, as `territoires diff` and `GET /api/diff` compute it, beside
//! its peer: the two coverages by région it holds, which are most of its work.
//!
//! The two sides are the same dataset, loaded twice: a diff compares every territory's EPCIs and
//! communes whatever changed, so its cost does not depend on how much did.

// A bench reports by printing, and a broken set-up is a panic.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod common;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use territoires_core::Dataset;
use territoires_query::coverage::{Breakdown, Scope, coverage};
use territoires_query::diff::diff;

fn diff_benches(c: &mut Criterion) {
    let old = Dataset::load(&common::data_dir()).expect("run `make data` first");
    let new = Dataset::load(&common::data_dir()).expect("run `make data` first");
    let mut group = c.benchmark_group("diff");
    group.sample_size(10);
    for layer in ["pays", "crte", "communes"] {
        group.bench_with_input(BenchmarkId::new("diff", layer), layer, |b, layer| {
            b.iter(|| black_box(diff(&old, &new, layer).unwrap()));
        });
        group.bench_with_input(
            BenchmarkId::new("two coverages by région", layer),
            layer,
            |b, layer| {
                b.iter(|| {
                    for data in [&old, &new] {
                        black_box(coverage(data, layer, &Scope::Metropole, Some(Breakdown::Region)).unwrap());
                    }
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, diff_benches);
criterion_main!(benches);
