//! The bridge between a UI thread and the tokio runtime: work is spawned on a runtime handle that
//! is passed in (no global runtime), results come back over bounded channels that the UI drains
//! with `try_recv` each frame, and an injected repaint callback wakes the UI when something
//! arrives. No egui types: the app passes `ctx.request_repaint` as the callback.

pub mod runtime;
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use tokio::sync::mpsc;

use crate::engine::Engine;

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
    /// All rows were sent.
    Finished {
        /// Total rows.
        rows: usize,
        /// Time from submission to the last row.
        elapsed: Duration,
    },
    /// Planning or execution failed; the message is ready to show.
    Failed(String),
    /// The query was cancelled before it finished.
    Cancelled,
}

/// A query running in the background. Dropping it cancels the query.
pub struct QueryJob {
    events: mpsc::Receiver<QueryEvent>,
    task: tokio::task::JoinHandle<()>,
    started_at: Instant,
    done: bool,
}

/// One piece of background work with a single result (attach a lake, refresh a catalog).
/// Dropping it abandons the work.
pub struct Job<T> {
    result: mpsc::Receiver<T>,
    task: tokio::task::JoinHandle<()>,
}

impl<T> Job<T> {
    /// The result, once it is ready; never blocks.
    pub fn poll(&mut self) -> Option<T> {
        self.result.try_recv().ok()
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

    /// Runs `work` in the background; its result arrives on the returned job.
    pub fn spawn<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = T> + Send + 'static,
    ) -> Job<T> {
        let (sender, result) = mpsc::channel(1);
        let repaint = Arc::clone(&self.repaint);
        let task = self.runtime.spawn(async move {
            let _ = sender.send(work.await).await;
            repaint();
        });
        Job { result, task }
    }

    /// Starts `sql` on `engine`; its events arrive on the returned job.
    pub fn run_query(&self, engine: &Engine, sql: &str) -> QueryJob {
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
            let mut stream = match engine.query(&sql).await {
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
            let mut rows = 0;
            while let Some(batch) = stream.next().await {
                match batch {
                    Ok(batch) => {
                        rows += batch.num_rows();
                        // The UI went away: stop the query.
                        if !send(QueryEvent::Batch(batch)).await {
                            return;
                        }
                    }
                    Err(err) => {
                        send(QueryEvent::Failed(err.to_string())).await;
                        return;
                    }
                }
            }
            send(QueryEvent::Finished {
                rows,
                elapsed: started_at.elapsed(),
            })
            .await;
        });
        QueryJob {
            events,
            task,
            started_at,
            done: false,
        }
    }
}

impl QueryJob {
    /// Every event that has arrived since the last call; never blocks.
    pub fn poll(&mut self) -> Vec<QueryEvent> {
        let mut events = Vec::new();
        while let Ok(event) = self.events.try_recv() {
            self.done |= matches!(
                event,
                QueryEvent::Finished { .. } | QueryEvent::Failed(_) | QueryEvent::Cancelled
            );
            events.push(event);
        }
        events
    }

    /// Stops the query; the next [`QueryJob::poll`] reports `Cancelled` unless it had finished.
    pub fn cancel(&mut self) {
        if !self.done {
            self.task.abort();
            self.done = true;
            // The task is gone, so the UI learns of the cancellation from here.
            let (sender, receiver) = mpsc::channel(1);
            let _ = sender.try_send(QueryEvent::Cancelled);
            let pending = std::mem::replace(&mut self.events, receiver);
            drop(pending);
        }
    }

    /// Whether a final event (`Finished`, `Failed`, `Cancelled`) has been seen or cancel was asked.
    pub fn is_done(&self) -> bool {
        self.done
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
