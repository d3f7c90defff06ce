//! The desktop app keeps users' work and machines safe: restored queries wait for the user, an
//! unreadable state file is kept aside and reported, a large result stops at its budget while
//! Export still writes all of it, an existing file is replaced only when the user agrees, names
//! are inserted as valid SQL, and the demo's feed stops once the user attaches their own lake.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::app::{Fixture, has_label, open_attached, open_config, run_sql, step_until, type_into};
use egui_kittest::kittest::Queryable;
use lakesight::app::state::{AppState, QueryTab};
use lakesight::app::state_file::STATE_FILE_NAME;
use lakesight::app::{AppConfig, Launch};
use lakesight::model::SourceSpec;

/// Steps a few frames (jobs finish in the background between them).
fn settle(f: &mut Fixture, frames: usize) {
    for _ in 0..frames {
        f.harness.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// A double-click with the mouse at `at`: two presses and releases a frame apart (AccessKit's
/// click action is a single click).
fn double_click(f: &mut Fixture, at: egui::Pos2) {
    // Half a second after any earlier click, so this one is not taken for a triple-click.
    for _ in 0..30 {
        f.harness.step();
    }
    f.harness.event(egui::Event::PointerMoved(at));
    f.harness.step();
    for _ in 0..2 {
        for pressed in [true, false] {
            common::app::primary_button(f, at, pressed);
        }
    }
}

/// A state file that reattaches `lake` with a tab holding `sql`, and the result limit given.
fn state_file_for(
    dir: &std::path::Path,
    lake: &std::path::Path,
    sql: &str,
    limit_rows: Option<usize>,
) -> std::path::PathBuf {
    let mut state = AppState {
        result_limit_rows: limit_rows,
        ..AppState::default()
    };
    state.remember_source(&SourceSpec::local(lake));
    state.tabs = vec![QueryTab {
        id: 1,
        title: "Saved".to_owned(),
        sql: sql.to_owned(),
    }];
    state.active = 1;
    let path = dir.join(STATE_FILE_NAME);
    let text = ron::ser::to_string_pretty(&state, ron::ser::PrettyConfig::default()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_restored_query_waits_for_the_user() {
    let lake = common::rich_lake();
    let dir = tempfile::tempdir().unwrap();
    let state_path = state_file_for(
        dir.path(),
        lake.path(),
        "SELECT count(*) AS restored FROM orders",
        None,
    );
    let config = AppConfig {
        state_path: Some(state_path),
        ..AppConfig::new(Launch::Restore)
    };
    let mut f = open_config(lake, config);
    step_until(&mut f.harness, "the restored lake", |h| {
        has_label(h, "orders_csv")
    });
    settle(&mut f, 30);
    assert!(
        !has_label(&f.harness, "restored")
            && !has_label(&f.harness, "rows in")
            && !has_label(&f.harness, "row in"),
        "the saved SQL is in the editor but did not run"
    );
    assert_eq!(
        f.harness.get_by_label("SQL editor").value().as_deref(),
        Some("SELECT count(*) AS restored FROM orders")
    );
    f.harness.get_by_label("Run").click();
    step_until(&mut f.harness, "the result once asked", |h| {
        has_label(h, "1 row in")
    });
}

#[test]
fn an_unreadable_state_file_is_kept_aside_and_reported_once() {
    let lake = common::rich_lake();
    let dir = tempfile::tempdir().unwrap();
    let state_path = dir.path().join(STATE_FILE_NAME);
    std::fs::write(&state_path, "(tabs: [(title: \"half a wri").unwrap();
    let config = AppConfig {
        state_path: Some(state_path.clone()),
        ..AppConfig::new(Launch::Source(SourceSpec::local(lake.path())))
    };
    let mut f = open_config(lake, config);
    step_until(&mut f.harness, "the notice", |h| {
        has_label(h, "could not be read")
    });
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("state.ron.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1, "moved aside, not overwritten");
    assert_eq!(
        std::fs::read_to_string(dir.path().join(&aside[0])).unwrap(),
        "(tabs: [(title: \"half a wri"
    );
    step_until(&mut f.harness, "the lake", |h| has_label(h, "orders_csv"));
    assert!(
        has_label(&f.harness, "could not be read"),
        "it stays until the user has read it"
    );
    f.harness.get_by_label("Dismiss").click();
    settle(&mut f, 2);
    assert!(!has_label(&f.harness, "could not be read"));
}

#[test]
fn a_large_result_stops_at_its_budget_and_export_writes_all_of_it() {
    let lake = common::rich_lake();
    let dir = tempfile::tempdir().unwrap();
    let state_path = state_file_for(dir.path(), lake.path(), "", Some(1_000));
    let config = AppConfig {
        state_path: Some(state_path),
        ..AppConfig::new(Launch::Restore)
    };
    let mut f = open_config(lake, config);
    step_until(&mut f.harness, "the lake", |h| has_label(h, "orders_csv"));
    run_sql(
        &mut f,
        "SELECT value AS n, value * 2 AS twice FROM generate_series(1, 200000) ORDER BY n",
    );
    step_until(&mut f.harness, "the cut result", |h| {
        has_label(h, "Showing the first 1000 rows")
    });
    assert!(has_label(&f.harness, "Export writes the whole result"));
    assert!(has_label(&f.harness, "1000 rows · 2 columns"));

    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("all.csv");
    f.harness.get_by_label("Export...").click();
    step_until(&mut f.harness, "the export dialog", |h| {
        h.query_by_label("File").is_some()
    });
    assert!(has_label(&f.harness, "the query runs again"));
    type_into(&mut f, "File", path.to_str().unwrap());
    f.harness.get_by_label("Export").click();
    step_until(&mut f.harness, "the export", |h| {
        has_label(h, "Exported 200000 rows to")
    });
    let csv = std::fs::read_to_string(&path).unwrap();
    assert_eq!(csv.lines().count(), 200_001, "every row, and the header");
    assert_eq!(csv.lines().last(), Some("200000,400000"));
}

#[test]
fn export_asks_before_replacing_a_typed_path() {
    let mut f = open_attached();
    run_sql(&mut f, "SELECT 1 AS one");
    step_until(&mut f.harness, "the result", |h| has_label(h, "1 row in"));
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("keep.csv");
    std::fs::write(&path, "precious").unwrap();

    f.harness.get_by_label("Export...").click();
    step_until(&mut f.harness, "the export dialog", |h| {
        h.query_by_label("File").is_some()
    });
    type_into(&mut f, "File", path.to_str().unwrap());
    f.harness.get_by_label("Export").click();
    step_until(&mut f.harness, "the question", |h| {
        has_label(h, "already exists. Replace it?")
    });
    f.harness.get_by_label("Keep the file").click();
    settle(&mut f, 5);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");

    f.harness.get_by_label("Export").click();
    step_until(&mut f.harness, "the question", |h| {
        h.query_by_label("Replace").is_some()
    });
    f.harness.get_by_label("Replace").click();
    step_until(&mut f.harness, "the export", |h| {
        has_label(h, "Exported 1 row to")
    });
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\n1\n");
}

#[test]
fn catalog_names_are_inserted_as_valid_sql() {
    let lake = tempfile::tempdir().unwrap();
    common::write(
        lake.path(),
        "consumption/visits/a.jsonl",
        b"{\"userId\": 7, \"page views\": 3}\n",
    );
    let config = AppConfig::new(Launch::Source(SourceSpec::local(lake.path())));
    let mut f = open_config(lake, config);
    step_until(&mut f.harness, "the table", |h| has_label(h, "visits"));
    f.harness.get_by_label("visits").click();
    step_until(&mut f.harness, "the columns", |h| {
        h.query_by_label_contains("userId  ").is_some()
    });
    type_into(&mut f, "SQL editor", "SELECT");
    for column in ["userId  ", "page views  "] {
        let at = f.harness.get_by_label_contains(column).rect().center();
        double_click(&mut f, at);
    }
    f.harness.step();
    let sql = f.harness.state().state().active_tab().sql.clone();
    assert_eq!(sql, "SELECT \"userId\" \"page views\"");
    type_into(
        &mut f,
        "SQL editor",
        "SELECT \"userId\", \"page views\" FROM visits",
    );
    f.harness.get_by_label("Run").click();
    step_until(&mut f.harness, "the result", |h| has_label(h, "1 row in"));
}

#[test]
fn the_demo_feed_stops_when_the_user_attaches_their_own_lake() {
    let demo_base = tempfile::tempdir().unwrap();
    let config = AppConfig {
        demo_base: Some(demo_base.path().to_path_buf()),
        // A day of history: the same generator as the app's 15 days, quicker in a debug build.
        demo_hours: 24,
        ..AppConfig::new(Launch::Demo)
    };
    let mut f = open_config(common::rich_lake(), config);
    step_until(&mut f.harness, "the demo's dashboard", |h| {
        has_label(h, "Revenue per hour") && has_label(h, "data as of")
    });
    assert!(f.harness.state().demo_feeding());
    assert!(
        f.harness.state().state().source.is_none(),
        "the demo lake is not remembered as the user's lake"
    );
    let own = f.lake.path().to_str().unwrap().to_owned();
    type_into(&mut f, "Source", &own);
    f.harness.get_by_label("Attach").click();
    step_until(&mut f.harness, "the user's lake", |h| {
        has_label(h, "orders_csv")
    });
    assert!(
        !f.harness.state().demo_feeding(),
        "nothing writes into the demo lake any more"
    );
}
