//! How a scheduler or an executor opens the client's lake: from the [`LakeOptions`] sent with the
//! session, on first use, with its own credentials or the short-lived keys the client forwarded.
//!
//! Ballista asks for a session's runtime synchronously, while opening an S3 lake is async (the
//! region and credentials chain), so the lake is registered as [`LazyLake`]: a store that opens
//! the lake the first time it is read, and then keeps it. Stores are kept per lake and per
//! forwarded keys, so every session of one lake shares its connections, and a session that
//! forwarded nothing never signs with keys another client forwarded.

use std::collections::HashMap;
use std::fmt;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::SessionState;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::SessionConfig;
use futures::stream::{self, BoxStream};
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult,
};
use tokio::sync::OnceCell;

use datafusion::execution::object_store::ObjectStoreRegistry;

use super::{LakeOptions, Served};
use crate::lake::aws::SessionKeys;
use crate::lake::{Lake, S3Tuning};
use crate::model::SourceSpec;

/// At most this many lakes' stores are kept by one scheduler or executor.
const KEPT_LAKES: usize = 16;

/// A lake opened on first use by the process it runs in.
pub struct LazyLake {
    spec: SourceSpec,
    /// Keys the client forwarded, signing instead of this process's own credentials.
    keys: Option<SessionKeys>,
    opened: Arc<OnceCell<Arc<dyn ObjectStore>>>,
}

impl LazyLake {
    fn new(spec: SourceSpec, keys: Option<SessionKeys>) -> Self {
        Self {
            spec,
            keys,
            opened: Arc::new(OnceCell::new()),
        }
    }

    /// The lake's store, opened now if it was not yet.
    async fn open(
        spec: &SourceSpec,
        keys: Option<&SessionKeys>,
        opened: &OnceCell<Arc<dyn ObjectStore>>,
    ) -> object_store::Result<Arc<dyn ObjectStore>> {
        opened
            .get_or_try_init(|| async {
                let tuning = S3Tuning {
                    any_credentials: true,
                    forwarded: keys.cloned(),
                    ..S3Tuning::default()
                };
                match Lake::attach_with(spec, &tuning).await {
                    Ok(lake) => Ok(Arc::clone(&lake.store) as Arc<dyn ObjectStore>),
                    Err(err) => Err(object_store::Error::Generic {
                        store: "lakesight",
                        source: format!("{} cannot open the lake: {err}", this_host()).into(),
                    }),
                }
            })
            .await
            .cloned()
    }

    async fn store(&self) -> object_store::Result<Arc<dyn ObjectStore>> {
        Self::open(&self.spec, self.keys.as_ref(), &self.opened).await
    }

    /// A stream that opens the lake, then streams what `f` asks of it.
    fn streamed<T: Send + 'static>(
        &self,
        f: impl FnOnce(Arc<dyn ObjectStore>) -> BoxStream<'static, object_store::Result<T>>
        + Send
        + 'static,
    ) -> BoxStream<'static, object_store::Result<T>> {
        let (spec, keys) = (self.spec.clone(), self.keys.clone());
        let opened = Arc::clone(&self.opened);
        stream::once(async move { Self::open(&spec, keys.as_ref(), &opened).await.map(f) })
            .try_flatten()
            .boxed()
    }
}

/// This machine's name, to say which process could not read a lake.
fn this_host() -> String {
    let name = sysinfo::System::host_name().unwrap_or_else(|| "this machine".to_owned());
    format!("the cluster process on {name}")
}

impl fmt::Debug for LazyLake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LazyLake({})", self.spec)
    }
}

impl fmt::Display for LazyLake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LazyLake({})", self.spec)
    }
}

#[async_trait]
impl ObjectStore for LazyLake {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        // The lake's own store refuses every write.
        self.store().await?.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.store().await?.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        self.store().await?.get_opts(location, options).await
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[std::ops::Range<u64>],
    ) -> object_store::Result<Vec<bytes::Bytes>> {
        self.store().await?.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        self.streamed(move |store| store.delete_stream(locations))
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let prefix = prefix.cloned();
        self.streamed(move |store| store.list(prefix.as_ref()))
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let prefix = prefix.cloned();
        let offset = offset.clone();
        self.streamed(move |store| store.list_with_offset(prefix.as_ref(), &offset))
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        self.store().await?.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        self.store().await?.copy_opts(from, to, options).await
    }
}

