//! A lake table read through the hot cache: DataFusion's listing (with partition pruning) picks
//! the files, the cache gives what it holds, and only the rest is decoded.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions, new_empty_array};
use datafusion::arrow::compute::concat;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::datasource::listing::helpers::{
    evaluate_partition_prefix, expr_applicable_for_cols, parse_partitions_for_path,
};
use datafusion::datasource::listing::{ListingTable, PartitionedFile};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::{ExecutionPlan, collect};
use datafusion_datasource::TableSchema;
use datafusion_datasource::file_scan_config::FileScanConfigBuilder;
use futures::{StreamExt, TryStreamExt};
use object_store::ObjectMeta;
use object_store::path::Path;

use super::bounds::Bounds;
use super::scan::{HotFile, HotScanExec};
use super::{Column, FileKey, HotCache, HotScans};

/// How many bytes of memory a byte of Parquet is taken to become once decoded, to judge whether
/// a scan's files fit the cache before decoding them (Parquet compresses 3-10x).
const DECODED_PER_STORED: u64 = 8;

/// A Parquet listing table whose files' columns come from the hot cache where it has them.
#[derive(Debug)]
pub struct HotTable {
    inner: Arc<ListingTable>,
    /// The table's URL, which names its listing in the cache.
    url: String,
    /// The files' columns (the table's schema without its partition columns).
    file_schema: SchemaRef,
    cache: Arc<HotCache>,
}

impl HotTable {
    /// `inner` read through `cache`.
    pub fn new(
        inner: Arc<ListingTable>,
        url: String,
        file_schema: SchemaRef,
        cache: Arc<HotCache>,
    ) -> Self {
        Self {
            inner,
            url,
            file_schema,
            cache,
        }
    }

