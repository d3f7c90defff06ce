//! Turning discovered tables into DataFusion listing tables, grouped into one schema per zone.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::catalog::{MemorySchemaProvider, SchemaProvider, TableProvider};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::arrow::ArrowFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::Result;
use datafusion::prelude::SessionContext;

use super::hot::{HotCache, HotTable};
use crate::lake::files::DataFormat;
use crate::lake::text_format::{LakeTextFormat, TextKind};

use crate::lake::{Catalog, Lake, TableInfo};

/// The DataFusion file format a table's files are read with.
pub fn file_format(
    ctx: &SessionContext,
    table: &TableInfo,
    display_root: &str,
) -> Arc<dyn FileFormat> {
    format_for(
        table.format,
        ctx.state().table_options().parquet.clone(),
        display_root,
    )
}

/// The DataFusion file format for `format` files of the lake shown as `display_root`, Parquet read
/// with `parquet` options.
pub fn format_for(
    format: DataFormat,
    parquet: datafusion::config::TableParquetOptions,
    display_root: &str,
) -> Arc<dyn FileFormat> {
    match format {
        DataFormat::Parquet => Arc::new(ParquetFormat::default().with_options(parquet)),
        DataFormat::Arrow => Arc::new(ArrowFormat),
        DataFormat::Json => Arc::new(LakeTextFormat::new(TextKind::Json, display_root)),
        DataFormat::Csv => Arc::new(LakeTextFormat::new(TextKind::Csv, display_root)),
    }
}

/// How a table is registered: for a query run here (through the hot cache when there is one), or
/// for a cluster (JSON and CSV tables wrapped so the cluster codec can send them).
#[derive(Clone, Copy)]
pub enum Registration<'a> {
    /// Run in this process, Parquet scans through the hot cache when there is one.
    Local(Option<&'a Arc<HotCache>>),
    /// Run on a cluster.
    Cluster,
}

/// A listing table over `table`'s folder (every query lists it again, so new files are seen),
/// read through the hot cache when there is one and the table is Parquet.
pub fn listing_table(
    ctx: &SessionContext,
    table: &TableInfo,
    display_root: &str,
    registration: Registration<'_>,
) -> Result<Arc<dyn TableProvider>> {
    let listing = plain_listing(
        file_format(ctx, table, display_root),
        &Lake::table_url(table),
        &table.file_extension,
        &table.partition_columns,
        Arc::clone(&table.columns),
    )?;
    Ok(match (registration, table.format) {
        (Registration::Local(Some(cache)), DataFormat::Parquet) => Arc::new(HotTable::new(
            listing,
            Lake::table_url(table),
            Arc::clone(&table.columns),
            Arc::clone(cache),
        )),
        (Registration::Cluster, DataFormat::Json | DataFormat::Csv) => Arc::new(TextTable {
            inner: listing,
            wire: TextTableWire {
                url: Lake::table_url(table),
                json: table.format == DataFormat::Json,
                extension: table.file_extension.clone(),
                partition_columns: table.partition_columns.clone(),
                display_root: display_root.to_owned(),
            },
        }),
        _ => listing,
    })
}

/// A listing table of `format` files under `url`, partitioned by `partition_columns` (strings).
fn plain_listing(
    format: Arc<dyn FileFormat>,
    url: &str,
    extension: &str,
    partition_columns: &[String],
    file_schema: datafusion::arrow::datatypes::SchemaRef,
) -> Result<Arc<ListingTable>> {
    let options = ListingOptions::new(format)
        .with_file_extension(extension)
        .with_table_partition_cols(
            partition_columns
                .iter()
                .map(|c| (c.clone(), DataType::Utf8))
                .collect(),
        );
    let config = ListingTableConfig::new(ListingTableUrl::parse(url)?)
        .with_listing_options(options)
        .with_schema(file_schema);
    Ok(Arc::new(ListingTable::try_new(config)?))
}

