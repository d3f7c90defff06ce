//! The desktop app driven through AccessKit with `egui_kittest`: the real `LakesightApp`, a real
//! engine on a lake the test builds, background jobs on a real runtime.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::app::{
    Fixture, has_label, open, open_attached, open_with, run_sql, runtime, sort_by_id_descending,
    step_until, type_into,
};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lakesight::app::{LakesightApp, Launch};

#[test]
fn attach_browse_and_query_a_lake() {
    let mut f = open(common::rich_lake());
    step_until(&mut f.harness, "the catalog", |h| {
        has_label(h, "consumption") && has_label(h, "orders_csv")
    });
    assert!(has_label(&f.harness, "landing"), "zones are listed");

    run_sql(
        &mut f,
        "SELECT order_id, country FROM orders ORDER BY order_id LIMIT 5",
    );
    step_until(&mut f.harness, "the result", |h| has_label(h, "5 rows in"));
    assert!(has_label(&f.harness, "country"), "result columns are shown");
    assert_eq!(
        f.harness.query_all_by_label("FR").count(),
        2,
        "result cells are shown (ids 1 and 3 are FR)"
    );
    assert_eq!(
        f.harness
            .state()
            .state()
            .history
            .first()
            .map(String::as_str),
        Some("SELECT order_id, country FROM orders ORDER BY order_id LIMIT 5")
    );
}

#[test]
fn bad_sql_shows_its_error_and_the_previous_result_stays() {
    let mut f = open_attached();
    run_sql(&mut f, "SELECT count(*) AS total FROM orders");
    step_until(&mut f.harness, "the first result", |h| {
        has_label(h, "1 row in")
    });
    run_sql(&mut f, "SELECT nope FROM orders");
    step_until(&mut f.harness, "the error", |h| has_label(h, "nope"));
    assert!(
        has_label(&f.harness, "total"),
        "the previous result stays on screen"
    );
}

#[test]
fn a_slow_query_can_be_stopped() {
    let mut f = open_attached();
    run_sql(
        &mut f,
        "SELECT a.order_id FROM orders a, orders b, orders c, orders d, orders e, orders f",
    );
    step_until(&mut f.harness, "the running state", |h| {
        has_label(h, "rows so far")
    });
    f.harness.get_by_label("Stop").click();
    step_until(&mut f.harness, "the cancellation", |h| {
        has_label(h, "Cancelled")
    });
}

#[test]
fn a_missing_folder_shows_a_clear_message() {
    let mut f = open_attached();
    f.harness.get_by_label("Source").focus();
    f.harness.step();
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    f.harness
        .get_by_label("Source")
        .type_text("/definitely/not/here");
    f.harness.step();
    f.harness.get_by_label("Attach").click();
    step_until(&mut f.harness, "the error", |h| {
        has_label(h, "folder not found: /definitely/not/here")
    });
    assert!(
        has_label(&f.harness, "orders_csv"),
        "the attached lake stays"
    );
}

#[test]
fn history_is_searchable_and_loads_a_query() {
    let mut f = open_attached();
    run_sql(&mut f, "SELECT count(*) AS first_query FROM orders");
    step_until(&mut f.harness, "the first result", |h| {
        has_label(h, "first_query")
    });
    run_sql(&mut f, "SELECT max(amount) AS second_query FROM orders");
    step_until(&mut f.harness, "the second result", |h| {
        has_label(h, "second_query")
    });

    f.harness.get_by_label("History").click();
    f.harness.step();
    f.harness.get_by_label("Search history").focus();
    f.harness.step();
    f.harness.get_by_label("Search history").type_text("first");
    f.harness.step();
    assert!(
        f.harness.query_by_label_contains("max(amount)").is_none(),
        "filtered out"
    );
    f.harness
        .get_by_label_contains("first_query FROM orders")
        .click();
    f.harness.step();
    assert_eq!(
        f.harness.state().state().active_tab().sql,
        "SELECT count(*) AS first_query FROM orders"
    );
}

