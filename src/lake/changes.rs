//! Change detection for live refresh: which objects of a table are new since a [`Watermark`].
//!
//! Where a table's partitions are time keys (`year=/month=/day=/hour=`, `dt=`), keys sort by time,
//! so only the newest partition and anything after it is listed (S3 `StartAfter`); otherwise the
//! table is listed in full and compared with the keys already seen.

use std::collections::BTreeSet;

use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore};

use super::{LakeError, LakeStore, TableInfo, listing};

/// Partition keys whose zero-padded values sort in time order.
const TIME_KEYS: [&str; 7] = ["year", "month", "day", "hour", "minute", "dt", "date"];

/// What has been seen of a table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Watermark {
    /// Keys greater than this are listed (the newest partition folder); `None`: list everything.
    offset: Option<String>,
    /// Keys already seen at or after `offset`.
    seen: BTreeSet<String>,
}

/// The result of one check.
#[derive(Debug)]
pub struct Changes {
    /// Objects that appeared since the previous watermark (all objects on the first check).
    pub new_files: Vec<ObjectMeta>,
    /// The watermark to pass next time.
    pub watermark: Watermark,
    /// Whether the whole table was listed (rather than only from the newest partition on).
    pub full_listing: bool,
}

/// Whether `table`'s object keys sort by time: time partition keys only, their values written
/// so that text order is time order (zero-padded, or a `dt` date). Unpadded values (`hour=9`
/// sorts after `hour=10`) do not, so such a table is listed whole.
pub fn keys_sort_by_time(table: &TableInfo) -> bool {
    use super::partitions::TimeLayout;
    !table.single_file
        && !table.partition_columns.is_empty()
        && table
            .partition_columns
            .iter()
            .all(|key| TIME_KEYS.contains(&key.as_str()))
        && matches!(
            table.time_layout,
            Some(TimeLayout::Padded { .. } | TimeLayout::Dashed(_) | TimeLayout::Compact(_))
        )
}

/// The objects of `table` that are new since `since` (`None`: the first check).
pub async fn new_files_since(
    store: &LakeStore,
    table: &TableInfo,
    since: Option<&Watermark>,
) -> Result<Changes, LakeError> {
    let prefix = Path::from(table.prefix.as_str());
    let failed = |e: object_store::Error| LakeError::List {
        location: table.location.clone(),
        message: store.explain(&e),
    };
    let sorted = keys_sort_by_time(table);
    let (listed, full_listing) = match since.and_then(|w| w.offset.as_ref()) {
        Some(offset) if sorted => {
            let listed: Vec<ObjectMeta> = store
                .list_with_offset(Some(&prefix), &Path::from(offset.as_str()))
                .try_collect()
                .await
                .map_err(failed)?;
            (listed, false)
        }
        _ => {
            let mut listed = listing::list_table(store.raw(), &prefix)
                .await
                .map_err(failed)?;
            listed.retain(super::store::is_listable);
            (listed, true)
        }
    };
    let seen = since.map(|w| &w.seen);
    let new_files: Vec<ObjectMeta> = listed
        .iter()
        .filter(|m| seen.is_none_or(|seen| !seen.contains(m.location.as_ref())))
        .cloned()
        .collect();

    let offset = if sorted {
        listed
            .iter()
            .map(|m| m.location.as_ref())
            .max()
            .and_then(|key| key.rsplit_once('/').map(|(dir, _)| dir.to_owned()))
    } else {
        None
    };
    let seen: BTreeSet<String> = listed
        .iter()
        .map(|m| m.location.to_string())
        .filter(|key| {
            offset
                .as_ref()
                .is_none_or(|offset| key.as_str() > offset.as_str())
        })
        .collect();
    // Keep the old offset when nothing is listed (the table was emptied or is still empty).
    let offset = offset.or_else(|| since.and_then(|w| w.offset.clone()));
    Ok(Changes {
        new_files,
        watermark: Watermark { offset, seen },
        full_listing,
    })
}
