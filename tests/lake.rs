//! Discovery and querying on lakes the tests build: zones, partitions, every format and
//! compression, Firehose's default output, pruning, drift, refusals and bad inputs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_lossless,
    clippy::doc_markdown,
    clippy::type_complexity,
    clippy::items_after_statements,
    clippy::redundant_closure_for_method_calls
)]

mod common;

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::datasource::physical_plan::FileScanConfig;
use datafusion::datasource::source::DataSourceExec;
use datafusion::physical_plan::ExecutionPlan;
use lakesight::engine::{Engine, EngineError, EngineOptions};
use lakesight::lake::files::{Compression, DataFormat};
use lakesight::model::SourceSpec;

use common::{
    attach, gzip, orders_batch, orders_json, parquet_bytes, rich_lake, scalar_i64, write,
};

fn total_rows(batches: &[RecordBatch]) -> usize {
    batches.iter().map(RecordBatch::num_rows).sum()
}

/// How many files the physical plan of `sql` will read.
async fn files_scanned(engine: &Engine, sql: &str) -> usize {
    let plan = engine
        .session()
        .sql(sql)
        .await
        .unwrap()
        .create_physical_plan()
        .await
        .unwrap();
    fn walk(plan: &Arc<dyn ExecutionPlan>) -> usize {
        let here = plan
            .downcast_ref::<DataSourceExec>()
            .and_then(|exec| exec.data_source().downcast_ref::<FileScanConfig>())
            .map_or(0, |config| config.file_groups.iter().map(|g| g.len()).sum());
        here + plan.children().into_iter().map(walk).sum::<usize>()
    }
    walk(&plan)
}

/// Spill files written and bytes spilled, summed over every operator of an executed plan.
fn spill_totals(plan: &Arc<dyn ExecutionPlan>) -> (usize, usize) {
    let metrics = plan.metrics();
    let here = (
        metrics.as_ref().and_then(|m| m.spill_count()).unwrap_or(0),
        metrics
            .as_ref()
            .and_then(|m| m.spilled_bytes())
            .unwrap_or(0),
    );
    plan.children()
        .into_iter()
        .map(spill_totals)
        .fold(here, |(count, bytes), (c, b)| (count + c, bytes + b))
}

#[tokio::test]
async fn discovers_zones_formats_compressions_and_partitions() {
    let lake = rich_lake();
    let engine = attach(lake.path()).await;
    let catalog = engine.catalog();
    let summary: Vec<(String, DataFormat, Vec<Compression>, Vec<String>, usize)> = catalog
        .tables
        .iter()
        .map(|t| {
            (
                t.qualified_name(),
                t.format,
                t.compressions.clone(),
                t.partition_columns.clone(),
                t.file_count,
            )
        })
        .collect();
    let partitions = |k: &[&str]| k.iter().map(ToString::to_string).collect::<Vec<_>>();
    assert_eq!(
        summary,
        vec![
            (
                "landing.orders".into(),
                DataFormat::Json,
                vec![Compression::None, Compression::Gzip],
                partitions(&["year", "month", "day", "hour"]),
                3
            ),
            (
                "staging.events_ndjson".into(),
                DataFormat::Json,
                vec![Compression::None, Compression::Zstd, Compression::Bzip2],
                vec![],
                3
            ),
            (
                "staging.orders_arrow".into(),
                DataFormat::Arrow,
                vec![Compression::None],
                vec![],
                1
            ),
            (
                "staging.orders_csv".into(),
                DataFormat::Csv,
                vec![Compression::None],
                partitions(&["day"]),
                1
            ),
            (
                "consumption.orders".into(),
                DataFormat::Parquet,
                vec![Compression::None],
                partitions(&["year", "month", "day", "hour"]),
                4
            ),
        ]
    );
    assert!(catalog.problems.is_empty(), "{:?}", catalog.problems);
    // _SUCCESS, .crc, _temporary/ and the hidden temp file are not data.
    let orders = catalog.table("orders", "consumption").unwrap();
    assert!(orders.warnings.is_empty(), "{:?}", orders.warnings);

    assert_eq!(
        scalar_i64(&engine, "SELECT count(*) FROM orders").await,
        40,
        "consumption is the default schema"
    );
    assert_eq!(
        scalar_i64(
            &engine,
            "SELECT count(*) FROM consumption.orders WHERE hour = '03'"
        )
        .await,
        10
    );
    assert_eq!(
        scalar_i64(&engine, "SELECT count(*) FROM landing.orders").await,
        30
    );
    assert_eq!(
        scalar_i64(&engine, "SELECT sum(order_id) FROM landing.orders").await,
        (0..30).sum::<i64>()
    );
    assert_eq!(
        scalar_i64(
            &engine,
            "SELECT count(*) FROM staging.orders_csv WHERE day = '24'"
        )
        .await,
        20
    );
    assert_eq!(
        scalar_i64(&engine, "SELECT count(*) FROM staging.orders_arrow").await,
        10
    );
    assert_eq!(
        scalar_i64(&engine, "SELECT sum(order_id) FROM staging.events_ndjson").await,
        (0..15).sum::<i64>()
    );
    let hours = engine
        .collect("SELECT DISTINCT hour FROM landing.orders ORDER BY hour")
        .await
        .unwrap();
    let hours: Vec<&str> = hours[0]
        .column(0)
        .as_string::<i32>()
        .iter()
        .map(Option::unwrap)
        .collect();
    assert_eq!(
        hours,
        vec!["16", "17", "18"],
        "partition keys are Utf8 columns"
    );
}

