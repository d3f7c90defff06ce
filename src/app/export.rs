//! Exporting a result to a file in the background: rows in the order shown, written under a
//! temporary name and renamed when complete, with progress and cancel.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::engine::output::{ResultFormat, ResultWriter, Sink};

use super::results::ResultSet;

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

/// Writes `result` to `path` as `format`. Blocking: run it off the UI thread.
pub fn export(
    result: &ResultSet,
    format: ResultFormat,
    path: &Path,
    progress: &ExportProgress,
) -> Result<Exported, String> {
    let sink = Sink::open(Some(path)).map_err(|e| format!("{e:#}"))?;
    let mut writer = ResultWriter::new(format, &result.schema, sink).map_err(|e| e.to_string())?;
    for batch in result.display_batches(CHUNK_ROWS) {
        if progress.cancel.load(Ordering::Relaxed) {
            // Dropping the writer drops the temporary file: nothing appears at `path`.
            return Err("export cancelled".to_owned());
        }
        let batch = batch?;
        writer
            .write(&batch)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        progress.rows.fetch_add(batch.num_rows(), Ordering::Relaxed);
    }
    writer.finish().map_err(|e| format!("{e:#}"))?;
    let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
    Ok(Exported {
        path: path.to_path_buf(),
        rows: progress.rows.load(Ordering::Relaxed),
        bytes,
    })
}
