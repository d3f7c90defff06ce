//! The hot cache: the columns of lake files that queries have read, decoded, kept in memory for
//! the next query (what `QuickSight` calls SPICE, filled file by file as queries need it).
//!
//! A live dashboard runs the same queries over nearly the same files again and again: a refresh
//! after one new file would otherwise decode days of Parquet to add one hour. With the hot cache
//! a table's scan lists the files (one listing serves the visuals of one refresh: it is reused
//! for a second at most, and forgotten when the engine hears that files landed in the table;
//! while a file watcher reports every change it is kept, and only the folders that changed are
//! listed again), takes the columns it needs from memory for every file it has seen, and decodes
//! only what is new: new files, or columns no query read before. Above the scan, a visual's
//! partial aggregate is done per file and kept ([`per_file`]), so a refresh aggregates only what
//! is new. Only dashboard visuals use it
//! (`Engine::query_with_params` marks their plans with [`HotScans`]); an ad-hoc query streams
//! its files as DataFusion reads them, so its first rows come at once.
//!
//! **Correctness.** A file is known by its path, size, modification time and `ETag`: a file
//! rewritten in place is a new file, and its old columns are never served. Rows are the file's
//! rows, unfiltered and in file order, so columns read by different queries line up; every
//! filter is applied above the scan as DataFusion would, except filters on partition columns
//! only, which choose the files.
//!
//! **Memory.** The cache holds at most its budget (a quarter of the engine's memory limit in the
//! window); past it the least recently used files go first. A scan with more Parquet bytes to
//! decode than an eighth of the budget, or with a `LIMIT` that lets it stop early, is read as
//! it would be without the cache (streamed, row groups pruned) and caches nothing. Only Parquet
//! tables are cached (text files are read as they are).

mod bounds;
mod listings;
mod partial;
mod scan;
mod table;
mod together;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::DataType;
use object_store::ObjectMeta;
use object_store::path::Path;

pub use partial::{PerFileAggregateExec, per_file};
pub use scan::HotScanExec;
pub use table::HotTable;

/// Set on a query's session config when its scans may use the hot cache (dashboard visuals);
/// without it a hot table reads as a plain listing table.
#[derive(Debug)]
pub struct HotScans;

/// Which file a cached column came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct FileKey {
    path: Path,
    size: u64,
    modified: DateTime<Utc>,
    e_tag: Option<String>,
}

impl FileKey {
    fn of(meta: &ObjectMeta) -> Self {
        Self {
            path: meta.location.clone(),
            size: meta.size,
            modified: meta.last_modified,
            e_tag: meta.e_tag.clone(),
        }
    }
}

/// One decoded column of a file, and its bounds.
#[derive(Clone)]
struct Column {
    array: ArrayRef,
    bounds: Option<Arc<bounds::Bounds>>,
}

impl Column {
    fn new(array: ArrayRef) -> Self {
        let bounds = bounds::Bounds::of(&array);
        Self { array, bounds }
    }
}

/// One file's decoded columns, by name.
struct Entry {
    rows: usize,
    columns: HashMap<String, Column>,
    bytes: usize,
    /// When it was last used (a counter, for least recently used eviction).
    used: u64,
}

impl Entry {
    /// Its column `name`, if it was kept with type `data_type`.
    fn column(&self, name: &str, data_type: &DataType) -> Option<&Column> {
        self.columns
            .get(name)
            .filter(|column| column.array.data_type() == data_type)
    }
}

/// What the cache holds and has done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HotStats {
    /// Files decoded (wholly or some of their columns) since the cache was made.
    pub files_decoded: u64,
    /// Files served wholly from memory.
    pub files_served: u64,
    /// Files held now.
    pub files: usize,
    /// Bytes held now.
    pub bytes: usize,
    /// Tables listed (a listing reused is not counted).
    pub listings: u64,
    /// Changed folders listed again to bring a kept listing up to date.
    pub folders_listed: u64,
    /// Files whose partial aggregate state was computed (see [`per_file`]).
    pub states_computed: u64,
    /// Files whose partial aggregate state was kept from an earlier query.
    pub states_reused: u64,
}

/// One file's partial aggregate state for one query shape.
struct KeptState {
    batches: Vec<RecordBatch>,
    bytes: usize,
    used: u64,
}

