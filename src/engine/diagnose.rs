//! Saying which file broke a query. JSON and CSV errors already carry the file. Parquet and Arrow
//! readers do not name files, so when one of them fails to decode (what a corrupt file causes),
//! the failing format's tables are read one file at a time until the culprit is found, within a
//! [`DiagnoseBudget`] of files and time. Any other failure (a cast, a division by zero, a plan
//! or memory error) is reported at once: no file could explain it. Costs nothing on success.

use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::error::ArrowError;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::DataFusionError;
use datafusion::parquet::errors::ParquetError;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore};

use super::{DiagnoseBudget, Engine, EngineError, register};
use crate::lake::files::DataFormat;
use crate::lake::{LAKE_URL, TableInfo, UnreadableFile, partitions};

/// Turns a failure while running a query into the clearest error available.
pub(super) async fn explain_failure(
    engine: &Engine,
    err: DataFusionError,
    tables: &[TableInfo],
) -> EngineError {
    if let Some(url) = engine.cluster()
        && let Some(said) = super::cluster::explain(url, &engine.lake().spec, &err)
    {
        return EngineError::Cluster(said);
    }
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
    let Some(format) = decode_failure(&err) else {
        return EngineError::Execution(err);
    };
    let suspects: Vec<&TableInfo> = tables.iter().filter(|t| t.format == format).collect();
    match find_broken_file(engine, &suspects, engine.diagnose_budget).await {
        Search::Found {
            table,
            path,
            reason,
        } => EngineError::UnreadableFile {
            table,
            path,
            reason,
        },
        Search::OutOfBudget {
            checked,
            total,
            elapsed,
        } => EngineError::BrokenFileNotFound {
            source: err,
            checked,
            total,
            elapsed,
        },
        Search::NotFound => EngineError::Execution(err),
    }
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
        let mut source: Option<&(dyn Error + 'static)> = match e {
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

/// The format whose reader failed to decode a file, when that is what `err` is. Casts,
/// arithmetic, plans, memory and storage errors are not decode failures: no file explains them.
fn decode_failure(err: &DataFusionError) -> Option<DataFormat> {
    err.iter().find_map(|top| {
        let mut current: Option<&(dyn Error + 'static)> = Some(top);
        while let Some(e) = current {
            let found = if e.is::<ParquetError>() {
                Some(DataFormat::Parquet)
            } else if let Some(arrow) = e.downcast_ref::<ArrowError>() {
                arrow_decode_failure(arrow)
            } else {
                match e.downcast_ref::<DataFusionError>() {
                    Some(DataFusionError::ParquetError(_)) => Some(DataFormat::Parquet),
                    Some(DataFusionError::ArrowError(arrow, _)) => arrow_decode_failure(arrow),
                    _ => None,
                }
            };
            if found.is_some() {
                return found;
            }
            current = match e.downcast_ref::<Arc<DataFusionError>>() {
                Some(shared) => Some(shared.as_ref()),
                None => e.source(),
            };
        }
        None
    })
}

fn arrow_decode_failure(err: &ArrowError) -> Option<DataFormat> {
    match err {
        ArrowError::ParquetError(_) => Some(DataFormat::Parquet),
        // What the IPC reader reports for a damaged file. Parse errors also come from parsing
        // strings in SQL, so a query on an Arrow table may search in vain, within the budget.
        ArrowError::IpcError(_) | ArrowError::ParseError(_) | ArrowError::IoError(..) => {
            Some(DataFormat::Arrow)
        }
        _ => None,
    }
}

/// What reading the suspects' files one by one found.
enum Search {
    /// This file fails to decode.
    Found {
        table: String,
        path: String,
        reason: String,
    },
    /// Every file decodes on its own (the failure lies elsewhere).
    NotFound,
    /// The budget ran out first.
    OutOfBudget {
        checked: usize,
        total: usize,
        elapsed: Duration,
    },
}

/// Reads the tables' files one at a time, in path order, until one fails or the budget is spent.
async fn find_broken_file(
    engine: &Engine,
    tables: &[&TableInfo],
    budget: DiagnoseBudget,
) -> Search {
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + budget.max_time;
    let listed = tokio::time::timeout_at(deadline, async {
        let mut listed = Vec::new();
        for &table in tables {
            listed.extend(
                data_files(engine, table)
                    .await
                    .into_iter()
                    .map(|f| (table, f)),
            );
        }
        listed
    })
    .await;
    let Ok(files) = listed else {
        return Search::OutOfBudget {
            checked: 0,
            total: 0,
            elapsed: started.elapsed(),
        };
    };
    let total = files.len();
    for (checked, (table, meta)) in files.into_iter().enumerate() {
        let out_of_budget = || Search::OutOfBudget {
            checked,
            total,
            elapsed: started.elapsed(),
        };
        if checked >= budget.max_files || tokio::time::Instant::now() >= deadline {
            return out_of_budget();
        }
        let Ok(read) = tokio::time::timeout_at(deadline, read_one(engine, table, &meta)).await
        else {
            return out_of_budget();
        };
        if let Err(err) = read {
            let reason = match find_unreadable(&err) {
                Some(bad) => bad.reason.clone(),
                None => err.find_root().strip_backtrace(),
            };
            return Search::Found {
                table: table.qualified_name(),
                path: engine.lake().store.display_path(&meta.location),
                reason,
            };
        }
    }
    Search::NotFound
}

/// A table's data files in its layout, sorted by path; none if the listing fails.
async fn data_files(engine: &Engine, table: &TableInfo) -> Vec<ObjectMeta> {
    let prefix = Path::from(table.prefix.as_str());
    let listed: Result<Vec<ObjectMeta>, _> = engine
        .lake()
        .store
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
        .await;
    let mut files = listed.unwrap_or_default();
    files.sort_by(|a, b| a.location.cmp(&b.location));
    files
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
    let frame = ctx.read_table(Arc::new(ListingTable::try_new(config)?))?;
    let mut stream = frame.execute_stream().await?;
    while let Some(batch) = stream.next().await {
        batch?;
    }
    Ok(())
}
