//! The sample lake bundled into the binary, so `lakesight` works with no `--source` from any
//! folder and after `cargo install`. It is unpacked once into the user's cache folder.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use super::error::LakeError;

static SAMPLE_LAKE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/sample-data");

/// Marks a fully unpacked copy.
const COMPLETE_MARKER: &str = ".lakesight-complete";

/// The folder holding an unpacked copy of the bundled sample lake, unpacking it if needed.
///
/// The copy lives in the user's cache folder; `LAKESIGHT_CACHE_DIR` overrides it.
pub fn sample_lake_dir() -> Result<PathBuf, LakeError> {
    let base = super::cache_dir().unwrap_or_else(|| std::env::temp_dir().join("lakesight"));
    sample_lake_dir_in(&base)
}

/// Like [`sample_lake_dir`], with the copy under `base`.
pub fn sample_lake_dir_in(base: &Path) -> Result<PathBuf, LakeError> {
    let target = base.join(format!("sample-lake-{:016x}", content_hash()));
    if target.join(COMPLETE_MARKER).exists() {
        return Ok(target);
    }
    unpack(base, &target).map_err(|source| LakeError::SampleLake {
        path: target.clone(),
        source,
    })?;
    Ok(target)
}

/// Unpacks into a temporary sibling, then renames, so a half-written copy is never used.
fn unpack(base: &Path, target: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(base)?;
    let staging = tempfile::Builder::new()
        .prefix(".sample-lake-")
        .tempdir_in(base)?;
    write_dir(&SAMPLE_LAKE, staging.path())?;
    std::fs::write(staging.path().join(COMPLETE_MARKER), b"")?;
    let staged = staging.keep();
    match std::fs::rename(&staged, target) {
        Ok(()) => Ok(()),
        // Another process unpacked it first.
        Err(_) if target.join(COMPLETE_MARKER).exists() => {
            let _ = std::fs::remove_dir_all(&staged);
            Ok(())
        }
        Err(err) => Err(err),
    }
}

fn write_dir(dir: &Dir<'_>, into: &Path) -> std::io::Result<()> {
    for file in dir.files() {
        let path = into.join(file.path());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, file.contents())?;
    }
    for sub in dir.dirs() {
        write_dir(sub, into)?;
    }
    Ok(())
}

fn content_hash() -> u64 {
    fn visit(dir: &Dir<'_>, hasher: &mut std::collections::hash_map::DefaultHasher) {
        for file in dir.files() {
            file.path().hash(hasher);
            file.contents().hash(hasher);
        }
        for sub in dir.dirs() {
            visit(sub, hasher);
        }
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    visit(&SAMPLE_LAKE, &mut hasher);
    hasher.finish()
}
