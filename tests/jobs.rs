//! The jobs bridge as the desktop app will use it: submit from a "UI thread", drain events
//! without blocking, cancel, and get woken by the repaint callback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use lakesight::engine::{Engine, EngineOptions};
use lakesight::jobs::{Jobs, QueryEvent};
use lakesight::model::SourceSpec;

struct Fixture {
    /// Kept alive: the jobs run on it.
    _runtime: tokio::runtime::Runtime,
    engine: Engine,
    jobs: Jobs,
    repaints: Arc<AtomicUsize>,
    _lake: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let lake = common::rich_lake();
    let engine = runtime
        .block_on(Engine::attach(
            &SourceSpec::local(lake.path()),
            &EngineOptions::default(),
        ))
        .unwrap();
    let repaints = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&repaints);
    let jobs = Jobs::new(
        runtime.handle().clone(),
        Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }),
    );
    Fixture {
        _runtime: runtime,
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
    let mut job = f.jobs.run_query(
        &f.engine,
        "SELECT a.order_id FROM orders a, orders b, orders c, orders d, orders e, orders f",
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !job
        .poll()
        .iter()
        .any(|e| matches!(e, QueryEvent::Started { .. }))
    {
        assert!(Instant::now() < deadline, "the query never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    job.cancel();
    let events = job.poll();
    assert!(
        matches!(events.as_slice(), [QueryEvent::Cancelled]),
        "{events:?}"
    );
    assert!(job.is_done());

    let mut next = f.jobs.run_query(&f.engine, "SELECT count(*) FROM orders");
    let events = drain(&mut next, Duration::from_secs(30));
    assert!(
        matches!(events.last(), Some(QueryEvent::Finished { rows: 1, .. })),
        "{events:?}"
    );
}
