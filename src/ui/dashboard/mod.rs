//! The dashboard view: a header (title, time range, params, "data as of", edit actions) above a
//! 12-column grid of tiles, each a visual drawn by [`crate::ui::visuals::draw`], and in edit mode a
//! side panel that edits the selected visual. Draws from [`DashboardView`] and sends
//! [`DashboardCommand`]s; it never runs queries.

mod alert_editor;
mod alerts_panel;
mod editor;
mod grid;
mod header;
mod image;
mod image_dialog;
mod tile;
mod trust_bar;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::alert::{AlertState, Notice};
use crate::command::{Command, CommandSender, DashboardCommand, DashboardId};
use crate::model::dashboard::{
    AlertRule, Dashboard, DashboardSource, ParamValue, TimeRange, Visual,
};
use crate::refresh::Freshness;
use crate::series::visual::VisualData;

pub use alert_editor::AlertDraft;
pub use image_dialog::ImageDraft;

pub use grid::GRID_ROW_HEIGHT;
pub use image::{ImageContent, dashboard_image_ui, image_size, visual_image_ui};
pub use tile::view_scope;

/// What one tile shows: the last picture, the last error, whether a run is under way.
#[derive(Clone, Debug, Default)]
pub struct TileView {
    /// What the visual draws (kept while a new run is under way).
    pub data: Option<Arc<VisualData>>,
    /// Why the last run failed.
    pub error: Option<String>,
    /// Whether the visual is running.
    pub running: bool,
    /// Said under the visual (a cut result).
    pub note: Option<String>,
    /// Its forecast and anomalies, when it asks for them.
    pub insights: Option<Arc<crate::insights::Insights>>,
    /// What drove its change, when a KPI asks (`Err`: why they could not be found).
    pub drivers: Option<Arc<Result<Vec<crate::model::Driver>, String>>>,
}

/// Everything the dashboard view draws from.
#[allow(clippy::struct_excessive_bools)] // independent facts the header shows, not a state machine
pub struct DashboardView<'a> {
    /// Which dashboard.
    pub id: DashboardId,
    /// The dashboard, with unsaved edits.
    pub dashboard: &'a Dashboard,
    /// Its file or built-in name.
    pub source: &'a DashboardSource,
    /// The range shown.
    pub range: TimeRange,
    /// The instants of the last run's range.
    pub window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Param values the user set (others are the file's defaults).
    pub params: &'a HashMap<String, Option<ParamValue>>,
    /// Values to pick from, per param.
    pub options: &'a HashMap<String, Vec<String>>,
    /// Each visual's tile, by id.
    pub tiles: HashMap<&'a str, &'a TileView>,
    /// When the data shown was read.
    pub data_as_of: Option<DateTime<Utc>>,
    /// The Ballista cluster its queries run on (`None`: this machine).
    pub cluster: Option<&'a crate::model::ClusterUrl>,
    /// Whether a lake is attached (nothing runs without one).
    pub attached: bool,
    /// Edit mode.
    pub editing: bool,
    /// The visual being edited.
    pub selected: Option<&'a str>,
    /// Unsaved edits.
    pub dirty: bool,
    /// A save is being written.
    pub saving: bool,
    /// An edit can be taken back.
    pub can_undo: bool,
    /// The file changed on disk under unsaved edits.
    pub disk_changed: bool,
    /// A failed save or reload.
    pub problem: Option<&'a str>,
    /// Each rule: its state and since when.
    pub alerts: Vec<AlertView<'a>>,
    /// Recent alert transitions, oldest first.
    pub alert_history: Vec<&'a Notice>,
    /// How new the newest data in the lake is.
    pub freshness: Option<Freshness>,
    /// Why new files are not being noticed, if they are not.
    pub live_problem: Option<&'a str>,
    /// Drawn for an image: no menus, spinners or edit handles.
    pub printing: bool,
    /// The window's theme is dark (an image defaults to it).
    pub dark: bool,
    /// An image of this dashboard is being made.
    pub image_busy: bool,
    /// The last image's outcome, and whether it failed.
    pub image_outcome: Option<(&'a str, bool)>,
    /// The file is not trusted and would act (`None`: trusted, or it only shows data).
    pub untrusted: Option<Untrusted<'a>>,
    /// The range holds no rows of the tables the visuals read, though they have some: the
    /// newest, and the range of the same length ending there (offered in the header).
    pub elsewhere: Option<(DateTime<Utc>, TimeRange)>,
}

/// An untrusted dashboard file that asks to act, as its trust bar says it.
#[derive(Clone, Copy, Debug)]
pub struct Untrusted<'a> {
    /// What it does once trusted.
    pub asks: &'a [crate::trust::Ask],
    /// Why it is not trusted, when there is more to say (it changed since it was trusted).
    pub note: Option<&'a str>,
    /// Its lake, named through its own endpoint, waits for trust.
    pub endpoint_held: bool,
}

