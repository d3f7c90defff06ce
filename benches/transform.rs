//! Transform jobs against DuckDB (`cargo bench --bench transform`, release), printed as Markdown
//! for `BENCHMARKS.md`: a day of Firehose landing data (gzip JSON lines, hour partitions)
//! converted to hour-partitioned zstd Parquet, by `lakesight transform run` and by DuckDB's
//! `COPY (SELECT …) TO … (FORMAT parquet, PARTITION_BY …)` on the same input, each a fresh
//! process, alternating, median of 3; rows per second and peak memory (GNU `time`). Then the cost
//! of a run after one new file against a full run. DuckDB runs through Python
//! (`LAKESIGHT_BENCH_PYTHON`, default `python3`, with the `duckdb` module); without it only
//! Lakesight is measured.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::cast_precision_loss,
    clippy::doc_markdown
)]

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;
use rand::{Rng, SeedableRng};

#[allow(dead_code)]
#[path = "dashboard/support.rs"]
mod support;

const RUNS: usize = 3;
const HOURS: u32 = 24;
const FILES_PER_HOUR: u32 = 12;
const ROWS_PER_FILE: u32 = 4_000;

const JOBS: &str = r#"
[[jobs]]
id = "orders"
input = "landing.orders"
output = "consumption/orders"
sql = """
SELECT order_id, arrow_cast(event_time, 'Timestamp(µs, "UTC")') AS event_time, customer_id,
       upper(country) AS country, channel, quantity, CAST(amount AS DOUBLE) AS amount, status
FROM input WHERE amount IS NOT NULL
"""
compression = "zstd"
"#;

const DUCKDB: &str = r#"
import sys, duckdb
lake, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute(f"""
COPY (
  SELECT order_id, CAST(event_time AS TIMESTAMPTZ) AS event_time, customer_id, upper(country) AS country,
         channel, quantity, CAST(amount AS DOUBLE) AS amount, status, year, month, day, hour
  FROM read_json('{lake}/landing/orders/*/*/*/*/*', format = 'newline_delimited', compression = 'gzip',
                 hive_partitioning = true, hive_types_autocast = false,
                 columns = {{'order_id': 'VARCHAR', 'event_time': 'VARCHAR', 'customer_id': 'VARCHAR',
                            'country': 'VARCHAR', 'channel': 'VARCHAR', 'quantity': 'BIGINT',
                            'amount': 'DOUBLE', 'status': 'VARCHAR'}})
  WHERE amount IS NOT NULL
) TO '{out}' (FORMAT parquet, PARTITION_BY (year, month, day, hour), COMPRESSION zstd)
""")
print("ROWS", con.execute(f"SELECT count(*) FROM read_parquet('{out}/*/*/*/*/*.parquet')").fetchone()[0])
"#;

struct Run {
    time: Duration,
    peak_kib: u64,
}

