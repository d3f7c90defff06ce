//! The live simulator: generates events at a requested rate as a [`Clock`]'s time passes,
//! buffers them per stream the way Kinesis Data Firehose does (by age and by
//! size), and delivers each buffer as a landing-zone JSON object plus a
//! consumption-zone Parquet micro-batch, written atomically.

use std::mem;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::SimError;
use super::clock::{Clock, SystemClock};
use super::distributions::{base_per_hour, hourly_weight};
use super::encode::{
    LandingFormat, Zone, encode_error, firehose_object_name, json_record, landing_bytes,
    parquet_bytes, part_name, partition_dir, write_atomic,
};
use super::generate::EventGenerator;
use super::scenario::{Effects, Scenario};
use super::schema::{Row, Stream};

/// Generation granularity; short enough that flush ages are honoured closely.
const MAX_TICK: Duration = Duration::from_millis(100);
const MIN_TICK: Duration = Duration::from_millis(10);

/// Settings of one simulator run.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Lake root folder to write `landing/` and `consumption/` under.
    pub into: PathBuf,
    /// Events per second across all five streams (with [`Pace::Rate`]).
    pub rate_per_sec: f64,
    /// How many events each stream gets.
    pub pace: Pace,
    /// How long to run; `None` runs until the future is dropped.
    pub duration: Option<Duration>,
    /// Seed for event values and object names.
    pub seed: u64,
    /// Storyline to play.
    pub scenario: Scenario,
    /// Firehose buffer interval: a stream delivers once its oldest record is this old.
    pub flush_interval: Duration,
    /// Firehose buffer size: a stream delivers once its JSON reaches this many bytes.
    pub flush_bytes: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            into: PathBuf::from("."),
            rate_per_sec: 50.0,
            pace: Pace::Rate,
            duration: None,
            seed: 42,
            scenario: Scenario::Steady,
            flush_interval: Duration::from_secs(5),
            flush_bytes: 1024 * 1024,
        }
    }
}

/// How many events each stream gets per second.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pace {
    /// `rate_per_sec` across all streams, shared as real shops share it.
    #[default]
    Rate,
    /// Each stream at the rate a sample lake's history has at that hour of the day (UTC), so a
    /// feed continuing a generated history carries its lines on without a jump.
    History,
}

/// Totals of a finished run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimReport {
    /// Events delivered (each appears once in landing and once in consumption).
    pub events: u64,
    /// Objects written, landing and consumption together.
    pub objects: u64,
    /// Bytes written across all objects.
    pub bytes: u64,
}

/// One delivery of one stream's buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlushReport {
    /// The stream that was delivered.
    pub stream: Stream,
    /// Records in the delivery.
    pub records: usize,
    /// The landing-zone JSON object.
    pub landing: PathBuf,
    /// The consumption-zone Parquet micro-batch.
    pub consumption: PathBuf,
}

/// Runs the simulator in real time, calling `on_flush` after every delivery.
///
/// Records still buffered when the future is dropped are never delivered,
/// but every object already on disk is complete.
pub async fn run(
    config: &SimConfig,
    on_flush: impl FnMut(&FlushReport),
) -> Result<SimReport, SimError> {
    run_with_clock(config, &SystemClock::new(), on_flush).await
}

/// Runs the simulator on `clock`'s time, calling `on_flush` after every delivery.
///
/// With a [`VirtualClock`](super::VirtualClock) the run is deterministic: the same settings
/// always deliver the same objects with the same contents.
pub async fn run_with_clock(
    config: &SimConfig,
    clock: &impl Clock,
    mut on_flush: impl FnMut(&FlushReport),
) -> Result<SimReport, SimError> {
    validate(config)?;
    let tick = (config.flush_interval / 4).clamp(MIN_TICK, MAX_TICK);
    let mut generator = EventGenerator::new(config.seed);
    let mut delivery = Delivery {
        root: config.into.clone(),
        names: ChaCha8Rng::seed_from_u64(config.seed.rotate_left(32) ^ 0x6669_7265_686f_7365),
        report: SimReport::default(),
    };
    let mut buffers: Vec<Buffer> = Stream::ALL.iter().map(|_| Buffer::default()).collect();
    let start = clock.elapsed();
    let mut covered = Duration::ZERO;
    let mut next_tick = Duration::ZERO;
    loop {
        clock.sleep_until(start + next_tick).await;
        let elapsed = clock.elapsed().saturating_sub(start);
        next_tick += tick;
        if next_tick <= elapsed {
            // Missed ticks are not made up in a burst: the next is a whole tick from now.
            next_tick = elapsed + tick;
        }
        let finished = config.duration.is_some_and(|total| elapsed >= total);
        let until = config.duration.map_or(elapsed, |total| elapsed.min(total));
        let span = until.saturating_sub(covered);
        covered = until;
        let effects = config.scenario.effects(until, config.duration);
        let wall_now = clock.wall_now();
        for (&stream, buffer) in Stream::ALL.iter().zip(&mut buffers) {
            let per_sec = match config.pace {
                Pace::Rate => config.rate_per_sec * rate_share(stream),
                Pace::History => history_per_sec(stream, wall_now),
            };
            let expected = per_sec * volume(stream, &effects) * span.as_secs_f64();
            buffer.carry += expected;
            let count = buffer.carry.floor();
            buffer.carry -= count;
            for micros in event_times(generator.rng(), wall_now, span, count as usize) {
                let row = generator.event(stream, micros, &effects);
                let json = json_record(stream, &row)
                    .map_err(|e| encode_error("json", &config.into)(e.into()))?;
                buffer.push(row, json, elapsed);
                if buffer.bytes >= config.flush_bytes {
                    on_flush(&delivery.flush(stream, buffer, clock.wall_now()).await?);
                }
            }
        }
        for (&stream, buffer) in Stream::ALL.iter().zip(&mut buffers) {
            let due = buffer
                .since
                .is_some_and(|since| elapsed.saturating_sub(since) >= config.flush_interval);
            if !buffer.rows.is_empty() && (finished || due) {
                on_flush(&delivery.flush(stream, buffer, clock.wall_now()).await?);
            }
        }
        if finished {
            return Ok(delivery.report);
        }
    }
}

