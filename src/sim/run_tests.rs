//! Tests of the live simulator, on virtual time so that counts are exact on any
//! machine: deliveries land in the right partitions with Firehose names,
//! nothing half-written is left visible, every generated event is delivered
//! exactly once, age- and size-triggered flushing works, and the scenarios
//! move the metrics they promise to.

// A failed unwrap is a failed test, with the error in the panic message.
#![allow(clippy::unwrap_used)]

use std::fs::File;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeDelta, TimeZone, Timelike, Utc};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use flate2::read::GzDecoder;

use super::clock::Clock;
use super::generate::EventGenerator;
use super::sample_tests::read_tree;
use super::schema::Value;
use super::{
    FlushReport, Scenario, SimConfig, SimError, SimReport, Stream, VirtualClock, run,
    run_with_clock,
};

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

/// The JSON text of a landing object, decompressed.
fn landing_json(path: &Path, stream: Stream) -> String {
    let raw = std::fs::read(path).unwrap();
    if matches!(stream, Stream::Orders | Stream::Payments) {
        assert_eq!(&raw[..2], &[0x1f, 0x8b], "{}", path.display());
        let mut text = String::new();
        std::io::Read::read_to_string(&mut GzDecoder::new(raw.as_slice()), &mut text).unwrap();
        text
    } else {
        String::from_utf8(raw).unwrap()
    }
}

fn landing_records(path: &Path, stream: Stream) -> usize {
    let text = landing_json(path, stream);
    if stream == Stream::Clickstream {
        assert!(!text.contains('\n'), "clickstream records are concatenated");
    }
    let records = serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>();
    records.map(Result::unwrap).count()
}

/// 2026-11-25T16:59:59.500Z: half a second before an hour boundary, so deliveries straddle it.
fn wall_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 16, 59, 59)
        .unwrap()
        .checked_add_signed(TimeDelta::milliseconds(500))
        .unwrap()
}

/// A run on a [`VirtualClock`] started at [`wall_start`]: its result, each delivery, and the
/// virtual time each delivery was reported at.
async fn run_virtual(settings: &SimConfig) -> (Result<SimReport, SimError>, Vec<FlushReport>) {
    let (result, deliveries) = run_virtual_timed(settings).await;
    (result, deliveries.into_iter().map(|(_, f)| f).collect())
}

async fn run_virtual_timed(
    settings: &SimConfig,
) -> (Result<SimReport, SimError>, Vec<(Duration, FlushReport)>) {
    let clock = VirtualClock::new(wall_start());
    let mut deliveries = Vec::new();
    let result = run_with_clock(settings, &clock, |flush| {
        deliveries.push((clock.elapsed(), flush.clone()));
    })
    .await;
    (result, deliveries)
}

