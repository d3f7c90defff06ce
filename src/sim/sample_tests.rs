//! Tests of the sample lake: byte-identical regeneration, size budget, zone
//! and table coverage, the Firehose landing conventions, readable staging
//! formats, and the built-in demo stories.

// A failed unwrap is a failed test, with the error in the panic message.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{
    Array, BooleanArray, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::ipc::reader::FileReader;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use flate2::read::GzDecoder;

use super::{SampleReport, Stream, generate_sample_lake};

const ZONES: [&str; 3] = ["landing", "staging", "consumption"];

/// Every file under `root`, by path relative to it, with its bytes.
pub(super) fn read_tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                files.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
    files
}

fn files_under<'a>(
    files: &'a BTreeMap<PathBuf, Vec<u8>>,
    prefix: &str,
) -> Vec<(&'a PathBuf, &'a Vec<u8>)> {
    files
        .iter()
        .filter(|(path, _)| path.starts_with(prefix))
        .collect()
}

fn sample() -> (tempfile::TempDir, SampleReport) {
    let dir = tempfile::tempdir().unwrap();
    let report = generate_sample_lake(dir.path()).unwrap();
    (dir, report)
}

fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    builder.build().unwrap().map(Result::unwrap).collect()
}

#[test]
fn regenerating_gives_identical_bytes_within_budget() {
    let (first_dir, first_report) = sample();
    let (second_dir, second_report) = sample();
    let first = read_tree(first_dir.path());
    let second = read_tree(second_dir.path());
    assert_eq!(first_report, second_report);
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &first {
        assert!(
            second[path] == *bytes,
            "{} differs between runs",
            path.display()
        );
    }
    let total: u64 = first.values().map(|bytes| bytes.len() as u64).sum();
    assert_eq!(first_report.files, first.len());
    assert_eq!(first_report.bytes, total);
    assert!(total < 8_000_000, "sample lake is {total} bytes");
    assert!(
        first_report.rows > 50_000,
        "only {} rows",
        first_report.rows
    );
    assert!(
        first
            .keys()
            .all(|path| !path.to_string_lossy().contains("/.")),
        "hidden temp files left behind"
    );
    let readme = String::from_utf8(first[Path::new("README.md")].clone()).unwrap();
    assert!(readme.contains("lakesight generate-sample"));
}

#[test]
fn every_zone_and_table_is_present_with_hive_partitions() {
    let (dir, _) = sample();
    let files = read_tree(dir.path());
    for stream in Stream::ALL {
        let consumption = files_under(&files, &format!("consumption/{stream}"));
        // One Parquet file per hour of the three days.
        assert_eq!(consumption.len(), 72, "{stream}");
        for (path, _) in consumption {
            let parts: Vec<_> = path
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            assert_eq!(parts[2], "year=2026", "{}", path.display());
            assert_eq!(parts[3], "month=11");
            assert!(["day=22", "day=23", "day=24"].contains(&parts[4].as_str()));
            assert!(
                parts[5].starts_with("hour=") && parts[5].len() == 7,
                "{}",
                path.display()
            );
            assert!(parts[6].starts_with("part-") && parts[6].ends_with(".parquet"));
        }
    }
    for table in ["orders", "clickstream", "payments", "app_logs"] {
        assert!(
            !files_under(&files, &format!("landing/{table}")).is_empty(),
            "landing/{table}"
        );
    }
    let staging = [
        ("orders", ".json.zst", 72),
        ("app_logs", ".csv.gz", 72),
        ("network_flows", ".arrow", 24),
    ];
    for (table, extension, hours) in staging {
        let staged = files_under(&files, &format!("staging/{table}"));
        assert_eq!(staged.len(), hours, "staging/{table}");
        assert!(
            staged
                .iter()
                .all(|(path, _)| path.to_string_lossy().ends_with(extension))
        );
    }
    for zone in ZONES {
        assert!(dir.path().join(zone).is_dir(), "{zone}");
    }
}

#[test]
fn landing_objects_follow_firehose_conventions() {
    let (dir, _) = sample();
    let files = read_tree(dir.path());
    let orders = files_under(&files, "landing/orders");
    for (path, bytes) in &orders {
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(name.starts_with("lakesight-orders-1-2026-11-2"), "{name}");
        assert!(
            !name.contains('.'),
            "Firehose objects have no extension: {name}"
        );
        assert_eq!(&bytes[..2], &[0x1f, 0x8b], "{name} is not gzip");
    }
    let mut text = String::new();
    GzDecoder::new(orders[0].1.as_slice())
        .read_to_string(&mut text)
        .unwrap();
    let record: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let event_time = record["event_time"].as_str().unwrap();
    assert_eq!(
        event_time.len(),
        "2026-11-25T16:03:12.345Z".len(),
        "{event_time}"
    );
    assert!(event_time.starts_with("2026-11-2") && event_time.ends_with('Z'));
    assert!(record["amount"].as_f64().unwrap() > 0.0);

    for (path, bytes) in files_under(&files, "landing/clickstream") {
        let text = std::str::from_utf8(bytes).unwrap();
        assert!(!text.contains('\n'), "{}", path.display());
        let records = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
        let count = records.map(Result::unwrap).count();
        assert!(count <= 1 || text.contains("}{"), "{}", path.display());
    }
    for (_, bytes) in files_under(&files, "landing/app_logs") {
        let text = std::str::from_utf8(bytes).unwrap();
        for line in text.lines() {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(record["level"].is_string());
        }
    }
}

