//! The desktop app: `impl eframe::App`, a thin coordinator. `logic()` drains background jobs and
//! saves the state (it runs even when the window is hidden); `ui()` lays out the panels of `ui/`
//! and applies the [`Command`]s they send. The previous result of a tab stays on screen until a
//! new one is complete.

mod announce;
mod apply;
mod dashboard_alerts;
mod dashboard_apply;
mod dashboard_save;
mod dashboard_trust;
mod dashboards;
pub mod demo;
mod drain;
pub mod export;
mod file_watch;
pub mod frame_stats;
mod images;
mod layout;
mod live;
mod refresh_tick;
pub mod state;
pub mod state_file;
mod tabs;
mod tile_insights;
mod transforms;
mod view;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::command::{Command, DashboardId, TabId};
use crate::engine::{Engine, EngineOptions};
use crate::jobs::{Job, Jobs, RuntimeHandle, Slot};
use crate::lake::Catalog;
use crate::model::SourceSpec;
use crate::model::dashboard::DashboardSource;
use crate::results::ResultBudget;
use crate::sql::Completions;
use crate::ui;
use state::AppState;
use state_file::StateFile;
use tabs::TabRuntime;

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

/// Everything the app is started with.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// Which lake to open.
    pub launch: Launch,
    /// The state file (`None`: nothing is remembered, as in tests).
    pub state_path: Option<PathBuf>,
    /// How the engine may use the machine (memory limit, spill folder).
    pub engine: EngineOptions,
    /// Where the demo's lakes live (`None`: the cache folder).
    pub demo_base: Option<PathBuf>,
    /// Dashboards to open in front (`lakesight open FILE.toml`).
    pub dashboards: Vec<DashboardSource>,
    /// Hours of history in the demo lake (tests use fewer).
    pub demo_hours: i64,
    /// The alert history transitions are appended to (`None`: not recorded, as in tests).
    pub alert_history: Option<PathBuf>,
    /// Whether alerts with `notify = ["desktop"]` pop up desktop notifications (off in tests).
    pub desktop_notifications: bool,
    /// The record of dashboard files the user trusts to act (`None`: only built-in dashboards
    /// and files trusted in this window are, and nothing is recorded, as in tests).
    pub trusted_files: Option<PathBuf>,
    /// A transform jobs file to open in the Jobs panel.
    pub jobs_file: Option<PathBuf>,
    /// Where the Jobs panel's jobs write, to begin with.
    pub jobs_into: Option<String>,
}

impl AppConfig {
    /// The window's configuration: `launch`, remembered in the user's data folder.
    pub fn for_window(launch: Launch, engine: EngineOptions) -> Self {
        Self {
            state_path: StateFile::in_data_dir().map(|f| f.path().to_path_buf()),
            alert_history: crate::alert::History::in_data_dir().map(|h| h.path().to_path_buf()),
            desktop_notifications: true,
            trusted_files: crate::trust::TrustStore::in_data_dir()
                .map(|store| store.path().to_path_buf()),
            engine: EngineOptions {
                hot_cache: true,
                footer_cache: engine.footer_cache.clone().or_else(crate::lake::cache_dir),
                ..engine
            },
            ..Self::new(launch)
        }
    }

    /// `launch`, with nothing remembered and the engine's defaults (and its hot cache).
    pub fn new(launch: Launch) -> Self {
        Self {
            launch,
            state_path: None,
            engine: EngineOptions {
                hot_cache: true,
                ..EngineOptions::default()
            },
            demo_base: None,
            dashboards: Vec::new(),
            demo_hours: demo::DEMO_HOURS,
            alert_history: None,
            desktop_notifications: false,
            trusted_files: None,
            jobs_file: None,
            jobs_into: None,
        }
    }
}

/// How often the app wakes to check open dashboard files for changes on disk, where the thread
/// that checks them could not be started.
const DISK_WAKE: Duration = Duration::from_secs(1);

/// How often the state is saved while the app runs (and once more when it closes).
const SAVE_INTERVAL: Duration = Duration::from_secs(5);