#[tokio::test]
async fn a_root_without_zones_is_one_schema_and_single_files_are_tables() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "orders/a.parquet",
        &parquet_bytes(&orders_batch(0, 7, false)),
    );
    write(
        dir.path(),
        "fx_rates.csv.gz",
        &gzip(b"currency,rate\nEUR,1.0\nUSD,1.08\n"),
    );
    let engine = attach(dir.path()).await;
    let names: Vec<String> = engine
        .catalog()
        .tables
        .iter()
        .map(|t| t.qualified_name())
        .collect();
    assert_eq!(names, vec!["public.fx_rates", "public.orders"]);
    assert_eq!(scalar_i64(&engine, "SELECT count(*) FROM orders").await, 7);
    assert_eq!(
        scalar_i64(
            &engine,
            "SELECT count(*) FROM fx_rates WHERE currency = 'USD'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn partition_filters_prune_the_files_read() {
    let lake = rich_lake();
    let engine = attach(lake.path()).await;
    assert_eq!(files_scanned(&engine, "SELECT * FROM orders").await, 4);
    assert_eq!(
        files_scanned(&engine, "SELECT * FROM orders WHERE hour = '02'").await,
        1
    );
    assert_eq!(
        files_scanned(&engine, "SELECT * FROM orders WHERE hour IN ('01', '03')").await,
        2
    );
    assert_eq!(
        files_scanned(
            &engine,
            "SELECT * FROM orders WHERE year = '2026' AND month = '11' AND day = '26'"
        )
        .await,
        0
    );
    assert_eq!(
        scalar_i64(
            &engine,
            "SELECT count(*) FROM orders WHERE hour IN ('01', '03')"
        )
        .await,
        20
    );
}

#[tokio::test]
async fn second_format_files_are_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..3 {
        write(
            dir.path(),
            &format!("consumption/orders/p{i}.parquet"),
            &parquet_bytes(&orders_batch(i * 10, 10, true)),
        );
    }
    write(
        dir.path(),
        "consumption/orders/export.csv",
        b"order_id,country,amount\n99,DE,1.0\n",
    );
    write(dir.path(), "landing/clicks/a", &orders_json(0, 4, "\n"));
    write(dir.path(), "landing/clicks/b", &orders_json(4, 4, ""));
    write(
        dir.path(),
        "landing/clicks/c.parquet",
        &parquet_bytes(&orders_batch(0, 2, true)),
    );
    let engine = attach(dir.path()).await;
    let catalog = engine.catalog();
    let orders = catalog.table("consumption.orders", "consumption").unwrap();
    assert_eq!(orders.warnings.len(), 1);
    assert!(
        orders.warnings[0]
            .contains("1 csv file(s) in this parquet table are skipped (e.g. export.csv)"),
        "{}",
        orders.warnings[0]
    );
    let clicks = catalog.table("landing.clicks", "consumption").unwrap();
    assert!(
        clicks.warnings.iter().any(
            |w| w.contains("1 parquet file(s) in this json table are skipped (e.g. c.parquet)")
        ),
        "{:?}",
        clicks.warnings
    );
    assert_eq!(
        scalar_i64(&engine, "SELECT count(*) FROM orders").await,
        30,
        "the csv file is not read"
    );
    assert_eq!(
        scalar_i64(&engine, "SELECT count(*) FROM landing.clicks").await,
        8,
        "the parquet file is not read"
    );
}

