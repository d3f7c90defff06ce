//! Shared dashboard files as untrusted input, through the real binary: `lakesight trust` records,
//! lists and revokes a file's exact bytes; an untrusted file's own `endpoint` is refused before
//! any request reaches it (a real S3 server on 127.0.0.1 counts them) while the user's
//! `--endpoint` is always allowed; and a lake folder handed over with a link that leaves it does
//! not make the linked folder a table, unless the user asks for every link to be followed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::s3::{AwsFiles, S3Server};
use predicates::prelude::*;
use serde_json::Value;

/// The binary with its data folder (the trust record) in `data`, and no lake from the
/// environment.
fn lakesight(data: &Path) -> Command {
    let mut cmd = Command::cargo_bin("lakesight").unwrap();
    cmd.env_remove("LAKESIGHT_SOURCE")
        .env("XDG_DATA_HOME", data)
        .env("LAKESIGHT_CACHE_DIR", data.join("cache"));
    cmd
}

fn stdout(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

const ACTING: &str = r#"title = "Acting"

[[visuals]]
id = "v"
kind = "kpi"
sql = "SELECT 1 AS x"
y = ["x"]
position = [0, 0, 3, 3]

[[alerts]]
id = "a"
visual = "v"
condition = "above"
threshold = 0
notify = ["command:/usr/bin/notify-team", "webhook:https://hooks.example.com/T0/secret"]

[[exports]]
path = "reports/acting.png"
"#;

#[test]
fn trust_records_lists_and_revokes_a_files_exact_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("acting.toml");
    std::fs::write(&file, ACTING).unwrap();

    lakesight(&data)
        .args(["trust", "--list"])
        .assert()
        .success()
        .stderr(predicate::str::contains("no dashboard file is trusted"));
    let said = stdout(&lakesight(&data).arg("trust").arg(&file).assert().success());
    let real = file.canonicalize().unwrap();
    assert!(
        said.starts_with(&format!("trusted {} (sha256 ", real.display())),
        "{said}"
    );
    for act in [
        "runs `/usr/bin/notify-team`",
        "posts to hooks.example.com",
        "writes reports/acting.png",
    ] {
        assert!(said.contains(act), "{act} in {said}");
    }
    assert!(!said.contains("secret"), "{said}");
    let record = std::fs::read_to_string(data.join("lakesight/trusted.toml")).unwrap();
    assert!(record.contains(&real.display().to_string()), "{record}");

    let listed = |data: &Path| -> Vec<Value> {
        let out = lakesight(data)
            .args(["trust", "--list", "--format", "json"])
            .assert()
            .success();
        serde_json::from_str::<Value>(&stdout(&out))
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    let entries = listed(&data);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["state"], "trusted");
    assert_eq!(entries[0]["sha256"].as_str().unwrap().len(), 64);

    // A pull changes the file: it is listed as changed.
    std::fs::write(&file, ACTING.replace("Acting", "Acting!")).unwrap();
    assert_eq!(listed(&data)[0]["state"], "changed");

    lakesight(&data)
        .args(["trust", "--revoke"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains("is no longer trusted"));
    assert!(listed(&data).is_empty());

    // A file that is not a valid dashboard is not trusted.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "title = \"Bad\"\nnotify = 1\n").unwrap();
    lakesight(&data)
        .arg("trust")
        .arg(&bad)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("notify"))
        .stderr(predicate::str::contains("not a valid dashboard file"));
    assert!(listed(&data).is_empty());
}