/// The Lakesight window.
pub struct LakesightApp {
    state: AppState,
    state_file: Option<StateFile>,
    last_save: Instant,
    /// The state being written in the background.
    saving: Slot<Result<(), state_file::StateFileError>>,
    config: AppConfig,
    jobs: Jobs,
    engine: Option<Engine>,
    catalog: Option<Arc<Catalog>>,
    completions: Option<Arc<Completions>>,
    /// The lake being attached, and the job attaching it.
    attaching: Option<SourceSpec>,
    attach_job: Slot<Result<Engine, String>>,
    refreshing: Slot<Result<Arc<Catalog>, String>>,
    picking_folder: Slot<Option<PathBuf>>,
    sorting: Slot<tabs::SortDone>,
    save_dialog: Slot<Option<PathBuf>>,
    profiles_job: Slot<Result<Vec<crate::lake::aws::ProfileInfo>, String>>,
    /// Each open tab's query and results, by tab id.
    tabs: HashMap<TabId, TabRuntime>,
    /// Each open dashboard's file, values and visuals, by id.
    dashboards: HashMap<DashboardId, dashboards::DashboardRuntime>,
    /// The watching of the lake for new files.
    live: live::Live,
    /// The checking of open dashboard files for changes on disk (`None`: the thread could not
    /// be started, and the app wakes to check them itself).
    file_watch: Option<file_watch::FileWatch>,
    /// Records and announces alert transitions (`None`: its thread could not start).
    announcer: Option<crate::alert::Announcer>,
    /// The record of trusted dashboard files (`None`: nothing is recorded).
    trust_store: Option<crate::trust::TrustStore>,
    /// The dashboard file chosen to open.
    dashboard_open_dialog: Slot<Option<PathBuf>>,
    /// The file chosen to save a dashboard as.
    dashboard_save_dialog: Slot<(DashboardId, Option<PathBuf>)>,
    panels: Panels,
    export_run: Option<apply::ExportRun>,
    /// Images being made from dashboards.
    images: images::Images,
    /// The last export's outcome, and whether it failed.
    export_outcome: Option<(String, bool)>,
    /// The file the save dialog chose (it asked about replacing already).
    export_confirmed: Option<PathBuf>,
    status: Option<String>,
    /// Said once, until dismissed: a state file moved aside, a backup restored.
    notice: Option<String>,
    demo: DemoRuntime,
    view: view::ViewState,
    probe: frame_stats::Probe,
    /// The default result budget of this machine (settings override it).
    default_budget: ResultBudget,
    /// Keeps the runtime alive when the app owns it.
    owned_runtime: Option<Arc<crate::jobs::Runtime>>,
    /// The Jobs panel: an opened transform jobs file and its runs.
    transforms: transforms::TransformsPanel,
}

/// The panels' own state between frames.
#[derive(Default)]
struct Panels {
    toolbar: ui::toolbar::ToolbarState,
    connect: ui::connect::ConnectState,
    cluster: ui::cluster::ClusterState,
    export: ui::export::ExportState,
    editor: ui::editor::EditorState,
    history_filter: String,
    dashboards: HashMap<DashboardId, ui::dashboard::DashboardPanelState>,
}

/// The live demo: its lake being prepared, the lake, and the simulator feeding it.
#[derive(Default)]
struct DemoRuntime {
    preparing: Slot<Result<demo::DemoLake, String>>,
    lake: Option<demo::DemoLake>,
    feed: Option<Job<()>>,
}

impl LakesightApp {
    /// Builds the app on `runtime` for `launch`, remembering nothing (tests, benchmarks).
    pub fn new(cc: &eframe::CreationContext<'_>, runtime: &RuntimeHandle, launch: &Launch) -> Self {
        Self::with_config(cc, runtime, AppConfig::new(launch.clone()))
    }

