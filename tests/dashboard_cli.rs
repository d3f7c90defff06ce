//! `lakesight dashboard check` as a script uses it: a good dashboard passes, and every problem —
//! in the file or in a visual's query against the lake — is printed with its line or visual id
//! and fails the command.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

/// The binary, isolated from the user's environment, reading the rich test lake.
fn check(file: &std::path::Path, lake: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("lakesight").unwrap();
    cmd.env_remove("LAKESIGHT_SOURCE")
        .env_remove("LAKESIGHT_LOG")
        .args(["dashboard", "check"])
        .arg(file)
        .arg("--source")
        .arg(lake);
    cmd
}

const GOOD: &str = r#"title = "Orders" # a comment
time_range = "last 24h"

[[params]]
name = "country"
type = "text"
default = "DE"

[[params]]
name = "min_amount"
type = "number"
default = 0

[[visuals]]
id = "revenue"
title = "Revenue per hour"
kind = "line"
sql = """SELECT date_trunc('hour', to_timestamp(order_id * 3600)) AS hour, sum(amount) AS revenue
         FROM orders WHERE ($country IS NULL OR country = $country) AND amount >= $min_amount
         GROUP BY 1 ORDER BY 1"""
x = "hour"
y = ["revenue"]
position = [0, 0, 6, 4]

[[visuals]]
id = "notes"
title = "Notes"
kind = "text"
text = "Revenue is in euros."
position = [6, 0, 6, 4]
"#;

fn write(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let path = dir.path().join("orders.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_good_dashboard_plans_every_visual() {
    let lake = common::rich_lake();
    let dir = tempfile::tempdir().unwrap();
    check(&write(&dir, GOOD), lake.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("ok       revenue"))
        .stderr(predicate::str::contains("1 visual queries planned"));
}

#[test]
fn a_visual_that_does_not_plan_is_named_and_fails_the_check() {
    let lake = common::rich_lake();
    let dir = tempfile::tempdir().unwrap();
    let broken = GOOD.replace("sum(amount)", "sum(no_such_column)");
    check(&write(&dir, &broken), lake.path())
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("problem  revenue:")
                .and(predicate::str::contains("no_such_column")),
        )
        .stderr(predicate::str::contains("1 problem"));
}

#[test]
fn problems_in_the_file_are_printed_with_their_line() {
    let lake = common::rich_lake();
    let dir = tempfile::tempdir().unwrap();
    let unknown_key = GOOD.replace("kind = \"line\"", "kind = \"line\"\ncolour = \"red\"");
    check(&write(&dir, &unknown_key), lake.path())
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("line 18, column 1").and(predicate::str::contains("colour")),
        );
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let lake = common::rich_lake();
    check(
        std::path::Path::new("/definitely/not/here.toml"),
        lake.path(),
    )
    .assert()
    .code(1)
    .stderr(predicate::str::contains(
        "cannot read the dashboard /definitely/not/here.toml",
    ));
}

#[test]
fn every_built_in_dashboard_can_be_listed_shown_and_checked() {
    let cache = tempfile::tempdir().unwrap();
    let bin = || {
        let mut cmd = Command::cargo_bin("lakesight").unwrap();
        cmd.env_remove("LAKESIGHT_SOURCE")
            .env("LAKESIGHT_CACHE_DIR", cache.path());
        cmd
    };
    let listed = bin().args(["dashboard", "list"]).assert().success();
    let names: Vec<String> = String::from_utf8_lossy(&listed.get_output().stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    assert!(names.len() >= 4, "{names:?}");
    let dir = tempfile::tempdir().unwrap();
    for name in &names {
        let shown = bin().args(["dashboard", "show", name]).assert().success();
        let file = dir.path().join(format!("{name}.toml"));
        std::fs::write(&file, &shown.get_output().stdout).unwrap();
        // Against the bundled sample lake: every visual plans.
        bin()
            .args(["dashboard", "check"])
            .arg(&file)
            .assert()
            .success()
            .stdout(predicate::str::contains("problem").not());
    }
    bin()
        .args(["dashboard", "show", "nope"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no built-in dashboard named `nope`",
        ));
}

/// `dashboard data` on the test dashboard, with `args` after the file, as JSON.
fn data(lake: &std::path::Path, args: &[&str]) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, GOOD);
    let mut cmd = Command::cargo_bin("lakesight").unwrap();
    cmd.env_remove("LAKESIGHT_SOURCE")
        .args(["dashboard", "data"])
        .arg(&file)
        .arg("--source")
        .arg(lake)
        .args(args)
        .assert()
}

