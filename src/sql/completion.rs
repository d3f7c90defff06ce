//! Autocomplete for the SQL editor: the lake's zones, tables and columns, the session's functions
//! and common keywords, ranked for the word being typed. What a suggestion inserts is valid SQL:
//! names are quoted where DataFusion would otherwise misread them, and a table outside the default
//! zone comes with its zone.

use std::collections::BTreeSet;
use std::ops::Range;

use crate::lake::Catalog;

use super::ident::{NamePart, quote_ident, quote_qualified, split_name};
use super::table_refs::{TableRef, table_refs};
use super::text::word_before;

/// What a suggestion is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SuggestionKind {
    /// A column of a table the query mentions (or of the qualifier typed).
    Column,
    /// A table.
    Table,
    /// A zone (SQL schema).
    Schema,
    /// A scalar, aggregate or window function.
    Function,
    /// A keyword.
    Keyword,
}

/// One completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// The text inserted in place of the word being typed: valid SQL (`"userId"`, `landing.orders`).
    pub text: String,
    /// The name as a person reads it, for the list (`userId`, `landing.orders`).
    pub label: String,
    /// What it is.
    pub kind: SuggestionKind,
    /// A hint shown beside it (a column's type and table).
    pub detail: String,
}

/// Keywords offered (the tokenizer knows hundreds; these are the ones analysts type).
const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP BY",
    "ORDER BY",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "JOIN",
    "LEFT JOIN",
    "RIGHT JOIN",
    "INNER JOIN",
    "FULL JOIN",
    "CROSS JOIN",
    "ON",
    "USING",
    "AS",
    "AND",
    "OR",
    "NOT",
    "NULL",
    "IS",
    "IN",
    "BETWEEN",
    "LIKE",
    "ILIKE",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "DISTINCT",
    "UNION ALL",
    "UNION",
    "WITH",
    "OVER",
    "PARTITION BY",
    "ASC",
    "DESC",
    "NULLS FIRST",
    "NULLS LAST",
    "INTERVAL",
    "CAST",
    "TRUE",
    "FALSE",
    "EXISTS",
    "EXPLAIN",
    "QUALIFY",
    "WINDOW",
    "ROWS BETWEEN",
    "UNBOUNDED PRECEDING",
    "CURRENT ROW",
];

struct Column {
    name: String,
    data_type: String,
}

struct Table {
    /// The zone (SQL schema).
    schema: String,
    name: String,
    columns: Vec<Column>,
}

/// Everything that can be suggested for one attached lake.
pub struct Completions {
    schemas: Vec<String>,
    tables: Vec<Table>,
    /// Where unqualified table names are looked up (`Catalog::default_schema`).
    default_schema: String,
    functions: Vec<String>,
}

impl Completions {
    /// Suggestions from a catalog and the session's function names.
    pub fn new(catalog: &Catalog, functions: impl IntoIterator<Item = String>) -> Self {
        let schemas: BTreeSet<String> = catalog.tables.iter().map(|t| t.schema.clone()).collect();
        let functions: BTreeSet<String> = functions.into_iter().collect();
        let tables = catalog
            .tables
            .iter()
            .map(|t| Table {
                schema: t.schema.clone(),
                name: t.name.clone(),
                columns: t
                    .columns
                    .fields()
                    .iter()
                    .map(|f| Column {
                        name: f.name().clone(),
                        data_type: f.data_type().to_string(),
                    })
                    .collect(),
            })
            .collect();
        Self {
            schemas: schemas.into_iter().collect(),
            tables,
            default_schema: catalog.default_schema().to_owned(),
            functions: functions.into_iter().collect(),
        }
    }

    /// Suggestions for the word ending at byte `cursor` of `sql`, best first, at most `limit`;
    /// with the byte range they replace. Nothing when no word is being typed, or (unless `asked`,
    /// as with Ctrl+Space) when the word typed is already a whole name: then Enter must still
    /// start a new line rather than turn `orders` into `orders_csv`. A word that opens a quoted
    /// name (`"user`) matches names as if unquoted.
    pub fn suggest(
        &self,
        sql: &str,
        cursor: usize,
        limit: usize,
        asked: bool,
    ) -> (Range<usize>, Vec<Suggestion>) {
        let word = word_before(sql, cursor);
        let typed = &sql[word.clone()];
        if typed.is_empty() || typed.starts_with(|c: char| c.is_ascii_digit()) {
            return (word, Vec::new());
        }
        let mut parts = split_name(typed);
        let Some((partial_start, partial)) = parts.pop() else {
            return (word, Vec::new());
        };
        let replace = word.start + partial_start..word.end;
        let partial_text = &sql[replace.clone()];
        let qualifier: Vec<NamePart> = parts.into_iter().map(|(_, part)| part).collect();
        // The query around the word, without it: a half-typed name must not count as a table.
        let rest = format!("{}{}", &sql[..word.start], &sql[word.end..]);
        let refs = table_refs(&rest);
        let mut out = Vec::new();
        if qualifier.is_empty() {
            self.unqualified(&mut out, &partial, &refs);
        } else {
            self.qualified(&mut out, &qualifier, &partial, &refs);
        }
        (replace, finish(out, partial_text, limit, asked))
    }

