//! Alert rules in the real window (`egui_kittest`): they watch the dashboard as its file defines
//! it (its own range and parameter defaults), never what the header shows after a parameter is
//! changed, nor a preview of unsaved SQL; and time alone moves them on: a pending rule fires when
//! its `for` has passed, with nothing new in the lake and nothing done in the window.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::app::{Fixture, has_label, open_config, step_until};
use egui_kittest::kittest::Queryable;
use lakesight::app::{AppConfig, Launch};
use lakesight::model::SourceSpec;
use lakesight::model::dashboard::DashboardSource;

/// One order from DE and fifty from FR.
fn lake() -> tempfile::TempDir {
    let lake = tempfile::tempdir().unwrap();
    let mut rows = String::from("{\"country\": \"DE\"}\n");
    for _ in 0..50 {
        rows.push_str("{\"country\": \"FR\"}\n");
    }
    common::write(lake.path(), "events/part-0.json", rows.as_bytes());
    lake
}

/// A KPI of one country's orders (DE by default) with a rule above 10, checked every second.
const DASHBOARD: &str = r#"title = "Countries"
poll = "1s"

[[params]]
name = "country"
type = "text"
default = "DE"

[[visuals]]
id = "orders"
title = "Orders of the country"
kind = "kpi"
sql = "SELECT count(*) AS n FROM events WHERE country = $country"
y = ["n"]
position = [0, 0, 4, 3]

[[alerts]]
id = "many"
visual = "orders"
condition = "above"
threshold = 10
"#;

/// The window with `text` open, once its tile has run and its rule is OK; every transition is
/// recorded in `history.jsonl` in the lake's folder.
fn open(text: &str) -> Fixture {
    let lake = lake();
    let file = lake.path().join("countries.toml");
    std::fs::write(&file, text).unwrap();
    let mut config = AppConfig::new(Launch::Source(SourceSpec::local(lake.path())));
    config.dashboards.push(DashboardSource::File(file));
    config.alert_history = Some(lake.path().join("history.jsonl"));
    let mut f = open_config(lake, config);
    step_until(&mut f.harness, "the tile and its rule", |h| {
        has_label(h, "Orders of the country")
            && !h.state().dashboard_running()
            && h.query_all_by_label("OK").next().is_some()
    });
    f
}

/// Steps frames for `period` of real time (several of the dashboard's one-second polls).
fn let_time_pass(f: &mut Fixture, period: Duration) {
    let until = Instant::now() + period;
    while Instant::now() < until {
        f.harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether the rule fired at any moment: on screen now, or in the history.
fn fired(f: &Fixture) -> bool {
    let recorded = std::fs::read_to_string(f.lake.path().join("history.jsonl"))
        .is_ok_and(|history| history.contains("\"firing\""));
    recorded || f.harness.query_all_by_label("Firing").next().is_some()
}

#[test]
fn a_parameter_changed_in_the_header_does_not_feed_the_rule() {
    let mut f = open(DASHBOARD);
    let field = f
        .harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "country");
    field.focus();
    f.harness.step();
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    f.harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "country")
        .type_text("FR");
    f.harness.step();
    f.harness.key_press(egui::Key::Enter);
    let runs = f.harness.state().dashboard_runs();
    step_until(&mut f.harness, "the tile showing FR", |h| {
        h.state().dashboard_runs() > runs && !h.state().dashboard_running()
    });
    // The tile shows fifty orders; the rule watches the file's own view (DE: one order), run
    // for it alone every second meanwhile.
    assert_evaluated_and_quiet(&mut f, "the rule was fed the header's view");
    assert!(f.harness.query_all_by_label("OK").next().is_some());
}

/// Three seconds later the rule has been evaluated again (on the file's own view) and has not
/// fired: `why` says what would have fed it otherwise.
fn assert_evaluated_and_quiet(f: &mut Fixture, why: &str) {
    let alert_runs = f.harness.state().alert_runs();
    let_time_pass(f, Duration::from_secs(3));
    assert!(
        f.harness.state().alert_runs() > alert_runs,
        "the rule was evaluated"
    );
    assert!(!fired(f), "{why}");
}

#[test]
fn a_preview_of_unsaved_sql_does_not_feed_the_rule() {
    let mut f = open(DASHBOARD);
    f.harness.get_by_label("Edit").click();
    step_until(&mut f.harness, "edit mode", |h| has_label(h, "Edit visual"));
    f.harness.get_by_label("Orders of the country").click();
    step_until(&mut f.harness, "the visual's editor", |h| {
        has_label(h, "Visual SQL")
    });
    let sql = f.harness.get_by_label_contains("Visual SQL (Ctrl+Enter");
    sql.focus();
    f.harness.step();
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    f.harness
        .get_by_label_contains("Visual SQL (Ctrl+Enter")
        .type_text("SELECT count(*) AS n FROM events");
    f.harness.step();
    let runs = f.harness.state().dashboard_runs();
    f.harness.get_by_label("Preview").click();
    step_until(&mut f.harness, "the preview's run", |h| {
        h.state().dashboard_runs() > runs && !h.state().dashboard_running()
    });
    assert_evaluated_and_quiet(&mut f, "the rule was fed a preview");
}

#[test]
fn a_pending_rule_fires_at_its_deadline_with_nothing_new() {
    // Fifty by default, pending for 2 s; polled only hourly, so only the deadline can fire it.
    let text = DASHBOARD
        .replace("poll = \"1s\"", "poll = \"1h\"")
        .replace("default = \"DE\"", "default = \"FR\"")
        .replace("threshold = 10\n", "threshold = 10\nfor = \"2s\"\n");
    let lake = lake();
    let file = lake.path().join("countries.toml");
    std::fs::write(&file, text).unwrap();
    let mut config = AppConfig::new(Launch::Source(SourceSpec::local(lake.path())));
    config.dashboards.push(DashboardSource::File(file));
    let mut f = open_config(lake, config);
    step_until(&mut f.harness, "pending", |h| {
        h.query_all_by_label("Pending").next().is_some()
    });
    step_until(&mut f.harness, "firing at the deadline", firing_now);
}

fn firing_now(h: &egui_kittest::Harness<'static, lakesight::app::LakesightApp>) -> bool {
    h.query_all_by_label("Firing").next().is_some()
}