#[test]
fn clicking_a_header_sorts_the_result() {
    let mut f = open_attached();
    run_sql(
        &mut f,
        "SELECT order_id AS id FROM orders WHERE order_id IN (3, 17, 5) ORDER BY order_id",
    );
    step_until(&mut f.harness, "the result", |h| has_label(h, "3 rows in"));
    sort_by_id_descending(&mut f);
    // The first visible cell is now the largest id.
    let cells: Vec<String> = ["17", "5", "3"]
        .iter()
        .filter(|v| f.harness.query_by_label(v).is_some())
        .map(ToString::to_string)
        .collect();
    assert_eq!(cells.len(), 3, "all rows still shown");
    let y = |v: &str| f.harness.get_by_label(v).rect().min.y;
    assert!(
        y("17") < y("5") && y("5") < y("3"),
        "rows in descending order"
    );
}

#[test]
fn autocomplete_offers_tables_and_columns_and_tab_accepts() {
    let mut f = open_attached();
    type_into(&mut f, "SQL editor", "SELECT * FROM orders_c");
    step_until(&mut f.harness, "the suggestion", |h| {
        has_label(h, "table in staging")
    });
    f.harness.key_press(egui::Key::Tab);
    f.harness.step();
    let sql = |f: &Fixture| f.harness.state().state().active_tab().sql.clone();
    assert_eq!(
        sql(&f),
        "SELECT * FROM staging.orders_csv",
        "outside the default zone: qualified"
    );

    // Columns of the table in the query come first.
    f.harness
        .get_by_label("SQL editor")
        .type_text(" WHERE coun");
    f.harness.step();
    step_until(&mut f.harness, "a column suggestion", |h| {
        has_label(h, "· staging.orders_csv")
    });
    f.harness.key_press(egui::Key::Enter);
    f.harness.step();
    assert_eq!(sql(&f), "SELECT * FROM staging.orders_csv WHERE country");
}

#[test]
fn an_error_names_its_line_and_column() {
    let mut f = open_attached();
    run_sql(&mut f, "SELECT order_id\nFROM orders WHERE AND amount > 1");
    step_until(&mut f.harness, "the syntax error", |h| {
        has_label(h, "line 2, column 23: SQL syntax error")
    });
    run_sql(&mut f, "SELECT nope FROM orders");
    step_until(&mut f.harness, "the planning error", |h| {
        has_label(h, "line 1, column 8: Schema error: No field named nope")
    });
}

#[test]
fn connect_to_s3_with_the_dialog() {
    let runtime = runtime();
    let server = runtime.block_on(common::s3::S3Server::start(false));
    let lake = common::rich_lake();
    server.upload_dir(lake.path(), "analytics", "lake");
    let mut f = open_with(lake, Launch::Restore, runtime);
    f.harness.step();
    assert!(has_label(&f.harness, "No lake attached"));

    f.harness.get_by_label("Connect to S3...").click();
    step_until(&mut f.harness, "the dialog", |h| {
        h.query_by_label("Bucket").is_some()
    });
    type_into(&mut f, "Bucket", "missing-bucket");
    type_into(&mut f, "Endpoint", &server.endpoint);
    f.harness
        .get_by_label("Public bucket (no credentials)")
        .click();
    f.harness.step();
    f.harness.get_by_label("Connect").click();
    step_until(&mut f.harness, "the connection error", |h| {
        h.query_all_by_label_contains("missing-bucket").count() >= 2
    });
    assert!(
        f.harness.query_by_label("Connect to S3").is_some(),
        "the dialog stays open with the error"
    );

    type_into(&mut f, "Bucket", "analytics/lake");
    f.harness.get_by_label("Connect").click();
    step_until(&mut f.harness, "the S3 catalog", |h| {
        has_label(h, "orders_csv")
    });
    assert!(has_label(&f.harness, "Lake: s3://analytics/lake"));
    let state = f.harness.state().state();
    let source = state.source.as_ref().unwrap();
    assert_eq!(source.endpoint.as_deref(), Some(server.endpoint.as_str()));
    assert!(source.no_sign_request);
    assert_eq!(state.recent_sources.first(), Some(source));
    drop(server);
}

