//! Insights headless, through the real binary on the sample lake: `dashboard data` adds
//! `forecast`, `anomalies`, `drivers` and `notes` to the visuals that ask for them (the names
//! scripts rely on), and `dashboard check` refuses drivers of a value that does not add up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn lakesight(cache: &Path) -> Command {
    let mut cmd = Command::cargo_bin("lakesight").unwrap();
    cmd.env_remove("LAKESIGHT_SOURCE")
        .env_remove("LAKESIGHT_CLUSTER")
        .env("LAKESIGHT_CACHE_DIR", cache)
        .env("XDG_DATA_HOME", cache.join("data"));
    cmd
}

/// `dashboard data FILE --format json` over `from..to` of the sample lake: visuals by id.
fn data(file: &Path, from: &str, to: &str) -> Vec<Value> {
    let cache = tempfile::tempdir().unwrap();
    let output = lakesight(cache.path())
        .args(["dashboard", "data"])
        .arg(file)
        .arg("--source")
        .arg(root().join("sample-data"))
        .args(["--from", from, "--to", to, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    document["visuals"].as_array().unwrap().clone()
}

fn by_id<'a>(visuals: &'a [Value], id: &str) -> &'a Value {
    visuals.iter().find(|v| v["id"] == id).unwrap()
}

fn number(value: &Value) -> f64 {
    value.as_f64().unwrap()
}

