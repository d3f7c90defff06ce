//! The desktop app: `impl eframe::App`. `logic()` drains background jobs (it runs even when the
//! window is hidden); `ui()` draws the panels in `ui/` and applies the [`Command`]s they return.
//! The previous result of a tab stays on screen until a new one is complete.

pub mod demo;
pub mod export;
pub mod frame_stats;
pub mod results;
pub mod state;

use std::sync::Arc;
use std::time::Duration;

use crate::engine::{Engine, EngineOptions};
use crate::jobs::{Job, Jobs, QueryEvent, QueryJob};
use crate::lake::Catalog;
use crate::model::SourceSpec;
use crate::series::{ChartData, ChartSpec};
use crate::sql::Completions;
use crate::ui;
use results::ResultSet;
use state::{AppState, STATE_KEY};

/// What a panel asks the app to do.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Attach this lake.
    Attach(SourceSpec),
    /// Show the folder picker (with the typed path as fallback).
    OpenFolderDialog,
    /// Discover the attached lake again.
    RefreshCatalog,
    /// Run SQL in a tab.
    Run {
        /// The tab.
        tab: usize,
        /// The SQL (the selection, or the whole editor).
        sql: String,
        /// Where `sql` starts in the editor's text (bytes; 0 for the whole text).
        offset: usize,
    },
    /// Cancel a tab's running query.
    Cancel {
        /// The tab.
        tab: usize,
    },
    /// Insert text at the end of the active editor.
    InsertText(String),
    /// Replace the active editor's text (from the history).
    LoadQuery(String),
    /// Sort a tab's result by a column (again: descending).
    Sort {
        /// The tab.
        tab: usize,
        /// The column.
        column: usize,
    },
    /// Show the first rows of a table in the active tab.
    Preview(String),
    /// Show an error in the status line.
    ShowError(String),
    /// Open a new query tab.
    NewTab,
    /// Close a tab.
    CloseTab(usize),
    /// Show the S3 connect dialog (filled from a source, if given).
    OpenConnectDialog(Option<SourceSpec>),
    /// Light, dark, or `None`: follow the system.
    SetTheme(Option<bool>),
    /// Show or hide the frame-time bar.
    ShowFrameTimes(bool),
    /// Zoom in (1) or out (-1) one step, or back to 100% (0).
    Zoom(i8),
    /// Show the export dialog for a tab's result.
    OpenExport(usize),
    /// Choose the export file with the save dialog.
    BrowseExportPath,
    /// Write a tab's result to a file.
    Export {
        /// The tab.
        tab: usize,
        /// The format.
        format: crate::model::ResultFormat,
        /// The file.
        path: std::path::PathBuf,
    },
    /// Stop the export being written.
    CancelExport,
    /// Draw a tab's chart with other columns or another kind.
    SetChart {
        /// The tab.
        tab: usize,
        /// The chart.
        spec: ChartSpec,
    },
}

/// A finished sort: the result it is for, column, descending, and the row order.
type SortDone = (u64, usize, bool, Result<Vec<u32>, String>);

/// How the app starts.
#[derive(Clone, Debug)]
pub enum Launch {
    /// The live demo: a copy of the sample lake fed by the simulator.
    Demo,
    /// A given lake.
    Source(SourceSpec),
    /// The lake attached last time (or nothing).
    Restore,
}

/// A tab's runtime state: its query and results (not persisted).
#[derive(Default)]
struct TabRuntime {
    running: Option<QueryJob>,
    arriving: Option<ResultSet>,
    shown: Option<ResultSet>,
    outcome: Option<String>,
    failed: bool,
    /// The SQL that ran last (to place an error in the editor), and where it starts there.
    ran_sql: String,
    ran_offset: usize,
    /// Where the error points, in the editor's text, while that text is `error_in`.
    error_span: Option<(std::ops::Range<usize>, String)>,
    /// Table or chart.
    view: ui::results::ResultView,
    /// The chart drawn of the shown result (`None`: nothing to chart).
    chart_spec: Option<ChartSpec>,
    /// The chart's series, once built.
    chart: Option<Arc<Result<ChartData, String>>>,
    /// The chart being built.
    chart_job: Option<Job<(ChartSpec, Result<ChartData, String>)>>,
}

