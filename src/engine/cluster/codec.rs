//! The cluster codecs: how a lake's JSON and CSV tables and their scans travel between the client,
//! the scheduler and the executors. Parquet and Arrow tables, and everything else in a plan, go as
//! Ballista sends them; these codecs only add Lakesight's own, each marked with a tag of its own.
//!
//! - Logical: a [`TextTable`] is sent as what rebuilds it ([`TextTableWire`], JSON); the
//!   scheduler lists its files and plans its scan like any listing table. A transform job's
//!   input ([`FilesTable`]) is sent with its files as listed ([`FilesTableWire`]), so the
//!   cluster reads exactly those.
//! - Physical: a scan of [`LakeTextFormat`] files is sent as DataFusion's own file scan
//!   configuration (files, projection, limit, statistics) plus the format's kind and lake root.

use std::sync::Arc;

use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::common::TableReference;
use datafusion::datasource::file_format::FileFormat;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Extension, LogicalPlan};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_datasource::TableSchema;
use datafusion_datasource::file_scan_config::FileScanConfig;
use datafusion_datasource::source::DataSourceExec;
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::from_proto::parse_protobuf_file_scan_config;
use datafusion_proto::physical_plan::to_proto::serialize_file_scan_config;
use datafusion_proto::physical_plan::{
    PhysicalExtensionCodec, PhysicalPlanDecodeContext, PhysicalProtoConverterExtension,
};
use datafusion_proto::protobuf::FileScanExecConf;
use prost::Message;

use crate::engine::input_query::{FilesTable, FilesTableWire};
use crate::engine::register::{TextTable, TextTableWire};
use crate::lake::text_format::{LakeTextFormat, TextKind, text_scan_of};

/// Marks a [`TextTable`] in a logical plan.
const TABLE_TAG: &[u8] = b"lakesight.text-table.1\n";
/// Marks a transform job's input files ([`FilesTable`]) in a logical plan.
const FILES_TAG: &[u8] = b"lakesight.files-table.1\n";
/// Marks a scan of lake text files in a physical plan.
const SCAN_TAG: &[u8] = b"lakesight.text-scan.1\n";

/// Ballista's logical codec, and a lake's JSON and CSV tables.
#[derive(Debug, Default)]
pub struct LakeLogicalCodec {
    ballista: BallistaLogicalExtensionCodec,
}

impl LogicalExtensionCodec for LakeLogicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[LogicalPlan],
        ctx: &TaskContext,
    ) -> Result<Extension> {
        self.ballista.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.ballista.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        let damaged = |e: serde_json::Error| {
            DataFusionError::Internal(format!("table {table_ref} arrived damaged: {e}"))
        };
        if let Some(body) = buf.strip_prefix(TABLE_TAG) {
            let wire: TextTableWire = serde_json::from_slice(body).map_err(damaged)?;
            return Ok(Arc::new(wire.table(&schema)?));
        }
        if let Some(body) = buf.strip_prefix(FILES_TAG) {
            let wire: FilesTableWire = serde_json::from_slice(body).map_err(damaged)?;
            let parquet = datafusion::config::TableOptions::default_from_session_config(
                ctx.session_config().options(),
            )
            .parquet;
            return Ok(Arc::new(wire.table(schema, parquet)));
        }
        self.ballista
            .try_decode_table_provider(buf, table_ref, schema, ctx)
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        let any: &dyn std::any::Any = node.as_ref();
        let failed =
            |e: serde_json::Error| DataFusionError::Internal(format!("table {table_ref}: {e}"));
        if let Some(table) = any.downcast_ref::<TextTable>() {
            buf.extend_from_slice(TABLE_TAG);
            return serde_json::to_writer(buf, &table.wire).map_err(failed);
        }
        if let Some(table) = any.downcast_ref::<FilesTable>() {
            buf.extend_from_slice(FILES_TAG);
            return serde_json::to_writer(buf, &table.wire).map_err(failed);
        }
        self.ballista
            .try_encode_table_provider(table_ref, node, buf)
    }

    fn try_decode_file_format(
        &self,
        buf: &[u8],
        ctx: &TaskContext,
    ) -> Result<Arc<dyn datafusion::datasource::file_format::FileFormatFactory>> {
        self.ballista.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(
        &self,
        buf: &mut Vec<u8>,
        node: Arc<dyn datafusion::datasource::file_format::FileFormatFactory>,
    ) -> Result<()> {
        self.ballista.try_encode_file_format(buf, node)
    }
}

/// Ballista's physical codec, and scans of a lake's JSON and CSV files.
#[derive(Debug, Default)]
pub struct LakePhysicalCodec {
    ballista: BallistaPhysicalExtensionCodec,
}

impl PhysicalExtensionCodec for LakePhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let Some(body) = buf.strip_prefix(SCAN_TAG) else {
            return self.ballista.try_decode(buf, inputs, ctx, proto_converter);
        };
        let damaged =
            |what: &str| DataFusionError::Internal(format!("a scan arrived damaged: {what}"));
        let (&kind, body) = body.split_first().ok_or_else(|| damaged("no kind"))?;
        let kind = match kind {
            b'j' => TextKind::Json,
            b'c' => TextKind::Csv,
            _ => return Err(damaged("unknown kind")),
        };
        let (len, body) = body
            .split_first_chunk::<4>()
            .ok_or_else(|| damaged("no root"))?;
        let len = u32::from_le_bytes(*len) as usize;
        if body.len() < len {
            return Err(damaged("short root"));
        }
        let (root, conf) = body.split_at(len);
        let root = std::str::from_utf8(root).map_err(|_| damaged("root"))?;
        let proto = FileScanExecConf::decode(conf).map_err(|e| damaged(&e.to_string()))?;
        let table_schema: TableSchema = FileScanConfig::parse_table_schema_from_proto(&proto)?;
        let source = LakeTextFormat::new(kind, root).file_source(table_schema);
        let decode = PhysicalPlanDecodeContext::new(ctx, self);
        let conf = parse_protobuf_file_scan_config(&proto, &decode, proto_converter, source)?;
        Ok(DataSourceExec::from_data_source(conf))
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        let scan = node
            .downcast_ref::<DataSourceExec>()
            .and_then(|exec| exec.data_source().downcast_ref::<FileScanConfig>())
            .and_then(|conf| text_scan_of(conf.file_source().as_ref()).map(|s| (conf, s)));
        let Some((conf, (kind, root))) = scan else {
            return self.ballista.try_encode(node, buf, proto_converter);
        };
        let proto = serialize_file_scan_config(conf, self, proto_converter)?;
        buf.extend_from_slice(SCAN_TAG);
        buf.push(match kind {
            TextKind::Json => b'j',
            TextKind::Csv => b'c',
        });
        let len = u32::try_from(root.len())
            .map_err(|_| DataFusionError::Internal("lake root too long".to_owned()))?;
        buf.extend_from_slice(&len.to_le_bytes());
        buf.extend_from_slice(root.as_bytes());
        proto
            .encode(buf)
            .map_err(|e| DataFusionError::Internal(format!("cannot encode a scan: {e}")))
    }
}
