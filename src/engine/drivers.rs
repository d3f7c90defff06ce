//! "Why did it change?": a KPI's value broken down by a column for the current and the previous
//! period, and the values of that column whose contribution changed most. The KPI's own SQL is
//! rewritten to group by the column (same table, filters, macros and parameters), which is right
//! only for an additive value (a sum or a count), so anything else is refused with a reason.

use std::collections::HashMap;

use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::sql::sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, Ident, SelectItem, SetExpr,
    Statement,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;

use super::dashboard::previous_window;
use super::{Engine, TimeWindow, expand};
use crate::model::dashboard::Visual;

/// Contributors kept per column.
pub const TOP: usize = 5;

pub use crate::model::Driver;

/// `sql` (one `SELECT`) rewritten to return `dimension` and the KPI's `y` expression per value
/// of the column `dimension`; an error says why it cannot be (not a plain `SELECT`, `y` not
/// found, or not a sum or a count).
pub fn grouped_by(sql: &str, y: &str, dimension: &str) -> Result<String, String> {
    let mut statements = Parser::parse_sql(&GenericDialect {}, sql)
        .map_err(|e| format!("cannot read the SQL: {e}"))?;
    let [Statement::Query(query)] = statements.as_mut_slice() else {
        return Err("`drivers` needs the KPI's SQL to be one SELECT".to_owned());
    };
    let SetExpr::Select(select) = query.body.as_mut() else {
        return Err("`drivers` needs the KPI's SQL to be a plain SELECT (no UNION)".to_owned());
    };
    let value = select
        .projection
        .iter()
        .find_map(|item| match item {
            SelectItem::ExprWithAlias { expr, alias } if alias.value == y => Some(expr.clone()),
            SelectItem::UnnamedExpr(expr) if expr.to_string() == y => Some(expr.clone()),
            _ => None,
        })
        .ok_or_else(|| format!("`drivers`: the SQL selects no column `{y}` to break down"))?;
    if !is_additive(&value) {
        return Err(format!(
            "`drivers` breaks a sum or a count down by column, and `{y}` is `{value}`: \
             its parts do not add up to it"
        ));
    }
    let column = Expr::Identifier(Ident::with_quote('"', dimension));
    select.projection = vec![
        SelectItem::ExprWithAlias {
            expr: column.clone(),
            alias: Ident::new("dimension"),
        },
        SelectItem::ExprWithAlias {
            expr: value,
            alias: Ident::new("value"),
        },
    ];
    select.group_by = GroupByExpr::Expressions(vec![column], Vec::new());
    select.having = None;
    select.distinct = None;
    query.order_by = None;
    query.limit_clause = None;
    query.fetch = None;
    Ok(query.to_string())
}

/// Whether `expr` is a sum or a count (not of distinct values), possibly rounded or cast.
fn is_additive(expr: &Expr) -> bool {
    match expr {
        Expr::Nested(inner) | Expr::Cast { expr: inner, .. } => is_additive(inner),
        Expr::Function(function) => {
            let name = function.name.to_string().to_lowercase();
            let FunctionArguments::List(list) = &function.args else {
                return false;
            };
            match name.as_str() {
                "sum" | "count" => list.duplicate_treatment.is_none(),
                "round" | "coalesce" => match list.args.first() {
                    Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(inner))) => is_additive(inner),
                    _ => false,
                },
                _ => false,
            }
        }
        _ => false,
    }
}

