use std::path::Path;

use super::*;
use crate::model::dashboard::Dashboard;

/// A rule whose transitions go to `notify`.
fn rule(notify: &[String]) -> AlertRule {
    let text = "title = \"T\"\n[[visuals]]\nid = \"v\"\nkind = \"kpi\"\nsql = \"SELECT 1 AS x\"\ny = [\"x\"]\nposition = [0, 0, 3, 3]\n\n[[alerts]]\nid = \"a\"\nvisual = \"v\"\ncondition = \"above\"\nthreshold = 0\n";
    AlertRule {
        notify: notify.to_vec(),
        ..Dashboard::parse(text).unwrap().alerts[0].clone()
    }
}

fn notice(previous: AlertState, state: AlertState) -> Notice {
    let mut notice = Notice::example();
    notice.previous = previous;
    notice.state = state;
    notice
}

/// A program that appends the state of each notice it gets to `out`, after `pause` seconds when
/// the notice is a firing one.
fn script(dir: &Path, name: &str, out: &Path, pause: &str) -> String {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nline=$(cat)\ncase \"$line\" in *'\"state\":\"firing\"'*) sleep {pause};; esac\n\
             case \"$line\" in *'\"state\":\"firing\"'*) echo firing;; *) echo normal;; esac >> '{}'\n",
            out.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    format!("command:{}", path.display())
}

fn options() -> NotifyOptions {
    NotifyOptions {
        desktop: false,
        command_timeout: Duration::from_mins(1),
        ..NotifyOptions::default()
    }
}

#[test]
fn a_targets_notices_arrive_in_the_order_they_happened_even_when_one_is_slow() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let slow = script(dir.path(), "slow.sh", &out, "1");
    let history = History::at(dir.path().join("alerts.jsonl"));
    let announcer = Announcer::start(Some(history.clone()), options()).unwrap();
    let rule = rule(&[slow]);
    announcer
        .announce(
            rule.clone(),
            notice(AlertState::Normal, AlertState::Firing),
            true,
        )
        .unwrap();
    announcer
        .announce(rule, notice(AlertState::Firing, AlertState::Normal), true)
        .unwrap();
    assert!(announcer.settle(Duration::from_mins(1)));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "firing\nnormal\n");
    let states: Vec<AlertState> = history.read().unwrap().iter().map(|n| n.state).collect();
    assert_eq!(states, [AlertState::Firing, AlertState::Normal]);
    assert!(announcer.failures().is_empty());
}

#[test]
fn a_stuck_target_delays_neither_the_caller_nor_another_target() {
    let dir = tempfile::tempdir().unwrap();
    let (stuck_out, quick_out) = (dir.path().join("stuck"), dir.path().join("quick"));
    let stuck = script(dir.path(), "stuck.sh", &stuck_out, "600");
    let quick = script(dir.path(), "quick.sh", &quick_out, "0");
    let announcer = Announcer::start(None, options()).unwrap();
    announcer
        .announce(
            rule(&[stuck, quick]),
            notice(AlertState::Normal, AlertState::Firing),
            true,
        )
        .unwrap();
    // `announce` has returned; the quick program is told while the stuck one still runs.
    let deadline = Instant::now() + Duration::from_mins(1);
    while !std::fs::read_to_string(&quick_out).is_ok_and(|t| t == "firing\n") {
        assert!(
            Instant::now() < deadline,
            "the quick target waited for the stuck one"
        );
        thread::sleep(Duration::from_millis(10));
    }
    assert!(announcer.is_busy(), "the stuck program is still running");
    assert!(!stuck_out.exists());
}

#[test]
fn nothing_is_announced_that_the_history_does_not_hold() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let told = script(dir.path(), "told.sh", &out, "0");
    // The history's folder is a file: appending fails.
    std::fs::write(dir.path().join("not-a-folder"), "").unwrap();
    let history = History::at(dir.path().join("not-a-folder/alerts.jsonl"));
    let announcer = Announcer::start(Some(history), options()).unwrap();
    announcer
        .announce(
            rule(&[told]),
            notice(AlertState::Normal, AlertState::Firing),
            true,
        )
        .unwrap();
    assert!(announcer.settle(Duration::from_mins(1)));
    assert!(!out.exists(), "notified although the history failed");
    let failures = announcer.failures();
    assert!(
        failures.iter().any(|f| f.contains("were not sent")),
        "{failures:?}"
    );
}

#[test]
fn an_untrusted_files_programs_are_not_run_and_its_transitions_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let told = script(dir.path(), "told.sh", &out, "0");
    let history = History::at(dir.path().join("alerts.jsonl"));
    let announcer = Announcer::start(Some(history.clone()), options()).unwrap();
    announcer
        .announce(
            rule(&[told]),
            notice(AlertState::Normal, AlertState::Firing),
            false,
        )
        .unwrap();
    assert!(announcer.settle(Duration::from_mins(1)));
    assert!(!out.exists(), "an untrusted file's program ran");
    assert_eq!(history.read().unwrap().len(), 1);
}
