//! Errors that name the file behind them: JSON and CSV readers say which file failed; a file the
//! Parquet or Arrow reader cannot decode is found by reading the table's files one by one, within
//! a budget; and errors no file can explain (arithmetic, casts) are reported without that search.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use lakesight::engine::{DiagnoseBudget, Engine, EngineError, EngineOptions};
use lakesight::model::SourceSpec;

use common::{
    arrow_bytes, attach, gzip, orders_batch, orders_json, parquet_bytes, rich_lake, scalar_i64,
    write,
};

#[tokio::test]
async fn bad_inputs_name_the_file_and_the_session_keeps_answering() {
    let lake = rich_lake();
    let root = lake.path();
    let good = parquet_bytes(&orders_batch(0, 10, true));
    write(root, "consumption/broken_parquet/ok.parquet", &good);
    write(
        root,
        "consumption/broken_parquet/zz-truncated.parquet",
        &good[..good.len() / 2],
    );
    write(
        root,
        "landing/broken_gzip/ok",
        &gzip(&orders_json(0, 3, "")),
    );
    let mut corrupt = gzip(&orders_json(0, 300, "\n"));
    let mid = corrupt.len() / 2;
    corrupt[mid..mid + 8].copy_from_slice(b"garbage!");
    write(root, "landing/broken_gzip/zz-corrupt", &corrupt);
    write(root, "landing/broken_json/a.json", &orders_json(0, 3, "\n"));
    write(root, "landing/broken_json/b.json", b"{\"order_id\":9,\"country\":\"DE\",\"amount\":1.0}\n{\"order_id\": 10, \"country\": DE}\n");
    write(root, "staging/latin1_csv/a.csv", b"order_id,city\n1,Oslo\n");
    write(
        root,
        "staging/latin1_csv/b.csv",
        b"order_id,city\n2,Z\xfcrich\n",
    );
    std::fs::create_dir_all(root.join("consumption/empty_table")).unwrap();
    write(root, "consumption/empty_table/_SUCCESS", b"");

    let engine = attach(root).await;
    for (sql, file, table) in [
        (
            "SELECT sum(amount) FROM broken_parquet",
            "zz-truncated.parquet",
            "consumption.broken_parquet",
        ),
        (
            "SELECT count(*) FROM landing.broken_gzip",
            "zz-corrupt",
            "landing.broken_gzip",
        ),
        (
            "SELECT * FROM landing.broken_json",
            "b.json",
            "landing.broken_json",
        ),
        (
            "SELECT * FROM staging.latin1_csv",
            "b.csv",
            "staging.latin1_csv",
        ),
    ] {
        names_the_file(&engine, sql, table, file).await;
        assert_eq!(
            scalar_i64(&engine, "SELECT count(*) FROM orders").await,
            40,
            "still answering after {sql}"
        );
    }
    let err = engine
        .collect("SELECT * FROM empty_table")
        .await
        .expect_err("empty");
    let message = err.to_string();
    assert!(
        message.contains("consumption.empty_table is unavailable")
            && message.contains("no data files"),
        "{message}"
    );
    let problems: Vec<String> = engine
        .catalog()
        .problems
        .iter()
        .map(lakesight::lake::TableProblem::qualified_name)
        .collect();
    assert_eq!(problems, vec!["consumption.empty_table"]);
}

/// A table of three Parquet files, `a` and `b` good and `zz-truncated` cut in half, one per hour.
fn lake_with_one_truncated_parquet_file() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let good = |first| parquet_bytes(&orders_batch(first, 10, false));
    write(dir.path(), "consumption/orders/hour=00/a.parquet", &good(0));
    write(
        dir.path(),
        "consumption/orders/hour=01/b.parquet",
        &good(10),
    );
    let broken = good(20);
    write(
        dir.path(),
        "consumption/orders/hour=02/zz-truncated.parquet",
        &broken[..broken.len() / 2],
    );
    dir
}

