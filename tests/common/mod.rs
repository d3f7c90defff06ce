//! Builders for small lakes the tests write into temporary folders, and an S3 server.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_lossless,
    clippy::doc_markdown
)]

pub mod app;
pub mod cluster;
pub mod s3;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;

/// An engine over the local lake at `root`, with default options.
pub async fn attach(root: &Path) -> lakesight::engine::Engine {
    lakesight::engine::Engine::attach(
        &lakesight::model::SourceSpec::local(root),
        &lakesight::engine::EngineOptions::default(),
    )
    .await
    .expect("attach")
}

/// The Int64 in the first row and column of `sql`'s result.
pub async fn scalar_i64(engine: &lakesight::engine::Engine, sql: &str) -> i64 {
    use datafusion::arrow::array::AsArray;
    let batches = engine
        .collect(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    batches[0]
        .column(0)
        .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
        .value(0)
}

/// A `command:` notifier for tests: `folder/notify.sh`, which appends what it is given on its
/// standard input to `folder/received.jsonl`; the script and that file.
#[cfg(unix)]
pub fn notify_script(folder: &Path) -> (PathBuf, PathBuf) {
    let received = folder.join("received.jsonl");
    let script = folder.join("notify.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ncat >> '{}'\n", received.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    (script, received)
}

/// Writes `bytes` at `root/relative`, creating folders.
pub fn write(root: &Path, relative: &str, bytes: &[u8]) -> PathBuf {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A batch of orders: ids `first..first+n`, amounts `id * 1.5` (Float64) or `id` (Int64).
pub fn orders_batch(first: i64, n: i64, float_amounts: bool) -> RecordBatch {
    let ids: Vec<i64> = (first..first + n).collect();
    let amount: (DataType, ArrayRef) = if float_amounts {
        (
            DataType::Float64,
            Arc::new(Float64Array::from(
                ids.iter().map(|i| *i as f64 * 1.5).collect::<Vec<_>>(),
            )),
        )
    } else {
        (DataType::Int64, Arc::new(Int64Array::from(ids.clone())))
    };
    let country: Vec<&str> = ids
        .iter()
        .map(|i| if i % 2 == 0 { "DE" } else { "FR" })
        .collect();
    let schema = Schema::new(vec![
        Field::new("order_id", DataType::Int64, false),
        Field::new("country", DataType::Utf8, false),
        Field::new("amount", amount.0, false),
    ]);
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(Int64Array::from(ids)),
            Arc::new(StringArray::from(country)),
            amount.1,
        ],
    )
    .unwrap()
}

/// Parquet bytes of one batch.
pub fn parquet_bytes(batch: &RecordBatch) -> Vec<u8> {
    let mut out = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut out, batch.schema(), None).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
    out
}

/// Arrow IPC file bytes of one batch.
pub fn arrow_bytes(batch: &RecordBatch) -> Vec<u8> {
    let mut out = Vec::new();
    let mut writer =
        datafusion::arrow::ipc::writer::FileWriter::try_new(&mut out, &batch.schema()).unwrap();
    writer.write(batch).unwrap();
    writer.finish().unwrap();
    drop(writer);
    out
}

/// gzip-compressed bytes.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// zstd-compressed bytes.
pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

