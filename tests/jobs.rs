//! The jobs bridge as the desktop app will use it: submit from a "UI thread", drain events
//! without blocking, cancel, and get woken by the repaint callback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use lakesight::engine::Engine;
use lakesight::jobs::{Jobs, QueryEvent};

struct Fixture {
    /// The jobs run on it.
    runtime: tokio::runtime::Runtime,
    engine: Engine,
    jobs: Jobs,
    repaints: Arc<AtomicUsize>,
    _lake: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let runtime = common::app::runtime();
    let lake = common::rich_lake();
    let engine = runtime.block_on(common::attach(lake.path()));
    let repaints = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&repaints);
    let jobs = Jobs::new(
        runtime.handle().clone(),
        Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }),
    );
    Fixture {
        runtime,
        engine,
        jobs,
        repaints,
        _lake: lake,
    }
}

/// Polls like a UI frame loop until the job is done or `limit` passes.
fn drain(job: &mut lakesight::jobs::QueryJob, limit: Duration) -> Vec<QueryEvent> {
    let deadline = Instant::now() + limit;
    let mut events = Vec::new();
    while !job.is_done() && Instant::now() < deadline {
        events.extend(job.poll());
        std::thread::sleep(Duration::from_millis(5));
    }
    events.extend(job.poll());
    events
}

#[test]
fn a_query_streams_started_batches_finished_and_wakes_the_ui() {
    let f = fixture();
    let mut job = f
        .jobs
        .run_query(&f.engine, "SELECT order_id FROM orders ORDER BY order_id");
    let events = drain(&mut job, Duration::from_secs(30));
    assert!(
        matches!(events.first(), Some(QueryEvent::Started { .. })),
        "{events:?}"
    );
    let rows: usize = events
        .iter()
        .map(|e| {
            if let QueryEvent::Batch(b) = e {
                b.num_rows()
            } else {
                0
            }
        })
        .sum();
    assert_eq!(rows, 40);
    assert!(
        matches!(events.last(), Some(QueryEvent::Finished { rows: 40, .. })),
        "{events:?}"
    );
    assert!(
        f.repaints.load(Ordering::SeqCst) >= events.len(),
        "one repaint per event at least"
    );
}

#[test]
fn errors_arrive_as_messages() {
    let f = fixture();
    let mut job = f.jobs.run_query(&f.engine, "SELECT nope FROM orders");
    let events = drain(&mut job, Duration::from_secs(30));
    match events.as_slice() {
        [QueryEvent::Failed(message)] => assert!(message.contains("nope"), "{message}"),
        other => panic!("expected one failure, got {other:?}"),
    }
}

#[test]
fn cancel_stops_a_running_query_and_the_engine_keeps_answering() {
    let f = fixture();
    let batches = common::register_batch_counter(f.engine.session());
    let metrics = f.runtime.metrics();
    let idle_tasks = metrics.num_alive_tasks();
    // A trillion rows summed into one: no batch reaches the job for hours, so only the abort (not
    // a failed send to the closed channel) can stop it. The generated input yields to the runtime
    // between batches, as a scan does; an abort takes effect only where a task yields.
    let mut job = f.jobs.run_query(
        &f.engine,
        "SELECT sum(count_batches(value)) FROM range(1000000000000)",
    );
    let mut events = Vec::new();
    common::wait_until(
        Duration::from_mins(1),
        || {
            events.extend(job.poll());
            !events.is_empty() && batches.load(Ordering::SeqCst) > 0
        },
        || "the query never started computing".to_owned(),
    );
    assert!(
        matches!(events.as_slice(), [QueryEvent::Started { .. }]),
        "{events:?}"
    );
    job.cancel();
    // `Cancelled` comes once the aborted task has stopped (not made up by `cancel` itself).
    let events = drain(&mut job, Duration::from_mins(1));
    assert!(
        matches!(events.as_slice(), [QueryEvent::Cancelled]),
        "{events:?}"
    );
    assert!(job.is_done());

    let at_cancel = batches.load(Ordering::SeqCst);
    common::wait_until(
        Duration::from_mins(1),
        || metrics.num_alive_tasks() <= idle_tasks,
        || {
            format!(
                "a minute after cancel {} tasks of the query are alive and {} more batches were computed",
                metrics.num_alive_tasks() - idle_tasks,
                batches.load(Ordering::SeqCst) - at_cancel
            )
        },
    );
    // With its tasks gone nothing can run the query any more: the count stays put.
    let stopped_at = batches.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(batches.load(Ordering::SeqCst), stopped_at);

    let mut next = f.jobs.run_query(&f.engine, "SELECT count(*) FROM orders");
    let events = drain(&mut next, Duration::from_secs(30));
    assert!(
        matches!(events.last(), Some(QueryEvent::Finished { rows: 1, .. })),
        "{events:?}"
    );
}
