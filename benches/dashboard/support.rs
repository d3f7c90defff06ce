//! Helpers of the dashboard bench: DuckDB through `python3`, the month-long lake, files in a plan.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use datafusion::arrow::array::{Float64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::common::ScalarValue;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfig};
use datafusion::datasource::source::DataSourceExec;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::physical_plan::ExecutionPlan;
use lakesight::engine::dashboard::{MAX_VISUAL_ROWS, VisualRun, previous_window, run_visual};
use lakesight::engine::{Engine, TimeWindow, expand};
use lakesight::model::dashboard::Dashboard;

/// Days of the month-long lake, ending at 2026-11-26T00:00Z.
const MONTH_DAYS: i64 = 31;
/// Rows across the month-long lake.
const MONTH_ROWS: usize = 10_000_000;

/// The median of `times`.
pub fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// DuckDB's times for the dashboard's queries, in milliseconds, and each query's row count.
pub struct DuckDbTimes {
    /// DuckDB's version.
    pub version: String,
    /// The first cold run in the process.
    pub first: f64,
    /// Median of the cold runs: a new connection, the view created, every query.
    pub cold: f64,
    /// Median of the warm runs: every query again on one connection.
    pub warm: f64,
    /// Rows of each query's result.
    pub rows: Vec<usize>,
}

/// Times inside Python: `orders` is a view over the same Parquet files with the same
/// partition columns, as text (`hive_types_autocast = false`, like Lakesight's `Utf8` keys).
/// Results are fetched as Python tuples (`fetchall`): neither pyarrow nor numpy is installed.
const DUCKDB_SCRIPT: &str = r#"
import json, sys, time
try:
    import duckdb
except ImportError:
    print(json.dumps({"skip": "the duckdb Python module is missing (pip install duckdb)"}))
    sys.exit(0)
request = json.load(sys.stdin)
files = request["lake"] + "/consumption/orders/*/*/*/*/*.parquet"

def session():
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE VIEW orders AS SELECT * FROM read_parquet('" + files
                + "', hive_partitioning = true, hive_types_autocast = false)")
    return con

def dashboard(con):
    return [len(con.execute(sql).fetchall()) for sql in request["queries"]]

def ms(started):
    return (time.perf_counter() - started) * 1000.0

cold = []
for _ in range(request["runs"]):
    started = time.perf_counter()
    con = session()
    rows = dashboard(con)
    cold.append(ms(started))
    con.close()
con = session()
dashboard(con)
warm = []
for _ in range(request["runs"]):
    started = time.perf_counter()
    dashboard(con)
    warm.append(ms(started))
print(json.dumps({"version": duckdb.__version__, "cold": cold, "warm": warm, "rows": rows}))
"#;

/// `sql` (as `run_visual` expanded it) in DuckDB's dialect: the one change is the null `$country`
/// parameter, bound by Lakesight as a typed null, written as `CAST(NULL AS VARCHAR)`. DuckDB
/// reads the rest as it is (`(TIMESTAMP '…Z' AT TIME ZONE 'UTC')` is a `TIMESTAMPTZ` there too).
pub fn duckdb_sql(sql: &str) -> String {
    sql.replace("$country", "CAST(NULL AS VARCHAR)")
}