/// An export being written: its job, progress and row count.
struct ExportRun {
    job: Job<Result<export::Exported, String>>,
    progress: export::ExportProgress,
    total_rows: usize,
}

/// The Lakesight window.
pub struct LakesightApp {
    state: AppState,
    jobs: Jobs,
    engine: Option<Engine>,
    catalog: Option<Arc<Catalog>>,
    attaching: Option<(SourceSpec, Job<Result<Engine, String>>)>,
    refreshing: Option<Job<Result<Arc<Catalog>, String>>>,
    picking_folder: Option<Job<Option<std::path::PathBuf>>>,
    /// A sort being computed.
    sorting: Option<Job<SortDone>>,
    tabs: Vec<TabRuntime>,
    toolbar: ui::toolbar::ToolbarState,
    connect: ui::connect::ConnectState,
    export: ui::export::ExportState,
    export_run: Option<ExportRun>,
    /// The last export's outcome, and whether it failed.
    export_outcome: Option<(String, bool)>,
    save_dialog: Option<Job<Option<std::path::PathBuf>>>,
    profiles_job: Option<Job<Result<Vec<crate::lake::aws::ProfileInfo>, String>>>,
    editor: ui::editor::EditorState,
    completions: Option<Arc<Completions>>,
    history_filter: String,
    /// The window title last sent.
    window_title: String,
    /// The theme choice last applied to the context (`None` in it: follow the system).
    applied_theme: Option<ThemeChoice>,
    /// The context's zoom at the end of the last frame.
    seen_zoom: f32,
    status: Option<String>,
    /// The demo lake being copied into the cache.
    preparing_demo: Option<Job<Result<std::path::PathBuf, String>>>,
    /// The simulator feeding the demo lake (stops with the app).
    demo_feed: Option<Job<()>>,
    frame_stats: frame_stats::FrameStats,
    frames_drawn: u64,
    /// The start-up probe of the cold-start benchmark.
    exit_after: Option<frame_stats::ExitAfter>,
    /// Print frame-time summaries to stderr (`LAKESIGHT_FRAME_LOG=1`).
    log_frames: bool,
    /// Keeps the runtime alive when the app owns it.
    owned_runtime: Option<Arc<tokio::runtime::Runtime>>,
}

impl LakesightApp {
    /// Builds the app on `runtime`, restoring persisted state from `cc`, and starts attaching.
    pub fn new(
        cc: &eframe::CreationContext<'_>,
        runtime: &tokio::runtime::Handle,
        launch: &Launch,
    ) -> Self {
        let mut state: AppState = cc
            .storage
            .and_then(|s| eframe::get_value(s, STATE_KEY))
            .unwrap_or_default();
        state.fix_tabs();
        let ctx = cc.egui_ctx.clone();
        let jobs = Jobs::new(runtime.clone(), Arc::new(move || ctx.request_repaint()));
        apply_theme(&cc.egui_ctx, state.dark_mode);
        state.zoom = state.zoom.clamp(MIN_ZOOM, MAX_ZOOM);
        cc.egui_ctx.set_zoom_factor(state.zoom);
        let zoom = state.zoom;
        let mut app = Self {
            tabs: state.tabs.iter().map(|_| TabRuntime::default()).collect(),
            state,
            jobs,
            engine: None,
            catalog: None,
            attaching: None,
            refreshing: None,
            picking_folder: None,
            sorting: None,
            toolbar: ui::toolbar::ToolbarState::default(),
            connect: ui::connect::ConnectState::default(),
            export: ui::export::ExportState::default(),
            export_run: None,
            export_outcome: None,
            save_dialog: None,
            profiles_job: None,
            editor: ui::editor::EditorState::default(),
            completions: None,
            history_filter: String::new(),
            window_title: String::new(),
            applied_theme: None,
            seen_zoom: zoom,
            status: None,
            owned_runtime: None,
            preparing_demo: None,
            demo_feed: None,
            frame_stats: frame_stats::FrameStats::default(),
            frames_drawn: 0,
            exit_after: frame_stats::ExitAfter::from_env(),
            log_frames: std::env::var_os("LAKESIGHT_FRAME_LOG").is_some(),
        };
        let source = match launch {
            Launch::Demo => {
                // Copying the sample lake takes a moment: off the UI thread, so the window
                // shows at once.
                app.preparing_demo = Some(app.jobs.spawn(async {
                    tokio::task::spawn_blocking(demo::prepare_demo_lake)
                        .await
                        .map_err(|e| e.to_string())?
                        .map_err(|e| format!("could not prepare the demo lake: {e}"))
                }));
                None
            }
            Launch::Source(spec) => Some(spec.clone()),
            Launch::Restore => app.state.source.clone(),
        };
        if let Some(source) = source {
            app.apply(Command::Attach(source));
        }
        app
    }

