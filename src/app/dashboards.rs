//! Open dashboards at run time: each one's file (edited in place), the range and param values
//! shown, and each visual's query job and what its tile draws. Visuals run on the jobs runtime;
//! the tile keeps its last picture until the new one is ready, and a visual whose query fails
//! shows its error in its own tile.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use datafusion::common::ScalarValue;

use crate::alert::{Evaluation, evaluation_of};
use crate::command::DashboardId;
use crate::engine::dashboard::{MAX_VISUAL_ROWS, bound_params, run_visual};
use crate::engine::elsewhere::{DataElsewhere, data_elsewhere_within};
use crate::engine::{Engine, TimeWindow};
use crate::jobs::{JobLost, Jobs, Slot};
use crate::lake::TableInfo;
use crate::model::dashboard::{
    Dashboard, DashboardFile, DashboardSource, ParamValue, TimeRange, Visual,
};
use crate::refresh::{RefreshPlan, VisualReads};
use crate::series::visual::prepare;
use crate::ui::dashboard::TileView;

use super::dashboard_alerts::DashboardAlerts;
use super::dashboard_save::{self, Saved};
use super::dashboard_trust::DashboardTrust;
use super::file_watch::{DiskStamp, stamp};
use crate::trust::TrustStore;

/// Edits kept for undo.
const UNDO_DEPTH: usize = 50;
/// How often an open dashboard's file is checked for changes on disk.
pub(super) const DISK_CHECK: Duration = Duration::from_secs(1);
/// Values of a param's picker at most.
const MAX_OPTIONS: usize = 500;

/// A visual's finished run: what its tile draws, the SQL run, a note, and the tables read.
struct TileDone {
    data: Arc<crate::series::visual::VisualData>,
    insights: Option<Arc<crate::insights::Insights>>,
    drivers: Option<Arc<Result<Vec<crate::model::Driver>, String>>>,
    sql: Option<String>,
    note: Option<String>,
    tables: Vec<String>,
}

/// One visual at run time.
#[derive(Default)]
pub struct Tile {
    job: Slot<Result<TileDone, (Option<String>, String)>>,
    /// What the tile shows.
    pub view: TileView,
    /// The SQL that ran last, macros expanded.
    pub sql: Option<String>,
    /// When the job running now started.
    started: Option<DateTime<Utc>>,
    /// Whether the job running now runs the file's own view, so its result feeds the rules.
    feeds_alerts: bool,
    /// The tables its last finished run read (qualified names).
    pub tables: Option<Vec<String>>,
}

/// Each param's picker values, or why its `options` query failed.
type OptionValues = Vec<(String, Result<Vec<String>, String>)>;

/// An open dashboard at run time.
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent facts (unsaved edits, edit mode, a change on disk, a save to recheck)"
)]
pub struct DashboardRuntime {
    /// Where it comes from (a file is saved in place).
    pub source: DashboardSource,
    /// The document, with every edit.
    file: DashboardFile,
    /// The text last read or saved (edits differ from it).
    saved_text: String,
    /// Whether the document differs from `saved_text`: worked out when either changes, not per
    /// frame (writing the document out is a whole TOML serialization).
    dirty: bool,
    /// Earlier versions, newest last.
    undo: Vec<DashboardFile>,
    /// The range shown.
    pub range: TimeRange,
    /// Param values the user set (others take the file's default).
    pub params: HashMap<String, Option<ParamValue>>,
    /// Values offered by each param's `options` query.
    pub options: HashMap<String, Vec<String>>,
    options_job: Slot<OptionValues>,
    /// A save being written.
    saving: Slot<Result<Saved, String>>,
    /// A save asked for while another was being written: started when that one is done, so
    /// two writes never race and the newest text is the one left on disk.
    save_again: Option<PathBuf>,
    /// A save just finished: the file is compared with what was written once more (news of a
    /// change made by someone else during the save was not looked at).
    recheck_disk: bool,
    /// Each visual's runtime, by id.
    pub tiles: HashMap<String, Tile>,
    /// When the data shown was read.
    pub data_as_of: Option<DateTime<Utc>>,
    /// The window of the last run.
    pub window: Option<TimeWindow>,
    /// Edit mode.
    pub editing: bool,
    /// The visual the side panel edits.
    pub selected: Option<String>,
    disk: Option<DiskStamp>,
    last_disk_check: Option<Instant>,
    /// The file changed on disk while the window has unsaved edits: the panel asks.
    pub disk_changed: bool,
    /// Said above the grid: a failed reload or save.
    pub problem: Option<String>,
    /// When visuals run again.
    pub plan: RefreshPlan,
    /// Each alert rule's state and the transitions to announce.
    pub alerts: DashboardAlerts,
    /// Visual runs started since the dashboard opened.
    pub runs: u64,
    /// Whether the file may act, what it asks, and the lake it names held back until trusted.
    pub trust: DashboardTrust,
    /// The range shown holds no rows of the tables the visuals read, though they have rows:
    /// where the newest are, and the range of the same length ending there.
    pub elsewhere: Option<Elsewhere>,
    /// The check for that: started with the visuals of a whole run, for the range it was asked for.
    elsewhere_job: Slot<(TimeRange, TimeWindow, Option<DataElsewhere>)>,
    /// What that check found last, reused while the range stays empty.
    elsewhere_newest: Option<DataElsewhere>,
}

