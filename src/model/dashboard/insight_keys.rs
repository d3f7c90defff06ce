//! The insight keys of a visual: `forecast` and `forecast_level`, `anomalies` and
//! `anomaly_level` (line and area visuals), `drivers` (a KPI with `compare`), their defaults and
//! their checks.

use std::time::Duration;

use super::time::parse_duration;
use super::visual::{Visual, VisualKind};

/// The forecast's prediction interval when `forecast_level` is absent.
pub const DEFAULT_FORECAST_LEVEL: f64 = 0.95;

/// The expected band's level for anomalies when `anomaly_level` is absent.
pub const DEFAULT_ANOMALY_LEVEL: f64 = 0.99;

/// The levels a file may ask for.
const LEVELS: std::ops::RangeInclusive<f64> = 0.5..=0.999;

/// The most a forecast may look ahead.
const LONGEST_HORIZON: Duration = Duration::from_hours(24 * 366);

impl Visual {
    /// How far ahead it forecasts (`None`: no forecast, or `forecast` is not a duration).
    pub fn forecast_horizon(&self) -> Option<Duration> {
        self.forecast
            .as_deref()
            .and_then(parse_duration)
            .filter(|d| !d.is_zero())
    }

    /// The forecast's prediction interval.
    pub fn forecast_level(&self) -> f64 {
        self.forecast_level.unwrap_or(DEFAULT_FORECAST_LEVEL)
    }

    /// The level of the band outside which a point is anomalous.
    pub fn anomaly_level(&self) -> f64 {
        self.anomaly_level.unwrap_or(DEFAULT_ANOMALY_LEVEL)
    }

    /// Whether it asks for any insight that fits a model to its series.
    pub fn fits_a_model(&self) -> bool {
        self.forecast.is_some() || self.anomalies
    }
}

/// The problems of `visual`'s insight keys.
pub fn problems(visual: &Visual) -> Vec<String> {
    let mut problems = Vec::new();
    let series_kind = matches!(visual.kind, VisualKind::Line | VisualKind::Area);
    let kind = format!("{:?}", visual.kind).to_lowercase();
    if let Some(text) = &visual.forecast {
        if !series_kind {
            problems.push(format!(
                "`forecast` draws ahead of a `line` or `area` visual, and this is a `{kind}`"
            ));
        }
        match parse_duration(text) {
            Some(span) if !span.is_zero() && span <= LONGEST_HORIZON => {}
            Some(span) if span > LONGEST_HORIZON => {
                problems.push(format!("`forecast` \"{text}\" looks ahead more than 366d"));
            }
            _ => problems.push(format!(
                "`forecast` \"{text}\" is not a duration: write how far ahead, `<n><s|m|h|d>` such as `24h`"
            )),
        }
    }
    if visual.forecast_level.is_some() && visual.forecast.is_none() {
        problems.push("`forecast_level` applies to a `forecast`: add `forecast = \"24h\"`".into());
    }
    if visual.anomalies && !series_kind {
        problems.push(format!(
            "`anomalies` marks points of a `line` or `area` visual, and this is a `{kind}`"
        ));
    }
    if visual.anomaly_level.is_some() && !visual.anomalies {
        problems.push("`anomaly_level` applies to `anomalies = true`".into());
    }
    for (key, level) in [
        ("forecast_level", visual.forecast_level),
        ("anomaly_level", visual.anomaly_level),
    ] {
        if let Some(level) = level
            && !LEVELS.contains(&level)
        {
            problems.push(format!(
                "`{key}` {level} must be between 0.5 and 0.999 (0.95 is a 95% band)"
            ));
        }
    }
    if !visual.drivers.is_empty() {
        if visual.kind != VisualKind::Kpi {
            problems.push(format!(
                "`drivers` explains a `kpi`'s change, and this is a `{kind}`"
            ));
        } else if visual.compare.is_none() {
            problems.push(
                "`drivers` explains the change against `compare`: add `compare = \"previous_period\"`"
                    .into(),
            );
        }
        if let Some(bad) = visual.drivers.iter().find(|d| d.trim().is_empty()) {
            problems.push(format!(
                "`drivers` names a column `{bad}`: names cannot be empty"
            ));
        }
    }
    problems
}
