//! Synthetic streaming data for lakesight: a live Firehose-style simulator
//! (`run`) that keeps delivering landing-zone JSON and consumption-zone
//! Parquet into a lake folder, and a deterministic sample-lake generator
//! (`generate_sample_lake`) that writes a few days of history for demos and
//! tests. Both draw events from the same generators and scenario rules so the
//! live and historical data look alike. The simulator reads time from a
//! [`Clock`], so tests run it on a [`VirtualClock`] with no waiting at all.

mod clock;
mod distributions;
mod encode;
mod generate;
mod run;
mod sample;
mod scenario;
mod schema;

#[cfg(test)]
mod run_tests;
#[cfg(test)]
mod sample_tests;

use std::path::PathBuf;

pub use clock::{Clock, SystemClock, VirtualClock};
pub use run::{FlushReport, Pace, SimConfig, SimReport, run, run_with_clock};
pub use sample::{SampleReport, SampleSpan, generate_sample_lake, generate_sample_lake_for};
pub use scenario::{Scenario, Story};
pub use schema::Stream;

/// Boxed error used for encoder failures from different libraries.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Everything that can go wrong while simulating or generating a lake.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A folder of the lake could not be created.
    #[error("could not create folder {path}: {source}")]
    CreateDir {
        /// The folder that could not be created.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// An object could not be written or moved into place.
    #[error("could not write {path}: {source}")]
    Write {
        /// The object that could not be written.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// Records could not be encoded in an output format.
    #[error("could not encode {format} for {path}: {source}")]
    Encode {
        /// The output format, such as "parquet" or "gzip json".
        format: &'static str,
        /// The object the encoded bytes were meant for.
        path: PathBuf,
        /// The encoder's error.
        source: BoxError,
    },
    /// The simulator settings cannot produce a valid run.
    #[error("invalid simulator setting: {0}")]
    Config(String),
    /// A scenario name did not match any known scenario.
    #[error("unknown scenario '{name}' (expected one of: steady, error-spike, revenue-drop)")]
    UnknownScenario {
        /// The name that was given.
        name: String,
    },
    /// A background write task panicked or was cancelled.
    #[error("background write task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}
