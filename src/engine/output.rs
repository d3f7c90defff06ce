//! Writing a query result in each format: streamed batch by batch, to stdout or to a file that
//! appears only when complete (written under a temporary name, then renamed). The CLI's `query`
//! and the app's export share it.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::csv::Writer as CsvWriter;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::ipc::writer::FileWriter as IpcWriter;
use datafusion::arrow::json::{ArrayWriter, LineDelimitedWriter};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::parquet::arrow::ArrowWriter;

pub use crate::model::ResultFormat;

/// Where result bytes go.
pub enum Sink {
    /// Standard output.
    Stdout(std::io::Stdout),
    /// A temporary file beside the target, renamed into place by [`ResultWriter::finish`].
    File {
        temp: tempfile::NamedTempFile,
        target: PathBuf,
    },
}

impl Sink {
    /// Standard output, or a temp file beside `output`.
    pub fn open(output: Option<&Path>) -> Result<Self> {
        let Some(target) = output else {
            return Ok(Self::Stdout(std::io::stdout()));
        };
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(".lakesight-")
            .tempfile_in(dir)
            .with_context(|| format!("cannot write the result to {}", target.display()))?;
        Ok(Self::File {
            temp,
            target: target.to_path_buf(),
        })
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::Stdout(out) => out.write(buf),
            Self::File { temp, .. } => temp.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Stdout(out) => out.flush(),
            Self::File { temp, .. } => temp.flush(),
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
    pub fn new(format: ResultFormat, schema: &SchemaRef, sink: Sink) -> Result<Self> {
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
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
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
    pub fn finish(self) -> Result<()> {
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
            Sink::File { temp, target } => {
                temp.persist(&target)
                    .with_context(|| format!("cannot write the result to {}", target.display()))?;
            }
        }
        Ok(())
    }
}