/// Where a range's missing data is: the newest instant, and the range offered.
type Elsewhere = (DateTime<Utc>, TimeRange);

impl DashboardRuntime {
    /// Reads and checks the dashboard from `source`, and judges whether it may act (against
    /// `trusted`, the user's record; `None`: only built-in dashboards are trusted).
    pub fn open(
        source: DashboardSource,
        range: Option<&str>,
        trusted: Option<&TrustStore>,
    ) -> Result<Self, String> {
        // The stamp before the read: a write in between is seen as a change, never missed.
        let disk = source.path().and_then(stamp);
        let text = source.read().map_err(|e| e.to_string())?;
        let file = DashboardFile::parse(&text).map_err(|e| format!("{source}: {e}"))?;
        let trust = DashboardTrust::judge(&source, text.as_bytes(), file.dashboard(), trusted);
        let range = range
            .and_then(|r| r.parse().ok())
            .unwrap_or(file.dashboard().time_range);
        let dashboard = file.dashboard();
        let plan = RefreshPlan::new(dashboard.refresh, dashboard.poll_every(), Instant::now());
        let alerts = DashboardAlerts::new(dashboard, Utc::now());
        Ok(Self {
            source,
            file,
            saved_text: text,
            dirty: false,
            undo: Vec::new(),
            range,
            params: HashMap::new(),
            options: HashMap::new(),
            options_job: Slot::default(),
            saving: Slot::default(),
            save_again: None,
            recheck_disk: false,
            tiles: HashMap::new(),
            data_as_of: None,
            window: None,
            editing: false,
            selected: None,
            disk,
            last_disk_check: None,
            disk_changed: false,
            problem: None,
            plan,
            alerts,
            runs: 0,
            trust,
            elsewhere: None,
            elsewhere_job: Slot::default(),
            elsewhere_newest: None,
        })
    }

    /// The dashboard as it is now (with unsaved edits).
    pub fn dashboard(&self) -> &Dashboard {
        self.file.dashboard()
    }

    /// Whether there are edits not yet saved.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Whether an edit can be taken back.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Applies an edit to the document, remembering the version before it for undo.
    pub fn edit(
        &mut self,
        change: impl FnOnce(
            &mut DashboardFile,
        ) -> Result<(), crate::model::dashboard::DashboardFileError>,
    ) -> Result<(), String> {
        let before = self.file.clone();
        change(&mut self.file).map_err(|e| e.to_string())?;
        self.undo.push(before);
        if self.undo.len() > UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.note_changed();
        Ok(())
    }

    /// Works out `dirty` after the document changed.
    fn note_changed(&mut self) {
        self.dirty = self.file.text() != self.saved_text;
        self.follow_file();
    }

    /// Follows the file's refresh setting and alert rules after it changed. What the file asks
    /// to do is followed only when it is read or saved: the trust bar names what trusting
    /// records, the bytes on disk, not unsaved edits.
    fn follow_file(&mut self) {
        let dashboard = self.file.dashboard();
        self.plan.set(dashboard.refresh, dashboard.poll_every());
        self.alerts.follow(dashboard, Utc::now());
    }

    /// Trusts the file as it was last read or saved (what the window shows, without unsaved
    /// edits), recording it in `store`; returns the lake that was held back, to attach now.
    pub fn grant_trust(
        &mut self,
        store: Option<&TrustStore>,
    ) -> Result<Option<crate::model::SourceSpec>, String> {
        self.trust
            .grant(&self.source, self.saved_text.as_bytes(), store)
    }

    /// The visuals live refresh says are due at `now`; the plan counts them as started.
    pub fn due(&mut self, now: Instant) -> Vec<String> {
        let reads: Vec<VisualReads<'_>> = self
            .file
            .dashboard()
            .visuals
            .iter()
            .map(|visual| {
                let tile = self.tiles.get(&visual.id);
                VisualReads {
                    id: &visual.id,
                    tables: tile.and_then(|t| t.tables.as_deref()),
                    running: tile.is_some_and(|t| t.view.running),
                }
            })
            .collect();
        self.plan.due(now, &reads)
    }

