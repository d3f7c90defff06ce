//! Dashboard macros: `$__timeFilter(col)`, `$__timeFrom()` and `$__timeTo()` expanded into plain
//! SQL for one time window, with partition predicates added where the table is partitioned by time.
//!
//! `$__timeFilter(col)` becomes `(col >= F AND col < T)` with `F` and `T` written
//! `(TIMESTAMP '2026-11-24T13:00:00Z' AT TIME ZONE 'UTC')`: the window is half-open, and the
//! literals are UTC instants, so they compare correctly with timestamp columns in any time zone or
//! none (a column without one is taken to hold UTC). `$__timeFrom()` and `$__timeTo()` are `F`
//! and `T`.
//!
//! **Partition pruning.** Where the column's table is partitioned by time keys (`year`, `month`,
//! `day` and optionally `hour`, or `dt` as `YYYY-MM-DD` or `YYYY-MM-DD-HH`), the expansion also
//! bounds those keys so DataFusion lists and reads only the folders that can hold matching rows.
//! Partition keys are *delivery* time (when Firehose or a job wrote the file), not event time. A
//! row with event time `t` is delivered at some `d` with `t <= d <= t + lateness`. So rows with
//! `t` in `[from, to)` lie in partitions whose period overlaps `[from, to + lateness)`: a partition
//! starting at `P` (one hour or one day long) is kept when `P + period > from` and
//! `P < to + lateness`. Late data within `lateness` is found; data later than that, or delivered
//! *before* its event time (a producer's clock running ahead), is not. The partition predicate is
//! implied by the time predicate under that rule, so it never changes the result, only what is read.
//! Keys are compared as strings, which is correct for zero-padded values (`month=01`, `hour=09`) as
//! Hive, Firehose and the sample lake write them. A qualified column (`o.event_time`) gives the
//! partition keys the same qualifier. This module only writes SQL text; it runs nothing and binds
//! no parameters (see `params`).

mod partitions;

use std::ops::Range;
use std::time::Duration;

use chrono::{DateTime, Utc};
use datafusion::sql::sqlparser::ast::{Expr, Ident};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;

use crate::lake::Catalog;
use partitions::{Sources, column_table, partition_predicate};

/// How late data may arrive by default: one hour after its event time.
pub const DEFAULT_LATENESS: Duration = Duration::from_hours(1);

/// The time range a dashboard shows, and how late its data may be delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeWindow {
    /// The first instant in the window.
    pub from: DateTime<Utc>,
    /// The first instant after the window.
    pub to: DateTime<Utc>,
    /// How long after its event time a row may land in a partition (partition keys are delivery time).
    pub lateness: Duration,
}

impl TimeWindow {
    /// The window `[from, to)` with [`DEFAULT_LATENESS`].
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self {
            from,
            to,
            lateness: DEFAULT_LATENESS,
        }
    }
}

/// SQL with its macros expanded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expanded {
    /// The SQL to run (parameters such as `$country` are left for binding).
    pub sql: String,
    /// The tables (`schema.table`) whose time partitions the expansion bounds.
    pub pruned_tables: Vec<String>,
}

/// Why a query's macros could not be expanded.
#[derive(Debug, thiserror::Error)]
pub enum MacroError {
    /// A `$__name` that is not one of the known macros.
    #[error(
        "unknown macro $__{0}: the known macros are $__timeFilter(column), $__timeFrom() and $__timeTo()"
    )]
    Unknown(String),
    /// A macro written without its parentheses or with the wrong arguments.
    #[error("macro $__{name} {problem}: write {usage}")]
    BadCall {
        /// The macro's name.
        name: String,
        /// What is wrong.
        problem: String,
        /// How to call it.
        usage: &'static str,
    },
    /// The window ends before it starts.
    #[error("the time range is empty: it ends ({to}) at or before it starts ({from})")]
    EmptyWindow {
        /// Its start.
        from: DateTime<Utc>,
        /// Its end.
        to: DateTime<Utc>,
    },
}

