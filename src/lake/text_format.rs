//! A DataFusion file format for the JSON and CSV files of a lake. Unlike DataFusion's own readers it
//! decides compression per file from the content (a Firehose table mixes gzip and plain objects with
//! no extension), reads JSON records concatenated without newlines, coerces numbers and booleans
//! into string columns widened by schema inference, matches CSV columns by header name, and names
//! the file in every decoding error.

use std::fmt;
use std::io::Cursor;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions, new_null_array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result, Statistics, not_impl_err};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use datafusion::physical_plan::projection::ProjectionExprs;
use datafusion::physical_plan::{ExecutionPlan, PhysicalExpr};
use datafusion_datasource::file::FileSource;
use datafusion_datasource::file_scan_config::FileScanConfig;
use datafusion_datasource::file_stream::{FileOpenFuture, FileOpener};
use datafusion_datasource::projection::{ProjectionOpener, SplitProjection};
use datafusion_datasource::source::DataSourceExec;
use datafusion_datasource::{PartitionedFile, TableSchema};
use futures::StreamExt;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};

use super::error::UnreadableFile;
use super::files::{DataFormat, NameClass, classify_name, decompress_all, sniff_compression};

/// JSON or CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// JSON records, newline-delimited or concatenated.
    Json,
    /// CSV with a header row.
    Csv,
}

impl TextKind {
    fn data_format(self) -> DataFormat {
        match self {
            Self::Json => DataFormat::Json,
            Self::Csv => DataFormat::Csv,
        }
    }
}

/// The [`FileFormat`] a lake's JSON and CSV tables are registered with.
#[derive(Debug, Clone)]
pub struct LakeTextFormat {
    kind: TextKind,
    /// The lake root as a person writes it, to name files in errors.
    display_root: Arc<str>,
}

impl LakeTextFormat {
    /// A format reading `kind` files of the lake at `display_root`.
    pub fn new(kind: TextKind, display_root: &str) -> Self {
        Self {
            kind,
            display_root: display_root.into(),
        }
    }
}

#[async_trait]
impl FileFormat for LakeTextFormat {
    fn get_ext(&self) -> String {
        // Extensions vary (`.json`, `.json.gz`, none at all): the table's listing decides.
        String::new()
    }

    fn get_ext_with_compression(&self, _compression: &FileCompressionType) -> Result<String> {
        Ok(String::new())
    }

    fn compression_type(&self) -> Option<FileCompressionType> {
        None
    }

    async fn infer_schema(
        &self,
        _state: &dyn Session,
        _store: &Arc<dyn ObjectStore>,
        _objects: &[ObjectMeta],
    ) -> Result<SchemaRef> {
        // Lake discovery infers and widens schemas over a sample; tables are registered with it.
        not_impl_err!("lake text tables are registered with a schema from discovery")
    }

    async fn infer_stats(
        &self,
        _state: &dyn Session,
        _store: &Arc<dyn ObjectStore>,
        table_schema: SchemaRef,
        _object: &ObjectMeta,
    ) -> Result<Statistics> {
        Ok(Statistics::new_unknown(&table_schema))
    }

    async fn create_physical_plan(
        &self,
        _state: &dyn Session,
        conf: FileScanConfig,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(DataSourceExec::from_data_source(conf))
    }

    fn file_source(&self, table_schema: TableSchema) -> Arc<dyn FileSource> {
        Arc::new(LakeTextSource {
            projection: SplitProjection::unprojected(&table_schema),
            table_schema,
            kind: self.kind,
            display_root: Arc::clone(&self.display_root),
            batch_size: None,
            metrics: ExecutionPlanMetricsSet::new(),
        })
    }
}

/// The kind and lake root of a scan of [`LakeTextFormat`] files; `None` for any other source.
/// What a cluster codec sends to rebuild the scan elsewhere ([`LakeTextFormat::file_source`]).
pub fn text_scan_of(source: &dyn FileSource) -> Option<(TextKind, Arc<str>)> {
    source
        .downcast_ref::<LakeTextSource>()
        .map(|scan| (scan.kind, Arc::clone(&scan.display_root)))
}