/// Runs `queries` in DuckDB over the lake's `consumption/orders`; why not, when python3 or its
/// duckdb module is missing or the script failed.
pub fn duckdb_times(lake: &Path, queries: &[String], runs: usize) -> Result<DuckDbTimes, String> {
    let queries: Vec<String> = queries.iter().map(|q| duckdb_sql(q)).collect();
    let request = serde_json::json!({"lake": lake, "queries": queries, "runs": runs});
    let mut child = Command::new("python3")
        .args(["-c", DUCKDB_SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("python3 could not be started ({e}); install Python 3 and `pip install duckdb`")
        })?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    if !output.status.success() {
        return Err(format!(
            "the DuckDB script failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("the DuckDB script printed no JSON ({e})"))?;
    if let Some(why) = answer["skip"].as_str() {
        return Err(why.to_owned());
    }
    let times = |key: &str| -> Vec<f64> {
        answer[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_f64().unwrap())
            .collect()
    };
    let median_ms = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    Ok(DuckDbTimes {
        version: answer["version"].as_str().unwrap_or("?").to_owned(),
        first: times("cold")[0],
        cold: median_ms(times("cold")),
        warm: median_ms(times("warm")),
        rows: answer["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_u64().unwrap() as usize)
            .collect(),
    })
}

/// Data files the physical plan of `sql` reads, after partition pruning (listing included: only
/// the folders kept are listed).
pub async fn files_in_plan(
    engine: &Engine,
    sql: &str,
    params: &HashMap<String, ScalarValue>,
) -> usize {
    fn count(plan: &Arc<dyn ExecutionPlan>) -> usize {
        let own = plan
            .downcast_ref::<DataSourceExec>()
            .and_then(|exec| exec.data_source().downcast_ref::<FileScanConfig>())
            .map_or(0, |config| {
                config.file_groups.iter().map(FileGroup::len).sum()
            });
        own + plan.children().into_iter().map(count).sum::<usize>()
    }
    let stream = engine.query_with_params(sql, params).await.unwrap();
    count(stream.physical_plan())
}

/// Every visual's query run and its data prepared, as the window does on opening.
pub async fn show_dashboard(
    engine: &Engine,
    dashboard: &Dashboard,
    window: &TimeWindow,
    params: &HashMap<String, datafusion::common::ScalarValue>,
) -> Vec<VisualRun> {
    let mut runs = Vec::new();
    for visual in &dashboard.visuals {
        let run = run_visual(engine, visual, window, params, MAX_VISUAL_ROWS)
            .await
            .unwrap();
        let data =
            lakesight::series::visual::prepare(visual, &run.batches, run.previous.as_deref())
                .unwrap();
        std::hint::black_box(data);
        runs.push(run);
    }
    runs
}

/// The expanded SQL of each visual, then of each previous-period query, in the order of `runs`'
/// row counts.
pub fn queries_of(
    engine: &Engine,
    dashboard: &Dashboard,
    window: &TimeWindow,
    runs: &[VisualRun],
) -> Vec<String> {
    let catalog = engine.catalog();
    let mut sql = Vec::new();
    for (visual, run) in dashboard.visuals.iter().zip(runs) {
        sql.push(run.sql.clone().unwrap());
        if run.previous.is_some() {
            let text = visual.sql.as_deref().unwrap();
            sql.push(
                expand(text, &previous_window(window), &catalog)
                    .unwrap()
                    .sql,
            );
        }
    }
    sql
}

/// Builds (once; a marker file says it is complete) 10 million orders in hour partitions over
/// 31 days ending 2026-11-26T00:00Z; returns the rows, the hours and the end.
pub fn ensure_month_lake(root: &Path) -> (usize, i64, DateTime<Utc>) {
    let end = Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap();
    let hours = MONTH_DAYS * 24;
    let per_hour = MONTH_ROWS.div_ceil(hours as usize);
    let total = per_hour * hours as usize;
    let marker = root.join(".complete");
    if marker.exists() {
        return (total, hours, end);
    }
    let _ = std::fs::remove_dir_all(root);
    for hour in 0..hours {
        let start = end - TimeDelta::hours(hours - hour);
        let path = root.join(format!(
            "consumption/orders/{}/part-0.parquet",
            start.format("year=%Y/month=%m/day=%d/hour=%H")
        ));
        write_parquet(&path, &hour_batch(start, hour as u64, per_hour));
    }
    std::fs::write(marker, b"").unwrap();
    (total, hours, end)
}

/// A deterministic hour of orders starting at `start`, evenly spread over the hour.
pub fn hour_batch(start: DateTime<Utc>, seed: u64, rows: usize) -> RecordBatch {
    const COUNTRIES: [&str; 8] = ["US", "DE", "FR", "GB", "JP", "BR", "IN", "CA"];
    const STATUSES: [&str; 4] = ["placed", "paid", "shipped", "cancelled"];
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let start_us = start.timestamp_micros();
    let (mut times, mut customers, mut countries, mut statuses, mut amounts) =
        (vec![], vec![], vec![], vec![], vec![]);
    for i in 0..rows {
        let r = next();
        times.push(start_us + (i as i64 * 3_600_000_000 / rows as i64));
        customers.push(format!("c{:06}", r % 200_000));
        countries.push(COUNTRIES[(r >> 20) as usize % COUNTRIES.len()]);
        statuses.push(STATUSES[(r >> 30) as usize % STATUSES.len()]);
        amounts.push(((r >> 40) % 100_000) as f64 / 100.0);
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new(
            "event_time",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("customer_id", DataType::Utf8, false),
        Field::new("country", DataType::Utf8, false),
        Field::new("status", DataType::Utf8, false),
        Field::new("amount", DataType::Float64, false),
    ]));
    RecordBatch::try_new(
        schema,
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

pub fn write_parquet(path: &Path, batch: &RecordBatch) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

/// `command` run to its end under GNU `time` (stdin closed, output captured): its output (it
/// must succeed), the wall time and the peak RSS in KiB. (The cold and transform benches use it.)
#[allow(dead_code)]
pub fn timed(command: &Command) -> (std::process::Output, Duration, u64) {
    let peak_file = tempfile::NamedTempFile::new().unwrap();
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(peak_file.path())
        .arg(command.get_program())
        .args(command.get_args())
        .envs(
            command
                .get_envs()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = std::time::Instant::now();
    let output = timed.output().unwrap();
    let time = started.elapsed();
    assert!(
        output.status.success(),
        "{} failed: {}{}",
        command.get_program().display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let peak_kib = std::fs::read_to_string(peak_file.path())
        .unwrap()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0);
    (output, time, peak_kib)
}
