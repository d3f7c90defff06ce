//! [`InsideRoot`]: a local lake folder that follows only the symbolic links that lead somewhere
//! inside it (`LinkPolicy::Inside`). The `LocalFileSystem` of `object_store` follows every link, so a
//! `consumption/loot -> /home/you` link in a folder someone handed over would make the user's home
//! a table. Here listings walk the folder one level at a time and never step through a link that
//! leaves the root (so a link to `/` costs nothing); files reached that way are left out of
//! listings and refused when read. Links that stay inside, and plain files, read as before, with
//! the same paths and metadata as `LocalFileSystem` gives them (it does the listing and reading).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::{self, BoxStream};
use futures::{StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult,
};

use super::store::{read_only_error, refused_deletes};

/// Folders listed at the same time while walking a level of a table.
const FOLDERS_AT_ONCE: usize = 32;

/// A local lake whose symbolic links are followed only while they stay inside its root.
#[derive(Debug, Clone)]
pub struct InsideRoot {
    inner: Arc<LocalFileSystem>,
    /// The root, canonical (absolute, links resolved).
    root: PathBuf,
}

impl InsideRoot {
    /// Wraps `inner`, rooted at `root` (canonicalized here).
    pub fn new(inner: LocalFileSystem, root: &std::path::Path) -> std::io::Result<Self> {
        Ok(Self {
            inner: Arc::new(inner),
            root: root.canonicalize()?,
        })
    }

    /// Where `location` really is, when that is inside the root (`None`: it leaves the root, or
    /// does not exist).
    fn real_inside(&self, location: &Path) -> Option<PathBuf> {
        let path = self.inner.path_to_filesystem(location).ok()?;
        let real = std::fs::canonicalize(path).ok()?;
        real.starts_with(&self.root).then_some(real)
    }

    /// Whether the file at `location`, listed in a folder already known to be inside, stays
    /// inside: it does unless it is itself a link that leads out.
    fn file_stays_inside(&self, location: &Path) -> bool {
        let Ok(path) = self.inner.path_to_filesystem(location) else {
            return false;
        };
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => self.real_inside(location).is_some(),
            Ok(_) => true,
            Err(_) => false,
        }
    }

    /// Refuses to read `location` when it is reached through a link that leaves the root; a
    /// missing file is left to the inner store to report.
    fn check_read(&self, location: &Path) -> object_store::Result<()> {
        let Ok(path) = self.inner.path_to_filesystem(location) else {
            return Ok(());
        };
        if std::fs::symlink_metadata(&path).is_err() {
            return Ok(());
        }
        if self.real_inside(location).is_some() {
            return Ok(());
        }
        Err(object_store::Error::NotFound {
            path: location.to_string(),
            source: "it is reached through a symbolic link that leads outside the lake folder, \
                     and this lake follows only links that stay inside it"
                .into(),
        })
    }

    /// One level of `prefix` with the folders and files that lead outside left out (the
    /// folders' real paths are returned too, to walk them once each).
    async fn level(
        &self,
        prefix: Option<&Path>,
    ) -> object_store::Result<(Vec<(Path, PathBuf)>, Vec<ObjectMeta>)> {
        let listed = self.inner.list_with_delimiter(prefix).await?;
        let this = self.clone();
        // Resolving links is blocking file-system work.
        let checked = tokio::task::spawn_blocking(move || {
            let folders: Vec<(Path, PathBuf)> = listed
                .common_prefixes
                .into_iter()
                .filter_map(|folder| {
                    let real = this.real_inside(&folder);
                    if real.is_none() {
                        tracing::warn!(
                            "left out {folder}: a symbolic link that leads outside the lake folder"
                        );
                    }
                    real.map(|real| (folder, real))
                })
                .collect();
            let files: Vec<ObjectMeta> = listed
                .objects
                .into_iter()
                .filter(|meta| {
                    let inside = this.file_stays_inside(&meta.location);
                    if !inside {
                        tracing::warn!(
                            "left out {}: a symbolic link that leads outside the lake folder",
                            meta.location
                        );
                    }
                    inside
                })
                .collect();
            (folders, files)
        })
        .await
        .map_err(|err| object_store::Error::Generic {
            store: "InsideRoot",
            source: Box::new(err),
        })?;
        Ok(checked)
    }

    /// Every file under `prefix`, walking the folders of each level side by side (at most
    /// [`FOLDERS_AT_ONCE`] listings at a time, taken in order so the walk is the same every time).
    /// Each real folder is listed once, by the first path that reaches it: a link back up the
    /// tree is no loop, and links that meet again (`a -> c`, `b -> c`, level after level) cost
    /// one listing each, not one per path, and count no file twice.
    async fn walk(&self, prefix: Option<Path>) -> object_store::Result<Vec<ObjectMeta>> {
        let prefix = prefix.unwrap_or_default();
        let start = if prefix.as_ref().is_empty() {
            self.root.clone()
        } else {
            let Some(real) = self.real_inside(&prefix) else {
                // Missing, or outside: nothing to list.
                return Ok(Vec::new());
            };
            if real.is_file() {
                // A table that is one file lists that file.
                let head = GetOptions {
                    head: true,
                    ..GetOptions::default()
                };
                return Ok(vec![self.inner.get_opts(&prefix, head).await?.meta]);
            }
            real
        };
        let mut seen: HashSet<PathBuf> = HashSet::from([start]);
        let mut level: Vec<Path> = vec![prefix];
        let mut files = Vec::new();
        while !level.is_empty() {
            let listed: Vec<_> = stream::iter(std::mem::take(&mut level))
                .map(|folder| async move {
                    let target = (!folder.as_ref().is_empty()).then_some(&folder);
                    self.level(target).await
                })
                .buffered(FOLDERS_AT_ONCE)
                .try_collect()
                .await?;
            for (folders, found) in listed {
                files.extend(found);
                for (child, real) in folders {
                    if seen.insert(real) {
                        level.push(child);
                    }
                }
            }
        }
        Ok(files)
    }

    /// [`InsideRoot::walk`] as the stream `list` returns.
    fn walk_stream(
        &self,
        prefix: Option<&Path>,
    ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let (this, prefix) = (self.clone(), prefix.cloned());
        stream::once(async move { this.walk(prefix).await })
            .map_ok(|files| stream::iter(files.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}

impl std::fmt::Display for InsideRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "InsideRoot({})", self.root.display())
    }
}

