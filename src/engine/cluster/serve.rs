//! `lakesight cluster scheduler|executor`: Ballista's scheduler and executor processes, with
//! Lakesight's codecs, lake stores and functions; and the same two in this process, for tests.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_core::RuntimeProducer;
use ballista_core::config::TaskSchedulingPolicy;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::serde::BallistaCodec;
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::execution::SessionState;
use datafusion::execution::registry::FunctionRegistry;
use datafusion::logical_expr::ScalarUDF;

use super::codec::{LakeLogicalCodec, LakePhysicalCodec};
use super::{ClusterUrl, Served, base_config, store};
use crate::engine::date_trunc::UtcDateTrunc;

/// Lakesight's functions that replace DataFusion's of the same name (a UTC `date_trunc`).
fn own_functions() -> Vec<ScalarUDF> {
    vec![UtcDateTrunc::udf()]
}

/// Adds Lakesight's functions to a scheduler's session.
pub fn add_functions(state: &mut SessionState) -> datafusion::error::Result<()> {
    for function in own_functions() {
        state.register_udf(Arc::new(function))?;
    }
    Ok(())
}

/// What an executor decodes plans with: DataFusion's and Ballista's functions, and Lakesight's.
fn function_registry() -> BallistaFunctionRegistry {
    let mut registry = BallistaFunctionRegistry::default();
    for function in own_functions() {
        registry
            .scalar_functions
            .insert(function.name().to_owned(), Arc::new(function));
    }
    registry
}

fn runtime_producer(served: &Arc<Served>) -> RuntimeProducer {
    let served = Arc::clone(served);
    Arc::new(move |config| store::runtime_for(config, &served))
}

fn session_builder(served: &Arc<Served>) -> ballista_scheduler::SessionBuilder {
    let served = Arc::clone(served);
    Arc::new(move |config| store::session_for(config, &served))
}

/// How often an executor tells the scheduler it is alive (Ballista: every minute).
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(3);

