//! The lake a transform writes into (`--into`): a local folder or an S3 prefix. Every file
//! appears whole or not at all: locally written under a hidden temporary name beside its place
//! and renamed over it; on S3 sent in a single PUT, which S3 publishes whole.

use std::io::{self, Write};
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::lake::{Lake, S3Tuning};
use crate::model::atomic_file::{AtomicFile, TEMP_PREFIX, write_atomically};
use crate::model::{SourceLocation, SourceSpec};

/// The largest file sent in one PUT (S3's limit for a single PUT).
pub const MAX_PUT_BYTES: u64 = 5 * 1024 * 1024 * 1024;

/// Where a transform writes.
#[derive(Clone, Debug)]
pub enum OutputLake {
    /// A local folder.
    Local {
        /// The folder, absolute.
        root: PathBuf,
    },
    /// An S3 prefix, through the user's profile.
    S3 {
        /// The store rooted at the prefix.
        store: Arc<dyn ObjectStore>,
        /// `s3://bucket/prefix`.
        display: String,
    },
}

impl OutputLake {
    /// Opens `spec` for writing (a local folder is created when missing).
    pub async fn open(spec: &SourceSpec, tuning: &S3Tuning) -> Result<Self, String> {
        match &spec.location {
            SourceLocation::Local { path } => {
                std::fs::create_dir_all(path)
                    .map_err(|e| format!("could not create {}: {e}", path.display()))?;
                let root = path
                    .canonicalize()
                    .map_err(|e| format!("could not open {}: {e}", path.display()))?;
                Ok(Self::Local { root })
            }
            SourceLocation::S3 { .. } => {
                let lake = Lake::attach_with(spec, tuning)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(Self::S3 {
                    store: Arc::clone(lake.store.raw()),
                    display: spec.to_string(),
                })
            }
        }
    }

    /// The lake as a person writes it.
    pub fn display(&self) -> String {
        match self {
            Self::Local { root } => root.display().to_string(),
            Self::S3 { display, .. } => display.clone(),
        }
    }

    /// `path` beneath the root. Paths come from listings and from bookmark files in the output
    /// lake, which someone else may have written: nothing may climb out of the root.
    fn local_path(root: &FsPath, path: &str) -> PathBuf {
        path.split('/')
            .fold(root.to_path_buf(), |at, part| at.join(part))
    }

