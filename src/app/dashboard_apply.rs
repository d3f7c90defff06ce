//! Applying dashboard commands: opening and closing dashboards, their range and params, cross-
//! filters, edits (move, replace, delete, undo), saving, and reloading a file changed on disk.

use std::path::Path;
use std::time::Instant;

use chrono::Utc;

use crate::command::{Command, DashboardCommand, DashboardId, TabId};
use crate::model::dashboard::{
    DashboardSource, ParamValue, Position, Visual, VisualKind, file_name,
};
use crate::series::ChartKind;

use super::LakesightApp;
use super::dashboards::{DashboardRuntime, next_id};
use super::state::OpenDashboard;
use super::tabs::TabRuntime;

/// The built-in dashboard the live demo opens.
pub const DEMO_DASHBOARD: &str = "orders";

impl LakesightApp {
    /// Opens the dashboard from `source` in front (or brings it forward if it is open).
    pub(super) fn open_dashboard(&mut self, source: DashboardSource) {
        if let Some(open) = self.state.dashboards.iter().find(|d| d.source == source) {
            self.state.front_dashboard = Some(open.id);
            return;
        }
        match DashboardRuntime::open(source.clone(), None, self.trust_store.as_ref()) {
            Ok(runtime) => {
                let id = next_id(self.state.dashboards.iter().map(|d| d.id));
                // A trusted file's own cluster: the window's queries run there from now on.
                if let Some(url) = runtime.dashboard().cluster.clone()
                    && runtime.trust.trust.is_trusted()
                {
                    if self.engine.is_some() || self.attaching.is_some() {
                        self.connect_cluster(Some(url));
                    } else {
                        self.config.engine.cluster = Some(url);
                    }
                }
                // A file's own endpoint waits until the file is trusted (its trust bar asks).
                if let Some(spec) = runtime.dashboard().source.clone()
                    && runtime.trust.held_source.is_none()
                    && self.engine.is_none()
                    && self.attaching.is_none()
                {
                    self.apply(Command::Attach(spec));
                }
                self.state.dashboards.push(OpenDashboard {
                    id,
                    source,
                    range: None,
                });
                self.dashboards.insert(id, runtime);
                self.state.front_dashboard = Some(id);
                self.run_dashboard(id, None);
            }
            Err(message) => self.status = Some(message),
        }
    }

    /// Reopens the dashboards open last time; one that can no longer be read is reported.
    pub(super) fn restore_dashboards(&mut self) {
        let mut lost = Vec::new();
        for open in &self.state.dashboards {
            match DashboardRuntime::open(
                open.source.clone(),
                open.range.as_deref(),
                self.trust_store.as_ref(),
            ) {
                Ok(runtime) => {
                    self.dashboards.insert(open.id, runtime);
                }
                Err(message) => lost.push(message),
            }
        }
        self.state
            .dashboards
            .retain(|open| self.dashboards.contains_key(&open.id));
        if self
            .state
            .front_dashboard
            .is_some_and(|id| !self.dashboards.contains_key(&id))
        {
            self.state.front_dashboard = None;
        }
        if !lost.is_empty() {
            self.status = Some(format!("could not reopen: {}", lost.join("; ")));
        }
    }

    /// Runs a dashboard's visuals (`only` these, or all) if a lake is attached.
    pub(super) fn run_dashboard(&mut self, id: DashboardId, only: Option<&[String]>) {
        let (Some(engine), Some(dashboard)) = (&self.engine, self.dashboards.get_mut(&id)) else {
            return;
        };
        dashboard.run(&self.jobs, engine, Utc::now(), only);
    }

    /// Runs every open dashboard again (a lake was attached).
    pub(super) fn run_all_dashboards(&mut self) {
        let ids: Vec<DashboardId> = self.dashboards.keys().copied().collect();
        for id in ids {
            self.run_dashboard(id, None);
        }
    }