/// The scan side of [`LakeTextFormat`].
#[derive(Clone)]
struct LakeTextSource {
    table_schema: TableSchema,
    kind: TextKind,
    display_root: Arc<str>,
    batch_size: Option<usize>,
    metrics: ExecutionPlanMetricsSet,
    projection: SplitProjection,
}

impl FileSource for LakeTextSource {
    fn create_file_opener(
        &self,
        object_store: Arc<dyn ObjectStore>,
        _base_config: &FileScanConfig,
        _partition: usize,
    ) -> Result<Arc<dyn FileOpener>> {
        let file_schema = self.table_schema.file_schema();
        let opener = Arc::new(LakeTextOpener {
            kind: self.kind,
            projected_schema: Arc::new(file_schema.project(&self.projection.file_indices)?),
            batch_size: self.batch_size.unwrap_or(8192),
            store: object_store,
            display_root: Arc::clone(&self.display_root),
        });
        ProjectionOpener::try_new(self.projection.clone(), opener, file_schema)
    }

    fn table_schema(&self) -> &TableSchema {
        &self.table_schema
    }

    fn with_batch_size(&self, batch_size: usize) -> Arc<dyn FileSource> {
        Arc::new(Self {
            batch_size: Some(batch_size),
            ..self.clone()
        })
    }

    fn try_pushdown_projection(
        &self,
        projection: &ProjectionExprs,
    ) -> Result<Option<Arc<dyn FileSource>>> {
        let merged = self.projection.source.try_merge(projection)?;
        let projection = SplitProjection::new(self.table_schema.file_schema(), &merged);
        Ok(Some(Arc::new(Self {
            projection,
            ..self.clone()
        })))
    }

    fn projection(&self) -> Option<&ProjectionExprs> {
        Some(&self.projection.source)
    }

    fn metrics(&self) -> &ExecutionPlanMetricsSet {
        &self.metrics
    }

    fn file_type(&self) -> &str {
        match self.kind {
            TextKind::Json => "json",
            TextKind::Csv => "csv",
        }
    }

    fn supports_repartitioning(&self) -> bool {
        // Compression is only known per file, so byte ranges cannot be split safely.
        false
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        datafusion::physical_plan::apply_expression_roots(self.projection.source.iter(), f)
    }
}

struct LakeTextOpener {
    kind: TextKind,
    projected_schema: SchemaRef,
    batch_size: usize,
    store: Arc<dyn ObjectStore>,
    display_root: Arc<str>,
}

impl FileOpener for LakeTextOpener {
    fn open(&self, file: PartitionedFile) -> Result<FileOpenFuture> {
        let kind = self.kind;
        let schema = Arc::clone(&self.projected_schema);
        let batch_size = self.batch_size;
        let store = Arc::clone(&self.store);
        let location = file.object_meta.location.clone();
        let path = format!("{}/{location}", self.display_root.trim_end_matches('/'));
        let unreadable = move |reason: String| {
            DataFusionError::External(Box::new(UnreadableFile {
                format: kind.data_format().to_string(),
                path: path.clone(),
                reason,
            }))
        };
        // A file whose name says it is another format was reported by discovery and is skipped.
        if let NameClass::Data(named) = classify_name(location.as_ref())
            && named.format != kind.data_format()
        {
            return Ok(Box::pin(async { Ok(futures::stream::empty().boxed()) }));
        }
        Ok(Box::pin(async move {
            let bytes = store
                .get(&location)
                .await
                .map_err(|e| unreadable(e.to_string()))?
                .bytes()
                .await
                .map_err(|e| unreadable(e.to_string()))?;
            let batches =
                tokio::task::spawn_blocking(move || decode(kind, &bytes, &schema, batch_size))
                    .await
                    .map_err(|e| unreadable(e.to_string()))?
                    .map_err(unreadable)?;
            Ok(futures::stream::iter(batches.into_iter().map(Ok)).boxed())
        }))
    }
}

