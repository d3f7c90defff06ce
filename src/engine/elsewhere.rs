//! Where a dashboard's data is when its range holds none: the bundled sample lake ends on
//! 24 November, so a `last 7d` dashboard opened a week later shows "No data" in every tile. The
//! tables its visuals filter by time (`$__timeFilter(col)`) are asked whether the range holds a
//! row (pruned to the range's partitions, one row at most); only when none does is each asked for
//! its newest value of that column, and the range of the same length ending there is offered.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use std::time::Duration;

use datafusion::arrow::array::{Array, Int64Array};
use datafusion::arrow::datatypes::DataType;

use super::macros::time_columns;
use super::{Engine, EngineError, TimeWindow, expand};
use crate::model::dashboard::Dashboard;
use crate::sql::quote_ident;

/// How long the window and `dashboard data` look for where the data is at most (a table without
/// time partitions is read whole for its newest time); past it, nothing is said.
pub const ELSEWHERE_BUDGET: Duration = Duration::from_secs(10);

/// A range that holds no rows of the tables a dashboard reads, though they have rows elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataElsewhere {
    /// The newest time value among those tables.
    pub newest: DateTime<Utc>,
    /// The tables looked at (`schema.table`).
    pub tables: Vec<String>,
}

impl DataElsewhere {
    /// The range as long as `window` that ends at the end of the hour holding the newest data.
    pub fn suggested(&self, window: &TimeWindow) -> (DateTime<Utc>, DateTime<Utc>) {
        let hour = TimeDelta::hours(1);
        let end = self.newest.duration_trunc(hour).unwrap_or(self.newest) + hour;
        (end - (window.to - window.from), end)
    }
}

/// [`data_elsewhere`] within [`ELSEWHERE_BUDGET`]: `None` as well when it takes longer or fails.
pub async fn data_elsewhere_within(
    engine: &Engine,
    dashboard: &Dashboard,
    window: &TimeWindow,
    known: Option<&DataElsewhere>,
) -> Option<DataElsewhere> {
    tokio::time::timeout(
        ELSEWHERE_BUDGET,
        data_elsewhere(engine, dashboard, window, known),
    )
    .await
    .ok()
    .and_then(Result::ok)
    .flatten()
}

/// `None` when `window` holds a row of some table `dashboard` filters by time, or when none of
/// them has a row anywhere (or none is filtered by time); else where their newest data is. With
/// `known` (the answer of a check a moment ago), only the range is looked at again: the tables
/// are not read whole a second time.
pub async fn data_elsewhere(
    engine: &Engine,
    dashboard: &Dashboard,
    window: &TimeWindow,
    known: Option<&DataElsewhere>,
) -> Result<Option<DataElsewhere>, EngineError> {
    let catalog = engine.catalog();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for sql in dashboard.visuals.iter().filter_map(|v| v.sql.as_deref()) {
        for pair in time_columns(sql, &catalog) {
            if !pairs.contains(&pair) {
                pairs.push(pair);
            }
        }
    }
    if pairs.is_empty() {
        return Ok(None);
    }
    for (table, column) in &pairs {
        let probe = format!(
            "SELECT 1 FROM {} WHERE $__timeFilter({}) LIMIT 1",
            quoted_table(table),
            quote_ident(column)
        );
        let Ok(expanded) = expand(&probe, window, &catalog) else {
            return Ok(None);
        };
        let batches = engine.collect(&expanded.sql).await?;
        if batches.iter().any(|b| b.num_rows() > 0) {
            return Ok(None);
        }
    }
    if let Some(known) = known {
        return Ok(Some(known.clone()));
    }
    let mut newest: Option<i64> = None;
    for (table, column) in &pairs {
        // Text times compare as text under `max`: read as timestamps first.
        let is_text = catalog
            .table(table, catalog.default_schema())
            .and_then(|info| info.columns.field_with_name(column).ok().cloned())
            .is_some_and(|field| {
                matches!(
                    field.data_type(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                )
            });
        let value = if is_text {
            format!("to_timestamp({})", quote_ident(column))
        } else {
            quote_ident(column).into_owned()
        };
        let sql = format!(
            "SELECT to_unixtime(max({value})) AS newest FROM {}",
            quoted_table(table)
        );
        // A column that is no time (`to_unixtime` refuses it) says nothing about where data is.
        let Ok(batches) = engine.collect(&sql).await else {
            continue;
        };
        let value = batches.iter().find_map(|batch| {
            let seconds = batch.column(0).as_any().downcast_ref::<Int64Array>()?;
            (!seconds.is_empty() && seconds.is_valid(0)).then(|| seconds.value(0))
        });
        newest = newest.max(value);
    }
    let mut tables: Vec<String> = Vec::new();
    for (table, _) in pairs {
        if !tables.contains(&table) {
            tables.push(table);
        }
    }
    Ok(newest
        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
        .map(|newest| DataElsewhere { newest, tables }))
}

/// `schema.table` with each part quoted where SQL needs it.
fn quoted_table(table: &str) -> String {
    match table.split_once('.') {
        Some((schema, name)) => format!("{}.{}", quote_ident(schema), quote_ident(name)),
        None => quote_ident(table).into_owned(),
    }
}