#[tokio::test]
async fn drift_widens_types_and_missing_columns_read_as_null() {
    let dir = tempfile::tempdir().unwrap();
    // Parquet: amount Int64 in one file, Float64 in another; `coupon` only in the newest file.
    write(
        dir.path(),
        "consumption/orders/hour=00/a.parquet",
        &parquet_bytes(&orders_batch(0, 5, false)),
    );
    write(
        dir.path(),
        "consumption/orders/hour=01/b.parquet",
        &parquet_bytes(&orders_batch(5, 5, true)),
    );
    // JSON: code is a number in one file and a string in another.
    write(
        dir.path(),
        "landing/events/a.json",
        b"{\"id\":1,\"code\":7}\n{\"id\":2,\"code\":8}\n",
    );
    write(
        dir.path(),
        "landing/events/b.json",
        b"{\"id\":3,\"code\":\"X9\",\"coupon\":\"FREE\"}\n",
    );
    let engine = attach(dir.path()).await;
    let catalog = engine.catalog();

    let orders = catalog.table("orders", "consumption").unwrap();
    assert_eq!(
        orders
            .columns
            .field_with_name("amount")
            .unwrap()
            .data_type(),
        &DataType::Float64
    );
    let drift: Vec<String> = orders.drift.iter().map(ToString::to_string).collect();
    assert!(
        drift
            .iter()
            .any(|d| d.contains("`amount` has conflicting types")
                && d.contains("a.parquet")
                && d.contains("b.parquet")
                && d.contains("read as Float64")),
        "{drift:?}"
    );
    let sums = engine
        .collect("SELECT sum(amount) FROM orders")
        .await
        .unwrap();
    let expected: f64 =
        (0..5).map(|i| i as f64).sum::<f64>() + (5..10).map(|i| i as f64 * 1.5).sum::<f64>();
    assert!((sums[0].column(0).as_primitive::<Float64Type>().value(0) - expected).abs() < 1e-9);

    let events = catalog.table("landing.events", "consumption").unwrap();
    let drift: Vec<String> = events.drift.iter().map(ToString::to_string).collect();
    assert!(
        drift
            .iter()
            .any(|d| d.contains("`code` has conflicting types") && d.contains("read as Utf8")),
        "{drift:?}"
    );
    assert!(
        drift
            .iter()
            .any(|d| d.contains("`coupon` is missing from 1 of 2 sampled files (e.g. a.json)")),
        "{drift:?}"
    );
    let rows = engine
        .collect("SELECT code, coupon FROM landing.events ORDER BY id")
        .await
        .unwrap();
    let codes: Vec<Option<&str>> = rows[0].column(0).as_string::<i32>().iter().collect();
    assert_eq!(codes, vec![Some("7"), Some("8"), Some("X9")]);
    assert_eq!(rows[0].column(1).null_count(), 2);
}

