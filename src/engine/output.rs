//! Writing a query result in each format: streamed batch by batch, to stdout or to a file that
//! appears only when complete (an [`AtomicFile`]: written under a temporary name, flushed, then
//! renamed, with the permissions the user's umask gives any new file). The CLI's `query` and the
//! app's export share it.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::csv::Writer as CsvWriter;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::ipc::writer::FileWriter as IpcWriter;
use datafusion::arrow::json::{ArrayWriter, LineDelimitedWriter};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::errors::ParquetError;

pub use crate::model::ResultFormat;
use crate::model::atomic_file::AtomicFile;

/// Why a result could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output file could not be started (its folder is missing or not writable).
    #[error("cannot create the result file: {source} (file: {})", path.display())]
    Create {
        /// The file asked for.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The complete file could not be put in place.
    #[error("cannot write the result file: {source} (file: {})", path.display())]
    Commit {
        /// The file asked for.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// Writing to stdout or the temporary file failed (a full disk, a closed pipe).
    #[error("cannot write the result: {0}")]
    Io(#[from] std::io::Error),
    /// Encoding a batch as CSV, JSON, Arrow or text failed.
    #[error("cannot encode the result: {0}")]
    Arrow(#[from] ArrowError),
    /// Encoding a batch as Parquet failed.
    #[error("cannot encode the result as Parquet: {0}")]
    Parquet(#[from] ParquetError),
}

/// Where result bytes go.
pub enum Sink {
    /// Standard output.
    Stdout(std::io::Stdout),
    /// A temporary file beside the target, renamed into place by [`ResultWriter::finish`].
    File(AtomicFile),
}

impl Sink {
    /// Standard output, or a temp file beside `output`.
    pub fn open(output: Option<&Path>) -> Result<Self, OutputError> {
        let Some(target) = output else {
            return Ok(Self::Stdout(std::io::stdout()));
        };
        AtomicFile::create(target)
            .map(Self::File)
            .map_err(|source| OutputError::Create {
                path: target.to_path_buf(),
                source,
            })
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::Stdout(out) => out.write(buf),
            Self::File(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Stdout(out) => out.flush(),
            Self::File(file) => file.flush(),
        }
    }
}

/// A result being written in one format.
pub enum ResultWriter {
    /// Aligned text: batches are kept until the end to size the columns.
    Table {
        sink: BufWriter<Sink>,
        batches: Vec<RecordBatch>,
    },
    /// CSV.
    Csv(CsvWriter<BufWriter<Sink>>),
    /// JSON array.
    Json(ArrayWriter<BufWriter<Sink>>),
    /// Newline-delimited JSON.
    Ndjson(LineDelimitedWriter<BufWriter<Sink>>),
    /// Parquet.
    Parquet(ArrowWriter<BufWriter<Sink>>),
    /// Arrow IPC file.
    Arrow(IpcWriter<BufWriter<Sink>>),
}

impl ResultWriter {
    /// Starts writing a result with `schema` to `sink`.
    pub fn new(format: ResultFormat, schema: &SchemaRef, sink: Sink) -> Result<Self, OutputError> {
        let sink = BufWriter::with_capacity(1 << 20, sink);
        Ok(match format {
            ResultFormat::Table => Self::Table {
                sink,
                batches: Vec::new(),
            },
            ResultFormat::Csv => Self::Csv(CsvWriter::new(sink)),
            ResultFormat::Json => Self::Json(ArrayWriter::new(sink)),
            ResultFormat::Ndjson => Self::Ndjson(LineDelimitedWriter::new(sink)),
            ResultFormat::Parquet => {
                Self::Parquet(ArrowWriter::try_new(sink, schema.clone(), None)?)
            }
            ResultFormat::Arrow => Self::Arrow(IpcWriter::try_new(sink, schema)?),
        })
    }

    /// Writes one batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), OutputError> {
        match self {
            Self::Table { batches, .. } => batches.push(batch.clone()),
            Self::Csv(w) => w.write(batch)?,
            Self::Json(w) => w.write(batch)?,
            Self::Ndjson(w) => w.write(batch)?,
            Self::Parquet(w) => w.write(batch)?,
            Self::Arrow(w) => w.write(batch)?,
        }
        Ok(())
    }

    /// Completes the output; a file result appears at its path only now.
    pub fn finish(self) -> Result<(), OutputError> {
        let sink = match self {
            Self::Table { mut sink, batches } => {
                if batches.iter().all(|b| b.num_rows() == 0)
                    && batches.first().is_none_or(|b| b.num_columns() == 0)
                {
                    writeln!(sink, "(no rows)")?;
                } else {
                    writeln!(sink, "{}", pretty_format_batches(&batches)?)?;
                }
                sink
            }
            Self::Csv(w) => w.into_inner(),
            Self::Json(mut w) => {
                w.finish()?;
                let mut sink = w.into_inner();
                writeln!(sink)?;
                sink
            }
            Self::Ndjson(mut w) => {
                w.finish()?;
                w.into_inner()
            }
            Self::Parquet(w) => w.into_inner()?,
            Self::Arrow(mut w) => {
                w.finish()?;
                w.into_inner()?
            }
        };
        match sink
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?
        {
            Sink::Stdout(mut out) => out.flush()?,
            Sink::File(file) => {
                let path = file.target().to_path_buf();
                file.commit()
                    .map_err(|source| OutputError::Commit { path, source })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::Int64Array;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    fn batch() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]));
        RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from(vec![1, 2]))]).unwrap()
    }

    #[test]
    fn a_file_appears_whole_on_finish_and_not_at_all_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let batch = batch();
        let mut writer = ResultWriter::new(
            ResultFormat::Csv,
            &batch.schema(),
            Sink::open(Some(&target)).unwrap(),
        )
        .unwrap();
        writer.write(&batch).unwrap();
        assert!(!target.exists());
        writer.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "n\n1\n2\n");

        let dropped = dir.path().join("dropped.parquet");
        let mut writer = ResultWriter::new(
            ResultFormat::Parquet,
            &batch.schema(),
            Sink::open(Some(&dropped)).unwrap(),
        )
        .unwrap();
        writer.write(&batch).unwrap();
        drop(writer);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.csv"]);
    }

    #[test]
    fn a_missing_folder_is_a_typed_error_naming_the_file_last() {
        let target = Path::new("/definitely/not/here/out.csv");
        let Err(err) = Sink::open(Some(target)) else {
            panic!("opened a file in a missing folder");
        };
        assert!(matches!(err, OutputError::Create { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.starts_with("cannot create the result file: ")
                && text.ends_with("(file: /definitely/not/here/out.csv)"),
            "{text}"
        );
    }
}
