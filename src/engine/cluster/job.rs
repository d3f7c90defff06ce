//! A query's job on the cluster, cancelled there when the query is dropped before it ends.
//!
//! Ballista's client stops polling a job whose stream is dropped, but the job itself keeps
//! running on the executors until it is done. Lakesight drops a query's stream to cancel it
//! (the window's Cancel, a dashboard visual cut at its row limit, a refresh that replaces a
//! slower one), so [`ClusterJob`] asks the scheduler to cancel the job then: the scheduler fails
//! it and tells its executors to stop its tasks.

use std::sync::Arc;
use std::time::Duration;

use ballista_core::execution_plans::DistributedQueryExec;
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use ballista_core::serde::protobuf::{CancelJobParams, GetJobStatusParams, job_status};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::protobuf::LogicalPlanNode;

use super::ClusterUrl;
use super::tls::{ClusterTls, scheduler_endpoint};

/// A client of the scheduler at `url`, over TLS when `tls` says so.
async fn connect(
    url: &ClusterUrl,
    tls: Option<&ClusterTls>,
) -> Result<SchedulerGrpcClient<tonic::transport::Channel>, tonic::transport::Error> {
    let channel = scheduler_endpoint(url, tls)?.connect().await?;
    Ok(SchedulerGrpcClient::new(channel))
}

/// How long asking the scheduler to cancel a job may take before it is given up.
const CANCEL_TIMEOUT: Duration = Duration::from_secs(10);

/// The job a running query started on the cluster.
pub struct ClusterJob {
    url: ClusterUrl,
    tls: Option<ClusterTls>,
    /// The client's `DistributedQueryExec`, which learns the job's id once the scheduler accepts
    /// the query.
    plan: Arc<dyn ExecutionPlan>,
    /// Whether the query ended (all its results read, or failed): nothing to cancel.
    ended: bool,
}

impl ClusterJob {
    /// The job `plan` runs on the cluster at `url`, when it runs there.
    pub fn of(
        url: &ClusterUrl,
        tls: Option<&ClusterTls>,
        plan: &Arc<dyn ExecutionPlan>,
    ) -> Option<Self> {
        let distributed = find_distributed(plan)?;
        Some(Self {
            url: url.clone(),
            tls: tls.cloned(),
            plan: distributed,
            ended: false,
        })
    }

    /// The job's id on the scheduler, once it has accepted the query.
    pub fn id(&self) -> Option<String> {
        self.plan
            .downcast_ref::<DistributedQueryExec<LogicalPlanNode>>()
            .and_then(DistributedQueryExec::job_id)
            .map(|id| id.to_string())
    }

    /// Cancels the job on the cluster unless it ended, and waits until the scheduler has heard.
    pub async fn cancel(mut self) {
        if let (false, Some(id)) = (self.ended, self.id()) {
            self.ended = true;
            if let Err(err) = cancel(&self.url, self.tls.as_ref(), &id).await {
                tracing::warn!(
                    "could not cancel job {id} on the cluster {}: {err}",
                    self.url
                );
            }
        }
    }

    /// Marks the query as over: it is not cancelled when dropped.
    pub fn ended(&mut self) {
        self.ended = true;
    }
}

impl Drop for ClusterJob {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let (Some(id), Ok(runtime)) = (self.id(), tokio::runtime::Handle::try_current()) else {
            return;
        };
        let (url, tls) = (self.url.clone(), self.tls.clone());
        runtime.spawn(async move {
            if let Err(err) = cancel(&url, tls.as_ref(), &id).await {
                tracing::warn!("could not cancel job {id} on the cluster {url}: {err}");
            }
        });
    }
}

/// The client's `DistributedQueryExec` in `plan` (its root, as Ballista plans it).
fn find_distributed(plan: &Arc<dyn ExecutionPlan>) -> Option<Arc<dyn ExecutionPlan>> {
    if plan.is::<DistributedQueryExec<LogicalPlanNode>>() {
        return Some(Arc::clone(plan));
    }
    plan.children().into_iter().find_map(find_distributed)
}

/// Whether the scheduler at `url` answers (within [`CANCEL_TIMEOUT`]).
pub async fn reach(url: &ClusterUrl, tls: Option<&ClusterTls>) -> anyhow::Result<()> {
    let connected = tokio::time::timeout(CANCEL_TIMEOUT, connect(url, tls)).await;
    match connected {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => Err(anyhow::anyhow!(
            "cannot reach the cluster at {url}: {err} (is `lakesight cluster scheduler` running there?)"
        )),
        Err(_) => Err(anyhow::anyhow!(
            "cannot reach the cluster at {url}: no answer in {CANCEL_TIMEOUT:?}"
        )),
    }
}

/// Asks the scheduler at `url` to cancel job `id`.
pub async fn cancel(url: &ClusterUrl, tls: Option<&ClusterTls>, id: &str) -> anyhow::Result<()> {
    tokio::time::timeout(CANCEL_TIMEOUT, async {
        let mut scheduler = connect(url, tls).await?;
        scheduler
            .cancel_job(CancelJobParams { job_id: id.into() })
            .await?;
        anyhow::Ok(())
    })
    .await
    .map_err(|_| anyhow::anyhow!("the scheduler did not answer in {CANCEL_TIMEOUT:?}"))?
}

/// Where job `id` stands on the scheduler at `url`: `running` (queued or running), `failed`
/// (cancelled jobs end failed), `successful`, or `unknown`.
pub async fn status(
    url: &ClusterUrl,
    tls: Option<&ClusterTls>,
    id: &str,
) -> anyhow::Result<&'static str> {
    let mut scheduler = connect(url, tls).await?;
    let answer = scheduler
        .get_job_status(GetJobStatusParams { job_id: id.into() })
        .await?
        .into_inner();
    Ok(match answer.status.and_then(|s| s.status) {
        Some(job_status::Status::Queued(_) | job_status::Status::Running(_)) => "running",
        Some(job_status::Status::Failed(_)) => "failed",
        Some(job_status::Status::Successful(_)) => "successful",
        None => "unknown",
    })
}
