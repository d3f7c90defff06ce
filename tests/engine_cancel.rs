//! Dropping a `QueryStream` stops the query's work: no task of it stays alive on the runtime and
//! no batch is computed after the drop.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use lakesight::engine::{Engine, EngineOptions};
use lakesight::model::SourceSpec;

use common::{register_batch_counter, rich_lake, wait_until};

/// 40^6 rows: hours of work, so only cancellation can stop it within the test.
const ENDLESS: &str = "SELECT count_batches(a.order_id) FROM orders a, orders b, orders c, orders d, orders e, orders f";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_stream_cancels_the_query() {
    let lake = rich_lake();
    let options = EngineOptions {
        // Several partitions, so the query runs in tasks of its own that a drop must end.
        target_partitions: Some(4),
        ..EngineOptions::default()
    };
    let engine = Engine::attach(&SourceSpec::local(lake.path()), &options)
        .await
        .unwrap();
    let batches = register_batch_counter(engine.session());
    let metrics = tokio::runtime::Handle::current().metrics();
    let idle_tasks = metrics.num_alive_tasks();

    let mut stream = engine.query(ENDLESS).await.unwrap();
    let first = stream.next().await.unwrap().unwrap();
    assert!(first.num_rows() > 0);
    assert!(
        batches.load(Ordering::SeqCst) > 0,
        "the counter sees the work"
    );
    assert!(
        metrics.num_alive_tasks() > idle_tasks,
        "the query runs in spawned tasks"
    );

    drop(stream);
    let at_drop = batches.load(Ordering::SeqCst);
    wait_until(
        Duration::from_mins(1),
        || metrics.num_alive_tasks() <= idle_tasks,
        || {
            format!(
                "a minute after the drop {} of the query's tasks are alive and {} more batches were computed",
                metrics.num_alive_tasks() - idle_tasks,
                batches.load(Ordering::SeqCst) - at_drop
            )
        },
    );
    // With its tasks gone nothing can run the query any more: the count stays put.
    let stopped_at = batches.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(batches.load(Ordering::SeqCst), stopped_at);

    let rows = engine.collect("SELECT count(*) FROM orders").await.unwrap();
    assert_eq!(rows[0].num_rows(), 1, "the session keeps answering");
}