    /// The tables the visuals read (known once they finished a run).
    pub fn tables(&self) -> std::collections::BTreeSet<String> {
        self.tiles
            .values()
            .filter_map(|t| t.tables.as_ref())
            .flatten()
            .cloned()
            .collect()
    }

    /// Whether a visual with a query has not finished a run yet (its first run is going, or
    /// every run failed): it may read any table.
    pub fn reads_unknown_tables(&self) -> bool {
        self.file.dashboard().visuals.iter().any(|visual| {
            visual.sql.is_some()
                && self
                    .tiles
                    .get(&visual.id)
                    .is_none_or(|t| t.tables.is_none())
        })
    }

    /// Takes back the last edit; returns whether there was one.
    pub fn undo(&mut self) -> bool {
        match self.undo.pop() {
            Some(file) => {
                self.file = file;
                self.note_changed();
                true
            }
            None => false,
        }
    }

    /// Starts writing the document to `path` on a blocking job (atomically; a trusted file's new
    /// bytes recorded in `store`, so the user's own save keeps the file's trust); the dashboard
    /// takes the save in when it is done ([`DashboardRuntime::drain`]).
    pub fn begin_save(&mut self, jobs: &Jobs, path: PathBuf, store: Option<&TrustStore>) {
        if self.saving.is_busy() {
            self.save_again = Some(path);
            return;
        }
        let (text, dashboard) = (self.file.text(), self.file.dashboard().clone());
        let trusted = self.trust.trust.is_trusted();
        let store = store.cloned();
        self.saving.start(
            jobs.spawn_blocking(move || {
                dashboard_save::write(path, text, dashboard, trusted, store)
            }),
        );
    }

    /// Whether a save is being written (or waits for the one being written).
    pub fn is_saving(&self) -> bool {
        self.saving.is_busy() || self.save_again.is_some()
    }

    /// Starts the save asked for while the last one was being written, once that one is done.
    pub fn start_waiting_save(&mut self, jobs: &Jobs, store: Option<&TrustStore>) {
        if !self.saving.is_busy()
            && let Some(path) = self.save_again.take()
        {
            self.begin_save(jobs, path, store);
        }
    }

    /// Takes a finished save in: the text written is the saved version (edits made meanwhile
    /// stay unsaved), the file is its source.
    fn finish_save(&mut self, saved: Result<Saved, String>) {
        match saved {
            Ok(saved) => {
                self.dirty = self.file.text() != saved.text;
                self.saved_text = saved.text;
                self.disk = saved.disk;
                self.source = DashboardSource::File(saved.path);
                self.disk_changed = false;
                self.trust.follow(&saved.dashboard);
                self.problem = saved.trust_problem;
                self.recheck_disk = true;
            }
            Err(message) => self.problem = Some(format!("not saved: {message}")),
        }
    }

    /// Saves to `path` at once, on this thread (tests).
    #[cfg(test)]
    pub fn save_to(&mut self, path: PathBuf, store: Option<&TrustStore>) -> Result<(), String> {
        let saved = dashboard_save::write(
            path,
            self.file.text(),
            self.file.dashboard().clone(),
            self.trust.trust.is_trusted(),
            store.cloned(),
        );
        self.finish_save(saved);
        match &self.problem {
            Some(problem) => Err(problem.clone()),
            None => Ok(()),
        }
    }

    /// Reads the file again, dropping edits, and judges its new bytes against `store`; a file
    /// that no longer parses is reported and the dashboard shown stays as it was.
    pub fn reload(&mut self, store: Option<&TrustStore>) -> Result<(), String> {
        // The stamp before the read: a write in between is seen as a change, never missed.
        self.disk = self.source.path().and_then(stamp);
        let text = self.source.read().map_err(|e| e.to_string())?;
        self.disk_changed = false;
        let file = DashboardFile::parse(&text)
            .map_err(|e| format!("{} changed on disk but cannot be read: {e}", self.source))?;
        self.trust = DashboardTrust::judge(&self.source, text.as_bytes(), file.dashboard(), store);
        self.file = file;
        self.saved_text = text;
        self.dirty = false;
        self.undo.clear();
        self.problem = None;
        self.follow_file();
        let ids: Vec<String> = self
            .dashboard()
            .visuals
            .iter()
            .map(|v| v.id.clone())
            .collect();
        self.tiles.retain(|id, _| ids.contains(id));
        Ok(())
    }

    /// Keeps the window's edits over the changed file: asks again only after the next change.
    pub fn keep_edits(&mut self) {
        self.disk = self.source.path().and_then(stamp);
        self.disk_changed = false;
    }

