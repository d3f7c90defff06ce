//! `lakesight alerts backtest` and `lakesight watch` as cron jobs and servers use them: the real
//! binary on the bundled sample lake (whose story says when its error spike and fraud burst
//! happen), on lakes the simulator writes with its simulated clock, and on a lake that changes,
//! disappears and comes back while it is watched.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use lakesight::model::dashboard::Dashboard;
use lakesight::sim::{SampleSpan, Story};
use predicates::prelude::*;
use serde_json::Value;

fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The binary, isolated from the user's environment.
fn lakesight() -> Command {
    let mut cmd = Command::cargo_bin("lakesight").unwrap();
    cmd.env_remove("LAKESIGHT_SOURCE")
        .env_remove("LAKESIGHT_LOG");
    cmd
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The JSON objects of an ndjson output.
fn objects(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect()
}

fn at_of(notice: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(notice["at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn firing(state: &Value) -> bool {
    matches!(state.as_str(), Some("firing" | "recovering"))
}

/// The bundled sample lake's story: when its error spike and fraud burst happen.
fn story() -> Story {
    Story::ending(SampleSpan::bundled().last_hour_end())
}

/// Backtests the bundled dashboard `name` over the whole sample lake, every 15 minutes (every 5
/// takes minutes in a debug build and gives the same picture), and checks that its only rule fires
/// within `period` and nowhere else.
fn fires_only_within(name: &str, period: (DateTime<Utc>, DateTime<Utc>)) {
    let file = repo(&format!("dashboards/{name}.toml"));
    let dashboard = Dashboard::parse(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let rule = &dashboard.alerts[0];
    let span = SampleSpan::bundled();
    let step = TimeDelta::minutes(15);
    let out = lakesight()
        .args(["alerts", "backtest"])
        .arg(&file)
        .arg("--source")
        .arg(repo("sample-data"))
        .args(["--from", &stamp(span.start()), "--to", &stamp(span.end)])
        .args(["--step", "15m", "--format", "ndjson"])
        .assert()
        .success();
    // The file's first rule (a file may have others on the same visual, such as `anomalous`).
    let notices: Vec<Value> = objects(&out.get_output().stdout)
        .into_iter()
        .filter(|n| n["alert"] == rule.id.as_str())
        .collect();
    let fired: Vec<DateTime<Utc>> = notices
        .iter()
        .filter(|n| n["state"] == "firing" && !firing(&n["previous"]))
        .map(at_of)
        .collect();
    assert!(!fired.is_empty(), "{name} never fired: {notices:#?}");
    // It cannot know the period has ended before it sees a value from after it: it clears within
    // its `keep_firing_for` and two steps (the first minutes of an hour are a handful of rows).
    let slack = TimeDelta::from_std(rule.keep_firing()).unwrap() + step * 2;
    for notice in &notices {
        if firing(&notice["state"]) || firing(&notice["previous"]) {
            let at = at_of(notice);
            assert!(
                at > period.0 && at <= period.1 + slack,
                "{name}: {notice} is outside {period:?}"
            );
        }
        if notice["state"] == "firing" && !firing(&notice["previous"]) {
            assert!(
                at_of(notice) <= period.1,
                "{name} fired after the period: {notice}"
            );
        }
    }
    let last = notices.last().unwrap();
    assert_eq!(last["state"], "normal", "{name} ends normal: {last}");
}

#[test]
fn backtest_fires_the_app_health_rule_only_within_the_error_spike() {
    fires_only_within("app-health", story().error_spike);
}

#[test]
fn backtest_fires_the_fraud_rule_only_within_the_fraud_burst() {
    fires_only_within("payments-fraud", story().fraud_burst);
}

#[test]
fn backtest_text_ends_with_how_often_and_how_long_each_rule_fired() {
    let (from, to) = story().error_spike;
    lakesight()
        .args(["alerts", "backtest"])
        .arg(repo("dashboards/app-health.toml"))
        .arg("--source")
        .arg(repo("sample-data"))
        .args([
            "--from",
            &stamp(from - TimeDelta::hours(1)),
            "--to",
            &stamp(to + TimeDelta::hours(1)),
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("error-rate firing (was pending)").and(
                predicate::str::contains("error-rate: fired 1 time, firing for 3h in all"),
            ),
        );
}

/// `watch --once --at AT` on the app-health dashboard and the sample lake.
fn once_at(at: DateTime<Utc>, format: &str) -> assert_cmd::assert::Assert {
    lakesight()
        .arg("watch")
        .arg(repo("dashboards/app-health.toml"))
        .arg("--source")
        .arg(repo("sample-data"))
        .args(["--once", "--at", &stamp(at), "--format", format])
        .assert()
}

#[test]
fn watch_once_exits_3_inside_the_spike_and_0_outside_it() {
    let (start, end) = story().error_spike;
    once_at(start + (end - start) / 2, "text")
        .code(3)
        .stdout(predicate::str::contains("error-rate firing (was pending)"));
    once_at(start - TimeDelta::hours(3), "text")
        .code(0)
        .stdout(predicate::str::contains("error-rate normal"));
}

/// `--once` is a check, as the README says: what it prints is recorded nowhere, even with
/// `--history`.
#[test]
fn watch_once_records_nothing() {
    let (start, end) = story().error_spike;
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("alerts.jsonl");
    lakesight()
        .env("XDG_DATA_HOME", dir.path())
        .arg("watch")
        .arg(repo("dashboards/app-health.toml"))
        .arg("--source")
        .arg(repo("sample-data"))
        .args(["--once", "--at", &stamp(start + (end - start) / 2)])
        .arg("--history")
        .arg(&history)
        .assert()
        .code(3)
        .stdout(predicate::str::contains("error-rate firing (was pending)"));
    assert!(!history.exists());
    assert!(!dir.path().join("lakesight/alerts.jsonl").exists());
}

#[test]
fn watch_once_ndjson_has_one_object_per_alert_with_the_contract_s_fields() {
    let (start, end) = story().error_spike;
    let at = start + (end - start) / 2;
    let out = once_at(at, "ndjson").code(3);
    let notices = objects(&out.get_output().stdout);
    // One per rule of the file: the threshold rule and the `anomalous` one.
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert_eq!(notices[1]["alert"], "error-rate-unusual");
    assert!(notices[1]["threshold"].is_null(), "{notices:?}");
    let notice = &notices[0];
    for field in [
        "alert",
        "visual",
        "state",
        "previous",
        "value",
        "threshold",
        "at",
    ] {
        assert!(notice.get(field).is_some(), "no `{field}` in {notice}");
    }
    assert_eq!(notice["alert"], "error-rate");
    assert_eq!(notice["visual"], "errors_per_hour");
    assert_eq!(notice["state"], "firing");
    assert_eq!(notice["previous"], "pending");
    assert_eq!(notice["threshold"], 0.15);
    assert!(notice["value"].as_f64().unwrap() > 0.15);
    assert_eq!(at_of(notice), at);
}

#[test]
fn watch_once_exits_1_on_a_bad_file_or_a_missing_lake() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(repo("dashboards/app-health.toml")).unwrap();
    std::fs::write(
        &bad,
        text.replace("threshold = 0.15", "threshold = \"high\""),
    )
    .unwrap();
    lakesight()
        .arg("watch")
        .arg(&bad)
        .args(["--once", "--source"])
        .arg(repo("sample-data"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("line "))
        .stderr(predicate::str::contains("bad.toml has"));
    lakesight()
        .arg("watch")
        .arg(repo("dashboards/app-health.toml"))
        .args(["--once", "--source"])
        .arg(dir.path().join("no-lake-here"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no-lake-here"));
}
