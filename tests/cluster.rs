//! Queries on a Ballista cluster give the answers the same queries give locally: a scheduler and
//! two executors in this process, started as `lakesight cluster` starts them (the same codecs,
//! lake stores and functions), over the bundled sample lake with every format it has.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use datafusion::arrow::util::pretty::pretty_format_batches;
use lakesight::engine::cluster::serve;
use lakesight::engine::{Engine, EngineOptions};
use lakesight::lake::files::DataFormat;
use lakesight::model::SourceSpec;

fn sample_lake() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

async fn answer(engine: &Engine, sql: &str) -> String {
    let batches = engine
        .collect(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    pretty_format_batches(&batches).unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_format_of_the_sample_lake_answers_on_a_cluster_as_it_does_here() {
    let cluster = serve::in_process(2, 2).await.unwrap();
    let spec = SourceSpec::local(sample_lake());
    let local = Engine::attach(&spec, &EngineOptions::default())
        .await
        .unwrap();
    let remote = Engine::attach(
        &spec,
        &EngineOptions {
            cluster: Some(cluster.clone()),
            ..EngineOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(remote.cluster(), Some(&cluster));

    let catalog = local.catalog();
    let formats: BTreeSet<String> = catalog
        .tables
        .iter()
        .map(|t| format!("{:?}", t.format))
        .collect();
    for format in [
        DataFormat::Parquet,
        DataFormat::Arrow,
        DataFormat::Json,
        DataFormat::Csv,
    ] {
        assert!(formats.contains(&format!("{format:?}")), "{formats:?}");
    }

    // Every column of every table, counted per hour: each file is read and each value decoded.
    let mut queries: Vec<String> = catalog
        .tables
        .iter()
        .map(|table| {
            let counts: Vec<String> = table
                .columns
                .fields()
                .iter()
                .map(|f| format!("count(\"{}\")", f.name()))
                .collect();
            format!(
                "SELECT day, hour, count(*) AS n, {} FROM {} GROUP BY day, hour ORDER BY day, hour",
                counts.join(", "),
                table.qualified_name()
            )
        })
        .collect();
    queries.extend(
        [
            // Lakesight's UTC date_trunc, a filter on partitions and on values, a join.
            "SELECT date_trunc('hour', event_time) AS h, status, count(*) AS n, round(sum(amount), 2) AS revenue \
             FROM consumption.orders WHERE day = '24' GROUP BY 1, 2 ORDER BY 1, 2",
            "SELECT level, count(*) AS n FROM landing.app_logs WHERE hour >= '12' GROUP BY level ORDER BY level",
            "SELECT o.status, count(*) AS n FROM landing.orders o JOIN consumption.payments p ON o.order_id = p.order_id \
             GROUP BY o.status ORDER BY o.status",
            "SELECT count(*) AS n FROM staging.app_logs WHERE level = 'ERROR'",
            "SELECT order_id FROM staging.orders ORDER BY order_id LIMIT 5",
        ]
        .map(str::to_owned),
    );
    // The queries run on the cluster: the plan this process runs only waits for the scheduler.
    let stream = remote.query(&queries[0]).await.unwrap();
    assert_eq!(stream.physical_plan().name(), "DistributedQueryExec");
    drop(stream);
    for sql in &queries {
        let expected = answer(&local, sql).await;
        let actual = answer(&remote, sql).await;
        assert_eq!(actual, expected, "{sql}");
    }
}
