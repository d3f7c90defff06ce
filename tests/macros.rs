//! Dashboard macros and parameters against a real lake: `$__timeFilter` prunes hourly partition
//! folders (late data within the lateness included) without changing the result, its literals
//! compare correctly with timestamp columns with and without a time zone, and parameters are bound
//! as typed values (hostile strings, numbers, dates, timestamps, NULL meaning "all").
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::doc_markdown,
    clippy::cast_lossless,
    clippy::redundant_closure_for_method_calls
)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use datafusion::arrow::array::{
    AsArray, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
    TimestampMillisecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema, TimeUnit};
use datafusion::common::ScalarValue;
use datafusion::datasource::physical_plan::FileScanConfig;
use datafusion::datasource::source::DataSourceExec;
use datafusion::physical_plan::ExecutionPlan;
use lakesight::engine::params::ParamError;
use lakesight::engine::{Engine, EngineError, TimeWindow, expand};

use common::{attach, parquet_bytes, write};

/// The first delivery hour of the lake; it holds 72 hourly partitions across a month's end.
const FIRST_HOUR: &str = "2026-11-29T00:00:00Z";
const HOURS: i64 = 72;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// One partition's rows: events at +0, +20 and +40 minutes of its delivery hour, and one late event
/// from 20 minutes before it. Ids are `hour * 10 + k`; `amount` is the id; even ids are `DE`.
/// The same instant is stored three ways: without a time zone, in UTC, and at +01:00 (milliseconds).
fn partition_batch(hour_index: i64, delivery: DateTime<Utc>) -> RecordBatch {
    let offsets_min = [0, 20, 40, -20];
    let ids: Vec<i64> = (0..4).map(|k| hour_index * 10 + k).collect();
    let micros: Vec<i64> = offsets_min
        .iter()
        .map(|m| (delivery + TimeDelta::minutes(*m)).timestamp_micros())
        .collect();
    let millis: Vec<i64> = micros.iter().map(|us| us / 1000).collect();
    let schema = Schema::new(vec![
        Field::new("order_id", DataType::Int64, false),
        Field::new(
            "event_time",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            false,
        ),
        Field::new(
            "event_time_utc",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new(
            "event_time_cet",
            DataType::Timestamp(TimeUnit::Millisecond, Some("+01:00".into())),
            false,
        ),
        Field::new("country", DataType::Utf8, false),
        Field::new("amount", DataType::Float64, false),
    ]);
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(Int64Array::from(ids.clone())),
            Arc::new(TimestampMicrosecondArray::from(micros.clone())),
            Arc::new(TimestampMicrosecondArray::from(micros).with_timezone("UTC")),
            Arc::new(TimestampMillisecondArray::from(millis).with_timezone("+01:00")),
            Arc::new(StringArray::from(
                ids.iter()
                    .map(|i| if i % 2 == 0 { "DE" } else { "FR" })
                    .collect::<Vec<_>>(),
            )),
            Arc::new(Float64Array::from(
                ids.iter().map(|i| *i as f64).collect::<Vec<_>>(),
            )),
        ],
    )
    .unwrap()
}

/// An hourly-partitioned lake (`year/month/day/hour`, zero-padded) of [`HOURS`] files.
fn hourly_lake() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for hour_index in 0..HOURS {
        let delivery = at(FIRST_HOUR) + TimeDelta::hours(hour_index);
        let folder = delivery.format("year=%Y/month=%m/day=%d/hour=%H");
        write(
            dir.path(),
            &format!("consumption/events/{folder}/part-0.parquet"),
            &parquet_bytes(&partition_batch(hour_index, delivery)),
        );
    }
    dir
}

fn window(from: &str, to: &str, lateness_mins: u64) -> TimeWindow {
    TimeWindow {
        from: at(from),
        to: at(to),
        lateness: Duration::from_secs(lateness_mins * 60),
    }
}

