//! The alert history: every transition as one line of JSON (a [`Notice`]) appended to
//! `alerts.jsonl` in the user's data folder. Each record is on disk (`fdatasync`) before `append`
//! returns, so the caller notifies only about what the history already holds. A crash can leave a
//! torn last line; reading skips any line that does not parse, and the next append starts on a
//! fresh line, so one bad record never costs the rest.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::Notice;

/// The file name of the history, in the app's data folder.
pub const HISTORY_FILE_NAME: &str = "alerts.jsonl";

/// The alert history file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    path: PathBuf,
}

/// Why the history could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// Creating, locking, writing or syncing the file failed (a full disk, a read-only folder).
    #[error("could not append to the alert history: {source}: {path}")]
    Append {
        /// The history file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// Reading the file failed (other than its not existing yet).
    #[error("could not read the alert history: {source}: {path}")]
    Read {
        /// The history file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

impl History {
    /// The history in the user's data folder (`~/.local/share/lakesight/alerts.jsonl` on Linux).
    pub fn in_data_dir() -> Option<Self> {
        dirs::data_dir().map(|dir| Self::at(dir.join("lakesight").join(HISTORY_FILE_NAME)))
    }

    /// The history at `path`.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The history file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `notice` as one line and syncs it to disk before returning. Appends from several
    /// threads or processes never interleave (the file is locked for the write).
    pub fn append(&self, notice: &Notice) -> Result<(), HistoryError> {
        self.try_append(notice)
            .map_err(|source| HistoryError::Append {
                path: self.path.clone(),
                source,
            })
    }

    fn try_append(&self, notice: &Notice) -> io::Result<()> {
        let created = !self.path.exists();
        if let Some(dir) = self.path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            fs::create_dir_all(dir)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&self.path)?;
        // An exclusive lock, so the check for a torn line and the write are one step for every
        // writer (the app and `lakesight watch` may share the file); dropping the file unlocks it.
        file.lock()?;
        let mut record = Vec::new();
        if ends_torn(&mut file)? {
            record.push(b'\n');
        }
        record.extend_from_slice(notice.to_json_line().as_bytes());
        record.push(b'\n');
        file.write_all(&record)?;
        file.sync_data()?;
        if created {
            sync_folder(&self.path);
        }
        Ok(())
    }

    /// Every record, oldest first (none when the file does not exist yet); lines that do not
    /// parse are skipped.
    pub fn read(&self) -> Result<Vec<Notice>, HistoryError> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(HistoryError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        Ok(bytes
            .split(|byte| *byte == b'\n')
            .filter_map(|line| serde_json::from_slice(line).ok())
            .collect())
    }

    /// The last `n` records, oldest first.
    pub fn read_last(&self, n: usize) -> Result<Vec<Notice>, HistoryError> {
        let mut notices = self.read()?;
        let skip = notices.len().saturating_sub(n);
        notices.drain(..skip);
        Ok(notices)
    }
}

/// Whether the file has a last line without its newline (a write torn by a crash).
fn ends_torn(file: &mut File) -> io::Result<bool> {
    if file.metadata()?.len() == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0_u8];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

/// Syncs the folder holding a new file, so the file's name survives a crash too.
fn sync_folder(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty())
        && let Err(error) = File::open(dir).and_then(|dir| dir.sync_all())
    {
        tracing::debug!("could not sync the alert history's folder: {error}");
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::alert::AlertState;

    fn notice(alert: &str, state: AlertState) -> Notice {
        Notice {
            alert: alert.to_owned(),
            state,
            ..Notice::example()
        }
    }

    #[test]
    fn appended_notices_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::at(dir.path().join("new").join(HISTORY_FILE_NAME));
        assert_eq!(history.read().unwrap(), Vec::new(), "no file yet: empty");

        let first = notice("error-rate", AlertState::Firing);
        let second = Notice {
            sql: None,
            value: None,
            error: Some("table app_logs not found".to_owned()),
            ..notice("fraud", AlertState::Error)
        };
        history.append(&first).unwrap();
        history.append(&second).unwrap();

        assert_eq!(history.read().unwrap(), vec![first.clone(), second.clone()]);
        assert_eq!(history.read_last(1).unwrap(), vec![second.clone()]);
        assert_eq!(history.read_last(5).unwrap(), vec![first, second]);
        let text = fs::read_to_string(history.path()).unwrap();
        assert_eq!(text.lines().count(), 2, "one line per record: {text}");
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_the_next_append_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::at(dir.path().join(HISTORY_FILE_NAME));
        let before = notice("error-rate", AlertState::Firing);
        history.append(&before).unwrap();
        // A crash in the middle of the next record, and some garbage from elsewhere.
        let torn = &notice("fraud", AlertState::Firing).to_json_line()[..40];
        let mut file = OpenOptions::new()
            .append(true)
            .open(history.path())
            .unwrap();
        write!(file, "not json at all\n{torn}").unwrap();
        drop(file);
        assert_eq!(history.read().unwrap(), vec![before.clone()]);

        let after = notice("latency", AlertState::Normal);
        history.append(&after).unwrap();

        assert_eq!(history.read().unwrap(), vec![before, after]);
    }

    #[test]
    fn concurrent_appends_give_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::at(dir.path().join(HISTORY_FILE_NAME));
        // Long records, so a write that is not one step would show as a mixed line.
        let long_sql = "SELECT 1 -- ".to_owned() + &"x".repeat(20_000);
        let per_thread = 50;
        std::thread::scope(|scope| {
            for writer in ["a", "b"] {
                let (history, long_sql) = (&history, &long_sql);
                scope.spawn(move || {
                    for i in 0..per_thread {
                        let record = Notice {
                            sql: Some(long_sql.clone()),
                            ..notice(&format!("{writer}-{i}"), AlertState::Firing)
                        };
                        history.append(&record).unwrap();
                    }
                });
            }
        });

        let text = fs::read_to_string(history.path()).unwrap();
        assert_eq!(text.lines().count(), 2 * per_thread);
        let read = history.read().unwrap();
        assert_eq!(read.len(), 2 * per_thread, "every line parses");
        for writer in ["a", "b"] {
            let order: Vec<&str> = read
                .iter()
                .filter_map(|n| n.alert.strip_prefix(&format!("{writer}-")))
                .collect();
            let expected: Vec<String> = (0..per_thread).map(|i| i.to_string()).collect();
            assert_eq!(order, expected, "writer {writer}'s records, in its order");
        }
    }
}
