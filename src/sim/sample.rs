//! The deterministic sample lake behind `lakesight generate-sample`: three
//! days of hourly history for all five streams across the landing, staging
//! and consumption zones, in every format lakesight reads, with a built-in
//! error spike and fraud burst to find. A fixed seed and a simulated clock
//! make every regeneration byte-identical.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, DurationRound, TimeDelta, TimeZone, Timelike, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::SimError;
use super::distributions::{base_per_hour, hourly_weight};
use super::encode::{
    LandingFormat, Zone, arrow_ipc, csv_gzip, encode_error, firehose_object_name, json_record,
    landing_bytes, ndjson_zstd, parquet_bytes, part_name, partition_dir, write_atomic,
};
use super::generate::EventGenerator;
use super::run::volume;
use super::scenario::Story;
use super::schema::{Row, Stream, Value};

const SEED: u64 = 20_261_122;
/// Hours of history of the bundled sample lake.
const BUNDLED_HOURS: i64 = 72;
/// Landing (and the bulky Arrow IPC staging copy of `network_flows`) hold
/// only the most recent day, as if older data had expired; keeps the lake small.
const RECENT_HOURS: i64 = 24;
/// Staging holds the most recent three days (all of the bundled lake); a longer history has only
/// its consumption Parquet before that, which keeps a demo lake quick to generate.
const STAGING_HOURS: i64 = 72;
/// Firehose buffer interval assumed for landing deliveries (its 900 s maximum).
const LANDING_WINDOW_MINUTES: i64 = 15;

/// Totals of a generated sample lake.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SampleReport {
    /// Files written, README included.
    pub files: usize,
    /// Bytes written across all files.
    pub bytes: u64,
    /// Events in the lake: rows of the consumption tables, which every other zone repeats in part.
    pub rows: u64,
}

/// Where a sample lake's history ends and how many hours it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleSpan {
    /// The instant the history ends: no event is at or after it. The last hour partition is the
    /// one holding the instant just before it, cut short when `end` is not on the hour.
    pub end: DateTime<Utc>,
    /// Hour partitions of history, the last (possibly partial) one included.
    pub hours: i64,
}

impl SampleSpan {
    /// The bundled sample lake's span: 72 hours ending 2026-11-25T00:00Z.
    pub fn bundled() -> Self {
        Self {
            end: Utc
                .with_ymd_and_hms(2026, 11, 25, 0, 0, 0)
                .single()
                .expect("the sample end is a valid UTC instant"),
            hours: BUNDLED_HOURS,
        }
    }

    /// The end of the last hour partition (`end` rounded up to the hour); the stories are placed
    /// relative to it, so they keep their hours of the day and their distance from the end.
    pub fn last_hour_end(&self) -> DateTime<Utc> {
        let floor = self
            .end
            .duration_trunc(TimeDelta::hours(1))
            .unwrap_or(self.end);
        if floor == self.end {
            floor
        } else {
            floor + TimeDelta::hours(1)
        }
    }

    /// The first hour of history.
    pub fn start(&self) -> DateTime<Utc> {
        self.last_hour_end() - TimeDelta::hours(self.hours)
    }
}

/// Writes the bundled sample lake under `root`, overwriting files of the same names.
pub fn generate_sample_lake(root: &Path) -> Result<SampleReport, SimError> {
    generate_sample_lake_for(root, &SampleSpan::bundled())
}

