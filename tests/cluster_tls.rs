//! `--forward-credentials`: a scheduler serving TLS and an executor reaching it over TLS, both
//! started as `lakesight cluster` with no AWS credentials of their own, read an S3 lake (the
//! in-process S3 server) only with the short-lived keys the client forwards; the keys go only
//! over TLS, STS trades long-term keys for them, and no query, log or request shows the secret.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::cluster::{Process, cluster_command, free_port};
use common::s3::{ACCESS_KEY, AwsFiles, S3Server, SECRET_KEY};
use hyper_util::rt::TokioIo;

/// The session token of the `session-reader` profile (temporary keys, as SSO or a role gives).
const PROFILE_TOKEN: &str = "profile-session-token-0123456789";
/// The session token the fake STS mints for long-term keys.
const MINTED_TOKEN: &str = "minted-session-token-9876543210";

fn tls_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

/// The end of a debug log: where its error is.
fn tail(log: &str) -> &str {
    let start = log.len().saturating_sub(3000);
    let start = (start..log.len())
        .find(|&i| log.is_char_boundary(i))
        .unwrap_or(0);
    &log[start..]
}

fn path_text(path: &Path) -> String {
    path.display().to_string()
}

/// A cluster process with no AWS credentials at all (no profile, no environment keys, no
/// instance metadata), logging at trace level to `log`.
fn start(args: &[String], home: &Path, log: &Path) -> Process {
    let mut cmd = cluster_command(args, home);
    cmd.env("LAKESIGHT_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap());
    Process(cmd.spawn().unwrap())
}

/// The analyst's command: `args`, on the S3 lake, with `profile`.
fn client(aws: &AwsFiles, profile: &str, sts: Option<&str>, args: &[&str]) -> std::process::Output {
    let mut cmd = assert_cmd::Command::cargo_bin("lakesight").unwrap();
    aws.apply(&mut cmd);
    cmd.env_remove("LAKESIGHT_SOURCE")
        .env_remove("LAKESIGHT_CLUSTER")
        .env_remove("LAKESIGHT_CLUSTER_CA")
        .env_remove("AWS_ENDPOINT_URL_STS")
        .env("LAKESIGHT_CACHE_DIR", aws.dir.path().join("cache"))
        .env("LAKESIGHT_LOG", "trace")
        .args(args)
        .args([
            "--source",
            "s3://acme-lake/prod/events",
            "--profile",
            profile,
        ])
        .timeout(Duration::from_mins(3));
    if let Some(sts) = sts {
        cmd.env("AWS_ENDPOINT_URL_STS", sts);
    }
    cmd.output().unwrap()
}

/// Adds the `session-reader` profile: the test server's keys with a session token.
fn add_session_profile(aws: &AwsFiles, endpoint: &str) {
    let append = |file: &str, text: String| {
        let path = aws.dir.path().join(".aws").join(file);
        let mut all = std::fs::read_to_string(&path).unwrap();
        all.push_str(&text);
        std::fs::write(path, all).unwrap();
    };
    append(
        "config",
        format!("\n[profile session-reader]\nregion = eu-west-1\nendpoint_url = {endpoint}\n"),
    );
    append(
        "credentials",
        format!(
            "\n[session-reader]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\naws_session_token = {PROFILE_TOKEN}\n"
        ),
    );
}

/// A fake STS: answers every request with `GetSessionToken`'s answer (the test server's keys and
/// [`MINTED_TOKEN`]), and counts the requests.
async fn fake_sts() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let task_seen = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let seen = Arc::clone(&task_seen);
            tokio::spawn(async move {
                let handler = hyper::service::service_fn(
                    move |req: http::Request<hyper::body::Incoming>| {
                        let seen = Arc::clone(&seen);
                        async move {
                            let mut body = s3s::Body::from(req.into_body());
                            let body = body.store_all_limited(1024 * 1024).await.unwrap();
                            seen.lock()
                                .unwrap()
                                .push(String::from_utf8_lossy(&body).into_owned());
                            let expires = (chrono::Utc::now() + chrono::Duration::hours(1))
                                .format("%Y-%m-%dT%H:%M:%SZ");
                            let xml = format!(
                                "<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetSessionTokenResult><Credentials>\
                                 <AccessKeyId>{ACCESS_KEY}</AccessKeyId><SecretAccessKey>{SECRET_KEY}</SecretAccessKey>\
                                 <SessionToken>{MINTED_TOKEN}</SessionToken><Expiration>{expires}</Expiration>\
                                 </Credentials></GetSessionTokenResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetSessionTokenResponse>"
                            );
                            Ok::<_, std::convert::Infallible>(
                                http::Response::builder()
                                    .header("content-type", "text/xml")
                                    .body(xml)
                                    .unwrap(),
                            )
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), handler)
                    .await;
            });
        }
    });
    (endpoint, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_credentials_travel_over_tls_only_and_read_the_lake_as_the_analyst() {
    let server = S3Server::start(true).await;
    server.upload_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data"),
        "acme-lake",
        "prod/events",
    );
    let aws = AwsFiles::new(&server.endpoint);
    add_session_profile(&aws, &server.endpoint);
    let home = tempfile::tempdir().unwrap();
    let (scheduler_log, executor_log) = (
        home.path().join("scheduler.log"),
        home.path().join("executor.log"),
    );
    let port = free_port();
    let serving = [
        "--lake",
        "s3://acme-lake/prod/events",
        "--endpoint",
        &server.endpoint,
        "--region",
        "eu-west-1",
    ];
    let owned = |args: &[&str]| args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
    // The executor starts first, as when a whole cluster starts at once: it waits for the
    // scheduler instead of exiting.
    let _executor = start(
        &owned(
            &[
                &[
                    "cluster",
                    "executor",
                    "--scheduler-host",
                    "127.0.0.1",
                    "--scheduler-port",
                    &port.to_string(),
                    "--scheduler-ca",
                    &path_text(&tls_file("ca.pem")),
                    "--bind-port",
                    &free_port().to_string(),
                    "--bind-grpc-port",
                    &free_port().to_string(),
                    "--concurrent-tasks",
                    "2",
                ][..],
                &serving[..],
            ]
            .concat(),
        ),
        home.path(),
        &executor_log,
    );
    std::thread::sleep(Duration::from_millis(1500));
    let _scheduler = start(
        &owned(
            &[
                &[
                    "cluster",
                    "scheduler",
                    "--port",
                    &port.to_string(),
                    "--tls-cert",
                    &path_text(&tls_file("scheduler.pem")),
                    "--tls-key",
                    &path_text(&tls_file("scheduler-key.pem")),
                ][..],
                &serving[..],
            ]
            .concat(),
        ),
        home.path(),
        &scheduler_log,
    );
    let cluster = format!("df://127.0.0.1:{port}");
    let ca = path_text(&tls_file("ca.pem"));
    let count = [
        "query",
        "--format",
        "csv",
        "SELECT count(*) AS n FROM orders",
    ];
    let local = client(&aws, "session-reader", None, &count);
    assert!(
        local.status.success(),
        "{}",
        String::from_utf8_lossy(&local.stderr)
    );

    // Forwarded over TLS: the cluster, which has no credentials, reads the lake as the analyst.
    let forwarding = [
        &count[..],
        &[
            "--cluster",
            &cluster,
            "--cluster-ca",
            &ca,
            "--forward-credentials",
        ],
    ]
    .concat();
    let started = Instant::now();
    let mut client_stderr = String::new();
    loop {
        let output = client(&aws, "session-reader", None, &forwarding);
        client_stderr.push_str(&String::from_utf8_lossy(&output.stderr));
        if output.status.success() {
            assert_eq!(output.stdout, local.stdout);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_mins(1),
            "the cluster did not answer with forwarded keys: {}\n\nscheduler: {}\n\nexecutor: {}",
            tail(&String::from_utf8_lossy(&output.stderr)),
            tail(&std::fs::read_to_string(&scheduler_log).unwrap()),
            tail(&std::fs::read_to_string(&executor_log).unwrap()),
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    // The executors signed with the profile's session keys: their token came with the query.
    let with_profile_token = server
        .requests()
        .iter()
        .filter(|r| r.header("x-amz-security-token") == Some(PROFILE_TOKEN))
        .count();
    assert!(with_profile_token > 0);

    // Not forwarded: the cluster has no credentials of its own, and says it could not read.
    let tls_only = [&count[..], &["--cluster", &cluster, "--cluster-ca", &ca]].concat();
    let output = client(&aws, "session-reader", None, &tls_only);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "read without credentials");
    assert!(
        stderr.contains("could not read the lake: its processes have no AWS credentials"),
        "{}",
        tail(&stderr)
    );
    client_stderr.push_str(&stderr);

    // Never in plain gRPC: refused before anything is sent.
    let plain = [
        &count[..],
        &["--cluster", &cluster, "--forward-credentials"],
    ]
    .concat();
    let output = client(&aws, "session-reader", None, &plain);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("only over TLS") && stderr.contains("--cluster-ca"),
        "{stderr}"
    );

    // No query reads the keys back from the session's settings.
    for sql in [
        "SELECT name, value FROM information_schema.df_settings WHERE name LIKE 'lakesight.%'",
        "SHOW ALL",
    ] {
        let args = [&["query", "--format", "csv", sql][..], &forwarding[4..]].concat();
        let output = client(&aws, "session-reader", None, &args);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        assert!(!output.status.success(), "{sql}: {stdout}");
        assert!(stderr.contains("no query may read them"), "{sql}: {stderr}");
        assert!(!stdout.contains(SECRET_KEY) && !stdout.contains(PROFILE_TOKEN));
    }

    // Long-term keys never leave: STS trades them for an hour's session keys, which travel.
    let (sts, sts_requests) = fake_sts().await;
    let output = client(&aws, "lake-reader", Some(&sts), &forwarding);
    client_stderr.push_str(&String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.stdout, local.stdout);
    let asked = sts_requests.lock().unwrap().clone();
    assert!(
        asked
            .iter()
            .any(|body| body.contains("Action=GetSessionToken")),
        "{asked:?}"
    );
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.header("x-amz-security-token") == Some(MINTED_TOKEN))
    );

    // The secret signs requests and is written nowhere: not in a request, not in any log.
    assert!(server.requests().iter().all(|r| !r.contains(SECRET_KEY)));
    for (who, log) in [
        ("client", client_stderr),
        (
            "scheduler",
            std::fs::read_to_string(&scheduler_log).unwrap(),
        ),
        ("executor", std::fs::read_to_string(&executor_log).unwrap()),
    ] {
        for secret in [SECRET_KEY, PROFILE_TOKEN, MINTED_TOKEN] {
            let line = log.lines().find(|line| line.contains(secret));
            assert!(line.is_none(), "the {who} logged a secret: {line:?}");
        }
    }
}
