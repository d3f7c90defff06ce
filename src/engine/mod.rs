//! The query engine: one DataFusion session per attached lake, every discovered table registered,
//! read-only SQL, a memory limit with spilling, and queries as cancellable streams. Knows nothing
//! of the UI; the same `Engine` serves the CLI, the app and tests.

pub mod cluster;
pub mod dashboard;
mod date_trunc;
mod diagnose;
pub mod drivers;
pub mod elsewhere;
mod error;
pub mod footers;
mod forward;
mod guard;
pub mod hot;
mod input_query;
pub mod macros;
pub mod options;
pub mod output;
pub mod params;
mod register;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::ScalarValue;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::dataframe::DataFrame;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::execution::cache::cache_manager::CacheManagerConfig;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::physical_plan::{ExecutionPlan, execute_stream};
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;

pub use error::EngineError;
pub use guard::check_read_only;
pub use input_query::{INPUT_TABLE, InputFiles};
pub use macros::{Expanded, MacroError, TimeWindow, expand};
pub use options::{DiagnoseBudget, EngineOptions, MemoryLimit, MemoryLimitError};

use crate::lake::{Catalog, DiscoverOptions, Lake, TableInfo};
use crate::model::SourceSpec;

/// A lake attached to a DataFusion session. Cheap to clone; clones share the session.
#[derive(Clone)]
pub struct Engine {
    ctx: SessionContext,
    lake: Lake,
    catalog: Arc<RwLock<Arc<Catalog>>>,
    discover_options: DiscoverOptions,
    memory_limit_bytes: u64,
    diagnose_budget: DiagnoseBudget,
    /// Decoded Parquet columns kept for the next query (`EngineOptions::hot_cache`).
    hot: Option<Arc<hot::HotCache>>,
    /// The cluster queries run on (`EngineOptions::cluster`); `None`: this process.
    cluster: Option<cluster::ClusterUrl>,
    /// How the cluster's scheduler is reached over TLS, when it is.
    cluster_tls: Option<cluster::tls::ClusterTls>,
    /// The keys forwarded with each query to the cluster, when the user asked for it.
    forwarding: Option<Arc<forward::Forwarding>>,
}

/// The hot cache gets this part of the memory limit.
const HOT_SHARE: u64 = 4;

/// How long a dashboard visual's listing of a table serves the next visuals (those of the same
/// refresh), unless files landed in it ([`Engine::files_landed`]).
const HOT_LISTING_REUSE: std::time::Duration = std::time::Duration::from_secs(1);

/// Scan partitions per core on an S3 lake: each partition reads one file at a time, and a GET
/// waits far longer than its bytes take to decode, so more files in flight than cores keep the
/// cores busy.
const S3_PARTITIONS_PER_CORE: usize = 4;

/// The partitions of a query on an S3 lake: four per core, at least 8 and at most 32.
fn s3_partitions() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    (cores * S3_PARTITIONS_PER_CORE).clamp(8, 32)
}

impl Engine {
    /// Attaches to `spec`, discovers its tables and registers them.
    pub async fn attach(spec: &SourceSpec, options: &EngineOptions) -> Result<Self, EngineError> {
        let lake = Lake::attach_with(spec, &options.s3).await?;
        Self::with_lake(lake, options, DiscoverOptions::default()).await
    }

    /// Attaches to `spec` for one query: discovers only the tables `sql` names (every table when
    /// it names one the lake does not have, so the error lists them, or is not a plain query).
    /// A cold `lakesight query` of one table lists that table, not the whole lake.
    pub async fn attach_for_query(
        spec: &SourceSpec,
        options: &EngineOptions,
        sql: &str,
    ) -> Result<Self, EngineError> {
        Self::attach_only(spec, options, macros::tables_named(sql)).await
    }

    /// Attaches to `spec` discovering only the tables `only` names (see
    /// [`crate::lake::DiscoverOptions::only`]; `None`: every table). What a dashboard's queries
    /// name together is [`macros::tables_named_by`].
    pub async fn attach_only(
        spec: &SourceSpec,
        options: &EngineOptions,
        only: Option<Vec<String>>,
    ) -> Result<Self, EngineError> {
        let lake = Lake::attach_with(spec, &options.s3).await?;
        let discover = DiscoverOptions {
            only,
            ..DiscoverOptions::default()
        };
        Self::with_lake(lake, options, discover).await
    }