#[derive(Default)]
struct State {
    /// By table URL and the partition prefix the listing was narrowed to.
    listings: HashMap<(String, Option<Path>), listings::Listing>,
    entries: HashMap<FileKey, Entry>,
    /// By the query shape's description and the file.
    states: HashMap<(Arc<str>, FileKey), KeptState>,
    bytes: usize,
    clock: u64,
    stats: HotStats,
    /// Whether every change to the lake's files is reported (a local lake's file watcher), so
    /// listings are kept for [`FOLLOWED_LISTING_KEEP`] and changed folders listed again.
    followed: bool,
    /// Counts the changes reported (changed folders, forgotten listings): a listing or a
    /// folder listed again keeps only what no change reported while it was being listed.
    generation: u64,
    /// The generation of the latest change reported in each table (by URL).
    table_changed: HashMap<String, u64>,
    /// The generation at which every listing was last forgotten.
    all_changed: u64,
    /// Counts the states listings have been in (see `listings::Listing::version`).
    listing_versions: u64,
}

/// How long a listing is kept while every change is reported: a full listing that often still,
/// should a report have been lost.
pub const FOLLOWED_LISTING_KEEP: Duration = Duration::from_mins(1);

/// Decoded columns of lake files, shared by every table of an engine.
pub struct HotCache {
    budget: usize,
    /// How long a table's listing serves the next scans (see [`HotCache::listing`]).
    reuse: Duration,
    state: Mutex<State>,
    /// What scans that run together share (columns asked for, files being decoded).
    together: together::Together,
}

impl std::fmt::Debug for HotCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HotCache")
            .field("budget", &self.budget)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// What a lookup found for one file: its row count (when known) and the columns asked for, in
/// order, `None` where not cached.
struct Found {
    rows: Option<usize>,
    columns: Vec<Option<Column>>,
}

