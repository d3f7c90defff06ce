//! The scan of a hot table: every chosen file's batches, from memory, each file's batches kept
//! together and labelled with the file, so that the aggregation above can be done per file and
//! kept ([`super::partial`]).

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::Statistics;
use datafusion::common::stats::Precision;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::Result;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::memory::MemoryStream;
use datafusion::physical_plan::statistics::StatisticsArgs;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
};

use super::FileKey;
use super::bounds::Bounds;

/// One file's rows for a scan.
#[derive(Debug)]
pub struct HotFile {
    pub(super) key: FileKey,
    pub(super) rows: usize,
    pub(super) batches: Vec<RecordBatch>,
    /// Each column's bounds in this file, in the scan's order (`None`: not known).
    pub(super) bounds: Vec<Option<Arc<Bounds>>>,
}

/// Files in turn across the query's threads: partition `p` reads files `p`, `p + n`, ...
#[derive(Debug)]
pub struct HotScanExec {
    files: Arc<Vec<HotFile>>,
    schema: SchemaRef,
    partitions: usize,
    properties: Arc<PlanProperties>,
}

impl HotScanExec {
    /// A scan of `files` (batches of `schema`) over `partitions` threads.
    pub fn new(files: Vec<HotFile>, schema: SchemaRef, partitions: usize) -> Self {
        let partitions = partitions.max(1);
        let properties = PlanProperties::new(
            EquivalenceProperties::new(Arc::clone(&schema)),
            Partitioning::UnknownPartitioning(partitions),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        Self {
            files: Arc::new(files),
            schema,
            partitions,
            properties: Arc::new(properties),
        }
    }

    /// The files scanned, in the order the table chose them.
    pub(super) fn files(&self) -> &Arc<Vec<HotFile>> {
        &self.files
    }
}

impl DisplayAs for HotScanExec {
    fn fmt_as(&self, _format: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let rows: usize = self.files.iter().map(|file| file.rows).sum();
        write!(
            f,
            "HotScanExec: files={}, rows={rows}, partitions={}",
            self.files.len(),
            self.partitions
        )
    }
}

impl ExecutionPlan for HotScanExec {
    fn name(&self) -> &'static str {
        "HotScanExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        Vec::new()
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    /// Exact row counts (what join planning and `count(*)` use), nothing about the columns.
    fn statistics_from_inputs(
        &self,
        _input_stats: &[Arc<Statistics>],
        args: &StatisticsArgs,
    ) -> Result<Arc<Statistics>> {
        let (skip, step) = args.partition().map_or((0, 1), |p| (p, self.partitions));
        let files = self.files.iter().skip(skip).step_by(step);
        let rows = files.map(|file| file.rows).sum();
        Ok(Arc::new(
            Statistics::new_unknown(&self.schema).with_num_rows(Precision::Exact(rows)),
        ))
    }

    fn execute(
        &self,
        partition: usize,
        _context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let batches: Vec<RecordBatch> = self
            .files
            .iter()
            .skip(partition)
            .step_by(self.partitions)
            .flat_map(|file| file.batches.iter().cloned())
            .collect();
        Ok(Box::pin(MemoryStream::try_new(
            batches,
            Arc::clone(&self.schema),
            None,
        )?))
    }
}