fn json(assert: &assert_cmd::assert::Assert) -> serde_json::Value {
    serde_json::from_slice(&assert.get_output().stdout).unwrap()
}

#[test]
fn data_prints_what_each_visual_draws_from_with_parameters_bound_not_spliced() {
    let lake = common::rich_lake();
    let all = data(
        lake.path(),
        &["--visual", "revenue", "--param", "country=FR"],
    )
    .success();
    let doc = json(&all);
    assert_eq!(doc["title"], "Orders");
    let visual = &doc["visuals"][0];
    assert_eq!(visual["id"], "revenue");
    assert_eq!(visual["kind"], "line");
    assert_eq!(visual["columns"], serde_json::json!(["hour", "revenue"]));
    assert!(visual["error"].is_null());
    let fr_rows = visual["rows"].as_array().unwrap().len();
    assert!(fr_rows > 0);
    assert!(
        visual["sql"].as_str().unwrap().contains("$country"),
        "the value is bound, not written into the SQL"
    );

    let hostile = data(
        lake.path(),
        &["--visual", "revenue", "--param", "country=x' OR '1'='1"],
    )
    .success();
    let visual = &json(&hostile)["visuals"][0];
    assert!(visual["error"].is_null());
    assert_eq!(
        visual["rows"],
        serde_json::json!([]),
        "just a string that matches nothing"
    );

    let big = data(
        lake.path(),
        &[
            "--visual",
            "revenue",
            "--param",
            "country=FR",
            "--param",
            "min_amount=1e9",
        ],
    )
    .success();
    assert_eq!(
        json(&big)["visuals"][0]["rows"],
        serde_json::json!([]),
        "a number, bound as one"
    );
}

#[test]
fn data_refuses_unknown_names_and_values_of_the_wrong_type() {
    let lake = common::rich_lake();
    data(lake.path(), &["--visual", "zzz"]).code(1).stderr(
        predicate::str::contains("no visual `zzz`").and(predicate::str::contains("revenue")),
    );
    data(lake.path(), &["--param", "nope=1"])
        .code(1)
        .stderr(predicate::str::contains("no parameter `nope`"));
    data(lake.path(), &["--param", "min_amount=lots"])
        .code(1)
        .stderr(predicate::str::contains("`lots` is not a number"));
    data(lake.path(), &["--range", "yesterday"])
        .code(1)
        .stderr(predicate::str::contains("--range `yesterday`"));
}

#[test]
fn open_refuses_a_bad_dashboard_file_before_any_window() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(&dir, "title = \"T\"\nnope = 1\n");
    let mut cmd = Command::cargo_bin("lakesight").unwrap();
    cmd.env_remove("LAKESIGHT_SOURCE")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .arg("open")
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nope").and(predicate::str::contains("line 2")));
    let missing = dir.path().join("missing.toml");
    Command::cargo_bin("lakesight")
        .unwrap()
        .env_remove("LAKESIGHT_SOURCE")
        .arg("open")
        .arg(&missing)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing.toml"));
}

/// `dashboard data` of the bundled Orders dashboard on the bundled sample lake (22–24 November).
fn orders_data(args: &[&str]) -> assert_cmd::assert::Assert {
    let mut cmd = Command::cargo_bin("lakesight").unwrap();
    cmd.env_remove("LAKESIGHT_SOURCE")
        .args(["dashboard", "data"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/dashboards/orders.toml"
        ))
        .args(args)
        .assert()
}

#[test]
fn data_says_where_the_data_is_when_the_range_holds_none() {
    let empty =
        orders_data(&["--from", "2026-12-01T00:00Z", "--to", "2026-12-08T00:00Z"]).success();
    let stderr = String::from_utf8_lossy(&empty.get_output().stderr).into_owned();
    assert!(
        stderr.contains("holds no rows of consumption.orders")
            && stderr.contains("the newest data is at 2026-11-24 23:")
            && stderr.contains("--from 2026-11-18T00:00Z --to 2026-11-25T00:00Z"),
        "the week ending at the lake's newest data is offered: {stderr}"
    );
    let offered =
        orders_data(&["--from", "2026-11-18T00:00Z", "--to", "2026-11-25T00:00Z"]).success();
    let stderr = String::from_utf8_lossy(&offered.get_output().stderr).into_owned();
    assert!(!stderr.contains("holds no rows"), "{stderr}");
    let stdout = String::from_utf8_lossy(&offered.get_output().stdout).into_owned();
    assert!(
        !stdout.contains("(no rows)"),
        "the offered range has data: {stdout}"
    );
}
