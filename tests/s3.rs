//! S3 lakes against a real S3 server (s3s-fs over HTTP on 127.0.0.1, started by each test) with
//! SigV4 checks on, reached through AWS profiles in temporary files. No test reads the real
//! `~/.aws` or touches the internet.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::doc_markdown)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::s3::{ACCESS_KEY, AwsFiles, S3Server, SECRET_KEY};
use lakesight::engine::{Engine, EngineOptions};
use lakesight::lake::changes::new_files_since;
use lakesight::model::SourceSpec;
use serde_json::Value;

fn lakesight(aws: &AwsFiles) -> Command {
    let mut cmd = Command::cargo_bin("lakesight").unwrap();
    aws.apply(&mut cmd);
    cmd.env_remove("LAKESIGHT_SOURCE")
        .env("LAKESIGHT_CACHE_DIR", aws.dir.path().join("cache"));
    cmd
}

fn sample_lake() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let output = cmd.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// `tables --format json` without the location column (which names the source).
fn tables_without_location(stdout: &str) -> Value {
    let mut json: Value = serde_json::from_str(stdout).unwrap();
    for table in json["tables"].as_array_mut().unwrap() {
        table.as_object_mut().unwrap().remove("location");
    }
    json
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_s3_lake_reads_like_the_local_folder() {
    let server = S3Server::start(true).await;
    server.upload_dir(&sample_lake(), "acme-lake", "prod/events");
    let aws = AwsFiles::new(&server.endpoint);
    let local = sample_lake();
    let local = local.to_str().unwrap();
    // The endpoint comes from the profile's endpoint_url: no --endpoint here.
    let s3 = [
        "--source",
        "s3://acme-lake/prod/events",
        "--profile",
        "lake-reader",
    ];

    let (code, local_tables, err) =
        run(lakesight(&aws).args(["tables", "--format", "json", "--source", local]));
    assert_eq!(code, 0, "{err}");
    let (code, s3_tables, err) = run(lakesight(&aws)
        .args(["tables", "--format", "json"])
        .args(s3));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        tables_without_location(&s3_tables),
        tables_without_location(&local_tables)
    );

    for sql in [
        "SELECT hour, count(*) AS n, round(sum(amount), 2) AS revenue FROM orders WHERE day = '24' GROUP BY hour ORDER BY hour",
        "SELECT level, count(*) AS n FROM landing.app_logs GROUP BY level ORDER BY level",
        "SELECT count(*) AS n, sum(bytes_sent) AS b FROM staging.network_flows",
        "SELECT count(*) AS n FROM landing.clickstream",
    ] {
        let (code, expected, err) =
            run(lakesight(&aws).args(["query", "--format", "csv", "--source", local, sql]));
        assert_eq!(code, 0, "{err}");
        let (code, actual, err) = run(lakesight(&aws)
            .args(["query", "--format", "csv", sql])
            .args(s3));
        assert_eq!(code, 0, "{sql}: {err}");
        assert_eq!(actual, expected, "{sql}");
    }
    // The same lake through the other ways of holding credentials.
    let s3_tables = tables_without_location(&s3_tables);
    for profile in ["config-keys", "process-keys"] {
        let (code, tables, err) = run(lakesight(&aws).args([
            "tables",
            "--format",
            "json",
            "--source",
            "s3://acme-lake/prod/events",
            "--profile",
            profile,
        ]));
        assert_eq!(code, 0, "{profile}: {err}");
        assert_eq!(tables_without_location(&tables), s3_tables, "{profile}");
    }
    let (code, tables, err) = run(lakesight(&aws)
        .args([
            "tables",
            "--format",
            "json",
            "--source",
            "s3://acme-lake/prod/events",
            "--endpoint",
            &server.endpoint,
            "--region",
            "eu-west-1",
        ])
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY));
    assert_eq!(code, 0, "environment credentials: {err}");
    assert_eq!(tables_without_location(&tables), s3_tables);
    // Whatever held the keys (credentials file, config file, credential_process, environment),
    // the secret signs requests and is never part of one.
    let requests = server.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert!(
            !request.contains(SECRET_KEY),
            "the secret was sent: {request:?}"
        );
        let authorization = request.header("authorization").unwrap_or_default();
        assert!(
            authorization.contains(&format!("Credential={ACCESS_KEY}/")),
            "every request is signed with the key id, which the recorder sees: {request:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_and_bucket_failures_are_clear() {
    let server = S3Server::start(true).await;
    server.upload_dir(&sample_lake(), "acme-lake", "");
    let aws = AwsFiles::new(&server.endpoint);
    for (args, expected) in [
        (
            vec!["--source", "s3://acme-lake", "--profile", "wrong-secret"],
            vec!["profile `wrong-secret`", "secret access key is wrong"],
        ),
        (
            vec!["--source", "s3://acme-lake", "--profile", "nope"],
            vec!["AWS profile `nope` not found", "lakesight profiles"],
        ),
        (
            vec!["--source", "s3://acme-lake", "--profile", "sso-user"],
            vec!["profile `sso-user`", "aws sso login --profile sso-user"],
        ),
        (
            vec![
                "--source",
                "s3://no-such-bucket",
                "--profile",
                "lake-reader",
            ],
            vec!["bucket `no-such-bucket` does not exist"],
        ),
        (
            vec![
                "--source",
                "s3://acme-lake",
                "--profile",
                "lake-reader",
                "--endpoint",
                "http://127.0.0.1:9",
            ],
            vec!["cannot reach http://127.0.0.1:9"],
        ),
    ] {
        let mut cmd = lakesight(&aws);
        cmd.arg("tables").args(&args);
        let started = Instant::now();
        let (code, _, stderr) = run(&mut cmd);
        eprintln!("{args:?} -> {stderr}");
        assert_eq!(code, 1, "{args:?}: {stderr}");
        for text in expected {
            assert!(
                stderr.contains(text),
                "{args:?}: expected `{text}` in {stderr}"
            );
        }
        assert_eq!(stderr.lines().count(), 1, "{args:?}: one message: {stderr}");
        assert!(
            !stderr.contains(SECRET_KEY) && !stderr.contains("not-the-right-secret"),
            "secrets never shown: {stderr}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{args:?} took {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_denied_and_wrong_region_say_what_to_do() {
    let server = S3Server::start(true).await;
    server.upload_dir(&sample_lake(), "acme-lake", "");
    let aws = AwsFiles::new(&server.endpoint);
    for (status, code, expected) in [
        (
            403,
            "AccessDenied",
            "access denied to bucket `acme-lake` for profile `lake-reader`",
        ),
        (
            301,
            "PermanentRedirect",
            "bucket `acme-lake` is not in region eu-west-1: pass --region",
        ),
    ] {
        *server.faults.error.lock().unwrap() = Some((status, code));
        let (exit, _, stderr) = run(lakesight(&aws).args([
            "tables",
            "--source",
            "s3://acme-lake",
            "--profile",
            "lake-reader",
        ]));
        assert_eq!(exit, 1, "{code}: {stderr}");
        assert!(stderr.contains(expected), "{code}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_lists_kinds_and_never_secrets() {
    let server = S3Server::start(true).await;
    let aws = AwsFiles::new(&server.endpoint);
    let (code, stdout, stderr) = run(lakesight(&aws).args(["profiles", "--format", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let profiles: Value = serde_json::from_str(&stdout).unwrap();
    let kinds: Vec<(String, String)> = profiles
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = |name: &str, kind: &str| {
        assert!(
            kinds.contains(&(name.to_owned(), kind.to_owned())),
            "{name} {kind} in {kinds:?}"
        );
    };
    expect("lake-reader", "keys");
    expect("sso-user", "sso");
    expect("etl", "role");
    expect("scripted", "process");
    let reader = profiles
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "lake-reader")
        .unwrap();
    assert_eq!(reader["region"], "eu-west-1");
    assert_eq!(reader["endpoint"], server.endpoint.as_str());
    let (_, text, _) = run(lakesight(&aws).args(["profiles"]));
    for output in [&stdout, &text] {
        assert!(
            !output.contains(SECRET_KEY)
                && !output.contains("not-the-right-secret")
                && !output.contains("AKIA"),
            "{output}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_dropped_connections_are_retried_then_reported() {
    let server = S3Server::start(true).await;
    server.upload_dir(&sample_lake(), "acme-lake", "");
    let aws = AwsFiles::new(&server.endpoint);
    let args = [
        "query",
        "--format",
        "csv",
        "--source",
        "s3://acme-lake",
        "--profile",
        "lake-reader",
        "SELECT count(*) AS n FROM payments",
    ];
    let (_, expected, _) = run(lakesight(&aws).args(args));
    assert!(expected.starts_with("n\n"), "{expected}");

    server
        .faults
        .slow_down
        .store(3, std::sync::atomic::Ordering::SeqCst);
    server
        .faults
        .drop_connections
        .store(2, std::sync::atomic::Ordering::SeqCst);
    let (code, actual, stderr) = run(lakesight(&aws).args(args));
    assert_eq!(code, 0, "transient faults are retried: {stderr}");
    assert_eq!(actual, expected);
    assert_eq!(
        server
            .faults
            .slow_down
            .load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the faults were hit"
    );

    server
        .faults
        .slow_down
        .store(usize::MAX, std::sync::atomic::Ordering::SeqCst);
    let started = Instant::now();
    let (code, _, stderr) = run(lakesight(&aws).args(args));
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: ") && stderr.contains("acme-lake") && stderr.contains("503"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "gave up in {:?}",
        started.elapsed()
    );
}

/// A lake on an unsigned server, reached in-process with `--no-sign-request` semantics.
async fn unsigned_engine(server: &S3Server, source: &str) -> Engine {
    let mut spec: SourceSpec = source.parse().unwrap();
    spec.endpoint = Some(server.endpoint.clone());
    spec.no_sign_request = true;
    spec.region = Some("eu-west-1".into());
    Engine::attach(&spec, &EngineOptions::default())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partition_filters_narrow_the_listing_itself() {
    let server = S3Server::start(false).await;
    server.upload_dir(&sample_lake(), "public-lake", "");
    let engine = unsigned_engine(&server, "s3://public-lake").await;
    server.clear_requests();
    let batches = engine.collect("SELECT count(*) FROM orders WHERE year = '2026' AND month = '11' AND day = '24' AND hour = '15'").await.unwrap();
    assert_eq!(batches[0].num_rows(), 1);
    let lists: Vec<String> = server
        .request_lines()
        .into_iter()
        .filter(|r| r.starts_with("GET /public-lake?") || r.starts_with("GET /public-lake/?"))
        .collect();
    assert!(!lists.is_empty(), "{:?}", server.request_lines());
    for request in &lists {
        assert!(
            request.contains("day%3D24%2Fhour%3D15") || request.contains("day=24/hour=15"),
            "listing outside the partition: {request}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_objects_are_found_from_the_newest_partition_on() {
    let server = S3Server::start(false).await;
    server.upload_dir(&sample_lake(), "public-lake", "");
    let engine = unsigned_engine(&server, "s3://public-lake").await;
    let table = engine
        .catalog()
        .table("landing.orders", "consumption")
        .cloned()
        .unwrap();
    let store = &engine.lake().store;

    let first = new_files_since(store, &table, None).await.unwrap();
    assert_eq!(first.new_files.len(), table.file_count);
    assert!(first.full_listing);

    let bucket = server.bucket_dir("public-lake");
    let newest_dir = first
        .new_files
        .iter()
        .map(|m| m.location.to_string())
        .max()
        .unwrap();
    let newest_dir = newest_dir.rsplit_once('/').unwrap().0.to_owned();
    std::fs::write(
        bucket
            .join(&newest_dir)
            .join("lakesight-orders-1-2026-11-25-00-59-00-late"),
        b"{\"order_id\":\"x\"}",
    )
    .unwrap();
    std::fs::create_dir_all(bucket.join("landing/orders/year=2026/month=11/day=25/hour=01"))
        .unwrap();
    std::fs::write(bucket.join("landing/orders/year=2026/month=11/day=25/hour=01/lakesight-orders-1-2026-11-25-01-00-00-next"), b"{\"order_id\":\"y\"}").unwrap();

    server.clear_requests();
    let second = new_files_since(store, &table, Some(&first.watermark))
        .await
        .unwrap();
    let mut names: Vec<String> = second
        .new_files
        .iter()
        .map(|m| m.location.filename().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "lakesight-orders-1-2026-11-25-00-59-00-late",
            "lakesight-orders-1-2026-11-25-01-00-00-next"
        ]
    );
    assert!(!second.full_listing);
    let requests = server.request_lines();
    assert!(
        requests.iter().all(|r| r.contains("start-after")),
        "listed from the watermark with StartAfter: {requests:?}"
    );

    let third = new_files_since(store, &table, Some(&second.watermark))
        .await
        .unwrap();
    assert!(third.new_files.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_region_comes_from_the_flag_then_the_environment_then_the_profile() {
    let server = S3Server::start(true).await;
    let aws = AwsFiles::new(&server.endpoint);
    let config = aws.dir.path().join(".aws/config");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!(
            "{text}\n[profile no-region]\nendpoint_url = {}\naws_access_key_id = {}\naws_secret_access_key = {SECRET_KEY}\n",
            server.endpoint,
            common::s3::ACCESS_KEY
        ),
    )
    .unwrap();
    // Every request is answered "wrong region", and the message names the region that was used.
    *server.faults.error.lock().unwrap() = Some((301, "PermanentRedirect"));
    let profile_region = ("lake-reader", &[][..]); // region = eu-west-1 in the profile
    for ((profile, flags), env, expected) in [
        (profile_region, &[][..], "eu-west-1"),
        (
            profile_region,
            &[("AWS_DEFAULT_REGION", "ap-south-1")][..],
            "ap-south-1",
        ),
        (
            profile_region,
            &[
                ("AWS_REGION", "us-west-2"),
                ("AWS_DEFAULT_REGION", "ap-south-1"),
            ][..],
            "us-west-2",
        ),
        (
            ("lake-reader", &["--region", "ca-central-1"][..]),
            &[("AWS_REGION", "us-west-2")][..],
            "ca-central-1",
        ),
        // Nothing sets one, and instance metadata is off (AwsFiles sets AWS_EC2_METADATA_DISABLED).
        (("no-region", &[][..]), &[][..], "us-east-1"),
    ] {
        let mut cmd = lakesight(&aws);
        cmd.args(["tables", "--source", "s3://acme-lake", "--profile", profile])
            .args(flags)
            .envs(env.iter().copied());
        let (code, _, stderr) = run(&mut cmd);
        assert_eq!(code, 1, "{profile} {flags:?} {env:?}: {stderr}");
        assert!(
            stderr.contains(&format!("bucket `acme-lake` is not in region {expected}:")),
            "{profile} {flags:?} {env:?}: expected {expected} in {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_config_file_is_one_message_naming_the_file_and_line() {
    let server = S3Server::start(true).await;
    let aws = AwsFiles::new(&server.endpoint);
    let config = aws.dir.path().join(".aws/config");
    std::fs::write(&config, "region = eu-west-1\n[profile lake-reader]\n").unwrap();
    for args in [
        &["profiles"][..],
        &[
            "tables",
            "--source",
            "s3://acme-lake",
            "--profile",
            "lake-reader",
        ][..],
    ] {
        let (code, _, stderr) = run(lakesight(&aws).args(args));
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(
            stderr.contains("could not read the AWS config files: ")
                && stderr.contains(&format!("{} on line 1", config.display()))
                && stderr.contains("Expected a profile definition"),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{args:?}: one line: {stderr}");
    }
}

/// `open` with a profile that has no SSO token fails at once with what to do, before any window.
#[test]
fn open_with_a_profile_without_credentials_fails_before_any_window() {
    let aws = AwsFiles::new("http://127.0.0.1:9");
    let (code, _, stderr) = run(lakesight(&aws)
        .args(["open", "s3://acme-lake", "--profile", "sso-user"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .timeout(Duration::from_mins(1)));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("aws sso login --profile sso-user"),
        "{stderr}"
    );
    assert!(!stderr.contains("display"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_lists_only_the_tables_it_names() {
    let server = S3Server::start(false).await;
    server.upload_dir(&sample_lake(), "public-lake", "");
    let mut spec: SourceSpec = "s3://public-lake".parse().unwrap();
    spec.endpoint = Some(server.endpoint.clone());
    spec.no_sign_request = true;
    spec.region = Some("eu-west-1".into());
    let sql = "SELECT count(*) AS n FROM consumption.orders";

    server.clear_requests();
    let engine = Engine::attach_for_query(&spec, &EngineOptions::default(), sql)
        .await
        .unwrap();
    // The table (under 1,000 objects) is listed flat, in one request, not folder by folder.
    let table_lists: Vec<String> = server
        .request_lines()
        .into_iter()
        .filter(|r| r.contains("list-type") && r.contains("consumption%2Forders"))
        .collect();
    assert_eq!(table_lists.len(), 1, "{table_lists:?}");
    assert!(!table_lists[0].contains("delimiter"), "{table_lists:?}");
    let lazy = engine.collect(sql).await.unwrap();
    let requests = server.request_lines();
    let others = [
        "app_logs",
        "payments",
        "clickstream",
        "network_flows",
        "landing%2Forders",
        "landing/orders",
    ];
    for request in &requests {
        assert!(
            !others.iter().any(|other| request.contains(other)),
            "a table the query does not name was read: {request}"
        );
    }
    let full = unsigned_engine(&server, "s3://public-lake").await;
    let whole = full.collect(sql).await.unwrap();
    assert_eq!(
        datafusion::arrow::util::pretty::pretty_format_batches(&lazy)
            .unwrap()
            .to_string(),
        datafusion::arrow::util::pretty::pretty_format_batches(&whole)
            .unwrap()
            .to_string(),
        "the same answer as with every table discovered"
    );

    // An unqualified name is the default zone's table, as SQL resolves it: no other zone's.
    server.clear_requests();
    let unqualified = "SELECT count(*) FROM orders";
    let engine = Engine::attach_for_query(&spec, &EngineOptions::default(), unqualified)
        .await
        .unwrap();
    engine.collect(unqualified).await.unwrap();
    for request in server.request_lines() {
        assert!(
            !request.contains("landing%2Forders") && !request.contains("staging%2Forders"),
            "{request}"
        );
    }

    // `SELECT 1` reads no table at all: the root and the zones are listed, nothing below.
    server.clear_requests();
    let engine = Engine::attach_for_query(&spec, &EngineOptions::default(), "SELECT 1")
        .await
        .unwrap();
    engine.collect("SELECT 1").await.unwrap();
    assert!(
        server.request_lines().len() <= 4,
        "{:?}",
        server.request_lines()
    );

    // A table the lake does not have: every table is discovered, so the error can name them.
    let engine = Engine::attach_for_query(&spec, &EngineOptions::default(), "SELECT * FROM nope")
        .await
        .unwrap();
    assert!(engine.catalog().tables.len() > 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_data_lists_only_the_tables_its_queries_name() {
    let server = S3Server::start(true).await;
    server.upload_dir(&sample_lake(), "acme-lake", "prod/events");
    let aws = AwsFiles::new(&server.endpoint);
    let dashboard = Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards/orders.toml");
    server.clear_requests();
    let (code, out, err) = run(lakesight(&aws)
        .args(["dashboard", "data"])
        .arg(&dashboard)
        .args([
            "--source",
            "s3://acme-lake/prod/events",
            "--profile",
            "lake-reader",
        ])
        .args(["--from", "2026-11-24T00:00Z", "--to", "2026-11-25T00:00Z"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"revenue_total\""), "{out}");
    for request in server.request_lines() {
        assert!(
            [
                "app_logs",
                "payments",
                "clickstream",
                "network_flows",
                "landing%2Forders"
            ]
            .iter()
            .all(|other| !request.contains(other)),
            "the orders dashboard reads only consumption.orders: {request}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_scans_read_several_files_at_once_with_the_same_answers() {
    let server = S3Server::start(false).await;
    server.upload_dir(&sample_lake(), "public-lake", "");
    let remote = unsigned_engine(&server, "s3://public-lake").await;
    let local = Engine::attach(&SourceSpec::local(sample_lake()), &EngineOptions::default())
        .await
        .unwrap();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let partitions = |engine: &Engine| engine.session().state().config().target_partitions();
    // A GET waits far longer than it decodes: an S3 scan keeps several files in flight per core.
    assert!(partitions(&remote) >= 8, "{}", partitions(&remote));
    assert!(partitions(&remote) >= 4 * cores.min(8));
    assert_eq!(partitions(&local), cores);
    let sql = "SELECT country, count(*) AS n, round(sum(amount), 2) AS total, min(order_id) AS first \
               FROM orders GROUP BY 1 ORDER BY 1";
    let pretty = |batches: &[datafusion::arrow::array::RecordBatch]| {
        datafusion::arrow::util::pretty::pretty_format_batches(batches)
            .unwrap()
            .to_string()
    };
    assert_eq!(
        pretty(&remote.collect(sql).await.unwrap()),
        pretty(&local.collect(sql).await.unwrap())
    );
}
