use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::time::{Duration, Instant};

use super::test_server::{Reply, TestServer};
use super::*;
use crate::model::dashboard::{AlertThreshold, Condition, ErrorPolicy, NoDataPolicy};

/// A generous bound for things that happen at once, so only a hang fails a test.
const PATIENCE: Duration = Duration::from_mins(1);

/// Writes an executable `/bin/sh` script named `name` into `dir`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn command(program: PathBuf, timeout: Duration) -> Command {
    Command { program, timeout }
}

/// Waits until `path` exists and is not empty; its text.
fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(text) = fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_command_gets_the_notice_json_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("got.json");
    let program = script(
        dir.path(),
        "notify me",
        &format!("cat > '{}'", out.display()),
    );
    let notice = Notice::example();

    command(program, PATIENCE).send(&notice).unwrap();

    let text = fs::read_to_string(&out).unwrap();
    assert_eq!(text, notice.to_json_line() + "\n");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["alert"], "error-rate");
    assert_eq!(json["state"], "firing");
    assert_eq!(json["value"], 0.24);
}

#[test]
fn a_failing_command_is_reported_with_its_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let program = script(
        dir.path(),
        "pager",
        "cat > /dev/null\necho 'pager: token expired' >&2\necho 'run pager login' >&2\nexit 3",
    );

    let message = command(program, PATIENCE)
        .send(&Notice::example())
        .unwrap_err()
        .to_string();

    assert!(message.contains("exited with status 3"), "{message}");
    assert!(
        message.contains("pager: token expired / run pager login"),
        "{message}"
    );
}

#[test]
fn a_command_that_never_exits_is_killed_at_its_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("sleeper.pid");
    // It starts a child of its own and waits for it: both must go.
    let program = script(
        dir.path(),
        "hang",
        &format!("sleep 600 &\necho $! > '{}'\nwait", pid_file.display()),
    );

    let message = command(program, Duration::from_secs(3))
        .send(&Notice::example())
        .unwrap_err()
        .to_string();

    assert!(
        message.contains("did not finish within 3s and was stopped"),
        "{message}"
    );
    let sleeper = fs::read_to_string(&pid_file).expect("the script did not start within 3 s");
    assert_gone(sleeper.trim());
}

/// Waits until process `pid` has ended (gone, or a zombie waiting for its parent).
fn assert_gone(pid: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The state follows the command name in parentheses.
        let state = stat.rsplit(')').next().unwrap_or("").trim_start();
        if stat.is_empty() || state.starts_with('Z') {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "process {pid} still runs: {stat}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_missing_program_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("no-such-notifier");

    let message = command(program, PATIENCE)
        .send(&Notice::example())
        .unwrap_err()
        .to_string();

    assert!(message.contains("could not start"), "{message}");
}

#[test]
fn send_all_delivers_to_the_others_while_one_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("got.json");
    let stuck = TestServer::start(&[Reply::Silent]);
    let good = TestServer::start(&[Reply::Status(204)]);
    let notifiers: Vec<Box<dyn Notify + Send + Sync>> = vec![
        Box::new(Webhook {
            url: format!("{}/stuck", stuck.base),
            // Held until the test hangs up; the timeout only ends a test that went wrong.
            timeout: PATIENCE,
            retries: 0,
            backoff: Duration::ZERO,
        }),
        Box::new(command(
            script(dir.path(), "good", &format!("cat > '{}'", out.display())),
            PATIENCE,
        )),
        Box::new(Webhook {
            url: format!("{}/good", good.base),
            timeout: PATIENCE,
            retries: 0,
            backoff: Duration::ZERO,
        }),
    ];
    let (finished, failures) = sync_channel(1);

    std::thread::scope(|scope| {
        let notifiers = &notifiers;
        scope.spawn(move || finished.send(send_all(notifiers, &Notice::example())));

        // The good ones arrive while the stuck one still waits.
        assert!(good.next_request().head.starts_with("POST /good"));
        assert_eq!(wait_for_file(&out), Notice::example().to_json_line() + "\n");
        assert!(
            failures.try_recv().is_err(),
            "send_all waits for the stuck one"
        );

        stuck.hang_up();
        let failures = failures.recv_timeout(PATIENCE).unwrap();
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].notifier, notifiers[0].name());
        assert!(
            failures[0].message.contains("webhook failed"),
            "{failures:?}"
        );
    });
}