#[test]
fn export_writes_the_rows_in_the_order_shown() {
    let mut f = open_attached();
    run_sql(
        &mut f,
        "SELECT order_id AS id, country FROM orders WHERE order_id IN (3, 17, 5)",
    );
    step_until(&mut f.harness, "the result", |h| has_label(h, "3 rows in"));
    sort_by_id_descending(&mut f);

    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("result.csv");
    f.harness.get_by_label("Export...").click();
    step_until(&mut f.harness, "the export dialog", |h| {
        h.query_by_label("File").is_some()
    });
    type_into(&mut f, "File", path.to_str().unwrap());
    f.harness.get_by_label("Export").click();
    step_until(&mut f.harness, "the export", |h| {
        has_label(h, "Exported 3 rows to")
    });
    let csv = std::fs::read_to_string(&path).unwrap();
    let ids: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(csv.lines().next(), Some("id,country"));
    assert_eq!(ids, ["17", "5", "3"], "the order shown");
    let leftovers = std::fs::read_dir(out.path()).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary file is left behind");

    // Parquet too: the extension follows the format.
    f.harness.get_by_label("PARQUET").click();
    f.harness.step();
    f.harness.get_by_label("Export").click();
    step_until(&mut f.harness, "the parquet export", |h| {
        has_label(h, "result.parquet")
    });
    let file = std::fs::File::open(out.path().join("result.parquet")).unwrap();
    let reader =
        datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
    let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, 3);

    // And JSON: an array of objects, in the order shown.
    f.harness.get_by_label("JSON").click();
    f.harness.step();
    f.harness.get_by_label("Export").click();
    step_until(&mut f.harness, "the JSON export", |h| {
        has_label(h, "result.json")
    });
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("result.json")).unwrap())
            .unwrap();
    let ids: Vec<i64> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [17, 5, 3]);
}

#[test]
fn a_result_can_be_charted() {
    let mut f = open_attached();
    run_sql(
        &mut f,
        "SELECT country, sum(amount) AS revenue FROM orders GROUP BY country ORDER BY country",
    );
    step_until(&mut f.harness, "the result", |h| has_label(h, "rows in"));
    f.harness.get_by_label("Chart").click();
    step_until(&mut f.harness, "the bar chart", |h| {
        has_label(h, "Bar chart of revenue by country")
    });
    // A result without numbers has nothing to chart, and says so.
    run_sql(&mut f, "SELECT 'x' AS label");
    step_until(&mut f.harness, "the message", |h| {
        has_label(h, "Nothing to chart")
    });
}

