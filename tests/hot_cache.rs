//! The hot cache against plain DataFusion reading: the same answers, new and rewritten files
//! seen at once, and only what is new decoded again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use common::{orders_batch, parquet_bytes, write};
use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::util::pretty::pretty_format_batches;
use lakesight::engine::{Engine, EngineOptions};
use lakesight::model::SourceSpec;

const QUERIES: &[&str] = &[
    "SELECT country, count(*) AS n, sum(amount) AS total FROM orders GROUP BY 1 ORDER BY 1",
    "SELECT hour, sum(amount) AS total FROM orders WHERE hour >= '02' GROUP BY 1 ORDER BY 1",
    "SELECT count(*) AS n FROM orders",
    "SELECT * FROM orders WHERE order_id % 7 = 0 ORDER BY order_id",
    "SELECT order_id, hour FROM orders ORDER BY order_id DESC LIMIT 3",
    "SELECT count(amount) AS with_amount, count(*) AS n FROM orders",
];

/// Orders whose columns may be null, as a lake's schema that grew over time has them.
fn orders(first: i64, n: i64) -> RecordBatch {
    let batch = orders_batch(first, n, true);
    let fields: Vec<Field> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone().with_nullable(true))
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), batch.columns().to_vec()).unwrap()
}

fn hour_file(root: &Path, hour: u32, batch: &RecordBatch) {
    write(
        root,
        &format!("consumption/orders/year=2026/month=11/day=25/hour={hour:02}/part-0.parquet"),
        &parquet_bytes(batch),
    );
}

/// A lake of `hours` hour files of `rows` orders each (ids apart by hour).
fn hours_of_orders(hours: u32, rows: i64) -> tempfile::TempDir {
    let lake = tempfile::tempdir().unwrap();
    for hour in 0..hours {
        hour_file(lake.path(), hour, &orders(i64::from(hour) * 100_000, rows));
    }
    lake
}

async fn engine(root: &Path, hot: bool) -> Engine {
    engine_with(
        root,
        EngineOptions {
            hot_cache: hot,
            ..EngineOptions::default()
        },
    )
    .await
}

async fn engine_with(root: &Path, options: EngineOptions) -> Engine {
    Engine::attach(&SourceSpec::local(root), &options)
        .await
        .unwrap()
}

/// `sql` run as a dashboard visual runs (through the hot cache, where the engine has one).
async fn visual(engine: &Engine, sql: &str) -> Result<Vec<RecordBatch>, String> {
    let mut stream = engine
        .query_with_params(sql, &HashMap::new())
        .await
        .map_err(|e| e.to_string())?;
    let mut batches = Vec::new();
    while let Some(batch) = stream.next().await {
        batches.push(batch.map_err(|e| e.to_string())?);
    }
    Ok(batches)
}