#[tokio::test]
async fn run_delivers_every_event_by_buffer_age_into_delivery_hour_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let (report, deliveries) = run_virtual_timed(&config(dir.path(), 200.0, 1_500, 300)).await;
    let report = report.unwrap();

    // Ticks every 75 ms; every stream gets events from the 75 ms tick on, so each buffer is
    // 300 ms old at 375, 750 (refilled at 450), 1125 and, last, at the end of the run.
    let expected: Vec<(Stream, Duration)> = [375, 750, 1_125, 1_500]
        .into_iter()
        .flat_map(|ms| {
            Stream::ALL
                .iter()
                .map(move |&stream| (stream, Duration::from_millis(ms)))
        })
        .collect();
    let actual: Vec<(Stream, Duration)> =
        deliveries.iter().map(|(at, f)| (f.stream, *at)).collect();
    assert_eq!(actual, expected, "one delivery per stream per buffer age");
    let flushes: Vec<FlushReport> = deliveries.into_iter().map(|(_, f)| f).collect();

    // rate x share x 1.5 s per stream, all delivered; where twenty 75 ms shares add up to a hair
    // under a whole event, that last event is still owed when the run ends.
    let per_stream: Vec<(Stream, usize)> = Stream::ALL
        .iter()
        .map(|&stream| {
            let records = flushes.iter().filter(|f| f.stream == stream);
            (stream, records.map(|f| f.records).sum())
        })
        .collect();
    assert_eq!(
        per_stream,
        vec![
            (Stream::Orders, 45),
            (Stream::Clickstream, 105),
            (Stream::Payments, 35),
            (Stream::AppLogs, 68),
            (Stream::NetworkFlows, 45),
        ]
    );
    assert_eq!(report.events, 298);
    assert_eq!(report.objects, 2 * flushes.len() as u64);

    for (flush, (_, after)) in flushes.iter().zip(&expected) {
        // Objects are named and filed by delivery time: the first round before 17:00, the rest after.
        let delivered = wall_start() + *after;
        let name = flush.landing.file_name().unwrap().to_string_lossy();
        let named = parse_firehose_name(&name, flush.stream).and_utc();
        assert_eq!(named, delivered.with_nanosecond(0).unwrap(), "{name}");
        let hour = format!("year=2026/month=11/day=25/hour={:02}", delivered.hour());
        for (path, zone) in [
            (&flush.landing, "landing"),
            (&flush.consumption, "consumption"),
        ] {
            let relative = path.strip_prefix(dir.path()).unwrap();
            let folder = relative.parent().unwrap().to_string_lossy().into_owned();
            assert_eq!(folder, format!("{zone}/{}/{hour}", flush.stream));
        }
        let part = flush.consumption.file_name().unwrap().to_string_lossy();
        assert!(
            part.starts_with("part-") && part.ends_with(".parquet"),
            "{part}"
        );
        assert_eq!(parquet_rows(&flush.consumption), flush.records);
        assert_eq!(landing_records(&flush.landing, flush.stream), flush.records);
    }

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
async fn the_same_settings_on_virtual_time_write_the_same_bytes() {
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, _) = run_virtual(&config(first.path(), 150.0, 1_000, 200)).await;
    let (b, _) = run_virtual(&config(second.path(), 150.0, 1_000, 200)).await;
    assert_eq!(a.unwrap(), b.unwrap());
    let (first, second) = (read_tree(first.path()), read_tree(second.path()));
    assert!(!first.is_empty());
    assert!(first == second, "two runs wrote different objects");
}

#[tokio::test]
async fn full_buffers_are_delivered_before_the_interval() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = config(dir.path(), 400.0, 1_000, 60_000);
    settings.flush_bytes = 4 * 1024;
    let (report, flushes) = run_virtual(&settings).await;
    let report = report.unwrap();
    // With a 60 s interval only size can trigger a delivery before the final one of each stream.
    let (early, last): (Vec<_>, Vec<_>) = flushes.iter().enumerate().partition(|(i, f)| {
        flushes[i + 1..]
            .iter()
            .any(|later| later.stream == f.stream)
    });
    let early: Vec<&FlushReport> = early.into_iter().map(|(_, f)| f).collect();
    assert_eq!(
        last.len(),
        Stream::ALL.len(),
        "one final delivery per stream"
    );
    assert!(early.len() > 3, "{} size-triggered deliveries", early.len());
    for flush in &early {
        let json: usize = landing_json(&flush.landing, flush.stream).len();
        assert!(
            json >= 4 * 1024,
            "{}: {json} bytes",
            flush.landing.display()
        );
    }
    assert!(early.iter().any(|f| f.stream == Stream::Clickstream));
    assert_eq!(
        flushes.iter().map(|f| f.records as u64).sum::<u64>(),
        report.events
    );
}

#[tokio::test]
async fn a_stalled_delivery_loses_no_events_and_the_run_still_ends() {
    let dir = tempfile::tempdir().unwrap();
    let clock = VirtualClock::new(wall_start());
    let mut flushes = Vec::new();
    let report = run_with_clock(&config(dir.path(), 200.0, 1_500, 300), &clock, |flush| {
        if flushes.is_empty() {
            // The first write takes 10 s, far past the end of the run.
            clock.advance(Duration::from_secs(10));
        }
        flushes.push(flush.clone());
    })
    .await
    .unwrap();
    assert_eq!(report.events, 300, "the stalled time is generated too");
    assert_eq!(
        flushes.iter().map(|f| f.records as u64).sum::<u64>(),
        report.events
    );
}