    /// Keeps `runtime` alive as long as the app.
    #[must_use]
    pub fn owning_runtime(mut self, runtime: Arc<tokio::runtime::Runtime>) -> Self {
        self.owned_runtime = Some(runtime);
        self
    }

    /// The persisted state (for tests).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    fn apply(&mut self, command: Command) {
        match command {
            Command::Attach(spec) => {
                self.toolbar.source_text = spec.to_string();
                if !self.connect.connecting {
                    self.connect.open = false;
                }
                let options = EngineOptions::default();
                let job_spec = spec.clone();
                let job = self.jobs.spawn(async move {
                    Engine::attach(&job_spec, &options)
                        .await
                        .map_err(|e| e.to_string())
                });
                self.attaching = Some((spec, job));
            }
            Command::OpenFolderDialog => {
                // Asynchronous, so the window keeps drawing while the dialog is open. Without a
                // desktop portal rfd answers None at once; the typed path remains.
                let dialog = rfd::AsyncFileDialog::new()
                    .set_title("Open a lake folder")
                    .pick_folder();
                self.picking_folder = Some(
                    self.jobs
                        .spawn(async move { dialog.await.map(|h| h.path().to_path_buf()) }),
                );
            }
            Command::RefreshCatalog => {
                if let Some(engine) = self.engine.clone() {
                    self.refreshing = Some(self.jobs.spawn(async move {
                        engine.refresh_catalog().await.map_err(|e| e.to_string())
                    }));
                }
            }
            Command::Run { tab, sql, offset } => self.run(tab, &sql, offset),
            Command::Cancel { tab } => {
                if let Some(runtime) = self.tabs.get_mut(tab)
                    && let Some(job) = runtime.running.as_mut()
                {
                    job.cancel();
                }
            }
            Command::InsertText(text) => {
                if let Some(tab) = self.state.tabs.get_mut(self.state.active_tab) {
                    if !tab.sql.ends_with([' ', '\n']) && !tab.sql.is_empty() {
                        tab.sql.push(' ');
                    }
                    tab.sql.push_str(&text);
                }
            }
            Command::Sort { tab, column } => {
                if let Some(result) = self.tabs.get(tab).and_then(|t| t.shown.clone()) {
                    let descending = result.sort() == Some((column, false));
                    let id = result.id();
                    // Sorting a million rows takes a while: off the UI thread.
                    self.sorting = Some(self.jobs.spawn(async move {
                        let order = tokio::task::spawn_blocking(move || {
                            result.sort_order(column, descending)
                        })
                        .await
                        .unwrap_or_else(|e| Err(e.to_string()));
                        (id, column, descending, order)
                    }));
                }
            }
            Command::LoadQuery(sql) => {
                let tab = self.state.active_tab;
                self.state.tabs[tab].sql = sql;
            }
            Command::Preview(table) => {
                let tab = self.state.active_tab;
                let sql = format!("SELECT * FROM {table} LIMIT 100");
                self.state.tabs[tab].sql.clone_from(&sql);
                self.run(tab, &sql, 0);
            }
            Command::ShowError(message) => self.status = Some(message),
            Command::OpenConnectDialog(spec) => {
                let current = self.engine.as_ref().map(|e| e.lake().spec.clone());
                if let Some(spec) =
                    spec.or_else(|| current.filter(SourceSpec::is_s3))
                        .or_else(|| {
                            self.state
                                .recent_sources
                                .iter()
                                .find(|s| s.is_s3())
                                .cloned()
                        })
                {
                    self.connect.fill_from(&spec);
                }
                self.connect.open = true;
                self.connect.error = None;
                // An attach still running (started here before the dialog was closed) reports
                // back into the dialog.
                self.connect.connecting = self.attaching.is_some();
                // Read ~/.aws off the UI thread, every time: profiles change.
                self.profiles_job = Some(
                    self.jobs
                        .spawn(async { crate::lake::aws::list_profiles().await }),
                );
            }
            Command::OpenExport(tab) => {
                // The last outcome stays until a new export starts: one finished (or failed)
                // while the dialog was closed is still reported.
                self.export.open = true;
                if self.export_run.is_none() {
                    self.export.tab = tab;
                }
            }
            Command::BrowseExportPath => {
                let current = std::path::PathBuf::from(&self.export.path);
                let mut dialog = rfd::AsyncFileDialog::new().set_title("Export result");
                if let Some(folder) = current.parent() {
                    dialog = dialog.set_directory(folder);
                }
                if let Some(name) = current.file_name() {
                    dialog = dialog.set_file_name(name.to_string_lossy());
                }
                let dialog = dialog.save_file();
                self.save_dialog = Some(
                    self.jobs
                        .spawn(async move { dialog.await.map(|h| h.path().to_path_buf()) }),
                );
            }
            Command::Export { tab, format, path } => self.export(tab, format, path),
            Command::CancelExport => {
                if let Some(run) = &self.export_run {
                    run.progress
                        .cancel
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
            Command::SetChart { tab, spec } => {
                if let Some(runtime) = self.tabs.get_mut(tab) {
                    runtime.chart_spec = Some(spec);
                    runtime.chart = None;
                    runtime.chart_job = None;
                }
            }
            Command::ShowFrameTimes(show) => self.state.show_frame_times = show,
            Command::SetTheme(choice) => {
                self.state.dark_mode = choice;
                // Applied in `ui()`, which has the context.
            }
            Command::Zoom(step) => {
                self.state.zoom = if step == 0 {
                    1.0
                } else {
                    (self.state.zoom + 0.1 * f32::from(step)).clamp(MIN_ZOOM, MAX_ZOOM)
                };
            }
            Command::NewTab => {
                self.state.new_tab();
                self.tabs.push(TabRuntime::default());
            }
            Command::CloseTab(index) => {
                if self.state.tabs.len() > 1 && index < self.state.tabs.len() {
                    self.state.tabs.remove(index);
                    self.tabs.remove(index);
                    self.state.fix_tabs();
                    // The export dialog follows its tab (a running export has its own copy).
                    if self.export.tab == index && self.export_run.is_none() {
                        self.export.open = false;
                    } else if self.export.tab > index {
                        self.export.tab -= 1;
                    }
                }
            }
        }
    }

    fn export(&mut self, tab: usize, format: crate::model::ResultFormat, path: std::path::PathBuf) {
        if self.export_run.is_some() {
            return;
        }
        let Some(result) = self.tabs.get(tab).and_then(|t| t.shown.clone()) else {
            self.export_outcome = Some(("no result to export".to_owned(), true));
            return;
        };
        if path.as_os_str().is_empty() {
            self.export_outcome = Some(("choose a file to export to".to_owned(), true));
            return;
        }
        let result_rows = result.num_rows();
        let progress = export::ExportProgress::default();
        let shared = progress.clone();
        // Writing a million rows takes seconds: on a blocking thread, never the UI's.
        let job = self.jobs.spawn(async move {
            tokio::task::spawn_blocking(move || export::export(&result, format, &path, &shared))
                .await
                .unwrap_or_else(|e| Err(e.to_string()))
        });
        self.export_outcome = None;
        self.export_run = Some(ExportRun {
            job,
            progress,
            total_rows: result_rows,
        });
    }

    /// Starts building the chart of each tab showing one, when it is missing.
    fn build_charts(&mut self) {
        for tab in &mut self.tabs {
            if tab.view != ui::results::ResultView::Chart
                || tab.chart.is_some()
                || tab.chart_job.is_some()
            {
                continue;
            }
            let (Some(result), Some(spec)) = (tab.shown.clone(), tab.chart_spec.clone()) else {
                continue;
            };
            tab.chart_job = Some(self.jobs.spawn(async move {
                let built_spec = spec.clone();
                let data = tokio::task::spawn_blocking(move || {
                    crate::series::build(&result.schema, result.batches(), &spec, CHART_POINTS)
                })
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
                (built_spec, data)
            }));
        }
    }

    /// Runs `sql` in `tab`; `offset` is where it starts in the tab's editor (a selection).
    fn run(&mut self, tab: usize, sql: &str, offset: usize) {
        let Some(engine) = &self.engine else {
            self.status = Some("attach a lake first".to_owned());
            return;
        };
        self.state.remember_query(sql);
        let job = self.jobs.run_query(engine, sql);
        if let Some(runtime) = self.tabs.get_mut(tab) {
            // Dropping a job still running cancels its query.
            runtime.running = Some(job);
            runtime.arriving = None;
            sql.clone_into(&mut runtime.ran_sql);
            runtime.ran_offset = offset;
            runtime.error_span = None;
        }
    }

    /// Drains background work; runs every frame, visible or not.
    fn drain_jobs(&mut self) {
        if let Some(job) = &mut self.preparing_demo
            && let Some(result) = job.poll()
        {
            self.preparing_demo = None;
            match result {
                // The user attached something else meanwhile: their choice stands.
                Ok(_) if self.attaching.is_some() || self.engine.is_some() => {}
                Ok(lake) => {
                    let feed = demo::demo_feed(&lake);
                    self.demo_feed = Some(self.jobs.spawn(async move {
                        if let Err(err) = crate::sim::run(&feed, |_| {}).await {
                            tracing::warn!("the demo feed stopped: {err}");
                        }
                    }));
                    self.apply(Command::Attach(SourceSpec::local(lake)));
                }
                Err(message) => self.status = Some(message),
            }
        }
        if let Some((spec, job)) = &mut self.attaching
            && let Some(result) = job.poll()
        {
            match result {
                Ok(engine) => {
                    self.catalog = Some(engine.catalog());
                    self.completions = Some(Arc::new(engine.completions()));
                    self.connect.open = false;
                    self.connect.connecting = false;
                    self.engine = Some(engine);
                    let spec = spec.clone();
                    self.state.remember_source(&spec);
                    self.status = None;
                    // Show something at once: the front tab's query, unless it already has a result.
                    let tab = self.state.active_tab;
                    if self.tabs[tab].shown.is_none() && self.tabs[tab].running.is_none() {
                        let sql = self.state.tabs[tab].sql.clone();
                        self.run(tab, &sql, 0);
                    }
                }
                Err(message) => {
                    if self.connect.connecting {
                        // Shown where the user is looking: in the dialog, which stays open.
                        self.connect.error = Some(message.clone());
                        self.connect.connecting = false;
                    }
                    self.status = Some(message);
                }
            }
            self.attaching = None;
        }
        if let Some(job) = &mut self.picking_folder
            && let Some(picked) = job.poll()
        {
            self.picking_folder = None;
            match picked {
                Some(folder) => self.apply(Command::Attach(SourceSpec::local(folder))),
                None => {
                    self.status = Some(
                        "no folder chosen: type a path or s3:// URL and press Attach".to_owned(),
                    );
                }
            }
        }
        if let Some(job) = &mut self.sorting
            && let Some((id, column, descending, order)) = job.poll()
        {
            self.sorting = None;
            match order {
                Ok(order) => {
                    // Only onto the result it was computed for: tabs may have closed or rerun.
                    if let Some(result) = self
                        .tabs
                        .iter_mut()
                        .filter_map(|t| t.shown.as_mut())
                        .find(|r| r.id() == id)
                    {
                        result.set_sort(column, descending, order);
                    }
                }
                Err(message) => self.status = Some(format!("cannot sort: {message}")),
            }
        }
        if let Some(job) = &mut self.refreshing
            && let Some(result) = job.poll()
        {
            match result {
                Ok(catalog) => {
                    self.catalog = Some(catalog);
                    self.completions = self.engine.as_ref().map(|e| Arc::new(e.completions()));
                }
                Err(message) => self.status = Some(message),
            }
            self.refreshing = None;
        }
        if let Some(job) = &mut self.save_dialog
            && let Some(picked) = job.poll()
        {
            self.save_dialog = None;
            match picked {
                Some(path) => self.export.path = path.display().to_string(),
                None => {
                    self.export_outcome =
                        Some(("no file chosen: type the path instead".to_owned(), true));
                }
            }
        }
        if let Some(run) = &mut self.export_run
            && let Some(result) = run.job.poll()
        {
            self.export_outcome = Some(match result {
                Ok(done) => (
                    format!(
                        "Exported {} rows to {} ({})",
                        done.rows,
                        done.path.display(),
                        crate::model::human_bytes(done.bytes)
                    ),
                    false,
                ),
                Err(message) => (message, true),
            });
            self.export_run = None;
        }
        for tab in &mut self.tabs {
            if let Some(job) = &mut tab.chart_job
                && let Some((spec, data)) = job.poll()
            {
                if tab.chart_spec.as_ref() == Some(&spec) {
                    tab.chart = Some(Arc::new(data));
                }
                tab.chart_job = None;
            }
        }
        if let Some(job) = &mut self.profiles_job
            && let Some(result) = job.poll()
        {
            self.connect.profiles = Some(result);
            self.profiles_job = None;
        }
        for (index, tab) in self.tabs.iter_mut().enumerate() {
            let Some(job) = tab.running.as_mut() else {
                continue;
            };
            for event in job.poll() {
                match event {
                    QueryEvent::Started { schema } => tab.arriving = Some(ResultSet::new(schema)),
                    QueryEvent::Batch(batch) => {
                        if let Some(result) = tab.arriving.as_mut() {
                            result.push(batch);
                        }
                    }
                    QueryEvent::Finished { rows, elapsed } => {
                        let same_columns = match (&tab.shown, &tab.arriving) {
                            (Some(old), Some(new)) => old.schema == new.schema,
                            _ => false,
                        };
                        tab.shown = tab.arriving.take();
                        if !same_columns {
                            tab.chart_spec = tab
                                .shown
                                .as_ref()
                                .and_then(|r| crate::series::suggest(&r.schema));
                        }
                        tab.chart = None;
                        tab.chart_job = None;
                        tab.outcome =
                            Some(format!("{rows} rows in {:.3} s", elapsed.as_secs_f64()));
                        tab.failed = false;
                    }
                    QueryEvent::Failed(message) => {
                        tab.arriving = None;
                        let editor = &self.state.tabs[index].sql;
                        tab.error_span = crate::sql::text::error_span_in_editor(
                            editor,
                            &tab.ran_sql,
                            tab.ran_offset,
                            &message,
                        )
                        .map(|span| (span, editor.clone()));
                        tab.outcome = Some(message);
                        tab.failed = true;
                    }
                    QueryEvent::Cancelled => {
                        tab.arriving = None;
                        tab.outcome = Some("Cancelled".to_owned());
                        tab.failed = false;
                    }
                }
            }
            if job.is_done() {
                tab.running = None;
            }
        }
    }

    fn busy_text(&self) -> Option<String> {
        if self.preparing_demo.is_some() {
            return Some("preparing the demo lake...".to_owned());
        }
        if let Some((spec, _)) = &self.attaching {
            return Some(format!("attaching {spec}..."));
        }
        self.refreshing
            .as_ref()
            .map(|_| "refreshing the catalog...".to_owned())
    }
}

impl LakesightApp {
    /// For the cold-start benchmark: prints when the first frame (or result) was on screen,
    /// then closes the window.
    fn probe_start_up(&mut self, ctx: &egui::Context) {
        let Some(exit_after) = self.exit_after else {
            return;
        };
        let ms = frame_stats::since_process_start().as_secs_f64() * 1000.0;
        // `logic` runs before a frame is drawn: on the second call, the first is on screen.
        if self.frames_drawn == 2 {
            println!("first frame: {ms:.0} ms after start");
        }
        let done = match exit_after {
            frame_stats::ExitAfter::FirstFrame => self.frames_drawn >= 2,
            frame_stats::ExitAfter::FirstResult => {
                let shown = self.tabs.iter().any(|t| t.shown.is_some() || t.failed);
                if shown {
                    println!("first result: {ms:.0} ms after start");
                }
                shown
            }
        };
        if done {
            self.exit_after = None;
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        } else if self.frames_drawn < 2 {
            // The second frame tells that the first is on screen; after that, jobs wake the UI
            // as for any user (a busy loop here would starve the query threads).
            ctx.request_repaint();
        }
    }
}

impl eframe::App for LakesightApp {
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        if let Some(seconds) = frame.info().cpu_usage {
            self.frame_stats.record(seconds);
            if self.log_frames
                && self.frames_drawn.is_multiple_of(120)
                && let Some(s) = self.frame_stats.summary()
            {
                eprintln!(
                    "frame time over the last {} frames: median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
                    s.frames, s.p50_ms, s.p95_ms, s.max_ms
                );
            }
        }
        self.frames_drawn += 1;
        self.drain_jobs();
        self.probe_start_up(ctx);
        self.build_charts();
        if self.export_run.is_some() {
            // Progress is read from a counter: redraw to show it move.
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        // While a query runs, redraw for the elapsed-time counter.
        if self.tabs.iter().any(|t| t.running.is_some()) {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        let title = match &self.engine {
            Some(engine) => format!("Lakesight — {}", engine.lake().spec),
            None => "Lakesight".to_owned(),
        };
        // Only on change: a viewport command every frame would be work on the hot path.
        if title != self.window_title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.window_title = title;
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let mut commands = Vec::new();
        let busy = self.busy_text();
        egui::Panel::top("toolbar").show(ui, |ui| {
            let view = ui::toolbar::ToolbarView {
                attached: self.engine.as_ref().map(|e| &e.lake().spec),
                busy: busy.as_deref(),
                recent: &self.state.recent_sources,
                dark_mode: self.state.dark_mode,
                show_frame_times: self.state.show_frame_times,
            };
            commands.extend(ui::toolbar::toolbar_ui(ui, &view, &mut self.toolbar));
            if let Some(status) = &self.status {
                ui.colored_label(ui.visuals().error_fg_color, status);
            }
        });
        if self.state.show_frame_times {
            egui::Panel::bottom("frame-times").show(ui, |ui| {
                ui::toolbar::frame_times_ui(ui, self.frame_stats.summary());
            });
        }
        egui::Panel::left("catalog")
            .resizable(true)
            .default_size(260.0)
            .show(ui, |ui| {
                egui::CollapsingHeader::new("History").show(ui, |ui| {
                    commands.extend(ui::history::history_ui(
                        ui,
                        &self.state.history,
                        &mut self.history_filter,
                    ));
                });
                ui.heading("Tables");
                commands.extend(ui::catalog::catalog_ui(ui, self.catalog.as_deref()));
            });
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                for (index, tab) in self.state.tabs.iter().enumerate() {
                    if ui
                        .selectable_label(index == self.state.active_tab, &tab.title)
                        .clicked()
                    {
                        self.state.active_tab = index;
                    }
                }
                if ui.small_button("New tab").clicked() {
                    commands.push(Command::NewTab);
                }
                if self.state.tabs.len() > 1 && ui.small_button("Close tab").clicked() {
                    commands.push(Command::CloseTab(self.state.active_tab));
                }
            });
            let active = self.state.active_tab;
            let runtime = &self.tabs[active];
            let sql = &self.state.tabs[active].sql;
            let error_span = runtime
                .error_span
                .as_ref()
                .filter(|(_, text)| text == sql)
                .map(|(span, _)| span.clone());
            let status = ui::editor::EditorStatus {
                running: runtime.running.as_ref().map(|job| {
                    (
                        job.elapsed(),
                        runtime.arriving.as_ref().map_or(0, ResultSet::num_rows),
                    )
                }),
                outcome: runtime.outcome.as_deref(),
                failed: runtime.failed,
                error_span,
            };
            let tab_id = self.state.tabs[active].id;
            commands.extend(ui::editor::editor_ui(
                ui,
                active,
                tab_id,
                &mut self.state.tabs[active].sql,
                &status,
                &mut self.editor,
                self.completions.as_deref(),
            ));
            ui.separator();
            let runtime = &mut self.tabs[active];
            if let Some(result) = &runtime.shown {
                commands.extend(ui::results::results_bar_ui(
                    ui,
                    active,
                    result,
                    &mut runtime.view,
                ));
                match runtime.view {
                    ui::results::ResultView::Table => {
                        commands.extend(ui::results::results_ui(ui, active, result));
                    }
                    ui::results::ResultView::Chart => {
                        commands.extend(ui::chart::chart_ui(
                            ui,
                            active,
                            &result.schema,
                            runtime.chart_spec.as_ref(),
                            runtime.chart.as_deref(),
                        ));
                    }
                }
            }
        });
        commands.extend(ui::connect::connect_ui(ui.ctx(), &mut self.connect));
        let export_view = ui::export::ExportView {
            total_rows: self.export_run.as_ref().map_or_else(
                || {
                    self.tabs
                        .get(self.export.tab)
                        .and_then(|t| t.shown.as_ref())
                        .map_or(0, ResultSet::num_rows)
                },
                |run| run.total_rows,
            ),
            written: self
                .export_run
                .as_ref()
                .map(|run| run.progress.rows.load(std::sync::atomic::Ordering::Relaxed)),
            outcome: self
                .export_outcome
                .as_ref()
                .map(|(message, failed)| (message.as_str(), *failed)),
        };
        commands.extend(ui::export::export_ui(
            ui.ctx(),
            &mut self.export,
            &export_view,
        ));
        for command in commands {
            self.apply(command);
        }
        // Theme and zoom: the user's choice, and egui's own Ctrl+Plus/Minus zoom keys.
        let ctx = ui.ctx().clone();
        if self.applied_theme != Some(ThemeChoice(self.state.dark_mode)) {
            apply_theme(&ctx, self.state.dark_mode);
            self.applied_theme = Some(ThemeChoice(self.state.dark_mode));
        }
        // A new zoom in the context (egui's keyboard shortcut, or ours landing a frame after we
        // asked) is the zoom now; otherwise ask for the one chosen in the View menu.
        let zoom = ctx.zoom_factor();
        if (zoom - self.seen_zoom).abs() > f32::EPSILON {
            self.state.zoom = zoom;
        } else if (zoom - self.state.zoom).abs() > f32::EPSILON {
            ctx.set_zoom_factor(self.state.zoom);
        }
        self.seen_zoom = zoom;
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STATE_KEY, &self.state);
    }
}

