//! `lakesight transform`: jobs run by the real binary on real lakes (a local folder, and an
//! in-process S3 server): the sample lake's consumption zone rebuilt from its landing zone,
//! incremental runs, bad input, chained jobs, and runs killed at random points.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::doc_markdown)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use common::s3::{AwsFiles, S3Server};

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("lakesight")
}

/// The binary, isolated from the user's environment and cache.
fn lakesight(cache: &Path) -> Command {
    let mut cmd = Command::new(binary());
    cmd.env_remove("LAKESIGHT_SOURCE")
        .env_remove("LAKESIGHT_LOG")
        .env("LAKESIGHT_CACHE_DIR", cache);
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let output = cmd.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// `transform run JOBS --source SRC --into OUT --format json` plus `extra`: exit code and report.
fn transform(
    cache: &Path,
    jobs: &Path,
    source: &Path,
    into: &str,
    extra: &[&str],
) -> (i32, Value, String) {
    let (code, out, err) = run(lakesight(cache)
        .args(["transform", "run"])
        .arg(jobs)
        .arg("--source")
        .arg(source)
        .args(["--into", into, "--format", "json"])
        .args(extra));
    let report = serde_json::from_str(&out).unwrap_or(Value::Null);
    (code, report, err)
}

/// `transform run JOBS --source SRC --into OUT` as a process to start (and signal, or kill).
fn transform_process(
    cache: &Path,
    jobs: &Path,
    source: &Path,
    into: &Path,
) -> std::process::Command {
    let mut cmd = std::process::Command::new(binary());
    cmd.env("LAKESIGHT_CACHE_DIR", cache)
        .args(["transform", "run"])
        .arg(jobs)
        .arg("--source")
        .arg(source)
        .arg("--into")
        .arg(into);
    cmd
}

/// One CSV row of `sql` on the lake at `source`.
fn query_row(cache: &Path, source: &str, sql: &str) -> String {
    let (code, out, err) =
        run(lakesight(cache).args(["query", "--format", "csv", "--source", source, sql]));
    assert_eq!(code, 0, "{sql}: {err}");
    out.lines().nth(1).unwrap_or_default().to_owned()
}

fn job(report: &Value, id: &str) -> Value {
    report["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["job"] == id)
        .unwrap_or_else(|| panic!("no job {id} in {report}"))
        .clone()
}

fn sample_lake() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

#[test]
fn the_sample_jobs_rebuild_the_consumption_zone_from_landing() {
    let cache = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let into = out.path().to_str().unwrap();
    let jobs = Path::new(env!("CARGO_MANIFEST_DIR")).join("jobs/sample-lake.toml");
    let (code, report, err) = transform(cache.path(), &jobs, &sample_lake(), into, &[]);
    assert_eq!(code, 0, "{err}\n{report}");
    // Progress on stderr, a line per job when stderr is not a terminal.
    assert!(
        err.contains("orders: 25 partitions, 25 to build, 0 up to date"),
        "{err}"
    );
    // The output lake shows the four tables and not the bookmarks' hidden folder.
    let (code, tables, err) =
        run(lakesight(cache.path()).args(["tables", "--format", "json", "--source", into]));
    assert_eq!(code, 0, "{err}");
    let tables: Value = serde_json::from_str(&tables).unwrap();
    let mut names: Vec<String> = tables["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{}.{}",
                t["zone"].as_str().unwrap_or("?"),
                t["table"].as_str().unwrap_or("?")
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "consumption.app_logs",
            "consumption.clickstream",
            "consumption.orders",
            "consumption.payments"
        ],
        "{tables}"
    );
    let sample = sample_lake();
    let sample = sample.to_str().unwrap();
    // Landing holds the last day; the bundled consumption zone has it typed and hourly.
    for (table, measure) in [
        ("orders", "sum(amount)"),
        ("payments", "sum(amount)"),
        ("clickstream", "sum(duration_ms)"),
        ("app_logs", "sum(latency_ms)"),
    ] {
        let sql = |from: &str| {
            format!(
                "SELECT count(*), round({measure}, 4), count(DISTINCT event_time), \
                 arrow_typeof(min(event_time)) FROM {from}"
            )
        };
        let rebuilt = query_row(cache.path(), into, &sql(&format!("consumption.{table}")));
        let bundled = query_row(
            cache.path(),
            sample,
            &sql(&format!(
                "(SELECT * FROM consumption.{table} WHERE event_time >= TIMESTAMP '2026-11-24T00:00:00Z')"
            )),
        );
        assert_eq!(rebuilt, bundled, "{table}");
        assert!(
            job(&report, table)["built"].as_u64().unwrap() > 20,
            "{report}"
        );
    }

    // Nothing new: a second run builds nothing and writes nothing.
    let before = snapshot(out.path());
    let (code, report, err) = transform(cache.path(), &jobs, &sample_lake(), into, &[]);
    assert_eq!(code, 0, "{err}");
    for table in ["orders", "payments", "clickstream", "app_logs"] {
        assert_eq!(job(&report, table)["built"], 0, "{report}");
        assert_eq!(job(&report, table)["up_to_date"], 25, "{report}");
    }
    assert_eq!(
        snapshot(out.path()),
        before,
        "a run with nothing new wrote nothing"
    );
}

/// Every file under `root` with its size and modification time.
fn snapshot(root: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            } else if entry.file_name() != "lock" {
                found.push((entry.path(), meta.len(), meta.modified().unwrap()));
            }
        }
    }
    found.sort();
    found
}

