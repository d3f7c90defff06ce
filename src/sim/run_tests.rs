//! Tests of the live simulator: deliveries land in the right partitions with
//! Firehose names, nothing half-written is left visible, every generated
//! event is delivered exactly once, size-triggered flushing works, and the
//! scenarios move the metrics they promise to.

// A failed unwrap is a failed test, with the error in the panic message.
#![allow(clippy::unwrap_used)]

use std::fs::File;
use std::path::Path;
use std::time::Duration;

use chrono::{NaiveDateTime, Timelike, Utc};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use flate2::read::GzDecoder;

use super::generate::EventGenerator;
use super::sample_tests::read_tree;
use super::schema::Value;
use super::{FlushReport, Scenario, SimConfig, SimError, Stream, run};

fn config(into: &Path, rate: f64, duration_ms: u64, flush_ms: u64) -> SimConfig {
    SimConfig {
        into: into.to_path_buf(),
        rate_per_sec: rate,
        duration: Some(Duration::from_millis(duration_ms)),
        flush_interval: Duration::from_millis(flush_ms),
        ..SimConfig::default()
    }
}

/// Checks `lakesight-<stream>-1-YYYY-MM-DD-HH-MM-SS-<8-4-4-4-12 hex>` and returns the time.
fn parse_firehose_name(name: &str, stream: Stream) -> NaiveDateTime {
    let rest = name
        .strip_prefix(&format!("lakesight-{stream}-1-"))
        .unwrap_or_else(|| panic!("bad prefix: {name}"));
    let (stamp, uuid) = rest.split_at(19);
    let uuid = uuid
        .strip_prefix('-')
        .unwrap_or_else(|| panic!("no uuid: {name}"));
    let groups: Vec<_> = uuid.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "{name}");
    assert!(
        uuid.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
        "{name}"
    );
    NaiveDateTime::parse_from_str(stamp, "%Y-%m-%d-%H-%M-%S").unwrap()
}

fn parquet_rows(path: &Path) -> usize {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    reader
        .build()
        .unwrap()
        .map(|batch| batch.unwrap().num_rows())
        .sum()
}

fn landing_records(path: &Path, stream: Stream) -> usize {
    let raw = std::fs::read(path).unwrap();
    let text = if matches!(stream, Stream::Orders | Stream::Payments) {
        assert_eq!(&raw[..2], &[0x1f, 0x8b], "{}", path.display());
        let mut text = String::new();
        std::io::Read::read_to_string(&mut GzDecoder::new(raw.as_slice()), &mut text).unwrap();
        text
    } else {
        String::from_utf8(raw).unwrap()
    };
    if stream == Stream::Clickstream {
        assert!(!text.contains('\n'), "clickstream records are concatenated");
    }
    let records = serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>();
    records.map(Result::unwrap).count()
}

#[tokio::test]
async fn run_delivers_every_event_into_current_hour_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let before = Utc::now();
    let mut flushes: Vec<FlushReport> = Vec::new();
    let report = run(&config(dir.path(), 200.0, 1_500, 300), |flush| {
        flushes.push(flush.clone());
    })
    .await
    .unwrap();
    let after = Utc::now();

    assert!(
        (200..=400).contains(&report.events),
        "{} events",
        report.events
    );
    assert_eq!(report.objects, 2 * flushes.len() as u64);
    assert!(
        flushes.len() >= 10,
        "only {} deliveries in 1.5 s at 300 ms",
        flushes.len()
    );
    for stream in Stream::ALL {
        assert!(
            flushes.iter().any(|f| f.stream == stream),
            "{stream} never delivered"
        );
    }
    let hours: Vec<String> = [before, after]
        .iter()
        .map(|t| {
            format!(
                "year={}/month={}/day={}/hour={:02}",
                t.format("%Y"),
                t.format("%m"),
                t.format("%d"),
                t.hour()
            )
        })
        .collect();
    let (mut landing_total, mut parquet_total) = (0, 0);
    for flush in &flushes {
        let zone = |path: &Path, name: &str| {
            let relative = path
                .strip_prefix(dir.path())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let prefix = format!("{name}/{}/", flush.stream);
            assert!(relative.starts_with(&prefix), "{relative}");
            assert!(
                hours
                    .iter()
                    .any(|hour| relative[prefix.len()..].starts_with(hour.as_str())),
                "{relative}"
            );
        };
        zone(&flush.landing, "landing");
        zone(&flush.consumption, "consumption");
        let landing_name = flush.landing.file_name().unwrap().to_string_lossy();
        let delivered = parse_firehose_name(&landing_name, flush.stream).and_utc();
        assert!(delivered >= before - chrono::TimeDelta::seconds(1) && delivered <= after);
        let part = flush.consumption.file_name().unwrap().to_string_lossy();
        assert!(
            part.starts_with("part-") && part.ends_with(".parquet"),
            "{part}"
        );
        let rows = parquet_rows(&flush.consumption);
        assert_eq!(rows, flush.records);
        assert_eq!(landing_records(&flush.landing, flush.stream), flush.records);
        parquet_total += rows;
        landing_total += flush.records;
    }
    assert_eq!(parquet_total as u64, report.events);
    assert_eq!(landing_total as u64, report.events);

    let files = read_tree(dir.path());
    assert_eq!(files.len() as u64, report.objects, "stray files on disk");
    assert!(
        files
            .keys()
            .all(|path| !path.to_string_lossy().contains("/.tmp"))
    );
    assert_eq!(
        files.values().map(|b| b.len() as u64).sum::<u64>(),
        report.bytes
    );
}