    /// Builds the session over an attached lake.
    pub async fn with_lake(
        lake: Lake,
        options: &EngineOptions,
        discover_options: DiscoverOptions,
    ) -> Result<Self, EngineError> {
        let memory_limit_bytes = options
            .memory_limit
            .unwrap_or(MemoryLimit::Fraction(options::DEFAULT_MEMORY_FRACTION))
            .bytes(options::total_ram_bytes());
        let disk = match &options.spill_dir {
            Some(dir) => DiskManagerMode::Directories(vec![dir.clone()]),
            None => DiskManagerMode::OsTmpDirectory,
        };
        let mut cache = match options.listing_cache_ttl {
            // DataFusion caches listings forever by default; without a TTL we list every time.
            None => CacheManagerConfig::default().with_list_files_cache_limit(0),
            Some(ttl) => CacheManagerConfig::default().with_list_files_cache_ttl(Some(ttl)),
        };
        if let Some(cache_dir) = &options.footer_cache {
            let folder = footers::lake_folder(cache_dir, &lake.identity());
            cache =
                cache.with_file_metadata_cache(Some(Arc::new(footers::DiskFooters::new(folder))));
            footers::trim_in_background(cache_dir.clone());
        }
        let runtime = RuntimeEnvBuilder::new()
            // Fair sharing between spilling operators: with a greedy pool one partition's sort can
            // starve another's merge reservation and fail where spilling would have succeeded.
            .with_memory_pool(Arc::new(FairSpillPool::new(
                usize::try_from(memory_limit_bytes).unwrap_or(usize::MAX),
            )))
            .with_disk_manager_builder(DiskManagerBuilder::default().with_mode(disk))
            .with_cache_manager(cache)
            .build_arc()
            .map_err(|e| EngineError::Setup(e.strip_backtrace()))?;
        // Schemas are read through the engine's runtime, so the footers read for them serve the
        // queries too (and come from the footer cache when it has them).
        let discovery =
            SessionContext::new_with_config_rt(SessionConfig::new(), Arc::clone(&runtime));
        let catalog = lake
            .discover_in(&discover_options, &discovery.state())
            .await?;
        let mut config = SessionConfig::new()
            .with_information_schema(true)
            .with_create_default_catalog_and_schema(true)
            .with_default_catalog_and_schema("datafusion", catalog.default_schema());
        if let Some(partitions) = options
            .target_partitions
            .or_else(|| lake.spec.is_s3().then(s3_partitions))
        {
            config = config.with_target_partitions(partitions.max(1));
        }
        let forwarding = forward::Forwarding::start(&lake, options).await?;
        let ctx = match &options.cluster {
            None => SessionContext::new_with_config_rt(config, runtime),
            Some(url) => {
                let mut lake_options = cluster::LakeOptions::of(&lake);
                if let Some(forwarding) = &forwarding {
                    lake_options.credentials = Some(forwarding.keys().await?);
                }
                cluster::client_session(
                    url,
                    options.cluster_tls.as_ref(),
                    config,
                    runtime,
                    lake_options,
                )
                .await
                .map_err(|e| EngineError::Setup(e.strip_backtrace()))?
            }
        };
        ctx.register_udf(date_trunc::UtcDateTrunc::udf());
        ctx.register_object_store(&Lake::url(), Arc::clone(&lake.store) as _);
        // A cluster's executors keep no cache of this process's.
        let hot = (options.hot_cache && options.cluster.is_none()).then(|| {
            Arc::new(hot::HotCache::new(
                usize::try_from(memory_limit_bytes / HOT_SHARE).unwrap_or(usize::MAX),
                options.hot_listing_reuse.unwrap_or(HOT_LISTING_REUSE),
            ))
        });
        let engine = Self {
            hot,
            cluster: options.cluster.clone(),
            cluster_tls: options.cluster_tls.clone(),
            forwarding,
            ctx,
            lake,
            catalog: Arc::new(RwLock::new(Arc::new(Catalog::default()))),
            discover_options,
            memory_limit_bytes,
            diagnose_budget: options.diagnose_budget,
        };
        engine.install(catalog)?;
        Ok(engine)
    }