    /// Builds the app on `runtime`, restores the state file, and starts attaching.
    pub fn with_config(
        cc: &eframe::CreationContext<'_>,
        runtime: &RuntimeHandle,
        config: AppConfig,
    ) -> Self {
        let mut state_file = config.state_path.clone().map(StateFile::at);
        let (mut state, notice) = match &mut state_file {
            Some(file) => {
                let loaded = file.load();
                let legacy = (!loaded.found)
                    .then_some(cc.storage)
                    .flatten()
                    .and_then(|s| eframe::get_value::<AppState>(s, state::LEGACY_STATE_KEY));
                (legacy.unwrap_or(loaded.state), loaded.notice)
            }
            None => (AppState::default(), None),
        };
        state.fix_tabs();
        crate::ui::fonts::install(&cc.egui_ctx);
        let ctx = cc.egui_ctx.clone();
        let jobs = Jobs::new(runtime.clone(), Arc::new(move || ctx.request_repaint()));
        let file_watch = file_watch::FileWatch::start(dashboards::DISK_CHECK, jobs.repaint())
            .inspect_err(|err| tracing::warn!("dashboard files are checked by waking: {err}"))
            .ok();
        let view = view::ViewState::start(&cc.egui_ctx, &mut state);
        let total_memory = sysinfo::System::new_with_specifics(
            sysinfo::RefreshKind::nothing().with_memory(sysinfo::MemoryRefreshKind::everything()),
        )
        .total_memory();
        let mut app = Self {
            tabs: state
                .tabs
                .iter()
                .map(|t| (t.id, TabRuntime::default()))
                .collect(),
            dashboards: HashMap::new(),
            live: live::Live::default(),
            file_watch,
            announcer: None,
            trust_store: config
                .trusted_files
                .clone()
                .map(crate::trust::TrustStore::at),
            dashboard_open_dialog: Slot::default(),
            dashboard_save_dialog: Slot::default(),
            state,
            state_file,
            last_save: Instant::now(),
            saving: Slot::default(),
            jobs,
            engine: None,
            catalog: None,
            completions: None,
            attaching: None,
            attach_job: Slot::default(),
            refreshing: Slot::default(),
            picking_folder: Slot::default(),
            sorting: Slot::default(),
            save_dialog: Slot::default(),
            profiles_job: Slot::default(),
            panels: Panels::default(),
            export_run: None,
            images: images::Images::new(cc.egui_ctx.clone()),
            export_outcome: None,
            export_confirmed: None,
            status: None,
            notice,
            demo: DemoRuntime::default(),
            view,
            probe: frame_stats::Probe::from_env(),
            default_budget: ResultBudget::for_memory(total_memory),
            owned_runtime: None,
            transforms: transforms::TransformsPanel::default(),
            config,
        };
        match Self::start_announcer(
            app.config.alert_history.clone(),
            app.config.desktop_notifications,
        ) {
            Ok(announcer) => app.announcer = Some(announcer),
            Err(message) => app.status = Some(message),
        }
        app.restore_dashboards();
        for source in app.config.dashboards.clone() {
            app.open_dashboard(source);
        }
        if let Some(path) = app.config.jobs_file.clone() {
            app.open_jobs_file(path);
        }
        match app.config.launch.clone() {
            Launch::Demo => {
                app.open_dashboard(DashboardSource::Bundled(
                    dashboard_apply::DEMO_DASHBOARD.to_owned(),
                ));
                app.start_demo();
            }
            Launch::Source(spec) => app.apply(Command::Attach(spec)),
            Launch::Restore => {
                if let Some(spec) = app.state.source.clone() {
                    app.apply(Command::Attach(spec));
                }
            }
        }
        app
    }

    /// Keeps `runtime` alive as long as the app.
    #[must_use]
    pub fn owning_runtime(mut self, runtime: Arc<crate::jobs::Runtime>) -> Self {
        self.owned_runtime = Some(runtime);
        self
    }

    /// The persisted state (for tests).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The visuals an open dashboard is running (for tests and benchmarks).
    pub fn dashboard_running(&self) -> bool {
        self.dashboards
            .values()
            .any(dashboards::DashboardRuntime::is_running)
    }

    /// The forecast and anomalies the front dashboard's tile `visual` shows (for tests).
    pub fn tile_insights(&self, visual: &str) -> Option<Arc<crate::insights::Insights>> {
        let id = self.state.front_dashboard?;
        self.dashboards
            .get(&id)?
            .tiles
            .get(visual)?
            .view
            .insights
            .clone()
    }

    /// The value the front dashboard's param `name` is set to (`None`: its default), as text
    /// (for tests).
    pub fn dashboard_param(&self, name: &str) -> Option<String> {
        let id = self.state.front_dashboard?;
        let value = self.dashboards.get(&id)?.params.get(name)?.as_ref()?;
        Some(value.to_string())
    }

    /// Visual runs the open dashboards have started (for tests and benchmarks).
    pub fn dashboard_runs(&self) -> u64 {
        self.dashboards.values().map(|d| d.runs).sum()
    }

    /// What the engine's hot cache holds and has done (for tests and benchmarks).
    pub fn hot_stats(&self) -> Option<crate::engine::hot::HotStats> {
        self.engine
            .as_ref()
            .and_then(crate::engine::Engine::hot_stats)
    }

    /// Runs of watched visuals started for the alert rules alone (for tests).
    pub fn alert_runs(&self) -> u64 {
        self.dashboards
            .values()
            .map(|d| d.alerts.runs_started)
            .sum()
    }

    /// Whether alert transitions are being recorded and announced (for tests).
    pub fn announcing(&self) -> bool {
        self.announcer
            .as_ref()
            .is_some_and(crate::alert::Announcer::is_busy)
    }

    /// Whether the simulator is feeding a demo lake (for tests).
    pub fn demo_feeding(&self) -> bool {
        self.demo.feed.is_some()
    }

    /// The budget a result is held to: the settings, else this machine's default.
    fn result_budget(&self) -> ResultBudget {
        self.default_budget
            .with_overrides(self.state.result_limit_rows, self.state.result_limit_mib)
    }

