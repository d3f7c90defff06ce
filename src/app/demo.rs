//! The live demo the app opens with no arguments: a copy of the bundled sample lake in the user's
//! cache folder, fed by the built-in simulator so a newcomer sees data arriving.

use std::path::{Path, PathBuf};

use crate::lake::bundled;
use crate::sim;

/// Prepares `<cache>/lakesight/demo-lake` (a fresh copy of the sample lake each start) and returns it.
pub fn prepare_demo_lake() -> std::io::Result<PathBuf> {
    let sample = bundled::sample_lake_dir().map_err(std::io::Error::other)?;
    let demo = sample.parent().unwrap_or(&sample).join("demo-lake");
    if demo.exists() {
        std::fs::remove_dir_all(&demo)?;
    }
    copy_dir(&sample, &demo)?;
    Ok(demo)
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
