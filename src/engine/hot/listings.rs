//! Listings the hot cache keeps: a table's files as listed, reused by the visuals of one refresh
//! and, while a file watcher reports every change, kept longer with the folders that changed to
//! list again. Every change reported bumps a generation, so a listing (or a folder listed again)
//! keeps only what no change reported while it was being listed: a file that lands mid-listing
//! is never lost.

use std::sync::Arc;
use std::time::Instant;

use datafusion::datasource::listing::PartitionedFile;
use object_store::path::Path;

use super::{FOLLOWED_LISTING_KEEP, HotCache};

/// A table's files as listed at `at`, and the folders (relative to the table) that changed
/// since, to list again before it is used, each with the generation of its latest change.
pub(super) struct Listing {
    files: Arc<Vec<PartitionedFile>>,
    at: Instant,
    changed: Vec<(Path, u64)>,
    /// Which state of the listing this is: a scan brings up to date only the state it took.
    version: u64,
}

/// A kept listing: its files, the folders to list again first, the generation of changes it was
/// taken at (what [`HotCache::update_listing`] may clear) and the version of the listing taken.
pub(super) struct KeptListing {
    pub files: Arc<Vec<PartitionedFile>>,
    pub changed: Vec<Path>,
    pub generation: u64,
    version: u64,
}

impl HotCache {
    /// Table `table`'s files under `prefix`, as listed less than the reuse period before `now`
    /// (the visuals of one refresh run within it, so they list the table once between them),
    /// unless files landed in it since ([`HotCache::forget_listings`]). While every change is
    /// reported ([`HotCache::follow`]) a listing is kept longer, with the folders that changed.
    pub(super) fn listing(
        &self,
        table: &str,
        prefix: Option<&Path>,
        now: Instant,
    ) -> Option<KeptListing> {
        let state = self.lock();
        let listing = state.listings.get(&(table.to_owned(), prefix.cloned()))?;
        let keep = if state.followed {
            FOLLOWED_LISTING_KEEP.max(self.reuse)
        } else {
            self.reuse
        };
        (now.saturating_duration_since(listing.at) < keep).then(|| KeptListing {
            files: Arc::clone(&listing.files),
            changed: listing
                .changed
                .iter()
                .map(|(folder, _)| folder.clone())
                .collect(),
            generation: state.generation,
            version: listing.version,
        })
    }

    /// The generation of changes now: take it before listing a table, give it to
    /// [`HotCache::keep_listing`].
    pub(super) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Keeps table `table`'s files under `prefix` as listed from `at` on, the listing begun at
    /// change `generation`. A change reported in the table since then (a file landed while it
    /// was being listed, which the listing may have missed) means it is not kept: the next scan
    /// lists again.
    pub(super) fn keep_listing(
        &self,
        table: &str,
        prefix: Option<&Path>,
        files: Arc<Vec<PartitionedFile>>,
        at: Instant,
        generation: u64,
    ) {
        let mut state = self.lock();
        state.stats.listings += 1;
        let changed_since = state.all_changed > generation
            || state
                .table_changed
                .get(table)
                .is_some_and(|changed| *changed > generation);
        if changed_since {
            return;
        }
        state.listing_versions += 1;
        let version = state.listing_versions;
        state.listings.insert(
            (table.to_owned(), prefix.cloned()),
            Listing {
                files,
                at,
                changed: Vec::new(),
                version,
            },
        );
    }

    /// Table `table`'s listing under `prefix` brought up to date from `kept` (its changed
    /// folders listed again): `files`. A folder that changed again since stays to be listed
    /// again (its new files may have been missed); a listing another scan brought up to date (or
    /// listed anew) meanwhile is left as it is, newer than this one.
    pub(super) fn update_listing(
        &self,
        table: &str,
        prefix: Option<&Path>,
        files: Arc<Vec<PartitionedFile>>,
        kept: &KeptListing,
    ) {
        let mut guard = self.lock();
        let state = &mut *guard;
        state.stats.folders_listed += kept.changed.len() as u64;
        state.listing_versions += 1;
        let version = state.listing_versions;
        if let Some(listing) = state.listings.get_mut(&(table.to_owned(), prefix.cloned()))
            && listing.version == kept.version
        {
            listing.files = files;
            listing.version = version;
            listing.changed.retain(|(folder, changed)| {
                !kept.changed.contains(folder) || *changed > kept.generation
            });
        }
    }

