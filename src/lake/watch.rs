//! File events of a local lake, for `refresh = "new-data"`: which tables got new files, a burst of
//! files debounced into one notice. S3 has no events here; it is polled with [`super::changes`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, NoCache, new_debouncer_opt};

use super::files::{NameClass, classify_name};
use super::{LakeError, TableInfo};
use crate::model::LinkPolicy;

/// How long events are gathered before they are announced (a burst of files is one notice).
pub const DEBOUNCE: Duration = Duration::from_millis(200);

/// What the watcher saw.
#[derive(Clone, Debug, PartialEq)]
pub enum LakeEvent {
    /// Files landed, changed or went away (or a partition folder appeared) in these tables
    /// (qualified names).
    NewFiles {
        /// The tables.
        tables: Vec<String>,
        /// The newest modification time among the files (none when files only went away).
        newest: Option<DateTime<Utc>>,
        /// The folders (relative to the lake's root) whose files changed: what a kept listing
        /// must list again.
        folders: Vec<String>,
    },
    /// Watching failed (the folder was removed, too many watches…).
    Failed(String),
}

/// Watches a local lake for as long as it is kept.
pub struct LocalWatch {
    _debouncer: Debouncer<RecommendedWatcher, NoCache>,
}

impl std::fmt::Debug for LocalWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LocalWatch")
    }
}

/// Watches the lake folder `root` for new files in `tables`, calling `on_event` from the
/// watcher's thread (at most once per [`DEBOUNCE`] for a burst). Symbolic links are followed only
/// when the lake follows every link (`LinkPolicy::All`): a lake that keeps to its folder is never
/// watched through a link that leaves it (a link to `/` would watch the whole disk).
pub fn watch_local(
    root: &Path,
    tables: Vec<TableInfo>,
    links: LinkPolicy,
    on_event: impl Fn(LakeEvent) + Send + 'static,
) -> Result<LocalWatch, LakeError> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let watched = root.clone();
    let failed = |e: notify::Error| LakeError::List {
        location: watched.display().to_string(),
        message: format!("cannot watch the folder for new files: {e}"),
    };
    let handler = move |result: DebounceEventResult| match result {
        Ok(events) => {
            // The folder itself removed or moved away: an event on it, and it is gone.
            let root_removed = events
                .iter()
                .any(|e| e.paths.iter().any(|p| root.starts_with(p)))
                && !root.exists();
            if root_removed {
                on_event(LakeEvent::Failed(format!(
                    "the lake folder {} was removed",
                    root.display()
                )));
                return;
            }
            let paths = events
                .iter()
                .filter(|e| {
                    matches!(
                        e.kind,
                        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
                    )
                })
                .flat_map(|e| e.paths.iter().cloned());
            if let Some(event) = new_files(&root, &tables, paths) {
                on_event(event);
            }
        }
        Err(errors) => {
            let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
            on_event(LakeEvent::Failed(text.join("; ")));
        }
    };
    let mut debouncer = new_debouncer_opt::<_, RecommendedWatcher, NoCache>(
        DEBOUNCE,
        None,
        handler,
        NoCache,
        notify::Config::default().with_follow_symlinks(links == LinkPolicy::All),
    )
    .map_err(failed)?;
    debouncer
        .watch(&watched, RecursiveMode::Recursive)
        .map_err(failed)?;
    Ok(LocalWatch {
        _debouncer: debouncer,
    })
}