/// The drivers of `visual`'s change between `window` and the period before, the largest changes
/// first, [`TOP`] per column, columns in the order the file names them.
#[expect(
    clippy::implicit_hasher,
    reason = "`Engine::query_with_params` takes the default hasher's map"
)]
pub async fn drivers(
    engine: &Engine,
    visual: &Visual,
    window: &TimeWindow,
    params: &HashMap<String, ScalarValue>,
) -> Result<Vec<Driver>, String> {
    let (Some(sql), Some(y)) = (&visual.sql, visual.y.first()) else {
        return Ok(Vec::new());
    };
    let catalog = engine.catalog();
    let current = expand(sql, window, &catalog).map_err(|e| e.to_string())?;
    let before = expand(sql, &previous_window(window), &catalog).map_err(|e| e.to_string())?;
    let mut found = Vec::new();
    for dimension in &visual.drivers {
        let now = contributions(engine, &grouped_by(&current.sql, y, dimension)?, params).await?;
        let then = contributions(engine, &grouped_by(&before.sql, y, dimension)?, params).await?;
        let mut values: Vec<Option<String>> = now.keys().chain(then.keys()).cloned().collect();
        values.sort();
        values.dedup();
        let mut rows: Vec<Driver> = values
            .into_iter()
            .map(|value| {
                let current = now.get(&value).copied().unwrap_or(0.0);
                let previous = then.get(&value).copied().unwrap_or(0.0);
                Driver {
                    dimension: dimension.clone(),
                    value,
                    current,
                    previous,
                    change: current - previous,
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            b.change
                .abs()
                .total_cmp(&a.change.abs())
                .then_with(|| a.value.cmp(&b.value))
        });
        rows.truncate(TOP);
        found.extend(rows);
    }
    Ok(found)
}

/// Each value of the rewritten query's `dimension` with its `value`.
async fn contributions(
    engine: &Engine,
    sql: &str,
    params: &HashMap<String, ScalarValue>,
) -> Result<HashMap<Option<String>, f64>, String> {
    let mut stream = engine
        .query_with_params(sql, params)
        .await
        .map_err(|e| e.to_string())?;
    let mut out = HashMap::new();
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(|e| e.to_string())?;
        add_rows(&batch, &mut out).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

fn add_rows(
    batch: &RecordBatch,
    out: &mut HashMap<Option<String>, f64>,
) -> datafusion::error::Result<()> {
    let names = cast(batch.column(0), &DataType::Utf8)?;
    let names = names
        .as_any()
        .downcast_ref::<datafusion::arrow::array::StringArray>()
        .ok_or_else(|| datafusion::error::DataFusionError::Internal("not text".into()))?;
    let values = cast(batch.column(1), &DataType::Float64)?;
    let values = values
        .as_any()
        .downcast_ref::<datafusion::arrow::array::Float64Array>()
        .ok_or_else(|| datafusion::error::DataFusionError::Internal("not a number".into()))?;
    for row in 0..batch.num_rows() {
        let name = names.is_valid(row).then(|| names.value(row).to_owned());
        let value = if values.is_valid(row) {
            values.value(row)
        } else {
            0.0
        };
        *out.entry(name).or_insert(0.0) += value;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_sum_is_broken_down_by_the_column_and_other_aggregates_are_refused() {
        let sql = "SELECT round(sum(amount), 2) AS revenue FROM orders \
                   WHERE event_time >= TIMESTAMP '2026-11-24T00:00:00Z' AND ($country IS NULL OR country = $country) \
                   ORDER BY 1 LIMIT 3";
        let grouped = grouped_by(sql, "revenue", "channel").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            grouped,
            "SELECT \"channel\" AS dimension, round(sum(amount), 2) AS value FROM orders \
             WHERE event_time >= TIMESTAMP '2026-11-24T00:00:00Z' AND ($country IS NULL OR country = $country) \
             GROUP BY \"channel\""
        );
        assert!(grouped_by("SELECT count(*) AS n FROM t", "n", "c").is_ok());
        for (sql, why) in [
            ("SELECT avg(amount) AS revenue FROM orders", "`avg(amount)`"),
            (
                "SELECT count(DISTINCT id) AS revenue FROM orders",
                "DISTINCT",
            ),
            ("SELECT sum(a) / count(*) AS revenue FROM orders", "/"),
            (
                "SELECT sum(a) AS other FROM orders",
                "selects no column `revenue`",
            ),
        ] {
            let err = grouped_by(sql, "revenue", "country").unwrap_err();
            assert!(err.contains(why), "{sql}: {err}");
        }
    }
}
