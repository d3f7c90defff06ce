//! Live dashboards in the real window: the simulator writes into a temporary lake while the app
//! shows a `refresh = "new-data"` dashboard; the visual runs again as files land, its alert's
//! badge changes state, the alerts panel lists the transition, and a lake folder removed while
//! watched is reported. On S3 (a real server on 127.0.0.1) the window finds new files by polling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::app::{has_label, open_config_on, runtime, step_until};
use egui_kittest::kittest::Queryable;
use lakesight::app::{AppConfig, Launch};
use lakesight::model::SourceSpec;
use lakesight::model::dashboard::DashboardSource;
use lakesight::sim::{SimConfig, Stream, run};

/// A live dashboard: a count of every order, and an alert when it rises (also what
/// `scripts/hidden_refresh.sh` opens).
const DASHBOARD: &str = include_str!("fixtures/live_orders.toml");

/// The simulator writing into `lake` for `seconds`, delivering every 300 ms.
fn simulate(lake: &std::path::Path, seconds: f64, seed: u64) -> SimConfig {
    SimConfig {
        into: lake.to_path_buf(),
        rate_per_sec: 200.0,
        duration: Some(Duration::from_secs_f64(seconds)),
        seed,
        flush_interval: Duration::from_millis(300),
        ..SimConfig::default()
    }
}

/// Visuals reuse a table's listing until the window says files landed there, however long
/// that takes: what the window sees, it sees because its watcher or its checks told the engine.
fn reuse_listings_for_an_hour(config: &mut AppConfig) {
    config.engine.hot_listing_reuse = Some(Duration::from_hours(1));
}

/// The app with the live dashboard open on a lake the simulator has started to fill.
fn live_app() -> (common::app::Fixture, tokio::runtime::Runtime) {
    let lake = tempfile::tempdir().unwrap();
    let sim = runtime();
    sim.block_on(run(&simulate(lake.path(), 1.0, 1), |_| {}))
        .unwrap();
    let file = write_dashboard(lake.path(), "");
    let source = SourceSpec::local(lake.path());
    (open_live(lake, source, file), sim)
}

/// Writes the live dashboard, with `keys` added to its top-level keys, as `folder/live.toml`.
fn write_dashboard(folder: &std::path::Path, keys: &str) -> std::path::PathBuf {
    let file = folder.join("live.toml");
    let text = DASHBOARD.replace(
        "refresh = \"new-data\"",
        &format!("refresh = \"new-data\"\n{keys}"),
    );
    std::fs::write(&file, text).unwrap();
    file
}

/// The app on `source` with the dashboard file `file` open (in `folder`), once the tile has run.
fn open_live(
    folder: tempfile::TempDir,
    source: SourceSpec,
    file: std::path::PathBuf,
) -> common::app::Fixture {
    let mut config = AppConfig::new(Launch::Source(source));
    config.dashboards.push(DashboardSource::File(file));
    reuse_listings_for_an_hour(&mut config);
    let mut f = open_config_on(folder, config, runtime());
    step_until(&mut f.harness, "the tile's first run", |h| {
        has_label(h, "Orders so far")
            && !h.state().dashboard_running()
            && has_label(h, "newest file")
    });
    f
}

