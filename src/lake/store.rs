//! [`LakeStore`]: the object store DataFusion reads a lake through. It is rooted at the lake (so no
//! path can reach outside it), refuses every write, and lists only data files.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult,
};

use super::aws::S3Context;
use super::files::{NameClass, classify_name};

/// A read-only view of a lake root that hides non-data objects from listings.
#[derive(Debug)]
pub struct LakeStore {
    inner: Arc<dyn ObjectStore>,
    /// The root as a person would write it (`/data/lake`, `s3://bucket/prefix`), for messages.
    display_root: String,
    /// For S3 lakes: who asks for what, to explain failures.
    s3: Option<S3Context>,
}

impl LakeStore {
    /// Wraps a store whose paths are relative to the lake root.
    pub fn new(inner: Arc<dyn ObjectStore>, display_root: impl Into<String>) -> Self {
        Self {
            inner,
            display_root: display_root.into(),
            s3: None,
        }
    }

    /// The region and endpoint an S3 lake was opened with (after the profile and environment were
    /// read); `None` for a local folder.
    pub fn s3_context(&self) -> Option<&S3Context> {
        self.s3.as_ref()
    }

    /// The same store, with S3 context for error messages.
    #[must_use]
    pub fn with_s3_context(mut self, context: S3Context) -> Self {
        self.s3 = Some(context);
        self
    }

    /// A store failure in words a person can act on.
    pub fn explain(&self, err: &object_store::Error) -> String {
        match &self.s3 {
            Some(context) => context.explain(err),
            None => super::error::error_text(err),
        }
    }

    /// The unfiltered store, for discovery (which reports what it skips).
    pub fn raw(&self) -> &Arc<dyn ObjectStore> {
        &self.inner
    }

    /// The lake root as a person would write it.
    pub fn display_root(&self) -> &str {
        &self.display_root
    }

    /// The full, human-readable location of an object in the lake.
    pub fn display_path(&self, path: &Path) -> String {
        format!("{}/{}", self.display_root.trim_end_matches('/'), path)
    }
}

/// Whether a listed object is something a table may read.
pub fn is_listable(meta: &ObjectMeta) -> bool {
    meta.size > 0
        && !matches!(
            classify_name(meta.location.as_ref()),
            NameClass::Ignored | NameClass::Unrecognized
        )
}

fn is_listable_dir(prefix: &Path) -> bool {
    prefix
        .filename()
        .is_some_and(|name| !name.starts_with('.') && !name.starts_with('_'))
}

pub(super) fn read_only_error(operation: &str, path: &Path) -> object_store::Error {
    object_store::Error::NotSupported {
        source: format!(
            "Lakesight never writes to a data source it reads (refused {operation} of {path})"
        )
        .into(),
    }
}

/// Every delete of `locations` refused.
pub(super) fn refused_deletes(
    locations: BoxStream<'static, object_store::Result<Path>>,
) -> BoxStream<'static, object_store::Result<Path>> {
    locations
        .map(|location| location.and_then(|path| Err(read_only_error("delete", &path))))
        .boxed()
}

impl fmt::Display for LakeStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LakeStore({})", self.display_root)
    }
}

#[async_trait]
impl ObjectStore for LakeStore {
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
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[std::ops::Range<u64>],
    ) -> object_store::Result<Vec<bytes::Bytes>> {
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        refused_deletes(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner
            .list(prefix)
            .try_filter(|meta| futures::future::ready(is_listable(meta)))
            .boxed()
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner
            .list_with_offset(prefix, offset)
            .try_filter(|meta| futures::future::ready(is_listable(meta)))
            .boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        let mut result = self.inner.list_with_delimiter(prefix).await?;
        result.objects.retain(is_listable);
        result.common_prefixes.retain(is_listable_dir);
        Ok(result)
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

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::ObjectStoreExt;
    use object_store::memory::InMemory;

    #[tokio::test]
    async fn refuses_writes_and_hides_non_data() {
        let inner: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        for (path, body) in [
            ("t/a.parquet", &b"PAR1"[..]),
            ("t/_SUCCESS", b""),
            ("t/.a.parquet.crc", b"x"),
            ("t/_temporary/0/b.parquet", b"PAR1"),
            ("t/empty.parquet", b""),
            ("t/notes.txt", b"hello"),
        ] {
            inner
                .put(&Path::from(path), PutPayload::from(body.to_vec()))
                .await
                .expect("put");
        }
        let store = LakeStore::new(inner, "/lake");
        let listed: Vec<String> = store
            .list(Some(&Path::from("t")))
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .expect("list");
        assert_eq!(listed, vec!["t/a.parquet".to_owned()]);

        let err = store
            .put(&Path::from("t/new.parquet"), PutPayload::from_static(b"x"))
            .await
            .expect_err("read-only");
        assert!(err.to_string().contains("never writes"), "{err}");
        let err = store
            .delete(&Path::from("t/a.parquet"))
            .await
            .expect_err("read-only");
        assert!(err.to_string().contains("never writes"), "{err}");
        assert!(
            store.head(&Path::from("t/a.parquet")).await.is_ok(),
            "data is untouched"
        );
    }
}
