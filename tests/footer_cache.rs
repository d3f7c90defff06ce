//! The footer cache outlives the process but never gives a stale answer: each step below is a
//! new engine (as a new `lakesight query` process is) sharing one cache folder, on a local lake
//! and on a lake behind a real S3 server, while files are added, rewritten and removed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::doc_markdown)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::s3::S3Server;
use datafusion::arrow::array::{AsArray, Float64Array, Int64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use lakesight::engine::{Engine, EngineOptions};
use lakesight::model::SourceSpec;

const SQL: &str = "SELECT count(*) AS n, sum(amount) AS total FROM orders";

/// `rows` orders with amounts `first, first + 1, …`, as one Parquet file at `path`.
fn write_hour(path: &Path, rows: i64, first: f64) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("order_id", DataType::Int64, false),
        Field::new("amount", DataType::Float64, false),
    ]));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        vec![
            Arc::new(Int64Array::from_iter_values(0..rows)),
            Arc::new(Float64Array::from_iter_values(
                (0..rows).map(|i| first + i as f64),
            )),
        ],
    )
    .unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

fn hour(lake: &Path, h: u32) -> PathBuf {
    lake.join(format!(
        "consumption/orders/year=2026/month=11/day=20/hour={h:02}/part-0.parquet"
    ))
}

/// `(count, sum)` of every order, from a new engine over `spec` with the footer cache in `cache`.
async fn answer(spec: &SourceSpec, cache: &Path) -> (i64, f64) {
    let options = EngineOptions {
        footer_cache: Some(cache.to_path_buf()),
        ..EngineOptions::default()
    };
    let engine = Engine::attach_for_query(spec, &options, SQL).await.unwrap();
    let batches = engine.collect(SQL).await.unwrap();
    let batch = &batches[0];
    let n = batch.column(0).as_primitive::<Int64Type>().value(0);
    let total = batch.column(1).as_primitive::<Float64Type>().value(0);
    (n, total)
}

/// Sum of `first, first + 1, …` over `rows` values.
fn sum(rows: i64, first: f64) -> f64 {
    (0..rows).map(|i| first + i as f64).sum()
}