/// How long a scheduler waits for an executor's heartbeat before it gives the executor up.
const EXECUTOR_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long an executor keeps trying to reach its scheduler at start, in seconds (Ballista 55
/// measures this window from each attempt, so in practice it waits until the scheduler answers).
const SCHEDULER_WAIT: u16 = 600;

/// Where `lakesight cluster scheduler` listens.
#[derive(Clone, Debug)]
pub struct SchedulerOptions {
    /// Address to listen on (`0.0.0.0` for every interface).
    pub bind_host: String,
    /// The gRPC port clients and executors connect to; results stream back through it too.
    pub port: u16,
    /// The host name executors and clients reach this scheduler at, when not `bind_host`.
    pub external_host: Option<String>,
    /// Serve TLS with this certificate and key (PEM files); `None`: plain gRPC.
    pub tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
    /// The lakes it plans queries of, and how it reaches S3.
    pub served: Served,
}

/// Runs a scheduler until the process is stopped.
pub async fn run_scheduler(options: SchedulerOptions) -> anyhow::Result<()> {
    let served = Arc::new(options.served.clone());
    let addr: SocketAddr = tokio::net::lookup_host((options.bind_host.as_str(), options.port))
        .await?
        .next()
        .ok_or_else(|| anyhow::anyhow!("`{}` names no address", options.bind_host))?;
    let config = SchedulerConfig {
        bind_host: options.bind_host.clone(),
        bind_port: options.port,
        external_host: options.external_host.clone().unwrap_or_else(|| {
            // Listening on every interface: say the machine's name, not 0.0.0.0.
            if matches!(options.bind_host.as_str(), "0.0.0.0" | "::" | "[::]") {
                sysinfo::System::host_name().unwrap_or_else(|| options.bind_host.clone())
            } else {
                options.bind_host.clone()
            }
        }),
        // Clients fetch results through the scheduler: one port to reach.
        enable_embedded_flight_proxy: true,
        // An executor that stops answering is given up after EXECUTOR_TIMEOUT (Ballista: 3
        // minutes), so its tasks run elsewhere, or the query fails, instead of waiting.
        executor_timeout_seconds: EXECUTOR_TIMEOUT.as_secs(),
        expire_dead_executor_interval_seconds: 2,
        // Executors ask for work, so tasks of an executor given up are taken by the others.
        scheduling_policy: TaskSchedulingPolicy::PullStaged,
        no_executors_grace_period_seconds: EXECUTOR_TIMEOUT.as_secs(),
        override_config_producer: Some(Arc::new(base_config)),
        override_session_builder: Some(session_builder(&served)),
        override_logical_codec: Some(Arc::new(LakeLogicalCodec::default())),
        override_physical_codec: Some(Arc::new(LakePhysicalCodec::default())),
        ..SchedulerConfig::default()
    };
    let identity = match &options.tls {
        Some((cert, key)) => Some(super::tls::identity(cert, key).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let cluster = BallistaCluster::new_from_config(&config).await?;
    eprintln!(
        "lakesight {} scheduler listening on {addr}{} (clients: --cluster df://{}:{}{})",
        super::VERSION,
        if identity.is_some() { " over TLS" } else { "" },
        config.external_host,
        options.port,
        if identity.is_some() {
            " --cluster-ca <the CA that signed the certificate>"
        } else {
            ""
        }
    );
    match identity {
        Some(identity) => {
            super::tls::serve_scheduler(addr, cluster, Arc::new(config), identity).await
        }
        None => Ok(start_server(cluster, addr, Arc::new(config)).await?),
    }
}

/// How `lakesight cluster executor` joins a scheduler (Ballista's executor options).
#[derive(Clone, Debug)]
pub struct ExecutorOptions {
    /// The scheduler's host.
    pub scheduler_host: String,
    /// The scheduler's gRPC port.
    pub scheduler_port: u16,
    /// Address to listen on.
    pub bind_host: String,
    /// Arrow Flight port (shuffle data and results).
    pub bind_port: u16,
    /// gRPC port.
    pub bind_grpc_port: u16,
    /// The host name the scheduler and other executors reach this one at.
    pub external_host: Option<String>,
    /// Tasks run at once; `None`: one per core.
    pub concurrent_tasks: Option<usize>,
    /// Where shuffle files are written; `None`: a temporary folder.
    pub work_dir: Option<String>,
    /// Reach the scheduler over TLS, checking its certificate against this CA.
    pub scheduler_tls: Option<super::tls::ClusterTls>,
    /// The lakes it reads, and how it reaches S3.
    pub served: Served,
}

/// Runs an executor until the process is stopped.
pub async fn run_executor(options: ExecutorOptions) -> anyhow::Result<()> {
    let served = Arc::new(options.served.clone());
    let vcores = options
        .concurrent_tasks
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get));
    let config = ExecutorProcessConfig {
        scheduler_host: options.scheduler_host.clone(),
        scheduler_port: options.scheduler_port,
        bind_host: options.bind_host.clone(),
        port: options.bind_port,
        grpc_port: options.bind_grpc_port,
        external_host: options.external_host.clone(),
        vcores: vcores.max(1),
        executor_heartbeat_interval_seconds: HEARTBEAT.as_secs(),
        task_scheduling_policy: TaskSchedulingPolicy::PullStaged,
        // Started before its scheduler listens (a whole cluster started at once), an executor
        // keeps trying every 0.5 s instead of exiting: Ballista's default tries once.
        scheduler_connect_timeout_seconds: SCHEDULER_WAIT,
        work_dir: options.work_dir.clone(),
        override_config_producer: Some(Arc::new(base_config)),
        override_runtime_producer: Some(runtime_producer(&served)),
        override_logical_codec: Some(Arc::new(LakeLogicalCodec::default())),
        override_physical_codec: Some(Arc::new(LakePhysicalCodec::default())),
        override_function_registry: Some(Arc::new(function_registry())),
        // Tasks, with their settings (forwarded keys included), come from the scheduler.
        override_create_grpc_client_endpoint: options.scheduler_tls.as_ref().map(|tls| {
            let scheduler = ClusterUrl {
                host: options.scheduler_host.clone(),
                port: options.scheduler_port,
            };
            super::tls::endpoint_override(&scheduler, tls)
        }),
        ..ExecutorProcessConfig::default()
    };
    eprintln!(
        "lakesight {} executor: {} task(s) at once, scheduler {}:{}{}",
        super::VERSION,
        config.vcores,
        options.scheduler_host,
        options.scheduler_port,
        if options.scheduler_tls.is_some() {
            " over TLS"
        } else {
            ""
        }
    );
    start_executor_process(Arc::new(config)).await?;
    Ok(())
}

/// A scheduler and `executors` executors in this process, as `lakesight cluster` runs them (the
/// same codecs, lake stores and functions, serving `served`), on free ports of this machine: for
/// tests and benchmarks. They run until the Tokio runtime they were started on ends.
pub async fn in_process(
    executors: usize,
    tasks_each: usize,
    served: Served,
) -> anyhow::Result<ClusterUrl> {
    let served = Arc::new(served);
    let codec = BallistaCodec::new(
        Arc::new(LakeLogicalCodec::default()),
        Arc::new(LakePhysicalCodec::default()),
    );
    let addr = ballista_scheduler::standalone::new_standalone_scheduler_with_builder(
        session_builder(&served),
        Arc::new(base_config),
        codec.clone(),
    )
    .await?;
    let url = format!("http://localhost:{}", addr.port());
    for _ in 0..executors.max(1) {
        let scheduler = SchedulerGrpcClient::connect(url.clone()).await?;
        ballista_executor::new_standalone_executor_from_builder(
            scheduler,
            tasks_each.max(1),
            Arc::new(base_config),
            runtime_producer(&served),
            codec.clone(),
            function_registry(),
        )
        .await?;
    }
    Ok(ClusterUrl {
        host: "localhost".to_owned(),
        port: addr.port(),
    })
}
