//! Turning records into lake objects: Firehose landing payloads and object
//! names, Parquet, zstd NDJSON, gzip CSV and Arrow IPC bytes, hive-style
//! partition folders, and the write-to-hidden-temp-then-rename step that
//! keeps readers from ever seeing half an object. All encoders are pure
//! functions of their input so the sample lake is byte-for-byte repeatable.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Timelike, Utc};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::csv::WriterBuilder as CsvWriterBuilder;
use datafusion::arrow::ipc::writer::FileWriter as IpcFileWriter;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use flate2::{Compression as GzLevel, GzBuilder};
use rand::Rng;

use super::schema::{Row, Stream};
use super::{BoxError, SimError};

/// Firehose's record-format version segment in object names.
const FIREHOSE_VERSION: u32 = 1;
/// Enough rows per group for the sample's hourly files; bounds writer memory.
const ROW_GROUP_ROWS: usize = 64 * 1024;

/// How a stream's Firehose delivery writes its landing objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LandingFormat {
    /// GZIP compression, newline-delimited JSON inside, no file extension.
    Gzip,
    /// Firehose's raw default: JSON objects back to back, `{...}{...}`.
    Concatenated,
    /// One JSON object per line.
    NewlineDelimited,
}

impl LandingFormat {
    /// The fixed delivery setting of each stream.
    pub(crate) fn of(stream: Stream) -> Self {
        match stream {
            Stream::Orders | Stream::Payments => LandingFormat::Gzip,
            Stream::Clickstream => LandingFormat::Concatenated,
            Stream::AppLogs | Stream::NetworkFlows => LandingFormat::NewlineDelimited,
        }
    }
}

/// A lake zone: raw landing, cleaned staging, query-ready consumption.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Zone {
    Landing,
    Staging,
    Consumption,
}

impl Zone {
    fn folder(self) -> &'static str {
        match self {
            Zone::Landing => "landing",
            Zone::Staging => "staging",
            Zone::Consumption => "consumption",
        }
    }
}

/// `<root>/<zone>/<table>/year=YYYY/month=MM/day=DD/hour=HH` for `at`.
pub(crate) fn partition_dir(root: &Path, zone: Zone, stream: Stream, at: DateTime<Utc>) -> PathBuf {
    root.join(zone.folder()).join(stream.name()).join(format!(
        "year={:04}/month={:02}/day={:02}/hour={:02}",
        at.year(),
        at.month(),
        at.day(),
        at.hour()
    ))
}

/// Firehose's default object name: `<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid>`.
pub(crate) fn firehose_object_name(
    stream: Stream,
    delivered: DateTime<Utc>,
    rng: &mut impl Rng,
) -> String {
    let a: u64 = rng.random();
    let b: u64 = rng.random();
    format!(
        "{}-{FIREHOSE_VERSION}-{}-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        delivery_stream_name(stream),
        delivered.format("%Y-%m-%d-%H-%M-%S"),
        a >> 32,
        (a >> 16) & 0xffff,
        // Version-4 style, so the id passes as a random UUID.
        0x4000 | (a & 0x0fff),
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// The Firehose delivery stream that feeds `stream`'s landing folder.
pub(crate) fn delivery_stream_name(stream: Stream) -> String {
    format!("lakesight-{}", stream.name())
}

/// Consumption micro-batch name: `part-<YYYYMMDDTHHMMSS>-<seq>.parquet`.
pub(crate) fn part_name(at: DateTime<Utc>, seq: u64, extension: &str) -> String {
    format!("part-{}-{seq:05}.{extension}", at.format("%Y%m%dT%H%M%S"))
}

/// Serializes one record as compact JSON, the unit Firehose buffers.
pub(crate) fn json_record(stream: Stream, row: &Row) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&stream.json(row))
}

/// The landing object for already-serialized records, in the stream's delivery format.
pub(crate) fn landing_bytes(
    format: LandingFormat,
    records: &[Vec<u8>],
) -> Result<Vec<u8>, BoxError> {
    let joined = |separator: &[u8]| {
        let size = records.iter().map(|r| r.len() + separator.len()).sum();
        let mut out = Vec::with_capacity(size);
        for record in records {
            out.extend_from_slice(record);
            out.extend_from_slice(separator);
        }
        out
    };
    Ok(match format {
        LandingFormat::Concatenated => joined(b""),
        LandingFormat::NewlineDelimited => joined(b"\n"),
        LandingFormat::Gzip => gzip(&joined(b"\n"))?,
    })
}

/// Gzip with a zeroed header timestamp so equal input gives equal bytes.
pub(crate) fn gzip(data: &[u8]) -> Result<Vec<u8>, BoxError> {
    let mut encoder = GzBuilder::new()
        .mtime(0)
        .write(Vec::with_capacity(data.len() / 4), GzLevel::default());
    encoder.write_all(data)?;
    Ok(encoder.finish()?)
}

/// NDJSON compressed with zstd, the staging format for orders.
pub(crate) fn ndjson_zstd(stream: Stream, rows: &[Row]) -> Result<Vec<u8>, BoxError> {
    let mut plain = Vec::new();
    for row in rows {
        serde_json::to_writer(&mut plain, &stream.json(row))?;
        plain.push(b'\n');
    }
    Ok(zstd::stream::encode_all(plain.as_slice(), 3)?)
}

/// Parquet with fixed writer settings, so equal batches give equal bytes.
pub(crate) fn parquet_bytes(batch: &RecordBatch) -> Result<Vec<u8>, BoxError> {
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build();
    let mut writer = ArrowWriter::try_new(Vec::new(), batch.schema(), Some(properties))?;
    writer.write(batch)?;
    Ok(writer.into_inner()?)
}

/// CSV with a header row, gzip-compressed.
pub(crate) fn csv_gzip(batch: &RecordBatch) -> Result<Vec<u8>, BoxError> {
    let mut plain = Vec::new();
    {
        let mut writer = CsvWriterBuilder::new().with_header(true).build(&mut plain);
        writer.write(batch)?;
    }
    gzip(&plain)
}

/// Arrow IPC file format (the "Feather v2" layout).
pub(crate) fn arrow_ipc(batch: &RecordBatch) -> Result<Vec<u8>, BoxError> {
    let mut writer = IpcFileWriter::try_new(Vec::new(), &batch.schema())?;
    writer.write(batch)?;
    Ok(writer.into_inner()?)
}

/// Wraps an encoder failure with the object it was meant for.
pub(crate) fn encode_error(format: &'static str, path: &Path) -> impl FnOnce(BoxError) -> SimError {
    let path = path.to_path_buf();
    move |source| SimError::Encode {
        format,
        path,
        source,
    }
}

/// Writes `bytes` to `path` via a hidden temp file in the same folder, then renames.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SimError> {
    let folder = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(folder).map_err(|source| SimError::CreateDir {
        path: folder.to_path_buf(),
        source,
    })?;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let temp = folder.join(format!(".tmp-{name}"));
    let write_error = |source| SimError::Write {
        path: path.to_path_buf(),
        source,
    };
    fs::write(&temp, bytes).map_err(write_error)?;
    fs::rename(&temp, path).map_err(|source| {
        // Leave no orphaned temp behind; the rename error is what matters.
        let _ = fs::remove_file(&temp);
        write_error(source)
    })
}
