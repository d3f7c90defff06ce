//! `cargo bench --bench cold`: cold processes, Lakesight against DuckDB, the way scripts and cron
//! run them: each query is one fresh `lakesight query` process and one fresh DuckDB process,
//! alternating, on
//!
//! 1. a 10-million-row orders lake (744 hour partitions, one Parquet file each) behind the
//!    in-process S3 server the tests use (`s3s-fs` on 127.0.0.1, counting requests), DuckDB with
//!    its `httpfs` extension;
//! 2. the same lake on local disk.
//!
//! Lakesight runs twice per round: with an empty metadata cache ("first process") and again on
//! the unchanged lake ("second process"). Peak memory is the child's maximum RSS (GNU `time`).
//! `LAKESIGHT_BENCH_BEFORE=/path/to/lakesight` also runs an older build in each round ("before");
//! `LAKESIGHT_BENCH_ONLY=S3` or `=local` runs only that part (and the dashboard).
//!
//! DuckDB runs through Python (`LAKESIGHT_BENCH_PYTHON`, default `python3`) with the `duckdb` and
//! `duckdb-ext-httpfs` packages (`pip install duckdb==1.4.4 duckdb-ext-httpfs pytz`); the extension is
//! loaded from the package's folder, nothing is downloaded. Its times include starting Python and
//! importing the module, shown on their own as `SELECT 1`. Skipped (with the reason) when missing.
//!
//! Figures go in BENCHMARKS.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::doc_markdown
)]

#[path = "dashboard/support.rs"]
#[allow(dead_code)]
mod support;

#[path = "../tests/common/s3.rs"]
mod s3;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use std::collections::HashMap;

use lakesight::engine::dashboard::bound_params;
use lakesight::engine::{Engine, EngineOptions, TimeWindow};
use lakesight::model::SourceSpec;
use lakesight::model::dashboard::{Dashboard, bundled::bundled};
use support::{duckdb_sql, ensure_month_lake, median, queries_of, show_dashboard};

/// Rounds per query; medians are reported.
const RUNS: usize = 3;
const BUCKET: &str = "bench-lake";

/// The queries, in Lakesight's SQL; DuckDB reads the same text over a view named `orders` with the
/// partition keys as text, like Lakesight's.
const QUERIES: [(&str, &str); 6] = [
    ("SELECT 1 (process start)", "SELECT 1"),
    (
        "revenue by hour",
        "SELECT date_trunc('hour', event_time) AS hour, sum(amount) AS revenue FROM orders GROUP BY 1 ORDER BY 1",
    ),
    (
        "sum(amount) over the last day (time column)",
        "SELECT sum(amount) AS revenue FROM orders WHERE event_time >= '2026-11-25T00:00:00Z'",
    ),
    (
        "count(*), avg(amount) of one day (`day` key)",
        "SELECT count(*) AS orders, avg(amount) AS average FROM orders WHERE year = '2026' AND month = '11' AND day = '20'",
    ),
    (
        "distinct customers per day",
        "SELECT date_trunc('day', event_time) AS day, count(DISTINCT customer_id) AS customers FROM orders GROUP BY 1 ORDER BY 1",
    ),
    (
        "top-10 customers by revenue",
        "SELECT customer_id, sum(amount) AS revenue FROM orders GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10",
    ),
];

/// One DuckDB process: connect, load httpfs from the pip package when the lake is on S3, create
/// the view, run the query, fetch every row, print the row count.
const DUCKDB_SCRIPT: &str = r#"
import glob, json, os, sys
request = json.loads(sys.argv[1])
try:
    import duckdb