    /// After `zone.` (its tables) or `table.`/`alias.` (its columns).
    fn qualified(
        &self,
        out: &mut Vec<Suggestion>,
        qualifier: &[NamePart],
        partial: &NamePart,
        refs: &[TableRef],
    ) {
        if let [zone] = qualifier {
            for table in self.tables.iter().filter(|t| zone.names(&t.schema)) {
                if starts_with(&table.name, partial) {
                    let detail = format!("table in {}", table.schema);
                    out.push(name_suggestion(&table.name, SuggestionKind::Table, detail));
                }
            }
        }
        if let Some(table) = self.qualified_table(qualifier, refs) {
            for column in table
                .columns
                .iter()
                .filter(|c| starts_with(&c.name, partial))
            {
                let detail = column.data_type.clone();
                out.push(name_suggestion(
                    &column.name,
                    SuggestionKind::Column,
                    detail,
                ));
            }
        }
    }

    /// A word on its own: columns of the tables the query names, then tables, zones, functions
    /// and keywords.
    fn unqualified(&self, out: &mut Vec<Suggestion>, partial: &NamePart, refs: &[TableRef]) {
        let mut mentioned: Vec<&Table> = Vec::new();
        for table in refs.iter().filter_map(|r| self.table(&r.name)) {
            if !mentioned.iter().any(|m| std::ptr::eq(*m, table)) {
                mentioned.push(table);
            }
        }
        for table in mentioned {
            for column in table
                .columns
                .iter()
                .filter(|c| starts_with(&c.name, partial))
            {
                let detail = format!("{} · {}", column.data_type, self.table_label(table));
                out.push(name_suggestion(
                    &column.name,
                    SuggestionKind::Column,
                    detail,
                ));
            }
        }
        for table in self.tables.iter().filter(|t| starts_with(&t.name, partial)) {
            let (text, label) = if table.schema == self.default_schema {
                (quote_ident(&table.name).into_owned(), table.name.clone())
            } else {
                (
                    quote_qualified([table.schema.as_str(), table.name.as_str()]),
                    self.table_label(table),
                )
            };
            out.push(Suggestion {
                text,
                label,
                kind: SuggestionKind::Table,
                detail: format!("table in {}", table.schema),
            });
        }
        for schema in self.schemas.iter().filter(|s| starts_with(s, partial)) {
            out.push(name_suggestion(
                schema,
                SuggestionKind::Schema,
                "zone".into(),
            ));
        }
        if partial.quoted {
            // An opened quote starts a name, never a function call or keyword.
            return;
        }
        for function in self.functions.iter().filter(|f| starts_with(f, partial)) {
            out.push(word_suggestion(
                function,
                SuggestionKind::Function,
                "function",
            ));
        }
        for keyword in KEYWORDS.iter().filter(|k| starts_with(k, partial)) {
            out.push(word_suggestion(keyword, SuggestionKind::Keyword, "keyword"));
        }
    }

    /// The catalog table a name in the query refers to: `table` in the default zone,
    /// `zone.table`, or either after a catalog name.
    fn table(&self, name: &[NamePart]) -> Option<&Table> {
        let (zone, table) = match name {
            [table] => (None, table),
            [.., zone, table] => (Some(zone), table),
            [] => return None,
        };
        self.tables.iter().find(|t| {
            table.names(&t.name)
                && zone.map_or(t.schema == self.default_schema, |z| z.names(&t.schema))
        })
    }

    /// The table whose columns follow `qualifier.`: an alias, a table the query names (by its
    /// name without the zone, as DataFusion allows), or a table name as written.
    fn qualified_table(&self, qualifier: &[NamePart], refs: &[TableRef]) -> Option<&Table> {
        if let [single] = qualifier {
            let named = |r: &&TableRef| match &r.alias {
                Some(alias) => single.names(&alias.value),
                None => r.name.last().is_some_and(|t| single.names(&t.value)),
            };
            if let Some(table) = refs.iter().find(named).and_then(|r| self.table(&r.name)) {
                return Some(table);
            }
        }
        self.table(qualifier)
    }

