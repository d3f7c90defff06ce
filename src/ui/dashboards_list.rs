//! The catalog panel's list of dashboards (the built-in ones and "Open file…"), and the results
//! bar's "Add to dashboard" menu.

use crate::command::{Command, CommandSender, DashboardId, TabId};
use crate::model::dashboard::{Dashboard, DashboardSource, bundled::BUNDLED};

/// The built-in dashboards' names and titles, read once.
static TITLES: std::sync::LazyLock<Vec<(&str, String)>> = std::sync::LazyLock::new(|| {
    BUNDLED
        .iter()
        .map(|(name, text)| {
            let title = Dashboard::parse(text).map_or_else(|_| (*name).to_owned(), |d| d.title);
            (*name, title)
        })
        .collect()
});

/// Lists the built-in dashboards to open, and a button to open a file.
pub fn dashboards_list_ui(ui: &mut egui::Ui, commands: &CommandSender) {
    for (name, title) in TITLES.iter() {
        if ui
            .selectable_label(false, title.as_str())
            .on_hover_text(format!("Built-in dashboard `{name}` for the sample lake"))
            .clicked()
        {
            commands.send(Command::OpenDashboard(DashboardSource::Bundled(
                (*name).to_owned(),
            )));
        }
    }
    if ui.button("Open dashboard file…").clicked() {
        commands.send(Command::OpenDashboardDialog);
    }
}

/// "Add to dashboard": adds the tab's query, as its chart draws it, to one of the open dashboards.
pub fn add_to_dashboard_ui(
    ui: &mut egui::Ui,
    tab: TabId,
    dashboards: &[(DashboardId, &str)],
    commands: &CommandSender,
) {
    if dashboards.is_empty() {
        return;
    }
    ui.menu_button("Add to dashboard", |ui| {
        for (id, title) in dashboards {
            if ui.button(*title).clicked() {
                commands.send(Command::AddToDashboard {
                    tab,
                    dashboard: *id,
                });
            }
        }
    });
}
