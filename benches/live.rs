//! Live refresh figures (`cargo bench --bench live`), printed as Markdown for `BENCHMARKS.md`:
//!
//! 1. Refresh after one new file against the first load, on the 10-million-row month lake of the
//!    dashboard bench: the first load attaches a fresh engine and runs four visuals over the last
//!    7 days; the refresh finds the new file with `lake::changes` (listing from the newest
//!    partition on), tells the engine as the window does (locally the window's file watcher names
//!    the folder, which alone is listed again; on S3 the table is listed again) and runs the four
//!    visuals again on the same engine. Locally and on a real S3 server on 127.0.0.1 (s3s-fs),
//!    with the window's engine (hot cache, aggregates kept per file) and with plain DataFusion
//!    reading (the baseline).
//! 2. Landing to chart on a local lake: the real app (`egui_kittest`, frames drawn continuously)
//!    shows a `refresh = "new-data"` dashboard while the simulator writes; from the moment the
//!    simulator renamed an orders file into place to the frame where the tile holds the new data.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::cast_precision_loss,
    clippy::doc_markdown
)]

#[allow(dead_code)]
#[path = "dashboard/support.rs"]
mod support;

#[path = "../tests/common/s3.rs"]
mod s3;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use egui_kittest::Harness;
use lakesight::app::{AppConfig, LakesightApp, Launch};
use lakesight::engine::dashboard::bound_params;
use lakesight::engine::{Engine, EngineOptions, TimeWindow};
use lakesight::lake::changes::{Watermark, new_files_since};
use lakesight::model::SourceSpec;
use lakesight::model::dashboard::{Dashboard, DashboardSource};
use lakesight::sim::{SimConfig, Stream, run};
use support::{ensure_month_lake, hour_batch, median, write_parquet};

/// Runs of the refresh comparison.
const RUNS: usize = 5;
/// Orders files whose landing is timed.
const LANDINGS: usize = 10;

/// Four visuals over the month lake.
const MONTH: &str = r#"title = "Month"
time_range = "last 7d"
refresh = "new-data"

[[visuals]]
id = "revenue"
kind = "kpi"
sql = "SELECT sum(amount) AS revenue FROM orders WHERE $__timeFilter(event_time)"
y = ["revenue"]
position = [0, 0, 3, 3]

[[visuals]]
id = "per_hour"
kind = "line"
sql = """SELECT date_trunc('hour', event_time) AS hour, sum(amount) AS revenue FROM orders
         WHERE $__timeFilter(event_time) GROUP BY 1 ORDER BY 1"""
x = "hour"
y = ["revenue"]
position = [3, 0, 9, 3]

[[visuals]]
id = "countries"
kind = "bar"
sql = """SELECT country, count(*) AS orders FROM orders WHERE $__timeFilter(event_time)
         GROUP BY 1 ORDER BY 2 DESC"""
x = "country"
y = ["orders"]
position = [0, 3, 6, 3]

[[visuals]]
id = "statuses"
kind = "pie"
sql = """SELECT status, count(*) AS orders FROM orders WHERE $__timeFilter(event_time)
         GROUP BY 1 ORDER BY 2 DESC"""
x = "status"
y = ["orders"]
position = [6, 3, 6, 3]
"#;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!("machine: {cores} cores\n");
    let only = std::env::var("LAKESIGHT_BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "first-load" {
        runtime.block_on(window_first_load_on_s3());
    }
    if only.is_empty() {
        runtime.block_on(refresh_against_first_load());
        landing_to_chart();
    }
}