async fn text(engine: &Engine, sql: &str) -> String {
    let batches = visual(engine, sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    pretty_format_batches(&batches).unwrap().to_string()
}

/// Every query gives the same table through the hot cache as without it.
async fn same_answers(hot: &Engine, plain: &Engine, when: &str) {
    for sql in QUERIES {
        assert_eq!(
            text(hot, sql).await,
            text(plain, sql).await,
            "{when}: {sql}"
        );
    }
}

/// What the window does when its watcher reports files in the orders table.
fn landed(engine: &Engine) {
    engine.files_landed(&["consumption.orders".to_owned()]);
}

fn decoded(engine: &Engine) -> u64 {
    engine.hot_stats().unwrap().files_decoded
}

#[tokio::test]
async fn the_hot_cache_answers_as_datafusion_does_and_decodes_only_what_is_new() {
    let lake = hours_of_orders(4, 50);
    let root = lake.path();
    let (hot, plain) = (engine(root, true).await, engine(root, false).await);
    assert!(plain.hot_stats().is_none());

    // An ad-hoc query (the SQL tab) streams its files: nothing is decoded into the cache.
    hot.collect(QUERIES[0]).await.unwrap();
    assert_eq!(decoded(&hot), 0, "ad-hoc queries do not fill the cache");

    same_answers(&hot, &plain, "first run").await;
    let first = decoded(&hot);
    assert!(first >= 4, "every file was decoded once at least: {first}");

    // The same queries again: every file is served from memory.
    let served = hot.hot_stats().unwrap().files_served;
    same_answers(&hot, &plain, "second run").await;
    assert_eq!(decoded(&hot), first, "nothing is decoded again");
    assert!(hot.hot_stats().unwrap().files_served > served);
    assert!(hot.hot_stats().unwrap().bytes > 0);

    // A new file lands (the window's watcher reports it): it is seen at once, and it is the only
    // file decoded.
    hour_file(root, 4, &orders(400, 30));
    landed(&hot);
    let before = decoded(&hot);
    assert_eq!(text(&hot, QUERIES[0]).await, text(&plain, QUERIES[0]).await);
    assert_eq!(decoded(&hot), before + 1, "only the new file is decoded");
    same_answers(&hot, &plain, "after a new file").await;

    // A file rewritten in place (a compaction, a re-run job) is read again, never served stale.
    hour_file(root, 0, &orders(1_000, 80));
    landed(&hot);
    same_answers(&hot, &plain, "after a rewrite").await;

    // A file written before a column existed: the column reads as nulls, as DataFusion reads it.
    let old = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("order_id", DataType::Int64, true),
            Field::new("country", DataType::Utf8, true),
        ])),
        vec![
            Arc::new(Int64Array::from(vec![5_000, 5_001])),
            Arc::new(StringArray::from(vec!["DE", "IT"])),
        ],
    )
    .unwrap();
    hour_file(root, 5, &old);
    landed(&hot);
    same_answers(&hot, &plain, "with an older file").await;
    let counts = text(&hot, QUERIES[5]).await;
    assert!(
        counts.contains(" 260 ") && counts.contains(" 262 "),
        "two rows have no amount:\n{counts}"
    );

    // A file removed is gone from the answers.
    std::fs::remove_file(
        root.join("consumption/orders/year=2026/month=11/day=25/hour=01/part-0.parquet"),
    )
    .unwrap();
    landed(&hot);
    same_answers(&hot, &plain, "after a removal").await;
}

#[tokio::test]
async fn a_scan_too_big_for_the_cache_or_with_a_limit_is_read_as_without_it() {
    let lake = hours_of_orders(24, 20_000);
    let root = lake.path();
    let stored: u64 = (0..24)
        .map(|hour| {
            std::fs::metadata(root.join(format!(
                "consumption/orders/year=2026/month=11/day=25/hour={hour:02}/part-0.parquet"
            )))
            .unwrap()
            .len()
        })
        .sum();
    // A 64 MiB memory limit gives the cache 16 MiB: too little for files that decode to eight
    // times their size.
    assert!(
        stored > (16 << 20) / 8,
        "the files are big enough: {stored} bytes"
    );
    let small = engine_with(
        root,
        EngineOptions {
            hot_cache: true,
            memory_limit: Some(lakesight::engine::options::MemoryLimit::Bytes(64 << 20)),
            ..EngineOptions::default()
        },
    )
    .await;
    let plain = engine(root, false).await;
    for sql in &QUERIES[..3] {
        assert_eq!(text(&small, sql).await, text(&plain, sql).await, "{sql}");
    }
    let stats = small.hot_stats().unwrap();
    assert_eq!((stats.files, stats.files_decoded), (0, 0), "nothing cached");

    // A LIMIT with nothing to filter stops early instead of decoding every file.
    let hot = engine(root, true).await;
    let rows: usize = visual(&hot, "SELECT * FROM orders LIMIT 2")
        .await
        .unwrap()
        .iter()
        .map(RecordBatch::num_rows)
        .sum();
    assert_eq!(rows, 2);
    assert_eq!(hot.hot_stats().unwrap().files_decoded, 0);
}

#[tokio::test]
async fn a_file_that_cannot_be_decoded_is_named_in_the_error() {
    let lake = tempfile::tempdir().unwrap();
    let root = lake.path();
    hour_file(root, 0, &orders(0, 50));
    let hot = engine(root, true).await;
    // A file cut short, as a crashed writer leaves it.
    let whole = parquet_bytes(&orders(100, 50));
    write(
        root,
        "consumption/orders/year=2026/month=11/day=25/hour=01/part-0.parquet",
        &whole[..whole.len() / 2],
    );
    let err = visual(&hot, "SELECT sum(amount) FROM orders")
        .await
        .unwrap_err();
    assert!(err.contains("hour=01/part-0.parquet"), "{err}");
}

