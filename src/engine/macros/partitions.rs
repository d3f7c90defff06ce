//! Partition predicates for `$__timeFilter`: which lake table a time column belongs to (read from
//! the query's `FROM` with DataFusion's SQL parser), the table's time keys, and string comparisons
//! on those keys that keep exactly the partitions the rule in the parent module allows.

use std::ops::ControlFlow;

use chrono::{DateTime, Datelike, DurationRound, TimeDelta, Timelike, Utc};
use datafusion::sql::parser::{DFParser, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::{
    Ident, ObjectNamePart, Query, Statement, TableFactor, Visit, Visitor,
};

use super::{TimeWindow, column_parts};
use crate::lake::partitions::TimeLayout;
use crate::lake::{Catalog, TableInfo};
use crate::sql::quote_ident;

/// A table the query names: its name parts and alias.
struct TableRef {
    name: Vec<Ident>,
    alias: Option<Ident>,
}

/// What a query reads from: named tables, the names of its `WITH` queries, and whether any
/// source is something else (a subquery in `FROM`, a table function, `UNNEST`).
#[derive(Default)]
pub(super) struct Sources {
    tables: Vec<TableRef>,
    ctes: Vec<String>,
    other: bool,
}

impl Visitor for Sources {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            self.ctes.extend(
                with.cte_tables
                    .iter()
                    .map(|cte| normalized(&cte.alias.name)),
            );
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        match factor {
            TableFactor::Table { name, alias, .. } => {
                let name = name
                    .0
                    .iter()
                    .filter_map(|part| match part {
                        ObjectNamePart::Identifier(ident) => Some(ident.clone()),
                        ObjectNamePart::Function(_) => None,
                    })
                    .collect();
                self.tables.push(TableRef {
                    name,
                    alias: alias.as_ref().map(|a| a.name.clone()),
                });
            }
            TableFactor::NestedJoin { .. } => {}
            _ => self.other = true,
        }
        ControlFlow::Continue(())
    }
}

impl Sources {
    /// The sources of `sql` (`other` if it does not parse: then nothing unqualified is pruned).
    pub(super) fn of(sql: &str) -> Self {
        let mut sources = Self::default();
        let Ok(statements) = DFParser::parse_sql(sql) else {
            sources.other = true;
            return sources;
        };
        for statement in &statements {
            let mut statement = statement;
            while let DfStatement::Explain(explain) = statement {
                statement = &*explain.statement;
            }
            if let DfStatement::Statement(inner) = statement {
                let inner: &Statement = inner;
                let _ = inner.visit(&mut sources);
            }
        }
        sources
    }

    /// The names of the tables read (`table` or `schema.table`), `WITH` queries left out.
    pub(super) fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for table in &self.tables {
            let parts: Vec<String> = table.name.iter().map(normalized).collect();
            let name = match parts.as_slice() {
                [.., schema, table] => format!("{schema}.{table}"),
                [table] if self.ctes.contains(table) => continue,
                [table] => table.clone(),
                [] => continue,
            };
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// The catalog table a reference names (none for a `WITH` query's name).
    fn catalog_table<'c>(&self, table: &TableRef, catalog: &'c Catalog) -> Option<&'c TableInfo> {
        let parts: Vec<String> = table.name.iter().map(normalized).collect();
        let name = match parts.as_slice() {
            [.., schema, table] => format!("{schema}.{table}"),
            [table] if self.ctes.contains(table) => return None,
            [table] => table.clone(),
            [] => return None,
        };
        catalog.table(&name, catalog.default_schema())
    }
}

/// How the SQL parser normalizes a name: unquoted names are folded to lower case.
fn normalized(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}

/// The partition predicate for a time filter on `column`, with the table it prunes.
pub(super) fn partition_predicate(
    column: &str,
    sources: &Sources,
    catalog: &Catalog,
    window: &TimeWindow,
) -> Option<(String, String)> {
    let (table, qualifier, _) = column_table(column, sources, catalog)?;
    let keys = TimeKeys::of(table)?;
    let first = window.from;
    let end = window
        .to
        .checked_add_signed(TimeDelta::from_std(window.lateness).ok()?)?;
    // The last delivery instant that can hold a row of the window.
    let last = end.checked_sub_signed(TimeDelta::nanoseconds(1))?;
    Some((
        table.qualified_name(),
        keys.predicate(&qualifier, first, last)?,
    ))
}

