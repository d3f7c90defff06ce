//! The read-only rule: only queries run. DDL, DML, `COPY`, `SET` and the like are refused before
//! planning, with a message saying what may run instead.

use datafusion::sql::parser::{DFParser, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::Statement;

use super::error::EngineError;

/// What DataFusion itself lets a read-only statement plan: no DDL, no DML, no `SET`.
pub(super) fn read_only_options() -> datafusion::prelude::SQLOptions {
    datafusion::prelude::SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// Checks that `sql` is one read-only statement.
pub fn check_read_only(sql: &str) -> Result<(), EngineError> {
    let statements = DFParser::parse_sql(sql).map_err(EngineError::Sql)?;
    match statements.len() {
        0 => return Err(EngineError::EmptyQuery),
        1 => {}
        n => return Err(EngineError::MultipleStatements(n)),
    }
    statements.iter().try_for_each(check_statement)
}

fn check_statement(statement: &DfStatement) -> Result<(), EngineError> {
    match statement {
        DfStatement::Statement(inner) => match inner.as_ref() {
            Statement::Query(_)
            | Statement::ShowTables { .. }
            | Statement::ShowColumns { .. }
            | Statement::ExplainTable { .. }
            | Statement::ShowVariable { .. } => Ok(()),
            // EXPLAIN ANALYZE runs its statement, so the statement must be read-only too.
            Statement::Explain { statement, .. } => {
                check_statement(&DfStatement::Statement(statement.clone()))
            }
            other => Err(refused(&other.to_string())),
        },
        DfStatement::Explain(explain) => check_statement(&explain.statement),
        other => Err(refused(&other.to_string())),
    }
}

fn refused(statement_sql: &str) -> EngineError {
    let mut words = statement_sql
        .split_whitespace()
        .map(str::to_ascii_uppercase);
    let first = words.next().unwrap_or_default();
    let kind = match first.as_str() {
        "CREATE" | "DROP" | "ALTER" | "TRUNCATE" => {
            let mut kind = first.clone();
            for word in words.take(3) {
                kind.push(' ');
                kind.push_str(&word);
                if !matches!(
                    word.as_str(),
                    "OR" | "REPLACE" | "EXTERNAL" | "TEMPORARY" | "TEMP" | "UNBOUNDED"
                ) {
                    break;
                }
            }
            kind
        }
        _ => first,
    };
    EngineError::ReadOnly(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_pass_and_writes_are_refused() {
        for ok in [
            "SELECT 1",
            "WITH t AS (SELECT 1 AS x) SELECT * FROM t",
            "EXPLAIN SELECT 1",
            "SHOW TABLES",
            "DESCRIBE orders",
        ] {
            assert!(check_read_only(ok).is_ok(), "{ok}");
        }
        for (sql, kind) in [
            ("CREATE TABLE t AS SELECT 1", "CREATE TABLE"),
            (
                "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/etc/passwd'",
                "CREATE EXTERNAL TABLE",
            ),
            ("INSERT INTO orders VALUES (1)", "INSERT"),
            ("DELETE FROM orders", "DELETE"),
            ("COPY (SELECT 1) TO '/tmp/x.csv'", "COPY"),
            ("SET datafusion.execution.batch_size = 1", "SET"),
            ("DROP TABLE orders", "DROP TABLE"),
            ("EXPLAIN ANALYZE INSERT INTO orders VALUES (1)", "INSERT"),
        ] {
            match check_read_only(sql) {
                Err(EngineError::ReadOnly(found)) => assert_eq!(found, kind, "{sql}"),
                other => panic!("{sql} should be refused, got {other:?}"),
            }
        }
        assert!(matches!(
            check_read_only("SELECT 1; SELECT 2"),
            Err(EngineError::MultipleStatements(2))
        ));
    }
}
