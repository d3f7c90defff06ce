//! Runs one dashboard visual: its SQL with the macros expanded for a time window, its parameters
//! bound as typed values, collected up to a row limit; for a KPI that compares with the previous
//! period, the same query over the window just before. Shared by the window and the CLI.

use std::collections::HashMap;

use chrono::TimeDelta;
use datafusion::arrow::array::RecordBatch;
use datafusion::common::ScalarValue;

use super::params::dashboard_value;
use super::{Engine, TimeWindow, expand};
use crate::model::dashboard::{Compare, Dashboard, ParamValue, Visual};

/// Rows of one visual's result kept at most (a visual drawing more is cut, with a note).
pub const MAX_VISUAL_ROWS: usize = 20_000_000;

/// What a visual's queries returned.
#[derive(Clone, Debug, Default)]
pub struct VisualRun {
    /// The SQL run, macros expanded (`None` for a visual without a query).
    pub sql: Option<String>,
    /// The result.
    pub batches: Vec<RecordBatch>,
    /// The result over the previous period (KPIs with `compare = "previous-period"`).
    pub previous: Option<Vec<RecordBatch>>,
    /// Whether the result was cut at the row limit.
    pub cut: bool,
    /// The lake's tables the query read (what a `new-data` refresh watches).
    pub tables: Vec<crate::lake::TableInfo>,
}

/// Why a visual could not be run.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct VisualRunError {
    /// The SQL that failed, macros expanded, if expansion got that far.
    pub sql: Option<String>,
    /// What went wrong.
    pub message: String,
}

/// The typed values of the dashboard's parameters: `values[name]` where set, else the file's
/// default (`None` in `values` is null, meaning "all").
#[expect(
    clippy::implicit_hasher,
    reason = "the values come from the app and the CLI, both with the default hasher"
)]
pub fn bound_params(
    dashboard: &Dashboard,
    values: &HashMap<String, Option<ParamValue>>,
) -> HashMap<String, ScalarValue> {
    dashboard
        .params
        .iter()
        .map(|param| {
            let value = match values.get(&param.name) {
                Some(value) => value.as_ref(),
                None => param.default.as_ref(),
            };
            (param.name.clone(), dashboard_value(param.param_type, value))
        })
        .collect()
}

/// The window of the same length just before `window`.
pub fn previous_window(window: &TimeWindow) -> TimeWindow {
    let length: TimeDelta = window.to - window.from;
    TimeWindow {
        from: window.from - length,
        to: window.from,
        lateness: window.lateness,
    }
}

/// Runs `visual` for `window` with `params` bound, keeping at most `max_rows` rows.
#[expect(
    clippy::implicit_hasher,
    reason = "`Engine::query_with_params` takes the default hasher's map"
)]
pub async fn run_visual(
    engine: &Engine,
    visual: &Visual,
    window: &TimeWindow,
    params: &HashMap<String, ScalarValue>,
    max_rows: usize,
) -> Result<VisualRun, VisualRunError> {
    let Some(sql) = &visual.sql else {
        return Ok(VisualRun::default());
    };
    let catalog = engine.catalog();
    let expanded = expand(sql, window, &catalog).map_err(|err| VisualRunError {
        sql: None,
        message: err.to_string(),
    })?;
    let (batches, cut, tables) = collect(engine, &expanded.sql, params, max_rows)
        .await
        .map_err(|message| VisualRunError {
            sql: Some(expanded.sql.clone()),
            message,
        })?;
    let previous = if visual.compare == Some(Compare::PreviousPeriod) {
        let before =
            expand(sql, &previous_window(window), &catalog).map_err(|err| VisualRunError {
                sql: Some(expanded.sql.clone()),
                message: err.to_string(),
            })?;
        let (batches, _, _) = collect(engine, &before.sql, params, max_rows)
            .await
            .map_err(|message| VisualRunError {
                sql: Some(before.sql.clone()),
                message: format!("the previous period's query failed: {message}"),
            })?;
        Some(batches)
    } else {
        None
    };
    Ok(VisualRun {
        sql: Some(expanded.sql),
        batches,
        previous,
        cut,
        tables,
    })
}

/// `sql` with each `$name` placeholder replaced by `params[name]` written as a SQL literal
/// (strings quoted and escaped), for a query tab the user reads and edits ("View data"). Only
/// placeholder tokens are replaced: a `$name` inside a string literal or comment stays as it is.
/// Dashboards themselves never run this: they bind values.
#[allow(clippy::implicit_hasher)]
pub fn with_values_written(sql: &str, params: &HashMap<String, ScalarValue>) -> String {
    // Only the placeholders' bytes change: every other character (doubled quotes in strings,
    // comments, spacing) stays exactly as written.
    let mut out = String::with_capacity(sql.len());
    let mut copied = 0;
    for (range, name) in crate::sql::text::placeholders(sql) {
        if let Some(value) = params.get(&name) {
            out.push_str(&sql[copied..range.start]);
            out.push_str(&literal(value));
            copied = range.end;
        }
    }
    out.push_str(&sql[copied..]);
    out
}

/// A value as SQL text of the same type as the value bound (a timestamp keeps its zone).
fn literal(value: &ScalarValue) -> String {
    if value.is_null() {
        return "NULL".to_owned();
    }
    match value {
        ScalarValue::Utf8(Some(text)) => format!("'{}'", text.replace('\'', "''")),
        ScalarValue::Date32(_) => format!("DATE '{value}'"),
        ScalarValue::TimestampMicrosecond(Some(micros), zone) => {
            chrono::DateTime::from_timestamp_micros(*micros).map_or_else(
                || value.to_string(),
                |at| {
                    let instant = at.format("%Y-%m-%dT%H:%M:%S%.fZ");
                    match zone {
                        Some(zone) => format!(
                            "TIMESTAMP '{instant}' AT TIME ZONE '{}'",
                            zone.replace('\'', "''")
                        ),
                        None => format!("TIMESTAMP '{instant}'"),
                    }
                },
            )
        }
        other => other.to_string(),
    }
}

/// Runs `sql` and keeps its first `max_rows` rows; `true` when rows were left out; the tables read.
async fn collect(
    engine: &Engine,
    sql: &str,
    params: &HashMap<String, ScalarValue>,
    max_rows: usize,
) -> Result<(Vec<RecordBatch>, bool, Vec<crate::lake::TableInfo>), String> {
    let mut stream = engine
        .query_with_params(sql, params)
        .await
        .map_err(|e| e.to_string())?;
    let tables = stream.tables().to_vec();
    let mut batches = Vec::new();
    let mut rows = 0;
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(|e| e.to_string())?;
        let room = max_rows - rows;
        if batch.num_rows() >= room {
            let cut = batch.num_rows() > room;
            batches.push(batch.slice(0, room));
            return Ok((batches, cut || stream.next().await.is_some(), tables));
        }
        rows += batch.num_rows();
        batches.push(batch);
    }
    Ok((batches, false, tables))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_as_literals_only_in_place_of_placeholders() {
        let params = HashMap::from([
            (
                "country".to_owned(),
                ScalarValue::Utf8(Some("x' OR '1'='1".into())),
            ),
            ("limit".to_owned(), ScalarValue::Float64(None)),
        ]);
        let sql = "SELECT '$country' AS t FROM o WHERE c = $country AND ($limit IS NULL)";
        assert_eq!(
            with_values_written(sql, &params),
            "SELECT '$country' AS t FROM o WHERE c = 'x'' OR ''1''=''1' AND (NULL IS NULL)"
        );
    }
}
