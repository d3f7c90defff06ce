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
