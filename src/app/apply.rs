//! Applying the commands panels send: one place where the app's state changes on a user's
//! request. Anything slow is started as a job here and finished in `drain`.

use std::path::PathBuf;

use crate::command::{Command, TabId};
use crate::engine::Engine;
use crate::jobs::Job;
use crate::model::{ResultFormat, SourceSpec};

use super::export::{self, ExportProgress, Exported};
use super::tabs::TabRuntime;
use super::{LakesightApp, view};

/// An export being written: its job, progress and row count (`None`: unknown until done).
pub struct ExportRun {
    pub job: Job<Result<Exported, String>>,
    pub progress: ExportProgress,
    pub total_rows: Option<usize>,
}

impl LakesightApp {
    /// Applies one command.
    pub(super) fn apply(&mut self, command: Command) {
        match command {
            Command::Attach(spec) => self.attach(spec),
            Command::OpenFolderDialog => {
                // Asynchronous, so the window keeps drawing while the dialog is open. Without a
                // desktop portal rfd answers None at once; the typed path remains.
                let dialog = rfd::AsyncFileDialog::new()
                    .set_title("Open a lake folder")
                    .pick_folder();
                self.picking_folder.start(
                    self.jobs
                        .spawn(async move { dialog.await.map(|h| h.path().to_path_buf()) }),
                );
            }
            Command::RefreshCatalog => {
                if let Some(engine) = self.engine.clone() {
                    self.refreshing.start(self.jobs.spawn(async move {
                        engine.refresh_catalog().await.map_err(|e| e.to_string())
                    }));
                }
            }
            Command::Run { tab, sql, offset } => self.run(tab, &sql, offset),
            Command::Cancel { tab } => {
                if let Some(job) = self.tabs.get_mut(&tab).and_then(|t| t.running.as_mut()) {
                    job.cancel();
                }
            }
            Command::InsertText(text) => {
                let tab = self.state.active_tab_mut();
                if !tab.sql.ends_with([' ', '\n']) && !tab.sql.is_empty() {
                    tab.sql.push(' ');
                }
                tab.sql.push_str(&text);
            }
            Command::Sort { tab, column } => {
                if let Some(result) = self.tabs.get(&tab).and_then(|t| t.shown.clone()) {
                    let descending = result.sort() == Some((column, false));
                    let id = result.id();
                    // Sorting a million rows takes a while: off the UI thread.
                    self.sorting.start(self.jobs.spawn_blocking(move || {
                        (
                            id,
                            column,
                            descending,
                            result.sort_order(column, descending),
                        )
                    }));
                }
            }
            Command::LoadQuery(sql) => self.state.active_tab_mut().sql = sql,
            Command::Preview(table) => {
                let sql = format!("SELECT * FROM {table} LIMIT 100");
                let tab = self.state.active_tab_mut();
                tab.sql.clone_from(&sql);
                let id = tab.id;
                self.run(id, &sql, 0);
            }
            Command::ShowError(message) => self.status = Some(message),
            Command::DismissNotice => self.notice = None,
            Command::SelectTab(id) => {
                if self.state.tab(id).is_some() {
                    self.state.active = id;
                    self.state.front_dashboard = None;
                }
            }
            Command::NewTab => {
                let id = self.state.new_tab();
                self.tabs.insert(id, TabRuntime::default());
                self.state.front_dashboard = None;
            }
            Command::OpenDashboard(source) => self.open_dashboard(source),
            Command::OpenJobsDialog => self.open_jobs_dialog(),
            Command::Transforms(command) => self.apply_transforms(command),
            Command::OpenDashboardDialog => {
                let dialog = rfd::AsyncFileDialog::new()
                    .set_title("Open a dashboard")
                    .add_filter("Dashboard", &["toml"])
                    .pick_file();
                self.dashboard_open_dialog.start(
                    self.jobs
                        .spawn(async move { dialog.await.map(|h| h.path().to_path_buf()) }),
                );
            }
            Command::ShowDashboard(id) => {
                if self.dashboards.contains_key(&id) {
                    self.state.front_dashboard = Some(id);
                }
            }
            Command::CloseDashboard(id) => self.close_dashboard(id),
            Command::Dashboard(id, command) => self.apply_dashboard(id, command),
            Command::AddToDashboard { tab, dashboard } => self.add_to_dashboard(tab, dashboard),
            Command::CloseTab(id) => {
                // A running export has its own copy of the result; the dialog closes with its tab.
                if self.state.close_tab(id) {
                    self.tabs.remove(&id);
                    if self.panels.export.tab == id && self.export_run.is_none() {
                        self.panels.export.open = false;
                    }
                }
            }
            Command::OpenConnectDialog(spec) => self.open_connect_dialog(spec),
            Command::OpenClusterDialog => {
                let current = self.config.engine.cluster.clone();
                self.panels.cluster.show(current.as_ref());
            }
            Command::ConnectCluster(url) => self.connect_cluster(url),
            Command::SetTheme(choice) => self.state.dark_mode = choice,
            Command::ShowFrameTimes(show) => self.state.show_frame_times = show,
            Command::Zoom(step) => self.state.zoom = view::zoomed(self.state.zoom, step),
            Command::SetResultLimit { rows, mib } => {
                self.state.result_limit_rows = rows;
                self.state.result_limit_mib = mib;
            }
            Command::OpenExport(tab) => {
                // The last outcome stays until a new export starts: one finished (or failed)
                // while the dialog was closed is still reported.
                self.panels.export.open = true;
                if self.export_run.is_none() {
                    self.panels.export.tab = tab;
                }
            }
            Command::BrowseExportPath => self.browse_export_path(),
            Command::Export {
                tab,
                format,
                path,
                replace,
            } => self.export(tab, format, path, replace),
            Command::CancelExport => {
                if let Some(run) = &self.export_run {
                    run.progress
                        .cancel
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
            Command::SetChart { tab, spec } => {
                if let Some(runtime) = self.tabs.get_mut(&tab) {
                    runtime.chart_spec = Some(spec);
                    runtime.chart = None;
                    runtime.chart_job = None;
                }
            }
            Command::ShowChart { tab, chart } => {
                if let Some(runtime) = self.tabs.get_mut(&tab) {
                    runtime.show_chart = chart;
                }
            }
        }
    }

    fn attach(&mut self, spec: SourceSpec) {
        self.panels.toolbar.source_text = spec.to_string();
        if !self.panels.connect.connecting {
            self.panels.connect.open = false;
        }
        let options = self.config.engine.clone();
        let job_spec = spec.clone();
        self.attach_job.start(self.jobs.spawn(async move {
            // A cluster that does not answer is said now, not at the first query.
            if let Some(url) = &options.cluster {
                crate::engine::cluster::job::reach(url, options.cluster_tls.as_ref())
                    .await
                    .map_err(|e| format!("{e:#}"))?;
            }
            Engine::attach(&job_spec, &options)
                .await
                .map_err(|e| e.to_string())
        }));
        self.attaching = Some(spec);
    }

    /// Runs the window's queries on the cluster at `url` (`None`: here): the lake attached (or
    /// being attached) is attached again through it, and its dashboards run again there.
    pub(super) fn connect_cluster(&mut self, url: Option<crate::model::ClusterUrl>) {
        let on_it = self
            .engine
            .as_ref()
            .map(|engine| engine.cluster() == url.as_ref());
        if self.config.engine.cluster == url && on_it != Some(false) {
            return;
        }
        self.config.engine.cluster = url;
        let spec = self.attaching.clone().or_else(|| {
            self.engine
                .as_ref()
                .map(|engine| engine.lake().spec.clone())
        });
        if let Some(spec) = spec {
            self.attach(spec);
        }
    }

    fn open_connect_dialog(&mut self, spec: Option<SourceSpec>) {
        let current = self.engine.as_ref().map(|e| e.lake().spec.clone());
        let recent = || {
            self.state
                .recent_sources
                .iter()
                .find(|s| s.is_s3())
                .cloned()
        };
        if let Some(spec) = spec
            .or_else(|| current.filter(SourceSpec::is_s3))
            .or_else(recent)
        {
            self.panels.connect.fill_from(&spec);
        }
        let connect = &mut self.panels.connect;
        connect.open = true;
        connect.error = None;
        // An attach still running (started here before the dialog was closed) reports back
        // into the dialog.
        connect.connecting = self.attaching.is_some();
        // Read ~/.aws off the UI thread, every time: profiles change.
        self.profiles_job.start(self.jobs.spawn(async {
            crate::lake::aws::read_profiles()
                .await
                .map_err(|e| e.to_string())
        }));
    }

    fn browse_export_path(&mut self) {
        let current = PathBuf::from(&self.panels.export.path);
        let mut dialog = rfd::AsyncFileDialog::new().set_title("Export result");
        if let Some(folder) = current.parent() {
            dialog = dialog.set_directory(folder);
        }
        if let Some(name) = current.file_name() {
            dialog = dialog.set_file_name(name.to_string_lossy());
        }
        let dialog = dialog.save_file();
        self.save_dialog.start(
            self.jobs
                .spawn(async move { dialog.await.map(|h| h.path().to_path_buf()) }),
        );
    }

    fn export(&mut self, tab: TabId, format: ResultFormat, path: PathBuf, replace: bool) {
        if self.export_run.is_some() {
            return;
        }
        let Some(runtime) = self.tabs.get(&tab) else {
            self.export_outcome = Some(("the tab was closed".to_owned(), true));
            return;
        };
        let Some(result) = runtime.shown.clone() else {
            self.export_outcome = Some(("no result to export".to_owned(), true));
            return;
        };
        if path.as_os_str().is_empty() {
            self.export_outcome = Some(("choose a file to export to".to_owned(), true));
            return;
        }
        // A typed path that names an existing file asks first (the save dialog already did).
        let confirmed = replace || self.export_confirmed.as_ref() == Some(&path);
        if !confirmed && path.exists() {
            self.panels.export.confirm_replace = Some(path);
            return;
        }
        self.panels.export.confirm_replace = None;
        let progress = ExportProgress::default();
        let shared = progress.clone();
        let engine = self.engine.clone().filter(|_| result.cut().is_some());
        let (job, total_rows) = if let Some(engine) = engine {
            // Cut at its budget: run the query again and stream every row to the file.
            let sql = export::sql_in_shown_order(&runtime.shown_sql, &result);
            let job = self.jobs.spawn(async move {
                export::stream_query(&engine, &sql, format, &path, &shared).await
            });
            (job, None)
        } else {
            let rows = result.num_rows();
            // Writing a million rows takes seconds: on a blocking thread, never the UI's.
            let job = self
                .jobs
                .spawn_blocking(move || export::write_shown(&result, format, &path, &shared));
            (job, Some(rows))
        };
        self.export_outcome = None;
        self.export_run = Some(ExportRun {
            job,
            progress,
            total_rows,
        });
    }
}