/// Writes a sample lake whose history covers `span` under `root` (the live demo's ends now);
/// the same span always gives the same bytes.
pub fn generate_sample_lake_for(root: &Path, span: &SampleSpan) -> Result<SampleReport, SimError> {
    if span.hours < 1 {
        return Err(SimError::Config(format!(
            "a sample lake needs at least one hour of history, not {}",
            span.hours
        )));
    }
    let mut lake = Lake {
        root: root.to_path_buf(),
        report: SampleReport::default(),
    };
    let mut generator = EventGenerator::new(SEED);
    // Names and delivery jitter come from their own sequence so the data does not depend on them.
    let mut names = ChaCha8Rng::seed_from_u64(SEED ^ 0x6e61_6d65);
    let mut per_stream = [0_u64; Stream::ALL.len()];
    let story = Story::ending(span.last_hour_end());
    for hour in 0..span.hours {
        let hour_start = span.start() + TimeDelta::hours(hour);
        let until = span.end.min(hour_start + TimeDelta::hours(1));
        let recent = hour >= span.hours - RECENT_HOURS;
        let staged = hour >= span.hours - STAGING_HOURS;
        // Orders come first so payments can settle this hour's orders.
        for (index, &stream) in Stream::ALL.iter().enumerate() {
            let rows = hour_of_events(&mut generator, stream, hour_start, until, &story);
            per_stream[index] += rows.len() as u64;
            lake.report.rows += rows.len() as u64;
            write_hour(&mut lake, stream, hour_start, &rows, (staged, recent))?;
            if recent && stream != Stream::NetworkFlows {
                write_landing(&mut lake, &mut names, stream, (hour_start, until), &rows)?;
            }
        }
    }
    let readme = readme(span, &story, &per_stream);
    lake.put(&root.join("README.md"), readme.as_bytes())?;
    Ok(lake.report)
}

/// Events of `stream` from `hour_start` to `until` (the hour's end, or the history's end when
/// that comes first: a partial hour holds its share of the hour's events).
fn hour_of_events(
    generator: &mut EventGenerator,
    stream: Stream,
    hour_start: DateTime<Utc>,
    until: DateTime<Utc>,
    story: &Story,
) -> Vec<Row> {
    let span_ms = (until - hour_start).num_milliseconds().clamp(1, 3_600_000);
    let rng = generator.rng();
    let noise = rng.random_range(0.9..1.1);
    let volume = volume(stream, &story.at(hour_start));
    let mean = base_per_hour(stream) * hourly_weight(stream, hour_start.hour()) * volume * noise;
    // A whole hour multiplies by exactly 1.0, so the bundled lake's counts are unchanged.
    let count = (mean * span_ms as f64 / 3_600_000.0).round() as usize;
    let start_ms = hour_start.timestamp_millis();
    let mut times: Vec<i64> = (0..count)
        .map(|_| (start_ms + rng.random_range(0..span_ms)) * 1_000)
        .collect();
    times.sort_unstable();
    times
        .into_iter()
        .map(|micros| {
            let at = DateTime::from_timestamp_micros(micros).unwrap_or(hour_start);
            generator.event(stream, micros, &story.at(at))
        })
        .collect()
}

/// The consumption Parquet file, plus the staging copy for streams that have one when the hour
/// is `staged` (the Arrow IPC copy only when it is also `recent`).
fn write_hour(
    lake: &mut Lake,
    stream: Stream,
    hour_start: DateTime<Utc>,
    rows: &[Row],
    (staged, recent): (bool, bool),
) -> Result<(), SimError> {
    let consumption = partition_dir(&lake.root, Zone::Consumption, stream, hour_start)
        .join(part_name(hour_start, 0, "parquet"));
    let batch = stream
        .to_batch(rows)
        .map_err(|e| encode_error("arrow batch", &consumption)(e.into()))?;
    let parquet = parquet_bytes(&batch).map_err(encode_error("parquet", &consumption))?;
    lake.put(&consumption, &parquet)?;

    if !staged {
        return Ok(());
    }
    let staging_dir = partition_dir(&lake.root, Zone::Staging, stream, hour_start);
    let (extension, format): (&str, &'static str) = match stream {
        Stream::Orders => ("json.zst", "zstd json"),
        Stream::AppLogs => ("csv.gz", "gzip csv"),
        Stream::NetworkFlows if recent => ("arrow", "arrow ipc"),
        _ => return Ok(()),
    };
    let path = staging_dir.join(part_name(hour_start, 0, extension));
    let bytes = match stream {
        Stream::Orders => ndjson_zstd(stream, rows),
        Stream::AppLogs => csv_gzip(&batch),
        _ => arrow_ipc(&batch),
    }
    .map_err(encode_error(format, &path))?;
    lake.put(&path, &bytes)
}

