//! `cargo bench --bench engine`: Lakesight's engine against plain DataFusion on the same files.
//!
//! Builds (once, cached under the target folder) a lake of 10 million rows of hour-partitioned
//! Parquet, runs typical dashboard queries through both, and prints median times, their ratio,
//! discovery time for a 10,000-file table and peak memory. Figures go in BENCHMARKS.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_lossless,
    clippy::doc_markdown,
    clippy::print_stdout
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::{Float64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::cache::cache_manager::CacheManagerConfig;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::SessionContext;
use lakesight::engine::{Engine, EngineOptions};
use lakesight::lake::{DiscoverOptions, Lake};
use lakesight::model::SourceSpec;

const DAYS: u32 = 10;
const ROWS_PER_HOUR: usize = 41_667; // 240 hours -> 10.0 million rows
const RUNS: usize = 5;
const DISCOVERY_FILES: usize = 10_000;

const QUERIES: [(&str, &str); 4] = [
    (
        "count and sum by hour",
        "SELECT day, hour, count(*) AS n, sum(amount) AS revenue FROM orders GROUP BY day, hour ORDER BY day, hour",
    ),
    (
        "top-10 customers",
        "SELECT customer_id, sum(amount) AS spend FROM orders GROUP BY customer_id ORDER BY spend DESC LIMIT 10",
    ),
    (
        "filter on a partition key",
        "SELECT country, count(*) AS n, avg(amount) AS avg_amount FROM orders WHERE day = '05' GROUP BY country ORDER BY n DESC",
    ),
    (
        "filter on a column",
        "SELECT count(*) FROM orders WHERE amount > 900 AND status = 'cancelled'",
    ),
];

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("bench-lakes");
    let lake = base.join("ten-million");
    let started = Instant::now();
    let rows = ensure_lake(&lake);
    println!(
        "lake: {rows} rows in {} hour partitions at {} (ready in {:.1}s)",
        DAYS * 24,
        lake.display(),
        started.elapsed().as_secs_f64()
    );
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!("machine: {cores} cores; median of {RUNS} runs after one warm-up\n");

    runtime.block_on(async {
        let engine = Engine::attach(&SourceSpec::local(&lake), &EngineOptions::default()).await.unwrap();
        let cached_options = EngineOptions { listing_cache_ttl: Some(Duration::from_hours(1)), ..EngineOptions::default() };
        let cached = Engine::attach(&SourceSpec::local(&lake), &cached_options).await.unwrap();
        let plain = plain_datafusion(&lake, true).await;
        let plain_fresh = plain_datafusion(&lake, false).await;
        println!("Fresh = every query lists the files again (new files are seen); cached = listings are reused.\n");
        println!("| query | DataFusion, fresh | Lakesight (default, fresh) | ratio | DataFusion, cached | Lakesight, cached | ratio |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for (name, sql) in QUERIES {
            let ours = median(|| async { run_lakesight(&engine, sql).await }).await;
            let theirs_fresh = median(|| async { run_plain(&plain_fresh, sql).await }).await;
            let ours_cached = median(|| async { run_lakesight(&cached, sql).await }).await;
            let theirs = median(|| async { run_plain(&plain, sql).await }).await;
            println!(
                "| {name} | {:.1} ms | {:.1} ms | {:.2}x | {:.1} ms | {:.1} ms | {:.2}x |",
                ms(theirs_fresh),
                ms(ours),
                ours.as_secs_f64() / theirs_fresh.as_secs_f64(),
                ms(theirs),
                ms(ours_cached),
                ours_cached.as_secs_f64() / theirs.as_secs_f64()
            );
        }
        reset_peak_rss();
        for (_, sql) in QUERIES {
            run_lakesight(&engine, sql).await;
        }
        println!(
            "\npeak RSS while running the four queries through Lakesight: {} MiB",
            peak_rss_kib() / 1024
        );

        let wide = base.join("ten-thousand-files");
        ensure_many_files(&wide);
        let attached = Lake::attach(&SourceSpec::local(&wide)).await.unwrap();
        let mut times = Vec::new();
        for _ in 0..RUNS {
            let t = Instant::now();
            let catalog = attached
                .discover(&DiscoverOptions::default())
                .await
                .unwrap();
            times.push(t.elapsed());
            assert_eq!(catalog.tables[0].file_count, DISCOVERY_FILES);
        }
        times.sort();
        println!(
            "discovery of a {DISCOVERY_FILES}-file table (local folder): median {:.1} ms",
            ms(times[RUNS / 2])
        );
    });
    println!(
        "peak RSS of the whole benchmark process: {} MiB",
        peak_rss_kib() / 1024
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn median<F, Fut>(mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    f().await;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        std::hint::black_box(f().await);
        times.push(t.elapsed());
    }
    times.sort();
    times[RUNS / 2]
}

async fn run_lakesight(engine: &Engine, sql: &str) -> usize {
    engine
        .collect(sql)
        .await
        .unwrap()
        .iter()
        .map(RecordBatch::num_rows)
        .sum()
}

async fn run_plain(ctx: &SessionContext, sql: &str) -> usize {
    ctx.sql(sql)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap()
        .iter()
        .map(RecordBatch::num_rows)
        .sum()
}

/// The baseline: DataFusion's own listing table over the same folder, same partition columns;
/// with DataFusion's default listing cache, or with it off (`cached == false`).
async fn plain_datafusion(lake: &Path, cached: bool) -> SessionContext {
    let ctx = if cached {
        SessionContext::new()
    } else {
        let cache = CacheManagerConfig::default().with_list_files_cache_limit(0);
        let runtime = RuntimeEnvBuilder::new()
            .with_cache_manager(cache)
            .build_arc()
            .unwrap();
        SessionContext::new_with_config_rt(datafusion::prelude::SessionConfig::new(), runtime)
    };
    let url =
        ListingTableUrl::parse(format!("{}/", lake.join("consumption/orders").display())).unwrap();
    let options = ListingOptions::new(Arc::new(
        ParquetFormat::default().with_options(ctx.state().table_options().parquet.clone()),
    ))
    .with_file_extension(".parquet")
    .with_table_partition_cols(
        ["year", "month", "day", "hour"]
            .iter()
            .map(|c| ((*c).to_owned(), DataType::Utf8))
            .collect(),
    );
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .infer_schema(&ctx.state())
        .await
        .unwrap();
    ctx.register_table("orders", Arc::new(ListingTable::try_new(config).unwrap()))
        .unwrap();
    ctx
}

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new(
            "event_time",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("customer_id", DataType::Utf8, false),
        Field::new("country", DataType::Utf8, false),
        Field::new("status", DataType::Utf8, false),
        Field::new("amount", DataType::Float64, false),
    ]))
}

