//! Errors of the `engine` layer, worded for the person who has to act on them.

use std::time::Duration;

use datafusion::error::DataFusionError;

use crate::lake::LakeError;

/// Why a query or an attach failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A statement that would write or change settings.
    #[error(
        "Lakesight is read-only: {0} statements are not allowed. Run a query instead (SELECT, WITH … SELECT, EXPLAIN, SHOW TABLES, DESCRIBE)"
    )]
    ReadOnly(String),
    /// More than one statement in one request.
    #[error("found {0} statements; run one statement at a time")]
    MultipleStatements(usize),
    /// Nothing to run.
    #[error("the query is empty")]
    EmptyQuery,
    /// Invalid SQL or a planning error (unknown column, type mismatch, …).
    #[error("{}", tidy(.0))]
    Sql(DataFusionError),
    /// A table the query names could not be read when the lake was discovered.
    #[error(
        "table {name} is unavailable: {reason} (at {location}); fix the data and run `tables` again"
    )]
    TableUnavailable {
        /// `schema.table`.
        name: String,
        /// Why discovery could not read it.
        reason: String,
        /// Where it is.
        location: String,
    },
    /// A data file failed to decode; the message names it.
    #[error("could not read table {table}: {reason} (file: {path})")]
    UnreadableFile {
        /// `schema.table`.
        table: String,
        /// The file's full location.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A Parquet or Arrow file failed to decode, and reading the tables' files one by one to find
    /// it ran out of budget first.
    #[error(
        "query failed: {}; checked {checked} of {total} files in {:.1} s without finding the broken one",
        tidy(.source),
        .elapsed.as_secs_f64()
    )]
    BrokenFileNotFound {
        /// The decoding error.
        source: DataFusionError,
        /// Files read without error.
        checked: usize,
        /// Files that could have been the broken one.
        total: usize,
        /// Time spent looking.
        elapsed: Duration,
    },
    /// Reading from the lake's storage failed (S3 access, network, a vanished file).
    #[error("could not read from the lake: {0}")]
    Storage(String),
    /// The query failed while running.
    #[error("query failed: {}", tidy(.0))]
    Execution(DataFusionError),
    /// Attaching or discovering the lake failed.
    #[error(transparent)]
    Lake(#[from] LakeError),
    /// The query's parameters could not be bound.
    #[error(transparent)]
    Param(#[from] super::params::ParamError),
    /// The cluster the query was sent to could not be reached, or could not run it.
    #[error("{0}")]
    Cluster(String),
    /// The engine could not be set up (memory pool, spill folder, …).
    #[error("could not start the query engine: {0}")]
    Setup(String),
}

/// DataFusion's message without backtraces, debug wrappers or generic prefixes.
fn tidy(err: &DataFusionError) -> String {
    use datafusion::sql::sqlparser::parser::ParserError;
    if let DataFusionError::SQL(inner, _) = err.find_root() {
        return match inner.as_ref() {
            ParserError::ParserError(msg) | ParserError::TokenizerError(msg) => {
                format!("SQL syntax error: {msg}")
            }
            ParserError::RecursionLimitExceeded => {
                "SQL syntax error: the query nests too deeply".to_owned()
            }
        };
    }
    if let DataFusionError::ResourcesExhausted(detail) = err.find_root() {
        let first_line = detail.lines().next().unwrap_or_default();
        return format!(
            "the query needs more memory than the engine's limit ({first_line}); raise --memory-limit, or filter or aggregate more"
        );
    }
    // The innermost error says what is wrong; the outer ones name optimizer passes.
    let text = err
        .find_root()
        .strip_backtrace()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let text = text
        .strip_prefix("Error during planning: ")
        .unwrap_or(&text);
    if text.starts_with("table '") && text.ends_with("not found") {
        return format!(
            "{text}: queries read only the tables of the attached lake (run `lakesight tables` to list them)"
        );
    }
    text.to_owned()
}
