//! The strip above the central panel: open dashboards first, then the query tabs, in order, plus
//! New tab and Close.

use crate::command::{Command, CommandSender, DashboardId, TabId};

/// An open dashboard in the strip.
pub struct DashboardTab<'a> {
    /// Which.
    pub id: DashboardId,
    /// Its title.
    pub title: &'a str,
    /// Whether it has unsaved edits.
    pub dirty: bool,
}

/// What is in front.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Front {
    /// A dashboard.
    Dashboard(DashboardId),
    /// A query tab.
    Tab(TabId),
}

/// Draws the strip: `dashboards`, then `tabs` (id and title, in order), `front` selected.
pub fn tab_strip_ui(
    ui: &mut egui::Ui,
    dashboards: &[DashboardTab<'_>],
    tabs: &[(TabId, &str)],
    front: Front,
    commands: &CommandSender,
) {
    ui.horizontal_wrapped(|ui| {
        for dashboard in dashboards {
            let selected = front == Front::Dashboard(dashboard.id);
            let title = format!(
                "{}{}",
                dashboard.title,
                if dashboard.dirty { " •" } else { "" }
            );
            if ui.selectable_label(selected, title).clicked() {
                commands.send(Command::ShowDashboard(dashboard.id));
            }
            if selected
                && ui
                    .small_button("×")
                    .on_hover_text("Close the dashboard (unsaved edits are lost)")
                    .clicked()
            {
                commands.send(Command::CloseDashboard(dashboard.id));
            }
        }
        if !dashboards.is_empty() {
            ui.separator();
        }
        for (id, title) in tabs {
            if ui
                .selectable_label(front == Front::Tab(*id), *title)
                .clicked()
            {
                commands.send(Command::SelectTab(*id));
            }
        }
        if ui.small_button("New tab").clicked() {
            commands.send(Command::NewTab);
        }
        if let Front::Tab(active) = front
            && tabs.len() > 1
            && ui.small_button("Close tab").clicked()
        {
            commands.send(Command::CloseTab(active));
        }
    });
}
