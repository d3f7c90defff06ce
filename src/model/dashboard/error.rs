//! Errors of dashboard files: one [`DashboardError`] per problem, each with its line and column,
//! gathered into [`InvalidDashboard`]; [`DashboardFileError`] for reading, saving and editing.

use std::fmt;
use std::path::PathBuf;

/// What part of the file a problem is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The file as a whole (TOML syntax, an unknown key).
    File,
    /// A top-level key (`time_range`).
    Key(String),
    /// A `[[visuals]]` entry, by id.
    Visual(String),
    /// A `[[params]]` entry, by name.
    Param(String),
    /// An `[[alerts]]` entry, by id.
    Alert(String),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File => Ok(()),
            Self::Key(key) => write!(f, "`{key}`: "),
            Self::Visual(id) => write!(f, "visual `{id}`: "),
            Self::Alert(id) => write!(f, "alert `{id}`: "),
            Self::Param(name) => write!(f, "param `{name}`: "),
        }
    }
}

/// One problem of a dashboard file, where it is (1-based line and column) and what it is about.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {subject}{message}")]
pub struct DashboardError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The key, visual or param the problem is about.
    pub subject: Subject,
    /// What is wrong and how to put it right.
    pub message: String,
}

impl DashboardError {
    /// A problem at byte `offset` of `text`.
    pub(crate) fn at(text: &str, offset: usize, subject: Subject, message: String) -> Self {
        let (line, column) = line_column(text, offset);
        Self {
            line,
            column,
            subject,
            message,
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// Every problem found in a dashboard file, in file order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct InvalidDashboard {
    /// The problems, at least one.
    pub problems: Vec<DashboardError>,
}

impl fmt::Display for InvalidDashboard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        write!(
            f,
            "the dashboard has {count} problem{}:",
            if count == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

/// A dashboard file that could not be read, saved or edited.
#[derive(Debug, thiserror::Error)]
pub enum DashboardFileError {
    /// The file could not be read.
    #[error("cannot read the dashboard: {source}: {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file could not be written; the file on disk is unchanged.
    #[error("cannot save the dashboard (the file on disk is unchanged): {source}: {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The text is not a valid dashboard (or an edit would make it one no longer).
    #[error("{0}")]
    Invalid(#[from] InvalidDashboard),
    /// An edit named a visual the dashboard does not have.
    #[error("the dashboard has no visual `{0}`")]
    UnknownVisual(String),
}