/// The text the last frame put on the clipboard.
fn copied(harness: &Harness<'static, LakesightApp>) -> Option<String> {
    harness
        .output()
        .platform_output
        .commands
        .iter()
        .find_map(|c| match c {
            egui::OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
}

#[test]
fn cells_and_rows_can_be_copied() {
    let mut f = open_attached();
    run_sql(
        &mut f,
        "SELECT order_id AS id, country AS land FROM orders WHERE order_id = 3",
    );
    step_until(&mut f.harness, "the result", |h| has_label(h, "1 row in"));
    f.harness.get_by_label("FR").click();
    f.harness.step();
    assert_eq!(
        copied(&f.harness).as_deref(),
        Some("3\tFR"),
        "a click copies the row"
    );

    f.harness.get_by_label("FR").click_secondary();
    step_until(&mut f.harness, "the menu", |h| {
        h.query_by_label("Copy cell").is_some()
    });
    f.harness.get_by_label("Copy cell").click();
    f.harness.step();
    assert_eq!(copied(&f.harness).as_deref(), Some("FR"));
}

#[test]
fn esc_closes_the_suggestions_before_it_cancels_a_query() {
    let mut f = open_attached();
    run_sql(
        &mut f,
        "SELECT a.order_id FROM orders a, orders b, orders c, orders d, orders e, orders f",
    );
    step_until(&mut f.harness, "the running state", |h| {
        has_label(h, "rows so far")
    });
    type_into(&mut f, "SQL editor", "SELECT * FROM orders_c");
    step_until(&mut f.harness, "the suggestion", |h| {
        has_label(h, "table in staging")
    });
    f.harness.key_press(egui::Key::Escape);
    f.harness.step();
    f.harness.step();
    assert!(
        !has_label(&f.harness, "table in staging"),
        "the list closed"
    );
    assert!(has_label(&f.harness, "rows so far"), "the query still runs");
    assert!(
        f.harness.get_by_label("SQL editor").is_focused(),
        "the editor keeps the focus"
    );
    f.harness.key_press(egui::Key::Escape);
    step_until(&mut f.harness, "the cancellation", |h| {
        has_label(h, "Cancelled")
    });
}

#[test]
fn the_catalog_previews_and_refreshes() {
    let mut f = open_attached();
    // Expand a table: its columns show, with their types, and "Preview".
    f.harness.get_by_label("orders_csv").click();
    step_until(&mut f.harness, "the columns", |h| {
        h.query_by_label_contains("country  ").is_some()
    });
    let sql = |f: &Fixture| f.harness.state().state().active_tab().sql.clone();
    f.harness.get_by_label("Preview").click();
    step_until(&mut f.harness, "the preview", |h| {
        has_label(h, "20 rows in")
    });
    assert_eq!(sql(&f), "SELECT * FROM staging.orders_csv LIMIT 100");

    // A table that lands later appears after "Refresh catalog".
    common::write(
        f.lake.path(),
        "consumption/refunds/part-0.parquet",
        &common::parquet_bytes(&common::orders_batch(0, 3, true)),
    );
    assert!(!has_label(&f.harness, "refunds"));
    f.harness.get_by_label("Refresh catalog").click();
    step_until(&mut f.harness, "the new table", |h| has_label(h, "refunds"));
}

#[test]
fn tabs_keep_their_own_sql_and_ctrl_enter_runs() {
    let mut f = open(common::rich_lake());
    step_until(&mut f.harness, "the catalog", |h| {
        has_label(h, "orders_csv")
    });
    type_into(&mut f, "SQL editor", "SELECT 7 AS seven");
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    step_until(&mut f.harness, "the Ctrl+Enter result", |h| {
        has_label(h, "seven")
    });

    f.harness.get_by_label("New tab").click();
    step_until(&mut f.harness, "the second tab", |h| {
        h.query_by_label("Query 2").is_some()
    });
    type_into(&mut f, "SQL editor", "SELECT 8 AS eight");
    f.harness.get_by_label("Run").click();
    step_until(&mut f.harness, "the second tab's result", |h| {
        has_label(h, "eight")
    });
    assert!(
        !has_label(&f.harness, "seven"),
        "each tab shows its own result"
    );

    f.harness.get_by_label("Query 1").click();
    f.harness.step();
    f.harness.step();
    assert_eq!(
        f.harness.get_by_label("SQL editor").value().as_deref(),
        Some("SELECT 7 AS seven")
    );
    assert!(has_label(&f.harness, "seven") && !has_label(&f.harness, "eight"));
    let state = f.harness.state().state();
    assert_eq!(state.tabs.len(), 2);
    assert_eq!(state.tabs[1].sql, "SELECT 8 AS eight");
}

#[test]
fn the_view_menu_sets_theme_and_zoom() {
    let mut f = open_attached();
    assert_eq!(
        f.harness.state().state().dark_mode,
        None,
        "follows the system"
    );
    f.harness.get_by_label("View").click();
    step_until(&mut f.harness, "the menu", |h| {
        h.query_by_label("Dark").is_some()
    });
    f.harness.get_by_label("Dark").click();
    f.harness.step();
    assert_eq!(f.harness.state().state().dark_mode, Some(true));
    assert_eq!(f.harness.ctx.theme(), egui::Theme::Dark);

    // The menu closes after a choice; open it again for the zoom.
    step_until(&mut f.harness, "the menu to close", |h| {
        h.query_by_label("Larger").is_none()
    });
    f.harness.get_by_label("View").click();
    step_until(&mut f.harness, "the menu", |h| {
        h.query_by_label("Larger").is_some()
    });
    f.harness.get_by_label("Larger").click();
    f.harness.step();
    f.harness.step();
    let (zoom, applied) = (f.harness.state().state().zoom, f.harness.ctx.zoom_factor());
    assert!((zoom - 1.1).abs() < 1e-5, "zoom {zoom}");
    assert!((applied - 1.1).abs() < 1e-5, "applied {applied}");
}
