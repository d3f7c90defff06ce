//! Parquet footers (with their page indexes) kept on disk between processes: the metadata tier
//! of the engine's caches, beside the hot cache's decoded columns.
//!
//! A cold process (`lakesight query`, `dashboard data`, `watch`, `export` from a script) would
//! otherwise fetch every file's footer again. DataFusion asks its file-metadata cache before it
//! reads a footer; [`DiskFooters`] is that cache: memory first (DataFusion's own LRU), then one
//! file per lake file under the lake's folder in the user's cache folder, then the store.
//!
//! **Never stale.** An entry records the lake file's path, size and modification time
//! (`Last-Modified` on S3) as the listing saw them when the footer was read; DataFusion serves it
//! only to a file listed now with the same size and modification time (as it does its in-memory
//! entries). A rewritten file has a new modification time, so its footer is read again and the
//! entry replaced; a removed file is not listed, so its entry is never asked for. Listings are
//! never cached: every process lists, so new and removed files are always seen.
//!
//! **Bounded.** Every entry is written whole or not at all (a temporary file renamed into place);
//! an unreadable entry is a miss. When the folder holds more than its limit, the least recently
//! written entries are removed at the next start until it is under three quarters of it.

use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::Duration;

use crate::model::atomic_file::write_atomically;
use crate::model::sha256_hex as hex;
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use datafusion::common::{HashMap, TableReference};
use datafusion::datasource::physical_plan::parquet::metadata::CachedParquetMetaData;
use datafusion::execution::cache::cache_manager::CachedFileMetadataEntry;
use datafusion::execution::cache::default_cache::DefaultCache;
use datafusion::execution::cache::{Cache, CacheEntryInfo};
use datafusion::parquet::file::metadata::{
    PageIndexPolicy, ParquetMetaDataReader, ParquetMetaDataWriter,
};
use object_store::ObjectMeta;
use object_store::path::Path;
use serde::{Deserialize, Serialize};

/// Bytes the footer folder (every lake's) may hold before the oldest entries go.
pub const DEFAULT_DISK_LIMIT: u64 = 256 * 1024 * 1024;
/// Footers kept in memory by one process (DataFusion's default).
const MEMORY_LIMIT: usize = 50 * 1024 * 1024;
/// Footers queued for the writer thread at most; past it a footer is written where it was read.
const QUEUED_WRITES: usize = 256;
/// The largest footer kept on disk.
const MAX_ENTRY_BYTES: usize = 8 * 1024 * 1024;
/// The footer folder under the cache folder.
const FOOTERS_FOLDER: &str = "footers";

/// The folder holding one lake's footers: named by a hash of the lake's location (and endpoint),
/// so two lakes never share entries.
pub fn lake_folder(cache_dir: &FsPath, lake_identity: &str) -> PathBuf {
    cache_dir
        .join(FOOTERS_FOLDER)
        .join(&hex(lake_identity.as_bytes())[..32])
}

/// What an entry records of the lake file it describes, before the footer's bytes.
#[derive(Serialize, Deserialize)]
struct Header {
    path: String,
    size: u64,
    modified: String,
    e_tag: Option<String>,
    version: Option<String>,
}

/// DataFusion's file-metadata cache, backed by a folder that outlives the process.
pub struct DiskFooters {
    memory: DefaultCache<Path, CachedFileMetadataEntry>,
    folder: PathBuf,
    /// Footers to write, and the thread writing them (started by the first): a query never
    /// waits for the disk. Dropping the cache waits for the writes still queued.
    writer: Mutex<Option<Writer>>,
}

struct Writer {
    queue: mpsc::SyncSender<(Path, CachedFileMetadataEntry)>,
    thread: std::thread::JoinHandle<()>,
}

impl DiskFooters {
    /// Footers of one lake, kept in `folder` (created on first write).
    pub fn new(folder: PathBuf) -> Self {
        Self {
            memory: DefaultCache::new(MEMORY_LIMIT).with_name("LakesightFooters"),
            folder,
            writer: Mutex::new(None),
        }
    }

    fn entry_path(&self, path: &Path) -> PathBuf {
        entry_path(&self.folder, path)
    }

