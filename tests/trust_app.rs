//! A shared dashboard file in the real window (`egui_kittest`): untrusted, it shows its data and its
//! alert fires, is recorded and shows in the window, while its program is not run; the bar above
//! the grid names what the file asks to do, and **Trust this file** records its bytes, after which
//! the program runs on the next transition. "Not now" folds the bar.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::app::{has_label, open_config, step_until};
use egui_kittest::kittest::Queryable;
use lakesight::app::{AppConfig, Launch};
use lakesight::model::SourceSpec;
use lakesight::model::dashboard::DashboardSource;
use lakesight::trust::TrustStore;

/// A lake of one table whose lowest value is `low`.
fn write_events(lake: &Path, name: &str, low: i64) {
    common::write(
        lake,
        &format!("events/{name}.json"),
        format!("{{\"v\": {low}}}\n").as_bytes(),
    );
}

/// Fires while the lowest value is above 10; the program appends each transition to a file.
fn dashboard(script: &Path) -> String {
    format!(
        r#"title = "Shared"

[[visuals]]
id = "low"
title = "Lowest value"
kind = "kpi"
sql = "SELECT min(v) AS low FROM events"
y = ["low"]
position = [0, 0, 4, 3]

[[alerts]]
id = "low-high"
visual = "low"
condition = "above"
threshold = 10
notify = ["command:{}"]
"#,
        script.display()
    )
}

#[cfg(unix)]
#[test]
fn an_untrusted_file_shows_data_and_alerts_and_acts_only_once_trusted() {
    let folder = tempfile::tempdir().unwrap();
    let lake = folder.path().join("lake");
    write_events(&lake, "a", 50);
    let (script, received) = common::notify_script(folder.path());
    let file = folder.path().join("shared.toml");
    std::fs::write(&file, dashboard(&script)).unwrap();
    let history = folder.path().join("alerts.jsonl");
    let record = folder.path().join("trusted.toml");

    let mut config = AppConfig::new(Launch::Source(SourceSpec::local(&lake)));
    config.dashboards.push(DashboardSource::File(file.clone()));
    config.alert_history = Some(history.clone());
    config.trusted_files = Some(record.clone());
    let mut f = open_config(folder, config);

    // Untrusted: the data shows, the rule fires and is recorded, the program does not run.
    step_until(&mut f.harness, "the rule firing and recorded", |h| {
        h.query_all_by_label("Firing").next().is_some()
            && std::fs::read_to_string(&history).is_ok_and(|t| t.contains("\"firing\""))
            && !h.state().announcing()
    });
    assert!(has_label(&f.harness, "This dashboard file is not trusted."));
    assert!(has_label(
        &f.harness,
        &format!("runs `{}`", script.display())
    ));
    assert!(!received.exists(), "an untrusted file's program ran");

    // "Not now" folds the bar; "Review…" opens it again.
    f.harness.get_by_label("Not now").click();
    step_until(&mut f.harness, "the folded bar", |h| {
        has_label(h, "Review…")
    });
    assert!(!has_label(
        &f.harness,
        "This dashboard file is not trusted."
    ));
    f.harness.get_by_label("Review…").click();
    step_until(&mut f.harness, "the bar again", |h| {
        has_label(h, "Trust this file")
    });

    f.harness.get_by_label("Trust this file").click();
    step_until(&mut f.harness, "the bar gone", |h| {
        !has_label(h, "Trust this file")
    });
    let store = TrustStore::at(&record);
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(
        store.check(&file, &bytes).unwrap(),
        lakesight::trust::FileTrust::Trusted,
        "the file's bytes are recorded"
    );

    // The next transition acts: a value below the threshold lands, the rule goes back to OK and
    // the program is told.
    write_events(&f.lake.path().join("lake"), "b", 1);
    let deadline = Instant::now() + Duration::from_mins(1);
    while !std::fs::read_to_string(&received).is_ok_and(|t| t.contains("\"normal\"")) {
        assert!(
            Instant::now() < deadline,
            "the program was not told of the recovery"
        );
        f.harness.get_by_label("Run again").click();
        step_until(&mut f.harness, "the run and its announcement", |h| {
            !h.state().dashboard_running() && !h.state().announcing()
        });
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A file that names its lake through its own endpoint: the window does not attach it (no
/// request reaches the endpoint) until the file is trusted; then it attaches that lake.
#[test]
fn a_files_own_endpoint_is_attached_only_once_trusted() {
    let folder = tempfile::tempdir().unwrap();
    let server_runtime = common::app::runtime();
    let server = server_runtime.block_on(common::s3::S3Server::start(true));
    let file = folder.path().join("remote.toml");
    std::fs::write(
        &file,
        format!(
            "title = \"Remote\"\nsource = \"s3://trust-lake\"\nregion = \"eu-west-1\"\nendpoint = \"{}\"\n\n[[visuals]]\nid = \"n\"\nkind = \"kpi\"\nsql = \"SELECT 1 AS n\"\ny = [\"n\"]\nposition = [0, 0, 3, 3]\n",
            server.endpoint
        ),
    )
    .unwrap();
    let mut config = AppConfig::new(Launch::Restore);
    config.dashboards.push(DashboardSource::File(file.clone()));
    config.trusted_files = Some(folder.path().join("trusted.toml"));
    let mut f = open_config(folder, config);
    let host = server.endpoint.trim_start_matches("http://").to_owned();

    step_until(&mut f.harness, "the trust bar", |h| {
        has_label(h, "Trust this file")
    });
    assert!(has_label(
        &f.harness,
        &format!("sends requests signed with your AWS credentials to {host}")
    ));
    assert!(has_label(
        &f.harness,
        "its lake is not attached through that endpoint"
    ));
    // Frames go by and nothing reaches the endpoint, nor is that lake attached.
    for _ in 0..30 {
        f.harness.step();
    }
    // (Attaching a lake writes it into the toolbar's Source field.)
    assert!(
        f.harness
            .query_all_by_value("s3://trust-lake")
            .next()
            .is_none(),
        "the untrusted file's lake was attached"
    );
    assert!(
        server.request_lines().is_empty(),
        "{:?}",
        server.request_lines()
    );

    f.harness.get_by_label("Trust this file").click();
    // Whether the machine has AWS credentials or not, the window now attaches (or fails to
    // attach, naming it) the file's own lake.
    step_until(&mut f.harness, "the file's lake attached or tried", |h| {
        h.query_all_by_value("s3://trust-lake").next().is_some()
    });
}
