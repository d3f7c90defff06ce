//! Dashboards in the real window, driven through AccessKit with `egui_kittest`: the real app on
//! the bundled sample lake, a dashboard file the test writes, background jobs on a real runtime.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::app::{Fixture, has_label, open_config, primary_button, step_until};
use egui_kittest::kittest::Queryable;
use lakesight::app::{AppConfig, Launch};
use lakesight::model::SourceSpec;
use lakesight::model::dashboard::DashboardSource;

/// A dashboard over the sample lake's three days of orders, with a comment to keep.
const DASHBOARD: &str = r#"# Test dashboard: comments stay when the window saves.
title = "Test orders"
time_range = "2026-11-22T00:00Z..2026-11-25T00:00Z"
timezone = "UTC"

[[params]]
name = "country"
type = "text"

[[visuals]]
id = "countries"
title = "Orders per country"
kind = "table"
sql = """SELECT country, count(*) AS orders FROM orders
         WHERE $__timeFilter(event_time) AND ($country IS NULL OR country = $country)
         GROUP BY 1 ORDER BY 1"""
position = [0, 0, 6, 5]   # the tile the test moves

[[visuals]]
id = "broken"
title = "Broken visual"
kind = "table"
sql = "SELECT no_such_column FROM orders WHERE $__timeFilter(event_time)"
position = [6, 0, 6, 3]
"#;

fn sample_lake() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

/// The app on the sample lake with the test dashboard open; the folder holds the file.
fn open_dashboard(text: &str) -> (Fixture, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("test.toml");
    std::fs::write(&file, text).unwrap();
    let mut config = AppConfig::new(Launch::Source(SourceSpec::local(sample_lake())));
    config.dashboards.push(DashboardSource::File(file.clone()));
    (open_config(folder, config), file)
}

#[test]
fn a_dashboard_shows_its_tiles_and_a_failing_visual_keeps_its_error_in_its_tile() {
    let (mut f, _) = open_dashboard(DASHBOARD);
    step_until(&mut f.harness, "both tiles", |h| {
        has_label(h, "Orders per country") && has_label(h, "Broken visual")
    });
    step_until(&mut f.harness, "the table and the error", |h| {
        has_label(h, "FR") && has_label(h, "no_such_column")
    });
    assert!(has_label(&f.harness, "DE"), "every country is listed");
    assert!(has_label(&f.harness, "This visual's query failed"));
    assert!(has_label(&f.harness, "data as of"), "the header says when");
}

#[test]
fn a_param_and_a_time_range_run_the_visuals_again() {
    let (mut f, _) = open_dashboard(DASHBOARD);
    step_until(&mut f.harness, "the table", |h| has_label(h, "FR"));

    let field = f
        .harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "country");
    field.focus();
    f.harness.step();
    f.harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "country")
        .type_text("DE");
    f.harness.step();
    f.harness.key_press(egui::Key::Enter);
    step_until(&mut f.harness, "only DE", |h| {
        !has_label(h, "FR") && has_label(h, "DE")
    });

    // A range with no data: the table empties.
    f.harness
        .get_by_role_and_label(egui::accesskit::Role::ComboBox, "Time range")
        .click();
    f.harness.step();
    step_until(&mut f.harness, "the presets", |h| {
        has_label(h, "Last 15 minutes")
    });
    f.harness.get_by_label("Last 15 minutes").click();
    step_until(&mut f.harness, "no rows in the last 15 minutes", |h| {
        !has_label(h, "DE")
    });
}

/// Drags with the primary button from `from` by `by`, in small steps as a hand would.
fn drag(f: &mut Fixture, from: egui::Pos2, by: egui::Vec2) {
    f.harness.event(egui::Event::PointerMoved(from));
    f.harness.step();
    primary_button(f, from, true);
    let steps = 10;
    for step in 1..=steps {
        let at = from + by * (step as f32 / steps as f32);
        f.harness.event(egui::Event::PointerMoved(at));
        f.harness.step();
    }
    primary_button(f, from + by, false);
}

