//! `cargo bench --bench cluster`: the 10-million-row lake queried through a Ballista cluster of
//! one scheduler and two executors on this machine (`lakesight cluster`, real processes), against
//! the local engine in this process; and what a small query pays for going through a cluster
//! (planning twice, a job, results streamed back through the scheduler). Figures go in
//! BENCHMARKS.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::doc_markdown,
    clippy::print_stdout
)]

#[path = "../tests/common/cluster.rs"]
#[allow(clippy::unwrap_used)]
mod processes;

#[path = "dashboard/support.rs"]
#[allow(dead_code)]
mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lakesight::engine::cluster::ClusterUrl;
use lakesight::engine::{Engine, EngineOptions};
use lakesight::model::SourceSpec;
use processes::{Process, free_port};
use support::{ensure_month_lake, median};

const RUNS: usize = 5;

const QUERIES: [(&str, &str); 6] = [
    (
        "count and sum by hour (10M rows)",
        "SELECT day, hour, count(*) AS n, sum(amount) AS revenue FROM orders GROUP BY day, hour ORDER BY day, hour",
    ),
    (
        "top-10 customers (200k groups)",
        "SELECT customer_id, sum(amount) AS spend FROM orders GROUP BY customer_id ORDER BY spend DESC LIMIT 10",
    ),
    (
        "filter on a partition key (one day)",
        "SELECT country, count(*) AS n, avg(amount) AS a FROM orders WHERE day = '20' GROUP BY country ORDER BY n DESC",
    ),
    (
        "filter on a column",
        "SELECT count(*) FROM orders WHERE amount > 900 AND status = 'cancelled'",
    ),
    (
        "small: one hour's count",
        "SELECT count(*) FROM orders WHERE day = '20' AND hour = '12'",
    ),
    ("small: SELECT 1", "SELECT 1"),
];

fn start(args: &[String]) -> Process {
    Process(
        Command::new(env!("CARGO_BIN_EXE_lakesight"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

async fn run(engine: &Engine, sql: &str) -> Duration {
    let started = Instant::now();
    let batches = engine.collect(sql).await.unwrap();
    assert!(!batches.is_empty());
    started.elapsed()
}

async fn median_of(engine: &Engine, sql: &str) -> Duration {
    run(engine, sql).await;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        times.push(run(engine, sql).await);
    }
    median(times)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("bench-lakes");
    let lake = base.join("ten-million-month");
    let (rows, hours, _) = ensure_month_lake(&lake);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!(
        "machine: {cores} cores; {rows} rows of Parquet in {hours} hour partitions; \
         cluster: scheduler + 2 executors ({cores} tasks each) on this machine; median of {RUNS} after a warm-up\n"
    );

    let port = free_port();
    let served = lake.display().to_string();
    let _scheduler = start(&[
        "cluster".into(),
        "scheduler".into(),
        "--port".into(),
        port.to_string(),
        "--lake".into(),
        served.clone(),
    ]);
    let _executors: Vec<Process> = (0..2)
        .map(|_| {
            start(&[
                "cluster".into(),
                "executor".into(),
                "--scheduler-port".into(),
                port.to_string(),
                "--bind-port".into(),
                free_port().to_string(),
                "--bind-grpc-port".into(),
                free_port().to_string(),
                "--concurrent-tasks".into(),
                cores.to_string(),
                "--lake".into(),
                served.clone(),
            ])
        })
        .collect();

    runtime.block_on(async {
        let spec = SourceSpec::local(&lake);
        let local = Engine::attach(&spec, &EngineOptions::default())
            .await
            .unwrap();
        let url: ClusterUrl = format!("df://127.0.0.1:{port}").parse().unwrap();
        let cluster = Engine::attach(
            &spec,
            &EngineOptions {
                cluster: Some(url),
                ..EngineOptions::default()
            },
        )
        .await
        .unwrap();
        // The executors are up once a query runs.
        let waited = Instant::now();
        while cluster.collect("SELECT 1").await.is_err() {
            assert!(
                waited.elapsed() < Duration::from_mins(1),
                "the cluster did not start"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        println!("| query | local engine | 2-executor cluster | ratio | cluster − local |");
        println!("|---|---:|---:|---:|---:|");
        for (name, sql) in QUERIES {
            let here = median_of(&local, sql).await;
            let there = median_of(&cluster, sql).await;
            println!(
                "| {name} | {:.1} ms | {:.1} ms | {:.2}x | {:+.1} ms |",
                ms(here),
                ms(there),
                there.as_secs_f64() / here.as_secs_f64(),
                ms(there) - ms(here)
            );
        }
    });
}