/// The lake table a time filter's `column` belongs to, with the qualifier written before the
/// column (`o.`, or empty) and the column's own name (as the parser normalizes it).
pub(super) fn column_table<'c>(
    column: &str,
    sources: &Sources,
    catalog: &'c Catalog,
) -> Option<(&'c TableInfo, String, String)> {
    let parts = column_parts(column)?;
    let (column_name, qualifier) = parts.split_last()?;
    let column_name = normalized(column_name);
    let (table, qualifier) = if qualifier.is_empty() {
        // An unqualified column: the one table of the query that has it, when every source is a
        // lake table (a subquery or `WITH` query might not pass the partition keys through).
        let resolved: Option<Vec<&TableInfo>> = sources
            .tables
            .iter()
            .map(|t| sources.catalog_table(t, catalog))
            .collect();
        let resolved = resolved.filter(|_| !sources.other)?;
        let mut owners = resolved.into_iter().filter(|info| {
            info.columns
                .fields()
                .iter()
                .any(|f| f.name() == &column_name)
        });
        let owner = owners.next()?;
        if owners.next().is_some() {
            return None;
        }
        (owner, String::new())
    } else {
        let wanted: Vec<String> = qualifier.iter().map(normalized).collect();
        if let [name] = wanted.as_slice()
            && sources.ctes.contains(name)
        {
            return None;
        }
        let table = sources.tables.iter().find_map(|t| {
            let name: Vec<String> = t.name.iter().map(normalized).collect();
            let by_alias = t.alias.as_ref().is_some_and(|a| wanted == [normalized(a)]);
            let by_name = t.alias.is_none() && name.ends_with(&wanted);
            (by_alias || by_name).then(|| sources.catalog_table(t, catalog))?
        })?;
        let written: Vec<String> = qualifier.iter().map(ToString::to_string).collect();
        (table, format!("{}.", written.join(".")))
    };
    Some((table, qualifier, column_name))
}

/// A table's time partition keys and how their values are written (see [`TimeLayout`]).
struct TimeKeys<'a>(&'a TimeLayout);

impl<'a> TimeKeys<'a> {
    /// The table's keys, when discovery recognised how their values are written.
    fn of(table: &'a TableInfo) -> Option<Self> {
        table.time_layout.as_ref().map(Self)
    }

    /// Keeps the partitions whose period overlaps `[first, last]` (delivery instants).
    fn predicate(
        &self,
        qualifier: &str,
        first: DateTime<Utc>,
        last: DateTime<Utc>,
    ) -> Option<String> {
        let col = |name: &str| format!("{qualifier}{}", quote_ident(name));
        let first = first.duration_trunc(TimeDelta::hours(1)).ok()?;
        let last = last.duration_trunc(TimeDelta::hours(1)).ok()?;
        let parts =
            |t: DateTime<Utc>| [t.year(), t.month() as i32, t.day() as i32, t.hour() as i32];
        match self.0 {
            TimeLayout::Padded {
                year,
                month,
                day,
                hour,
            } => {
                // Zero-padded text compares as the numbers do.
                let text = |t: DateTime<Utc>| {
                    let [y, m, d, h] = parts(t);
                    vec![
                        format!("'{y:04}'"),
                        format!("'{m:02}'"),
                        format!("'{d:02}'"),
                        format!("'{h:02}'"),
                    ]
                };
                let columns = [col(year), col(month), col(day)];
                Some(hive(
                    &columns,
                    hour.as_deref().map(col),
                    text(first),
                    text(last),
                ))
            }
            TimeLayout::Numeric {
                year,
                month,
                day,
                hour,
            } => {
                // `1` and `01` alike: compared as numbers. A folder that landed since discovery
                // with a value that is no number (`__HIVE_DEFAULT_PARTITION__`) is kept: read,
                // never silently dropped, never an error.
                let number = |name: &str| format!("TRY_CAST({} AS INT)", col(name));
                let values = |t: DateTime<Utc>| parts(t).iter().map(ToString::to_string).collect();
                let columns = [number(year), number(month), number(day)];
                let hour = hour.as_deref().map(number);
                let unknown: Vec<String> = columns
                    .iter()
                    .chain(&hour)
                    .map(|column| format!("{column} IS NULL"))
                    .collect();
                let between = hive(&columns, hour.clone(), values(first), values(last));
                Some(format!("({} OR {between})", unknown.join(" OR ")))
            }
            TimeLayout::Dashed(dt) => Some(day_or_hour(&col(dt), first, last, "%Y-%m-%d", "-%H")),
            TimeLayout::Compact(dt) => Some(day_or_hour(&col(dt), first, last, "%Y%m%d", "%H")),
        }
    }
}