    /// Whether the file changed on disk since it was read or saved (checked at most once a
    /// second).
    pub fn changed_on_disk(&mut self, now: Instant) -> bool {
        if self
            .last_disk_check
            .is_some_and(|last| now.duration_since(last) < DISK_CHECK)
        {
            return false;
        }
        self.last_disk_check = Some(now);
        self.disk_differs()
    }

    /// Whether a save finished since the last call (so the file is worth comparing again).
    pub fn take_recheck(&mut self) -> bool {
        std::mem::take(&mut self.recheck_disk)
    }

    /// Whether the file on disk differs from the one read or saved (checked now; never while the
    /// window's own save is being written).
    pub fn disk_differs(&self) -> bool {
        let Some(path) = self.source.path().filter(|_| !self.is_saving()) else {
            return false;
        };
        let current = stamp(path);
        current.is_some() && current != self.disk
    }

    /// The window the range means at `now`.
    pub fn window_at(&self, now: DateTime<Utc>) -> TimeWindow {
        let (from, to) = self.range.resolve(now);
        TimeWindow {
            from,
            to,
            lateness: self.dashboard().lateness,
        }
    }

    /// The typed values the queries are bound with.
    pub fn bound(&self) -> HashMap<String, ScalarValue> {
        bound_params(self.dashboard(), &self.params)
    }

    /// Starts `visual` (all of them: `None`) on `engine` for the range at `now`; a tile keeps
    /// its picture until the new one is ready.
    pub fn run(
        &mut self,
        jobs: &Jobs,
        engine: &Engine,
        now: DateTime<Utc>,
        only: Option<&[String]>,
    ) {
        let window = self.window_at(now);
        let params = Arc::new(self.bound());
        let visuals: Vec<Visual> = self
            .dashboard()
            .visuals
            .iter()
            .filter(|v| only.is_none_or(|ids| ids.contains(&v.id)))
            .cloned()
            .collect();
        // The rules are fed by the tiles only while they show the file's own view.
        let feeds_alerts = self.shows_file_view();
        for visual in visuals {
            self.start_visual(jobs, engine, visual, &window, &params, now, feeds_alerts);
        }
        if only.is_none() {
            self.plan.ran_all(Instant::now());
            self.run_options(jobs, engine, now);
        }
        self.check_elsewhere(jobs, engine, &window, only.is_none());
        self.window = Some(window);
    }

    /// Starts asking whether the range holds rows, and where the data is if not: afresh on every
    /// whole run (a range picked, a lake attached, the file changed, Run again), and on each
    /// refresh while the last answer was "none here" (files may have landed in it: then only the
    /// range is looked at again, never the whole tables, and a check still going is left to
    /// finish). At most [`crate::engine::elsewhere::ELSEWHERE_BUDGET`]; past it, nothing is said.
    fn check_elsewhere(&mut self, jobs: &Jobs, engine: &Engine, window: &TimeWindow, all: bool) {
        let known = if all {
            self.elsewhere = None;
            self.elsewhere_newest = None;
            None
        } else if self.elsewhere_newest.is_some() && !self.elsewhere_job.is_busy() {
            self.elsewhere_newest.clone()
        } else {
            return;
        };
        let (engine, window, range) = (engine.clone(), window.clone(), self.range);
        let dashboard = self.dashboard().clone();
        self.elsewhere_job.start(jobs.spawn(async move {
            let found = data_elsewhere_within(&engine, &dashboard, &window, known.as_ref()).await;
            (range, window, found)
        }));
    }

    /// Starts one visual's run (the edited spec of a preview, or the file's); its result feeds
    /// the rules on it only when `feeds_alerts` (the file's own view, never a preview).
    #[allow(clippy::too_many_arguments)] // one run's whole description, all needed
    pub fn start_visual(
        &mut self,
        jobs: &Jobs,
        engine: &Engine,
        visual: Visual,
        window: &TimeWindow,
        params: &Arc<HashMap<String, ScalarValue>>,
        now: DateTime<Utc>,
        feeds_alerts: bool,
    ) {
        let tile_id = visual.id.clone();
        let tile = self.tiles.entry(visual.id.clone()).or_default();
        // What the tile shows now: its insights are kept when the new data is the same.
        let shown = tile.view.data.clone().zip(tile.view.insights.clone());
        let (engine, window, params) = (engine.clone(), window.clone(), Arc::clone(params));
        tile.job.start(jobs.spawn(async move {
            let run = run_visual(&engine, &visual, &window, &params, MAX_VISUAL_ROWS)
                .await
                .map_err(|err| (err.sql, err.message))?;
            let data = prepare(&visual, &run.batches, run.previous.as_deref())
                .map_err(|err| (run.sql.clone(), err.to_string()))?;
            let note = run
                .cut
                .then(|| format!("only the first {MAX_VISUAL_ROWS} rows are drawn"));
            let (data, insights) = super::tile_insights::insights(&visual, data, shown).await;
            let drivers = if visual.drivers.is_empty() {
                None
            } else {
                let found =
                    crate::engine::drivers::drivers(&engine, &visual, &window, &params).await;
                Some(Arc::new(found))
            };
            Ok(TileDone {
                data,
                insights,
                drivers,
                sql: run.sql,
                note,
                tables: run.tables.iter().map(TableInfo::qualified_name).collect(),
            })
        }));
        tile.view.running = true;
        tile.started = Some(now);
        tile.feeds_alerts = feeds_alerts;
        self.alerts.tile_started(&tile_id, feeds_alerts);
        self.runs += 1;
    }

