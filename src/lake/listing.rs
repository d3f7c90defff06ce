//! Listing a table's files with one request per folder, folders in parallel: on S3 a flat listing
//! pages through 1,000 keys at a time, one page after another, while a partitioned table's
//! `key=value/` prefixes can all be listed at once.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore};

/// Folders listed at once.
pub const LIST_CONCURRENCY: usize = 32;

/// Every object under `prefix`, walking folders level by level, each level's folders in parallel.
/// Hidden and `_`-prefixed folders (`_temporary/`, `.spark-staging/`) are not entered.
pub async fn list_tree(
    store: &Arc<dyn ObjectStore>,
    prefix: &Path,
) -> object_store::Result<Vec<ObjectMeta>> {
    let mut files = Vec::new();
    let mut level = vec![prefix.clone()];
    while !level.is_empty() {
        let listings: Vec<object_store::ListResult> = futures::stream::iter(level)
            .map(|dir| async move { store.list_with_delimiter(Some(&dir)).await })
            .buffer_unordered(LIST_CONCURRENCY)
            .try_collect()
            .await?;
        level = Vec::new();
        for listing in listings {
            files.extend(listing.objects);
            level.extend(listing.common_prefixes.into_iter().filter(|p| {
                p.filename()
                    .is_some_and(|n| !n.starts_with('.') && !n.starts_with('_'))
            }));
        }
    }
    files.sort_by(|a, b| a.location.cmp(&b.location));
    Ok(files)
}