#[test]
fn send_all_reports_a_hanging_notifier_at_its_timeout_and_delivers_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("got.json");
    let hanging = command(
        script(dir.path(), "hang", "exec sleep 600"),
        Duration::from_millis(200),
    );
    let notifiers: Vec<Box<dyn Notify + Send + Sync>> = vec![
        Box::new(hanging.clone()),
        Box::new(command(dir.path().join("missing"), PATIENCE)),
        Box::new(command(
            script(dir.path(), "good", &format!("cat > '{}'", out.display())),
            PATIENCE,
        )),
    ];

    let failures = send_all(&notifiers, &Notice::example());

    let named: Vec<&str> = failures.iter().map(|f| f.notifier.as_str()).collect();
    assert_eq!(named, [notifiers[0].name(), notifiers[1].name()]);
    assert!(
        failures[0].message.contains("did not finish within 200ms"),
        "{failures:?}"
    );
    assert!(
        failures[1].message.contains("could not start"),
        "{failures:?}"
    );
    assert_eq!(
        fs::read_to_string(&out).unwrap(),
        Notice::example().to_json_line() + "\n"
    );
}

#[test]
fn notifiers_follow_the_rule_and_the_options() {
    let rule = AlertRule {
        id: "error-rate".to_owned(),
        visual: "error_rate".to_owned(),
        condition: Condition::Above,
        threshold: Some(AlertThreshold::Value(0.1)),
        pending_for: "0s".to_owned(),
        keep_firing_for: "0s".to_owned(),
        no_data: NoDataPolicy::Nodata,
        on_error: ErrorPolicy::Error,
        notify: vec![
            "desktop".to_owned(),
            "webhook:https://hooks.example.com/T1?token=x".to_owned(),
            "command:/opt/page me".to_owned(),
        ],
    };
    let names = |options: &NotifyOptions| -> Vec<String> {
        notifiers_for(&rule, options)
            .iter()
            .map(|n| n.name())
            .collect()
    };

    // A file not trusted: only the user's own screen is told; no program, no host.
    assert_eq!(names(&NotifyOptions::default()), ["desktop"]);
    let trusted = NotifyOptions {
        trusted: true,
        ..NotifyOptions::default()
    };
    assert_eq!(
        names(&trusted),
        [
            "desktop",
            "webhook:https://hooks.example.com/…",
            "command:/opt/page me"
        ]
    );
    let headless = NotifyOptions {
        desktop: false,
        ..trusted
    };
    assert_eq!(
        names(&headless),
        [
            "webhook:https://hooks.example.com/…",
            "command:/opt/page me"
        ]
    );
}

#[test]
fn run_bounded_gives_up_on_work_that_does_not_finish() {
    let (release, blocked) = sync_channel::<()>(0);

    let gave_up = run_bounded("test-stuck", Duration::from_millis(50), move || {
        blocked.recv().ok()
    });
    let done = run_bounded("test-quick", PATIENCE, || 42);

    assert_eq!(gave_up, None);
    assert_eq!(done, Some(42));
    drop(release);
}

/// Sends a desktop notification in a child test process whose session bus is `bus`; its error.
fn desktop_error_with_bus(bus: &str) -> String {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "alert::notify::tests::desktop_send_in_child",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .env("LAKESIGHT_TEST_DESKTOP", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status = {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!("the desktop notification hung");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    let mut output = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut output).unwrap();
    assert!(status.success(), "{output}");
    output
        .lines()
        .find_map(|line| line.strip_prefix("DESKTOP-ERROR: "))
        .unwrap_or_else(|| panic!("no error reported: {output}"))
        .to_owned()
}

#[test]
#[ignore = "run by the desktop tests in a child process, with a session bus of their choosing"]
fn desktop_send_in_child() {
    if std::env::var_os("LAKESIGHT_TEST_DESKTOP").is_none() {
        return;
    }
    let desktop = Desktop {
        timeout: Duration::from_secs(1),
    };
    let error = desktop.send(&Notice::example()).unwrap_err();
    println!("DESKTOP-ERROR: {error}");
}

#[test]
fn a_desktop_without_a_notification_service_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let bus = format!("unix:path={}", dir.path().join("no-bus").display());

    let error = desktop_error_with_bus(&bus);

    assert!(
        error.starts_with("no desktop notification was shown"),
        "{error}"
    );
}

#[test]
fn a_desktop_bus_that_never_answers_is_an_error_at_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("silent-bus");
    // Connections queue on the listener and are never answered.
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();

    let error = desktop_error_with_bus(&format!("unix:path={}", socket.display()));

    // Given up on at the timeout (1 s in the child), not failed at once for another reason.
    assert!(
        error.starts_with("no desktop notification was shown")
            && error.contains("did not answer within 1s"),
        "{error}"
    );
}