    /// Whether the header shows the file's own view: its time range and every parameter at its
    /// default (no range picked, no value typed, no cross-filter clicked).
    pub fn shows_file_view(&self) -> bool {
        let dashboard = self.dashboard();
        self.range == dashboard.time_range
            && self.params.iter().all(|(name, value)| {
                // A value of a param the file no longer has changes nothing.
                dashboard
                    .param(name)
                    .is_none_or(|param| param.default == *value)
            })
    }

    /// Starts a run for the rules of each watched visual that is due at `now` (not fed for the
    /// dashboard's `poll`, or a rule past its `for` or `keep_firing_for`): the visual as the file
    /// defines it, over the file's range, parameters at their defaults.
    pub fn run_alerts(&mut self, jobs: &Jobs, engine: &Engine, now: DateTime<Utc>) {
        let dashboard = self.file.dashboard();
        let poll = chrono::TimeDelta::from_std(dashboard.poll_every()).unwrap_or_default();
        let due = self.alerts.due(dashboard, now, poll);
        if due.is_empty() {
            return;
        }
        let (from, to) = dashboard.time_range.resolve(now);
        let window = TimeWindow {
            from,
            to,
            lateness: dashboard.lateness,
        };
        let params = Arc::new(bound_params(dashboard, &HashMap::new()));
        for id in due {
            let Some(visual) = dashboard.visual(&id).cloned() else {
                continue;
            };
            let anomalous = has_anomalous_rule(dashboard, &id);
            let mut window = window.clone();
            if anomalous {
                window.from = crate::alert::anomaly_history(window.from, window.to);
            }
            let (engine, params) = (engine.clone(), Arc::clone(&params));
            let job = jobs.spawn(async move {
                match run_visual(&engine, &visual, &window, &params, MAX_VISUAL_ROWS).await {
                    Ok(run) => {
                        let evaluation =
                            match prepare(&visual, &run.batches, run.previous.as_deref()) {
                                Ok(data) => crate::alert::evaluation_for(
                                    &visual,
                                    Ok(&data),
                                    window.to,
                                    anomalous,
                                ),
                                Err(err) => evaluation_of(Err(&err.to_string())),
                            };
                        (evaluation, run.sql)
                    }
                    Err(err) => (evaluation_of(Err(&err.message)), err.sql),
                }
            });
            self.alerts.start(id, job, now);
        }
    }

    /// When the rules next need a run (for waking the window), if any rule exists.
    pub fn alerts_due_at(&self) -> Option<DateTime<Utc>> {
        let dashboard = self.file.dashboard();
        let poll = chrono::TimeDelta::from_std(dashboard.poll_every()).unwrap_or_default();
        self.alerts.next_due(dashboard, poll)
    }

    /// Starts the queries that list each param's values.
    fn run_options(&mut self, jobs: &Jobs, engine: &Engine, now: DateTime<Utc>) {
        let window = self.window_at(now);
        let queries: Vec<(String, String)> = self
            .dashboard()
            .params
            .iter()
            .filter_map(|p| p.options.clone().map(|sql| (p.name.clone(), sql)))
            .collect();
        if queries.is_empty() {
            return;
        }
        let engine = engine.clone();
        self.options_job.start(jobs.spawn(async move {
            let mut found = Vec::new();
            for (name, sql) in queries {
                found.push((name, option_values(&engine, &sql, &window).await));
            }
            found
        }));
    }