/// Decompresses and decodes a whole object into batches of `schema` (the projected file columns).
fn decode(
    kind: TextKind,
    raw: &[u8],
    schema: &SchemaRef,
    batch_size: usize,
) -> Result<Vec<RecordBatch>, String> {
    let text = decompress_all(sniff_compression(raw), raw).map_err(|e| e.to_string())?;
    match kind {
        TextKind::Json => {
            let reader = datafusion::arrow::json::ReaderBuilder::new(Arc::clone(schema))
                .with_batch_size(batch_size)
                .with_coerce_primitive(true)
                .build(Cursor::new(text))
                .map_err(|e| e.to_string())?;
            reader
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("invalid JSON: {e}"))
        }
        TextKind::Csv => decode_csv(&text, schema, batch_size),
    }
}

/// Reads CSV by header name, so files whose columns come in another order, or lack some, still
/// line up with the table.
fn decode_csv(
    text: &[u8],
    schema: &SchemaRef,
    batch_size: usize,
) -> Result<Vec<RecordBatch>, String> {
    let (header, _) = datafusion::arrow::csv::reader::Format::default()
        .with_header(true)
        .infer_schema(text, Some(0))
        .map_err(|e| format!("invalid CSV header: {e}"))?;
    let file_fields: Vec<Field> = header
        .fields()
        .iter()
        .map(|h| match schema.field_with_name(h.name()) {
            Ok(wanted) => Field::new(h.name(), wanted.data_type().clone(), true),
            Err(_) => Field::new(h.name(), DataType::Utf8, true),
        })
        .collect();
    let file_schema = Arc::new(Schema::new(file_fields));
    let reader = datafusion::arrow::csv::ReaderBuilder::new(Arc::clone(&file_schema))
        .with_header(true)
        .with_batch_size(batch_size)
        .build(Cursor::new(text))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| format!("invalid CSV: {e}"))?;
        let columns = schema
            .fields()
            .iter()
            .map(|field| match batch.column_by_name(field.name()) {
                Some(column) => cast(column, field.data_type()).map_err(|e| e.to_string()),
                None => Ok(new_null_array(field.data_type(), batch.num_rows())),
            })
            .collect::<Result<Vec<ArrayRef>, String>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
        out.push(
            RecordBatch::try_new_with_options(Arc::clone(schema), columns, &options)
                .map_err(|e| e.to_string())?,
        );
    }
    Ok(out)
}

impl fmt::Debug for LakeTextOpener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LakeTextOpener")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, Float64Array, StringArray};

    fn schema(fields: &[(&str, DataType)]) -> SchemaRef {
        Arc::new(Schema::new(
            fields
                .iter()
                .map(|(n, t)| Field::new(*n, t.clone(), true))
                .collect::<Vec<_>>(),
        ))
    }

    #[test]
    fn json_coerces_into_widened_string_columns() {
        let schema = schema(&[("code", DataType::Utf8), ("amount", DataType::Float64)]);
        let batches = decode(
            TextKind::Json,
            br#"{"code":7,"amount":1}{"code":"X7","amount":2.5}"#,
            &schema,
            1024,
        )
        .expect("decode");
        let codes = batches[0]
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("utf8");
        assert_eq!((codes.value(0), codes.value(1)), ("7", "X7"));
        let amounts = batches[0]
            .column(1)
            .as_any()
            .downcast_ref::<Float64Array>()
            .expect("f64");
        assert!((amounts.value(1) - 2.5).abs() < f64::EPSILON);
    }

    #[test]
    fn csv_matches_columns_by_header_name() {
        let schema = schema(&[
            ("city", DataType::Utf8),
            ("n", DataType::Int64),
            ("missing", DataType::Utf8),
        ]);
        let batches =
            decode(TextKind::Csv, b"n,city\n1,Oslo\n2,Lima\n", &schema, 1024).expect("decode");
        let cities = batches[0]
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("utf8");
        assert_eq!(cities.value(1), "Lima");
        assert_eq!(batches[0].column(2).null_count(), 2);
    }
}
