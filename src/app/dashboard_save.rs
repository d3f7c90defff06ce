//! Saving an open dashboard's file off the UI thread: the text is written atomically (temporary
//! file, fsync, rename) and, when the file is trusted, its new bytes are recorded as trusted (the
//! user's own save keeps the trust it had), all on a blocking job. The window keeps drawing; the
//! dashboard takes the save in when the job is done.

use std::path::PathBuf;

use chrono::Utc;

use super::file_watch::{DiskStamp, stamp};
use crate::model::atomic_file::write_atomically;
use crate::model::dashboard::Dashboard;
use crate::trust::TrustStore;

/// A finished save: what was written where, and what the file is now on disk.
pub struct Saved {
    /// The file written.
    pub path: PathBuf,
    /// The text written.
    pub text: String,
    /// The dashboard that text describes.
    pub dashboard: Dashboard,
    /// The file's stamp after the write (so the window's own save is not a change on disk).
    pub disk: Option<DiskStamp>,
    /// Said above the grid: the file was saved but its trust could not be recorded.
    pub trust_problem: Option<String>,
}

/// Writes `text` (describing `dashboard`) to `path` atomically and, if the file is `trusted`,
/// records its new bytes in `store`. Blocking: run it on a job.
pub fn write(
    path: PathBuf,
    text: String,
    dashboard: Dashboard,
    trusted: bool,
    store: Option<TrustStore>,
) -> Result<Saved, String> {
    write_atomically(&path, text.as_bytes())
        .map_err(|err| format!("could not write {}: {err}", path.display()))?;
    let disk = stamp(&path);
    let trust_problem = match (trusted, store) {
        (true, Some(store)) => store
            .trust(&path, text.as_bytes(), Utc::now())
            .err()
            .map(|err| format!("saved, but the file will not be trusted when reopened: {err}")),
        _ => None,
    };
    Ok(Saved {
        path,
        text,
        dashboard,
        disk,
        trust_problem,
    })
}