fn main() {
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("bench-lakes");
    let lake = base.join("landing-day");
    let rows = ensure_landing_day(&lake);
    let work = tempfile::tempdir().unwrap();
    let jobs = work.path().join("jobs.toml");
    std::fs::write(&jobs, JOBS).unwrap();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let bytes: u64 = files_under(&lake)
        .iter()
        .map(|f| f.metadata().unwrap().len())
        .sum();
    println!(
        "machine: {cores} cores; {rows} orders in {} gzip JSON files ({:.1} MiB) over {HOURS} hours; median of {RUNS}\n",
        HOURS * FILES_PER_HOUR,
        bytes as f64 / 1_048_576.0
    );
    let python = std::env::var("LAKESIGHT_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = work.path().join("duck.py");
    std::fs::write(&script, DUCKDB).unwrap();
    let duck_ok = Command::new(&python)
        .args(["-c", "import duckdb"])
        .status()
        .is_ok_and(|s| s.success());

    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..RUNS {
        let out = work.path().join(format!("ours-{round}"));
        let cache = work.path().join("cache");
        ours.push(measure(|| lakesight(&jobs, &lake, &out, &cache)));
        if round == 0 {
            let count = lakesight_count(&out, &cache);
            assert_eq!(count, rows.to_string(), "Lakesight wrote every row");
        }
        if duck_ok {
            let out = work.path().join(format!("duck-{round}"));
            theirs.push(measure(|| {
                let mut cmd = Command::new(&python);
                cmd.arg(&script).arg(&lake).arg(&out);
                cmd
            }));
        }
    }
    println!("| full run of a day | time | rows/s | peak RSS |\n|---|---:|---:|---:|");
    let row = |name: &str, runs: &[Run]| {
        let time = median(runs.iter().map(|r| r.time).collect());
        let mut peaks: Vec<u64> = runs.iter().map(|r| r.peak_kib).collect();
        peaks.sort_unstable();
        println!(
            "| {name} | {:.0} ms | {:.0} | {} MiB |",
            time.as_secs_f64() * 1000.0,
            f64::from(rows) / time.as_secs_f64(),
            peaks[peaks.len() / 2] / 1024
        );
        time
    };
    let our_time = row(
        "`lakesight transform run` (one Parquet file per hour)",
        &ours,
    );
    if !theirs.is_empty() {
        let their_time = row(
            "DuckDB 1.4 `COPY … (FORMAT parquet, PARTITION_BY …)` (Python)",
            &theirs,
        );
        println!(
            "\nLakesight / DuckDB: {:.2}x the time",
            our_time.as_secs_f64() / their_time.as_secs_f64()
        );
    }

    // One new file in an old hour, against a full run, on the output of the first round.
    let out = work.path().join("ours-0");
    let cache = work.path().join("cache");
    let mut incremental = Vec::new();
    for round in 0..RUNS {
        let name = format!("late-{round}");
        write_delivery(
            &lake.join("landing/orders/year=2026/month=11/day=24/hour=07"),
            &name,
            10_000 + u32::try_from(round).unwrap(),
            7,
        );
        incremental.push(measure(|| lakesight(&jobs, &lake, &out, &cache)));
        std::fs::remove_file(
            lake.join("landing/orders/year=2026/month=11/day=24/hour=07")
                .join(&name),
        )
        .unwrap();
    }
    let one = median(incremental.iter().map(|r| r.time).collect());
    println!(
        "\n| run after one new file | time | / full run |\n|---|---:|---:|\n| rebuilds the one hour | {:.0} ms | {:.3}x |",
        one.as_secs_f64() * 1000.0,
        one.as_secs_f64() / our_time.as_secs_f64()
    );
    let mut idle = Vec::new();
    for _ in 0..RUNS {
        idle.push(measure(|| lakesight(&jobs, &lake, &out, &cache)));
    }
    let none = median(idle.iter().map(|r| r.time).collect());
    println!(
        "| nothing new | {:.0} ms | {:.3}x |",
        none.as_secs_f64() * 1000.0,
        none.as_secs_f64() / our_time.as_secs_f64()
    );
}

fn lakesight(jobs: &Path, lake: &Path, out: &Path, cache: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lakesight"));
    cmd.env("LAKESIGHT_CACHE_DIR", cache)
        .args(["transform", "run"])
        .arg(jobs)
        .arg("--source")
        .arg(lake)
        .arg("--into")
        .arg(out);
    cmd
}

fn lakesight_count(out: &Path, cache: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_lakesight"))
        .env("LAKESIGHT_CACHE_DIR", cache)
        .args(["query", "--format", "csv", "--source"])
        .arg(out)
        .arg("SELECT count(*) FROM consumption.orders")
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}

fn measure(command: impl Fn() -> Command) -> Run {
    let (_, time, peak_kib) = support::timed(&command());
    Run { time, peak_kib }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                found.push(entry.path());
            }
        }
    }
    found
}

/// A day of Firehose deliveries of orders, made once and kept; returns the rows.
fn ensure_landing_day(lake: &Path) -> u32 {
    let rows = HOURS * FILES_PER_HOUR * ROWS_PER_FILE;
    let done = lake.join(".complete");
    if done.exists() {
        return rows;
    }
    let _ = std::fs::remove_dir_all(lake);
    for hour in 0..HOURS {
        let folder = lake.join(format!(
            "landing/orders/year=2026/month=11/day=24/hour={hour:02}"
        ));
        std::fs::create_dir_all(&folder).unwrap();
        for file in 0..FILES_PER_HOUR {
            let name = format!(
                "lakesight-orders-1-2026-11-24-{hour:02}-{:02}-00-{file:04}",
                file * 5
            );
            write_delivery(&folder, &name, hour * 100 + file, ROWS_PER_FILE);
        }
    }
    std::fs::write(done, b"").unwrap();
    rows
}

fn write_delivery(folder: &Path, name: &str, seed: u32, rows: u32) {
    const COUNTRIES: [&str; 8] = ["de", "fr", "us", "gb", "es", "it", "nl", "pl"];
    const CHANNELS: [&str; 3] = ["web", "app", "store"];
    const STATUSES: [&str; 4] = ["paid", "shipped", "delivered", "refunded"];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(u64::from(seed));
    let mut text = String::new();
    for i in 0..rows {
        let minute = rng.random_range(0..60);
        let second = rng.random_range(0..60);
        let hour = (seed / 100) % 24;
        let _ = writeln!(
            text,
            r#"{{"order_id":"ord-{seed}-{i}","event_time":"2026-11-24T{hour:02}:{minute:02}:{second:02}.{:03}Z","customer_id":"cus-{:06}","country":"{}","channel":"{}","quantity":{},"amount":{:.2},"status":"{}"}}"#,
            rng.random_range(0..1000),
            rng.random_range(0..200_000),
            COUNTRIES[rng.random_range(0..COUNTRIES.len())],
            CHANNELS[rng.random_range(0..CHANNELS.len())],
            rng.random_range(1..5),
            rng.random_range(5.0..500.0),
            STATUSES[rng.random_range(0..STATUSES.len())],
        );
    }
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    std::fs::write(folder.join(name), gz.finish().unwrap()).unwrap();
}
