//! The Jobs panel in the real window (`egui_kittest`): a jobs file opened untrusted shows its
//! jobs but runs nothing; **Trust this file** records its bytes; **Run all** builds the output
//! lake with progress and a summary; **Follow new data** builds an hour that lands afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::app::{has_label, open_config, step_until};
use egui_kittest::kittest::Queryable;
use lakesight::app::{AppConfig, Launch};
use lakesight::model::SourceSpec;

const JOBS: &str = r#"[[jobs]]
id = "orders"
input = "landing.orders"
output = "consumption/orders"
sql = "SELECT order_id, country, CAST(amount AS DOUBLE) AS amount FROM input"
"#;

fn deliver(lake: &Path, hour: u32, first: i64, n: i64) {
    common::write(
        lake,
        &format!("landing/orders/year=2026/month=11/day=24/hour={hour:02}/delivery"),
        &common::gzip(&common::orders_json(first, n, "\n")),
    );
}

fn part(out: &Path, hour: u32) -> std::path::PathBuf {
    out.join(format!(
        "consumption/orders/year=2026/month=11/day=24/hour={hour:02}/part-00000.parquet"
    ))
}

#[test]
fn a_jobs_file_runs_from_the_window_once_trusted_and_follows_new_data() {
    let folder = tempfile::tempdir().unwrap();
    let lake = folder.path().join("lake");
    deliver(&lake, 0, 0, 30);
    deliver(&lake, 1, 100, 20);
    let file = folder.path().join("jobs.toml");
    std::fs::write(&file, JOBS).unwrap();
    let out = folder.path().join("out");
    let record = folder.path().join("trusted.toml");
    let mut config = AppConfig::new(Launch::Source(SourceSpec::local(&lake)));
    config.jobs_file = Some(file.clone());
    config.jobs_into = Some(out.display().to_string());
    config.trusted_files = Some(record.clone());
    let mut f = open_config(tempfile::tempdir().unwrap(), config);

    // The panel unfolds by itself to show the file.
    step_until(&mut f.harness, "the jobs file open, untrusted", |h| {
        has_label(h, "This jobs file is not trusted.") && has_label(h, "Run all")
    });
    // Untrusted: Run all does nothing (a run of two hours takes well under this).
    f.harness.get_by_label("Run all").click();
    for _ in 0..50 {
        f.harness.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(!out.exists(), "an untrusted file wrote nothing");

    f.harness.get_by_label("Trust this file").click();
    step_until(&mut f.harness, "the trust recorded", |h| {
        !has_label(h, "This jobs file is not trusted.")
    });
    assert!(
        std::fs::read_to_string(&record)
            .unwrap()
            .contains(&lakesight::model::sha256_hex(JOBS.as_bytes()))
    );
    f.harness.get_by_label("Run all").click();
    step_until(&mut f.harness, "the run's summary", |h| {
        has_label(h, "orders: 2 built, 0 up to date, 0 failed · 50 rows")
    });
    assert!(part(&out, 0).exists() && part(&out, 1).exists());

    f.harness.get_by_label("Follow new data").click();
    f.harness.step();
    deliver(&lake, 2, 200, 5);
    step_until(&mut f.harness, "the new hour built while following", |_| {
        part(&out, 2).exists()
    });
}

/// `lakesight trust JOBS.toml` records a jobs file's bytes; the window then runs it at once.
#[test]
fn a_jobs_file_trusted_from_the_command_line_runs_in_the_window() {
    let folder = tempfile::tempdir().unwrap();
    let lake = folder.path().join("lake");
    deliver(&lake, 0, 0, 30);
    let file = folder.path().join("jobs.toml");
    std::fs::write(&file, JOBS).unwrap();
    let data = folder.path().join("data");
    let trusted = std::process::Command::new(assert_cmd::cargo::cargo_bin("lakesight"))
        .env("XDG_DATA_HOME", &data)
        .env("HOME", folder.path())
        .arg("trust")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        trusted.status.success(),
        "{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    assert!(String::from_utf8_lossy(&trusted.stdout).contains("consumption/orders"));
    let record = data
        .join("lakesight")
        .join(lakesight::trust::TRUST_FILE_NAME);
    let out = folder.path().join("out");
    let mut config = AppConfig::new(Launch::Source(SourceSpec::local(&lake)));
    config.jobs_file = Some(file);
    config.jobs_into = Some(out.display().to_string());
    config.trusted_files = Some(record);
    let mut f = open_config(tempfile::tempdir().unwrap(), config);
    step_until(&mut f.harness, "the jobs file open, trusted", |h| {
        has_label(h, "Run all") && !has_label(h, "This jobs file is not trusted.")
    });
    f.harness.get_by_label("Run all").click();
    step_until(&mut f.harness, "the run's summary", |h| {
        has_label(h, "orders: 1 built")
    });
    assert!(part(&out, 0).exists());
}