#[test]
fn files_landing_run_the_visual_again_and_its_alert_badge_turns_firing() {
    let (mut f, sim) = live_app();
    assert!(has_label(&f.harness, "OK"), "the rule starts normal");
    assert!(has_label(&f.harness, "live: on new data"));
    let before = f.harness.state().dashboard_runs();

    // The simulator keeps delivering while the window runs.
    let config = simulate(f.lake.path(), 3.0, 2);
    let feeding = sim.spawn(async move { run(&config, |_| {}).await });
    step_until(&mut f.harness, "the alert firing", |h| {
        h.query_all_by_label("Firing").next().is_some()
    });
    assert!(
        f.harness.state().dashboard_runs() > before,
        "new files ran the visual again"
    );
    // The watcher names the folders where files landed; the window lists only those again.
    step_until(&mut f.harness, "a changed folder listed again", |h| {
        h.state().hot_stats().is_some_and(|s| s.folders_listed > 0)
    });

    // The toggle's text (and width) follows the rule's state, which new files keep changing: a
    // click aimed at the text of a frame ago can miss, so click until the panel is open.
    let deadline = std::time::Instant::now() + Duration::from_mins(1);
    while !has_label(&f.harness, "Transitions") {
        assert!(
            std::time::Instant::now() < deadline,
            "the alerts panel did not open"
        );
        f.harness.get_by_label_contains("Alerts (").click();
        f.harness.step();
    }
    step_until(&mut f.harness, "the alerts panel", |h| {
        has_label(h, "Transitions") && h.query_all_by_label("orders-rising").count() >= 2
    });
    assert!(
        f.harness.query_all_by_label("OK ->").next().is_some(),
        "the history lists the transition from OK"
    );
    sim.block_on(feeding).unwrap().unwrap();
}

#[test]
fn a_visual_whose_first_run_failed_runs_again_when_files_land() {
    let lake = tempfile::tempdir().unwrap();
    let sim = runtime();
    let mut orders = 0;
    sim.block_on(run(&simulate(lake.path(), 1.0, 1), |flush| {
        if flush.stream == Stream::Orders {
            orders += flush.records;
        }
    }))
    .unwrap();
    // Divides by zero (an error) until more orders land than there are now.
    let text = DASHBOARD.replace(
        "SELECT count(*) AS orders FROM orders",
        &format!("SELECT 1000000 / (count(*) - {orders}) AS orders FROM orders"),
    );
    let file = lake.path().join("live.toml");
    std::fs::write(&file, text).unwrap();
    let mut config = AppConfig::new(Launch::Source(SourceSpec::local(lake.path())));
    config.dashboards.push(DashboardSource::File(file));
    reuse_listings_for_an_hour(&mut config);
    let mut f = open_config_on(lake, config, runtime());
    step_until(&mut f.harness, "the tile's first run failing", |h| {
        has_label(h, "Divide by zero") && !h.state().dashboard_running()
    });

    let config = simulate(f.lake.path(), 2.0, 2);
    let feeding = sim.spawn(async move { run(&config, |_| {}).await });
    step_until(
        &mut f.harness,
        "the tile running again once orders landed",
        |h| !has_label(h, "Divide by zero") && !h.state().dashboard_running(),
    );
    sim.block_on(feeding).unwrap().unwrap();
}

#[test]
fn a_lake_folder_removed_while_watched_is_reported_and_nothing_crashes() {
    let (mut f, _sim) = live_app();
    let moved = f.lake.path().with_extension("moved");
    std::fs::rename(f.lake.path(), &moved).unwrap();
    step_until(&mut f.harness, "the removal reported", |h| {
        has_label(h, "was removed")
    });
    std::fs::rename(&moved, f.lake.path()).unwrap();
    // The window keeps running.
    for _ in 0..10 {
        f.harness.step();
    }
    assert!(has_label(&f.harness, "Orders so far"));
}

/// Sets the modification time of every file under `dir` to `at`.
fn touch_all(dir: &std::path::Path, at: std::time::SystemTime) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            touch_all(&path, at);
        } else {
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(at)
                .unwrap();
        }
    }
}