    fn partition_names(&self) -> Vec<&str> {
        self.inner
            .options()
            .table_partition_cols
            .iter()
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// The files the scan reads: listed now, pruned by the filters on partition columns. This is
    /// DataFusion's `pruned_partition_list`, except that the filters are evaluated once over
    /// every file's partition values rather than planned again for each file (which cost a
    /// month-long hourly table some 40 ms a query).
    async fn files(&self, state: &dyn Session, filters: &[Expr]) -> Result<Vec<PartitionedFile>> {
        let names = self.partition_names();
        let partition_filters: Vec<Expr> = filters
            .iter()
            .filter(|f| !names.is_empty() && expr_applicable_for_cols(&names, f))
            .cloned()
            .collect();
        let options = self.inner.options();
        let columns = &options.table_partition_cols;
        let prefix = evaluate_partition_prefix(columns, &partition_filters);
        // The listing serves the other visuals of the same refresh.
        let now = Instant::now();
        let files = match self.cache.listing(&self.url, prefix.as_ref(), now) {
            Some(kept) if kept.changed.is_empty() => kept.files,
            Some(kept) => {
                let files = self
                    .list_again(state, prefix.as_ref(), &kept.files, &kept.changed)
                    .await?;
                self.cache
                    .update_listing(&self.url, prefix.as_ref(), Arc::clone(&files), &kept);
                files
            }
            None => {
                let generation = self.cache.generation();
                let listed = self.list(state, prefix.clone()).await?;
                let files = Arc::new(self.parse(&listed, Vec::new())?);
                self.cache.keep_listing(
                    &self.url,
                    prefix.as_ref(),
                    Arc::clone(&files),
                    now,
                    generation,
                );
                files
            }
        };
        let Some(filter) = conjunction(partition_filters) else {
            return Ok(files.to_vec());
        };
        if files.is_empty() {
            // Nothing under the prefix (a range before the lake's first partition).
            return Ok(Vec::new());
        }
        // One row per file, one column per partition key: the filter runs once.
        let fields: Vec<Field> = columns
            .iter()
            .map(|(name, kind)| Field::new(name, kind.clone(), true))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let arrays = (0..columns.len())
            .map(|c| {
                ScalarValue::iter_to_array(files.iter().map(|f| f.partition_values[c].clone()))
            })
            .collect::<Result<Vec<_>>>()?;
        let batch = RecordBatch::try_new_with_options(
            Arc::clone(&schema),
            arrays,
            &RecordBatchOptions::new().with_row_count(Some(files.len())),
        )?;
        let df_schema = DFSchema::try_from(schema)?;
        let keep = state
            .create_physical_expr(filter, &df_schema)?
            .evaluate(&batch)?
            .into_array(files.len())?;
        let keep = keep.as_boolean();
        Ok(files
            .iter()
            .enumerate()
            .filter(|(i, _)| keep.is_valid(*i) && keep.value(*i))
            .map(|(_, file)| file.clone())
            .collect())
    }

    /// `listed` added to `files`, each with its partition values, in path order, once each.
    fn parse(
        &self,
        listed: &[ObjectMeta],
        mut files: Vec<PartitionedFile>,
    ) -> Result<Vec<PartitionedFile>> {
        let columns = &self.inner.options().table_partition_cols;
        for meta in listed {
            let Some(values) = self.inner.table_paths().iter().find_map(|path| {
                parse_partitions_for_path(
                    path,
                    &meta.location,
                    columns.iter().map(|(name, _)| name.as_str()),
                )
            }) else {
                continue;
            };
            let values = values
                .into_iter()
                .zip(columns)
                .map(|(value, (_, kind))| ScalarValue::try_from_string(value.into_owned(), kind))
                .collect::<Result<Vec<_>>>()?;
            let mut file = PartitionedFile::from(meta.clone());
            file.partition_values = values;
            files.push(file);
        }
        files.sort_by(|a, b| a.object_meta.location.cmp(&b.object_meta.location));
        files.dedup_by(|a, b| a.object_meta.location == b.object_meta.location);
        Ok(files)
    }

    /// The table's data files under `prefix` (relative to the table), listed now.
    async fn list(&self, state: &dyn Session, prefix: Option<Path>) -> Result<Vec<ObjectMeta>> {
        let options = self.inner.options();
        let mut listed = Vec::new();
        for path in self.inner.table_paths() {
            let store = state.runtime_env().object_store(path)?;
            let found: Result<Vec<ObjectMeta>> = path
                .list_prefixed_files(
                    state,
                    store.as_ref(),
                    prefix.clone(),
                    &options.file_extension,
                )
                .await?
                .try_filter(|meta| futures::future::ready(meta.size > 0))
                .try_collect()
                .await;
            match found {
                Ok(found) => listed.extend(found),
                // A folder listed again because it changed may be gone.
                Err(DataFusionError::ObjectStore(err))
                    if prefix.is_some() && matches!(*err, object_store::Error::NotFound { .. }) => {
                }
                Err(err) => return Err(err),
            }
        }
        Ok(listed)
    }

    /// A kept listing (`files`, under `prefix`) brought up to date by listing again only the
    /// folders that `changed` (relative to the table): what the file watcher reported.
    async fn list_again(
        &self,
        state: &dyn Session,
        prefix: Option<&Path>,
        files: &[PartitionedFile],
        changed: &[Path],
    ) -> Result<Arc<Vec<PartitionedFile>>> {
        let Some(root) = self
            .inner
            .table_paths()
            .first()
            .map(|path| path.prefix().clone())
        else {
            return Ok(Arc::new(files.to_vec()));
        };
        let mut files = files.to_vec();
        let mut listed = Vec::new();
        for folder in changed {
            // The deeper of the changed folder and the listing's prefix, if one holds the other.
            let under = |inner: &Path, outer: &Path| inner.prefix_match(outer).is_some();
            let again = match prefix {
                None => folder.clone(),
                Some(prefix) if under(folder, prefix) => folder.clone(),
                Some(prefix) if under(prefix, folder) => prefix.clone(),
                Some(_) => continue,
            };
            let full: Path = root.parts().chain(again.parts()).collect();
            files.retain(|file| file.object_meta.location.prefix_match(&full).is_none());
            let again = (!again.as_ref().is_empty()).then_some(again);
            listed.extend(self.list(state, again).await?);
        }
        Ok(Arc::new(self.parse(&listed, files)?))
    }

    /// Columns `columns` (indices into the file schema) of `file`, decoded: all its rows, in
    /// file order.
    async fn decode(
        &self,
        state: &dyn Session,
        file: &PartitionedFile,
        columns: &[usize],
    ) -> Result<(usize, Vec<ArrayRef>)> {
        let format = &self.inner.options().format;
        let Some(path) = self.inner.table_paths().first() else {
            return Ok((0, Vec::new()));
        };
        let source = format.file_source(TableSchema::from(Arc::clone(&self.file_schema)));
        let whole = PartitionedFile {
            partition_values: Vec::new(),
            range: None,
            statistics: None,
            ..file.clone()
        };
        let config = FileScanConfigBuilder::new(path.object_store(), source)
            .with_file(whole)
            .with_projection_indices(Some(columns.to_vec()))?
            .build();
        // One file group: one partition, so the batches come in file order.
        let plan = format.create_physical_plan(state, config).await?;
        // A file that cannot be decoded fails the query; the engine then names it (`diagnose`).
        let batches = collect(plan, state.task_ctx()).await?;
        let rows = batches.iter().map(RecordBatch::num_rows).sum();
        let arrays = columns
            .iter()
            .enumerate()
            .map(|(i, column)| {
                if batches.is_empty() {
                    return Ok(new_empty_array(self.file_schema.field(*column).data_type()));
                }
                let parts: Vec<&dyn Array> = batches.iter().map(|b| b.column(i).as_ref()).collect();
                Ok(concat(&parts)?)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((rows, arrays))
    }

    /// The names and types of the file columns among `projection` (indices into the table's
    /// schema).
    fn file_columns(&self, projection: &[usize]) -> Vec<(&str, &DataType)> {
        projection
            .iter()
            .filter_map(|i| self.file_schema.fields().get(*i))
            .map(|field| (field.name().as_str(), field.data_type()))
            .collect()
    }

    /// One file's batches for the projection: cached columns, decoded ones, partition values.
    async fn file_batches(
        &self,
        state: &dyn Session,
        file: &PartitionedFile,
        projection: &[usize],
        schema: &SchemaRef,
    ) -> Result<HotFile> {
        let file_columns = self.file_schema.fields().len();
        let wanted: Vec<usize> = projection
            .iter()
            .copied()
            .filter(|i| *i < file_columns)
            .collect();
        let names = self.file_columns(&wanted);
        let key = FileKey::of(&file.object_meta);
        // One scan at a time per file: a scan that comes while another decodes the file waits,
        // then finds the columns that one decoded for it too.
        let held = self.cache.together.hold(&key).await;
        let decoded = self
            .file_columns_decoded(state, file, &key, &wanted, &names)
            .await;
        drop(held);
        let (rows, columns) = decoded?;
        let file_key = key;
        self.assemble(state, file, projection, schema, file_key, rows, columns)
    }

    /// `wanted` (file column indices, named `names`) of `file`: from the cache, or decoded, with
    /// the table's companion columns, and kept.
    async fn file_columns_decoded(
        &self,
        state: &dyn Session,
        file: &PartitionedFile,
        key: &FileKey,
        wanted: &[usize],
        names: &[(&str, &DataType)],
    ) -> Result<(usize, Vec<Option<Column>>)> {
        let key = key.clone();
        let found = self.cache.find(&key, names);
        let missing: Vec<usize> = wanted
            .iter()
            .zip(&found.columns)
            .filter(|(_, cached)| cached.is_none())
            .map(|(i, _)| *i)
            .collect();
        let mut columns = found.columns;
        let rows = match found.rows {
            Some(rows) if missing.is_empty() => {
                self.cache.count(false);
                rows
            }
            _ => {
                // The columns other scans of this table asked for lately, not kept yet: read in
                // the same request, so tiles that start together fetch each file once.
                let companions = self.companions(&key, wanted);
                let mut reading = missing.clone();
                reading.extend(&companions);
                let (rows, decoded) = self.decode(state, file, &reading).await?;
                self.cache.count(true);
                let mut decoded = decoded.into_iter();
                let mut fresh = Vec::new();
                for (slot, i) in columns.iter_mut().zip(wanted) {
                    if slot.is_none() {
                        let column = Column::new(decoded.next().unwrap_or_else(|| {
                            new_empty_array(self.file_schema.field(*i).data_type())
                        }));
                        fresh.push((self.file_schema.field(*i).name().clone(), column.clone()));
                        *slot = Some(column);
                    }
                }
                for (i, array) in companions.iter().zip(decoded) {
                    fresh.push((
                        self.file_schema.field(*i).name().clone(),
                        Column::new(array),
                    ));
                }
                self.cache.insert(key, rows, fresh);
                rows
            }
        };
        Ok((rows, columns))
    }

    /// File column indices the table's scans asked for lately that `key` does not have cached
    /// and `wanted` does not hold.
    fn companions(&self, key: &FileKey, wanted: &[usize]) -> Vec<usize> {
        let asked = self.cache.together.companions(&self.url, Instant::now());
        let others: Vec<usize> = asked
            .iter()
            .filter_map(|name| self.file_schema.index_of(name).ok())
            .filter(|i| !wanted.contains(i))
            .collect();
        let names = self.file_columns(&others);
        let found = self.cache.find(key, &names);
        others
            .into_iter()
            .zip(found.columns)
            .filter(|(_, cached)| cached.is_none())
            .map(|(i, _)| i)
            .collect()
    }

    /// One file's batches for the projection from its file columns and partition values.
    #[allow(clippy::too_many_arguments)]
    fn assemble(
        &self,
        state: &dyn Session,
        file: &PartitionedFile,
        projection: &[usize],
        schema: &SchemaRef,
        file_key: FileKey,
        rows: usize,
        columns: Vec<Option<Column>>,
    ) -> Result<HotFile> {
        let file_columns = self.file_schema.fields().len();
        let mut from_file = columns.into_iter().flatten();
        let mut bounds = Vec::with_capacity(projection.len());
        let arrays = projection
            .iter()
            .map(|i| match i.checked_sub(file_columns) {
                None => {
                    let column = from_file.next().ok_or_else(|| {
                        DataFusionError::Internal("a cached column went missing".to_owned())
                    })?;
                    bounds.push(column.bounds);
                    Ok(column.array)
                }
                Some(p) => {
                    let value = file.partition_values.get(p).ok_or_else(|| {
                        DataFusionError::Internal(format!(
                            "no value of partition column {p} for {}",
                            file.object_meta.location
                        ))
                    })?;
                    bounds.push(Bounds::single(value));
                    value.to_array_of_size(rows)
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let batch = RecordBatch::try_new_with_options(
            Arc::clone(schema),
            arrays,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )?;
        let size = state.config().batch_size().max(1);
        Ok(HotFile {
            key: file_key,
            rows,
            batches: (0..rows)
                .step_by(size)
                .map(|offset| batch.slice(offset, size.min(rows - offset)))
                .collect(),
            bounds,
        })
    }
}

#[async_trait]
impl TableProvider for HotTable {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    /// A filter on partition columns only is applied exactly, by choosing the files (every row of
    /// a file has its partition values); any other is applied above the scan, since the cache
    /// serves whole files. (Evaluating a time range's partition predicate row by row would cost
    /// more than the aggregation it feeds.)
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        let names = self.partition_names();
        Ok(filters
            .iter()
            .map(|filter| {
                if !names.is_empty() && expr_applicable_for_cols(&names, filter) {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Inexact
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        // A query that is not a dashboard visual, or that stops early (`LIMIT` with nothing to
        // filter), streams as it would without the cache rather than decoding every file first.
        if limit.is_some() || state.config().get_extension::<HotScans>().is_none() {
            return self.inner.scan(state, projection, filters, limit).await;
        }
        let table_schema = self.schema();
        let projection: Vec<usize> = projection
            .cloned()
            .unwrap_or_else(|| (0..table_schema.fields().len()).collect());
        let schema = Arc::new(table_schema.project(&projection)?);
        let files = self.files(state, filters).await?;
        // A scan with more to decode than the cache could keep streams as it would without the
        // cache (bounded memory, row groups pruned), and caches nothing.
        let names = self.file_columns(&projection);
        let file_names: Vec<&str> = names.iter().map(|(name, _)| *name).collect();
        self.cache
            .together
            .note(&self.url, &file_names, Instant::now());
        let to_decode: u64 = files
            .iter()
            .filter(|file| !self.cache.holds(&FileKey::of(&file.object_meta), &names))
            .map(|file| file.object_meta.size)
            .sum();
        if to_decode > self.cache.budget() / DECODED_PER_STORED {
            return self
                .inner
                .scan(state, Some(&projection), filters, limit)
                .await;
        }
        let per_file: Vec<HotFile> = futures::stream::iter(0..files.len())
            .map(|i| self.file_batches(state, &files[i], &projection, &schema))
            .buffered(state.config().target_partitions().max(1) * 2)
            .try_collect()
            .await?;
        // Files in turn across the query's threads.
        let threads = state
            .config()
            .target_partitions()
            .clamp(1, files.len().max(1));
        Ok(Arc::new(HotScanExec::new(per_file, schema, threads)))
    }
}