/// Part 0: the window's first load on the in-process S3 server, as the window runs it (every
/// tile's query at once, the window's engine), without and with the footers an earlier start kept.
async fn window_first_load_on_s3() {
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("bench-lakes");
    let lake = base.join("ten-million-month");
    let (_, _, end) = ensure_month_lake(&lake);
    let server = s3::S3Server::start(false).await;
    let (_, spec) = linked_into_bucket(&server, &lake);
    let dashboard = Dashboard::parse(MONTH).unwrap();
    let shown = window(&dashboard, end);
    let cache = tempfile::tempdir().unwrap();
    println!(
        "## The window's first load on S3 (attach + 4 visuals over 7 days; median of {RUNS})\n"
    );
    println!("| how | first load | GETs |");
    println!("|---|---:|---:|");
    for (name, together, footers) in [
        ("visuals one after another, no footers kept", false, false),
        (
            "visuals at once (as the window runs its tiles), no footers kept",
            true,
            false,
        ),
        (
            "visuals at once, footers kept by an earlier start",
            true,
            true,
        ),
    ] {
        let mut times = Vec::new();
        let mut gets = 0;
        for _ in 0..RUNS {
            let _ = std::fs::remove_dir_all(cache.path());
            let options = EngineOptions {
                hot_cache: true,
                footer_cache: Some(cache.path().to_path_buf()),
                ..EngineOptions::default()
            };
            if footers {
                let engine = Engine::attach(&spec, &options).await.unwrap();
                show_at_once(&engine, &dashboard, &shown).await;
            }
            server.clear_requests();
            let started = Instant::now();
            let engine = Engine::attach(&spec, &options).await.unwrap();
            if together {
                show_at_once(&engine, &dashboard, &shown).await;
            } else {
                run_all(&engine, &dashboard, &shown).await;
            }
            times.push(started.elapsed());
            gets = server
                .requests()
                .iter()
                .filter(|r| r.method == "GET" && !r.uri.contains("list-type"))
                .count();
        }
        println!("| {name} | {:.1} ms | {gets} |", ms(median(times)));
    }
    println!();
}

/// The month lake hard-linked into the bucket `bench-lake` of `server`: the bucket's folder, and
/// the lake as the engine reaches it (unsigned, on the server's endpoint).
fn linked_into_bucket(server: &s3::S3Server, lake: &std::path::Path) -> (PathBuf, SourceSpec) {
    let bucket = server.bucket_dir("bench-lake");
    let linked = std::process::Command::new("cp")
        .arg("-al")
        .arg(lake.join("consumption"))
        .arg(&bucket)
        .status()
        .unwrap();
    assert!(linked.success(), "the lake is linked into the bucket");
    let mut spec: SourceSpec = "s3://bench-lake".parse().unwrap();
    spec.endpoint = Some(server.endpoint.clone());
    spec.no_sign_request = true;
    spec.region = Some("us-east-1".into());
    (bucket, spec)
}