#[tokio::test]
async fn arithmetic_and_cast_errors_are_reported_without_reading_the_files() {
    let lake = lake_with_one_truncated_parquet_file();
    let engine = attach(lake.path()).await;
    // Both queries read only a good file, but the table holds a broken one: a search through the
    // table's files would find it and wrongly blame it.
    for (sql, expected) in [
        (
            "SELECT order_id / (amount - order_id) FROM orders WHERE hour = '00'",
            "Divide by zero",
        ),
        (
            "SELECT arrow_cast(order_id + 200, 'Int8') FROM orders WHERE hour = '01'",
            "Cast error",
        ),
    ] {
        let err = engine.collect(sql).await.expect_err(sql);
        let message = err.to_string();
        assert!(
            matches!(err, EngineError::Execution(_)) && message.contains(expected),
            "{sql}: {message}"
        );
        assert!(!message.contains("zz-truncated"), "{sql}: {message}");
    }
}

#[tokio::test]
async fn a_file_the_reader_cannot_decode_is_named_among_good_ones() {
    let lake = lake_with_one_truncated_parquet_file();
    write(
        lake.path(),
        "staging/orders_arrow/a.arrow",
        &arrow_bytes(&orders_batch(0, 10, true)),
    );
    let broken = arrow_bytes(&orders_batch(10, 10, true));
    write(
        lake.path(),
        "staging/orders_arrow/zz-truncated.arrow",
        &broken[..broken.len() - 40],
    );
    let engine = attach(lake.path()).await;
    for (sql, table, file) in [
        (
            "SELECT sum(amount) FROM orders",
            "consumption.orders",
            "zz-truncated.parquet",
        ),
        (
            "SELECT sum(amount) FROM staging.orders_arrow",
            "staging.orders_arrow",
            "zz-truncated.arrow",
        ),
    ] {
        names_the_file(&engine, sql, table, file).await;
    }
}

#[tokio::test]
async fn the_search_for_a_broken_file_stops_at_its_budget() {
    let lake = lake_with_one_truncated_parquet_file();
    let options = EngineOptions {
        diagnose_budget: DiagnoseBudget {
            max_files: 1,
            max_time: Duration::from_mins(1),
        },
        ..EngineOptions::default()
    };
    let engine = Engine::attach(&SourceSpec::local(lake.path()), &options)
        .await
        .unwrap();
    let err = engine
        .collect("SELECT sum(amount) FROM orders")
        .await
        .expect_err("a broken file");
    let message = err.to_string();
    assert!(
        matches!(
            err,
            EngineError::BrokenFileNotFound {
                checked: 1,
                total: 3,
                ..
            }
        ),
        "{message}"
    );
    assert!(
        message.contains("checked 1 of 3 files in ")
            && message.contains(" s without finding the broken one"),
        "{message}"
    );

    let no_time = EngineOptions {
        diagnose_budget: DiagnoseBudget {
            max_files: 200,
            max_time: Duration::ZERO,
        },
        ..EngineOptions::default()
    };
    let engine = Engine::attach(&SourceSpec::local(lake.path()), &no_time)
        .await
        .unwrap();
    let err = engine
        .collect("SELECT sum(amount) FROM orders")
        .await
        .expect_err("a broken file");
    assert!(
        matches!(err, EngineError::BrokenFileNotFound { checked: 0, .. }),
        "{err}"
    );
}

/// Runs `sql`, which must fail naming `file` of `table`; returns the message.
async fn names_the_file(engine: &Engine, sql: &str, table: &str, file: &str) -> String {
    let err = engine.collect(sql).await.expect_err(sql);
    let message = err.to_string();
    assert!(
        matches!(err, EngineError::UnreadableFile { .. }),
        "{sql}: {message}"
    );
    assert!(
        message.contains(table) && message.contains(file),
        "{sql}: {message}"
    );
    message
}