    /// Takes finished visuals, and reloads files changed on disk (or asks, over unsaved edits).
    pub(super) fn drain_dashboards(&mut self) {
        let now = Instant::now();
        // With the checking thread, files are compared only when it saw one change.
        let disk_news = self.file_watch.as_ref().map(|watch| {
            let files = self
                .dashboards
                .values()
                .filter_map(|d| d.source.path().map(Path::to_path_buf))
                .collect();
            watch.set_paths(files);
            watch.take_changed()
        });
        let mut reload = Vec::new();
        for (id, dashboard) in &mut self.dashboards {
            dashboard.drain();
            dashboard.start_waiting_save(&self.jobs, self.trust_store.as_ref());
            // A "Save as" that finished: the new file is what is reopened next time.
            if let Some(open) = self.state.dashboards.iter_mut().find(|d| d.id == *id)
                && open.source != dashboard.source
            {
                open.source = dashboard.source.clone();
            }
            let changed = match disk_news {
                Some(news) => (news | dashboard.take_recheck()) && dashboard.disk_differs(),
                None => dashboard.changed_on_disk(now),
            };
            if !dashboard.disk_changed && changed {
                if dashboard.is_dirty() {
                    dashboard.disk_changed = true;
                } else {
                    reload.push(*id);
                }
            }
        }
        for id in reload {
            self.apply_dashboard(id, DashboardCommand::Reload);
        }
    }

    /// Closes dashboard `id`.
    pub(super) fn close_dashboard(&mut self, id: DashboardId) {
        self.dashboards.remove(&id);
        self.state.dashboards.retain(|d| d.id != id);
        if self.state.front_dashboard == Some(id) {
            self.state.front_dashboard = None;
        }
    }