/// A dashboard over `s3://acme-lake/prod` through `endpoint`, signed with `lake-reader`.
fn s3_dashboard(endpoint: &str) -> String {
    format!(
        r#"title = "Through its own endpoint"
source = "s3://acme-lake/prod"
profile = "lake-reader"
endpoint = "{endpoint}"
time_range = "2026-11-23T00:00Z..2026-11-25T00:00Z"

[[visuals]]
id = "orders"
kind = "kpi"
sql = "SELECT count(*) AS n FROM orders"
y = ["n"]
position = [0, 0, 3, 3]

[[alerts]]
id = "none"
visual = "orders"
condition = "below"
threshold = 1
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_files_endpoint_gets_no_request_and_the_users_own_does() {
    let server = S3Server::start(true).await;
    server.upload_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data"),
        "acme-lake",
        "prod",
    );
    let aws = AwsFiles::new(&server.endpoint);
    let data = aws.dir.path().join("data");
    let file = aws.dir.path().join("s3.toml");
    std::fs::write(&file, s3_dashboard(&server.endpoint)).unwrap();
    let host = server.endpoint.trim_start_matches("http://").to_owned();
    let command = |args: &[&str]| {
        let mut cmd = lakesight(&data);
        aws.apply(&mut cmd);
        cmd.env("XDG_DATA_HOME", &data).args(args).arg(&file);
        cmd
    };

    server.clear_requests();
    let image = aws.dir.path().join("never.png");
    let image_arg = image.to_str().unwrap();
    for args in [
        &["dashboard", "data"][..],
        &["dashboard", "check"],
        &["watch", "--once"],
        &[
            "alerts",
            "backtest",
            "--from",
            "2026-11-24T00:00Z",
            "--to",
            "2026-11-24T01:00Z",
        ],
        &["export", "--out", image_arg],
    ] {
        let mut cmd = command(args);
        cmd.assert()
            .code(1)
            .stderr(predicate::str::contains("is not trusted"))
            .stderr(predicate::str::contains(format!(
                "sends requests signed with your AWS credentials (profile `lake-reader`) to {host}"
            )))
            .stderr(predicate::str::contains(format!(
                "lakesight trust {}",
                file.display()
            )));
    }
    assert!(
        server.request_lines().is_empty(),
        "requests reached the file's endpoint: {:?}",
        server.request_lines()
    );
    assert!(!image.exists());

    // The user's own --endpoint is always allowed.
    let mut own = command(&["dashboard", "data"]);
    own.args(["--endpoint", &server.endpoint]);
    let out = own.assert().success();
    let document: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(document["visuals"][0]["rows"][0][0].as_i64().unwrap() > 0);

    // Trusted, the file's endpoint is used.
    lakesight(&data).arg("trust").arg(&file).assert().success();
    command(&["dashboard", "data"]).assert().success();
}

/// A lake with a table, and a zone folder linked to a folder outside the lake holding "secrets".
#[cfg(unix)]
fn lake_with_an_outside_link(root: &Path) -> std::path::PathBuf {
    let lake = root.join("lake");
    common::write(
        &lake,
        "consumption/orders/part-0.json",
        b"{\"id\": 1}\n{\"id\": 2}\n",
    );
    let outside = root.join("elsewhere");
    common::write(&outside, "secrets.json", b"{\"key\": \"hunter2\"}\n");
    std::os::unix::fs::symlink(&outside, lake.join("consumption/loot")).unwrap();
    lake
}

fn table_names(out: &str) -> Vec<String> {
    let json: Value = serde_json::from_str(out).unwrap();
    json["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["table"].as_str().unwrap().to_owned())
        .collect()
}

#[cfg(unix)]
#[test]
fn links_that_leave_a_lake_are_followed_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let lake = lake_with_an_outside_link(dir.path());
    let tables = |links: &[&str]| {
        let out = lakesight(&data)
            .args(["tables", "--format", "json", "--source"])
            .arg(&lake)
            .args(links)
            .assert()
            .success();
        table_names(&stdout(&out))
    };
    // A lake the user names: every link, as a lake they assembled needs.
    assert_eq!(tables(&[]), ["loot", "orders"]);
    assert_eq!(tables(&["--links", "all"]), ["loot", "orders"]);
    assert_eq!(tables(&["--links", "inside"]), ["orders"]);
    lakesight(&data)
        .args(["query", "--links", "inside", "--source"])
        .arg(&lake)
        .arg("SELECT * FROM loot")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("hunter2").not());

    // A lake named by a dashboard file's `source`: only links that stay inside it.
    let file = dir.path().join("handed-over.toml");
    std::fs::write(
        &file,
        format!(
            "title = \"Handed over\"\nsource = \"{}\"\n\n[[visuals]]\nid = \"loot\"\nkind = \"table\"\nsql = \"SELECT * FROM loot\"\nposition = [0, 0, 6, 4]\n\n[[visuals]]\nid = \"orders\"\nkind = \"kpi\"\nsql = \"SELECT count(*) AS n FROM orders\"\ny = [\"n\"]\nposition = [6, 0, 3, 3]\n",
            lake.display()
        ),
    )
    .unwrap();
    let data_of = |links: &[&str]| -> Value {
        let out = lakesight(&data)
            .args(["dashboard", "data"])
            .arg(&file)
            .args(links)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let refused = data_of(&[]);
    assert!(
        refused["visuals"][0]["error"]
            .as_str()
            .unwrap()
            .contains("loot"),
        "{refused:#}"
    );
    assert!(!refused.to_string().contains("hunter2"));
    assert_eq!(refused["visuals"][1]["rows"][0][0], 2, "{refused:#}");
    // The user may follow every link of it.
    let followed = data_of(&["--links", "all"]);
    assert!(followed["visuals"][0]["error"].is_null(), "{followed:#}");
    assert!(followed.to_string().contains("hunter2"));
}

/// A region goes into the S3 host name (`s3.REGION.amazonaws.com`): one that would name another
/// host is refused before any request, wherever it comes from.
#[test]
fn a_region_that_names_another_host_is_refused() {
    let aws = AwsFiles::new("http://127.0.0.1:9");
    let data = aws.dir.path().join("data");
    let mut cmd = lakesight(&data);
    aws.apply(&mut cmd);
    cmd.env("XDG_DATA_HOME", &data)
        .args([
            "tables",
            "--source",
            "s3://acme-lake",
            "--profile",
            "lake-reader",
        ])
        .args(["--region", "a@attacker.example/"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "`a@attacker.example/` is not an AWS region",
        ));
}
