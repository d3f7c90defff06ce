//! Reading one file's schema, per format. Parquet and Arrow use DataFusion's own inference (so
//! types match what DataFusion would pick, string views included); JSON and CSV read a bounded
//! prefix of records after undoing any compression.

use std::io::Read;
use std::sync::Arc;

use datafusion::arrow::datatypes::Schema;
use datafusion::arrow::error::ArrowError;
use datafusion::datasource::file_format::FileFormat as _;
use datafusion::datasource::file_format::arrow::ArrowFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::error::DataFusionError;
use datafusion::execution::SessionState;
use object_store::{GetOptions, GetRange, ObjectMeta, ObjectStore};

use super::files::{Compression, DataFormat, FileKind, decompress_reader, sniff_compression};

/// Why one file's schema could not be read. The text is shown as a table warning after the file's
/// name ("could not read the schema of FILE: ...").
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// DataFusion could not infer a Parquet or Arrow file's schema.
    #[error("{0}")]
    DataFusion(#[from] DataFusionError),
    /// The store could not read the file.
    #[error("{0}")]
    Store(#[from] object_store::Error),
    /// The file's compressed data is damaged.
    #[error("corrupt {compression} data: {source}")]
    Corrupt {
        /// The compression the file starts with.
        compression: Compression,
        /// The decoder's complaint.
        source: std::io::Error,
    },
    /// Neither an Arrow IPC file nor an Arrow IPC stream.
    #[error("not an Arrow IPC file ({file}) or stream ({stream})")]
    NotArrow {
        /// Why it is not the file format.
        file: ArrowError,
        /// Why it is not the stream format.
        stream: ArrowError,
    },
    /// A JSON value that is not an object where a record should be.
    #[error("expected a JSON object per record, found {0}")]
    NotAnObject(&'static str),
    /// Text that is not JSON.
    #[error("invalid JSON: {0}")]
    InvalidJson(serde_json::Error),
    /// A JSON file without a single record.
    #[error("no JSON records")]
    NoJsonRecords,
    /// CSV text in another encoding than UTF-8.
    #[error("the CSV text is not valid UTF-8 ({0})")]
    NotUtf8(std::str::Utf8Error),
    /// A CSV file without a header row.
    #[error("no CSV header")]
    NoCsvHeader,
    /// Arrow could not infer a schema from the JSON or CSV records.
    #[error("{0}")]
    Infer(#[from] ArrowError),
    /// The background task reading the file stopped.
    #[error("the schema reader stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Records read per JSON or CSV file when inferring its schema.
pub const RECORDS_PER_FILE: usize = 1000;
/// Bytes of decompressed text read per JSON or CSV file when inferring its schema.
const TEXT_BYTES_PER_FILE: usize = 4 * 1024 * 1024;

/// Reads the schema of one file of the given kind.
pub async fn file_schema(
    state: &SessionState,
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
    kind: FileKind,
) -> Result<Schema, SchemaError> {
    match kind.format {
        DataFormat::Parquet => {
            let schema = ParquetFormat::default()
                .infer_schema(state, store, std::slice::from_ref(meta))
                .await?;
            Ok(schema.as_ref().clone())
        }
        // DataFusion's Arrow inference fails on IPC files served as a stream (S3), so read the
        // file (or stream) format ourselves when the object is of a reasonable size.
        DataFormat::Arrow if meta.size <= ARROW_READ_WHOLE_BYTES => {
            arrow_schema(&fetch(store, meta, None).await?)
        }
        DataFormat::Arrow => {
            let schema = ArrowFormat
                .infer_schema(state, store, std::slice::from_ref(meta))
                .await?;
            Ok(schema.as_ref().clone())
        }
        DataFormat::Json => {
            let (text, truncated) = read_text_prefix(store, meta).await?;
            json_schema(&text, truncated)
        }
        DataFormat::Csv => {
            let (text, truncated) = read_text_prefix(store, meta).await?;
            csv_schema(&text, truncated)
        }
    }
}

/// The first [`TEXT_BYTES_PER_FILE`] of decompressed text, and whether the file goes on past it.
async fn read_text_prefix(
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
) -> Result<(Vec<u8>, bool), SchemaError> {
    let head = fetch(store, meta, Some(GetRange::Bounded(0..meta.size.min(8)))).await?;
    let compression = sniff_compression(&head);
    // Uncompressed text can be read as a range; a compressed stream must be read from its start.
    let range = (compression == Compression::None)
        .then(|| GetRange::Bounded(0..meta.size.min(TEXT_BYTES_PER_FILE as u64)));
    let bytes = fetch(store, meta, range).await?;
    let file_goes_on = compression == Compression::None && meta.size > TEXT_BYTES_PER_FILE as u64;
    tokio::task::spawn_blocking(move || {
        let mut text = Vec::new();
        decompress_reader(compression, bytes.as_ref())
            .take(TEXT_BYTES_PER_FILE as u64 + 1)
            .read_to_end(&mut text)
            .map_err(|source| SchemaError::Corrupt {
                compression,
                source,
            })?;
        let truncated = file_goes_on || text.len() > TEXT_BYTES_PER_FILE;
        text.truncate(TEXT_BYTES_PER_FILE);
        Ok((text, truncated))
    })
    .await?
}

/// An object's bytes, or the given range of them.
async fn fetch(
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
    range: Option<GetRange>,
) -> Result<bytes::Bytes, SchemaError> {
    let options = GetOptions {
        range,
        ..Default::default()
    };
    let result = store.get_opts(&meta.location, options).await?;
    Ok(result.bytes().await?)
}

/// Arrow IPC objects up to this size are read whole to find their schema.
const ARROW_READ_WHOLE_BYTES: u64 = 256 * 1024 * 1024;

/// The schema of Arrow IPC bytes in the file format, or else the stream format.
fn arrow_schema(bytes: &[u8]) -> Result<Schema, SchemaError> {
    use datafusion::arrow::ipc::reader::{FileReader, StreamReader};
    match FileReader::try_new(std::io::Cursor::new(bytes), None) {
        Ok(reader) => Ok(reader.schema().as_ref().clone()),
        Err(file_error) => match StreamReader::try_new(bytes, None) {
            Ok(reader) => Ok(reader.schema().as_ref().clone()),
            Err(stream_error) => Err(SchemaError::NotArrow {
                file: file_error,
                stream: stream_error,
            }),
        },
    }
}

/// Infers a schema from JSON records, newline-delimited or concatenated.
pub fn json_schema(text: &[u8], truncated: bool) -> Result<Schema, SchemaError> {
    let mut values = Vec::new();
    for item in serde_json::Deserializer::from_slice(text)
        .into_iter::<serde_json::Value>()
        .take(RECORDS_PER_FILE)
    {
        match item {
            Ok(record @ serde_json::Value::Object(_)) => values.push(record),
            Ok(other) => return Err(SchemaError::NotAnObject(json_kind(&other))),
            Err(err) if truncated && err.is_eof() => break,
            Err(err) => return Err(SchemaError::InvalidJson(err)),
        }
    }
    if values.is_empty() {
        return Err(SchemaError::NoJsonRecords);
    }
    Ok(
        datafusion::arrow::json::reader::infer_json_schema_from_iterator(
            values.into_iter().map(Ok),
        )?,
    )
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Infers a schema from CSV text with a header row.
pub fn csv_schema(text: &[u8], truncated: bool) -> Result<Schema, SchemaError> {
    // A cut-off last line would mislead inference.
    let text = if truncated {
        &text[..text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)]
    } else {
        text
    };
    std::str::from_utf8(text).map_err(SchemaError::NotUtf8)?;
    let (schema, _) = datafusion::arrow::csv::reader::Format::default()
        .with_header(true)
        .infer_schema(text, Some(RECORDS_PER_FILE))?;
    if schema.fields().is_empty() {
        return Err(SchemaError::NoCsvHeader);
    }
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::DataType;

    #[test]
    fn json_concatenated_without_newlines() {
        let schema = json_schema(br#"{"a":1,"b":"x"}{"a":2.5,"c":true}"#, false).expect("schema");
        let a = schema.field_with_name("a").expect("a");
        assert_eq!(a.data_type(), &DataType::Float64);
        assert!(schema.field_with_name("c").is_ok());
    }

    #[test]
    fn invalid_json_and_non_utf8_csv_are_reported() {
        let err = json_schema(b"{\"a\":1}\n{\"a\": nope}\n", false).expect_err("invalid");
        assert!(matches!(err, SchemaError::InvalidJson(_)), "{err:?}");
        assert!(err.to_string().starts_with("invalid JSON: "), "{err}");
        let err = csv_schema(b"name,city\nJos\xe9,Z\xfcrich\n", false).expect_err("latin-1");
        assert!(matches!(err, SchemaError::NotUtf8(_)), "{err:?}");
        assert!(err.to_string().contains("not valid UTF-8"), "{err}");
        let err = json_schema(b"[1, 2]", false).expect_err("not records");
        assert_eq!(
            err.to_string(),
            "expected a JSON object per record, found an array"
        );
    }
}
