//! The app's own state file. Tab SQL is often the user's only copy, so the file is never put at
//! risk: every save writes a temporary file, fsyncs it and renames it over `state.ron`, keeping
//! the previous good file as `state.ron.bak`. A file that does not parse is moved aside (never
//! overwritten), the backup is used instead, and the window says so once.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::state::AppState;
use crate::model::atomic_file::write_atomically;

/// The file name of the state, in the app's data folder.
pub const STATE_FILE_NAME: &str = "state.ron";

/// Where the state lives, and the last text saved (to skip saves that change nothing).
#[derive(Debug)]
pub struct StateFile {
    path: PathBuf,
    last_saved: Option<String>,
    /// Numbers the saves, so a slow older write never replaces a newer one.
    generation: u64,
    writer: StateWriter,
}

/// Writes the state file; can run off the UI thread (the write ends with an fsync). Shared by
/// every save of one file, so the newest save wins whatever order the writes finish in.
#[derive(Clone, Debug)]
pub struct StateWriter {
    path: PathBuf,
    /// The newest save written.
    written: Arc<Mutex<u64>>,
}

/// One save to write: its text and its number.
#[derive(Debug)]
pub struct PendingSave {
    /// The writer of the state file.
    pub writer: StateWriter,
    /// The save's number.
    pub generation: u64,
    /// The state as RON.
    pub text: String,
}

/// What loading found.
#[derive(Debug)]
pub struct Loaded {
    /// The state (defaults when there was none).
    pub state: AppState,
    /// Whether a state file was found (or its backup), as opposed to a first start.
    pub found: bool,
    /// What the window should say once: a file moved aside, a backup used.
    pub notice: Option<String>,
}