/// `year/month/day[/hour]` between `low` and `high` (values as SQL literals, year first).
fn hive(
    columns: &[String; 3],
    hour: Option<String>,
    mut low: Vec<String>,
    mut high: Vec<String>,
) -> String {
    let mut columns = columns.to_vec();
    if let Some(hour) = hour {
        columns.push(hour);
    } else {
        low.pop();
        high.pop();
    }
    tuple_between(&columns, &low, &high).sql()
}

/// A `dt` key holding days (`day` format) or hours (`day` then `hour` format), either sorting as
/// text: a day's value sorts just before its hours' values.
fn day_or_hour(
    dt: &str,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    day: &str,
    hour: &str,
) -> String {
    let hourly = format!("{day}{hour}");
    let (first_day, first_hour) = (first.format(day), first.format(&hourly));
    let last_hour = last.format(&hourly);
    format!("({dt} >= '{first_hour}' OR {dt} = '{first_day}') AND {dt} <= '{last_hour}'")
}

/// A condition built from comparisons with literals; `True` is dropped when combined.
enum Cond {
    True,
    Sql(String),
}

impl Cond {
    /// `column op literal` (`literal` written as SQL: `'07'` or `7`).
    fn compare(column: &str, op: &str, literal: &str) -> Self {
        Self::Sql(format!("{column} {op} {literal}"))
    }

    fn and(self, other: Self) -> Self {
        match (self, other) {
            (Self::True, c) | (c, Self::True) => c,
            (Self::Sql(a), Self::Sql(b)) => Self::Sql(format!("{a} AND {b}")),
        }
    }

    fn or(self, other: Self) -> Self {
        match (self, other) {
            (Self::True, _) | (_, Self::True) => Self::True,
            (Self::Sql(a), Self::Sql(b)) => Self::Sql(format!("({a} OR {b})")),
        }
    }

    fn sql(self) -> String {
        match self {
            Self::True => "TRUE".to_owned(),
            Self::Sql(sql) => sql,
        }
    }
}

/// `low <= (columns…) <= high`, compared lexicographically, written so that leading keys equal in
/// both bounds become equalities (which DataFusion turns into a listing prefix).
fn tuple_between(columns: &[String], low: &[String], high: &[String]) -> Cond {
    match (columns, low, high) {
        ([column], [lo], [hi]) if lo != hi => {
            Cond::compare(column, ">=", lo).and(Cond::compare(column, "<=", hi))
        }
        ([column, columns @ ..], [lo, lows @ ..], [hi, highs @ ..]) => {
            if lo == hi {
                Cond::compare(column, "=", lo).and(tuple_between(columns, lows, highs))
            } else {
                let from_low = Cond::compare(column, "=", lo).and(tuple_bound(columns, lows, ">"));
                let middle = Cond::compare(column, ">", lo).and(Cond::compare(column, "<", hi));
                let to_high = Cond::compare(column, "=", hi).and(tuple_bound(columns, highs, "<"));
                from_low.or(middle).or(to_high)
            }
        }
        _ => Cond::True,
    }
}

/// `(columns…) >= bound` (`op` `>`) or `(columns…) <= bound` (`op` `<`), lexicographically.
fn tuple_bound(columns: &[String], bound: &[String], op: &str) -> Cond {
    match (columns, bound) {
        ([column], [value]) => Cond::compare(column, &format!("{op}="), value),
        ([column, columns @ ..], [value, rest @ ..]) => Cond::compare(column, op, value)
            .or(Cond::compare(column, "=", value).and(tuple_bound(columns, rest, op))),
        _ => Cond::True,
    }
}