/// A theme choice as persisted: `None` follows the system.
#[derive(Clone, Copy, PartialEq, Eq)]
struct ThemeChoice(Option<bool>);

/// Points per chart series at most (downsampled beyond).
const CHART_POINTS: usize = 4_000;

/// The zoom range offered.
const MIN_ZOOM: f32 = 0.5;
const MAX_ZOOM: f32 = 3.0;

/// Light, dark, or following the system (`None`).
fn apply_theme(ctx: &egui::Context, dark_mode: Option<bool>) {
    ctx.set_theme(match dark_mode {
        None => egui::ThemePreference::System,
        Some(true) => egui::ThemePreference::Dark,
        Some(false) => egui::ThemePreference::Light,
    });
}

/// How much lower the query threads' CPU priority is than the UI thread's (a Unix nice value).
#[cfg(target_os = "linux")]
const WORKER_NICENESS: i32 = 10;

/// The runtime the app runs its queries, listings and writes on. Its threads run at a lower CPU
/// priority than the UI thread: a query still gets every core, but when the UI needs one to draw
/// a frame, it gets it first, so the window stays smooth while a query keeps the CPU busy.
pub fn build_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("lakesight-worker")
        .on_thread_start(lower_this_threads_priority)
        .build()
}

fn lower_this_threads_priority() {
    // On Linux a nice value belongs to a thread, and `None` names the calling thread. Elsewhere
    // it would apply to the whole process, UI included, so it is left alone.
    #[cfg(target_os = "linux")]
    if let Err(err) = rustix::process::setpriority_process(None, WORKER_NICENESS) {
        tracing::debug!("could not lower a worker thread's priority: {err}");
    }
}

/// Opens the window and runs until it is closed.
pub fn run_native(launch: Launch) -> Result<(), String> {
    let runtime =
        Arc::new(build_runtime().map_err(|e| format!("could not start the async runtime: {e}"))?);
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Lakesight")
            .with_inner_size([1400.0, 900.0]),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let handle = runtime.handle().clone();
    eframe::run_native(
        "Lakesight",
        options,
        Box::new(move |cc| {
            Ok(Box::new(
                LakesightApp::new(cc, &handle, &launch).owning_runtime(runtime),
            ))
        }),
    )
    .map_err(|e| format!("could not open the window: {e}"))
}