/// Why the state could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    /// Writing or renaming failed (a full disk, a read-only folder).
    #[error("could not save the app state to {path}: {source}")]
    Write {
        /// The state file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The state could not be turned into text.
    #[error("could not encode the app state: {0}")]
    Encode(#[from] ron::Error),
    /// The background save stopped without a result.
    #[error("the app state was not saved: {0}")]
    Lost(#[from] crate::jobs::JobLost),
}

impl StateFile {
    /// The state file in the user's data folder (`~/.local/share/lakesight/state.ron` on Linux).
    pub fn in_data_dir() -> Option<Self> {
        dirs::data_dir().map(|dir| Self::at(dir.join("lakesight").join(STATE_FILE_NAME)))
    }

    /// The state file at `path`.
    pub fn at(path: PathBuf) -> Self {
        Self {
            writer: StateWriter {
                path: path.clone(),
                written: Arc::new(Mutex::new(0)),
            },
            path,
            last_saved: None,
            generation: 0,
        }
    }

    /// The state file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn backup_path(&self) -> PathBuf {
        backup_path(&self.path)
    }

    /// Reads the state. A file that does not parse is moved aside to `state.ron.corrupt-<time>`
    /// and the backup is used; nothing is ever deleted.
    pub fn load(&mut self) -> Loaded {
        let mut notice = None;
        match read(&self.path) {
            Read::Parsed(state, text) => {
                self.last_saved = Some(text);
                return Loaded {
                    state: *state,
                    found: true,
                    notice: None,
                };
            }
            Read::Missing => {}
            Read::Unreadable(reason) => {
                let aside = self.move_aside();
                notice = Some(format!(
                    "The saved app state could not be read ({reason}); it was moved to {}",
                    aside.display()
                ));
            }
        }
        match read(&self.backup_path()) {
            Read::Parsed(state, _) => Loaded {
                state: *state,
                found: true,
                notice: Some(match notice {
                    Some(notice) => format!("{notice}. Restored the previous save."),
                    None => "Restored the app state from its backup.".to_owned(),
                }),
            },
            Read::Missing | Read::Unreadable(_) => Loaded {
                state: AppState::default(),
                found: false,
                notice: notice.map(|n| format!("{n}. Starting with a fresh state.")),
            },
        }
    }

    /// Saves `state` atomically, keeping the previous file as the backup. Does nothing when
    /// nothing changed since the last save.
    pub fn save(&mut self, state: &AppState) -> Result<(), StateFileError> {
        let Some(save) = self.prepare(state)? else {
            return Ok(());
        };
        save.writer
            .write(save.generation, &save.text)
            .inspect_err(|_| self.forget_saved())
    }

    /// The save to write for `state` (`None`: nothing changed since the last one). It counts as
    /// saved from here on; call [`StateFile::forget_saved`] if writing it fails.
    pub fn prepare(&mut self, state: &AppState) -> Result<Option<PendingSave>, StateFileError> {
        let text = ron::ser::to_string_pretty(state, ron::ser::PrettyConfig::default())?;
        if self.last_saved.as_deref() == Some(text.as_str()) {
            return Ok(None);
        }
        self.generation += 1;
        self.last_saved = Some(text.clone());
        Ok(Some(PendingSave {
            writer: self.writer.clone(),
            generation: self.generation,
            text,
        }))
    }

    /// Forgets the last save (it failed), so the next one writes again.
    pub fn forget_saved(&mut self) {
        self.last_saved = None;
    }

    fn move_aside(&self) -> PathBuf {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let mut aside = with_suffix(&self.path, &format!(".corrupt-{stamp}"));
        let mut n = 1;
        while aside.exists() {
            aside = with_suffix(&self.path, &format!(".corrupt-{stamp}-{n}"));
            n += 1;
        }
        if let Err(err) = std::fs::rename(&self.path, &aside) {
            tracing::warn!("could not move the unreadable state file aside: {err}");
        }
        aside
    }
}

impl StateWriter {
    /// Writes `text`, save number `generation`, atomically, the previous good file becoming the
    /// backup; a save older than one already written is skipped.
    pub fn write(&self, generation: u64, text: &str) -> Result<(), StateFileError> {
        let mut written = self.written.lock().unwrap_or_else(PoisonError::into_inner);
        if *written > generation {
            return Ok(());
        }
        let write_error = |source| StateFileError::Write {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(write_error)?;
        }
        // The current file parsed (it was loaded or written by us): it becomes the backup. A
        // crash between the two renames leaves the backup, which `load` falls back to.
        if matches!(read(&self.path), Read::Parsed(..)) {
            std::fs::rename(&self.path, backup_path(&self.path)).map_err(write_error)?;
        }
        write_atomically(&self.path, text.as_bytes()).map_err(write_error)?;
        *written = generation;
        Ok(())
    }
}

fn backup_path(path: &Path) -> PathBuf {
    with_suffix(path, ".bak")
}

enum Read {
    Parsed(Box<AppState>, String),
    Missing,
    Unreadable(String),
}

fn read(path: &Path) -> Read {
    match std::fs::read_to_string(path) {
        Ok(text) => match ron::from_str::<AppState>(&text) {
            Ok(state) => Read::Parsed(Box::new(state), text),
            Err(err) => Read::Unreadable(err.to_string()),
        },
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Read::Missing,
        Err(err) => Read::Unreadable(err.to_string()),
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;
    use crate::model::SourceSpec;

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn edited() -> AppState {
        let mut state = AppState::default();
        state.new_tab();
        state.tabs[1].sql = "SELECT 42 -- my only copy".to_owned();
        state.remember_query("SELECT 1");
        state.remember_source(&SourceSpec::local("/data/lake"));
        state.dark_mode = Some(false);
        state.zoom = 1.3;
        state
    }

    #[test]
    fn state_survives_a_restart_as_ron_and_the_previous_save_is_the_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE_NAME);
        let mut file = StateFile::at(path.clone());
        assert!(!file.load().found, "a first start");
        let first = AppState::default();
        file.save(&first).unwrap();
        let state = edited();
        file.save(&state).unwrap();
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains("SELECT 42")
        );
        assert!(ron::from_str::<AppState>(&std::fs::read_to_string(&path).unwrap()).is_ok());
        assert_eq!(files(dir.path()), ["state.ron", "state.ron.bak"]);

        let loaded = StateFile::at(path).load();
        assert!(loaded.found);
        assert_eq!(loaded.notice, None);
        let restored = loaded.state;
        assert_eq!(restored.tabs, state.tabs);
        assert_eq!(restored.active, state.active);
        assert_eq!(restored.history, ["SELECT 1"]);
        assert_eq!(restored.source, state.source);
        assert_eq!(restored.dark_mode, Some(false));
        assert_eq!(restored.zoom, 1.3);
    }

    #[test]
    fn a_torn_write_falls_back_to_the_backup_and_keeps_the_torn_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE_NAME);
        let mut file = StateFile::at(path.clone());
        file.save(&edited()).unwrap();
        let mut newer = edited();
        newer.tabs[0].sql = "SELECT 'newer'".to_owned();
        file.save(&newer).unwrap();
        // A writer that died halfway (the old eframe storage rewrote in place): half a file.
        let whole = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, &whole[..whole.len() / 2]).unwrap();

        let loaded = StateFile::at(path.clone()).load();
        assert!(loaded.found);
        assert_eq!(loaded.state.tabs[1].sql, "SELECT 42 -- my only copy");
        let notice = loaded.notice.expect("the window says so");
        assert!(notice.contains("moved to"), "{notice}");
        assert!(notice.contains("Restored the previous save"), "{notice}");
        let names = files(dir.path());
        let aside = names
            .iter()
            .find(|n| n.starts_with("state.ron.corrupt-"))
            .expect("the torn file is kept aside");
        assert_eq!(
            std::fs::read_to_string(dir.path().join(aside)).unwrap(),
            whole[..whole.len() / 2],
            "moved, not rewritten"
        );
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_not_overwritten_by_the_next_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE_NAME);
        std::fs::write(&path, "this is not RON {{{").unwrap();
        let mut file = StateFile::at(path.clone());
        let loaded = file.load();
        assert!(!loaded.found, "no backup: a fresh state");
        assert!(
            loaded
                .notice
                .expect("said once")
                .contains("Starting with a fresh state")
        );
        file.save(&AppState::default()).unwrap();
        let names = files(dir.path());
        let aside = names
            .iter()
            .find(|n| n.starts_with("state.ron.corrupt-"))
            .expect("kept aside");
        assert_eq!(
            std::fs::read_to_string(dir.path().join(aside)).unwrap(),
            "this is not RON {{{"
        );
        assert!(StateFile::at(path).load().notice.is_none(), "said once");
    }

    #[test]
    fn an_older_save_finishing_last_never_replaces_a_newer_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE_NAME);
        let mut file = StateFile::at(path.clone());
        let older = file.prepare(&AppState::default()).unwrap().unwrap();
        let newer = file.prepare(&edited()).unwrap().unwrap();
        newer.writer.write(newer.generation, &newer.text).unwrap();
        older.writer.write(older.generation, &older.text).unwrap();
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains("SELECT 42")
        );
    }

    #[test]
    fn a_save_that_changes_nothing_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE_NAME);
        let mut file = StateFile::at(path.clone());
        file.save(&edited()).unwrap();
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        file.save(&edited()).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            modified
        );
        assert_eq!(
            files(dir.path()),
            ["state.ron"],
            "no backup of an unchanged file"
        );
    }
}