/// Firehose deliveries of one hour (`hour_start` to `until`, the history's end when it cuts the
/// hour short): one object per buffer window, filed by delivery time. A window still open at
/// the history's end is delivered at that end, as if flushed then.
fn write_landing(
    lake: &mut Lake,
    names: &mut ChaCha8Rng,
    stream: Stream,
    (hour_start, until): (DateTime<Utc>, DateTime<Utc>),
    rows: &[Row],
) -> Result<(), SimError> {
    let time_column = stream.time_column();
    let window = TimeDelta::minutes(LANDING_WINDOW_MINUTES);
    let mut window_start = hour_start;
    while window_start < until {
        let (from, to) = (
            window_start.timestamp_micros(),
            (window_start + window).timestamp_micros(),
        );
        let in_window = rows.iter().filter(|row| match &row[time_column] {
            Value::Time(micros) => (from..to).contains(micros),
            _ => false,
        });
        let mut records = Vec::new();
        for row in in_window {
            let json =
                json_record(stream, row).map_err(|e| encode_error("json", &lake.root)(e.into()))?;
            records.push(json);
        }
        // Firehose delivers a few seconds after the buffer closes, so the
        // last window of an hour lands in the next hour's folder.
        let mut delivered = window_start + window + TimeDelta::seconds(names.random_range(2..40));
        if window_start + window > until {
            delivered = until;
        }
        window_start += window;
        if records.is_empty() {
            continue;
        }
        let path = partition_dir(&lake.root, Zone::Landing, stream, delivered)
            .join(firehose_object_name(stream, delivered, names));
        let bytes = landing_bytes(LandingFormat::of(stream), &records)
            .map_err(encode_error("landing json", &path))?;
        lake.put(&path, &bytes)?;
    }
    Ok(())
}

/// The lake being written and its running totals.
struct Lake {
    root: PathBuf,
    report: SampleReport,
}

impl Lake {
    fn put(&mut self, path: &Path, bytes: &[u8]) -> Result<(), SimError> {
        write_atomic(path, bytes)?;
        self.report.files += 1;
        self.report.bytes += bytes.len() as u64;
        Ok(())
    }
}

fn readme(span: &SampleSpan, story: &Story, per_stream: &[u64]) -> String {
    let length = match span.hours {
        BUNDLED_HOURS => "Three days".to_owned(),
        hours => format!("{hours} hours"),
    };
    let instant = |at: DateTime<Utc>| at.format("%Y-%m-%dT%H:%MZ").to_string();
    let period = |(from, to): (DateTime<Utc>, DateTime<Utc>)| {
        format!(
            "{}-{} UTC",
            from.format("%Y-%m-%d %H:%M"),
            to.format("%H:%M")
        )
    };
    let mut text = format!(
        "# lakesight sample lake\n\n\
         Produced by `lakesight generate-sample`. Regenerating it gives byte-identical files.\n\n\
         {length} of hourly history, {} to {}, laid out as\n\
         `<zone>/<table>/year=YYYY/month=MM/day=DD/hour=HH/<file>`.\n\n\
         ## Zones\n\n\
         - `landing/` raw Kinesis Data Firehose deliveries for the last 24 hours, filed by\n  \
           delivery time (so each hour's last delivery sits in the next hour's folder) and named `lakesight-<table>-1-YYYY-MM-DD-HH-MM-SS-<uuid>`:\n  \
           `orders` and `payments` are GZIP-compressed JSON lines with no file extension,\n  \
           `clickstream` is JSON objects concatenated with no separator (`{{...}}{{...}}`),\n  \
           `app_logs` is newline-delimited JSON.\n\
         - `staging/` cleaned hourly copies: `orders` as zstd NDJSON (`.json.zst`),\n  \
           `app_logs` as gzip CSV with a header (`.csv.gz`), and the last 24 hours of\n  \
           `network_flows` as Arrow IPC (`.arrow`).\n\
         - `consumption/` query-ready hourly Parquet (ZSTD) for every table.\n\n\
         ## Tables (consumption rows)\n\n",
        instant(span.start()),
        instant(span.end),
    );
    for (stream, rows) in Stream::ALL.iter().zip(per_stream) {
        let _ = writeln!(text, "- `{stream}`: {rows} rows");
    }
    let _ = write!(
        text,
        "\n## Stories to find\n\n\
         - app_logs error spike: {}, ERROR share ~25% (normally ~2%) with higher latency.\n\
         - payments fraud burst: {}, higher fraud_score and more is_flagged.\n\
         - orders peak every evening around 20:00 UTC.\n",
        period(story.error_spike),
        period(story.fraud_burst),
    );
    text
}
