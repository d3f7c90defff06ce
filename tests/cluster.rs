//! Queries on a Ballista cluster give the answers the same queries give locally: a scheduler and
//! two executors in this process, started as `lakesight cluster` starts them (the same codecs,
//! lake stores and functions), over the bundled sample lake with every format it has.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::cluster::{Process, cluster_command, free_port};
use common::s3::{ACCESS_KEY, AwsFiles, S3Server, SECRET_KEY};

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{ParquetReadOptions, SessionConfig};
use lakesight::engine::cluster::{self, LakeOptions, Served, VERSION, serve};
use lakesight::engine::{Engine, EngineOptions};
use lakesight::lake::Lake;
use lakesight::lake::files::DataFormat;
use lakesight::model::SourceSpec;

fn sample_lake() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

fn sample_root() -> String {
    sample_lake().display().to_string()
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
    let cluster = serve::in_process(2, 2, Served::new(&[sample_root()]))
        .await
        .unwrap();
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

/// A cluster process with no AWS settings but the environment credentials executors use (their
/// own, never the client's profile).
fn start(args: &[String], home: &Path) -> Process {
    let mut cmd = cluster_command(args, home);
    cmd.env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Process(cmd.spawn().unwrap())
}

/// What the test cluster serves: the S3 lake, through the test server.
fn serving(endpoint: &str) -> Vec<String> {
    [
        "--lake",
        "s3://acme-lake/prod/events",
        "--endpoint",
        endpoint,
        "--region",
        "eu-west-1",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn executor(scheduler_port: u16, home: &Path, serving: &[String]) -> Process {
    let (flight, grpc) = (free_port().to_string(), free_port().to_string());
    let scheduler_port = scheduler_port.to_string();
    start(
        &[
            "cluster",
            "executor",
            "--scheduler-host",
            "127.0.0.1",
            "--scheduler-port",
            &scheduler_port,
            "--bind-port",
            &flight,
            "--bind-grpc-port",
            &grpc,
            "--concurrent-tasks",
            "2",
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .chain(serving.iter().cloned())
        .collect::<Vec<_>>(),
        home,
    )
}

/// The client: the analyst's profile, which the cluster never sees.
fn client(aws: &AwsFiles, args: &[&str]) -> std::process::Output {
    let mut cmd = assert_cmd::Command::cargo_bin("lakesight").unwrap();
    aws.apply(&mut cmd);
    cmd.env_remove("LAKESIGHT_SOURCE")
        .env_remove("LAKESIGHT_CLUSTER")
        .env("LAKESIGHT_CACHE_DIR", aws.dir.path().join("cache"))
        .args(args)
        .args([
            "--source",
            "s3://acme-lake/prod/events",
            "--profile",
            "lake-reader",
        ])
        .timeout(Duration::from_mins(3));
    cmd.output().unwrap()
}

/// `dashboard data` of the orders dashboard: each visual's rows, sorted (rows tied on the
/// visual's ORDER BY may come back in any order, here as on a cluster).
fn orders_data(aws: &AwsFiles, cluster: Option<&str>) -> Vec<(String, Vec<String>)> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards/orders.toml");
    let mut args = vec![
        "dashboard",
        "data",
        file.to_str().unwrap(),
        "--from",
        "2026-11-22T00:00Z",
        "--to",
        "2026-11-26T00:00Z",
    ];
    if let Some(cluster) = cluster {
        args.extend(["--cluster", cluster]);
    }
    let output = client(aws, &args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    json["visuals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|visual| {
            assert!(visual["error"].is_null(), "{visual}");
            let mut rows: Vec<String> = visual["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(ToString::to_string)
                .collect();
            rows.sort();
            (visual["id"].as_str().unwrap().to_owned(), rows)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduler_and_two_executors_answer_a_dashboard_on_s3_and_outlive_losing_one() {
    let server = S3Server::start(true).await;
    server.upload_dir(&sample_lake(), "acme-lake", "prod/events");
    let aws = AwsFiles::new(&server.endpoint);
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let serving = serving(&server.endpoint);
    let scheduler_args: Vec<String> = ["cluster", "scheduler", "--port", &port.to_string()]
        .iter()
        .map(|a| (*a).to_owned())
        .chain(serving.iter().cloned())
        .collect();
    let _scheduler = start(&scheduler_args, home.path());
    let first = executor(port, home.path(), &serving);
    let _second = executor(port, home.path(), &serving);
    let cluster = format!("df://127.0.0.1:{port}");

    // The cluster is up once a query of the lake runs on it.
    let count = [
        "query",
        "--format",
        "csv",
        "SELECT count(*) AS n FROM orders",
    ];
    let local = client(&aws, &count);
    assert!(
        local.status.success(),
        "{}",
        String::from_utf8_lossy(&local.stderr)
    );
    let started = Instant::now();
    loop {
        let output = client(&aws, &[&count[..], &["--cluster", &cluster]].concat());
        if output.status.success() {
            assert_eq!(output.stdout, local.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                stderr.contains(&format!("on the cluster {cluster}")),
                "{stderr}"
            );
            break;
        }
        assert!(
            started.elapsed() < Duration::from_mins(1),
            "the cluster did not answer: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::thread::sleep(Duration::from_millis(500));
    }

    // A dashboard's data through the cluster is the local data.
    assert_eq!(orders_data(&aws, Some(&cluster)), orders_data(&aws, None));
    // The executors read the lake with their own (environment) credentials: the secret signs
    // requests and is never part of one.
    assert!(server.requests().iter().all(|r| !r.contains(SECRET_KEY)));

    // One executor dies while a query runs: it is given up, and the query either runs again on
    // the other or fails saying so, in bounded time.
    let heavy = "SELECT a.page, count(*) AS n FROM consumption.clickstream a \
                 JOIN consumption.clickstream b ON a.page = b.page GROUP BY a.page ORDER BY a.page";
    let expected = client(
        &aws,
        &["query", "--format", "csv", "--max-rows", "100000", heavy],
    );
    assert!(expected.status.success());
    let on_cluster = [
        "query",
        "--format",
        "csv",
        "--max-rows",
        "100000",
        heavy,
        "--cluster",
        &cluster,
    ];
    let (output, took) = std::thread::scope(|scope| {
        let running = scope.spawn(|| {
            let started = Instant::now();
            let output = client(&aws, &on_cluster);
            (output, started.elapsed())
        });
        std::thread::sleep(Duration::from_millis(400));
        // Stopped as a worker is shut down (SIGTERM): it tells the scheduler it is leaving.
        let stopped = std::process::Command::new("kill")
            .args(["-TERM", &first.0.id().to_string()])
            .status()
            .unwrap();
        assert!(stopped.success());
        drop(first);
        running.join().unwrap()
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("losing an executor: {took:?}, {stderr}");
    if output.status.success() {
        assert_eq!(output.stdout, expected.stdout, "{stderr}");
    } else {
        assert!(
            stderr.contains("executor") || stderr.contains("cluster"),
            "{stderr}"
        );
    }
    assert!(took < Duration::from_secs(150), "took {took:?}: {stderr}");
}

/// Cancelling a query (the window's Cancel, a visual cut at its row limit) drops its stream:
/// the job stops on the cluster too, instead of running on for nobody.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dropped_query_is_cancelled_on_the_cluster() {
    let url = serve::in_process(1, 2, Served::new(&[sample_root()]))
        .await
        .unwrap();
    let engine = Engine::attach(
        &SourceSpec::local(sample_lake()),
        &EngineOptions {
            cluster: Some(url.clone()),
            ..EngineOptions::default()
        },
    )
    .await
    .unwrap();
    // Two trillion sums: it would run for hours.
    let mut stream = engine
        .query(
            "SELECT sum(a.amount + b.amount + c.amount) FROM consumption.orders a, \
             consumption.orders b, consumption.orders c",
        )
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_mins(1);
    let job = loop {
        // Polling the stream submits the query; its job id arrives with the scheduler's answer.
        let polled = tokio::time::timeout(Duration::from_millis(200), stream.next()).await;
        assert!(
            polled.is_err(),
            "the query ended: {:?}",
            polled.map(|b| b.map(|b| b.map(|b| b.num_rows())))
        );
        if let Some(job) = stream.cluster_job() {
            break job;
        }
        assert!(Instant::now() < deadline, "no job after 60 s");
    };
    assert_eq!(
        cluster::job::status(&url, None, &job).await.unwrap(),
        "running"
    );
    drop(stream);
    let mut status = "running";
    while status == "running" && Instant::now() < deadline + Duration::from_mins(1) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        status = cluster::job::status(&url, None, &job).await.unwrap();
    }
    assert_eq!(status, "failed", "job {job} was not cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_of_another_version_is_refused_naming_both() {
    let url = serve::in_process(1, 1, Served::new(&[sample_root()]))
        .await
        .unwrap();
    let lake = Lake::attach(&SourceSpec::local(sample_lake()))
        .await
        .unwrap();
    let options = LakeOptions {
        version: "0.0.1-old".to_owned(),
        ..LakeOptions::of(&lake)
    };
    let runtime = RuntimeEnvBuilder::new().build_arc().unwrap();
    runtime.register_object_store(&Lake::url(), lake.store.clone());
    let ctx = cluster::client_session(&url, None, SessionConfig::new(), runtime, options)
        .await
        .unwrap();
    let err = ctx
        .sql("SELECT 1")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err();
    let said = cluster::explain(&url, &lake.spec, &err).unwrap();
    assert!(
        said.contains(&format!("this cluster runs Lakesight {VERSION}"))
            && said.contains("the client Lakesight 0.0.1-old"),
        "{said}"
    );
}

#[test]
fn a_cluster_that_does_not_answer_is_named() {
    let port = free_port();
    let output = assert_cmd::Command::cargo_bin("lakesight")
        .unwrap()
        .env_remove("LAKESIGHT_SOURCE")
        .args(["query", "SELECT count(*) FROM orders", "--source"])
        .arg(sample_lake())
        .env("LAKESIGHT_CLUSTER", format!("df://127.0.0.1:{port}"))
        .timeout(Duration::from_mins(1))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot reach the cluster at df://127.0.0.1:{port}"
        )) && stderr.contains("lakesight cluster scheduler"),
        "{stderr}"
    );
}

/// A dashboard file's `cluster` sends its queries to another host, so it waits for trust like
/// its `endpoint`: untrusted, the queries run here (same answers) and stderr says so; trusted,
/// they go to the file's cluster; `--cluster local` keeps them here regardless.
#[test]
fn a_dashboard_files_cluster_is_used_only_once_the_file_is_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let file = dir.path().join("shared.toml");
    std::fs::write(
        &file,
        format!(
            "title = \"Shared\"\nsource = \"{}\"\ncluster = \"df://127.0.0.1:{port}\"\n\n\
             [[visuals]]\nid = \"n\"\nkind = \"kpi\"\nsql = \"SELECT count(*) AS n FROM consumption.orders\"\n\
             y = [\"n\"]\nposition = [0, 0, 3, 3]\n",
            sample_root().replace('\\', "\\\\")
        ),
    )
    .unwrap();
    let lakesight = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("lakesight")
            .unwrap()
            .env_remove("LAKESIGHT_SOURCE")
            .env_remove("LAKESIGHT_CLUSTER")
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("LAKESIGHT_CACHE_DIR", dir.path().join("cache"))
            .args(args)
            .timeout(Duration::from_mins(1))
            .output()
            .unwrap()
    };
    let data = |extra: &[&str]| {
        let mut args = vec!["dashboard", "data", file.to_str().unwrap()];
        args.extend_from_slice(extra);
        lakesight(&args)
    };
    let said = |output: &std::process::Output| String::from_utf8_lossy(&output.stderr).into_owned();

    // Not trusted: nothing reaches the cluster (nothing listens there: it would fail).
    let untrusted = data(&[]);
    assert!(untrusted.status.success(), "{}", said(&untrusted));
    assert!(
        said(&untrusted).contains(&format!(
            "its `cluster` (df://127.0.0.1:{port}) is held back: its queries run on this machine"
        )),
        "{}",
        said(&untrusted)
    );
    assert!(String::from_utf8_lossy(&untrusted.stdout).contains("12740"));

    // Trusted: the file's cluster is asked (and named when it does not answer).
    let trusted = lakesight(&["trust", file.to_str().unwrap()]);
    assert!(trusted.status.success(), "{}", said(&trusted));
    assert!(
        String::from_utf8_lossy(&trusted.stdout).contains(&format!(
            "runs its queries on the cluster df://127.0.0.1:{port}"
        )) || said(&trusted).contains(&format!(
            "runs its queries on the cluster df://127.0.0.1:{port}"
        )),
        "trust lists what the file does: {}{}",
        String::from_utf8_lossy(&trusted.stdout),
        said(&trusted)
    );
    let on_cluster = data(&[]);
    assert!(!on_cluster.status.success());
    let json: serde_json::Value = serde_json::from_slice(&on_cluster.stdout).unwrap();
    let error = json["visuals"][0]["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with(&format!(
            "cannot reach the cluster at df://127.0.0.1:{port}"
        )),
        "{json}"
    );

    // The user's choice wins.
    let here = data(&["--cluster", "local"]);
    assert!(here.status.success(), "{}", said(&here));
    assert!(String::from_utf8_lossy(&here.stdout).contains("12740"));
}

/// The binary with `args`, its cache in `cache`, nothing from the environment.
fn cli(cache: &Path, args: Vec<String>) -> std::process::Output {
    assert_cmd::Command::cargo_bin("lakesight")
        .unwrap()
        .env_remove("LAKESIGHT_SOURCE")
        .env_remove("LAKESIGHT_CLUSTER")
        .env("LAKESIGHT_CACHE_DIR", cache)
        .args(args)
        .timeout(Duration::from_mins(5))
        .output()
        .unwrap()
}

/// `transform run --cluster`: each partition's query runs on the cluster (which reads exactly the
/// files the job listed), the output is written here, and it is the output a local run writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_transform_job_runs_its_partitions_on_the_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let here = dir.path().join("here");
    let there = dir.path().join("there");
    std::fs::create_dir_all(&there).unwrap();
    let jobs = Path::new(env!("CARGO_MANIFEST_DIR")).join("jobs/sample-lake.toml");
    let url = serve::in_process(
        2,
        2,
        Served::new(&[sample_root(), there.display().to_string()]),
    )
    .await
    .unwrap();
    let cache = dir.path().join("cache");
    let said = |output: &std::process::Output| String::from_utf8_lossy(&output.stderr).into_owned();
    let transform = |into: &Path, cluster: Option<String>| {
        let mut args: Vec<String> = ["transform", "run"].map(str::to_owned).to_vec();
        args.push(jobs.display().to_string());
        args.extend(["--source".to_owned(), sample_root()]);
        args.extend(["--into".to_owned(), into.display().to_string()]);
        args.extend(
            cluster
                .map(|url| ["--cluster".to_owned(), url])
                .into_iter()
                .flatten(),
        );
        // Off the runtime's threads: the cluster in this process serves the binary meanwhile.
        tokio::task::spawn_blocking({
            let cache = cache.clone();
            move || cli(&cache, args)
        })
    };
    let local = transform(&here, None).await.unwrap();
    let on_cluster = transform(&there, Some(url.to_string())).await.unwrap();
    assert!(local.status.success(), "{}", said(&local));
    assert!(on_cluster.status.success(), "{}", said(&on_cluster));

    for table in ["orders", "payments", "clickstream", "app_logs"] {
        let sql = format!(
            "SELECT day, hour, count(*) AS n, count(DISTINCT event_time) AS times \
             FROM consumption.{table} GROUP BY day, hour ORDER BY day, hour"
        );
        let answer = |lake: &Path| {
            let output = cli(
                &cache,
                ["query", "--format", "csv", "--source"]
                    .map(str::to_owned)
                    .into_iter()
                    .chain([lake.display().to_string(), sql.clone()])
                    .collect(),
            );
            assert!(output.status.success(), "{}", said(&output));
            String::from_utf8(output.stdout).unwrap()
        };
        let expected = answer(&here);
        assert!(expected.lines().count() > 20, "{table}: {expected}");
        assert_eq!(answer(&there), expected, "{table}");
    }

    // The queries did go to the cluster: one that does not serve the source refuses them.
    let elsewhere = serve::in_process(1, 1, Served::new(&[there.display().to_string()]))
        .await
        .unwrap();
    let refused = transform(&dir.path().join("refused"), Some(elsewhere.to_string()))
        .await
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        said(&refused).contains("does not serve the lake"),
        "{}",
        said(&refused)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_reads_only_the_lakes_it_serves() {
    // Started for the sample lake only.
    let url = serve::in_process(1, 1, Served::new(&[sample_root()]))
        .await
        .unwrap();
    let other = tempfile::tempdir().unwrap();
    common::write(
        other.path(),
        "consumption/secrets/part-0.parquet",
        &common::parquet_bytes(&common::orders_batch(0, 3, false)),
    );
    let engine = Engine::attach(
        &SourceSpec::local(other.path()),
        &EngineOptions {
            cluster: Some(url),
            ..EngineOptions::default()
        },
    )
    .await
    .unwrap();
    let err = engine
        .collect("SELECT count(*) FROM secrets")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("refused the query: this cluster does not serve the lake")
            && err.contains(&format!("--lake {}", sample_root())),
        "{err}"
    );

    // A plan naming any other store (here a file of the machine) is refused on the cluster too.
    let lake = Lake::attach(&SourceSpec::local(sample_lake()))
        .await
        .unwrap();
    let runtime = RuntimeEnvBuilder::new().build_arc().unwrap();
    runtime.register_object_store(&Lake::url(), lake.store.clone());
    let ctx = cluster::client_session(
        &serve::in_process(1, 1, Served::new(&[sample_root()]))
            .await
            .unwrap(),
        None,
        SessionConfig::new(),
        runtime,
        LakeOptions::of(&lake),
    )
    .await
    .unwrap();
    let file = other.path().join("consumption/secrets/part-0.parquet");
    let frame = ctx
        .read_parquet(file.to_str().unwrap(), ParquetReadOptions::default())
        .await
        .unwrap();
    let err = frame.collect().await.unwrap_err().to_string();
    assert!(
        err.contains("a cluster reads only the query's lake, not file://"),
        "{err}"
    );
}

/// The window's queries run on the cluster it was opened with, and its result line says so.
#[test]
fn the_window_runs_its_queries_on_the_cluster_and_says_where() {
    use common::app::{has_label, open_config_on, run_sql, runtime, step_until, type_into};
    use egui_kittest::kittest::Queryable;
    use lakesight::app::{AppConfig, Launch};

    let cluster_runtime = runtime();
    let lake = common::rich_lake();
    let root = lake.path().canonicalize().unwrap().display().to_string();
    let url = cluster_runtime
        .block_on(serve::in_process(1, 2, Served::new(&[root])))
        .unwrap();
    let config = AppConfig::new(Launch::Source(SourceSpec::local(lake.path())));
    let mut f = open_config_on(lake, config, runtime());
    step_until(&mut f.harness, "the catalog", |h| {
        has_label(h, "orders_csv")
    });

    // Connect to cluster…, from the toolbar's "Runs on this machine".
    f.harness.get_by_label("Runs on this machine").click();
    step_until(&mut f.harness, "the menu", |h| {
        has_label(h, "Connect to cluster...")
    });
    f.harness.get_by_label("Connect to cluster...").click();
    step_until(&mut f.harness, "the dialog", |h| has_label(h, "Scheduler"));
    type_into(&mut f, "Scheduler", "df://no-such-port:x");
    f.harness.get_by_label("Connect").click();
    step_until(&mut f.harness, "the address refused", |h| {
        has_label(h, "is not a cluster address")
    });
    type_into(&mut f, "Scheduler", &url.to_string());
    f.harness.get_by_label("Connect").click();
    step_until(&mut f.harness, "the lake attached on the cluster", |h| {
        has_label(h, &format!("Runs on {url}")) && has_label(h, "orders_csv")
    });

    run_sql(&mut f, "SELECT count(*) AS n FROM orders");
    step_until(&mut f.harness, "the result", |h| has_label(h, "1 row in"));
    assert!(
        has_label(&f.harness, &format!("on the cluster {url}")),
        "the result line names the cluster"
    );

    // And back: the same query runs here.
    f.harness.get_by_label(&format!("Runs on {url}")).click();
    step_until(&mut f.harness, "the menu", |h| {
        has_label(h, "Run on this machine")
    });
    f.harness.get_by_label("Run on this machine").click();
    step_until(&mut f.harness, "the lake attached here", |h| {
        has_label(h, "Runs on this machine")
    });
    run_sql(&mut f, "SELECT count(*) AS n FROM orders");
    step_until(&mut f.harness, "the result", |h| {
        has_label(h, "1 row in") && !has_label(h, "on the cluster")
    });
    drop(f);
    drop(cluster_runtime);
}
