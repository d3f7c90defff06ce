//! One `[[alerts]]` entry of a dashboard file: a threshold rule on a KPI, gauge or line visual's
//! value (the last point of its first series), with Grafana's pending (`for`) and
//! `keep_firing_for` periods, what no data and errors mean, and where notifications go. Serde
//! types whose key names are the file's contract.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::time::parse_duration;
use super::{VisualKind, is_valid_id};

/// When an alert's condition holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    /// The value is above the threshold.
    Above,
    /// The value is below the threshold.
    Below,
    /// The value is outside `[low, high]`.
    Outside,
    /// The value is inside `[low, high]`.
    Inside,
    /// The value rose by more than the threshold, in percent of the previous value.
    ChangeAbove,
    /// The value fell by more than the threshold, in percent of the previous value.
    ChangeBelow,
    /// The line's last complete point is outside the band its own model expects there (at the
    /// visual's `anomaly_level`); takes no threshold.
    Anomalous,
}

impl Condition {
    /// The condition as the file writes it (`above`, `change-below`…).
    pub fn name(self) -> &'static str {
        match self {
            Self::Above => "above",
            Self::Below => "below",
            Self::Outside => "outside",
            Self::Inside => "inside",
            Self::ChangeAbove => "change-above",
            Self::ChangeBelow => "change-below",
            Self::Anomalous => "anomalous",
        }
    }

    /// Whether the condition compares the change in percent (no line to draw at the threshold).
    pub fn is_change(self) -> bool {
        matches!(self, Self::ChangeAbove | Self::ChangeBelow)
    }

    /// Whether the condition takes a `[low, high]` pair rather than one number.
    pub fn takes_range(self) -> bool {
        matches!(self, Self::Outside | Self::Inside)
    }
}

/// An alert's threshold: one number, or a `[low, high]` pair for `outside` and `inside`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AlertThreshold {
    /// One number.
    Value(f64),
    /// A range.
    Range([f64; 2]),
}

/// What a run without data means for the alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoDataPolicy {
    /// The alert goes to its no-data state (the default).
    #[default]
    Nodata,
    /// As if the condition did not hold.
    Normal,
    /// As if the condition held.
    Firing,
    /// The alert keeps its state.
    Keep,
}

/// What a failed run means for the alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorPolicy {
    /// The alert goes to Error (the default).
    #[default]
    Error,
    /// As if the condition held.
    Firing,
    /// The alert keeps its state.
    Keep,
}

/// One alert rule, as its `[[alerts]]` table says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    /// Unique within the dashboard, `[a-z0-9_-]`.
    pub id: String,
    /// The visual whose value is watched (a kpi, gauge or line).
    pub visual: String,
    /// When the rule's condition holds.
    pub condition: Condition,
    /// The number (or `[low, high]`) the value is compared with; none for `anomalous`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<AlertThreshold>,
    /// How long the condition must hold before the alert fires (`0s`: at once).
    #[serde(default = "zero", rename = "for")]
    pub pending_for: String,
    /// How long the alert stays firing after the condition clears.
    #[serde(default = "zero")]
    pub keep_firing_for: String,
    /// What a run without data means.
    #[serde(default)]
    pub no_data: NoDataPolicy,
    /// What a failed run means.
    #[serde(default)]
    pub on_error: ErrorPolicy,
    /// Where transitions are announced: `desktop`, `webhook:URL`, `command:PROGRAM`.
    #[serde(default)]
    pub notify: Vec<String>,
}

fn zero() -> String {
    "0s".to_owned()
}

/// Where an alert's transitions are announced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notifier {
    /// A desktop notification.
    Desktop,
    /// A JSON document sent to this URL with an HTTP `POST`.
    Webhook(String),
    /// This program, run with the JSON document on its standard input.
    Command(String),
}

impl AlertRule {
    /// The pending period (`for`); zero when it does not parse (a checked rule always parses).
    pub fn pending(&self) -> Duration {
        parse_duration(&self.pending_for).unwrap_or_default()
    }