#[tokio::test]
async fn real_time_runs_cover_exactly_the_requested_duration() {
    let dir = tempfile::tempdir().unwrap();
    let mut flushes: Vec<FlushReport> = Vec::new();
    let report = run(&config(dir.path(), 200.0, 300, 100), |flush| {
        flushes.push(flush.clone());
    })
    .await
    .unwrap();
    // However late the ticks come, events cover 0.3 s at 200/s; each stream may round one down.
    assert!(
        (55..=60).contains(&report.events),
        "{} events",
        report.events
    );
    assert_eq!(
        flushes.iter().map(|f| f.records as u64).sum::<u64>(),
        report.events
    );
    assert_eq!(read_tree(dir.path()).len() as u64, report.objects);
}

#[test]
fn run_can_be_spawned_on_the_runtime() {
    fn assert_send<T: Send>(_: &T) {}
    let settings = SimConfig::default();
    // The app spawns the simulator as a background task, which needs a Send future.
    assert_send(&run(&settings, |_| {}));
    assert_send(&run_with_clock(
        &settings,
        &VirtualClock::new(wall_start()),
        |_| {},
    ));
}

#[tokio::test]
async fn invalid_settings_are_rejected_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let (err, _) = run_virtual(&config(dir.path(), 0.0, 100, 50)).await;
    let err = err.unwrap_err();
    assert!(matches!(err, SimError::Config(_)), "{err}");
    assert!(read_tree(dir.path()).is_empty());
}

#[tokio::test]
async fn write_failures_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("landing");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let (err, _) = run_virtual(&config(dir.path(), 200.0, 300, 50)).await;
    let message = err.unwrap_err().to_string();
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

/// Orders in the consumption Parquet of a lake folder, by hour partition folder name.
fn consumption_orders(root: &Path) -> usize {
    super::sample_tests::read_tree(root)
        .keys()
        .filter(|path| {
            path.starts_with("consumption/orders")
                && path.extension().is_some_and(|e| e == "parquet")
        })
        .map(|path| parquet_rows(&root.join(path)))
        .sum()
}

#[tokio::test]
async fn a_history_paced_feed_runs_at_the_rate_the_history_has_at_that_hour() {
    // The history's 20:00 hour (the evening peak), as a sample lake generates it.
    let history = tempfile::tempdir().unwrap();
    super::generate_sample_lake_for(
        history.path(),
        &super::SampleSpan {
            end: Utc.with_ymd_and_hms(2026, 11, 25, 21, 0, 0).unwrap(),
            hours: 1,
        },
    )
    .unwrap();
    let per_hour_in_history = consumption_orders(history.path()) as f64;
    assert!(per_hour_in_history > 100.0, "{per_hour_in_history}");

    // Ten minutes of the feed at 20:00 the next day.
    let live = tempfile::tempdir().unwrap();
    let settings = SimConfig {
        into: live.path().to_path_buf(),
        pace: super::Pace::History,
        duration: Some(Duration::from_mins(10)),
        flush_interval: Duration::from_mins(1),
        ..SimConfig::default()
    };
    let clock = VirtualClock::new(Utc.with_ymd_and_hms(2026, 11, 26, 20, 0, 0).unwrap());
    let mut orders = 0;
    run_with_clock(&settings, &clock, |flush| {
        if flush.stream == Stream::Orders {
            orders += flush.records;
        }
    })
    .await
    .unwrap();
    let per_hour_live = orders as f64 * 6.0;
    let ratio = per_hour_live / per_hour_in_history;
    assert!(
        (0.85..=1.15).contains(&ratio),
        "the feed delivers {per_hour_live} orders an hour where the history has {per_hour_in_history}"
    );
}