/// Expands every macro in `sql` for `window`; see the module doc for the pruning rule.
pub fn expand(sql: &str, window: &TimeWindow, catalog: &Catalog) -> Result<Expanded, MacroError> {
    if window.to <= window.from {
        return Err(MacroError::EmptyWindow {
            from: window.from,
            to: window.to,
        });
    }
    let calls = find_calls(sql)?;
    if calls.is_empty() {
        return Ok(Expanded {
            sql: sql.to_owned(),
            pruned_tables: Vec::new(),
        });
    }
    let from = timestamp_literal(window.from);
    let to = timestamp_literal(window.to);
    let sources = Sources::of(&neutral(sql, &calls));
    let mut pruned_tables = Vec::new();
    let expanded = splice(sql, &calls, |call| match &call.kind {
        MacroKind::Filter(column) => {
            let time = format!("{column} >= {from} AND {column} < {to}");
            match partition_predicate(column, &sources, catalog, window) {
                Some((table, predicate)) => {
                    if !pruned_tables.contains(&table) {
                        pruned_tables.push(table);
                    }
                    format!("({time} AND {predicate})")
                }
                None => format!("({time})"),
            }
        }
        MacroKind::From => from.clone(),
        MacroKind::To => to.clone(),
    });
    Ok(Expanded {
        sql: expanded,
        pruned_tables,
    })
}

/// The lake tables `sql` filters by time and the column each is filtered on: one
/// `(schema.table, column)` per `$__timeFilter(column)` whose table is known, without repeats.
pub fn time_columns(sql: &str, catalog: &Catalog) -> Vec<(String, String)> {
    let Ok(calls) = find_calls(sql) else {
        return Vec::new();
    };
    let sources = Sources::of(&neutral(sql, &calls));
    let mut found = Vec::new();
    for call in &calls {
        if let MacroKind::Filter(column) = &call.kind
            && let Some((table, _, name)) = column_table(column, &sources, catalog)
        {
            let pair = (table.qualified_name(), name);
            if !found.contains(&pair) {
                found.push(pair);
            }
        }
    }
    found
}

/// The tables a query names (`table` or `schema.table`, as the parser normalizes them, without
/// its `WITH` queries' names); `None` when `sql` is not one plain query (`SHOW`, `DESCRIBE`,
/// `EXPLAIN`, several statements, or no parse), which may read any table.
pub fn tables_named(sql: &str) -> Option<Vec<String>> {
    use datafusion::sql::parser::{DFParser, Statement as DfStatement};
    use datafusion::sql::sqlparser::ast::Statement;
    let statements = DFParser::parse_sql(sql).ok()?;
    let [DfStatement::Statement(statement)] = statements.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    if !matches!(**statement, Statement::Query(_)) {
        return None;
    }
    Some(Sources::of(sql).names())
}

/// The tables a dashboard's queries name together (their macros made neutral, `$name`
/// parameters left as placeholders); `None` when any is not one plain query.
pub fn tables_named_by<'a>(sqls: impl IntoIterator<Item = &'a str>) -> Option<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for sql in sqls {
        let calls = find_calls(sql).ok()?;
        for name in tables_named(&neutral(sql, &calls))? {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    Some(names)
}

/// A UTC instant as a SQL timestamp literal.
fn timestamp_literal(instant: DateTime<Utc>) -> String {
    // A bare `TIMESTAMP '…Z'` has no time zone, and DataFusion compares it with a zoned column in
    // that zone's wall-clock time; `AT TIME ZONE 'UTC'` makes it the instant meant.
    format!(
        "(TIMESTAMP '{}' AT TIME ZONE 'UTC')",
        instant.format("%Y-%m-%dT%H:%M:%S%.fZ")
    )
}

/// One macro call found in the text.
struct Call {
    range: Range<usize>,
    kind: MacroKind,
}

enum MacroKind {
    /// `$__timeFilter`, with the column as written.
    Filter(String),
    /// `$__timeFrom`.
    From,
    /// `$__timeTo`.
    To,
}

/// `sql` with its macro `calls` made neutral, so it parses and names the tables it reads.
fn neutral(sql: &str, calls: &[Call]) -> String {
    splice(sql, calls, |call| match call.kind {
        MacroKind::Filter(_) => "TRUE".to_owned(),
        MacroKind::From | MacroKind::To => "NOW()".to_owned(),
    })
}

/// `sql` with each call's text replaced by `write(call)`.
fn splice(sql: &str, calls: &[Call], mut write: impl FnMut(&Call) -> String) -> String {
    let mut out = String::with_capacity(sql.len() + 64 * calls.len());
    let mut at = 0;
    for call in calls {
        out.push_str(&sql[at..call.range.start]);
        out.push_str(&write(call));
        at = call.range.end;
    }
    out.push_str(&sql[at..]);
    out
}

/// Finds the `$__` macros outside strings, quoted names and comments.
fn find_calls(sql: &str) -> Result<Vec<Call>, MacroError> {
    let bytes = sql.as_bytes();
    let mut calls = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => i = skip_quoted(bytes, i, b'\''),
            b'"' => i = skip_quoted(bytes, i, b'"'),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
            }
            b'$' if sql[i + 1..].starts_with("__") => {
                let call = read_call(sql, i)?;
                i = call.range.end;
                calls.push(call);
            }
            _ => i += 1,
        }
    }
    Ok(calls)
}