    /// The `keep_firing_for` period.
    pub fn keep_firing(&self) -> Duration {
        parse_duration(&self.keep_firing_for).unwrap_or_default()
    }

    /// The notifiers, in order (unknown entries are refused when the file is read).
    pub fn notifiers(&self) -> Vec<Notifier> {
        self.notify.iter().filter_map(|n| notifier(n)).collect()
    }

    /// Every problem of this rule, given the kind of the visual it names (`None`: no such visual).
    pub fn problems(&self, visual_kind: Option<VisualKind>) -> Vec<String> {
        let mut problems = Vec::new();
        if !is_valid_id(&self.id) {
            problems.push(format!(
                "id `{}` may only use lowercase letters, digits, `_` and `-`",
                self.id
            ));
        }
        match visual_kind {
            None => problems.push(format!(
                "`visual` names `{}`, which is not a visual of the dashboard",
                self.visual
            )),
            Some(VisualKind::Kpi | VisualKind::Gauge | VisualKind::Line) => {}
            Some(_) => problems.push(format!(
                "`visual` `{}` is not a kpi, gauge or line visual: an alert watches one of those",
                self.visual
            )),
        }
        let finite = match self.threshold {
            None => true,
            Some(AlertThreshold::Value(value)) => value.is_finite(),
            Some(AlertThreshold::Range([low, high])) => low.is_finite() && high.is_finite(),
        };
        if !finite {
            // `nan` and `inf` would be written to the history as `null`: an unreadable line.
            problems.push("`threshold` must be a finite number (not `nan` or `inf`)".into());
        }
        if self.condition == Condition::Anomalous {
            if self.threshold.is_some() {
                problems.push(
                    "`anomalous` takes no `threshold`: the visual's own model sets the band".into(),
                );
            }
            if visual_kind.is_some_and(|kind| kind != VisualKind::Line) {
                problems.push(format!(
                    "`anomalous` watches a `line` visual's points, and `{}` is not one",
                    self.visual
                ));
            }
        }
        if self.threshold.is_none() && self.condition != Condition::Anomalous {
            problems.push(format!("`{}` needs a `threshold`", self.condition.name()));
        }
        if let Some(threshold) = self.threshold {
            match (self.condition.takes_range(), threshold) {
                (true, AlertThreshold::Value(_)) => {
                    problems.push("`outside` and `inside` take a `[low, high]` threshold".into());
                }
                (false, AlertThreshold::Range(_)) => {
                    problems.push("this condition takes one number as `threshold`".into());
                }
                (true, AlertThreshold::Range([low, high])) if low >= high => {
                    problems.push(format!(
                        "threshold [{low}, {high}] must go from low to high"
                    ));
                }
                _ => {}
            }
        }
        for (key, text) in [
            ("for", &self.pending_for),
            ("keep_firing_for", &self.keep_firing_for),
        ] {
            if parse_duration(text).is_none() {
                problems.push(format!(
                    "`{key}` `{text}` is not a duration: write `0s`, `30s`, `5m`, `1h`"
                ));
            }
        }
        for entry in &self.notify {
            if notifier(entry).is_none() {
                problems.push(format!(
                    "`notify` entry `{entry}` is not `desktop`, `webhook:URL` or `command:PROGRAM`"
                ));
            }
        }
        problems
    }
}

/// A `notify` entry as a notifier.
fn notifier(entry: &str) -> Option<Notifier> {
    if entry == "desktop" {
        return Some(Notifier::Desktop);
    }
    if let Some(url) = entry.strip_prefix("webhook:")
        && (url.starts_with("http://") || url.starts_with("https://"))
    {
        return Some(Notifier::Webhook(url.to_owned()));
    }
    entry
        .strip_prefix("command:")
        .filter(|program| !program.trim().is_empty())
        .map(|program| Notifier::Command(program.to_owned()))
}