    /// Queues `entry` for the writer thread (written inline if no thread can be started).
    fn keep(&self, path: &Path, entry: CachedFileMetadataEntry) {
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        if writer.is_none() {
            let (queue, jobs) =
                mpsc::sync_channel::<(Path, CachedFileMetadataEntry)>(QUEUED_WRITES);
            let folder = self.folder.clone();
            let thread = std::thread::Builder::new()
                .name("footer-cache-writer".into())
                .spawn(move || {
                    // The folder is trimmed at start; a process that writes a quarter of the
                    // limit trims it again, so one long run cannot grow it without bound.
                    let mut written = 0;
                    for (path, entry) in jobs {
                        written += write(&folder, &path, &entry);
                        if written > DEFAULT_DISK_LIMIT / 4
                            && let Some(cache_dir) = folder.parent().and_then(FsPath::parent)
                        {
                            trim(cache_dir, DEFAULT_DISK_LIMIT);
                            written = 0;
                        }
                    }
                });
            let Ok(thread) = thread else {
                write(&self.folder, path, &entry);
                return;
            };
            *writer = Some(Writer { queue, thread });
        }
        if let Some(writer) = writer.as_ref()
            && let Err(
                mpsc::TrySendError::Full((path, entry))
                | mpsc::TrySendError::Disconnected((path, entry)),
            ) = writer.queue.try_send((path.clone(), entry))
        {
            // A full queue: this one is written here rather than wait.
            write(&self.folder, &path, &entry);
        }
    }

    /// The entry on disk for `path`, if there is a readable one.
    fn read(&self, path: &Path) -> Option<CachedFileMetadataEntry> {
        let bytes = Bytes::from(std::fs::read(self.entry_path(path)).ok()?);
        let newline = bytes.iter().position(|b| *b == b'\n')?;
        let header: Header = serde_json::from_slice(&bytes[..newline]).ok()?;
        if header.path != path.as_ref() {
            return None;
        }
        let modified = DateTime::parse_from_rfc3339(&header.modified)
            .ok()?
            .with_timezone(&Utc);
        let metadata = ParquetMetaDataReader::new()
            .with_page_index_policy(PageIndexPolicy::Optional)
            .parse_and_finish(&bytes.slice(newline + 1..))
            .ok()?;
        let meta = ObjectMeta {
            location: path.clone(),
            last_modified: modified,
            size: header.size,
            e_tag: header.e_tag,
            version: header.version,
        };
        Some(CachedFileMetadataEntry::new(
            meta,
            Arc::new(CachedParquetMetaData::new(Arc::new(metadata))),
        ))
    }
}

impl Drop for DiskFooters {
    fn drop(&mut self) {
        let writer = self
            .writer
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(Writer { queue, thread }) = writer {
            drop(queue);
            let _ = thread.join();
        }
    }
}

fn entry_path(folder: &FsPath, path: &Path) -> PathBuf {
    folder.join(hex(path.as_ref().as_bytes()))
}

/// Writes `entry` for `path` into `folder`, whole or not at all (a failure only means a miss next
/// time); returns the bytes written.
fn write(folder: &FsPath, path: &Path, entry: &CachedFileMetadataEntry) -> u64 {
    let Some(parquet) = entry
        .file_metadata
        .as_any()
        .downcast_ref::<CachedParquetMetaData>()
    else {
        return 0;
    };
    let header = Header {
        path: path.as_ref().to_owned(),
        size: entry.meta.size,
        modified: entry
            .meta
            .last_modified
            .to_rfc3339_opts(SecondsFormat::Nanos, true),
        e_tag: entry.meta.e_tag.clone(),
        version: entry.meta.version.clone(),
    };
    let Ok(mut bytes) = serde_json::to_vec(&header) else {
        return 0;
    };
    bytes.push(b'\n');
    if ParquetMetaDataWriter::new(&mut bytes, parquet.parquet_metadata())
        .finish()
        .is_err()
    {
        return 0;
    }
    // A footer this large is read again rather than kept: one lake cannot fill the folder.
    if bytes.len() > MAX_ENTRY_BYTES {
        return 0;
    }
    match std::fs::create_dir_all(folder)
        .and_then(|()| write_atomically(&entry_path(folder, path), &bytes))
    {
        Ok(()) => bytes.len() as u64,
        Err(_) => 0,
    }
}

/// What the footer folders under `cache_dir` hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Footers kept.
    pub footers: usize,
    /// Lakes they belong to.
    pub lakes: usize,
    /// Bytes on disk.
    pub bytes: u64,
}

/// Every entry under `cache_dir`'s footer folders (when written, bytes, path), and how many lake
/// folders hold them.
fn entries(cache_dir: &FsPath) -> (usize, Vec<(std::time::SystemTime, u64, PathBuf)>) {
    let mut lakes = 0;
    let mut entries = Vec::new();
    for lake in std::fs::read_dir(cache_dir.join(FOOTERS_FOLDER))
        .into_iter()
        .flatten()
        .flatten()
    {
        lakes += 1;
        for entry in std::fs::read_dir(lake.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if let Ok(meta) = entry.metadata()
                && meta.is_file()
                && !hidden
            {
                let written = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
                entries.push((written, meta.len(), entry.path()));
            }
        }
    }
    (lakes, entries)
}