#[tokio::test]
async fn visuals_share_a_listing_until_files_land() {
    let lake = tempfile::tempdir().unwrap();
    let root = lake.path();
    hour_file(root, 0, &orders(0, 50));
    // A reuse period far longer than the test, so nothing depends on the clock.
    let hot = engine_with(
        root,
        EngineOptions {
            hot_cache: true,
            hot_listing_reuse: Some(std::time::Duration::from_hours(1)),
            ..EngineOptions::default()
        },
    )
    .await;
    let listings = |engine: &Engine| engine.hot_stats().unwrap().listings;
    let count = "SELECT count(*) AS n FROM orders";
    assert!(text(&hot, count).await.contains(" 50 "));
    assert!(text(&hot, QUERIES[0]).await.contains("DE"));
    assert_eq!(listings(&hot), 1, "the second visual reused the listing");

    // A file lands: until the engine is told, the listing stands; once told, it is seen.
    hour_file(root, 1, &orders(100, 30));
    assert!(text(&hot, count).await.contains(" 50 "));
    landed(&hot);
    assert!(text(&hot, count).await.contains(" 80 "));
    assert_eq!(listings(&hot), 2);
    // `watch` forgets every listing before each evaluation.
    hot.forget_listings();
    text(&hot, count).await;
    assert_eq!(listings(&hot), 3);
}

fn states(engine: &Engine) -> (u64, u64) {
    let stats = engine.hot_stats().unwrap();
    (stats.states_computed, stats.states_reused)
}

/// A visual's aggregation is kept per file: when its filter moves on (a rolling time range),
/// files wholly inside it are not aggregated again; a new file is the only one aggregated; the
/// answers are DataFusion's all along.
#[tokio::test]
async fn aggregates_are_kept_per_file_and_a_moving_filter_reuses_them() {
    let lake = hours_of_orders(6, 40);
    let root = lake.path();
    let (hot, plain) = (engine(root, true).await, engine(root, false).await);
    // Order ids are hour * 100,000 + 0..40, so the bound cuts hour 1's file, leaves hour 0's out
    // and takes hours 2 to 5 whole.
    let shapes = |from: i64| {
        [
            format!(
                "SELECT country, count(*) AS n, sum(amount) AS total, avg(amount) AS mean, \
                 min(order_id) AS first, max(order_id) AS last, count(DISTINCT order_id % 3) AS k \
                 FROM orders WHERE order_id >= {from} GROUP BY 1 ORDER BY 1"
            ),
            format!(
                "SELECT count(*) AS n, sum(amount) AS total FROM orders WHERE order_id >= {from}"
            ),
        ]
    };
    for sql in shapes(100_010) {
        assert_eq!(text(&hot, &sql).await, text(&plain, &sql).await, "{sql}");
    }
    let (computed, reused) = states(&hot);
    assert_eq!(
        (computed, reused),
        (10, 0),
        "two queries, five files with rows that pass each"
    );

    // The bound moves on, as "last 7 days" does: only the file it cuts is aggregated again.
    for sql in shapes(100_020) {
        assert_eq!(text(&hot, &sql).await, text(&plain, &sql).await, "{sql}");
    }
    assert_eq!(states(&hot), (computed + 2, reused + 8));

    // A new file: the only one aggregated.
    hour_file(root, 6, &orders(600_000, 25));
    landed(&hot);
    for sql in shapes(100_020) {
        assert_eq!(text(&hot, &sql).await, text(&plain, &sql).await, "{sql}");
    }
    assert_eq!(states(&hot), (computed + 4, reused + 8 + 10));

    // No row passes anywhere: the empty answer DataFusion gives.
    for sql in shapes(10_000_000) {
        assert_eq!(text(&hot, &sql).await, text(&plain, &sql).await, "{sql}");
    }
    // A query whose answer changes from run to run is never kept.
    let before = states(&hot);
    let random = "SELECT count(*) AS n FROM orders WHERE random() < 2.0";
    assert!(text(&hot, random).await.contains(" 265 "));
    assert_eq!(states(&hot), before, "nothing kept for random()");
}

fn hour_folder(hour: u32) -> String {
    format!("consumption/orders/year=2026/month=11/day=25/hour={hour:02}")
}

