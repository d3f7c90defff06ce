//! Insights in the real window (`egui_kittest` through AccessKit, the real app on the bundled
//! sample lake): a line's forecast band and its anomalies said under the chart, a KPI's drivers
//! sentence, its "Why?" popover, and a contributor clicked filtering the dashboard.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_cmp)]

mod common;

use std::path::Path;

use common::app::{has_label, open_config, step_until};
use egui_kittest::kittest::Queryable;
use lakesight::app::{AppConfig, Launch};
use lakesight::model::SourceSpec;
use lakesight::model::dashboard::DashboardSource;

const DASHBOARD: &str = r#"title = "Insights"
time_range = "2026-11-22T00:00Z..2026-11-25T00:00Z"
timezone = "UTC"

[[params]]
name = "country"
type = "text"

[[visuals]]
id = "revenue"
title = "Revenue"
kind = "kpi"
sql = """SELECT round(sum(amount), 2) AS revenue FROM orders
         WHERE $__timeFilter(event_time) AND ($country IS NULL OR country = $country)"""
y = ["revenue"]
compare = "previous-period"
drivers = ["country"]
position = [0, 0, 4, 4]

[[visuals]]
id = "errors"
title = "Error rate"
kind = "line"
sql = """SELECT date_trunc('hour', event_time) AS hour,
                avg(CASE WHEN level = 'ERROR' THEN 1.0 ELSE 0.0 END) AS error_rate
         FROM app_logs WHERE $__timeFilter(event_time) GROUP BY 1 ORDER BY 1"""
x = "hour"
y = ["error_rate"]
forecast = "12h"
anomalies = true
position = [4, 0, 8, 5]
"#;

#[test]
fn the_window_shows_the_forecast_the_anomalies_and_why_the_kpi_changed() {
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("insights.toml");
    std::fs::write(&file, DASHBOARD).unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let mut config = AppConfig::new(Launch::Source(SourceSpec::local(sample)));
    config.dashboards.push(DashboardSource::File(file));
    let mut f = open_config(folder, config);

    // Under the line: its forecast band and the anomalies ringed on it.
    step_until(&mut f.harness, "the line's insights", |h| {
        has_label(h, "Forecast 12h ahead (95% band, dashed)") && has_label(h, "anomalies, ringed")
    });
    let shown = f.harness.state().tile_insights("errors").expect("insights");
    assert_eq!(shown.forecast.as_ref().map(Vec::len), Some(12));
    assert!(
        shown
            .anomalies
            .iter()
            .flatten()
            .any(|a| a.x == 1_795_528_800.0),
        "the 24 Nov 14:00 error spike is ringed: {:?}",
        shown.anomalies
    );

    // The KPI: the country that moved it most, and every contributor behind "Why?".
    step_until(&mut f.harness, "the drivers sentence", |h| {
        has_label(h, "US +")
    });
    f.harness.get_by_label("Why?").click();
    step_until(&mut f.harness, "the popover", |h| {
        has_label(h, "What changed most, against the previous period")
    });
    assert!(has_label(&f.harness, "GB"));
    // A contributor clicked sets the param of its column's name.
    f.harness.get_by_label("GB").click();
    step_until(&mut f.harness, "the dashboard filtered on GB", |h| {
        h.state().dashboard_param("country").as_deref() == Some("GB")
    });
}
