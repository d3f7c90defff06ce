//! `cargo bench --bench dashboard`: the time a dashboard takes to show its data.
//!
//! 1. The bundled 8-visual orders dashboard on the sample lake: from `Engine::attach` to every
//!    visual's data ready (`run_visual` and `series::visual::prepare` for each), over a fixed
//!    absolute range covering the sample, against DuckDB running the same expanded queries over
//!    the same Parquet files (through `python3`; skipped when python3 or its `duckdb` module is
//!    missing).
//! 2. `last 1h` against `last 30d` of one dashboard query on a 10-million-row lake partitioned by
//!    hour over 31 days (generated once, cached under the target folder): partition pruning must
//!    make the hour at least 10x cheaper.
//!
//! Figures go in BENCHMARKS.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::doc_markdown
)]

#[path = "dashboard/support.rs"]
mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use lakesight::engine::dashboard::{MAX_VISUAL_ROWS, bound_params, run_visual};
use lakesight::engine::{Engine, EngineOptions, TimeWindow};
use lakesight::model::SourceSpec;
use lakesight::model::dashboard::{Dashboard, TimeRange, bundled::bundled};

use support::{
    DuckDbTimes, duckdb_times, ensure_month_lake, files_in_plan, median, queries_of, show_dashboard,
};

/// Runs of each measurement; the median is reported.
const RUNS: usize = 7;

/// The dashboard query of part 2: revenue by hour over the dashboard's range.
const HOURLY: &str = r#"
title = "Revenue per hour"
time_range = "last 1h"

[[visuals]]
id = "revenue"
kind = "line"
sql = """SELECT date_trunc('hour', event_time) AS hour, sum(amount) AS revenue
         FROM orders WHERE $__timeFilter(event_time) GROUP BY 1 ORDER BY 1"""
x = "hour"
y = ["revenue"]
position = [0, 0, 12, 4]
"#;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!("machine: {cores} cores; median of {RUNS} runs\n");
    demo_lake_preparation();
    runtime.block_on(orders_dashboard());
    runtime.block_on(last_hour_against_last_month());
}

/// The live demo's lake: generated so its history ends now (on a background thread in the app).
fn demo_lake_preparation() {
    let base = tempfile::tempdir().unwrap();
    let mut times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let lake = lakesight::app::demo::prepare_demo_lake(base.path()).unwrap();
        times.push(started.elapsed());
        drop(lake);
    }
    println!(
        "## Live demo lake ({} hours of history ending now): prepared in {:.0} ms (median of 3)\n",
        lakesight::app::demo::DEMO_HOURS,
        ms(median(times))
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn utc(day: u32, month: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, 0, 0, 0).unwrap()
}

/// Part 1: the orders dashboard from attach to every visual's data, Lakesight against DuckDB.
async fn orders_dashboard() {
    let lake = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let dashboard = Dashboard::parse(bundled("orders").unwrap()).unwrap();
    // The sample's whole history, so the figures do not depend on today's date.
    let window = TimeWindow {
        from: utc(22, 11),
        to: utc(25, 11),
        lateness: dashboard.lateness,
    };
    let params = bound_params(&dashboard, &HashMap::new());
    println!(
        "## The orders dashboard ({} visuals) on the sample lake, {} .. {}\n",
        dashboard.visuals.len(),
        window.from,
        window.to
    );

    // Cold: a fresh engine each run (discovery and schema inference included).
    let mut cold = Vec::new();
    let mut attach_times = Vec::new();
    let mut sql = Vec::new();
    for run in 0..RUNS {
        let started = Instant::now();
        let engine = Engine::attach(&SourceSpec::local(&lake), &EngineOptions::default())
            .await
            .unwrap();
        attach_times.push(started.elapsed());
        let runs = show_dashboard(&engine, &dashboard, &window, &params).await;
        cold.push(started.elapsed());
        if run == 0 {
            sql = queries_of(&engine, &dashboard, &window, &runs);
        }
    }
    let first = cold[0];
    // Warm: the same engine again and again.
    let engine = Engine::attach(&SourceSpec::local(&lake), &EngineOptions::default())
        .await
        .unwrap();
    show_dashboard(&engine, &dashboard, &window, &params).await;
    let mut warm = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        show_dashboard(&engine, &dashboard, &window, &params).await;
        warm.push(started.elapsed());
    }
    let rows: Vec<usize> = {
        let runs = show_dashboard(&engine, &dashboard, &window, &params).await;
        runs.iter()
            .flat_map(|run| {
                let previous = run.previous.iter().map(|p| rows_of(p));
                std::iter::once(rows_of(&run.batches)).chain(previous)
            })
            .collect()
    };

    println!("Queries given to DuckDB (the 8 visuals, then the 2 KPIs' previous periods):\n");
    for (i, query) in sql.iter().enumerate() {
        println!("{}. {query}\n", i + 1);
    }
    let (first, cold, warm, attach) = (
        ms(first),
        ms(median(cold)),
        ms(median(warm)),
        ms(median(attach_times)),
    );
    println!("Lakesight: attach {attach:.1} ms (median); first {first:.1} ms");
    match duckdb_times(&lake, &sql, RUNS) {
        Err(why) => {
            println!("DuckDB skipped: {why}\n");
            println!("| | Lakesight |\n|---|---:|");
            println!("| cold: attach + 8 visuals, median | {cold:.1} ms |");
            println!("| warm: 8 visuals, median | {warm:.1} ms |\n");
        }
        Ok(DuckDbTimes {
            version,
            first: duck_first,
            cold: duck_cold,
            warm: duck_warm,
            rows: duck_rows,
        }) => {
            let same = if duck_rows == rows {
                "the same row counts".to_owned()
            } else {
                format!("DIFFERENT row counts: Lakesight {rows:?}, DuckDB {duck_rows:?}")
            };
            println!("DuckDB {version}: {same}\n");
            println!("| | Lakesight | DuckDB | ratio (Lakesight / DuckDB) |\n|---|---:|---:|---:|");
            for (name, ours, theirs) in [
                ("first run in the process", first, duck_first),
                ("cold: attach + all visuals, median", cold, duck_cold),
                ("warm: all visuals, median", warm, duck_warm),
            ] {
                println!(
                    "| {name} | {ours:.1} ms | {theirs:.1} ms | {:.2}x |",
                    ours / theirs
                );
            }
            println!();
        }
    }
}

