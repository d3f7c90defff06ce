//! A job that is lost — its work panicked, or its runtime went away — ends as a failure with a
//! message. It must never look like "still running", which would leave the window stuck.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::manual_assert)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::app::runtime;
use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
use lakesight::jobs::{Job, JobLost, Jobs, QueryEvent, QueryJob};

fn jobs(runtime: &tokio::runtime::Runtime) -> Jobs {
    Jobs::new(runtime.handle().clone(), Arc::new(|| {}))
}

/// Polls like a UI frame loop until the job has a result.
fn wait<T>(job: &mut Job<T>) -> Result<T, JobLost> {
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        if let Some(result) = job.poll() {
            return result;
        }
        assert!(Instant::now() < deadline, "the job never ended");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Polls until the query's final event.
fn wait_query(job: &mut QueryJob) -> Vec<QueryEvent> {
    let deadline = Instant::now() + Duration::from_mins(1);
    let mut events = Vec::new();
    while !job.is_done() {
        assert!(
            Instant::now() < deadline,
            "the query never ended: {events:?}"
        );
        events.extend(job.poll());
        std::thread::sleep(Duration::from_millis(5));
    }
    events
}

#[test]
fn a_job_that_panics_is_a_failure_with_its_message() {
    let runtime = runtime();
    let jobs = jobs(&runtime);
    let mut job = jobs.spawn(async {
        if std::hint::black_box(true) {
            panic!("injected failure in a job");
        }
        7
    });
    let lost = wait(&mut job).expect_err("a panic is no result");
    assert!(lost.0.contains("injected failure in a job"), "{lost}");

    let mut blocking = jobs.spawn_blocking(|| -> u32 { panic!("injected failure in a sort") });
    let lost = wait(&mut blocking).expect_err("a panic is no result");
    assert!(lost.0.contains("injected failure in a sort"), "{lost}");

    let mut fine = jobs.spawn_blocking(|| 42);
    assert_eq!(wait(&mut fine), Ok(42));
}

#[test]
fn a_query_that_panics_fails_with_a_message() {
    let runtime = runtime();
    let lake = common::rich_lake();
    let engine = runtime.block_on(common::attach(lake.path()));
    engine.session().register_udf(create_udf(
        "explode",
        vec![DataType::Int64],
        DataType::Int64,
        Volatility::Volatile,
        Arc::new(
            |args: &[ColumnarValue]| -> datafusion::error::Result<ColumnarValue> {
                if std::hint::black_box(!args.is_empty()) {
                    panic!("injected failure in a query");
                }
                Ok(args[0].clone())
            },
        ),
    ));
    let jobs = jobs(&runtime);
    let mut job = jobs.run_query(&engine, "SELECT explode(order_id) FROM orders");
    let events = wait_query(&mut job);
    match events.last() {
        Some(QueryEvent::Failed(message)) => {
            assert!(message.contains("injected failure in a query"), "{message}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }

    // The engine keeps answering.
    let mut next = jobs.run_query(&engine, "SELECT count(*) FROM orders");
    let events = wait_query(&mut next);
    assert!(
        matches!(events.last(), Some(QueryEvent::Finished { rows: 1, .. })),
        "{events:?}"
    );
}

#[test]
fn a_query_whose_runtime_went_away_is_a_failure_not_running_forever() {
    let runtime = runtime();
    let lake = common::rich_lake();
    let engine = runtime.block_on(common::attach(lake.path()));
    let jobs = jobs(&runtime);
    let mut query = jobs.run_query(
        &engine,
        "SELECT a.order_id FROM orders a, orders b, orders c, orders d, orders e, orders f",
    );
    let mut job = jobs.spawn(std::future::pending::<()>());
    // Every task is dropped without a result.
    runtime.shutdown_background();

    // Either the query saw its inner tasks cancelled and said so, or its own task was dropped
    // first and the job says it stopped unexpectedly: a failure with a message, either way.
    let events = wait_query(&mut query);
    assert!(
        matches!(events.last(), Some(QueryEvent::Failed(_))),
        "{events:?}"
    );
    assert!(wait(&mut job).is_err(), "a lost job is reported");
}
