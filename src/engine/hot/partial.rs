//! Aggregation kept per file: a dashboard visual's first aggregation step (DataFusion's partial
//! aggregate) is done file by file and each file's result kept in the hot cache, so a refresh
//! after one new file aggregates that file and merges what it kept for the others.
//!
//! DataFusion aggregates in two steps: a partial aggregate over any split of the rows, then a
//! final one that merges the partial states (that is how it spreads work over threads). Here the
//! split is the file. For every file the scan chose, the filters and projections under the
//! partial aggregate run on that file's rows (cheap), and then:
//! - no row passes: the file adds nothing;
//! - every row passes: the file's partial state does not depend on the filter, so it is kept
//!   under a key without it and served again when the time range has moved on (the usual case:
//!   "last 7 days" has a new lower bound on every refresh, yet every file but the oldest is
//!   wholly inside it);
//! - some rows pass: kept under a key with the filter (the range's first file).
//!
//! A kept state is known by the file (path, size, time, `ETag`) and by the description of the
//! aggregate and of every operator under it, so a different query, a rewritten file or another
//! projection never gets it. Only plans with no volatile functions are rewritten (the engine
//! checks), and only a partial aggregate that reads a [`HotScanExec`] through filters and
//! projections and feeds a repartition or a merge, which accept any number of inputs.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use datafusion::arrow::array::AsArray;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::error::Result;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode};
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::execution_plan::{ChildrenPropertiesMode, ReplaceChildrenOptions};
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties, collect_partitioned,
    displayable,
};
use datafusion_datasource::memory::MemorySourceConfig;
use futures::TryStreamExt;

use super::HotCache;
use super::bounds::{self, Passing};
use super::scan::{HotFile, HotScanExec};

/// `plan` with each partial aggregate over a hot scan done per file and kept in `cache`.
pub fn per_file(
    plan: Arc<dyn ExecutionPlan>,
    cache: &Arc<HotCache>,
) -> Result<Arc<dyn ExecutionPlan>> {
    plan.transform_down(|node| {
        // The final step's input: a repartition by the group keys, or a merge into one stream.
        // Both read however many partitions their input has.
        let merges = node.is::<CoalescePartitionsExec>()
            || node
                .downcast_ref::<RepartitionExec>()
                .is_some_and(|r| matches!(r.partitioning(), Partitioning::Hash(..)));
        let children = node.children();
        let (true, [child]) = (merges, children.as_slice()) else {
            return Ok(Transformed::no(node));
        };
        let Some(per_file) = PerFileAggregateExec::over(child, cache) else {
            return Ok(Transformed::no(node));
        };
        let node = with_input(&node, Arc::new(per_file))?;
        Ok(Transformed::new(node, true, TreeNodeRecursion::Jump))
    })
    .map(|transformed| transformed.data)
}

/// What every file's work shares.
#[derive(Debug)]
struct Work {
    /// The partial aggregate, as planned (its input is replaced per file).
    aggregate: Arc<dyn ExecutionPlan>,
    /// The filters and projections between the aggregate and the scan, top first.
    chain: Vec<Arc<dyn ExecutionPlan>>,
    /// Whether the chain filters (else every row passes and it need not run to know).
    filters: bool,
    scan_schema: SchemaRef,
    files: Arc<Vec<HotFile>>,
    cache: Arc<HotCache>,
    /// Keys of a file's kept state when every row passed, and when some did.
    every_row: Arc<str>,
    some_rows: Arc<str>,
}

/// A partial aggregate done file by file, each file's state kept (see the module's notes).
#[derive(Debug)]
pub struct PerFileAggregateExec {
    work: Arc<Work>,
    properties: Arc<PlanProperties>,
}