/// The index after the quoted text starting at `start` (a doubled quote stays inside).
fn skip_quoted(bytes: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// Reads the macro call whose `$` is at `start`.
fn read_call(sql: &str, start: usize) -> Result<Call, MacroError> {
    let bytes = sql.as_bytes();
    let name_start = start + 3;
    let name_end = bytes[name_start..]
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .map_or(bytes.len(), |n| name_start + n);
    let name = &sql[name_start..name_end];
    let usage = match name {
        "timeFilter" => "$__timeFilter(column)",
        "timeFrom" => "$__timeFrom()",
        "timeTo" => "$__timeTo()",
        other => return Err(MacroError::Unknown(other.to_owned())),
    };
    let bad = |problem: &str| MacroError::BadCall {
        name: name.to_owned(),
        problem: problem.to_owned(),
        usage,
    };
    let open = name_end + (sql[name_end..].len() - sql[name_end..].trim_start().len());
    if bytes.get(open) != Some(&b'(') {
        return Err(bad("has no parentheses"));
    }
    let mut depth = 0usize;
    let mut i = open;
    let close = loop {
        match bytes.get(i) {
            None => return Err(bad("is not closed")),
            Some(b'"') => i = skip_quoted(bytes, i, b'"') - 1,
            Some(b'(') => depth += 1,
            Some(b')') => {
                depth -= 1;
                if depth == 0 {
                    break i;
                }
            }
            Some(_) => {}
        }
        i += 1;
    };
    let argument = sql[open + 1..close].trim();
    let kind = match name {
        "timeFilter" if argument.is_empty() => return Err(bad("needs a column")),
        "timeFilter" => {
            if column_parts(argument).is_none() {
                return Err(bad(&format!("takes one column name, not `{argument}`")));
            }
            MacroKind::Filter(argument.to_owned())
        }
        _ if !argument.is_empty() => return Err(bad("takes no arguments")),
        "timeFrom" => MacroKind::From,
        _ => MacroKind::To,
    };
    Ok(Call {
        range: start..close + 1,
        kind,
    })
}

/// A column reference's parts (`o.event_time` → `[o, event_time]`), or `None` if it is not one.
fn column_parts(text: &str) -> Option<Vec<Ident>> {
    let mut parser = Parser::new(&GenericDialect {}).try_with_sql(text).ok()?;
    let parts = match parser.parse_expr().ok()? {
        Expr::Identifier(ident) => vec![ident],
        Expr::CompoundIdentifier(parts) => parts,
        _ => return None,
    };
    parser.parse_statements().ok()?.is_empty().then_some(parts)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};

    use super::*;
    use crate::lake::TableInfo;
    use crate::lake::files::DataFormat;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn the_tables_a_query_or_a_dashboard_names_are_known_before_discovery() {
        assert_eq!(tables_named("SELECT 1"), Some(vec![]));
        assert_eq!(
            tables_named(
                "WITH recent AS (SELECT * FROM Landing.Orders) SELECT * FROM recent r \
                 JOIN consumption.payments p ON true, app_logs"
            ),
            Some(vec![
                "landing.orders".to_owned(),
                "consumption.payments".to_owned(),
                "app_logs".to_owned()
            ]),
            "a WITH query's name is no table"
        );
        assert_eq!(tables_named("SHOW TABLES"), None, "may read any table");
        assert_eq!(tables_named("EXPLAIN SELECT * FROM orders"), None);
        assert_eq!(tables_named("SELECT 1; SELECT 2"), None);
        assert_eq!(
            tables_named_by([
                "SELECT count(*) FROM orders WHERE $__timeFilter(event_time) \
                 AND ($country IS NULL OR country = $country)",
                "SELECT $__timeFrom() AS f, level FROM staging.app_logs",
                "SELECT DISTINCT country FROM orders",
            ]),
            Some(vec!["orders".to_owned(), "staging.app_logs".to_owned()])
        );
        assert_eq!(tables_named_by(["SELECT 1", "DESCRIBE orders"]), None);
    }

    fn table(name: &str, partitions: &[&str]) -> TableInfo {
        TableInfo {
            schema: "consumption".to_owned(),
            name: name.to_owned(),
            prefix: format!("consumption/{name}"),
            location: format!("/lake/consumption/{name}"),
            single_file: false,
            format: DataFormat::Parquet,
            compressions: Vec::new(),
            file_extension: ".parquet".to_owned(),
            partition_columns: partitions.iter().map(|p| (*p).to_owned()).collect(),
            time_layout: {
                // One zero-padded file, as the sample lake writes them.
                let keys: Vec<String> = partitions.iter().map(|p| (*p).to_owned()).collect();
                let value = |key: &str| match key {
                    "year" => "2026",
                    "month" => "11",
                    "day" => "24",
                    "hour" => "09",
                    "dt" => "2026-11-24",
                    _ => "x",
                };
                let folders: Vec<String> =
                    keys.iter().map(|k| format!("{k}={}", value(k))).collect();
                let path = format!("{}/f.parquet", folders.join("/"));
                crate::lake::partitions::time_layout(&keys, std::iter::once(path.as_str()))
            },
            file_count: 1,
            total_bytes: 1,
            columns: Arc::new(Schema::new(vec![
                Field::new(
                    "event_time",
                    DataType::Timestamp(TimeUnit::Microsecond, None),
                    false,
                ),
                Field::new("country", DataType::Utf8, false),
            ])),
            drift: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn catalog() -> Catalog {
        Catalog {
            zoned: true,
            tables: vec![
                table("orders", &["year", "month", "day", "hour"]),
                table("daily", &["year", "month", "day"]),
                table("dt_orders", &["dt"]),
                table("flat", &[]),
            ],
            ..Catalog::default()
        }
    }

    fn window(from: &str, to: &str, lateness_secs: u64) -> TimeWindow {
        TimeWindow {
            from: at(from),
            to: at(to),
            lateness: Duration::from_secs(lateness_secs),
        }
    }

    /// Expands `sql` and checks DataFusion can plan the result.
    fn expand_sql(sql: &str, window: &TimeWindow) -> String {
        let expanded = expand(sql, window, &catalog()).unwrap().sql;
        assert_plans(&expanded);
        expanded
    }

    /// Plans `sql` against empty tables shaped as the catalog's (columns, then the partition
    /// keys as text), so an expansion DataFusion cannot read fails the test.
    fn assert_plans(sql: &str) {
        use datafusion::datasource::MemTable;
        use datafusion::prelude::{SessionConfig, SessionContext};
        let config = SessionConfig::new()
            .with_default_catalog_and_schema("datafusion", "consumption")
            .with_create_default_catalog_and_schema(true);
        let ctx = SessionContext::new_with_config(config);
        for table in &catalog().tables {
            let mut fields: Vec<Field> = table
                .columns
                .fields()
                .iter()
                .map(|f| f.as_ref().clone())
                .collect();
            fields.extend(
                table
                    .partition_columns
                    .iter()
                    .map(|key| Field::new(key, DataType::Utf8, true)),
            );
            let empty = MemTable::try_new(Arc::new(Schema::new(fields)), vec![vec![]]).unwrap();
            ctx.register_table(table.name.as_str(), Arc::new(empty))
                .unwrap();
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        if let Err(err) = runtime.block_on(ctx.sql(sql)) {
            panic!("the expanded SQL does not plan: {err}\n{sql}");
        }
    }

    #[test]
    fn time_filter_on_an_unpartitioned_table_is_the_half_open_range() {
        let w = window("2026-11-24T13:00:00Z", "2026-11-24T14:00:00Z", 0);
        assert_eq!(
            expand_sql(
                "SELECT * FROM flat WHERE $__timeFilter(event_time) AND country = $country",
                &w
            ),
            "SELECT * FROM flat WHERE (event_time >= (TIMESTAMP '2026-11-24T13:00:00Z' AT TIME ZONE 'UTC') AND \
             event_time < (TIMESTAMP '2026-11-24T14:00:00Z' AT TIME ZONE 'UTC')) AND country = $country"
        );
    }

    #[test]
    fn time_from_and_to_are_literals_with_fractions_kept() {
        let w = window("2026-11-24T13:00:00.250Z", "2026-11-24T14:00:00Z", 0);
        assert_eq!(
            expand_sql("SELECT $__timeFrom(), $__timeTo ( )", &w),
            "SELECT (TIMESTAMP '2026-11-24T13:00:00.250Z' AT TIME ZONE 'UTC'), (TIMESTAMP '2026-11-24T14:00:00Z' AT TIME ZONE 'UTC')"
        );
    }

    #[test]
    fn within_one_day_the_date_keys_are_equalities() {
        let w = window("2026-11-24T13:20:00Z", "2026-11-24T14:20:00Z", 1800);
        let expanded = expand(
            "SELECT * FROM orders WHERE $__timeFilter(event_time)",
            &w,
            &catalog(),
        )
        .unwrap();
        assert_eq!(
            expanded.sql,
            r#"SELECT * FROM orders WHERE (event_time >= (TIMESTAMP '2026-11-24T13:20:00Z' AT TIME ZONE 'UTC') AND event_time < (TIMESTAMP '2026-11-24T14:20:00Z' AT TIME ZONE 'UTC') AND "year" = '2026' AND "month" = '11' AND "day" = '24' AND "hour" >= '13' AND "hour" <= '14')"#
        );
        assert_eq!(expanded.pruned_tables, ["consumption.orders"]);
        assert_plans(&expanded.sql);
    }

    #[test]
    fn a_qualified_column_qualifies_the_partition_keys() {
        let w = window("2026-11-24T13:00:00Z", "2026-11-24T14:00:00Z", 0);
        let sql = expand_sql(
            "SELECT * FROM consumption.orders o JOIN flat f ON o.country = f.country \
             WHERE $__timeFilter(o.event_time)",
            &w,
        );
        assert!(
            sql.ends_with(
                r#"(o.event_time >= (TIMESTAMP '2026-11-24T13:00:00Z' AT TIME ZONE 'UTC') AND o.event_time < (TIMESTAMP '2026-11-24T14:00:00Z' AT TIME ZONE 'UTC') AND o."year" = '2026' AND o."month" = '11' AND o."day" = '24' AND o."hour" = '13')"#
            ),
            "{sql}"
        );
    }

    #[test]
    fn an_ambiguous_unqualified_column_prunes_nothing() {
        let w = window("2026-11-24T13:00:00Z", "2026-11-24T14:00:00Z", 0);
        let expanded = expand(
            "SELECT * FROM orders, daily WHERE $__timeFilter(event_time)",
            &w,
            &catalog(),
        )
        .unwrap();
        assert!(expanded.pruned_tables.is_empty());
    }

    #[test]
    fn subqueries_and_with_queries_that_may_hide_the_keys_prune_nothing() {
        let w = window("2026-11-24T13:00:00Z", "2026-11-24T14:00:00Z", 0);
        for sql in [
            "SELECT * FROM (SELECT event_time FROM orders) WHERE $__timeFilter(event_time)",
            "WITH o AS (SELECT event_time FROM orders) SELECT * FROM o WHERE $__timeFilter(event_time)",
            "WITH orders AS (SELECT now() AS event_time) SELECT * FROM orders WHERE $__timeFilter(event_time)",
            "WITH orders AS (SELECT event_time FROM consumption.orders) \
             SELECT * FROM orders WHERE $__timeFilter(orders.event_time)",
        ] {
            let expanded = expand(sql, &w, &catalog()).unwrap();
            assert!(expanded.pruned_tables.is_empty(), "{}", expanded.sql);
            assert_plans(&expanded.sql);
        }
        // Inside the subquery, beside its table, the keys are there to prune.
        let inner = expand(
            "SELECT * FROM (SELECT o.event_time FROM orders o WHERE $__timeFilter(o.event_time))",
            &w,
            &catalog(),
        )
        .unwrap();
        assert_eq!(inner.pruned_tables, ["consumption.orders"]);
        assert_plans(&inner.sql);
    }

    #[test]
    fn lateness_extends_the_last_partition_across_days() {
        // 23:00–24:00 on the 30th of November, one hour late: delivery until 01:00 on 1 December.
        let w = window("2026-11-30T23:00:00Z", "2026-12-01T00:00:00Z", 3600);
        let sql = expand_sql("SELECT * FROM orders WHERE $__timeFilter(event_time)", &w);
        assert!(
            sql.contains(
                r#""year" = '2026' AND (("month" = '11' AND ("day" > '30' OR "day" = '30' AND "hour" >= '23') OR "month" > '11' AND "month" < '12') OR "month" = '12' AND ("day" < '01' OR "day" = '01' AND "hour" <= '00')))"#
            ),
            "{sql}"
        );
    }

    #[test]
    fn daily_and_dt_partitions() {
        let w = window("2026-11-24T13:00:00Z", "2026-11-25T10:00:00Z", 3600);
        let daily = expand_sql("SELECT * FROM daily WHERE $__timeFilter(event_time)", &w);
        assert!(
            daily.contains(
                r#""year" = '2026' AND "month" = '11' AND "day" >= '24' AND "day" <= '25')"#
            ),
            "{daily}"
        );
        let dt = expand_sql(
            "SELECT * FROM dt_orders WHERE $__timeFilter(event_time)",
            &w,
        );
        assert!(
            dt.contains("(dt >= '2026-11-24-13' OR dt = '2026-11-24') AND dt <= '2026-11-25-10'"),
            "{dt}"
        );
    }

    #[test]
    fn macros_in_strings_and_comments_are_left_alone() {
        let w = window("2026-11-24T13:00:00Z", "2026-11-24T14:00:00Z", 0);
        let sql = "SELECT '$__nope()' AS \"$__x\" -- $__nope\n/* $__nope */ FROM flat";
        assert_eq!(expand_sql(sql, &w), sql);
    }

    #[test]
    fn bad_macros_are_errors_naming_them() {
        let w = window("2026-11-24T13:00:00Z", "2026-11-24T14:00:00Z", 0);
        let err = |sql: &str| expand(sql, &w, &catalog()).unwrap_err().to_string();
        assert!(err("SELECT $__interval").contains("unknown macro $__interval"));
        assert!(err("SELECT $__timeFilter").contains("$__timeFilter has no parentheses"));
        assert!(err("SELECT $__timeFilter()").contains("needs a column"));
        assert!(err("SELECT $__timeFilter(a, b)").contains("takes one column name"));
        assert!(err("SELECT $__timeTo(x)").contains("takes no arguments"));
        assert!(err("SELECT $__timeFilter(a").contains("is not closed"));
        let empty = window("2026-11-24T14:00:00Z", "2026-11-24T14:00:00Z", 0);
        assert!(matches!(
            expand("SELECT 1", &empty, &catalog()),
            Err(MacroError::EmptyWindow { .. })
        ));
    }
}
