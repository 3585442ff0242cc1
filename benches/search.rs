//! `search` on 1,000 queries made from real commune names as people type them: « St » for Saint, no
//! accents, slips of the fingers, a name cut short, a département after it. Drawn by SplitMix64 (seed 42)
//! from the dataset's communes, so no list is committed. Also: two-letter starts of names, the queries
//! with the most matches to rank.
//!
//! Before the timings it prints how often the commune a query was made from comes first and in the
//! first ten, and each query's best time of a few runs: mean, median, 99th percentile and the slowest.

// A bench reports by printing, and a broken set-up is a panic.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod common;

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use territoires_core::dataset::{Commune, Dataset};
use territoires_geo::sample::SplitMix64;
use territoires_query::search::{MAX_RESULTS, SearchIndex};

const QUERIES: usize = 1_000;
const SEED: u64 = 42;
/// Runs of each query in the report, of which the fastest counts.
const REPEATS: usize = 11;

/// A query made from a commune's name, and the commune's code.
struct Query {
    text: String,
    code: String,
}

fn below(rng: &mut SplitMix64, n: usize) -> usize {
    (rng.next_u64() % n as u64) as usize
}

/// One slip at a random letter: a letter replaced, dropped, doubled into another, or two swapped.
fn slip(rng: &mut SplitMix64, chars: &mut Vec<char>) {
    let letters: Vec<usize> = (0..chars.len()).filter(|&i| chars[i].is_alphabetic()).collect();
    if letters.len() < 2 {
        return;
    }
    let i = letters[below(rng, letters.len())];
    let random_letter = (b'a' + below(rng, 26) as u8) as char;
    match below(rng, 4) {
        0 => chars[i] = random_letter,
        1 => {
            chars.remove(i);
        }
        2 => chars.insert(i, random_letter),
        _ if i + 1 < chars.len() && chars[i + 1].is_alphabetic() => chars.swap(i, i + 1),
        _ => chars[i] = random_letter,
    }
}

/// Half the names as written, a quarter with one slip, a quarter with two (names of 8 letters or more);
/// « Saint » written « St » one time in two; one in five cut after 4 to 8 characters, as while typing;
/// one in five followed by the département's code.
fn make_query(rng: &mut SplitMix64, c: &Commune) -> Query {
    let mut name = c.name.clone();
    if below(rng, 2) == 0 {
        name = name.replace("Saint-", "St-").replace("Sainte-", "Ste-").into();
    }
    let mut chars: Vec<char> = name.chars().collect();
    let letters = chars.iter().filter(|c| c.is_alphabetic()).count();
    let slips = match below(rng, 4) {
        0 | 1 => 0,
        2 => 1,
        _ if letters >= 8 => 2,
        _ => 1,
    };
    for _ in 0..slips {
        slip(rng, &mut chars);
    }
    if below(rng, 5) == 0 && chars.len() > 8 {
        chars.truncate(4 + below(rng, 5));
    }
    let mut text: String = chars.into_iter().collect();
    if below(rng, 5) == 0 {
        text = format!("{text} {}", c.departement);
    }
    Query {
        text,
        code: c.code.to_string(),
    }
}

fn queries(data: &Dataset) -> Vec<Query> {
    let mappable: Vec<&Commune> = data.communes.iter().filter(|c| c.feature.is_some()).collect();
    let mut rng = SplitMix64::new(SEED);
    (0..QUERIES)
        .map(|_| {
            let c = mappable[below(&mut rng, mappable.len())];
            make_query(&mut rng, c)
        })
        .collect()
}

/// How good the answers are, and each query's time as the best of [`REPEATS`] runs: on a shared machine, the
/// best of a few runs is the one no other process interrupted.
fn report(index: &SearchIndex, data: &Dataset, list: &[Query]) {
    let (mut first, mut top10) = (0, 0);
    let mut times = Vec::new();
    for q in list {
        let position = index
            .search(data, &q.text, 10, None)
            .iter()
            .position(|r| r.layer == "communes" && r.id == q.code);
        first += usize::from(position == Some(0));
        top10 += usize::from(position.is_some());
        let best = (0..REPEATS)
            .map(|_| {
                let started = Instant::now();
                black_box(index.search(data, &q.text, MAX_RESULTS, None));
                started.elapsed()
            })
            .min()
            .unwrap_or_default();
        times.push((best, q.text.as_str()));
    }
    times.sort();
    let micros = |t: std::time::Duration| t.as_secs_f64() * 1e6;
    let mean = times.iter().map(|(t, _)| micros(*t)).sum::<f64>() / times.len() as f64;
    let slowest: Vec<String> = times
        .iter()
        .rev()
        .take(5)
        .map(|(t, q)| format!("{q:?} {:.0} µs", micros(*t)))
        .collect();
    eprintln!(
        "{} queries: the commune first for {first}, in the first 10 for {top10}",
        list.len()
    );
    eprintln!(
        "best of {REPEATS} runs a query: mean {mean:.0} µs, median {:.0} µs, 99th percentile {:.0} µs; slowest {}",
        micros(times[times.len() / 2].0),
        micros(times[times.len() * 99 / 100].0),
        slowest.join(", ")
    );
}

fn search_benches(c: &mut Criterion) {
    let data = Dataset::load(&common::data_dir()).expect("run `make data` first");
    let started = Instant::now();
    let index = SearchIndex::new(&data);
    eprintln!(
        "search index built in {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    let list = queries(&data);
    report(&index, &data, &list);

    let mut group = c.benchmark_group("search");
    group.sample_size(10);
    group.throughput(Throughput::Elements(list.len() as u64));
    group.bench_function("1000_typed_names", |b| {
        b.iter(|| {
            let mut found = 0;
            for q in &list {
                found += index.search(&data, &q.text, MAX_RESULTS, None).len();
            }
            black_box(found)
        })
    });
    let starts: Vec<String> = list.iter().map(|q| q.text.chars().take(2).collect()).collect();
    group.bench_function("1000_two_letter_starts", |b| {
        b.iter(|| {
            let mut found = 0;
            for q in &starts {
                found += index.search(&data, q, MAX_RESULTS, None).len();
            }
            black_box(found)
        })
    });
    group.finish();
}

criterion_group!(benches, search_benches);
criterion_main!(benches);
