//! Autocomplete for the SQL editor: the lake's zones, tables and columns, the session's functions
//! and common keywords, ranked for the word being typed.

use std::collections::BTreeSet;
use std::ops::Range;

use crate::lake::Catalog;

use super::text::{TokenKind, tokenize, word_before};

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
    /// The text inserted in place of the word being typed.
    pub text: String,
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
    table: String,
    name: String,
    data_type: String,
}

/// Everything that can be suggested for one attached lake.
pub struct Completions {
    schemas: Vec<String>,
    /// `(schema, table)`.
    tables: Vec<(String, String)>,
    columns: Vec<Column>,
    functions: Vec<String>,
}

impl Completions {
    /// Suggestions from a catalog and the session's function names.
    pub fn new(catalog: &Catalog, functions: impl IntoIterator<Item = String>) -> Self {
        let schemas: BTreeSet<String> = catalog.tables.iter().map(|t| t.schema.clone()).collect();
        let functions: BTreeSet<String> = functions.into_iter().collect();
        Self {
            schemas: schemas.into_iter().collect(),
            tables: catalog
                .tables
                .iter()
                .map(|t| (t.schema.clone(), t.name.clone()))
                .collect(),
            columns: catalog
                .tables
                .iter()
                .flat_map(|t| {
                    t.columns.fields().iter().map(|f| Column {
                        table: t.name.clone(),
                        name: f.name().clone(),
                        data_type: f.data_type().to_string(),
                    })
                })
                .collect(),
            functions: functions.into_iter().collect(),
        }
    }

    /// Suggestions for the word ending at byte `cursor` of `sql`, best first, at most `limit`;
    /// with the byte range they replace. Nothing when no word is being typed, or (unless `asked`,
    /// as with Ctrl+Space) when the word typed is already a whole name: then Enter must still
    /// start a new line rather than turn `orders` into `orders_csv`.
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
        let mut out = Vec::new();
        if let Some((qualifier, partial)) = typed.rsplit_once('.') {
            let replace = word.end - partial.len()..word.end;
            let qualifier = qualifier.rsplit('.').next().unwrap_or(qualifier);
            if self
                .schemas
                .iter()
                .any(|s| s.eq_ignore_ascii_case(qualifier))
            {
                for (_, table) in self
                    .tables
                    .iter()
                    .filter(|(s, _)| s.eq_ignore_ascii_case(qualifier))
                {
                    push_match(&mut out, partial, table, SuggestionKind::Table, "table");
                }
            }
            let table = resolve_alias(sql, qualifier).unwrap_or_else(|| qualifier.to_owned());
            for column in self.columns_of(&table) {
                push_match(
                    &mut out,
                    partial,
                    &column.name,
                    SuggestionKind::Column,
                    &column.data_type,
                );
            }
            return (replace, finish(out, partial, limit, asked));
        }
        let mentioned = self.mentioned_tables(sql);
        for table in &mentioned {
            for column in self.columns_of(table) {
                let detail = format!("{} · {}", column.data_type, column.table);
                push_match(
                    &mut out,
                    typed,
                    &column.name,
                    SuggestionKind::Column,
                    &detail,
                );
            }
        }
        for (schema, table) in &self.tables {
            let detail = format!("table in {schema}");
            push_match(&mut out, typed, table, SuggestionKind::Table, &detail);
        }
        for schema in &self.schemas {
            push_match(&mut out, typed, schema, SuggestionKind::Schema, "zone");
        }
        for function in &self.functions {
            push_match(
                &mut out,
                typed,
                function,
                SuggestionKind::Function,
                "function",
            );
        }
        for keyword in KEYWORDS {
            push_match(&mut out, typed, keyword, SuggestionKind::Keyword, "keyword");
        }
        (word, finish(out, typed, limit, asked))
    }

    fn columns_of<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a Column> + 'a {
        let table = table.rsplit('.').next().unwrap_or(table);
        self.columns
            .iter()
            .filter(move |c| c.table.eq_ignore_ascii_case(table))
    }

    /// Known tables named in `sql`, in order of appearance.
    fn mentioned_tables(&self, sql: &str) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        for token in tokenize(sql) {
            if token.kind != TokenKind::Identifier {
                continue;
            }
            let text = sql[token.range].trim_matches('"');
            if let Some((_, name)) = self
                .tables
                .iter()
                .find(|(_, name)| name.eq_ignore_ascii_case(text))
                && !found.contains(name)
            {
                found.push(name.clone());
            }
        }
        found
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

fn push_match(
    out: &mut Vec<Suggestion>,
    typed: &str,
    text: &str,
    kind: SuggestionKind,
    detail: &str,
) {
    let matches = text.len() >= typed.len()
        && text.is_char_boundary(typed.len())
        && text[..typed.len()].eq_ignore_ascii_case(typed);
    if matches {
        out.push(Suggestion {
            text: text.to_owned(),
            kind,
            detail: detail.to_owned(),
        });
    }
}

/// The table an alias stands for: `FROM orders o` or `JOIN consumption.orders AS o`.
fn resolve_alias(sql: &str, alias: &str) -> Option<String> {
    let words = dotted_words(sql);
    let is = |word: &str, keyword: &str| word.eq_ignore_ascii_case(keyword);
    words.iter().enumerate().find_map(|(i, word)| {
        if !(is(word, "FROM") || is(word, "JOIN")) {
            return None;
        }
        let table = words.get(i + 1)?;
        let name = match words.get(i + 2) {
            Some(w) if is(w, "AS") => words.get(i + 3)?,
            Some(w) => w,
            None => return None,
        };
        is(name, alias).then(|| table.clone())
    })
}

/// The words of `sql` (identifiers and keywords), with dotted names kept whole: `a.b.c`.
fn dotted_words(sql: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut join_next = false;
    for token in tokenize(sql) {
        let text = sql[token.range].trim();
        match token.kind {
            TokenKind::Identifier | TokenKind::Keyword => {
                let text = text.trim_matches('"');
                match words.last_mut() {
                    Some(last) if join_next => {
                        last.push('.');
                        last.push_str(text);
                    }
                    _ => words.push(text.to_owned()),
                }
                join_next = false;
            }
            TokenKind::Plain if text == "." => join_next = true,
            TokenKind::Plain if text.is_empty() => {}
            _ => join_next = false,
        }
    }
    words
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
            file_count: 1,
            total_bytes: 1,
            columns: Arc::new(Schema::new(fields)),
            drift: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn completions() -> Completions {
        let catalog = Catalog {
            zoned: true,
            tables: vec![
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
            ],
            ..Catalog::default()
        };
        Completions::new(&catalog, ["avg".to_owned(), "approx_distinct".to_owned()])
    }

    fn texts(sql: &str) -> Vec<String> {
        completions()
            .suggest(sql, sql.len(), 20, false)
            .1
            .into_iter()
            .map(|s| s.text)
            .collect()
    }

    #[test]
    fn suggests_tables_columns_functions_and_keywords() {
        assert_eq!(
            texts("SELECT * FROM ord"),
            ["orders", "order_events", "ORDER BY"]
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
        assert!(texts("SELECT * FROM order_events").is_empty());
        assert!(texts("SELECT * FROM orders").is_empty());
        let sql = "SELECT * FROM orders";
        let (_, asked) = completions().suggest(sql, sql.len(), 20, true);
        assert_eq!(asked.len(), 0, "nothing longer starts with orders");
        let sql = "SELECT * FROM ord";
        let (_, asked) = completions().suggest(sql, sql.len(), 20, true);
        assert_eq!(asked.len(), 3);
    }
}