    /// Applies a command to dashboard `id`.
    pub(super) fn apply_dashboard(&mut self, id: DashboardId, command: DashboardCommand) {
        let Some(dashboard) = self.dashboards.get_mut(&id) else {
            return;
        };
        match command {
            DashboardCommand::SetRange(range) => {
                dashboard.range = range;
                if let Some(open) = self.state.dashboards.iter_mut().find(|d| d.id == id) {
                    open.range = Some(range.to_string());
                }
                self.run_dashboard(id, None);
            }
            DashboardCommand::SetParam { name, value } => {
                dashboard.params.insert(name.clone(), value);
                let using = dashboard.using_param(&name);
                self.run_dashboard(id, Some(&using));
            }
            DashboardCommand::CrossFilter { visual, value } => {
                let Some(name) = dashboard
                    .dashboard()
                    .visual(&visual)
                    .and_then(|v| v.cross_filter.clone())
                else {
                    return;
                };
                let Some(param) = dashboard.dashboard().param(&name) else {
                    return;
                };
                let Some(value) = ParamValue::parse(param.param_type, &value) else {
                    self.status = Some(format!(
                        "`{value}` is not a {} for `{name}`",
                        param.param_type.name()
                    ));
                    return;
                };
                let current = dashboard
                    .params
                    .get(&name)
                    .cloned()
                    .unwrap_or_else(|| param.default.clone());
                // Clicking the category filtered on again shows everything.
                let value = (current.as_ref() != Some(&value)).then_some(value);
                self.apply_dashboard(id, DashboardCommand::SetParam { name, value });
            }
            DashboardCommand::Rerun => self.run_dashboard(id, None),
            DashboardCommand::ViewData(visual) => self.view_data(id, &visual),
            DashboardCommand::ExportImage { options, path } => {
                self.export_image(id, options, path);
            }
            DashboardCommand::CopyImage(options) => self.copy_image(id, options),
            DashboardCommand::BrowseImagePath(current) => self.browse_image_path(id, &current),
            DashboardCommand::SetEditing(on) => {
                dashboard.editing = on;
                if !on {
                    dashboard.selected = None;
                }
            }
            DashboardCommand::Select(visual) => dashboard.selected = visual,
            DashboardCommand::Move { visual, position } => {
                if let Err(message) = dashboard.edit(|f| f.set_position(&visual, position)) {
                    self.status = Some(message);
                }
            }
            DashboardCommand::Replace(visual) => {
                let visual_id = visual.id.clone();
                match dashboard.edit(|f| f.replace_visual(&visual)) {
                    Ok(()) => self.run_dashboard(id, Some(&[visual_id])),
                    Err(message) => self.status = Some(message),
                }
            }
            DashboardCommand::Preview(visual) => {
                if let Some(engine) = &self.engine {
                    let window = dashboard.window_at(Utc::now());
                    let params = std::sync::Arc::new(dashboard.bound());
                    // A preview of unsaved SQL never feeds the rules.
                    dashboard.start_visual(
                        &self.jobs,
                        engine,
                        *visual,
                        &window,
                        &params,
                        Utc::now(),
                        false,
                    );
                }
            }
            DashboardCommand::Delete(visual) => {
                match dashboard.edit(|f| f.remove_visual(&visual)) {
                    Ok(()) => {
                        dashboard.tiles.remove(&visual);
                        if dashboard.selected.as_deref() == Some(visual.as_str()) {
                            dashboard.selected = None;
                        }
                    }
                    Err(message) => self.status = Some(message),
                }
            }
            DashboardCommand::SetAlert(rule) => {
                if let Err(message) = dashboard.edit(|f| f.set_alert(&rule)) {
                    self.status = Some(message);
                }
            }
            DashboardCommand::RemoveAlert(rule) => {
                if let Err(message) = dashboard.edit(|f| f.remove_alert(&rule)) {
                    self.status = Some(message);
                }
            }
            DashboardCommand::Save => match dashboard.source.path().map(ToOwned::to_owned) {
                Some(path) => self.save_dashboard(id, path),
                None => self.apply_dashboard(id, DashboardCommand::SaveAs),
            },
            DashboardCommand::SaveAs => {
                let name = format!("{}.toml", file_name(&dashboard.dashboard().title));
                let dialog = rfd::AsyncFileDialog::new()
                    .set_title("Save the dashboard as")
                    .add_filter("Dashboard", &["toml"])
                    .set_file_name(name)
                    .save_file();
                self.dashboard_save_dialog.start(
                    self.jobs
                        .spawn(async move { (id, dialog.await.map(|h| h.path().to_path_buf())) }),
                );
            }
            DashboardCommand::Undo => {
                let before = dashboard.dashboard().visuals.clone();
                if dashboard.undo() {
                    let changed = changed_visuals(&before, &dashboard.dashboard().visuals);
                    self.run_dashboard(id, Some(&changed));
                }
            }
            DashboardCommand::Trust => match dashboard.grant_trust(self.trust_store.as_ref()) {
                Ok(held) => {
                    // Its own cluster, held back until now, takes the lake attached there.
                    let cluster = dashboard.dashboard().cluster.clone();
                    let attached = self.engine.as_ref().map(|engine| &engine.lake().spec);
                    match held {
                        Some(spec) if attached != Some(&spec) => {
                            if cluster.is_some() {
                                self.config.engine.cluster = cluster;
                            }
                            self.apply(Command::Attach(spec));
                        }
                        _ if cluster.is_some() => self.connect_cluster(cluster),
                        _ => {}
                    }
                }
                Err(message) => dashboard.problem = Some(message),
            },
            DashboardCommand::Reload => match dashboard.reload(self.trust_store.as_ref()) {
                Ok(()) => self.run_dashboard(id, None),
                Err(message) => dashboard.problem = Some(message),
            },
            DashboardCommand::KeepEdits => dashboard.keep_edits(),
        }
    }

    /// Saves dashboard `id` to `path` in the background (atomically); the file then is its
    /// source.
    pub(super) fn save_dashboard(&mut self, id: DashboardId, path: std::path::PathBuf) {
        if let Some(dashboard) = self.dashboards.get_mut(&id) {
            dashboard.begin_save(&self.jobs, path, self.trust_store.as_ref());
        }
    }

