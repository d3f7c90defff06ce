//! What a transition announces and records: one JSON document, the same for the history file,
//! webhooks, `command:` notifiers and `lakesight watch --format ndjson`. Its field names are a
//! contract (scripts read them).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::{AlertState, Transition};
use crate::model::dashboard::{AlertRule, AlertThreshold};

/// One transition of one alert, as announced and recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// The rule's id.
    pub alert: String,
    /// The dashboard's title.
    pub dashboard: String,
    /// The visual the rule watches.
    pub visual: String,
    /// The state entered.
    pub state: AlertState,
    /// The state left.
    pub previous: AlertState,
    /// The value evaluated (`null` with no data or an error).
    pub value: Option<f64>,
    /// The rule's threshold: a number, or `[low, high]` (`null` for `anomalous`).
    pub threshold: Option<AlertThreshold>,
    /// The rule's condition, as the file writes it (`above`, `change-below`…).
    pub condition: String,
    /// When, RFC 3339 in UTC.
    #[serde(with = "rfc3339")]
    pub at: DateTime<Utc>,
    /// The visual's SQL, macros expanded, if it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// Why the run failed, for a transition into Error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Notice {
    /// The notice of `transition` of `rule` on `dashboard` (a title).
    pub fn new(
        dashboard: &str,
        rule: &AlertRule,
        transition: &Transition,
        sql: Option<String>,
        error: Option<String>,
    ) -> Self {
        Self {
            alert: rule.id.clone(),
            dashboard: dashboard.to_owned(),
            visual: rule.visual.clone(),
            state: transition.state,
            previous: transition.previous,
            value: transition.value,
            threshold: rule.threshold,
            condition: rule.condition.name().to_owned(),
            at: transition.at,
            sql,
            error,
        }
    }

    /// The notice as one line of JSON (no newline).
    pub fn to_json_line(&self) -> String {
        // A struct of strings, numbers and enums always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A one-line summary for people: `error-rate firing (0.24 above 0.1) at 2026-11-24T10:00:00Z`.
    pub fn summary(&self) -> String {
        let value = self
            .value
            .map_or_else(|| "no value".to_owned(), |value| format!("{value}"));
        let threshold = match self.threshold {
            Some(AlertThreshold::Value(value)) => format!(" {value}"),
            Some(AlertThreshold::Range([low, high])) => format!(" [{low}, {high}]"),
            None => String::new(),
        };
        let mut line = format!(
            "{} {} (was {}): {value}, {}{threshold}, at {}",
            self.alert,
            self.state.name(),
            self.previous.name(),
            self.condition,
            self.at.to_rfc3339_opts(SecondsFormat::Secs, true)
        );
        if let Some(error) = &self.error {
            line.push_str(": ");
            line.push_str(error);
        }
        line
    }
}

impl AlertState {
    /// The state as the JSON and the file write it (`normal`, `nodata`…).
    pub fn name(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Pending => "pending",
            Self::Firing => "firing",
            Self::Recovering => "recovering",
            Self::NoData => "nodata",
            Self::Error => "error",
        }
    }

    /// Whether the alert counts as firing (Firing, or Recovering within `keep_firing_for`).
    pub fn is_firing(self) -> bool {
        matches!(self, Self::Firing | Self::Recovering)
    }

    /// Whether a transition into this state, or out of it, is announced.
    pub fn announced(previous: Self, state: Self) -> bool {
        state == Self::Firing && !previous.is_firing()
            || previous.is_firing() && !state.is_firing()
            || matches!(state, Self::NoData | Self::Error)
    }
}

mod rfc3339 {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|at| at.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
impl Notice {
    /// The error-rate alert of the app-health dashboard going Pending -> Firing, for tests.
    pub(crate) fn example() -> Self {
        Self {
            alert: "error-rate".to_owned(),
            dashboard: "App health".to_owned(),
            visual: "error_rate".to_owned(),
            state: AlertState::Firing,
            previous: AlertState::Pending,
            value: Some(0.24),
            threshold: Some(AlertThreshold::Value(0.1)),
            condition: "above".to_owned(),
            at: DateTime::parse_from_rfc3339("2026-11-24T10:05:00Z")
                .map(|at| at.with_timezone(&Utc))
                .unwrap_or_default(),
            sql: Some("SELECT avg(is_error) AS error_rate FROM app_logs".to_owned()),
            error: None,
        }
    }
}
