//! One transition, recorded and announced in the order the history promises: appended to the
//! history (synced to disk) first, then sent to the rule's notifiers when it is a transition worth
//! announcing. Shared by the window and `lakesight watch`; blocking, so callers run it off their
//! UI thread or event loop.

use super::{AlertState, History, Notice, NotifyOptions, notifiers_for, send_all};
use crate::model::dashboard::AlertRule;

/// Records `notice` (a transition of `rule`) in `history`, then announces it; returns what failed,
/// one line each, for the caller to report. A failure never stops the rest.
pub fn record_and_announce(
    history: Option<&History>,
    rule: &AlertRule,
    notice: &Notice,
    options: &NotifyOptions,
) -> Vec<String> {
    let mut failures = Vec::new();
    if let Some(history) = history
        && let Err(err) = history.append(notice)
    {
        failures.push(format!("alert {}: {err}", notice.alert));
    }
    if AlertState::announced(notice.previous, notice.state) {
        let notifiers = notifiers_for(rule, options);
        failures.extend(
            send_all(&notifiers, notice)
                .into_iter()
                .map(|failure| format!("alert {}: {failure}", notice.alert)),
        );
    }
    failures
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_transition_is_recorded_and_a_failing_notifier_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::at(dir.path().join("alerts.jsonl"));
        let mut notice = Notice::example();
        let rule = AlertRule {
            notify: vec![format!("command:{}", dir.path().join("missing").display())],
            ..crate::model::dashboard::Dashboard::parse(RULES)
                .unwrap()
                .alerts[0]
                .clone()
        };
        notice.previous = AlertState::Normal;
        notice.state = AlertState::Pending;
        assert!(
            record_and_announce(Some(&history), &rule, &notice, &NotifyOptions::default())
                .is_empty(),
            "pending is recorded, not announced"
        );
        notice.previous = AlertState::Pending;
        notice.state = AlertState::Firing;
        let trusted = NotifyOptions {
            trusted: true,
            ..NotifyOptions::default()
        };
        let failures = record_and_announce(Some(&history), &rule, &notice, &trusted);
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(failures[0].contains("could not start"), "{failures:?}");
        // From a file not trusted the transition is recorded, and the program is not even tried.
        assert!(
            record_and_announce(Some(&history), &rule, &notice, &NotifyOptions::default())
                .is_empty(),
            "an untrusted file's program is held back"
        );
        let states: Vec<AlertState> = history.read().unwrap().iter().map(|n| n.state).collect();
        assert_eq!(
            states,
            [AlertState::Pending, AlertState::Firing, AlertState::Firing]
        );
    }

    const RULES: &str = r#"title = "T"
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
"#;
}