/// What rebuilds a lake's JSON or CSV table on a cluster ([`TextTable`]).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TextTableWire {
    /// The table's folder under `lakesight://lake/`.
    pub url: String,
    /// JSON, else CSV.
    pub json: bool,
    /// The file name ending its listing keeps.
    pub extension: String,
    /// Its partition keys, in order.
    pub partition_columns: Vec<String>,
    /// The lake root as a person writes it, to name files in errors.
    pub display_root: String,
}

impl TextTableWire {
    /// The table again, from its full schema (files' columns, then partition keys).
    pub fn table(&self, schema: &datafusion::arrow::datatypes::Schema) -> Result<TextTable> {
        let file_schema = Arc::new(datafusion::arrow::datatypes::Schema::new(
            schema
                .fields()
                .iter()
                .filter(|f| !self.partition_columns.contains(f.name()))
                .cloned()
                .collect::<Vec<_>>(),
        ));
        let kind = if self.json {
            TextKind::Json
        } else {
            TextKind::Csv
        };
        let inner = plain_listing(
            Arc::new(LakeTextFormat::new(kind, &self.display_root)),
            &self.url,
            &self.extension,
            &self.partition_columns,
            file_schema,
        )?;
        Ok(TextTable {
            inner,
            wire: self.clone(),
        })
    }
}

/// A lake's JSON or CSV table as a cluster session registers it: the listing table it is, under a
/// type of Lakesight's own, which DataFusion hands to the cluster codec to send (its file format
/// is one DataFusion's protobuf does not know).
#[derive(Debug)]
pub struct TextTable {
    inner: Arc<ListingTable>,
    /// How to build it again.
    pub wire: TextTableWire,
}

#[async_trait::async_trait]
impl TableProvider for TextTable {
    fn schema(&self) -> datafusion::arrow::datatypes::SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> datafusion::datasource::TableType {
        self.inner.table_type()
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&datafusion::logical_expr::Expr],
    ) -> Result<Vec<datafusion::logical_expr::TableProviderFilterPushDown>> {
        self.inner.supports_filters_pushdown(filters)
    }

    async fn scan(
        &self,
        state: &dyn datafusion::catalog::Session,
        projection: Option<&Vec<usize>>,
        filters: &[datafusion::logical_expr::Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn datafusion::physical_plan::ExecutionPlan>> {
        self.inner.scan(state, projection, filters, limit).await
    }
}

/// Registers every table of `catalog`, replacing whatever the session had.
pub fn register_catalog(
    ctx: &SessionContext,
    catalog: &Catalog,
    display_root: &str,
    registration: Registration<'_>,
) -> Result<Vec<String>> {
    let Some(sql_catalog) = ctx.catalog(&ctx.state().config().options().catalog.default_catalog)
    else {
        return Ok(vec![]);
    };
    let mut schemas: Vec<&str> = catalog.tables.iter().map(|t| t.schema.as_str()).collect();
    schemas.push(catalog.default_schema());
    schemas.sort_unstable();
    schemas.dedup();
    let mut failures = Vec::new();
    for schema in schemas {
        let provider = Arc::new(MemorySchemaProvider::new());
        for table in catalog.tables.iter().filter(|t| t.schema == schema) {
            match listing_table(ctx, table, display_root, registration)
                .and_then(|t| provider.register_table(table.name.clone(), t))
            {
                Ok(_) => {}
                Err(err) => failures.push(format!("{}: {err}", table.qualified_name())),
            }
        }
        sql_catalog.register_schema(schema, provider)?;
    }
    // Schemas of tables that disappeared since the last discovery.
    for name in sql_catalog.schema_names() {
        let known =
            catalog.tables.iter().any(|t| t.schema == name) || name == catalog.default_schema();
        if !known && name != "information_schema" {
            sql_catalog.deregister_schema(&name, true)?;
        }
    }
    Ok(failures)
}
