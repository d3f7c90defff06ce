//! Glue-style transform jobs: each job turns one table of a lake into a partitioned Parquet
//! table of an output lake, partition by partition, incrementally and crash-safely.
//!
//! - Each output partition is built from the input files of the same partition (the SQL's
//!   `input`) into one Parquet file with a fixed name, published whole ([`output`]).
//! - A bookmark per partition ([`bookmark`]) records the input files it was built from; a run
//!   builds only partitions whose files were added, changed or removed ([`plan`]), and writes
//!   the bookmark only after the partition's file is published, so a run killed anywhere and
//!   run again ends with the rows a clean run gives.
//! - Bad input fails its partition (the previous output stays) or, with `skip_bad_files`, is
//!   recorded and left out; the other partitions go on.

pub mod bookmark;
pub mod output;
pub mod plan;
mod run;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use serde::Serialize;

pub use bookmark::SkippedFile;
pub use output::OutputLake;
pub use plan::Reason;
pub use run::{ProgressFn, run_jobs, status};

use crate::engine::EngineOptions;

/// How a run goes.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Only this job (`--job`).
    pub job: Option<String>,
    /// Rebuild every partition (`--full`).
    pub full: bool,
    /// Record and leave out input files that cannot be read instead of failing their partition.
    pub skip_bad_files: bool,
    /// Partitions built at once (0: one per core).
    pub concurrency: usize,
    /// Leave failed partitions whose input files have not changed since they failed (a run of
    /// `--follow` after its first: a corrupt file fails once, not every few seconds).
    pub hold_failed: bool,
    /// Set to stop between partitions (Ctrl-C): partitions under way finish, none start.
    pub stop: Arc<AtomicBool>,
    /// How the lakes are read.
    pub engine: EngineOptions,
    /// Each job's bookmarks as the last run left them, kept between the runs of one process
    /// (`--follow`) so a run does not read them all again; `None`: read them every run.
    pub states: Option<States>,
}

/// Bookmarks kept between runs, by job id.
pub type States = Arc<Mutex<HashMap<String, bookmark::JobState>>>;

/// What a run reports as it goes.
#[derive(Clone, Debug)]
pub enum Progress {
    /// A job's plan is known.
    JobStarted {
        /// The job.
        job: String,
        /// Its partitions.
        partitions: usize,
        /// Partitions it builds.
        building: usize,
        /// Partitions whose inputs are gone (their files are removed).
        removing: usize,
        /// Failed partitions not tried again (their files have not changed).
        held: usize,
    },
    /// A partition was published.
    PartitionBuilt {
        /// The job.
        job: String,
        /// Rows written.
        rows: u64,
        /// Bytes written.
        bytes: u64,
    },
    /// A partition failed.
    PartitionFailed(PartitionFailure),
}

/// A partition that could not be built.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PartitionFailure {
    /// The job.
    pub job: String,
    /// The partition.
    pub partition: String,
    /// The input file that caused it, when one did.
    pub file: Option<String>,
    /// What went wrong.
    pub error: String,
}

/// What a run did to one job (`--format json` prints these).
#[derive(Clone, Debug, Default, Serialize)]
pub struct JobReport {
    /// The job.
    pub job: String,
    /// Its input table.
    pub input: String,
    /// Its output table folder.
    pub output: String,
    /// Partitions of its input.
    pub partitions: usize,
    /// Partitions that were up to date.
    pub up_to_date: usize,
    /// Partitions built.
    pub built: usize,
    /// Partitions removed (their inputs were gone).
    pub removed: usize,
    /// Partitions not started because the run was stopped.
    pub not_started: usize,
    /// Partitions that failed.
    pub failed: Vec<PartitionFailure>,
    /// Partitions whose last build failed, not tried again since their files have not changed.
    pub held_failed: usize,
    /// Input files left out (`--skip-bad-files`).
    pub skipped_files: Vec<SkippedFile>,
    /// Input files outside the partition folders, not read.
    pub outside_partitions: usize,
    /// Rows written.
    pub rows: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Seconds the job took.
    pub seconds: f64,
    /// Why the job did not run at all, if it did not.
    pub error: Option<String>,
}

/// A whole run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunReport {
    /// The output lake.
    pub into: String,
    /// Each job run, in run order.
    pub jobs: Vec<JobReport>,
}

impl RunReport {
    /// Whether every selected job ran and every partition was built.
    pub fn succeeded(&self) -> bool {
        self.jobs
            .iter()
            .all(|j| j.failed.is_empty() && j.error.is_none() && j.not_started == 0)
    }
}

/// Per job, how its partitions stand (`transform status`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct JobStatus {
    /// The job.
    pub job: String,
    /// Its output table folder.
    pub output: String,
    /// Partitions of its input.
    pub partitions: usize,
    /// Partitions up to date.
    pub up_to_date: usize,
    /// Partitions a run would build, and why.
    pub stale: Vec<StalePartition>,
    /// Partitions whose last build failed.
    pub failed: Vec<PartitionFailure>,
    /// Built partitions whose inputs are gone.
    pub removable: usize,
    /// Why the job's state could not be read, if it could not.
    pub error: Option<String>,
}

/// A partition a run would build.
#[derive(Clone, Debug, Serialize)]
pub struct StalePartition {
    /// The partition.
    pub partition: String,
    /// Why.
    pub reason: Reason,
}

/// A failure that stops a run before it builds anything.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{0}")]
pub struct TransformError(pub String);