/// The tables that `paths` (created, changed or removed under `root`) belong to, if any is a
/// data file or a new folder inside a table, and the folders they are in.
fn new_files(
    root: &Path,
    tables: &[TableInfo],
    paths: impl Iterator<Item = PathBuf>,
) -> Option<LakeEvent> {
    let mut found: Vec<String> = Vec::new();
    let mut newest: Option<DateTime<Utc>> = None;
    let mut folders: Vec<String> = Vec::new();
    for path in paths {
        let Ok(relative) = path.strip_prefix(root) else {
            continue;
        };
        let relative = relative.to_string_lossy().replace('\\', "/");
        let Some(table) = tables.iter().find(|t| inside(&relative, t)) else {
            continue;
        };
        let in_table = relative[table.prefix.len()..].trim_start_matches('/');
        let metadata = std::fs::metadata(&path).ok();
        let counts = match &metadata {
            Some(m) if m.is_dir() => !matches!(classify_name(in_table), NameClass::Ignored),
            Some(m) => m.len() > 0 && is_data(in_table),
            // Gone: removed, or renamed away.
            None => is_data(in_table),
        };
        if !counts {
            continue;
        }
        let folder = match &metadata {
            Some(m) if m.is_dir() => relative.as_str(),
            _ => relative.rsplit_once('/').map_or("", |(folder, _)| folder),
        };
        if !folders.iter().any(|f| f == folder) {
            folders.push(folder.to_owned());
        }
        if let Some(metadata) = metadata {
            let modified = metadata
                .modified()
                .map_or_else(|_| Utc::now(), DateTime::<Utc>::from);
            newest = Some(newest.map_or(modified, |n| n.max(modified)));
        }
        let name = table.qualified_name();
        if !found.contains(&name) {
            found.push(name);
        }
    }
    (!found.is_empty()).then_some(LakeEvent::NewFiles {
        tables: found,
        newest,
        folders,
    })
}

/// Whether the file named `in_table` (relative to its table) is data.
fn is_data(in_table: &str) -> bool {
    matches!(
        classify_name(in_table),
        NameClass::Data(_) | NameClass::NeedsSniff
    )
}

/// Whether `relative` (to the lake root) lies in `table`.
fn inside(relative: &str, table: &TableInfo) -> bool {
    if table.single_file {
        return relative == table.prefix;
    }
    relative
        .strip_prefix(table.prefix.as_str())
        .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;
    use crate::lake::{DiscoverOptions, Lake};
    use crate::model::SourceSpec;

    const WAIT: Duration = Duration::from_secs(20);

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_landed_file_names_its_table_and_a_removed_lake_folder_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("lake");
        std::fs::create_dir_all(root.join("events")).unwrap();
        std::fs::write(root.join("events/part-0.json"), "{\"a\": 1}\n").unwrap();
        let lake = Lake::attach(&SourceSpec::local(&root)).await.unwrap();
        let catalog = lake.discover(&DiscoverOptions::default()).await.unwrap();
        let (sender, events) = mpsc::sync_channel(64);
        let _watch = watch_local(
            &root,
            catalog.tables.clone(),
            LinkPolicy::All,
            move |event| {
                sender.send(event).unwrap();
            },
        )
        .unwrap();

        // Written as the simulator writes: a hidden temporary file, renamed into place.
        std::fs::write(root.join("events/.tmp-1"), "{\"a\": 2}\n").unwrap();
        std::fs::rename(root.join("events/.tmp-1"), root.join("events/part-1.json")).unwrap();
        std::fs::write(root.join("notes.txt"), "not a table").unwrap();
        match events.recv_timeout(WAIT).unwrap() {
            LakeEvent::NewFiles {
                tables,
                newest,
                folders,
            } => {
                assert_eq!(tables, [catalog.tables[0].qualified_name()]);
                assert!(newest.is_some());
                assert_eq!(folders, ["events"], "the folder to list again");
            }
            other @ LakeEvent::Failed(_) => panic!("{other:?}"),
        }

        // A file removed is a change too: its folder must be listed again.
        std::fs::remove_file(root.join("events/part-0.json")).unwrap();
        match events.recv_timeout(WAIT).unwrap() {
            LakeEvent::NewFiles {
                tables, folders, ..
            } => {
                assert_eq!(tables, [catalog.tables[0].qualified_name()]);
                assert_eq!(folders, ["events"]);
            }
            other @ LakeEvent::Failed(_) => panic!("{other:?}"),
        }

        std::fs::rename(&root, dir.path().join("moved")).unwrap();
        let failed = loop {
            match events.recv_timeout(WAIT).unwrap() {
                LakeEvent::Failed(message) => break message,
                LakeEvent::NewFiles { .. } => {}
            }
        };
        assert!(failed.contains("was removed"), "{failed}");
    }
}
