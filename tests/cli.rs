//! The `lakesight` binary as scripts use it: subcommands, formats, exit codes and messages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::doc_markdown)]

mod common;

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

/// The binary, isolated from the user's environment and cache.
fn lakesight(cache: &Path) -> Command {
    let mut cmd = Command::cargo_bin("lakesight").unwrap();
    cmd.env_remove("LAKESIGHT_SOURCE")
        .env_remove("LAKESIGHT_LOG")
        .env("LAKESIGHT_CACHE_DIR", cache);
    cmd
}

fn stdout_json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// `zone.table` for each table in `tables --format json` output.
fn table_names(json: &Value) -> Vec<String> {
    let tables = json["tables"].as_array().unwrap();
    tables
        .iter()
        .map(|t| {
            format!(
                "{}.{}",
                t["zone"].as_str().unwrap(),
                t["table"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn version_shows_commit_and_build_date() {
    let cache = tempfile::tempdir().unwrap();
    lakesight(cache.path())
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"^lakesight \d+\.\d+\.\d+ \(commit ([0-9a-f]{7,}(-dirty)?|unknown), built \d{4}-\d{2}-\d{2}\)").unwrap());
}

#[test]
fn the_bundled_sample_lake_works_from_any_folder() {
    let cache = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let output = lakesight(cache.path())
        .current_dir(elsewhere.path())
        .args(["tables", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json = stdout_json(&output);
    let names = table_names(&json);
    for expected in [
        "landing.orders",
        "staging.app_logs",
        "consumption.orders",
        "consumption.payments",
        "consumption.app_logs",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    let orders = json["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["zone"] == "consumption" && t["table"] == "orders")
        .unwrap();
    assert_eq!(orders["format"], "parquet");
    assert_eq!(
        orders["partition_columns"],
        serde_json::json!(["year", "month", "day", "hour"])
    );
    assert!(orders["files"].as_u64().unwrap() > 10 && orders["bytes"].as_u64().unwrap() > 10_000);

    lakesight(cache.path())
        .current_dir(elsewhere.path())
        .args([
            "query",
            "SELECT count(*) AS n FROM orders WHERE day = '24'",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"^n\n\d+\n$").unwrap());
}

#[test]
fn tables_and_schema_report_formats_partitions_and_warnings() {
    let cache = tempfile::tempdir().unwrap();
    let lake = common::rich_lake();
    common::write(lake.path(), "consumption/orders/stray.csv", b"a,b\n1,2\n");
    let source = lake.path().to_str().unwrap();
    let text = lakesight(cache.path())
        .args(["tables", "--source", source])
        .output()
        .unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("landing")
            && text.contains("json (gzip)")
            && text.contains("year/month/day/hour"),
        "{text}"
    );
    assert!(text.contains("warning: consumption.orders: 1 csv file(s) in this parquet table are skipped (e.g. stray.csv)"), "{text}");

    let output = lakesight(cache.path())
        .args(["schema", "orders", "--source", source, "--format", "json"])
        .output()
        .unwrap();
    let json = stdout_json(&output);
    let columns: Vec<(String, bool)> = json["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["partition_key"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(columns[0], ("order_id".to_owned(), false));
    assert!(columns.contains(&("hour".to_owned(), true)));
    let text = lakesight(cache.path())
        .args(["schema", "staging.orders_csv", "--source", source])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("staging.orders_csv") && text.contains("amount") && text.contains("Float64"),
        "{text}"
    );

    lakesight(cache.path())
        .args(["schema", "nope", "--source", source])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("no table named `nope`")
                .and(predicate::str::contains("consumption.orders")),
        );
}

#[test]
fn query_streams_every_output_format() {
    let cache = tempfile::tempdir().unwrap();
    let lake = common::rich_lake();
    let source = lake.path().to_str().unwrap();
    let sql = "SELECT order_id, country, amount FROM orders ORDER BY order_id LIMIT 3";
    let run = |format: &str| {
        lakesight(cache.path())
            .args(["query", sql, "--source", source, "--format", format])
            .output()
            .unwrap()
    };

    assert_eq!(
        String::from_utf8(run("csv").stdout).unwrap(),
        "order_id,country,amount\n0,DE,0.0\n1,FR,1.5\n2,DE,3.0\n"
    );
    let json: Value = serde_json::from_slice(&run("json").stdout).unwrap();
    assert_eq!(
        json[1],
        serde_json::json!({"order_id": 1, "country": "FR", "amount": 1.5})
    );
    let ndjson = String::from_utf8(run("ndjson").stdout).unwrap();
    assert_eq!(ndjson.lines().count(), 3);
    assert_eq!(
        serde_json::from_str::<Value>(ndjson.lines().nth(2).unwrap()).unwrap()["order_id"],
        2
    );
    let table = String::from_utf8(run("table").stdout).unwrap();
    assert!(
        table.contains("| order_id | country | amount |")
            && table.contains("| 1        | FR      | 1.5    |"),
        "{table}"
    );

    let out = tempfile::tempdir().unwrap();
    for format in ["parquet", "arrow"] {
        let path = out.path().join(format!("result.{format}"));
        lakesight(cache.path())
            .args([
                "query",
                "SELECT * FROM orders",
                "--source",
                source,
                "--format",
                format,
                "--output",
                path.to_str().unwrap(),
            ])
            .assert()
            .success()
            .stderr(predicate::str::contains("40 rows"));
        // Read it back through Lakesight itself: a one-file lake.
        let check = tempfile::tempdir().unwrap();
        std::fs::copy(&path, check.path().join(format!("result.{format}"))).unwrap();
        lakesight(cache.path())
            .args([
                "query",
                "SELECT count(*) AS n, sum(order_id) AS s FROM result",
                "--source",
                check.path().to_str().unwrap(),
                "--format",
                "csv",
            ])
            .assert()
            .success()
            .stdout("n,s\n40,780\n");
    }
    lakesight(cache.path())
        .args([
            "query",
            "SELECT * FROM orders",
            "--source",
            source,
            "--format",
            "parquet",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("need --output"));
}

#[test]
fn max_rows_stops_early() {
    let cache = tempfile::tempdir().unwrap();
    let lake = common::rich_lake();
    let output = lakesight(cache.path())
        .args([
            "query",
            "SELECT * FROM orders",
            "--source",
            lake.path().to_str().unwrap(),
            "--format",
            "ndjson",
            "--max-rows",
            "7",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout).unwrap().lines().count(), 7);
}

#[test]
fn runtime_errors_exit_1_with_one_clear_message() {
    let cache = tempfile::tempdir().unwrap();
    let lake = common::rich_lake();
    common::write(
        lake.path(),
        "landing/bad_json/a.json",
        b"{\"id\":1}\n{\"id\": oops}\n",
    );
    let source = lake.path().to_str().unwrap();
    for (sql, expected) in [
        (
            "DROP TABLE orders",
            "Lakesight is read-only: DROP TABLE statements are not allowed",
        ),
        ("SELEC 1", "SQL syntax error"),
        ("SELECT nope FROM orders", "nope"),
        (
            "SELECT * FROM '/etc/passwd'",
            "queries read only the tables of the attached lake",
        ),
        ("SELECT * FROM landing.bad_json", "a.json"),
    ] {
        let output = lakesight(cache.path())
            .args(["query", sql, "--source", source])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{sql}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.starts_with("error: ") && stderr.contains(expected),
            "{sql}: {stderr}"
        );
        assert_eq!(
            stderr.lines().count(),
            1,
            "{sql}: one message, got {stderr}"
        );
        assert!(
            !stderr.contains("panicked") && !stderr.contains("backtrace"),
            "{stderr}"
        );
    }
    // A failed query leaves no partial output file behind.
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("result.csv");
    lakesight(cache.path())
        .args([
            "query",
            "SELECT * FROM landing.bad_json",
            "--source",
            source,
            "--format",
            "csv",
            "--output",
            target.to_str().unwrap(),
        ])
        .assert()
        .code(1);
    assert!(!target.exists());
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "no temp files left"
    );

    lakesight(cache.path())
        .args(["tables", "--source", "/definitely/not/here"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "folder not found: /definitely/not/here",
        ));
}

#[test]
fn usage_errors_exit_2() {
    let cache = tempfile::tempdir().unwrap();
    lakesight(cache.path()).arg("frobnicate").assert().code(2);
    lakesight(cache.path()).args(["query"]).assert().code(2);
    lakesight(cache.path())
        .args(["tables", "--format", "xml"])
        .assert()
        .code(2);
    lakesight(cache.path())
        .args(["simulate", "--into", "x", "--scenario", "meteor"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("error-spike"));
    lakesight(cache.path())
        .args(["query", "SELECT 1", "--memory-limit", "lots"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a memory size"));
}

#[test]
fn simulate_delivers_firehose_objects_that_queries_see() {
    let cache = tempfile::tempdir().unwrap();
    let lake = tempfile::tempdir().unwrap();
    let into = lake.path().to_str().unwrap();
    lakesight(cache.path())
        .args([
            "simulate",
            "--into",
            into,
            "--rate",
            "200",
            "--duration",
            "1.5",
            "--flush-secs",
            "0.4",
            "--seed",
            "7",
            "--scenario",
            "error-spike",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("done:"));
    let output = lakesight(cache.path())
        .args(["tables", "--source", into, "--format", "json"])
        .output()
        .unwrap();
    let json = stdout_json(&output);
    let names = table_names(&json);
    assert!(
        names.contains(&"landing.app_logs".to_owned())
            && names.contains(&"consumption.app_logs".to_owned()),
        "{names:?}"
    );
    assert!(json["unreadable"].as_array().unwrap().is_empty(), "{json}");
    let counts = lakesight(cache.path())
        .args(["query", "SELECT (SELECT count(*) FROM landing.orders) AS landed, (SELECT count(*) FROM consumption.orders) AS published", "--source", into, "--format", "json"])
        .output()
        .unwrap();
    let counts = stdout_json(&counts);
    assert!(counts[0]["landed"].as_i64().unwrap() > 0);
    assert_eq!(
        counts[0]["landed"], counts[0]["published"],
        "every landed event is published"
    );
}
