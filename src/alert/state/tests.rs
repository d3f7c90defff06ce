use chrono::TimeDelta;

use super::*;

fn rule(extra: &str) -> AlertRule {
    let text =
        format!("id = \"r\"\nvisual = \"v\"\ncondition = \"above\"\nthreshold = 10.0\n{extra}");
    toml::from_str(&text).unwrap()
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
}

/// Feeds `steps` (seconds, evaluation) and returns the state after each.
fn run(rule: &AlertRule, steps: &[(i64, Evaluation)]) -> Vec<AlertState> {
    let mut state = RuleState::new(at(0));
    steps
        .iter()
        .map(|(seconds, evaluation)| {
            state.evaluate(rule, evaluation, at(*seconds));
            state.state
        })
        .collect()
}

use AlertState::{Error as Err, Firing, NoData, Normal, Pending, Recovering};
use Evaluation::Value;

#[test]
fn with_no_pending_period_the_alert_fires_at_once_and_clears_at_once() {
    let states = run(
        &rule(""),
        &[(0, Value(5.0)), (10, Value(11.0)), (20, Value(9.0))],
    );
    assert_eq!(states, [Normal, Firing, Normal]);
}

#[test]
fn pending_fires_only_after_the_condition_held_for_its_period() {
    let rule = rule("for = \"5m\"");
    let states = run(
        &rule,
        &[
            (0, Value(11.0)),
            (240, Value(12.0)),
            (300, Value(12.0)),
            (360, Value(13.0)),
        ],
    );
    assert_eq!(states, [Pending, Pending, Firing, Firing]);
}

#[test]
fn the_deadline_is_when_pending_fires_or_recovering_ends_without_new_data() {
    let rule = rule("for = \"5m\"\nkeep_firing_for = \"2m\"");
    let mut state = RuleState::new(at(0));
    assert_eq!(state.deadline(&rule), None, "normal: nothing to wait for");
    state.evaluate(&rule, &Value(11.0), at(10));
    assert_eq!(state.deadline(&rule), Some(at(310)));
    // Evaluated again at the deadline with the same value: it fires.
    state.evaluate(&rule, &Value(11.0), at(310));
    assert_eq!((state.state, state.deadline(&rule)), (Firing, None));
    state.evaluate(&rule, &Value(1.0), at(400));
    assert_eq!(
        (state.state, state.deadline(&rule)),
        (Recovering, Some(at(520)))
    );
    state.evaluate(&rule, &Value(1.0), at(520));
    assert_eq!(state.state, Normal);
}

#[test]
fn pending_goes_back_to_normal_when_the_condition_clears() {
    let rule = rule("for = \"5m\"");
    let states = run(
        &rule,
        &[(0, Value(11.0)), (60, Value(1.0)), (120, Value(11.0))],
    );
    assert_eq!(states, [Pending, Normal, Pending]);
}

#[test]
fn keep_firing_for_recovers_then_returns_to_normal_or_fires_again() {
    let rule = rule("keep_firing_for = \"2m\"");
    let states = run(
        &rule,
        &[
            (0, Value(11.0)),
            (10, Value(1.0)),
            (70, Value(11.0)),
            (80, Value(1.0)),
            (150, Value(1.0)),
            (200, Value(1.0)),
        ],
    );
    assert_eq!(
        states,
        [Firing, Recovering, Firing, Recovering, Recovering, Normal]
    );
}

#[test]
fn no_data_follows_the_rule_s_policy() {
    let nodata = [(0, Value(11.0)), (10, Evaluation::NoData), (20, Value(1.0))];
    assert_eq!(run(&rule(""), &nodata), [Firing, NoData, Normal]);
    assert_eq!(
        run(&rule("no_data = \"normal\""), &nodata),
        [Firing, Normal, Normal]
    );
    assert_eq!(
        run(&rule("no_data = \"firing\""), &[(0, Evaluation::NoData)]),
        [Firing]
    );
    assert_eq!(
        run(&rule("no_data = \"keep\""), &nodata),
        [Firing, Firing, Normal]
    );
}

#[test]
fn errors_follow_the_rule_s_policy() {
    let failing = [
        (0, Value(11.0)),
        (10, Evaluation::Error("boom".into())),
        (20, Value(11.0)),
    ];
    assert_eq!(run(&rule(""), &failing), [Firing, Err, Firing]);
    assert_eq!(
        run(&rule("on_error = \"keep\""), &failing),
        [Firing, Firing, Firing]
    );
    assert_eq!(
        run(
            &rule("on_error = \"firing\""),
            &[(0, Evaluation::Error("boom".into()))]
        ),
        [Firing]
    );
    // From Error, a value below the threshold is Normal again.
    assert_eq!(
        run(
            &rule(""),
            &[(0, Evaluation::Error("x".into())), (5, Value(1.0))]
        ),
        [Err, Normal]
    );
}

#[test]
fn ranges_and_changes_compare_as_documented() {
    let outside = rule("").clone();
    let outside = AlertRule {
        condition: Condition::Outside,
        threshold: Some(AlertThreshold::Range([1.0, 2.0])),
        ..outside
    };
    assert_eq!(
        run(
            &outside,
            &[(0, Value(1.5)), (1, Value(2.5)), (2, Value(0.5))]
        ),
        [Normal, Firing, Firing]
    );
    let inside = AlertRule {
        condition: Condition::Inside,
        ..outside
    };
    assert_eq!(
        run(&inside, &[(0, Value(1.5)), (1, Value(2.5))]),
        [Firing, Normal]
    );
    // change-above 10: a rise of more than 10% on the previous value.
    let change = AlertRule {
        condition: Condition::ChangeAbove,
        threshold: Some(AlertThreshold::Value(10.0)),
        ..rule("")
    };
    assert_eq!(
        run(
            &change,
            &[
                (0, Value(100.0)),
                (1, Value(105.0)),
                (2, Value(120.0)),
                (3, Value(121.0))
            ]
        ),
        [Normal, Normal, Firing, Normal]
    );
    let drop = AlertRule {
        condition: Condition::ChangeBelow,
        ..change
    };
    assert_eq!(
        run(&drop, &[(0, Value(100.0)), (1, Value(80.0))]),
        [Normal, Firing]
    );
}

#[test]
fn a_transition_says_what_changed_when_and_on_which_value() {
    let rule = rule("");
    let mut state = RuleState::new(at(0));
    assert_eq!(
        state.evaluate(&rule, &Value(5.0), at(1)),
        None,
        "no change, nothing said"
    );
    let fired = state.evaluate(&rule, &Value(12.5), at(2)).unwrap();
    assert_eq!(
        fired,
        Transition {
            previous: Normal,
            state: Firing,
            value: Some(12.5),
            at: at(2)
        }
    );
    assert_eq!(state.since, at(2));
    assert!(TimeDelta::seconds(2) == state.since - at(0));
}

#[test]
fn an_anomalous_rule_fires_on_an_anomalous_point_and_keeps_its_state_without_a_model() {
    let anomalous = AlertRule {
        condition: Condition::Anomalous,
        threshold: None,
        ..rule("")
    };
    assert_eq!(
        run(
            &anomalous,
            &[
                (0, Evaluation::Point(1.0, false)),
                (1, Evaluation::Point(9.0, true)),
                // No model (a short window): the state stays.
                (2, Value(1.0)),
                (3, Evaluation::Point(1.0, false)),
            ]
        ),
        [Normal, Firing, Firing, Normal]
    );
}