    fn install(&self, mut catalog: Catalog) -> Result<(), EngineError> {
        let failures = register::register_catalog(
            &self.ctx,
            &catalog,
            self.lake.store.display_root(),
            match self.cluster {
                Some(_) => register::Registration::Cluster,
                None => register::Registration::Local(self.hot.as_ref()),
            },
        )
        .map_err(|e| EngineError::Setup(e.strip_backtrace()))?;
        catalog.notes.extend(
            failures
                .into_iter()
                .map(|f| format!("could not register {f}")),
        );
        *self
            .catalog
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(catalog);
        Ok(())
    }

    /// Discovers the lake again (new tables, new columns) and re-registers every table.
    pub async fn refresh_catalog(&self) -> Result<Arc<Catalog>, EngineError> {
        let catalog = self
            .lake
            .discover_in(&self.discover_options, &self.ctx.state())
            .await?;
        self.install(catalog)?;
        Ok(self.catalog())
    }

    /// Files landed in `tables` (qualified names): the next visual lists them again rather than
    /// reuse a listing taken a moment ago. The window calls it as its watcher or checks report.
    pub fn files_landed<'a>(&self, tables: impl IntoIterator<Item = &'a String>) {
        let mut tables = tables.into_iter().peekable();
        // Called every frame by the window: nothing landed costs nothing.
        let (Some(cache), Some(_)) = (&self.hot, tables.peek()) else {
            return;
        };
        let catalog = self.catalog();
        let urls: Vec<String> = tables
            .filter_map(|name| catalog.tables.iter().find(|t| t.qualified_name() == *name))
            .map(Lake::table_url)
            .collect();
        cache.forget_listings(Some(&urls));
    }

    /// Whether every change to the lake's files is reported through
    /// [`Engine::folders_changed`] (the window's watcher of a local lake is running): listings
    /// are then kept between refreshes and only the folders that changed are listed again.
    /// Called every frame; when it becomes false, every listing is forgotten.
    pub fn follow_changes(&self, followed: bool) {
        if let Some(cache) = &self.hot {
            cache.follow(followed);
        }
    }

    /// Files were added, changed or removed in `folders` (relative to the lake's root): the
    /// listings that hold them list those folders again before they serve.
    pub fn folders_changed(&self, folders: &[String]) {
        let (Some(cache), false) = (&self.hot, folders.is_empty()) else {
            return;
        };
        let catalog = self.catalog();
        for folder in folders {
            let folder = folder.trim_matches('/');
            let Some((table, rest)) = catalog.tables.iter().find_map(|table| {
                let rest = folder.strip_prefix(table.prefix.trim_matches('/'))?;
                (rest.is_empty() || rest.starts_with('/')).then_some((table, rest))
            }) else {
                continue;
            };
            let rest = object_store::path::Path::from(rest.trim_matches('/'));
            cache.folder_changed(&Lake::table_url(table), &rest);
        }
    }

    /// Forgets every table's listing: the next visuals list again (`watch`, before each
    /// evaluation).
    pub fn forget_listings(&self) {
        if let Some(cache) = &self.hot {
            cache.forget_listings(None);
        }
    }

    /// What the hot cache holds and has done (`None`: the engine has none).
    pub fn hot_stats(&self) -> Option<hot::HotStats> {
        self.hot.as_ref().map(|cache| cache.stats())
    }

    /// What discovery found, as of the last attach or refresh.
    pub fn catalog(&self) -> Arc<Catalog> {
        Arc::clone(
            &self
                .catalog
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// The attached lake.
    pub fn lake(&self) -> &Lake {
        &self.lake
    }

    /// The memory limit in bytes.
    pub fn memory_limit_bytes(&self) -> u64 {
        self.memory_limit_bytes
    }

    /// Autocomplete for the current catalog and this session's functions.
    pub fn completions(&self) -> crate::sql::Completions {
        let state = self.ctx.state();
        let functions = state
            .scalar_functions()
            .keys()
            .chain(state.aggregate_functions().keys())
            .chain(state.window_functions().keys())
            .cloned();
        crate::sql::Completions::new(&self.catalog(), functions)
    }

    /// The cluster this engine's queries run on; `None`: this process.
    pub fn cluster(&self) -> Option<&cluster::ClusterUrl> {
        self.cluster.as_ref()
    }

    /// How the cluster's scheduler is reached over TLS, when it is.
    pub fn cluster_tls(&self) -> Option<&cluster::tls::ClusterTls> {
        self.cluster_tls.as_ref()
    }

    /// Whether queries carry the user's forwarded keys to the cluster.
    pub fn forwards_credentials(&self) -> bool {
        self.forwarding.is_some()
    }

    /// Puts the keys forwarded to the cluster, renewed when due, into `config`.
    async fn with_forwarded_keys(&self, config: &mut SessionConfig) -> Result<(), EngineError> {
        match &self.forwarding {
            Some(forwarding) => forwarding.apply(config).await,
            None => Ok(()),
        }
    }

    /// The underlying session, for benchmarks and tests that compare against plain DataFusion.
    pub fn session(&self) -> &SessionContext {
        &self.ctx
    }

    /// Plans `sql` (read-only statements only) and starts it as a stream of batches.
    /// Dropping the stream cancels the query.
    pub async fn query(&self, sql: &str) -> Result<QueryStream, EngineError> {
        let frame = self.plan(sql, false).await?;
        self.start(frame).await
    }

    /// Like [`Engine::query`], with each `$name` placeholder bound to the typed value
    /// `params[name]` (never spliced into the text); a parameter the query uses but `params`
    /// lacks is an error naming it. This is how dashboard visuals run, again and again, so
    /// their Parquet scans go through the hot cache when the engine has one (an ad-hoc query
    /// streams its files as they are read, for a quick first batch).
    pub async fn query_with_params(
        &self,
        sql: &str,
        params: &HashMap<String, ScalarValue>,
    ) -> Result<QueryStream, EngineError> {
        let frame = self.plan(sql, self.hot.is_some()).await?;
        let frame = params::bind(frame, params)?;
        self.start(frame).await
    }

    /// Plans `sql` with `params` bound, down to the physical plan, without running it; returns
    /// the result's schema. What `dashboard check` asks of every visual.
    pub async fn check_plan(
        &self,
        sql: &str,
        params: &HashMap<String, ScalarValue>,
    ) -> Result<SchemaRef, EngineError> {
        let frame = params::bind(self.plan(sql, false).await?, params)?;
        let plan = frame
            .create_physical_plan()
            .await
            .map_err(|err| self.planning_error(err))?;
        Ok(plan.schema())
    }

    /// The logical plan of one read-only statement; `hot`: its Parquet scans use the hot cache.
    async fn plan(&self, sql: &str, hot: bool) -> Result<DataFrame, EngineError> {
        check_read_only(sql)?;
        let options = guard::read_only_options();
        let mut state = self.ctx.state();
        if hot {
            state.config_mut().set_extension(Arc::new(hot::HotScans));
        }
        self.with_forwarded_keys(state.config_mut()).await?;
        let planned = match state.create_logical_plan(sql).await {
            Ok(plan) => options.verify_plan(&plan).map(|()| plan),
            Err(err) => Err(err),
        };
        if self.forwarding.is_some()
            && let Ok(plan) = &planned
        {
            forward::refuse_settings(plan)?;
        }
        planned
            .map(|plan| DataFrame::new(state, plan))
            .map_err(|e| self.planning_error(e))
    }

    /// Starts a planned query.
    async fn start(&self, frame: DataFrame) -> Result<QueryStream, EngineError> {
        let tables = self.tables_in(frame.logical_plan());
        self.start_frame(frame, tables).await
    }

    /// Starts a planned query that reads `tables` (named in its errors).
    async fn start_frame(
        &self,
        frame: DataFrame,
        tables: Vec<TableInfo>,
    ) -> Result<QueryStream, EngineError> {
        let task_context = Arc::new(frame.task_ctx());
        let per_file = self.hot.as_ref().filter(|_| {
            task_context
                .session_config()
                .get_extension::<hot::HotScans>()
                .is_some()
                && !has_volatile_functions(frame.logical_plan())
        });
        let started = frame
            .create_physical_plan()
            .await
            .and_then(|plan| match per_file {
                Some(cache) => hot::per_file(plan, cache),
                None => Ok(plan),
            })
            .and_then(|plan| {
                execute_stream(Arc::clone(&plan), task_context).map(|stream| (plan, stream))
            });
        let (plan, stream) = match started {
            Ok(started) => started,
            Err(err) => return Err(diagnose::explain_failure(self, err, &tables).await),
        };
        let job = self
            .cluster()
            .and_then(|url| cluster::job::ClusterJob::of(url, self.cluster_tls(), &plan));
        Ok(QueryStream {
            inner: stream,
            job,
            plan,
            engine: self.clone(),
            tables,
        })
    }

    /// Runs `sql` to completion and returns all its batches.
    pub async fn collect(&self, sql: &str) -> Result<Vec<RecordBatch>, EngineError> {
        let mut stream = self.query(sql).await?;
        let mut batches = Vec::new();
        while let Some(batch) = stream.next().await {
            batches.push(batch?);
        }
        Ok(batches)
    }

    /// The discovered tables a plan reads.
    fn tables_in(&self, plan: &LogicalPlan) -> Vec<TableInfo> {
        let catalog = self.catalog();
        let mut found: Vec<TableInfo> = Vec::new();
        let _ = plan.apply_with_subqueries(|node| {
            if let LogicalPlan::TableScan(scan) = node {
                let name = match scan.table_name.schema() {
                    Some(schema) => format!("{schema}.{}", scan.table_name.table()),
                    None => scan.table_name.table().to_owned(),
                };
                if let Some(table) = catalog.table(&name, catalog.default_schema())
                    && !found
                        .iter()
                        .any(|t| t.qualified_name() == table.qualified_name())
                {
                    found.push(table.clone());
                }
            }
            Ok(TreeNodeRecursion::Continue)
        });
        found
    }

    /// A planning error, pointing at discovery problems when the query names a broken table.
    fn planning_error(&self, err: datafusion::error::DataFusionError) -> EngineError {
        let text = err.to_string();
        if text.contains("not found") {
            let catalog = self.catalog();
            for problem in &catalog.problems {
                let bare = format!("'{}'", problem.name);
                let qualified = format!("{}.{}'", problem.schema, problem.name);
                if text.contains(&qualified)
                    || (problem.schema == catalog.default_schema() && text.contains(&bare))
                {
                    return EngineError::TableUnavailable {
                        name: problem.qualified_name(),
                        reason: problem.message.clone(),
                        location: problem.location.clone(),
                    };
                }
            }
        }
        EngineError::Sql(err)
    }
}

/// A running query. Pull batches with [`QueryStream::next`]; drop it to cancel.
pub struct QueryStream {
    inner: SendableRecordBatchStream,
    /// Its job on the cluster, cancelled there if the stream is dropped before it ends.
    job: Option<cluster::job::ClusterJob>,
    plan: Arc<dyn ExecutionPlan>,
    engine: Engine,
    tables: Vec<TableInfo>,
}

impl QueryStream {
    /// The schema of the result.
    pub fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    /// The physical plan being run; its metrics (rows, time, spills) fill in as batches are pulled.
    pub fn physical_plan(&self) -> &Arc<dyn ExecutionPlan> {
        &self.plan
    }

    /// Stops the query, and waits until its job's cancellation reaches the cluster (dropping the
    /// stream sends it in the background, which a process about to exit would not).
    pub async fn close(mut self) {
        if let Some(job) = self.job.take() {
            job.cancel().await;
        }
    }

    /// The id of the job the query runs as on the cluster, once the scheduler has accepted it
    /// (`None` when it runs on this machine).
    pub fn cluster_job(&self) -> Option<String> {
        self.job.as_ref().and_then(cluster::job::ClusterJob::id)
    }

    /// The lake tables the query reads (their warnings are worth showing beside the result).
    pub fn tables(&self) -> &[TableInfo] {
        &self.tables
    }

    /// The next batch; errors name the table and file that failed when they can be found.
    pub async fn next(&mut self) -> Option<Result<RecordBatch, EngineError>> {
        let next = self.inner.next().await;
        // Read to its end, or failed there: the job is over, nothing to cancel.
        if let Some(job) = self.job.as_mut()
            && !matches!(next, Some(Ok(_)))
        {
            job.ended();
        }
        match next? {
            Ok(batch) => Some(Ok(batch)),
            Err(err) => Some(Err(diagnose::explain_failure(
                &self.engine,
                err,
                &self.tables,
            )
            .await)),
        }
    }
}

/// Whether `plan` calls a function whose answer changes from call to call (`random()`): its
/// partial aggregates must not be kept ([`hot::per_file`]).
fn has_volatile_functions(plan: &LogicalPlan) -> bool {
    let mut volatile = false;
    let _ = plan.apply_with_subqueries(|node| {
        volatile = node.expressions().iter().any(Expr::is_volatile);
        Ok(if volatile {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    });
    volatile
}
