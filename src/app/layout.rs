//! Where the panels go in the window, and what each is given to draw. Panels send commands; this
//! file only lays them out.

use crate::command::{CommandSender, DashboardId};
use crate::results::ResultSet;
use crate::ui;

use super::LakesightApp;

impl LakesightApp {
    /// Draws every panel; what the user asked for arrives on `commands`.
    pub(super) fn layout_ui(&mut self, ui: &mut egui::Ui, commands: &CommandSender) {
        let busy = self.busy_text();
        egui::Panel::top("toolbar").show(ui, |ui| {
            let view = ui::toolbar::ToolbarView {
                attached: self.engine.as_ref().map(|e| &e.lake().spec),
                cluster: match &self.engine {
                    Some(engine) => engine.cluster(),
                    None => self.config.engine.cluster.as_ref(),
                },
                busy: busy.as_deref(),
                recent: &self.state.recent_sources,
                dark_mode: self.state.dark_mode,
                show_frame_times: self.state.show_frame_times,
                result_limit: ui::toolbar::ResultLimitView {
                    rows: self.state.result_limit_rows,
                    mib: self.state.result_limit_mib,
                    default: self.default_budget,
                },
            };
            ui::toolbar::toolbar_ui(ui, &view, &mut self.panels.toolbar, commands);
            if let Some(status) = &self.status {
                ui.colored_label(ui.visuals().error_fg_color, status);
            }
            if let Some(notice) = &self.notice {
                ui::toolbar::notice_ui(ui, notice, commands);
            }
        });
        if self.state.show_frame_times {
            egui::Panel::bottom("frame-times").show(ui, |ui| {
                ui::frame_times::frame_times_ui(ui, self.probe.stats.summary());
            });
        }
        egui::Panel::left("catalog")
            .resizable(true)
            .default_size(260.0)
            .show(ui, |ui| {
                egui::CollapsingHeader::new("History").show(ui, |ui| {
                    ui::history::history_ui(
                        ui,
                        &self.state.history,
                        &mut self.panels.history_filter,
                        commands,
                    );
                });
                egui::CollapsingHeader::new("Dashboards")
                    .default_open(true)
                    .show(ui, |ui| {
                        ui::dashboards_list::dashboards_list_ui(ui, commands);
                    });
                let reveal = self.transforms_reveal();
                egui::CollapsingHeader::new("Jobs")
                    .open(reveal)
                    .show(ui, |ui| self.transforms_panel_ui(ui, commands));
                ui.heading("Tables");
                ui::catalog::catalog_ui(ui, self.catalog.as_deref(), commands);
            });
        egui::CentralPanel::default().show(ui, |ui| {
            self.strip_ui(ui, commands);
            match self.state.front_dashboard {
                Some(id) if self.dashboards.contains_key(&id) => {
                    self.dashboard_ui(ui, id, commands);
                }
                _ => self.tab_ui(ui, commands),
            }
        });
        ui::connect::connect_ui(ui.ctx(), &mut self.panels.connect, commands);
        ui::cluster::cluster_dialog_ui(ui.ctx(), &mut self.panels.cluster, commands);
        let export_tab = self.tabs.get(&self.panels.export.tab);
        let shown = export_tab.and_then(|t| t.shown.as_ref());
        let export_view = ui::export::ExportView {
            total_rows: match &self.export_run {
                Some(run) => run.total_rows,
                None => shown.filter(|r| r.cut().is_none()).map(ResultSet::num_rows),
            },
            cut: self.export_run.is_none() && shown.is_some_and(|r| r.cut().is_some()),
            written: self
                .export_run
                .as_ref()
                .map(|run| run.progress.rows.load(std::sync::atomic::Ordering::Relaxed)),
            outcome: self
                .export_outcome
                .as_ref()
                .map(|(message, failed)| (message.as_str(), *failed)),
        };
        ui::export::export_ui(ui.ctx(), &mut self.panels.export, &export_view, commands);
    }