fn rows_of(batches: &[datafusion::arrow::array::RecordBatch]) -> usize {
    batches
        .iter()
        .map(datafusion::arrow::array::RecordBatch::num_rows)
        .sum()
}

/// Part 2: the same query over the last hour and the last 30 days of a month-long lake.
async fn last_hour_against_last_month() {
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("bench-lakes");
    let lake = base.join("ten-million-month");
    let started = Instant::now();
    let (rows, hours, end) = ensure_month_lake(&lake);
    println!(
        "## last 1h against last 30d: {rows} rows in {hours} hour partitions at {} (ready in {:.1}s)\n",
        lake.display(),
        started.elapsed().as_secs_f64()
    );
    let dashboard = Dashboard::parse(HOURLY).unwrap();
    let visual = &dashboard.visuals[0];
    let params = bound_params(&dashboard, &HashMap::new());
    let engine = Engine::attach(&SourceSpec::local(&lake), &EngineOptions::default())
        .await
        .unwrap();
    // "now" is the lake's end, so the last hour and the last 30 days are both full of data.
    let now = end;
    println!("now = {now}; lateness {:?}\n", dashboard.lateness);
    println!(
        "| range | files in the plan | rows out | median | ratio to last 1h |\n|---|---:|---:|---:|---:|"
    );
    let mut hour_time = None;
    for range in ["last 1h", "last 30d"] {
        let range: TimeRange = range.parse().unwrap();
        let (from, to) = range.resolve(now);
        let window = TimeWindow {
            from,
            to,
            lateness: dashboard.lateness,
        };
        let run = run_visual(&engine, visual, &window, &params, MAX_VISUAL_ROWS)
            .await
            .unwrap();
        let files = files_in_plan(&engine, run.sql.as_deref().unwrap(), &params).await;
        let mut times = Vec::new();
        for _ in 0..RUNS {
            let started = Instant::now();
            let run = run_visual(&engine, visual, &window, &params, MAX_VISUAL_ROWS)
                .await
                .unwrap();
            times.push(started.elapsed());
            std::hint::black_box(run);
        }
        let time = median(times);
        let ratio = hour_time.map_or(1.0, |hour: Duration| {
            time.as_secs_f64() / hour.as_secs_f64()
        });
        hour_time.get_or_insert(time);
        println!(
            "| {range} | {files} | {} | {:.1} ms | {ratio:.1}x |",
            rows_of(&run.batches),
            ms(time)
        );
        if ratio > 1.0 {
            let verdict = if ratio >= 10.0 { "met" } else { "NOT met" };
            println!("\nlast 1h at least 10x cheaper than last 30d: {verdict} ({ratio:.1}x)");
        }
    }
    // The reference: the last hour with the time filter written by hand, without the partition
    // predicates `$__timeFilter` adds, so every file is listed and opened.
    let (from, to) = TimeRange::Last(Duration::from_hours(1)).resolve(now);
    let literal = |at: DateTime<Utc>| {
        format!(
            "(TIMESTAMP '{}' AT TIME ZONE 'UTC')",
            at.format("%Y-%m-%dT%H:%M:%SZ")
        )
    };
    let sql = format!(
        "SELECT date_trunc('hour', event_time) AS hour, sum(amount) AS revenue FROM orders \
         WHERE event_time >= {} AND event_time < {} GROUP BY 1 ORDER BY 1",
        literal(from),
        literal(to)
    );
    let files = files_in_plan(&engine, &sql, &params).await;
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        rows = rows_of(&engine.collect(&sql).await.unwrap());
        times.push(started.elapsed());
    }
    let time = median(times);
    let ratio = hour_time.map_or(1.0, |hour| time.as_secs_f64() / hour.as_secs_f64());
    println!(
        "\n| last 1h without partition predicates (reference) | {files} | {rows} | {:.1} ms | {ratio:.1}x |",
        ms(time)
    );
}