/// Every visual's query at once, each on a task of its own, as the window runs its tiles.
async fn show_at_once(engine: &Engine, dashboard: &Dashboard, window: &TimeWindow) {
    let params = bound_params(dashboard, &HashMap::new());
    let tasks: Vec<_> = dashboard
        .visuals
        .iter()
        .map(|visual| {
            let (engine, visual, window, params) = (
                engine.clone(),
                visual.clone(),
                window.clone(),
                params.clone(),
            );
            tokio::spawn(async move {
                lakesight::engine::dashboard::run_visual(
                    &engine,
                    &visual,
                    &window,
                    &params,
                    lakesight::engine::dashboard::MAX_VISUAL_ROWS,
                )
                .await
                .unwrap()
            })
        })
        .collect();
    for task in tasks {
        std::hint::black_box(task.await.unwrap());
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn run_all(engine: &Engine, dashboard: &Dashboard, window: &TimeWindow) {
    let params = bound_params(dashboard, &HashMap::new());
    support::show_dashboard(engine, dashboard, window, &params).await;
}

fn window(dashboard: &Dashboard, now: DateTime<Utc>) -> TimeWindow {
    let (from, to) = dashboard.time_range.resolve(now);
    TimeWindow {
        from,
        to,
        lateness: dashboard.lateness,
    }
}

/// Part 1, for the window's engine (with its hot cache) and for plain DataFusion reading.
async fn refresh_against_first_load() {
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("bench-lakes");
    let lake = base.join("ten-million-month");
    let (rows, hours, end) = ensure_month_lake(&lake);
    println!(
        "## Refresh after one new file against the first load ({rows} rows, {hours} hour partitions, \
         4 visuals over the last 7 days; median of {RUNS})\n"
    );
    println!(
        "| lake, engine | first load: attach + 4 visuals | refresh: find the new file + 4 visuals | refresh / first load | of which finding the file |"
    );
    println!("|---|---:|---:|---:|---:|");
    // The same lake behind a real S3 server on 127.0.0.1 (s3s-fs), files hard-linked into it.
    let server = s3::S3Server::start(false).await;
    let (bucket, s3_spec) = linked_into_bucket(&server, &lake);
    let local_spec = SourceSpec::local(&lake);
    for (name, folder, spec, hot) in [
        (
            "local, the window's engine (hot cache)",
            &lake,
            &local_spec,
            true,
        ),
        (
            "local, plain DataFusion reading (baseline)",
            &lake,
            &local_spec,
            false,
        ),
        (
            "S3, the window's engine (hot cache)",
            &bucket,
            &s3_spec,
            true,
        ),
        (
            "S3, plain DataFusion reading (baseline)",
            &bucket,
            &s3_spec,
            false,
        ),
    ] {
        let (first, refresh, check) = first_and_refresh(folder, spec, rows, hours, end, hot).await;
        println!(
            "| {name} | {:.1} ms | {:.1} ms | {:.2}x | {:.1} ms |",
            ms(first),
            ms(refresh),
            refresh.as_secs_f64() / first.as_secs_f64(),
            ms(check)
        );
    }
    println!();
}

/// Median first load, refresh and file check on the month lake.
async fn first_and_refresh(
    lake: &std::path::Path,
    spec: &SourceSpec,
    rows: usize,
    hours: i64,
    end: DateTime<Utc>,
    hot: bool,
) -> (Duration, Duration, Duration) {
    let dashboard = Dashboard::parse(MONTH).unwrap();
    let options = EngineOptions {
        hot_cache: hot,
        ..EngineOptions::default()
    };
    let new_hour = end;
    let new_file = lake.join(format!(
        "consumption/orders/{}/part-0.parquet",
        new_hour.format("year=%Y/month=%m/day=%d/hour=%H")
    ));
    let batch = hour_batch(new_hour, 9_999, rows / usize::try_from(hours).unwrap());
    let local = matches!(
        spec.location,
        lakesight::model::SourceLocation::Local { .. }
    );
    let new_folder = format!(
        "consumption/orders/{}",
        new_hour.format("year=%Y/month=%m/day=%d/hour=%H")
    );
    let (mut first, mut refresh, mut check) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let _ = std::fs::remove_dir_all(new_file.parent().unwrap());
        let started = Instant::now();
        let engine = Engine::attach(spec, &options).await.unwrap();
        // The window follows a local lake with a file watcher: it keeps listings between
        // refreshes and lists again only the folders the watcher reports.
        engine.follow_changes(local);
        run_all(&engine, &dashboard, &window(&dashboard, end)).await;
        first.push(started.elapsed());
        let catalog = engine.catalog();
        let table = catalog
            .tables
            .iter()
            .find(|t| t.name == "orders")
            .unwrap()
            .clone();
        let watermark: Watermark = new_files_since(&engine.lake().store, &table, None)
            .await
            .unwrap()
            .watermark;

        // One new file lands in a new hour partition; the window refreshes.
        let decoded = engine.hot_stats().map(|stats| stats.files_decoded);
        write_parquet(&new_file, &batch);
        let started = Instant::now();
        let changes = new_files_since(&engine.lake().store, &table, Some(&watermark))
            .await
            .unwrap();
        assert_eq!(changes.new_files.len(), 1, "the one new file is found");
        // As the window does with what its watcher (local) or check (S3) reported.
        if local {
            engine.folders_changed(std::slice::from_ref(&new_folder));
        } else {
            engine.files_landed(&[table.qualified_name()]);
        }
        check.push(started.elapsed());
        run_all(
            &engine,
            &dashboard,
            &window(&dashboard, end + TimeDelta::minutes(30)),
        )
        .await;
        refresh.push(started.elapsed());
        if let Some(before) = decoded {
            assert!(
                engine.hot_stats().unwrap().files_decoded > before,
                "the refresh read the new file"
            );
        }
    }
    let _ = std::fs::remove_dir_all(new_file.parent().unwrap());
    (median(first), median(refresh), median(check))
}

/// Part 2.
fn landing_to_chart() {
    let lake = tempfile::tempdir().unwrap();
    let sim = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let config = |seconds: f64, seed: u64| SimConfig {
        into: lake.path().to_path_buf(),
        rate_per_sec: 20.0,
        duration: Some(Duration::from_secs_f64(seconds)),
        seed,
        flush_interval: Duration::from_secs(2),
        ..SimConfig::default()
    };
    sim.block_on(run(&config(2.5, 1), |_| {})).unwrap();
    let file = lake.path().join("live.toml");
    // The same four visuals over the last hour: the sample's orders have the same columns.
    std::fs::write(
        &file,
        MONTH.replace("time_range = \"last 7d\"", "time_range = \"last 1h\""),
    )
    .unwrap();
    let mut app_config = AppConfig::new(Launch::Source(SourceSpec::local(lake.path())));
    app_config
        .dashboards
        .push(DashboardSource::File(file.clone()));
    let app_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let handle = app_runtime.handle().clone();
    let mut harness: Harness<'static, LakesightApp> = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| LakesightApp::with_config(cc, &handle, app_config));
    let settle = Instant::now() + Duration::from_mins(2);
    while harness.state().dashboard_runs() == 0 || harness.state().dashboard_running() {
        assert!(Instant::now() < settle, "the dashboard never ran");
        harness.step();
        std::thread::sleep(Duration::from_millis(2));
    }
    for _ in 0..30 {
        harness.step();
        std::thread::sleep(Duration::from_millis(2));
    }

    // The simulator writes; each orders delivery's rename is stamped.
    let landed: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let stamps = Arc::clone(&landed);
    let feeding = sim.spawn({
        let config = config(LANDINGS as f64 * 2.0 + 1.0, 2);
        async move {
            run(&config, move |flush| {
                if flush.stream == Stream::Orders {
                    stamps.lock().unwrap().push(Instant::now());
                }
            })
            .await
        }
    });
    let mut latencies = Vec::new();
    let mut seen = 0;
    let mut runs = harness.state().dashboard_runs();
    let deadline = Instant::now() + Duration::from_secs(LANDINGS as u64 * 2 + 60);
    while latencies.len() < LANDINGS && Instant::now() < deadline {
        harness.step();
        let now_runs = harness.state().dashboard_runs();
        if now_runs > runs && !harness.state().dashboard_running() {
            // The refresh started and every tile holds the new data: this frame shows it.
            let shown = Instant::now();
            runs = now_runs;
            let stamps = landed.lock().unwrap().clone();
            if let Some(at) = stamps.get(seen) {
                latencies.push(shown.duration_since(*at));
                seen = stamps.len();
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    sim.block_on(feeding).unwrap().unwrap();
    assert!(!latencies.is_empty(), "no landing reached the chart");
    latencies.sort();
    let p = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    println!(
        "## Landing to chart (local lake, `refresh = \"new-data\"`, {} orders deliveries)\n",
        latencies.len()
    );
    println!("| median | p90 | max |\n|---:|---:|---:|");
    println!(
        "| {:.0} ms | {:.0} ms | {:.0} ms |\n",
        ms(p(0.5)),
        ms(p(0.9)),
        ms(*latencies.last().unwrap())
    );
}