    /// The strip of open dashboards and query tabs.
    fn strip_ui(&self, ui: &mut egui::Ui, commands: &CommandSender) {
        let titles: Vec<(u64, &str)> = self
            .state
            .tabs
            .iter()
            .map(|t| (t.id, t.title.as_str()))
            .collect();
        let dashboards: Vec<ui::tabs::DashboardTab<'_>> = self
            .state
            .dashboards
            .iter()
            .filter_map(|open| {
                let runtime = self.dashboards.get(&open.id)?;
                Some(ui::tabs::DashboardTab {
                    id: open.id,
                    title: &runtime.dashboard().title,
                    dirty: runtime.is_dirty(),
                })
            })
            .collect();
        let front = match self.state.front_dashboard {
            Some(id) => ui::tabs::Front::Dashboard(id),
            None => ui::tabs::Front::Tab(self.state.active),
        };
        ui::tabs::tab_strip_ui(ui, &dashboards, &titles, front, commands);
    }

    /// The dashboard `id` in front.
    fn dashboard_ui(&mut self, ui: &mut egui::Ui, id: DashboardId, commands: &CommandSender) {
        let Some(runtime) = self.dashboards.get(&id) else {
            return;
        };
        let view = ui::dashboard::DashboardView {
            id,
            dashboard: runtime.dashboard(),
            source: &runtime.source,
            range: runtime.range,
            window: runtime.window.as_ref().map(|w| (w.from, w.to)),
            elsewhere: runtime.elsewhere,
            params: &runtime.params,
            options: &runtime.options,
            tiles: runtime
                .tiles
                .iter()
                .map(|(id, tile)| (id.as_str(), &tile.view))
                .collect(),
            data_as_of: runtime.data_as_of,
            cluster: self
                .engine
                .as_ref()
                .and_then(crate::engine::Engine::cluster),
            attached: self.engine.is_some(),
            editing: runtime.editing,
            selected: runtime.selected.as_deref(),
            dirty: runtime.is_dirty(),
            saving: runtime.is_saving(),
            can_undo: runtime.can_undo(),
            disk_changed: runtime.disk_changed,
            problem: runtime.problem.as_deref(),
            alerts: runtime
                .dashboard()
                .alerts
                .iter()
                .filter_map(|rule| {
                    let state = runtime.alerts.state(&rule.id)?;
                    Some(ui::dashboard::AlertView {
                        rule,
                        state: state.state,
                        since: state.since,
                    })
                })
                .collect(),
            alert_history: runtime.alerts.recent.iter().collect(),
            freshness: crate::refresh::freshness(
                self.live.newest(&runtime.tables()),
                chrono::Utc::now(),
                runtime.dashboard().stale_after(),
            ),
            live_problem: self.live.problem.as_deref(),
            printing: false,
            dark: ui.visuals().dark_mode,
            image_busy: self.images.is_busy(id),
            image_outcome: self.images.outcome(id),
            untrusted: runtime
                .trust
                .asks_the_user()
                .then(|| ui::dashboard::Untrusted {
                    asks: &runtime.trust.asks,
                    note: runtime.trust.note.as_deref(),
                    endpoint_held: runtime.trust.held_source.is_some(),
                }),
        };
        let state = self.panels.dashboards.entry(id).or_default();
        ui::dashboard::dashboard_ui(ui, &view, state, commands);
    }

    /// The front tab's editor, and its result.
    fn tab_ui(&mut self, ui: &mut egui::Ui, commands: &CommandSender) {
        let active = self.state.active;
        let Some(runtime) = self.tabs.get_mut(&active) else {
            return;
        };
        let Some(tab) = self.state.tabs.iter_mut().find(|t| t.id == active) else {
            return;
        };
        let error_span = runtime
            .error_span
            .as_ref()
            .filter(|(_, text)| *text == tab.sql)
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
        ui::editor::editor_ui(
            ui,
            active,
            &mut tab.sql,
            &status,
            &mut self.panels.editor,
            self.completions.as_deref(),
            commands,
        );
        ui.separator();
        let Some(result) = &runtime.shown else {
            return;
        };
        let open: Vec<(DashboardId, &str)> = self
            .state
            .dashboards
            .iter()
            .filter_map(|d| Some((d.id, self.dashboards.get(&d.id)?.dashboard().title.as_str())))
            .collect();
        ui::results::results_bar_ui(ui, active, result, runtime.show_chart, &open, commands);
        if runtime.show_chart {
            ui::chart::chart_ui(
                ui,
                active,
                &result.schema,
                runtime.chart_spec.as_ref(),
                runtime.chart.as_deref(),
                commands,
            );
        } else {
            ui::results::results_ui(ui, active, result, commands);
        }
    }
}