/// Data files a physical plan reads.
fn files_scanned(plan: &Arc<dyn ExecutionPlan>) -> usize {
    let here = plan
        .downcast_ref::<DataSourceExec>()
        .and_then(|exec| exec.data_source().downcast_ref::<FileScanConfig>())
        .map_or(0, |config| config.file_groups.iter().map(|g| g.len()).sum());
    here + plan
        .children()
        .into_iter()
        .map(files_scanned)
        .sum::<usize>()
}

/// The sorted `order_id`s `sql` returns with `params`, and the files its plan reads.
async fn ids_and_files(
    engine: &Engine,
    sql: &str,
    params: &HashMap<String, ScalarValue>,
) -> (Vec<i64>, usize) {
    let mut stream = engine
        .query_with_params(sql, params)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let files = files_scanned(stream.physical_plan());
    let mut ids = Vec::new();
    while let Some(batch) = stream.next().await {
        let batch = batch.unwrap();
        ids.extend(batch.column(0).as_primitive::<Int64Type>().values().iter());
    }
    ids.sort_unstable();
    (ids, files)
}

/// The query with `$__timeFilter` expanded, and the same query with only the time predicate.
fn pruned_and_plain(engine: &Engine, sql: &str, w: &TimeWindow) -> (String, String) {
    let expanded = expand(sql, w, &engine.catalog()).unwrap();
    assert_eq!(expanded.pruned_tables, ["consumption.events"]);
    let plain = expand(sql, w, &lakesight::lake::Catalog::default()).unwrap();
    assert!(plain.pruned_tables.is_empty());
    (expanded.sql, plain.sql)
}

fn no_params() -> HashMap<String, ScalarValue> {
    HashMap::new()
}

#[tokio::test]
async fn last_hour_reads_two_of_72_partitions_and_finds_late_rows() {
    let lake = hourly_lake();
    let engine = attach(lake.path()).await;
    // Window 10:00–11:00 on 1 December (hour index 72 - 14 = 58), lateness one hour.
    let w = window("2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z", 60);
    let sql = "SELECT order_id FROM events WHERE $__timeFilter(event_time)";
    let (pruned, plain) = pruned_and_plain(&engine, sql, &w);

    let (all_ids, all_files) = ids_and_files(&engine, &plain, &no_params()).await;
    assert_eq!(
        all_files, HOURS as usize,
        "the plain query reads every file"
    );
    // Hour 58's rows at +0, +20, +40 minutes, and hour 59's late row from 10:40.
    assert_eq!(all_ids, [580, 581, 582, 593]);

    let (ids, files) = ids_and_files(&engine, &pruned, &no_params()).await;
    assert_eq!(files, 2, "{pruned}");
    assert_eq!(ids, all_ids, "pruning must not change the result");
}

#[tokio::test]
async fn rows_later_than_the_lateness_are_not_found() {
    let lake = hourly_lake();
    let engine = attach(lake.path()).await;
    let w = window("2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z", 0);
    let (pruned, _) = pruned_and_plain(
        &engine,
        "SELECT order_id FROM events WHERE $__timeFilter(event_time)",
        &w,
    );
    let (ids, files) = ids_and_files(&engine, &pruned, &no_params()).await;
    assert_eq!(files, 1);
    assert_eq!(
        ids,
        [580, 581, 582],
        "the row delivered an hour later is past a zero lateness"
    );
}

