//! Alerts on lakes that change: the simulator's error-spike scenario, written with its simulated
//! clock, takes a rule through every state of a backtest; and `lakesight watch` on a lake where
//! files land, which is deleted and comes back, and which is stopped with SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, TimeZone, Utc};
use lakesight::sim::{Scenario, SimConfig, VirtualClock, run_with_clock};
use serde_json::Value;

/// Generous: only bounds how long a broken build takes to fail.
const PATIENCE: Duration = Duration::from_mins(2);

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

const SIMULATED: &str = r#"title = "Simulated app health"
time_range = "last 1h"

[[visuals]]
id = "errors_per_minute"
title = "Error rate per minute"
kind = "line"
sql = """SELECT date_trunc('minute', event_time) AS minute,
                avg(CASE WHEN level = 'ERROR' THEN 1.0 ELSE 0.0 END) AS error_rate
         FROM app_logs WHERE $__timeFilter(event_time) GROUP BY 1 ORDER BY 1"""
x = "minute"
y = ["error_rate"]
position = [0, 0, 12, 4]

[[alerts]]
id = "errors"
visual = "errors_per_minute"
condition = "above"
threshold = 0.15
for = "2m"
keep_firing_for = "2m"
"#;

/// Runs the simulator on a virtual clock from `start` for `minutes`, playing `scenario`.
fn simulate(lake: &Path, start: DateTime<Utc>, minutes: u64, scenario: Scenario) {
    let config = SimConfig {
        into: lake.to_path_buf(),
        rate_per_sec: 10.0,
        duration: Some(Duration::from_mins(minutes)),
        seed: 7,
        scenario,
        flush_interval: Duration::from_secs(30),
        ..SimConfig::default()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime
        .block_on(run_with_clock(&config, &VirtualClock::new(start), |_| {}))
        .unwrap();
}

#[test]
fn the_error_spike_scenario_takes_a_rule_through_every_state() {
    // Normal, pending, firing, recovering and normal again from the data; then no data once the
    // range has left it, and an error once it reads a damaged file.
    let lake = tempfile::tempdir().unwrap();
    let start = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    // A third of 30 minutes at the baseline, then the spike; then 20 minutes steady again.
    simulate(lake.path(), start, 30, Scenario::ErrorSpike);
    let spike = (
        start + TimeDelta::minutes(10),
        start + TimeDelta::minutes(30),
    );
    simulate(lake.path(), spike.1, 20, Scenario::Steady);
    // Past the data (it ends at 09:50) the hour's range holds nothing from 10:51: no data; then a
    // damaged file delivered at 12:00 fails every evaluation whose range (with an hour of
    // lateness) reads it, from 11:01: an error.
    // A Parquet frame around metadata that is not Parquet metadata.
    let mut damaged = b"PAR1garbage!".to_vec();
    damaged.extend_from_slice(&8_u32.to_le_bytes());
    damaged.extend_from_slice(b"PAR1");
    common::write(
        lake.path(),
        "consumption/app_logs/year=2026/month=12/day=01/hour=12/damaged.parquet",
        &damaged,
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("simulated.toml");
    std::fs::write(&file, SIMULATED).unwrap();
    let out = assert_cmd::Command::cargo_bin("lakesight")
        .unwrap()
        .env_remove("LAKESIGHT_SOURCE")
        .args(["alerts", "backtest"])
        .arg(&file)
        .arg("--source")
        .arg(lake.path())
        .args(["--from", &stamp(start + TimeDelta::minutes(1))])
        .args(["--to", &stamp(start + TimeDelta::minutes(130))])
        .args(["--step", "1m", "--format", "ndjson"])
        .assert()
        .code(1);
    let notices: Vec<Value> = String::from_utf8_lossy(&out.get_output().stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let path: Vec<(&str, &str)> = notices
        .iter()
        .map(|n| {
            (
                n["previous"].as_str().unwrap(),
                n["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        path,
        [
            ("normal", "pending"),
            ("pending", "firing"),
            ("firing", "recovering"),
            ("recovering", "normal"),
            ("normal", "nodata"),
            ("nodata", "error"),
        ],
        "{notices:#?}"
    );
    let at = |i: usize| {
        DateTime::parse_from_rfc3339(notices[i]["at"].as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    let minutes = |m| TimeDelta::minutes(m);
    // The first minute of the spike is judged once it is over; the periods are `for` and
    // `keep_firing_for`.
    assert_eq!(at(0), spike.0 + minutes(1));
    assert_eq!(at(1), at(0) + minutes(2));
    assert_eq!(at(2), spike.1 + minutes(1));
    assert_eq!(at(3), at(2) + minutes(2));
}

/// Lines a child process writes, collected by a named thread.
fn collect_lines(
    stream: impl std::io::Read + Send + 'static,
    name: &str,
) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        })
        .unwrap();
    lines
}

/// Waits until a line of `lines` satisfies `wanted`.
fn wait_for_line(
    lines: &Arc<Mutex<Vec<String>>>,
    what: &str,
    wanted: impl Fn(&str) -> bool,
    all: &dyn Fn() -> String,
) {
    common::wait_until(
        PATIENCE,
        || lines.lock().unwrap().iter().any(|line| wanted(line)),
        || format!("no line with {what}; output so far:\n{}", all()),
    );
}

/// A Parquet file of one event: `value` at `at`, written beside the lake and renamed in.
fn land(lake: &Path, scratch: &Path, name: &str, at: DateTime<Utc>, value: f64) {
    use datafusion::arrow::array::{Float64Array, RecordBatch, TimestampMicrosecondArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
    let schema = Schema::new(vec![
        Field::new(
            "event_time",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("value", DataType::Float64, false),
    ]);
    let batch = RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(
                TimestampMicrosecondArray::from(vec![at.timestamp_micros()]).with_timezone("UTC"),
            ),
            Arc::new(Float64Array::from(vec![value])),
        ],
    )
    .unwrap();
    let staged = scratch.join(name);
    std::fs::write(&staged, common::parquet_bytes(&batch)).unwrap();
    std::fs::create_dir_all(lake.join("events")).unwrap();
    std::fs::rename(&staged, lake.join("events").join(name)).unwrap();
}

const LIVE: &str = r#"title = "Live"
time_range = "last 1h"
refresh = "new-data"

[[visuals]]
id = "peak"
title = "Peak"
kind = "kpi"
sql = "SELECT max(value) AS peak FROM events WHERE $__timeFilter(event_time)"
y = ["peak"]
position = [0, 0, 4, 4]

[[alerts]]
id = "peak-high"
visual = "peak"
condition = "above"
threshold = 10
"#;

/// A real HTTP server on 127.0.0.1 that answers every POST with 200; the bodies it received.
fn webhook_receiver() -> (String, std::sync::mpsc::Receiver<Vec<u8>>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (sender, bodies) = std::sync::mpsc::sync_channel(16);
    std::thread::Builder::new()
        .name("webhook-receiver".to_owned())
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_ok() {
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
                    let _ = sender.send(body);
                }
            }
        })
        .unwrap();
    (url, bodies)
}

/// Whether an ndjson line is the transition `previous -> state`.
fn transition(previous: &'static str, state: &'static str) -> impl Fn(&str) -> bool {
    move |line: &str| {
        serde_json::from_str::<Value>(line)
            .is_ok_and(|n| n["previous"] == previous && n["state"] == state)
    }
}

/// A running `lakesight watch`, its output collected by named threads; killed if the test
/// fails before it stops.
struct Watch {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

/// The data folder (trust record) the tests' processes use: `data` beside `history`.
fn data_home(history: &Path) -> std::path::PathBuf {
    history.with_file_name("data")
}

/// `lakesight trust FILE`, with the data folder of the watch whose history is `history`.
fn trust(file: &Path, history: &Path) -> String {
    let out = assert_cmd::Command::cargo_bin("lakesight")
        .unwrap()
        .env("XDG_DATA_HOME", data_home(history))
        .arg("trust")
        .arg(file)
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

impl Watch {
    /// `lakesight watch FILE --history HISTORY` (no `LAKESIGHT_SOURCE`; its trust record in a
    /// data folder beside HISTORY), to add arguments to.
    fn command(file: &Path, history: &Path) -> std::process::Command {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("lakesight"));
        command
            .env_remove("LAKESIGHT_SOURCE")
            .env("XDG_DATA_HOME", data_home(history))
            .arg("watch")
            .arg(file)
            .arg("--history")
            .arg(history);
        command
    }

    /// Starts `command`; `name` names the threads that collect its output.
    fn start(mut command: std::process::Command, name: &str) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = collect_lines(child.stdout.take().unwrap(), &format!("{name}-stdout"));
        let stderr = collect_lines(child.stderr.take().unwrap(), &format!("{name}-stderr"));
        Self {
            child,
            stdout,
            stderr,
        }
    }

    /// What it printed so far, for failure messages.
    fn output(&self) -> impl Fn() -> String + use<> {
        let (stdout, stderr) = (Arc::clone(&self.stdout), Arc::clone(&self.stderr));
        move || {
            format!(
                "stdout:\n{}\nstderr:\n{}",
                stdout.lock().unwrap().join("\n"),
                stderr.lock().unwrap().join("\n")
            )
        }
    }

    /// Sends it `signal` (`"TERM"`, `"INT"`).
    fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success());
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Waits for `child` to exit; its exit code.
fn wait_exit(child: &mut Child) -> Option<i32> {
    let mut status = None;
    common::wait_until(
        PATIENCE,
        || {
            status = child.try_wait().unwrap();
            status.is_some()
        },
        || "watch did not stop".to_owned(),
    );
    status.and_then(|s| s.code())
}

#[test]
fn watch_announces_landings_reports_a_deleted_lake_resumes_and_stops_on_sigterm() {
    let root = tempfile::tempdir().unwrap();
    let lake = root.path().join("lake");
    let scratch = root.path().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let now = Utc::now();
    land(
        &lake,
        &scratch,
        "part-0.parquet",
        now - TimeDelta::minutes(5),
        1.0,
    );
    let file = root.path().join("live.toml");
    // Transitions go to a real HTTP server and to a program, and into a history file.
    let (webhook, posted) = webhook_receiver();
    let (script, received) = common::notify_script(root.path());
    let notify = format!(
        "threshold = 10\nnotify = [\"webhook:{webhook}/hook\", \"command:{}\"]\n",
        script.display()
    );
    std::fs::write(&file, LIVE.replace("threshold = 10\n", &notify)).unwrap();
    let history = root.path().join("alerts.jsonl");
    // The user's own file: trusted to run its program and post to its webhook.
    trust(&file, &history);

    let mut command = Watch::command(&file, &history);
    command
        .arg("--source")
        .arg(&lake)
        .args(["--format", "ndjson", "--poll", "1s"]);
    let mut watch = Watch::start(command, "watch");
    let (stdout, stderr, all) = (
        Arc::clone(&watch.stdout),
        Arc::clone(&watch.stderr),
        watch.output(),
    );
    wait_for_line(
        &stderr,
        "watching",
        |l| l.contains("watching 1 alert "),
        &all,
    );
    assert!(
        stdout.lock().unwrap().is_empty(),
        "normal at first: {}",
        all()
    );

    land(
        &lake,
        &scratch,
        "part-1.parquet",
        Utc::now() - TimeDelta::minutes(1),
        50.0,
    );
    wait_for_line(
        &stdout,
        "normal -> firing",
        transition("normal", "firing"),
        &all,
    );
    // The history has it, the webhook got the JSON, and so did the program.
    let posted = posted
        .recv_timeout(PATIENCE)
        .expect("the webhook was called");
    let posted: Value = serde_json::from_slice(&posted).unwrap();
    assert_eq!(
        (&posted["alert"], &posted["state"], &posted["previous"]),
        (
            &Value::from("peak-high"),
            &Value::from("firing"),
            &Value::from("normal")
        )
    );
    assert_eq!(posted["value"], 50.0);
    assert_eq!(posted["threshold"], 10.0);
    assert!(
        posted["sql"]
            .as_str()
            .is_some_and(|sql| sql.contains("max(value)"))
    );
    common::wait_until(
        PATIENCE,
        || std::fs::read_to_string(&received).is_ok_and(|text| text.contains("\"firing\"")),
        || "the command got no JSON".to_owned(),
    );
    let recorded = std::fs::read_to_string(&history).unwrap();
    assert!(
        recorded
            .lines()
            .any(|line| transition("normal", "firing")(line)),
        "{recorded}"
    );

    std::fs::remove_dir_all(&lake).unwrap();
    wait_for_line(
        &stdout,
        "firing -> error",
        transition("firing", "error"),
        &all,
    );
    wait_for_line(&stderr, "the lake is gone", |l| l.contains("is gone"), &all);

    // The lake comes back whole, as a restored folder would.
    let restored = scratch.join("restored");
    land(
        &restored,
        &scratch,
        "part-0.parquet",
        now - TimeDelta::minutes(5),
        1.0,
    );
    land(
        &restored,
        &scratch,
        "part-1.parquet",
        now - TimeDelta::minutes(1),
        50.0,
    );
    std::fs::rename(&restored, &lake).unwrap();
    wait_for_line(
        &stdout,
        "error -> firing",
        transition("error", "firing"),
        &all,
    );

    watch.signal("TERM");
    assert_eq!(
        wait_exit(&mut watch.child),
        Some(3),
        "firing when stopped: {}",
        all()
    );
    wait_for_line(&stderr, "stopped", |l| l == "stopped", &all);
}

/// An untrusted file's alerts are evaluated, printed and recorded, but its program is not run and
/// its webhook not called, and stderr says so once, with the command that allows them; once
/// trusted they act; after the file changes (a `git pull`) they are held back again.
#[test]
fn watch_runs_a_files_program_and_webhook_only_while_its_bytes_are_trusted() {
    let root = tempfile::tempdir().unwrap();
    let (lake, scratch) = (root.path().join("lake"), root.path().join("scratch"));
    std::fs::create_dir_all(&scratch).unwrap();
    // Firing from the first evaluation.
    let recent = Utc::now() - TimeDelta::minutes(2);
    land(&lake, &scratch, "part-0.parquet", recent, 50.0);
    let (webhook, posted) = webhook_receiver();
    let (script, received) = common::notify_script(root.path());
    let file = root.path().join("shared.toml");
    let notify = format!(
        "threshold = 10\nnotify = [\"command:{}\", \"webhook:{webhook}/hook?token=s3cret\"]\n",
        script.display()
    );
    std::fs::write(&file, LIVE.replace("threshold = 10\n", &notify)).unwrap();
    let history = root.path().join("alerts.jsonl");

    // Runs `watch` until its first evaluation is over (its transitions announced, or held
    // back), then stops it; what it printed on stdout and stderr.
    let first_evaluation = |name: &str| {
        let mut command = Watch::command(&file, &history);
        command
            .arg("--source")
            .arg(&lake)
            .args(["--format", "ndjson", "--poll", "1s"]);
        let mut watch = Watch::start(command, name);
        let all = watch.output();
        wait_for_line(
            &watch.stderr,
            "watching",
            |l| l.contains("watching 1 alert "),
            &all,
        );
        watch.signal("TERM");
        wait_exit(&mut watch.child);
        let stdout = watch.stdout.lock().unwrap().clone();
        let stderr = watch.stderr.lock().unwrap().clone();
        (stdout, stderr)
    };

    let (stdout, stderr) = first_evaluation("untrusted");
    assert!(
        stdout.iter().any(|l| transition("normal", "firing")(l)),
        "{stdout:?}"
    );
    let recorded = std::fs::read_to_string(&history).unwrap();
    assert!(
        recorded.lines().any(transition("normal", "firing")),
        "{recorded}"
    );
    assert!(!received.exists(), "the program ran for an untrusted file");
    assert!(
        posted.try_recv().is_err(),
        "the webhook was called for an untrusted file"
    );
    let held: Vec<&String> = stderr.iter().filter(|l| l.contains("held back")).collect();
    assert_eq!(held.len(), 1, "said once: {stderr:?}");
    let port = webhook.rsplit(':').next().unwrap();
    for part in [
        format!("{} is not trusted", file.display()),
        format!("runs `{}`", script.display()),
        format!("posts to 127.0.0.1:{port}"),
        format!("lakesight trust {}", file.display()),
    ] {
        assert!(held[0].contains(&part), "{part} in {}", held[0]);
    }
    assert!(!held[0].contains("s3cret"), "{}", held[0]);

    let said = trust(&file, &history);
    assert!(
        said.contains("trusted") && said.contains("runs `"),
        "{said}"
    );
    let (_, stderr) = first_evaluation("trusted");
    assert!(
        stderr.iter().all(|l| !l.contains("held back")),
        "{stderr:?}"
    );
    let ran = std::fs::read_to_string(&received).unwrap();
    assert!(ran.contains("\"firing\""), "{ran}");
    let posted_body = posted
        .recv_timeout(PATIENCE)
        .expect("the webhook was called");
    assert!(String::from_utf8_lossy(&posted_body).contains("\"firing\""));

    // The file changes on disk: untrusted again until trusted again.
    let mut changed = std::fs::read_to_string(&file).unwrap();
    changed.push_str("# pulled\n");
    std::fs::write(&file, changed).unwrap();
    std::fs::remove_file(&received).unwrap();
    let (_, stderr) = first_evaluation("changed");
    assert!(
        stderr
            .iter()
            .any(|l| l.contains("held back") && l.contains("changed since you trusted it")),
        "{stderr:?}"
    );
    assert!(!received.exists(), "the changed file's program ran");
    assert!(
        posted.try_recv().is_err(),
        "the changed file's webhook was called"
    );
}

/// With no new data at all, time still moves a rule on: Pending becomes Firing when its `for`
/// has passed (polling is every 10 minutes here, so only the deadline can call the evaluation).
#[test]
fn watch_fires_a_pending_rule_at_its_deadline_without_new_data() {
    let root = tempfile::tempdir().unwrap();
    let (lake, scratch) = (root.path().join("lake"), root.path().join("scratch"));
    std::fs::create_dir_all(&scratch).unwrap();
    land(
        &lake,
        &scratch,
        "part-0.parquet",
        Utc::now() - TimeDelta::minutes(2),
        50.0,
    );
    let file = root.path().join("live.toml");
    std::fs::write(
        &file,
        LIVE.replace("threshold = 10\n", "threshold = 10\nfor = \"2s\"\n"),
    )
    .unwrap();
    let mut command = Watch::command(&file, &root.path().join("alerts.jsonl"));
    command
        .arg("--source")
        .arg(&lake)
        .args(["--format", "ndjson", "--poll", "10m"]);
    let watch = Watch::start(command, "deadline");
    let all = watch.output();
    wait_for_line(
        &watch.stdout,
        "normal -> pending",
        transition("normal", "pending"),
        &all,
    );
    wait_for_line(
        &watch.stdout,
        "pending -> firing",
        transition("pending", "firing"),
        &all,
    );
}

/// A stream that stops: no file lands, but the rule's range moves on and the count falls to zero,
/// which `watch` sees by evaluating every `--poll` and not only when files land.
#[test]
fn watch_sees_a_stream_that_stopped() {
    let root = tempfile::tempdir().unwrap();
    let (lake, scratch) = (root.path().join("lake"), root.path().join("scratch"));
    std::fs::create_dir_all(&scratch).unwrap();
    land(&lake, &scratch, "part-0.parquet", Utc::now(), 50.0);
    let file = root.path().join("quiet.toml");
    let quiet = LIVE
        .replace("time_range = \"last 1h\"", "time_range = \"last 3s\"")
        .replace("max(value) AS peak", "count(*) AS peak")
        .replace(
            "condition = \"above\"\nthreshold = 10",
            "condition = \"below\"\nthreshold = 1",
        );
    std::fs::write(&file, quiet).unwrap();
    let mut command = Watch::command(&file, &root.path().join("alerts.jsonl"));
    command
        .arg("--source")
        .arg(&lake)
        .args(["--format", "ndjson", "--poll", "1s"]);
    let watch = Watch::start(command, "quiet");
    let all = watch.output();
    wait_for_line(
        &watch.stdout,
        "normal -> firing",
        transition("normal", "firing"),
        &all,
    );
}

/// Ctrl-C in the terminal (SIGINT) stops `watch` as cleanly as SIGTERM: "stopped", and the exit
/// code says whether an alert fires (none here: 0).
#[test]
fn watch_stops_cleanly_on_ctrl_c() {
    let root = tempfile::tempdir().unwrap();
    let (lake, scratch) = (root.path().join("lake"), root.path().join("scratch"));
    std::fs::create_dir_all(&scratch).unwrap();
    let at = Utc::now() - TimeDelta::minutes(5);
    land(&lake, &scratch, "part-0.parquet", at, 1.0);
    let file = root.path().join("live.toml");
    std::fs::write(&file, LIVE).unwrap();
    let mut command = Watch::command(&file, &root.path().join("alerts.jsonl"));
    command.arg("--source").arg(&lake);
    let mut watch = Watch::start(command, "watch");
    let all = watch.output();
    wait_for_line(
        &watch.stderr,
        "watching",
        |l| l.contains("watching 1 alert "),
        &all,
    );
    watch.signal("INT");
    assert_eq!(
        wait_exit(&mut watch.child),
        Some(0),
        "none firing: {}",
        all()
    );
    wait_for_line(&watch.stderr, "stopped", |l| l == "stopped", &all);
}

#[test]
fn watch_on_s3_reports_the_store_unavailable_and_resumes_when_it_answers_again() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(common::s3::S3Server::start(true));
    let aws = common::s3::AwsFiles::new(&server.endpoint);
    let root = tempfile::tempdir().unwrap();
    let (local, scratch) = (root.path().join("lake"), root.path().join("scratch"));
    std::fs::create_dir_all(&scratch).unwrap();
    let now = Utc::now();
    land(
        &local,
        &scratch,
        "part-0.parquet",
        now - TimeDelta::minutes(5),
        1.0,
    );
    land(
        &local,
        &scratch,
        "part-1.parquet",
        now - TimeDelta::minutes(1),
        50.0,
    );
    server.upload_dir(&local, "acme-lake", "prod");
    let file = root.path().join("live.toml");
    std::fs::write(&file, LIVE).unwrap();

    let aws_dir = aws.dir.path();
    let mut command = Watch::command(&file, &root.path().join("alerts.jsonl"));
    command
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("HOME", aws_dir)
        .env("AWS_CONFIG_FILE", aws_dir.join(".aws/config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            aws_dir.join(".aws/credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args([
            "--source",
            "s3://acme-lake/prod",
            "--profile",
            "lake-reader",
        ])
        .args(["--format", "ndjson", "--poll", "1s"]);
    let mut watch = Watch::start(command, "s3-watch");
    let (stdout, stderr, all) = (
        Arc::clone(&watch.stdout),
        Arc::clone(&watch.stderr),
        watch.output(),
    );
    wait_for_line(
        &stdout,
        "normal -> firing",
        transition("normal", "firing"),
        &all,
    );

    // The store stops answering with data: every request gets 503 Service Unavailable.
    *server.faults.error.lock().unwrap() = Some((503, "ServiceUnavailable"));
    wait_for_line(
        &stdout,
        "firing -> error",
        transition("firing", "error"),
        &all,
    );
    wait_for_line(
        &stderr,
        "the store unreachable",
        |l| l.contains("cannot reach"),
        &all,
    );

    *server.faults.error.lock().unwrap() = None;
    wait_for_line(
        &stdout,
        "error -> firing",
        transition("error", "firing"),
        &all,
    );
    watch.signal("TERM");
    assert_eq!(
        wait_exit(&mut watch.child),
        Some(3),
        "firing when stopped: {}",
        all()
    );
}
