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

/// Runs `args` and checks it is refused as a usage error naming `flag` and the accepted range.
fn assert_refused(cache: &Path, args: &[&str], flag: &str, range: &str) {
    let output = lakesight(cache)
        .args(args)
        // Values that slip through would run (or open a window): stop them rather than hang.
        .timeout(std::time::Duration::from_secs(30))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(
        stderr.contains(flag) && stderr.contains(range),
        "{args:?}: expected `{flag}` and `{range}` in {stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("memory allocation"),
        "{args:?}: {stderr}"
    );
}

#[test]
fn numbers_out_of_range_are_usage_errors_naming_the_flag_and_its_range() {
    let cache = tempfile::tempdir().unwrap();
    let into = tempfile::tempdir().unwrap();
    let into = into.path().to_str().unwrap();
    let simulate =
        |flag: &'static str, value: &'static str| vec!["simulate", "--into", into, flag, value];
    for value in [
        "-1",
        "0",
        "nan",
        "inf",
        "-inf",
        "1e300",
        "315360001",
        "soon",
    ] {
        assert_refused(
            cache.path(),
            &simulate("--duration", value),
            "--duration",
            "at most 315360000 (10 years)",
        );
    }
    for value in ["1e15", "1000001", "0", "-5", "nan", "inf"] {
        assert_refused(
            cache.path(),
            &simulate("--rate", value),
            "--rate",
            "more than 0 and at most 1000000",
        );
    }
    for value in ["0", "0.05", "901", "nan", "inf", "-1"] {
        assert_refused(
            cache.path(),
            &simulate("--flush-secs", value),
            "--flush-secs",
            "from 0.1 to 900",
        );
    }
    for value in ["-1", "1.5", "18446744073709551616"] {
        assert_refused(
            cache.path(),
            &simulate("--seed", value),
            "--seed",
            "from 0 to 18446744073709551615",
        );
    }
    for value in ["-1", "1.5", "many"] {
        assert_refused(
            cache.path(),
            &["query", "SELECT 1", "--max-rows", value],
            "--max-rows",
            "whole number of rows from 0",
        );
    }
    for (value, range) in [
        ("0", "from 1MiB to 1PiB"),
        ("0.5", "from 1MiB to 1PiB"),
        ("100000TiB", "from 1MiB to 1PiB"),
        ("-5", "not a memory size"),
        ("1e30GiB", "not a memory size"),
        ("200%", "more than 0% and at most 100%"),
        ("nan%", "more than 0% and at most 100%"),
    ] {
        for command in [
            &["query", "SELECT 1"][..],
            &["tables"][..],
            &["open", "/tmp/lake"][..],
        ] {
            let mut args = command.to_vec();
            args.extend(["--memory-limit", value]);
            assert_refused(cache.path(), &args, "--memory-limit", range);
        }
    }
}