#[tokio::test]
async fn schema_inference_samples_across_files_not_just_the_first() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..40 {
        let extra = if i == 39 { r#","late_column":"x""# } else { "" };
        write(
            dir.path(),
            &format!("landing/logs/f{i:03}.json"),
            format!(r#"{{"id":{i}{extra}}}"#).as_bytes(),
        );
    }
    let engine = attach(dir.path()).await;
    let logs = engine
        .catalog()
        .table("landing.logs", "consumption")
        .cloned()
        .unwrap();
    assert!(
        logs.columns.field_with_name("late_column").is_ok(),
        "the last file is always sampled"
    );
    assert_eq!(
        scalar_i64(&engine, "SELECT count(late_column) FROM landing.logs").await,
        1
    );
}

#[tokio::test]
async fn writes_and_reads_outside_the_lake_are_refused() {
    let lake = rich_lake();
    let engine = attach(lake.path()).await;
    for (sql, kind) in [
        ("CREATE TABLE x AS SELECT 1", "CREATE TABLE"),
        ("INSERT INTO orders SELECT * FROM orders", "INSERT"),
        ("COPY orders TO '/tmp/stolen.parquet'", "COPY"),
        ("SET datafusion.execution.target_partitions = 1", "SET"),
        (
            "CREATE EXTERNAL TABLE p STORED AS CSV LOCATION '/etc/passwd'",
            "CREATE EXTERNAL TABLE",
        ),
        ("DROP TABLE orders", "DROP TABLE"),
    ] {
        match engine.query(sql).await {
            Err(EngineError::ReadOnly(found)) => assert_eq!(found, kind),
            Err(other) => panic!("{sql}: wrong error {other}"),
            Ok(_) => panic!("{sql} must be refused"),
        }
    }
    for sql in [
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM 'file:///etc/passwd'",
        "SELECT * FROM '../../../etc/passwd'",
    ] {
        let err = engine
            .query(sql)
            .await
            .err()
            .unwrap_or_else(|| panic!("{sql} must be refused"));
        assert!(
            err.to_string().contains("not found")
                && err.to_string().contains("tables of the attached lake"),
            "{sql}: {err}"
        );
    }
    assert_eq!(
        scalar_i64(&engine, "SELECT count(*) FROM orders").await,
        40,
        "the session keeps answering"
    );
    assert!(!std::path::Path::new("/tmp/stolen.parquet").exists());
}

#[tokio::test]
async fn new_files_are_seen_by_the_next_query() {
    let lake = rich_lake();
    let engine = attach(lake.path()).await;
    assert_eq!(scalar_i64(&engine, "SELECT count(*) FROM orders").await, 40);
    write(
        lake.path(),
        "consumption/orders/year=2026/month=11/day=25/hour=04/part-0.parquet",
        &parquet_bytes(&orders_batch(40, 5, true)),
    );
    assert_eq!(
        scalar_i64(&engine, "SELECT count(*) FROM orders").await,
        45,
        "a new partition"
    );
    write(
        lake.path(),
        "landing/orders/year=2026/month=11/day=25/hour=18/late",
        &gzip(&orders_json(30, 2, "")),
    );
    assert_eq!(
        scalar_i64(&engine, "SELECT count(*) FROM landing.orders").await,
        32,
        "a new Firehose object"
    );

    write(
        lake.path(),
        "consumption/payments/p.parquet",
        &parquet_bytes(&orders_batch(0, 3, true)),
    );
    assert!(
        engine.query("SELECT * FROM payments").await.is_err(),
        "a new table needs a catalog refresh"
    );
    engine.refresh_catalog().await.unwrap();
    assert_eq!(
        scalar_i64(&engine, "SELECT count(*) FROM payments").await,
        3
    );
}

#[tokio::test]
async fn a_small_memory_limit_spills_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..4 {
        write(
            dir.path(),
            &format!("orders/p{i}.parquet"),
            &parquet_bytes(&orders_batch(i * 250_000, 250_000, true)),
        );
    }
    let spill = tempfile::tempdir().unwrap();
    let options = EngineOptions {
        memory_limit: Some("32MiB".parse().unwrap()),
        spill_dir: Some(spill.path().to_path_buf()),
        target_partitions: Some(2),
        ..EngineOptions::default()
    };
    let engine = Engine::attach(&SourceSpec::local(dir.path()), &options)
        .await
        .unwrap();
    assert_eq!(engine.memory_limit_bytes(), 32 * 1024 * 1024);
    let mut stream = engine
        .query("SELECT order_id, country FROM orders ORDER BY amount DESC")
        .await
        .unwrap();
    let mut batches = Vec::new();
    while let Some(batch) = stream.next().await {
        batches.push(batch.unwrap());
    }
    assert_eq!(total_rows(&batches), 1_000_000);
    let (spills, spilled_bytes) = spill_totals(stream.physical_plan());
    assert!(
        spills > 0 && spilled_bytes > 0,
        "the sort fitted in memory: nothing spilled"
    );
    let first = batches.iter().find(|b| b.num_rows() > 0).unwrap();
    assert_eq!(
        first.column(0).as_primitive::<Int64Type>().value(0),
        999_999
    );
}

