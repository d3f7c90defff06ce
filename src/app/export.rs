//! Exporting a result to a file in the background, with progress and cancel; the file appears
//! only when complete (written under a temporary name, then renamed). A whole result in memory is
//! written in the order shown; a result cut at its budget is run again and streamed from the
//! engine straight to the file, so the export holds the whole result, not just what is shown.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::engine::Engine;
use crate::engine::output::{ResultFormat, ResultWriter, Sink};
use crate::results::ResultSet;

/// Rows converted per step (progress and cancel are checked between steps).
const CHUNK_ROWS: usize = 16 * 1024;

/// An export's progress, shared between the writing thread and the UI.
#[derive(Clone, Default)]
pub struct ExportProgress {
    /// Rows written so far.
    pub rows: Arc<AtomicUsize>,
    /// Set to stop; the partial file is removed.
    pub cancel: Arc<AtomicBool>,
}

/// What a finished export reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    /// The file written.
    pub path: PathBuf,
    /// Rows written.
    pub rows: usize,
    /// The file's size.
    pub bytes: u64,
}

/// The SQL that gives `sql`'s rows in the order shown: sorted by `column` when a sort is shown.
pub fn sql_in_shown_order(sql: &str, result: &ResultSet) -> String {
    let sql = sql.trim().trim_end_matches(';');
    match result.sort() {
        Some((column, descending)) => {
            let name = crate::sql::quote_ident(result.schema.field(column).name());
            let order = if descending { "DESC" } else { "ASC" };
            format!("SELECT * FROM (\n{sql}\n) AS shown ORDER BY {name} {order} NULLS LAST")
        }
        None => sql.to_owned(),
    }
}

/// Writes a result held in memory. Blocking: run it off the UI thread.
pub fn write_shown(
    result: &ResultSet,
    format: ResultFormat,
    path: &Path,
    progress: &ExportProgress,
) -> Result<Exported, String> {
    let mut writer = open_writer(format, &result.schema, path)?;
    for batch in result.display_batches(CHUNK_ROWS) {
        let batch = batch.map_err(|e| e.to_string())?;
        write_batch(&mut writer, &batch, path, progress)?;
    }
    finish(writer, path, progress)
}

/// Runs `sql` and streams every row into the file, batch by batch: memory stays flat however
/// large the result.
pub async fn stream_query(
    engine: &Engine,
    sql: &str,
    format: ResultFormat,
    path: &Path,
    progress: &ExportProgress,
) -> Result<Exported, String> {
    let mut stream = engine.query(sql).await.map_err(|e| e.to_string())?;
    let mut writer = open_writer(format, &stream.schema(), path)?;
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(|e| e.to_string())?;
        write_batch(&mut writer, &batch, path, progress)?;
    }
    finish(writer, path, progress)
}

/// A writer of `format` into a temporary file beside `path`.
fn open_writer(
    format: ResultFormat,
    schema: &datafusion::arrow::datatypes::SchemaRef,
    path: &Path,
) -> Result<ResultWriter, String> {
    let sink = Sink::open(Some(path)).map_err(|e| format!("{e:#}"))?;
    ResultWriter::new(format, schema, sink).map_err(|e| e.to_string())
}

/// Writes one batch, unless the export was cancelled (then dropping the writer drops the
/// temporary file: nothing appears at `path`).
fn write_batch(
    writer: &mut ResultWriter,
    batch: &datafusion::arrow::array::RecordBatch,
    path: &Path,
    progress: &ExportProgress,
) -> Result<(), String> {
    if progress.cancel.load(Ordering::Relaxed) {
        return Err("export cancelled".to_owned());
    }
    writer
        .write(batch)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    progress.rows.fetch_add(batch.num_rows(), Ordering::Relaxed);
    Ok(())
}

fn finish(
    writer: ResultWriter,
    path: &Path,
    progress: &ExportProgress,
) -> Result<Exported, String> {
    writer.finish().map_err(|e| format!("{e:#}"))?;
    let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
    Ok(Exported {
        path: path.to_path_buf(),
        rows: progress.rows.load(Ordering::Relaxed),
        bytes,
    })
}