#[test]
fn a_source_gone_quiet_shows_on_the_dashboard_and_new_files_make_it_fresh_again() {
    let lake = tempfile::tempdir().unwrap();
    let sim = runtime();
    sim.block_on(run(&simulate(lake.path(), 1.0, 1), |_| {}))
        .unwrap();
    // The simulator stopped twenty minutes ago.
    touch_all(
        lake.path(),
        std::time::SystemTime::now() - Duration::from_mins(20),
    );
    let file = write_dashboard(lake.path(), "stale_after = \"5m\"");
    let source = SourceSpec::local(lake.path());
    let mut f = open_live(lake, source, file);
    step_until(&mut f.harness, "the quiet source said", |h| {
        h.query_all_by_label_contains("the source has gone quiet")
            .next()
            .is_some()
    });
    assert!(
        f.harness
            .query_all_by_label_contains("(20m")
            .next()
            .is_some(),
        "the age of the newest file is shown"
    );

    // It delivers again: the header is fresh.
    let config = simulate(f.lake.path(), 1.0, 2);
    sim.block_on(run(&config, |_| {})).unwrap();
    step_until(&mut f.harness, "the header fresh again", |h| {
        h.query_all_by_label_contains("newest file")
            .next()
            .is_some()
            && h.query_all_by_label_contains("gone quiet").next().is_none()
            && h.query_all_by_label_contains(": late").next().is_none()
    });
}

#[test]
fn on_s3_the_window_polls_for_new_files_and_runs_the_visual_again() {
    let sim = runtime();
    let server = sim.block_on(common::s3::S3Server::start(false));
    // The simulator writes straight into the bucket's folder, which the server serves.
    let bucket = server.bucket_dir("live-lake");
    sim.block_on(run(&simulate(&bucket, 1.0, 1), |_| {}))
        .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let file = write_dashboard(folder.path(), "poll = \"1s\"");
    let mut spec: SourceSpec = "s3://live-lake".parse().unwrap();
    spec.endpoint = Some(server.endpoint.clone());
    spec.no_sign_request = true;
    spec.region = Some("us-east-1".into());
    let mut f = open_live(folder, spec, file);
    assert!(has_label(&f.harness, "OK"), "the rule starts normal");
    let before = f.harness.state().dashboard_runs();

    // More orders land in the bucket: a poll finds them, the visual runs again, the rule fires.
    sim.block_on(run(&simulate(&bucket, 1.0, 2), |_| {}))
        .unwrap();
    step_until(&mut f.harness, "the alert firing", |h| {
        h.query_all_by_label("Firing").next().is_some()
    });
    assert!(f.harness.state().dashboard_runs() > before);
}

#[test]
fn files_landing_in_an_empty_range_take_its_offer_away() {
    // Two days of nothing: the lake's orders are from the day before yesterday.
    let lake = tempfile::tempdir().unwrap();
    let sim = runtime();
    let past = lakesight::sim::VirtualClock::new(chrono::Utc::now() - chrono::TimeDelta::days(2));
    sim.block_on(lakesight::sim::run_with_clock(
        &simulate(lake.path(), 1.0, 1),
        &past,
        |_| {},
    ))
    .unwrap();
    let file = lake.path().join("recent.toml");
    std::fs::write(
        &file,
        r#"title = "Recent orders"
time_range = "last 1h"
refresh = "new-data"

[[visuals]]
id = "recent"
title = "Orders this hour"
kind = "kpi"
sql = "SELECT count(*) AS orders FROM orders WHERE $__timeFilter(event_time)"
y = ["orders"]
position = [0, 0, 4, 3]
"#,
    )
    .unwrap();
    let source = SourceSpec::local(lake.path());
    let mut config = AppConfig::new(Launch::Source(source));
    config.dashboards.push(DashboardSource::File(file));
    reuse_listings_for_an_hour(&mut config);
    let mut f = open_config_on(lake, config, runtime());
    let offered = |h: &egui_kittest::Harness<'static, lakesight::app::LakesightApp>| {
        h.query_all_by_label_contains("No rows in this range")
            .next()
            .is_some()
    };
    step_until(
        &mut f.harness,
        "the offer of the data two days ago",
        offered,
    );
    assert!(has_label(&f.harness, "live: on new data"));

    // Orders land now, inside the range: the header stops saying there are none.
    sim.block_on(run(&simulate(f.lake.path(), 1.0, 2), |_| {}))
        .unwrap();
    step_until(&mut f.harness, "the offer withdrawn", |h| !offered(h));
}