    /// Takes finished runs; returns whether anything changed.
    pub fn drain(&mut self) -> bool {
        let mut changed = false;
        let mut finished = Vec::new();
        let dashboard = self.file.dashboard();
        for (id, tile) in &mut self.tiles {
            let Some(done) = tile.job.take_ready() else {
                continue;
            };
            changed = true;
            tile.view.running = false;
            let evaluation = match (&done, dashboard.visual(id)) {
                (Ok(Ok(done)), Some(visual)) => crate::alert::evaluation_for(
                    visual,
                    Ok(&done.data),
                    Utc::now(),
                    has_anomalous_rule(dashboard, id),
                ),
                (Ok(Ok(done)), None) => evaluation_of(Ok(&done.data)),
                (Ok(Err((_, message))) | Err(JobLost(message)), _) => {
                    Evaluation::Error(message.clone())
                }
            };
            match done {
                Ok(Ok(done)) => {
                    tile.view.data = Some(done.data);
                    tile.view.insights = done.insights;
                    tile.view.drivers = done.drivers;
                    tile.view.error = None;
                    tile.view.note = done.note;
                    tile.sql = done.sql;
                    tile.tables = Some(done.tables);
                }
                Ok(Err((sql, message))) => {
                    tile.view.error = Some(message);
                    tile.sql = sql.or(tile.sql.take());
                }
                Err(JobLost(message)) => tile.view.error = Some(message),
            }
            let started = tile.started.take();
            if let Some(started) = started {
                self.data_as_of = Some(self.data_as_of.map_or(started, |at| at.max(started)));
            }
            if std::mem::take(&mut tile.feeds_alerts) {
                finished.push((
                    id.clone(),
                    evaluation,
                    tile.sql.clone(),
                    started.unwrap_or_else(Utc::now),
                ));
            }
        }
        for (id, evaluation, sql, at) in finished {
            self.alerts
                .feed(self.file.dashboard(), &id, &evaluation, sql.as_ref(), at);
        }
        changed |= self.alerts.drain(self.file.dashboard());
        if let Some(saved) = self.saving.take_ready() {
            changed = true;
            self.finish_save(saved.unwrap_or_else(|lost| Err(lost.0)));
        }
        if let Some(Ok((range, window, found))) = self.elsewhere_job.take_ready() {
            changed = true;
            if range == self.range {
                self.elsewhere = found.as_ref().map(|elsewhere| {
                    let (from, to) = elsewhere.suggested(&window);
                    (elsewhere.newest, TimeRange::Absolute { from, to })
                });
                self.elsewhere_newest = found;
            }
        }
        if let Some(found) = self.options_job.take_ready() {
            changed = true;
            for (name, values) in found.unwrap_or_default() {
                match values {
                    Ok(values) => {
                        self.options.insert(name, values);
                    }
                    Err(message) => {
                        self.problem = Some(format!("the values of `{name}`: {message}"));
                    }
                }
            }
        }
        changed
    }

    /// Whether any visual is running.
    pub fn is_running(&self) -> bool {
        self.tiles.values().any(|t| t.view.running)
    }

    /// The visuals whose SQL uses `$name`.
    pub fn using_param(&self, name: &str) -> Vec<String> {
        self.dashboard()
            .visuals
            .iter()
            .filter(|v| v.sql.as_deref().is_some_and(|sql| uses_param(sql, name)))
            .map(|v| v.id.clone())
            .collect()
    }
}

/// Whether `sql` has the placeholder `$name` (not the start of a longer name).
pub fn uses_param(sql: &str, name: &str) -> bool {
    let needle = format!("${name}");
    sql.match_indices(&needle).any(|(at, _)| {
        sql[at + needle.len()..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    })
}

/// The first column of a param's `options` query, as text, at most [`MAX_OPTIONS`] values.
async fn option_values(
    engine: &Engine,
    sql: &str,
    window: &TimeWindow,
) -> Result<Vec<String>, String> {
    use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
    let expanded =
        crate::engine::expand(sql, window, &engine.catalog()).map_err(|e| e.to_string())?;
    let mut stream = engine
        .query(&expanded.sql)
        .await
        .map_err(|e| e.to_string())?;
    let mut values = Vec::new();
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(|e| e.to_string())?;
        let Some(column) = batch.columns().first() else {
            break;
        };
        let formatter = ArrayFormatter::try_new(column.as_ref(), &FormatOptions::default())
            .map_err(|e| e.to_string())?;
        for row in 0..batch.num_rows() {
            if column.is_valid(row) {
                values.push(formatter.value(row).to_string());
            }
        }
        if values.len() >= MAX_OPTIONS {
            values.truncate(MAX_OPTIONS);
            break;
        }
    }
    Ok(values)
}

/// The id a new dashboard gets: one more than the largest open.
pub fn next_id(open: impl Iterator<Item = DashboardId>) -> DashboardId {
    open.max().unwrap_or(0) + 1
}