/// The lakes this process has opened, by what names them.
fn kept() -> &'static Mutex<HashMap<String, Arc<LazyLake>>> {
    static KEPT: std::sync::OnceLock<Mutex<HashMap<String, Arc<LazyLake>>>> =
        std::sync::OnceLock::new();
    KEPT.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The store of the lake `spec` names, read with `keys` (else this process's own credentials),
/// shared by every session of it with the same keys in this process.
fn lake_store((spec, keys): (SourceSpec, Option<SessionKeys>)) -> Arc<LazyLake> {
    // Debug quotes and escapes every field: no two sources share a key. Forwarded keys are told
    // apart by a digest of the whole keys, never kept as text.
    let mut key = format!("{spec:?}");
    if let Some(keys) = &keys {
        use sha2::Digest;
        let digest = sha2::Sha256::new()
            .chain_update(keys.key_id.as_bytes())
            .chain_update([0])
            .chain_update(keys.secret.as_bytes())
            .chain_update([0])
            .chain_update(keys.token.as_deref().unwrap_or_default().as_bytes())
            .finalize();
        key.push_str(" keys ");
        for byte in digest {
            let _ = write!(key, "{byte:02x}");
        }
    }
    let mut kept = kept()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(store) = kept.get(&key) {
        return Arc::clone(store);
    }
    if kept.len() >= KEPT_LAKES {
        // Rare (a cluster serving many lakes): start over rather than track use.
        kept.clear();
    }
    let store = Arc::new(LazyLake::new(spec, keys));
    kept.insert(key, Arc::clone(&store));
    store
}

/// The lake a session's query reads, checked: the client's version, and a lake this process
/// serves; with the keys the client forwarded for it, if any.
fn lake_of(
    config: &SessionConfig,
    served: &Served,
) -> Result<Option<(SourceSpec, Option<SessionKeys>)>> {
    let Some(options) = config.options().extensions.get::<LakeOptions>() else {
        return Ok(None);
    };
    options
        .check_version()
        .map_err(DataFusionError::Configuration)?;
    if options.root.is_empty() {
        return Ok(None);
    }
    let spec = served
        .source_for(&options.root)
        .map_err(DataFusionError::Configuration)?;
    let keys = options.credentials.clone().filter(|_| spec.is_s3());
    Ok(Some((spec, keys)))
}

/// The only store a cluster process reads through: the query's lake at `lakesight://lake/`.
/// Every other URL (`file://`, `s3://`, `http://`) is refused, so a plan sent to the cluster,
/// from Lakesight or from anything that can reach its port, reads nothing but a lake it serves
/// (and that lake's store refuses every write).
#[derive(Debug)]
struct LakeOnly {
    lake: Option<Arc<LazyLake>>,
}

impl ObjectStoreRegistry for LakeOnly {
    fn register_store(
        &self,
        url: &url::Url,
        _store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        tracing::warn!("a cluster process registers no store ({url} ignored)");
        None
    }

    fn get_store(&self, url: &url::Url) -> Result<Arc<dyn ObjectStore>> {
        let is_lake = url.scheme() == Lake::url().scheme() && url.host_str() == Some("lake");
        match (&self.lake, is_lake) {
            (Some(lake), true) => Ok(Arc::clone(lake) as Arc<dyn ObjectStore>),
            (None, true) => Err(DataFusionError::Configuration(
                "the query names no lake".to_owned(),
            )),
            (_, false) => Err(DataFusionError::Configuration(format!(
                "a cluster reads only the query's lake, not {}://{}",
                url.scheme(),
                url.host_str().unwrap_or_default()
            ))),
        }
    }
}

/// A session's runtime on a scheduler or an executor: the lake its client named, when `served`
/// holds it, registered where the client's plans read it (`lakesight://lake/`), and nothing else.
pub fn runtime_for(config: &SessionConfig, served: &Served) -> Result<Arc<RuntimeEnv>> {
    let lake = lake_of(config, served)?.map(lake_store);
    RuntimeEnvBuilder::new()
        .with_object_store_registry(Arc::new(LakeOnly { lake }))
        .build_arc()
}

/// A session on the scheduler: Ballista's, with the lake's runtime and Lakesight's functions.
pub fn session_for(config: SessionConfig, served: &Served) -> Result<SessionState> {
    let runtime = runtime_for(&config, served)?;
    let state = ballista_core::utils::default_session_builder(config)?;
    let mut state = SessionStateBuilder::new_from_existing(state)
        .with_runtime_env(runtime)
        .build();
    super::serve::add_functions(&mut state)?;
    Ok(state)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_query_that_forwarded_nothing_never_signs_with_forwarded_keys() {
        let spec: SourceSpec = "s3://bucket/lake".parse().unwrap();
        let keys = |secret: &str| SessionKeys {
            key_id: "ASIAKEY".to_owned(),
            secret: secret.to_owned(),
            token: Some("token".to_owned()),
            expires: None,
        };
        let own = lake_store((spec.clone(), None));
        let forwarded = lake_store((spec.clone(), Some(keys("secret-alpha"))));
        assert!(!Arc::ptr_eq(&own, &forwarded));
        assert!(own.keys.is_none());
        // The same keys share a store; other keys (another analyst) get their own.
        assert!(Arc::ptr_eq(
            &forwarded,
            &lake_store((spec.clone(), Some(keys("secret-alpha"))))
        ));
        let other = lake_store((spec.clone(), Some(keys("secret-beta"))));
        assert!(!Arc::ptr_eq(&forwarded, &other));
        assert!(Arc::ptr_eq(&own, &lake_store((spec, None))));
        // Kept under a digest: the map's keys hold no secret.
        let kept = kept().lock().unwrap();
        assert!(
            kept.keys()
                .all(|key| !key.contains("secret-alpha") && !key.contains("secret-beta"))
        );
    }
}
