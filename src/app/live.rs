//! Live data for the open dashboards: which tables they read get watched (file events on a local
//! lake, a check with `lake::changes` on S3 every `poll`), and how new the newest file is. The
//! dashboards' [`crate::refresh::RefreshPlan`]s decide what runs; this only reports what landed.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};

use crate::engine::Engine;
use crate::jobs::{JobLost, Jobs, Slot};
use crate::lake::TableInfo;
use crate::lake::changes::{Watermark, new_files_since};
use crate::lake::watch::{LakeEvent, LocalWatch, watch_local};
use crate::model::SourceLocation;

/// What the file watcher's thread left for the UI thread.
#[derive(Default)]
struct Inbox {
    tables: BTreeSet<String>,
    folders: BTreeSet<String>,
    newest: Option<DateTime<Utc>>,
    failure: Option<String>,
}

/// One check of the lake for new files: per table, whether files landed, the newest file time
/// and the watermark for next time; or why the check failed.
type Checked = Vec<(
    String,
    Result<(bool, Option<DateTime<Utc>>, Watermark), String>,
)>;

/// What changed since the last frame.
#[derive(Debug, Default)]
pub struct Landed {
    /// Tables with new files.
    pub tables: BTreeSet<String>,
    /// The folders (relative to the lake's root) where files changed, as the file watcher
    /// reported them (empty when found by checking).
    pub folders: Vec<String>,
    /// The file watcher started again (other tables, or the folder is back): what happened
    /// meanwhile was not reported.
    pub rewatched: bool,
}

/// The watching of the attached lake.
#[derive(Default)]
pub struct Live {
    /// The tables watched (qualified names) and the lake they belong to.
    watched: BTreeSet<String>,
    lake_root: Option<std::path::PathBuf>,
    local: Option<LocalWatch>,
    /// The file watcher being set up (it walks the whole lake folder: never on the UI thread).
    starting: Slot<Result<LocalWatch, String>>,
    inbox: Arc<Mutex<Inbox>>,
    check: Slot<Checked>,
    watermarks: HashMap<String, Watermark>,
    /// The newest file time seen per table.
    newest: HashMap<String, DateTime<Utc>>,
    /// Why watching or checking fails, if it does.
    pub problem: Option<String>,
    /// A file watcher started since the last [`Live::take_landed`].
    rewatched: bool,
}

impl Live {
    /// Watches `tables` of `engine`'s lake (no change: nothing happens). A local lake gets a file
    /// watcher; every lake gets one check at once, for the newest file times.
    pub fn watch(&mut self, jobs: &Jobs, engine: &Engine, tables: BTreeSet<String>) {
        let root = match &engine.lake().spec.location {
            SourceLocation::Local { path } => Some(path.clone()),
            SourceLocation::S3 { .. } => None,
        };
        if tables == self.watched && root == self.lake_root {
            return;
        }
        if root != self.lake_root {
            self.watermarks.clear();
            self.newest.clear();
        }
        self.watched = tables;
        self.lake_root = root;
        self.local = None;
        self.starting.clear();
        self.problem = None;
        let infos = self.infos(engine);
        if let Some(root) = &self.lake_root
            && !infos.is_empty()
        {
            let inbox = Arc::clone(&self.inbox);
            let repaint = jobs.repaint();
            let links = engine.lake().spec.links;
            let root = root.clone();
            let on_event = move |event| {
                let mut inbox = inbox.lock().unwrap_or_else(PoisonError::into_inner);
                match event {
                    LakeEvent::NewFiles {
                        tables,
                        newest,
                        folders,
                    } => {
                        inbox.tables.extend(tables);
                        inbox.folders.extend(folders);
                        if let Some(newest) = newest {
                            inbox.newest = Some(inbox.newest.map_or(newest, |n| n.max(newest)));
                        }
                    }
                    LakeEvent::Failed(message) => inbox.failure = Some(message),
                }
                drop(inbox);
                repaint();
            };
            self.starting.start(jobs.spawn_blocking(move || {
                watch_local(&root, infos, links, on_event).map_err(|err| err.to_string())
            }));
        }
        self.start_check(jobs, engine);
    }

    /// Whether every change to the lake's files is reported by a file watcher.
    pub fn follows(&self) -> bool {
        self.local.is_some()
    }

