//! A query over an explicit list of one table's files, known in the SQL as `input`: what a
//! transform job runs for each partition. The files are exactly those given (a file landing
//! meanwhile is not read), and the partition's key values are columns, as in the whole table.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
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
        let config = self
            .ctx
            .copied_config()
            .with_target_partitions(files.threads.max(1));
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(self.ctx.runtime_env())
            .with_default_features()
            .build();
        let ctx = SessionContext::new_with_state(state);
        let frame =
            input_frame(&ctx, files, self.lake().store.display_root()).map_err(EngineError::Sql)?;
        ctx.register_table(INPUT_TABLE, frame.into_view())
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
        schema: Arc::clone(&files.table.columns),
        files: files.files.to_vec(),
        groups: files.threads.max(1),
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
struct FilesTable {
    format: Arc<dyn FileFormat>,
    /// The files' columns (the table's schema without its partition keys).
    schema: SchemaRef,
    files: Vec<ObjectMeta>,
    /// File groups: the scan's partitions.
    groups: usize,
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
        let groups = self.groups.clamp(1, self.files.len().max(1));
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
