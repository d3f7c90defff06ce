//! Listing a table's files in as few round trips as the layout allows. On S3 a flat listing
//! pages through 1,000 keys at a time, one page after another, while a partitioned table's
//! `key=value/` prefixes can all be listed at once; which is faster depends on how many folders a
//! page spans, so [`list_table`] decides by what the first flat page shows.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore};

/// Folders listed at once.
pub const LIST_CONCURRENCY: usize = 32;
/// Keys in one page of a flat S3 listing.
pub const PAGE_KEYS: usize = 1000;

/// Every object under `prefix`, outside hidden and `_`-prefixed folders, sorted by path.
///
/// A flat listing first: when its first page holds the whole table (up to [`PAGE_KEYS`] objects),
/// that one request is the listing. When there are more pages and the first spans at least
/// [`LIST_CONCURRENCY`] folders, paging on costs fewer round trips than listing those folders
/// (each page replaces a whole round of parallel folder listings); otherwise the folders are
/// listed level by level in parallel ([`list_tree`]).
pub async fn list_table(
    store: &Arc<dyn ObjectStore>,
    prefix: &Path,
) -> object_store::Result<Vec<ObjectMeta>> {
    let mut flat = store.list(Some(prefix));
    let mut files = Vec::new();
    while files.len() < PAGE_KEYS {
        match flat.try_next().await? {
            Some(meta) => files.push(meta),
            None => return Ok(visible(prefix, files)),
        }
    }
    let spanned: BTreeSet<String> = files
        .iter()
        .filter_map(|meta| folder_of(prefix, &meta.location))
        .collect();
    if spanned.len() < LIST_CONCURRENCY {
        drop(flat);
        return list_tree(store, prefix).await;
    }
    while let Some(meta) = flat.try_next().await? {
        files.push(meta);
    }
    Ok(visible(prefix, files))
}

/// The folder of `location` relative to `prefix` (`""` for a file directly under it).
fn folder_of(prefix: &Path, location: &Path) -> Option<String> {
    let parts: Vec<_> = location.prefix_match(prefix)?.collect();
    let folders = &parts[..parts.len().saturating_sub(1)];
    Some(
        folders
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<&str>>()
            .join("/"),
    )
}

/// `files` less those inside hidden or `_`-prefixed folders, sorted by path.
fn visible(prefix: &Path, mut files: Vec<ObjectMeta>) -> Vec<ObjectMeta> {
    files.retain(|meta| {
        folder_of(prefix, &meta.location).is_some_and(|folder| {
            folder
                .split('/')
                .all(|name| !name.starts_with('.') && !name.starts_with('_'))
        })
    });
    files.sort_by(|a, b| a.location.cmp(&b.location));
    files
}

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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use object_store::memory::InMemory;
    use object_store::{ObjectStoreExt, PutPayload};

    use super::*;

    async fn store_with(keys: &[String]) -> Arc<dyn ObjectStore> {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        for key in keys {
            store
                .put(&Path::from(key.as_str()), PutPayload::from_static(b"x"))
                .await
                .unwrap();
        }
        store
    }

    fn names(files: &[ObjectMeta]) -> Vec<String> {
        files.iter().map(|m| m.location.to_string()).collect()
    }

    #[tokio::test]
    async fn a_table_is_listed_whole_whichever_way_its_folders_are_shaped() {
        let hidden = [
            "t/_temporary/0/part.parquet",
            "t/.spark-staging/part.parquet",
            "t/day=01/_tmp/part.parquet",
        ];
        // One page; more pages over many folders (flat); more pages over few folders (by folder).
        for (folders, per_folder) in [(20, 10), (600, 3), (4, 400)] {
            let mut keys: Vec<String> = (0..folders)
                .flat_map(|f| {
                    (0..per_folder).map(move |i| format!("t/day={f:03}/part-{i:03}.parquet"))
                })
                .collect();
            keys.push("t/_SUCCESS".into());
            keys.push("other/day=001/part.parquet".into());
            let mut all = keys.clone();
            all.extend(hidden.iter().map(|k| (*k).to_owned()));
            let store = store_with(&all).await;
            let listed = names(&list_table(&store, &Path::from("t")).await.unwrap());
            keys.retain(|k| k.starts_with("t/"));
            keys.sort();
            assert_eq!(listed, keys, "{folders} folders of {per_folder}");
            let tree = names(&list_tree(&store, &Path::from("t")).await.unwrap());
            assert_eq!(listed, tree, "{folders} folders of {per_folder}");
        }
    }
}