#[tokio::test]
async fn a_window_across_the_month_end_prunes_and_keeps_the_result() {
    let lake = hourly_lake();
    let engine = attach(lake.path()).await;
    // 22:00–02:00 with 30 minutes' lateness: delivery hours 22, 23, 00, 01 and 02.
    let w = window("2026-11-30T22:00:00Z", "2026-12-01T02:00:00Z", 30);
    let sql = "SELECT e.order_id FROM consumption.events AS e WHERE $__timeFilter(e.event_time)";
    let (pruned, plain) = pruned_and_plain(&engine, sql, &w);
    assert!(pruned.contains(r#"e."month" = '12'"#), "{pruned}");
    let (all_ids, _) = ids_and_files(&engine, &plain, &no_params()).await;
    let (ids, files) = ids_and_files(&engine, &pruned, &no_params()).await;
    assert_eq!(files, 5, "{pruned}");
    assert_eq!(ids, all_ids);
    assert_eq!(ids.len(), 16, "4 hours x 3 on-time rows + 4 late rows");
}

#[tokio::test]
async fn the_time_filter_is_right_for_columns_with_and_without_a_time_zone() {
    let lake = hourly_lake();
    let engine = attach(lake.path()).await;
    let w = window("2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z", 60);
    for column in ["event_time", "event_time_utc", "event_time_cet"] {
        let sql = format!("SELECT order_id FROM events WHERE $__timeFilter({column})");
        let expanded = expand(&sql, &w, &engine.catalog()).unwrap();
        let (ids, files) = ids_and_files(&engine, &expanded.sql, &no_params()).await;
        assert_eq!(ids, [580, 581, 582, 593], "{column}: {}", expanded.sql);
        assert_eq!(files, 2, "{column}");
    }
    let sql = "SELECT count(*) FROM events WHERE event_time_cet >= $__timeFrom() AND event_time_cet < $__timeTo()";
    let expanded = expand(sql, &w, &engine.catalog()).unwrap();
    let batches = engine.collect(&expanded.sql).await.unwrap();
    assert_eq!(batches[0].column(0).as_primitive::<Int64Type>().value(0), 4);
}

const COUNTRY_SQL: &str = "SELECT order_id FROM events WHERE $__timeFilter(event_time) \
                           AND ($country IS NULL OR country = $country)";

async fn country_ids(engine: &Engine, country: ScalarValue) -> Vec<i64> {
    let w = window("2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z", 60);
    let expanded = expand(COUNTRY_SQL, &w, &engine.catalog()).unwrap();
    let params = HashMap::from([("country".to_owned(), country)]);
    ids_and_files(engine, &expanded.sql, &params).await.0
}

#[tokio::test]
async fn text_parameters_are_values_never_sql() {
    let lake = hourly_lake();
    let engine = attach(lake.path()).await;
    assert_eq!(
        country_ids(&engine, ScalarValue::from("DE")).await,
        [580, 582]
    );
    assert_eq!(
        country_ids(&engine, ScalarValue::from("x' OR '1'='1")).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        country_ids(&engine, ScalarValue::from("DE' --")).await,
        Vec::<i64>::new()
    );
    // A typed NULL (and an untyped one) means "all".
    assert_eq!(
        country_ids(&engine, ScalarValue::Utf8(None)).await,
        [580, 581, 582, 593]
    );
    assert_eq!(
        country_ids(&engine, ScalarValue::Null).await,
        [580, 581, 582, 593]
    );
}

#[tokio::test]
async fn numbers_dates_and_timestamps_bind_as_typed_values() {
    let lake = hourly_lake();
    let engine = attach(lake.path()).await;
    let run = |sql: &'static str, name: &'static str, value: ScalarValue| {
        let engine = engine.clone();
        async move {
            let params = HashMap::from([(name.to_owned(), value)]);
            ids_and_files(&engine, sql, &params).await.0
        }
    };
    let amount = "SELECT order_id FROM events WHERE amount >= $min AND order_id < 600";
    assert_eq!(
        run(amount, "min", ScalarValue::Float64(Some(592.5))).await,
        [593]
    );
    assert_eq!(
        run(amount, "min", ScalarValue::Int64(Some(593))).await,
        [593]
    );
    assert_eq!(run(amount, "min", ScalarValue::from("592.5")).await, [593]);

    let day = "SELECT count(*) FROM events WHERE CAST(event_time AS DATE) = $day";
    let days = [
        ScalarValue::Date32(Some(20_788)), // 2026-12-01
        ScalarValue::from("2026-12-01"),
    ];
    for value in days {
        let params = HashMap::from([("day".to_owned(), value)]);
        let mut stream = engine.query_with_params(day, &params).await.unwrap();
        let batch = stream.next().await.unwrap().unwrap();
        // Hours 48..72 hold December 1st: 24 x 3 on-time rows, plus 23 late ones (hour 48's is Nov 30).
        assert_eq!(batch.column(0).as_primitive::<Int64Type>().value(0), 95);
    }

    let since = "SELECT order_id FROM events WHERE event_time_utc >= $since";
    let last = at("2026-12-01T23:40:00Z").timestamp_micros();
    assert_eq!(
        run(
            since,
            "since",
            ScalarValue::TimestampMicrosecond(Some(last), None)
        )
        .await,
        [712]
    );
    assert_eq!(
        run(
            since,
            "since",
            ScalarValue::TimestampNanosecond(Some(last * 1000), Some("UTC".into()))
        )
        .await,
        [712]
    );
    assert_eq!(
        run(since, "since", ScalarValue::from("2026-12-01T23:40:00Z")).await,
        [712]
    );
}

#[tokio::test]
async fn missing_and_mistyped_parameters_are_errors_naming_them() {
    let lake = hourly_lake();
    let engine = attach(lake.path()).await;
    let sql = "SELECT order_id FROM events WHERE country = $country AND amount > $min";
    let params = HashMap::from([("min".to_owned(), ScalarValue::Int64(Some(1)))]);
    let err = engine.query_with_params(sql, &params).await.err().unwrap();
    assert!(
        matches!(&err, EngineError::Param(ParamError::Missing(name)) if name == "country"),
        "{err}"
    );
    assert!(err.to_string().contains("$country has no value"), "{err}");

    let params = HashMap::from([
        ("country".to_owned(), ScalarValue::from("DE")),
        ("min".to_owned(), ScalarValue::from("lots")),
    ]);
    let err = engine.query_with_params(sql, &params).await.err().unwrap();
    assert!(
        matches!(&err, EngineError::Param(ParamError::WrongType { name, .. }) if name == "min"),
        "{err}"
    );
}

#[tokio::test]
async fn the_read_only_guard_still_applies() {
    let lake = hourly_lake();
    let engine = attach(lake.path()).await;
    let params = HashMap::from([("id".to_owned(), ScalarValue::Int64(Some(1)))]);
    for sql in [
        "DROP TABLE events",
        "INSERT INTO events (order_id) VALUES ($id)",
        "COPY (SELECT $id) TO '/tmp/x.csv'",
        "SET datafusion.execution.batch_size = 1",
    ] {
        let err = engine.query_with_params(sql, &params).await.err().unwrap();
        assert!(matches!(err, EngineError::ReadOnly(_)), "{sql}: {err}");
    }
}

/// Every row of `sql`'s result as a table of text (a timestamp with a zone ends in `Z`).
async fn shown(engine: &Engine, sql: &str, params: &HashMap<String, ScalarValue>) -> String {
    let mut stream = engine
        .query_with_params(sql, params)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut batches = Vec::new();
    while let Some(batch) = stream.next().await {
        batches.push(batch.unwrap());
    }
    datafusion::arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string()
}

/// "View data" writes a visual's parameter values into its SQL: the query it opens answers as
/// the dashboard's own bound query does, with the SQL's own doubled quotes kept and timestamps
/// keeping their zone.
#[tokio::test]
async fn view_data_sql_answers_as_the_bound_query() {
    let lake = hourly_lake();
    let engine = attach(lake.path()).await;
    let sql = "SELECT count(*) AS n, $since AS since, $who AS who, 'it''s' AS note \
               FROM events WHERE event_time_utc >= $since AND country <> $who \
               AND country <> 'O''Brien' -- '$who' in a comment stays\n";
    let params = HashMap::from([
        (
            "since".to_owned(),
            ScalarValue::TimestampMicrosecond(
                Some(at("2026-12-01T20:00:00Z").timestamp_micros()),
                Some("UTC".into()),
            ),
        ),
        ("who".to_owned(), ScalarValue::from("O'Brien")),
    ]);
    let written = lakesight::engine::dashboard::with_values_written(sql, &params);
    assert!(
        written.contains("'it''s'") && written.contains("'O''Brien'"),
        "{written}"
    );
    assert!(written.contains("'$who' in a comment"), "{written}");
    let bound = shown(&engine, sql, &params).await;
    assert_eq!(
        shown(&engine, &written, &no_params()).await,
        bound,
        "{written}"
    );
    assert!(bound.contains("2026-12-01T20:00:00Z"), "{bound}");
}

/// A lake of 72 hourly deliveries from 2026-09-29 (across a month end, where `9` and `10` sort
/// apart as text), its partition folders written as `folder` formats a delivery hour (chrono);
/// day folders get the hour's file beside the others.
fn lake_laid_out(folder: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for hour_index in 0..HOURS {
        let delivery = at("2026-09-29T00:00:00Z") + TimeDelta::hours(hour_index);
        let path = delivery.format(folder);
        write(
            dir.path(),
            &format!("consumption/events/{path}/part-{hour_index}.parquet"),
            &parquet_bytes(&partition_batch(hour_index, delivery)),
        );
    }
    dir
}

/// On every partition layout discovery recognises, `$__timeFilter` prunes the folders and the
/// rows are those of the same query unpruned; on one it does not recognise it prunes nothing
/// (the same rows, every file read).
#[tokio::test]
async fn time_pruning_keeps_the_rows_on_every_layout_and_prunes_only_known_ones() {
    let sql = "SELECT order_id FROM events WHERE $__timeFilter(event_time)";
    let w = window("2026-09-30T22:00:00Z", "2026-10-01T03:00:00Z", 60);
    let layouts = [
        ("year=%Y/month=%m/day=%d/hour=%H", true),
        ("year=%Y/month=%m/day=%d", true),
        ("year=%Y/month=%-m/day=%-d/hour=%-H", true),
        ("dt=%Y-%m-%d", true),
        ("dt=%Y-%m-%d-%H", true),
        ("dt=%Y%m%d", true),
        ("dt=%Y%m%d%H", true),
        ("dt=%d-%m-%Y", false),
        ("year=%Y/month=%b/day=%d", false),
    ];
    for (folder, known) in layouts {
        let lake = lake_laid_out(folder);
        let engine = attach(lake.path()).await;
        let expanded = expand(sql, &w, &engine.catalog()).unwrap();
        let plain = expand(sql, &w, &lakesight::lake::Catalog::default()).unwrap();
        let (pruned_ids, pruned_files) = ids_and_files(&engine, &expanded.sql, &no_params()).await;
        let (plain_ids, plain_files) = ids_and_files(&engine, &plain.sql, &no_params()).await;
        assert_eq!(pruned_ids, plain_ids, "{folder}: {}", expanded.sql);
        assert!(!plain_ids.is_empty(), "{folder}: the window has rows");
        assert_eq!(plain_files, 72, "{folder}");
        if known {
            assert_eq!(expanded.pruned_tables, ["consumption.events"], "{folder}");
            assert!(pruned_files < 72, "{folder}: {pruned_files} files read");
        } else {
            assert!(
                expanded.pruned_tables.is_empty(),
                "{folder}: {}",
                expanded.sql
            );
            assert_eq!(pruned_files, 72, "{folder}");
        }
    }
}

/// On an unpadded (numeric) layout, a folder that lands after discovery with a value that is no
/// number is read (not dropped, not an error): its rows in the window are found.
#[tokio::test]
async fn a_non_numeric_folder_landed_later_is_read_not_dropped() {
    let lake = lake_laid_out("year=%Y/month=%-m/day=%-d/hour=%-H");
    let engine = attach(lake.path()).await;
    let delivery = at("2026-10-01T01:00:00Z");
    write(
        lake.path(),
        "consumption/events/year=2026/month=10/day=1/hour=__HIVE_DEFAULT_PARTITION__/late.parquet",
        &parquet_bytes(&partition_batch(900, delivery)),
    );
    let sql = "SELECT order_id FROM events WHERE $__timeFilter(event_time)";
    let w = window("2026-09-30T22:00:00Z", "2026-10-01T03:00:00Z", 60);
    let expanded = expand(sql, &w, &engine.catalog()).unwrap();
    let (ids, _) = ids_and_files(&engine, &expanded.sql, &no_params()).await;
    assert!(ids.contains(&9000), "{ids:?}");
}