/// What the footer folders under `cache_dir` hold now.
pub fn usage(cache_dir: &FsPath) -> Usage {
    let (lakes, entries) = entries(cache_dir);
    Usage {
        footers: entries.len(),
        lakes,
        bytes: entries.iter().map(|e| e.1).sum(),
    }
}

/// The folder of every lake's footers under `cache_dir`.
pub fn footers_folder(cache_dir: &FsPath) -> PathBuf {
    cache_dir.join(FOOTERS_FOLDER)
}

/// Removes every kept footer under `cache_dir`.
pub fn clear(cache_dir: &FsPath) -> std::io::Result<()> {
    match std::fs::remove_dir_all(cache_dir.join(FOOTERS_FOLDER)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// [`trim`] to [`DEFAULT_DISK_LIMIT`] on a thread of its own, so a start never waits for it.
pub fn trim_in_background(cache_dir: PathBuf) {
    let _ = std::thread::Builder::new()
        .name("footer-cache-trim".into())
        .spawn(move || trim(&cache_dir, DEFAULT_DISK_LIMIT));
}

/// Removes the oldest entries of every lake's footer folder under `cache_dir` while they hold
/// more than `limit` bytes, down to three quarters of it. Returns the bytes kept.
pub fn trim(cache_dir: &FsPath, limit: u64) -> u64 {
    let (_, mut entries) = entries(cache_dir);
    let mut total: u64 = entries.iter().map(|e| e.1).sum();
    if total <= limit {
        return total;
    }
    entries.sort();
    for (_, size, path) in entries {
        if total <= limit / 4 * 3 {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total -= size;
        }
    }
    total
}

impl Cache<Path, CachedFileMetadataEntry> for DiskFooters {
    fn get(&self, key: &Path) -> Option<CachedFileMetadataEntry> {
        if let Some(entry) = self.memory.get(key) {
            return Some(entry);
        }
        let entry = self.read(key)?;
        self.memory.put(key, entry.clone());
        Some(entry)
    }

    fn put(&self, key: &Path, value: CachedFileMetadataEntry) -> Option<CachedFileMetadataEntry> {
        self.keep(key, value.clone());
        self.memory.put(key, value)
    }

    fn remove(&self, key: &Path) -> Option<CachedFileMetadataEntry> {
        let _ = std::fs::remove_file(self.entry_path(key));
        self.memory.remove(key)
    }

    fn contains_key(&self, key: &Path) -> bool {
        self.memory.contains_key(key) || self.entry_path(key).exists()
    }

    fn len(&self) -> usize {
        self.memory.len()
    }

    fn clear(&self) {
        self.memory.clear();
    }

    fn name(&self) -> String {
        "LakesightFooters".to_owned()
    }

    fn cache_limit(&self) -> usize {
        self.memory.cache_limit()
    }

    fn update_cache_limit(&self, limit: usize) {
        self.memory.update_cache_limit(limit);
    }

    fn cache_ttl(&self) -> Option<Duration> {
        None
    }

    fn update_cache_ttl(&self, _ttl: Option<Duration>) {}

    fn drop_table_entries(&self, table_ref: &TableReference) -> datafusion::error::Result<()> {
        self.memory.drop_table_entries(table_ref)
    }

    fn list_entries(&self) -> HashMap<Path, CacheEntryInfo<CachedFileMetadataEntry>> {
        self.memory.list_entries()
    }
}

impl std::fmt::Debug for DiskFooters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiskFooters")
            .field("folder", &self.folder)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn the_folder_is_trimmed_oldest_first_to_three_quarters_of_its_limit() {
        let cache = tempfile::tempdir().unwrap();
        let lakes = [
            lake_folder(cache.path(), "s3://a|"),
            lake_folder(cache.path(), "/b|"),
        ];
        for (i, lake) in lakes.iter().cycle().take(8).enumerate() {
            std::fs::create_dir_all(lake).unwrap();
            let path = lake.join(format!("entry-{i}"));
            std::fs::write(&path, vec![0u8; 100]).unwrap();
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(UNIX_EPOCH + Duration::from_secs(1000 + i as u64))
                .unwrap();
        }
        assert_eq!(
            trim(cache.path(), 800),
            800,
            "within the limit: nothing goes"
        );
        assert_eq!(trim(cache.path(), 700), 500);
        let mut kept: Vec<String> = lakes
            .iter()
            .flat_map(|lake| std::fs::read_dir(lake).unwrap().flatten())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        kept.sort();
        assert_eq!(
            kept,
            ["entry-3", "entry-4", "entry-5", "entry-6", "entry-7"]
        );
    }
}