#[test]
fn moving_a_tile_in_edit_mode_and_saving_changes_only_its_position() {
    let (mut f, file) = open_dashboard(DASHBOARD);
    step_until(&mut f.harness, "the table", |h| has_label(h, "FR"));
    f.harness.get_by_label("Edit").click();
    step_until(&mut f.harness, "edit mode", |h| has_label(h, "Edit visual"));

    let title = f.harness.get_by_label("Orders per country").rect();
    drag(&mut f, title.center(), egui::vec2(0.0, 3.0 * 74.0));
    eprintln!(
        "after: {:?}",
        f.harness.get_by_label("Orders per country").rect()
    );
    step_until(&mut f.harness, "an unsaved edit", |h| {
        has_label(h, "(edited)")
    });
    f.harness.get_by_label("Save").click();
    step_until(&mut f.harness, "the save", |h| !has_label(h, "(edited)"));

    let saved = std::fs::read_to_string(&file).unwrap();
    let changed: Vec<(&str, &str)> = DASHBOARD
        .lines()
        .zip(saved.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        [(
            "position = [0, 0, 6, 5]   # the tile the test moves",
            "position = [0, 3, 6, 5]   # the tile the test moves"
        )],
        "only the moved tile's position changed; comments stay:\n{saved}"
    );
    assert_eq!(saved.lines().count(), DASHBOARD.lines().count());
}

#[test]
fn clicking_a_bar_filters_the_visuals_using_its_param() {
    let text = DASHBOARD.replace(
        "[[visuals]]\nid = \"broken\"",
        r#"[[visuals]]
id = "by_country"
title = "DE and FR"
kind = "bar"
sql = """SELECT country, count(*) AS orders FROM orders
         WHERE $__timeFilter(event_time) AND country IN ('DE', 'FR') GROUP BY 1 ORDER BY 1"""
x = "country"
y = ["orders"]
cross_filter = "country"
position = [6, 3, 6, 5]

[[visuals]]
id = "broken""#,
    );
    let (mut f, _) = open_dashboard(&text);
    // Exact labels: the bar tile's title holds "DE" too.
    let shows = |h: &egui_kittest::Harness<'static, lakesight::app::LakesightApp>, text: &str| {
        h.query_all_by_label(text).next().is_some()
    };
    step_until(&mut f.harness, "every country", |h| {
        shows(h, "DE") && shows(h, "GB")
    });
    // The bar tile spans from its title's left edge to its menu button's right edge; FR is the
    // right-hand bar of two.
    let title = f.harness.get_by_label("DE and FR").rect();
    let menu = f
        .harness
        .query_all_by_label("…")
        .map(|node| node.rect())
        .find(|rect| (rect.center().y - title.center().y).abs() < 10.0 && rect.min.x > title.max.x)
        .expect("the bar tile's menu");
    let body_height = 5.0 * 64.0 + 4.0 * 10.0 - 16.0 - 30.0;
    let at = egui::pos2(
        title.min.x + 0.8 * (menu.max.x - title.min.x),
        title.max.y + body_height / 2.0,
    );
    f.harness.event(egui::Event::PointerMoved(at));
    f.harness.step();
    for pressed in [true, false] {
        primary_button(&mut f, at, pressed);
    }
    // FR's row shows (so the table ran, rather than failing and showing nothing), alone.
    step_until(&mut f.harness, "only FR in the table", |h| {
        has_label(h, "country = FR") && shows(h, "FR") && !shows(h, "GB") && !shows(h, "DE")
    });
}

#[test]
fn a_query_tab_result_is_added_to_a_dashboard_and_undo_takes_it_back() {
    let (mut f, _) = open_dashboard(DASHBOARD);
    step_until(&mut f.harness, "the table", |h| has_label(h, "FR"));
    f.harness.get_by_label("Query 1").click();
    step_until(&mut f.harness, "the query tab", |h| {
        has_label(h, "SQL editor")
    });
    common::app::run_sql(
        &mut f,
        "SELECT status, count(*) AS orders FROM orders GROUP BY 1 ORDER BY 1",
    );
    step_until(&mut f.harness, "the result", |h| has_label(h, "rows in"));
    f.harness.get_by_label("Add to dashboard").click();
    // The menu lists the open dashboards (the strip names it too).
    step_until(&mut f.harness, "the menu", |h| {
        h.query_all_by_label("Test orders").count() == 2
    });
    f.harness
        .query_all_by_label("Test orders")
        .max_by(|a, b| a.rect().min.y.total_cmp(&b.rect().min.y))
        .unwrap()
        .click();
    // The dashboard comes to the front in edit mode with the new visual selected and drawn.
    step_until(&mut f.harness, "the new visual", |h| {
        has_label(h, "Edit visual") && has_label(h, "cancelled") && has_label(h, "(edited)")
    });
    f.harness.get_by_label("Undo").click();
    step_until(&mut f.harness, "the visual taken back", |h| {
        !has_label(h, "cancelled") && !has_label(h, "(edited)")
    });
}

