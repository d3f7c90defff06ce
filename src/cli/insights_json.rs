//! The insight keys `dashboard data` adds to a visual: `forecast`, `anomalies` and `drivers`
//! (each present when the visual asks for it, `[]` when nothing was found) and `notes` (why
//! something asked for is not there).

use datafusion::arrow::array::RecordBatch;
use serde_json::{Map, Value, json};

use crate::engine::drivers::Driver;
use crate::insights::Insights;
use crate::model::dashboard::Visual;
use crate::series::visual::{VisualData, XKind, prepare};

/// The insights `visual` asks for on its result `batches`; `drivers` are the KPI's, computed by
/// the caller (they need more queries).
pub fn fields(
    visual: &Visual,
    batches: &[RecordBatch],
    drivers: Option<Result<Vec<Driver>, String>>,
) -> Map<String, Value> {
    let mut out = Map::new();
    let asks = visual.fits_a_model() || !visual.drivers.is_empty();
    if !asks {
        return out;
    }
    let mut notes = Vec::new();
    if visual.fits_a_model() {
        let (found, time) = match prepare(visual, batches, None) {
            Ok(VisualData::Xy(data)) => (
                crate::insights::for_visual(visual, &data),
                matches!(data.x_kind, XKind::Time | XKind::Date),
            ),
            Ok(_) => (Insights::default(), false),
            Err(err) => {
                notes.push(format!("no forecast or anomalies: {err}"));
                (Insights::default(), false)
            }
        };
        let x = |seconds: f64| -> Value {
            if time {
                chrono::DateTime::from_timestamp_millis((seconds * 1000.0).round() as i64)
                    .map_or(Value::Null, |t| {
                        json!(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                    })
            } else {
                json!(seconds)
            }
        };
        if visual.forecast.is_some() {
            let points: Vec<Value> = found
                .forecast
                .iter()
                .flatten()
                .map(|p| json!({"x": x(p.x), "series": p.series, "value": p.value, "lower": p.lower, "upper": p.upper}))
                .collect();
            out.insert("forecast".into(), Value::Array(points));
        }
        if visual.anomalies {
            let points: Vec<Value> = found
                .anomalies
                .iter()
                .flatten()
                .map(|p| json!({"x": x(p.x), "series": p.series, "value": p.value, "expected": p.expected, "lower": p.lower, "upper": p.upper}))
                .collect();
            out.insert("anomalies".into(), Value::Array(points));
        }
        if !found.models.is_empty() {
            out.insert("models".into(), json!(found.models));
        }
        notes.extend(found.notes);
    }
    if !visual.drivers.is_empty() {
        let rows = match drivers {
            Some(Ok(rows)) => rows,
            Some(Err(why)) => {
                notes.push(format!("no drivers: {why}"));
                Vec::new()
            }
            None => Vec::new(),
        };
        let rows: Vec<Value> = rows
            .iter()
            .map(|d| json!({"dimension": d.dimension, "value": d.value, "current": d.current, "previous": d.previous, "change": d.change}))
            .collect();
        out.insert("drivers".into(), Value::Array(rows));
    }
    out.insert("notes".into(), json!(notes));
    out
}