#[test]
fn help_states_the_ranges_and_the_formats() {
    let cache = tempfile::tempdir().unwrap();
    let help = lakesight(cache.path())
        .args(["simulate", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    for range in [
        "more than 0, at most 1000000",
        "at most 10 years",
        "from 0.1 to 900",
        "from 0 to 18446744073709551615",
    ] {
        assert!(help.contains(range), "`{range}` in {help}");
    }
    let help = lakesight(cache.path())
        .args(["query", "--help"])
        .output()
        .unwrap();
    // Each possible value with its description, however clap pads the columns.
    let help = String::from_utf8(help.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for value in [
        "table: Aligned text for a terminal",
        "csv: CSV with a header row",
        "json: A JSON array of objects",
        "ndjson: One JSON object per line",
        "parquet: Apache Parquet (needs --output)",
        "arrow: Arrow IPC file (needs --output)",
        "[default: table]",
        "1MiB to 1PiB",
    ] {
        assert!(help.contains(value), "`{value}` in {help}");
    }
}

/// The lake and memory options are explained under every command that reads a lake.
#[test]
fn every_command_that_reads_a_lake_explains_its_lake_options() {
    let cache = tempfile::tempdir().unwrap();
    for command in [
        &["dashboard", "data"][..],
        &["dashboard", "check"],
        &["watch"],
        &["alerts", "backtest"],
        &["export"],
        &["query"],
    ] {
        let help = lakesight(cache.path())
            .args(command)
            .arg("--help")
            .output()
            .unwrap();
        let help = String::from_utf8(help.stdout).unwrap();
        for explained in [
            "--source <SOURCE>\n          The lake:",
            "--profile <PROFILE>\n          AWS profile",
            "--region <REGION>\n          AWS region",
            "--endpoint <ENDPOINT>\n          S3-compatible endpoint",
            "--no-sign-request\n          Read a public bucket",
            "--memory-limit <SIZE>\n          Memory the query engine",
            "--spill-dir <SPILL_DIR>\n          Folder for spill files",
        ] {
            assert!(
                help.contains(explained),
                "{command:?}: `{explained}` in {help}"
            );
        }
    }
}

/// A dashboard file with problems reads the same from `open` (before any window) as from
/// `dashboard check`: a line per problem with its line and column, then how many.
#[test]
fn a_bad_dashboard_file_is_reported_alike_by_open_and_check() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "title = \"T\"\n\n[[visuals]]\nid = \"a\"\nkind = \"line\"\nsql = \"SELECT 1 AS x\"\ny = [\"x\"]\nposition = [6, 0, 14, 4]\n",
    )
    .unwrap();
    let lines = |args: &[&str]| {
        let output = lakesight(cache.path())
            .args(args)
            .arg(&file)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        all.lines().map(str::to_owned).collect::<Vec<_>>()
    };
    let shown = format!("{}", file.display());
    let expected = [
        format!(
            "{shown}: line 3, column 1: visual `a`: position [6, 0, 14, 4] runs past the 12-column grid: column + width must be at most 12"
        ),
        format!(
            "{shown}: line 3, column 1: visual `a`: a `line` visual needs `x`, the column along its x axis"
        ),
        format!("error: {shown} has 2 problems"),
    ];
    assert_eq!(lines(&["dashboard", "check"]), expected);
    assert_eq!(lines(&["open"]), expected);
}

/// `open` on a folder that does not exist fails at once, before any window, as the README says.
#[test]
fn open_on_a_missing_folder_fails_before_any_window() {
    let cache = tempfile::tempdir().unwrap();
    lakesight(cache.path())
        .args(["open", "/nonexistent/lake"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .code(1)
        .stderr("error: could not attach /nonexistent/lake: folder not found: /nonexistent/lake\n");
}

#[test]
fn one_row_is_one_row() {
    let cache = tempfile::tempdir().unwrap();
    lakesight(cache.path())
        .args(["query", "SELECT 1 AS one"])
        .assert()
        .success()
        .stderr(predicate::str::contains("1 row in "));
}

#[test]
fn max_rows_zero_writes_only_the_header() {
    let cache = tempfile::tempdir().unwrap();
    let lake = common::rich_lake();
    let output = lakesight(cache.path())
        .args(["query", "SELECT order_id, amount FROM orders"])
        .args(["--source", lake.path().to_str().unwrap()])
        .args(["--format", "csv", "--max-rows", "0"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "order_id,amount\n"
    );
}

#[cfg(unix)]
#[test]
fn an_output_file_gets_the_usual_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let cache = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("shared.csv");
    lakesight(cache.path())
        .args(["query", "SELECT 1 AS one", "--format", "csv", "--output"])
        .arg(&target)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "one\n1\n");
    // Any other new file in that folder gets the umask's permissions (this process's, which the
    // child inherited): the result must too, not owner-only 0600.
    let plain = out.path().join("plain");
    std::fs::File::create(&plain).unwrap();
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&target), mode(&plain), "{:o}", mode(&target));
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        2,
        "no temp left"
    );
}

#[test]
fn open_takes_the_lake_options_of_the_other_commands() {
    let cache = tempfile::tempdir().unwrap();
    let help = lakesight(cache.path())
        .args(["open", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    for option in [
        "[SOURCE|FILE.toml]",
        "--source <SOURCE>",
        "[env: LAKESIGHT_SOURCE=]",
        "--profile <PROFILE>",
        "--region <REGION>",
        "--endpoint <ENDPOINT>",
        "--no-sign-request",
        "--memory-limit <SIZE>",
        "--spill-dir <SPILL_DIR>",
    ] {
        assert!(help.contains(option), "`{option}` in {help}");
    }
}

#[test]
fn open_reads_lakesight_source_and_fails_before_any_window() {
    let cache = tempfile::tempdir().unwrap();
    let open = |args: &[&str], env_source: Option<&str>| {
        let mut cmd = lakesight(cache.path());
        if let Some(source) = env_source {
            cmd.env("LAKESIGHT_SOURCE", source);
        }
        let output = cmd
            .arg("open")
            .args(args)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .timeout(std::time::Duration::from_secs(30))
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    // From the environment when no SOURCE is given...
    let (code, stderr) = open(&[], Some("ftp://files.example.com/lake"));
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "error: `ftp` uses an unsupported scheme: give a folder path or s3://bucket/prefix\n"
    );
    // ...but SOURCE wins over it (and --source).
    let (code, stderr) = open(&["s3://", "--source", "gs://x"], Some("ftp://x"));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("`s3://` has no bucket name"), "{stderr}");
    // Connection options need a lake to apply to: without one the last lake reopens as it was.
    let (code, stderr) = open(&["--profile", "analyst"], None);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--profile applies to the lake being opened"),
        "{stderr}"
    );
}
