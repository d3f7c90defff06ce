//! Which output partitions a run builds: the input table's files grouped by the output's
//! partition keys, each compared with its bookmark.

use std::collections::{BTreeMap, BTreeSet};

use object_store::ObjectMeta;
use serde::Serialize;

use super::bookmark::{InputFile, JobState};

/// The name of every partition's file: fixed, so a rebuild replaces it.
pub const PART_FILE: &str = "part-00000.parquet";

/// An output partition and the input files it is built from.
#[derive(Clone, Debug)]
pub struct Partition {
    /// `year=2026/month=11` (empty for an unpartitioned output).
    pub key: String,
    /// `(key, value)` of each partition key.
    pub values: Vec<(String, String)>,
    /// Its input files, sorted by path.
    pub files: Vec<ObjectMeta>,
}

impl Partition {
    /// Its file under the output table folder `output`.
    pub fn output_path(&self, output: &str) -> String {
        if self.key.is_empty() {
            format!("{output}/{PART_FILE}")
        } else {
            format!("{output}/{}/{PART_FILE}", self.key)
        }
    }

    /// Its inputs as a bookmark records them.
    pub fn inputs(&self) -> Vec<InputFile> {
        self.files.iter().map(InputFile::from).collect()
    }
}

/// Groups `files` of the table at `prefix` by the leading `keys` of their `key=value` folders.
/// Files outside such folders are returned apart (they belong to no partition).
pub fn group(
    prefix: &str,
    files: Vec<ObjectMeta>,
    keys: &[String],
) -> (Vec<Partition>, Vec<ObjectMeta>) {
    let mut groups: BTreeMap<String, Partition> = BTreeMap::new();
    let mut outside = Vec::new();
    for meta in files {
        let location = meta.location.to_string();
        let relative = location
            .strip_prefix(prefix)
            .map_or(location.as_str(), |r| r.trim_start_matches('/'));
        let folders: Vec<&str> = relative.split('/').collect();
        let folders = &folders[..folders.len().saturating_sub(1)];
        let mut values = Vec::with_capacity(keys.len());
        for (key, folder) in keys.iter().zip(folders) {
            match folder.split_once('=') {
                Some((k, v)) if k == key => values.push((k.to_owned(), v.to_owned())),
                _ => break,
            }
        }
        if values.len() != keys.len() {
            outside.push(meta);
            continue;
        }
        let key = values
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("/");
        groups
            .entry(key.clone())
            .or_insert_with(|| Partition {
                key,
                values,
                files: Vec::new(),
            })
            .files
            .push(meta);
    }
    let mut partitions: Vec<Partition> = groups.into_values().collect();
    for partition in &mut partitions {
        partition.files.sort_by(|a, b| a.location.cmp(&b.location));
    }
    (partitions, outside)
}

/// Why a partition is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// Never built.
    New,
    /// Input files added, changed or removed since it was built.
    InputsChanged,
    /// The job's SQL, codec or keys changed since.
    JobChanged,
    /// Its file is gone from the output lake.
    OutputMissing,
    /// Its last build failed.
    Failed,
    /// `--full`.
    Full,
}

/// What a run does with a job's partitions.
#[derive(Debug, Default)]
pub struct Plan {
    /// Partitions to build, and why.
    pub build: Vec<(Partition, Reason)>,
    /// Partitions already up to date.
    pub up_to_date: usize,
    /// Built partitions whose input files are all gone: their files are removed.
    pub remove: Vec<String>,
    /// Partitions whose last build failed with the input files they still have, not tried
    /// again (when asked to hold them: a run of `--follow` after its first).
    pub held: usize,
}

