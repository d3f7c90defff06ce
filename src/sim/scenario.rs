//! Scenario rules: how far each demo metric is pushed from its baseline at a
//! given moment. The live simulator asks by elapsed run time, the sample lake
//! by simulated clock; both read the same `Effects` so the event generators
//! need to know nothing about scenarios.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::SimError;

/// Without a fixed duration the change happens this long after the start,
/// late enough for a dashboard to show a baseline first.
const SWITCH_WITHOUT_DURATION: Duration = Duration::from_secs(20);

/// A storyline the live simulator plays so refresh and alerts have something to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Scenario {
    /// Every metric stays at its baseline.
    #[default]
    Steady,
    /// The `app_logs` error share jumps from ~2% to ~30% and latency rises.
    ErrorSpike,
    /// Order count and order amounts drop by ~70%.
    RevenueDrop,
}

impl Scenario {
    /// Every scenario, in the order a user interface should list them.
    pub const ALL: [Scenario; 3] = [
        Scenario::Steady,
        Scenario::ErrorSpike,
        Scenario::RevenueDrop,
    ];

    /// The name used on the command line and in `FromStr`.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Steady => "steady",
            Scenario::ErrorSpike => "error-spike",
            Scenario::RevenueDrop => "revenue-drop",
        }
    }

    /// One line saying what the scenario does.
    pub fn description(self) -> &'static str {
        match self {
            Scenario::Steady => "all streams stay at their normal baselines",
            Scenario::ErrorSpike => {
                "after a third of the run (or 20 s), app_logs errors rise from ~2% to ~30% and latency climbs"
            }
            Scenario::RevenueDrop => {
                "after a third of the run (or 20 s), order count and order amounts drop by ~70%"
            }
        }
    }

    /// The metric pushes in effect `elapsed` into a run lasting `total` (or open-ended).
    pub(crate) fn effects(self, elapsed: Duration, total: Option<Duration>) -> Effects {
        if !is_after_switch(elapsed, total) {
            return Effects::BASELINE;
        }
        match self {
            Scenario::Steady => Effects::BASELINE,
            Scenario::ErrorSpike => Effects {
                error_share: 0.30,
                latency_factor: 3.0,
                ..Effects::BASELINE
            },
            Scenario::RevenueDrop => Effects {
                order_volume: 0.3,
                order_value: 0.3,
                ..Effects::BASELINE
            },
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scenario {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Scenario::ALL
            .into_iter()
            .find(|scenario| scenario.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| SimError::UnknownScenario { name: s.to_owned() })
    }
}

/// How far each metric is pushed from its baseline at one moment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Effects {
    /// Probability that an `app_logs` record is an ERROR with a 5xx status.
    pub error_share: f64,
    /// Multiplier on `app_logs` latency.
    pub latency_factor: f64,
    /// Multiplier on the number of orders (and the payments that follow them).
    pub order_volume: f64,
    /// Multiplier on order unit prices, hence amounts.
    pub order_value: f64,
    /// 0 = normal fraud levels, 1 = a full fraud burst in payments.
    pub fraud_boost: f64,
}

impl Effects {
    /// Normal operation.
    pub const BASELINE: Effects = Effects {
        error_share: 0.02,
        latency_factor: 1.0,
        order_volume: 1.0,
        order_value: 1.0,
        fraud_boost: 0.0,
    };
}

/// Whether a run has passed the point where its scenario kicks in.
pub(crate) fn is_after_switch(elapsed: Duration, total: Option<Duration>) -> bool {
    let switch = total.map_or(SWITCH_WITHOUT_DURATION, |total| total / 3);
    elapsed >= switch
}

/// The built-in storyline of a sample lake, placed relative to the end of its last hour so a lake
/// generated to end now tells the same stories as the bundled one (which ends 2026-11-25T00:00Z):
/// an `app_logs` error spike from 10 to 7 hours before the end (24 Nov 14:00-17:00) and a payments
/// fraud burst from 46 to 44 hours before it (23 Nov 02:00-04:00).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Story {
    /// When the error spike starts and stops.
    pub error_spike: (DateTime<Utc>, DateTime<Utc>),
    /// When the fraud burst starts and stops.
    pub fraud_burst: (DateTime<Utc>, DateTime<Utc>),
}