/// bzip2-compressed bytes.
pub fn bzip2(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// JSON order records `first..first+n`, concatenated with `separator` between them.
pub fn orders_json(first: i64, n: i64, separator: &str) -> Vec<u8> {
    (first..first + n)
        .map(|i| {
            format!(
                r#"{{"order_id":{i},"country":"{}","amount":{}}}"#,
                if i % 2 == 0 { "DE" } else { "FR" },
                i as f64 * 1.5
            )
        })
        .collect::<Vec<_>>()
        .join(separator)
        .into_bytes()
}

/// A lake with every zone, format and compression, hour-partitioned, plus non-data files.
///
/// Rows: consumption.orders 4 hours x 10 = 40 (ids 0..40); landing.orders 30 (Firehose output);
/// staging.orders_csv 20; staging.orders_arrow 10; staging.events_ndjson 15 (5 plain, 5 zstd, 5 bzip2).
pub fn rich_lake() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for hour in 0..4 {
        let batch = orders_batch(hour * 10, 10, true);
        write(
            root,
            &format!("consumption/orders/year=2026/month=11/day=25/hour={hour:02}/part-0.parquet"),
            &parquet_bytes(&batch),
        );
    }
    write(root, "consumption/orders/_SUCCESS", b"");
    write(
        root,
        "consumption/orders/year=2026/month=11/day=25/hour=00/.part-0.parquet.crc",
        b"crc",
    );
    write(
        root,
        "consumption/orders/_temporary/0/part-9.parquet",
        &parquet_bytes(&orders_batch(900, 5, true)),
    );
    write(
        root,
        "consumption/orders/year=2026/month=11/day=25/hour=00/.tmp-part-1.parquet",
        b"PAR1 half written",
    );

    // Kinesis Data Firehose default output: no extension, gzip or not, records back to back.
    let firehose = "landing/orders/year=2026/month=11/day=25/hour=16/lakesight-orders-1-2026-11-25-16-00-00-4f1c9e2a-77b1-4c1e-9d2e-1a2b3c4d5e6f";
    write(root, firehose, &gzip(&orders_json(0, 10, "")));
    let plain = "landing/orders/year=2026/month=11/day=25/hour=17/lakesight-orders-1-2026-11-25-17-00-00-9a8b7c6d-1111-2222-3333-444455556666";
    write(root, plain, &orders_json(10, 10, ""));
    write(
        root,
        "landing/orders/year=2026/month=11/day=25/hour=18/batch.json.gz",
        &gzip(&orders_json(20, 10, "\n")),
    );

    let csv: String = std::iter::once("order_id,country,amount".to_owned())
        .chain((0..20).map(|i| {
            format!(
                "{i},{},{}",
                if i % 2 == 0 { "DE" } else { "FR" },
                i as f64 * 1.5
            )
        }))
        .collect::<Vec<_>>()
        .join("\n");
    write(root, "staging/orders_csv/day=24/a.csv", csv.as_bytes());
    write(
        root,
        "staging/orders_arrow/a.arrow",
        &arrow_bytes(&orders_batch(0, 10, true)),
    );
    write(
        root,
        "staging/events_ndjson/a.jsonl",
        &orders_json(0, 5, "\n"),
    );
    write(
        root,
        "staging/events_ndjson/b.json.zst",
        &zstd(&orders_json(5, 5, "\n")),
    );
    write(
        root,
        "staging/events_ndjson/c.ndjson.bz2",
        &bzip2(&orders_json(10, 5, "\n")),
    );
    write(root, "README.md", b"# a lake\n");
    dir
}

/// Registers `count_batches(x)` on `ctx`: returns its Int64 argument unchanged and counts every
/// batch it is called on, so a test can see whether a query is still doing work.
pub fn register_batch_counter(
    ctx: &datafusion::prelude::SessionContext,
) -> Arc<std::sync::atomic::AtomicUsize> {
    use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
    let batches = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&batches);
    ctx.register_udf(create_udf(
        "count_batches",
        vec![DataType::Int64],
        DataType::Int64,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(args[0].clone())
        }),
    ));
    batches
}

/// Waits, polling, until `done()` holds; panics with `failure()` once `limit` has passed. The
/// limit is generous on purpose: it only bounds how long a broken build takes to fail.
pub fn wait_until(
    limit: std::time::Duration,
    mut done: impl FnMut() -> bool,
    failure: impl Fn() -> String,
) {
    let deadline = std::time::Instant::now() + limit;
    while !done() {
        assert!(std::time::Instant::now() < deadline, "{}", failure());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
