//! Errors of the `lake` layer, worded for the person who has to act on them.

use std::path::PathBuf;

/// A data file that could not be decoded; carried inside DataFusion errors so the engine can say
/// which file failed.
#[derive(Debug, thiserror::Error)]
#[error("unreadable {format} file: {reason} (file: {path})")]
pub struct UnreadableFile {
    /// The format the table expects.
    pub format: String,
    /// The full location of the file, as a person would write it.
    pub path: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Failures attaching to or discovering a lake.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    /// The local folder does not exist.
    #[error("folder not found: {}", .0.display())]
    FolderNotFound(PathBuf),
    /// The path exists but is not a folder.
    #[error("not a folder: {} (attach the folder that holds the tables)", .0.display())]
    NotAFolder(PathBuf),
    /// A source kind this build cannot attach yet.
    #[error("{0}")]
    Unsupported(String),
    /// Listing or reading the store failed.
    #[error("could not list {location}: {message}")]
    List {
        /// What was being listed.
        location: String,
        /// The store's error, explained.
        message: String,
    },
    /// Reaching S3 or reading the AWS configuration failed.
    #[error("{0}")]
    Aws(String),
    /// The AWS config or credentials file could not be read or parsed.
    #[error(transparent)]
    Profiles(#[from] super::aws::ProfilesError),
    /// Preparing the bundled sample lake failed.
    #[error("could not prepare the bundled sample lake in {}: {source}", path.display())]
    SampleLake {
        /// Where it was being extracted.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}

/// An error and its causes on one line, without repeating a cause its parent already quotes.
pub fn error_text(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
