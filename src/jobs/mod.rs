//! The bridge between a UI thread and the tokio runtime: work is spawned on a runtime handle that
//! is passed in (no global runtime), results come back over bounded channels that the UI drains
//! with `try_recv` each frame, and an injected repaint callback wakes the UI when something
//! arrives. No egui types: the app passes `ctx.request_repaint` as the callback.
//!
//! A job that is lost — its work panicked, or the runtime dropped it — is reported as a failure
//! with a message, never mistaken for "still running".

pub mod runtime;
mod slot;

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use futures::FutureExt;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TryRecvError;

use crate::engine::Engine;
use crate::results::{Cut, ResultBudget};

pub use slot::Slot;
/// A handle to the runtime jobs run on (the app is given one; it never builds its own).
pub use tokio::runtime::{Handle as RuntimeHandle, Runtime};

/// Batches in flight between a running query and the UI; a slow UI holds the query back.
const QUERY_CHANNEL_CAPACITY: usize = 64;

/// Wakes the UI; called after every event is sent.
pub type Repaint = Arc<dyn Fn() + Send + Sync>;

/// Spawns background work for the UI.
#[derive(Clone)]
pub struct Jobs {
    runtime: tokio::runtime::Handle,
    repaint: Repaint,
}

/// A job that ended without a result: its work panicked or was dropped by the runtime.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JobLost(pub String);

/// What a running query reports, in order: `Started`, any number of `Batch`es, then exactly one
/// of `Finished`, `Failed` or `Cancelled`.
#[derive(Debug)]
pub enum QueryEvent {
    /// Planning succeeded; rows of this schema follow.
    Started {
        /// The result's schema.
        schema: SchemaRef,
    },
    /// More rows.
    Batch(RecordBatch),
    /// All rows were sent, or the result reached its budget and the query was stopped.
    Finished {
        /// Total rows sent.
        rows: usize,
        /// Time from submission to the last row.
        elapsed: Duration,
        /// Where the result was cut at its budget (`None`: these are all the rows).
        cut: Option<Cut>,
    },
    /// Planning or execution failed, or the query's task was lost; the message is ready to show.
    Failed(String),
    /// The query was cancelled before it finished.
    Cancelled,
}

/// A query running in the background. Dropping it cancels the query.
pub struct QueryJob {
    events: mpsc::Receiver<QueryEvent>,
    task: tokio::task::JoinHandle<()>,
    started_at: Instant,
    cancel_requested: bool,
    done: bool,
}

/// One piece of background work with a single result (attach a lake, refresh a catalog).
/// Dropping it abandons the work.
pub struct Job<T> {
    result: mpsc::Receiver<Result<T, JobLost>>,
    task: tokio::task::JoinHandle<()>,
}

impl<T> Job<T> {
    /// The result once it is ready (or why there will be none); never blocks.
    pub fn poll(&mut self) -> Option<Result<T, JobLost>> {
        match self.result.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(JobLost(
                "the background task stopped without a result".to_owned(),
            ))),
        }
    }
}

impl<T> Drop for Job<T> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Jobs {
    /// Work spawned on `runtime`; `repaint` is called whenever there is something to show.
    pub fn new(runtime: tokio::runtime::Handle, repaint: Repaint) -> Self {
        Self { runtime, repaint }
    }

    /// The callback that wakes the UI (for work that arrives from outside a job: file events).
    pub fn repaint(&self) -> Repaint {
        Arc::clone(&self.repaint)
    }

    /// Runs `work` in the background; its result (or its panic, as [`JobLost`]) arrives on the
    /// returned job.
    pub fn spawn<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = T> + Send + 'static,
    ) -> Job<T> {
        let (sender, result) = mpsc::channel(1);
        let repaint = Arc::clone(&self.repaint);
        let task = self.runtime.spawn(async move {
            let outcome = AssertUnwindSafe(work)
                .catch_unwind()
                .await
                .map_err(|panic| JobLost::panicked(&*panic));
            let _ = sender.send(outcome).await;
            repaint();
        });
        Job { result, task }
    }

    /// Runs CPU-heavy `work` (fitting a model) on the runtime's blocking threads from inside a
    /// job, so the async workers stay free; `None` if it panicked.
    pub async fn off_thread<T: Send + 'static>(
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        tokio::task::spawn_blocking(work).await.ok()
    }

    /// Runs blocking `work` (sorting, writing a file) on the runtime's blocking threads, never
    /// the UI's; its result (or its panic) arrives on the returned job.
    pub fn spawn_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Job<T> {
        let (sender, result) = mpsc::channel(1);
        let repaint = Arc::clone(&self.repaint);
        let blocking = self.runtime.spawn_blocking(work);
        let task = self.runtime.spawn(async move {
            let outcome = blocking.await.map_err(|err| {
                if err.is_panic() {
                    JobLost::panicked(&*err.into_panic())
                } else {
                    JobLost(format!("the task failed: {err}"))
                }
            });
            let _ = sender.send(outcome).await;
            repaint();
        });
        Job { result, task }
    }

    /// Starts `sql` on `engine` with no budget; its events arrive on the returned job.
    pub fn run_query(&self, engine: &Engine, sql: &str) -> QueryJob {
        self.run_query_within(engine, sql, None)
    }

    /// Starts `sql` on `engine`; at `budget` the query stops and `Finished` says where it was
    /// cut. Its events arrive on the returned job.
    pub fn run_query_within(
        &self,
        engine: &Engine,
        sql: &str,
        budget: Option<ResultBudget>,
    ) -> QueryJob {
        let (sender, events) = mpsc::channel(QUERY_CHANNEL_CAPACITY);
        let (engine, sql, repaint) = (engine.clone(), sql.to_owned(), Arc::clone(&self.repaint));
        let started_at = Instant::now();
        let task = self.runtime.spawn(async move {
            let send = |event: QueryEvent| {
                let (sender, repaint) = (sender.clone(), Arc::clone(&repaint));
                async move {
                    let delivered = sender.send(event).await.is_ok();
                    repaint();
                    delivered
                }
            };
            let run = AssertUnwindSafe(stream_query(&engine, &sql, budget, started_at, &send));
            if let Err(panic) = run.catch_unwind().await {
                send(QueryEvent::Failed(format!(
                    "the query stopped unexpectedly: {}",
                    panic_message(&*panic)
                )))
                .await;
            }
        });
        QueryJob {
            events,
            task,
            started_at,
            cancel_requested: false,
            done: false,
        }
    }
}