/// One alert rule as the view shows it.
#[derive(Clone, Copy, Debug)]
pub struct AlertView<'a> {
    /// The rule.
    pub rule: &'a AlertRule,
    /// Its state.
    pub state: AlertState,
    /// Since when.
    pub since: DateTime<Utc>,
}

impl DashboardView<'_> {
    /// The most urgent state among the rules on `visual` (`None`: it has none).
    pub fn visual_alert(&self, visual: &str) -> Option<AlertState> {
        self.alerts
            .iter()
            .filter(|a| a.rule.visual == visual)
            .map(|a| a.state)
            .max_by_key(|state| alerts_panel::urgency(*state))
    }

    /// The current value of param `name`: set by the user, else the file's default.
    pub fn param_value(&self, name: &str) -> Option<ParamValue> {
        match self.params.get(name) {
            Some(value) => value.clone(),
            None => self.dashboard.param(name).and_then(|p| p.default.clone()),
        }
    }
}

/// The dashboard panels' own state between frames, per dashboard.
#[derive(Default)]
pub struct DashboardPanelState {
    /// The range the custom fields were last filled from.
    pub custom_window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// The custom range's text fields.
    pub custom_from: String,
    /// The custom range's end.
    pub custom_to: String,
    /// Why the custom range was refused.
    pub range_error: Option<String>,
    /// Text typed into param fields not yet applied.
    pub param_text: HashMap<String, String>,
    /// Why a typed param value was refused, by param.
    pub param_error: HashMap<String, String>,
    /// A tile being dragged or resized.
    pub drag: Option<grid::Drag>,
    /// The side panel's draft of the selected visual.
    pub draft: Option<editor::Draft>,
    /// Whether the alerts panel is open.
    pub show_alerts: bool,
    /// The "Alert when…" dialog's draft.
    pub alert_draft: Option<AlertDraft>,
    /// The "Export image…" dialog's draft.
    pub image_draft: Option<ImageDraft>,
    /// "Not now" folded the trust bar into one line.
    pub trust_bar_folded: bool,
}

/// Draws the dashboard: header, banners, the grid, and the side panel in edit mode.
pub fn dashboard_ui(
    ui: &mut egui::Ui,
    view: &DashboardView<'_>,
    state: &mut DashboardPanelState,
    commands: &CommandSender,
) {
    let send = |command: DashboardCommand| commands.send(Command::Dashboard(view.id, command));
    header::header_ui(ui, view, state, &send);
    trust_bar::trust_bar_ui(ui, view, state, &send);
    if view.disk_changed {
        ui.horizontal(|ui| {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "The file changed on disk while you have unsaved edits.",
            );
            if ui.button("Reload from disk").clicked() {
                send(DashboardCommand::Reload);
            }
            if ui.button("Keep my edits").clicked() {
                send(DashboardCommand::KeepEdits);
            }
        });
    }
    if let Some(problem) = view.problem {
        ui.colored_label(ui.visuals().error_fg_color, problem);
    }
    if let Some(problem) = view.live_problem {
        ui.colored_label(ui.visuals().warn_fg_color, problem);
    }
    if !view.attached {
        ui.weak("Attach a lake to run this dashboard (its visuals run on the lake attached).");
    }
    alert_editor::alert_editor_ui(ui, view, &mut state.alert_draft, &send);
    image_dialog::image_dialog_ui(ui, view, &mut state.image_draft, &send);
    if state.show_alerts && !view.editing {
        egui::Panel::right(egui::IdSalt::new(("dashboard-alerts", view.id)))
            .resizable(true)
            .default_size(340.0)
            .show(ui, |ui| {
                alerts_panel::alerts_panel_ui(ui, view, state, &send);
            });
    }
    if view.editing {
        let selected = view.selected.and_then(|id| view.dashboard.visual(id));
        egui::Panel::right(egui::IdSalt::new(("dashboard-editor", view.id)))
            .resizable(true)
            .default_size(380.0)
            .show(ui, |ui| {
                editor::editor_ui(ui, view, selected, &mut state.draft, &send);
            });
    } else {
        state.draft = None;
    }
    egui::ScrollArea::vertical()
        .id_salt(("dashboard-grid", view.id))
        .auto_shrink([false, false])
        .show(ui, |ui| grid::grid_ui(ui, view, state, &send));
}

/// The title a visual shows: its title, else its id.
pub fn visual_title(visual: &Visual) -> &str {
    if visual.title.is_empty() {
        &visual.id
    } else {
        &visual.title
    }
}