/// With a file watcher reporting every change (the window on a local lake), a listing is kept
/// across refreshes and only the folders that changed are listed again: new, rewritten and
/// removed files are all seen, as DataFusion sees them.
#[tokio::test]
async fn a_followed_listing_lists_again_only_the_folders_that_changed() {
    let lake = hours_of_orders(3, 40);
    let root = lake.path();
    let (hot, plain) = (engine(root, true).await, engine(root, false).await);
    hot.follow_changes(true);
    let stats = |engine: &Engine| {
        let stats = engine.hot_stats().unwrap();
        (stats.listings, stats.folders_listed)
    };
    same_answers(&hot, &plain, "first run").await;
    assert_eq!(stats(&hot), (1, 0), "one listing, kept");

    // A new hour folder: listed on its own, the kept listing grows.
    hour_file(root, 3, &orders(300_000, 25));
    hot.folders_changed(&[hour_folder(3)]);
    same_answers(&hot, &plain, "a new folder").await;
    assert_eq!(stats(&hot).0, 1, "no full listing");
    assert!(stats(&hot).1 >= 1);

    // A file rewritten in place, and one removed.
    hour_file(root, 0, &orders(1_000, 60));
    std::fs::remove_file(root.join(hour_folder(1)).join("part-0.parquet")).unwrap();
    hot.folders_changed(&[hour_folder(0), hour_folder(1)]);
    same_answers(&hot, &plain, "a rewrite and a removal").await;
    assert_eq!(stats(&hot).0, 1, "no full listing");

    // Unreported, a change is not seen until the listing is taken again: when the watcher
    // stops, every kept listing is forgotten.
    hour_file(root, 4, &orders(400_000, 5));
    let count = "SELECT count(*) AS n FROM orders";
    assert!(text(&hot, count).await.contains(" 125 "));
    hot.follow_changes(false);
    assert!(text(&hot, count).await.contains(" 130 "));
    same_answers(&hot, &plain, "after the watcher stopped").await;
}

/// A column the cache kept as integers, widened to floats by a file that lands and "Refresh
/// catalog": the visual reads it as the table now says, and answers as plain reading does.
#[tokio::test]
async fn a_column_widened_by_a_catalog_refresh_is_read_at_its_new_type() {
    let lake = tempfile::tempdir().unwrap();
    for hour in 0..3 {
        hour_file(
            lake.path(),
            hour,
            &orders_batch(i64::from(hour) * 1000, 50, false),
        );
    }
    let hot = engine(lake.path(), true).await;
    let sql = "SELECT sum(amount) AS total, count(*) AS n FROM orders";
    let before = text(&hot, sql).await;
    assert!(decoded(&hot) > 0, "the integer column is in the cache");
    // Floats land in the same column: the catalog widens it.
    hour_file(lake.path(), 3, &orders_batch(3000, 50, true));
    hot.refresh_catalog().await.unwrap();
    landed(&hot);
    let plain = engine(lake.path(), false).await;
    let after = text(&hot, sql).await;
    assert_eq!(after, text(&plain, sql).await);
    assert_ne!(after, before);
}

/// An hour of orders with their event times (one a minute from the hour's start), `amount`
/// as `id * factor`.
fn timed_orders(hour: u32, factor: f64) -> RecordBatch {
    use datafusion::arrow::array::{Float64Array, TimestampMicrosecondArray};
    use datafusion::arrow::datatypes::TimeUnit;
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-25T00:00:00Z")
        .unwrap()
        .timestamp_micros()
        + i64::from(hour) * 3_600_000_000;
    let ids: Vec<i64> = (0..60).map(|m| i64::from(hour) * 100 + m).collect();
    let schema = Schema::new(vec![
        Field::new("order_id", DataType::Int64, false),
        Field::new("country", DataType::Utf8, false),
        Field::new("amount", DataType::Float64, false),
        Field::new(
            "event_time",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
    ]);
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(Int64Array::from(ids.clone())),
            Arc::new(StringArray::from(
                ids.iter()
                    .map(|i| if i % 3 == 0 { "DE" } else { "FR" })
                    .collect::<Vec<_>>(),
            )),
            Arc::new(Float64Array::from(
                ids.iter().map(|i| *i as f64 * factor).collect::<Vec<_>>(),
            )),
            Arc::new(
                TimestampMicrosecondArray::from(
                    (0..60).map(|m| start + m * 60_000_000).collect::<Vec<_>>(),
                )
                .with_timezone("UTC"),
            ),
        ],
    )
    .unwrap()
}