#[test]
fn the_bundled_dashboards_forecast_flag_and_explain() {
    let orders = data(
        &root().join("dashboards/orders.toml"),
        "2026-11-22T00:00Z",
        "2026-11-25T00:00Z",
    );
    // A day ahead of the last hour, hour by hour, each point inside its band.
    let revenue = by_id(&orders, "revenue_per_hour");
    let forecast = revenue["forecast"].as_array().unwrap();
    assert_eq!(forecast.len(), 24, "{revenue}");
    assert_eq!(forecast[0]["x"], "2026-11-25T00:00:00Z");
    assert_eq!(forecast[23]["x"], "2026-11-25T23:00:00Z");
    for point in forecast {
        assert!(point["series"].is_null());
        let (value, lower, upper) = (
            number(&point["value"]),
            number(&point["lower"]),
            number(&point["upper"]),
        );
        assert!(lower <= value && value <= upper, "{point}");
    }
    assert_eq!(revenue["notes"], Value::Array(Vec::new()));
    assert!(revenue.get("anomalies").is_none(), "not asked for");
    assert!(by_id(&orders, "by_channel").get("forecast").is_none());

    // Why the revenue changed: up to five per column, largest change first.
    let total = by_id(&orders, "revenue_total");
    let drivers = total["drivers"].as_array().unwrap();
    for dimension in ["country", "channel"] {
        let rows: Vec<&Value> = drivers
            .iter()
            .filter(|d| d["dimension"] == dimension)
            .collect();
        assert!(
            !rows.is_empty() && rows.len() <= 5,
            "{dimension}: {drivers:?}"
        );
        let changes: Vec<f64> = rows.iter().map(|d| number(&d["change"]).abs()).collect();
        assert!(changes.windows(2).all(|w| w[0] >= w[1]), "{changes:?}");
        for row in rows {
            let (current, previous) = (number(&row["current"]), number(&row["previous"]));
            assert!((number(&row["change"]) - (current - previous)).abs() < 1e-6);
            assert!(row["value"].is_string());
        }
    }
    // The channels cover the whole revenue: their current parts add up to the KPI.
    let kpi = number(&total["rows"][0][0]);
    let channels: f64 = drivers
        .iter()
        .filter(|d| d["dimension"] == "channel")
        .map(|d| number(&d["current"]))
        .sum();
    assert!((channels - kpi).abs() < 0.05, "{channels} against {kpi}");

    // The app_logs error spike of 24 Nov 14:00 is flagged.
    let health = data(
        &root().join("dashboards/app-health.toml"),
        "2026-11-22T00:00Z",
        "2026-11-25T00:00Z",
    );
    let errors = by_id(&health, "errors_per_hour");
    let flagged: Vec<&str> = errors["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["x"].as_str().unwrap())
        .collect();
    assert!(flagged.contains(&"2026-11-24T14:00:00Z"), "{flagged:?}");
    let spike = errors["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["x"] == "2026-11-24T14:00:00Z")
        .unwrap();
    assert!(number(&spike["value"]) > number(&spike["upper"]), "{spike}");
    assert!(number(&spike["expected"]) < number(&spike["value"]));
}

#[test]
fn too_little_history_is_a_note_never_an_error() {
    let orders = data(
        &root().join("dashboards/orders.toml"),
        "2026-11-24T16:00Z",
        "2026-11-25T00:00Z",
    );
    let revenue = by_id(&orders, "revenue_per_hour");
    assert!(revenue["error"].is_null());
    assert_eq!(revenue["forecast"], Value::Array(Vec::new()));
    assert_eq!(
        revenue["notes"][0],
        "no forecast: 8 points, at least 48 needed"
    );
}

#[test]
fn drivers_of_a_value_that_does_not_add_up_are_refused_by_check() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("avg.toml");
    std::fs::write(
        &file,
        r#"title = "Average"

[[visuals]]
id = "avg_order"
kind = "kpi"
sql = "SELECT avg(amount) AS avg_order FROM orders WHERE $__timeFilter(event_time)"
y = ["avg_order"]
compare = "previous-period"
drivers = ["country"]
position = [0, 0, 3, 3]
"#,
    )
    .unwrap();
    let output = lakesight(dir.path())
        .args(["dashboard", "check"])
        .arg(&file)
        .arg("--source")
        .arg(root().join("sample-data"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success());
    assert!(
        stdout.contains("problem  avg_order: `drivers` breaks a sum or a count down by column"),
        "{stdout}"
    );
}

#[test]
fn an_anomalous_rule_fires_on_the_error_spike_in_a_backtest() {
    let cache = tempfile::tempdir().unwrap();
    let output = lakesight(cache.path())
        .args(["alerts", "backtest"])
        .arg(root().join("dashboards/app-health.toml"))
        .arg("--source")
        .arg(root().join("sample-data"))
        .args(["--from", "2026-11-24T00:00Z", "--to", "2026-11-25T00:00Z"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    // The 14:00 hour is complete at 15:00: that is when its rule can say so.
    assert!(
        stdout.contains("error-rate-unusual firing (was normal): ")
            && stdout.contains("anomalous, at 2026-11-24T15:00:00Z"),
        "{stdout}"
    );
    let before_spike = stdout
        .lines()
        .filter(|l| l.starts_with("error-rate-unusual firing"))
        .all(|l| !l.contains("T0") && !l.contains("T10:") && !l.contains("T11:"));
    assert!(before_spike, "no firing in the quiet morning: {stdout}");
}

#[test]
fn watch_once_says_an_anomalous_rule_fires_inside_the_spike_and_not_before() {
    let cache = tempfile::tempdir().unwrap();
    let unusual_at = |at: &str| -> Value {
        let output = lakesight(cache.path())
            .arg("watch")
            .arg(root().join("dashboards/app-health.toml"))
            .arg("--source")
            .arg(root().join("sample-data"))
            .args(["--once", "--at", at, "--format", "ndjson"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap())
            .find(|notice| notice["alert"] == "error-rate-unusual")
            .unwrap()
    };
    let inside = unusual_at("2026-11-24T15:00Z");
    assert_eq!(inside["state"], "firing", "{inside}");
    assert_eq!(inside["condition"], "anomalous");
    assert!(inside["threshold"].is_null());
    let before = unusual_at("2026-11-24T12:00Z");
    assert_eq!(before["state"], "normal", "{before}");
}