impl PerFileAggregateExec {
    /// `plan` done per file, if it is a partial aggregate over a hot scan through filters and
    /// projections only.
    fn over(plan: &Arc<dyn ExecutionPlan>, cache: &Arc<HotCache>) -> Option<Self> {
        let aggregate = plan.downcast_ref::<AggregateExec>()?;
        if *aggregate.mode() != AggregateMode::Partial || aggregate.limit_options().is_some() {
            return None;
        }
        let mut chain = Vec::new();
        let mut node = Arc::clone(aggregate.input());
        let scan = loop {
            if let Some(scan) = node.downcast_ref::<HotScanExec>() {
                break scan;
            }
            if !(node.is::<FilterExec>() || node.is::<ProjectionExec>()) {
                return None;
            }
            let child = match node.children().as_slice() {
                [child] => Arc::clone(child),
                _ => return None,
            };
            chain.push(node);
            node = child;
        };
        let mut every_row = describe(plan);
        let mut some_rows = every_row.clone();
        for node in &chain {
            some_rows.push_str(&describe(node));
            match node.downcast_ref::<FilterExec>() {
                // The same, whatever the predicate.
                Some(filter) => {
                    let _ = write!(
                        every_row,
                        "\nFilterExec(any predicate) projection={:?} {:?}",
                        filter.projection(),
                        filter.schema()
                    );
                }
                None => every_row.push_str(&describe(node)),
            }
        }
        let scan_schema = scan.schema();
        for key in [&mut every_row, &mut some_rows] {
            let _ = write!(key, "\nscan {scan_schema:?}");
        }
        let filters = chain.iter().any(|node| node.is::<FilterExec>());
        let properties = PlanProperties::new(
            plan.properties().eq_properties.clone(),
            Partitioning::UnknownPartitioning(1),
            plan.properties().emission_type,
            plan.properties().boundedness,
        );
        Some(Self {
            work: Arc::new(Work {
                aggregate: Arc::clone(plan),
                chain,
                filters,
                scan_schema,
                files: Arc::clone(scan.files()),
                cache: Arc::clone(cache),
                every_row: every_row.into(),
                some_rows: some_rows.into(),
            }),
            properties: Arc::new(properties),
        })
    }
}

/// `node` reading `input`, its properties worked out again (the input's partitions differ).
fn with_input(
    node: &Arc<dyn ExecutionPlan>,
    input: Arc<dyn ExecutionPlan>,
) -> Result<Arc<dyn ExecutionPlan>> {
    Arc::clone(node).replace_children(
        vec![input],
        ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
    )
}

/// One operator, without its inputs, and its output schema.
fn describe(node: &Arc<dyn ExecutionPlan>) -> String {
    format!(
        "\n{} {:?}",
        displayable(node.as_ref()).one_line(),
        node.schema()
    )
}

impl Work {
    /// How many of `file`'s rows pass the filters, when that is quick to know: no filter, or one
    /// filter right on the scan (told by the bounds of the file's columns when they can, else
    /// its predicate evaluated, nothing copied). `None`: run them.
    fn rows_passing(&self, file: &HotFile) -> Result<Option<usize>> {
        if !self.filters {
            return Ok(Some(file.rows));
        }
        let [only] = self.chain.as_slice() else {
            return Ok(None);
        };
        let Some(filter) = only.downcast_ref::<FilterExec>() else {
            return Ok(None);
        };
        match bounds::passing(filter.predicate(), &file.bounds) {
            Passing::All => return Ok(Some(file.rows)),
            Passing::None => return Ok(Some(0)),
            Passing::Unknown => {}
        }
        let mut rows = 0;
        for batch in &file.batches {
            let passed = filter
                .predicate()
                .evaluate(batch)?
                .into_array(batch.num_rows())?;
            rows += passed.as_boolean().true_count();
        }
        Ok(Some(rows))
    }

    /// The key of a file's state when `rows` of its `all` rows pass.
    fn key(&self, rows: usize, all: usize) -> &Arc<str> {
        if rows == all {
            &self.every_row
        } else {
            &self.some_rows
        }
    }