/// What a visual of `sql` shows over `from..to` with `country`: its time filter expanded (and
/// partitions pruned) and `$country` bound, as the dashboards run it.
async fn dashboard_text(engine: &Engine, sql: &str, from: &str, to: &str, country: &str) -> String {
    let at = |text: &str| chrono::DateTime::parse_from_rfc3339(text).unwrap().to_utc();
    let window = lakesight::engine::TimeWindow {
        from: at(from),
        to: at(to),
        lateness: std::time::Duration::ZERO,
    };
    let expanded = lakesight::engine::expand(sql, &window, &engine.catalog()).unwrap();
    let params = HashMap::from([(
        "country".to_owned(),
        datafusion::common::ScalarValue::from(country),
    )]);
    let mut stream = engine
        .query_with_params(&expanded.sql, &params)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", expanded.sql));
    let mut batches = Vec::new();
    while let Some(batch) = stream.next().await {
        batches.push(batch.unwrap());
    }
    pretty_format_batches(&batches).unwrap().to_string()
}

/// Dashboards bind parameters and filter on time: through the cache they answer as plain reading
/// does for every range and value. A file replaced by a writer that renames a new file over it
/// (as Firehose, Glue and Lakesight's own writers do) is read again even with the same size and
/// modification time: its identity (inode, in the `ETag`) differs.
#[tokio::test]
async fn parameters_time_filters_and_a_same_size_replacement_answer_as_plain_reading() {
    let lake = tempfile::tempdir().unwrap();
    for hour in 0..4 {
        hour_file(lake.path(), hour, &timed_orders(hour, 1.5));
    }
    let hot = engine(lake.path(), true).await;
    let sql = "SELECT country, count(*) AS n, sum(amount) AS total FROM orders \
               WHERE $__timeFilter(event_time) AND country = $country GROUP BY 1";
    let ranges = [
        ("2026-11-25T00:30:00Z", "2026-11-25T02:30:00Z"),
        ("2026-11-25T01:00:00Z", "2026-11-25T04:00:00Z"),
        ("2026-11-25T03:59:00Z", "2026-11-25T05:00:00Z"),
    ];
    let compare = |when: &'static str| {
        let (hot, root) = (hot.clone(), lake.path().to_path_buf());
        async move {
            let plain = engine(&root, false).await;
            for (from, to) in ranges {
                for country in ["DE", "FR"] {
                    assert_eq!(
                        dashboard_text(&hot, sql, from, to, country).await,
                        dashboard_text(&plain, sql, from, to, country).await,
                        "{when}: {from}..{to} {country}"
                    );
                }
            }
        }
    };
    compare("first").await;
    compare("from memory").await;

    let file = lake
        .path()
        .join("consumption/orders/year=2026/month=11/day=25/hour=01/part-0.parquet");
    let before = std::fs::metadata(&file).unwrap();
    let replacement = parquet_bytes(&timed_orders(1, 2.5));
    assert_eq!(replacement.len() as u64, before.len(), "the same size");
    let staged = lake.path().join("staged.parquet");
    std::fs::write(&staged, &replacement).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&staged)
        .unwrap()
        .set_modified(before.modified().unwrap())
        .unwrap();
    std::fs::rename(&staged, &file).unwrap();
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        before.modified().unwrap()
    );
    landed(&hot);
    compare("after a same-size replacement").await;
}

/// Tiles that start together read each file once: a file that lands is decoded by one of them
/// with the columns the others asked for, and the others wait for it and take theirs from the
/// cache (on S3, one request per file instead of one per tile).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visuals_started_together_decode_a_new_file_once() {
    let lake = hours_of_orders(3, 40);
    let hot = engine(lake.path(), true).await;
    let plain = engine(lake.path(), false).await;
    // Each reads a different file column.
    let tiles = [
        "SELECT country, count(*) AS n FROM orders GROUP BY 1 ORDER BY 1",
        "SELECT sum(amount) AS total FROM orders",
        "SELECT max(order_id) AS last FROM orders",
    ];
    for sql in tiles {
        text(&hot, sql).await;
    }
    hour_file(lake.path(), 3, &orders(300_000, 40));
    landed(&hot);
    let before = decoded(&hot);
    let runs: Vec<_> = tiles
        .iter()
        .map(|&sql| {
            let engine = hot.clone();
            tokio::spawn(async move { text(&engine, sql).await })
        })
        .collect();
    let mut answers = Vec::new();
    for run in runs {
        answers.push(run.await.unwrap());
    }
    assert_eq!(
        decoded(&hot) - before,
        1,
        "the new file is decoded once for the three tiles"
    );
    for (sql, answer) in tiles.iter().zip(answers) {
        assert_eq!(answer, text(&plain, sql).await, "{sql}");
    }
}
