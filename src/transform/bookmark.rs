//! Job bookmarks, kept in the output lake under `_lakesight/` (a folder discovery never shows):
//! one small JSON file per output partition saying which input files it was built from. A
//! bookmark is written only after its partition's file is published, so a run killed between
//! the two rebuilds that partition next time (same inputs, same file: nothing lost, nothing
//! twice). A partition that failed has a failure record beside it until it is built.

use std::collections::HashMap;

use object_store::ObjectMeta;
use serde::{Deserialize, Serialize};

use super::output::OutputLake;
use crate::model::sha256_hex;

/// The output lake's folder for what transforms keep (hidden from discovery by its `_`).
pub const STATE_FOLDER: &str = "_lakesight";

/// The version of the bookmark format.
const VERSION: u32 = 1;

/// An input file as a bookmark remembers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// Path relative to the input lake.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification time, RFC 3339.
    pub modified: String,
    /// The store's `ETag`, when it gives one.
    pub etag: Option<String>,
}

impl From<&ObjectMeta> for InputFile {
    fn from(meta: &ObjectMeta) -> Self {
        Self {
            path: meta.location.to_string(),
            size: meta.size,
            modified: meta
                .last_modified
                .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            etag: meta.e_tag.clone(),
        }
    }
}

/// An input file left out of its partition (`--skip-bad-files`), and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedFile {
    /// Path relative to the input lake.
    pub path: String,
    /// What was wrong with it.
    pub reason: String,
}

/// What one output partition was built from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bookmark {
    /// Format version.
    pub version: u32,
    /// The job.
    pub job: String,
    /// The partition (`year=2026/month=11`, empty for an unpartitioned output).
    pub partition: String,
    /// The job's definition it was built with ([`super::fingerprint`]).
    pub fingerprint: String,
    /// The published file, relative to the output lake.
    pub output: String,
    /// Rows written.
    pub rows: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Every input file of the partition when it was built, skipped ones included.
    pub inputs: Vec<InputFile>,
    /// Input files left out.
    #[serde(default)]
    pub skipped: Vec<SkippedFile>,
    /// When it was built, RFC 3339.
    pub built_at: String,
}

/// A partition whose last build failed (its previous output, if any, is still in place).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Format version.
    pub version: u32,
    /// The job, the partition, the file that caused it and what went wrong.
    #[serde(flatten)]
    pub what: super::PartitionFailure,
    /// The input files it was tried with.
    pub inputs: Vec<InputFile>,
    /// When, RFC 3339.
    pub failed_at: String,
}

/// What the output lake holds for one job.
#[derive(Clone, Debug, Default)]
pub struct JobState {
    /// Built partitions, by partition.
    pub built: HashMap<String, Bookmark>,
    /// Failed partitions, by partition.
    pub failed: HashMap<String, Failure>,
    /// Bookmark files that could not be read (their partitions are rebuilt).
    pub unreadable: Vec<String>,
}

/// The folder of `job`'s bookmarks and failure records.
pub fn job_folder(job: &str) -> String {
    format!("{STATE_FOLDER}/jobs/{job}")
}

fn name_of(partition: &str) -> String {
    let hash = sha256_hex(partition.as_bytes());
    format!("{}.json", &hash[..32])
}

/// Where `partition`'s bookmark lives.
pub fn bookmark_path(job: &str, partition: &str) -> String {
    format!("{}/built/{}", job_folder(job), name_of(partition))
}

/// Where `partition`'s failure record lives.
pub fn failure_path(job: &str, partition: &str) -> String {
    format!("{}/failed/{}", job_folder(job), name_of(partition))
}

/// Reads every bookmark and failure record of `job`.
pub async fn load(out: &OutputLake, job: &str) -> Result<JobState, String> {
    let mut state = JobState::default();
    for path in out.list(&job_folder(job)).await? {
        let built = path.contains("/built/");
        let record = path.rsplit_once('.').is_some_and(|(_, ext)| ext == "json");
        if !record || !(built || path.contains("/failed/")) {
            continue;
        }
        let Some(bytes) = out.get(&path).await? else {
            continue;
        };
        if built {
            match serde_json::from_slice::<Bookmark>(&bytes) {
                Ok(b) if b.version == VERSION => {
                    state.built.insert(b.partition.clone(), b);
                }
                _ => state.unreadable.push(path),
            }
        } else if let Ok(f) = serde_json::from_slice::<Failure>(&bytes) {
            state.failed.insert(f.what.partition.clone(), f);
        }
    }
    Ok(state)
}

/// Records a built partition (after its file is published) and clears its failure record.
pub async fn record_built(out: &OutputLake, mut bookmark: Bookmark) -> Result<(), String> {
    bookmark.version = VERSION;
    let bytes = serde_json::to_vec_pretty(&bookmark).map_err(|e| e.to_string())?;
    out.put(&bookmark_path(&bookmark.job, &bookmark.partition), bytes)
        .await?;
    out.delete(&failure_path(&bookmark.job, &bookmark.partition))
        .await
}

/// Records a failed partition.
pub async fn record_failure(out: &OutputLake, mut failure: Failure) -> Result<(), String> {
    failure.version = VERSION;
    let bytes = serde_json::to_vec_pretty(&failure).map_err(|e| e.to_string())?;
    out.put(
        &failure_path(&failure.what.job, &failure.what.partition),
        bytes,
    )
    .await
}

/// Forgets a partition whose inputs are all gone (after its file is removed).
pub async fn forget(out: &OutputLake, job: &str, partition: &str) -> Result<(), String> {
    out.delete(&bookmark_path(job, partition)).await?;
    out.delete(&failure_path(job, partition)).await
}

/// Now, RFC 3339.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