const ORDERS_JOB: &str = r#"
[[jobs]]
id = "orders"
input = "landing.orders"
output = "consumption/orders"
sql = "SELECT order_id, country, CAST(amount AS DOUBLE) AS amount FROM input WHERE amount IS NOT NULL"
"#;

/// Firehose-style gzip JSON lines: orders `first..first + n` in `hour` of 2026-11-24.
fn deliver(lake: &Path, hour: u32, name: &str, first: i64, n: i64) {
    let lines = common::orders_json(first, n, "\n");
    common::write(
        lake,
        &format!("landing/orders/year=2026/month=11/day=24/hour={hour:02}/{name}"),
        &common::gzip(&lines),
    );
}

/// A landing lake of `hours` hours, two deliveries each.
fn landing_lake(hours: u32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for hour in 0..hours {
        let first = i64::from(hour) * 1000;
        deliver(dir.path(), hour, "delivery-a", first, 40);
        deliver(dir.path(), hour, "delivery-b", first + 500, 25);
    }
    dir
}

fn write_jobs(folder: &Path, text: &str) -> PathBuf {
    let path = folder.join("jobs.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Rows, amount sum and distinct ids of the output, and of a clean full run of the same input.
fn output_and_clean(cache: &Path, jobs: &Path, lake: &Path, into: &str) -> (String, String) {
    let clean = tempfile::tempdir().unwrap();
    let clean_into = clean.path().to_str().unwrap();
    let (code, report, err) = transform(cache, jobs, lake, clean_into, &[]);
    assert_eq!(code, 0, "{err}\n{report}");
    let sql = "SELECT count(*), sum(amount), count(DISTINCT order_id), count(DISTINCT hour) FROM consumption.orders";
    (
        query_row(cache, into, sql),
        query_row(cache, clean_into, sql),
    )
}

#[test]
fn runs_rebuild_only_the_hours_whose_files_changed() {
    let cache = tempfile::tempdir().unwrap();
    let lake = landing_lake(6);
    let out = tempfile::tempdir().unwrap();
    let into = out.path().to_str().unwrap();
    let jobs = write_jobs(cache.path(), ORDERS_JOB);
    let (code, report, err) = transform(cache.path(), &jobs, lake.path(), into, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(job(&report, "orders")["built"], 6);
    assert_eq!(job(&report, "orders")["rows"], 6 * 65);

    let steps: [(&str, &dyn Fn()); 4] = [
        ("a late file in an old hour", &|| {
            deliver(lake.path(), 2, "late", 2900, 7);
        }),
        ("a file rewritten", &|| {
            deliver(lake.path(), 4, "delivery-a", 4000, 11);
        }),
        ("a file removed", &|| {
            std::fs::remove_file(
                lake.path()
                    .join("landing/orders/year=2026/month=11/day=24/hour=01/delivery-b"),
            )
            .unwrap();
        }),
        ("a new hour", &|| {
            deliver(lake.path(), 7, "delivery-a", 7000, 3);
        }),
    ];
    for (what, change) in steps {
        change();
        let (code, report, err) = transform(cache.path(), &jobs, lake.path(), into, &[]);
        assert_eq!(code, 0, "{what}: {err}");
        assert_eq!(job(&report, "orders")["built"], 1, "{what}: {report}");
        let (output, clean) = output_and_clean(cache.path(), &jobs, lake.path(), into);
        assert_eq!(output, clean, "{what}");
    }

    // Every file of an hour removed: its output goes too.
    std::fs::remove_dir_all(
        lake.path()
            .join("landing/orders/year=2026/month=11/day=24/hour=03"),
    )
    .unwrap();
    let (code, report, err) = transform(cache.path(), &jobs, lake.path(), into, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(job(&report, "orders")["removed"], 1, "{report}");
    assert_eq!(job(&report, "orders")["built"], 0, "{report}");
    assert!(
        !out.path()
            .join("consumption/orders/year=2026/month=11/day=24/hour=03")
            .join("part-00000.parquet")
            .exists()
    );
    let (output, clean) = output_and_clean(cache.path(), &jobs, lake.path(), into);
    assert_eq!(output, clean);

    // A changed job rebuilds everything; --full too.
    let changed = write_jobs(
        cache.path(),
        &ORDERS_JOB.replace("WHERE amount IS NOT NULL", "WHERE amount > 3"),
    );
    let (code, report, err) = transform(cache.path(), &changed, lake.path(), into, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(job(&report, "orders")["built"], 6, "{report}");
    let (code, report, _) = transform(cache.path(), &changed, lake.path(), into, &["--full"]);
    assert_eq!(code, 0);
    assert_eq!(job(&report, "orders")["built"], 6, "{report}");
}

#[test]
fn a_bad_file_fails_its_hour_and_keeps_the_previous_output() {
    let cache = tempfile::tempdir().unwrap();
    let lake = landing_lake(3);
    let out = tempfile::tempdir().unwrap();
    let into = out.path().to_str().unwrap();
    let jobs = write_jobs(cache.path(), ORDERS_JOB);
    let (code, _, err) = transform(cache.path(), &jobs, lake.path(), into, &[]);
    assert_eq!(code, 0, "{err}");
    let hour1 = "SELECT count(*) FROM consumption.orders WHERE hour = '01'";
    assert_eq!(query_row(cache.path(), into, hour1), "65");

    // A corrupt object (gzip cut short) and a new good file in hour 01, a new file in hour 02.
    let gz = common::gzip(&common::orders_json(1900, 30, "\n"));
    common::write(
        lake.path(),
        "landing/orders/year=2026/month=11/day=24/hour=01/broken",
        &gz[..gz.len() / 2],
    );
    deliver(lake.path(), 1, "more", 1800, 5);
    deliver(lake.path(), 2, "more", 2800, 5);
    let (code, report, err) = transform(cache.path(), &jobs, lake.path(), into, &[]);
    assert_eq!(code, 4, "some partitions failed: {err}\n{report}");
    let orders = job(&report, "orders");
    assert_eq!(orders["built"], 1, "{report}");
    let failed = orders["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{report}");
    assert_eq!(failed[0]["partition"], "year=2026/month=11/day=24/hour=01");
    assert!(
        failed[0]["error"].as_str().unwrap().contains("broken"),
        "{report}"
    );
    assert!(err.contains("broken"), "{err}");
    assert_eq!(
        query_row(cache.path(), into, hour1),
        "65",
        "the previous output stays"
    );
    assert_eq!(
        query_row(
            cache.path(),
            into,
            "SELECT count(*) FROM consumption.orders WHERE hour = '02'"
        ),
        "70"
    );
    let (code, status, _) = run(lakesight(cache.path())
        .args(["transform", "status"])
        .arg(&jobs)
        .arg("--source")
        .arg(lake.path())
        .args(["--into", into, "--format", "json"]));
    assert_eq!(code, 0);
    let status: Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status[0]["failed"].as_array().unwrap().len(), 1, "{status}");
    assert_eq!(status[0]["stale"].as_array().unwrap().len(), 1, "{status}");
    assert_eq!(status[0]["up_to_date"], 2, "{status}");

    // --skip-bad-files: the file is recorded and left out, the hour built from the rest.
    let (code, report, err) = transform(
        cache.path(),
        &jobs,
        lake.path(),
        into,
        &["--skip-bad-files"],
    );
    assert_eq!(code, 0, "{err}\n{report}");
    let skipped = job(&report, "orders")["skipped_files"].clone();
    assert_eq!(skipped.as_array().unwrap().len(), 1, "{report}");
    assert!(
        skipped[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("hour=01/broken")
    );
    assert_eq!(query_row(cache.path(), into, hour1), "70");
    // Recorded: the next run does not try it again.
    let (code, report, _) = transform(cache.path(), &jobs, lake.path(), into, &[]);
    assert_eq!(code, 0);
    assert_eq!(job(&report, "orders")["built"], 0, "{report}");
}

#[test]
fn jobs_chain_and_bad_files_are_refused_with_their_line() {
    let cache = tempfile::tempdir().unwrap();
    let lake = landing_lake(2);
    let out = tempfile::tempdir().unwrap();
    let into = out.path().to_str().unwrap();
    // Declared consumption first: it reads staging, so it runs second.
    let chained = write_jobs(
        cache.path(),
        r#"
[[jobs]]
id = "consumption"
input = "staging.orders"
output = "consumption/orders"
sql = "SELECT order_id, country, amount * 2 AS amount FROM input"

[[jobs]]
id = "staging"
input = "landing.orders"
output = "staging/orders"
sql = "SELECT order_id, country, CAST(amount AS DOUBLE) AS amount FROM input"
"#,
    );
    let (code, report, err) = transform(cache.path(), &chained, lake.path(), into, &[]);
    assert_eq!(code, 0, "{err}\n{report}");
    let order: Vec<&str> = report["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["job"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["staging", "consumption"]);
    let staged = query_row(
        cache.path(),
        into,
        "SELECT count(*), sum(amount) FROM staging.orders",
    );
    let consumed = query_row(
        cache.path(),
        into,
        "SELECT count(*), sum(amount) / 2 FROM consumption.orders",
    );
    assert_eq!(staged, consumed);
    assert!(staged.starts_with("130,"), "{staged}");

    // --job runs that job alone.
    let only = tempfile::tempdir().unwrap();
    let only_into = only.path().to_str().unwrap();
    let (code, report, err) = transform(
        cache.path(),
        &chained,
        lake.path(),
        only_into,
        &["--job", "staging"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(report["jobs"].as_array().unwrap().len(), 1, "{report}");
    assert!(only.path().join("staging/orders").exists());
    assert!(!only.path().join("consumption").exists());
    let (code, _, err) = transform(
        cache.path(),
        &chained,
        lake.path(),
        only_into,
        &["--job", "nope"],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("no job `nope`") && err.contains("staging"),
        "{err}"
    );

    // A missing input: refused with its line before anything is written.
    let empty = tempfile::tempdir().unwrap();
    let missing = write_jobs(
        cache.path(),
        &ORDERS_JOB.replace("landing.orders", "landing.nothing"),
    );
    let (code, _, err) = transform(
        cache.path(),
        &missing,
        lake.path(),
        empty.path().to_str().unwrap(),
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("line 2") && err.contains("landing.nothing"),
        "{err}"
    );
    assert!(
        !empty.path().join("consumption").exists(),
        "nothing written"
    );

    // A mistake in the SQL: one error for the job, with its line, no partition tried.
    let bad_sql = write_jobs(
        cache.path(),
        &ORDERS_JOB.replace("FROM input", "FROM '/etc/passwd'"),
    );
    let fresh = tempfile::tempdir().unwrap();
    let (code, report, err) = transform(
        cache.path(),
        &bad_sql,
        lake.path(),
        fresh.path().to_str().unwrap(),
        &[],
    );
    assert_eq!(code, 4, "{err}");
    let orders = job(&report, "orders");
    assert!(
        orders["error"].as_str().unwrap().contains("line 2"),
        "{report}"
    );
    assert_eq!(orders["failed"].as_array().unwrap().len(), 0, "{report}");
    assert!(!fresh.path().join("consumption").exists());

    // A cycle: refused with its line.
    let cycle = write_jobs(
        cache.path(),
        "[[jobs]]\nid = \"a\"\ninput = \"z.b\"\noutput = \"z/a\"\nsql = \"SELECT * FROM input\"\n\n\
         [[jobs]]\nid = \"b\"\ninput = \"z.a\"\noutput = \"z/b\"\nsql = \"SELECT * FROM input\"\n",
    );
    let (code, _, err) = transform(cache.path(), &cycle, lake.path(), into, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cycle") && err.contains("line "), "{err}");
}

#[test]
fn a_run_killed_at_random_points_and_run_again_gives_the_clean_rows() {
    let cache = tempfile::tempdir().unwrap();
    let lake = landing_lake(48);
    let jobs = write_jobs(cache.path(), ORDERS_JOB);
    let clean = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (code, _, err) = transform(
        cache.path(),
        &jobs,
        lake.path(),
        clean.path().to_str().unwrap(),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let whole = started.elapsed();

    let out = tempfile::tempdir().unwrap();
    let into = out.path().to_str().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(23);
    let mut killed_mid_run = 0;
    for round in 0..8 {
        // Late data between kills, so later rounds rebuild hours that were built before.
        deliver(
            lake.path(),
            round * 5,
            &format!("late-{round}"),
            i64::from(round) * 1000 + 900,
            3,
        );
        let mut child = transform_process(cache.path(), &jobs, lake.path(), Path::new(into))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let wait = whole.mul_f64(rng.random_range(0.0..1.2));
        std::thread::sleep(wait);
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
    }
    assert!(killed_mid_run > 0, "no round killed a run under way");
    let (code, _, err) = transform(cache.path(), &jobs, lake.path(), into, &[]);
    assert_eq!(code, 0, "{err}");
    let per_hour = "SELECT hour, count(*), sum(amount), count(DISTINCT order_id) FROM consumption.orders GROUP BY hour ORDER BY hour";
    let rows = |source: &str| {
        let (code, out, err) = run(lakesight(cache.path())
            .args(["query", "--format", "csv", "--source", source, per_hour]));
        assert_eq!(code, 0, "{err}");
        out
    };
    // The clean output of the same (grown) input.
    let (code, _, err) = transform(
        cache.path(),
        &jobs,
        lake.path(),
        clean.path().to_str().unwrap(),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(rows(into), rows(clean.path().to_str().unwrap()));
    assert_eq!(rows(into).lines().count(), 49);
    // No temporary file is left behind a run that completed.
    assert!(
        snapshot(out.path())
            .iter()
            .all(|(path, _, _)| !path.to_string_lossy().contains(".lakesight-tmp-"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_write_to_s3_and_the_output_reads_back() {
    let server = S3Server::start(true).await;
    server.bucket_dir("out-lake");
    let aws = AwsFiles::new(&server.endpoint);
    let lake = landing_lake(3);
    let jobs = write_jobs(aws.dir.path(), ORDERS_JOB);
    let lakesight_s3 = || {
        let mut cmd = Command::new(binary());
        aws.apply(&mut cmd);
        cmd.env_remove("LAKESIGHT_SOURCE")
            .env("LAKESIGHT_CACHE_DIR", aws.dir.path().join("cache"));
        cmd
    };
    let into = "s3://out-lake/etl";
    let run_into_s3 = || {
        let (code, out, err) = run(lakesight_s3()
            .args(["transform", "run"])
            .arg(&jobs)
            .arg("--source")
            .arg(lake.path())
            .args([
                "--into",
                into,
                "--profile",
                "lake-reader",
                "--format",
                "json",
            ]));
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<Value>(&out).unwrap()
    };
    let report = run_into_s3();
    assert_eq!(job(&report, "orders")["built"], 3, "{report}");
    let puts = server
        .request_lines()
        .iter()
        .filter(|l| l.starts_with("PUT "))
        .count();
    // One PUT per partition file and one per bookmark: nothing uploaded in parts.
    assert_eq!(puts, 6, "{:?}", server.request_lines());
    let (code, out, err) = run(lakesight_s3().args([
        "query",
        "--format",
        "csv",
        "--source",
        into,
        "--profile",
        "lake-reader",
        "SELECT count(*), count(DISTINCT order_id) FROM consumption.orders",
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().nth(1), Some("195,195"));
    // Nothing new: nothing written.
    server.clear_requests();
    let report = run_into_s3();
    assert_eq!(job(&report, "orders")["up_to_date"], 3, "{report}");
    assert!(
        server
            .request_lines()
            .iter()
            .all(|l| !l.starts_with("PUT ") && !l.starts_with("DELETE ")),
        "{:?}",
        server.request_lines()
    );
}

#[test]
fn follow_rebuilds_the_hour_a_file_lands_in_and_stops_cleanly_on_sigterm() {
    let cache = tempfile::tempdir().unwrap();
    let lake = landing_lake(2);
    let out = tempfile::tempdir().unwrap();
    let jobs = write_jobs(cache.path(), ORDERS_JOB);
    let child = transform_process(cache.path(), &jobs, lake.path(), out.path())
        // The file watcher, not the poll, must bring the new hour in.
        .args(["--follow", "--poll", "1d", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let part = |hour: u32| {
        out.path().join(format!(
            "consumption/orders/year=2026/month=11/day=24/hour={hour:02}/part-00000.parquet"
        ))
    };
    let limit = Duration::from_mins(1);
    common::wait_until(
        limit,
        || part(1).exists(),
        || "the first run built nothing".into(),
    );
    // The first run is over once its last bookmark is written; then a file lands.
    common::wait_until(
        limit,
        || {
            let built = out.path().join("_lakesight/jobs/orders/built");
            std::fs::read_dir(built).map_or(0, Iterator::count) == 2
        },
        || "the first run did not record both hours".into(),
    );
    deliver(lake.path(), 5, "delivery-a", 5000, 9);
    common::wait_until(
        limit,
        || part(5).exists(),
        || "the new hour was not built".into(),
    );
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let into = out.path().to_str().unwrap();
    assert_eq!(
        query_row(
            cache.path(),
            into,
            "SELECT count(*) FROM consumption.orders"
        ),
        (2 * 65 + 9).to_string()
    );
    // One JSON line per run that changed something: the first, then the new hour (a watcher
    // may report a file being written before it is whole: that run fails it and the next
    // builds it).
    let stdout = String::from_utf8(output.stdout).unwrap();
    let built: Vec<u64> = stdout
        .lines()
        .map(|line| {
            let report: Value = serde_json::from_str(line).unwrap();
            job(&report, "orders")["built"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(built.first(), Some(&2), "{stdout}");
    assert_eq!(built.iter().sum::<u64>(), 3, "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_read_an_s3_landing_zone_with_one_get_per_input_file() {
    let server = S3Server::start(true).await;
    let lake = landing_lake(3);
    server.upload_dir(lake.path(), "raw-lake", "events");
    let aws = AwsFiles::new(&server.endpoint);
    let jobs = write_jobs(aws.dir.path(), ORDERS_JOB);
    let out = tempfile::tempdir().unwrap();
    server.clear_requests();
    let mut cmd = Command::new(binary());
    aws.apply(&mut cmd);
    let (code, stdout, err) = run(cmd
        .env_remove("LAKESIGHT_SOURCE")
        .env("LAKESIGHT_CACHE_DIR", aws.dir.path().join("cache"))
        .args(["transform", "run"])
        .arg(&jobs)
        .args([
            "--source",
            "s3://raw-lake/events",
            "--profile",
            "lake-reader",
            "--format",
            "json",
        ])
        .arg("--into")
        .arg(out.path()));
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(job(&report, "orders")["rows"], 3 * 65, "{report}");
    let lines = server.request_lines();
    // No file is asked about before it is read (a listing table of file URLs would HEAD each).
    assert!(lines.iter().all(|l| !l.starts_with("HEAD ")), "{lines:?}");
    // After the run lists the table, each of the six input files is fetched once. (Before it,
    // discovery samples files to tell their format and infer the schema.)
    let listed = lines
        .iter()
        .rposition(|l| l.contains("list-type=2&prefix=events%2Flanding%2Forders"))
        .unwrap();
    let reads: Vec<&String> = lines[listed + 1..]
        .iter()
        .filter(|l| l.starts_with("GET ") && l.contains("/delivery-"))
        .collect();
    let distinct: std::collections::BTreeSet<&&String> = reads.iter().collect();
    assert_eq!((reads.len(), distinct.len()), (6, 6), "{lines:?}");
}

#[test]
fn invalid_json_fails_its_hour_naming_the_file() {
    let cache = tempfile::tempdir().unwrap();
    let lake = landing_lake(2);
    common::write(
        lake.path(),
        "landing/orders/year=2026/month=11/day=24/hour=01/garbled",
        &common::gzip(
            b"{\"order_id\": 7, \"country\": \"DE\", \"amount\": 1.5}\n{\"order_id\": oops\n",
        ),
    );
    let out = tempfile::tempdir().unwrap();
    let jobs = write_jobs(cache.path(), ORDERS_JOB);
    let (code, report, err) = transform(
        cache.path(),
        &jobs,
        lake.path(),
        out.path().to_str().unwrap(),
        &[],
    );
    assert_eq!(code, 4, "{err}\n{report}");
    let orders = job(&report, "orders");
    assert_eq!(orders["built"], 1, "{report}");
    let failed = &orders["failed"][0];
    assert_eq!(
        failed["partition"], "year=2026/month=11/day=24/hour=01",
        "{report}"
    );
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("hour=01/garbled"),
        "{report}"
    );
}

#[test]
fn a_job_may_write_into_the_lake_it_reads_when_into_names_it() {
    let cache = tempfile::tempdir().unwrap();
    let lake = landing_lake(2);
    let source = lake.path().to_str().unwrap();
    let jobs = write_jobs(cache.path(), ORDERS_JOB);
    let (code, report, err) = transform(cache.path(), &jobs, lake.path(), source, &[]);
    assert_eq!(code, 0, "{err}\n{report}");
    assert_eq!(
        query_row(
            cache.path(),
            source,
            "SELECT count(*) FROM consumption.orders"
        ),
        "130"
    );
    // The landing zone it read is as it was.
    assert_eq!(
        query_row(cache.path(), source, "SELECT count(*) FROM landing.orders"),
        "130"
    );
}

#[test]
fn follow_survives_the_lake_going_away_for_a_while() {
    let cache = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let lake = folder.path().join("lake");
    for hour in 0..2 {
        deliver(&lake, hour, "delivery-a", i64::from(hour) * 1000, 10);
    }
    let out = tempfile::tempdir().unwrap();
    let jobs = write_jobs(cache.path(), ORDERS_JOB);
    let mut child = transform_process(cache.path(), &jobs, &lake, out.path())
        .args(["--follow", "--poll", "1s"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let reader = {
        let stderr = std::sync::Arc::clone(&stderr);
        let mut pipe = child.stderr.take().unwrap();
        std::thread::Builder::new()
            .name("stderr".into())
            .spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = std::io::Read::read(&mut pipe, &mut buf) {
                    if n == 0 {
                        break;
                    }
                    stderr
                        .lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            })
            .unwrap()
    };
    let limit = Duration::from_mins(1);
    let built = |hour: u32| {
        out.path()
            .join(format!(
                "consumption/orders/year=2026/month=11/day=24/hour={hour:02}/part-00000.parquet"
            ))
            .exists()
    };
    common::wait_until(limit, || built(1), || "the first run built nothing".into());
    // The lake goes away (an unmounted share, say): the run says so and keeps checking.
    let gone = folder.path().join("lake.gone");
    std::fs::rename(&lake, &gone).unwrap();
    common::wait_until(
        limit,
        || stderr.lock().unwrap().contains("trying again"),
        || format!("no retry announced: {}", stderr.lock().unwrap()),
    );
    std::fs::rename(&gone, &lake).unwrap();
    deliver(&lake, 5, "delivery-a", 5000, 4);
    common::wait_until(
        limit,
        || built(5),
        || format!("the new hour was not built: {}", stderr.lock().unwrap()),
    );
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    reader.join().unwrap();
}