    /// A table as a person names it: bare in the default zone, else with its zone.
    fn table_label(&self, table: &Table) -> String {
        if table.schema == self.default_schema {
            table.name.clone()
        } else {
            format!("{}.{}", table.schema, table.name)
        }
    }
}

/// The list shown for `typed`: nothing when it is already a whole name (unless `asked`), never
/// a suggestion identical to it, no repeats, at most `limit`.
fn finish(mut out: Vec<Suggestion>, typed: &str, limit: usize, asked: bool) -> Vec<Suggestion> {
    if !asked && out.iter().any(|s| s.text.eq_ignore_ascii_case(typed)) {
        return Vec::new();
    }
    out.retain(|s| !s.text.eq_ignore_ascii_case(typed));
    out.dedup_by(|a, b| a.text == b.text && a.kind == b.kind);
    out.truncate(limit);
    out
}

/// Whether `name` starts with what was typed, ignoring case (the text inserted fixes the case).
fn starts_with(name: &str, partial: &NamePart) -> bool {
    let typed = &partial.value;
    name.len() >= typed.len()
        && name.is_char_boundary(typed.len())
        && name[..typed.len()].eq_ignore_ascii_case(typed)
}

/// A zone, table or column: inserted quoted as needed, shown as it is.
fn name_suggestion(name: &str, kind: SuggestionKind, detail: String) -> Suggestion {
    Suggestion {
        text: quote_ident(name).into_owned(),
        label: name.to_owned(),
        kind,
        detail,
    }
}