except ImportError:
    print("SKIP the duckdb Python module is missing (pip install duckdb==1.4.4 duckdb-ext-httpfs)")
    sys.exit(3)
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
lake = request["lake"]
if lake.startswith("s3://"):
    try:
        import duckdb_ext
    except ImportError:
        print("SKIP the duckdb-ext-httpfs package is missing (pip install duckdb-ext-httpfs)")
        sys.exit(3)
    roots = list(getattr(duckdb_ext, "__path__", [os.path.dirname(duckdb_ext.__file__ or "")]))
    found = [p for root in roots for p in glob.glob(os.path.join(root, "extensions", "v" + duckdb.__version__, "*", "httpfs.duckdb_extension"))]
    if not found:
        print("SKIP no httpfs extension for DuckDB " + duckdb.__version__)
        sys.exit(3)
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("LOAD '" + found[0] + "'")
    con.execute("CREATE SECRET (TYPE s3, KEY_ID '" + request["key"] + "', SECRET '" + request["secret"]
                + "', REGION 'us-east-1', ENDPOINT '" + request["endpoint"] + "', URL_STYLE 'path', USE_SSL false)")
queries = request.get("queries") or [request["sql"]]
if queries != ["SELECT 1"]:
    con.execute("CREATE VIEW orders AS SELECT * FROM read_parquet('" + lake
                + "/consumption/orders/*/*/*/*/*.parquet', hive_partitioning = true, hive_types_autocast = false)")
rows = [len(con.execute(sql).fetchall()) for sql in queries]
print("ROWS " + ",".join(str(n) for n in rows) + " " + duckdb.__version__)
"#;

/// What one process did.
struct Run {
    time: Duration,
    peak_kib: u64,
    rows: String,
    lists: usize,
    gets: usize,
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
        "machine: {cores} cores; {rows} rows in {hours} hour partitions; median of {RUNS} cold processes\n"
    );

    let _guard = runtime.enter();
    let server = runtime.block_on(s3::S3Server::start(true));
    server.upload_dir(&lake.join("consumption"), BUCKET, "consumption");
    let lakesight = Lakesight::new(&server.endpoint);
    let duckdb = DuckDb::new(&server.endpoint);
    if let Err(why) = duckdb.check() {
        println!("DuckDB skipped: {why}");
    }

    let before = std::env::var_os("LAKESIGHT_BENCH_BEFORE");
    let mut befores = Vec::new();
    let only = std::env::var("LAKESIGHT_BENCH_ONLY").unwrap_or_default();
    for (place, source) in [
        ("in-process S3 server", format!("s3://{BUCKET}")),
        ("local disk", lake.display().to_string()),
    ] {
        if !only.is_empty() && !place.contains(only.as_str()) {
            continue;
        }
        println!("## {place}\n");
        println!(
            "| query | Lakesight, first process | Lakesight, second process | DuckDB | first / DuckDB | second / first | peak RSS Lakesight / DuckDB | requests Lakesight (LIST+GET) | DuckDB |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (name, sql) in QUERIES {
            let (mut first, mut second, mut theirs) = (Vec::new(), Vec::new(), Vec::new());
            let mut old = Vec::new();
            for _ in 0..RUNS {
                if let Some(binary) = &before {
                    lakesight.clear_cache();
                    old.push(measure(&server, || {
                        lakesight.command_of(binary, &source, sql)
                    }));
                }
                lakesight.clear_cache();
                first.push(measure(&server, || lakesight.command(&source, sql)));
                second.push(measure(&server, || lakesight.command(&source, sql)));
                if duckdb.available {
                    theirs.push(measure(&server, || duckdb.command(&source, sql)));
                }
            }
            report(name, &first, &second, &theirs);
            if !old.is_empty() {
                befores.push((place, name, old));
            }
        }
        println!();
    }
    orders_dashboard(&runtime, &server, &lakesight, &duckdb);
    if !befores.is_empty() {
        println!("## Before (LAKESIGHT_BENCH_BEFORE), first process\n");
        println!(
            "| where | query | time | peak RSS | requests (LIST+GET) |\n|---|---|---:|---:|---:|"
        );
        for (place, name, runs) in befores {
            let last = runs.last().unwrap();
            let (lists, gets) = (last.lists, last.gets);
            let mut peaks: Vec<u64> = runs.iter().map(|r| r.peak_kib).collect();
            peaks.sort_unstable();
            println!(
                "| {place} | {name} | {:.0} ms | {} MiB | {lists}+{gets} |",
                median(runs.iter().map(|r| r.time).collect()).as_secs_f64() * 1000.0,
                peaks[peaks.len() / 2] / 1024,
            );
        }
    }
}

