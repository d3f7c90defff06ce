//! One rule's state and how an evaluation moves it.
//!
//! - Normal: the condition holds -> Pending (Firing at once when `for` is 0s).
//! - Pending: it held for `for` -> Firing; it stopped holding -> Normal.
//! - Firing: it stopped holding -> Recovering (Normal at once when `keep_firing_for` is 0s).
//! - Recovering: it holds again -> Firing; it stayed clear for `keep_firing_for` -> Normal.
//! - No data: the no-data state (`no_data = "nodata"`), as if clear (`normal`), as if holding (`firing`), or
//!   no change (`keep`). An error: Error (`on_error = "error"`), as if holding (`firing`), or no
//!   change (`keep`). From the no-data or error state, the next value starts again as from Normal.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::dashboard::{AlertRule, AlertThreshold, Condition, ErrorPolicy, NoDataPolicy};

/// Where a rule stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    /// The condition does not hold.
    Normal,
    /// The condition holds, for less than `for` so far.
    Pending,
    /// The alert fires.
    Firing,
    /// The condition cleared, for less than `keep_firing_for` so far: still firing.
    Recovering,
    /// The visual returned no value.
    NoData,
    /// The visual's run failed.
    Error,
}

/// What one run of the watched visual gave.
#[derive(Clone, Debug, PartialEq)]
pub enum Evaluation {
    /// Its value (the last point of its first series).
    Value(f64),
    /// Its value, and whether its last complete point is anomalous (for `anomalous` rules).
    Point(f64, bool),
    /// No value.
    NoData,
    /// The run failed, with why.
    Error(String),
}

/// A change of state, to record and announce.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    /// The state before.
    pub previous: AlertState,
    /// The state now.
    pub state: AlertState,
    /// The value evaluated, if there was one.
    pub value: Option<f64>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A rule's state between evaluations.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleState {
    /// Where it stands.
    pub state: AlertState,
    /// When it entered its state.
    pub since: DateTime<Utc>,
    /// The last value seen (for `change-above` and `change-below`).
    pub last_value: Option<f64>,
}

impl RuleState {
    /// A rule that starts Normal at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            state: AlertState::Normal,
            since: now,
            last_value: None,
        }
    }

    /// Evaluates `rule` on `evaluation` at `now`; returns the transition, if the state changed.
    pub fn evaluate(
        &mut self,
        rule: &AlertRule,
        evaluation: &Evaluation,
        now: DateTime<Utc>,
    ) -> Option<Transition> {
        let (holds, value) = match evaluation {
            // Without the visual's model (too little history, or a run that did not fit one), an
            // `anomalous` rule keeps its state.
            Evaluation::Value(value) if rule.condition == Condition::Anomalous => {
                self.last_value = Some(*value);
                (None, Some(*value))
            }
            Evaluation::Value(value) => {
                let holds = holds(rule, *value, self.last_value);
                self.last_value = Some(*value);
                (Some(holds), Some(*value))
            }
            Evaluation::Point(value, anomalous) => {
                let holds = if rule.condition == Condition::Anomalous {
                    *anomalous
                } else {
                    holds(rule, *value, self.last_value)
                };
                self.last_value = Some(*value);
                (Some(holds), Some(*value))
            }
            Evaluation::NoData => match rule.no_data {
                NoDataPolicy::Nodata => return self.enter(AlertState::NoData, None, now),
                NoDataPolicy::Normal => (Some(false), None),
                NoDataPolicy::Firing => (Some(true), None),
                NoDataPolicy::Keep => (None, None),
            },
            Evaluation::Error(_) => match rule.on_error {
                ErrorPolicy::Error => return self.enter(AlertState::Error, None, now),
                ErrorPolicy::Firing => (Some(true), None),
                ErrorPolicy::Keep => (None, None),
            },
        };
        let holds = holds?;
        let held_for = |since: DateTime<Utc>, period: Duration| {
            (now - since).to_std().unwrap_or_default() >= period
        };
        let next = match (self.state, holds) {
            (AlertState::Normal | AlertState::NoData | AlertState::Error, true) => {
                if rule.pending().is_zero() {
                    AlertState::Firing
                } else {
                    AlertState::Pending
                }
            }
            (
                AlertState::Normal | AlertState::NoData | AlertState::Error | AlertState::Pending,
                false,
            ) => AlertState::Normal,
            (AlertState::Pending, true) if held_for(self.since, rule.pending()) => {
                AlertState::Firing
            }
            (AlertState::Pending, true) => AlertState::Pending,
            (AlertState::Firing | AlertState::Recovering, true) => AlertState::Firing,
            (AlertState::Firing, false) if rule.keep_firing().is_zero() => AlertState::Normal,
            (AlertState::Recovering, false) if held_for(self.since, rule.keep_firing()) => {
                AlertState::Normal
            }
            (AlertState::Firing | AlertState::Recovering, false) => AlertState::Recovering,
        };
        self.enter(next, value, now)
    }

    /// When the state next changes by time alone (Pending becomes Firing once `for` has passed,
    /// Recovering becomes Normal once `keep_firing_for` has), if the condition stays as it is:
    /// when to evaluate again even if no new data arrives.
    pub fn deadline(&self, rule: &AlertRule) -> Option<DateTime<Utc>> {
        let period = match self.state {
            AlertState::Pending => rule.pending(),
            AlertState::Recovering => rule.keep_firing(),
            _ => return None,
        };
        chrono::TimeDelta::from_std(period)
            .ok()
            .and_then(|period| self.since.checked_add_signed(period))
    }

    fn enter(
        &mut self,
        state: AlertState,
        value: Option<f64>,
        now: DateTime<Utc>,
    ) -> Option<Transition> {
        if state == self.state {
            return None;
        }
        let previous = self.state;
        self.state = state;
        self.since = now;
        Some(Transition {
            previous,
            state,
            value,
            at: now,
        })
    }
}

/// Whether `value` meets the rule's condition (`previous`: the value before, for changes).
fn holds(rule: &AlertRule, value: f64, previous: Option<f64>) -> bool {
    let change = || {
        previous
            .filter(|p| *p != 0.0)
            .map(|p| (value - p) / p.abs() * 100.0)
    };
    match (rule.condition, rule.threshold) {
        (Condition::Above, Some(AlertThreshold::Value(t))) => value > t,
        (Condition::Below, Some(AlertThreshold::Value(t))) => value < t,
        (Condition::Outside, Some(AlertThreshold::Range([low, high]))) => {
            value < low || value > high
        }
        (Condition::Inside, Some(AlertThreshold::Range([low, high]))) => {
            value >= low && value <= high
        }
        (Condition::ChangeAbove, Some(AlertThreshold::Value(t))) => change().is_some_and(|c| c > t),
        (Condition::ChangeBelow, Some(AlertThreshold::Value(t))) => {
            change().is_some_and(|c| c < -t)
        }
        // Without the visual's model (too little history), nothing is anomalous.
        // A rule whose threshold does not fit its condition is refused when the file is read.
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
