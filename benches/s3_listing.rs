//! `cargo bench --bench s3_listing`: listing and discovering a 10,000-object table through S3,
//! against a real S3 server (s3s-fs) on 127.0.0.1 started here. Figures go in BENCHMARKS.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::doc_markdown
)]

#[path = "../tests/common/s3.rs"]
mod s3;

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use lakesight::lake::{DiscoverOptions, Lake, listing};
use lakesight::model::SourceSpec;
use object_store::ObjectStore;
use object_store::path::Path;

const OBJECTS: usize = 10_000;
const RUNS: usize = 5;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = s3::S3Server::start(false).await;
        let bucket = server.bucket_dir("bench-lake");
        // 10,000 small Parquet objects: 10 days x 24 hours x ~42 per hour partition.
        let parquet = tiny_parquet();
        for i in 0..OBJECTS {
            let (day, hour) = (i / 24 / 42 + 1, (i / 42) % 24);
            let dir = bucket.join(format!("consumption/events/year=2026/month=11/day={day:02}/hour={hour:02}"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("part-{i:05}.parquet")), &parquet).unwrap();
        }
        let mut spec: SourceSpec = "s3://bench-lake".parse().unwrap();
        spec.endpoint = Some(server.endpoint.clone());
        spec.no_sign_request = true;
        spec.region = Some("us-east-1".into());
        let lake = Lake::attach(&spec).await.unwrap();
        let raw = lake.store.raw();
        let prefix = Path::from("consumption/events");

        let flat = median(|| async { raw.list(Some(&prefix)).try_collect::<Vec<_>>().await.unwrap().len() }).await;
        let parallel = median(|| async { listing::list_tree(raw, &prefix).await.unwrap().len() }).await;
        let discover = median(|| async {
            let catalog = lake.discover(&DiscoverOptions::default()).await.unwrap();
            catalog.tables[0].file_count
        })
        .await;
        println!("S3 (s3s-fs on 127.0.0.1), table of {OBJECTS} objects in 240 hour partitions, median of {RUNS}:");
        println!("| operation | time |");
        println!("|---|---:|");
        println!("| flat ListObjectsV2 pages (object_store `list`) | {:.0} ms |", flat.as_secs_f64() * 1000.0);
        println!("| partition prefixes in parallel (`listing::list_tree`) | {:.0} ms |", parallel.as_secs_f64() * 1000.0);
        println!("| full discovery (listing + schema from 16 sampled files) | {:.0} ms |", discover.as_secs_f64() * 1000.0);
    });
}

async fn median<F, Fut>(mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    assert_eq!(f().await, OBJECTS);
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        std::hint::black_box(f().await);
        times.push(t.elapsed());
    }
    times.sort();
    times[RUNS / 2]
}

fn tiny_parquet() -> Vec<u8> {
    use datafusion::arrow::array::{Int64Array, RecordBatch};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    let schema = std::sync::Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![std::sync::Arc::new(Int64Array::from(vec![1, 2, 3]))],
    )
    .unwrap();
    let mut out = Vec::new();
    let mut writer =
        datafusion::parquet::arrow::ArrowWriter::try_new(&mut out, schema, None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    out
}