#[test]
fn alert_when_writes_a_rule_to_the_file_and_the_tile_shows_its_state() {
    let text = DASHBOARD.replace(
        "[[visuals]]\nid = \"broken\"",
        r#"[[visuals]]
id = "total"
title = "All orders"
kind = "kpi"
sql = "SELECT count(*) AS orders FROM orders WHERE $__timeFilter(event_time)"
y = ["orders"]
position = [6, 3, 3, 3]

[[visuals]]
id = "broken""#,
    );
    let (mut f, file) = open_dashboard(&text);
    step_until(&mut f.harness, "the KPI", |h| {
        has_label(h, "All orders") && !h.state().dashboard_running()
    });
    // The KPI tile's menu: the "…" button on its title's row.
    let title = f.harness.get_by_label("All orders").rect();
    f.harness
        .query_all_by_label("…")
        .find(|node| {
            let rect = node.rect();
            (rect.center().y - title.center().y).abs() < 10.0 && rect.min.x > title.max.x
        })
        .expect("the KPI tile's menu")
        .click();
    step_until(&mut f.harness, "the menu", |h| has_label(h, "Alert when…"));
    f.harness.get_by_label("Alert when…").click();
    step_until(&mut f.harness, "the alert window", |h| {
        has_label(h, "Save alert")
    });
    f.harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "Threshold")
        .focus();
    f.harness.step();
    f.harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "Threshold")
        .type_text("10");
    f.harness.step();
    f.harness.get_by_label("Save alert").click();
    step_until(&mut f.harness, "the rule saved", |_| {
        std::fs::read_to_string(&file).is_ok_and(|t| t.contains("[[alerts]]"))
    });
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.starts_with("# Test dashboard"), "comments stay");
    let rule = lakesight::model::dashboard::Dashboard::parse(&saved)
        .unwrap()
        .alerts;
    assert_eq!(rule.len(), 1, "{saved}");
    assert_eq!(rule[0].visual, "total");
    assert_eq!(
        rule[0].threshold,
        Some(lakesight::model::dashboard::AlertThreshold::Value(10.0))
    );
    // The sample lake has far more than 10 orders: once the KPI runs again, the rule fires.
    f.harness.get_by_label("Run again").click();
    step_until(&mut f.harness, "the badge firing", |h| {
        h.query_all_by_label("Firing").next().is_some()
    });
}

#[test]
fn a_file_edited_on_disk_reloads_in_the_open_window() {
    let (mut f, file) = open_dashboard(DASHBOARD);
    step_until(&mut f.harness, "the table", |h| has_label(h, "FR"));
    // Another program (an editor, git) changes the file: the window shows the new version,
    // woken by the thread that checks the file, with no timed frames of its own.
    std::fs::write(
        &file,
        DASHBOARD.replace("Orders per country", "Orders by country, edited"),
    )
    .unwrap();
    step_until(&mut f.harness, "the edited title", |h| {
        has_label(h, "Orders by country, edited")
    });
}

#[test]
fn an_empty_range_offers_the_range_ending_at_the_newest_data_without_saving_it() {
    // A week after the sample lake ends: every tile would read "No data".
    let text = DASHBOARD.replace(
        "time_range = \"2026-11-22T00:00Z..2026-11-25T00:00Z\"",
        "time_range = \"2026-12-01T00:00Z..2026-12-08T00:00Z\"",
    );
    let (mut f, file) = open_dashboard(&text);
    step_until(&mut f.harness, "the offer", |h| {
        has_label(
            h,
            "No rows in this range. The newest data is from 2026-11-24 23:59 (UTC).",
        )
    });
    f.harness
        .get_by_label("Show Nov 18 00:00 – Nov 25 00:00")
        .click();
    step_until(&mut f.harness, "the offered range's rows", |h| {
        has_label(h, "FR")
            && !has_label(
                h,
                "No rows in this range. The newest data is from 2026-11-24 23:59 (UTC).",
            )
    });
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        text,
        "the file keeps its own range"
    );
}