    /// Whether new files are found by checking (S3, or a local lake whose watcher failed) rather
    /// than by file events.
    pub fn polls(&self) -> bool {
        self.local.is_none()
    }

    /// Whether a check is running.
    pub fn checking(&self) -> bool {
        self.check.is_busy()
    }

    /// Starts a check of the watched tables for new files (one at a time).
    pub fn start_check(&mut self, jobs: &Jobs, engine: &Engine) {
        if self.check.is_busy() || self.watched.is_empty() {
            return;
        }
        let infos = self.infos(engine);
        let watermarks: Vec<Option<Watermark>> = infos
            .iter()
            .map(|t| self.watermarks.get(&t.qualified_name()).cloned())
            .collect();
        let store = Arc::clone(&engine.lake().store);
        self.check.start(jobs.spawn(async move {
            let mut checked = Vec::new();
            for (table, since) in infos.iter().zip(watermarks) {
                let result = new_files_since(&store, table, since.as_ref())
                    .await
                    .map(|changes| {
                        let newest = changes
                            .new_files
                            .iter()
                            .map(|meta| meta.last_modified)
                            .max();
                        (
                            since.is_some() && !changes.new_files.is_empty(),
                            newest,
                            changes.watermark,
                        )
                    })
                    .map_err(|e| e.to_string());
                checked.push((table.qualified_name(), result));
            }
            checked
        }));
    }

    /// Takes what landed since the last frame (file events and finished checks).
    pub fn take_landed(&mut self) -> Landed {
        match self.starting.take_ready() {
            Some(Ok(Ok(watch))) => {
                self.local = Some(watch);
                self.rewatched = true;
            }
            Some(Ok(Err(message)) | Err(JobLost(message))) => self.problem = Some(message),
            None => {}
        }
        let mut landed = Landed {
            rewatched: std::mem::take(&mut self.rewatched),
            ..Landed::default()
        };
        {
            let mut inbox = self.inbox.lock().unwrap_or_else(PoisonError::into_inner);
            let newest = inbox.newest.take();
            landed.folders = std::mem::take(&mut inbox.folders).into_iter().collect();
            for table in std::mem::take(&mut inbox.tables) {
                if let Some(newest) = newest {
                    let entry = self.newest.entry(table.clone()).or_insert(newest);
                    *entry = (*entry).max(newest);
                }
                landed.tables.insert(table);
            }
            if let Some(failure) = inbox.failure.take() {
                // The folder went away (or the watcher broke): check by listing from now on.
                self.local = None;
                self.problem = Some(failure);
            }
        }
        match self.check.take_ready() {
            Some(Ok(checked)) => {
                let mut failures = Vec::new();
                for (table, result) in checked {
                    match result {
                        Ok((landed_now, newest, watermark)) => {
                            if landed_now {
                                landed.tables.insert(table.clone());
                            }
                            if let Some(newest) = newest {
                                let entry = self.newest.entry(table.clone()).or_insert(newest);
                                *entry = (*entry).max(newest);
                            }
                            self.watermarks.insert(table, watermark);
                        }
                        Err(message) => failures.push(message),
                    }
                }
                if failures.is_empty() {
                    self.problem = None;
                    if self.local.is_none() && !self.starting.is_busy() && self.lake_root.is_some()
                    {
                        // The folder is back: watch it again at the next `watch` (unless a
                        // watcher is being set up already: restarting it would never let it
                        // finish).
                        self.watched.clear();
                    }
                } else {
                    self.problem = Some(format!(
                        "cannot check for new files: {}",
                        failures.join("; ")
                    ));
                }
            }
            Some(Err(JobLost(message))) => self.problem = Some(message),
            None => {}
        }
        landed
    }

    /// The newest file time among `tables`.
    pub fn newest<'a>(
        &self,
        tables: impl IntoIterator<Item = &'a String>,
    ) -> Option<DateTime<Utc>> {
        tables
            .into_iter()
            .filter_map(|t| self.newest.get(t))
            .max()
            .copied()
    }

    fn infos(&self, engine: &Engine) -> Vec<TableInfo> {
        let catalog = engine.catalog();
        catalog
            .tables
            .iter()
            .filter(|t| self.watched.contains(&t.qualified_name()))
            .cloned()
            .collect()
    }
}