impl Story {
    /// The story of a history whose last hour ends at `end`.
    pub fn ending(end: DateTime<Utc>) -> Self {
        let before = |hours| end - TimeDelta::hours(hours);
        Self {
            error_spike: (before(10), before(7)),
            fraud_burst: (before(46), before(44)),
        }
    }

    /// The metric pushes in effect at simulated time `at`.
    pub(crate) fn at(&self, at: DateTime<Utc>) -> Effects {
        let within = |(from, to): (DateTime<Utc>, DateTime<Utc>)| at >= from && at < to;
        let mut effects = Effects::BASELINE;
        if within(self.error_spike) {
            effects.error_share = 0.25;
            effects.latency_factor = 2.5;
        }
        if within(self.fraud_burst) {
            effects.fraud_boost = 1.0;
        }
        effects
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_rejected() {
        for scenario in Scenario::ALL {
            assert_eq!(scenario.to_string().parse::<Scenario>().unwrap(), scenario);
            assert!(!scenario.description().is_empty());
        }
        assert_eq!(
            "Error-Spike".parse::<Scenario>().unwrap(),
            Scenario::ErrorSpike
        );
        let err = "spike".parse::<Scenario>().unwrap_err();
        assert!(err.to_string().contains("'spike'"), "{err}");
    }

    #[test]
    fn error_spike_switches_after_a_third_of_the_run() {
        let total = Some(Duration::from_secs(30));
        let before = Scenario::ErrorSpike.effects(Duration::from_secs(9), total);
        let after = Scenario::ErrorSpike.effects(Duration::from_secs(11), total);
        assert!(before.error_share < 0.05);
        assert!(after.error_share > 0.25);
        assert!(after.latency_factor > before.latency_factor);
        assert!((after.order_volume - 1.0).abs() < f64::EPSILON);
    }

    #[test]
    fn open_ended_runs_switch_after_twenty_seconds() {
        let early = Scenario::RevenueDrop.effects(Duration::from_secs(19), None);
        let late = Scenario::RevenueDrop.effects(Duration::from_secs(21), None);
        assert_eq!(early, Effects::BASELINE);
        assert!(late.order_volume < 0.35 && late.order_value < 0.35);
    }

    #[test]
    fn steady_never_moves() {
        let late = Scenario::Steady.effects(Duration::from_hours(1), Some(Duration::from_mins(1)));
        assert_eq!(late, Effects::BASELINE);
    }

    #[test]
    fn sample_story_has_the_error_spike_and_fraud_burst() {
        use chrono::TimeZone;
        let at = |d, h, m| Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap();
        let story = Story::ending(at(25, 0, 0));
        assert!(story.at(at(24, 15, 30)).error_share > 0.2);
        assert!(story.at(at(24, 14, 0)).error_share > 0.2);
        assert!(story.at(at(24, 13, 59)).error_share < 0.05);
        assert!(story.at(at(24, 17, 0)).error_share < 0.05);
        assert!(story.at(at(23, 3, 10)).fraud_boost > 0.5);
        assert!(story.at(at(23, 4, 0)).fraud_boost < 0.5);
        assert_eq!(story.at(at(22, 12, 0)), Effects::BASELINE);
    }

    #[test]
    fn the_story_moves_with_the_end_of_the_history() {
        use chrono::TimeZone;
        let end = Utc.with_ymd_and_hms(2027, 3, 9, 6, 0, 0).unwrap();
        let story = Story::ending(end);
        assert!(story.at(end - TimeDelta::minutes(9 * 60)).error_share > 0.2);
        assert!(story.at(end - TimeDelta::minutes(45 * 60)).fraud_boost > 0.5);
        assert_eq!(story.at(end - TimeDelta::hours(30)), Effects::BASELINE);
    }
}