/// A function or keyword: inserted as it is.
fn word_suggestion(word: &str, kind: SuggestionKind, detail: &str) -> Suggestion {
    Suggestion {
        text: word.to_owned(),
        label: word.to_owned(),
        kind,
        detail: detail.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    use super::*;
    use crate::lake::TableInfo;
    use crate::lake::files::DataFormat;

    fn table(schema: &str, name: &str, columns: &[(&str, DataType)]) -> TableInfo {
        let fields: Vec<Field> = columns
            .iter()
            .map(|(n, t)| Field::new(*n, t.clone(), true))
            .collect();
        TableInfo {
            schema: schema.to_owned(),
            name: name.to_owned(),
            prefix: format!("{schema}/{name}/"),
            location: format!("/lake/{schema}/{name}/"),
            single_file: false,
            format: DataFormat::Parquet,
            compressions: Vec::new(),
            file_extension: ".parquet".to_owned(),
            partition_columns: Vec::new(),
            time_layout: None,
            file_count: 1,
            total_bytes: 1,
            columns: Arc::new(Schema::new(fields)),
            drift: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn completions() -> Completions {
        completions_of(vec![
            table(
                "consumption",
                "orders",
                &[("order_id", DataType::Int64), ("amount", DataType::Float64)],
            ),
            table(
                "consumption",
                "payments",
                &[("amount_cents", DataType::Int64)],
            ),
            table("landing", "order_events", &[("raw", DataType::Utf8)]),
        ])
    }

    fn completions_of(tables: Vec<TableInfo>) -> Completions {
        let catalog = Catalog {
            zoned: tables.iter().any(|t| t.schema != "public"),
            tables,
            ..Catalog::default()
        };
        Completions::new(&catalog, ["avg".to_owned(), "approx_distinct".to_owned()])
    }

    fn texts(sql: &str) -> Vec<String> {
        texts_from(&completions(), sql)
    }

    /// What would be inserted for the word ending at the end of `sql`.
    fn texts_from(completions: &Completions, sql: &str) -> Vec<String> {
        completions
            .suggest(sql, sql.len(), 20, false)
            .1
            .into_iter()
            .map(|s| s.text)
            .collect()
    }

    #[test]
    fn suggests_tables_columns_functions_and_keywords() {
        // A table outside the default zone is inserted with its zone: bare, it would not be found.
        assert_eq!(
            texts("SELECT * FROM ord"),
            ["orders", "landing.order_events", "ORDER BY"]
        );
        // Columns of the tables the query names come first.
        let sql = "SELECT a";
        let c = completions();
        let (range, got) = c.suggest("SELECT a FROM orders", sql.len(), 20, false);
        assert_eq!(range, 7..8);
        let got: Vec<&str> = got.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(got[0], "amount");
        assert!(got.contains(&"avg") && got.contains(&"approx_distinct") && got.contains(&"AND"));
        assert!(
            !got.contains(&"amount_cents"),
            "payments is not in the query"
        );
    }

    #[test]
    fn a_qualifier_narrows_to_its_table_or_zone() {
        let c = completions();
        let sql = "SELECT o.am FROM orders o";
        let (range, got) = c.suggest(sql, "SELECT o.am".len(), 20, false);
        assert_eq!(range, 9..11);
        assert_eq!(
            got.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(),
            ["amount"]
        );
        assert_eq!(texts("SELECT * FROM landing.o"), ["order_events"]);
        assert_eq!(texts("SELECT payments.a"), ["amount_cents"]);
        let sql = "SELECT o.amount FROM orders o";
        let (_, got) = completions().suggest(sql, "SELECT o.amount".len(), 20, false);
        assert!(got.is_empty(), "already whole: Enter starts a new line");
        assert!(
            texts("SELECT * FROM consumption.orders").is_empty(),
            "already whole"
        );
    }

    #[test]
    fn nothing_to_complete_gives_nothing() {
        assert!(texts("SELECT ").is_empty());
        assert!(texts("SELECT 12").is_empty());
        assert!(texts("SELECT orders").is_empty(), "already complete");
        // A whole name typed: no list (Enter makes a new line), unless asked for.
        assert!(texts("SELECT * FROM landing.order_events").is_empty());
        assert!(texts("SELECT * FROM orders").is_empty());
        assert_eq!(
            texts("SELECT * FROM order_events"),
            ["landing.order_events"],
            "not in the default zone: offered with its zone"
        );
        let sql = "SELECT * FROM orders";
        let (_, asked) = completions().suggest(sql, sql.len(), 20, true);
        assert_eq!(asked.len(), 0, "nothing longer starts with orders");
        let sql = "SELECT * FROM ord";
        let (_, asked) = completions().suggest(sql, sql.len(), 20, true);
        assert_eq!(asked.len(), 3);
    }

    /// `orders` in two zones, with different columns; landing first, as discovery sorts them.
    fn two_zones() -> Completions {
        completions_of(vec![
            table(
                "landing",
                "orders",
                &[("order_ts", DataType::Utf8), ("raw_body", DataType::Utf8)],
            ),
            table(
                "consumption",
                "orders",
                &[("order_id", DataType::Int64), ("amount", DataType::Float64)],
            ),
        ])
    }

    #[test]
    fn columns_come_from_the_zone_the_query_names() {
        let c = two_zones();
        let columns = |sql: &str, word: &str| -> Vec<String> {
            let cursor = sql.find(word).unwrap() + word.len();
            c.suggest(sql, cursor, 20, true)
                .1
                .into_iter()
                .filter(|s| s.kind == SuggestionKind::Column)
                .map(|s| s.text)
                .collect()
        };
        assert_eq!(
            columns("SELECT o FROM landing.orders", "SELECT o"),
            ["order_ts"]
        );
        assert_eq!(
            columns("SELECT o FROM orders", "SELECT o"),
            ["order_id"],
            "unqualified: the default zone"
        );
        assert_eq!(
            columns("SELECT o FROM consumption.orders", "SELECT o"),
            ["order_id"]
        );
        assert_eq!(
            columns("SELECT l.o FROM landing.orders l", "SELECT l.o"),
            ["order_ts"]
        );
        let join = "SELECT c.o, l.r FROM orders AS c JOIN landing.orders l ON c.order_id = 1";
        assert_eq!(columns(join, "SELECT c.o"), ["order_id"]);
        assert_eq!(columns(join, "SELECT c.o, l.r"), ["raw_body"]);
        assert_eq!(
            columns("SELECT orders.o FROM landing.orders", "SELECT orders.o"),
            ["order_ts"],
            "the table's name stands for the zone the query named"
        );
        assert_eq!(
            columns("SELECT orders.o", "SELECT orders.o"),
            ["order_id"],
            "no FROM yet: the default zone"
        );
        assert_eq!(
            columns("SELECT landing.orders.o", "SELECT landing.orders.o"),
            ["order_ts"]
        );
        // Both zones offer their table, each written so that it names that zone.
        assert_eq!(
            texts_from(&c, "SELECT * FROM ord"),
            ["landing.orders", "orders", "ORDER BY"]
        );
        assert_eq!(texts_from(&c, "SELECT * FROM landing.o"), ["orders"]);
    }

    fn awkward() -> Completions {
        completions_of(vec![table(
            "public",
            "visits",
            &[
                ("userId", DataType::Utf8),
                ("page views", DataType::Int64),
                ("order", DataType::Int64),
                ("amount", DataType::Int64),
            ],
        )])
    }

    #[test]
    fn inserts_names_quoted_where_sql_needs_it() {
        let c = awkward();
        let (_, got) = c.suggest("SELECT us FROM visits", 9, 20, false);
        let user = got
            .iter()
            .find(|s| s.kind == SuggestionKind::Column)
            .unwrap();
        assert_eq!(
            (user.text.as_str(), user.label.as_str()),
            ("\"userId\"", "userId"),
            "inserted quoted, shown as it is"
        );
        let columns = |sql: &str, cursor: usize| -> (Range<usize>, Vec<String>) {
            let (range, got) = c.suggest(sql, cursor, 20, false);
            let got = got
                .into_iter()
                .filter(|s| s.kind == SuggestionKind::Column)
                .map(|s| s.text)
                .collect();
            (range, got)
        };
        // An opened quote still finds the name, and is replaced along with the word.
        let sql = "SELECT \"user FROM visits";
        assert_eq!(columns(sql, 12), (7..12, vec!["\"userId\"".to_owned()]));
        let sql = "SELECT \"page v FROM visits";
        assert_eq!(columns(sql, 14), (7..14, vec!["\"page views\"".to_owned()]));
        let sql = "SELECT v.\"am FROM visits v";
        assert_eq!(
            columns(sql, 12),
            (9..12, vec!["amount".to_owned()]),
            "quoting only what needs it"
        );
        assert_eq!(
            columns("SELECT v.or FROM visits v", 11).1,
            ["\"order\""],
            "keywords are quoted"
        );
        // Typed in lower case: still offered, with the case that makes it work.
        assert_eq!(columns("SELECT userid FROM visits", 13).1, ["\"userId\""]);
        // A quote opened is a name: no functions or keywords.
        assert!(texts("SELECT \"a").iter().all(|t| t != "avg" && t != "AND"));
        assert!(
            columns("SELECT \"userId\" FROM visits", 15).1.is_empty(),
            "closed: done"
        );
    }

    /// Applies the first suggestion for the word ending at `cursor`, as the editor does.
    fn accept(c: &Completions, sql: &str, cursor: usize) -> String {
        let (range, got) = c.suggest(sql, cursor, 20, false);
        let first = got
            .first()
            .unwrap_or_else(|| panic!("no suggestion at {cursor} in {sql}"));
        let mut sql = sql.to_owned();
        sql.replace_range(range, &first.text);
        sql
    }

    #[tokio::test]
    async fn completed_queries_run_in_datafusion() {
        use datafusion::arrow::array::{Int64Array, StringArray};
        use datafusion::arrow::record_batch::RecordBatch;
        use datafusion::common::TableReference;
        use datafusion::datasource::MemTable;
        use datafusion::prelude::SessionContext;

        let schema = Arc::new(Schema::new(vec![
            Field::new("userId", DataType::Utf8, true),
            Field::new("page views", DataType::Int64, true),
            Field::new("order", DataType::Int64, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec!["u1", "u2"])),
                Arc::new(Int64Array::from(vec![3, 4])),
                Arc::new(Int64Array::from(vec![1, 2])),
            ],
        )
        .unwrap();
        let mut info = table("public", "Page Visits", &[]);
        info.columns = schema.clone();
        let c = completions_of(vec![info]);
        let ctx = SessionContext::new();
        let table = MemTable::try_new(schema, vec![vec![batch]]).unwrap();
        let name = TableReference::bare("Page Visits");
        ctx.register_table(name, Arc::new(table)).unwrap();

        // Type a few letters of each name and take the first suggestion, as a user would.
        let mut sql = "SELECT * FROM pag".to_owned();
        sql = accept(&c, &sql, sql.len());
        assert_eq!(sql, "SELECT * FROM \"Page Visits\"");
        sql.replace_range(7..8, "us");
        sql = accept(&c, &sql, 9);
        sql.insert_str(sql.find(" FROM").unwrap(), ", \"page");
        sql = accept(&c, &sql, sql.find(" FROM").unwrap());
        sql.push_str(" ORDER BY o");
        sql = accept(&c, &sql, sql.len());
        assert_eq!(
            sql,
            "SELECT \"userId\", \"page views\" FROM \"Page Visits\" ORDER BY \"order\""
        );
        let batches = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(rows, 2);
        assert_eq!(batches[0].schema().field(0).name(), "userId");
        assert_eq!(batches[0].schema().field(1).name(), "page views");
    }
}