    /// Opens a visual's query in a new query tab, time macros expanded and param values
    /// written in as literals, and runs it.
    fn view_data(&mut self, id: DashboardId, visual: &str) {
        let Some(dashboard) = self.dashboards.get(&id) else {
            return;
        };
        let Some(spec) = dashboard.dashboard().visual(visual) else {
            return;
        };
        let Some(sql) = dashboard.tiles.get(visual).and_then(|t| t.sql.clone()) else {
            self.status = Some(format!("`{visual}` has not run yet"));
            return;
        };
        let sql = crate::engine::dashboard::with_values_written(&sql, &dashboard.bound());
        let title = if spec.title.is_empty() {
            spec.id.clone()
        } else {
            spec.title.clone()
        };
        let tab = self.state.new_tab();
        self.tabs.insert(tab, TabRuntime::default());
        if let Some(query) = self.state.tab_mut(tab) {
            query.title = title;
            query.sql.clone_from(&sql);
        }
        self.state.front_dashboard = None;
        self.run(tab, &sql, 0);
    }

    /// Adds the query of `tab`, drawn as its chart is, to dashboard `id` below its visuals, and
    /// shows it selected in edit mode.
    pub(super) fn add_to_dashboard(&mut self, tab: TabId, id: DashboardId) {
        let Some(runtime) = self.tabs.get(&tab) else {
            return;
        };
        let Some(dashboard) = self.dashboards.get_mut(&id) else {
            return;
        };
        let Some(result) = &runtime.shown else {
            self.status = Some("run the query first".to_owned());
            return;
        };
        let schema = &result.schema;
        let bottom = dashboard
            .dashboard()
            .visuals
            .iter()
            .map(|v| v.position.row + v.position.height)
            .max()
            .unwrap_or(0);
        let taken: Vec<&str> = dashboard
            .dashboard()
            .visuals
            .iter()
            .map(|v| v.id.as_str())
            .collect();
        let visual_id = (1..=taken.len() + 1)
            .map(|n| format!("visual_{n}"))
            .find(|candidate| !taken.contains(&candidate.as_str()))
            .unwrap_or_default();
        let chart = runtime
            .show_chart
            .then_some(runtime.chart_spec.as_ref())
            .flatten();
        let kind = match chart.map(|c| c.kind) {
            Some(ChartKind::Line) => VisualKind::Line,
            Some(ChartKind::Bar) => VisualKind::Bar,
            Some(ChartKind::Scatter) => VisualKind::Scatter,
            None => VisualKind::Table,
        };
        let mut visual = Visual::new(&visual_id, kind, Position::from([0, bottom, 6, 4]));
        visual.title = self
            .state
            .tab(tab)
            .map_or_else(String::new, |t| t.title.clone());
        visual.sql = Some(runtime.shown_sql.trim().trim_end_matches(';').to_owned());
        if let Some(chart) = chart {
            visual.x = Some(schema.field(chart.x).name().clone());
            visual.y = chart
                .ys
                .iter()
                .map(|&y| schema.field(y).name().clone())
                .collect();
        }
        match dashboard.edit(|f| f.add_visual(&visual)) {
            Ok(()) => {
                dashboard.editing = true;
                dashboard.selected = Some(visual_id.clone());
                self.state.front_dashboard = Some(id);
                self.run_dashboard(id, Some(&[visual_id]));
            }
            Err(message) => self.status = Some(message),
        }
    }
}

/// The ids of visuals in `after` that are new or differ from `before` other than in position.
fn changed_visuals(before: &[Visual], after: &[Visual]) -> Vec<String> {
    after
        .iter()
        .filter(|visual| {
            before.iter().find(|b| b.id == visual.id).is_none_or(|b| {
                let mut moved = (*b).clone();
                moved.position = visual.position;
                moved != **visual
            })
        })
        .map(|v| v.id.clone())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_move_alone_does_not_run_a_visual_again() {
        let a = Visual::new("a", VisualKind::Table, Position::from([0, 0, 6, 4]));
        let mut moved = a.clone();
        moved.position = Position::from([6, 0, 6, 4]);
        let mut edited = a.clone();
        edited.sql = Some("SELECT 2".into());
        assert!(changed_visuals(std::slice::from_ref(&a), &[moved]).is_empty());
        assert_eq!(changed_visuals(std::slice::from_ref(&a), &[edited]), ["a"]);
        let b = Visual::new("b", VisualKind::Table, Position::from([0, 4, 6, 4]));
        assert_eq!(
            changed_visuals(std::slice::from_ref(&a), &[a.clone(), b]),
            ["b"]
        );
    }
}
