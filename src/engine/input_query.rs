//! A query over an explicit list of one table's files, known in the SQL as `input`: what a
//! transform job runs for each partition. The files are exactly those given (a file landing
//! meanwhile is not read), and the partition's key values are columns, as in the whole table.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::view::ViewTable;
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::error::DataFusionError;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::{DataFrame, SessionContext, lit};
use datafusion_datasource::TableSchema;
use datafusion_datasource::file_groups::FileGroup;
use datafusion_datasource::file_scan_config::FileScanConfigBuilder;
use object_store::ObjectMeta;

use super::{Engine, EngineError, QueryStream, check_read_only, guard, register};
use crate::lake::files::DataFormat;
use crate::lake::{LAKE_URL, TableInfo};

/// The name the SQL reads the files as.
pub const INPUT_TABLE: &str = "input";

/// One partition of a table: the files to read and the values of its partition keys.
#[derive(Clone, Copy, Debug)]
pub struct InputFiles<'a> {
    /// The table the files belong to (format, columns).
    pub table: &'a TableInfo,
    /// The files, paths relative to the lake root.
    pub files: &'a [ObjectMeta],
    /// `(key, value)` of each of the table's partition keys the files share.
    pub partition: &'a [(String, String)],
    /// Threads the query may use.
    pub threads: usize,
}

impl Engine {
    /// Plans `sql` (read-only) with `input` naming `files` and starts it. Errors name the file
    /// that could not be read, as for any query.
    pub async fn query_input(
        &self,
        files: InputFiles<'_>,
        sql: &str,
    ) -> Result<QueryStream, EngineError> {
        let frame = self.plan_input(files, sql).await?;
        self.start_frame(frame, vec![files.table.clone()]).await
    }

    /// Plans `sql` over `files` down to the physical plan without running it: what a job checks
    /// once before building its partitions, so a mistake in its SQL is one error, not one per
    /// partition. Returns the result's schema.
    pub async fn check_input(
        &self,
        files: InputFiles<'_>,
        sql: &str,
    ) -> Result<datafusion::arrow::datatypes::SchemaRef, EngineError> {
        let frame = self.plan_input(files, sql).await?;
        let plan = frame
            .create_physical_plan()
            .await
            .map_err(EngineError::Sql)?;
        Ok(plan.schema())
    }

    async fn plan_input(&self, files: InputFiles<'_>, sql: &str) -> Result<DataFrame, EngineError> {
        check_read_only(sql)?;
        let mut config = self
            .ctx
            .copied_config()
            .with_target_partitions(files.threads.max(1));
        self.with_forwarded_keys(&mut config).await?;
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(self.ctx.runtime_env())
            .with_default_features()
            .build();
        // On a cluster, the same session with the cluster's planner: the job's query goes there.
        let state = match self.cluster() {
            Some(_) => SessionStateBuilder::new_from_existing(state)
                .with_query_planner(Arc::clone(self.ctx.state().query_planner()))
                .build(),
            None => state,
        };
        let ctx = SessionContext::new_with_state(state);
        let frame =
            input_frame(&ctx, files, self.lake().store.display_root()).map_err(EngineError::Sql)?;
        // A view of the plan (not a data frame's provider), which a cluster codec can send.
        let view = ViewTable::new(frame.logical_plan().clone(), None);
        ctx.register_table(INPUT_TABLE, Arc::new(view))
            .map_err(EngineError::Sql)?;
        ctx.sql_with_options(sql, guard::read_only_options())
            .await
            .map_err(EngineError::Sql)
    }
}

/// The files as a data frame: their columns, then each partition key as a text column.
fn input_frame(
    ctx: &SessionContext,
    files: InputFiles<'_>,
    display_root: &str,
) -> datafusion::error::Result<DataFrame> {
    if files.files.is_empty() {
        return Err(DataFusionError::Plan(
            "a partition with no files has nothing to read".into(),
        ));
    }
    let table = FilesTable {
        format: register::file_format(ctx, files.table, display_root),
        wire: FilesTableWire {
            format: files.table.format,
            display_root: display_root.to_owned(),
            files: files.files.iter().map(WireFile::of).collect(),
            groups: files.threads.max(1),
        },
        schema: Arc::clone(&files.table.columns),
        files: files.files.to_vec(),
    };
    let mut frame = ctx.read_table(Arc::new(table))?;
    for (key, value) in files.partition {
        frame = frame.with_column(key, lit(value.as_str()))?;
    }
    Ok(frame)
}

/// Exactly the files given, read with the table's format: no listing and no request per file
/// before reading it (a listing table of file URLs asks the store about each file first).
#[derive(Debug)]
pub struct FilesTable {
    format: Arc<dyn FileFormat>,
    /// The files' columns (the table's schema without its partition keys).
    schema: SchemaRef,
    files: Vec<ObjectMeta>,
    /// What rebuilds it on a cluster.
    pub wire: FilesTableWire,
}

/// What rebuilds a [`FilesTable`] on a cluster's scheduler and executors.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FilesTableWire {
    /// The files' format.
    pub format: DataFormat,
    /// The lake root as a person writes it, to name files in errors.
    pub display_root: String,
    /// The files, as listed.
    pub files: Vec<WireFile>,
    /// File groups: the scan's partitions.
    pub groups: usize,
}

/// One file of a [`FilesTableWire`]: what the store said of it when it was listed.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct WireFile {
    /// Its path under the lake root.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was last modified, in milliseconds since the epoch.
    pub modified_ms: i64,
    /// Its entity tag, if the store gave one.
    pub e_tag: Option<String>,
    /// Its version, if the store gave one.
    pub version: Option<String>,
}

impl WireFile {
    fn of(meta: &ObjectMeta) -> Self {
        Self {
            path: meta.location.to_string(),
            size: meta.size,
            modified_ms: meta.last_modified.timestamp_millis(),
            e_tag: meta.e_tag.clone(),
            version: meta.version.clone(),
        }
    }

    fn meta(&self) -> ObjectMeta {
        ObjectMeta {
            location: object_store::path::Path::from(self.path.as_str()),
            size: self.size,
            last_modified: chrono::DateTime::from_timestamp_millis(self.modified_ms)
                .unwrap_or_default(),
            e_tag: self.e_tag.clone(),
            version: self.version.clone(),
        }
    }
}

impl FilesTableWire {
    /// The table again, its Parquet files read with `parquet` options.
    pub fn table(
        &self,
        schema: SchemaRef,
        parquet: datafusion::config::TableParquetOptions,
    ) -> FilesTable {
        FilesTable {
            format: register::format_for(self.format, parquet, &self.display_root),
            schema,
            files: self.files.iter().map(WireFile::meta).collect(),
            wire: self.clone(),
        }
    }
}

#[async_trait]
impl TableProvider for FilesTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        limit: Option<usize>,
    ) -> datafusion::error::Result<Arc<dyn ExecutionPlan>> {
        let groups = self.wire.groups.clamp(1, self.files.len().max(1));
        let mut split: Vec<Vec<PartitionedFile>> = vec![Vec::new(); groups];
        for (i, meta) in self.files.iter().enumerate() {
            split[i % groups].push(PartitionedFile::from(meta.clone()));
        }
        let source = self
            .format
            .file_source(TableSchema::from(Arc::clone(&self.schema)));
        let url = ObjectStoreUrl::parse(LAKE_URL)?;
        let config = FileScanConfigBuilder::new(url, source)
            .with_file_groups(split.into_iter().map(FileGroup::new).collect())
            .with_projection_indices(projection.cloned())?
            .with_limit(limit)
            .build();
        self.format.create_physical_plan(state, config).await
    }
}