/// Entries in the footer cache (every lake's).
fn cached_footers(cache: &Path) -> usize {
    std::fs::read_dir(cache.join("footers"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|lake| std::fs::read_dir(lake.path()).unwrap().count())
        .sum()
}

/// Adds, rewrites and removes files of the lake in `folder` (served as `spec`), asking a new
/// engine after each change: every answer is the lake's as it is now.
async fn never_stale(spec: &SourceSpec, folder: &Path, cache: &Path, same_size_rewrite: bool) {
    write_hour(&hour(folder, 0), 10, 1.0);
    write_hour(&hour(folder, 1), 20, 100.0);
    write_hour(&hour(folder, 2), 30, 1000.0);
    let expected = (60, sum(10, 1.0) + sum(20, 100.0) + sum(30, 1000.0));
    assert_eq!(answer(spec, cache).await, expected);
    assert_eq!(cached_footers(cache), 3, "one footer kept per file");
    assert_eq!(answer(spec, cache).await, expected, "from the kept footers");

    // A new file.
    write_hour(&hour(folder, 3), 40, 5.0);
    let expected = (expected.0 + 40, expected.1 + sum(40, 5.0));
    assert_eq!(answer(spec, cache).await, expected, "a new file is seen");

    // A rewritten file with other rows (and another size).
    write_hour(&hour(folder, 0), 15, 7.0);
    let expected = (
        expected.0 - 10 + 15,
        expected.1 - sum(10, 1.0) + sum(15, 7.0),
    );
    assert_eq!(
        answer(spec, cache).await,
        expected,
        "a rewritten file is read again"
    );

    // A file rewritten with as many rows, so the same size, and other values.
    if same_size_rewrite {
        let before = std::fs::metadata(hour(folder, 1)).unwrap().len();
        write_hour(&hour(folder, 1), 20, 300.0);
        assert_eq!(std::fs::metadata(hour(folder, 1)).unwrap().len(), before);
        let expected = (expected.0, expected.1 - sum(20, 100.0) + sum(20, 300.0));
        assert_eq!(
            answer(spec, cache).await,
            expected,
            "a same-size rewrite is read again"
        );
        write_hour(&hour(folder, 1), 20, 100.0);
    }

    // A removed file.
    std::fs::remove_file(hour(folder, 2)).unwrap();
    let expected = (expected.0 - 30, expected.1 - sum(30, 1000.0));
    assert_eq!(
        answer(spec, cache).await,
        expected,
        "a removed file is gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_lakes_never_get_a_stale_answer_from_the_footer_cache() {
    let lake = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    never_stale(
        &SourceSpec::local(lake.path()),
        lake.path(),
        cache.path(),
        true,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_lakes_never_get_a_stale_answer_and_a_second_process_fetches_no_footer() {
    let server = S3Server::start(false).await;
    let bucket = server.bucket_dir("cache-lake");
    let cache = tempfile::tempdir().unwrap();
    let mut spec: SourceSpec = "s3://cache-lake".parse().unwrap();
    spec.endpoint = Some(server.endpoint.clone());
    spec.no_sign_request = true;
    spec.region = Some("eu-west-1".into());

    // A second process reads no footer: the first read one per file, the second reads none.
    for h in 0..4 {
        write_hour(&hour(&bucket, 10 + h), 50, 1.0);
    }
    let gets = |server: &S3Server| {
        server
            .request_lines()
            .iter()
            .filter(|line| line.starts_with("GET ") && !line.contains("list-type"))
            .count()
    };
    let other_cache = tempfile::tempdir().unwrap();
    server.clear_requests();
    let first = answer(&spec, other_cache.path()).await;
    let first_gets = gets(&server);
    server.clear_requests();
    let second = answer(&spec, other_cache.path()).await;
    let second_gets = gets(&server);
    assert_eq!(first, second);
    assert!(
        second_gets + 4 <= first_gets,
        "the second process fetched footers again: {second_gets} GETs against {first_gets}"
    );
    for h in 0..4 {
        std::fs::remove_file(hour(&bucket, 10 + h)).unwrap();
    }

    never_stale(&spec, &bucket, cache.path(), false).await;
}

/// `lakesight` with its cache folder in `cache`.
fn lakesight(cache: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("lakesight").unwrap();
    cmd.env_remove("LAKESIGHT_SOURCE")
        .env("LAKESIGHT_CACHE_DIR", cache);
    cmd
}

fn cache_report(cache: &Path, clear: bool) -> serde_json::Value {
    let mut cmd = lakesight(cache);
    cmd.args(["cache", "--format", "json"]);
    if clear {
        cmd.arg("--clear");
    }
    let output = cmd.output().unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn queries_keep_footers_that_lakesight_cache_shows_and_clears() {
    let lake = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    for h in 0..3 {
        write_hour(&hour(lake.path(), h), 10, 1.0);
    }
    let empty = cache_report(cache.path(), false);
    assert_eq!(empty["footers"], 0);
    assert_eq!(
        empty["folder"].as_str().unwrap(),
        cache.path().join("footers").to_str().unwrap()
    );
    for _ in 0..2 {
        let output = lakesight(cache.path())
            .args(["query", "--format", "csv", "--source"])
            .arg(lake.path())
            .arg(SQL)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            "n,total\n30,165.0\n"
        );
    }
    let kept = cache_report(cache.path(), false);
    assert_eq!(kept["footers"], 3, "{kept}");
    assert_eq!(kept["lakes"], 1, "{kept}");
    assert!(kept["bytes"].as_u64().unwrap() > 0);
    let cleared = cache_report(cache.path(), true);
    assert_eq!(cleared["footers"], 0, "{cleared}");
    assert_eq!(cached_footers(cache.path()), 0);
}