/// The bundled orders dashboard's data on the sample lake: `lakesight dashboard data` against one
/// DuckDB process running the same expanded queries (the visuals', then the KPIs' previous periods).
fn orders_dashboard(
    runtime: &tokio::runtime::Runtime,
    server: &s3::S3Server,
    lakesight: &Lakesight,
    duckdb: &DuckDb,
) {
    let lake = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let dashboard = Dashboard::parse(bundled("orders").unwrap()).unwrap();
    let (from, to) = ("2026-11-22T00:00:00Z", "2026-11-25T00:00:00Z");
    let window = TimeWindow {
        from: from.parse().unwrap(),
        to: to.parse().unwrap(),
        lateness: dashboard.lateness,
    };
    let sql: Vec<String> = runtime.block_on(async {
        let engine = Engine::attach(&SourceSpec::local(&lake), &EngineOptions::default())
            .await
            .unwrap();
        let params = bound_params(&dashboard, &HashMap::new());
        let runs = show_dashboard(&engine, &dashboard, &window, &params).await;
        queries_of(&engine, &dashboard, &window, &runs)
            .iter()
            .map(|q| duckdb_sql(q))
            .collect()
    });
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards/orders.toml");
    let ours = || {
        let mut command = lakesight.base(env!("CARGO_BIN_EXE_lakesight").as_ref());
        command
            .args(["dashboard", "data"])
            .arg(&file)
            .arg("--source")
            .arg(&lake)
            .args(["--from", from, "--to", to]);
        command
    };
    let (mut first, mut second, mut theirs) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        lakesight.clear_cache();
        first.push(measure(server, ours));
        second.push(measure(server, ours));
        if duckdb.available {
            theirs.push(measure(server, || {
                duckdb.queries(&lake.display().to_string(), &sql)
            }));
        }
    }
    println!(
        "## The orders dashboard's data ({} visuals, {} queries in DuckDB) on the sample lake, local\n",
        dashboard.visuals.len(),
        sql.len()
    );
    println!(
        "| work | Lakesight, first process | Lakesight, second process | DuckDB | first / DuckDB | second / first | peak RSS Lakesight / DuckDB | requests Lakesight (LIST+GET) | DuckDB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for runs in [&mut first, &mut second] {
        // Row counts are compared by the dashboard bench; here only the times.
        for run in runs.iter_mut() {
            run.rows = String::new();
        }
    }
    for run in &mut theirs {
        run.rows = String::new();
    }
    report(
        "`dashboard data` of the orders dashboard",
        &first,
        &second,
        &theirs,
    );
    println!();
}

fn report(name: &str, first: &[Run], second: &[Run], theirs: &[Run]) {
    let time = |runs: &[Run]| median(runs.iter().map(|r| r.time).collect());
    let peak = |runs: &[Run]| {
        let mut peaks: Vec<u64> = runs.iter().map(|r| r.peak_kib).collect();
        peaks.sort_unstable();
        peaks[peaks.len() / 2]
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let requests = |runs: &[Run]| {
        runs.last()
            .map_or_else(String::new, |r| format!("{}+{}", r.lists, r.gets))
    };
    let (ours, again) = (time(first), time(second));
    if theirs.is_empty() {
        println!(
            "| {name} | {:.0} ms | {:.0} ms | – | – | {:.2}x | {} MiB / – | {} / {} | – |",
            ms(ours),
            ms(again),
            ms(again) / ms(ours),
            peak(first) / 1024,
            requests(first),
            requests(second),
        );
        return;
    }
    let duck = time(theirs);
    let same = if first[0].rows == theirs[0].rows {
        String::new()
    } else {
        format!(
            " (rows differ: {} against {})",
            first[0].rows, theirs[0].rows
        )
    };
    println!(
        "| {name}{same} | {:.0} ms | {:.0} ms | {:.0} ms | {:.2}x | {:.2}x | {} / {} MiB | {} (second: {}) | {} |",
        ms(ours),
        ms(again),
        ms(duck),
        ms(ours) / ms(duck),
        ms(again) / ms(ours),
        peak(first) / 1024,
        peak(theirs) / 1024,
        requests(first),
        requests(second),
        requests(theirs),
    );
}

/// Runs one process under GNU `time`, counting the S3 requests it made.
fn measure(server: &s3::S3Server, command: impl Fn() -> Command) -> Run {
    server.clear_requests();
    let (output, time, peak_kib) = support::timed(&command());
    let requests = server.requests();
    let lists = requests
        .iter()
        .filter(|r| {
            r.method == "GET" && (r.uri.contains("list-type") || r.uri.contains("delimiter"))
        })
        .count();
    Run {
        time,
        peak_kib,
        rows: row_count(&String::from_utf8_lossy(&output.stdout)),
        lists,
        gets: requests.len() - lists,
    }
}

/// The number of result rows a process printed: DuckDB's `ROWS n`, Lakesight's CSV lines less the
/// header.
fn row_count(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("ROWS "))
        .and_then(|rest| rest.split_whitespace().next())
        .map_or_else(
            || stdout.lines().count().saturating_sub(1).to_string(),
            str::to_owned,
        )
}

