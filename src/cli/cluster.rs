//! `lakesight cluster scheduler|executor`.

use anyhow::Result;

use super::ClusterCommand;
use super::args::ServeArgs;
use crate::engine::cluster::Served;
use crate::engine::cluster::serve::{self, ExecutorOptions, SchedulerOptions};
use crate::engine::cluster::tls::ClusterTls;

fn served(args: ServeArgs) -> Served {
    let mut served = Served::new(&args.lakes);
    served.region = args.region;
    served.endpoint = args.endpoint;
    if let Some(links) = args.links {
        served.links = links.into();
    }
    served
}

/// Runs the cluster process `command` names until it is stopped (Ctrl-C).
pub async fn cluster(command: ClusterCommand) -> Result<()> {
    let run = async move {
        match command {
            ClusterCommand::Scheduler {
                bind_host,
                port,
                external_host,
                tls_cert,
                tls_key,
                serve: lakes,
            } => {
                serve::run_scheduler(SchedulerOptions {
                    bind_host,
                    port,
                    external_host,
                    tls: tls_cert.zip(tls_key),
                    served: served(lakes),
                })
                .await
            }
            ClusterCommand::Executor {
                scheduler_host,
                scheduler_port,
                bind_host,
                bind_port,
                bind_grpc_port,
                external_host,
                concurrent_tasks,
                work_dir,
                scheduler_ca,
                serve: lakes,
            } => {
                let scheduler_tls = scheduler_ca
                    .map(|ca| ClusterTls::from_ca_file(&ca))
                    .transpose()
                    .map_err(anyhow::Error::msg)?;
                serve::run_executor(ExecutorOptions {
                    scheduler_host,
                    scheduler_port,
                    bind_host,
                    bind_port,
                    bind_grpc_port,
                    external_host,
                    concurrent_tasks: concurrent_tasks.map(|n| n as usize),
                    work_dir: work_dir.map(|d| d.display().to_string()),
                    scheduler_tls,
                    served: served(lakes),
                })
                .await
            }
        }
    };
    tokio::select! {
        result = run => result,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