#[test]
fn consumption_parquet_reads_back_with_the_stream_schema() {
    let (dir, _) = sample();
    let folder = dir
        .path()
        .join("consumption/orders/year=2026/month=11/day=23/hour=20");
    let path = fs::read_dir(&folder)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let batches = read_parquet(&path);
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    assert!(rows > 100, "evening hour has only {rows} orders");
    assert_eq!(batches[0].schema(), Stream::Orders.schema());
    let times = batches[0]
        .column_by_name("event_time")
        .unwrap()
        .as_any()
        .downcast_ref::<TimestampMicrosecondArray>()
        .unwrap();
    let hour_start = chrono::DateTime::parse_from_rfc3339("2026-11-23T20:00:00Z").unwrap();
    let from = hour_start.timestamp_micros();
    assert!(
        times
            .iter()
            .flatten()
            .all(|t| (from..from + 3_600_000_000).contains(&t))
    );
}

#[test]
fn staging_files_are_readable_in_their_formats() {
    let (dir, _) = sample();
    let hour = "year=2026/month=11/day=24/hour=15";
    let only_file = |table: &str| {
        let folder = dir.path().join("staging").join(table).join(hour);
        fs::read_dir(folder)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path()
    };
    let json = zstd::decode_all(File::open(only_file("orders")).unwrap()).unwrap();
    let first: serde_json::Value =
        serde_json::from_slice(json.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert!(first["order_id"].as_str().unwrap().starts_with("ord-"));

    let mut csv = String::new();
    GzDecoder::new(File::open(only_file("app_logs")).unwrap())
        .read_to_string(&mut csv)
        .unwrap();
    assert!(
        csv.starts_with("event_time,service,host,endpoint,level,status_code,latency_ms,message\n")
    );
    assert!(csv.lines().count() > 100);

    let reader =
        FileReader::try_new(File::open(only_file("network_flows")).unwrap(), None).unwrap();
    assert_eq!(reader.schema(), Stream::NetworkFlows.schema());
    let rows: usize = reader.map(|batch| batch.unwrap().num_rows()).sum();
    assert!(rows > 50);
}

/// Share of rows in one consumption hour where `column` matches.
fn share(
    root: &Path,
    table: &str,
    hour: &str,
    matches: impl Fn(&RecordBatch, usize) -> bool,
) -> f64 {
    let folder = root.join("consumption").join(table).join(hour);
    let path = fs::read_dir(folder)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let (mut hits, mut total) = (0_u32, 0_u32);
    for batch in read_parquet(&path) {
        for row in 0..batch.num_rows() {
            total += 1;
            hits += u32::from(matches(&batch, row));
        }
    }
    f64::from(hits) / f64::from(total)
}

#[test]
fn sample_tells_the_error_spike_and_fraud_burst_stories() {
    let (dir, _) = sample();
    let is_error = |batch: &RecordBatch, row: usize| {
        let level = batch.column_by_name("level").unwrap();
        level
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap()
            .value(row)
            == "ERROR"
    };
    let spike = share(
        dir.path(),
        "app_logs",
        "year=2026/month=11/day=24/hour=15",
        is_error,
    );
    let normal = share(
        dir.path(),
        "app_logs",
        "year=2026/month=11/day=24/hour=10",
        is_error,
    );
    assert!(
        spike > 0.18 && normal < 0.06,
        "spike {spike}, normal {normal}"
    );

    let is_flagged = |batch: &RecordBatch, row: usize| {
        let flagged = batch.column_by_name("is_flagged").unwrap();
        flagged
            .as_any()
            .downcast_ref::<BooleanArray>()
            .unwrap()
            .value(row)
    };
    let burst = share(
        dir.path(),
        "payments",
        "year=2026/month=11/day=23/hour=03",
        is_flagged,
    );
    let quiet = share(
        dir.path(),
        "payments",
        "year=2026/month=11/day=22/hour=03",
        is_flagged,
    );
    assert!(
        burst > 3.0 * quiet && burst > 0.1,
        "burst {burst}, quiet {quiet}"
    );
}