#[async_trait]
impl ObjectStore for InsideRoot {
    async fn put_opts(
        &self,
        location: &Path,
        _payload: PutPayload,
        _opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        Err(read_only_error("put", location))
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        _opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        Err(read_only_error("multipart upload", location))
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        self.check_read(location)?;
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[std::ops::Range<u64>],
    ) -> object_store::Result<Vec<bytes::Bytes>> {
        self.check_read(location)?;
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        refused_deletes(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.walk_stream(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let offset = offset.clone();
        self.walk_stream(prefix)
            .try_filter(move |meta| futures::future::ready(meta.location > offset))
            .boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        if let Some(prefix) = prefix.filter(|p| !p.as_ref().is_empty())
            && self.real_inside(prefix).is_none()
        {
            return Ok(ListResult {
                common_prefixes: Vec::new(),
                objects: Vec::new(),
            });
        }
        let (folders, objects) = self.level(prefix).await?;
        Ok(ListResult {
            common_prefixes: folders.into_iter().map(|(folder, _)| folder).collect(),
            objects,
        })
    }

    async fn copy_opts(
        &self,
        _from: &Path,
        to: &Path,
        _options: CopyOptions,
    ) -> object_store::Result<()> {
        Err(read_only_error("copy", to))
    }
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use object_store::ObjectStoreExt;

    use super::*;

    /// A lake with a plain table, a link to a table inside it, a link to a folder outside it and
    /// a file linked in from outside.
    fn lake() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("lake");
        let outside = dir.path().join("elsewhere");
        std::fs::create_dir_all(root.join("consumption/orders/day=01")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(root.join("consumption/orders/day=01/a.json"), "{}").unwrap();
        std::fs::write(outside.join("secret.json"), "{\"key\": 1}").unwrap();
        let link = |target: &std::path::Path, at: &str| {
            std::os::unix::fs::symlink(target, root.join(at)).unwrap();
        };
        link(&root.join("consumption/orders"), "consumption/orders_again");
        link(&outside, "consumption/loot");
        link(
            &outside.join("secret.json"),
            "consumption/orders/day=01/b.json",
        );
        (dir, root)
    }

    fn names(listed: &[ObjectMeta]) -> Vec<String> {
        let mut names: Vec<String> = listed.iter().map(|m| m.location.to_string()).collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn links_that_leave_the_lake_are_neither_listed_nor_read() {
        let (_dir, root) = lake();
        let store =
            InsideRoot::new(LocalFileSystem::new_with_prefix(&root).unwrap(), &root).unwrap();
        let listed = |prefix: &'static str| {
            let store = store.clone();
            async move {
                let found: Vec<ObjectMeta> = store
                    .list(Some(&Path::from(prefix)))
                    .try_collect()
                    .await
                    .unwrap();
                names(&found)
            }
        };
        assert_eq!(
            listed("consumption/orders").await,
            ["consumption/orders/day=01/a.json"],
            "the file linked in from outside is left out"
        );
        assert_eq!(
            listed("consumption/orders_again").await,
            ["consumption/orders_again/day=01/a.json"],
            "a link that stays inside is followed"
        );
        let all: Vec<ObjectMeta> = store.list(None).try_collect().await.unwrap();
        assert_eq!(
            names(&all),
            ["consumption/orders/day=01/a.json"],
            "nothing from outside, and the folder reached twice listed once"
        );
        let zone = store
            .list_with_delimiter(Some(&Path::from("consumption")))
            .await
            .unwrap();
        let folders: Vec<String> = zone
            .common_prefixes
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(
            folders.contains(&"consumption/orders".to_owned()),
            "{folders:?}"
        );
        assert!(
            !folders.contains(&"consumption/loot".to_owned()),
            "{folders:?}"
        );
        let loot: Vec<ObjectMeta> = store
            .list(Some(&Path::from("consumption/loot")))
            .try_collect()
            .await
            .unwrap();
        assert!(loot.is_empty());
        let err = store
            .get(&Path::from("consumption/loot/secret.json"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("outside the lake folder"), "{err}");
        assert!(
            store
                .get(&Path::from("consumption/orders/day=01/b.json"))
                .await
                .is_err()
        );
        let inside = store
            .get(&Path::from("consumption/orders_again/day=01/a.json"))
            .await
            .unwrap();
        assert_eq!(inside.bytes().await.unwrap().as_ref(), b"{}");
        // A single-file prefix lists that file.
        let one: Vec<ObjectMeta> = store
            .list(Some(&Path::from("consumption/orders/day=01/a.json")))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(names(&one), ["consumption/orders/day=01/a.json"]);
    }

    /// Folders `d0`…`d15`, each with one file and two links to the next: 2^15 paths, 16 folders.
    #[tokio::test]
    async fn links_that_meet_again_are_walked_once_and_count_each_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("lake");
        for n in 0..16 {
            let folder = root.join(format!("t/d{n}"));
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join(format!("f{n}.json")), "{}").unwrap();
            if n < 15 {
                for name in ["a", "b"] {
                    let next = root.join(format!("t/d{}", n + 1));
                    std::os::unix::fs::symlink(&next, folder.join(name)).unwrap();
                }
            }
        }
        let store =
            InsideRoot::new(LocalFileSystem::new_with_prefix(&root).unwrap(), &root).unwrap();
        let found: Vec<ObjectMeta> = store
            .list(Some(&Path::from("t/d0")))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(found.len(), 16, "{:?}", names(&found));
        let again: Vec<ObjectMeta> = store
            .list(Some(&Path::from("t/d0")))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(names(&found), names(&again), "the same walk every time");
    }

    #[tokio::test]
    async fn the_plain_local_store_follows_every_link() {
        let (_dir, root) = lake();
        let store = LocalFileSystem::new_with_prefix(&root).unwrap();
        let loot: Vec<ObjectMeta> = store
            .list(Some(&Path::from("consumption/loot")))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(names(&loot), ["consumption/loot/secret.json"]);
    }
}
