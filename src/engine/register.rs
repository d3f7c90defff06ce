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
    match table.format {
        DataFormat::Parquet => Arc::new(
            ParquetFormat::default().with_options(ctx.state().table_options().parquet.clone()),
        ),
        DataFormat::Arrow => Arc::new(ArrowFormat),
        DataFormat::Json => Arc::new(LakeTextFormat::new(TextKind::Json, display_root)),
        DataFormat::Csv => Arc::new(LakeTextFormat::new(TextKind::Csv, display_root)),
    }
}

/// A listing table over `table`'s folder (every query lists it again, so new files are seen),
/// read through the hot cache when there is one and the table is Parquet.
pub fn listing_table(
    ctx: &SessionContext,
    table: &TableInfo,
    display_root: &str,
    hot: Option<&Arc<HotCache>>,
) -> Result<Arc<dyn TableProvider>> {
    let options = ListingOptions::new(file_format(ctx, table, display_root))
        .with_file_extension(&table.file_extension)
        .with_table_partition_cols(
            table
                .partition_columns
                .iter()
                .map(|c| (c.clone(), DataType::Utf8))
                .collect(),
        );
    let config = ListingTableConfig::new(ListingTableUrl::parse(Lake::table_url(table))?)
        .with_listing_options(options)
        .with_schema(Arc::clone(&table.columns));
    let listing = Arc::new(ListingTable::try_new(config)?);
    Ok(match hot {
        Some(cache) if table.format == DataFormat::Parquet => Arc::new(HotTable::new(
            listing,
            Lake::table_url(table),
            Arc::clone(&table.columns),
            Arc::clone(cache),
        )),
        _ => listing,
    })
}

/// Registers every table of `catalog`, replacing whatever the session had.
pub fn register_catalog(
    ctx: &SessionContext,
    catalog: &Catalog,
    display_root: &str,
    hot: Option<&Arc<HotCache>>,
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
            match listing_table(ctx, table, display_root, hot)
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
