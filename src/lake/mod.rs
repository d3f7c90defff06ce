//! Everything about reaching a lake's data: the object store for a [`SourceSpec`] (a local folder,
//! or S3 through the analyst's AWS profiles), table discovery (zones, tables, Hive partitions,
//! formats), schema inference with drift, change detection, and the reader for JSON and CSV files.
//! No egui, no SQL execution.

pub mod aws;
pub mod bundled;
mod catalog;
pub mod changes;
pub mod discover;
pub mod error;
pub mod files;
mod infer;
mod inside;
pub mod listing;
pub mod partitions;
pub mod schema;
mod store;
pub mod text_format;
pub mod watch;

use std::sync::Arc;

use object_store::local::LocalFileSystem;
use url::Url;

pub use aws::S3Tuning;
pub use catalog::{Catalog, TableInfo, TableProblem};
pub use discover::{DiscoverOptions, discover};
pub use error::{LakeError, UnreadableFile};
pub use infer::SchemaError;
pub use store::{LakeStore, is_listable};

/// Lakesight's cache folder: `LAKESIGHT_CACHE_DIR`, else `lakesight` in the user's cache folder
/// (`~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows). It holds
/// the unpacked sample lake and the engine's Parquet footers; deleting it loses nothing.
pub fn cache_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("LAKESIGHT_CACHE_DIR")
        .filter(|dir| !dir.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|d| d.join("lakesight")))
}

use crate::model::{LinkPolicy, SourceLocation, SourceSpec};

/// The URL a lake's store is registered under in DataFusion; table URLs live beneath it, so a
/// query can only reach objects inside the attached lake.
pub const LAKE_URL: &str = "lakesight://lake/";

/// An attached lake: its source and the read-only store rooted at it.
#[derive(Debug, Clone)]
pub struct Lake {
    /// What the user attached.
    pub spec: SourceSpec,
    /// The store, rooted at the lake.
    pub store: Arc<LakeStore>,
}

impl Lake {
    /// Attaches to a source: checks it exists (local) or loads its AWS profile (S3) and roots a
    /// store at it. Nothing is listed yet.
    pub async fn attach(spec: &SourceSpec) -> Result<Self, LakeError> {
        Self::attach_with(spec, &S3Tuning::default()).await
    }

    /// [`Lake::attach`] with explicit S3 retry and timeout settings.
    pub async fn attach_with(spec: &SourceSpec, tuning: &S3Tuning) -> Result<Self, LakeError> {
        let store = match &spec.location {
            SourceLocation::Local { path } => {
                let root = std::path::absolute(path).unwrap_or_else(|_| path.clone());
                match std::fs::metadata(&root) {
                    Err(_) => return Err(LakeError::FolderNotFound(root)),
                    Ok(meta) if !meta.is_dir() => return Err(LakeError::NotAFolder(root)),
                    Ok(_) => {}
                }
                let root = root.canonicalize().unwrap_or(root);
                let list_error = |message: String| LakeError::List {
                    location: root.display().to_string(),
                    message,
                };
                let inner = LocalFileSystem::new_with_prefix(&root)
                    .map_err(|e| list_error(e.to_string()))?;
                let inner: Arc<dyn object_store::ObjectStore> = match spec.links {
                    LinkPolicy::All => Arc::new(inner),
                    LinkPolicy::Inside => Arc::new(
                        inside::InsideRoot::new(inner, &root)
                            .map_err(|e| list_error(e.to_string()))?,
                    ),
                };
                LakeStore::new(inner, root.display().to_string())
            }
            SourceLocation::S3 { bucket, prefix } => {
                let (inner, context) = aws::open_s3(spec, bucket, prefix, tuning).await?;
                LakeStore::new(inner, spec.to_string()).with_s3_context(context)
            }
        };
        Ok(Self {
            spec: spec.clone(),
            store: Arc::new(store),
        })
    }

    /// The URL the store is registered under.
    pub fn url() -> Url {
        Url::parse(LAKE_URL).expect("LAKE_URL is a valid URL")
    }

    /// The URL of a table's folder or file under [`LAKE_URL`].
    pub fn table_url(table: &TableInfo) -> String {
        if table.single_file {
            format!("{LAKE_URL}{}", table.prefix)
        } else {
            format!("{LAKE_URL}{}/", table.prefix)
        }
    }

    /// Discovers the lake's tables.
    pub async fn discover(&self, options: &DiscoverOptions) -> Result<Catalog, LakeError> {
        discover(&self.store, options).await
    }

    /// Discovers the lake's tables, reading schemas through `state` (see [`discover::discover_in`]).
    pub async fn discover_in(
        &self,
        options: &DiscoverOptions,
        state: &datafusion::execution::SessionState,
    ) -> Result<Catalog, LakeError> {
        discover::discover_in(&self.store, options, state).await
    }

    /// What tells this lake from any other in a cache: its root and the endpoint serving it.
    pub fn identity(&self) -> String {
        format!(
            "{}|{}",
            self.store.display_root(),
            self.spec.endpoint.as_deref().unwrap_or_default()
        )
    }
}
