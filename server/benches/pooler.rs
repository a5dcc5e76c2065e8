//! What a statement costs behind a transaction-mode pooler, against the direct fast path:
//! one indexed user read (`PgUsers::find_by_clerk_id`, the database read of a request whose
//! user is not cached) and the same read as a named, cached statement (sqlx's default for
//! `query(..).bind(..)`).
//!
//! Needs `DATABASE_URL` (direct; the bench migrates it and writes one user) and, for the
//! pooler rows, `BENCH_POOLER_URL`: a PgBouncer in transaction mode in front of the same
//! database (scripts/bench starts one). Figures in docs/benchmarks.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use populatte::{ClerkId, UserRepository};
use server::db::{Db, Pooler, users::PgUsers};
use sqlx::{PgPool, postgres::PgConnectOptions, postgres::PgPoolOptions};

const USER: &str = "user_benchpooler";

fn pool(options: PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .connect_lazy_with(options)
}

fn benches(c: &mut Criterion) {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!("pooler bench: DATABASE_URL is not set; nothing measured");
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Lazy pools start their maintenance task on the runtime they are made in.
    let _runtime = runtime.enter();
    let direct: PgConnectOptions = url.parse().unwrap();
    let direct_pool = pool(direct.clone());
    runtime.block_on(async {
        server::db::MIGRATOR.run(&direct_pool).await.unwrap();
        sqlx::query("insert into users (clerk_id, email) values ($1, 'bench@example.com') on conflict do nothing")
            .bind(USER)
            .execute(&direct_pool)
            .await
            .unwrap();
    });
    let clerk_id = ClerkId::parse(USER).unwrap();
    // What DATABASE_POOLER=transaction does to the query pool's connections.
    let unnamed = |options: PgConnectOptions| {
        pool(options.statement_cache_capacity(0).extra_float_digits(None))
    };
    let mut setups = vec![
        ("direct", Db::from(direct_pool.clone())),
        (
            "direct_in_pooler_mode",
            Db::new(
                unnamed(direct.clone()),
                direct_pool.clone(),
                Pooler::Transaction,
            ),
        ),
    ];
    match std::env::var("BENCH_POOLER_URL") {
        Ok(pooler) => setups.push((
            "pgbouncer_transaction_mode",
            Db::new(
                unnamed(pooler.parse().unwrap()),
                direct_pool.clone(),
                Pooler::Transaction,
            ),
        )),
        Err(_) => {
            eprintln!("pooler bench: BENCH_POOLER_URL is not set; the pooler rows are left out")
        }
    }
    for (name, db) in &setups {
        let users = PgUsers::new(db.clone());
        c.bench_function(&format!("user_read_{name}"), |b| {
            b.to_async(&runtime).iter(|| async {
                assert!(users.find_by_clerk_id(&clerk_id).await.unwrap().is_some());
            })
        });
        c.bench_function(&format!("cached_statement_read_{name}"), |b| {
            b.to_async(&runtime).iter(|| async {
                let id: uuid::Uuid = sqlx::query_scalar("select id from users where clerk_id = $1")
                    .bind(USER)
                    .fetch_one(db)
                    .await
                    .unwrap();
                id
            })
        });
    }
}

criterion_group! {
    name = pooler;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = benches
}
criterion_main!(pooler);
