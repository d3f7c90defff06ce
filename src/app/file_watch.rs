//! Open dashboard files are checked for changes on disk by a small thread that wakes the UI only
//! when one changed. Waking the UI on a timer to check would draw a whole frame each time, and
//! frames are most of what an idle window costs (software GL under Xvfb draws one in about 0.1 s
//! of CPU).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use crate::jobs::Repaint;

/// What tells a file changed: its modification time and length.
pub type DiskStamp = (SystemTime, u64);

/// The stamp of the file at `path`, `None` while it cannot be read.
pub fn stamp(path: &Path) -> Option<DiskStamp> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.modified().ok()?, metadata.len()))
}

/// The checking thread; it ends when this is dropped.
pub struct FileWatch {
    paths: Arc<Mutex<Vec<PathBuf>>>,
    changed: Arc<AtomicBool>,
    /// Dropping it ends the thread's wait at once.
    _stop: mpsc::SyncSender<()>,
}

impl FileWatch {
    /// Starts checking every `every`; `wake` is called when a file changed (or a new one is
    /// watched), after [`FileWatch::take_changed`] has been set.
    pub fn start(every: Duration, wake: Repaint) -> std::io::Result<Self> {
        let paths: Arc<Mutex<Vec<PathBuf>>> = Arc::default();
        let changed = Arc::new(AtomicBool::new(false));
        let (stop, stopped) = mpsc::sync_channel::<()>(1);
        let (watched, flag) = (Arc::clone(&paths), Arc::clone(&changed));
        std::thread::Builder::new()
            .name("lakesight-file-watch".to_owned())
            .spawn(move || {
                let mut seen: HashMap<PathBuf, Option<DiskStamp>> = HashMap::new();
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                    let paths = watched
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .clone();
                    seen.retain(|path, _| paths.contains(path));
                    let mut any = false;
                    for path in paths {
                        let now = stamp(&path);
                        if seen.insert(path, now) != Some(now) {
                            any = true;
                        }
                    }
                    if any {
                        flag.store(true, Ordering::Release);
                        wake();
                    }
                }
            })?;
        Ok(Self {
            paths,
            changed,
            _stop: stop,
        })
    }

    /// The files to watch (those of the open dashboards).
    pub fn set_paths(&self, paths: Vec<PathBuf>) {
        let mut watched = self.paths.lock().unwrap_or_else(PoisonError::into_inner);
        if *watched != paths {
            *watched = paths;
        }
    }

    /// Whether a file changed (or started being watched) since the last call.
    pub fn take_changed(&self) -> bool {
        self.changed.swap(false, Ordering::AcqRel)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::time::Instant;

    use super::*;

    fn wait_for(flag: &FileWatch) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !flag.take_changed() {
            assert!(Instant::now() < deadline, "no change was noticed");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn a_changed_file_wakes_the_ui_and_an_unchanged_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("d.toml");
        std::fs::write(&file, "title = \"a\"\n").unwrap();
        let wakes = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&wakes);
        let watch = FileWatch::start(
            Duration::from_millis(10),
            Arc::new(move || {
                counter.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .unwrap();
        watch.set_paths(vec![file.clone()]);
        // A newly watched file counts once, so a change made before the first check is not lost.
        wait_for(&watch);
        let after_first = wakes.load(Ordering::SeqCst);
        assert_eq!(after_first, 1);
        // Nothing changes for many checks: no wake.
        std::thread::sleep(Duration::from_millis(200));
        assert!(!watch.take_changed());
        assert_eq!(wakes.load(Ordering::SeqCst), after_first);
        // A longer file is a change, whatever the clock's resolution.
        std::fs::write(&file, "title = \"a longer title\"\n").unwrap();
        wait_for(&watch);
        assert_eq!(wakes.load(Ordering::SeqCst), after_first + 1);
        // So is its removal.
        std::fs::remove_file(&file).unwrap();
        wait_for(&watch);
    }
}