    /// Every file's partial state, files in order: kept ones taken, the others computed (one
    /// plan for them all, one partition per file, run over the query's threads) and kept.
    async fn all(self: Arc<Self>, ctx: Arc<TaskContext>) -> Result<Vec<RecordBatch>> {
        let files = &self.files;
        let mut states: Vec<Vec<RecordBatch>> = vec![Vec::new(); files.len()];
        // Files to aggregate whose key is known, and files whose filters must run to know it.
        let (mut known, mut unknown) = (Vec::new(), Vec::new());
        for (i, file) in files.iter().enumerate() {
            match self.rows_passing(file)? {
                _ if file.rows == 0 => {}
                Some(0) => {}
                Some(rows) => {
                    let key = self.key(rows, file.rows);
                    match self.cache.partial(key, &file.key) {
                        Some(kept) => states[i] = kept,
                        None => known.push((i, Arc::clone(key))),
                    }
                }
                None => unknown.push(i),
            }
        }
        if !known.is_empty() {
            let inputs: Vec<Vec<RecordBatch>> = known
                .iter()
                .map(|(i, _)| files[*i].batches.clone())
                .collect();
            let plan = self.over_chain(&inputs)?;
            let plan = with_input(&self.aggregate, plan)?;
            self.keep(
                known,
                collect_partitioned(plan, Arc::clone(&ctx)).await?,
                &mut states,
            );
        }
        if !unknown.is_empty() {
            // The rows of each file that pass the filters, file by file, then their states.
            let inputs: Vec<Vec<RecordBatch>> =
                unknown.iter().map(|i| files[*i].batches.clone()).collect();
            let plan = self.over_chain(&inputs)?;
            let schema = plan.schema();
            let passed = collect_partitioned(plan, Arc::clone(&ctx)).await?;
            let mut todo = Vec::new();
            let mut todo_inputs = Vec::new();
            for (i, batches) in unknown.into_iter().zip(passed) {
                let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
                if rows == 0 {
                    continue;
                }
                let key = self.key(rows, files[i].rows);
                if let Some(kept) = self.cache.partial(key, &files[i].key) {
                    states[i] = kept;
                } else {
                    todo.push((i, Arc::clone(key)));
                    todo_inputs.push(batches);
                }
            }
            if !todo.is_empty() {
                let input = MemorySourceConfig::try_new_exec(&todo_inputs, schema, None)?;
                let plan = with_input(&self.aggregate, input)?;
                self.keep(todo, collect_partitioned(plan, ctx).await?, &mut states);
            }
        }
        Ok(states.into_iter().flatten().collect())
    }

    /// The filters and projections over `inputs`, one partition per file.
    fn over_chain(&self, inputs: &[Vec<RecordBatch>]) -> Result<Arc<dyn ExecutionPlan>> {
        let mut plan: Arc<dyn ExecutionPlan> =
            MemorySourceConfig::try_new_exec(inputs, Arc::clone(&self.scan_schema), None)?;
        for node in self.chain.iter().rev() {
            plan = with_input(node, plan)?;
        }
        Ok(plan)
    }

    /// Keeps the states `computed` of `files` (index and key, in the same order).
    fn keep(
        &self,
        files: Vec<(usize, Arc<str>)>,
        computed: Vec<Vec<RecordBatch>>,
        states: &mut [Vec<RecordBatch>],
    ) {
        for ((i, key), state) in files.into_iter().zip(computed) {
            self.cache
                .keep_partial(key, self.files[i].key.clone(), state.clone());
            states[i] = state;
        }
    }
}

impl DisplayAs for PerFileAggregateExec {
    fn fmt_as(&self, _format: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "PerFileAggregateExec: files={}, each file's state kept; {}",
            self.work.files.len(),
            displayable(self.work.aggregate.as_ref()).one_line()
        )
    }
}

impl ExecutionPlan for PerFileAggregateExec {
    fn name(&self) -> &'static str {
        "PerFileAggregateExec"
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

    fn execute(
        &self,
        _partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let work = Arc::clone(&self.work);
        let states = futures::stream::once(work.all(context))
            .map_ok(|batches| futures::stream::iter(batches.into_iter().map(Ok)))
            .try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.work.aggregate.schema(),
            states,
        )))
    }
}