#[tokio::test]
async fn full_buffers_are_delivered_before_the_interval() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = config(dir.path(), 400.0, 1_000, 60_000);
    settings.flush_bytes = 4 * 1024;
    let mut flushes = Vec::new();
    let report = run(&settings, |flush| flushes.push(flush.clone()))
        .await
        .unwrap();
    // With a 60 s interval only size can trigger deliveries before the final flush of five streams.
    assert!(
        flushes.len() > Stream::ALL.len() + 3,
        "{} deliveries",
        flushes.len()
    );
    let clickstream = flushes
        .iter()
        .find(|f| f.stream == Stream::Clickstream)
        .unwrap();
    assert!(std::fs::metadata(&clickstream.landing).unwrap().len() >= 4 * 1024);
    assert_eq!(
        flushes.iter().map(|f| f.records as u64).sum::<u64>(),
        report.events
    );
}

#[test]
fn run_can_be_spawned_on_the_runtime() {
    fn assert_send<T: Send>(_: &T) {}
    let settings = SimConfig::default();
    // The app spawns the simulator as a background task, which needs a Send future.
    assert_send(&run(&settings, |_| {}));
}

#[tokio::test]
async fn invalid_settings_are_rejected_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let err = run(&config(dir.path(), 0.0, 100, 50), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, SimError::Config(_)), "{err}");
    assert!(read_tree(dir.path()).is_empty());
}

#[tokio::test]
async fn write_failures_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("landing");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let err = run(&config(dir.path(), 200.0, 300, 50), |_| {})
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("landing"), "{message}");
    assert!(message.starts_with("could not create folder"), "{message}");
}

fn error_share(scenario: Scenario, elapsed_secs: u64) -> f64 {
    let effects = scenario.effects(
        Duration::from_secs(elapsed_secs),
        Some(Duration::from_secs(90)),
    );
    let mut generator = EventGenerator::new(7);
    let levels = (0..4_000).map(|_| generator.event(Stream::AppLogs, 0, &effects));
    let errors = levels
        .filter(|row| {
            let is_error = row[4] == Value::Text("ERROR".into());
            if let Value::Int(status) = row[5] {
                assert_eq!(is_error, status >= 500, "ERROR records carry 5xx codes");
            }
            is_error
        })
        .count();
    errors as f64 / 4_000.0
}

#[test]
fn error_spike_raises_the_app_logs_error_share() {
    let early = error_share(Scenario::ErrorSpike, 10);
    let late = error_share(Scenario::ErrorSpike, 60);
    assert!((0.01..0.04).contains(&early), "early {early}");
    assert!((0.25..0.35).contains(&late), "late {late}");
    assert!(error_share(Scenario::Steady, 60) < 0.04);
}

#[test]
fn revenue_drop_shrinks_order_amounts() {
    let mean_amount = |elapsed| {
        let effects = Scenario::RevenueDrop
            .effects(Duration::from_secs(elapsed), Some(Duration::from_secs(90)));
        let mut generator = EventGenerator::new(3);
        let total: f64 = (0..3_000)
            .map(|_| match generator.event(Stream::Orders, 0, &effects)[8] {
                Value::Float(amount) => amount,
                ref other => panic!("amount is {other:?}"),
            })
            .sum();
        total / 3_000.0
    };
    let (before, after) = (mean_amount(10), mean_amount(60));
    assert!(after < 0.45 * before, "before {before}, after {after}");
}