impl HotCache {
    /// A cache that holds at most `budget` bytes and reuses a table's listing for `reuse`.
    pub fn new(budget: usize, reuse: Duration) -> Self {
        Self {
            budget,
            reuse,
            state: Mutex::default(),
            together: together::Together::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What the cache holds and has done.
    pub fn stats(&self) -> HotStats {
        let state = self.lock();
        HotStats {
            files: state.entries.len(),
            bytes: state.bytes,
            ..state.stats
        }
    }

    /// The most bytes it holds.
    pub fn budget(&self) -> u64 {
        u64::try_from(self.budget).unwrap_or(u64::MAX)
    }

    /// Whether it holds every column `wanted` of file `key`, each of its type (and so the
    /// file's row count).
    fn holds(&self, key: &FileKey, wanted: &[(&str, &DataType)]) -> bool {
        self.lock().entries.get(key).is_some_and(|entry| {
            wanted
                .iter()
                .all(|(name, data_type)| entry.column(name, data_type).is_some())
        })
    }

    /// The cached columns `wanted` of file `key`. A column kept with another type (the table's
    /// schema changed since: a catalog refresh widened it) is not found, so it is decoded again
    /// as the table reads it now and replaces the old one.
    fn find(&self, key: &FileKey, wanted: &[(&str, &DataType)]) -> Found {
        let mut state = self.lock();
        state.clock += 1;
        let clock = state.clock;
        let Some(entry) = state.entries.get_mut(key) else {
            return Found {
                rows: None,
                columns: vec![None; wanted.len()],
            };
        };
        entry.used = clock;
        Found {
            rows: Some(entry.rows),
            columns: wanted
                .iter()
                .map(|(name, data_type)| entry.column(name, data_type).cloned())
                .collect(),
        }
    }

    /// Counts a file served from memory, or decoded.
    fn count(&self, decoded: bool) {
        let mut state = self.lock();
        if decoded {
            state.stats.files_decoded += 1;
        } else {
            state.stats.files_served += 1;
        }
    }

    /// Adds decoded columns of file `key`, then evicts the least recently used files over the
    /// budget.
    fn insert(&self, key: FileKey, rows: usize, columns: Vec<(String, Column)>) {
        let mut guard = self.lock();
        let State {
            entries,
            bytes,
            clock,
            ..
        } = &mut *guard;
        *clock += 1;
        let entry = entries.entry(key).or_insert_with(|| Entry {
            rows,
            columns: HashMap::new(),
            bytes: 0,
            used: *clock,
        });
        entry.used = *clock;
        for (name, column) in columns {
            let size = column.array.get_array_memory_size();
            if let Some(old) = entry.columns.insert(name, column) {
                let old = old.array.get_array_memory_size();
                entry.bytes -= old.min(entry.bytes);
                *bytes -= old.min(*bytes);
            }
            entry.bytes += size;
            *bytes += size;
        }
        self.evict(&mut guard);
    }

    /// Drops the least recently used files and states until the cache is within its budget.
    fn evict(&self, state: &mut State) {
        while state.bytes > self.budget {
            let oldest_file = state
                .entries
                .iter()
                .min_by_key(|(_, entry)| entry.used)
                .map(|(key, entry)| (entry.used, key.clone()));
            let oldest_state = state
                .states
                .iter()
                .min_by_key(|(_, kept)| kept.used)
                .map(|(key, kept)| (kept.used, key.clone()));
            let gone = match (oldest_file, oldest_state) {
                (Some((file_used, file)), Some((state_used, _))) if file_used < state_used => {
                    state.entries.remove(&file).map(|gone| gone.bytes)
                }
                (_, Some((_, key))) => state.states.remove(&key).map(|gone| gone.bytes),
                (Some((_, file)), None) => state.entries.remove(&file).map(|gone| gone.bytes),
                (None, None) => break,
            };
            state.bytes -= gone.unwrap_or(0).min(state.bytes);
        }
    }

    /// File `file`'s partial aggregate state for the query shape `shape`, if kept.
    fn partial(&self, shape: &Arc<str>, file: &FileKey) -> Option<Vec<RecordBatch>> {
        let mut state = self.lock();
        state.clock += 1;
        let clock = state.clock;
        let found = state
            .states
            .get_mut(&(Arc::clone(shape), file.clone()))
            .map(|kept| {
                kept.used = clock;
                kept.batches.clone()
            });
        if found.is_some() {
            state.stats.states_reused += 1;
        }
        found
    }

    /// Keeps file `file`'s partial aggregate state for the query shape `shape`.
    fn keep_partial(&self, shape: Arc<str>, file: FileKey, batches: Vec<RecordBatch>) {
        let mut state = self.lock();
        state.clock += 1;
        state.stats.states_computed += 1;
        let bytes = batches
            .iter()
            .map(RecordBatch::get_array_memory_size)
            .sum::<usize>();
        let kept = KeptState {
            batches,
            bytes,
            used: state.clock,
        };
        if let Some(old) = state.states.insert((shape, file), kept) {
            state.bytes -= old.bytes.min(state.bytes);
        }
        state.bytes += bytes;
        self.evict(&mut state);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::Int64Array;

    use super::*;

    const ID: &[(&str, &DataType)] = &[("id", &DataType::Int64)];

    fn key(name: &str) -> FileKey {
        FileKey {
            path: Path::from(name),
            size: 1,
            modified: DateTime::<Utc>::UNIX_EPOCH,
            e_tag: None,
        }
    }

    fn column(rows: i64) -> Vec<(String, Column)> {
        vec![(
            "id".to_owned(),
            Column::new(Arc::new(Int64Array::from_iter_values(0..rows))),
        )]
    }

    #[test]
    fn the_least_recently_used_files_go_when_over_the_budget() {
        let size = column(1_000)[0].1.array.get_array_memory_size();
        let cache = HotCache::new(size * 2 + size / 2, Duration::ZERO);
        cache.insert(key("a"), 1_000, column(1_000));
        cache.insert(key("b"), 1_000, column(1_000));
        // "a" is used again, so "b" is the least recently used when "c" comes.
        assert!(cache.find(&key("a"), ID).columns[0].is_some());
        cache.insert(key("c"), 1_000, column(1_000));
        let stats = cache.stats();
        assert_eq!(stats.files, 2);
        assert!(stats.bytes <= size * 2 + size / 2);
        assert!(cache.find(&key("b"), ID).rows.is_none(), "b went");
        assert!(cache.find(&key("a"), ID).columns[0].is_some());
        assert!(cache.find(&key("c"), ID).columns[0].is_some());
        // A column not read before is not there; the file's row count is.
        let found = cache.find(&key("a"), &[("other", &DataType::Int64)]);
        assert_eq!(
            (found.rows, found.columns[0].is_none()),
            (Some(1_000), true)
        );
        // Nor is a column kept with another type (the table's schema widened it since).
        let widened = cache.find(&key("a"), &[("id", &DataType::Float64)]);
        assert!(widened.columns[0].is_none());
        assert!(!cache.holds(&key("a"), &[("id", &DataType::Float64)]));
        assert!(cache.holds(&key("a"), ID));
    }
}
