//! The cache crates compared on what the auth layer asks of them: a hit on a full cache
//! keyed by a session token's text (the warm path), and an insert into a full cache (what
//! every new token costs once the bound is reached). Candidates: `quick_cache` (kept) and
//! `moka`; the hand-written map they replace is measured too. Figures: docs/benchmarks.md.
//! Run: `cargo bench -p server --bench caches`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::HashMap,
    hint::black_box,
    sync::{Arc, RwLock},
    time::Duration,
};

use criterion::{Criterion, criterion_group, criterion_main};

const ENTRIES: usize = 100_000;

/// A key as long as a Clerk session token with profile claims (about 800 characters).
fn key(n: usize) -> String {
    format!("{n:020}{}", "x".repeat(780))
}

#[derive(Debug)]
struct Value {
    _expires_at: i64,
    _user: [u64; 8],
}

fn value() -> Arc<Value> {
    Arc::new(Value {
        _expires_at: 1,
        _user: [0; 8],
    })
}

fn benches(c: &mut Criterion) {
    let keys: Vec<Box<str>> = (0..ENTRIES).map(|n| key(n).into()).collect();
    let fresh: Vec<Box<str>> = (ENTRIES..ENTRIES * 4).map(|n| key(n).into()).collect();
    let probe: &str = &keys[ENTRIES / 2];

    let quick: quick_cache::sync::Cache<Box<str>, Arc<Value>> =
        quick_cache::sync::Cache::new(ENTRIES);
    let moka: moka::sync::Cache<Box<str>, Arc<Value>> = moka::sync::Cache::builder()
        .max_capacity(ENTRIES as u64)
        .time_to_live(Duration::from_secs(3600))
        .build();
    let map: RwLock<HashMap<Box<str>, Arc<Value>>> = RwLock::new(HashMap::new());
    for k in &keys {
        quick.insert(k.clone(), value());
        moka.insert(k.clone(), value());
        map.write().unwrap().insert(k.clone(), value());
    }
    moka.run_pending_tasks();
    // Warm the probe so that each policy counts it as frequently used.
    for _ in 0..10 {
        quick.get(probe);
        moka.get(probe);
    }

    c.bench_function("cache_hit_quick_cache", |b| {
        b.iter(|| black_box(quick.get(black_box(probe))).unwrap())
    });
    c.bench_function("cache_hit_moka", |b| {
        b.iter(|| black_box(moka.get(black_box(probe))).unwrap())
    });
    c.bench_function("cache_hit_rwlock_hashmap", |b| {
        b.iter(|| black_box(map.read().unwrap().get(black_box(probe)).cloned()).unwrap())
    });

    let mut n = 0;
    c.bench_function("cache_insert_full_quick_cache", |b| {
        b.iter(|| {
            n = (n + 1) % fresh.len();
            quick.insert(fresh[n].clone(), value());
        })
    });
    let mut n = 0;
    c.bench_function("cache_insert_full_moka", |b| {
        b.iter(|| {
            n = (n + 1) % fresh.len();
            moka.insert(fresh[n].clone(), value());
        })
    });
}

criterion_group! {
    name = caches;
    config = Criterion::default().measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(caches);