/// The lake at `root` attached, and its `consumption.orders` table.
async fn orders_of(root: &std::path::Path) -> (Engine, lakesight::lake::TableInfo) {
    let engine = attach(root).await;
    let table = engine
        .catalog()
        .table("orders", "consumption")
        .cloned()
        .unwrap();
    (engine, table)
}

#[tokio::test]
async fn change_detection_finds_new_files_in_a_local_lake() {
    let lake = rich_lake();
    let (engine, table) = orders_of(lake.path()).await;
    let store = &engine.lake().store;
    let first = lakesight::lake::changes::new_files_since(store, &table, None)
        .await
        .unwrap();
    assert_eq!(
        first.new_files.len(),
        4,
        "every data file, and nothing that is not data"
    );
    write(
        lake.path(),
        "consumption/orders/year=2026/month=11/day=25/hour=03/part-1.parquet",
        &parquet_bytes(&orders_batch(100, 1, true)),
    );
    write(
        lake.path(),
        "consumption/orders/year=2026/month=11/day=25/hour=04/part-0.parquet",
        &parquet_bytes(&orders_batch(101, 1, true)),
    );
    write(
        lake.path(),
        "consumption/orders/year=2026/month=11/day=25/hour=04/.tmp-part-1.parquet",
        b"PAR1",
    );
    let second = lakesight::lake::changes::new_files_since(store, &table, Some(&first.watermark))
        .await
        .unwrap();
    let mut names: Vec<String> = second
        .new_files
        .iter()
        .map(|m| m.location.to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "consumption/orders/year=2026/month=11/day=25/hour=03/part-1.parquet",
            "consumption/orders/year=2026/month=11/day=25/hour=04/part-0.parquet"
        ]
    );
    let third = lakesight::lake::changes::new_files_since(store, &table, Some(&second.watermark))
        .await
        .unwrap();
    assert!(third.new_files.is_empty());
}

/// A lake written the Spark or Glue way, hours unpadded: `hour=10` sorts before `hour=9` as text,
/// so a check cannot list from the newest folder on; it lists the table and finds the new file.
#[tokio::test]
async fn change_detection_finds_new_files_under_unpadded_hours() {
    let lake = tempfile::tempdir().unwrap();
    for hour in [8, 9] {
        write(
            lake.path(),
            &format!("consumption/orders/year=2026/month=11/day=25/hour={hour}/part-0.parquet"),
            &parquet_bytes(&orders_batch(i64::from(hour), 1, true)),
        );
    }
    let (engine, table) = orders_of(lake.path()).await;
    let store = &engine.lake().store;
    let first = lakesight::lake::changes::new_files_since(store, &table, None)
        .await
        .unwrap();
    assert_eq!(first.new_files.len(), 2);
    write(
        lake.path(),
        "consumption/orders/year=2026/month=11/day=25/hour=10/part-0.parquet",
        &parquet_bytes(&orders_batch(10, 1, true)),
    );
    let second = lakesight::lake::changes::new_files_since(store, &table, Some(&first.watermark))
        .await
        .unwrap();
    let names: Vec<String> = second
        .new_files
        .iter()
        .map(|m| m.location.to_string())
        .collect();
    assert_eq!(
        names,
        ["consumption/orders/year=2026/month=11/day=25/hour=10/part-0.parquet"]
    );
}
