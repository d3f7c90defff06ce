//! The live demo the app opens with no arguments: a copy of the bundled sample lake in the user's
//! cache folder, fed by the built-in simulator so a newcomer sees data arriving.
//!
//! Each running app has its own copy, `<cache>/lakesight/demo-lakes/<n>`, held with a file lock
//! for as long as the app uses it: a second window takes the next free copy instead of deleting
//! the first one's lake under it. A copy whose lock is free (its app has ended) is reused.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::lake::bundled;
use crate::sim;

/// Copies of the demo lake at most (that many windows running the demo at once).
const MAX_DEMO_LAKES: usize = 16;

/// The query the demo shows first: orders and revenue per hour, drawn as a line chart.
pub const DEMO_SQL: &str = "SELECT date_trunc('hour', event_time) AS hour,\n       count(*) AS orders,\n       round(sum(amount), 2) AS revenue\nFROM orders\nGROUP BY 1\nORDER BY 1";

/// A demo lake this app holds: its folder, locked until dropped.
#[derive(Debug)]
pub struct DemoLake {
    /// The lake's folder.
    pub path: PathBuf,
    /// Held for as long as the app uses the folder.
    _lock: File,
}

/// The folder the demo lakes live in by default (beside the unpacked sample lake).
pub fn default_demo_base() -> std::io::Result<PathBuf> {
    let sample = bundled::sample_lake_dir().map_err(std::io::Error::other)?;
    Ok(sample.parent().unwrap_or(&sample).join("demo-lakes"))
}

/// Prepares a fresh copy of the sample lake in the first free slot under `base` and locks it.
pub fn prepare_demo_lake(base: &Path) -> std::io::Result<DemoLake> {
    let sample = bundled::sample_lake_dir().map_err(std::io::Error::other)?;
    prepare_from(&sample, base)
}

fn prepare_from(sample: &Path, base: &Path) -> std::io::Result<DemoLake> {
    std::fs::create_dir_all(base)?;
    for slot in 0..MAX_DEMO_LAKES {
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(base.join(format!("{slot}.lock")))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => continue,
            Err(TryLockError::Error(err)) => return Err(err),
        }
        let path = base.join(slot.to_string());
        if path.exists() {
            std::fs::remove_dir_all(&path)?;
        }
        copy_dir(sample, &path)?;
        return Ok(DemoLake { path, _lock: lock });
    }
    Err(std::io::Error::other(format!(
        "{MAX_DEMO_LAKES} Lakesight windows already run the demo"
    )))
}

/// The simulator settings of the live demo: steady traffic, delivered every few seconds.
pub fn demo_feed(lake: &Path) -> sim::SimConfig {
    sim::SimConfig {
        into: lake.to_path_buf(),
        rate_per_sec: 20.0,
        duration: None,
        scenario: sim::Scenario::ErrorSpike,
        flush_interval: std::time::Duration::from_secs(5),
        ..sim::SimConfig::default()
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn two_apps_get_their_own_demo_lake_and_a_released_one_is_reused() {
        let sample = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(sample.path().join("orders")).unwrap();
        std::fs::write(sample.path().join("orders/a.json"), "{}").unwrap();
        let base = tempfile::tempdir().unwrap();

        let first = prepare_from(sample.path(), base.path()).unwrap();
        // The first app's feed writes a file into its lake.
        std::fs::write(first.path.join("orders/new.json"), "{}").unwrap();
        let second = prepare_from(sample.path(), base.path()).unwrap();
        assert_ne!(first.path, second.path, "each app its own lake");
        assert!(
            first.path.join("orders/new.json").exists(),
            "the second app did not delete the first one's lake"
        );
        assert!(second.path.join("orders/a.json").exists());

        let reused = first.path.clone();
        drop(first);
        let third = prepare_from(sample.path(), base.path()).unwrap();
        assert_eq!(third.path, reused, "a released lake is reused");
        assert!(
            !third.path.join("orders/new.json").exists(),
            "as a fresh copy"
        );
    }
}