/// The release binary, keys in the environment, a metadata cache folder of its own.
struct Lakesight {
    endpoint: String,
    home: tempfile::TempDir,
}

impl Lakesight {
    fn new(endpoint: &str) -> Self {
        Self {
            endpoint: endpoint.to_owned(),
            home: tempfile::tempdir().unwrap(),
        }
    }

    fn clear_cache(&self) {
        let _ = std::fs::remove_dir_all(self.home.path().join("cache"));
    }

    fn command(&self, source: &str, sql: &str) -> Command {
        self.command_of(env!("CARGO_BIN_EXE_lakesight").as_ref(), source, sql)
    }

    fn command_of(&self, binary: &std::ffi::OsStr, source: &str, sql: &str) -> Command {
        let mut command = self.base(binary);
        command.args(["query", "--format", "csv", "--source", source]);
        if source.starts_with("s3://") {
            command.args(["--endpoint", &self.endpoint, "--region", "us-east-1"]);
        }
        command.arg(sql);
        command
    }

    /// `binary` with no arguments yet, in this bench's environment.
    fn base(&self, binary: &std::ffi::OsStr) -> Command {
        let mut command = Command::new(binary);
        command
            .env("HOME", self.home.path())
            .env("XDG_CACHE_HOME", self.home.path().join("cache"))
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("AWS_ACCESS_KEY_ID", s3::ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", s3::SECRET_KEY);
        command
    }
}

/// DuckDB in a Python process.
struct DuckDb {
    python: String,
    endpoint: String,
    available: bool,
}

impl DuckDb {
    fn new(endpoint: &str) -> Self {
        let mut duckdb = Self {
            python: std::env::var("LAKESIGHT_BENCH_PYTHON").unwrap_or_else(|_| "python3".into()),
            endpoint: endpoint.trim_start_matches("http://").to_owned(),
            available: false,
        };
        duckdb.available = duckdb.check().is_ok();
        duckdb
    }

    /// Why DuckDB cannot run here, if it cannot.
    fn check(&self) -> Result<(), String> {
        let output = self
            .command(&format!("s3://{BUCKET}"), "SELECT 1")
            .output()
            .map_err(|e| format!("{} could not be started: {e}", self.python))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if let Some(why) = stdout.strip_prefix("SKIP ") {
            return Err(why.trim().to_owned());
        }
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        println!("DuckDB {}", stdout.split_whitespace().last().unwrap_or("?"));
        Ok(())
    }

    fn queries(&self, source: &str, queries: &[String]) -> Command {
        let request = serde_json::json!({"lake": source, "queries": queries, "sql": ""});
        let mut command = Command::new(&self.python);
        command.args(["-c", DUCKDB_SCRIPT, &request.to_string()]);
        command
    }

    fn command(&self, source: &str, sql: &str) -> Command {
        let request = serde_json::json!({
            "lake": source,
            "sql": sql,
            "endpoint": self.endpoint,
            "key": s3::ACCESS_KEY,
            "secret": s3::SECRET_KEY,
        });
        let mut command = Command::new(&self.python);
        command.args(["-c", DUCKDB_SCRIPT, &request.to_string()]);
        command
    }
}