    /// Writes `bytes` at `path` (relative to the lake) whole.
    pub async fn put(&self, path: &str, bytes: Vec<u8>) -> Result<(), String> {
        let path = inside(path)?;
        match self {
            Self::Local { root } => {
                let target = Self::local_path(root, path);
                tokio::task::spawn_blocking(move || {
                    if let Some(parent) = target.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    write_atomically(&target, &bytes)
                })
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("could not write {path}: {e}"))
            }
            Self::S3 { store, display } => store
                .put(&Path::from(path), bytes.into())
                .await
                .map(|_| ())
                .map_err(|e| format!("could not write {display}/{path}: {e}")),
        }
    }

    /// The bytes at `path`, or `None` when there is no such file.
    pub async fn get(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        let path = inside(path)?;
        match self {
            Self::Local { root } => match tokio::fs::read(Self::local_path(root, path)).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(format!("could not read {path}: {e}")),
            },
            Self::S3 { store, display } => match store.get(&Path::from(path)).await {
                Ok(got) => got
                    .bytes()
                    .await
                    .map(|b| Some(b.to_vec()))
                    .map_err(|e| format!("could not read {display}/{path}: {e}")),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(format!("could not read {display}/{path}: {e}")),
            },
        }
    }

    /// Every file under `prefix` (relative paths), temporary files left by a killed run
    /// included locally.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, String> {
        let prefix = inside(prefix)?;
        match self {
            Self::Local { root } => {
                let folder = Self::local_path(root, prefix);
                let root = root.clone();
                tokio::task::spawn_blocking(move || {
                    let mut found = Vec::new();
                    walk(&folder, &root, &mut found)?;
                    found.sort();
                    Ok::<_, io::Error>(found)
                })
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("could not list {prefix}: {e}"))
            }
            Self::S3 { store, display } => {
                let listed: Vec<_> = store
                    .list(Some(&Path::from(prefix)))
                    .try_collect()
                    .await
                    .map_err(|e| format!("could not list {display}/{prefix}: {e}"))?;
                let mut found: Vec<String> =
                    listed.into_iter().map(|m| m.location.to_string()).collect();
                found.sort();
                Ok(found)
            }
        }
    }

    /// Removes the file at `path` (nothing when it is already gone).
    pub async fn delete(&self, path: &str) -> Result<(), String> {
        let path = inside(path)?;
        match self {
            Self::Local { root } => {
                match tokio::fs::remove_file(Self::local_path(root, path)).await {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(format!("could not remove {path}: {e}")),
                }
            }
            Self::S3 { store, display } => match store.delete(&Path::from(path)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(format!("could not remove {display}/{path}: {e}")),
            },
        }
    }

    /// Where a partition's file is built: straight into a temporary file beside its place
    /// locally (no size limit), in memory for S3 (up to [`MAX_PUT_BYTES`]).
    pub fn sink(&self, path: &str) -> Result<Sink, String> {
        let path = inside(path)?;
        match self {
            Self::Local { root } => {
                let target = Self::local_path(root, path);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| format!("could not create the folder of {path}: {e}"))?;
                }
                AtomicFile::create(&target)
                    .map(|file| Sink::File(Box::new(file), 0))
                    .map_err(|e| format!("could not write {path}: {e}"))
            }
            Self::S3 { .. } => Ok(Sink::Memory(Vec::new())),
        }
    }

    /// Publishes a finished sink at `path`: the rename, or the PUT.
    pub async fn publish(&self, path: &str, sink: Sink) -> Result<(), String> {
        match sink {
            Sink::File(file, _) => tokio::task::spawn_blocking(move || file.commit())
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("could not write {path}: {e}")),
            Sink::Memory(bytes) => self.put(path, bytes).await,
        }
    }

    /// Locally, takes the lake's writer lock (`_lakesight/lock`) for as long as the returned file
    /// lives, so two runs never write one lake at once. On S3 there is no lock.
    pub fn lock(&self) -> Result<Option<std::fs::File>, String> {
        let Self::Local { root } = self else {
            return Ok(None);
        };
        let folder = root.join(super::bookmark::STATE_FOLDER);
        std::fs::create_dir_all(&folder)
            .map_err(|e| format!("could not create {}: {e}", folder.display()))?;
        let path = folder.join("lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| format!("could not open {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) => Err(format!(
                "another transform run is writing to {} (it holds {}); wait for it to finish",
                root.display(),
                path.display()
            )),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(format!("could not lock {}: {e}", path.display()))
            }
        }
    }

    /// Removes the temporary files a killed run left under `prefix` (locally; S3 has none).
    /// Only call this holding [`OutputLake::lock`].
    pub async fn remove_leftovers(&self, prefix: &str) -> Result<usize, String> {
        if !matches!(self, Self::Local { .. }) {
            return Ok(0);
        }
        let mut removed = 0;
        for path in self.list(prefix).await? {
            let name = path.rsplit('/').next().unwrap_or_default();
            if name.starts_with(TEMP_PREFIX) {
                self.delete(&path).await?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// `path` when it stays inside the lake: relative, no empty, `.` or `..` part, no `\\`.
fn inside(path: &str) -> Result<&str, String> {
    let bad = path.starts_with('/')
        || path.contains('\\')
        || path.contains('\0')
        || path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        Err(format!(
            "refused to touch `{path}`: not a path inside the output lake"
        ))
    } else {
        Ok(path)
    }
}

fn walk(folder: &FsPath, root: &FsPath, found: &mut Vec<String>) -> io::Result<()> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&path, root, found)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            found.push(parts.join("/"));
        }
    }
    Ok(())
}

/// A partition's file being built.
pub enum Sink {
    /// A temporary file beside its place, and the bytes written to it.
    File(Box<AtomicFile>, u64),
    /// Bytes for one PUT.
    Memory(Vec<u8>),
}

impl Sink {
    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        match self {
            Self::File(_, written) => *written,
            Self::Memory(bytes) => bytes.len() as u64,
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::File(file, written) => {
                let n = file.write(buf)?;
                *written += n as u64;
                Ok(n)
            }
            Self::Memory(bytes) => {
                if bytes.len() as u64 + buf.len() as u64 > MAX_PUT_BYTES {
                    return Err(io::Error::other(format!(
                        "the partition's Parquet file would exceed {} (the most one S3 PUT \
                         takes): partition the job's output finer (`partition_by`)",
                        crate::model::human_bytes(MAX_PUT_BYTES)
                    )));
                }
                bytes.extend_from_slice(buf);
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::File(file, _) => file.flush(),
            Self::Memory(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::inside;

    #[test]
    fn paths_from_bookmarks_cannot_leave_the_output_lake() {
        assert!(inside("consumption/orders/year=2026/part-00000.parquet").is_ok());
        for bad in [
            "consumption/orders/../../../etc/part-00000.parquet",
            "/etc/passwd",
            "a//b",
            "./a",
            "a\\..\\b",
        ] {
            assert!(inside(bad).is_err(), "{bad}");
        }
    }
}