/// Compares `partitions` with what `state` says was built.
pub fn plan(
    partitions: Vec<Partition>,
    state: &JobState,
    fingerprint: &str,
    outputs: &BTreeSet<String>,
    output: &str,
    full: bool,
    hold_failed: bool,
) -> Plan {
    let mut plan = Plan::default();
    let present: BTreeSet<String> = partitions.iter().map(|p| p.key.clone()).collect();
    for partition in partitions {
        let failed_alike = state
            .failed
            .get(&partition.key)
            .is_some_and(|failure| failure.inputs == partition.inputs());
        if hold_failed && failed_alike && !full {
            plan.held += 1;
            continue;
        }
        let reason = match state.built.get(&partition.key) {
            _ if full => Some(Reason::Full),
            None if state.failed.contains_key(&partition.key) => Some(Reason::Failed),
            None => Some(Reason::New),
            Some(b) if b.fingerprint != fingerprint => Some(Reason::JobChanged),
            Some(b) if b.inputs != partition.inputs() => Some(Reason::InputsChanged),
            Some(_) if !outputs.contains(&partition.output_path(output)) => {
                Some(Reason::OutputMissing)
            }
            Some(_) if state.failed.contains_key(&partition.key) => Some(Reason::Failed),
            Some(_) => None,
        };
        match reason {
            Some(reason) => plan.build.push((partition, reason)),
            None => plan.up_to_date += 1,
        }
    }
    plan.remove = state
        .built
        .keys()
        .chain(state.failed.keys())
        .filter(|key| !present.contains(*key))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    plan
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use object_store::path::Path;

    fn meta(path: &str) -> ObjectMeta {
        ObjectMeta {
            location: Path::from(path),
            last_modified: chrono::DateTime::UNIX_EPOCH,
            size: 10,
            e_tag: None,
            version: None,
        }
    }

    #[test]
    fn a_failed_partition_is_held_until_its_files_change_when_asked() {
        use super::super::bookmark::{Failure, JobState};
        let keys = vec!["hour".to_owned()];
        let files = vec![meta("landing/orders/hour=01/a")];
        let (partitions, _) = group("landing/orders", files, &keys);
        let mut state = JobState::default();
        state.failed.insert(
            "hour=01".to_owned(),
            Failure {
                version: 1,
                what: super::super::PartitionFailure {
                    job: "j".into(),
                    partition: "hour=01".into(),
                    file: None,
                    error: "bad".into(),
                },
                inputs: partitions[0].inputs(),
                failed_at: String::new(),
            },
        );
        let outputs = BTreeSet::new();
        let held = plan(partitions.clone(), &state, "f", &outputs, "o", false, true);
        assert_eq!((held.build.len(), held.held), (0, 1));
        let retried = plan(partitions.clone(), &state, "f", &outputs, "o", false, false);
        assert_eq!(retried.build[0].1, Reason::Failed);
        // A file added (or changed) in the partition: built again.
        let grown = vec![
            meta("landing/orders/hour=01/a"),
            meta("landing/orders/hour=01/b"),
        ];
        let (grown, _) = group("landing/orders", grown, &keys);
        let changed = plan(grown, &state, "f", &outputs, "o", false, true);
        assert_eq!((changed.build.len(), changed.held), (1, 0));
    }

    #[test]
    fn files_are_grouped_by_the_leading_keys() {
        let files = vec![
            meta("landing/orders/year=2026/month=11/day=24/b"),
            meta("landing/orders/year=2026/month=11/day=24/a"),
            meta("landing/orders/year=2026/month=11/day=25/c"),
            meta("landing/orders/stray"),
        ];
        let keys = vec!["year".to_owned(), "month".to_owned(), "day".to_owned()];
        let (partitions, outside) = group("landing/orders", files.clone(), &keys);
        let keys_found: Vec<&str> = partitions.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys_found,
            ["year=2026/month=11/day=24", "year=2026/month=11/day=25"]
        );
        assert_eq!(
            partitions[0].files[0].location.as_ref(),
            "landing/orders/year=2026/month=11/day=24/a"
        );
        assert_eq!(outside.len(), 1);
        let (coarse, _) = group("landing/orders", files, &keys[..1]);
        assert_eq!(coarse.len(), 1);
        assert_eq!(coarse[0].files.len(), 3);
        assert_eq!(
            coarse[0].output_path("consumption/o"),
            "consumption/o/year=2026/part-00000.parquet"
        );
    }
}