    /// Forgets the listings of `tables` (their URLs): files landed there. `None`: every table.
    pub fn forget_listings(&self, tables: Option<&[String]>) {
        let mut state = self.lock();
        state.generation += 1;
        let generation = state.generation;
        if let Some(tables) = tables {
            state
                .listings
                .retain(|(table, _), _| !tables.contains(table));
            for table in tables {
                state.table_changed.insert(table.clone(), generation);
            }
        } else {
            state.listings.clear();
            state.all_changed = generation;
        }
    }

    /// Whether every change to the lake's files is reported from now on (through
    /// [`HotCache::folder_changed`]); when that stops, every listing is forgotten.
    pub fn follow(&self, followed: bool) {
        let mut state = self.lock();
        if state.followed && !followed {
            state.generation += 1;
            state.all_changed = state.generation;
            state.listings.clear();
        }
        state.followed = followed;
    }

    /// Files changed in `folder` (relative to table `table`'s URL): its kept listings list that
    /// folder again before they serve.
    pub fn folder_changed(&self, table: &str, folder: &Path) {
        let mut state = self.lock();
        state.generation += 1;
        let generation = state.generation;
        state.table_changed.insert(table.to_owned(), generation);
        for ((url, _), listing) in &mut state.listings {
            if url != table {
                continue;
            }
            match listing
                .changed
                .iter_mut()
                .find(|(known, _)| known == folder)
            {
                Some((_, changed)) => *changed = generation,
                None => listing.changed.push((folder.clone(), generation)),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The files of a listing, by path.
    fn files(paths: &[&str]) -> Arc<Vec<PartitionedFile>> {
        Arc::new(
            paths
                .iter()
                .map(|path| PartitionedFile::new((*path).to_owned(), 1))
                .collect(),
        )
    }

    #[test]
    fn a_change_reported_while_a_table_is_listed_is_not_lost() {
        let cache = HotCache::new(1 << 20, Duration::from_mins(1));
        let now = Instant::now();
        let hour = Path::from("hour=01");

        // A full listing begun before a file landed is not kept: the next scan lists again.
        let begun = cache.generation();
        cache.folder_changed("t", &hour);
        cache.keep_listing("t", None, files(&["hour=00/a"]), now, begun);
        assert!(cache.listing("t", None, now).is_none());
        // Nor one begun before every listing was forgotten (files landed, said by a check).
        let begun = cache.generation();
        cache.forget_listings(Some(&["t".to_owned()]));
        cache.keep_listing("t", None, files(&["hour=00/a"]), now, begun);
        assert!(cache.listing("t", None, now).is_none());
        // A change in another table does not matter.
        let begun = cache.generation();
        cache.folder_changed("other", &hour);
        cache.keep_listing("t", None, files(&["hour=00/a"]), now, begun);
        assert!(cache.listing("t", None, now).is_some());

        // A folder listed again while it changed once more stays to be listed again.
        cache.follow(true);
        cache.folder_changed("t", &hour);
        let kept = cache.listing("t", None, now).unwrap();
        assert_eq!(kept.changed, std::slice::from_ref(&hour));
        cache.folder_changed("t", &hour); // a second file lands while the folder is listed
        cache.update_listing("t", None, files(&["hour=00/a", "hour=01/b"]), &kept);
        assert_eq!(
            cache.listing("t", None, now).unwrap().changed,
            std::slice::from_ref(&hour)
        );
        // Listed again with nothing new meanwhile: up to date.
        let kept = cache.listing("t", None, now).unwrap();
        cache.update_listing("t", None, files(&["hour=01/c"]), &kept);
        let kept = cache.listing("t", None, now).unwrap();
        assert!(kept.changed.is_empty());
        assert_eq!(kept.files.len(), 1);

        // Two scans take the listing; the later one (seeing a second changed folder) finishes
        // first. The earlier one, finishing last, leaves the newer listing as it is.
        let other = Path::from("hour=02");
        cache.folder_changed("t", &hour);
        let first = cache.listing("t", None, now).unwrap();
        cache.folder_changed("t", &other);
        let second = cache.listing("t", None, now).unwrap();
        assert_eq!(second.changed.len(), 2);
        cache.update_listing("t", None, files(&["hour=01/c", "hour=02/d"]), &second);
        cache.update_listing("t", None, files(&["hour=01/c"]), &first);
        let kept = cache.listing("t", None, now).unwrap();
        assert_eq!(kept.files.len(), 2, "the newer listing stays");
        assert!(kept.changed.is_empty());
    }
}