/// Runs one query, sending its events; returns when it has sent its last one.
async fn stream_query<F, Fut>(
    engine: &Engine,
    sql: &str,
    budget: Option<ResultBudget>,
    started_at: Instant,
    send: &F,
) where
    F: Fn(QueryEvent) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let mut stream = match engine.query(sql).await {
        Ok(stream) => stream,
        Err(err) => {
            send(QueryEvent::Failed(err.to_string())).await;
            return;
        }
    };
    if !send(QueryEvent::Started {
        schema: stream.schema(),
    })
    .await
    {
        return;
    }
    let mut used = budget.map(ResultBudget::start);
    let mut rows = 0;
    let mut cut = None;
    while let Some(batch) = stream.next().await {
        let mut batch = match batch {
            Ok(batch) => batch,
            Err(err) => {
                send(QueryEvent::Failed(err.to_string())).await;
                return;
            }
        };
        if let Some(used) = &mut used {
            let (take, reached) =
                used.admit(batch.num_rows(), batch.get_array_memory_size() as u64);
            batch = batch.slice(0, take);
            cut = reached;
        }
        rows += batch.num_rows();
        // The UI went away: stop the query.
        if !send(QueryEvent::Batch(batch)).await {
            return;
        }
        if cut.is_some() {
            break;
        }
    }
    // At the budget, dropping the stream stops whatever the query had left to do.
    drop(stream);
    send(QueryEvent::Finished {
        rows,
        elapsed: started_at.elapsed(),
        cut,
    })
    .await;
}

impl QueryJob {
    /// Every event that has arrived since the last call; never blocks. A query whose task was
    /// lost (it panicked, or the runtime dropped it) ends with `Failed`; one cancelled with
    /// [`QueryJob::cancel`] ends with `Cancelled` once its task has stopped.
    pub fn poll(&mut self) -> Vec<QueryEvent> {
        let mut events = Vec::new();
        while !self.done {
            match self.events.try_recv() {
                Ok(event) => {
                    self.done = matches!(
                        event,
                        QueryEvent::Finished { .. } | QueryEvent::Failed(_) | QueryEvent::Cancelled
                    );
                    // Rows still in flight when the user cancelled are not shown.
                    if self.cancel_requested && !self.done {
                        continue;
                    }
                    events.push(event);
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.done = true;
                    events.push(if self.cancel_requested {
                        QueryEvent::Cancelled
                    } else {
                        QueryEvent::Failed(
                            "the query stopped unexpectedly: its task ended without a result"
                                .to_owned(),
                        )
                    });
                }
            }
        }
        events
    }

    /// Stops the query; `Cancelled` follows from [`QueryJob::poll`] once its task has stopped
    /// (unless it had already finished).
    pub fn cancel(&mut self) {
        if !self.done {
            self.cancel_requested = true;
            self.task.abort();
        }
    }

    /// Whether a final event (`Finished`, `Failed`, `Cancelled`) has been returned.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Whether [`QueryJob::cancel`] was asked and the query has not ended yet.
    pub fn is_cancelling(&self) -> bool {
        self.cancel_requested && !self.done
    }

    /// Time since the query was submitted.
    pub fn elapsed(&self) -> Duration {
        self.started_at.elapsed()
    }
}

impl Drop for QueryJob {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl JobLost {
    /// The job whose work panicked with `payload`.
    fn panicked(payload: &(dyn Any + Send)) -> Self {
        Self(format!("the task failed: {}", panic_message(payload)))
    }
}

/// The text a panic was raised with.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "it panicked".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A query job whose task has ended without a final event (as when it was dropped).
    fn orphaned(cancel_requested: bool) -> QueryJob {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let (sender, events) = mpsc::channel(1);
        drop(sender);
        QueryJob {
            events,
            task: runtime.spawn(async {}),
            started_at: Instant::now(),
            cancel_requested,
            done: false,
        }
    }

    #[test]
    fn a_query_whose_task_ended_without_a_final_event_failed() {
        let mut job = orphaned(false);
        match job.poll().as_slice() {
            [QueryEvent::Failed(message)] => assert!(message.contains("stopped unexpectedly")),
            other => panic!("expected a failure, got {other:?}"),
        }
        assert!(job.is_done());
        assert!(job.poll().is_empty(), "one final event");
    }

    #[test]
    fn a_cancelled_query_ends_cancelled_once_its_task_is_gone() {
        let mut job = orphaned(true);
        assert!(matches!(job.poll().as_slice(), [QueryEvent::Cancelled]));
        assert!(job.is_done());
    }
}
