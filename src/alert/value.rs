//! The value an alert watches: the last point of a visual's first series (a KPI's or gauge's value,
//! a line's last point).

use super::Evaluation;
use crate::series::visual::VisualData;

/// What a visual's run (its data, or why it failed) gives its alerts.
pub fn evaluation_of(run: Result<&VisualData, &str>) -> Evaluation {
    let data = match run {
        Ok(data) => data,
        Err(message) => return Evaluation::Error(message.to_owned()),
    };
    let value = match data {
        VisualData::Kpi(kpi) => kpi.value,
        VisualData::Gauge(gauge) => gauge.value,
        VisualData::Xy(xy) => xy
            .series
            .first()
            .and_then(|series| series.value(series.xs.len().checked_sub(1)?)),
        _ => None,
    };
    value
        .filter(|value| value.is_finite())
        .map_or(Evaluation::NoData, Evaluation::Value)
}

/// As [`evaluation_of`], and, when `visual` has an `anomalous` rule, whether its line's last
/// complete point (its bucket over by `now`) falls outside the band the visual's own model
/// expects there (at the visual's `anomaly_level`).
pub fn evaluation_for(
    visual: &crate::model::dashboard::Visual,
    run: Result<&VisualData, &str>,
    now: chrono::DateTime<chrono::Utc>,
    anomalous_rules: bool,
) -> Evaluation {
    let evaluation = evaluation_of(run);
    let (Evaluation::Value(value), true, Ok(VisualData::Xy(xy))) =
        (&evaluation, anomalous_rules, run)
    else {
        return evaluation;
    };
    match last_complete_is_anomalous(visual, xy, now) {
        Some(anomalous) => Evaluation::Point(*value, anomalous),
        None => evaluation,
    }
}

/// The history an `anomalous` rule's model is fitted on: the rule's window, widened to at least
/// [`ANOMALY_HISTORY`] before its end (two weeks of hours: daily and weekly periods).
pub fn anomaly_history(
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    from.min(to - ANOMALY_HISTORY)
}

/// How far back an `anomalous` rule looks, at least.
pub const ANOMALY_HISTORY: chrono::TimeDelta = chrono::TimeDelta::days(14);

/// Whether the first series' last complete point is anomalous (`None`: no model could say).
fn last_complete_is_anomalous(
    visual: &crate::model::dashboard::Visual,
    xy: &crate::series::visual::XyData,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<bool> {
    let series = xy.series.first()?;
    let points: Vec<(f64, f64)> = (0..series.xs.len())
        .filter_map(|i| series.value(i).map(|v| (series.xs[i], v)))
        .collect();
    let grid = crate::insights::model::Grid::of(&points)?;
    let now = now.timestamp_millis() as f64 / 1000.0;
    let last = points
        .iter()
        .map(|(x, _)| *x)
        .filter(|x| x + grid.step <= now)
        .max_by(f64::total_cmp)?;
    let mut probe = visual.clone();
    probe.anomalies = true;
    probe.forecast = None;
    let named = xy.series.len() > 1 || visual.series.is_some();
    let found = crate::insights::for_visual(&probe, xy);
    if found.models.is_empty() {
        return None;
    }
    Some(found.anomalies.iter().flatten().any(|a| {
        (a.x - last).abs() < grid.step / 2.0 && (!named || a.series.as_ref() == Some(&series.name))
    }))
}
