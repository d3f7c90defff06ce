//! Saying which file broke a query. JSON and CSV errors already carry the file; for Parquet and
//! Arrow (whose readers do not name files) the failing table's files are read one by one until the
//! culprit is found. This costs nothing on the success path and runs only after a failure.

use std::error::Error as _;

use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::DataFusionError;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore};

use super::{Engine, EngineError, register};
use crate::lake::{LAKE_URL, TableInfo, UnreadableFile, partitions};

/// Files read one by one, at most, when looking for the one that broke a query.
const MAX_FILES_PROBED: usize = 2000;

/// Turns a failure while running a query into the clearest error available.
pub(super) async fn explain_failure(
    engine: &Engine,
    err: DataFusionError,
    tables: &[TableInfo],
) -> EngineError {
    if let Some(bad) = find_unreadable(&err) {
        return EngineError::UnreadableFile {
            table: owner(tables, &bad.path),
            path: bad.path.clone(),
            reason: bad.reason.clone(),
        };
    }
    if let DataFusionError::ObjectStore(store_err) = err.find_root() {
        return EngineError::Storage(engine.lake().store.explain(store_err));
    }
    if may_be_bad_data(&err) {
        for table in tables {
            if let Some((path, reason)) = probe_table(engine, table).await {
                return EngineError::UnreadableFile {
                    table: table.qualified_name(),
                    path,
                    reason,
                };
            }
        }
    }
    EngineError::Execution(err)
}

fn owner(tables: &[TableInfo], path: &str) -> String {
    tables
        .iter()
        .find(|t| {
            path.contains(&format!("/{}/", t.prefix)) || path.ends_with(&format!("/{}", t.prefix))
        })
        .map_or_else(|| "?".to_owned(), TableInfo::qualified_name)
}

/// The [`UnreadableFile`] somewhere in an error's chain.
fn find_unreadable(err: &DataFusionError) -> Option<&UnreadableFile> {
    for e in err.iter() {
        let mut source: Option<&(dyn std::error::Error + 'static)> = match e {
            DataFusionError::External(inner) => Some(inner.as_ref()),
            DataFusionError::ArrowError(inner, _) => inner.source(),
            _ => None,
        };
        while let Some(current) = source {
            if let Some(found) = current.downcast_ref::<UnreadableFile>() {
                return Some(found);
            }
            if let Some(DataFusionError::External(inner)) =
                current.downcast_ref::<DataFusionError>()
            {
                source = Some(inner.as_ref());
                continue;
            }
            source = current.source();
        }
    }
    None
}

fn may_be_bad_data(err: &DataFusionError) -> bool {
    !matches!(
        err.find_root(),
        DataFusionError::ResourcesExhausted(_)
            | DataFusionError::Plan(_)
            | DataFusionError::SQL(..)
            | DataFusionError::NotImplemented(_)
            | DataFusionError::Configuration(_)
    )
}

/// Reads a table's files one at a time; the first that fails, with why.
async fn probe_table(engine: &Engine, table: &TableInfo) -> Option<(String, String)> {
    let store = &engine.lake().store;
    let prefix = Path::from(table.prefix.as_str());
    let mut files: Vec<ObjectMeta> = store
        .list(Some(&prefix))
        .try_filter(|meta| {
            let relative = meta
                .location
                .as_ref()
                .strip_prefix(table.prefix.as_str())
                .unwrap_or_default()
                .trim_start_matches('/');
            let in_layout =
                table.single_file || partitions::keys_of(relative) == table.partition_columns;
            futures::future::ready(
                in_layout && meta.location.as_ref().ends_with(&table.file_extension),
            )
        })
        .try_collect()
        .await
        .ok()?;
    files.sort_by(|a, b| a.location.cmp(&b.location));
    for meta in files.into_iter().take(MAX_FILES_PROBED) {
        if let Err(err) = read_one(engine, table, &meta).await {
            let reason = match find_unreadable(&err) {
                Some(bad) => bad.reason.clone(),
                None => err.find_root().strip_backtrace(),
            };
            return Some((store.display_path(&meta.location), reason));
        }
    }
    None
}

async fn read_one(
    engine: &Engine,
    table: &TableInfo,
    meta: &ObjectMeta,
) -> datafusion::error::Result<()> {
    let ctx = engine.session();
    let format = register::file_format(ctx, table, engine.lake().store.display_root());
    let config = ListingTableConfig::new(ListingTableUrl::parse(format!(
        "{LAKE_URL}{}",
        meta.location
    ))?)
    .with_listing_options(ListingOptions::new(format).with_file_extension(""))
    .with_schema(table.columns.clone());
    let frame = ctx.read_table(std::sync::Arc::new(ListingTable::try_new(config)?))?;
    let mut stream = frame.execute_stream().await?;
    while let Some(batch) = stream.next().await {
        batch?;
    }
    Ok(())
}