fn validate(config: &SimConfig) -> Result<(), SimError> {
    if !(config.rate_per_sec.is_finite() && config.rate_per_sec > 0.0) {
        return Err(SimError::Config(format!(
            "rate must be a positive number of events per second, got {}",
            config.rate_per_sec
        )));
    }
    if config.flush_interval.is_zero() {
        return Err(SimError::Config(
            "flush interval must be longer than zero".into(),
        ));
    }
    if config.flush_bytes == 0 {
        return Err(SimError::Config(
            "flush size must be at least one byte".into(),
        ));
    }
    Ok(())
}

/// Events per second of `stream` in a sample lake's history at `at`'s hour of the day.
pub(crate) fn history_per_sec(stream: Stream, at: DateTime<Utc>) -> f64 {
    base_per_hour(stream) * hourly_weight(stream, at.hour()) / 3_600.0
}

/// Share of the total event rate each stream gets; clicks and logs dominate, as in real shops.
fn rate_share(stream: Stream) -> f64 {
    match stream {
        Stream::Orders | Stream::NetworkFlows => 0.15,
        Stream::Clickstream => 0.35,
        Stream::Payments => 0.12,
        Stream::AppLogs => 0.23,
    }
}

/// Scenario multiplier on a stream's event count; payments follow orders.
pub(crate) fn volume(stream: Stream, effects: &Effects) -> f64 {
    match stream {
        Stream::Orders | Stream::Payments => effects.order_volume,
        _ => 1.0,
    }
}

/// `count` sorted millisecond timestamps spread over the `span` ending at `end`.
fn event_times(rng: &mut ChaCha8Rng, end: DateTime<Utc>, span: Duration, count: usize) -> Vec<i64> {
    let end_ms = end.timestamp_millis();
    let span_ms = i64::try_from(span.as_millis()).unwrap_or(i64::MAX).max(1);
    let mut times: Vec<i64> = (0..count)
        .map(|_| (end_ms - rng.random_range(0..span_ms)) * 1_000)
        .collect();
    times.sort_unstable();
    times
}

/// One stream's Firehose buffer.
#[derive(Default)]
struct Buffer {
    rows: Vec<Row>,
    json: Vec<Vec<u8>>,
    bytes: usize,
    /// When the oldest buffered record arrived (run time); Firehose ages buffers from there.
    since: Option<Duration>,
    /// Fractional events owed from earlier ticks, so low rates still emit.
    carry: f64,
    /// Consumption micro-batches written so far.
    seq: u64,
}

impl Buffer {
    fn push(&mut self, row: Row, json: Vec<u8>, now: Duration) {
        self.since.get_or_insert(now);
        self.bytes += json.len();
        self.rows.push(row);
        self.json.push(json);
    }
}

/// Where deliveries go, and what they have added up to.
struct Delivery {
    root: PathBuf,
    names: ChaCha8Rng,
    report: SimReport,
}

impl Delivery {
    async fn flush(
        &mut self,
        stream: Stream,
        buffer: &mut Buffer,
        delivered: DateTime<Utc>,
    ) -> Result<FlushReport, SimError> {
        buffer.seq += 1;
        let landing = partition_dir(&self.root, Zone::Landing, stream, delivered)
            .join(firehose_object_name(stream, delivered, &mut self.names));
        let consumption = partition_dir(&self.root, Zone::Consumption, stream, delivered)
            .join(part_name(delivered, buffer.seq, "parquet"));
        let rows = mem::take(&mut buffer.rows);
        let json = mem::take(&mut buffer.json);
        buffer.bytes = 0;
        buffer.since = None;
        let records = rows.len();
        let (landing_path, consumption_path) = (landing.clone(), consumption.clone());
        // Compression and file I/O block; keep them off the async workers.
        let bytes = tokio::task::spawn_blocking(move || {
            write_delivery(stream, &rows, &json, &landing_path, &consumption_path)
        })
        .await??;
        self.report.events += records as u64;
        self.report.objects += 2;
        self.report.bytes += bytes;
        Ok(FlushReport {
            stream,
            records,
            landing,
            consumption,
        })
    }
}

fn write_delivery(
    stream: Stream,
    rows: &[Row],
    json: &[Vec<u8>],
    landing: &Path,
    consumption: &Path,
) -> Result<u64, SimError> {
    let format = LandingFormat::of(stream);
    let landing_object =
        landing_bytes(format, json).map_err(encode_error("landing json", landing))?;
    let batch = stream
        .to_batch(rows)
        .map_err(|e| encode_error("arrow batch", consumption)(e.into()))?;
    let parquet = parquet_bytes(&batch).map_err(encode_error("parquet", consumption))?;
    write_atomic(landing, &landing_object)?;
    write_atomic(consumption, &parquet)?;
    Ok((landing_object.len() + parquet.len()) as u64)
}