    /// Copies the sample lake off the UI thread (so the window shows at once), then attaches it.
    fn start_demo(&mut self) {
        let base = self.config.demo_base.clone();
        let hours = self.config.demo_hours;
        self.demo.preparing.start(self.jobs.spawn_blocking(move || {
            let base = match base {
                Some(base) => base,
                None => demo::default_demo_base().map_err(|e| e.to_string())?,
            };
            demo::prepare_demo_lake_at(&base, chrono::Utc::now(), hours)
                .map_err(|e| format!("could not prepare the demo lake: {e}"))
        }));
    }

    /// Saves the state when it is due, off the UI thread (the write ends with an fsync); `now`
    /// (on exit) writes at once, here. Returns how long until the save that was put off is due.
    fn save_state(&mut self, now: bool) -> Option<Duration> {
        let since = self.last_save.elapsed();
        if !now && since < SAVE_INTERVAL {
            return self
                .state_file
                .is_some()
                .then(|| SAVE_INTERVAL.saturating_sub(since));
        }
        self.last_save = Instant::now();
        let file = self.state_file.as_mut()?;
        let save = match file.prepare(&self.state) {
            Ok(Some(save)) => save,
            Ok(None) => return None,
            Err(err) => {
                self.state_saved(Err(err));
                return None;
            }
        };
        if now {
            let written = save.writer.write(save.generation, &save.text);
            self.state_saved(written);
        } else {
            self.saving.start(
                self.jobs
                    .spawn_blocking(move || save.writer.write(save.generation, &save.text)),
            );
        }
        None
    }

    /// Reports a failed save once in the status line; the next save writes again.
    fn state_saved(&mut self, written: Result<(), state_file::StateFileError>) {
        if let Err(err) = written {
            tracing::warn!("{err}");
            self.status = Some(err.to_string());
            if let Some(file) = &mut self.state_file {
                file.forget_saved();
            }
        }
    }

    fn busy_text(&self) -> Option<String> {
        if self.demo.preparing.is_busy() {
            return Some("preparing the demo lake...".to_owned());
        }
        if let Some(spec) = &self.attaching {
            return Some(format!("attaching {spec}..."));
        }
        self.refreshing
            .is_busy()
            .then(|| "refreshing the catalog...".to_owned())
    }
}

impl eframe::App for LakesightApp {
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        self.probe.record_frame(frame.info().cpu_usage);
        self.drain_jobs();
        self.drain_transforms();
        self.tick_transforms(ctx);
        self.tick_refresh(ctx);
        let shown = self.tabs.values().any(|t| t.shown.is_some() || t.failed)
            || self.dashboards.values().any(|d| {
                d.tiles
                    .values()
                    .any(|t| t.view.data.is_some() || t.view.error.is_some())
            });
        self.probe.check(ctx, shown);
        self.build_charts();
        // Progress is read from a counter, elapsed time from a clock: redraw to show them move.
        if self.export_run.is_some() || self.tabs.values().any(|t| t.running.is_some()) {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        if self.file_watch.is_none() && self.dashboards.values().any(|d| d.source.path().is_some())
        {
            // Wake to notice a dashboard file changed on disk.
            ctx.request_repaint_after(DISK_WAKE);
        }
        self.view.set_title(ctx, self.engine.as_ref());
        if let Some(wait) = self.save_state(false) {
            // This frame may have changed the state: wake for its save even if nothing else
            // draws a frame (an idle window draws none).
            ctx.request_repaint_after(wait);
        }
        tracing::trace!(
            frame = ctx.cumulative_frame_nr(),
            causes = ?ctx.repaint_causes(),
            "frame"
        );
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let commands = crate::command::CommandSender::default();
        self.layout_ui(ui, &commands);
        for command in commands.take() {
            self.apply(command);
        }
        self.view.apply(ui.ctx(), &mut self.state);
    }

    fn save(&mut self, _storage: &mut dyn eframe::Storage) {
        // The state has its own file (atomic, with a backup); eframe's storage keeps only the
        // window's size and place.
        let _ = self.save_state(true);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        let _ = self.save_state(true);
    }
}

/// Opens the window and runs until it is closed.
pub fn run_native(config: AppConfig) -> Result<(), String> {
    let runtime = Arc::new(
        crate::jobs::runtime::build_runtime()
            .map_err(|e| format!("could not start the async runtime: {e}"))?,
    );
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
                LakesightApp::with_config(cc, &handle, config).owning_runtime(runtime),
            ))
        }),
    )
    .map_err(|e| format!("could not open the window: {e}"))
}