/// Whether `dashboard` has an `anomalous` rule on visual `id`.
fn has_anomalous_rule(dashboard: &crate::model::dashboard::Dashboard, id: &str) -> bool {
    dashboard.alerts.iter().any(|rule| {
        rule.visual == id && rule.condition == crate::model::dashboard::Condition::Anomalous
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const TEXT: &str = "# mine\ntitle = \"T\"\n\n[[visuals]]\nid = \"a\"\nkind = \"text\"\ntext = \"hi\"\nposition = [0, 0, 6, 2]\n";

    #[test]
    fn a_file_changed_on_disk_is_noticed_and_reloaded_and_a_bad_one_keeps_the_dashboard() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.toml");
        std::fs::write(&path, TEXT).unwrap();
        let mut open =
            DashboardRuntime::open(DashboardSource::File(path.clone()), None, None).unwrap();
        let start = Instant::now();
        assert!(!open.changed_on_disk(start));
        std::fs::write(&path, TEXT.replace("\"T\"", "\"Renamed\"")).unwrap();
        assert!(
            !open.changed_on_disk(start + Duration::from_millis(10)),
            "checked at most once a second"
        );
        assert!(open.changed_on_disk(start + DISK_CHECK));
        open.reload(None).unwrap();
        assert_eq!(open.dashboard().title, "Renamed");
        assert!(!open.changed_on_disk(start + DISK_CHECK * 2));

        std::fs::write(&path, "title = \"T\"\nnope = 1\n").unwrap();
        assert!(open.changed_on_disk(start + DISK_CHECK * 3));
        let problem = open.reload(None).unwrap_err();
        assert!(problem.contains("nope"), "{problem}");
        assert_eq!(
            open.dashboard().title,
            "Renamed",
            "the last good version stays"
        );
    }

    #[test]
    fn the_windows_own_save_stays_trusted_and_a_change_on_disk_is_untrusted_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::at(dir.path().join("trusted.toml"));
        let path = dir.path().join("d.toml");
        let acting = TEXT.replace(
            "[[visuals]]",
            "[[exports]]\npath = \"d.png\"\n\n[[visuals]]",
        );
        std::fs::write(&path, &acting).unwrap();
        let source = DashboardSource::File(path.clone());
        let mut open = DashboardRuntime::open(source.clone(), None, Some(&store)).unwrap();
        assert!(open.trust.asks_the_user(), "a file nobody trusted asks");
        open.grant_trust(Some(&store)).unwrap();

        // The user's own edit, saved: still trusted when opened again.
        open.edit(|f| f.set_visual_title("a", "Mine")).unwrap();
        open.save_to(path.clone(), Some(&store)).unwrap();
        let reopened = DashboardRuntime::open(source.clone(), None, Some(&store)).unwrap();
        assert!(reopened.trust.trust.is_trusted());

        // Someone else's change (a pull): untrusted once reloaded, saying why.
        std::fs::write(&path, acting.replace("d.png", "e.png")).unwrap();
        open.reload(Some(&store)).unwrap();
        assert!(open.trust.asks_the_user());
        assert!(
            open.trust
                .note
                .as_deref()
                .unwrap()
                .contains("changed on disk")
        );
    }

    #[test]
    fn the_trust_bar_names_what_the_file_on_disk_asks_not_unsaved_edits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.toml");
        let text = "title = \"T\"\n\n[[visuals]]\nid = \"k\"\nkind = \"kpi\"\nsql = \"SELECT 1 AS x\"\ny = [\"x\"]\nposition = [0, 0, 3, 3]\n\n[[alerts]]\nid = \"a\"\nvisual = \"k\"\ncondition = \"above\"\nthreshold = 0\nnotify = [\"webhook:https://hooks.example.com/x\"]\n";
        std::fs::write(&path, text).unwrap();
        let mut open =
            DashboardRuntime::open(DashboardSource::File(path.clone()), None, None).unwrap();
        let posts = |open: &DashboardRuntime| {
            open.trust
                .asks
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(posts(&open), ["posts to hooks.example.com"]);
        // The user takes the webhook out but has not saved: trusting would record the file on
        // disk, webhook included, so the bar still names it.
        let mut rule = open.dashboard().alerts[0].clone();
        rule.notify.clear();
        open.edit(|f| f.set_alert(&rule)).unwrap();
        assert_eq!(posts(&open), ["posts to hooks.example.com"]);
        open.save_to(path, None).unwrap();
        assert!(posts(&open).is_empty(), "saved: the file asks nothing");
    }

    #[test]
    fn edits_are_undone_in_order_and_saving_keeps_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.toml");
        std::fs::write(&path, TEXT).unwrap();
        let mut open =
            DashboardRuntime::open(DashboardSource::File(path.clone()), None, None).unwrap();
        let moved = crate::model::dashboard::Position::from([6, 0, 6, 2]);
        open.edit(|f| f.set_position("a", moved)).unwrap();
        open.edit(|f| f.set_visual_title("a", "Hello")).unwrap();
        assert!(open.is_dirty());
        assert!(open.undo());
        assert_eq!(open.dashboard().visuals[0].title, "");
        assert_eq!(open.dashboard().visuals[0].position, moved);
        open.save_to(path.clone(), None).unwrap();
        assert!(!open.is_dirty());
        let saved = std::fs::read_to_string(&path).unwrap();
        assert_eq!(saved, TEXT.replace("[0, 0, 6, 2]", "[6, 0, 6, 2]"));
        assert!(
            !open.changed_on_disk(Instant::now()),
            "our own save is not a change"
        );
    }

    /// Runs until every visual of `open` has finished (a minute at most).
    fn finish(open: &mut DashboardRuntime) {
        let deadline = Instant::now() + Duration::from_mins(1);
        while {
            open.drain();
            open.is_running()
        } {
            assert!(Instant::now() < deadline, "the visuals did not finish");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_tile_keeps_its_picture_while_it_runs_again() {
        let runtime = crate::jobs::runtime::build_runtime().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let lake = dir.path().join("lake");
        std::fs::create_dir_all(lake.join("events")).unwrap();
        std::fs::write(lake.join("events/part-0.json"), "{\"v\": 1}\n").unwrap();
        let engine = runtime
            .block_on(Engine::attach(
                &crate::model::SourceSpec::local(&lake),
                &crate::engine::EngineOptions::default(),
            ))
            .unwrap();
        let jobs = Jobs::new(runtime.handle().clone(), Arc::new(|| {}));
        let path = dir.path().join("d.toml");
        std::fs::write(
            &path,
            "title = \"T\"\n\n[[visuals]]\nid = \"total\"\nkind = \"kpi\"\n\
             sql = \"SELECT sum(v) AS total FROM events\"\ny = [\"total\"]\n\
             position = [0, 0, 3, 2]\n",
        )
        .unwrap();
        let mut open = DashboardRuntime::open(DashboardSource::File(path), None, None).unwrap();
        open.run(&jobs, &engine, Utc::now(), None);
        finish(&mut open);
        let shown = |open: &DashboardRuntime| open.tiles["total"].view.data.clone().unwrap();
        let first = shown(&open);

        // A file lands and the dashboard runs again: until the new run is done, the tile keeps
        // what it showed (and says it is running); then it shows the new figure.
        std::fs::write(lake.join("events/part-1.json"), "{\"v\": 10}\n").unwrap();
        open.run(&jobs, &engine, Utc::now(), None);
        assert!(open.tiles["total"].view.running);
        assert!(Arc::ptr_eq(&shown(&open), &first), "the old picture stays");
        finish(&mut open);
        assert!(!open.tiles["total"].view.running);
        assert_ne!(format!("{:?}", shown(&open)), format!("{first:?}"));
        assert!(
            format!("{:?}", shown(&open)).contains("11"),
            "{:?}",
            shown(&open)
        );
    }

    #[test]
    fn a_save_is_written_in_the_background_and_edits_made_meanwhile_stay_unsaved() {
        let runtime = crate::jobs::runtime::build_runtime().unwrap();
        let jobs = Jobs::new(runtime.handle().clone(), Arc::new(|| {}));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.toml");
        std::fs::write(&path, TEXT).unwrap();
        let mut open =
            DashboardRuntime::open(DashboardSource::File(path.clone()), None, None).unwrap();
        open.edit(|f| f.set_visual_title("a", "Saved")).unwrap();
        open.begin_save(&jobs, path.clone(), None);
        assert!(open.is_saving());
        assert!(
            !open.disk_differs(),
            "the window's own write is not a change on disk"
        );
        open.edit(|f| f.set_visual_title("a", "After")).unwrap();
        let deadline = Instant::now() + Duration::from_mins(1);
        while open.is_saving() {
            assert!(Instant::now() < deadline, "the save did not finish");
            open.drain();
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains("title = \"Saved\"")
        );
        assert!(open.is_dirty(), "the edit made while saving is not saved");

        // Saved twice in a row: the second waits for the first, and its text is what stays.
        open.begin_save(&jobs, path.clone(), None);
        open.edit(|f| f.set_visual_title("a", "Last")).unwrap();
        open.begin_save(&jobs, path.clone(), None);
        while open.is_saving() {
            assert!(Instant::now() < deadline, "the saves did not finish");
            open.drain();
            open.start_waiting_save(&jobs, None);
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains("title = \"Last\"")
        );
        assert!(!open.is_dirty());
        assert!(!open.changed_on_disk(Instant::now()));
        assert!(open.problem.is_none());
    }

    #[test]
    fn a_param_is_used_only_where_its_whole_name_appears() {
        assert!(uses_param("WHERE country = $country", "country"));
        assert!(uses_param("($country IS NULL)", "country"));
        assert!(!uses_param("WHERE c = $country_code", "country"));
        assert!(!uses_param("WHERE country = 'DE'", "country"));
    }
}