/// A deterministic batch of orders for one hour.
fn hour_batch(hour_index: u32, rows: usize) -> RecordBatch {
    const COUNTRIES: [&str; 12] = [
        "US", "DE", "FR", "GB", "JP", "BR", "IN", "CA", "AU", "ES", "IT", "NL",
    ];
    const STATUSES: [&str; 4] = ["placed", "paid", "shipped", "cancelled"];
    let start_us = 1_795_000_000_000_000_i64 + i64::from(hour_index) * 3_600_000_000;
    let mut state = u64::from(hour_index).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut times = Vec::with_capacity(rows);
    let mut customers = Vec::with_capacity(rows);
    let mut countries = Vec::with_capacity(rows);
    let mut statuses = Vec::with_capacity(rows);
    let mut amounts = Vec::with_capacity(rows);
    for i in 0..rows {
        let r = next();
        times.push(start_us + (i as i64 * 3_600_000_000 / rows as i64));
        customers.push(format!("c{:06}", r % 200_000));
        countries.push(COUNTRIES[(r >> 20) as usize % COUNTRIES.len()]);
        statuses.push(STATUSES[(r >> 30) as usize % STATUSES.len()]);
        amounts.push(((r >> 40) % 100_000) as f64 / 100.0);
    }
    RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(TimestampMicrosecondArray::from(times).with_timezone("UTC")),
            Arc::new(StringArray::from(customers)),
            Arc::new(StringArray::from(countries)),
            Arc::new(StringArray::from(statuses)),
            Arc::new(Float64Array::from(amounts)),
        ],
    )
    .unwrap()
}

fn write_parquet(path: &Path, batch: &RecordBatch) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

fn ensure_lake(root: &Path) -> usize {
    let marker = root.join(".complete");
    let total = (DAYS * 24) as usize * ROWS_PER_HOUR;
    if marker.exists() {
        return total;
    }
    let _ = std::fs::remove_dir_all(root);
    for hour_index in 0..DAYS * 24 {
        let (day, hour) = (hour_index / 24 + 1, hour_index % 24);
        let path = root.join(format!(
            "consumption/orders/year=2026/month=11/day={day:02}/hour={hour:02}/part-0.parquet"
        ));
        write_parquet(&path, &hour_batch(hour_index, ROWS_PER_HOUR));
    }
    std::fs::write(marker, b"").unwrap();
    total
}

fn ensure_many_files(root: &Path) {
    let marker = root.join(".complete");
    if marker.exists() {
        return;
    }
    let _ = std::fs::remove_dir_all(root);
    let batch = hour_batch(0, 20);
    for i in 0..DISCOVERY_FILES {
        let (day, hour) = (i / 24 / 20 + 1, (i / 20) % 24);
        let path = root.join(format!(
            "events/day={day:02}/hour={hour:02}/part-{i:05}.parquet"
        ));
        write_parquet(&path, &batch);
    }
    std::fs::write(marker, b"").unwrap();
}

/// Resets the kernel's peak-RSS counter for this process (Linux).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory of this process in KiB (Linux `VmHWM`; 0 elsewhere).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
